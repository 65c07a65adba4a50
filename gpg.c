/*
 * Running gpg.  No shell: posix_spawn with an explicit argv and an
 * environment of our own.  Every pipe to and from gpg goes through
 * run_loop, which multiplexes them with poll, so that no message size can
 * deadlock us against gpg, and kills a gpg that goes the timeout without
 * progress (a gpg-agent that hangs).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "gpg.h"
#include "run.h"

#define MAXARGS		64
#define LISTLINE	8192	/* a --with-colons record we care about */
#define PIPESZ		(256 << 10)	/* gpg's stdin and stdout */
#define SYNCSTEP	(1 << 20)	/* ciphertext between writebacks */
#define MBOXMAX		4096	/* what is kept of a key's mailboxes */

/*
 * Options for every run: the admin's keyring, read only; no tty, no
 * network, no trust database (the keymap and the keyring are the trust
 * decision).
 */
static int
baseargs(const struct gpg *g, const char **av)
{
	static const char *const base[] = {
		"--batch", "--no-tty", "--quiet", "--no-greeting",
		"--no-permission-warning", "--no-secmem-warning",
		"--trust-model", "always", "--no-auto-check-trustdb",
		"--lock-never", "--no-random-seed-file",
		"--no-auto-key-retrieve", "--auto-key-locate", "local",
		"--utf8-strings",	/* names are UTF-8, whatever LC_ALL says */
	};
	size_t	i;
	int	n = 0;

	av[n++] = "gpg";
	av[n++] = "--homedir";
	av[n++] = g->home;
	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		av[n++] = base[i];
	return n;
}

/* Why a gpg was killed: its deadline, or no progress for timeout s. */
static void
expired(const struct gpg *g, char *err, size_t errlen, const char *what)
{
	if (g->deadline != 0 && (long long)time(NULL) >= g->deadline)
		snprintf(err, errlen, "%s did not finish within the "
		    "transaction's %d s", what, g->timeout);
	else
		run_expired(err, errlen, what, g->timeout);
}

/*
 * The same for a run in the transport home (the border): its own secret
 * keys and agent, and every public key from the system keyring, which
 * gpg only reads.
 */
static int
transportargs(const struct gpg *g, const char **av)
{
	int	n = baseargs(g, av);

	av[2] = g->transport;
	av[n++] = "--keyring";
	av[n++] = g->keyring;
	return n;
}

static void
closep(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

#define INPIPE	(-2)	/* spawn: stdin from a new pipe */

/*
 * Start path (gpg, or one of its tools), leading a process group of its
 * own (run_spawn), with stdin from in: a new pipe (INPIPE), /dev/null
 * (-1), or that descriptor of ours; stdout and stderr into new pipes and
 * --status-fd 3 into one more.  Our ends go to fd[0] (the pipe's; else
 * -1) to fd[3], close-on-exec.  -1 with errno set if it could not be
 * started.
 */
static pid_t
spawn(const char *path, const char **av, int in, int *fd)
{
	static char *const env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
	int	p[4][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } };
	int	kid[4], i, e;
	pid_t	pid;

	for (i = 0; i < 4; i++) {
		fd[i] = -1;
		if (i == 0 && in == -1) {
			if ((p[0][0] = open("/dev/null",
			    O_RDONLY | O_CLOEXEC)) == -1)
				goto fail;
		} else if (i == 0 && in >= 0)
			;
		else if (pipe2(p[i], O_CLOEXEC) == -1)
			goto fail;
	}
	kid[0] = in >= 0 ? in : p[0][0];
	for (i = 1; i < 4; i++)
		kid[i] = p[i][1];
	if ((pid = run_spawn(path, av, env, kid, 4)) == -1)
		goto fail;
	closep(&p[0][0]);
	fd[0] = p[0][1];
	for (i = 1; i < 4; i++) {
		closep(&p[i][1]);
		fd[i] = p[i][0];
	}
	/* Room for more than a chunk of input and output: fewer wakeups. */
	if (in == INPIPE)
		(void)fcntl(fd[0], F_SETPIPE_SZ, PIPESZ);
	(void)fcntl(fd[1], F_SETPIPE_SZ, PIPESZ);
	return pid;
fail:
	e = errno;
	for (i = 0; i < 4; i++) {
		closep(&p[i][0]);
		closep(&p[i][1]);
	}
	errno = e;
	return -1;
}

/* Why gpg did not start, and which GPG_E* that is. */
static int
notstarted(const struct gpg *g, char *err, size_t errlen)
{
	if (run_oserr(errno)) {
		snprintf(err, errlen, "cannot start gpg: %s", strerror(errno));
		return GPG_EOS;
	}
	snprintf(err, errlen, "cannot run %s: %s", g->path, strerror(errno));
	return GPG_ERUN;
}

/*
 * A pipe's bytes, a line at a time: each line, its LF made a NUL, to fn.
 * A line longer than the buffer is cut to fit (a status line: what counts
 * comes first) or, with skiplong, not given at all (a listing record cut
 * short would be misread).
 */
static void
lines(struct gpglines *l, const char *p, size_t n, void (*fn)(void *, char *),
    void *arg)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (l->len + 1 < l->cap)
				l->buf[l->len++] = p[i];
			else
				l->over = 1;
			continue;
		}
		l->buf[l->len] = '\0';
		if (!l->over || !l->skiplong)
			fn(arg, l->buf);
		l->len = 0;
		l->over = 0;
	}
}

/* Key listing: --with-colons records, one key at a time. */

struct listing {
	struct keyquery	**q;
	size_t		 nq;
	unsigned char	*match;		/* per query: 1 user ID, 2 revoked one */
	int		 inkey;
	int		 seen;		/* any key at all */
	int		 fprdone;
	char		 fpr[FPRLEN + 1];
	char		 pubwhy[64];	/* why the key is unusable, or "" */
	int		 enc;		/* has a usable encryption key */
	char		 encwhy[64];	/* why its encryption subkeys are not */
	long long	 pubexp;	/* expiry of the primary key, 0 never */
	long long	 encexp;	/* of the longest-lived encryption key */
	char		 firstuid[UIDLEN];
	char		*uids;		/* per query: the user ID that matched */
	time_t		 now;
	int		 all;		/* every key into ks (gpg_listkeys) */
	struct keystate	*ks;
	size_t		 nks;
	int		 oom;		/* a key could not be kept */
	char		*mb;		/* this key's mailboxes, for ks */
	size_t		 mblen;
	long long	 until;		/* with all: the first creation or expiry
					   time after now of any key, subkey or
					   user ID (gpg_scan) */
};

static int
split(char *line, char **f, int max)
{
	int	n = 0;

	f[n++] = line;
	while (n < max && (line = strchr(line, ':')) != NULL) {
		*line++ = '\0';
		f[n++] = line;
	}
	return n;
}

/* Why a key or subkey is unusable from its validity and expiry, or NULL. */
static const char *
keystate(const char *validity, const char *expires, time_t now, char *buf,
    size_t len)
{
	long long	 t;
	time_t		 tt;
	struct tm	*tm;

	if (validity[0] == 'r')
		return "revoked";
	if (validity[0] == 'i')
		return "invalid";
	t = strtoll(expires, NULL, 10);
	if (validity[0] == 'e' || (t > 0 && t <= now)) {
		tt = (time_t)t;
		if (t > 0 && (tm = gmtime(&tt)) != NULL) {
			strftime(buf, len, "expired %Y-%m-%d", tm);
			return buf;
		}
		return "expired";
	}
	return NULL;
}

/*
 * A user ID, unescaped into buf, and its mailbox: what is in its last <>,
 * or all of it.
 */
static void
uidmailbox(const char *uid, char *out, size_t outsz, char *buf, size_t bufsz)
{
	const char	*s, *lt, *gt;
	size_t		 w = 0;
	unsigned int	 c;

	for (s = uid; *s && w + 1 < bufsz; s++) {
		if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
		    isxdigit((unsigned char)s[3]) && sscanf(s + 2, "%2x",
		    &c) == 1) {
			buf[w++] = c;
			s += 3;
		} else
			buf[w++] = *s;
	}
	buf[w] = '\0';
	lt = strrchr(buf, '<');
	gt = lt != NULL ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL) {
		snprintf(out, outsz, "%.*s", (int)(gt - lt - 1), lt + 1);
		return;
	}
	snprintf(out, outsz, "%s", buf);
}

/* Why the key being read cannot be encrypted to, or NULL. */
static const char *
keywhy(const struct listing *l)
{
	if (l->pubwhy[0] != '\0')
		return l->pubwhy;
	if (!l->enc)
		return l->encwhy[0] ? l->encwhy : "no encryption subkey";
	if (l->fpr[0] == '\0')
		return "no fingerprint";
	return NULL;
}

/* When encryption to the key being read ends: the sooner of its own
 * expiry and its longest-lived encryption subkey's; 0 never. */
static long long
keyexpires(const struct listing *l)
{
	if (l->encexp != 0 && (l->pubexp == 0 || l->encexp < l->pubexp))
		return l->encexp;
	return l->pubexp;
}

/* gpg_listkeys: the key being read, usable or not, into l->ks. */
static void
keepkey(struct listing *l)
{
	struct keystate	*nk, *k;
	const char	*why = keywhy(l);

	if ((nk = reallocarray(l->ks, l->nks + 1, sizeof(*nk))) == NULL) {
		l->oom = 1;
		free(l->mb);
	} else {
		l->ks = nk;
		k = &l->ks[l->nks++];
		memcpy(k->fpr, l->fpr, sizeof(k->fpr));
		snprintf(k->uid, sizeof(k->uid), "%s", l->firstuid);
		snprintf(k->why, sizeof(k->why), "%s", why ? why : "");
		k->expires = keyexpires(l);
		k->mboxes = l->mb;
	}
	l->mb = NULL;
	l->mblen = 0;
}

/* gpg_listkeys: one more mailbox of the key being read. */
static void
addmbox(struct listing *l, const char *mbox)
{
	size_t	 n = strlen(mbox);
	char	*nb;

	if (l->mblen + n + 2 > MBOXMAX)
		return;
	if ((nb = realloc(l->mb, l->mblen + n + 2)) == NULL) {
		l->oom = 1;
		return;
	}
	l->mb = nb;
	memcpy(l->mb + l->mblen, mbox, n);
	l->mblen += n;
	l->mb[l->mblen++] = '\n';
	l->mb[l->mblen] = '\0';
}

static void
endkey(struct listing *l)
{
	struct keyquery	*q;
	struct keyinfo	*nk, *k;
	const char	*why;
	size_t		 i;

	if (!l->inkey)
		return;
	l->inkey = 0;
	if (l->all)
		keepkey(l);
	for (i = 0; i < l->nq; i++) {
		if (l->match[i] == 0)
			continue;
		q = l->q[i];
		if ((why = keywhy(l)) != NULL)
			;
		else if (l->match[i] == 2)
			why = "user ID revoked";
		if (why != NULL) {
			if (q->why[0] == '\0')
				snprintf(q->why, sizeof(q->why), "%s", why);
			continue;
		}
		if ((nk = reallocarray(q->keys, q->nkeys + 1,
		    sizeof(*q->keys))) == NULL)
			continue;	/* one key fewer: fails closed */
		q->keys = nk;
		k = &q->keys[q->nkeys++];
		memcpy(k->fpr, l->fpr, sizeof(k->fpr));
		snprintf(k->uid, sizeof(k->uid), "%s", q->byfpr ?
		    l->firstuid : l->uids + i * sizeof(k->uid));
		k->expires = keyexpires(l);
	}
}

static void
freenames(char **names)
{
	size_t	i;

	for (i = 0; names != NULL && names[i] != NULL; i++)
		free(names[i]);
	free(names);
}

static void
record(void *arg, char *line)
{
	struct listing	*l = arg;
	char		*f[20], mbox[1024], full[1024], buf[64];
	const char	*why;
	long long	 exp;
	int		 n;
	size_t		 i;

	n = split(line, f, 20);
	if (l->all && n >= 7 && (strcmp(f[0], "pub") == 0 ||
	    strcmp(f[0], "sub") == 0 || strcmp(f[0], "uid") == 0))
		for (i = 5; i <= 6; i++) {	/* created, expires */
			exp = strtoll(f[i], NULL, 10);
			if (exp > l->now && (l->until == 0 || exp < l->until))
				l->until = exp;
		}
	if (n < 12 && strcmp(f[0], "fpr") != 0 && strcmp(f[0], "uid") != 0)
		return;
	if (strcmp(f[0], "pub") == 0) {
		endkey(l);
		l->inkey = 1;
		l->seen = 1;
		l->fprdone = 0;
		l->fpr[0] = '\0';
		l->encwhy[0] = '\0';
		l->firstuid[0] = '\0';
		l->pubexp = strtoll(f[6], NULL, 10);
		l->encexp = 0;
		if (l->nq > 0)
			memset(l->match, 0, l->nq);
		why = keystate(f[1], f[6], l->now, buf, sizeof(buf));
		if (why == NULL && strchr(f[11], 'D') != NULL)
			why = "disabled";
		snprintf(l->pubwhy, sizeof(l->pubwhy), "%s", why ? why : "");
		l->enc = why == NULL && strchr(f[11], 'e') != NULL;
	} else if (strcmp(f[0], "fpr") == 0 && l->inkey && !l->fprdone) {
		if (n >= 10 && strlen(f[9]) <= FPRLEN)
			snprintf(l->fpr, sizeof(l->fpr), "%s", f[9]);
		l->fprdone = 1;
		for (i = 0; i < l->nq; i++)
			if (l->q[i]->byfpr && strcasecmp(l->fpr,
			    l->q[i]->addr) == 0)
				l->match[i] = 1;
	} else if (strcmp(f[0], "sub") == 0 && l->inkey) {
		l->fprdone = 1;
		if (strchr(f[11], 'e') == NULL)
			return;
		why = keystate(f[1], f[6], l->now, buf, sizeof(buf));
		if (why == NULL) {
			exp = strtoll(f[6], NULL, 10);
			if (!l->enc || (l->encexp != 0 && (exp == 0 ||
			    exp > l->encexp)))
				l->encexp = exp;
			l->enc = 1;
		}
		else if (l->encwhy[0] == '\0')
			snprintf(l->encwhy, sizeof(l->encwhy),
			    "encryption subkey %s", why);
	} else if (strcmp(f[0], "uid") == 0 && l->inkey && n >= 10) {
		uidmailbox(f[9], mbox, sizeof(mbox), full, sizeof(full));
		if (l->firstuid[0] == '\0')
			snprintf(l->firstuid, sizeof(l->firstuid), "%.*s",
			    (int)sizeof(l->firstuid) - 1, full);
		if (l->all && f[1][0] != 'r')
			addmbox(l, mbox);
		for (i = 0; i < l->nq; i++)
			if (!l->q[i]->byfpr &&
			    strcasecmp(mbox, l->q[i]->addr) == 0 &&
			    l->match[i] != 1) {
				l->match[i] = f[1][0] == 'r' ? 2 : 1;
				snprintf(l->uids + i * UIDLEN, UIDLEN, "%.*s",
				    UIDLEN - 1, full);
			}
	}
}

/*
 * What gpg says on --status-fd during a listing.  Asked for names, gpg
 * lists every key that matches any of them and fails with ERROR
 * keylist.getkey NO_PUBKEY only when none does: that is an empty answer,
 * not a failure.  (gpg 2.4 then adds FAILURE gpg-exit, which says only
 * that it exits non-zero.)
 */
struct liststatus {
	int	nomatch;	/* ERROR keylist.getkey 9 */
	int	failed;		/* any other ERROR, or FAILURE */
};

static void
liststatus(void *arg, char *line)
{
	static const char	 err[] = "[GNUPG:] ERROR keylist.getkey ";
	struct liststatus	*s = arg;
	long			 code;

	if (strncmp(line, err, sizeof(err) - 1) == 0) {
		code = strtol(line + sizeof(err) - 1, NULL, 10);
		if ((code & 0xffff) == 9)	/* GPG_ERR_NO_PUBKEY */
			s->nomatch = 1;
		else
			s->failed = 1;
	} else if (strncmp(line, "[GNUPG:] ERROR ", 15) == 0 ||
	    (strncmp(line, "[GNUPG:] FAILURE ", 17) == 0 &&
	    strncmp(line, "[GNUPG:] FAILURE gpg-exit ", 26) != 0))
		s->failed = 1;
}

/* What a run_io's lines go to (see lines()). */
struct linesto {
	struct gpglines	 *l;
	void		(*fn)(void *, char *);
	void		 *arg;
};

static int
readlines(struct run_io *io, void *arg)
{
	struct linesto	*t = arg;
	char		 buf[16384];
	ssize_t		 n;

	if ((n = run_read(io, buf, sizeof(buf))) > 0)
		lines(t->l, buf, n, t->fn, t->arg);
	return n != 0;
}

/*
 * The names gpg is asked for: a fingerprint as it is, an address as a
 * substring ("*addr").  gpg's substring match, case-insensitive over the
 * whole user ID, finds every key our exact mailbox match (in record())
 * can accept and usually no other, so only the recipients' keys are
 * listed and checked, not the whole keyring.
 */
static char **
listnames(struct keyquery **q, size_t nq)
{
	char	**names;
	size_t	  i;

	if ((names = calloc(nq + 1, sizeof(*names))) == NULL)
		return NULL;
	for (i = 0; i < nq; i++)
		if (asprintf(&names[i], "%s%s", q[i]->byfpr ? "" : "*",
		    q[i]->addr) == -1) {
			names[i] = NULL;
			freenames(names);
			return NULL;
		}
	return names;
}

/*
 * The system keyring must be there and readable by whoever sends (gpg
 * runs as the caller): a keyring made as root under umask 077, or a
 * trustdb.gpg gpg made 0600, fails every sender but root.  Say so in
 * words an administrator can act on, before gpg says "Fatal".
 *
 * And nobody but its owners may change it: whoever can add a key or a
 * gpg.conf line there decides who reads the mail, as with a config file
 * (keymap.c), so one that anybody may write is refused (GPG_ECONF).
 */
static int
homeok(const struct gpg *g, char *err, size_t errlen)
{
	static const char *const files[] = {
		"pubring.kbx", "trustdb.gpg", "pubring.gpg", "gpg.conf",
		"common.conf", "private-keys-v1.d"
	};
	struct stat	st;
	char		path[1024];
	size_t		i;

	if (stat(g->home, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "the system keyring %s %s (gnupghome in "
		    "the configuration)", g->home, errno == ENOENT ?
		    "does not exist" : "is not a directory here");
		return GPG_ERUN;
	}
	for (i = 0; i <= sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s%s", g->home, i > 0 ? "/" :
		    "", i > 0 ? files[i - 1] : "");
		if (stat(path, &st) == 0 && (st.st_mode & S_IWOTH)) {
			snprintf(err, errlen, "%s: writable by anyone, refused: "
			    "anyone could change the keys of the system keyring "
			    "(as root: chmod o-w it)", path);
			return GPG_ECONF;
		}
	}
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", g->home, files[i]);
		if (access(path, F_OK) == 0 && access(path, R_OK) == -1) {
			snprintf(err, errlen, "%s cannot be read by uid %lu: "
			    "every sender needs it (as root: chmod 644 it, and "
			    "import keys under umask 022)", path,
			    (unsigned long)getuid());
			return GPG_ERUN;
		}
	}
	return GPG_OK;
}

int
gpg_homeok(const struct gpg *g, char *err, size_t errlen)
{
	return homeok(g, err, errlen);
}

/* What one run of gpg gives back, and where its stdout goes. */
struct brun {
	int		(*out)(struct run_io *, void *);
	void		 *outarg;
	void		(*st)(void *, char *);
	void		 *starg;
	char		 *errtail;
	size_t		  errcap;
	int		  ws;
	int		  started;	/* else brun's -1: it did not start */
};

/*
 * Run path (av) with stdin from infd (-1: /dev/null), stdout to b->out,
 * stderr kept, --status-fd 3 to b->st.  RUN_DONE with b->ws, RUN_TIMEOUT,
 * RUN_STOPPED; -1 if it could not start (errno set).
 */
static int
brun(const struct gpg *g, const char *path, const char **av, int infd,
    struct brun *b)
{
	struct gpglines	 stls;
	struct linesto	 tost;
	struct run_child ch;
	struct run_io	 io[3];
	struct run_tail	 tail;
	char		 stline[1024];
	int		 fd[4], i, r, e;

	memset(&ch, 0, sizeof(ch));
	ch.seekfd = infd;
	b->started = 0;
	if ((ch.pid = spawn(path, av, infd, fd)) == -1)
		return -1;
	b->started = 1;
	ch.pgrp = ch.pid;
	ch.until = run_until(g->deadline);
	memset(io, 0, sizeof(io));
	for (i = 0; i < 3; i++) {
		io[i].fd = fd[i + 1];
		io[i].events = POLLIN;
	}
	memset(&stls, 0, sizeof(stls));
	stls.buf = stline;
	stls.cap = sizeof(stline);
	tost.l = &stls;
	tost.fn = b->st;
	tost.arg = b->starg;
	tail.buf = b->errtail;
	tail.cap = b->errcap;
	tail.len = 0;
	b->errtail[0] = '\0';
	io[0].ready = b->out;
	io[0].arg = b->outarg;
	io[1].ready = run_keep;
	io[1].arg = &tail;
	io[2].ready = readlines;
	io[2].arg = &tost;
	r = run_loop(&ch, 1, io, 3, g->timeout, NULL, NULL);
	e = errno;
	for (i = 0; i < 3; i++)
		closep(&io[i].fd);
	b->ws = ch.ws;
	errno = e;
	return r;
}

/*
 * One --list-keys run: of the keys that match the queries (gpg_findkeys),
 * or of every key, all kept in l->ks (gpg_listkeys, with l->all).
 */
static int
listkeys(const struct gpg *g, struct keyquery **q, size_t nq,
    struct listing *l_, char *err, size_t errlen)
{
	const char		**av = NULL;
	struct listing		  l;
	struct liststatus	  ls;
	struct gpglines		  recs;
	struct linesto		  torec;
	struct brun		  b;
	char			 *line = NULL, errtail[200];
	char			**names = NULL;
	size_t			  i;
	int			  n, r, e, rc = GPG_OK;

	errtail[0] = '\0';
	memset(&l, 0, sizeof(l));
	memset(&ls, 0, sizeof(ls));
	l.q = q;
	l.nq = nq;
	l.now = time(NULL);
	l.all = l_ != NULL;
	if (nq == 0 && !l.all)
		return GPG_OK;
	if ((rc = homeok(g, err, errlen)) != GPG_OK)
		return rc;
	if ((l.match = calloc(nq + 1, 1)) == NULL ||
	    (l.uids = calloc(nq + 1, UIDLEN)) == NULL ||
	    (line = malloc(LISTLINE)) == NULL ||
	    (names = listnames(q, nq)) == NULL ||
	    (av = calloc(MAXARGS + nq, sizeof(*av))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		rc = GPG_EOS;
		goto done;
	}
	memset(&recs, 0, sizeof(recs));
	recs.buf = line;
	recs.cap = LISTLINE;
	recs.skiplong = 1;
	torec.l = &recs;
	torec.fn = record;
	torec.arg = &l;
	memset(&b, 0, sizeof(b));
	b.out = readlines;
	b.outarg = &torec;
	b.st = liststatus;
	b.starg = &ls;
	b.errtail = errtail;
	b.errcap = sizeof(errtail);
	n = baseargs(g, av);
	av[n++] = "--status-fd";
	av[n++] = "3";
	av[n++] = "--with-colons";
	av[n++] = "--fixed-list-mode";
	av[n++] = "--with-fingerprint";
	av[n++] = "--list-keys";
	av[n++] = "--";
	for (i = 0; i < nq; i++)
		av[n++] = names[i];
	av[n] = NULL;
	r = brun(g, g->path, av, -1, &b);
	e = errno;
	if (!b.started) {
		rc = notstarted(g, err, errlen);
		goto done;
	}
	endkey(&l);
	if (l.oom) {
		snprintf(err, errlen, "gpg --list-keys: %s", strerror(ENOMEM));
		rc = GPG_EOS;
	} else if (r == RUN_TIMEOUT) {
		expired(g, err, errlen, "gpg --list-keys");
		rc = GPG_ERUN;
	} else if (r != RUN_DONE) {
		snprintf(err, errlen, "gpg --list-keys: %s", strerror(e));
		rc = GPG_EOS;
	} else if (WIFEXITED(b.ws) && WEXITSTATUS(b.ws) == 2 &&
	    ls.nomatch && !ls.failed && !l.seen)
		;	/* no key matched any name */
	else if (!WIFEXITED(b.ws) || WEXITSTATUS(b.ws) != 0) {
		run_describe(err, errlen, "gpg --list-keys", b.ws, errtail);
		rc = GPG_ERUN;
	}
	for (i = 0; i < nq; i++)
		if (q[i]->nkeys == 0 && q[i]->why[0] == '\0')
			snprintf(q[i]->why, sizeof(q[i]->why), "no key");
done:
	freenames(names);
	free(av);
	free(l.match);
	free(l.uids);
	free(line);
	free(l.mb);
	if (l_ != NULL) {
		l_->ks = l.ks;
		l_->nks = l.nks;
		l_->until = l.until;
	}
	return rc;
}

int
gpg_findkeys(const struct gpg *g, struct keyquery **q, size_t nq, char *err,
    size_t errlen)
{
	return listkeys(g, q, nq, NULL, err, errlen);
}

int
gpg_listkeys(const struct gpg *g, struct keystate **ks, size_t *n, char *err,
    size_t errlen)
{
	struct listing	l;
	int		rc;

	memset(&l, 0, sizeof(l));
	rc = listkeys(g, NULL, 0, &l, err, errlen);
	if (rc != GPG_OK) {
		gpg_freekeys(l.ks, l.nks);
		l.ks = NULL;
		l.nks = 0;
	}
	*ks = l.ks;
	*n = l.nks;
	return rc;
}

void
gpg_freekeys(struct keystate *ks, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(ks[i].mboxes);
	free(ks);
}

/*
 * The whole keyring, for the key cache: each user ID's mailbox (revoked
 * ones left out: no listing accepts them) and each primary fingerprint,
 * and when the clock next changes what a listing says.
 */
static int
scanadd(char ***v, size_t *n, const char *s, size_t len)
{
	char	**nv;

	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strndup(s, len)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

int
gpg_scan(const struct gpg *g, struct gpgscan *s, char *err, size_t errlen)
{
	struct listing	 l;
	const char	*p, *nl;
	size_t		 i;
	int		 rc;

	memset(s, 0, sizeof(*s));
	memset(&l, 0, sizeof(l));
	rc = listkeys(g, NULL, 0, &l, err, errlen);
	s->until = l.until;
	for (i = 0; rc == GPG_OK && i < l.nks; i++) {
		if (scanadd(&s->fprs, &s->nfprs, l.ks[i].fpr,
		    strlen(l.ks[i].fpr)) == -1)
			rc = GPG_EOS;
		for (p = l.ks[i].mboxes; rc == GPG_OK && p != NULL && *p;
		    p = nl + 1) {
			if ((nl = strchr(p, '\n')) == NULL)
				break;
			if (nl > p && scanadd(&s->addrs, &s->naddrs, p,
			    nl - p) == -1)
				rc = GPG_EOS;
		}
	}
	if (rc == GPG_EOS && l.nks > 0)
		snprintf(err, errlen, "%s", strerror(ENOMEM));
	gpg_freekeys(l.ks, l.nks);
	return rc;
}

void
gpg_scanfree(struct gpgscan *s)
{
	size_t	i;

	for (i = 0; i < s->naddrs; i++)
		free(s->addrs[i]);
	for (i = 0; i < s->nfprs; i++)
		free(s->fprs[i]);
	free(s->addrs);
	free(s->fprs);
	memset(s, 0, sizeof(*s));
}

/* Encryption: one gpg per job, fed the same bytes in one pass. */

const char *
gpg_invrecp(int reason)
{
	static const char *const why[] = {
		"refused", "not found", "ambiguous", "wrong key usage",
		"revoked", "expired", "no CRL known", "CRL too old",
		"policy mismatch", "not a secret key", "not trusted",
		"missing certificate", "missing issuer certificate",
		"disabled", "syntax error"
	};

	if (reason < 0 || (size_t)reason >= sizeof(why) / sizeof(why[0]))
		return "refused";
	return why[reason];
}

static void
statusline(void *arg_, char *line)
{
	struct gpgjob	*j = arg_;
	char		*kw, *arg;

	if (strncmp(line, "[GNUPG:] ", 9) != 0)
		return;
	kw = line + 9;
	if ((arg = strchr(kw, ' ')) != NULL)
		*arg++ = '\0';
	if (strcmp(kw, "END_ENCRYPTION") == 0)
		j->ended = 1;
	else if (strcmp(kw, "SIG_CREATED") == 0)
		j->signed_ = 1;
	else if (strcmp(kw, "INV_RECP") == 0 && arg != NULL) {
		j->badreason = atoi(arg);
		arg = strchr(arg, ' ');
		snprintf(j->badrcpt, sizeof(j->badrcpt), "%s",
		    arg != NULL ? arg + 1 : "?");
	} else if (strcmp(kw, "NO_RECP") == 0 || strcmp(kw, "FAILURE") == 0)
		j->failed = 1;
}

/* One run of encryption: n gpg fed the same bytes from one source. */
enum { J_IN, J_OUT, J_ERR, J_ST, J_FDS };	/* each job's descriptors */

struct pump {
	struct gpgjob	*jobs;
	size_t		 n;
	struct run_child *ch;		/* a job's gpg */
	struct run_io	*io;		/* J_FDS a job */
	struct run_tail	*tails;		/* a job's stderr */
	gpg_source	 src;
	void		*ctx;
	const char	*cur;		/* the chunk being fed */
	size_t		 curlen;
	int		 srcdone;
	int		 rc;
	char		*err;
	size_t		 errlen;
};

#define JIO(p, i, k)	(&(p)->io[J_FDS * (i) + (k)])

static int
startjob(const struct gpg *g, struct gpgjob *j, struct run_child *ch,
    struct run_io *io)
{
	static const char *const levels[] = {
		"-z0", "-z1", "-z2", "-z3", "-z4", "-z5", "-z6", "-z7", "-z8",
		"-z9"
	};
	const char	**av;
	size_t		  i;
	int		  n, e, fd[4];
	pid_t		  pid;

	if ((av = calloc(MAXARGS + 2 * (j->nfprs + j->nhidden + g->nencryptto),
	    sizeof(*av))) == NULL)
		return -1;
	n = g->transport != NULL ? transportargs(g, av) : baseargs(g, av);
	av[n++] = "--status-fd";
	av[n++] = "3";
	av[n++] = "--armor";
	if (g->signkey != NULL) {
		/* No prompt for a passphrase: a key that needs one fails. */
		av[n++] = "--pinentry-mode";
		av[n++] = "error";
		av[n++] = "--local-user";
		av[n++] = g->signkey;
		av[n++] = "--sign";
	}
	if (g->compress == 0) {
		av[n++] = "--compress-algo";
		av[n++] = "none";
	} else if (g->compress > 0)
		av[n++] = levels[g->compress];
	av[n++] = "--encrypt";
	for (i = 0; i < j->nfprs; i++) {
		av[n++] = "--recipient";
		av[n++] = j->fprs[i];
	}
	for (i = 0; i < j->nhidden; i++) {
		av[n++] = "--hidden-recipient";
		av[n++] = j->hidden[i];
	}
	for (i = 0; i < g->nencryptto; i++) {
		av[n++] = "--hidden-encrypt-to";
		av[n++] = g->encryptto[i];
	}
	av[n] = NULL;
	/*
	 * gpg writes the ciphertext into a pipe, and we move it into the
	 * output file (fromgpg): gpg, which runs as the caller, never holds
	 * a descriptor of the file, which is a queue entry the caller must
	 * not be able to reopen (through /proc/PID/fd) and rewrite.
	 */
	pid = spawn(g->path, av, INPIPE, fd);
	e = errno;
	free(av);
	if (pid == -1) {
		errno = e;
		return -1;
	}
	ch->pid = ch->pgrp = pid;
	ch->until = run_until(g->deadline);
	for (i = 0; i < J_FDS; i++)
		io[i].fd = fd[i];
	return 0;
}

/*
 * After a job changed: one that stopped reading (gpg died, or refused a
 * key) or said it failed leaves the others no more input, since nothing
 * is sent unless everything was made; a failure of ours (rc) stops them
 * all at once (-1: run_loop kills them).  Else moved, for run_loop.
 */
static int
settle(struct pump *p, const struct gpgjob *j, int moved)
{
	size_t	i;

	if (p->rc != GPG_OK)
		return -1;
	if (j->failed) {
		p->srcdone = 1;
		for (i = 0; i < p->n; i++)
			closep(&JIO(p, i, J_IN)->fd);
	}
	return moved;
}

/* run_loop's prepare: the next chunk, once every gpg has taken this one. */
static int
nextchunk(void *arg)
{
	struct pump	*p = arg;
	ssize_t		 r;
	size_t		 i;

	for (i = 0; i < p->n && (JIO(p, i, J_IN)->fd == -1 ||
	    p->jobs[i].off == p->curlen); i++)
		;
	if (i == p->n && !p->srcdone) {
		if ((r = p->src(p->ctx, &p->cur)) <= 0) {
			p->srcdone = 1;
			for (i = 0; i < p->n; i++)
				closep(&JIO(p, i, J_IN)->fd);
			if (r == -1) {
				snprintf(p->err, p->errlen, "reading the "
				    "message: %s", strerror(errno));
				p->rc = GPG_EIO;
				return -1;
			}
		} else {
			p->curlen = r;
			for (i = 0; i < p->n; i++)
				p->jobs[i].off = 0;
		}
	}
	/* A gpg that has the whole chunk waits on the others, or on us. */
	for (i = 0; i < p->n; i++)
		JIO(p, i, J_IN)->idle = p->jobs[i].off >= p->curlen;
	return 0;
}

/* gpg's stdin: the rest of the chunk, as much as it takes. */
static int
togpg(struct run_io *io, void *arg)
{
	struct pump	*p = arg;
	struct gpgjob	*j = &p->jobs[io->child];
	ssize_t		 r;

	r = write(io->fd, p->cur + j->off, p->curlen - j->off);
	if (r > 0) {
		j->off += r;
		io->idle = j->off >= p->curlen;
		return 1;
	}
	if (r == -1 && errno != EAGAIN && errno != EINTR) {
		j->failed = 1;	/* EPIPE: gpg is gone */
		closep(&io->fd);
		return settle(p, j, 1);
	}
	return 0;
}

/*
 * gpg's stdout: what it wrote, moved from its pipe to the end of the
 * output file with splice(2): the pages go from the pipe to the file in
 * the kernel, never through our memory.  The file's offset follows, to
 * its end.  A file that cannot be written (ENOSPC...) stops the run.
 */
static int
fromgpg(struct run_io *io, void *arg)
{
	struct pump	*p = arg;
	struct gpgjob	*j = &p->jobs[io->child];
	ssize_t		 r;

	/* One call takes what the pipe holds; poll says when there is more. */
	r = splice(io->fd, NULL, j->outfd, NULL, PIPESZ,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (r > 0) {
		/*
		 * Start writing each MB back while gpg makes the next: the
		 * fsync that makes the entry durable then finds little left
		 * to write (a 10 MB message waited 20-30 ms in it).
		 */
		if ((j->unsynced += r) >= SYNCSTEP) {
			(void)sync_file_range(j->outfd, 0, 0,
			    SYNC_FILE_RANGE_WRITE);
			j->unsynced = 0;
		}
		return 1;
	}
	if (r == 0) {
		closep(&io->fd);	/* gpg is done */
		return 1;
	}
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	snprintf(p->err, p->errlen, "writing the ciphertext: %s",
	    strerror(errno));
	p->rc = GPG_EIO;
	return -1;
}

/* gpg's --status-fd. */
static int
gpgstatus(struct run_io *io, void *arg)
{
	struct pump	*p = arg;
	struct gpgjob	*j = &p->jobs[io->child];
	char		 buf[4096];
	ssize_t		 n;

	if ((n = run_read(io, buf, sizeof(buf))) > 0)
		lines(&j->stlines, buf, n, statusline, j);
	return settle(p, j, n != 0);
}

/* The pump for n jobs, every descriptor closed: 0, or -1 with errno set. */
static int
pumpinit(struct pump *p, struct gpgjob *jobs, size_t n)
{
	struct run_io	*io;
	size_t		 i, k;

	memset(p, 0, sizeof(*p));
	p->jobs = jobs;
	p->n = n;
	if ((p->ch = calloc(n, sizeof(*p->ch))) == NULL ||
	    (p->io = calloc(J_FDS * n, sizeof(*p->io))) == NULL ||
	    (p->tails = calloc(n, sizeof(*p->tails))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		p->ch[i].pid = -1;
		p->ch[i].seekfd = -1;
		for (k = 0; k < J_FDS; k++) {
			io = JIO(p, i, k);
			io->fd = -1;
			io->events = k == J_IN ? POLLOUT : POLLIN;
			io->child = i;
			io->arg = p;
		}
		JIO(p, i, J_IN)->ready = togpg;
		JIO(p, i, J_OUT)->ready = fromgpg;
		JIO(p, i, J_ERR)->ready = run_keep;
		JIO(p, i, J_ERR)->arg = &p->tails[i];
		JIO(p, i, J_ST)->ready = gpgstatus;
		p->tails[i].buf = jobs[i].errtail;
		p->tails[i].cap = sizeof(jobs[i].errtail);
		jobs[i].errtail[0] = '\0';
		jobs[i].off = 0;
		jobs[i].unsynced = 0;
		memset(&jobs[i].stlines, 0, sizeof(jobs[i].stlines));
		jobs[i].stlines.buf = jobs[i].stline;
		jobs[i].stlines.cap = sizeof(jobs[i].stline);
	}
	return 0;
}

static void
pumpfree(struct pump *p)
{
	size_t	i;

	for (i = 0; p->io != NULL && i < J_FDS * p->n; i++)
		closep(&p->io[i].fd);
	free(p->ch);
	free(p->io);
	free(p->tails);
}

/*
 * The output file ends with the armor's last line, as a finished gpg run
 * leaves it: 0; -1 on an error (errno), 1 if it does not.  Our offset is
 * left at the end, where the rest of the message goes.
 */
static int
armorend(int fd)
{
	static const char	end[] = "-----END PGP MESSAGE-----\n";
	char			buf[sizeof(end) - 1];
	off_t			off;

	if ((off = lseek(fd, 0, SEEK_END)) == -1)
		return -1;
	if (off < (off_t)sizeof(buf))
		return 1;
	errno = 0;
	if (pread(fd, buf, sizeof(buf), off - sizeof(buf)) !=
	    (ssize_t)sizeof(buf)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return memcmp(buf, end, sizeof(buf)) == 0 ? 0 : 1;
}

int
gpg_encrypt(const struct gpg *g, struct gpgjob *jobs, size_t n,
    gpg_source src, void *ctx, char *err, size_t errlen)
{
	struct pump	 p;
	struct gpgjob	*j;
	size_t		 i;
	int		 rc = GPG_OK, r, e;

	if (pumpinit(&p, jobs, n) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		pumpfree(&p);
		return GPG_EOS;
	}
	p.src = src;
	p.ctx = ctx;
	p.err = err;
	p.errlen = errlen;
	for (i = 0; i < n; i++)
		if (startjob(g, &jobs[i], &p.ch[i], JIO(&p, i, 0)) == -1) {
			rc = notstarted(g, err, errlen);
			run_stop(p.ch, n);
			pumpfree(&p);
			return rc;
		}
	/*
	 * Feed every job the source's bytes, move its ciphertext into its
	 * file, and collect what each says.  A gpg that goes the timeout
	 * without progress, while we have input for it or wait for its end,
	 * is stuck: every one is killed.
	 */
	r = run_loop(p.ch, n, p.io, J_FDS * n, g->timeout, nextchunk, &p);
	if (r == RUN_TIMEOUT) {
		expired(g, err, errlen, "gpg");
		rc = GPG_ERUN;
	} else if (r == RUN_STOPPED)
		rc = p.rc;
	else if (r == -1) {
		snprintf(err, errlen, "gpg: %s", strerror(errno));
		rc = GPG_EOS;
	}
	for (i = 0; rc == GPG_OK && i < n; i++) {
		j = &jobs[i];
		j->wstatus = p.ch[i].ws;
		if (j->badrcpt[0] != '\0') {
			snprintf(err, errlen, "gpg refused key %s: %s",
			    j->badrcpt, gpg_invrecp(j->badreason));
			rc = GPG_EKEY;
		} else if (!WIFEXITED(j->wstatus) ||
		    WEXITSTATUS(j->wstatus) != 0) {
			run_describe(err, errlen, "gpg", j->wstatus,
			    j->errtail);
			rc = GPG_ERUN;
		} else if (j->failed || !j->ended) {
			snprintf(err, errlen, "gpg did not finish the "
			    "encryption%s%s", j->errtail[0] ? ": " : "",
			    j->errtail);
			rc = GPG_ERUN;
		} else if (g->signkey != NULL && !j->signed_) {
			snprintf(err, errlen, "gpg did not sign with %s",
			    g->signkey);
			rc = GPG_ERUN;
		} else if ((e = armorend(j->outfd)) != 0) {
			if (e == -1)
				snprintf(err, errlen, "reading the ciphertext "
				    "back: %s", strerror(errno));
			else
				snprintf(err, errlen, "gpg's ciphertext does "
				    "not end as armor does");
			rc = e == -1 ? GPG_EIO : GPG_ERUN;
		}
	}
	pumpfree(&p);
	return rc;
}

/*
 * The receiving border: the transport home's secret keys, and
 * decryption with them.  Every run goes through run_loop with the
 * timeout, and stops at g->deadline whatever its progress.
 */

int
gpg_transport(struct gpg *g, const char *home)
{
	g->transport = home;
	if ((size_t)snprintf(g->keyring, sizeof(g->keyring), "%s/pubring.kbx",
	    g->home) >= sizeof(g->keyring))
		return -1;
	/* A keyring of GnuPG 1's format, where there is no keybox. */
	if (access(g->keyring, F_OK) == -1)
		snprintf(g->keyring, sizeof(g->keyring), "%s/pubring.gpg",
		    g->home);
	return 0;
}

/* "WHAT: why it failed", for a run that did not end as RUN_DONE. */
static int
brunerr(const struct gpg *g, int r, const char *what, char *err,
    size_t errlen)
{
	if (r == RUN_TIMEOUT) {
		expired(g, err, errlen, what);
		return GPG_ERUN;
	}
	if (r == -1 && run_oserr(errno)) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return GPG_EOS;
	}
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return GPG_ERUN;
}

/* Secret key listing: sec, ssb, then their fpr and grp records. */
struct seclist {
	struct gpgsecret *k;
	size_t		  n;
	int		  oom;
	int		  cur;		/* 1: the record before can encrypt */
	int		  curlevel;	/* 0 nothing, 1 fpr wanted, 2 grp wanted */
	char		  primary[FPRLEN + 1];
	int		  wantprimary;
};

static void
secrecord(void *arg, char *line)
{
	struct seclist	 *l = arg;
	struct gpgsecret *nk;
	char		 *f[13];
	int		  n = split(line, f, 13);

	if (n < 5)
		return;
	if (strcmp(f[0], "sec") == 0 || strcmp(f[0], "ssb") == 0) {
		l->wantprimary = f[0][0] == 's' && f[0][1] == 'e';
		l->cur = n >= 12 && strchr(f[11], 'e') != NULL;
		l->curlevel = l->cur ? 1 : l->wantprimary ? 1 : 0;
		if (!l->cur)
			return;
		if ((nk = reallocarray(l->k, l->n + 1, sizeof(*nk))) == NULL) {
			l->oom = 1;
			l->cur = 0;
			return;
		}
		l->k = nk;
		memset(&nk[l->n], 0, sizeof(*nk));
		snprintf(nk[l->n].keyid, sizeof(nk->keyid), "%s", f[4]);
		l->n++;
		return;
	}
	if (n < 10)
		return;
	if (strcmp(f[0], "fpr") == 0 && l->curlevel == 1) {
		if (l->wantprimary)
			snprintf(l->primary, sizeof(l->primary), "%s", f[9]);
		if (l->cur) {
			snprintf(l->k[l->n - 1].fpr, FPRLEN + 1, "%s", f[9]);
			snprintf(l->k[l->n - 1].primary, FPRLEN + 1, "%s",
			    l->primary);
		}
		l->curlevel = 2;
	} else if (strcmp(f[0], "grp") == 0 && l->curlevel == 2) {
		if (l->cur)
			snprintf(l->k[l->n - 1].grip, 41, "%s", f[9]);
		l->curlevel = 0;
	}
}

static void
nostatus(void *arg, char *line)
{
	(void)arg;
	(void)line;
}

int
gpg_secretkeys(const struct gpg *g, struct gpgsecret **k, size_t *n,
    char *err, size_t errlen)
{
	const char	*av[MAXARGS];
	struct seclist	 l;
	struct gpglines	 recs;
	struct linesto	 torec;
	struct brun	 b;
	char		 line[LISTLINE], errtail[200];
	int		 r, i;

	memset(&l, 0, sizeof(l));
	memset(&recs, 0, sizeof(recs));
	recs.buf = line;
	recs.cap = sizeof(line);
	recs.skiplong = 1;
	torec.l = &recs;
	torec.fn = secrecord;
	torec.arg = &l;
	i = transportargs(g, av);
	av[i++] = "--status-fd";
	av[i++] = "3";
	av[i++] = "--with-colons";
	av[i++] = "--fixed-list-mode";
	av[i++] = "--with-fingerprint";
	av[i++] = "--with-keygrip";
	av[i++] = "--list-secret-keys";
	av[i] = NULL;
	memset(&b, 0, sizeof(b));
	b.out = readlines;
	b.outarg = &torec;
	b.st = nostatus;
	b.errtail = errtail;
	b.errcap = sizeof(errtail);
	r = brun(g, g->path, av, -1, &b);
	if (r != RUN_DONE || l.oom) {
		free(l.k);
		if (l.oom) {
			snprintf(err, errlen, "gpg --list-secret-keys: %s",
			    strerror(ENOMEM));
			return GPG_EOS;
		}
		return brunerr(g, r, "gpg --list-secret-keys", err, errlen);
	}
	if (!WIFEXITED(b.ws) || WEXITSTATUS(b.ws) != 0) {
		free(l.k);
		run_describe(err, errlen, "gpg --list-secret-keys", b.ws,
		    errtail);
		return GPG_ERUN;
	}
	*k = l.k;
	*n = l.n;
	return GPG_OK;
}

/* gpg's stdout in a decryption: onto the end of the plaintext file. */
static int
decout(struct run_io *io, void *arg)
{
	struct gpgdec	*d = arg;
	char		 buf[65536];
	ssize_t		 n;

	if ((n = run_read(io, buf, sizeof(buf))) <= 0)
		return n != 0;
	if (d->outfd == -1)
		return 1;	/* --list-only: nothing comes */
	if (d->outlen + n > d->max) {
		d->toobig = 1;
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	d->outlen += n;
	if (fd_write(d->outfd, buf, n) == -1) {
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	explicit_bzero(buf, sizeof(buf));
	return 1;
}

/* Field k (0: the first after the keyword) of a status line's args. */
static const char *
stfield(char *args, int k, char *out, size_t len)
{
	char	*p = args;
	size_t	 n;

	while (p != NULL && k-- > 0)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	if (p == NULL)
		return NULL;
	n = strcspn(p, " ");
	if (n == 0 || n >= len)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static void
decstatus(void *arg_, char *line)
{
	struct gpgdec	*d = arg_;
	char		*kw, *arg, f[FPRLEN + 1];
	size_t		 i;

	if (strncmp(line, "[GNUPG:] ", 9) != 0)
		return;
	kw = line + 9;
	if ((arg = strchr(kw, ' ')) != NULL)
		*arg++ = '\0';
	else
		arg = kw + strlen(kw);
	if (strcmp(kw, "ENC_TO") == 0) {
		d->nencto++;
		if (stfield(arg, 0, f, 17) == NULL)
			return;
		if (strcmp(f, "0000000000000000") == 0) {
			d->wild = 1;
			d->nwild++;
		}
		for (i = 0; i < d->nkeys && d->ours == NULL; i++)
			if (strcasecmp(d->keys[i].keyid, f) == 0)
				d->ours = &d->keys[i];
	} else if (strcmp(kw, "DECRYPTION_KEY") == 0) {
		if (stfield(arg, 1, f, sizeof(f)) != NULL)
			strlcpy(d->deckey, f, sizeof(d->deckey));
	} else if (strcmp(kw, "DECRYPTION_OKAY") == 0)
		d->okay = 1;
	else if (strcmp(kw, "DECRYPTION_FAILED") == 0 ||
	    strcmp(kw, "FAILURE") == 0)
		d->failed = 1;
	else if (strcmp(kw, "BADMDC") == 0)
		d->failed = d->badmdc = 1;
	else if (strcmp(kw, "ERROR") == 0 && strncmp(arg, "proc_pkt.", 9) == 0)
		d->failed = 1;	/* a packet refused: the rest left out */
	else if (strcmp(kw, "DECRYPTION_INFO") == 0) {
		if (stfield(arg, 0, f, sizeof(f)) != NULL && strcmp(f, "0") == 0)
			d->nomdc = 1;
	} else if (strcmp(kw, "NO_SECKEY") == 0)
		d->noseckey = 1;
	else if (strcmp(kw, "NEWSIG") == 0)
		d->nsigs++;
	else if (strcmp(kw, "GOODSIG") == 0)
		d->goodsig++;
	else if (strcmp(kw, "BADSIG") == 0 || strcmp(kw, "ERRSIG") == 0 ||
	    strcmp(kw, "EXPSIG") == 0 || strcmp(kw, "EXPKEYSIG") == 0 ||
	    strcmp(kw, "REVKEYSIG") == 0)
		d->badsig++;
	else if (strcmp(kw, "VALIDSIG") == 0) {
		/* Field 10 of doc/DETAILS: the primary key's fingerprint. */
		if (stfield(arg, 9, f, sizeof(f)) != NULL)
			strlcpy(d->signer, f, sizeof(d->signer));
	}
}

int
gpg_decrypt(const struct gpg *g, struct gpgdec *d, char *err, size_t errlen)
{
	const char	*av[MAXARGS];
	struct brun	 b;
	int		 r, i;

	if (lseek(d->infd, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "the ciphertext: %s", strerror(errno));
		return GPG_EIO;
	}
	i = transportargs(g, av);
	av[i++] = "--status-fd";
	av[i++] = "3";
	/* No prompt: a transport key has no passphrase, or fails. */
	av[i++] = "--pinentry-mode";
	av[i++] = "error";
	if (d->listonly)
		av[i++] = "--list-only";
	av[i++] = "--decrypt";
	av[i] = NULL;
	memset(&b, 0, sizeof(b));
	b.out = decout;
	b.outarg = d;
	b.st = decstatus;
	b.starg = d;
	b.errtail = d->errtail;
	b.errcap = sizeof(d->errtail);
	r = brun(g, g->path, av, d->infd, &b);
	d->ws = b.ws;
	if (r == RUN_STOPPED && d->toobig)
		return GPG_OK;	/* the caller reads toobig */
	if (r == RUN_STOPPED) {
		snprintf(err, errlen, "writing the plaintext: %s",
		    strerror(errno));
		return GPG_EIO;
	}
	if (r != RUN_DONE)
		return brunerr(g, r, "gpg --decrypt", err, errlen);
	return GPG_OK;
}

/* gpg-connect-agent's answer to HAVEKEY: "OK" or "ERR ...". */
struct agentans {
	int	ok, errline;
};

static void
agentline(void *arg, char *line)
{
	struct agentans	*a = arg;

	if (strcmp(line, "OK") == 0)
		a->ok = 1;
	else if (strncmp(line, "ERR", 3) == 0)
		a->errline = 1;
}

static int
agentout(struct run_io *io, void *arg)
{
	struct linesto	*t = arg;

	return readlines(io, t);
}

int
gpg_agent(const struct gpg *g, const char *grip, char *err, size_t errlen)
{
	const char	*av[8];
	struct agentans	 a;
	struct gpglines	 ls;
	struct linesto	 to;
	struct brun	 b;
	char		 path[1024], cmd[64], line[512], errtail[200], *slash;
	int		 r;

	/* The one beside the gpg we run, as gpg's own installation has it. */
	snprintf(path, sizeof(path), "%s", g->path);
	if ((slash = strrchr(path, '/')) != NULL)
		snprintf(slash + 1, sizeof(path) - (slash + 1 - path),
		    "gpg-connect-agent");
	if (slash == NULL || access(path, X_OK) == -1)
		snprintf(path, sizeof(path), "/usr/bin/gpg-connect-agent");
	if (grip != NULL)
		snprintf(cmd, sizeof(cmd), "HAVEKEY %s", grip);
	else
		snprintf(cmd, sizeof(cmd), "GETINFO version");
	av[0] = "gpg-connect-agent";
	av[1] = "--homedir";
	av[2] = g->transport;
	av[3] = cmd;
	av[4] = "/bye";
	av[5] = NULL;
	memset(&a, 0, sizeof(a));
	memset(&ls, 0, sizeof(ls));
	ls.buf = line;
	ls.cap = sizeof(line);
	to.l = &ls;
	to.fn = agentline;
	to.arg = &a;
	memset(&b, 0, sizeof(b));
	b.out = agentout;
	b.outarg = &to;
	b.st = nostatus;
	b.errtail = errtail;
	b.errcap = sizeof(errtail);
	r = brun(g, path, av, -1, &b);
	if (r != RUN_DONE)
		return brunerr(g, r, "gpg-connect-agent", err, errlen);
	if (WIFEXITED(b.ws) && WEXITSTATUS(b.ws) == 0 && a.ok)
		return GPG_OK;
	if (WIFEXITED(b.ws) && WEXITSTATUS(b.ws) == 0 && a.errline) {
		snprintf(err, errlen, "the gpg-agent of %s does not hold the "
		    "key %s", g->transport, grip);
		return GPG_EKEY;
	}
	run_describe(err, errlen, "the gpg-agent of the transport home cannot "
	    "be reached: gpg-connect-agent", b.ws, errtail);
	return GPG_ERUN;
}
