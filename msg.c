/*
 * One message: its envelope, its recipients (an array in the order they
 * came, with a hash of their addresses to find them and keep them
 * unique), and the failures it met, kept for the caller, the log and a
 * notice to the sender.
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

#include "msg.h"
#include "text.h"

/* The failure into m->err and m->report; to stderr too if show. */
/* Keep why in m->err and in m->report; with show, say it on stderr too. */
static void
record(struct msg *m, int show, const char *why)
{
	size_t	len;

	if (why != m->err)
		strlcpy(m->err, why, sizeof(m->err));
	if (show && !m->quiet)
		fprintf(stderr, "pgpsendmail: %s\n", m->err);
	len = strlen(m->report);
	snprintf(m->report + len, sizeof(m->report) - len, "%s\n", m->err);
}

void
msg_fail(struct msg *m, const char *fmt, ...)
{
	va_list	ap;
	char	buf[ERRLEN];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);	/* fmt's arguments may be m->err */
	va_end(ap);
	record(m, 1, buf);
}

void
msg_defer(struct msg *m, const char *why)
{
	record(m, 0, why);
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
	m->g.encryptto = c->encryptto;
	m->g.nencryptto = c->nencryptto;
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

const char *
msg_add(struct msg *m, const char *addr)
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
		if ((why = msg_add(m, addr)) != NULL)
			return why;
	return r == -1 ? why : NULL;
}

/*
 * A recipient without a usable key: why, and the keymap line that sent
 * us looking (FILE:LINE, or "(default)" for the built-in "* keyring"),
 * so that the admin knows which line or which key to fix.
 */
const char *
msg_refusal(const struct rcpt *r, char *buf, size_t len)
{
	const struct keymap_entry	*e = r->e;
	char				 at[1100], pat[4 * ADDR_MAX];
	size_t				 k;

	if (e->action == ACT_REJECT) {
		snprintf(buf, len, "%s: rejected by keymap (%s:%zu)", r->addr,
		    e->file, e->line);
		return buf;
	}
	if (e->line > 0)
		snprintf(at, sizeof(at), "%s:%zu", e->file, e->line);
	else
		snprintf(at, sizeof(at), "%s", e->file);
	for (k = 0; k < r->nq; k++) {
		if (r->q[k].nkeys > 0)
			continue;
		if (r->q[k].byfpr && strcmp(r->q[k].why, "no key") == 0)
			snprintf(buf, len, "%s: no usable key: fingerprint 0x%s "
			    "pinned at %s is not in the keyring", r->addr,
			    r->q[k].addr, at);
		else if (r->q[k].byfpr)
			snprintf(buf, len, "%s: no usable key (%s): fingerprint "
			    "0x%s pinned at %s", r->addr, r->q[k].why,
			    r->q[k].addr, at);
		else
			snprintf(buf, len, "%s: no usable key (%s), keymap %s: "
			    "%s%s keyring", r->addr, r->q[k].why, at,
			    e->kind == PAT_DOMAIN ? "@" : "",
			    safestr(e->pattern, pat, sizeof(pat)));
		return buf;
	}
	return NULL;
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
	free(r->why);
	r->why = NULL;
	r->fate = FATE_NONE;
}

/* A recipient whose copy was handed on stays so: it cannot be taken back. */
void
msg_fate(struct msg *m, const char *addr, int fate, const char *why)
{
	ssize_t		 i;
	struct rcpt	*r;

	if ((i = msg_find(m, addr)) == -1)
		return;
	r = &m->r[i];
	if (r->fate == FATE_SENT)
		return;
	r->fate = fate;
	free(r->why);
	r->why = why != NULL ? strdup(why) : NULL;
}

void
msg_drop(struct msg *m, size_t n)
{
	while (m->nr > n) {
		m->nr--;
		unseen(m, seenslot(m, m->r[m->nr].addr));
		freekeys(&m->r[m->nr]);
	}
}

static const char *
rcptat(const void *v, size_t i)
{
	return ((const struct rcpt *)v)[i].addr;
}

void
msg_rcptlist(const struct msg *m, char *buf, size_t len)
{
	joinaddrs(buf, len, rcptat, m->r, m->nr);
}

/*
 * One key the message was encrypted to, if it stops working within the
 * config's expiry-warning, onto the log line's " key-expires=FPR:DATE,...".
 */
static void
expiring(const struct msg *m, const struct keyinfo *k, time_t now, char *buf,
    size_t len)
{
	char		 fpr[4 * sizeof(k->fpr)], date[16];
	time_t		 t = (time_t)k->expires;
	struct tm	*tm;
	size_t		 n;

	if (k->expires == 0 || k->expires - now >= m->conf->expirywarn ||
	    (tm = gmtime(&t)) == NULL)
		return;
	safestr(k->fpr, fpr, sizeof(fpr));
	if (strstr(buf, fpr) != NULL)
		return;
	strftime(date, sizeof(date), "%Y-%m-%d", tm);
	n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s:%s", n ? "," : " key-expires=", fpr,
	    date);
}

/* The keys used that expire soon, as expiring() writes them; or "". */
static void
expirylist(const struct msg *m, char *buf, size_t len)
{
	const struct rcpt	*r;
	time_t			 now = time(NULL);
	size_t			 i, k, j;

	buf[0] = '\0';
	for (i = 0; i < m->nr; i++) {
		r = &m->r[i];
		if (r->e == NULL || (r->e->action != ACT_KEYS &&
		    r->e->action != ACT_KEYRING))
			continue;
		for (k = 0; k < r->nq; k++)
			for (j = 0; j < r->q[k].nkeys; j++)
				expiring(m, &r->q[k].keys[j], now, buf, len);
	}
	for (k = 0; k < m->nencryptto; k++)
		for (j = 0; j < m->encryptto[k].nkeys; j++)
			expiring(m, &m->encryptto[k].keys[j], now, buf, len);
}

void
msg_log(const struct msg *m, int ex)
{
	char	to[1024], why[REPORTLEN], exp[1024], *p;

	msg_rcptlist(m, to, sizeof(to));
	exp[0] = '\0';
	if (ex == EX_OK && !m->passed)
		expirylist(m, exp, sizeof(exp));
	if (ex == EX_OK && m->queued[0] != '\0') {
		syslog(LOG_NOTICE, "from=<%s> to=%s keys=%s%s status=queued "
		    "(%s)", m->sender, to, m->keys[0] ? m->keys : "none", exp,
		    m->queued);
		return;
	}
	if (ex == EX_OK && m->passed) {
		syslog(LOG_INFO, "from=<%s> to=%s status=sent (passed through: "
		    "encrypted by the sender)", m->sender, to);
		return;
	}
	if (ex == EX_OK) {
		syslog(exp[0] ? LOG_WARNING : LOG_INFO, "from=<%s> to=%s "
		    "keys=%s%s status=sent", m->sender, to, m->keys[0] ?
		    m->keys : "none", exp);
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
	m->passed = 0;
	m->queued[0] = '\0';
}
