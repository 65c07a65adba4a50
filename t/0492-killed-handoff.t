#!/bin/sh
# pgpsendmail SIGKILLed while the real sendmail runs (issue 14, item 8):
# the real sendmail dies with it, before it commits the message, so that
# the entry left queued is delivered once, by -q, and not a second time by
# an orphaned sendmail.  The real sendmail here notes that it started,
# sleeps, and only then takes the message (t/fake-sendmail's record).
. "$(dirname "$0")/lib.sh"
plan 12

mkkey alice alice@example.org
cat >"$T/slow" <<EOF
#!/bin/sh
PATH=/usr/bin:/bin
if [ -e "$T/out/slow" ]; then
	echo \$\$ >"$T/started"
	sleep 3
	: >"$T/woke"
fi
[ -e "$T/out/say" ] && echo "the real sendmail says hello" >&2
exec "$ABS/t/fake-sendmail" "\$@"
EOF
chmod 755 "$T/slow"
CONF_SENDMAIL="$T/slow $T/out"
# handoffs: the messages the real sendmail took (-q's own pass-through aside)
handoffs() { grep -lx -- -- "$T"/out/*.argv 2>/dev/null | wc -l; }
mkconf
tok=tok$$x$(date +%s)
printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <killed@example.org>\nSubject: killed\n\n%s\n' \
    "$tok" >"$T/in"

reset_out
: >"$T/out/slow"
"$PGPSENDMAIL" -i alice@example.org <"$T/in" >/dev/null 2>"$T/err" &
pid=$!
i=0
while [ ! -s "$T/started" ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the real sendmail started" test -s "$T/started"
kill -KILL "$pid"
{ wait "$pid"; } 2>/dev/null
is "$?" 137 "pgpsendmail is SIGKILLed while the real sendmail sleeps"
sm=$(cat "$T/started" 2>/dev/null)
i=0
while [ -n "$sm" ] && kill -0 "$sm" 2>/dev/null && [ $i -lt 20 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the real sendmail is gone within 2 s (killed with pgpsendmail)" \
    not kill -0 "${sm:-0}"
sleep 4		# past the end of its sleep, had it lived
check "the real sendmail never woke up" test ! -e "$T/woke"
is "$(handoffs)" 0 "and never took the message (no copy delivered)"
is "$(queued_entries | wc -l)" 1 "the entry is still queued"

rm -f "$T/out/slow"
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
is "$(handoffs)" 1 "a later -q delivers exactly one copy"
c=$(call_of alice@example.org)
opened alice "$T/out/${c:-1}.msg" >"$T/got"
check_same "which alice's key decrypts to the original" "$T/got" "$T/in"
is "$(queued_entries | wc -l)" 0 "and the queue is empty"

# The real sendmail runs in a process group of its own, which is not the
# terminal's foreground group: under "stty tostop" what it writes to the
# terminal must still go out, not stop it until its deadline.
if command -v script >/dev/null 2>&1; then
	reset_out
	: >"$T/out/say"
	timeout 30 script -qec "stty tostop; '$PGPSENDMAIL' -i alice@example.org <'$T/in'; echo rc=\$?" \
	    /dev/null </dev/null >"$T/tty" 2>&1
	st=$?
	rm -f "$T/out/say"
	is "$st" 0 "on a terminal with tostop, a send whose real sendmail writes to it ends (not stopped)"
	check "and exits 0" grep -q 'rc=0' "$T/tty"
	check "what the real sendmail wrote reaches the terminal" grep -q 'the real sendmail says hello' "$T/tty"
else
	skip "a send on a terminal with tostop ends" "no script(1)"
	skip "and exits 0" "no script(1)"
	skip "what the real sendmail wrote reaches the terminal" "no script(1)"
fi
