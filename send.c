/*
 * The story of one message: read the header section; work out the
 * recipients; look up each one's keymap line and keys; make every output
 * (one PGP/MIME message for those who get ciphertext, one copy for those
 * the keymap says get it plain) in an anonymous 0600 file, streaming the
 * body through gpg; and only when all of them are complete, hand each to
 * the real sendmail.  Any failure before that point sends nothing.
 *
 * Functions here return a sysexit and leave the words in m->err; the
 * caller decides what to do with both.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "pgpsendmail.h"
#include "spool.h"
#include "text.h"

void
msg_fail(struct msg *m, const char *fmt, ...)
{
	va_list	ap;
	char	buf[ERRLEN];
	size_t	len;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);	/* fmt's arguments may be m->err */
	va_end(ap);
	strlcpy(m->err, buf, sizeof(m->err));
	if (!m->quiet && !m->defer)
		fprintf(stderr, "pgpsendmail: %s\n", m->err);
	len = strlen(m->report);
	snprintf(m->report + len, sizeof(m->report) - len, "%s\n", m->err);
}

void
msg_init(struct msg *m, const struct conf *c, const struct keymap *km,
    const struct passon *pass, const char *host, const char *login)
{
	memset(m, 0, sizeof(*m));
	m->conf = c;
	m->km = km;
	m->g.path = c->gpg;
	m->g.home = c->gnupghome;
	m->g.archive = c->encryptto;
	m->g.narchive = c->nencryptto;
	m->g.signkey = c->signkey;
	m->g.compress = c->compress;
	m->g.timeout = c->timeout;
	m->pass = pass;
	m->host = host;
	m->login = login;
	strlcpy(m->sender, login, sizeof(m->sender));
}

/* The envelope sender: "" and "<>" are the null sender. */
int
msg_sender(struct msg *m, const char *s)
{
	struct addrlist	 al;
	const char	*why = "not one address";
	char		 buf[80], addr[ADDR_MAX + 1];

	if (s[0] == '\0' || strcmp(s, "<>") == 0) {
		strlcpy(m->sender, "<>", sizeof(m->sender));
		m->fopt = 1;
		return EX_OK;
	}
	addrlist_init(&al, s);
	if (addrlist_next(&al, addr, sizeof(addr), &why) != 1 ||
	    addrlist_next(&al, buf, sizeof(buf), &why) != 0) {
		msg_fail(m, "sender %s: %s", safestr(s, buf, sizeof(buf)), why);
		return EX_USAGE;
	}
	strlcpy(m->sender, addr, sizeof(m->sender));
	m->fopt = 1;
	return EX_OK;
}

/* FNV-1a of the address in lower case: addresses compare that way. */
static size_t
addrhash(const char *s)
{
	size_t	h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 16777619u;
	return h;
}

/*
 * The slot of addr in m->seen: where it is, or the empty one where it
 * would go.  The table is kept at most half full.
 */
static size_t *
seenslot(const struct msg *m, const char *addr)
{
	size_t	h = addrhash(addr);

	for (;; h++) {
		size_t *slot = &m->seen[h & (m->nseen - 1)];

		if (*slot == 0 || strcasecmp(m->r[*slot - 1].addr, addr) == 0)
			return slot;
	}
}

ssize_t
msg_find(const struct msg *m, const char *addr)
{
	size_t	*slot;

	if (m->nseen == 0)
		return -1;
	slot = seenslot(m, addr);
	return *slot != 0 ? (ssize_t)*slot - 1 : -1;
}

static int
growseen(struct msg *m)
{
	size_t	*old = m->seen, nold = m->nseen, i;

	m->nseen = nold ? nold * 2 : 64;
	if ((m->seen = calloc(m->nseen, sizeof(*m->seen))) == NULL) {
		m->seen = old;
		m->nseen = nold;
		return -1;
	}
	for (i = 0; i < m->nr; i++)
		*seenslot(m, m->r[i].addr) = i + 1;
	free(old);
	return 0;
}

/*
 * Empty a slot of m->seen.  Under linear probing a slot cannot simply be
 * cleared: a later address whose probe went past it would no longer be
 * found.  Each entry further along the run that may move into the hole
 * (its home slot is not between the hole and it) moves there, leaving a
 * new hole, until the run ends (Knuth's Algorithm R, 6.4): the table is
 * then as if the address had never been added.
 */
static void
unseen(struct msg *m, size_t *slot)
{
	size_t	mask = m->nseen - 1, i = slot - m->seen, j = i, home;

	for (;;) {
		m->seen[i] = 0;
		do {
			j = (j + 1) & mask;
			if (m->seen[j] == 0)
				return;
			home = addrhash(m->r[m->seen[j] - 1].addr) & mask;
		} while (i <= j ? i < home && home <= j :
		    i < home || home <= j);
		m->seen[i] = m->seen[j];
		i = j;
	}
}

static int
addrcpt(struct msg *m, const char *addr)
{
	struct rcpt	*nr;

	if (2 * (m->nr + 1) > m->nseen && growseen(m) == -1)
		return -1;
	if (*seenslot(m, addr) != 0)
		return 0;
	if (m->nr == MAXRCPTS) {
		errno = E2BIG;
		return -1;
	}
	if ((nr = reallocarray(m->r, m->nr + 1, sizeof(*nr))) == NULL)
		return -1;
	m->r = nr;
	memset(&m->r[m->nr], 0, sizeof(*nr));
	strlcpy(m->r[m->nr].addr, addr, sizeof(nr->addr));
	*seenslot(m, addr) = ++m->nr;
	return 0;
}

/* One addr-spec, unless it is there already: NULL, or why not. */
static const char *
addone(struct msg *m, const char *addr)
{
	const char	*why;

	if ((why = addr_routed(addr)) != NULL)
		return why;
	if (addrcpt(m, addr) == -1)
		return errno == E2BIG ? "too many recipients" : "out of memory";
	return NULL;
}

const char *
msg_rcpt(struct msg *m, const char *list)
{
	struct addrlist	 al;
	char		 addr[ADDR_MAX + 1];
	const char	*why = NULL;
	int		 r;

	addrlist_init(&al, list);
	while ((r = addrlist_next(&al, addr, sizeof(addr), &why)) == 1)
		if ((why = addone(m, addr)) != NULL)
			return why;
	return r == -1 ? why : NULL;
}

/*
 * With -t: To, Cc and Bcc; but if the first Resent block (the newest, at
 * the top) names recipients, only those.  A block ends where a field it
 * already has comes again.
 */
static int
headerrcpts(struct msg *m)
{
	static const char *const plain[] = { "To", "Cc", "Bcc" };
	static const char *const resent[] = {
		"Resent-To", "Resent-Cc", "Resent-Bcc"
	};
	const struct hdr *h = &m->h;
	const char *const *names = plain;
	const char	*why;
	char		*v, buf[80];
	size_t		 i, k, first = h->n, last = h->n;

	for (i = 0; i < h->n && last == h->n; i++) {
		if (h->f[i].namelen <= 7 ||
		    strncasecmp(h->buf + h->f[i].off, "Resent-", 7) != 0) {
			if (first != h->n)
				last = i;
			continue;
		}
		if (first == h->n) {
			first = i;
			continue;
		}
		for (k = first; k < i; k++)
			if (h->f[k].namelen == h->f[i].namelen &&
			    strncasecmp(h->buf + h->f[k].off, h->buf +
			    h->f[i].off, h->f[i].namelen) == 0)
				last = i;
	}
	for (i = first; i < last; i++)
		for (k = 0; k < 3; k++)
			if (hdr_is(h, i, resent[k]))
				names = resent;
	if (names == plain) {
		first = 0;
		last = h->n;
	}
	for (i = first; i < last; i++)
		for (k = 0; k < 3; k++) {
			if (!hdr_is(h, i, names[k]))
				continue;
			if ((v = hdr_value(h, i)) == NULL) {
				msg_fail(m, "%s", strerror(errno));
				return EX_OSERR;
			}
			if ((why = msg_rcpt(m, v)) != NULL) {
				msg_fail(m, "%s: %s: %s", names[k],
				    safestr(v, buf, sizeof(buf)), why);
				free(v);
				return EX_DATAERR;
			}
			free(v);
		}
	return EX_OK;
}

static int
hashdr(const struct hdr *h, const char *name)
{
	size_t	i;

	for (i = 0; i < h->n; i++)
		if (hdr_is(h, i, name))
			return 1;
	return 0;
}

/*
 * From, Date and Message-ID, as the MTA would add them.  From names the
 * envelope sender, or the user at this host, with -F's full name.
 */
static int
addheaders(struct msg *m)
{
	char		 buf[2 * ADDR_MAX + 300], addr[ADDR_MAX + 300], date[64];
	char		*w;
	const char	*p, *fullname = m->pass->fullname;
	time_t		 now = time(NULL);
	struct tm	*tm = localtime(&now);
	int		 bad = 0;

	if (strchr(m->sender, '@') != NULL)
		strlcpy(addr, m->sender, sizeof(addr));
	else
		snprintf(addr, sizeof(addr), "%s@%s", strcmp(m->sender,
		    "<>") ? m->sender : m->login, m->host);
	if (!hashdr(&m->h, "From")) {
		if (fullname != NULL) {
			w = buf;
			*w++ = '"';
			for (p = fullname; *p && w < buf + ADDR_MAX; p++) {
				if (*p == '"' || *p == '\\')
					*w++ = '\\';
				*w++ = *p;
			}
			snprintf(w, buf + sizeof(buf) - w, "\" <%s>", addr);
		} else
			strlcpy(buf, addr, sizeof(buf));
		bad |= hdr_add(&m->h, "From", buf);
	}
	if (tm == NULL || strftime(date, sizeof(date),
	    "%a, %d %b %Y %H:%M:%S %z", tm) == 0) {
		msg_fail(m, "cannot format the date");
		return EX_OSERR;
	}
	if (!hashdr(&m->h, "Date"))
		bad |= hdr_add(&m->h, "Date", date);
	if (!hashdr(&m->h, "Message-ID")) {
		strftime(date, sizeof(date), "%Y%m%d%H%M%S", tm);
		snprintf(buf, sizeof(buf), "<%s.%08x%08x@%s>", date,
		    arc4random(), arc4random(), m->host);
		bad |= hdr_add(&m->h, "Message-ID", buf);
	}
	if (bad) {
		msg_fail(m, "header section too large");
		return EX_DATAERR;
	}
	return EX_OK;
}

static int
readheader(struct msg *m)
{
	switch (hdr_read(&m->h, m->in)) {
	case HDR_ETOOBIG:
		msg_fail(m, "header section too large (over %d bytes or %d "
		    "fields)", HDR_MAXBYTES, HDR_MAXFIELDS);
		return EX_DATAERR;
	case HDR_ENUL:
		msg_fail(m, "NUL byte in the header section");
		return EX_DATAERR;
	case HDR_EREAD:
		msg_fail(m, "reading the message: %s", strerror(errno));
		return EX_IOERR;
	}
	return addheaders(m);
}

/*
 * A recipient's queries: by address for a keyring line, by fingerprint
 * for each key a keymap line names (so that a disabled, expired or
 * revoked key is refused as surely as one found by address).
 */
static int
queries(struct rcpt *r)
{
	size_t	k;

	r->nq = r->e->action == ACT_KEYRING ? 1 : r->e->nfprs;
	if (r->nq == 0)
		return 0;
	if ((r->q = calloc(r->nq, sizeof(*r->q))) == NULL)
		return -1;
	if (r->e->action == ACT_KEYRING)
		r->q[0].addr = r->addr;
	for (k = 0; r->e->action == ACT_KEYS && k < r->nq; k++) {
		r->q[k].addr = r->e->fprs[k];
		r->q[k].byfpr = 1;
	}
	return 0;
}

/*
 * Each recipient's keymap line, then one gpg run for the keys of all
 * those not looked up yet.
 */
int
msg_keys(struct msg *m)
{
	struct keyquery	**q = NULL;
	size_t		  i, k, n = 0;
	int		  r = GPG_OK;

	if (!m->archlooked && m->arch == NULL && m->conf->nencryptto > 0) {
		if ((m->arch = calloc(m->conf->nencryptto,
		    sizeof(*m->arch))) == NULL)
			goto oserr;
		m->narch = m->conf->nencryptto;
		for (k = 0; k < m->narch; k++) {
			m->arch[k].addr = m->conf->encryptto[k];
			m->arch[k].byfpr = 1;
		}
	}
	n = m->archlooked ? 0 : m->narch;
	for (i = 0; i < m->nr; i++) {
		if (m->r[i].looked)
			continue;
		m->r[i].e = keymap_lookup(m->km, m->r[i].addr);
		if (queries(&m->r[i]) == -1)
			goto oserr;
		n += m->r[i].nq;
	}
	if (n > 0) {
		if ((q = calloc(n, sizeof(*q))) == NULL)
			goto oserr;
		n = 0;
		for (k = 0; !m->archlooked && k < m->narch; k++)
			q[n++] = &m->arch[k];
		for (i = 0; i < m->nr; i++)
			for (k = 0; !m->r[i].looked && k < m->r[i].nq; k++)
				q[n++] = &m->r[i].q[k];
		r = gpg_findkeys(&m->g, q, n, m->err, sizeof(m->err));
		free(q);
	}
	if (r != GPG_OK) {
		msg_fail(m, "%s", m->err);
		return EX_UNAVAILABLE;
	}
	m->archlooked = 1;
	for (i = 0; i < m->nr; i++)
		m->r[i].looked = 1;
	/* Without its archive keys no message may go: the admin said so. */
	for (k = 0; k < m->narch; k++)
		if (m->arch[k].nkeys == 0) {
			msg_fail(m, "encrypt-to key %s: no usable key (%s)",
			    m->arch[k].addr, m->arch[k].why);
			return EX_CONFIG;
		}
	return EX_OK;
oserr:
	msg_fail(m, "%s", strerror(errno));
	return EX_OSERR;
}

int
msg_refused(struct msg *m, const struct rcpt *r)
{
	size_t	k;

	if (r->e->action == ACT_REJECT) {
		msg_fail(m, "%s: rejected by keymap (%s:%zu)", r->addr,
		    r->e->file, r->e->line);
		return 1;
	}
	for (k = 0; k < r->nq; k++)
		if (r->q[k].nkeys == 0) {
			msg_fail(m, "%s: no usable key (%s)", r->addr,
			    r->q[k].why);
			return 1;
		}
	return 0;
}

static void
freekeys(struct rcpt *r)
{
	size_t	k;

	for (k = 0; k < r->nq; k++)
		free(r->q[k].keys);
	free(r->q);
	r->q = NULL;
	r->nq = 0;
}

/* Take back the recipients from index n on, the newest first. */
static void
droprcpts(struct msg *m, size_t n)
{
	while (m->nr > n) {
		m->nr--;
		unseen(m, seenslot(m, m->r[m->nr].addr));
		freekeys(&m->r[m->nr]);
	}
}

/*
 * Exactly one mailbox (RCPT's forward-path): a list or a group is refused
 * whole, so that a reply is about one recipient.  One that cannot be sent
 * to is taken back out.
 */
int
msg_check(struct msg *m, const char *path)
{
	struct addrlist	 al;
	const char	*why = NULL;
	char		 buf[80], addr[ADDR_MAX + 1], more[ADDR_MAX + 1];
	size_t		 n = m->nr;
	int		 ex;

	addrlist_init(&al, path);
	if (addrlist_next(&al, addr, sizeof(addr), &why) != 1 ||
	    addrlist_next(&al, more, sizeof(more), &why) != 0 ||
	    (why = addone(m, addr)) != NULL) {
		msg_fail(m, "%s: %s", path[0] != '\0' ? safestr(path, buf,
		    sizeof(buf)) : "<>", why != NULL ? why : "not one address");
		return EX_DATAERR;
	}
	if (m->nr == n)
		return EX_OK;		/* a repeat */
	if ((ex = msg_keys(m)) != EX_OK || msg_refused(m, &m->r[n])) {
		droprcpts(m, n);
		return ex != EX_OK ? ex : EX_NOUSER;
	}
	return EX_OK;
}

int
msg_header(struct msg *m)
{
	int	ex;

	if ((ex = readheader(m)) != EX_OK)
		return ex;
	return m->t ? headerrcpts(m) : EX_OK;
}

int
msg_send(struct msg *m)
{
	int	ex;

	if ((ex = msg_header(m)) != EX_OK)
		return ex;
	if (m->nr == 0) {
		msg_fail(m, "no recipients");
		return EX_USAGE;
	}
	if ((ex = msg_keys(m)) != EX_OK)
		return ex;
	return msg_make(m);
}

static const char *
rcptat(const void *v, size_t i)
{
	return ((const struct rcpt *)v)[i].addr;
}

/* "a,b,c" from the recipients, cut to fit. */
static void
rcptlist(const struct msg *m, char *buf, size_t len)
{
	joinaddrs(buf, len, rcptat, m->r, m->nr);
}

void
msg_log(const struct msg *m, int ex)
{
	char	to[1024], why[REPORTLEN], *p;

	rcptlist(m, to, sizeof(to));
	if (ex == EX_OK && m->queued[0] != '\0') {
		syslog(LOG_NOTICE, "from=<%s> to=%s keys=%s status=queued (%s)",
		    m->sender, to, m->keys[0] ? m->keys : "none", m->queued);
		return;
	}
	if (ex == EX_OK && m->passed) {
		syslog(LOG_INFO, "from=<%s> to=%s status=sent (passed through: "
		    "encrypted by the sender)", m->sender, to);
		return;
	}
	if (ex == EX_OK) {
		syslog(LOG_INFO, "from=<%s> to=%s keys=%s status=sent",
		    m->sender, to, m->keys[0] ? m->keys : "none");
		return;
	}
	strlcpy(why, m->report[0] ? m->report : m->err, sizeof(why));
	while ((p = strchr(why, '\n')) != NULL)
		if (p[1] == '\0')
			*p = '\0';
		else
			*p = ';';
	syslog(LOG_NOTICE, "from=<%s> to=%s status=refused (%d): %s",
	    m->sender, to[0] ? to : "none", ex, why);
}

/* The value of the first field called name, shown safely, or "unknown". */
static void
fieldvalue(const struct hdr *h, const char *name, char *out, size_t len)
{
	size_t	 i;
	char	*v;

	strlcpy(out, "unknown", len);
	for (i = 0; i < h->n; i++)
		if (hdr_is(h, i, name) && (v = hdr_value(h, i)) != NULL) {
			safestr(v, out, len);
			free(v);
			return;
		}
}

/*
 * Tell the sender, by mail, that the message was refused: what and why,
 * but nothing of the message itself (no body, no Subject).
 */
int
msg_notice(struct msg *m)
{
	char	odate[200], oid[200], rcpts[1024], err[ERRLEN], text[4096];
	int	ex;

	if (strcmp(m->sender, "<>") == 0)
		return EX_NOUSER;	/* nobody to tell */
	fieldvalue(&m->h, "Date", odate, sizeof(odate));
	fieldvalue(&m->h, "Message-ID", oid, sizeof(oid));
	rcptlist(m, rcpts, sizeof(rcpts));
	snprintf(text, sizeof(text),
	    "pgpsendmail on %s refused to send a message of yours.\n"
	    "\n"
	    "  Date:        %s\n"
	    "  Message-ID:  %s\n"
	    "  Recipients:  %s\n"
	    "\n"
	    "Why:\n"
	    "%s\n"
	    "Nothing of the message is included here.\n",
	    m->host, odate, oid, rcpts[0] ? rcpts : "none",
	    m->report[0] ? m->report : m->err);
	ex = backend_notice(m->conf, m->host, m->sender,
	    "Undelivered Mail: refused by pgpsendmail", text, (uid_t)-1, err,
	    sizeof(err));
	if (ex != EX_OK && !m->quiet)
		fprintf(stderr, "pgpsendmail: the notice to %s was not sent: "
		    "%s\n", m->sender, err);
	return ex;
}

void
msg_reset(struct msg *m)
{
	size_t	i;

	for (i = 0; i < m->nr; i++)
		freekeys(&m->r[i]);
	free(m->r);
	m->r = NULL;
	m->nr = 0;
	free(m->seen);
	m->seen = NULL;
	m->nseen = 0;
	hdr_free(&m->h);
	strlcpy(m->sender, m->login, sizeof(m->sender));
	m->fopt = 0;
	m->keys[0] = m->err[0] = m->report[0] = '\0';
	m->passed = m->defer = 0;
	m->queued[0] = '\0';
}
