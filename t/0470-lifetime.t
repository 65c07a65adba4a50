#!/bin/sh
# The queue: -bp lists what waits; past queue-lifetime an entry is given
# up, and its sender told without the message.
. "$(dirname "$0")/lib.sh"
plan 12

mkkey alice alice@example.org
mkconf
echo 'queue-lifetime 2s' >>"$T/conf"
tok=tok$$x$(date +%s)
printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <life@example.org>\nSubject: subject-%s\n\nbody-%s\n' "$tok" "$tok" >"$T/in"

reset_out
echo 75 >"$T/out/exit"
send -f sender@example.org alice@example.org <"$T/in"
is "$rc" 0 "a message the real sendmail refuses is queued: exit 0"
rm -f "$T/out/exit"
reset_out
timeout 30 "$PGPSENDMAIL" -bp </dev/null >"$T/list" 2>&1
check "-bp lists it with its sender" grep -q 'sender@example.org' "$T/list"
check "and its recipient" grep -q 'alice@example.org' "$T/list"
check "and why it waits" grep -q 'exited with status 75' "$T/list"
check "and nothing of its content" not grep -q "$tok" "$T/list"

sleep 3
reset_out
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
is "$(find "$T/spool/q" -type f | wc -l)" 0 "-q past queue-lifetime gives the entry up"
is "$(allrcpts)" "sender@example.org" "and mails only its sender"
c=$(call_of sender@example.org)
check "from the null sender" grep -qx '<>' "$T/out/$c.argv"
check "naming the message's Message-ID" grep -q '<life@example.org>' "$T/out/$c.msg"
check "and its recipient" grep -q 'alice@example.org' "$T/out/$c.msg"
check "without its Subject" not grep -q "subject-$tok" "$T/out/$c.msg"
check "or its body" not grep -q "body-$tok" "$T/out/$c.msg"
