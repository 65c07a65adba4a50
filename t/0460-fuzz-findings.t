#!/bin/sh
# What fuzzing found (fuzz/findings/README), sent for real.
. "$(dirname "$0")/lib.sh"
plan 16

F=$ABS/fuzz/findings
mkkey alice alice@example.org
mkconf

reset_out
send -i alice@example.org <"$F/F2-armor-trailing-blanks.eml"
is "$rc" 0 "F2: armor with blanks after its lines is passed through"
check "F2: byte for byte, no NUL put in place of the blanks" \
    cmp -s "$(bodyof "$T/out/1.msg" >"$T/b"; echo "$T/b")" \
    "$(bodyof "$F/F2-armor-trailing-blanks.eml" >"$T/w"; echo "$T/w")"

# F3: the same message, whole or split inside a long field name, is read
# the same way: the line is body either way.
reset_out
send -i -t <"$F/F3-long-field-name-bcc.eml"
allrcpts >"$T/whole"
opened alice "$T/out/1.msg" "$F/F3-long-field-name-bcc.eml" |
    grep -avE '^(HP-Outer: )?(Date|Message-ID):' >"$T/dec.whole"
reset_out
{ head -c 1043 "$F/F3-long-field-name-bcc.eml"; sleep 1
  tail -c +1044 "$F/F3-long-field-name-bcc.eml"; } | send -i -t
allrcpts >"$T/split"
opened alice "$T/out/1.msg" "$F/F3-long-field-name-bcc.eml" |
    grep -avE '^(HP-Outer: )?(Date|Message-ID):' >"$T/dec.split"
check_same "F3: split reads give the same recipients as one read" "$T/split" "$T/whole"
check_same "F3: and alice reads the same message (but for the Date and Message-ID added)" "$T/dec.split" "$T/dec.whole"

for f in F4-no-header-then-armor F5-armor-nul F6-armor-long-last-line; do
	reset_out
	send -i alice@example.org <"$F/$f.eml"
	is "$rc" 0 "$f: sent"
	check "$f: not passed through as if encrypted: encrypted by us" \
	    grep -q 'boundary="pgpsendmail-' "$T/out/1.msg"
	case $f in
	F4*) secret='My PIN is 1234' ;;
	F5*) secret='the secret plan' ;;
	F6*) secret='the rest of my letter' ;;
	esac
	check "$f: '$secret' is not in clear" not grep -aq "$secret" "$T/out/1.msg"
	decrypt alice "$T/out/1.msg" >"$T/dec"
	check "$f: alice reads it" grep -aq "$secret" "$T/dec"
done
