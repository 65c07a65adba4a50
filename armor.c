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
#include <string.h>
#include <unistd.h>

#include "armor.h"

enum { PRE, HEAD, DATA, CRC, POST, BAD };

#define BEGIN	"-----BEGIN PGP MESSAGE-----"
#define END	"-----END PGP MESSAGE-----"
#define B64	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

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

/* Is the first byte of this radix-64 line a session-key packet's tag? */
static int
sessionkey(const char *line)
{
	const char	*c0, *c1;
	unsigned char	 b;

	if ((c0 = strchr(B64, line[0])) == NULL || line[0] == '\0' ||
	    (c1 = strchr(B64, line[1])) == NULL || line[1] == '\0')
		return 0;
	b = ((c0 - B64) << 2) | ((c1 - B64) >> 4);
	if (!(b & 0x80))
		return 0;
	b = (b & 0x40) ? (b & 0x3f) : ((b >> 2) & 0x0f);
	return b == 1 || b == 3;
}

static int
blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

/* One line, without its LF; returns the next state. */
static int
step(struct armor *a, char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		s[--n] = '\0';
	switch (a->state) {
	case PRE:
		if (n == 0)
			return PRE;
		return strcmp(s, BEGIN) == 0 ? HEAD : BAD;
	case HEAD:
		if (n == 0)
			return DATA;
		n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-");
		return (n > 0 && s[n] == ':' && s[n + 1] == ' ') ? HEAD : BAD;
	case DATA:
		if (strcmp(s, END) == 0)
			return a->checked ? POST : BAD;
		if (s[0] == '=' && n == 5 && strspn(s + 1, B64) == 4)
			return a->checked ? CRC : BAD;
		if (n == 0 || strspn(s, B64 "=") != n)
			return BAD;
		if (!a->checked && !(a->checked = sessionkey(s)))
			return BAD;
		return DATA;
	case CRC:
		return strcmp(s, END) == 0 ? POST : BAD;
	case POST:
		return blank(s) ? POST : BAD;
	}
	return BAD;
}

/*
 * A whole line: check it, then hold it (until the first packet has been
 * checked) or write it.
 */
static void
line(struct armor *a, int nl)
{
	int	was = a->checked;

	a->line[a->len] = '\0';
	a->state = a->overlong ? BAD : step(a, a->line);
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
		out(a, a->held, a->nheld);
		a->nheld = 0;
	}
	out(a, a->line, a->len + nl);
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
	if (a->len > 0 && a->state != BAD)
		line(a, 0);
	if (a->werr != 0) {
		errno = a->werr;
		return -1;
	}
	return a->state == POST;
}
