/*
 * From a checked message to its outputs, and their hand-off.
 *
 * Who gets which copy:
 * - visible recipients (named in To or Cc, or Resent-To or Resent-Cc)
 *   share one ciphertext, encrypted to all their keys;
 * - each blind recipient (Bcc, or named nowhere in the header) gets a
 *   ciphertext of its own, so that no other copy carries its key ID; past
 *   MAXAPART of them, the rest share one more in which every key is a
 *   hidden recipient ("bcc hidden" puts them all in the visible one so);
 * - the recipients the keymap says get it plain share one plain copy;
 * - a message that is encrypted already goes to everyone as it came.
 * The encrypt-to keys go into every ciphertext as hidden recipients.
 *
 * All of them are made in one pass over the input, every gpg fed at
 * once, each into an anonymous 0600 file; only when every one is
 * complete is anything handed to the real sendmail.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "armor.h"
#include "fdio.h"
#include "backend.h"
#include "gpg.h"
#include "input.h"
#include "keymap.h"
#include "msg.h"
#include "out.h"
#include "rfc5322.h"
#include "spool.h"
#include "text.h"

#define MAXAPART	16	/* blind recipients with a ciphertext apart */

enum {
	OUT_VISIBLE = 0,
	OUT_APART = 1,			/* 1 .. MAXAPART */
	OUT_HIDDEN = MAXAPART + 1,	/* the blind ones past MAXAPART */
	OUT_PLAIN,
	NOUT
};

/* Is the message encrypted already, to be passed on as it came? */
enum passing {
	PASS_NO,	/* no: it is encrypted here */
	PASS_YES,	/* yes, says its header (or its body proved it) */
	PASS_MAYBE	/* its body may be one armored message: wait and see */
};

struct output {
	const char	**rcpt;		/* who gets it */
	size_t		  nrcpt;
	int		  fd;
	off_t		  base;		/* where in fd the message starts */
	struct gpgjob	  job;		/* for a ciphertext */
	int		  used;		/* to be handed on */
};

struct outputs {
	struct output	 o[NOUT];
	size_t		 napart;
	struct output	 pass;		/* the message as it came */
	enum passing	 passing;
	int		 keyless;	/* someone lacks a key: no ciphertext */
	struct armor	 armor;
	char		*inner;		/* what is encrypted, up to the body */
	size_t		 innerlen;
	char		*plain;		/* what is sent as it is, likewise */
	size_t		 plainlen;
	char		*head;		/* the RFC 3156 message before the
					   ciphertext */
	size_t		 headlen;
	int		 werr;		/* errno of a failed copy */
	int		 predone;
	char		 trailer[80];	/* ends what is encrypted, or "" */
	int		 taildone;
	struct input	*in;
	int		 spooled;	/* the outputs are queue entries */
	struct spool	 sp;
	struct spoolmsg	 sm;
	const char	*opts[MAXOPTS];	/* for the real sendmail */
	size_t		 nopts;
	char		 date[200], msgid[200];
};

static int
addrcptto(struct output *out, const char *addr, size_t max)
{
	if (out->rcpt == NULL && (out->rcpt = calloc(max,
	    sizeof(*out->rcpt))) == NULL)
		return -1;
	out->rcpt[out->nrcpt++] = addr;
	return 0;
}

static int
addkey(char ***keys, size_t *n, const char *fpr)
{
	char	**nk;
	size_t	  i;

	for (i = 0; i < *n; i++)
		if (strcasecmp((*keys)[i], fpr) == 0)
			return 0;
	if ((nk = reallocarray(*keys, *n + 1, sizeof(*nk))) == NULL)
		return -1;
	*keys = nk;
	nk[(*n)++] = (char *)fpr;
	return 0;
}

/* Mark the recipients the header names in To, Cc and their Resent-. */
static void
markvisible(const struct msg *m, unsigned char *visible)
{
	static const char *const names[] = {
		"To", "Cc", "Resent-To", "Resent-Cc"
	};
	struct addrlist	 al;
	const char	*why;
	char		 addr[ADDR_MAX + 1], *v;
	size_t		 i, k;
	ssize_t		 j;

	for (i = 0; i < m->h.n; i++)
		for (k = 0; k < 4; k++) {
			if (!hdr_is(&m->h, i, names[k]) ||
			    (v = hdr_value(&m->h, i)) == NULL)
				continue;
			addrlist_init(&al, v);
			while (addrlist_next(&al, addr, sizeof(addr),
			    &why) == 1)
				if ((j = msg_find(m, addr)) != -1)
					visible[j] = 1;
			free(v);
		}
}

/* Does the body start, after blank lines, with an armor line? */
static int
armorfirst(struct input *in)
{
	const char	*p, *end;

	if (input_peek(in, 256) <= 0)
		return 0;
	p = in->p;
	end = in->p + in->n;
	while (p < end && (*p == '\n' || *p == ' ' || *p == '\t'))
		p++;
	return (size_t)(end - p) >= 28 &&
	    memcmp(p, "-----BEGIN PGP MESSAGE-----", 27) == 0 &&
	    (p[27] == '\n' || p[27] == ' ' || p[27] == '\t');
}

/*
 * Sort the recipients into outputs.  Every refusal gets its line; those
 * for missing keys wait while the body may yet prove to be encrypted.
 */
static int
plan(struct msg *m, struct outputs *o)
{
	const struct rcpt	*r;
	struct output		*out;
	unsigned char		*visible;
	const char		*why;
	char			 buf[ERRLEN];
	size_t			 i, j, k;
	int			 bad = 0, hide, idx;

	/*
	 * A body line read as a header candidate (bodystart) was never
	 * seen by the armor check: such a message is never passed through.
	 */
	if (hdr_encrypted(&m->h))
		o->passing = PASS_YES;
	else if (m->h.bodystart == NULL && armorfirst(m->in))
		o->passing = PASS_MAYBE;
	if ((visible = calloc(m->nr, 1)) == NULL)
		goto oserr;
	markvisible(m, visible);
	for (i = 0; i < m->nr; i++) {
		r = &m->r[i];
		if (r->hold)
			continue;
		/* Each its own outcome: refusals are settled after make. */
		if (m->each && r->e->action == ACT_REJECT)
			continue;
		if (r->e->action == ACT_REJECT) {
			msg_fail(m, "%s", msg_refusal(r, buf, sizeof(buf)));
			bad = 1;
			continue;
		}
		if (o->passing != PASS_NO &&
		    addrcptto(&o->pass, r->addr, m->nr) == -1)
			goto oserr;
		if (o->passing == PASS_YES)
			continue;
		if (r->e->action == ACT_PLAIN) {
			if (addrcptto(&o->o[OUT_PLAIN], r->addr, m->nr) == -1)
				goto oserr;
			continue;
		}
		if (m->each && msg_refusal(r, buf, sizeof(buf)) != NULL)
			continue;
		if ((why = msg_refusal(r, buf, sizeof(buf))) != NULL) {
			/* Shown only if the body proves not to be encrypted. */
			if (o->passing == PASS_MAYBE)
				msg_defer(m, why);
			else
				msg_fail(m, "%s", why);
			o->keyless = 1;
			continue;
		}
		hide = 0;
		if (visible[i])
			idx = OUT_VISIBLE;
		else if (m->conf->bcchidden)
			idx = OUT_VISIBLE, hide = 1;
		else if (o->napart < MAXAPART)
			idx = OUT_APART + o->napart++;
		else
			idx = OUT_HIDDEN, hide = 1;
		out = &o->o[idx];
		if (addrcptto(out, r->addr, m->nr) == -1)
			goto oserr;
		for (k = 0; k < r->nq; k++)
			for (j = 0; j < r->q[k].nkeys; j++)
				if (addkey(hide ? &out->job.hidden :
				    &out->job.fprs, hide ? &out->job.nhidden :
				    &out->job.nfprs, r->q[k].keys[j].fpr) == -1)
					goto oserr;
	}
	free(visible);
	if (bad || (o->keyless && o->passing != PASS_MAYBE))
		return EX_NOUSER;
	return EX_OK;
oserr:
	free(visible);
	msg_fail(m, "%s", strerror(errno));
	return EX_OSERR;
}

/*
 * What gpg reads: the protected header, then the body as it arrives.
 * Each piece is also copied where it goes as it is: the plain copy, the
 * message passed through.
 */
static ssize_t
feed(void *ctx, const char **p)
{
	struct outputs	*o = ctx;
	ssize_t		 n;
	int		 plainfd = o->o[OUT_PLAIN].fd;

	if (!o->predone) {
		o->predone = 1;
		if (plainfd != -1 && fd_write(plainfd, o->plain,
		    o->plainlen) == -1)
			goto werr;
		*p = o->inner;
		return o->innerlen;
	}
	if ((n = input_fill(o->in)) == 0 && !o->taildone) {
		/* For gpg only: the copies sent as they are end as they came. */
		o->taildone = 1;
		*p = o->trailer;
		return strlen(o->trailer);
	}
	if (n <= 0)
		return n;
	*p = o->in->p;
	o->in->p += n;
	o->in->n = 0;
	if (plainfd != -1 && fd_write(plainfd, *p, n) == -1)
		goto werr;
	if (o->passing == PASS_YES && fd_write(o->pass.fd, *p, n) == -1)
		goto werr;
	if (o->passing == PASS_MAYBE)
		armor_feed(&o->armor, *p, n);
	return n;
werr:
	o->werr = errno;
	return -1;
}

/*
 * gpg refused a fingerprint.  Say whose it is and why, from the keyring's
 * own listing: this costs a gpg run only when sending has already failed.
 */
static int
badkey(struct msg *m, const char *fpr, int reason)
{
	struct keyquery	 kq, *kqp = &kq;
	char		 err[ERRLEN], why[128], line[ERRLEN];
	size_t		 i, k;
	int		 named = 0;

	memset(&kq, 0, sizeof(kq));
	kq.addr = fpr;
	kq.byfpr = 1;
	snprintf(why, sizeof(why), "%s: key %s", gpg_invrecp(reason), fpr);
	if (gpg_findkeys(&m->g, &kqp, 1, err, sizeof(err)) == GPG_OK &&
	    kq.nkeys == 0 && strcmp(kq.why, "no key") != 0)
		snprintf(why, sizeof(why), "%s", kq.why);
	free(kq.keys);
	/*
	 * Every recipient of that key: in the gateway each is refused for
	 * good (the others of the ciphertext are tried again without them).
	 */
	for (i = 0; i < m->nr; i++)
		for (k = 0; k < m->r[i].nq; k++)
			if (m->r[i].q[k].nkeys > 0 && strcasecmp(
			    m->r[i].q[k].keys[0].fpr, fpr) == 0) {
				snprintf(line, sizeof(line), "%s: no usable "
				    "key (%s)", m->r[i].addr, why);
				if (!named++)
					msg_fail(m, "%s", line);
				if (m->each)
					msg_fate(m, m->r[i].addr,
					    FATE_REFUSED, line);
				break;
			}
	if (!named)
		msg_fail(m, "gpg refused key %s (%s)", fpr, why);
	return EX_NOUSER;
}

/* A file for an output: a queue entry with its envelope, or anonymous. */
static int
openout(struct msg *m, struct outputs *o, struct output *out)
{
	struct envelope	env;

	if (!o->spooled) {
		out->base = 0;
		/* The gateway's queue is the MTA's: none of ours. */
		if ((out->fd = fd_anon(m->each ? NULL : m->conf->spool,
		    m->err, sizeof(m->err))) == -1) {
			msg_fail(m, "%s", m->err);
			return -1;
		}
		return 0;
	}
	memset(&env, 0, sizeof(env));
	env.sender = m->sender;
	env.implicit = !m->fopt;
	env.rcpt = (char **)out->rcpt;
	env.nrcpt = out->nrcpt;
	env.opts = (char **)o->opts;
	env.nopts = o->nopts;
	env.time = time(NULL);
	env.date = o->date;
	env.msgid = o->msgid;
	if (spool_entry(&o->sm, &env, &out->fd, &out->base) == -1) {
		msg_fail(m, "cannot queue: %s", strerror(errno));
		out->fd = -1;
		return -1;
	}
	return 0;
}

/* The value of the first field name, made safe for an envelope line. */
static void
fieldsafe(const struct hdr *h, const char *name, char *out, size_t len)
{
	size_t	 i;
	char	*v;

	out[0] = '\0';
	for (i = 0; i < h->n; i++)
		if (hdr_is(h, i, name) && (v = hdr_value(h, i)) != NULL) {
			safestr(v, out, len);
			free(v);
			return;
		}
}

/* Run every gpg (or none) over the input, then finish the files. */
static int
encrypt(struct msg *m, struct outputs *o, const char *boundary)
{
	struct gpgjob	 jobs[NOUT];
	struct output	*outs[NOUT];
	const char	*p;
	char		 tail[128];
	size_t		 i, n = 0, tlen;
	ssize_t		 r;
	int		 rc;

	for (i = 0; i < OUT_PLAIN; i++)
		if (o->o[i].nrcpt > 0 && !o->keyless &&
		    o->passing != PASS_YES) {
			outs[n] = &o->o[i];
			jobs[n++] = o->o[i].job;
		}
	if (n == 0) {
		while ((r = feed(o, &p)) > 0)
			;
		rc = r == 0 ? GPG_OK : GPG_EIO;
		if (r == -1 && o->werr == 0)
			snprintf(m->err, sizeof(m->err), "reading the message: "
			    "%s", strerror(errno));
	} else
		rc = gpg_encrypt(&m->g, jobs, n, feed, o, m->err,
		    sizeof(m->err));
	if (o->werr != 0) {
		msg_fail(m, "writing a copy: %s", strerror(o->werr));
		return EX_IOERR;
	}
	for (i = 0; rc == GPG_EKEY && i < n; i++)
		if (jobs[i].badrcpt[0] != '\0')
			return badkey(m, jobs[i].badrcpt, jobs[i].badreason);
	if (rc != GPG_OK) {
		msg_fail(m, "%s", m->err);
		return rc == GPG_EIO ? EX_IOERR : rc == GPG_EOS ? EX_OSERR :
		    EX_UNAVAILABLE;
	}
	if ((tlen = pgpmime_tail(tail, sizeof(tail), boundary)) == 0) {
		msg_fail(m, "the PGP/MIME boundary is too long");
		return EX_SOFTWARE;
	}
	for (i = 0; i < n; i++)
		if (fd_write(outs[i]->fd, tail, tlen) == -1) {
			msg_fail(m, "writing the ciphertext: %s",
			    strerror(errno));
			return EX_IOERR;
		}
	return EX_OK;
}

/*
 * Make every output.  The plaintext of those who get ciphertext only
 * passes through pipes; the files hold ciphertext, the copy the keymap
 * says is plain, or what the sender encrypted already.
 */
static int
make(struct msg *m, struct outputs *o)
{
	char	boundary[64], wrapb[64];
	size_t	i;
	int	ex, r, wrapped;

	snprintf(boundary, sizeof(boundary), "pgpsendmail-%08x%08x",
	    arc4random(), arc4random());
	snprintf(wrapb, sizeof(wrapb), "pgpsendmail-hp-%08x%08x",
	    arc4random(), arc4random());
	if ((o->inner = hdr_protect(&m->h, m->conf->protectsubject, wrapb,
	    &o->innerlen, &wrapped)) == NULL ||
	    (o->plain = hdr_inner(&m->h, &o->plainlen)) == NULL ||
	    (o->head = pgpmime_head(&m->h, boundary, m->conf->protectsubject,
	    &o->headlen)) == NULL) {
		msg_fail(m, "%s", strerror(errno));
		return EX_OSERR;
	}
	if (wrapped)
		snprintf(o->trailer, sizeof(o->trailer), "\n--%s--\n", wrapb);
	for (i = 0; i < NOUT; i++) {
		if (o->o[i].nrcpt == 0 || o->passing == PASS_YES ||
		    (o->keyless && i != OUT_PLAIN))
			continue;
		if (openout(m, o, &o->o[i]) == -1)
			return EX_IOERR;
		o->o[i].job.outfd = o->o[i].fd;
		if (i != OUT_PLAIN && fd_write(o->o[i].fd, o->head,
		    o->headlen) == -1) {
			msg_fail(m, "writing the ciphertext: %s",
			    strerror(errno));
			return EX_IOERR;
		}
	}
	if (o->passing != PASS_NO && o->pass.nrcpt > 0) {
		if (openout(m, o, &o->pass) == -1)
			return EX_IOERR;
		/*
		 * Encrypted by its header: its header goes first.  Maybe
		 * by its body: the header waits until the body has shown
		 * itself, since it is plaintext if the body is not.
		 */
		if (o->passing == PASS_YES &&
		    fd_write(o->pass.fd, o->plain, o->plainlen) == -1) {
			msg_fail(m, "writing a copy: %s", strerror(errno));
			return EX_IOERR;
		}
		armor_init(&o->armor, o->pass.fd, o->pass.base + o->plainlen);
	}
	if ((ex = encrypt(m, o, boundary)) != EX_OK)
		return ex;
	if (o->passing == PASS_MAYBE) {
		if ((r = armor_end(&o->armor)) == 1 &&
		    pwrite(o->pass.fd, o->plain, o->plainlen, o->pass.base) !=
		    (ssize_t)o->plainlen)
			r = -1;
		if (r == -1) {
			msg_fail(m, "writing a copy: %s", strerror(errno));
			return EX_IOERR;
		}
		if (r == 1)
			o->passing = PASS_YES;	/* it was: pass it on */
		else {
			o->passing = PASS_NO;
			if (o->keyless) {
				/* The refusals that waited for the body. */
				if (!m->quiet)
					fputs(m->report, stderr);
				return EX_NOUSER;
			}
		}
	}
	return EX_OK;
}

/*
 * Which outputs go: the message as it came, or the ciphertexts and the
 * plain copy.  With a queue, the others are dropped and the rest
 * committed at once; before that nothing is queued, after it all is.
 */
static int
commit(struct msg *m, struct outputs *o)
{
	size_t	i;

	o->pass.used = o->passing == PASS_YES && o->pass.nrcpt > 0;
	for (i = 0; i < NOUT; i++)
		o->o[i].used = o->passing != PASS_YES && o->o[i].nrcpt > 0;
	if (!o->spooled)
		return EX_OK;
	if (!o->pass.used && o->pass.fd != -1) {
		spool_drop(&o->sm, o->pass.fd);
		o->pass.fd = -1;
	}
	for (i = 0; i < NOUT; i++)
		if (!o->o[i].used && o->o[i].fd != -1) {
			spool_drop(&o->sm, o->o[i].fd);
			o->o[i].fd = -1;
		}
	if (spool_commit(&o->sm) == -1) {
		msg_fail(m, "cannot queue: %s", strerror(errno));
		return EX_IOERR;
	}
	return EX_OK;
}

/*
 * Hand one output to the real sendmail.  With a queue, a failure leaves
 * it queued for a later run (-q), and the message is accepted all the
 * same; without one, it is the caller's failure.
 */
/*
 * With each recipient's own outcome (the gateway): the copy's recipients
 * learn what became of it (m->handed is told at once), and the next copy
 * goes all the same.  No copy starts past the deadline, nor runs beyond
 * it.  It goes to the real sendmail, or where m->copy takes it (the
 * gateway's SMTP re-injection): one pipeline, two ways out.
 */
static int
sendeach(struct msg *m, struct outputs *o, struct output *out)
{
	struct conf	c = *m->conf;
	long long	left = m->deadline - (long long)time(NULL);
	size_t		i;
	int		ex = EX_TEMPFAIL;

	if (m->deadline == 0 || left > c.timeout)
		left = c.timeout;
	if (left <= 0)
		snprintf(m->err, sizeof(m->err), "not handed on: the "
		    "transaction's %d s are up", m->conf->timeout);
	else if (m->copy != NULL) {
		/* Back to the MTA by the gateway's own means: fates told. */
		m->copy(m, m->copyarg, out->fd, out->base, out->rcpt,
		    out->nrcpt, (long long)time(NULL) + left);
		goto told;
	} else {
		c.timeout = c.within = (int)left;
		ex = backend_send(&c, m->fopt ? m->sender : NULL, o->opts,
		    o->nopts, out->fd, out->base, out->rcpt, out->nrcpt,
		    (uid_t)-1, m->err, sizeof(m->err));
	}
	for (i = 0; i < out->nrcpt; i++)
		msg_fate(m, out->rcpt[i], ex == EX_OK ? FATE_SENT :
		    FATE_FAILED, m->err);
told:
	if (m->handed != NULL)
		m->handed(m, m->handedarg);
	return EX_OK;
}

static int
sendone(struct msg *m, struct outputs *o, struct output *out, size_t *done)
{
	int	ex;

	if (m->each)
		return sendeach(m, o, out);
	ex = backend_send(m->conf, m->fopt ? m->sender : NULL, o->opts,
	    o->nopts, out->fd, out->base, out->rcpt, out->nrcpt, (uid_t)-1,
	    m->err, sizeof(m->err));
	if (ex == EX_OK) {
		*done += out->nrcpt;
		if (o->spooled) {
			spool_done(&o->sm, out->fd);
			out->fd = -1;
		}
		return EX_OK;
	}
	if (o->spooled) {
		spool_later(&o->sm, out->fd, m->err);
		snprintf(m->queued, sizeof(m->queued), "%s", m->err);
		return EX_OK;
	}
	if (ex == EX_TEMPFAIL)
		ex = EX_UNAVAILABLE;	/* killed at its deadline: 75 means kept */
	if (*done > 0)
		msg_fail(m, "%s (%zu recipient%s had their copy already)",
		    m->err, *done, *done > 1 ? "s" : "");
	else
		msg_fail(m, "%s", m->err);
	return ex;
}

/* An output's first recipient in the order they were given. */
static size_t
firstrcpt(struct msg *m, const struct output *out)
{
	size_t	i, first = SIZE_MAX;
	ssize_t	k;

	for (i = 0; i < out->nrcpt; i++)
		if ((k = msg_find(m, out->rcpt[i])) != -1 &&
		    (size_t)k < first)
			first = (size_t)k;
	return first == SIZE_MAX ? SIZE_MAX - 1 : first;	/* still goes */
}

/*
 * Every output is complete: from here on, hand them over.  With each
 * recipient's own outcome, in the order of their first recipients, so
 * that the gateway can answer the first RCPTs while the later copies
 * still go (m->handed).
 */
static int
handoff(struct msg *m, struct outputs *o)
{
	size_t	i, k, done = 0, first[NOUT];
	int	ex;

	if (o->pass.used) {
		m->passed = 1;
		return sendone(m, o, &o->pass, &done);
	}
	for (i = 0; i < NOUT; i++)
		first[i] = o->o[i].used ? (m->each ? firstrcpt(m, &o->o[i]) :
		    i) : SIZE_MAX;
	for (;;) {
		for (k = 0, i = 1; i < NOUT; i++)
			if (first[i] < first[k])
				k = i;
		if (first[k] == SIZE_MAX)
			return EX_OK;
		first[k] = SIZE_MAX;
		if ((ex = sendone(m, o, &o->o[k], &done)) != EX_OK)
			return ex;
	}
}

/*
 * Each its own outcome: who is refused for good, now that the body has
 * shown whether it is encrypted already (then those without a key get
 * it as it came).
 */
static void
settle(struct msg *m, const struct outputs *o)
{
	const char	*why;
	char		 buf[ERRLEN];
	size_t		 i;

	for (i = 0; i < m->nr; i++) {
		if (m->r[i].hold ||
		    (why = msg_refusal(&m->r[i], buf, sizeof(buf))) == NULL ||
		    (o->passing == PASS_YES &&
		    m->r[i].e->action != ACT_REJECT))
			continue;
		msg_fail(m, "%s", why);
		msg_fate(m, m->r[i].addr, FATE_REFUSED, why);
	}
}

/* The fingerprints used, for the log. */
static void
keylist(struct msg *m, const struct outputs *o)
{
	const struct gpgjob	*j;
	size_t			 i, k, len;

	for (i = 0; i < OUT_PLAIN; i++) {
		j = &o->o[i].job;
		for (k = 0; k < j->nfprs + j->nhidden; k++) {
			len = strlen(m->keys);
			snprintf(m->keys + len, sizeof(m->keys) - len, "%s%s",
			    len ? "," : "", k < j->nfprs ? j->fprs[k] :
			    j->hidden[k - j->nfprs]);
		}
	}
}

static void
freeout(struct output *out, int spooled)
{
	if (out->fd != -1 && !spooled)
		close(out->fd);
	free(out->rcpt);
	free(out->job.fprs);
	free(out->job.hidden);
}

int
out_make(struct msg *m)
{
	struct outputs	*o;
	size_t		 i;
	int		 ex;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		msg_fail(m, "%s", strerror(errno));
		return EX_OSERR;
	}
	o->in = m->in;
	o->pass.fd = -1;
	for (i = 0; i < NOUT; i++)
		o->o[i].fd = -1;
	o->nopts = backend_opts(m->conf, m->pass, o->opts);
	fieldsafe(&m->h, "Date", o->date, sizeof(o->date));
	fieldsafe(&m->h, "Message-ID", o->msgid, sizeof(o->msgid));
	/* Without a queue, the outputs are anonymous files (openout). */
	if (!m->each && spool_init(&o->sp, m->conf->spool, m->err,
	    sizeof(m->err)) == 0) {
		if (spool_begin(&o->sp, &o->sm) == 0)
			o->spooled = 1;
		else
			spool_close(&o->sp);
	}
	if ((ex = plan(m, o)) == EX_OK && (ex = make(m, o)) == EX_OK &&
	    (ex = commit(m, o)) == EX_OK) {
		if (m->each)
			settle(m, o);
		/* From here on the message is safe: queued, or about to go. */
		keylist(m, o);
		ex = handoff(m, o);
	}
	if (o->spooled)
		spool_abort(&o->sm);	/* closes; removes only if uncommitted */
	for (i = 0; i < NOUT; i++)
		freeout(&o->o[i], o->spooled);
	freeout(&o->pass, o->spooled);
	if (o->spooled)
		spool_close(&o->sp);
	if (o->inner != NULL)
		explicit_bzero(o->inner, o->innerlen);
	free(o->inner);
	if (o->plain != NULL)
		explicit_bzero(o->plain, o->plainlen);
	free(o->plain);
	free(o->head);
	armor_free(&o->armor);
	explicit_bzero(&o->armor, sizeof(o->armor));
	free(o);
	return ex;
}
