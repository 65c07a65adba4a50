/*
 * Running the real sendmail.
 *
 * Blind pass-through is how peers broke their callers: Exim reads -N as
 * "do not deliver", Postfix dies on -n and -X, msmtp on -r and -V.  So
 * each flavor has the list of options it is known to take in the meaning
 * the caller meant, and only those go on.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "fdio.h"
#include "run.h"

enum {
	P_F = 1,	/* -F name */
	P_B = 2,	/* -B type */
	P_DSN = 4,	/* -N, -R, -V */
	P_OD = 8,	/* -odX */
	P_MODES = 16	/* -q, -bp, -bi: a queue and aliases of its own */
};

static const unsigned int takes[] = {
	[FL_POSTFIX] = P_F | P_B | P_DSN | P_MODES,
	[FL_SENDMAIL] = P_F | P_B | P_DSN | P_OD | P_MODES,
	[FL_EXIM] = P_F | P_OD | P_MODES,
	[FL_OPENSMTPD] = P_F | P_DSN | P_MODES,
	/* msmtp refuses -q, -bp and -bi (64); nullmailer has none either. */
	[FL_MSMTP] = P_F,
	[FL_NULLMAILER] = P_F,
	[FL_DMA] = P_F | P_MODES,
};

#define ALPHA	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define XTEXT	ALPHA "0123456789!\"#$%&'()*,-./:;<=>?@[\\]^_`{|}~"

static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };

/* argv: "sendmail", the fixed arguments, then more, NULL-terminated. */
static const char **
baseargv(const struct conf *c, size_t more, size_t *k)
{
	const char	**av;
	size_t		  i;

	if ((av = calloc(c->nsendmail + more + 1, sizeof(*av))) == NULL)
		return NULL;
	*k = 0;
	av[(*k)++] = "sendmail";
	for (i = 1; i < c->nsendmail; i++)
		av[(*k)++] = c->sendmail[i];
	return av;
}

/*
 * The one rule for what of the caller's options may go on to the real
 * sendmail, and so for what a queue entry may hold: option c ('F', 'B',
 * 'N', 'R', 'V'; 'd' for -odX, v being X) with its value v.  A value goes
 * on as an argument of its own right after its option, where the real
 * sendmail's getopt (or Exim's parser) takes it as the value whatever it
 * begins with, a '-' too; so a value need only be one the option means
 * and fit on a line of the envelope.
 */
int
backend_optok(int c, const char *v)
{
	size_t	n = strlen(v);

	switch (c) {
	case 'F':
		return strpbrk(v, "\r\n") == NULL;
	case 'B':
		return strcasecmp(v, "7BIT") == 0 ||
		    strcasecmp(v, "8BITMIME") == 0;
	case 'N':
		return n > 0 && n <= 64 && strspn(v, ALPHA ",") == n;
	case 'R':
		return strcasecmp(v, "hdrs") == 0 || strcasecmp(v, "full") == 0;
	case 'V':
		return n > 0 && n <= 100 && strspn(v, XTEXT "+") == n;
	case 'd':
		return n > 0 && n <= 2 && strspn(v, "abdfiqs") == n;
	default:
		return 0;
	}
}

/* The options with a value that may go on, in the order they go. */
static const struct {
	const char	*opt;
	unsigned int	 bit;	/* the flavors that take it */
	size_t		 off;	/* where struct passon keeps its value */
} valued[] = {
	{ "-F", P_F, offsetof(struct passon, fullname) },
	{ "-B", P_B, offsetof(struct passon, bodytype) },
	{ "-N", P_DSN, offsetof(struct passon, notify) },
	{ "-R", P_DSN, offsetof(struct passon, ret) },
	{ "-V", P_DSN, offsetof(struct passon, envid) },
};

#define NVALUED		(sizeof(valued) / sizeof(valued[0]))
#define VALUE(p, i)	(*(const char **)((char *)(p) + valued[i].off))

/* The index in valued of option opt ("-F"...), or NVALUED. */
static size_t
valuedof(const char *opt)
{
	size_t	i;

	for (i = 0; i < NVALUED && strcmp(valued[i].opt, opt) != 0; i++)
		;
	return i;
}

/*
 * Options as an entry holds them, one argument an element: only what
 * backend_opts gives for options that pass backend_optok.
 */
int
backend_optsok(const char *const *opts, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		const char *o = opts[i];

		if (strncmp(o, "-od", 3) == 0) {
			if (!backend_optok('d', o + 3))
				return 0;
		} else if (valuedof(o) == NVALUED || ++i == n ||
		    !backend_optok(o[1], opts[i]))
			return 0;
	}
	return 1;
}


int
backend_keep(struct passon *p, int c, const char *v)
{
	char	opt[3] = { '-', (char)c, '\0' };
	size_t	i = valuedof(opt);

	if (i == NVALUED || !backend_optok(c, v))
		return 0;
	VALUE(p, i) = v;
	return 1;
}

size_t
backend_opts(const struct conf *c, const struct passon *p, const char **av)
{
	unsigned int	t = takes[c->flavor];
	size_t		k = 0, i;

	for (i = 0; i < NVALUED; i++) {
		if (!(t & valued[i].bit) || VALUE(p, i) == NULL)
			continue;
		/*
		 * Postfix's sendmail reads "-V xy", a value of two
		 * characters, as its old VERP option and what follows as
		 * recipients ("xy", "--"): no form of such an envid reaches
		 * it as one, so it is left out.
		 */
		if (c->flavor == FL_POSTFIX && valued[i].opt[1] == 'V' &&
		    strlen(VALUE(p, i)) == 2)
			continue;
		av[k++] = valued[i].opt;
		av[k++] = VALUE(p, i);
	}
	if ((t & P_OD) && p->deliverymode != NULL)
		av[k++] = p->deliverymode;
	return k;
}

/*
 * About to become the real sendmail: give up what a set-id install gave
 * us, for good, so that it runs as the user who called.  (Children get
 * the same from run_spawn.)
 */
static int
dropprivs(void)
{
	gid_t	g = getgid();
	uid_t	u = getuid();

	if (setresgid(g, g, g) == -1 || setresuid(u, u, u) == -1)
		return -1;
	return 0;
}

/* Why the real sendmail did not start (eno), as a sysexit and words. */
static int
notrun(const struct conf *c, int eno, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot %s %s: %s", run_oserr(eno) ? "start" :
	    "run", c->sendmail[0], strerror(eno));
	return run_oserr(eno) ? EX_OSERR : EX_UNAVAILABLE;
}

/* How the real sendmail ended, as a sysexit and words; tail: what it said. */
static int
status(const struct conf *c, int ws, char *tail, char *err, size_t errlen)
{
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return EX_OK;
	run_describe(err, errlen, c->sendmail[0], ws, tail);
	return EX_UNAVAILABLE;
}

/*
 * Run the real sendmail through a guard (run_guarded), with a deadline:
 * if we die while it runs, it dies before it commits, and so never
 * delivers what our queue still holds; if it goes the config's timeout
 * without progress (reading the message, saying something), it is
 * killed, and so it is, progress or not, once it has run the config's
 * within (the gateway's deadline).  who: ", run as NAME," or "".  A
 * sendmail killed at its deadline gives EX_TEMPFAIL.
 */
static int
guarded(const struct conf *c, const char **av, const int *fds,
    const struct run_as *as, int out, const char *who, char *err,
    size_t errlen)
{
	char	tail[256], what[512];
	int	ws, r;

	r = run_guarded(c->sendmail[0], av, env, fds, 3, as, c->timeout,
	    c->within, out, tail, sizeof(tail), &ws);
	if (r == -1)
		return notrun(c, errno, err, errlen);
	if (r == 1) {
		snprintf(what, sizeof(what), "%s%s", c->sendmail[0], who);
		if (c->within > 0)
			snprintf(err, errlen, "%s did not finish within the "
			    "transaction's time", what);
		else
			run_expired(err, errlen, what, c->timeout);
		return EX_TEMPFAIL;
	}
	return status(c, ws, tail, err, errlen);
}

/*
 * Root's queue run: the real sendmail as the entry's owner, with that
 * user's groups, in a session of its own, its output into a pipe of ours
 * (not root's terminal).
 */
static int
sendas(const struct conf *c, const char **av, int rfd, uid_t as, char *err,
    size_t errlen)
{
	struct passwd	*pw;
	struct run_as	 ra;
	gid_t		*groups = NULL, *ng, gid;
	char		 name[256], who[300];
	int		 op[2], fds[3], ngroups = 16, k, ex;

	errno = 0;
	if ((pw = getpwuid(as)) == NULL) {
		if (errno != 0) {
			snprintf(err, errlen, "looking up uid %lu: %s",
			    (unsigned long)as, strerror(errno));
			return EX_OSERR;
		}
		snprintf(err, errlen, "the entry's owner, uid %lu, is no user "
		    "here", (unsigned long)as);
		return EX_NOUSER;
	}
	if (strlcpy(name, pw->pw_name, sizeof(name)) >= sizeof(name)) {
		snprintf(err, errlen, "uid %lu: user name too long",
		    (unsigned long)as);
		return EX_NOUSER;
	}
	gid = pw->pw_gid;
	for (;;) {
		if ((ng = reallocarray(groups, ngroups, sizeof(*groups))) ==
		    NULL) {
			free(groups);
			snprintf(err, errlen, "%s", strerror(errno));
			return EX_OSERR;
		}
		groups = ng;
		k = ngroups;
		if (getgrouplist(name, gid, groups, &k) != -1) {
			ngroups = k;
			break;
		}
		if (ngroups >= 65536) {
			free(groups);
			snprintf(err, errlen, "%s: too many groups", name);
			return EX_OSERR;
		}
		ngroups = k > ngroups ? k : ngroups * 2;
	}
	if (pipe2(op, O_CLOEXEC) == -1) {
		free(groups);
		snprintf(err, errlen, "%s", strerror(errno));
		return EX_OSERR;
	}
	fds[0] = rfd;
	fds[1] = fds[2] = op[1];
	ra.uid = as;
	ra.gid = gid;
	ra.groups = groups;
	ra.ngroups = ngroups;
	snprintf(who, sizeof(who), ", run as %s,", name);
	ex = guarded(c, av, fds, &ra, op[0], who, err, errlen);
	free(groups);
	close(op[0]);
	close(op[1]);
	return ex;
}

int
backend_send(const struct conf *c, const char *sender, const char *const *opt,
    size_t nopt, int fd, off_t base, const char *const *rcpt, size_t n,
    uid_t as, char *err, size_t errlen)
{
	const char	**av;
	char		  self[64];
	size_t		  i, k;
	int		  rfd, ex, fds[3];

	if ((av = baseargv(c, n + nopt + 6, &k)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return EX_OSERR;
	}
	av[k++] = "-i";
	if (sender != NULL) {
		av[k++] = "-f";
		av[k++] = sender;
	}
	for (i = 0; i < nopt; i++)
		av[k++] = opt[i];
	av[k++] = "--";
	for (i = 0; i < n; i++)
		av[k++] = rcpt[i];
	av[k] = NULL;
	/*
	 * The real sendmail reads a read-only descriptor of its own, from
	 * the message's start: it has no business writing to the file.
	 * (That is no wall against the caller, whom it runs as.)
	 */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if ((rfd = open(self, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", self, strerror(errno));
		free(av);
		return EX_OSERR;
	}
	if (lseek(rfd, base, SEEK_SET) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(av);
		close(rfd);
		return EX_OSERR;
	}
	if (as != (uid_t)-1)
		ex = sendas(c, av, rfd, as, err, errlen);
	else {
		/*
		 * Its stdout goes to our stderr, with its own: what it says
		 * is for the caller to read, and under -bs our stdout is the
		 * SMTP client's.
		 */
		fds[0] = rfd;
		fds[1] = fds[2] = 2;
		ex = guarded(c, av, fds, NULL, -1, "", err, errlen);
	}
	free(av);
	close(rfd);
	return ex;
}

/* Without them (msmtp, nullmailer) our own queue is the whole of it. */
int
backend_modes(const struct conf *c)
{
	return (takes[c->flavor] & P_MODES) != 0;
}

void
backend_exec(const struct conf *c, const char *const *args)
{
	const char	**av;
	size_t		  k, n;
	int		  e;

	for (n = 0; args[n] != NULL; n++)
		;
	if ((av = baseargv(c, n, &k)) == NULL)
		return;
	memcpy(av + k, args, (n + 1) * sizeof(*av));
	if (dropprivs() == 0) {
		signal(SIGPIPE, SIG_DFL);
		execve(c->sendmail[0], (char *const *)av, env);
	}
	e = errno;	/* why: the caller dies of it */
	free(av);
	errno = e;
}

/*
 * Mail a notice of ours to one address: from the null sender, so that a
 * notice never causes another, with text that the caller made and that
 * holds nothing of any message (no body, no Subject).
 */
int
backend_notice(const struct conf *c, const char *host, const char *to,
    const char *subject, const char *text, uid_t as, char *err,
    size_t errlen)
{
	const char	*rcpt[1] = { to };
	char		 date[64];
	time_t		 now = time(NULL);
	struct tm	*tm = localtime(&now);
	FILE		*fp;
	int		 fd, ex;

	if ((fd = fd_anon(c->spool, err, errlen)) == -1)
		return EX_IOERR;
	if ((fp = fdopen(dup(fd), "w")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return EX_OSERR;
	}
	if (tm == NULL || strftime(date, sizeof(date),
	    "%a, %d %b %Y %H:%M:%S %z", tm) == 0)
		strlcpy(date, "Thu, 1 Jan 1970 00:00:00 +0000", sizeof(date));
	fprintf(fp, "From: Mail Delivery System <MAILER-DAEMON@%s>\n"
	    "To: %s\n"
	    "Subject: %s\n"
	    "Date: %s\n"
	    "Message-ID: <notice.%08x%08x@%s>\n"
	    "Auto-Submitted: auto-replied\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "%s", host, to, subject, date, arc4random(), arc4random(), host,
	    text);
	if (fclose(fp) == EOF) {
		snprintf(err, errlen, "writing the notice: %s",
		    strerror(errno));
		close(fd);
		return EX_IOERR;
	}
	ex = backend_send(c, "<>", NULL, 0, fd, 0, rcpt, 1, as, err, errlen);
	close(fd);
	return ex;
}
