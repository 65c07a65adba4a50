#!/bin/sh
# A real sendmail that hangs (issue 13) is killed, with what it started,
# once it has gone the config's timeout without progress: the message
# stays queued (0), or without a queue the caller gets 69 and one line.
# One that keeps reading its message, however long it takes in all, is
# not cut off.
. "$(dirname "$0")/lib.sh"
plan 12

mkkey alice alice@example.org
# The real sendmail: hangs (a child of its own sleeping, its input unread)
# while $T/hang exists; reads its message 1 KB at a time, half a second
# apart, while $T/crawl does; else records it.
cat >"$T/sendmail" <<EOF
#!/bin/sh
PATH=/usr/bin:/bin
if [ -e "$T/hang" ]; then
	sleep 1000 & echo \$! >"$T/sleeper"; wait; exit 1
fi
if [ -e "$T/crawl" ]; then
	i=0
	while [ \$i -lt 10 ]; do
		dd bs=1024 count=1 2>/dev/null
		sleep 0.5
		i=\$((i + 1))
	done >"$T/crawled"
	cat >>"$T/crawled"
	exec "$ABS/t/fake-sendmail" "\$@" <"$T/crawled"
fi
exec "$ABS/t/fake-sendmail" "\$@"
EOF
chmod 755 "$T/sendmail"
CONF_SENDMAIL="$T/sendmail $T/out"
mkconf
echo 'timeout 2' >>"$T/conf"
msg() {	# msg TOKEN
	printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <%s@example.org>\nSubject: s\n\nThe token is %s.\n' "$1" "$1"
}

reset_out
msg tok-hang-1 >"$T/in"
: >"$T/hang"
t0=$(date +%s)
send -i alice@example.org <"$T/in"
secs=$(($(date +%s) - t0))
rm -f "$T/hang"
is "$rc" 0 "a real sendmail that hangs: the message stays queued (0)"
check "after the timeout (2 s), not much later ($secs s)" test "$secs" -ge 2 -a "$secs" -lt 10
check "what the real sendmail started is killed with it" gone "$T/sleeper"
e=$(queued_entries | head -n 1)
check "the entry says it did not finish" \
    grep -q "sendmail did not finish within 2 s without progress" "$e.err"
reset_out
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
# (-q also passes itself on to the real sendmail: that call has no "--")
is "$(queued_entries | wc -l)$(grep -lx -- -- "$T"/out/*.argv | wc -l)" 01 \
    "a later -q hands it on, once"
c=$(call_of alice@example.org)
opened alice "$T/out/${c:-0}.msg" 2>/dev/null | grep -q 'The token is tok-hang-1\.'
ok $? "and it decrypts to its token"

# Without a queue (the spool is not ours), the caller's failure.
if [ "$(id -u)" -eq 0 ] && getent passwd nobody >/dev/null; then
	reset_out
	rm -f "$T/sleeper"
	chown nobody:"$(id -g nobody)" "$T/spool"
	: >"$T/hang"
	send -i alice@example.org <"$T/in"
	rm -f "$T/hang"
	chown root:root "$T/spool"
	is "$rc" 69 "without a queue, a real sendmail that hangs gives 69"
	check "and one line saying so" \
	    errline '^pgpsendmail: .*/sendmail did not finish within 2 s without progress$'
	check "what it started is killed with it" gone "$T/sleeper"
else
	skip "without a queue: 69" "needs root to make the spool another's"
	skip "and one line saying so" "needs root"
	skip "what it started is killed" "needs root"
fi

# Slow but going: 10 KB, half a second apart, 5 s in all.
reset_out
{ msg tok-crawl-1; head -c 20000 /dev/urandom | base64; } >"$T/in"
: >"$T/crawl"
send -i alice@example.org <"$T/in"
rm -f "$T/crawl"
is "$rc" 0 "a real sendmail that reads its message slowly for 5 s, with timeout 2: 0"
is "$(queued_entries | wc -l)" 0 "it is not cut off: nothing stays queued"
opened alice "$T/out/1.msg" >"$T/dec" 2>/dev/null
check_same "and the message it got decrypts whole" "$T/dec" "$T/in"
