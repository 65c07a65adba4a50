#!/bin/sh
# --run-own-queue (for the package's timer) runs our queue as -q does, but
# never the real sendmail's -q: Postfix's sendmail(1) warns against running
# its queue every few minutes.  -q typed by a person keeps its meaning: ours,
# then the real sendmail's.
. "$(dirname "$0")/lib.sh"
plan 12

mkkey alice alice@example.org
mkconf
printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <own@example.org>\nSubject: q\n\nwaiting\n' >"$T/in"
# queue_one: a message the real sendmail refuses for now waits in our queue
queue_one() {
	reset_out
	echo 75 >"$T/out/exit"
	send -f s@example.org alice@example.org <"$T/in"
	reset_out
}
# runs_q: some call of the real sendmail was its own queue run (-q)
runs_q() { grep -lx -- '-q' "$T"/out/*.argv >/dev/null 2>&1; }
ownonly() { [ "$(calls)" -ge 1 ] && ! runs_q; }
delivered() { c=$(call_of alice@example.org) && opened alice "$T/out/$c.msg" | cmp -s - "$T/in"; }

queue_one
is "$(queued_entries | wc -l)" 1 "a message the real sendmail defers waits in our queue"
send -q </dev/null
is "$rc" 0 "-q exits 0"
check "-q hands the queued entry on, and it decrypts to the original" delivered
check "-q then runs the real sendmail's own queue (-q)" runs_q
is "$(queued_entries | wc -l)" 0 "and our queue is empty after it"

queue_one
send --run-own-queue </dev/null
is "$rc" 0 "--run-own-queue exits 0"
check "--run-own-queue hands the queued entry on, and it decrypts to the original" delivered
check "--run-own-queue runs the real sendmail, but never its -q" ownonly
is "$(calls)" 1 "the real sendmail is run once, for the entry alone"
is "$(queued_entries | wc -l)" 0 "and our queue is empty after it"

send --run-own-queue alice@example.org </dev/null
is "$rc" 64 "--run-own-queue with anything else is a usage error, as --help is"
send --help </dev/null
check "--help lists --run-own-queue" grep -q -- '--run-own-queue' "$T/stdout"
