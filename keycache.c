/*
 * The key lookup cache (see keycache.h).
 *
 * The file is text, one record a line, fields separated by one space;
 * a field has every byte outside 0x21-0x7e, and '%', written %XX, and an
 * empty field is written "%":
 *
 *	pgpsendmail-keycache 2
 *	built SEC NSEC		the mtime the file got when it was begun
 *	until SEC		when the clock first changes an answer (a key,
 *				subkey or user ID expires or comes into
 *				being); 0: never
 *	gpg PATH		the configuration it answers for
 *	gnupghome PATH
 *	keymap PATH
 *	file PATH DEV INO SIZE MSEC MNSEC CSEC CNSEC	(or "file PATH -":
 *				absent) each file an answer depends on,
 *				as it was before the file was begun
 *	a ADDRESS N		a query by address (in lower case), then
 *	f FINGERPRINT N		by primary fingerprint (in upper case),
 *	k FPR EXPIRES UID	then its N >= 1 keys, as struct keyinfo
 *	end LINES SUM		the number of lines before this one, and the
 *				FNV-1a 64 hash of their bytes in hex
 *
 * Fresh means: the configuration names the same gpg, keyring and keymap;
 * every file is as recorded (device, inode, size, mtime and ctime to the
 * nanosecond, or still absent), and was last changed before the cache
 * was begun (so that a change in the same clock tick as the begin, which
 * could leave the same times, is never taken for none); the clock is
 * past the begin and before until.  ctime catches a file whose mtime was
 * set back (touch -d), the inode a file renamed into place.  The cache
 * must be root's, a regular file that no one else may write, and whole.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "gpg.h"
#include "keycache.h"

#define MAGIC		"pgpsendmail-keycache 2"
#define MAXSIZE		(64 << 20)	/* of the file */
#define MAXLINE		8192
#define MAXKEYS		10000		/* of one query */
#define MAXNAME		320		/* an address: ADDR_MAX */
#define CHUNK		500		/* queries per gpg run when building */
#define NINPUTS		12
#define SYSCONF		"/etc/gnupg/gpg.conf"	/* gpg's global options */

struct fstate {
	int			absent;
	unsigned long long	dev, ino, size;
	long long		ms, mns, cs, cns;
};

/*
 * What a listing's answer depends on, besides the clock.  gpg reads the
 * first of gpg.conf-2.2.40, gpg.conf-2.2, gpg.conf-2 and gpg.conf in
 * gnupghome (after /etc/gnupg/gpg.conf): gnupghome itself is watched, so
 * that a file made or renamed there (a versioned gpg.conf, a keyring
 * written anew) is a change too.
 */
static int
inputs(const struct conf *c, char path[NINPUTS][PATH_MAX])
{
	static const char *const home[] = {
		"pubring.kbx", "pubring.gpg", "trustdb.gpg", "gpg.conf",
		"common.conf", "public-keys.d/pubring.db", "gpg.conf-2",
		"gpg.conf-2.2", "."
	};
	size_t	i;
	int	n;

	if ((size_t)snprintf(path[0], PATH_MAX, "%s", c->keymap) >= PATH_MAX ||
	    (size_t)snprintf(path[1], PATH_MAX, "%s", c->gpg) >= PATH_MAX ||
	    (size_t)snprintf(path[NINPUTS - 1], PATH_MAX, "%s", SYSCONF) >=
	    PATH_MAX)
		return -1;
	for (i = 0; i < sizeof(home) / sizeof(home[0]); i++) {
		n = snprintf(path[i + 2], PATH_MAX, "%s/%s", c->gnupghome,
		    home[i]);
		if (n < 0 || n >= PATH_MAX)
			return -1;
	}
	return 0;
}

static int
getstate(const char *path, struct fstate *f)
{
	struct stat	st;

	memset(f, 0, sizeof(*f));
	if (stat(path, &st) == -1) {
		if (errno != ENOENT)
			return -1;
		f->absent = 1;
		return 0;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->ms = st.st_mtim.tv_sec;
	f->mns = st.st_mtim.tv_nsec;
	f->cs = st.st_ctim.tv_sec;
	f->cns = st.st_ctim.tv_nsec;
	return 0;
}

static int
same(const struct fstate *a, const struct fstate *b)
{
	return a->absent == b->absent && a->dev == b->dev &&
	    a->ino == b->ino && a->size == b->size && a->ms == b->ms &&
	    a->mns == b->mns && a->cs == b->cs && a->cns == b->cns;
}

/* Was it last changed (mtime or ctime) strictly before s.ns? */
static int
before(const struct fstate *f, long long s, long long ns)
{
	return f->absent || ((f->ms < s || (f->ms == s && f->mns < ns)) &&
	    (f->cs < s || (f->cs == s && f->cns < ns)));
}

static void
gpgof(const struct conf *c, struct gpg *g)
{
	memset(g, 0, sizeof(*g));
	g->path = c->gpg;
	g->home = c->gnupghome;
	g->compress = -1;
	g->timeout = c->timeout;
}

/* Writing. */

static void
field(FILE *fp, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	putc(' ', fp);
	if (*p == '\0')
		putc('%', fp);
	for (; *p; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '%')
			fprintf(fp, "%%%02X", *p);
		else
			putc(*p, fp);
}

static uint64_t
fnv(const char *p, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, each once, in the case given (1 lower, 2 upper). */
static size_t
uniq(char **v, size_t n, int kase)
{
	size_t	i, w = 0;
	char	*s;

	for (i = 0; i < n; i++)
		for (s = v[i]; *s; s++)
			*s = kase == 1 ? tolower((unsigned char)*s) :
			    toupper((unsigned char)*s);
	qsort(v, n, sizeof(*v), cmpstr);
	for (i = 0; i < n; i++) {
		if (strlen(v[i]) > MAXNAME || (w > 0 &&
		    strcmp(v[w - 1], v[i]) == 0)) {
			free(v[i]);
			continue;
		}
		v[w++] = v[i];
	}
	return w;
}

static void
entries(FILE *fp, const struct keyquery *q, size_t n, long long *until)
{
	char	num[32];
	size_t	i, k;

	for (i = 0; i < n; i++) {
		if (q[i].nkeys == 0)
			continue;	/* a miss: the listing says why */
		fputs(q[i].byfpr ? "f" : "a", fp);
		field(fp, q[i].addr);
		fprintf(fp, " %zu\n", q[i].nkeys);
		for (k = 0; k < q[i].nkeys; k++) {
			fputs("k", fp);
			field(fp, q[i].keys[k].fpr);
			snprintf(num, sizeof(num), "%lld",
			    q[i].keys[k].expires);
			field(fp, num);
			field(fp, q[i].keys[k].uid);
			putc('\n', fp);
			if (q[i].keys[k].expires > 0 && (*until == 0 ||
			    q[i].keys[k].expires < *until))
				*until = q[i].keys[k].expires;
		}
	}
}

/*
 * Every mailbox and fingerprint the scan found, looked up as a send
 * would, CHUNK names a gpg run; the answers written to fp.
 */
static int
lookall(const struct gpg *g, struct gpgscan *s, FILE *fp, long long *until,
    char *err, size_t errlen)
{
	struct keyquery	 *q, **qp;
	size_t		  n, i, off, len;
	int		  rc = 0;

	s->naddrs = uniq(s->addrs, s->naddrs, 1);
	s->nfprs = uniq(s->fprs, s->nfprs, 2);
	n = s->naddrs + s->nfprs;
	q = calloc(n + 1, sizeof(*q));
	qp = calloc(n + 1, sizeof(*qp));
	if (q == NULL || qp == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		rc = -1;
		goto done;
	}
	for (i = 0; i < n; i++) {
		q[i].byfpr = i >= s->naddrs;
		q[i].addr = q[i].byfpr ? s->fprs[i - s->naddrs] : s->addrs[i];
		qp[i] = &q[i];
	}
	for (off = 0; off < n && rc == 0; off += len) {
		len = n - off < CHUNK ? n - off : CHUNK;
		if (gpg_findkeys(g, qp + off, len, err, errlen) != GPG_OK)
			rc = -1;
	}
	if (rc == 0)
		entries(fp, q, n, until);
done:
	for (i = 0; q != NULL && i < n; i++)
		free(q[i].keys);
	free(q);
	free(qp);
	return rc;
}

/*
 * The states of the inputs, and a new temporary file begun after every
 * one of them last changed: its fd, its name in tmp, its mtime in *b.
 */
static int
begin(const struct conf *c, char path[NINPUTS][PATH_MAX],
    struct fstate *fs, char *tmp, size_t tmplen, struct timespec *b,
    char *err, size_t errlen)
{
	struct timespec	 pause = { 0, 20 * 1000 * 1000 };
	struct stat	 st;
	int		 fd, i, try;

	for (try = 0; try < 10; try++) {
		for (i = 0; i < NINPUTS; i++)
			if (getstate(path[i], &fs[i]) == -1) {
				snprintf(err, errlen, "%s: %s", path[i],
				    strerror(errno));
				return -1;
			}
		snprintf(tmp, tmplen, "%s.XXXXXX", c->keycache);
		if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			return -1;
		}
		if (fstat(fd, &st) == -1) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			goto fail;
		}
		*b = st.st_mtim;
		for (i = 0; i < NINPUTS && before(&fs[i], b->tv_sec,
		    b->tv_nsec); i++)
			;
		if (i == NINPUTS)
			return fd;
		/* Changed in this very clock tick, or in the future. */
		close(fd);
		unlink(tmp);
		nanosleep(&pause, NULL);
	}
	snprintf(err, errlen, "%s keeps changing (or has a time in the "
	    "future)", path[i]);
	return -1;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

/* fd's whole content: the text, then its end line; synced, renamed. */
static int
commit(const struct conf *c, int fd, const char *tmp, char *text, size_t len,
    size_t lines, char *err, size_t errlen)
{
	char	 end[80], dir[PATH_MAX], *slash;
	int	 dfd;

	snprintf(end, sizeof(end), "end %zu %016llx\n", lines,
	    (unsigned long long)fnv(text, len));
	if (fd_write(fd, text, len) == -1 ||
	    fd_write(fd, end, strlen(end)) == -1 ||
	    fchmod(fd, 0644) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (rename(tmp, c->keycache) == -1) {
		snprintf(err, errlen, "%s: %s", c->keycache, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", c->keycache);
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		if (dfd != -1)
			close(dfd);
		return -1;
	}
	close(dfd);
	return 0;
}

/*
 * One build: 0 done, -1 failed, 1 if an input changed while gpg listed
 * (gpg may create trustdb.gpg; an import may run alongside), when the
 * cache would be stale from its start.
 */
static int
buildonce(const struct conf *c, char path[NINPUTS][PATH_MAX], char *err,
    size_t errlen)
{
	char		 tmp[PATH_MAX + 8];
	char		*text = NULL;
	struct fstate	 fs[NINPUTS], now;
	struct timespec	 b;
	struct gpg	 g;
	struct gpgscan	 s;
	FILE		*fp = NULL;
	size_t		 len = 0, lines = 0, i;
	long long	 until;
	int		 fd, rc = -1;

	gpgof(c, &g);
	if ((fd = begin(c, path, fs, tmp, sizeof(tmp), &b, err, errlen)) ==
	    -1)
		return -1;
	if (gpg_scan(&g, &s, err, errlen) != GPG_OK)
		goto done;
	until = s.until;
	if ((fp = open_memstream(&text, &len)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto done;
	}
	fprintf(fp, "%s\nbuilt %lld %ld\n", MAGIC, (long long)b.tv_sec,
	    b.tv_nsec);
	fputs("gpg", fp);
	field(fp, c->gpg);
	fputs("\ngnupghome", fp);
	field(fp, c->gnupghome);
	fputs("\nkeymap", fp);
	field(fp, c->keymap);
	putc('\n', fp);
	for (i = 0; i < NINPUTS; i++) {
		fputs("file", fp);
		field(fp, path[i]);
		if (fs[i].absent)
			fputs(" -\n", fp);
		else
			fprintf(fp, " %llu %llu %llu %lld %lld %lld %lld\n",
			    fs[i].dev, fs[i].ino, fs[i].size, fs[i].ms,
			    fs[i].mns, fs[i].cs, fs[i].cns);
	}
	if (lookall(&g, &s, fp, &until, err, errlen) == -1)
		goto done;
	/* "until" goes in after the entries, which may lower it. */
	fprintf(fp, "until %lld\n", until);
	if (fflush(fp) == EOF || ferror(fp)) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto done;
	}
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	for (i = 0; i < NINPUTS; i++)
		if (getstate(path[i], &now) == -1 || !same(&now, &fs[i])) {
			rc = 1;
			goto done;
		}
	rc = commit(c, fd, tmp, text, len, lines, err, errlen);
done:
	if (fp != NULL)
		fclose(fp);
	free(text);
	gpg_scanfree(&s);
	close(fd);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/*
 * A gpg options file that names a keyring or a trustdb elsewhere: a
 * change there shows in no file the cache watches.  -1 with err set.
 */
static int
optsfile(const char *path, char *err, size_t errlen)
{
	static const char *const bad[] = {
		"keyring", "primary-keyring", "trustdb-name"
	};
	FILE	*fp;
	char	*line = NULL, *w;
	size_t	 cap = 0, i, n;
	int	 rc = 0;

	if ((fp = fopen(path, "re")) == NULL)
		return 0;	/* gpg cannot read it either */
	while (rc == 0 && getline(&line, &cap, fp) != -1) {
		w = line + strspn(line, " \t");
		n = strcspn(w, " \t\r\n");
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			if (n == strlen(bad[i]) && strncmp(w, bad[i], n) == 0) {
				snprintf(err, errlen, "%s names a %s of its "
				    "own, whose changes the cache cannot see: "
				    "keep the keys in gnupghome, or set "
				    "key-cache none", path, bad[i]);
				rc = -1;
				break;
			}
	}
	free(line);
	fclose(fp);
	return rc;
}

/*
 * What the cache cannot follow: gpg options naming other keyrings (in
 * /etc/gnupg/gpg.conf, or any gpg.conf* gpg may read in gnupghome), and
 * a cache in gnupghome itself (its every build would change the
 * directory it watches).
 */
static int
followable(const struct conf *c, char *err, size_t errlen)
{
	char		 path[PATH_MAX], dir[PATH_MAX], *slash;
	struct stat	 hs, ds;
	struct dirent	*de;
	DIR		*d;
	int		 rc = 0;

	snprintf(dir, sizeof(dir), "%s", c->keycache);
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir] = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (stat(c->gnupghome, &hs) == 0 && stat(dir, &ds) == 0 &&
	    hs.st_dev == ds.st_dev && hs.st_ino == ds.st_ino) {
		snprintf(err, errlen, "the key cache %s is in the keyring "
		    "directory: put it elsewhere (key-cache)", c->keycache);
		return -1;
	}
	if (optsfile(SYSCONF, err, errlen) == -1)
		return -1;
	if ((d = opendir(c->gnupghome)) == NULL)
		return 0;	/* the listing says why */
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "gpg.conf", 8) != 0 ||
		    (de->d_name[8] != '\0' && de->d_name[8] != '-') ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s",
		    c->gnupghome, de->d_name) >= sizeof(path))
			continue;
		/* gpg.conf-2.2.40, say: watched only by its name, not its
		 * content (inputs() knows no version). */
		if (de->d_name[8] == '-' && strspn(de->d_name + 9,
		    "0123456789.") == strlen(de->d_name + 9) &&
		    strcmp(de->d_name, "gpg.conf-2") != 0 &&
		    strcmp(de->d_name, "gpg.conf-2.2") != 0) {
			snprintf(err, errlen, "%s: gpg may read it instead of "
			    "gpg.conf, and the cache does not watch it: put "
			    "its options in gpg.conf", path);
			rc = -1;
		} else
			rc = optsfile(path, err, errlen);
	}
	closedir(d);
	return rc;
}

int
keycache_build(const struct conf *c, char *err, size_t errlen)
{
	char	path[NINPUTS][PATH_MAX];
	int	try, rc;

	if (c->keycache == NULL)
		return 0;		/* key-cache none */
	if (getuid() != 0 || geteuid() != 0) {
		snprintf(err, errlen, "the key cache %s is built by root only",
		    c->keycache);
		return -1;
	}
	if (inputs(c, path) == -1) {
		snprintf(err, errlen, "a path in the configuration is too "
		    "long");
		return -1;
	}
	if (followable(c, err, errlen) == -1)
		return -1;
	for (try = 0; try < 3; try++)
		if ((rc = buildonce(c, path, err, errlen)) != 1)
			return rc;
	snprintf(err, errlen, "the keyring or the keymap changed during "
	    "each of 3 builds");
	return -1;
}

/* Reading: every line checked, nothing trusted. */

struct reader {
	const char	*p, *end;
	char		 line[MAXLINE];
	char		*f[12];
	int		 nf;
};

/* The next line, split; 0 at the end, -1 if malformed. */
static int
nextline(struct reader *r)
{
	const char	*nl;
	size_t		 n;
	char		*s;

	if (r->p >= r->end)
		return 0;
	if ((nl = memchr(r->p, '\n', r->end - r->p)) == NULL ||
	    (n = nl - r->p) >= sizeof(r->line))
		return -1;
	memcpy(r->line, r->p, n);
	r->line[n] = '\0';
	r->p = nl + 1;
	r->nf = 0;
	for (s = r->line; r->nf < 12; ) {
		r->f[r->nf++] = s;
		if ((s = strchr(s, ' ')) == NULL)
			break;
		*s++ = '\0';
	}
	return s == NULL ? 1 : -1;	/* more than 12 fields */
}

/* A field, unescaped into buf; -1 if malformed or too long. */
static int
unfield(const char *s, char *buf, size_t len)
{
	size_t		w = 0;
	unsigned int	c;

	if (strcmp(s, "%") == 0) {
		buf[0] = '\0';
		return 0;
	}
	for (; *s; s++) {
		if (*s == '%') {
			if (!isxdigit((unsigned char)s[1]) ||
			    !isxdigit((unsigned char)s[2]) ||
			    sscanf(s + 1, "%2x", &c) != 1 || c == 0)
				return -1;
			s += 2;
		} else if ((unsigned char)*s < 0x21 ||
		    (unsigned char)*s > 0x7e)
			return -1;
		else
			c = (unsigned char)*s;
		if (w + 1 >= len)
			return -1;
		buf[w++] = c;
	}
	buf[w] = '\0';
	return 0;
}

static int
number(const char *s, unsigned long long *v)
{
	char	*e;

	if (!isdigit((unsigned char)s[0]) || strlen(s) > 20)
		return -1;
	errno = 0;
	*v = strtoull(s, &e, 10);
	return errno != 0 || *e != '\0' ? -1 : 0;
}

static int
snumber(const char *s, long long *v)
{
	unsigned long long	u;

	if (number(s, &u) == -1 || u > LLONG_MAX)
		return -1;
	*v = u;
	return 0;
}

/* A line "WORD VALUE" with VALUE unescaped into buf. */
static int
word(struct reader *r, const char *w, char *buf, size_t len)
{
	return nextline(r) == 1 && r->nf == 2 && strcmp(r->f[0], w) == 0 &&
	    unfield(r->f[1], buf, len) == 0 ? 0 : -1;
}

#define CORRUPT(st, what) do {						\
	snprintf((st)->why, sizeof((st)->why), "corrupt (%s)", what);	\
	(st)->doubt = 1;						\
	return -1;							\
} while (0)

#define STALE(st, ...) do {						\
	snprintf((st)->why, sizeof((st)->why), __VA_ARGS__);		\
	return -1;							\
} while (0)

/* The whole file there, hashed right, and its last line right. */
static int
whole(const char *buf, size_t len, struct kcstate *st)
{
	const char		*last;
	char			 want[80];
	size_t			 lines = 0, i;

	if (len == 0 || buf[len - 1] != '\n')
		CORRUPT(st, "truncated");
	for (last = buf + len - 1; last > buf && last[-1] != '\n'; last--)
		;
	for (i = 0; buf + i < last; i++)
		lines += buf[i] == '\n';
	snprintf(want, sizeof(want), "end %zu %016llx\n", lines,
	    (unsigned long long)fnv(buf, last - buf));
	if (strncmp(last, "end ", 4) != 0)
		CORRUPT(st, "truncated");
	if ((size_t)(buf + len - last) != strlen(want) ||
	    memcmp(last, want, strlen(want)) != 0)
		CORRUPT(st, "checksum");
	return 0;
}

/* The header: the same configuration, every input as it was. */
static int
header(struct reader *r, const struct conf *c, long long *until,
    const char **entries, struct kcstate *st)
{
	char			 path[NINPUTS][PATH_MAX], buf[PATH_MAX];
	const char		*conf[3];
	static const char *const names[3] = { "gpg", "gnupghome", "keymap" };
	struct fstate		 rec, now;
	long long		 bs, bns, t = time(NULL);
	unsigned long long	 u[3];
	int			 i;

	if (nextline(r) != 1 || r->nf != 2 ||
	    strcmp(r->f[0], "pgpsendmail-keycache") != 0)
		CORRUPT(st, "not a key cache");
	if (strcmp(r->f[1], MAGIC + sizeof("pgpsendmail-keycache")) != 0)
		STALE(st, "format %.20s, not %s: rebuild it (pgpsendmail -bi)",
		    r->f[1], MAGIC + sizeof("pgpsendmail-keycache"));
	if (nextline(r) != 1 || r->nf != 3 || strcmp(r->f[0], "built") != 0 ||
	    snumber(r->f[1], &bs) == -1 || snumber(r->f[2], &bns) == -1 ||
	    bns >= 1000000000)
		CORRUPT(st, "built");
	if (t < bs)
		STALE(st, "built in the future: the clock was set back");
	conf[0] = c->gpg;
	conf[1] = c->gnupghome;
	conf[2] = c->keymap;
	for (i = 0; i < 3; i++) {
		if (word(r, names[i], buf, sizeof(buf)) == -1)
			CORRUPT(st, names[i]);
		if (strcmp(buf, conf[i]) != 0)
			STALE(st, "built for %s %.200s, not %.200s", names[i], buf,
			    conf[i]);
	}
	if (inputs(c, path) == -1)
		STALE(st, "a path in the configuration is too long");
	for (i = 0; i < NINPUTS; i++) {
		memset(&rec, 0, sizeof(rec));
		if (nextline(r) != 1 || strcmp(r->f[0], "file") != 0 ||
		    (r->nf != 3 && r->nf != 9) ||
		    unfield(r->f[1], buf, sizeof(buf)) == -1)
			CORRUPT(st, "file");
		u[0] = u[1] = u[2] = 0;
		if (r->nf == 3 && strcmp(r->f[2], "-") == 0)
			rec.absent = 1;
		else if (r->nf != 9 || number(r->f[2], &u[0]) == -1 ||
		    number(r->f[3], &u[1]) == -1 ||
		    number(r->f[4], &u[2]) == -1 ||
		    snumber(r->f[5], &rec.ms) == -1 ||
		    snumber(r->f[6], &rec.mns) == -1 ||
		    snumber(r->f[7], &rec.cs) == -1 ||
		    snumber(r->f[8], &rec.cns) == -1)
			CORRUPT(st, "file");
		rec.dev = u[0];
		rec.ino = u[1];
		rec.size = u[2];
		if (!rec.absent && !before(&rec, bs, bns))
			CORRUPT(st, "a file changed after the build began");
		if (strcmp(buf, path[i]) != 0)
			STALE(st, "built for %.200s, not %.200s", buf, path[i]);
		if (getstate(path[i], &now) == -1)
			STALE(st, "%.200s: %s", path[i], strerror(errno));
		if (!same(&now, &rec))
			STALE(st, "%.200s changed since it was built",
			    path[i]);
	}
	*entries = r->p;
	if (nextline(r) != 1)
		CORRUPT(st, "until");
	while (r->nf != 2 || strcmp(r->f[0], "until") != 0) {
		/* the entries come before "until": skip, read them later */
		if (nextline(r) != 1)
			CORRUPT(st, "until");
	}
	if (snumber(r->f[1], until) == -1)
		CORRUPT(st, "until");
	if (*until != 0 && t >= *until)
		STALE(st, "a key in it expired or came into being since");
	return 0;
}

/* The query an entry answers, or NULL. */
static struct keyquery *
wanted(struct keyquery **q, size_t n, int byfpr, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (q[i]->byfpr == byfpr && q[i]->nkeys == 0 &&
		    strcasecmp(q[i]->addr, name) == 0)
			return q[i];
	return NULL;
}

static int
hexfpr(const char *s)
{
	size_t	n = strlen(s);

	return (n == 40 || n == 64) && strspn(s, "0123456789ABCDEF") == n;
}

/* The entries, from the line after the file lines to "until". */
static int
body(struct reader *r, struct keyquery **q, size_t n, struct kcstate *st)
{
	struct keyquery		*hit;
	struct keyinfo		*k;
	char			 name[MAXNAME * 3 + 1], buf[64];
	unsigned long long	 nk, i;
	long long		 exp;
	int			 byfpr;

	while (nextline(r) == 1) {
		if (r->nf == 2 && strcmp(r->f[0], "until") == 0)
			return 0;
		if (r->nf != 3 || (strcmp(r->f[0], "a") != 0 &&
		    strcmp(r->f[0], "f") != 0) ||
		    unfield(r->f[1], name, sizeof(name)) == -1 ||
		    number(r->f[2], &nk) == -1 || nk == 0 || nk > MAXKEYS)
			CORRUPT(st, "entry");
		byfpr = r->f[0][0] == 'f';
		if (byfpr && !hexfpr(name))
			CORRUPT(st, "fingerprint");
		hit = wanted(q, n, byfpr, name);
		if (hit != NULL && (hit->keys = calloc(nk,
		    sizeof(*hit->keys))) == NULL)
			hit = NULL;	/* a miss: the listing answers */
		for (i = 0; i < nk; i++) {
			if (nextline(r) != 1 || r->nf != 4 ||
			    strcmp(r->f[0], "k") != 0 ||
			    !hexfpr(r->f[1]) ||
			    unfield(r->f[2], buf, sizeof(buf)) == -1 ||
			    snumber(buf, &exp) == -1)
				goto bad;
			if (hit == NULL)
				continue;
			k = &hit->keys[i];
			snprintf(k->fpr, sizeof(k->fpr), "%s", r->f[1]);
			k->expires = exp;
			if (unfield(r->f[3], k->uid, sizeof(k->uid)) == -1)
				goto bad;
		}
		if (hit != NULL)
			hit->nkeys = nk;
	}
	CORRUPT(st, "until");
bad:
	if (hit != NULL) {
		free(hit->keys);
		hit->keys = NULL;
	}
	CORRUPT(st, "key");
}

/* The file, if it may be believed at all: in *buf, its length returned. */
static ssize_t
load(const char *path, char **buf, struct kcstate *st)
{
	struct stat	 sb;
	ssize_t		 r;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (errno != ENOENT) {
			st->doubt = errno == ELOOP;
			snprintf(st->why, sizeof(st->why), "%s",
			    errno == ELOOP ? "a symbolic link" :
			    strerror(errno));
		}
		return -1;
	}
	*buf = NULL;
	st->doubt = 1;
	if (fstat(fd, &sb) == -1)
		snprintf(st->why, sizeof(st->why), "%s", strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		snprintf(st->why, sizeof(st->why), "not a regular file");
	else if (sb.st_uid != 0)
		snprintf(st->why, sizeof(st->why), "owned by uid %lu, not "
		    "root", (unsigned long)sb.st_uid);
	else if (sb.st_mode & 022)
		snprintf(st->why, sizeof(st->why), "writable by others "
		    "(mode %03o)", (unsigned int)sb.st_mode & 0777);
	else if (sb.st_size > MAXSIZE)
		snprintf(st->why, sizeof(st->why), "over %d bytes", MAXSIZE);
	else if ((*buf = malloc(sb.st_size + 1)) == NULL) {
		snprintf(st->why, sizeof(st->why), "%s", strerror(errno));
		st->doubt = 0;
	} else {
		while (got < (size_t)sb.st_size && (r = read(fd, *buf + got,
		    sb.st_size - got)) != 0) {
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1)
				break;
			got += r;
		}
		if (got == (size_t)sb.st_size) {
			st->doubt = 0;
			close(fd);
			return got;
		}
		snprintf(st->why, sizeof(st->why), "reading it: %s",
		    got < (size_t)sb.st_size ? "short" : strerror(errno));
	}
	free(*buf);
	*buf = NULL;
	close(fd);
	return -1;
}

/*
 * What a listing checks before it runs gpg (the keyring there, readable
 * by this user, writable by no one), checked here too: if it fails, the
 * listing says so, as it would without a cache.
 */
static int
homeok(const struct conf *c, struct kcstate *st)
{
	struct gpg	g;
	char		err[ERRLEN];

	gpgof(c, &g);
	if (gpg_homeok(&g, err, sizeof(err)) != GPG_OK)
		STALE(st, "%.400s", err);
	return 0;
}

int
keycache_fresh(const struct conf *c, struct kcstate *st)
{
	struct reader	 r;
	const char	*entries;
	char		*buf = NULL;
	ssize_t		 len;
	long long	 until;
	int		 fresh;

	memset(st, 0, sizeof(*st));
	if (c->keycache == NULL || (len = load(c->keycache, &buf, st)) == -1)
		return 0;
	memset(&r, 0, sizeof(r));
	r.p = buf;
	r.end = buf + len;
	fresh = whole(buf, len, st) == 0 && header(&r, c, &until, &entries,
	    st) == 0 && homeok(c, st) == 0;
	free(buf);
	return fresh;
}

size_t
keycache_find(const struct conf *c, struct keyquery **q, size_t n,
    struct kcstate *st)
{
	struct reader	 r;
	struct keyquery	*t;
	const char	*entries;
	char		*buf = NULL;
	ssize_t		 len;
	long long	 until;
	size_t		 i, miss;

	memset(st, 0, sizeof(*st));
	if (c->keycache == NULL || n == 0 ||
	    (len = load(c->keycache, &buf, st)) == -1)
		return n;
	memset(&r, 0, sizeof(r));
	r.p = buf;
	r.end = buf + len;
	if (whole(buf, len, st) == -1 || header(&r, c, &until, &entries,
	    st) == -1 || homeok(c, st) == -1)
		goto out;
	r.p = entries;		/* header() read on, to "until" */
	if (body(&r, q, n, st) == -1) {
		for (i = 0; i < n; i++) {
			free(q[i]->keys);
			q[i]->keys = NULL;
			q[i]->nkeys = 0;
		}
		goto out;
	}
	st->used = 1;
out:
	free(buf);
	/* The misses first, in their order; then the answered ones. */
	for (i = miss = 0; i < n; i++)
		if (q[i]->nkeys == 0) {
			t = q[i];
			memmove(&q[miss + 1], &q[miss], (i - miss) *
			    sizeof(*q));
			q[miss++] = t;
		}
	st->hits = n - miss;
	return miss;
}
