/*
 * The shape of an armored OpenPGP message (RFC 4880, section 6.2; RFC
 * 9580, section 6.2): "-----BEGIN PGP MESSAGE-----", armor headers
 * ("Key: value"), an empty line, lines of radix-64, an optional "=XXXX"
 * checksum, "-----END PGP MESSAGE-----".  The first packet of an
 * encrypted message is a public-key (tag 1) or symmetric-key (tag 3)
 * encrypted session key; a signed-only message starts otherwise and is
 * plaintext, however armored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "armor.h"

enum { PRE, HEAD, DATA, CRC, POST, BAD };

#define BEGIN	"-----BEGIN PGP MESSAGE-----"
#define END	"-----END PGP MESSAGE-----"
#define B64	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#define HEADKEY	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"

void
armor_init(struct armor *a, int fd, off_t start)
{
	memset(a, 0, sizeof(*a));
	a->state = PRE;
	a->fd = fd;
	a->off = start;
}

static void
out(struct armor *a, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0 && a->werr == 0) {
		if ((w = pwrite(a->fd, p, n, a->off)) == -1) {
			if (errno != EINTR)
				a->werr = errno;
			continue;
		}
		a->off += w;
		p += w;
		n -= w;
	}
}

/* Is s[0..n) exactly the string w? */
static int
same(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(s, w, n) == 0;
}

/* Are all of s[0..n) in set? */
static int
inset(const char *s, size_t n, const char *set)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	return 1;
}

/* Is the first byte of this radix-64 line a session-key packet's tag? */
static int
sessionkey(const char *line, size_t n)
{
	const char	*c0, *c1;
	unsigned char	 b;

	if (n < 2 || !inset(line, 2, B64))
		return 0;
	c0 = strchr(B64, line[0]);
	c1 = strchr(B64, line[1]);
	b = ((c0 - B64) << 2) | ((c1 - B64) >> 4);
	if (!(b & 0x80))
		return 0;
	b = (b & 0x40) ? (b & 0x3f) : ((b >> 2) & 0x0f);
	return b == 1 || b == 3;
}

/*
 * One line, without its LF, not changed (it is written as it came);
 * returns the next state.
 */
static int
step(struct armor *a, const char *s, size_t n)
{
	size_t	k;

	if (memchr(s, '\0', n) != NULL)
		return BAD;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		n--;
	switch (a->state) {
	case PRE:
		if (n == 0)
			return PRE;
		return same(s, n, BEGIN) ? HEAD : BAD;
	case HEAD:
		if (n == 0)
			return DATA;
		for (k = 0; k < n && strchr(HEADKEY, s[k]) != NULL; k++)
			;
		return (k > 0 && k + 1 < n && s[k] == ':' &&
		    s[k + 1] == ' ') ? HEAD : BAD;
	case DATA:
		if (same(s, n, END))
			return a->checked ? POST : BAD;
		if (n == 5 && s[0] == '=' && inset(s + 1, 4, B64))
			return a->checked ? CRC : BAD;
		if (n == 0 || !inset(s, n, B64 "="))
			return BAD;
		if (!a->checked && !(a->checked = sessionkey(s, n)))
			return BAD;
		return DATA;
	case CRC:
		return same(s, n, END) ? POST : BAD;
	case POST:
		return n == 0 || inset(s, n, " \t") ? POST : BAD;
	}
	return BAD;
}

/* Checked bytes: into memory up to ARMOR_MEM, then to the file. */
static void
keep(struct armor *a, const char *p, size_t n)
{
	char	*nm;

	if (!a->spilled && a->nmem + n <= ARMOR_MEM) {
		if ((nm = realloc(a->mem, a->nmem + n + 1)) != NULL) {
			a->mem = nm;
			memcpy(a->mem + a->nmem, p, n);
			a->nmem += n;
			return;
		}
	}
	if (!a->spilled) {
		out(a, a->mem, a->nmem);
		armor_free(a);
		a->spilled = 1;
	}
	out(a, p, n);
}

void
armor_free(struct armor *a)
{
	if (a->mem != NULL)
		explicit_bzero(a->mem, a->nmem);
	free(a->mem);
	a->mem = NULL;
	a->nmem = 0;
}

/*
 * A whole line: check it, then hold it (until the first packet has been
 * checked) or write it.
 */
static void
line(struct armor *a, int nl)
{
	int	was = a->checked;

	a->state = a->overlong ? BAD : step(a, a->line, a->len);
	if (a->state == BAD)
		return;
	a->line[a->len] = '\n';
	if (!a->checked) {
		if (a->nheld + a->len + 1 > sizeof(a->held)) {
			a->state = BAD;
			return;
		}
		memcpy(a->held + a->nheld, a->line, a->len + nl);
		a->nheld += a->len + nl;
		return;
	}
	if (!was) {
		keep(a, a->held, a->nheld);
		a->nheld = 0;
	}
	keep(a, a->line, a->len + nl);
}

void
armor_feed(struct armor *a, const char *p, size_t n)
{
	const char	*nl;
	size_t		 take;

	while (n > 0 && a->state != BAD) {
		nl = memchr(p, '\n', n);
		take = nl != NULL ? (size_t)(nl - p) : n;
		if (a->len + take < sizeof(a->line) - 1) {
			memcpy(a->line + a->len, p, take);
			a->len += take;
		} else
			a->overlong = 1;
		if (nl == NULL)
			return;
		line(a, 1);
		a->len = 0;
		a->overlong = 0;
		p += take + 1;
		n -= take + 1;
	}
}

int
armor_end(struct armor *a)
{
	if ((a->len > 0 || a->overlong) && a->state != BAD)
		line(a, 0);
	if (a->state == POST && !a->spilled)
		out(a, a->mem, a->nmem);
	armor_free(a);
	if (a->werr != 0) {
		errno = a->werr;
		return -1;
	}
	return a->state == POST;
}
