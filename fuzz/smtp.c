/*
 * fuzz/smtp.c: libFuzzer harness for the -bs dialogue (smtp.c) and what
 * it drives in send.c, msg.c and out.c: recipients and their hash, the keymap,
 * the plan of outputs, DATA.
 *
 * The input is what the client sends.  gpg and the real sendmail are
 * stand-ins linked in here (gpg_findkeys, gpg_encrypt, gpg_invrecp,
 * keycache_find with no cache, backend_*): spawning gpg for each lookup
 * would allow a few executions a second.  The stand-in keyring decides
 * by the address: a local part that begins with "nokey" has no key,
 * "badkey" one that gpg_encrypt then refuses, "twokeys" two; one that
 * holds "gpgfail" makes the lookup fail.  A fingerprint that begins with
 * DEAD has no key.  The stand-in sendmail fails for a sender whose local
 * part begins with "tempfail".
 * Input that begins with HELO runs with the second configuration (bcc
 * hidden, no encrypt-to), any other with the first.
 *
 * The replies go to a memory file on fd 1 (and to stderr too with
 * SMTP_FUZZ_SHOW set in the environment).  Each time a command is to be
 * read (input_line is wrapped at link time, -Wl,--wrap=input_line) and
 * at the end, the harness checks the reply to the last command, and
 * aborts if any of these fails:
 * - the reply lines: "NNN " or "NNN-", at most 512 bytes with CRLF, no
 *   bare CR or LF;
 * - a RCPT answered 250 added at most one recipient, which is found, and
 *   had exactly one address in its path; one answered otherwise changed
 *   no recipient;
 * - a DATA answered 250 handed every recipient to the sendmail exactly
 *   once, and nobody else;
 * - the recipients' hash, after a RCPT refused, before DATA and at the
 *   end (each look costs a lookup per recipient): every slot in use
 *   names a recipient, every recipient is found in its own slot, at
 *   most half the slots are used.
 */
#include <sys/mman.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "backend.h"
#include "gpg.h"
#include "input.h"
#include "keycache.h"
#include "keymap.h"
#include "msg.h"
#include "rfc5322.h"
#include "smtp.h"

#define LINEMAX	1024	/* smtp.c's CMDMAX */
/* The harness's own branches are no news to the fuzzer. */
#define NOCOV	__attribute__((no_sanitize("coverage")))
#define SENTMAX	(MAXRCPTS + 16)

ssize_t	__real_input_line(struct input *, char *, size_t);

static struct conf	conf[2];
static struct keymap	km;
static struct passon	pass;
static struct msg	M;
static int		outfd = -1;
static off_t		outoff;		/* replies checked so far */

static char		cmd[LINEMAX];	/* the command being answered */
static int		havecmd;
static size_t		nrbefore;	/* M.nr when it was read */
static char		lastbefore[ADDR_MAX + 1];	/* M's last then */

static char		(*sent)[ADDR_MAX + 1];	/* handed to the sendmail */
static size_t		nsent;
static char		(*want)[ADDR_MAX + 1];	/* M's recipients then */
static size_t		nwant;
static int		nosend;		/* a hand-off failed */
static int		show;		/* $SMTP_FUZZ_SHOW: replies to stderr */

/* gpg, stood in for */

static void
fakefpr(const char *s, char *fpr)
{
	uint64_t	h = 1469598103934665603ull;
	int		i;

	for (; *s; s++)
		h = (h ^ (unsigned char)tolower((unsigned char)*s)) *
		    1099511628211ull;
	for (i = 0; i < 40; i++) {
		fpr[i] = "0123456789ABCDEF"[h & 15];
		h = h * 6364136223846793005ull + 1442695040888963407ull;
	}
	fpr[40] = '\0';
}

static int
local(const char *addr, const char *prefix)
{
	return strncasecmp(addr, prefix, strlen(prefix)) == 0;
}

int
gpg_findkeys(const struct gpg *g, struct keyquery **q, size_t n, char *err,
    size_t errlen)
{
	size_t	i, k, nk;

	(void)g;
	for (i = 0; i < n; i++) {
		if (q[i]->keys != NULL || q[i]->nkeys != 0)
			abort();	/* looked up twice: the first leaks */
		if (!q[i]->byfpr && strcasestr(q[i]->addr, "gpgfail")) {
			snprintf(err, errlen, "gpg failed (stand-in)");
			return GPG_ERUN;
		}
	}
	for (i = 0; i < n; i++) {
		if (q[i]->byfpr)
			nk = strncasecmp(q[i]->addr, "DEAD", 4) != 0;
		else
			nk = local(q[i]->addr, "nokey") ? 0 :
			    local(q[i]->addr, "twokeys") ? 2 : 1;
		if (nk == 0) {
			snprintf(q[i]->why, sizeof(q[i]->why), "no key");
			continue;
		}
		if ((q[i]->keys = calloc(nk, sizeof(*q[i]->keys))) == NULL)
			abort();
		q[i]->nkeys = nk;
		for (k = 0; k < nk; k++) {
			if (q[i]->byfpr)
				strlcpy(q[i]->keys[k].fpr, q[i]->addr,
				    sizeof(q[i]->keys[k].fpr));
			else
				fakefpr(q[i]->addr, q[i]->keys[k].fpr);
			if (local(q[i]->addr, "badkey"))
				memcpy(q[i]->keys[k].fpr, "BAD0", 4);
			if (k > 0)
				q[i]->keys[k].fpr[39] = '0' + k;
			snprintf(q[i]->keys[k].uid, sizeof(q[i]->keys[k].uid),
			    "<%s>", q[i]->addr);
		}
	}
	return GPG_OK;
}

int
gpg_encrypt(const struct gpg *g, struct gpgjob *j, size_t n, gpg_source src,
    void *ctx, char *err, size_t errlen)
{
	static const char armor[] = "-----BEGIN PGP MESSAGE-----\n\n"
	    "c3RhbmQtaW4=\n-----END PGP MESSAGE-----\n";
	const char	*p;
	ssize_t		 r;
	size_t		 i, k;

	(void)g;
	for (i = 0; i < n; i++)
		if (j[i].nfprs + j[i].nhidden == 0)
			abort();	/* a ciphertext for nobody */
	while ((r = src(ctx, &p)) > 0)
		;
	if (r == -1) {
		snprintf(err, errlen, "reading the message: stand-in");
		return GPG_EIO;
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < j[i].nfprs; k++)
			if (strncmp(j[i].fprs[k], "BAD0", 4) == 0) {
				strlcpy(j[i].badrcpt, j[i].fprs[k],
				    sizeof(j[i].badrcpt));
				j[i].badreason = 4;
				snprintf(err, errlen, "key refused (stand-in)");
				return GPG_EKEY;
			}
	for (i = 0; i < n; i++)
		if (lseek(j[i].outfd, 0, SEEK_END) == -1 ||
		    write(j[i].outfd, armor, sizeof(armor) - 1) !=
		    sizeof(armor) - 1)
			abort();
	return GPG_OK;
}

const char *
gpg_invrecp(int reason)
{
	(void)reason;
	return "refused";
}

size_t
keycache_find(const struct conf *c, struct keyquery **q, size_t n,
    struct kcstate *st)
{
	(void)c;
	(void)q;
	memset(st, 0, sizeof(*st));
	return n;
}

/* the real sendmail, stood in for */

size_t
backend_opts(const struct conf *c, const struct passon *p, const char **av)
{
	(void)c;
	(void)p;
	av[0] = "-odi";
	return 1;
}

int
backend_send(const struct conf *c, const char *sender,
    const char *const *opt, size_t nopt, int fd, off_t base,
    const char *const *rcpt, size_t n, uid_t as, char *err, size_t errlen)
{
	char	b;
	size_t	i;

	(void)c;
	(void)opt;
	(void)nopt;
	(void)as;
	if (n == 0 || pread(fd, &b, 1, base) != 1)
		abort();	/* to nobody, or nothing */
	if (local(sender, "tempfail")) {
		nosend = 1;
		snprintf(err, errlen, "temporary failure (stand-in)");
		return EX_TEMPFAIL;
	}
	for (i = 0; i < n; i++) {
		if (nsent == SENTMAX)
			abort();
		strlcpy(sent[nsent++], rcpt[i], sizeof(*sent));
	}
	return EX_OK;
}

int
backend_notice(const struct conf *c, const char *host, const char *to,
    const char *subject, const char *text, uid_t as, char *err,
    size_t errlen)
{
	(void)c;
	(void)host;
	(void)to;
	(void)subject;
	(void)text;
	(void)as;
	(void)err;
	(void)errlen;
	abort();	/* -bs never sends a notice */
}

void
backend_exec(const struct conf *c, const char *const *args)
{
	(void)c;
	(void)args;
	abort();
}

/* the checks */

static void
NOCOV
checkhash(void)
{
	size_t	i, used = 0;

	if (M.nr > MAXRCPTS || (M.nr > 0 && 2 * M.nr > M.nseen))
		abort();
	for (i = 0; i < M.nseen; i++)
		if (M.seen[i] != 0) {
			if (M.seen[i] > M.nr)
				abort();	/* a slot left behind */
			used++;
		}
	if (used != M.nr)
		abort();
	for (i = 0; i < M.nr; i++)
		if (msg_find(&M, M.r[i].addr) != (ssize_t)i)
			abort();	/* lost, or there twice */
}

/* Is recipient n - 1 what it was (and so, the rest before it)? */
static int
NOCOV
same(size_t n)
{
	return n == 0 ? lastbefore[0] == '\0' :
	    n <= M.nr && strcmp(M.r[n - 1].addr, lastbefore) == 0;
}

/* The number of addresses in a RCPT's path, as smtp.c finds it. */
static int
NOCOV
naddrs(const char *c)
{
	struct addrlist	 al;
	const char	*why, *lt, *gt;
	char		 path[LINEMAX], addr[ADDR_MAX + 1];
	int		 n = 0, r;

	c += 4;
	if (*c == ' ')
		c++;
	if (strncasecmp(c, "TO:", 3) != 0)
		return -1;
	for (lt = c + 3; *lt == ' '; lt++)
		;
	if (*lt != '<' || (gt = strchr(lt, '>')) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%.*s", (int)(gt - lt - 1), lt + 1);
	addrlist_init(&al, path);
	while ((r = addrlist_next(&al, addr, sizeof(addr), &why)) == 1)
		n++;
	return r == -1 ? -1 : n;
}

static int
NOCOV
cmpaddr(const void *a, const void *b)
{
	return strcasecmp(a, b);
}

/* What DATA answered with 250 was handed to everyone once, and only. */
static void
NOCOV
checksent(void)
{
	size_t	i;

	if (nosend)
		return;
	if (nsent != nwant)
		abort();
	qsort(sent, nsent, sizeof(*sent), cmpaddr);
	qsort(want, nwant, sizeof(*want), cmpaddr);
	for (i = 0; i < nsent; i++)
		if (strcasecmp(sent[i], want[i]) != 0 ||
		    (i > 0 && strcasecmp(sent[i], sent[i - 1]) == 0))
			abort();
}

/* The replies since the last look: well formed; the last one's code. */
static int
NOCOV
replies(void)
{
	static char	buf[1 << 16];
	ssize_t		n;
	char		*p, *end, *nl;
	int		code = 0;

	fflush(stdout);
	while ((n = pread(outfd, buf, sizeof(buf), outoff)) > 0) {
		end = buf + n;
		for (p = buf; p < end; p = nl + 1) {
			if ((nl = memchr(p, '\n', end - p)) == NULL)
				break;
			if (nl - p + 1 > 512 || nl - p < 5 || nl[-1] != '\r' ||
			    memchr(p, '\r', nl - 1 - p) != NULL ||
			    !isdigit((unsigned char)p[0]) ||
			    !isdigit((unsigned char)p[1]) ||
			    !isdigit((unsigned char)p[2]) ||
			    (p[3] != ' ' && p[3] != '-'))
				abort();	/* not a reply line */
			code = atoi(p);
		}
		if (p == buf)
			abort();	/* no CRLF, or a line over 64 KB */
		if (show)
			fwrite(buf, 1, p - buf, stderr);
		outoff += p - buf;
	}
	return code;
}

static void
NOCOV
check(void)
{
	int	code = replies();

	if (!havecmd)
		return;
	if (strncasecmp(cmd, "RCPT", 4) == 0 && (cmd[4] == ' ' ||
	    cmd[4] == '\0')) {
		if (code == 250 && (naddrs(cmd) != 1 || M.nr == 0 ||
		    M.nr < nrbefore ||
		    M.nr > nrbefore + 1 || !same(nrbefore) ||
		    msg_find(&M, M.r[M.nr - 1].addr) != (ssize_t)M.nr - 1))
			abort();	/* accepted, but not one address */
		if (code != 250 && (M.nr != nrbefore || !same(nrbefore)))
			abort();	/* refused, but kept */
		if (code != 250)
			checkhash();	/* what was taken back left no trace */
	}
	if (strcasecmp(cmd, "DATA") == 0 && code == 250)
		checksent();
}

/* At the end: the last command's reply, and the whole hash. */
static void
NOCOV
fullcheck(void)
{
	check();
	checkhash();
}

ssize_t
__wrap_input_line(struct input *in, char *line, size_t cap)
{
	ssize_t	n;

	check();
	n = __real_input_line(in, line, cap);
	havecmd = n >= 0;
	if (havecmd)
		strlcpy(cmd, line, sizeof(cmd));
	nrbefore = M.nr;
	strlcpy(lastbefore, M.nr > 0 ? M.r[M.nr - 1].addr : "",
	    sizeof(lastbefore));
	if (havecmd && strcasecmp(cmd, "DATA") == 0) {
		checkhash();
		nsent = nwant = nosend = 0;
		for (nwant = 0; nwant < M.nr; nwant++)
			strlcpy(want[nwant], M.r[nwant].addr, sizeof(*want));
	}
	return n;
}

/* setup */

static char	dir[] = "/tmp/pgpsendmail-fuzz-smtp.XXXXXX";

static void
rmdir_(void)
{
	char	path[sizeof(dir) + 16];

	snprintf(path, sizeof(path), "%s/conf0", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/conf1", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/keymap", dir);
	unlink(path);
	rmdir(dir);
}

static void
writefile(const char *name, const char *text, char *path, size_t len)
{
	FILE	*fp;

	snprintf(path, len, "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF ||
	    fclose(fp) == EOF)
		abort();
}

static void
setup(void)
{
	static const char keymap[] =
	    "@other.example reject\n"
	    "@plain.example plain\n"
	    "pinned@example.org 0123456789ABCDEF0123456789ABCDEF01234567 "
	    "DEAD456789ABCDEF0123456789ABCDEF01234567\n"
	    "@keys.example 89ABCDEF0123456789ABCDEF0123456789ABCDEF\n"
	    "root plain\n"
	    "* keyring\n";
	char	path[sizeof(dir) + 16], text[1024], err[ERRLEN];
	int	i;

	if (mkdtemp(dir) == NULL)
		abort();
	atexit(rmdir_);
	writefile("keymap", keymap, path, sizeof(path));
	if (keymap_load(&km, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	for (i = 0; i < 2; i++) {
		snprintf(text, sizeof(text),
		    "sendmail /nonexistent/sendmail\n"
		    "gpg /nonexistent/gpg\n"
		    "gnupghome %s\n"
		    "keymap %s/keymap\n"
		    "spool %s/nonexistent\n"
		    "%s\n", dir, dir, dir, i == 0 ?
		    "encrypt-to FEDCBA9876543210FEDCBA9876543210FEDCBA98\n"
		    "protect-subject yes" : "bcc hidden");
		writefile(i == 0 ? "conf0" : "conf1", text, path,
		    sizeof(path));
		if (conf_load(&conf[i], path, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
	}
	/* The outputs are anonymous files there (fd_anon). */
	if (access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	if ((outfd = memfd_create("replies", 0)) == -1 ||
	    dup2(outfd, 1) == -1)
		abort();
	show = getenv("SMTP_FUZZ_SHOW") != NULL;
	if ((sent = calloc(SENTMAX, sizeof(*sent))) == NULL ||
	    (want = calloc(SENTMAX, sizeof(*want))) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct input	 in;
	static int		 infd = -1;
	size_t			 k;

	if (infd == -1) {
		setup();
		if ((infd = memfd_create("client", 0)) == -1)
			abort();
	}
	if (ftruncate(infd, 0) == -1 ||
	    pwrite(infd, data, size, 0) != (ssize_t)size ||
	    lseek(infd, 0, SEEK_SET) == -1 ||
	    fflush(stdout) == EOF || ftruncate(outfd, 0) == -1 ||
	    lseek(outfd, 0, SEEK_SET) == -1)
		abort();
	outoff = 0;
	havecmd = 0;
	nsent = nwant = nosend = 0;
	msg_init(&M, &conf[size >= 4 && strncasecmp((const char *)data,
	    "HELO", 4) == 0], &km, &pass, "fuzz.example", "fuzzer");
	M.in = &in;
	input_init(&in, infd, 1);
	smtp_serve(&M, &in);
	fullcheck();
	/* The encrypt-to keys stay for the process; this one goes on. */
	for (k = 0; k < M.nencryptto; k++)
		free(M.encryptto[k].keys);
	free(M.encryptto);
	msg_reset(&M);
	input_wipe(&in);
	return 0;
}
