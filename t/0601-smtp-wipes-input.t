#!/bin/sh
# -bs leaves as every other mode does: the input buffers, which held the
# messages' plaintext, are wiped before the process exits.  Seen through
# a stand-in explicit_bzero (LD_PRELOAD) that notes each wipe of a buffer
# holding a token; a token in the header (wiped with the header after
# each message) shows that the stand-in is called at all.
. "$(dirname "$0")/lib.sh"
CC=${CC:-cc}
command -v "$CC" >/dev/null || skip_all "no C compiler"
cat >"$T/wipe.c" <<'EOF_'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
note(const void *p, size_t n)
{
	const char	*log = getenv("WIPE_LOG"), *tok;
	char		 name[16];
	int		 i, fd;

	for (i = 1; i <= 2 && log != NULL; i++) {
		strcpy(name, i == 1 ? "WIPE_HDR" : "WIPE_BODY");
		if ((tok = getenv(name)) == NULL ||
		    memmem(p, n, tok, strlen(tok)) == NULL)
			continue;
		if ((fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0600)) == -1)
			continue;
		write(fd, name, strlen(name));
		write(fd, "\n", 1);
		close(fd);
	}
}

void
explicit_bzero(void *p, size_t n)
{
	note(p, n);
	memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
EOF_
"$CC" -shared -fPIC -O1 -o "$T/wipe.so" "$T/wipe.c" >"$T/cc.log" 2>&1 ||
	skip_all "cannot build the stand-in explicit_bzero: $(head -c 200 "$T/cc.log")"
plan 3

mkkey alice alice@example.org
mkconf
hdrtok=hdr$$x$(date +%s)
bodytok=body$$x$(date +%s)
{
	printf 'EHLO client.example\r\nMAIL FROM:<sender@example.org>\r\n'
	printf 'RCPT TO:<alice@example.org>\r\nDATA\r\n'
	printf 'Subject: %s\r\nTo: alice@example.org\r\n\r\n' "$hdrtok"
	printf 'the secret: %s\r\n.\r\nQUIT\r\n' "$bodytok"
} >"$T/session"
# (ASan's runtime would come after the stand-in: only its own checks)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
    WIPE_LOG=$T/wiped WIPE_HDR=$hdrtok WIPE_BODY=$bodytok \
    LD_PRELOAD=$T/wipe.so timeout 60 "$PGPSENDMAIL" -bs <"$T/session" \
    >"$T/stdout" 2>"$T/err"
rc=$?
is "$rc" 0 "-bs exits 0"
if ! grep -qx WIPE_HDR "$T/wiped" 2>/dev/null; then
	skip "the body's buffers are wiped before -bs exits" \
	    "the stand-in explicit_bzero is not called here"
	skip "(likewise)" "the stand-in explicit_bzero is not called here"
	exit 0
fi
check "the header is wiped after the message (the stand-in works)" \
    grep -qx WIPE_HDR "$T/wiped"
check "the input buffers that held the body are wiped before -bs exits" \
    grep -qx WIPE_BODY "$T/wiped"
