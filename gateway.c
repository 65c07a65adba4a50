/*
 * --gateway: LMTP (RFC 2033) on stdin and stdout, as Postfix's spawn(8)
 * runs a command with the connection there and its lmtp(8) client
 * delivers to it: the encrypting stage of a relay.
 *
 * Each message goes through the pipeline of the front end (send.c, out.c)
 * with m->each set: no queue of ours (the MTA's queue is the queue), and
 * an outcome for each recipient, given in its own reply after the final
 * dot, in the order of the RCPTs; a 250 as soon as the copies up to that
 * recipient are handed on (handed), so that a filter that dies while
 * later copies go leaves no second copy for those answered.  Only
 * "rejected by the keymap" and "no usable key" (found at the lookup, or
 * when gpg refused the key) are for good (550 5.7.1); anything else is
 * "try later" (451 4.3.0), for the recipients it touched alone.  A copy
 * handed back to the MTA is 250 for its recipients whatever became of the
 * others, so that a retry never sends it twice.
 *
 * The copies go back to the MTA one of two ways (out.c's sendeach, one
 * switch): over SMTP to the config's reinject address (reinject.c, one
 * connection for the session), or through the real sendmail.
 *
 * The envelope.  Over SMTP all of it goes on as it came: the sender (the
 * null sender too), BODY, RET and ENVID on MAIL, and each recipient's own
 * NOTIFY and ORCPT on its RCPT.  Through the real sendmail: the sender
 * with -f, BODY with -B, RET with -R, ENVID (xtext decoded) with -V, and
 * NOTIFY with -N when every recipient of the message asked the same;
 * ORCPT is lost there, the real sendmail has no option for it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>

#include "backend.h"
#include "border.h"
#include "gateway.h"
#include "input.h"
#include "msg.h"
#include "reinject.h"
#include "send.h"
#include "smtp.h"
#include "text.h"

#define CMDMAX	2048	/* a command line: 512, and DSN's parameters */

/* One transaction's envelope parameters, kept to be passed on. */
struct txn {
	struct passon	 pass;
	char		 body[16];
	char		 ret[8];
	char		 envid[101];
	char		 envidx[301];	/* ENVID as received, in xtext */
	int		 smtputf8;
	char		 notify[65];
	int		 mixed;		/* recipients asked different NOTIFY */
	size_t		*order;		/* each accepted RCPT's index in m->r */
	char		**rparams;	/* by index in m->r: its NOTIFY and
					   ORCPT as received, or NULL */
	size_t		 n;
	size_t		 said;		/* replies given after the dot */
	struct input	*in;
	struct reinject	*rj;		/* NULL: the real sendmail */
};

static void
txnreset(struct txn *t)
{
	size_t		 *order = t->order, i;
	char		**rparams = t->rparams;
	struct input	 *in = t->in;
	struct reinject	 *rj = t->rj;

	for (i = 0; rparams != NULL && i < GW_MAXRCPTS; i++) {
		free(rparams[i]);
		rparams[i] = NULL;
	}
	memset(t, 0, sizeof(*t));
	t->order = order;
	t->rparams = rparams;
	t->in = in;
	t->rj = rj;
}

/* The value of "KEY=value" if param is that key, else NULL. */
static const char *
param(const char *p, const char *key)
{
	size_t	n = strlen(key);

	if (strncasecmp(p, key, n) == 0 && p[n] == '=')
		return p + n + 1;
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* xtext (RFC 3461, 4) decoded into out; -1 if malformed or too long. */
static int
xtext(const char *s, char *out, size_t len)
{
	size_t	k = 0;
	int	hi, lo;

	for (; *s; s++) {
		if (k + 1 >= len || *s < '!' || *s > '~' || *s == '=')
			return -1;
		if (*s != '+') {
			out[k++] = *s;
			continue;
		}
		if ((hi = hexval(s[1])) == -1 || (lo = hexval(s[2])) == -1)
			return -1;
		out[k++] = (char)(hi << 4 | lo);
		s += 2;
	}
	out[k] = '\0';
	return 0;
}

/*
 * MAIL's parameters, space-separated after the path: NULL when all are
 * known and well-formed, else the reply.
 */
static const char *
mailparams(struct txn *t, char *p)
{
	const char	*v, *err;
	char		*w;
	long long	 size;

	for (w = strtok(p, " "); w != NULL; w = strtok(NULL, " ")) {
		if ((v = param(w, "SIZE")) != NULL) {
			/* 1*20DIGIT (RFC 1870); more than we take is 552. */
			if (v[0] == '\0' || strspn(v, "0123456789") !=
			    strlen(v))
				return "501 5.5.4 SIZE: a number";
			size = strtonum(v, 0, LLONG_MAX, &err);
			if (err != NULL || size > GW_MAXSIZE)
				return "552 5.3.4 message too big for "
				    "pgpsendmail --gateway";
		} else if ((v = param(w, "BODY")) != NULL) {
			if (!backend_optok('B', v))
				return "555 5.5.4 BODY: 7BIT or 8BITMIME";
			strlcpy(t->body, v, sizeof(t->body));
		} else if (strcasecmp(w, "SMTPUTF8") == 0)
			t->smtputf8 = 1;	/* for SMTP re-injection;
						   Postfix's sendmail tells
						   UTF-8 by itself */
		else if ((v = param(w, "RET")) != NULL) {
			if (!backend_optok('R', v))
				return "501 5.5.4 RET: FULL or HDRS";
			strlcpy(t->ret, v, sizeof(t->ret));
		} else if ((v = param(w, "ENVID")) != NULL) {
			if (xtext(v, t->envid, sizeof(t->envid)) == -1 ||
			    strlcpy(t->envidx, v, sizeof(t->envidx)) >=
			    sizeof(t->envidx))
				return "501 5.5.4 ENVID: bad xtext";
		} else
			return "555 5.5.4 unknown MAIL parameter";
	}
	return NULL;
}

/*
 * RCPT's: NOTIFY and ORCPT; NULL or the reply.  Both as received, space-
 * separated, into kept.
 */
static const char *
rcptparams(char *p, char *notify, size_t len, char *kept, size_t klen)
{
	const char	*v;
	char		*w, orcpt[ADDR_MAX + 100];

	notify[0] = kept[0] = '\0';
	for (w = strtok(p, " "); w != NULL; w = strtok(NULL, " ")) {
		if ((kept[0] != '\0' && strlcat(kept, " ", klen) >= klen) ||
		    strlcat(kept, w, klen) >= klen)
			return "501 5.5.4 RCPT parameters too long";
		if ((v = param(w, "NOTIFY")) != NULL) {
			if (!backend_optok('N', v) || strlcpy(notify, v, len) >=
			    len)
				return "501 5.5.4 NOTIFY: NEVER, or SUCCESS, "
				    "FAILURE, DELAY";
		} else if ((v = param(w, "ORCPT")) != NULL) {
			if ((v = strchr(v, ';')) == NULL ||
			    xtext(v + 1, orcpt, sizeof(orcpt)) == -1)
				return "501 5.5.4 ORCPT: type;xtext";
		} else
			return "555 5.5.4 unknown RCPT parameter";
	}
	return NULL;
}

/* Keep the NOTIFY of an accepted recipient: one for all, or none. */
static void
keepnotify(struct txn *t, const char *notify)
{
	if (t->n == 0)
		strlcpy(t->notify, notify, sizeof(t->notify));
	else if (strcasecmp(t->notify, notify) != 0)
		t->mixed = 1;
}

/* What goes on to the real sendmail, as the front end's options would. */
static void
passon(struct txn *t)
{
	memset(&t->pass, 0, sizeof(t->pass));
	if (t->body[0] != '\0')
		backend_keep(&t->pass, 'B', t->body);
	if (t->ret[0] != '\0')
		backend_keep(&t->pass, 'R', t->ret);
	if (t->envid[0] != '\0' && !backend_keep(&t->pass, 'V', t->envid))
		syslog(LOG_NOTICE, "ENVID not passed on: not a value the real "
		    "sendmail takes");
	if (t->notify[0] != '\0' && !t->mixed)
		backend_keep(&t->pass, 'N', t->notify);
	else if (t->mixed && t->rj == NULL)
		syslog(LOG_NOTICE, "NOTIFY not passed on: the recipients of "
		    "one message asked for different ones");
}

/*
 * One reply for each accepted RCPT not answered yet, up to upto, in their
 * order, and its log line.
 */
static void
outcomes(struct msg *m, struct txn *t, int ex, int toobig, size_t upto)
{
	const struct rcpt	*r;
	const char		*why, *st;
	char			 buf[ERRLEN];

	for (; t->said < upto; t->said++) {
		r = &m->r[t->order[t->said]];
		why = r->why != NULL ? r->why : m->err[0] ? m->err :
		    "not handed on";
		safestr(why, buf, sizeof(buf));
		if (toobig) {
			st = "refused";
			smtp_reply("552 5.3.4 <%s> message too big (over %lld "
			    "bytes)", r->addr, GW_MAXSIZE);
		} else if (ex == EX_OK && r->fate == FATE_SENT) {
			st = "sent";
			smtp_reply("250 2.0.0 <%s> Ok: handed "
			    "on", r->addr);
		} else if (r->fate == FATE_REFUSED) {
			/* For good, whatever became of the others. */
			st = "refused";
			smtp_reply("550 5.7.1 %s", buf);
		} else {
			st = "deferred";
			smtp_reply("451 4.3.0 <%s> %s", r->addr, buf);
		}
		syslog(st[0] == 's' ? LOG_INFO : LOG_NOTICE, "gateway: "
		    "from=<%s> to=<%s> keys=%s status=%s%s%s", m->sender,
		    r->addr, m->keys[0] ? m->keys : "none", st, st[0] == 's' ?
		    "" : ": ", st[0] == 's' ? "" : buf);
	}
}

/*
 * After each copy's hand-off: the replies of the recipients whose copies
 * went, as far as the RCPT order allows, at once.  Postfix's lmtp(8)
 * marks each recipient done when its reply arrives, so if we die before
 * the other copies are handed on, the retry leaves these out: no second
 * copy.  Only a 250 goes early (the whole input is read by now, and a
 * copy handed on is 250 whatever comes after); the first recipient
 * still waiting stops it.
 */
static void
handed(struct msg *m, void *arg)
{
	struct txn	*t = arg;
	size_t		 k;

	if (!t->in->dotted || t->in->toobig)
		return;
	for (k = t->said; k < t->n && m->r[t->order[k]].fate == FATE_SENT; k++)
		;
	outcomes(m, t, EX_OK, 0, k);
}

/*
 * m->copy over SMTP: one copy back to the MTA with the envelope as it
 * came, each recipient with its own NOTIFY and ORCPT; each one's fate.
 */
static void
gwcopy(struct msg *m, void *arg, int fd, off_t base, const char *const *rcpt,
    size_t n, long long deadline)
{
	struct txn	*t = arg;
	struct rjenv	 env;
	struct rjrcpt	*r;
	size_t		 i;
	ssize_t		 k;

	if ((r = calloc(n, sizeof(*r))) == NULL) {
		for (i = 0; i < n; i++)
			msg_fate(m, rcpt[i], FATE_FAILED, "out of memory");
		return;
	}
	memset(&env, 0, sizeof(env));
	env.sender = strcmp(m->sender, "<>") == 0 ? "" : m->sender;
	env.body = t->body[0] != '\0' ? t->body : NULL;
	env.ret = t->ret[0] != '\0' ? t->ret : NULL;
	env.envid = t->envidx[0] != '\0' ? t->envidx : NULL;
	env.smtputf8 = t->smtputf8;
	for (i = 0; i < n; i++) {
		r[i].addr = rcpt[i];
		if ((k = msg_find(m, rcpt[i])) >= 0 && k < GW_MAXRCPTS)
			r[i].params = t->rparams[k];
	}
	reinject_copy(t->rj, &env, r, n, fd, base, deadline);
	for (i = 0; i < n; i++)
		msg_fate(m, rcpt[i], r[i].sent ? FATE_SENT : FATE_FAILED,
		    r[i].sent ? NULL : r[i].why);
	free(r);
}

/* DATA: the message through the pipeline; false if the client is gone. */
static int
data(struct msg *m, struct input *in, struct txn *t)
{
	long long	limit = in->limit;
	int		ex, toobig;

	smtp_reply("354 end data with <CR><LF>.<CR><LF>");
	input_next(in, 1);
	passon(t);
	m->pass = &t->pass;
	m->deadline = (long long)time(NULL) + m->conf->timeout;
	m->g.deadline = m->deadline;	/* gpg, too, ends by then */
	/* With a transport home, the border decrypts what is ours. */
	ex = m->conf->transporthome != NULL ? border_send(m) : msg_send(m);
	toobig = in->toobig;
	in->limit = 0;		/* the rest is read, and dropped */
	input_skip(in);
	in->limit = limit;
	if (!in->dotted)
		return 0;	/* nothing went: the client is gone */
	outcomes(m, t, ex, toobig, t->n);
	return 1;
}

/* A command word and its argument, split in place. */
static char *
verb(char *line)
{
	char	*arg;

	for (arg = line; *arg && *arg != ' '; arg++)
		;
	if (*arg == ' ')
		*arg++ = '\0';
	return arg;
}

static void
rcpt(struct msg *m, struct txn *t, char *arg)
{
	const char	*bad;
	char		*addr, notify[65], kept[CMDMAX];
	size_t		 nr = m->nr;
	ssize_t		 k;

	if ((addr = smtp_path(arg, "TO:")) == NULL || addr[0] == '\0') {
		smtp_reply("501 5.5.4 syntax: RCPT TO:<address>");
		return;
	}
	if ((bad = rcptparams(addr + strlen(addr) + 1, notify,
	    sizeof(notify), kept, sizeof(kept))) != NULL) {
		smtp_reply("%s", bad);
		return;
	}
	if (t->n == GW_MAXRCPTS) {
		smtp_reply("452 4.5.3 too many recipients");
		return;
	}
	if (msg_one(m, addr) != EX_OK) {
		smtp_reply("553 5.1.3 %s", m->err);
		return;
	}
	/* A repeat shares the reply of the recipient it repeats. */
	k = m->nr > nr ? (ssize_t)nr : msg_find(m, addr);
	if (k == -1) {
		smtp_reply("451 4.3.0 recipient lost");
		return;
	}
	if (m->nr > nr && kept[0] != '\0' && k < GW_MAXRCPTS &&
	    (t->rparams[k] = strdup(kept)) == NULL) {
		msg_drop(m, nr);
		smtp_reply("451 4.3.0 out of memory");
		return;
	}
	keepnotify(t, notify);
	t->order[t->n++] = (size_t)k;
	smtp_reply("250 2.1.5 Ok");
}

int
gateway_serve(struct msg *m, struct input *in)
{
	struct txn	 t;
	struct reinject	 rj;
	char		 line[CMDMAX], *arg, *addr;
	const char	*bad;
	ssize_t		 n;
	int		 lhlo = 0, mail = 0;

	memset(&t, 0, sizeof(t));
	if ((t.order = calloc(GW_MAXRCPTS, sizeof(*t.order))) == NULL ||
	    (t.rparams = calloc(GW_MAXRCPTS, sizeof(*t.rparams))) == NULL) {
		free(t.order);
		smtp_reply("421 4.3.0 %s out of memory", m->host);
		return EX_OSERR;
	}
	t.in = in;
	if (m->conf->reinject != NULL) {
		reinject_init(&rj, m->conf, m->host);
		t.rj = &rj;
		m->copy = gwcopy;
		m->copyarg = &t;
	}
	m->quiet = 1;
	m->each = 1;
	m->handed = handed;
	m->handedarg = &t;
	in->limit = GW_MAXSIZE;
	if (border_init(m) != EX_OK) {
		syslog(LOG_ERR, "gateway: %s", m->err);
		smtp_reply("421 4.3.0 %s %s", m->host, m->err);
		free(t.order);
		free(t.rparams);
		return EX_CONFIG;
	}
	smtp_reply("220 %s LMTP pgpsendmail", m->host);
	while ((n = input_line(in, line, sizeof(line))) != -1) {
		if (n == -2) {
			smtp_reply("500 5.5.2 line too long");
			continue;
		}
		if (memchr(line, '\0', n) != NULL) {
			smtp_reply("500 5.5.2 NUL in the command");
			continue;
		}
		arg = verb(line);
		if (strcasecmp(line, "LHLO") == 0) {
			msg_reset(m);
			txnreset(&t);
			mail = 0;
			lhlo = 1;
			smtp_reply("250-%s\r\n250-PIPELINING\r\n"
			    "250-SIZE %lld\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
			    "250-SMTPUTF8\r\n250 DSN", m->host, GW_MAXSIZE);
		} else if (strcasecmp(line, "HELO") == 0 ||
		    strcasecmp(line, "EHLO") == 0)
			smtp_reply("500 5.5.1 this is LMTP: LHLO");
		else if (strcasecmp(line, "MAIL") == 0) {
			if (!lhlo)
				smtp_reply("503 5.5.1 LHLO first");
			else if (mail)
				smtp_reply("503 5.5.1 MAIL already given");
			else if ((addr = smtp_path(arg, "FROM:")) == NULL)
				smtp_reply("501 5.5.4 syntax: MAIL "
				    "FROM:<address>");
			else if ((bad = mailparams(&t, addr + strlen(addr) +
			    1)) != NULL) {
				smtp_reply("%s", bad);
				txnreset(&t);
			} else if (msg_sender(m, addr) != EX_OK) {
				smtp_reply("553 5.1.7 %s", m->err);
				txnreset(&t);
			} else {
				mail = 1;
				smtp_reply("250 2.1.0 Ok");
			}
		} else if (strcasecmp(line, "RCPT") == 0) {
			if (!mail)
				smtp_reply("503 5.5.1 MAIL first");
			else
				rcpt(m, &t, arg);
		} else if (strcasecmp(line, "DATA") == 0) {
			if (!mail || t.n == 0) {
				smtp_reply("503 5.5.1 %s first", mail ? "RCPT" :
				    "MAIL");
				continue;
			}
			if (!data(m, in, &t))
				break;
			msg_reset(m);
			txnreset(&t);
			mail = 0;
		} else if (strcasecmp(line, "RSET") == 0) {
			msg_reset(m);
			txnreset(&t);
			mail = 0;
			smtp_reply("250 2.0.0 Ok");
		} else if (smtp_other(line))
			break;
	}
	msg_reset(m);
	txnreset(&t);
	if (t.rj != NULL)
		reinject_close(t.rj);
	free(t.order);
	free(t.rparams);
	return EX_OK;
}
