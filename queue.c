/*
 * Our own queue: -q hands its entries to the real sendmail again, -bp
 * (mailq) lists them.  Safe from cron and beside senders: an entry is
 * handled only by whoever holds its lock.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "conf.h"
#include "queue.h"
#include "rfc5322.h"
#include "spool.h"
#include "text.h"

struct run {
	const struct conf	*conf;
	const char		*host;
	time_t			 now;
	int			 sent, deferred, expired;
	uid_t			*stalled;	/* see stall() */
	size_t			 nstalled;
};

static const char *
strat(const void *v, size_t i)
{
	return ((char *const *)v)[i];
}

static void
joinrcpt(const struct envelope *e, char *buf, size_t len)
{
	joinaddrs(buf, len, strat, e->rcpt, e->nrcpt);
}

/*
 * An entry past its lifetime: tell its sender, by mail from the null
 * sender, with nothing of the message (no body, no Subject).  EX_OK when
 * the entry may go: the real sendmail has taken the notice, or there is
 * nobody to tell.  Otherwise the entry stays, and each later run tries the
 * notice again (never the message): a message is not dropped unheard.
 */
static int
giveup(struct run *r, const struct entry *en, uid_t as, const char *from,
    const char *rcpts)
{
	char	err[ERRLEN], text[2048], date[200], msgid[200], last[300];
	int	ex;

	safestr(en->env.date ? en->env.date : "unknown", date, sizeof(date));
	safestr(en->env.msgid ? en->env.msgid : "unknown", msgid,
	    sizeof(msgid));
	safestr(en->env.lasterr[0] ? en->env.lasterr : "unknown", last,
	    sizeof(last));

	if (strcmp(en->env.sender, "<>") == 0 ||
	    addr_check(en->env.sender) != NULL) {
		syslog(LOG_NOTICE, "queue %s/%s: from=<%s> to=%s "
		    "status=expired after %lld s (%s), nobody to tell",
		    en->msg, en->name, from, rcpts,
		    (long long)(r->now - en->env.time), last);
		return EX_OK;
	}
	snprintf(text, sizeof(text),
	    "pgpsendmail on %s could not hand a message of yours to the mail "
	    "system\nfor %lld hours, and has given up.\n\n"
	    "  Date:        %s\n  Message-ID:  %s\n"
	    "  Recipients:  %s\n  Last error:  %s\n\n"
	    "Nothing of the message is included here.\n",
	    r->host, (long long)(r->now - en->env.time) / 3600, date, msgid,
	    rcpts, last);
	ex = backend_notice(r->conf, r->host, en->env.sender,
	    "Undelivered Mail: given up by pgpsendmail", text, as, err,
	    sizeof(err));
	if (ex == EX_OK)
		syslog(LOG_NOTICE, "queue %s/%s: from=<%s> to=%s "
		    "status=expired after %lld s (%s), sender told",
		    en->msg, en->name, from, rcpts,
		    (long long)(r->now - en->env.time), last);
	else
		syslog(LOG_ERR, "queue %s/%s: from=<%s> to=%s "
		    "status=expired after %lld s (%s), but the notice to the "
		    "sender was not sent (%s): kept, to tell the sender later",
		    en->msg, en->name, from, rcpts,
		    (long long)(r->now - en->env.time), last, err);
	return ex;
}

/*
 * A user whose real sendmail ran out its deadline in this run (it may be
 * stopped on purpose): the rest of that user's entries wait for the next
 * run, so that one user costs a run one deadline, not one per entry.
 */
static int
stalled(const struct run *r, uid_t who)
{
	size_t	i;

	for (i = 0; i < r->nstalled; i++)
		if (r->stalled[i] == who)
			return 1;
	return 0;
}

static void
stall(struct run *r, uid_t who)
{
	uid_t	*n;

	if (stalled(r, who) || (n = reallocarray(r->stalled, r->nstalled + 1,
	    sizeof(*n))) == NULL)
		return;
	r->stalled = n;
	r->stalled[r->nstalled++] = who;
}

/*
 * Why an entry cannot be handed on, or NULL: options, a sender or a
 * recipient that a sender's pgpsendmail would have refused, by the same
 * rules (the entry was damaged).  Such an entry waits, said to do so, and is given up at
 * queue-lifetime like any other.
 */
static const char *
unsendable(const struct envelope *e)
{
	size_t	i;

	if (!backend_optsok((const char *const *)e->opts, e->nopts))
		return "options pgpsendmail would not pass on";
	if (strcmp(e->sender, "<>") != 0 && addr_check(e->sender) != NULL)
		return "a sender pgpsendmail would not take";
	for (i = 0; i < e->nrcpt; i++)
		if (addr_check(e->rcpt[i]) != NULL ||
		    addr_routed(e->rcpt[i]) != NULL)
			return "a recipient pgpsendmail would not take";
	return NULL;
}

static int
retry(struct spool *s, struct entry *en, void *arg)
{
	struct run	*r = arg;
	struct stat	 st;
	char		 err[ERRLEN], raw[1024], rcpts[1024], from[ADDR_MAX + 1];
	const char	*why;
	uid_t		 as, who;
	int		 ex;

	if (en->bad) {
		syslog(LOG_ERR, "queue %s/%s: not an entry of ours (no "
		    "envelope pgpsendmail wrote), left alone", en->msg,
		    en->name);
		return 0;
	}
	why = unsendable(&en->env);
	/* An entry's strings reach the log and a notice only made safe. */
	safestr(en->env.sender, from, sizeof(from));
	joinrcpt(&en->env, raw, sizeof(raw));
	safestr(raw, rcpts, sizeof(rcpts));

	/*
	 * Root hands each entry on (and its notice, when given up) as the
	 * user who queued it (who owns its file), so that the mail system
	 * sees that user, as it would have had the entry not waited: the
	 * same identity, the same checks on the sender.
	 */
	as = (uid_t)-1;
	if (geteuid() == 0) {
		if (fstat(en->fd, &st) == -1) {
			snprintf(err, sizeof(err), "fstat: %s",
			    strerror(errno));
			goto deferred;
		}
		if (st.st_uid != 0)
			as = st.st_uid;
	}
	who = as != (uid_t)-1 ? as : geteuid();
	if (stalled(r, who)) {
		syslog(LOG_NOTICE, "queue %s/%s: from=<%s> to=%s "
		    "status=skipped (the real sendmail, run as uid %lu, did "
		    "not finish in time earlier in this run)", en->msg,
		    en->name, from, rcpts, (unsigned long)who);
		return 0;
	}
	if (r->now - en->env.time > r->conf->lifetime) {
		if (why != NULL)
			snprintf(en->env.lasterr, sizeof(en->env.lasterr),
			    "%s", why);
		if ((ex = giveup(r, en, as, from, rcpts)) == EX_OK) {
			spool_remove(s, en);
			r->expired++;
		} else if (ex == EX_TEMPFAIL)
			stall(r, who);
		return 0;
	}
	if (why != NULL) {
		snprintf(err, sizeof(err), "%s", why);
		goto deferred;
	}
	ex = backend_send(r->conf, en->env.implicit ? NULL : en->env.sender,
	    (const char *const *)en->env.opts, en->env.nopts, en->fd, en->base,
	    (const char *const *)en->env.rcpt, en->env.nrcpt, as, err,
	    sizeof(err));
	if (ex == EX_OK) {
		spool_remove(s, en);
		syslog(LOG_INFO, "queue %s/%s: from=<%s> to=%s status=sent",
		    en->msg, en->name, from, rcpts);
		r->sent++;
		return 0;
	}
	if (ex == EX_TEMPFAIL)
		stall(r, who);
deferred:
	spool_fail(s, en->msg, en->name, en->env.attempts + 1, err);
	syslog(LOG_NOTICE, "queue %s/%s: from=<%s> to=%s status=deferred "
	    "(%s)", en->msg, en->name, from, rcpts, err);
	r->deferred++;
	return 0;
}

int
queue_run(const struct conf *c, const char *host, char *err, size_t errlen)
{
	struct spool	s;
	struct run	r;

	if (spool_init(&s, c->spool, err, errlen) == -1)
		return EX_CANTCREAT;
	memset(&r, 0, sizeof(r));
	r.conf = c;
	r.host = host;
	r.now = time(NULL);
	spool_clean(&s);
	spool_scan(&s, 1, retry, &r);
	free(r.stalled);
	spool_close(&s);
	return EX_OK;
}

static int
show(struct spool *s, struct entry *en, void *arg)
{
	size_t		*n = arg, i;
	char		 when[32], id[96], a[512], b[512];
	time_t		 t = en->env.time;
	struct tm	*tm;
	const char	*why;

	(void)s;
	/* What an entry holds is the sender's: made safe for a terminal. */
	if (en->bad) {
		snprintf(id, sizeof(id), "%s/%s", en->msg, en->name);
		printf("%-28s %8lld (not an entry of ours: left alone)\n",
		    safestr(id, a, sizeof(a)), (long long)en->size);
		(*n)++;
		return 0;
	}
	if ((tm = localtime(&t)) == NULL ||
	    strftime(when, sizeof(when), "%a %b %d %H:%M:%S", tm) == 0)
		strlcpy(when, "?", sizeof(when));
	printf("%-28s %8lld %s  %s\n", en->msg, (long long)(en->size -
	    en->base), when, safestr(en->env.sender, a, sizeof(a)));
	if ((why = unsendable(&en->env)) != NULL)
		printf("%28s (%s: not handed on)\n", "", why);
	else if (en->env.lasterr[0] != '\0')
		printf("%28s (%s; %d attempt%s)\n", "",
		    safestr(en->env.lasterr, b, sizeof(b)), en->env.attempts,
		    en->env.attempts == 1 ? "" : "s");
	for (i = 0; i < en->env.nrcpt; i++)
		printf("%28s %s\n", "", safestr(en->env.rcpt[i], a,
		    sizeof(a)));
	(*n)++;
	return 0;
}

int
queue_list(const struct conf *c, char *err, size_t errlen)
{
	struct spool	s;
	size_t		n = 0;

	if (spool_init(&s, c->spool, err, errlen) == -1)
		return EX_CANTCREAT;
	printf("-- pgpsendmail queue (%s) --\n", c->spool);
	spool_scan(&s, 0, show, &n);
	if (n == 0)
		printf("pgpsendmail queue is empty\n");
	else
		printf("-- %zu entr%s\n", n, n == 1 ? "y" : "ies");
	fflush(stdout);
	spool_close(&s);
	return EX_OK;
}
