#!/bin/sh
# When the spool opens but a message cannot begin in it (tmp/ cannot take
# a new directory: disk full, quota), the message goes on without the
# queue, as when there is no spool at all; and the spool's descriptors
# are closed at once, so that a -bs session of many such messages does
# not run out of descriptors and start refusing mail.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || skip_all "strace is not installed"
plan 4

mkkey alice alice@example.org
mkconf
tok=tok$$x$(date +%s)
msgs=12
{
	printf 'EHLO client.example\r\n'
	i=0
	while [ "$i" -lt "$msgs" ]; do
		i=$((i + 1))
		printf 'MAIL FROM:<sender@example.org>\r\n'
		printf 'RCPT TO:<alice@example.org>\r\n'
		printf 'DATA\r\nSubject: %s\r\nTo: alice@example.org\r\n\r\n' "$i"
		printf '%s %s\r\n.\r\n' "$tok" "$i"
	done
	printf 'QUIT\r\n'
} >"$T/session"

# Each message makes three directories: the spool's tmp/ and q/ (there
# already), then tmp/ID, which fails here: the 3rd, 6th, 9th... mkdirat.
# (under ptrace, an ASan build's leak check cannot run)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    timeout 120 sh -c 'ulimit -n 40 && exec strace -o /dev/null \
    -e inject=mkdirat:error=ENOSPC:when=3+3 "$@"' sh \
    "$PGPSENDMAIL" -bs <"$T/session" >"$T/stdout" 2>"$T/err"
rc=$?
tr -d '\r' <"$T/stdout" >"$T/replies"
is "$rc" 0 "-bs exits 0"
is "$(grep -c '^250 2.0.0 Ok: sent' "$T/replies")" "$msgs" \
    "all $msgs messages of the session are sent, none refused for want of descriptors"
is "$(calls)" "$msgs" "the real sendmail got $msgs messages"
is "$(find "$T/spool/q" -type f | wc -l)" 0 "nothing was queued"
[ "$failed" -eq 0 ] && exit 0
diag "replies:" "$(grep '^[45]' "$T/replies" | head -n 5)" "stderr:" "$(head -n 5 "$T/err")"
