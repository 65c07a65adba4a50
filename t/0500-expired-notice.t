#!/bin/sh
# An entry that expires while the real sendmail is still down (issue 14,
# item 10): it is not dropped unheard.  It stays until the real sendmail
# takes its sender's notice; a later -q sends the notice, never the message.
. "$(dirname "$0")/lib.sh"
plan 9

mkkey alice alice@example.org
mkconf
echo 'queue-lifetime 2s' >>"$T/conf"
tok=tok$$x$(date +%s)
printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <down@example.org>\nSubject: subject-%s\n\nbody-%s\n' "$tok" "$tok" >"$T/in"
# handoffs: the argv files of what the real sendmail was given (-q's own
# pass-through aside)
handoffs() { grep -lx -- -- "$T"/out/*.argv 2>/dev/null; }

reset_out
echo 75 >"$T/out/exit"
send -f sender@example.org alice@example.org <"$T/in"
is "$rc" 0 "a message the real sendmail refuses is queued: exit 0"
sleep 3

# Past its lifetime, the real sendmail still down.
reset_out
echo 75 >"$T/out/exit"
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
is "$(queued_entries | wc -l)" 1 "-q with the real sendmail down keeps the expired entry"
is "$(for f in $(handoffs); do sed '1,/^--$/d' "$f"; done | sort -u)" "sender@example.org" \
    "it tried only the notice to the sender"
check "and did not hand on the message" not grep -rq 'BEGIN PGP MESSAGE' "$T/out"

# The real sendmail back: the notice goes, the entry with it.
reset_out
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
is "$(queued_entries | wc -l)" 0 "-q with the real sendmail back removes the entry"
f=$(handoffs)
is "$(echo "$f" | grep -c .)" 1 "after handing on one thing"
is "$(sed '1,/^--$/d' "${f:-/dev/null}")" "sender@example.org" "the notice, to the sender"
check "from the null sender" grep -qx '<>' "${f:-/dev/null}"
check "naming the message, not holding it" sh -c \
    "grep -q '<down@example.org>' '${f%.argv}.msg' && ! grep -Eq 'BEGIN PGP|$tok' '${f%.argv}.msg'"
