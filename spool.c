/*
 * Durable storage of outputs.
 *
 * The spool directory (config "spool", default /var/spool/pgpsendmail)
 * holds:
 *
 *	tmp/ID/		a message being accepted: nothing here is queued
 *	q/ID/N		entry N of message ID, committed: one output for
 *			some of its recipients
 *	q/ID/N.err	why entry N's last hand-off failed, and how often
 *
 * ID is the acceptance time, the process and random bits.  An entry is
 * one file, mode 0600 (0660 with the spool's group when pgpsendmail is
 * installed set-group-id): an envelope of text lines, an empty line, then
 * the message exactly as the real sendmail is to get it:
 *
 *	pgpsendmail-spool 1
 *	time 1764430000
 *	sender alice@example.org	("<>" for the null sender)
 *	implicit-sender			when the sender was not given: it
 *					is the user's login, and the real
 *					sendmail gets no -f
 *	date Mon, 1 Jan 2024 ...	the message's Date and Message-ID,
 *	msgid <x@example.org>		for a notice if it is given up
 *	opt -F				options for the real sendmail,
 *	opt Cron Daemon			one argument a line
 *	rcpt bob@example.org		one line a recipient
 *	(empty line)
 *	message...
 *
 * Every value was checked before (addresses have no control characters),
 * so a line never holds a line break.  The message is ciphertext, or the
 * copy the keymap says is plain, or what the sender encrypted already:
 * never the plaintext of a recipient who must get ciphertext.
 *
 * Acceptance is atomic: every entry of a message is written, fsync'ed and
 * locked in tmp/ID, the directory is fsync'ed, and one rename(2) of tmp/ID
 * to q/ID commits them all; q/ is fsync'ed.  A crash before the rename
 * leaves nothing queued (tmp/ is cleaned by the next queue run), after it
 * everything.  A sender holds a lock (flock) on its tmp/ID from making it
 * until the rename or its removal, and the cleaner removes only what it
 * can lock: a live sender's files are never cleaned, however slowly its
 * caller writes.  An entry is locked (flock) by whoever hands it on; it is
 * removed once the real sendmail has taken it, so a crash between the two
 * (or one that undoes the removal, which is not synced) sends it again:
 * the one window for a duplicate.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "spool.h"

#define ENVMAX	(4 * 1024 * 1024)	/* an envelope, read back */
#define MAGIC	"pgpsendmail-spool 1"

static int
subdir(int dirfd, const char *name, mode_t mode)
{
	int	fd;

	if (mkdirat(dirfd, name, mode) == -1 && errno != EEXIST)
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return -1;
	return fd;
}

int
spool_init(struct spool *s, const char *dir, char *err, size_t errlen)
{
	struct stat	st;
	int		setgid = getegid() != getgid();
	mode_t		dmode = setgid ? 0770 : 0700;

	s->tmpfd = s->qfd = -1;
	s->mode = setgid ? 0660 : 0600;
	if ((s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(s->dirfd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((st.st_mode & S_IWOTH) || (st.st_uid != geteuid() &&
	    st.st_gid != getegid())) {
		snprintf(err, errlen, "%s: not owned by this user or group, "
		    "or writable by anyone", dir);
		goto fail;
	}
	if ((s->tmpfd = subdir(s->dirfd, "tmp", dmode)) == -1 ||
	    (s->qfd = subdir(s->dirfd, "q", dmode)) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (s->dirfd != -1)
		close(s->dirfd);
	if (s->tmpfd != -1)
		close(s->tmpfd);
	s->dirfd = s->tmpfd = -1;
	return -1;
}

void
spool_close(struct spool *s)
{
	if (s->dirfd != -1)
		close(s->dirfd);
	if (s->tmpfd != -1)
		close(s->tmpfd);
	if (s->qfd != -1)
		close(s->qfd);
	s->dirfd = s->tmpfd = s->qfd = -1;
}

/* Is fd still the directory named name in dirfd? */
static int
samedir(int dirfd, const char *name, int fd)
{
	struct stat	a, b;

	return fstat(fd, &a) == 0 && fstatat(dirfd, name, &b,
	    AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
}

/*
 * tmp/ID is locked (flock on the directory) from here until it is
 * committed or removed, however long the sender takes: spool_clean
 * removes only what it could lock.  Between the mkdir and the lock a
 * cleaner may take it (it would have to be 60 s old already); then the
 * lock, once ours, is on a directory that is no longer tmp/ID, and we
 * start again with a new ID.  Nothing was written there yet.
 */
int
spool_begin(struct spool *s, struct spoolmsg *sm)
{
	int	tries;

	memset(sm, 0, sizeof(*sm));
	sm->s = s;
	sm->fd = -1;
	for (tries = 0; tries < 10; tries++) {
		snprintf(sm->id, sizeof(sm->id), "%lld.%ld.%08x",
		    (long long)time(NULL), (long)getpid(), arc4random());
		if (mkdirat(s->tmpfd, sm->id, getegid() != getgid() ? 0770 :
		    0700) == -1) {
			if (errno == EEXIST)
				continue;
			return -1;
		}
		if ((sm->fd = openat(s->tmpfd, sm->id, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW)) == -1) {
			if (errno == ENOENT)
				continue;
			return -1;
		}
		while (flock(sm->fd, LOCK_EX) == -1)
			if (errno != EINTR) {
				close(sm->fd);
				sm->fd = -1;
				return -1;
			}
		if (samedir(s->tmpfd, sm->id, sm->fd))
			return 0;
		close(sm->fd);
		sm->fd = -1;
	}
	errno = EAGAIN;
	return -1;
}

/* The envelope as text, into a new buffer. */
static char *
envtext(const struct envelope *e, size_t *len)
{
	char	*buf;
	size_t	 i, n = 128 + strlen(e->sender) +
		    (e->date ? strlen(e->date) + 6 : 0) +
		    (e->msgid ? strlen(e->msgid) + 7 : 0);
	int	 w;

	for (i = 0; i < e->nrcpt; i++)
		n += strlen(e->rcpt[i]) + 6;
	for (i = 0; i < e->nopts; i++)
		n += strlen(e->opts[i]) + 5;
	if ((buf = malloc(n)) == NULL)
		return NULL;
	w = snprintf(buf, n, MAGIC "\ntime %lld\nsender %s\n%s",
	    (long long)e->time, e->sender, e->implicit ? "implicit-sender\n" :
	    "");
	if (e->date != NULL)
		w += snprintf(buf + w, n - w, "date %s\n", e->date);
	if (e->msgid != NULL)
		w += snprintf(buf + w, n - w, "msgid %s\n", e->msgid);
	for (i = 0; i < e->nopts; i++)
		w += snprintf(buf + w, n - w, "opt %s\n", e->opts[i]);
	for (i = 0; i < e->nrcpt; i++)
		w += snprintf(buf + w, n - w, "rcpt %s\n", e->rcpt[i]);
	w += snprintf(buf + w, n - w, "\n");
	*len = w;
	return buf;
}

int
spool_entry(struct spoolmsg *sm, const struct envelope *e, int *fdp,
    off_t *base)
{
	char	 name[16], *text;
	size_t	 len;
	int	 fd, *nfd;

	if ((nfd = reallocarray(sm->efd, sm->n + 1, sizeof(*nfd))) == NULL)
		return -1;
	sm->efd = nfd;
	snprintf(name, sizeof(name), "%d", sm->n + 1);
	if ((fd = openat(sm->fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, sm->s->mode)) == -1)
		return -1;
	sm->efd[sm->n++] = fd;
	if (flock(fd, LOCK_EX) == -1 || (text = envtext(e, &len)) == NULL)
		return -1;
	if (fd_write(fd, text, len) == -1) {
		free(text);
		return -1;
	}
	free(text);
	*fdp = fd;
	*base = len;
	return 0;
}

static int
entryindex(const struct spoolmsg *sm, int fd)
{
	int	i;

	for (i = 0; i < sm->n; i++)
		if (sm->efd[i] == fd)
			return i;
	return -1;
}

int
spool_drop(struct spoolmsg *sm, int fd)
{
	char	name[16];
	int	i = entryindex(sm, fd);

	if (i == -1)
		return -1;
	snprintf(name, sizeof(name), "%d", i + 1);
	sm->efd[i] = -1;
	close(fd);
	return unlinkat(sm->fd, name, 0);
}

int
spool_commit(struct spoolmsg *sm)
{
	char	path[PATH_MAX];
	int	i, fd;

	for (i = 0; i < sm->n; i++)
		if (sm->efd[i] != -1 && fsync(sm->efd[i]) == -1)
			return -1;
	if (fsync(sm->fd) == -1 ||
	    renameat(sm->s->tmpfd, sm->id, sm->s->qfd, sm->id) == -1)
		return -1;
	/*
	 * Committed: from here on the message is queued, whatever else
	 * fails.  A failed sync of q/ cannot be undone, and -q will find
	 * the entries if they survive.
	 */
	sm->committed = 1;
	(void)fsync(sm->s->qfd);
	/* sm->fd still names the directory, now q/ID. */
	snprintf(path, sizeof(path), "%s", sm->id);
	if ((fd = openat(sm->s->qfd, path, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		close(sm->fd);
		sm->fd = fd;
	}
	return 0;
}

/* Remove entry name of the message in dirfd; the directory when empty. */
static int
removeentry(int qfd, int dirfd, const char *msg, const char *name)
{
	char	errname[32];

	/*
	 * Not synced: should a crash undo the removal, the entry is sent
	 * again, which is the window for a duplicate anyway.
	 */
	if (unlinkat(dirfd, name, 0) == -1)
		return -1;
	snprintf(errname, sizeof(errname), "%s.err", name);
	unlinkat(dirfd, errname, 0);
	unlinkat(qfd, msg, AT_REMOVEDIR);
	return 0;
}

int
spool_done(struct spoolmsg *sm, int fd)
{
	char	name[16];
	int	i = entryindex(sm, fd), r;

	if (i == -1)
		return -1;
	snprintf(name, sizeof(name), "%d", i + 1);
	r = removeentry(sm->s->qfd, sm->fd, sm->id, name);
	sm->efd[i] = -1;
	close(fd);
	return r;
}

int
spool_later(struct spoolmsg *sm, int fd, const char *why)
{
	char	name[16];
	int	i = entryindex(sm, fd);

	if (i == -1 || !sm->committed)
		return -1;
	snprintf(name, sizeof(name), "%d", i + 1);
	return spool_fail(sm->s, sm->id, name, 1, why);
}

void
spool_abort(struct spoolmsg *sm)
{
	char	name[16];
	int	i;

	for (i = 0; i < sm->n; i++) {
		if (sm->efd[i] != -1)
			close(sm->efd[i]);
		if (!sm->committed) {
			snprintf(name, sizeof(name), "%d", i + 1);
			unlinkat(sm->fd, name, 0);
		}
	}
	if (!sm->committed)
		unlinkat(sm->s->tmpfd, sm->id, AT_REMOVEDIR);
	if (sm->fd != -1)
		close(sm->fd);
	free(sm->efd);
	memset(sm, 0, sizeof(*sm));
	sm->fd = -1;
}

int
spool_fail(struct spool *s, const char *msg, const char *name, int attempts,
    const char *why)
{
	char	tmpname[48], errname[32], buf[512];
	int	dirfd, fd, n, r = -1;

	if ((dirfd = openat(s->qfd, msg, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	snprintf(tmpname, sizeof(tmpname), ".%s.err.%ld", name,
	    (long)getpid());
	snprintf(errname, sizeof(errname), "%s.err", name);
	n = snprintf(buf, sizeof(buf), "attempts %d\nlast %.*s\n", attempts,
	    (int)strcspn(why, "\n"), why);
	if ((fd = openat(dirfd, tmpname, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, s->mode)) != -1) {
		if (fd_write(fd, buf, n) == 0 && fsync(fd) == 0 &&
		    renameat(dirfd, tmpname, dirfd, errname) == 0)
			r = 0;
		close(fd);
		if (r == -1)
			unlinkat(dirfd, tmpname, 0);
	}
	close(dirfd);
	return r;
}

void
envelope_free(struct envelope *e)
{
	size_t	i;

	free(e->sender);
	free(e->date);
	free(e->msgid);
	for (i = 0; i < e->nrcpt; i++)
		free(e->rcpt[i]);
	free(e->rcpt);
	for (i = 0; i < e->nopts; i++)
		free(e->opts[i]);
	free(e->opts);
	memset(e, 0, sizeof(*e));
}

static int
push(char ***v, size_t *n, const char *s, size_t max)
{
	char	**nv;

	if (*n >= max || (nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

/*
 * Read an entry's envelope from its start; -1 if it is not one of ours,
 * -2 if it could not be read (no memory, no descriptor).
 */
static int
readenv(int fd, struct entry *en)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 cap = 0, total = 0;
	ssize_t	 len;
	int	 fd2, r = -1, first = 1, nomem = 0;

	if ((fd2 = dup(fd)) == -1 || (fp = fdopen(fd2, "r")) == NULL) {
		if (fd2 != -1)
			close(fd2);
		return -2;
	}
	while ((len = getline(&line, &cap, fp)) > 0 && total < ENVMAX) {
		total += len;
		if (line[len - 1] != '\n')
			break;
		line[--len] = '\0';
		if (first) {
			if (strcmp(line, MAGIC) != 0)
				break;
			first = 0;
		} else if (len == 0) {
			en->base = total;
			r = en->env.sender != NULL && en->env.nrcpt > 0 ? 0 : -1;
			break;
		} else if (strcmp(line, "implicit-sender") == 0)
			en->env.implicit = 1;
		else if (strncmp(line, "time ", 5) == 0)
			en->env.time = strtoll(line + 5, NULL, 10);
		else if (strncmp(line, "date ", 5) == 0 && en->env.date == NULL) {
			if ((en->env.date = strdup(line + 5)) == NULL) {
				nomem = 1;
				break;
			}
		} else if (strncmp(line, "msgid ", 6) == 0 &&
		    en->env.msgid == NULL) {
			if ((en->env.msgid = strdup(line + 6)) == NULL) {
				nomem = 1;
				break;
			}
		} else if (strncmp(line, "sender ", 7) == 0 &&
		    en->env.sender == NULL) {
			if ((en->env.sender = strdup(line + 7)) == NULL) {
				nomem = 1;
				break;
			}
		} else if (strncmp(line, "opt ", 4) == 0) {
			if (push(&en->env.opts, &en->env.nopts, line + 4,
			    64) == -1)
				break;
		} else if (strncmp(line, "rcpt ", 5) == 0) {
			if (push(&en->env.rcpt, &en->env.nrcpt, line + 5,
			    SPOOL_MAXRCPT) == -1)
				break;
		}
	}
	free(line);
	fclose(fp);
	return nomem ? -2 : r;
}

static void
readerr(int dirfd, struct entry *en)
{
	char	name[32], buf[512];
	FILE	*fp;
	int	fd;

	snprintf(name, sizeof(name), "%s.err", en->name);
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1 || (fp = fdopen(fd, "r")) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		if (strncmp(buf, "attempts ", 9) == 0)
			en->env.attempts = atoi(buf + 9);
		else if (strncmp(buf, "last ", 5) == 0)
			strlcpy(en->env.lasterr, buf + 5,
			    sizeof(en->env.lasterr));
	}
	fclose(fp);
}

static int
isname(const char *s, int digits)
{
	if (s[0] == '.' || s[0] == '\0')
		return 0;
	return !digits || strspn(s, "0123456789") == strlen(s);
}

int
spool_scan(struct spool *s, int lock,
    int (*fn)(struct spool *, struct entry *, void *), void *arg)
{
	DIR		*q, *d;
	struct dirent	*de, *ee;
	struct entry	 en;
	struct stat	 st;
	int		 dfd, qfd, fd, r = 0;

	if ((qfd = dup(s->qfd)) == -1 || (q = fdopendir(qfd)) == NULL) {
		if (qfd != -1)
			close(qfd);
		return -1;
	}
	rewinddir(q);
	while (r == 0 && (de = readdir(q)) != NULL) {
		if (!isname(de->d_name, 0) ||
		    (dfd = openat(s->qfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;
		if ((d = fdopendir(dfd)) == NULL) {
			close(dfd);
			continue;
		}
		while (r == 0 && (ee = readdir(d)) != NULL) {
			if (!isname(ee->d_name, 1))
				continue;
			if ((fd = openat(dfd, ee->d_name, O_RDONLY | O_CLOEXEC |
			    O_NOFOLLOW | O_NONBLOCK)) == -1)
				continue;
			/*
			 * Locked: a sender or another run has it.  Gone
			 * once the lock was ours: it was sent meanwhile.
			 */
			if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
			    (lock && flock(fd, LOCK_EX | LOCK_NB) == -1) ||
			    fstat(fd, &st) == -1 || st.st_nlink == 0) {
				close(fd);
				continue;
			}
			memset(&en, 0, sizeof(en));
			if (strlcpy(en.msg, de->d_name, sizeof(en.msg)) >=
			    sizeof(en.msg) || strlcpy(en.name, ee->d_name,
			    sizeof(en.name)) >= sizeof(en.name)) {
				close(fd);
				continue;
			}
			en.fd = fd;
			en.size = st.st_size;
			switch (readenv(fd, &en)) {
			case 0:
				readerr(dfd, &en);
				break;
			case -1:
				envelope_free(&en.env);
				en.bad = 1;
				break;
			default:	/* could not read it now: later */
				envelope_free(&en.env);
				close(fd);
				continue;
			}
			r = fn(s, &en, arg);
			envelope_free(&en.env);
			close(fd);
		}
		closedir(d);
	}
	closedir(q);
	return r;
}

int
spool_remove(struct spool *s, const struct entry *en)
{
	int	dirfd, r;

	if ((dirfd = openat(s->qfd, en->msg, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return -1;
	r = removeentry(s->qfd, dirfd, en->msg, en->name);
	close(dirfd);
	return r;
}

/*
 * What a sender left in tmp/ when it died: nothing of it was queued.  A
 * message is removed only under its directory's lock, which its sender
 * holds for as long as it lives (spool_begin), and only while that
 * directory is still tmp/ID (not committed to q/ meanwhile); a young one
 * is not even tried (its sender may not have locked it yet).
 */
void
spool_clean(struct spool *s)
{
	DIR		*t, *d;
	struct dirent	*de, *ee;
	struct stat	 st;
	int		 tfd, dfd;

	if ((tfd = dup(s->tmpfd)) == -1 || (t = fdopendir(tfd)) == NULL) {
		if (tfd != -1)
			close(tfd);
		return;
	}
	rewinddir(t);
	while ((de = readdir(t)) != NULL) {
		if (!isname(de->d_name, 0) || fstatat(s->tmpfd, de->d_name,
		    &st, AT_SYMLINK_NOFOLLOW) == -1 || !S_ISDIR(st.st_mode) ||
		    st.st_mtime > time(NULL) - 60)
			continue;
		if ((dfd = openat(s->tmpfd, de->d_name, O_RDONLY |
		    O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) == -1)
			continue;
		/* Ours until closedir, which unlocks it. */
		if (flock(dfd, LOCK_EX | LOCK_NB) == -1 ||
		    !samedir(s->tmpfd, de->d_name, dfd) ||
		    (d = fdopendir(dfd)) == NULL) {
			close(dfd);
			continue;
		}
		while ((ee = readdir(d)) != NULL)
			if (ee->d_name[0] != '.' || (ee->d_name[1] &&
			    strcmp(ee->d_name, "..")))
				unlinkat(dfd, ee->d_name, 0);
		unlinkat(s->tmpfd, de->d_name, AT_REMOVEDIR);
		closedir(d);
	}
	closedir(t);
}
