/*
 * pgpsendmail: a sendmail that encrypts.
 *
 * The story of one message: read the options and the configuration; read
 * the header section; work out the recipients; look up each one's keymap
 * line and keys; make every output (one PGP/MIME message for those who
 * get ciphertext, one copy for those the keymap says get it plain) in an
 * anonymous 0600 file, streaming the body through gpg; and only when all
 * of them are complete, hand each to the real sendmail.  Any failure
 * before that point sends nothing to anyone.
 *
 * Helpers report; main() alone decides the exit status (sysexits.h).
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "gpg.h"
#include "input.h"
#include "keymap.h"
#include "rfc5322.h"
#include "spool.h"

struct opts {
	int		  t;		/* recipients from the header */
	int		  i;		/* a "." line does not end the message */
	const char	 *sender;	/* -f, -r */
	const char	 *fullname;	/* -F */
	char		**operands;
	int		  noperands;
};

struct rcpt {
	char			 addr[ADDR_MAX + 1];
	const struct keymap_entry *e;
	struct keyquery		*q;	/* for ACT_KEYRING */
};

struct rcpts {
	struct rcpt	*r;
	size_t		 n;
};

/* What gpg reads: the inner header, then the body as it arrives. */
struct feed {
	const char	*pre;
	size_t		 prelen;
	int		 predone;
	struct input	*in;
	int		 plainfd;	/* a copy goes here, or -1 */
	int		 werr;		/* errno of a failed copy */
};

static struct input	 in;
static int		 reading;	/* stdin is ours to drain on exit */

/* Leave without sending: let the caller finish writing, wipe, exit. */
static void __attribute__((noreturn))
leave(int ex)
{
	if (reading)
		input_drain(&in);
	explicit_bzero(&in, sizeof(in));
	exit(ex);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int ex, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fprintf(stderr, "pgpsendmail: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	leave(ex);
}

/* Short, printable: hostile input goes into error lines through this. */
static const char *
shown(const char *s, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 4 < len; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ?
		    '?' : s[i];
	if (s[i] != '\0')
		memcpy(buf + i, "...", 3), i += 3;
	buf[i] = '\0';
	return buf;
}

/*
 * Known fds, no core files (they would hold plaintext), files only for
 * us.  Descriptors 0-2 are made valid so that nothing we open lands on
 * them; the rest inherited from the caller are closed.
 */
static void
sanitize(void)
{
	struct rlimit	rl = { 0, 0 };
	int		fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			exit(EX_OSERR);
	closefrom(3);
	setrlimit(RLIMIT_CORE, &rl);
	signal(SIGPIPE, SIG_IGN);
	umask(077);
}

/*
 * The options of Sendmail and Postfix.  Parsing stops at the first
 * operand, as theirs does.  What the real sendmail must not see is
 * accepted and dropped.
 */
static void
parseopts(int argc, char *argv[], struct opts *o)
{
	static const char optstr[] = "+A:B:b:C:d:F:f:Gh:IiL:mN:nO:o:p:q::R:r:"
	    "tUV:vX:";
	int	c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt(argc, argv, optstr)) != -1) {
		switch (c) {
		case 't':
			o->t = 1;
			break;
		case 'i':
			o->i = 1;
			break;
		case 'f':
		case 'r':
			o->sender = optarg;
			break;
		case 'F':
			o->fullname = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "i") == 0)
				o->i = 1;
			break;
		case 'b':
			if (strcmp(optarg, "m") != 0)
				die(EX_USAGE, "-b%s: not supported", optarg);
			break;
		case 'q':
		case 'I':
			die(EX_USAGE, "-%c: not supported", c);
		case '?':
			if (optopt != 0 && strchr(optstr, optopt) != NULL)
				die(EX_USAGE, "-%c needs a value", optopt);
			die(EX_USAGE, "unknown option -%c", optopt ?
			    optopt : '?');
		default:
			break;	/* accepted and dropped */
		}
	}
	o->operands = argv + optind;
	o->noperands = argc - optind;
}

static int
addrcpt(struct rcpts *rs, const char *addr)
{
	struct rcpt	*nr;
	size_t		 i;

	for (i = 0; i < rs->n; i++)
		if (strcasecmp(rs->r[i].addr, addr) == 0)
			return 0;
	if ((nr = reallocarray(rs->r, rs->n + 1, sizeof(*nr))) == NULL)
		return -1;
	rs->r = nr;
	memset(&rs->r[rs->n], 0, sizeof(*nr));
	strlcpy(rs->r[rs->n].addr, addr, sizeof(nr->addr));
	rs->n++;
	return 0;
}

/* Add every address of one list; NULL, or why it is malformed. */
static const char *
addlist(struct rcpts *rs, const char *list)
{
	struct addrlist	 al;
	char		 addr[ADDR_MAX + 1];
	const char	*why = NULL;
	int		 r;

	addrlist_init(&al, list);
	while ((r = addrlist_next(&al, addr, sizeof(addr), &why)) == 1)
		if (addrcpt(rs, addr) == -1)
			die(EX_OSERR, "%s", strerror(errno));
	return r == -1 ? why : NULL;
}

/*
 * With -t: To, Cc and Bcc; but if the first Resent block (the newest,
 * at the top) names recipients, only those.
 */
static void
headerrcpts(const struct hdr *h, struct rcpts *rs)
{
	static const char *const plain[] = { "To", "Cc", "Bcc" };
	static const char *const resent[] = {
		"Resent-To", "Resent-Cc", "Resent-Bcc"
	};
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
		/* A field the block already has starts an older block. */
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
	if (names == plain)
		first = 0, last = h->n;
	for (i = first; i < last; i++)
		for (k = 0; k < 3; k++) {
			if (!hdr_is(h, i, names[k]))
				continue;
			if ((v = hdr_value(h, i)) == NULL)
				die(EX_OSERR, "%s", strerror(errno));
			if ((why = addlist(rs, v)) != NULL)
				die(EX_DATAERR, "%s: %s: %s", names[k],
				    shown(v, buf, sizeof(buf)), why);
			free(v);
		}
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

/* From, Date and Message-ID, as the MTA would add them. */
static void
addheaders(struct hdr *h, const char *from, const char *fullname,
    const char *host)
{
	char		 buf[2 * ADDR_MAX + 64], date[64], *w;
	const char	*p;
	time_t		 now = time(NULL);
	struct tm	*tm = localtime(&now);
	int		 ok = 0;

	if (!hashdr(h, "From")) {
		if (fullname != NULL) {
			w = buf;
			*w++ = '"';
			for (p = fullname; *p && w < buf + ADDR_MAX; p++) {
				if (*p == '"' || *p == '\\')
					*w++ = '\\';
				*w++ = *p;
			}
			snprintf(w, buf + sizeof(buf) - w, "\" <%s>", from);
		} else
			snprintf(buf, sizeof(buf), "%s", from);
		ok |= hdr_add(h, "From", buf);
	}
	if (tm == NULL || strftime(date, sizeof(date),
	    "%a, %d %b %Y %H:%M:%S %z", tm) == 0)
		die(EX_OSERR, "cannot format the date");
	if (!hashdr(h, "Date"))
		ok |= hdr_add(h, "Date", date);
	if (!hashdr(h, "Message-ID")) {
		strftime(date, sizeof(date), "%Y%m%d%H%M%S", tm);
		snprintf(buf, sizeof(buf), "<%s.%08x%08x@%s>", date,
		    arc4random(), arc4random(), host);
		ok |= hdr_add(h, "Message-ID", buf);
	}
	if (ok != 0)
		die(EX_DATAERR, "header section too large");
}

static ssize_t
feed(void *ctx, const char **p)
{
	struct feed	*f = ctx;
	ssize_t		 n;

	if (!f->predone) {
		f->predone = 1;
		*p = f->pre;
		n = f->prelen;
	} else {
		if ((n = input_fill(f->in)) <= 0)
			return n;
		*p = f->in->p;
		f->in->p += n;
		f->in->n = 0;
	}
	if (f->plainfd != -1 && spool_write(f->plainfd, *p, n) == -1) {
		f->werr = errno;
		return -1;
	}
	return n;
}

/*
 * Hand one output to the real sendmail and wait.  Recipients follow "--",
 * so that none can be read as an option.  A failed exec comes back
 * through a close-on-exec pipe.
 */
static int
handoff(const struct conf *c, const struct opts *o, const char *sender,
    int fd, const char **rcpt, size_t n, char *err, size_t errlen)
{
	static char *const env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
	};
	const char	**av;
	size_t		  i, k = 0;
	pid_t		  pid;
	int		  ep[2], ws, eno;
	ssize_t		  r;

	if ((av = calloc(c->nsendmail + n + 8, sizeof(*av))) == NULL ||
	    pipe2(ep, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(av);
		return EX_OSERR;
	}
	av[k++] = "sendmail";
	for (i = 1; i < c->nsendmail; i++)
		av[k++] = c->sendmail[i];
	av[k++] = "-i";
	av[k++] = "-f";
	av[k++] = sender;
	if (o->fullname != NULL) {
		av[k++] = "-F";
		av[k++] = o->fullname;
	}
	av[k++] = "--";
	for (i = 0; i < n; i++)
		av[k++] = rcpt[i];
	av[k] = NULL;
	if (lseek(fd, 0, SEEK_SET) == -1 || (pid = fork()) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(av);
		close(ep[0]);
		close(ep[1]);
		return EX_OSERR;
	}
	if (pid == 0) {
		close(ep[0]);
		if (dup2(fd, 0) == -1 || (ep[1] != 3 && (dup2(ep[1], 3) == -1 ||
		    fcntl(3, F_SETFD, FD_CLOEXEC) == -1)))
			_exit(127);
		closefrom(4);
		signal(SIGPIPE, SIG_DFL);
		execve(c->sendmail[0], (char *const *)av, env);
		eno = errno;
		write(3, &eno, sizeof(eno));
		_exit(127);
	}
	free(av);
	close(ep[1]);
	while ((r = read(ep[0], &eno, sizeof(eno))) == -1 && errno == EINTR)
		;
	close(ep[0]);
	while (waitpid(pid, &ws, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return EX_OSERR;
		}
	if (r == sizeof(eno)) {
		snprintf(err, errlen, "cannot run %s: %s", c->sendmail[0],
		    strerror(eno));
		return EX_UNAVAILABLE;
	}
	if (WIFSIGNALED(ws)) {
		snprintf(err, errlen, "%s killed by signal %d",
		    c->sendmail[0], WTERMSIG(ws));
		return EX_UNAVAILABLE;
	}
	if (WEXITSTATUS(ws) != 0) {
		snprintf(err, errlen, "%s exited with status %d",
		    c->sendmail[0], WEXITSTATUS(ws));
		return EX_UNAVAILABLE;
	}
	return EX_OK;
}

/*
 * gpg refused a fingerprint the keymap names.  Say whose it is and why,
 * from the keyring's own listing when it has one: this costs a gpg run
 * only when sending has already failed.
 */
static void __attribute__((noreturn))
badkey(const struct gpg *g, const struct rcpts *rs, const struct gpgjob *job,
    const char *gpgerr)
{
	struct keyquery	 kq;
	char		 err[ERRLEN], why[128];
	size_t		 i, k;

	memset(&kq, 0, sizeof(kq));
	kq.addr = job->badrcpt;
	kq.byfpr = 1;
	snprintf(why, sizeof(why), "%s: key %s", gpg_invrecp(job->badreason),
	    job->badrcpt);
	if (gpg_findkeys(g, &kq, 1, err, sizeof(err)) == GPG_OK &&
	    kq.nfprs == 0 && strcmp(kq.why, "no key") != 0)
		snprintf(why, sizeof(why), "%s", kq.why);
	free(kq.fprs);
	for (i = 0; i < rs->n; i++)
		for (k = 0; k < rs->r[i].e->nfprs; k++)
			if (strcasecmp(rs->r[i].e->fprs[k], job->badrcpt) == 0)
				die(EX_NOUSER, "%s: no usable key (%s)",
				    rs->r[i].addr, why);
	die(EX_NOUSER, "%s", gpgerr);
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	struct conf	 conf;
	struct keymap	 km;
	struct hdr	 h;
	struct rcpts	 rs = { NULL, 0 };
	struct keyquery	*q = NULL;
	struct gpg	 g;
	struct gpgjob	 job;
	struct feed	 f;
	struct passwd	*pw;
	const char	**encr = NULL, **plainr = NULL, *why, *sender;
	char		 err[ERRLEN], login[64], host[256], from[ADDR_MAX + 300];
	char		 boundary[64], buf[80], **fprs = NULL;
	size_t		 i, k, nq = 0, nencr = 0, nplainr = 0, nfprs = 0;
	int		 r, bad = 0, encfd = -1, plainfd = -1;

	sanitize();
	parseopts(argc, argv, &o);

	if ((pw = getpwuid(getuid())) != NULL)
		strlcpy(login, pw->pw_name, sizeof(login));
	else
		snprintf(login, sizeof(login), "%lu", (unsigned long)getuid());
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	if (o.fullname != NULL && strpbrk(o.fullname, "\r\n") != NULL)
		die(EX_USAGE, "-F: line break in the full name");
	if (o.sender != NULL && (strcmp(o.sender, "") == 0 ||
	    strcmp(o.sender, "<>") == 0))
		sender = "<>";
	else if (o.sender != NULL) {
		if ((why = addr_check(o.sender)) != NULL)
			die(EX_USAGE, "-f %s: %s", shown(o.sender, buf,
			    sizeof(buf)), why);
		sender = o.sender;
	} else
		sender = login;
	if (strchr(sender, '@') != NULL || strcmp(sender, "<>") == 0)
		snprintf(from, sizeof(from), "%s", strcmp(sender, "<>") ?
		    sender : login);
	else
		snprintf(from, sizeof(from), "%s@%s", sender, host);

	if (conf_load(&conf, getenv("PGPSENDMAIL_CONF"), err,
	    sizeof(err)) == -1)
		die(EX_CONFIG, "%s", err);
	if (keymap_load(&km, conf.keymap, err, sizeof(err)) == -1)
		die(EX_CONFIG, "%s", err);

	/* The header section, and who the message is for. */
	input_init(&in, 0, !o.i);
	reading = 1;
	switch (hdr_read(&h, &in)) {
	case HDR_ETOOBIG:
		die(EX_DATAERR, "header section too large (over %d bytes or "
		    "%d fields)", HDR_MAXBYTES, HDR_MAXFIELDS);
	case HDR_ENUL:
		die(EX_DATAERR, "NUL byte in the header section");
	case HDR_EREAD:
		die(EX_IOERR, "reading the message: %s", strerror(errno));
	}
	addheaders(&h, from, o.fullname, host);
	for (r = 0; r < o.noperands; r++)
		if ((why = addlist(&rs, o.operands[r])) != NULL)
			die(EX_USAGE, "%s: %s", shown(o.operands[r], buf,
			    sizeof(buf)), why);
	if (o.t)
		headerrcpts(&h, &rs);
	if (rs.n == 0)
		die(EX_USAGE, "no recipients");

	/* Each recipient's keymap line; then one keyring lookup for all. */
	for (i = 0; i < rs.n; i++) {
		rs.r[i].e = keymap_lookup(&km, rs.r[i].addr);
		if (rs.r[i].e->action == ACT_KEYRING)
			nq++;
	}
	g.path = conf.gpg;
	g.home = conf.gnupghome;
	if (nq > 0) {
		if ((q = calloc(nq, sizeof(*q))) == NULL)
			die(EX_OSERR, "%s", strerror(errno));
		for (i = 0, k = 0; i < rs.n; i++)
			if (rs.r[i].e->action == ACT_KEYRING) {
				rs.r[i].q = &q[k];
				q[k++].addr = rs.r[i].addr;
			}
		if (gpg_findkeys(&g, q, nq, err, sizeof(err)) != GPG_OK)
			die(EX_UNAVAILABLE, "%s", err);
	}
	if ((encr = calloc(rs.n, sizeof(*encr))) == NULL ||
	    (plainr = calloc(rs.n, sizeof(*plainr))) == NULL)
		die(EX_OSERR, "%s", strerror(errno));
	for (i = 0; i < rs.n; i++) {
		const struct rcpt *rc = &rs.r[i];
		char **keys = rc->e->fprs;
		size_t nkeys = rc->e->nfprs;

		switch (rc->e->action) {
		case ACT_REJECT:
			fprintf(stderr, "pgpsendmail: %s: rejected by keymap "
			    "(%s:%zu)\n", rc->addr, rc->e->file, rc->e->line);
			bad = 1;
			continue;
		case ACT_PLAIN:
			plainr[nplainr++] = rc->addr;
			continue;
		case ACT_KEYRING:
			if (rc->q->nfprs == 0) {
				fprintf(stderr, "pgpsendmail: %s: no usable "
				    "key (%s)\n", rc->addr, rc->q->why);
				bad = 1;
				continue;
			}
			keys = NULL;
			nkeys = rc->q->nfprs;
			break;
		case ACT_KEYS:
			break;
		}
		encr[nencr++] = rc->addr;
		for (k = 0; k < nkeys; k++) {
			const char *fp = keys ? keys[k] : rc->q->fprs[k];
			size_t j;

			for (j = 0; j < nfprs && strcmp(fprs[j], fp); j++)
				;
			if (j < nfprs)
				continue;
			if ((fprs = reallocarray(fprs, nfprs + 1,
			    sizeof(*fprs))) == NULL)
				die(EX_OSERR, "%s", strerror(errno));
			fprs[nfprs++] = (char *)fp;
		}
	}
	if (bad)
		leave(EX_NOUSER);	/* each recipient has had its line */

	/*
	 * Make every output.  The plaintext of those who get ciphertext
	 * only passes through pipes; the files hold ciphertext, or the
	 * copy the keymap says is plain.
	 */
	if (nplainr > 0 && (plainfd = spool_open(conf.spool, err,
	    sizeof(err))) == -1)
		die(EX_IOERR, "%s", err);
	memset(&f, 0, sizeof(f));
	f.in = &in;
	f.plainfd = plainfd;
	if ((f.pre = hdr_inner(&h, &f.prelen)) == NULL)
		die(EX_OSERR, "%s", strerror(errno));
	if (nencr > 0) {
		snprintf(boundary, sizeof(boundary), "pgpsendmail-%08x%08x",
		    arc4random(), arc4random());
		if ((encfd = spool_open(conf.spool, err, sizeof(err))) == -1)
			die(EX_IOERR, "%s", err);
		if (pgpmime_begin(encfd, &h, boundary) == -1)
			die(EX_IOERR, "writing the ciphertext: %s",
			    strerror(errno));
		memset(&job, 0, sizeof(job));
		job.fprs = fprs;
		job.nfprs = nfprs;
		job.outfd = encfd;
		r = gpg_encrypt(&g, &job, 1, feed, &f, err, sizeof(err));
		if (f.werr != 0)
			die(EX_IOERR, "writing the plain copy: %s",
			    strerror(f.werr));
		if (r == GPG_EKEY)
			badkey(&g, &rs, &job, err);
		if (r == GPG_EIO)
			die(EX_IOERR, "%s", err);
		if (r == GPG_EOS)
			die(EX_OSERR, "%s", err);
		if (r != GPG_OK)
			die(EX_UNAVAILABLE, "%s", err);
		if (pgpmime_end(encfd, boundary) == -1)
			die(EX_IOERR, "writing the ciphertext: %s",
			    strerror(errno));
	} else {
		const char *p;
		ssize_t n;

		while ((n = feed(&f, &p)) > 0)
			;
		if (n == -1 && f.werr != 0)
			die(EX_IOERR, "writing the plain copy: %s",
			    strerror(f.werr));
		if (n == -1)
			die(EX_IOERR, "reading the message: %s",
			    strerror(errno));
	}
	explicit_bzero((char *)f.pre, f.prelen);

	/* Every output is complete: from here on, hand them over. */
	if (nencr > 0 && (r = handoff(&conf, &o, sender, encfd, encr, nencr,
	    err, sizeof(err))) != EX_OK)
		die(r, "%s", err);
	if (nplainr > 0 && (r = handoff(&conf, &o, sender, plainfd, plainr,
	    nplainr, err, sizeof(err))) != EX_OK) {
		if (nencr > 0)
			die(r, "%s (the encrypted copy was already sent to "
			    "%zu recipient%s)", err, nencr, nencr > 1 ? "s" :
			    "");
		die(r, "%s", err);
	}
	input_drain(&in);
	explicit_bzero(&in, sizeof(in));
	return EX_OK;
}
