/*
 * The receiving border: in --gateway with transport-home set, a message
 * whose top level is PGP/MIME and whose PKESKs name one of this site's
 * transport keys (or are a wildcard, from a peer) is decrypted here.
 *
 * The message is kept whole in an unnamed 0600 file (the original); the
 * armored ciphertext of its body in another.  gpg lists the PKESKs
 * (--list-only), then decrypts with the transport home's keys into a
 * third; nothing of it is used unless gpg said DECRYPTION_OKAY and no
 * DECRYPTION_FAILED or BADMDC.  The decrypted message goes to the
 * recipients whose keymap line says plain (one out_make pass, the others
 * held); the others get the original with a Pgpsendmail-Border field
 * saying why it was not decrypted for them (a second pass).
 *
 * Transient failures (the transport home or the system keyring unfit,
 * the agent that cannot be reached, a full disk, gpg killed at its time)
 * defer the whole message: EX_TEMPFAIL, Postfix retries.  Lasting ones
 * (damaged data, no integrity protection, not our key after all, the
 * plaintext too big) pass the original on, with the field saying why.
 * No file has a name: nothing outlives us, a kill included.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
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

/* Is the top level multipart/encrypted, protocol application/pgp-encrypted? */
static int
pgpmime(const struct hdr *h)
{
	size_t	 i;
	char	*v;
	int	 r;

	if (!hdr_encrypted(h))
		return 0;	/* neither PGP/MIME nor S/MIME */
	for (i = 0; i < h->n && !hdr_is(h, i, "Content-Type"); i++)
		;
	if (i == h->n || (v = hdr_value(h, i)) == NULL)
		return 0;
	r = strncasecmp(v, "multipart/encrypted", 19) == 0;
	free(v);
	return r;
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

static void
scanbytes(struct scan *s, const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n && !s->werr; i++) {
		if (s->state == 1 && fd_write(s->fd, p + i, 1) == -1)
			s->werr = errno;
		if (p[i] != '\n') {
			if (s->prelen < sizeof(s->pre))
				s->pre[s->prelen++] = p[i];
			continue;
		}
		while (s->prelen > 0 && (s->pre[s->prelen - 1] == ' ' ||
		    s->pre[s->prelen - 1] == '\t' ||
		    s->pre[s->prelen - 1] == '\r'))
			s->prelen--;
		if (s->state == 0 && s->prelen == strlen(ARMORBEGIN) &&
		    memcmp(s->pre, ARMORBEGIN, s->prelen) == 0) {
			s->state = 1;
			if (fd_write(s->fd, ARMORBEGIN "\n",
			    sizeof(ARMORBEGIN)) == -1)
				s->werr = errno;
		} else if (s->state == 1 && s->prelen == strlen(ARMOREND) &&
		    memcmp(s->pre, ARMOREND, s->prelen) == 0)
			s->state = 2;
		s->prelen = 0;
	}
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

/* Our key whose ID is id, or NULL. */
static const struct gpgsecret *
ourkey(const struct border *b, const char *id)
{
	size_t	i;

	for (i = 0; i < b->nkeys; i++)
		if (strcasecmp(b->keys[i].keyid, id) == 0)
			return &b->keys[i];
	return NULL;
}

/*
 * The inner header's From addresses each of a domain for which the peers
 * file lists the signer: NULL, or why not (in why).
 */
static const char *
peersigned(struct msg *m, const struct hdr *ih, const struct gpgdec *d,
    char *domain, size_t dlen, char *why, size_t wlen, int *cfgerr)
{
	struct addrlist	 al;
	const char	*e;
	char		 addr[ADDR_MAX + 1], buf[ADDR_MAX + 1], *v;
	size_t		 i, nfrom = 0;
	int		 r;

	if (d->nsigs == 0)
		return "no signature";
	if (d->nsigs > 1 || d->goodsig != 1 || d->badsig > 0 ||
	    d->signer[0] == '\0')
		return d->nsigs > 1 ? "more than one signature" :
		    "bad signature, or signed by a key not in the keyring";
	for (i = 0; i < ih->n; i++) {
		if (!hdr_is(ih, i, "From") || (v = hdr_value(ih, i)) == NULL)
			continue;
		addrlist_init(&al, v);
		while (addrlist_next(&al, addr, sizeof(addr), &e) == 1) {
			nfrom++;
			r = peers_listed(m->conf->peers, domainof(addr),
			    d->signer, why, wlen);
			if (r == 1) {
				strlcpy(domain, domainof(addr), dlen);
				continue;
			}
			*cfgerr = r == -1;
			if (r == 0)
				snprintf(why, wlen, "signed by %s, not a peer "
				    "key of %s", d->signer, safestr(
				    domainof(addr), buf, sizeof(buf)));
			free(v);
			return why;
		}
		free(v);
	}
	return nfrom == 0 ? "no From in the protected header" : NULL;
}

/*
 * Content-Type field i of h, without the parameters that mark it as a
 * protected header (RFC 9788: hp, protected-headers), into fd: a header
 * that is not verified must not look like one.  0, or -1 (errno set).
 */
static int
unmarked(int fd, const struct hdr *h, size_t i)
{
	char	*v, *w, *p, *start;
	int	 q = 0, r;

	if ((v = hdr_value(h, i)) == NULL)
		return -1;
	if ((w = malloc(strlen(v) + 32)) == NULL) {
		free(v);
		return -1;
	}
	strlcpy(w, "Content-Type: ", strlen(v) + 32);
	for (start = p = v;; p++) {
		if (*p == '"' && (p == v || p[-1] != '\\'))
			q = !q;
		if ((*p != ';' || q) && *p != '\0')
			continue;
		while (*start == ' ' || *start == '\t')
			start++;
		if (start != v && (strncasecmp(start, "hp=", 3) == 0 ||
		    strncasecmp(start, "protected-headers=", 18) == 0)) {
			if (*p == '\0')
				break;
			start = p + 1;
			continue;
		}
		if (start != v)
			strlcat(w, "; ", strlen(v) + 32);
		strncat(w, start, p - start);
		if (*p == '\0')
			break;
		start = p + 1;
	}
	strlcat(w, "\n", strlen(v) + 32);
	r = fd_write(fd, w, strlen(w));
	explicit_bzero(w, strlen(w));
	free(w);
	free(v);
	return r;
}

/*
 * The decrypted message into b->dec.  Verified: the outer trace fields,
 * then the inner (protected) header without its HP-Outer fields.  Not:
 * the outer header without its Content-* fields, then the inner's.  Our
 * field, the empty line, the inner body.
 */
static int
build(struct msg *m, struct border *b, const struct gpgdec *d)
{
	struct input	*pin;
	struct hdr	 ih;
	const struct hdr *oh = &m->h;
	char		 domain[ADDR_MAX + 1], why[ERRLEN], fld[NOTELEN + 32];
	const char	*notv;
	ssize_t		 n;
	size_t		 i;
	int		 r, cfgerr = 0;

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
	domain[0] = '\0';
	why[0] = '\0';
	notv = peersigned(m, &ih, d, domain, sizeof(domain), why,
	    sizeof(why), &cfgerr);
	if (cfgerr) {
		msg_fail(m, "%s", why);		/* the peers file is unfit */
		hdr_free(&ih);
		return EX_TEMPFAIL;
	}
	if (notv == NULL)
		snprintf(b->note, sizeof(b->note), "decrypted at %s with key "
		    "%s; signed by peer %s %s", m->host, d->deckey, domain,
		    d->signer);
	else
		snprintf(b->note, sizeof(b->note), "decrypted at %s with key "
		    "%s; not verified (%s)", m->host, d->deckey, notv);
	if ((b->dec = fd_anon(NULL, m->err, sizeof(m->err))) == -1) {
		msg_fail(m, "%s", m->err);
		hdr_free(&ih);
		return EX_TEMPFAIL;
	}
	for (i = 0; i < oh->n; i++) {
		if (notv == NULL ? !(hdr_is(oh, i, "Received") ||
		    hdr_is(oh, i, "Return-Path")) : iscontent(oh, i))
			continue;
		if (fd_write(b->dec, oh->buf + oh->f[i].off, oh->f[i].len) ==
		    -1)
			goto werr;
	}
	for (i = 0; i < ih.n; i++) {
		if (hdr_is(&ih, i, BORDER_FIELD) || hdr_is(&ih, i, "HP-Outer") ||
		    (notv != NULL && !iscontent(&ih, i)))
			continue;
		if (notv != NULL && hdr_is(&ih, i, "Content-Type")) {
			if (unmarked(b->dec, &ih, i) == -1)
				goto werr;
			continue;
		}
		if (fd_write(b->dec, ih.buf + ih.f[i].off, ih.f[i].len) == -1)
			goto werr;
	}
	snprintf(fld, sizeof(fld), "%s: %s\n\n", BORDER_FIELD, b->note);
	if (fd_write(b->dec, fld, strlen(fld)) == -1 || (ih.bodystartlen > 0 &&
	    fd_write(b->dec, ih.bodystart, ih.bodystartlen) == -1))
		goto werr;
	while ((n = input_fill(pin)) > 0) {
		if (fd_write(b->dec, pin->p, n) == -1)
			goto werr;
		pin->p += n;
		pin->n = 0;
	}
	hdr_free(&ih);
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
	int	ex = EX_OK;

	hdr_free(&m->h);
	if ((m->in = fromfile(m, b, fd)) == NULL)
		ex = EX_TEMPFAIL;
	else if (hdr_read(&m->h, m->in) != HDR_OK) {
		msg_fail(m, "reading a copy back: %s", strerror(errno));
		ex = EX_TEMPFAIL;
	} else if (note != NULL && hdr_add(&m->h, BORDER_FIELD, note) == -1) {
		msg_fail(m, "header section too large");
		ex = EX_TEMPFAIL;
	} else
		ex = out_make(m);
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
    const struct gpgsecret *k)
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
		why = r == GPG_EKEY ? "not our key after all (the agent "
		    "holds no such key)" : d->noseckey ? "not our key after "
		    "all (no secret key fits)" : "the data is damaged";
	}
	snprintf(b->note, sizeof(b->note), "not decrypted at %s: %s",
	    m->host, why);
	return EX_DATAERR;
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
	const struct gpgsecret		*k = NULL;
	size_t				 i;
	int				 r, wild = 0;

	if (gpg_secretkeys(&m->g, &b->keys, &b->nkeys, m->err,
	    sizeof(m->err)) != GPG_OK) {
		/* Its agent lists the secret keys: is that what failed? */
		if (gpg_agent(&m->g, NULL, m->err, sizeof(m->err)) == GPG_OK)
			msg_fail(m, "the transport keys: %s", m->err);
		else
			msg_fail(m, "%s", m->err);
		return EX_TEMPFAIL;
	}
	memset(&d, 0, sizeof(d));
	d.infd = b->ct;
	d.outfd = -1;
	d.listonly = 1;
	if (gpg_decrypt(&m->g, &d, m->err, sizeof(m->err)) != GPG_OK) {
		msg_fail(m, "listing the recipients: %s", m->err);
		return EX_TEMPFAIL;
	}
	for (i = 0; i < d.nencto && k == NULL; i++) {
		k = ourkey(b, d.encto[i]);
		wild |= strcmp(d.encto[i], "0000000000000000") == 0;
	}
	if (k == NULL && wild && b->nkeys > 0) {
		if ((r = frompeer(m)) == -1) {
			msg_fail(m, "%s", m->err);
			return EX_TEMPFAIL;
		}
		if (r == 1)
			k = &b->keys[0];
	}
	if (k == NULL)
		return EX_NOINPUT;
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
	if (d.toobig) {
		snprintf(b->note, sizeof(b->note), "not decrypted at %s: the "
		    "plaintext is over %lld bytes (decrypt-max-size)", m->host,
		    m->conf->decryptmax);
		return EX_DATAERR;
	}
	if (!d.okay || d.failed)
		return failure(m, b, &d, k);
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
	m->g.deadline = m->deadline;
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
	if (!pgpmime(&m->h)) {
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
		ex = pass(m, &b, b.orig, NULL);
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
