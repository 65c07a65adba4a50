#!/bin/sh
# A 100 MB message goes through, decrypts to the original, and pgpsendmail's
# memory does not grow with it.
. "$(dirname "$0")/lib.sh"
plan 4

mkkey alice alice@example.org
mkconf
{
	printf 'From: sender@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
	printf 'Message-ID: <large@example.org>\nSubject: 100 MB\nMIME-Version: 1.0\n'
	printf 'Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	head -c 75000000 /dev/urandom | base64 -w 76
} >"$T/in"
want=$(sha256sum <"$T/in")

# Run it in the background and watch its peak resident size (VmHWM, kB).
"$PGPSENDMAIL" -i alice@example.org <"$T/in" >"$T/stdout" 2>"$T/err" &
pid=$!
hwm=0
t=0
while kill -0 $pid 2>/dev/null; do
	k=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' /proc/$pid/status 2>/dev/null)
	[ -n "$k" ] && [ "$k" -gt "$hwm" ] && hwm=$k
	sleep 0.2
	t=$((t + 1))
	[ $t -gt 1500 ] && { kill $pid; diag "pgpsendmail took over 300 s"; break; }
done
wait $pid
rc=$?
is "$rc" 0 "a 100 MB message is sent"
is "$(calls)" 1 "in one backend call"
got=$(opened alice "$T/out/1.msg" | sha256sum)
is "$got" "$want" "it decrypts to the original (sha256)"
if grep -aq __asan_init "$PGPSENDMAIL"; then
	skip "pgpsendmail's peak memory stays under 50 MB" "sanitizer build"
else
	check "pgpsendmail's peak memory stays under 50 MB (was ${hwm} kB)" test "$hwm" -lt 51200
fi
