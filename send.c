/*
 * The pipeline: the story of one message up to its outputs.  Read the
 * header section, adding the fields the MTA would; with -t, take the
 * recipients it names; look up each recipient's keymap line and keys;
 * then have every output made and handed off (out.c).  Any failure
 * before that point sends nothing.  A refusal may be mailed back to
 * the sender.
 *
 * Functions here return a sysexit and leave the words in m->err; the
 * caller decides what to do with both.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>

#include "backend.h"
#include "gpg.h"
#include "keycache.h"
#include "keymap.h"
#include "msg.h"
#include "out.h"
#include "rfc5322.h"
#include "send.h"
#include "text.h"

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

int
msg_header(struct msg *m)
{
	int	ex;

	if ((ex = readheader(m)) != EX_OK)
		return ex;
	return m->t ? headerrcpts(m) : EX_OK;
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
 * The keys of n queries: what the key cache answers, where it is fresh;
 * the rest from one gpg listing.  A cache that is there but cannot be
 * believed is logged, and the listing answers everything.
 */
static int
findkeys(struct msg *m, struct keyquery **q, size_t n)
{
	struct kcstate	st;

	n = keycache_find(m->conf, q, n, &st);
	if (st.doubt)
		syslog(LOG_WARNING, "key cache %s ignored: %s",
		    m->conf->keycache, st.why);
	return gpg_findkeys(&m->g, q, n, m->err, sizeof(m->err));
}

/*
 * Each recipient's keymap line, then the keys of all those not looked
 * up yet: from the key cache, or one gpg run.
 */
int
msg_keys(struct msg *m)
{
	struct keyquery	**q = NULL;
	size_t		  i, k, n = 0;
	int		  r = GPG_OK;

	if (!m->encrypttolooked && m->encryptto == NULL &&
	    m->conf->nencryptto > 0) {
		if ((m->encryptto = calloc(m->conf->nencryptto,
		    sizeof(*m->encryptto))) == NULL)
			goto oserr;
		m->nencryptto = m->conf->nencryptto;
		for (k = 0; k < m->nencryptto; k++) {
			m->encryptto[k].addr = m->conf->encryptto[k];
			m->encryptto[k].byfpr = 1;
		}
	}
	n = m->encrypttolooked ? 0 : m->nencryptto;
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
		for (k = 0; !m->encrypttolooked && k < m->nencryptto; k++)
			q[n++] = &m->encryptto[k];
		for (i = 0; i < m->nr; i++)
			for (k = 0; !m->r[i].looked && k < m->r[i].nq; k++)
				q[n++] = &m->r[i].q[k];
		r = findkeys(m, q, n);
		free(q);
	}
	if (r != GPG_OK) {
		msg_fail(m, "%s", m->err);
		/* No process or memory left is the system's, as elsewhere. */
		return r == GPG_EOS ? EX_OSERR : r == GPG_ECONF ? EX_CONFIG :
		    EX_UNAVAILABLE;
	}
	m->encrypttolooked = 1;
	for (i = 0; i < m->nr; i++)
		m->r[i].looked = 1;
	/* Without its encrypt-to keys no message may go: the admin said so. */
	for (k = 0; k < m->nencryptto; k++)
		if (m->encryptto[k].nkeys == 0) {
			msg_fail(m, "encrypt-to key %s: no usable key (%s)",
			    m->encryptto[k].addr, m->encryptto[k].why);
			return EX_CONFIG;
		}
	return EX_OK;
oserr:
	msg_fail(m, "%s", strerror(errno));
	return EX_OSERR;
}

/*
 * Exactly one mailbox (RCPT's forward-path): a list or a group is refused
 * whole, so that a reply is about one recipient.  In msg_check, one that
 * cannot be sent to is taken back out.
 */
int
msg_one(struct msg *m, const char *path)
{
	struct addrlist	 al;
	const char	*why = NULL;
	char		 buf[80], addr[ADDR_MAX + 1], more[ADDR_MAX + 1];

	addrlist_init(&al, path);
	if (addrlist_next(&al, addr, sizeof(addr), &why) != 1 ||
	    addrlist_next(&al, more, sizeof(more), &why) != 0 ||
	    (why = msg_add(m, addr)) != NULL) {
		msg_fail(m, "%s: %s", path[0] != '\0' ? safestr(path, buf,
		    sizeof(buf)) : "<>", why != NULL ? why : "not one address");
		return EX_DATAERR;
	}
	return EX_OK;
}

int
msg_check(struct msg *m, const char *path)
{
	char		 refusal[ERRLEN];
	const char	*why;
	size_t		 n = m->nr;
	int		 ex;

	if ((ex = msg_one(m, path)) != EX_OK)
		return ex;
	if (m->nr == n)
		return EX_OK;		/* a repeat */
	if ((ex = msg_keys(m)) != EX_OK) {
		msg_drop(m, n);
		return ex;
	}
	if ((why = msg_refusal(&m->r[n], refusal, sizeof(refusal))) != NULL) {
		msg_fail(m, "%s", why);
		msg_drop(m, n);
		return EX_NOUSER;
	}
	return EX_OK;
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
	return out_make(m);
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
	msg_rcptlist(m, rcpts, sizeof(rcpts));
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
