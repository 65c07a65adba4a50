#!/bin/sh
# A sender whose caller pauses between the header and the body (a slow job
# piped into sendmail -t) keeps its files in the spool's tmp/ for as long as
# it waits.  A queue run meanwhile (root's -q from cron) must not take them
# for what a dead sender left: the message is sent when the body comes, and
# decrypts.  What a dead sender left is still cleaned.
. "$(dirname "$0")/lib.sh"
plan 9

mkkey alice alice@example.org
mkconf
printf 'From: s@example.org\nTo: alice@example.org\nSubject: slow\n\n' >"$T/head"
printf 'body after a pause\n' >"$T/body"

reset_out
{ cat "$T/head"; sleep 6; cat "$T/body"; } |
    (timeout 60 "$PGPSENDMAIL" -t >"$T/stdout" 2>"$T/err"; echo $? >"$T/rc") &
bg=$!
i=0
while [ -z "$(ls "$T/spool/tmp" 2>/dev/null)" ] && [ $i -lt 80 ]; do
	sleep 0.05
	i=$((i + 1))
done
d=$(ls -d "$T"/spool/tmp/* 2>/dev/null)
check "while it waits for the body, the sender has a folder in tmp/" test -d "$d"
touch -d "10 minutes ago" "$d"
timeout 30 "$PGPSENDMAIL" -q </dev/null >"$T/q.out" 2>&1
is "$?" 0 "a queue run meanwhile: 0"
check "and it leaves the folder, which looks 10 minutes old, alone" test -d "$d"
wait $bg
is "$(cat "$T/rc")" 0 "the slow sender exits 0 once its body came"
check "saying nothing" test ! -s "$T/err"
c=$(call_of alice@example.org)
check "the message is handed on" test -n "$c"
opened alice "$T/out/$c.msg" >"$T/dec"
is "$(bodyof "$T/dec")" "body after a pause" "and alice opens it, body and all"

# What a dead sender left: an old folder nobody holds.
mkdir -p "$T/spool/tmp/1000000000.1.deadbeef"
printf 'pgpsendmail-spool 1\n' >"$T/spool/tmp/1000000000.1.deadbeef/1"
touch -d '10 minutes ago' "$T/spool/tmp/1000000000.1.deadbeef"
mkdir -p "$T/spool/tmp/young.1.deadbeef"
timeout 30 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
check "a queue run removes an old folder no sender holds" \
    test ! -e "$T/spool/tmp/1000000000.1.deadbeef"
check "but not a young one" test -d "$T/spool/tmp/young.1.deadbeef"
