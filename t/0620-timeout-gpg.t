#!/bin/sh
# A gpg that hangs (issue 13): the key listing, the encryption, or the end
# of a run that has the whole message (as a gpg-agent that never answers a
# signing request leaves it) is killed, with what it started, once it has
# gone the config's timeout without progress; the caller gets 69 and one
# line, and nothing is queued or sent.  A caller that pauses longer than
# the timeout (a slow job piped into sendmail -t) is never cut off: while
# we wait for it, gpg waits through no fault of its own.
. "$(dirname "$0")/lib.sh"
plan 26

mkkey alice alice@example.org
# The gpg: hangs (a child of its own sleeping) where $T/hang says, else gpg.
cat >"$T/gpg" <<EOF
#!/bin/sh
PATH=/usr/bin:/bin
hang=\$(cat "$T/hang" 2>/dev/null)
for a; do
	case "\$a:\$hang" in
	--list-keys:list | --encrypt:encrypt)
		sleep 1000 & echo \$! >"$T/sleeper"; wait; exit 1 ;;
	--encrypt:end)
		cat >/dev/null
		sleep 1000 & echo \$! >"$T/sleeper"; wait; exit 1 ;;
	esac
done
exec /usr/bin/gpg "\$@"
EOF
chmod 755 "$T/gpg"
CONF_GPG=$T/gpg
mkconf
echo 'timeout 2' >>"$T/conf"
printf 'From: s@example.org\nTo: alice@example.org\nSubject: stuck\n\nhello\n' >"$T/in"

# The config key.
cp "$T/conf" "$T/conf.good"
for v in 0 2x 2d -1; do
	cp "$T/conf.good" "$T/conf"
	sed -i "s/^timeout .*/timeout $v/" "$T/conf"
	send -i alice@example.org <"$T/in"
	[ "$rc" = 78 ] && errline "conf:[0-9]+: timeout wants a time"
	ok $? "timeout $v is refused (78, naming the line)"
done
cp "$T/conf.good" "$T/conf"

# stuck WHAT: send with $T/hang saying WHAT; the time it took in $secs
stuck() {
	reset_out
	rm -f "$T/sleeper"
	echo "$1" >"$T/hang"
	t0=$(date +%s)
	send -i alice@example.org <"$T/in"
	secs=$(($(date +%s) - t0))
	rm -f "$T/hang"
}

stuck list
is "$rc" 69 "a key listing that hangs: 69"
check "after the timeout (2 s), not much later ($secs s)" test "$secs" -ge 2 -a "$secs" -lt 10
check "one line: gpg --list-keys did not finish" \
    errline '^pgpsendmail: gpg --list-keys did not finish within 2 s without progress$'
check "what the stuck gpg started is killed with it" gone "$T/sleeper"
is "$(calls)$(queued_entries | wc -l)" 00 "nothing is sent or queued"

stuck encrypt
is "$rc" 69 "an encryption that never reads the message: 69"
check "after the timeout ($secs s)" test "$secs" -ge 2 -a "$secs" -lt 10
check "one line: gpg did not finish" \
    errline '^pgpsendmail: gpg did not finish within 2 s without progress$'
check "what it started is killed with it" gone "$T/sleeper"
is "$(calls)$(queued_entries | wc -l)" 00 "nothing is sent or queued"

stuck end
is "$rc" 69 "an encryption that takes the message and hangs (as on a gpg-agent that never answers): 69"
check "after the timeout ($secs s)" test "$secs" -ge 2 -a "$secs" -lt 10
check "one line: gpg did not finish" \
    errline '^pgpsendmail: gpg did not finish within 2 s without progress$'
check "what it started is killed with it" gone "$T/sleeper"
is "$(calls)$(queued_entries | wc -l)" 00 "nothing is sent or queued"
check "and nothing is left in the spool's tmp/" test -z "$(ls "$T/spool/tmp" 2>/dev/null)"

# A slow writer: pauses of 4 s, twice the timeout, between the header and
# the body and in the middle of the body (after 300 KB, more than the pipes
# to gpg hold).  Each is our caller's, never gpg's.
head -c 300000 /dev/urandom | base64 >"$T/part1"
printf 'the end of the body\n' >"$T/part2"
{ printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <slow@example.org>\nSubject: slow\n\n'
  cat "$T/part1" "$T/part2"; } >"$T/slow"
reset_out
{ printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <slow@example.org>\nSubject: slow\n\n'
  sleep 4; cat "$T/part1"; sleep 4; cat "$T/part2"; } | send -t
rc=$(cat "$T/rc")	# send ran in the pipeline's subshell
is "$rc" 0 "a writer that pauses 4 s twice, with timeout 2: 0"
check "saying nothing" test ! -s "$T/err"
c=$(call_of alice@example.org)
check "the message is handed on" test -n "$c"
opened alice "$T/out/${c:-0}.msg" "$T/slow" >"$T/dec"
check_same "and alice opens it, body and all" "$T/dec" "$T/slow"

# The same with the recipient on the command line.
reset_out
{ printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <slow@example.org>\nSubject: slow\n\n'
  cat "$T/part1"; sleep 4; cat "$T/part2"; } | send -i alice@example.org
rc=$(cat "$T/rc")
is "$rc" 0 "a pause in the middle of the body with -i: 0"
c=$(call_of alice@example.org)
opened alice "$T/out/${c:-0}.msg" "$T/slow" >"$T/dec"
check_same "and that message opens too" "$T/dec" "$T/slow"
