#!/bin/sh
# Disk full: the spool (and TMPDIR) on a 1 MiB tmpfs, a message whose
# ciphertext does not fit.  A clear error, 74, nothing sent, nothing left in
# the spool; a small message afterwards still goes through.  Root only: it
# mounts the tmpfs.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip_all "needs root to mount a tmpfs (running as uid $(id -u))"
fi
mkdir "$T/small"
if ! mount -t tmpfs -o size=1m,mode=0700 pgpsm-test "$T/small" 2>"$T/mount.err"; then
	# As root in CI this must run: a failed mount is a failure, not a skip.
	if [ "$CI" = true ]; then
		plan 1
		ok 1 "mount a 1 MiB tmpfs as root ($(cat "$T/mount.err"))"
		exit 1
	fi
	skip_all "cannot mount a tmpfs: $(cat "$T/mount.err")"
fi
on_exit 'umount "$T/small" 2>/dev/null || umount -l "$T/small"'
plan 19

mkkey alice alice@example.org
mkconf
SP=$T/small/spool
mkdir -m 700 "$SP" "$T/small/tmp"
sed -i "s|^spool .*|spool $SP|" "$T/conf"
TMPDIR=$T/small/tmp
export TMPDIR

# 3 MB of random base64: about 2.3 MB of ciphertext even after compression.
{
	printf 'From: sender@example.org\nTo: alice@example.org\nSubject: big\nMessage-ID: <big@example.org>\n\n'
	head -c 2300000 /dev/urandom | base64
} >"$T/big"
check "the test message is bigger than the tmpfs" test "$(wc -c <"$T/big")" -gt 2000000

used() { df -k "$T/small" | awk 'NR == 2 { print $3 }'; }
before=$(used)
SEND_TIMEOUT=120 send -i alice@example.org <"$T/big"
is "$rc" 74 "a full spool makes pgpsendmail exit 74 (EX_IOERR)"
check "with a pgpsendmail: error on stderr" errline '^pgpsendmail: '
check "that says the disk is full" grep -qi 'no space left' "$T/err"
check "in one line" oneline
diag "stderr: $(cat "$T/err")"
is "$(calls)" 0 "nothing is sent"
is "$(find "$SP/q" -mindepth 1 2>/dev/null | wc -l)" 0 "nothing is queued: no entry, not even a partial one, in q/"
is "$(find "$SP/tmp" -mindepth 1 2>/dev/null | wc -l)" 0 "and nothing is left in spool/tmp"
is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "nor in TMPDIR"
check "the space is given back (used $(used) kB, was $before kB)" \
    test "$(used)" -le $((before + 8))

# Two copies (alice, and bob apart as a Bcc) of which the first fits and the
# second does not: the first must not be sent or stay queued either.
mkkey bob bob@example.org
reset_out
{
	printf 'From: sender@example.org\nTo: alice@example.org\nBcc: bob@example.org\nSubject: two\nMessage-ID: <two@example.org>\n\n'
	head -c 450000 /dev/urandom | base64
} >"$T/two"
SEND_TIMEOUT=120 send -t -i <"$T/two"
is "$rc" 74 "two copies that fit one at a time but not together: 74"
check "with a pgpsendmail: error on stderr" errline '^pgpsendmail: '
is "$(calls)" 0 "and neither copy is sent"
is "$(find "$SP/q" "$SP/tmp" -mindepth 1 | wc -l)" 0 "and neither is left in the spool"

# A queue run on the full-then-freed spool is harmless.
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>"$T/qerr"
check "-q afterwards exits 0" test $? -eq 0
reset_out

printf 'From: sender@example.org\nTo: alice@example.org\nSubject: small\nMessage-ID: <small@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nsmall body\n' >"$T/in"
send -i alice@example.org <"$T/in"
is "$rc" 0 "a small message afterwards is accepted (0)"
is "$(calls)" 1 "and handed to the real sendmail once"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "and alice decrypts it to the original" "$T/dec" "$T/in"
is "$(find "$SP/q" -mindepth 1 | wc -l)" 0 "and the queue is empty again"
