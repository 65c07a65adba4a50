/*
 * pgpsendmail: a sendmail that encrypts.
 *
 * This file is the command line: the options of Sendmail and Postfix, the
 * name we were called by, the mode, and the exit status.  The story of
 * one message is in send.c; -bv is in verify.c, -bs in smtp.c.
 *
 * Helpers report; main() alone decides the exit status (sysexits.h).
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <ctype.h>
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
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include "backend.h"
#include "gateway.h"
#include "input.h"
#include "keycache.h"
#include "keymap.h"
#include "msg.h"
#include "queue.h"
#include "report.h"
#include "send.h"
#include "smtp.h"
#include "text.h"
#include "verify.h"

enum mode {
	MODE_DELIVER,	/* -bm: the default */
	MODE_VERIFY,	/* -bv */
	MODE_SMTP,	/* -bs */
	MODE_QUEUE,	/* -bp, mailq */
	MODE_ALIASES,	/* -bi, -I, newaliases */
	MODE_RUNQ,	/* -q */
	MODE_OWNQ,	/* --run-own-queue: -q without the real sendmail's */
	MODE_KCACHE,	/* --key-cache: the key cache made fresh, if not */
	MODE_GATEWAY	/* --gateway: LMTP for the MTA's content filter */
};

struct opts {
	enum mode	  mode;
	int		  t;		/* recipients from the header */
	int		  i;		/* a "." line does not end the message */
	int		  oem, oee;	/* mail refusals back to the sender */
	const char	 *sender;	/* -f, -r */
	struct passon	  pass;		/* what may go on to the real sendmail */
	char		  od[8];	/* "-odb"... */
	char		  q[32];	/* "-q30m"... */
	char		**operands;
	int		  noperands;
};

static struct input	in;
static int		reading;	/* stdin is ours to drain on exit */
static int		lmtp;		/* stdout is an LMTP client's */

static void	die(int, const char *, ...)
		    __attribute__((noreturn, format(printf, 2, 3)));

#ifndef VERSION
#define VERSION	"unknown"
#endif

#define USAGE \
	"usage: pgpsendmail [-it] [-B type] [-F fullname] [-f sender] " \
	"[-N dsn]\n" \
	"                   [-o option] [-R ret] [-V envid] [--] " \
	"[recipient ...]\n" \
	"       pgpsendmail -bv [-t] [recipient ...]\n" \
	"       pgpsendmail -bs\n" \
	"       pgpsendmail -bp | -bi | -q[time]\n" \
	"       pgpsendmail --run-own-queue | --key-cache | --gateway\n" \
	"       pgpsendmail --key-report [--mail address]\n"

/* --help and --version, alone, before anything else is read. */
static void
longopt(int argc, char *argv[])
{
	if (argc != 2)
		return;
	if (strcmp(argv[1], "--help") == 0) {
		fputs(USAGE, stdout);
		fputs("See pgpsendmail(8) and pgpsendmail.conf(5).\n", stdout);
		exit(fflush(stdout) == 0 ? EX_OK : EX_IOERR);
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("pgpsendmail " VERSION);
		exit(fflush(stdout) == 0 ? EX_OK : EX_IOERR);
	}
}

/*
 * --key-report [--mail address], alone: 1 (and the address, or NULL, in
 * *mailto) if that is the command line, 0 if it is not about that.
 */
static int
keyreportopt(int argc, char *argv[], const char **mailto)
{
	*mailto = NULL;
	if (argc < 2 || strcmp(argv[1], "--key-report") != 0)
		return 0;
	if (argc == 4 && strcmp(argv[2], "--mail") == 0)
		*mailto = argv[3];
	else if (argc != 2) {
		die(EX_USAGE, "--key-report takes only --mail address "
		    "(pgpsendmail --help lists the options)");
	}
	return 1;
}

/* Leave without sending: let the caller finish writing, wipe, exit. */
static void __attribute__((noreturn))
leave(int ex)
{
	if (reading)
		input_drain(&in);
	input_wipe(&in);
	exit(ex);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int ex, const char *fmt, ...)
{
	va_list	ap;
	char	msg[ERRLEN];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pgpsendmail: %s\n", msg);
	syslog(LOG_NOTICE, "refused (%d): %s", ex, msg);
	/* The MTA tries again later: a config error is never for good. */
	if (lmtp) {
		printf("421 4.3.0 pgpsendmail: %s\r\n", msg);
		fflush(stdout);
	}
	leave(ex);
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
	int		fd, fl;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			exit(EX_OSERR);
	closefrom(3);
	/* A caller's non-blocking stdin would read as EAGAIN: we wait. */
	if ((fl = fcntl(0, F_GETFL)) != -1 && (fl & O_NONBLOCK))
		fcntl(0, F_SETFL, fl & ~O_NONBLOCK);
	setrlimit(RLIMIT_CORE, &rl);
	signal(SIGPIPE, SIG_IGN);
	/* Ignored SIGCHLD would reap gpg and the backend before we can. */
	signal(SIGCHLD, SIG_DFL);
	/* Set-group-id, the queue is the group's: entries 0660, dirs 0770. */
	umask(getegid() != getgid() ? 007 : 077);
	openlog("pgpsendmail", LOG_PID, LOG_MAIL);
}

/* Does s have only characters of set, and at most max of them? */
static int
onlyof(const char *s, const char *set, size_t max)
{
	size_t	n = strlen(s);

	return n > 0 && n <= max && strspn(s, set) == n;
}

#define ALPHA	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* -o with its value: -oi, -oem, -odb...; the rest is dropped. */
static void
oflag(struct opts *o, const char *v)
{
	if (strcmp(v, "i") == 0)
		o->i = 1;
	else if (strcmp(v, "em") == 0)
		o->oem = 1, o->oee = 0;
	else if (strcmp(v, "ee") == 0)
		o->oee = 1, o->oem = 0;
	else if (v[0] == 'e')
		o->oem = o->oee = 0;	/* print, write, quiet: stderr */
	else if (v[0] == 'd' && backend_optok('d', v + 1)) {
		snprintf(o->od, sizeof(o->od), "-o%s", v);
		o->pass.deliverymode = o->od;
	}
}

static void
bflag(struct opts *o, const char *v)
{
	if (strcmp(v, "m") == 0)
		o->mode = MODE_DELIVER;
	else if (strcmp(v, "v") == 0)
		o->mode = MODE_VERIFY;
	else if (strcmp(v, "s") == 0)
		o->mode = MODE_SMTP;
	else if (strcmp(v, "p") == 0)
		o->mode = MODE_QUEUE;
	else if (strcmp(v, "i") == 0)
		o->mode = MODE_ALIASES;
	else
		die(EX_USAGE, "-b%s: not supported", v);
}

/*
 * The options of Sendmail and Postfix.  Parsing stops at the first
 * operand, as theirs does.  What the real sendmail must not see is
 * accepted and dropped; values that go on are checked first, by the rule
 * -q checks a queue entry by (backend_optok).
 */
static void
parseopts(int argc, char *argv[], struct opts *o)
{
	static const char optstr[] = "+A:B:b:C:d:F:f:Gh:IiL:mN:nO:o:p:q::R:r:"
	    "tUV:vX:";
	const char	*name;
	int		 c, fd;

	memset(o, 0, sizeof(*o));
	name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (strcmp(name, "mailq") == 0)
		o->mode = MODE_QUEUE;
	else if (strcmp(name, "newaliases") == 0)
		o->mode = MODE_ALIASES;
	/* Alone, as --help is: for timers, which must not run the MTA's. */
	if (argc == 2 && strcmp(argv[1], "--run-own-queue") == 0) {
		o->mode = MODE_OWNQ;
		o->operands = argv + 2;
		return;
	}
	if (argc == 2 && strcmp(argv[1], "--gateway") == 0) {
		o->mode = MODE_GATEWAY;
		o->operands = argv + 2;
		/*
		 * spawn(8) connects stderr to the client too: from here on
		 * what we have to say goes to syslog and into replies.
		 */
		lmtp = 1;
		if ((fd = open("/dev/null", O_WRONLY)) == -1 ||
		    dup2(fd, 2) == -1)
			exit(EX_OSERR);
		if (fd != 2)
			close(fd);
		return;
	}
	if (argc == 2 && strcmp(argv[1], "--key-cache") == 0) {
		o->mode = MODE_KCACHE;
		o->operands = argv + 2;
		return;
	}
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
			if (!backend_optok(c, optarg))
				die(EX_USAGE, "-F: line break in the full "
				    "name");
			o->pass.fullname = optarg;
			break;
		case 'o':
			oflag(o, optarg);
			break;
		case 'b':
			bflag(o, optarg);
			break;
		case 'I':
			o->mode = MODE_ALIASES;
			break;
		case 'q':
			o->mode = MODE_RUNQ;
			if (optarg != NULL && !onlyof(optarg, ALPHA
			    "0123456789!@._-", sizeof(o->q) - 3))
				die(EX_USAGE, "-q%s: bad value", optarg);
			snprintf(o->q, sizeof(o->q), "-q%s",
			    optarg ? optarg : "");
			break;
		case 'B':
		case 'N':
		case 'R':
		case 'V':
			(void)backend_keep(&o->pass, c, optarg);
			break;
		case '?':
			if (optopt != 0 && strchr(optstr, optopt) != NULL)
				die(EX_USAGE, "-%c needs a value (pgpsendmail "
				    "--help lists the options)", optopt);
			die(EX_USAGE, "unknown option -%c (pgpsendmail --help "
			    "lists the options)", optopt ? optopt : '?');
		default:
			break;	/* accepted and dropped */
		}
	}
	o->operands = argv + optind;
	o->noperands = argc - optind;
}

/*
 * --key-cache, for timers and after key imports: -bi's key cache, built
 * only when a send would not use the one there is (missing, stale,
 * doubtful), and without the real sendmail's -bi.
 */
static void __attribute__((noreturn))
keycachecmd(const struct conf *c)
{
	struct kcstate	st;
	char		err[ERRLEN];

	if (getuid() != 0 || geteuid() != 0)
		die(EX_NOPERM, "--key-cache: only root builds the key cache");
	if (c->keycache == NULL || keycache_fresh(c, &st))
		leave(EX_OK);
	if (keycache_build(c, err, sizeof(err)) == -1) {
		syslog(LOG_WARNING, "key cache not built: %s", err);
		die(EX_CANTCREAT, "key cache not built: %s", err);
	}
	leave(EX_OK);
}

/*
 * -bp, -bi, -q: our own queue first (listed, or run), then the real
 * sendmail's own business, with that one option.  --run-own-queue: our
 * own queue alone (the real sendmail's -q, run every few minutes by a
 * timer, is more than its authors advise).
 */
static void __attribute__((noreturn))
passthrough(const struct conf *c, const struct opts *o, const char *host)
{
	const char	*args[2] = { NULL, NULL };
	char		 err[ERRLEN];
	struct stat	 st;
	int		 run, built = 1;

	if (o->mode == MODE_QUEUE && queue_list(c, err, sizeof(err)) != EX_OK)
		printf("-- pgpsendmail queue: %s --\n", err);
	/*
	 * -bi, as root: the key cache, as postmap builds its tables.  A
	 * cache that cannot be built costs speed, not mail: say so, and
	 * run the real sendmail's -bi all the same.
	 */
	if (o->mode == MODE_ALIASES && getuid() == 0 && geteuid() == 0 &&
	    keycache_build(c, err, sizeof(err)) == -1) {
		fprintf(stderr, "pgpsendmail: key cache not built: %s\n", err);
		syslog(LOG_WARNING, "key cache not built: %s", err);
		built = 0;
	}
	/*
	 * Set-id, the queue holds every user's mail: only root, or whoever
	 * owns the spool, may have it handed on through a real sendmail
	 * that runs as they do.
	 */
	run = o->mode == MODE_RUNQ || o->mode == MODE_OWNQ;
	if (run && getegid() != getgid() && getuid() != 0 &&
	    (stat(c->spool, &st) == -1 || st.st_uid != getuid()))
		die(EX_NOPERM, "%s: only root or the spool's owner may run the "
		    "queue", o->mode == MODE_OWNQ ? "--run-own-queue" : "-q");
	if (run && queue_run(c, host, err, sizeof(err)) != EX_OK)
		die(EX_CANTCREAT, "queue run: %s", err);
	fflush(stdout);
	if (o->mode == MODE_OWNQ || !backend_modes(c))
		leave(built ? EX_OK : EX_CANTCREAT);

	args[0] = o->mode == MODE_QUEUE ? "-bp" : o->mode == MODE_ALIASES ?
	    "-bi" : o->q;
	backend_exec(c, args);
	die(EX_UNAVAILABLE, "cannot run %s: %s", c->sendmail[0],
	    strerror(errno));
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	struct conf	 conf;
	struct keymap	 km;
	struct msg	 m;
	struct passwd	*pw;
	const char	*why, *mailto;
	char		 err[ERRLEN], login[64], host[256];
	int		 r, ex, setid, report;

	sanitize();
	longopt(argc, argv);
	if (!(report = keyreportopt(argc, argv, &mailto)))
		parseopts(argc, argv, &o);
	if ((pw = getpwuid(getuid())) != NULL)
		strlcpy(login, pw->pw_name, sizeof(login));
	else
		snprintf(login, sizeof(login), "%lu", (unsigned long)getuid());
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';

	/* Installed set-id, the caller's environment redirects nothing. */
	setid = getuid() != geteuid() || getgid() != getegid();
	if (conf_load(&conf, setid ? NULL : getenv("PGPSENDMAIL_CONF"), err,
	    sizeof(err)) == -1)
		die(EX_CONFIG, "%s", err);
	/*
	 * The report goes to the real sendmail in clear, past the keymap:
	 * the timer's root only, not any caller of a set-id install.
	 */
	if (report && mailto != NULL && getuid() != 0)
		die(EX_NOPERM, "--key-report --mail: only root may mail the "
		    "report");
	if (report)
		leave(key_report(&conf, host, mailto));
	if (o.mode == MODE_KCACHE)
		keycachecmd(&conf);
	if (o.mode == MODE_QUEUE || o.mode == MODE_ALIASES ||
	    o.mode == MODE_RUNQ || o.mode == MODE_OWNQ)
		passthrough(&conf, &o, host);
	if (keymap_load(&km, conf.keymap, err, sizeof(err)) == -1)
		die(EX_CONFIG, "%s", err);

	msg_init(&m, &conf, &km, &o.pass, host, login);
	if (o.sender != NULL && msg_sender(&m, o.sender) != EX_OK)
		leave(EX_USAGE);
	for (r = 0; r < o.noperands; r++)
		if ((why = msg_rcpt(&m, o.operands[r])) != NULL)
			die(EX_USAGE, "%s: %s", safestr(o.operands[r], err,
			    80), why);
	m.t = o.t;
	m.in = &in;
	/* Every mode leaves through leave(): the plaintext read is wiped. */
	switch (o.mode) {
	case MODE_VERIFY:
		input_init(&in, 0, !o.i);
		reading = o.t;
		ex = verify(&m);
		msg_reset(&m);
		leave(ex);
	case MODE_SMTP:
		input_init(&in, 0, 1);
		ex = smtp_serve(&m, &in);
		msg_reset(&m);
		leave(ex);
	case MODE_GATEWAY:
		input_init(&in, 0, 1);
		ex = gateway_serve(&m, &in);
		msg_reset(&m);
		leave(ex);
	default:
		break;
	}

	input_init(&in, 0, !o.i);
	reading = 1;
	ex = msg_send(&m);
	msg_log(&m, ex);
	if (ex != EX_OK && (o.oem || o.oee) && msg_notice(&m) == EX_OK &&
	    o.oee)
		ex = EX_OK;	/* -oee: the sender has been told */
	msg_reset(&m);
	leave(ex);
}
