/*
 * The configuration file and the keymap.
 *
 * Both are line files: blank lines and lines whose first non-blank is '#'
 * are ignored, fields are separated by blanks, there is no quoting.
 *
 * Config:	KEY VALUE...	(sendmail, gpg, gnupghome, keymap, spool, flavor)
 * Keymap:	PATTERN ACTION...
 *
 * Every error names FILE:LINE.  A file that anybody may write is refused:
 * it decides who reads the mail.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "keymap.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif

#define MAXLINE		4096	/* a config or keymap line */
#define MAXFIELDS	64	/* fields on one line */
#define MAXTIMEOUT	86400	/* s: the longest timeout */
#define MAXWARN		(366 * 86400LL)	/* s: the longest expiry-warning */

/* The default timeout, in s (the tests build some copies with 3). */
#ifndef HANDOFF_TIMEOUT
#define HANDOFF_TIMEOUT	300
#endif

/* Open a config-like file, refusing one that others may write. */
static FILE *
openconf(const char *path, char *err, size_t errlen)
{
	struct stat	 st;
	FILE		*fp;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(fp);
		return NULL;
	}
	if (st.st_mode & S_IWOTH) {
		snprintf(err, errlen, "%s: writable by anyone, refused (as "
		    "root: chmod o-w it)", path);
		fclose(fp);
		return NULL;
	}
	return fp;
}

/*
 * Read the next meaningful line of fp and split it into at most MAXFIELDS
 * blank-separated fields, pointing into *buf.  Returns the field count,
 * 0 at end of file, -1 on error.
 */
static int
nextline(FILE *fp, const char *path, size_t *lineno, char **buf, size_t *bufsz,
    char **f, char *err, size_t errlen)
{
	ssize_t	 len;
	char	*p;
	int	 n;

	while ((len = getline(buf, bufsz, fp)) != -1) {
		(*lineno)++;
		if (len > MAXLINE) {
			snprintf(err, errlen, "%s:%zu: line too long", path,
			    *lineno);
			return -1;
		}
		if (memchr(*buf, '\0', len) != NULL) {
			snprintf(err, errlen, "%s:%zu: NUL byte", path,
			    *lineno);
			return -1;
		}
		n = 0;
		for (p = *buf; *p != '\0';) {
			while (*p == ' ' || *p == '\t' || *p == '\n' ||
			    *p == '\r')
				*p++ = '\0';
			if (*p == '\0' || (n == 0 && *p == '#'))
				break;
			if (n == MAXFIELDS) {
				snprintf(err, errlen, "%s:%zu: too many fields",
				    path, *lineno);
				return -1;
			}
			f[n++] = p;
			while (*p != '\0' && *p != ' ' && *p != '\t' &&
			    *p != '\n' && *p != '\r')
				p++;
		}
		if (n > 0)
			return n;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Call fn on each meaningful line of the file at path, split into fields,
 * until it returns -1.  0 at the end of the file, -1 with err set.
 */
static int
eachline(const char *path, int (*fn)(void *, char **, int, const char *,
    size_t, char *, size_t), void *arg, char *err, size_t errlen)
{
	FILE	*fp;
	char	*buf = NULL, *f[MAXFIELDS];
	size_t	 bufsz = 0, lineno = 0;
	int	 n;

	if ((fp = openconf(path, err, errlen)) == NULL)
		return -1;
	while ((n = nextline(fp, path, &lineno, &buf, &bufsz, f, err,
	    errlen)) > 0 && fn(arg, f, n, path, lineno, err, errlen) == 0)
		;
	free(buf);
	fclose(fp);
	return n == 0 ? 0 : -1;
}

static int
setpath(char **dst, char *val, const char *path, size_t lineno, char *err,
    size_t errlen)
{
	if (val[0] != '/') {
		snprintf(err, errlen, "%s:%zu: %s: not an absolute path",
		    path, lineno, val);
		return -1;
	}
	free(*dst);
	if ((*dst = strdup(val)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Is the backend this very program (by a link, a symlink or a copy's
 * name)?  Exec'ing it would loop forever.
 */
static int
isself(const char *prog)
{
	struct stat	a, b;

	if (stat(prog, &a) == -1 || stat("/proc/self/exe", &b) == -1)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The keys that take one absolute path, and where each goes. */
static char **
pathkey(struct conf *c, const char *k)
{
	if (strcmp(k, "gpg") == 0)
		return &c->gpg;
	if (strcmp(k, "gnupghome") == 0)
		return &c->gnupghome;
	if (strcmp(k, "keymap") == 0)
		return &c->keymap;
	if (strcmp(k, "spool") == 0)
		return &c->spool;
	if (strcmp(k, "key-cache") == 0)
		return &c->keycache;
	if (strcmp(k, "transport-home") == 0)
		return &c->transporthome;
	if (strcmp(k, "peers") == 0)
		return &c->peers;
	return NULL;
}

static int
confdefaults(struct conf *c)
{
	c->gpg = strdup("/usr/bin/gpg");
	c->gnupghome = strdup(SYSCONFDIR "/pgpsendmail/gnupg");
	c->keymap = strdup(SYSCONFDIR "/pgpsendmail/keymap");
	c->spool = strdup("/var/spool/pgpsendmail");
	c->protectsubject = 1;
	c->lifetime = 5 * 86400;
	c->timeout = HANDOFF_TIMEOUT;
	c->compress = -1;
	c->expirywarn = 30 * 86400;
	c->peers = strdup(SYSCONFDIR "/pgpsendmail/peers");
	c->decryptmax = 50LL * 1024 * 1024;
	return (c->gpg && c->gnupghome && c->keymap && c->spool && c->peers) ?
	    0 : -1;
}

/* The sendmail line: the real sendmail and its fixed arguments. */
static int
setsendmail(struct conf *c, char **f, int n, const char *path, size_t lineno,
    char *err, size_t errlen)
{
	int	i;

	if (n < 2 || f[1][0] != '/') {
		snprintf(err, errlen, "%s:%zu: sendmail needs an absolute path",
		    path, lineno);
		return -1;
	}
	if (isself(f[1])) {
		snprintf(err, errlen, "%s:%zu: %s is pgpsendmail itself, not "
		    "the real sendmail", path, lineno, f[1]);
		return -1;
	}
	c->nsendmail = n - 1;
	if ((c->sendmail = calloc(n, sizeof(char *))) == NULL)
		goto oserr;
	for (i = 1; i < n; i++)
		if ((c->sendmail[i - 1] = strdup(f[i])) == NULL)
			goto oserr;
	return 0;
oserr:
	snprintf(err, errlen, "%s", strerror(errno));
	return -1;
}

/* A number's unit: its letter and how many of the base it is. */
struct unit {
	char		c;
	long long	n;
};

static const struct unit timeunits[] = {
	{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 }, { 0, 0 }
};
static const struct unit sizeunits[] = {
	{ 'G', 1LL << 30 }, { 'M', 1LL << 20 }, { 'K', 1LL << 10 }, { 0, 0 }
};

/*
 * Digits, then at most one letter of units: the product, from 1 to max;
 * -1 if malformed or over max.
 */
static long long
scaled(const char *v, const struct unit *units, long long max)
{
	const char	*errstr;
	char		 num[32];
	long long	 n, unit = 1;
	size_t		 len = strlen(v);

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, v, len + 1);
	for (; units->c != 0; units++)
		if (num[len - 1] == units->c) {
			unit = units->n;
			num[len - 1] = '\0';
			break;
		}
	n = strtonum(num, 1, max, &errstr);
	if (errstr != NULL || n > max / unit)
		return -1;
	return n * unit;
}

/* "5d", "12h", "30m", "90s" or "90" in seconds; -1 if malformed. */
static long long
duration(const char *v)
{
	return scaled(v, timeunits, 1000LL * 86400);
}

/* "50M", "512K", "1G" or "100000" in bytes (at most 1G); -1 if malformed. */
static long long
bytesize(const char *v)
{
	return scaled(v, sizeunits, 1LL << 30);
}

/* One of two words: 0 for the first, 1 for the second, -1 for neither. */
static int
choice(const char *val, const char *w0, const char *w1, const char *path,
    size_t lineno, char *err, size_t errlen)
{
	if (strcmp(val, w0) == 0)
		return 0;
	if (strcmp(val, w1) == 0)
		return 1;
	snprintf(err, errlen, "%s:%zu: %s: want %s or %s", path, lineno, val,
	    w0, w1);
	return -1;
}

static int
setfprs(char ***dst, size_t *n, char **f, int nf)
{
	int	i;

	if (nf < 1 || (*dst = calloc(nf, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < nf; i++) {
		if (((*dst)[i] = parsefpr(f[i])) == NULL)
			return -1;
		(*n)++;
	}
	return 0;
}

static int
setflavor(struct conf *c, const char *val, const char *path, size_t lineno,
    char *err, size_t errlen)
{
	static const char *const names[] = {
		[FL_POSTFIX] = "postfix", [FL_SENDMAIL] = "sendmail",
		[FL_EXIM] = "exim", [FL_OPENSMTPD] = "opensmtpd",
		[FL_MSMTP] = "msmtp", [FL_NULLMAILER] = "nullmailer",
		[FL_DMA] = "dma"
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(val, names[i]) == 0) {
			c->flavor = i;
			return 0;
		}
	snprintf(err, errlen, "%s:%zu: flavor %s: want postfix, sendmail, "
	    "exim, opensmtpd, msmtp, nullmailer or dma", path, lineno, val);
	return -1;
}

/*
 * reinject HOST:PORT: an IPv4 literal, or an IPv6 one in brackets, and a
 * port; no names, so that no lookup stands between the filter and the MTA.
 */
static int
setreinject(struct conf *c, const char *val, const char *path, size_t lineno,
    char *err, size_t errlen)
{
	const char	*errstr, *colon;
	char		 host[64];
	size_t		 len;
	int		 v6 = val[0] == '[';

	colon = strrchr(val, ':');
	if (colon == NULL || (v6 && (colon == val || colon[-1] != ']')))
		goto bad;
	len = colon - val - (v6 ? 2 : 0);
	if (len == 0 || len >= sizeof(host))
		goto bad;
	memcpy(host, val + v6, len);
	host[len] = '\0';
	c->rjfamily = v6 ? AF_INET6 : AF_INET;
	if (inet_pton(c->rjfamily, host, c->rjaddr) != 1)
		goto bad;
	c->rjport = strtonum(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL || (c->reinject = strdup(val)) == NULL)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "%s:%zu: reinject wants an address and a port, "
	    "such as 127.0.0.1:10026 or [::1]:10026", path, lineno);
	return -1;
}

static const char *const confkeys[] = {
	"sendmail", "gpg", "gnupghome", "keymap", "spool", "flavor", "bcc",
	"protect-subject", "encrypt-to", "sign-key", "queue-lifetime",
	"compress", "timeout", "expiry-warning", "key-cache",
	"transport-home", "peers", "decrypt-max-size", "reinject"
};

struct confread {
	struct conf	*c;
	size_t		 seen[sizeof(confkeys) / sizeof(confkeys[0])];
};

/* One line of the config file: "key value...". */
static int
confline(void *arg, char **f, int n, const char *path, size_t lineno,
    char *err, size_t errlen)
{
	struct confread	*cr = arg;
	struct conf	*c = cr->c;
	char		**dst;
	size_t		  k;
	long long	  t;

	for (k = 0; k < sizeof(confkeys) / sizeof(confkeys[0]) &&
	    strcmp(f[0], confkeys[k]) != 0; k++)
		;
	if (k == sizeof(confkeys) / sizeof(confkeys[0])) {
		snprintf(err, errlen, "%s:%zu: unknown key %s", path, lineno,
		    f[0]);
		return -1;
	}
	if (cr->seen[k] != 0) {
		snprintf(err, errlen, "%s:%zu: %s already set at line %zu",
		    path, lineno, f[0], cr->seen[k]);
		return -1;
	}
	cr->seen[k] = lineno;
	if (strcmp(f[0], "sendmail") == 0)
		return setsendmail(c, f, n, path, lineno, err, errlen);
	if (strcmp(f[0], "encrypt-to") == 0) {
		if (setfprs(&c->encryptto, &c->nencryptto, f + 1, n - 1) == 0)
			return 0;
		snprintf(err, errlen, "%s:%zu: encrypt-to wants fingerprints "
		    "(40 or 64 hex digits)", path, lineno);
		return -1;
	}
	if (n != 2) {
		snprintf(err, errlen, "%s:%zu: %s takes one value", path,
		    lineno, f[0]);
		return -1;
	}
	if (strcmp(f[0], "flavor") == 0)
		return setflavor(c, f[1], path, lineno, err, errlen);
	if (strcmp(f[0], "bcc") == 0)
		return (c->bcchidden = choice(f[1], "separate", "hidden",
		    path, lineno, err, errlen)) == -1 ? -1 : 0;
	if (strcmp(f[0], "protect-subject") == 0)
		return (c->protectsubject = choice(f[1], "no", "yes", path,
		    lineno, err, errlen)) == -1 ? -1 : 0;
	if (strcmp(f[0], "compress") == 0) {
		if (strcmp(f[1], "default") == 0)
			c->compress = -1;
		else if (strcmp(f[1], "none") == 0)
			c->compress = 0;
		else if (strlen(f[1]) == 1 && f[1][0] >= '0' && f[1][0] <= '9')
			c->compress = f[1][0] - '0';
		else {
			snprintf(err, errlen, "%s:%zu: compress wants default, "
			    "none or a level 0-9", path, lineno);
			return -1;
		}
		return 0;
	}
	if (strcmp(f[0], "queue-lifetime") == 0) {
		if ((c->lifetime = duration(f[1])) > 0)
			return 0;
		snprintf(err, errlen, "%s:%zu: queue-lifetime wants a time such "
		    "as 5d, 12h, 30m or 90s", path, lineno);
		return -1;
	}
	if (strcmp(f[0], "timeout") == 0) {
		if ((t = duration(f[1])) <= 0 || t > MAXTIMEOUT) {
			snprintf(err, errlen, "%s:%zu: timeout wants a time "
			    "such as 300, 90s, 5m or 1h (at most 1d)", path,
			    lineno);
			return -1;
		}
		c->timeout = t;
		return 0;
	}
	if (strcmp(f[0], "expiry-warning") == 0) {
		if ((t = duration(f[1])) <= 0 || t > MAXWARN) {
			snprintf(err, errlen, "%s:%zu: expiry-warning wants a "
			    "time such as 30d, 12h or 90m (at most 366d)", path,
			    lineno);
			return -1;
		}
		c->expirywarn = t;
		return 0;
	}
	if (strcmp(f[0], "sign-key") == 0) {
		if ((c->signkey = parsefpr(f[1])) != NULL)
			return 0;
		snprintf(err, errlen, "%s:%zu: sign-key wants a fingerprint (40 "
		    "or 64 hex digits)", path, lineno);
		return -1;
	}
	if (strcmp(f[0], "decrypt-max-size") == 0) {
		if ((c->decryptmax = bytesize(f[1])) > 0)
			return 0;
		snprintf(err, errlen, "%s:%zu: decrypt-max-size wants a size "
		    "such as 50M, 512K or 1G (at most 1G)", path, lineno);
		return -1;
	}
	if (strcmp(f[0], "reinject") == 0)
		return setreinject(c, f[1], path, lineno, err, errlen);
	if (strcmp(f[0], "key-cache") == 0 && strcmp(f[1], "none") == 0) {
		c->nokeycache = 1;
		return 0;
	}
	if ((dst = pathkey(c, f[0])) != NULL)
		return setpath(dst, f[1], path, lineno, err, errlen);
	return 0;
}

/*
 * A program the config names runs with every message in clear: one that
 * anybody may replace is refused, as a config file anybody may write is.
 * One that is not there fails later, when it is run, saying so.
 */
static int
progok(const char *prog, const char *key, const char *path, char *err,
    size_t errlen)
{
	struct stat	st;

	if (stat(prog, &st) == 0 && (st.st_mode & S_IWOTH)) {
		snprintf(err, errlen, "%s: writable by anyone, refused: %s "
		    "in %s runs it with every message (as root: chmod o-w "
		    "it)", prog, key, path);
		return -1;
	}
	return 0;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct confread	cr;

	memset(c, 0, sizeof(*c));
	memset(&cr, 0, sizeof(cr));
	cr.c = c;
	if (path == NULL)
		path = SYSCONFDIR "/pgpsendmail.conf";
	if ((c->path = strdup(path)) == NULL || confdefaults(c) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (eachline(path, confline, &cr, err, errlen) == -1)
		return -1;
	if (c->sendmail == NULL) {
		snprintf(err, errlen, "%s: no sendmail line: the real sendmail "
		    "must be named", path);
		return -1;
	}
	if (progok(c->sendmail[0], "sendmail", path, err, errlen) == -1 ||
	    progok(c->gpg, "gpg", path, err, errlen) == -1)
		return -1;
	/* By default the cache lies next to the keymap, as postmap's do. */
	if (c->nokeycache) {
		free(c->keycache);
		c->keycache = NULL;
	} else if (c->keycache == NULL && asprintf(&c->keycache, "%s.cache",
	    c->keymap) == -1) {
		c->keycache = NULL;
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

void
conf_free(struct conf *c)
{
	size_t	i;

	for (i = 0; c->sendmail && c->sendmail[i]; i++)
		free(c->sendmail[i]);
	free(c->sendmail);
	free(c->path);
	free(c->gpg);
	free(c->gnupghome);
	free(c->keymap);
	free(c->keycache);
	free(c->spool);
	for (i = 0; i < c->nencryptto; i++)
		free(c->encryptto[i]);
	free(c->encryptto);
	free(c->signkey);
	free(c->transporthome);
	free(c->peers);
	free(c->reinject);
	memset(c, 0, sizeof(*c));
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = tolower((unsigned char)*s);
}

/*
 * A fingerprint: 40 (v4) or 64 (v5/v6) hex digits, optional 0x.  Stored
 * upper case without the prefix, as gpg prints it in --with-colons.
 */
char *
parsefpr(const char *s)
{
	size_t	 i, len;
	char	*r;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	len = strlen(s);
	if (len != 40 && len != 64)
		return NULL;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return NULL;
	if ((r = strdup(s)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		r[i] = toupper((unsigned char)r[i]);
	return r;
}

/* Check a pattern's shape and classify it; lower-cases it in place. */
static int
parsepattern(char *p, enum pattern *kind)
{
	char	*at;
	size_t	 i;

	for (i = 0; p[i]; i++)
		if ((unsigned char)p[i] < 0x21 || p[i] == 0x7f ||
		    strchr("<>()[],;:\"\\", p[i]) != NULL)
			return -1;
	lower(p);
	if (strcmp(p, "*") == 0) {
		*kind = PAT_ANY;
		return 0;
	}
	if (strchr(p, '*') != NULL)
		return -1;
	at = strchr(p, '@');
	if (at == NULL) {
		*kind = PAT_LOCAL;
		return 0;
	}
	if (strchr(at + 1, '@') != NULL || at[1] == '\0')
		return -1;
	*kind = at == p ? PAT_DOMAIN : PAT_EXACT;
	return 0;
}

static int
parseaction(struct keymap_entry *e, char **f, int n)
{
	int	i;

	if (n == 1) {
		if (strcmp(f[0], "keyring") == 0) {
			e->action = ACT_KEYRING;
			return 0;
		}
		if (strcmp(f[0], "plain") == 0) {
			e->action = ACT_PLAIN;
			return 0;
		}
		if (strcmp(f[0], "reject") == 0) {
			e->action = ACT_REJECT;
			return 0;
		}
	}
	e->action = ACT_KEYS;
	if ((e->fprs = calloc(n, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((e->fprs[i] = parsefpr(f[i])) == NULL)
			return -1;
		e->nfprs++;
	}
	return 0;
}

/* One line of the keymap: "pattern action...". */
static int
keymapline(void *arg, char **f, int n, const char *path, size_t lineno,
    char *err, size_t errlen)
{
	struct keymap		*km = arg;
	struct keymap_entry	*e, *ne;
	size_t			 i;

	if (n < 2) {
		snprintf(err, errlen, "%s:%zu: %s: no action", path, lineno,
		    f[0]);
		return -1;
	}
	if ((ne = reallocarray(km->e, km->n + 1, sizeof(*km->e))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	km->e = ne;
	e = &km->e[km->n];
	memset(e, 0, sizeof(*e));
	e->file = km->path;
	e->line = lineno;
	if (parsepattern(f[0], &e->kind) == -1) {
		snprintf(err, errlen, "%s:%zu: %s: bad pattern", path, lineno,
		    f[0]);
		return -1;
	}
	if ((e->pattern = strdup(e->kind == PAT_DOMAIN ? f[0] + 1 :
	    f[0])) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	km->n++;
	for (i = 0; i + 1 < km->n; i++)
		if (km->e[i].kind == e->kind &&
		    strcmp(km->e[i].pattern, e->pattern) == 0) {
			snprintf(err, errlen, "%s:%zu: %s: already mapped at "
			    "line %zu", path, lineno, f[0], km->e[i].line);
			return -1;
		}
	if (parseaction(e, f + 1, n - 1) == -1) {
		snprintf(err, errlen, "%s:%zu: bad action: want fingerprints "
		    "(40 or 64 hex digits), keyring, plain or reject", path,
		    lineno);
		return -1;
	}
	return 0;
}

int
keymap_load(struct keymap *km, const char *path, char *err, size_t errlen)
{
	memset(km, 0, sizeof(*km));
	km->fallback.kind = PAT_ANY;
	km->fallback.pattern = "*";
	km->fallback.action = ACT_KEYRING;
	km->fallback.file = "(default)";
	if ((km->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return eachline(path, keymapline, km, err, errlen);
}

/*
 * Most specific first: the exact address, its domain, a bare local name
 * (for an unqualified recipient only), then "*".
 */
const struct keymap_entry *
keymap_lookup(const struct keymap *km, const char *addr)
{
	const struct keymap_entry	*best = NULL;
	const char			*at;
	size_t				 i;

	at = strrchr(addr, '@');
	for (i = 0; i < km->n; i++) {
		const struct keymap_entry *e = &km->e[i];
		int hit = 0;

		switch (e->kind) {
		case PAT_EXACT:
			hit = strcasecmp(e->pattern, addr) == 0;
			break;
		case PAT_DOMAIN:
			hit = at != NULL && strcasecmp(e->pattern, at + 1) == 0;
			break;
		case PAT_LOCAL:
			hit = at == NULL && strcasecmp(e->pattern, addr) == 0;
			break;
		case PAT_ANY:
			hit = 1;
			break;
		}
		if (hit && (best == NULL || e->kind < best->kind))
			best = e;
	}
	return best != NULL ? best : &km->fallback;
}

void
keymap_free(struct keymap *km)
{
	size_t	i, j;

	for (i = 0; i < km->n; i++) {
		free(km->e[i].pattern);
		for (j = 0; j < km->e[i].nfprs; j++)
			free(km->e[i].fprs[j]);
		free(km->e[i].fprs);
	}
	free(km->e);
	free(km->path);
	memset(km, 0, sizeof(*km));
}

/* The peers file, for peers_listed: one domain and one fingerprint. */
struct peerq {
	const char	*domain;
	const char	*fpr;		/* NULL: any fingerprint will do */
	int		 found;
};

static int
peerline(void *arg, char **f, int n, const char *path, size_t lineno,
    char *err, size_t errlen)
{
	struct peerq	*pq = arg;
	char		*fpr;
	int		 i;

	if (n < 2) {
		snprintf(err, errlen, "%s:%zu: want DOMAIN FINGERPRINT...",
		    path, lineno);
		return -1;
	}
	/* A keymap's "@b.example" here would never match: say so. */
	if (strchr(f[0], '@') != NULL) {
		snprintf(err, errlen, "%s:%zu: %s: a domain, without '@' (as "
		    "in \"b.example FINGERPRINT\")", path, lineno, f[0]);
		return -1;
	}
	for (i = 1; i < n; i++) {
		if ((fpr = parsefpr(f[i])) == NULL) {
			snprintf(err, errlen, "%s:%zu: %s: not a fingerprint "
			    "(40 or 64 hex digits)", path, lineno, f[i]);
			return -1;
		}
		if (strcasecmp(f[0], pq->domain) == 0 && (pq->fpr == NULL ||
		    strcmp(fpr, pq->fpr) == 0))
			pq->found = 1;
		free(fpr);
	}
	return 0;
}

int
peers_listed(const char *path, const char *domain, const char *fpr,
    char *err, size_t errlen)
{
	struct peerq	pq;

	pq.domain = domain;
	pq.fpr = fpr;
	pq.found = 0;
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return 0;	/* no peers: none listed */
	if (eachline(path, peerline, &pq, err, errlen) == -1)
		return -1;
	return pq.found;
}
