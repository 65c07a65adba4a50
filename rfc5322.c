/*
 * RFC 5322: the header section and address lists.
 *
 * The header section is kept as read, field by field, so that what is
 * encrypted is byte for byte what the sender wrote.  Its size is capped
 * (HDR_MAXBYTES, HDR_MAXFIELDS); the body is never held here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rfc5322.h"
#include "text.h"

/* Grow h->buf to hold need more bytes, wiping what it leaves behind. */
static int
hdr_grow(struct hdr *h, size_t need)
{
	size_t	 ncap;
	char	*nbuf;

	if (h->len + need > HDR_MAXBYTES)
		return -1;
	if (h->len + need <= h->cap)
		return 0;
	ncap = h->cap ? h->cap : 4096;
	while (ncap < h->len + need)
		ncap *= 2;
	if (ncap > HDR_MAXBYTES)
		ncap = HDR_MAXBYTES;
	if ((nbuf = malloc(ncap)) == NULL)
		return -1;
	if (h->buf != NULL) {
		memcpy(nbuf, h->buf, h->len);
		explicit_bzero(h->buf, h->cap);
		free(h->buf);
	}
	h->buf = nbuf;
	h->cap = ncap;
	return 0;
}

static int
hdr_push(struct hdr *h, size_t off, size_t len, size_t namelen)
{
	struct field	*nf;
	size_t		 ncap;

	if (h->n == HDR_MAXFIELDS)
		return -1;
	if (h->n == h->fcap) {
		ncap = h->fcap ? h->fcap * 2 : 32;
		if ((nf = reallocarray(h->f, ncap, sizeof(*nf))) == NULL)
			return -1;
		h->f = nf;
		h->fcap = ncap;
	}
	h->f[h->n].off = off;
	h->f[h->n].len = len;
	h->f[h->n].namelen = namelen;
	h->n++;
	return 0;
}

/*
 * Can this start of a line, not yet complete, still be a field?  It can
 * while it is a field name, maybe followed by blanks: then the rest must
 * be read.  Once it cannot, the line is body and need not be held.
 */
static int
maybefield(const char *line, size_t len, int fields)
{
	size_t	i;

	if (len > 0 && (line[0] == ' ' || line[0] == '\t'))
		return fields > 0;	/* a continuation line */
	for (i = 0; i < len && line[i] > 32 && line[i] < 127 &&
	    line[i] != ':'; i++)
		;
	if (i > 998)
		return 0;	/* no name is longer than a line may be */
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i == len || line[i] == ':';
}

/*
 * The length of the field name that starts line, or 0 if the line is not
 * a field: printable ASCII but ':', then optional blanks (obsolete
 * syntax), then ':'.
 */
static size_t
fieldname(const char *line, size_t len)
{
	size_t	i, n;

	for (i = 0; i < len && line[i] > 32 && line[i] < 127 &&
	    line[i] != ':'; i++)
		;
	n = i;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	/* As maybefield() says: whatever the reads, the same answer. */
	return (n > 0 && n <= 998 && i < len && line[i] == ':') ? n : 0;
}

/*
 * An mbox "From " line (or ">From "), as git format-patch --stdout and
 * mbox files begin: before the first field, outside SMTP, it is skipped,
 * as Postfix's sendmail does.  Also true of a line not yet complete that
 * may still become one.
 */
static int
mboxfrom(const char *line, size_t len)
{
	if (len > 0 && line[0] == '>') {
		line++;
		len--;
	}
	return memcmp(line, "From ", len < 5 ? len : 5) == 0;
}

int
hdr_read(struct hdr *h, struct input *in)
{
	size_t	 start, take, linelen, namelen;
	ssize_t	 r;
	char	*nl, *line;
	int	 complete;

	memset(h, 0, sizeof(*h));
	for (;;) {
		start = h->len;
		complete = 0;
		while (!complete) {
			if ((r = input_fill(in)) == -1)
				return HDR_EREAD;
			if (r == 0)
				break;
			nl = memchr(in->p, '\n', in->n);
			take = nl != NULL ? (size_t)(nl - in->p) + 1 : in->n;
			if (hdr_grow(h, take + 1) == -1)
				return HDR_ETOOBIG;
			memcpy(h->buf + h->len, in->p, take);
			h->len += take;
			in->p += take;
			in->n -= take;
			complete = nl != NULL;
			if (!complete && !maybefield(h->buf + start,
			    h->len - start, h->n) && (h->n > 0 || in->smtp ||
			    !mboxfrom(h->buf + start, h->len - start)))
				break;	/* a body line: the rest streams */
		}
		if (h->len == start)
			return HDR_OK;	/* the end, maybe with no buffer yet */
		line = h->buf + start;
		linelen = h->len - start;
		if (h->n == 0 && !in->smtp && complete && linelen > 5 &&
		    mboxfrom(line, linelen)) {
			explicit_bzero(line, linelen);
			h->len = start;
			continue;
		}
		if (linelen == 1 && complete) {
			h->len = start;		/* the empty line */
			return HDR_OK;
		}
		namelen = fieldname(line, linelen);
		if (namelen == 0 && ((line[0] != ' ' && line[0] != '\t') ||
		    h->n == 0)) {
			/* No field: the body has begun without a blank line. */
			if ((h->bodystart = malloc(linelen)) == NULL)
				return HDR_ETOOBIG;
			memcpy(h->bodystart, line, linelen);
			h->bodystartlen = linelen;
			explicit_bzero(line, linelen);
			h->len = start;
			return HDR_OK;
		}
		if (memchr(line, '\0', linelen) != NULL)
			return HDR_ENUL;
		if (!complete) {
			h->buf[h->len++] = '\n';	/* room was grown for it */
			linelen++;
		}
		if (namelen == 0)
			h->f[h->n - 1].len += linelen;
		else if (hdr_push(h, start, linelen, namelen) == -1)
			return HDR_ETOOBIG;
		if (!complete)
			return HDR_OK;
	}
}

int
hdr_add(struct hdr *h, const char *name, const char *value)
{
	size_t	nlen = strlen(name), vlen = strlen(value), start = h->len;

	if (hdr_grow(h, nlen + vlen + 3) == -1)
		return -1;
	memcpy(h->buf + h->len, name, nlen);
	h->len += nlen;
	memcpy(h->buf + h->len, ": ", 2);
	h->len += 2;
	memcpy(h->buf + h->len, value, vlen);
	h->len += vlen;
	h->buf[h->len++] = '\n';
	if (hdr_push(h, start, h->len - start, nlen) == -1) {
		h->len = start;
		return -1;
	}
	return 0;
}

int
hdr_is(const struct hdr *h, size_t i, const char *name)
{
	return h->f[i].namelen == strlen(name) &&
	    strncasecmp(h->buf + h->f[i].off, name, h->f[i].namelen) == 0;
}

char *
hdr_value(const struct hdr *h, size_t i)
{
	const char	*s = h->buf + h->f[i].off;
	size_t		 len = h->f[i].len, j, w = 0;
	char		*v;

	j = (const char *)memchr(s, ':', len) - s + 1;
	if ((v = malloc(len + 1)) == NULL)
		return NULL;
	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	for (; j < len; j++) {
		if (s[j] == '\n')
			continue;	/* unfolding: the blank after it stays */
		if (s[j] == '\r' && j + 1 < len && s[j + 1] == '\n')
			continue;
		v[w++] = s[j];
	}
	v[w] = '\0';
	return v;
}

void
hdr_free(struct hdr *h)
{
	if (h->buf != NULL)
		explicit_bzero(h->buf, h->cap);
	free(h->buf);
	free(h->f);
	if (h->bodystart != NULL)
		explicit_bzero(h->bodystart, h->bodystartlen);
	free(h->bodystart);
	memset(h, 0, sizeof(*h));
}

/* Address lists: a tokenizer, then one mailbox at a time. */

enum toktype { T_END, T_ATOM, T_QSTR, T_DLIT, T_SPECIAL, T_ERR };

struct tok {
	enum toktype	 type;
	const char	*s;
	size_t		 len;
};

#define MAXTOK	128	/* tokens in one addr-spec */
#define SPECIALS	"()<>[]:;@\\,.\""

void
addrlist_init(struct addrlist *al, const char *s)
{
	memset(al, 0, sizeof(*al));
	al->s = s;
	al->len = strlen(s);
}

/* Skip blanks and comments (nested, with quoted pairs). */
static int
skipcfws(struct addrlist *al, const char **why)
{
	const char	*s = al->s;
	size_t		 depth;

	for (;;) {
		while (al->pos < al->len && (s[al->pos] == ' ' ||
		    s[al->pos] == '\t'))
			al->pos++;
		if (al->pos == al->len || s[al->pos] != '(')
			return 0;
		for (depth = 0; al->pos < al->len; al->pos++) {
			if (s[al->pos] == '\\')
				al->pos++;
			else if (s[al->pos] == '(')
				depth++;
			else if (s[al->pos] == ')' && --depth == 0)
				break;
		}
		if (al->pos >= al->len) {
			*why = "unterminated comment";
			return -1;
		}
		al->pos++;
	}
}

/* A quoted string or domain literal ending in close, with quoted pairs. */
static size_t
delimited(const char *s, size_t len, char close)
{
	size_t	j;

	for (j = 1; j < len && s[j] != close; j++)
		if (s[j] == '\\')
			j++;
	return j < len ? j + 1 : 0;
}

static enum toktype
nexttok(struct addrlist *al, struct tok *t, const char **why)
{
	const char	*s;
	size_t		 rem;
	unsigned char	 c;

	if (skipcfws(al, why) == -1)
		return t->type = T_ERR;
	if (al->pos == al->len)
		return t->type = T_END;
	s = t->s = al->s + al->pos;
	rem = al->len - al->pos;
	c = *s;
	if (c == '"' || c == '[') {
		t->type = c == '"' ? T_QSTR : T_DLIT;
		if ((t->len = delimited(s, rem, c == '"' ? '"' : ']')) == 0) {
			*why = c == '"' ? "unterminated quoted string" :
			    "unterminated domain literal";
			return t->type = T_ERR;
		}
	} else if (strchr("<>@,;:.", c) != NULL) {
		t->type = T_SPECIAL;
		t->len = 1;
	} else if (c < 0x20 || c == 0x7f || strchr(SPECIALS, c) != NULL) {
		*why = c < 0x20 || c == 0x7f ? "control character" :
		    c == ')' ? "unbalanced )" : c == ']' ? "unbalanced ]" :
		    "stray backslash";
		return t->type = T_ERR;
	} else {
		t->type = T_ATOM;
		for (t->len = 1; t->len < rem; t->len++) {
			c = s[t->len];
			if (c <= 0x20 || c == 0x7f || strchr(SPECIALS, c))
				break;
		}
	}
	al->pos += t->len;
	return t->type;
}

static int
isspecial(const struct tok *t, char c)
{
	return t->type == T_SPECIAL && t->s[0] == c;
}

/*
 * A quoted local part that needs no quotes ("alice") is the same mailbox
 * as the bare one (alice), and must meet the same keymap line: write it
 * bare and return its length, or 0 if it really needs its quotes.
 */
static size_t
unquote(const char *q, size_t len, char *out)
{
	size_t	i, w = 0;

	for (i = 1; i + 1 < len; i++) {
		if (q[i] == '\\')
			i++;
		if (q[i] == '.' ? (w == 0 || out[w - 1] == '.') :
		    ((unsigned char)q[i] <= 0x20 || q[i] == 0x7f ||
		    strchr(SPECIALS, q[i]) != NULL))
			return 0;
		out[w++] = q[i];
	}
	return (w > 0 && out[w - 1] != '.') ? w : 0;
}

/*
 * Check toks against local-part ["@" domain], local-part being words
 * joined by dots and domain atoms joined by dots or a literal, and write
 * them out without the blanks and comments between.
 */
static int
addrspec(const struct tok *toks, size_t nt, char *out, size_t outsz,
    const char **why)
{
	size_t	i = 0, w = 0, n;
	int	domain = 0;

	for (;;) {
		if (i == nt || (toks[i].type != T_ATOM &&
		    (toks[i].type != T_QSTR || domain) &&
		    (toks[i].type != T_DLIT || !domain ||
		    !isspecial(&toks[i - 1], '@')))) {
			*why = "invalid address";
			return -1;
		}
		i++;
		if (i < nt && isspecial(&toks[i], '.') &&
		    toks[i - 1].type != T_DLIT)
			i++;
		else if (i < nt && isspecial(&toks[i], '@') && !domain) {
			domain = 1;
			i++;
		} else if (i == nt)
			break;
		else {
			*why = "invalid address";
			return -1;
		}
	}
	for (i = 0; i < nt; i++) {
		if (w + toks[i].len >= outsz || w + toks[i].len > ADDR_MAX) {
			*why = "address too long";
			return -1;
		}
		if (i == 0 && toks[0].type == T_QSTR && (nt == 1 ||
		    isspecial(&toks[1], '@')) && (n = unquote(toks[0].s,
		    toks[0].len, out)) > 0) {
			w = n;
			continue;
		}
		memcpy(out + w, toks[i].s, toks[i].len);
		w += toks[i].len;
	}
	out[w] = '\0';
	return (*why = addr_check(out)) == NULL ? 0 : -1;
}

/*
 * Tokens about to be dropped as a display name or a group's name must be
 * a phrase: an address there means a missing comma, and dropping it
 * would lose a recipient without a word.
 */
static int
phrase(const struct tok *toks, size_t nt)
{
	size_t	i;

	for (i = 0; i < nt; i++)
		if (isspecial(&toks[i], '@') || toks[i].type == T_DLIT)
			return 0;
	return 1;
}

int
addrlist_next(struct addrlist *al, char *out, size_t outsz, const char **why)
{
	struct tok	 toks[MAXTOK], t;
	size_t		 nt;
	int		 angle;	/* 0 none, 1 inside <>, 2 after > */

	for (;;) {
		nt = 0;
		angle = 0;
		while (nexttok(al, &t, why) != T_END) {
			if (t.type == T_ERR)
				return -1;
			if (angle == 1 && isspecial(&t, '>')) {
				angle = 2;
				continue;
			}
			if (angle == 1 && isspecial(&t, ':')) {
				nt = 0;		/* an obsolete route ends */
				continue;
			}
			if (angle == 1 && isspecial(&t, ','))
				continue;	/* inside a route */
			if (angle != 1 && isspecial(&t, ','))
				break;
			if (angle != 1 && isspecial(&t, ';') && al->group) {
				al->group = 0;
				break;
			}
			if (angle == 0 && (isspecial(&t, ':') ||
			    isspecial(&t, '<')) && !phrase(toks, nt)) {
				*why = "invalid address (a comma missing?)";
				return -1;
			}
			if (angle == 0 && isspecial(&t, ':') && !al->group) {
				al->group = 1;	/* a group's name is no address */
				nt = 0;
				continue;
			}
			if (angle == 0 && isspecial(&t, '<')) {
				angle = 1;	/* what came before is a name */
				nt = 0;
				continue;
			}
			if (angle == 2 || isspecial(&t, '<') ||
			    isspecial(&t, '>') || isspecial(&t, ':') ||
			    isspecial(&t, ';')) {
				*why = "invalid address";
				return -1;
			}
			if (nt == MAXTOK) {
				*why = "address too long";
				return -1;
			}
			toks[nt++] = t;
		}
		if (angle == 1) {
			*why = "unterminated <";
			return -1;
		}
		if (nt > 0)
			return addrspec(toks, nt, out, outsz, why) == 0 ? 1 : -1;
		if (t.type == T_END)
			return 0;
	}
}

/*
 * Which keymap line applies is decided on the domain after the last '@';
 * the MTA must deliver to that domain too.  But Postfix, Sendmail and Exim
 * route on a '@', '%' or '!' left in the local part once the domain is
 * local, and Postfix does so even inside quotes ("x@evil"@localhost goes
 * to evil).  So no routing character may stand anywhere in the local part,
 * quoted, escaped or bare, nor '@' in the domain (a literal).
 */
const char *
addr_routed(const char *addr)
{
	const char	*p = addr, *at = NULL;
	int		 quoted = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '@' && !quoted && at == NULL)
			at = p;
	}
	if (strcspn(addr, "@%!") < (size_t)((at != NULL ? at : p) - addr))
		return "source routing (@, % or ! in the local part) is not "
		    "allowed in a recipient";
	if (at != NULL && strchr(at + 1, '@') != NULL)
		return "a route in the domain (@) is not allowed in a recipient";
	return NULL;
}

const char *
addr_check(const char *addr)
{
	const unsigned char	*p;
	unsigned int		 cp;
	size_t			 n;

	if (addr[0] == '\0')
		return "empty address";
	if (strlen(addr) > ADDR_MAX)
		return "address too long";
	if (addr[0] == '-')
		return "address begins with '-'";
	for (p = (const unsigned char *)addr; *p; p += n) {
		if ((n = utf8_next(p, &cp)) == 0)
			return "invalid UTF-8 in address";
		if (text_unsafe(cp))
			return "control character in address";
	}
	return NULL;
}

/* What is encrypted, and the RFC 3156 message around it. */

static int
isbcc(const struct hdr *h, size_t i)
{
	return hdr_is(h, i, "Bcc") || hdr_is(h, i, "Resent-Bcc");
}

/*
 * The outer header keeps what routing and threading need; everything else
 * (and these too) travels inside the ciphertext.
 */
static const char *const outer[] = {
	"From", "To", "Cc", "Date", "Message-ID", "Subject", "In-Reply-To",
	"References"
};

static int
isouter(const struct hdr *h, size_t i)
{
	size_t	k;

	for (k = 0; k < sizeof(outer) / sizeof(outer[0]); k++)
		if (hdr_is(h, i, outer[k]))
			return 1;
	return 0;
}

#define HIDDENSUBJECT	"[...]"

/* Append n bytes to *w; the caller sized the buffer. */
static char *
put(char *w, const char *p, size_t n)
{
	memcpy(w, p, n);
	return w + n;
}

static char *
puts0(char *w, const char *p)
{
	return put(w, p, strlen(p));
}

char *
hdr_inner(const struct hdr *h, size_t *len)
{
	size_t	 i, n = 1 + h->bodystartlen;
	char	*buf, *w;

	for (i = 0; i < h->n; i++)
		if (!isbcc(h, i))
			n += h->f[i].len;
	if ((w = buf = malloc(n)) == NULL)
		return NULL;
	for (i = 0; i < h->n; i++)
		if (!isbcc(h, i))
			w = put(w, h->buf + h->f[i].off, h->f[i].len);
	*w++ = '\n';
	if (h->bodystartlen > 0)
		memcpy(w, h->bodystart, h->bodystartlen);
	*len = n;
	return buf;
}

/*
 * Where the media type of Content-Type field f (len bytes, its name
 * namelen) ends: parameters added there come before the original's, so
 * that a reader whose parser gives up on a malformed parameter list has
 * read them already.
 */
static size_t
mtypeend(const char *f, size_t len, size_t namelen)
{
	size_t	i = namelen + 1, end = len;

	while (end > i && (f[end - 1] == '\n' || f[end - 1] == '\r'))
		end--;
	while (i < end && (f[i] == ' ' || f[i] == '\t' || f[i] == '\r' ||
	    f[i] == '\n'))
		i++;
	while (i < end && f[i] != ';' && f[i] != ' ' && f[i] != '\t' &&
	    f[i] != '\r' && f[i] != '\n' && f[i] != '(')
		i++;
	return i;
}

static int
issigned(const struct hdr *h, size_t i)
{
	const char	*f = h->buf + h->f[i].off;
	size_t		 end = mtypeend(f, h->f[i].len, h->f[i].namelen), b;

	for (b = h->f[i].namelen + 1; b < end && strchr(" \t\r\n", f[b]); b++)
		;
	return end - b == 16 && strncasecmp(f + b, "multipart/signed", 16) == 0;
}

static int
iscontent(const struct hdr *h, size_t i)
{
	return h->f[i].namelen > 8 &&
	    strncasecmp(h->buf + h->f[i].off, "Content-", 8) == 0;
}

#define HP	";\n\thp=\"cipher\"; protected-headers=\"v1\""

/*
 * The same, as the protected part of RFC 9788 ("hp=cipher"): its
 * Content-Type says the header inside is the real one (and, for older
 * readers such as Thunderbird, protected-headers="v1"), and HP-Outer
 * fields record the outer header as it was sent.
 *
 * A multipart/signed original cannot carry these parameters: RFC 9788
 * readers take it as part of the cryptographic envelope and look for the
 * header inside its first part, which the signature covers.  So it is
 * wrapped, unchanged, as the one part of a multipart/mixed (boundary
 * wrapb) that carries them; the caller ends it with "\n--wrapb--\n"
 * after the body (*wrapped set).
 */
char *
hdr_protect(const struct hdr *h, int hidesubject, const char *wrapb,
    size_t *len, int *wrapped)
{
	size_t	 i, n = 512 + h->bodystartlen + strlen(wrapb), k;
	char	*buf, *w;
	int	 ct = -1, mv = 0;

	for (i = 0; i < h->n; i++) {
		n += 2 * h->f[i].len + 16;
		if (ct == -1 && hdr_is(h, i, "Content-Type"))
			ct = i;
		mv |= hdr_is(h, i, "MIME-Version");
	}
	*wrapped = ct != -1 && issigned(h, ct);
	if ((w = buf = malloc(n)) == NULL)
		return NULL;
	if (!mv || *wrapped)
		w = puts0(w, "MIME-Version: 1.0\n");
	if (ct == -1)
		w = puts0(w, "Content-Type: text/plain; hp=\"cipher\";\n"
		    "\tprotected-headers=\"v1\"\n");
	if (*wrapped) {
		w = puts0(w, "Content-Type: multipart/mixed" HP ";\n\tboundary=\"");
		w = puts0(w, wrapb);
		w = puts0(w, "\"\n");
	}
	for (i = 0; i < h->n; i++) {
		if (isbcc(h, i) || (*wrapped && (iscontent(h, i) ||
		    hdr_is(h, i, "MIME-Version"))))
			continue;
		if ((int)i != ct) {
			w = put(w, h->buf + h->f[i].off, h->f[i].len);
			continue;
		}
		k = mtypeend(h->buf + h->f[i].off, h->f[i].len,
		    h->f[i].namelen);
		w = put(w, h->buf + h->f[i].off, k);
		w = puts0(w, HP);
		w = put(w, h->buf + h->f[i].off + k, h->f[i].len - k);
	}
	for (i = 0; i < h->n; i++) {
		if (!isouter(h, i))
			continue;
		w = puts0(w, "HP-Outer: ");
		if (hidesubject && hdr_is(h, i, "Subject"))
			w = puts0(w, "Subject: " HIDDENSUBJECT "\n");
		else
			w = put(w, h->buf + h->f[i].off, h->f[i].len);
	}
	*w++ = '\n';
	if (*wrapped) {
		w = puts0(w, "--");
		w = puts0(w, wrapb);
		w = puts0(w, "\n");
		for (i = 0; i < h->n; i++)
			if (iscontent(h, i))
				w = put(w, h->buf + h->f[i].off, h->f[i].len);
		*w++ = '\n';
	}
	w = put(w, h->bodystart ? h->bodystart : "", h->bodystartlen);
	*len = w - buf;
	return buf;
}

/* The PGP/MIME part list's fixed text, with the boundary three times. */
#define PGPMIME_PARTS \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/encrypted;\n" \
	"\tprotocol=\"application/pgp-encrypted\";\n" \
	"\tboundary=\"%s\"\n" \
	"\n" \
	"This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156).\n" \
	"--%s\n" \
	"Content-Type: application/pgp-encrypted\n" \
	"Content-Description: PGP/MIME version identification\n" \
	"\n" \
	"Version: 1\n" \
	"\n" \
	"--%s\n" \
	"Content-Type: application/octet-stream; name=\"encrypted.asc\"\n" \
	"Content-Description: OpenPGP encrypted message\n" \
	"Content-Disposition: inline; filename=\"encrypted.asc\"\n" \
	"\n"

char *
pgpmime_head(const struct hdr *h, const char *boundary, int hidesubject,
    size_t *len)
{
	size_t	 i, n = sizeof(PGPMIME_PARTS) + 3 * strlen(boundary) +
		    sizeof("Subject: " HIDDENSUBJECT "\n");
	char	*buf, *w;

	for (i = 0; i < h->n; i++)
		if (isouter(h, i))
			n += h->f[i].len;
	if ((w = buf = malloc(n)) == NULL)
		return NULL;
	for (i = 0; i < h->n; i++) {
		if (!isouter(h, i))
			continue;
		if (hidesubject && hdr_is(h, i, "Subject"))
			w = puts0(w, "Subject: " HIDDENSUBJECT "\n");
		else
			w = put(w, h->buf + h->f[i].off, h->f[i].len);
	}
	w += snprintf(w, n - (w - buf), PGPMIME_PARTS, boundary, boundary,
	    boundary);
	*len = w - buf;
	return buf;
}

/*
 * The parameter name of a Content-Type value (RFC 2045: ";" name "="
 * token or quoted-string), unquoted into out; 0 if absent.
 */
static int
ctparam(const char *v, const char *name, char *out, size_t outsz)
{
	size_t	n = strlen(name), w;

	while ((v = strchr(v, ';')) != NULL) {
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncasecmp(v, name, n) != 0 || v[n] != '=')
			continue;
		v += n + 1;
		w = 0;
		if (*v == '"') {
			for (v++; *v && *v != '"' && w + 1 < outsz; v++) {
				if (*v == '\\' && v[1])
					v++;
				out[w++] = *v;
			}
		} else
			while (*v && *v != ';' && *v != ' ' && *v != '\t' &&
			    w + 1 < outsz)
				out[w++] = *v++;
		out[w] = '\0';
		return 1;
	}
	return 0;
}

int
hdr_encrypted(const struct hdr *h)
{
	char	*v, p[64];
	size_t	 i, n;
	int	 r = ENC_NONE;

	for (i = 0; i < h->n && !hdr_is(h, i, "Content-Type"); i++)
		;
	if (i == h->n || (v = hdr_value(h, i)) == NULL)
		return 0;
	n = strcspn(v, "; \t");
	if (n == 19 && strncasecmp(v, "multipart/encrypted", n) == 0) {
		if (ctparam(v, "protocol", p, sizeof(p)) &&
		    strcasecmp(p, "application/pgp-encrypted") == 0)
			r = ENC_PGPMIME;
	} else if ((n == 22 && strncasecmp(v, "application/pkcs7-mime", n) ==
	    0) || (n == 24 && strncasecmp(v, "application/x-pkcs7-mime", n) ==
	    0)) {
		if (ctparam(v, "smime-type", p, sizeof(p)) &&
		    (strcasecmp(p, "enveloped-data") == 0 ||
		    strcasecmp(p, "authEnveloped-data") == 0))
			r = ENC_SMIME;
	}
	free(v);
	return r;
}

size_t
pgpmime_tail(char *buf, size_t cap, const char *boundary)
{
	int	n = snprintf(buf, cap, "\n--%s--\n", boundary);

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

void
joinaddrs(char *buf, size_t len, const char *(*at)(const void *, size_t),
    const void *v, size_t n)
{
	size_t	i, w = 0;

	buf[0] = '\0';
	for (i = 0; i < n && w < len; i++)
		w += snprintf(buf + w, len - w, "%s%s", i ? "," : "", at(v, i));
	if (w >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}
