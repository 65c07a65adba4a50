/*
 * The receiving border: in --gateway with transport-home set, a message
 * whose top level is PGP/MIME and whose PKESKs name one of this site's
 * transport keys (or are a wildcard, from a peer) is decrypted here.
 *
 * The message is kept whole in an unnamed 0600 file (the original); the
 * armored ciphertext of its body in another.  gpg lists the PKESKs
 * (--list-only), then decrypts with the transport home's keys into a
 * third; nothing of it is used unless gpg said DECRYPTION_OKAY and no
 * DECRYPTION_FAILED, BADMDC or ERROR about a packet.  The decrypted
 * message goes to the recipients whose keymap line says plain (one
 * out_make pass, the others held); the others get the original with a
 * Pgpsendmail-Border field saying why it was not decrypted for them (a
 * second pass).
 *
 * Transient failures (the transport home or the system keyring unfit,
 * the agent that cannot be reached, a full disk, gpg killed at its time
 * or from outside) defer the whole message: EX_TEMPFAIL, Postfix
 * retries.  Lasting ones (damaged data, no integrity protection, not our
 * key after all, the plaintext or the rebuilt header too big) pass the
 * original on, with the field saying why.
 * No file has a name: nothing outlives us, a kill included.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include "border.h"
#include "fdio.h"
#include "gpg.h"
#include "input.h"
#include "keymap.h"
#include "msg.h"
#include "out.h"
#include "rfc5322.h"
#include "send.h"
#include "text.h"

#define ARMORBEGIN	"-----BEGIN PGP MESSAGE-----"
#define ARMOREND	"-----END PGP MESSAGE-----"
#define NOTELEN		1024
/*
 * Hidden-recipient session keys gpg may try our keys on, ~3 ms each: a
 * sending gateway takes 1000 recipients a transaction, and a message of
 * 100,000 of them (10 MB) would cost the whole deadline at every retry.
 */
#define MAXWILD		1024

struct border {
	int		 orig;		/* the message as it came */
	int		 ct;		/* the armored ciphertext of its body */
	int		 plain;		/* what gpg decrypted */
	int		 dec;		/* the decrypted message, to deliver */
	struct input	*in[3];		/* inputs made over those files */
	struct input	*saved;		/* m->in, given back at the end */
	struct gpgsecret *keys;		/* our transport keys */
	size_t		 nkeys;
	char		 note[NOTELEN];	/* our Pgpsendmail-Border field */
};

/* Armor scanning of the body, line by line, as it is spooled. */
struct scan {
	int	state;		/* 0 before the armor, 1 in it, 2 after */
	char	pre[32];	/* the start of the line being read */
	size_t	prelen;
	int	fd;
	int	werr;
};

int
border_init(struct msg *m)
{
	if (m->conf->transporthome == NULL)
		return EX_OK;
	if (gpg_transport(&m->g, m->conf->transporthome) == -1) {
		msg_fail(m, "%s/pubring.kbx: path too long", m->conf->gnupghome);
		return EX_CONFIG;
	}
	return EX_OK;
}

/* Remove every field called name from h. */
static void
dropfields(struct hdr *h, const char *name)
{
	size_t	i = 0;

	while (i < h->n)
		if (hdr_is(h, i, name)) {
			memmove(&h->f[i], &h->f[i + 1], (h->n - i - 1) *
			    sizeof(h->f[0]));
			h->n--;
		} else
			i++;
}

static int
iscontent(const struct hdr *h, size_t i)
{
	return h->f[i].namelen > 8 &&
	    strncasecmp(h->buf + h->f[i].off, "Content-", 8) == 0;
}

/*
 * The transport home, checked before gpg runs in it: there, a directory
 * owned by us, with no permission for group or others on it, on its
 * private-keys-v1.d or on any key file there.  gpg would use a home that
 * others can read and say nothing.
 */
static int
homecheck(struct msg *m)
{
	const char	*t = m->conf->transporthome;
	char		 path[1024], what[1024];
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 bad = 0;

	snprintf(path, sizeof(path), "%s", t);
	for (int k = 0; k < 2 && !bad; k++) {
		if (k == 1)
			snprintf(path, sizeof(path), "%s/private-keys-v1.d", t);
		if (stat(path, &st) == -1) {
			msg_fail(m, "transport-home: %s: %s", path,
			    strerror(errno));
			return EX_TEMPFAIL;
		}
		if (!S_ISDIR(st.st_mode)) {
			msg_fail(m, "transport-home: %s: not a directory",
			    path);
			return EX_TEMPFAIL;
		}
		bad = st.st_uid != geteuid() || (st.st_mode & 077);
	}
	if (!bad) {
		if ((d = opendir(path)) == NULL) {
			msg_fail(m, "transport-home: %s: %s", path,
			    strerror(errno));
			return EX_TEMPFAIL;
		}
		while (!bad && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(what, sizeof(what), "%s/%s",
			    path, de->d_name) >= sizeof(what))
				continue;
			if (lstat(what, &st) == 0 && (st.st_uid != geteuid() ||
			    (st.st_mode & 077))) {
				memcpy(path, what, sizeof(path));
				bad = 1;
			}
		}
		closedir(d);
	}
	if (bad) {
		msg_fail(m, "transport-home: %s: refused: it must belong to "
		    "uid %lu and give group and others no access (it is "
		    "uid %lu, mode %04o: chown, chmod go= it)", path,
		    (unsigned long)geteuid(), (unsigned long)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		return EX_TEMPFAIL;
	}
	if (gpg_homeok(&m->g, m->err, sizeof(m->err)) != GPG_OK) {
		msg_fail(m, "%s", m->err);
		return EX_TEMPFAIL;
	}
	return EX_OK;
}

/* An input over file fd from its start, freed with the border. */
static struct input *
fromfile(struct msg *m, struct border *b, int fd)
{
	struct input	*in;
	size_t		 k;

	for (k = 0; k < 3 && b->in[k] != NULL; k++)
		;
	if (k == 3 || lseek(fd, 0, SEEK_SET) == -1 ||
	    (in = malloc(sizeof(*in))) == NULL) {
		msg_fail(m, "%s", strerror(errno ? errno : ENOMEM));
		return NULL;
	}
	input_init(in, fd, 0);
	b->in[k] = in;
	return in;
}

/* Is the line held in s->pre, without its trailing blanks, line? */
static int
isline(struct scan *s, const char *line)
{
	while (s->prelen > 0 && (s->pre[s->prelen - 1] == ' ' ||
	    s->pre[s->prelen - 1] == '\t' ||
	    s->pre[s->prelen - 1] == '\r'))
		s->prelen--;
	return s->prelen == strlen(line) &&
	    memcmp(s->pre, line, s->prelen) == 0;
}

/* The armor's bytes from run to end into s->fd, in one write. */
static void
scanput(struct scan *s, const char *run, const char *end)
{
	if (run != NULL && end > run && !s->werr &&
	    fd_write(s->fd, run, end - run) == -1)
		s->werr = errno;
}

/*
 * n more bytes of the body: what lies between the first armor's BEGIN
 * line and its END line (that one included) into s->fd, in runs, not a
 * write a byte.
 */
static void
scanbytes(struct scan *s, const char *p, size_t n)
{
	const char	*end, *nl, *run = s->state == 1 ? p : NULL;
	size_t		 k;

	if (n == 0)
		return;		/* p may be NULL */
	for (end = p + n; p < end;) {
		nl = memchr(p, '\n', end - p);
		k = (size_t)((nl != NULL ? nl : end) - p);
		if (k > sizeof(s->pre) - s->prelen)
			k = sizeof(s->pre) - s->prelen;
		memcpy(s->pre + s->prelen, p, k);
		s->prelen += k;
		if (nl == NULL)
			break;
		p = nl + 1;
		if (s->state == 0 && isline(s, ARMORBEGIN)) {
			s->state = 1;
			if (fd_write(s->fd, ARMORBEGIN "\n",
			    sizeof(ARMORBEGIN)) == -1)
				s->werr = errno;
			run = p;
		} else if (s->state == 1 && isline(s, ARMOREND)) {
			s->state = 2;
			scanput(s, run, p);
			run = NULL;
		}
		s->prelen = 0;
	}
	if (s->state == 1)
		scanput(s, run, end);
}

/*
 * The message into b->orig (its header as read, minus our fields, then
 * the body) and the armored ciphertext of the body into b->ct.
 */
static int
spool(struct msg *m, struct border *b)
{
	struct scan	 s;
	const struct hdr *h = &m->h;
	ssize_t		 n;
	size_t		 i;

	memset(&s, 0, sizeof(s));
	if ((b->orig = fd_anon(NULL, m->err, sizeof(m->err))) == -1 ||
	    (b->ct = fd_anon(NULL, m->err, sizeof(m->err))) == -1) {
		msg_fail(m, "%s", m->err);
		return EX_TEMPFAIL;
	}
	s.fd = b->ct;
	for (i = 0; i < h->n; i++)
		if (fd_write(b->orig, h->buf + h->f[i].off, h->f[i].len) == -1)
			goto werr;
	if (fd_write(b->orig, "\n", 1) == -1 || (h->bodystartlen > 0 &&
	    fd_write(b->orig, h->bodystart, h->bodystartlen) == -1))
		goto werr;
	scanbytes(&s, h->bodystart, h->bodystartlen);
	while ((n = input_fill(m->in)) > 0) {
		if (fd_write(b->orig, m->in->p, n) == -1)
			goto werr;
		scanbytes(&s, m->in->p, n);
		m->in->p += n;
		m->in->n = 0;
	}
	if (n == -1) {
		msg_fail(m, "reading the message: %s", strerror(errno));
		return m->in->toobig ? EX_DATAERR : EX_TEMPFAIL;
	}
	if (s.werr) {
		errno = s.werr;
		goto werr;
	}
	return EX_OK;
werr:
	msg_fail(m, "writing a copy: %s", strerror(errno));
	return EX_TEMPFAIL;
}

/* The domain of addr (after its last '@'), or "". */
static const char *
domainof(const char *addr)
{
	const char	*at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

/*
 * Is the message from a peer, by the envelope sender or an outer From
 * address whose domain the peers file lists?  1, 0, or -1 (m->err set).
 */
static int
frompeer(struct msg *m)
{
	struct addrlist	 al;
	const char	*why;
	char		 addr[ADDR_MAX + 1], *v;
	size_t		 i;
	int		 r = 0;

	if (strchr(m->sender, '@') != NULL && (r = peers_listed(
	    m->conf->peers, domainof(m->sender), NULL, m->err,
	    sizeof(m->err))) != 0)
		return r;
	for (i = 0; i < m->h.n && r == 0; i++) {
		if (!hdr_is(&m->h, i, "From") ||
		    (v = hdr_value(&m->h, i)) == NULL)
			continue;
		addrlist_init(&al, v);
		while (r == 0 && addrlist_next(&al, addr, sizeof(addr),
		    &why) == 1)
			r = peers_listed(m->conf->peers, domainof(addr), NULL,
			    m->err, sizeof(m->err));
		free(v);
	}
	return r;
}

/* What the protected header's sender fields say of the signer. */
struct vouch {
	const char	*signer;	/* VALIDSIG's primary fingerprint */
	char		 domain[ADDR_MAX + 1];	/* of the first From */
	size_t		 nfrom;
	int		 cfgerr;	/* the peers file is unfit */
	char		 why[ERRLEN];	/* why not verified */
};

/*
 * Is every address of field i of ih of a domain for which the peers file
 * lists v->signer?  1, or 0 with v->why (and v->cfgerr) set.  A field
 * whose list cannot be read to its end vouches for nothing: a mail reader
 * may see an address there that the check never saw.
 */
static int
vouched(struct msg *m, const struct hdr *ih, size_t i, struct vouch *v)
{
	struct addrlist	 al;
	const char	*e = "out of memory";
	char		 addr[ADDR_MAX + 1], buf[ADDR_MAX + 1], *val;
	int		 r = 0, p = 1, from = hdr_is(ih, i, "From");

	if ((val = hdr_value(ih, i)) == NULL) {
		snprintf(v->why, sizeof(v->why), "a sender field that "
		    "cannot be read: %s", e);
		return 0;
	}
	addrlist_init(&al, val);
	while (p == 1 && (r = addrlist_next(&al, addr, sizeof(addr), &e)) ==
	    1) {
		p = peers_listed(m->conf->peers, domainof(addr), v->signer,
		    v->why, sizeof(v->why));
		if (p == 0)
			snprintf(v->why, sizeof(v->why), "signed by %s, not a "
			    "peer key of %s", v->signer, safestr(domainof(addr),
			    buf, sizeof(buf)));
		if (p == 1 && from && v->nfrom++ == 0)
			strlcpy(v->domain, domainof(addr), sizeof(v->domain));
	}
	explicit_bzero(val, strlen(val));
	free(val);
	v->cfgerr = p == -1;
	if (p == 1 && r == -1)
		snprintf(v->why, sizeof(v->why), "a %s address that cannot "
		    "be read: %s", from ? "From" : "Sender", e);
	return p == 1 && r == 0;
}

/*
 * Did a peer of the sender's domain sign: one good signature, and every
 * From and Sender address of the inner header of a domain for which the
 * peers file lists its key?  NULL, or why not (v->cfgerr set if it is the
 * peers file's fault).
 */
static const char *
peersigned(struct msg *m, const struct hdr *ih, const struct gpgdec *d,
    struct vouch *v)
{
	size_t	i;

	if (d->nsigs == 0)
		return "no signature";
	if (d->nsigs > 1 || d->goodsig != 1 || d->badsig > 0 ||
	    d->signer[0] == '\0')
		return d->nsigs > 1 ? "more than one signature" :
		    "bad signature, or signed by a key not in the keyring";
	v->signer = d->signer;
	for (i = 0; i < ih->n; i++)
		if ((hdr_is(ih, i, "From") || hdr_is(ih, i, "Sender")) &&
		    !vouched(m, ih, i, v))
			return v->why;
	return v->nfrom == 0 ? "no From in the protected header" : NULL;
}

/*
 * A CR not before an LF ends a line for some mail readers (Python's email
 * package among them) and for nobody else here: in the inner header it
 * could hide a field from the checks ("Subject: x\rFrom: ceo@b.example").
 * Each becomes a blank, so every reader sees the fields we checked.
 */
static void
nobarecr(struct hdr *h)
{
	size_t	j;

	for (j = 0; j < h->len; j++)
		if (h->buf[j] == '\r' && (j + 1 == h->len ||
		    h->buf[j + 1] != '\n'))
			h->buf[j] = ' ';
}

/* The header section of the decrypted copy, as it is written. */
struct hw {
	int	fd;
	size_t	bytes, fields;
};

/* One field (n bytes with its LF) onto the header.  0, or -1. */
static int
hput(struct hw *w, const char *p, size_t n)
{
	w->bytes += n;
	w->fields++;
	return fd_write(w->fd, p, n);
}

/* Append n bytes of s to w, of length *len (room made by the caller). */
static void
put(char *w, size_t *len, const char *s, size_t n)
{
	memcpy(w + *len, s, n);
	*len += n;
}

/*
 * Does parameter p name a protected-header mark: hp or protected-headers,
 * also in RFC 2231's forms (hp*=, hp*0=), which MIME parsers read too?
 */
static int
markparam(const char *p)
{
	size_t	n = strcspn(p, " \t=*;");

	return ((n == 2 && strncasecmp(p, "hp", 2) == 0) || (n == 17 &&
	    strncasecmp(p, "protected-headers", 17) == 0)) &&
	    (p[n + strspn(p + n, " \t")] == '=' || p[n] == '*');
}

/*
 * Content-Type field i of h, without the parameters that mark it as a
 * protected header (RFC 9788: hp, protected-headers), into fd: a header
 * that is not verified must not look like one.  Each ';' may become "; ",
 * so the new field needs at most twice the value, and the name, and the
 * LF.  0, or -1 (errno set).
 */
static int
unmarked(struct hw *hw, const struct hdr *h, size_t i)
{
	static const char name[] = "Content-Type: ";
	char	*v, *w, *p, *start;
	size_t	 len = 0;
	int	 q = 0, r;

	if ((v = hdr_value(h, i)) == NULL)
		return -1;
	if ((w = malloc(sizeof(name) + 2 * strlen(v) + 1)) == NULL) {
		free(v);
		return -1;
	}
	put(w, &len, name, sizeof(name) - 1);
	for (start = p = v;; p++) {
		if (*p == '"' && (p == v || p[-1] != '\\'))
			q = !q;
		if ((*p != ';' || q) && *p != '\0')
			continue;
		while (*start == ' ' || *start == '\t')
			start++;
		if (start == v || !markparam(start)) {
			if (start != v)
				put(w, &len, "; ", 2);
			put(w, &len, start, p - start);
		}
		if (*p == '\0')
			break;
		start = p + 1;
	}
	put(w, &len, "\n", 1);
	r = hput(hw, w, len);
	explicit_bzero(w, len);
	explicit_bzero(v, strlen(v));
	free(w);
	free(v);
	return r;
}

/*
 * The header of the decrypted message into hw.  Verified: the outer
 * trace fields, then the inner (protected) header without its HP-Outer
 * fields.  Not: the outer header without its Content-* fields, then the
 * inner's.  Our field, note, last.  0, or -1 (errno set).
 */
static int
writehead(struct hw *hw, const struct hdr *oh, const struct hdr *ih,
    int verified, const char *note)
{
	char	fld[NOTELEN + 32];
	size_t	i;

	for (i = 0; i < oh->n; i++) {
		if (verified ? !(hdr_is(oh, i, "Received") ||
		    hdr_is(oh, i, "Return-Path")) : iscontent(oh, i))
			continue;
		if (hput(hw, oh->buf + oh->f[i].off, oh->f[i].len) == -1)
			return -1;
	}
	for (i = 0; i < ih->n; i++) {
		if (hdr_is(ih, i, BORDER_FIELD) || hdr_is(ih, i, "HP-Outer") ||
		    (!verified && !iscontent(ih, i)))
			continue;
		if (!verified && hdr_is(ih, i, "Content-Type")) {
			if (unmarked(hw, ih, i) == -1)
				return -1;
			continue;
		}
		if (hput(hw, ih->buf + ih->f[i].off, ih->f[i].len) == -1)
			return -1;
	}
	snprintf(fld, sizeof(fld), "%s: %s\n", BORDER_FIELD, note);
	return hput(hw, fld, strlen(fld));
}

/*
 * The decrypted message into b->dec: its header (writehead), the empty
 * line, the inner body.  A header that would be over hdr_read's bounds
 * when the copy is read back is a lasting failure (EX_DATAERR, b->note).
 */
static int
build(struct msg *m, struct border *b, const struct gpgdec *d)
{
	struct input	*pin;
	struct hdr	 ih;
	struct hw	 hw;
	struct vouch	 v;
	const char	*notv;
	ssize_t		 n;
	int		 r;

	memset(&ih, 0, sizeof(ih));
	if ((pin = fromfile(m, b, b->plain)) == NULL)
		return EX_TEMPFAIL;
	if ((r = hdr_read(&ih, pin)) != HDR_OK) {
		hdr_free(&ih);
		if (r == HDR_EREAD) {
			msg_fail(m, "reading the plaintext: %s",
			    strerror(errno));
			return EX_TEMPFAIL;
		}
		snprintf(b->note, sizeof(b->note), "not decrypted at %s: the "
		    "decrypted header section is malformed or too large",
		    m->host);
		return EX_DATAERR;
	}
	nobarecr(&ih);
	memset(&v, 0, sizeof(v));
	notv = peersigned(m, &ih, d, &v);
	if (v.cfgerr) {
		msg_fail(m, "%s", v.why);	/* the peers file is unfit */
		hdr_free(&ih);
		return EX_TEMPFAIL;
	}
	if (notv == NULL)
		snprintf(b->note, sizeof(b->note), "decrypted at %s with key "
		    "%s; signed by peer %s %s", m->host, d->deckey, v.domain,
		    d->signer);
	else
		snprintf(b->note, sizeof(b->note), "decrypted at %s with key "
		    "%s; not verified (%s)", m->host, d->deckey, notv);
	if ((b->dec = fd_anon(NULL, m->err, sizeof(m->err))) == -1) {
		msg_fail(m, "%s", m->err);
		hdr_free(&ih);
		return EX_TEMPFAIL;
	}
	memset(&hw, 0, sizeof(hw));
	hw.fd = b->dec;
	if (writehead(&hw, &m->h, &ih, notv == NULL, b->note) == -1 ||
	    fd_write(b->dec, "\n", 1) == -1 || (ih.bodystartlen > 0 &&
	    fd_write(b->dec, ih.bodystart, ih.bodystartlen) == -1))
		goto werr;
	hdr_free(&ih);
	if (hw.bytes >= HDR_MAXBYTES || hw.fields >= HDR_MAXFIELDS) {
		snprintf(b->note, sizeof(b->note), "not decrypted at %s: the "
		    "header section would be too large (over %d bytes or %d "
		    "fields)", m->host, HDR_MAXBYTES, HDR_MAXFIELDS);
		return EX_DATAERR;
	}
	while ((n = input_fill(pin)) > 0) {
		if (fd_write(b->dec, pin->p, n) == -1)
			goto werr;
		pin->p += n;
		pin->n = 0;
	}
	if (n == -1) {
		msg_fail(m, "reading the plaintext: %s", strerror(errno));
		return EX_TEMPFAIL;
	}
	return EX_OK;
werr:
	hdr_free(&ih);
	msg_fail(m, "writing the decrypted copy: %s", strerror(errno));
	return EX_TEMPFAIL;
}

/*
 * One out_make pass over the message in file fd, with the field note
 * added (NULL: none), for the recipients not held.  Those of them it
 * leaves without an outcome are failed with its error.
 */
static int
pass(struct msg *m, struct border *b, int fd, const char *note)
{
	char	fld[NOTELEN];
	size_t	i;
	int	ex = EX_OK, r;

	hdr_free(&m->h);
	if ((m->in = fromfile(m, b, fd)) == NULL)
		ex = EX_TEMPFAIL;
	else if ((r = hdr_read(&m->h, m->in)) != HDR_OK) {
		msg_fail(m, "reading a copy back: %s", r == HDR_EREAD ?
		    strerror(errno) : "its header section is too large");
		ex = EX_TEMPFAIL;
	} else {
		/* A header with no room for it goes on without it. */
		if (note != NULL && hdr_add(&m->h, BORDER_FIELD, note) == -1)
			syslog(LOG_NOTICE, "border: from=<%s> no room in the "
			    "header section for: %s", m->sender, note);
		ex = out_make(m);
	}
	if (ex != EX_OK) {
		safestr(m->err, fld, sizeof(fld));
		for (i = 0; i < m->nr; i++)
			if (!m->r[i].hold && m->r[i].fate == FATE_NONE)
				msg_fate(m, m->r[i].addr, FATE_FAILED, fld);
	}
	return ex;
}

/* The decrypted message to the plain recipients, the original to the rest. */
static int
deliver(struct msg *m, struct border *b)
{
	char	note[NOTELEN];
	size_t	i, nplain = 0;

	for (i = 0; i < m->nr; i++) {
		m->r[i].hold = m->r[i].e->action != ACT_PLAIN;
		nplain += !m->r[i].hold;
	}
	syslog(LOG_INFO, "border: from=<%s> %s (%zu recipient%s in clear)",
	    m->sender, b->note, nplain, nplain == 1 ? "" : "s");
	if (nplain > 0)
		(void)pass(m, b, b->dec, NULL);
	for (i = 0; i < m->nr; i++)
		m->r[i].hold = !m->r[i].hold;
	if (nplain < m->nr) {
		snprintf(note, sizeof(note), "not decrypted at %s for this "
		    "recipient: the keymap does not say plain, and decrypted "
		    "mail is not encrypted again", m->host);
		(void)pass(m, b, b->orig, note);
	}
	for (i = 0; i < m->nr; i++)
		m->r[i].hold = 0;
	return EX_OK;
}

/*
 * Why decryption failed, decided by explicit checks: the agent that must
 * hold our key is asked; EX_TEMPFAIL if it cannot be reached, else the
 * lasting reason in b->note and EX_DATAERR.
 */
static int
failure(struct msg *m, struct border *b, const struct gpgdec *d,
    const struct gpgsecret *k, int hidden)
{
	const char	*why;
	char		 err[ERRLEN];
	int		 r;

	if (d->badmdc)
		why = "the data is damaged (its integrity check failed)";
	else if (d->nomdc)
		why = "it has no integrity protection";
	else {
		r = gpg_agent(&m->g, k->grip, err, sizeof(err));
		if (r != GPG_OK && r != GPG_EKEY) {
			msg_fail(m, "%s", err);
			return EX_TEMPFAIL;
		}
		/* gpg says no NO_SECKEY for a hidden recipient. */
		why = r == GPG_EKEY ? "not our key after all (the agent "
		    "holds no such key)" : d->noseckey ? "not our key after "
		    "all (no secret key fits)" : hidden ? "not for a key of "
		    "ours (none opens a hidden recipient's session key)" :
		    "the data is damaged";
	}
	snprintf(b->note, sizeof(b->note), "not decrypted at %s: %s",
	    m->host, why);
	return EX_DATAERR;
}

/*
 * Was gpg killed from outside (the OOM killer, an admin, a shutdown)?
 * Then nothing is known of the message yet: try later (m->err set).  A
 * gpg that crashes on it, or that we stopped at decrypt-max-size, is
 * not that.
 */
static int
killed(struct msg *m, const struct gpgdec *d, const char *what)
{
	int	sig;

	if (d->toobig || !WIFSIGNALED(d->ws))
		return 0;
	sig = WTERMSIG(d->ws);
	if (sig != SIGKILL && sig != SIGTERM && sig != SIGINT &&
	    sig != SIGHUP)
		return 0;
	msg_fail(m, "%s: gpg was killed (signal %d)", what, sig);
	return 1;
}

/*
 * Decrypt if it is ours: EX_OK (b->dec made), EX_NOINPUT (not ours: pass
 * it on as it came), EX_DATAERR (a lasting failure: b->note says it),
 * EX_TEMPFAIL (m->err says it).
 */
static int
decrypt(struct msg *m, struct border *b)
{
	struct gpgdec			 d;
	const struct gpgsecret		*k;
	int				 r, hidden;

	if (gpg_secretkeys(&m->g, &b->keys, &b->nkeys, m->err,
	    sizeof(m->err)) != GPG_OK) {
		/*
		 * Its agent lists the secret keys: is that what failed?  If
		 * it answers now, once more: several gpgs that start one
		 * agent at once can lose that race.
		 */
		if (gpg_agent(&m->g, NULL, m->err, sizeof(m->err)) != GPG_OK) {
			msg_fail(m, "%s", m->err);
			return EX_TEMPFAIL;
		}
		if (gpg_secretkeys(&m->g, &b->keys, &b->nkeys, m->err,
		    sizeof(m->err)) != GPG_OK) {
			msg_fail(m, "the transport keys: %s", m->err);
			return EX_TEMPFAIL;
		}
	}
	memset(&d, 0, sizeof(d));
	d.infd = b->ct;
	d.outfd = -1;
	d.listonly = 1;
	d.keys = b->keys;
	d.nkeys = b->nkeys;
	if (gpg_decrypt(&m->g, &d, m->err, sizeof(m->err)) != GPG_OK) {
		msg_fail(m, "listing the recipients: %s", m->err);
		return EX_TEMPFAIL;
	}
	if (killed(m, &d, "listing the recipients"))
		return EX_TEMPFAIL;
	k = d.ours;
	hidden = k == NULL;	/* tried as a hidden recipient */
	if (k == NULL && d.wild && b->nkeys > 0) {
		if ((r = frompeer(m)) == -1) {
			msg_fail(m, "%s", m->err);
			return EX_TEMPFAIL;
		}
		if (r == 1)
			k = &b->keys[0];
	}
	if (k == NULL)
		return EX_NOINPUT;
	if (d.nwild > MAXWILD) {
		snprintf(b->note, sizeof(b->note), "not decrypted at %s: %zu "
		    "hidden-recipient session keys, over the %d tried",
		    m->host, d.nwild, MAXWILD);
		return EX_DATAERR;
	}
	if ((b->plain = fd_anon(NULL, m->err, sizeof(m->err))) == -1) {
		msg_fail(m, "%s", m->err);
		return EX_TEMPFAIL;
	}
	memset(&d, 0, sizeof(d));
	d.infd = b->ct;
	d.outfd = b->plain;
	d.max = m->conf->decryptmax;
	if (gpg_decrypt(&m->g, &d, m->err, sizeof(m->err)) != GPG_OK) {
		msg_fail(m, "decrypting: %s", m->err);
		return EX_TEMPFAIL;
	}
	if (killed(m, &d, "decrypting"))
		return EX_TEMPFAIL;
	if (d.toobig) {
		snprintf(b->note, sizeof(b->note), "not decrypted at %s: the "
		    "plaintext is over %lld bytes (decrypt-max-size)", m->host,
		    m->conf->decryptmax);
		return EX_DATAERR;
	}
	if (!d.okay || d.failed)
		return failure(m, b, &d, k, hidden);
	return build(m, b, &d);
}

static void
wipe(int fd)
{
	if (fd == -1)
		return;
	(void)ftruncate(fd, 0);
	close(fd);
}

int
border_send(struct msg *m)
{
	struct border	 b;
	size_t		 i;
	int		 ex;

	memset(&b, 0, sizeof(b));
	b.orig = b.ct = b.plain = b.dec = -1;
	b.saved = m->in;
	if ((ex = msg_header(m)) != EX_OK)
		return ex;
	if (m->nr == 0) {
		msg_fail(m, "no recipients");
		return EX_USAGE;
	}
	/* Ours alone say what this border did. */
	dropfields(&m->h, BORDER_FIELD);
	if ((ex = homecheck(m)) != EX_OK || (ex = msg_keys(m)) != EX_OK)
		goto done;
	if (hdr_encrypted(&m->h) != ENC_PGPMIME) {
		ex = out_make(m);
		goto done;
	}
	if ((ex = spool(m, &b)) != EX_OK)
		goto done;
	ex = decrypt(m, &b);
	if (ex == EX_OK)
		ex = deliver(m, &b);
	else if (ex == EX_NOINPUT) {
		syslog(LOG_INFO, "border: from=<%s> encrypted, not to a key of "
		    "ours: passed on as it came", m->sender);
		snprintf(b.note, sizeof(b.note), "not decrypted at %s: not "
		    "encrypted to a transport key of this site", m->host);
		ex = pass(m, &b, b.orig, b.note);
	} else if (ex == EX_DATAERR) {
		syslog(LOG_NOTICE, "border: from=<%s> %s: passed on as it "
		    "came", m->sender, b.note);
		wipe(b.plain);
		b.plain = -1;
		ex = pass(m, &b, b.orig, b.note);
	}
done:
	if (ex == EX_TEMPFAIL)
		syslog(LOG_WARNING, "border: from=<%s> deferred: %s",
		    m->sender, m->err);
	m->in = b.saved;
	for (i = 0; i < 3 && b.in[i] != NULL; i++) {
		input_wipe(b.in[i]);
		free(b.in[i]);
	}
	if (b.orig != -1)
		close(b.orig);
	if (b.ct != -1)
		close(b.ct);
	wipe(b.plain);
	wipe(b.dec);
	free(b.keys);
	return ex;
}
