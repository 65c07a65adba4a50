#!/bin/sh
# Malformed and hostile input (issue 5): NUL bytes, a 1 MB header line,
# 10,000 headers, no body, no final newline, bare CR, invalid UTF-8 in an
# address, 1,000 recipients, 100,000 nested comments, addresses that look
# like options.  Each is a clear one-line error with nothing sent, or a
# correct delivery; never a crash (exit >= 128) or a hang (timeout, 124).
. "$(dirname "$0")/lib.sh"
plan 117

mkkey alice alice@example.org
mkkey many many@many.example
manyfpr=$fpr
printf '@many.example %s\n' "$manyfpr" >"$T/keymap"
mkconf
SEND_TIMEOUT=60

head_() {	# head_ ID: a complete header, so that nothing is added
	printf 'From: sender@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <%s@example.org>\nSubject: %s\n' "$1" "$1"
}
# sane WHAT: no crash, no hang
sane() { check "$1: no crash, no hang (exit $rc)" test "$rc" -lt 124; }
# refused WHAT STATUS: STATUS, one clear pgpsendmail: line, nothing sent
refused() {
	sane "$1"
	is "$rc" "$2" "$1: refused with $2"
	check "$1: with one pgpsendmail: line on stderr" \
	    env LC_ALL=C sh -c "grep -Eq '^pgpsendmail: .{1,300}\$' '$T/err' && ! grep -vq '^pgpsendmail: ' '$T/err' && [ \$(wc -l <'$T/err') -eq 1 ]"
	is "$(calls)" 0 "$1: nothing is sent"
	is "$(queued_entries | wc -l)" 0 "$1: nothing is queued"
	diag "$1: $(head -c 300 "$T/err" | tr -c '[:print:]\n' '?')"
}
# delivered WHAT: 0, one call to alice, no stderr
delivered() {
	sane "$1"
	is "$rc" 0 "$1: accepted (0)"
	is "$(allrcpts)" alice@example.org "$1: one copy, for alice"
	check "$1: nothing on stderr" test ! -s "$T/err"
}

# NUL bytes.  In the body: passed on byte for byte.
reset_out
{ head_ nulbody; printf '\nbefore\000after\n\000\000\nend\n'; } >"$T/in"
send -i alice@example.org <"$T/in"
delivered "a NUL byte in the body"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "a NUL byte in the body: alice decrypts the message byte for byte" "$T/dec" "$T/in"
# In the header: refused.
reset_out
{ printf 'From: sender@example.org\nTo: alice@example.org\nSubject: nul\000here\n\nbody\n'; } >"$T/in"
send -i alice@example.org <"$T/in"
refused "a NUL byte in the header" 65

# A 1 MB header line.
reset_out
{
	head_ longline
	printf 'X-Huge: '
	head -c 1048576 /dev/zero | tr '\0' a
	printf '\n\nbody\n'
} >"$T/in"
send -i alice@example.org <"$T/in"
refused "a 1 MB header line" 65

# 10,000 header fields (about 150 kB, under the 512 kB limit): delivered
# intact, with -t as well as with an operand.
{
	head_ tenk
	i=0
	while [ $i -lt 10000 ]; do
		printf 'X-Field-%d: value %d\n' $i $i
		i=$((i + 1))
	done
	printf '\nbody after 10,000 fields\n'
} >"$T/in"
for how in operand -t; do
	reset_out
	if [ $how = -t ]; then
		send -t -i <"$T/in"
	else
		send -i alice@example.org <"$T/in"
	fi
	delivered "10,000 header fields ($how)"
	opened alice "$T/out/1.msg" >"$T/dec"
	check_same "10,000 header fields ($how): alice decrypts all of them intact" "$T/dec" "$T/in"
done

# No body: a header and no empty line after it.
reset_out
head_ nobody >"$T/in"
send -i alice@example.org <"$T/in"
delivered "a message with no body (no empty line)"
decrypt alice "$T/out/1.msg" >"$T/dec"
headers "$T/in" >"$T/want"
headers "$T/dec" | grep -v '^HP-Outer:' | grep -v '^Content-Type: text/plain; hp="cipher"' | grep -vi '^MIME-Version:' >"$T/got"
check_same "no body: alice gets the header fields" "$T/got" "$T/want"
is "$(bodyof "$T/dec" | tr -d '\n' | wc -c | tr -d ' ')" 0 "no body: and an empty body"

# No final newline: the last line arrives, with or without a newline added.
reset_out
{ head_ nonl; printf '\nfirst line\nlast line without newline'; } >"$T/in"
send -i alice@example.org <"$T/in"
delivered "no final newline"
opened alice "$T/out/1.msg" >"$T/dec"
printf '\n' | cat "$T/in" - >"$T/in2"
check "no final newline: the last line arrives whole" \
    sh -c "cmp -s '$T/dec' '$T/in' || cmp -s '$T/dec' '$T/in2'"

# A bare CR in the body is kept.
reset_out
{ head_ crbody; printf '\nbare\rCR here, and CR at the end\r\nnext\n'; } >"$T/in"
send -i alice@example.org <"$T/in"
delivered "a bare CR in the body"
opened alice "$T/out/1.msg" >"$T/dec"
# A CR before LF may be turned into LF (man page, INPUT); the bare one stays.
sed "s/\\r\$//" "$T/in" >"$T/in2"
check "a bare CR in the body: kept (the one before LF may go)" \
    sh -c "cmp -s '$T/dec' '$T/in' || cmp -s '$T/dec' '$T/in2'"
check "a bare CR in the body: the bare one is there" grep -q "$(printf 'bare\r')CR" "$T/dec"

# A bare CR in an address header: refused, with -t and without.
printf 'From: sender@example.org\nTo: alice@exam\rple.org\nSubject: cr\n\nbody\n' >"$T/in"
reset_out
send -t -i <"$T/in"
refused "a bare CR in To with -t" 65
printf 'From: sender@example.org\nTo: alice@example.org\nCc: bob\r@example.org\nSubject: cr\n\nbody\n' >"$T/in"
reset_out
send -t -i <"$T/in"
refused "a bare CR in Cc with -t" 65

# Invalid UTF-8 in an address: in a header with -t (65), as an operand (64).
printf 'From: sender@example.org\nTo: ali\377ce@example.org\nSubject: u\n\nbody\n' >"$T/in"
reset_out
send -t -i <"$T/in"
refused "invalid UTF-8 in To with -t" 65
check "invalid UTF-8 in To: the error says so" grep -qi 'utf-8' "$T/err"
check "invalid UTF-8 in To: the error line is itself valid UTF-8 (the bad byte is not echoed)" \
    sh -c "iconv -f UTF-8 -t UTF-8 '$T/err' >/dev/null 2>&1"
printf 'From: sender@example.org\nTo: alice@example.org\nSubject: u\n\nbody\n' >"$T/in"
reset_out
send -i "$(printf 'ali\300\200ce@example.org')" <"$T/in"
refused "an overlong UTF-8 sequence in an operand" 64
check "an overlong UTF-8 operand: the error line is valid UTF-8" \
    sh -c "iconv -f UTF-8 -t UTF-8 '$T/err' >/dev/null 2>&1"

# 1,000 recipients, all under @many.example, which the keymap sends to the
# one key of "many": -t with one To of 1000 addresses.
i=1
while [ $i -le 1000 ]; do
	echo "user$i@many.example"
	i=$((i + 1))
done >"$T/thousand"
{
	printf 'From: sender@example.org\nTo: '
	paste -sd, "$T/thousand" | sed 's/,/,\n /g'
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <thousand@example.org>\nSubject: many\n\nto a thousand\n'
} >"$T/in"
reset_out
send -t -i <"$T/in"
sane "1,000 recipients"
is "$rc" 0 "1,000 recipients: accepted (0)"
sort "$T/thousand" >"$T/want"
allrcpts >"$T/got"
check_same "1,000 recipients: the real sendmail's argv has all 1000 after --, each once" "$T/got" "$T/want"
is "$(calls)" 1 "1,000 recipients: in one call (one key, one ciphertext)"
opened many "$T/out/1.msg" >"$T/dec"
check_same "1,000 recipients: the To copy decrypts to the original" "$T/dec" "$T/in"
is "$(keyids "$T/out/1.msg" | wc -l | tr -d ' ')" 1 "1,000 recipients: encrypted to one key"

# 100,000 nested comments in one line of To, with -t.
{
	printf 'From: sender@example.org\nTo: alice@example.org '
	head -c 100000 /dev/zero | tr '\0' '('
	head -c 100000 /dev/zero | tr '\0' ')'
	printf '\nSubject: nested\n\nbody\n'
} >"$T/in"
reset_out
send -t -i <"$T/in"
sane "100,000 nested comments in To"
check "100,000 nested comments in To: 0 or a clear 65 (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 65
if [ "$rc" -eq 0 ]; then
	is "$(allrcpts)" alice@example.org "100,000 nested comments: accepted for alice only"
else
	errline '^pgpsendmail: ' && oneline
	ok $? "100,000 nested comments: refused with one pgpsendmail: line"
fi
# ... and unbalanced: 100,000 opened, none closed.
{
	printf 'From: sender@example.org\nTo: alice@example.org '
	head -c 100000 /dev/zero | tr '\0' '('
	printf '\nSubject: nested\n\nbody\n'
} >"$T/in"
reset_out
send -t -i <"$T/in"
refused "100,000 unclosed comments in To" 65

# Addresses that look like options.
printf 'From: sender@example.org\nTo: alice@example.org\nSubject: opt\n\nbody\n' >"$T/in"
for a in -oQ/tmp --help; do
	reset_out
	send -i -- "$a" <"$T/in"
	refused "the operand $a after --" 64
	check "the operand $a: the error names it" grep -qF -- "$a" "$T/err"
	reset_out
	send -i alice@example.org "$a" <"$T/in"
	refused "alice and the operand $a" 64
	check "alice and the operand $a: the error names it" grep -qF -- "$a" "$T/err"
done
# Without --, -oQ/tmp is an option (sendmail's -o, ignored): no recipient.
reset_out
send -i -oQ/tmp <"$T/in"
sane "-oQ/tmp without --"
check "-oQ/tmp without -- is not a recipient: nothing sent (exit $rc)" \
    sh -c "[ $rc -ne 0 ] && [ \$(ls '$T/out' | grep -c argv) -eq 0 ]"
for a in -oQ/tmp --help; do
	printf 'From: sender@example.org\nTo: alice@example.org, %s\nSubject: opt\n\nbody\n' "$a" >"$T/in"
	reset_out
	send -t -i <"$T/in"
	refused "To: alice@example.org, $a with -t" 65
	check "To: $a: the error names it" grep -qF -- "$a" "$T/err"
done
