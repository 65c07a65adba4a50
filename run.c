/*
 * Starting a program with posix_spawn.  glibc makes the child with
 * clone(CLONE_VM | CLONE_VFORK): unlike fork, nothing of our address
 * space is copied and no copy-on-write fault follows in us, so starting
 * gpg and the real sendmail costs us little, and a failed exec comes
 * back as posix_spawn's own error instead of an exit status.
 */
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "text.h"

#define MAXFDS	8

/*
 * The descriptors to give, as src: each one below lowest replaced by a
 * close-on-exec copy at lowest or above (kept in tmp, for unlift), so
 * that no dup2 into 0..nfds-1 overwrites a source still to be used, none
 * is its own target (whose close-on-exec flag dup2 would leave set), and
 * none sits where the caller has other plans.  -1 with errno set.
 */
static int
lift(const int *fds, int nfds, int lowest, int *src, int *tmp)
{
	int	i;

	for (i = 0; i < nfds && i < MAXFDS; i++)
		tmp[i] = -1;
	if (nfds > MAXFDS) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < nfds; i++) {
		src[i] = fds[i];
		if (fds[i] < lowest) {
			if ((tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC,
			    lowest)) == -1)
				return -1;
			src[i] = tmp[i];
		}
	}
	return 0;
}

/* Close lift's copies, errno kept. */
static void
unlift(const int *tmp, int nfds)
{
	int	i, e = errno;

	for (i = 0; i < nfds && i < MAXFDS; i++)
		if (tmp[i] != -1)
			close(tmp[i]);
	errno = e;
}

/* run_spawn: the child leads a process group of its own. */
static pid_t
spawn(const char *path, const char *const *av, char *const *env,
    const int *fds, int nfds)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 def, mask;
	int				 src[MAXFDS], tmp[MAXFDS], i, e;
	pid_t				 pid = -1;

	if (lift(fds, nfds, nfds, src, tmp) == -1)
		goto out;
	if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = e;
		goto out;
	}
	if ((e = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = e;
		goto out;
	}
	e = 0;
	for (i = 0; e == 0 && i < nfds; i++)
		e = posix_spawn_file_actions_adddup2(&fa, src[i], i);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	if (e == 0)
		e = posix_spawn_file_actions_addclosefrom_np(&fa, nfds);
#endif
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigemptyset(&mask);
	if (e == 0)
		e = posix_spawnattr_setsigdefault(&at, &def);
	if (e == 0)
		e = posix_spawnattr_setsigmask(&at, &mask);
	if (e == 0)
		e = posix_spawnattr_setpgroup(&at, 0);
	if (e == 0)
		e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
		    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_RESETIDS |
		    POSIX_SPAWN_SETPGROUP);
	if (e == 0)
		e = posix_spawn(&pid, path, &fa, &at, (char *const *)av, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (e != 0) {
		pid = -1;
		errno = e;
	}
out:
	unlift(tmp, nfds);
	return pid;
}

pid_t
run_spawn(const char *path, const char *const *av, char *const *env,
    const int *fds, int nfds)
{
	return spawn(path, av, env, fds, nfds);
}

/*
 * The same, as another user (uid, with gid and the groups given), in a
 * session of its own, in /: for root's queue run, which hands each entry
 * on as the user who queued it, and must give that user nothing of its
 * own (no terminal, no descriptor but those given).  posix_spawn cannot
 * change users, so this forks; a failed exec comes back through a
 * close-on-exec pipe.
 */
static pid_t
spawn_as(const char *path, const char *const *av, char *const *env,
    const int *fds, int nfds, uid_t uid, gid_t gid, const gid_t *groups,
    int ngroups)
{
	sigset_t	none;
	int		src[MAXFDS], tmp[MAXFDS], ep[2] = { -1, -1 }, efd, i, e;
	pid_t		pid = -1;
	ssize_t		r;

	/* The errno pipe goes to nfds: the sources go above it. */
	if (lift(fds, nfds, nfds + 1, src, tmp) == -1 ||
	    pipe2(ep, O_CLOEXEC) == -1)
		goto out;
	if (ep[1] <= nfds) {
		if ((i = fcntl(ep[1], F_DUPFD_CLOEXEC, nfds + 1)) == -1)
			goto out;
		close(ep[1]);
		ep[1] = i;
	}
	if ((pid = fork()) == -1)
		goto out;
	if (pid == 0) {
		efd = ep[1];
		sigemptyset(&none);
		for (i = 0; i < nfds; i++)
			if (dup2(src[i], i) == -1)
				goto fail;
		if (dup2(ep[1], nfds) == -1 ||
		    fcntl(nfds, F_SETFD, FD_CLOEXEC) == -1)
			goto fail;
		efd = nfds;
		closefrom(nfds + 1);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (setsid() == -1 || chdir("/") == -1 ||
		    setgroups(ngroups, groups) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1)
			goto fail;
		execve(path, (char *const *)av, env);
fail:
		e = errno;
		(void)write(efd, &e, sizeof(e));
		_exit(127);
	}
	close(ep[1]);
	ep[1] = -1;
	while ((r = read(ep[0], &e, sizeof(e))) == -1 && errno == EINTR)
		;
	if (r == sizeof(e)) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		pid = -1;
		errno = e;
	}
out:
	e = errno;
	if (ep[0] != -1)
		close(ep[0]);
	if (ep[1] != -1)
		close(ep[1]);
	errno = e;
	unlift(tmp, nfds);
	return pid;
}

/*
 * The loop.  Every child's pipes are multiplexed with poll, so that no
 * message size deadlocks us against a child, and every child has a clock:
 * the time since it last moved a byte (through one of its run_io, or the
 * offset of the file it reads), which stands still while the child waits
 * on us (an idle run_io: it has all we have for it) and while we are in
 * prepare (reading our own caller, who may be slow: a slow job piped into
 * sendmail -t must never cost its message).  A child whose clock reaches
 * the timeout is stuck (a gpg-agent that hangs, a real sendmail that never
 * returns): its process group is SIGKILLed, and with it every other child
 * of the run, whose work is of no use without it.
 */
#define PROBE	1000	/* ms between looks at a seekfd's offset */
#define NOPIDFD	100	/* ms between waitpid()s without a pidfd (old kernels) */

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
run_until(long long deadline)
{
	long long	left;

	if (deadline == 0)
		return 0;
	if ((left = deadline - (long long)time(NULL)) < 0)
		left = 0;
	return now_ms() + left * 1000;
}

/* The process group, and the program should it have left it; the pid. */
static void
killchild(const struct run_child *c)
{
	if (c->pgrp > 0) {
		kill(-c->pgrp, SIGKILL);
		kill(c->pgrp, SIGKILL);
	}
	kill(c->pid, SIGKILL);
}

void
run_stop(struct run_child *c, size_t nc)
{
	size_t	i;

	for (i = 0; i < nc; i++)
		if (c[i].pid != -1)
			killchild(&c[i]);
	for (i = 0; i < nc; i++) {
		if (c[i].pid == -1)
			continue;
		while (waitpid(c[i].pid, &c[i].ws, 0) == -1 && errno == EINTR)
			;
		c[i].pid = -1;
	}
}

/*
 * Reap the children that have ended (those whose pidfd said so, or every
 * one without a pidfd): 0, or -1 with errno set.
 */
static int
reap(struct run_child *c, size_t nc)
{
	size_t	i;
	pid_t	w;

	for (i = 0; i < nc; i++) {
		if (c[i].pid == -1 || (c[i].pidfd != -1 && !c[i].exited))
			continue;
		while ((w = waitpid(c[i].pid, &c[i].ws, WNOHANG)) == -1 &&
		    errno == EINTR)
			;
		if (w == -1)
			return -1;
		if (w == 0)
			continue;
		c[i].pid = -1;
		if (c[i].pidfd != -1)
			close(c[i].pidfd);
		c[i].pidfd = -1;
	}
	return 0;
}

/* Does child k wait on us: has it all we have for it? */
static int
waitsonus(size_t k, const struct run_io *io, size_t nio)
{
	size_t	i;

	for (i = 0; i < nio; i++)
		if (io[i].child == k && io[i].fd != -1 &&
		    io[i].events == POLLOUT && io[i].idle)
			return 1;
	return 0;
}

static long long
shorter(long long wait, long long ms)
{
	return wait == -1 || ms < wait ? ms : wait;
}

/*
 * How long poll may wait: until the first clock runs out, or the next
 * look at an offset or (without a pidfd) at the children; -1: for ever.
 * RUN_TIMEOUT if a clock has run out.
 */
static int
clocks(struct run_child *c, size_t nc, const struct run_io *io, size_t nio,
    int timeout, long long *wait)
{
	long long	t = now_ms(), left;
	off_t		off;
	size_t		i;

	*wait = -1;
	for (i = 0; i < nc; i++) {
		if (c[i].pid == -1)
			continue;
		if (c[i].seekfd != -1) {
			off = lseek(c[i].seekfd, 0, SEEK_CUR);
			if (off != c[i].off) {
				c[i].off = off;
				c[i].last = t;
			}
			*wait = shorter(*wait, PROBE);
		}
		if (c[i].pidfd == -1)
			*wait = shorter(*wait, NOPIDFD);
		if (c[i].until > 0 && (left = c[i].until - t) <= 0)
			return RUN_TIMEOUT;
		if (c[i].until > 0)
			*wait = shorter(*wait, left);
		if (timeout <= 0 || waitsonus(i, io, nio))
			continue;
		if ((left = c[i].last + timeout * 1000LL - t) <= 0)
			return RUN_TIMEOUT;
		*wait = shorter(*wait, left);
	}
	return RUN_DONE;
}

int
run_loop(struct run_child *c, size_t nc, struct run_io *io, size_t nio,
    int timeout, int (*prepare)(void *), void *arg)
{
	struct pollfd	*pfd;
	struct run_io	*p;
	size_t		*who, i, np, nfd, live;
	long long	 t, wait;
	int		 r, e, moved, rc = RUN_DONE;

	pfd = reallocarray(NULL, nio + nc, sizeof(*pfd));
	who = reallocarray(NULL, nio + nc, sizeof(*who));
	if (pfd == NULL || who == NULL) {
		rc = -1;
		goto stop;
	}
	t = now_ms();
	for (i = 0; i < nc; i++) {
		c[i].pidfd = c[i].pid == -1 ? -1 :
		    (int)syscall(SYS_pidfd_open, c[i].pid, 0);
		c[i].exited = 0;
		c[i].last = t;
		c[i].off = c[i].seekfd == -1 ? -1 :
		    lseek(c[i].seekfd, 0, SEEK_CUR);
	}
	for (i = 0; i < nio; i++)
		if (io[i].fd != -1)
			fcntl(io[i].fd, F_SETFL,
			    fcntl(io[i].fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		if (prepare != NULL) {
			t = now_ms();
			if (prepare(arg) == -1) {
				rc = RUN_STOPPED;
				goto stop;
			}
			/* Our own wait is no child's fault. */
			if ((t = now_ms() - t) > 0)
				for (i = 0; i < nc; i++)
					c[i].last += t;
		}
		if (reap(c, nc) == -1) {
			rc = -1;
			goto stop;
		}
		if ((rc = clocks(c, nc, io, nio, timeout, &wait)) != RUN_DONE)
			goto stop;
		for (i = 0, np = 0; i < nio; i++) {
			if (io[i].fd == -1 ||
			    (io[i].events == POLLOUT && io[i].idle))
				continue;
			pfd[np].fd = io[i].fd;
			pfd[np].events = io[i].events;
			who[np++] = i;
		}
		nfd = np;
		for (i = 0, live = 0; i < nc; i++) {
			if (c[i].pid == -1)
				continue;
			live++;
			if (c[i].pidfd != -1) {
				pfd[np].fd = c[i].pidfd;
				pfd[np].events = POLLIN;
				who[np++] = i;
			}
		}
		if (live == 0) {
			if (nfd == 0)
				break;
			wait = 0;	/* only what is left in the pipes */
		}
		if (poll(pfd, np, wait > INT_MAX ? INT_MAX : (int)wait) == -1) {
			if (errno == EINTR)
				continue;
			rc = -1;
			goto stop;
		}
		for (i = nfd; i < np; i++)
			if (pfd[i].revents != 0)
				c[who[i]].exited = 1;
		for (i = 0, moved = 0; i < nfd; i++) {
			p = &io[who[i]];
			if (pfd[i].revents == 0 || p->fd == -1)
				continue;
			if ((r = p->ready(p, p->arg)) == -1) {
				rc = RUN_STOPPED;
				goto stop;
			}
			if (r > 0) {
				moved = 1;
				if (p->child < nc)
					c[p->child].last = now_ms();
			}
		}
		if (live == 0 && !moved)
			break;
	}
	goto out;
stop:
	e = errno;
	run_stop(c, nc);
	errno = e;
out:
	for (i = 0; i < nc; i++) {
		if (c[i].pidfd != -1)
			close(c[i].pidfd);
		c[i].pidfd = -1;
	}
	free(pfd);
	free(who);
	return rc;
}

ssize_t
run_read(struct run_io *io, void *buf, size_t len)
{
	ssize_t	n;

	if ((n = read(io->fd, buf, len)) > 0)
		return n;
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	close(io->fd);
	io->fd = -1;
	return -1;
}

/* Append n bytes of what a child said to tail, keeping the last ones. */
static void
keeptail(char *tail, size_t *len, size_t cap, const char *buf, size_t n)
{
	if (n >= cap - 1) {
		memcpy(tail, buf + n - (cap - 1), cap - 1);
		*len = cap - 1;
	} else {
		if (*len + n > cap - 1) {
			memmove(tail, tail + (*len + n - (cap - 1)),
			    cap - 1 - n);
			*len = cap - 1 - n;
		}
		memcpy(tail + *len, buf, n);
		*len += n;
	}
	tail[*len] = '\0';
}

int
run_keep(struct run_io *io, void *arg)
{
	struct run_tail	*t = arg;
	char		 buf[4096];
	ssize_t		 n;

	if ((n = run_read(io, buf, sizeof(buf))) > 0 && t->buf != NULL &&
	    t->cap > 0)
		keeptail(t->buf, &t->len, t->cap, buf, n);
	return n != 0;
}

/*
 * The guard.  A program we wait for can outlive us: SIGKILLed while the
 * real sendmail runs, we would leave it to finish and deliver a message
 * whose queue entry stays, and a later -q would deliver it again.  No
 * death signal can be set on it (posix_spawn sets none, and the exec of a
 * set-id sendmail, exim's, clears one), and cutting its input short is no
 * cure (Postfix's sendmail delivers what it got at EOF).  So a child of
 * ours that does not exec stands between: the program is its child, in a
 * process group of its own, and the guard watches the program's end and
 * a "life" pipe whose write end only we hold.  Should the pipe reach EOF
 * first, we are dead, and the guard SIGKILLs the program's group before
 * the program has committed the message (Postfix's postdrop leaves an
 * incomplete file that pickup never delivers).  It reports the program's
 * pid, then how it ended.  The deadline is ours: our run_loop, whose child
 * is the guard, kills the program's group (and the guard) once the
 * program has made no progress for the timeout.
 *
 * The guard leads a process group of its own, so that what kills our
 * group (a terminal's ^C, timeout(1)) leaves it alive to see our death,
 * and it outlives TERM, INT, HUP and QUIT for the same reason; only a kill
 * of the guard's own pid orphans the program.  A death signal on the
 * guard would add nothing to the pipe: SIGKILL would take the guard before
 * it could kill the program, and a caught one says what the EOF says.
 */
enum { R_PID, R_NOTRUN, R_EXIT };

struct report {
	int	what;
	int	val;
};

static void
nop(int sig)
{
	(void)sig;
}

static void
say(int fd, int what, int val)
{
	struct report	r = { what, val };

	(void)write(fd, &r, sizeof(r));
}

/* Close every descriptor above 2 but the nkeep in keep. */
static void
keeponly(const int *keep, int nkeep)
{
	int	fd, max = 2, i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] > max)
			max = keep[i];
	closefrom(max + 1);
	for (fd = 3; fd <= max; fd++) {
		for (i = 0; i < nkeep && keep[i] != fd; i++)
			;
		if (i == nkeep)
			close(fd);
	}
}

/* Nothing is written to life: any event on it is our death. */
static int
died(struct run_io *io, void *arg)
{
	(void)io;
	(void)arg;
	return -1;
}

static void __attribute__((noreturn))
guard(const char *path, const char *const *av, char *const *env,
    const int *fds, int nfds, const struct run_as *as, int life, int rep)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
	struct sigaction	 sa;
	struct run_child	 c;
	struct run_io		 io;
	int			 keep[MAXFDS + 2], i, r;
	pid_t			 pid;

	if (nfds > MAXFDS) {
		say(rep, R_NOTRUN, EINVAL);
		_exit(1);
	}
	for (i = 0; i < nfds; i++)
		keep[i] = fds[i];
	keep[nfds] = life;
	keep[nfds + 1] = rep;
	keeponly(keep, nfds + 2);
	setpgid(0, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nop;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * The program's group is not the terminal's foreground group, as
	 * ours may be: with these ignored (and so for the program), what it
	 * writes to the terminal goes out even under "stty tostop", and a
	 * read from it fails at once, where it would be stopped until its
	 * deadline.
	 */
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	if (as == NULL)
		pid = spawn(path, av, env, fds, nfds);
	else
		pid = spawn_as(path, av, env, fds, nfds, as->uid, as->gid,
		    as->groups, as->ngroups);
	if (pid == -1) {
		say(rep, R_NOTRUN, errno);
		_exit(1);
	}
	say(rep, R_PID, pid);
	for (i = 0; i < nfds; i++)
		if (fds[i] > 2)
			close(fds[i]);
	memset(&c, 0, sizeof(c));
	c.pid = c.pgrp = pid;
	c.seekfd = -1;
	memset(&io, 0, sizeof(io));
	io.fd = life;
	io.events = POLLIN;
	io.ready = died;
	if ((r = run_loop(&c, 1, &io, 1, 0, NULL, NULL)) == RUN_DONE)
		say(rep, R_EXIT, c.ws);
	else if (r == -1)
		say(rep, R_NOTRUN, errno);
	_exit(0);
}

/* What the guard reports, as run_guarded's loop reads it. */
struct guarded {
	struct run_child	*c;
	int			 how;	/* R_EXIT, R_NOTRUN, or -1: no word */
	int			 val;
};

static int
reports(struct run_io *io, void *arg)
{
	struct guarded	*g = arg;
	struct report	 r;
	ssize_t		 n;

	if ((n = run_read(io, &r, sizeof(r))) != sizeof(r))
		return n != 0;
	if (r.what == R_PID)
		g->c->pgrp = r.val;
	else {
		g->how = r.what;
		g->val = r.val;
	}
	return 1;
}

int
run_guarded(const char *path, const char *const *av, char *const *env,
    const int *fds, int nfds, const struct run_as *as, int timeout, int within,
    int out, char *tail, size_t tailcap, int *ws)
{
	struct run_child	c;
	struct run_io		io[2];
	struct run_tail		t = { tail, tailcap, 0 };
	struct guarded		gd;
	struct report		rp;
	int			life[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int			o = -1, ret = -1, eno = 0, r, nio = 1;
	pid_t			g;

	if (tail != NULL && tailcap > 0)
		tail[0] = '\0';
	if (pipe2(life, O_CLOEXEC) == -1 || pipe2(rep, O_CLOEXEC) == -1 ||
	    (out != -1 && (o = fcntl(out, F_DUPFD_CLOEXEC, 3)) == -1) ||
	    (g = fork()) == -1) {
		eno = errno;
		goto out;
	}
	if (g == 0)
		guard(path, av, env, fds, nfds, as, life[0], rep[1]);
	close(life[0]);
	close(rep[1]);
	life[0] = rep[1] = -1;
	memset(&c, 0, sizeof(c));
	c.pid = g;
	c.seekfd = nfds > 0 ? fds[0] : -1;
	c.until = within > 0 ? now_ms() + within * 1000LL : 0;
	gd.c = &c;
	gd.how = -1;
	memset(io, 0, sizeof(io));
	io[0].fd = rep[0];
	io[0].events = POLLIN;
	io[0].ready = reports;
	io[0].arg = &gd;
	if (o != -1) {
		io[1].fd = o;
		io[1].events = POLLIN;
		io[1].ready = run_keep;
		io[1].arg = &t;
		nio = 2;
	}
	r = run_loop(&c, 1, io, nio, timeout, NULL, NULL);
	eno = errno;
	rep[0] = io[0].fd;
	o = nio == 2 ? io[1].fd : -1;
	if (r == RUN_TIMEOUT) {
		/* The program's pid, should it still be on its way. */
		while (c.pgrp == 0 && rep[0] != -1 &&
		    read(rep[0], &rp, sizeof(rp)) == sizeof(rp))
			if (rp.what == R_PID && rp.val > 0) {
				kill(-rp.val, SIGKILL);
				kill(rp.val, SIGKILL);
			}
		ret = 1;
	} else if (r == RUN_DONE && gd.how == R_EXIT) {
		*ws = gd.val;
		ret = 0;
	} else if (r == RUN_DONE)
		eno = gd.how == R_NOTRUN ? gd.val : ECHILD;
out:
	if (life[0] != -1)
		close(life[0]);
	if (life[1] != -1)
		close(life[1]);
	if (rep[0] != -1)
		close(rep[0]);
	if (rep[1] != -1)
		close(rep[1]);
	if (o != -1)
		close(o);
	errno = eno;
	return ret;
}

void
run_describe(char *err, size_t errlen, const char *what, int ws, char *tail)
{
	char	*nl, *last, line[256];

	while ((nl = strrchr(tail, '\n')) != NULL && nl[1] == '\0')
		*nl = '\0';
	last = (nl = strrchr(tail, '\n')) != NULL ? nl + 1 : tail;
	safestr(last, line, sizeof(line));
	if (WIFSIGNALED(ws))
		snprintf(err, errlen, "%s killed by signal %d", what,
		    WTERMSIG(ws));
	else if (line[0] != '\0')
		snprintf(err, errlen, "%s exited with status %d: %s", what,
		    WEXITSTATUS(ws), line);
	else
		snprintf(err, errlen, "%s exited with status %d", what,
		    WEXITSTATUS(ws));
}

void
run_expired(char *err, size_t errlen, const char *what, int timeout)
{
	snprintf(err, errlen, "%s did not finish within %d s without progress",
	    what, timeout);
}

int
run_oserr(int eno)
{
	return eno == EAGAIN || eno == ENOMEM || eno == EMFILE ||
	    eno == ENFILE || eno == EINVAL;
}
