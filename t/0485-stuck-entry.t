#!/bin/sh
# A queued entry -q cannot send is not stuck for ever.  An option value that
# begins with '-' (-F '-Dash Name', -V -envid) is taken at send time and
# queued when the real sendmail fails: -q checks an entry's options by the
# same rule and hands it on.  An entry whose envelope was damaged (an option
# pgpsendmail never passes on) is listed with the reason, never handed on,
# and given up at queue-lifetime with a notice like any other.
. "$(dirname "$0")/lib.sh"
plan 17

mkkey alice alice@example.org
mkconf
echo 'flavor postfix' >>"$T/conf"
printf 'From: s@example.org\nTo: alice@example.org\nSubject: dash\n\nbody\n' >"$T/in"

# handoffs: how many backend calls handed a message on (-bp and -q, passed
# on to the real sendmail for its own queue, are not)
handoffs() { cat "$T"/out/*.argv 2>/dev/null | grep -cx -- --; }

reset_out
echo 75 >"$T/out/exit"
send -f s@example.org -F '-Dash Name' alice@example.org <"$T/in"
is "$rc" 0 "-F '-Dash Name' with the real sendmail failing: queued, 0"
send -f s@example.org -V -envid alice@example.org <"$T/in"
is "$rc" 0 "-V -envid likewise"
is "$(queued_entries | wc -l)" 2 "two entries wait"
rm -f "$T/out/exit"
reset_out
timeout 20 "$PGPSENDMAIL" -bp </dev/null >"$T/list" 2>&1
check "-bp lists them as waiting for the real sendmail" \
    test "$(grep -c 'exited with status 75' "$T/list")" -eq 2
timeout 60 "$PGPSENDMAIL" -q </dev/null >"$T/q.out" 2>&1
is "$(handoffs)" 2 "-q with a working real sendmail hands both on"
is "$(queued_entries | wc -l)" 0 "and the queue is empty"
cf=$(grep -lx -- -F "$T"/out/*.argv | sed 's/\.argv$//')
cv=$(grep -lx -- -V "$T"/out/*.argv | sed 's/\.argv$//')
is "$(sed -n '/^-F$/{n;p;q}' "$cf.argv")" "-Dash Name" "-F is passed on with its value"
is "$(sed -n '/^-V$/{n;p;q}' "$cv.argv")" "-envid" "-V likewise"
decrypt alice "$cf.msg" >/dev/null
is "$?" 0 "and what was sent decrypts"

# A damaged envelope: an option pgpsendmail never passes on.
reset_out
echo 75 >"$T/out/exit"
send -f s@example.org -F 'Dash Name' alice@example.org <"$T/in"
rm -f "$T/out/exit"
e=$(queued_entries)
sed -i 's/^opt -F$/opt -C/; s/^opt Dash Name$/opt \/tmp\/evil.cf/' "$e"
check "(the entry's envelope now holds -C /tmp/evil.cf)" grep -qx 'opt -C' "$e"
reset_out
timeout 20 "$PGPSENDMAIL" -bp </dev/null >"$T/list" 2>&1
check "-bp lists it with the reason it is not handed on" \
    grep -q '(options pgpsendmail would not pass on: not handed on)' "$T/list"
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
is "$(handoffs)" 0 "-q does not hand it on"
is "$(queued_entries | wc -l)" 1 "it waits, within queue-lifetime"
echo 'queue-lifetime 2s' >>"$T/conf"
sleep 3
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
is "$(queued_entries | wc -l)" 0 "past queue-lifetime -q gives it up"
is "$(allrcpts)" "s@example.org" "with a notice to its sender only"
c=$(call_of s@example.org)
check "saying why" grep -q 'Last error: *options pgpsendmail would not pass on' "$T/out/$c.msg"
check "and -C never reached a real sendmail" not grep -q 'evil' "$T"/out/*.argv
