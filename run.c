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

/* run_spawn; with pgroup, the child leads a process group of its own. */
static pid_t
spawn(const char *path, const char *const *av, char *const *env,
    const int *fds, int nfds, int pgroup)
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
	if (e == 0 && pgroup)
		e = posix_spawnattr_setpgroup(&at, 0);
	if (e == 0)
		e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
		    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_RESETIDS |
		    (pgroup ? POSIX_SPAWN_SETPGROUP : 0));
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
	return spawn(path, av, env, fds, nfds, 0);
}

/*
 * The same, as another user (uid, with gid and the groups given), in a
 * session of its own, in /: for root's queue run, which hands each entry
 * on as the user who queued it, and must give that user nothing of its
 * own (no terminal, no descriptor but those given).  posix_spawn cannot
 * change users, so this forks; a failed exec comes back through a
 * close-on-exec pipe.
 */
pid_t
run_spawn_as(const char *path, const char *const *av, char *const *env,
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
 * incomplete file that pickup never delivers).  It does the same at the
 * deadline.  It reports the program's pid, then how it ended.
 *
 * The guard leads a process group of its own, so that what kills our
 * group (a terminal's ^C, timeout(1)) leaves it alive to see our death,
 * and it outlives TERM, INT, HUP and QUIT for the same reason; only a kill
 * of the guard's own pid orphans the program.  A death signal on the
 * guard would add nothing to the pipe: SIGKILL would take the guard before
 * it could kill the program, and a caught one says what the EOF says.
 */
enum { R_PID, R_NOTRUN, R_EXIT, R_TIMEOUT };

struct report {
	int	what;
	int	val;
};

#define GRACE	10	/* s we wait for the guard past its deadline */

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* The program's process group, and the program (should it have left it). */
static void
killgroup(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
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

static void __attribute__((noreturn))
guard(const char *path, const char *const *av, char *const *env,
    const int *fds, int nfds, const struct run_as *as, int timeout,
    int life, int rep)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
	struct sigaction	 sa;
	struct pollfd		 pfd[2];
	int			 keep[MAXFDS + 2], i, pidfd, ws;
	long long		 end, left;
	pid_t			 pid, w;

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
	end = now_ms() + timeout * 1000LL;
	if (as == NULL)
		pid = spawn(path, av, env, fds, nfds, 1);
	else
		pid = run_spawn_as(path, av, env, fds, nfds, as->uid, as->gid,
		    as->groups, as->ngroups);
	if (pid == -1) {
		say(rep, R_NOTRUN, errno);
		_exit(1);
	}
	say(rep, R_PID, pid);
	for (i = 0; i < nfds; i++)
		if (fds[i] > 2)
			close(fds[i]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		if ((w = waitpid(pid, &ws, WNOHANG)) == pid) {
			say(rep, R_EXIT, ws);
			_exit(0);
		}
		if (w == -1 && errno != EINTR) {
			killgroup(pid);
			say(rep, R_NOTRUN, errno);
			_exit(1);
		}
		if ((left = end - now_ms()) <= 0) {
			killgroup(pid);
			while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
				;
			say(rep, R_TIMEOUT, 0);
			_exit(0);
		}
		/* Without a pidfd (an old kernel), look again every 100 ms. */
		if (pidfd == -1 && left > 100)
			left = 100;
		pfd[0].fd = life;
		pfd[1].fd = pidfd;
		pfd[0].events = pfd[1].events = POLLIN;
		/* Nothing is written to life: any event on it is our death. */
		if (poll(pfd, 2, left > 60000 ? 60000 : (int)left) > 0 &&
		    pfd[0].revents != 0) {
			killgroup(pid);
			while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
				;
			_exit(0);
		}
	}
}

int
run_guarded(const char *path, const char *const *av, char *const *env,
    const int *fds, int nfds, const struct run_as *as, int timeout, int out,
    char *tail, size_t tailcap, int *ws)
{
	struct pollfd	pfd[2];
	struct report	r;
	char		buf[512];
	size_t		taillen = 0;
	int		life[2] = { -1, -1 }, rep[2] = { -1, -1 }, ret = -1;
	int		eno = 0;
	long long	end, left;
	pid_t		g, pid = -1;
	ssize_t		n;

	if (tail != NULL && tailcap > 0)
		tail[0] = '\0';
	if (pipe2(life, O_CLOEXEC) == -1 || pipe2(rep, O_CLOEXEC) == -1 ||
	    (g = fork()) == -1) {
		eno = errno;
		goto out;
	}
	if (g == 0)
		guard(path, av, env, fds, nfds, as, timeout, life[0], rep[1]);
	close(life[0]);
	close(rep[1]);
	life[0] = rep[1] = -1;
	if (out != -1)
		fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
	end = now_ms() + (timeout + GRACE) * 1000LL;
	for (;;) {
		if ((left = end - now_ms()) <= 0) {
			/* The guard is stopped, or stuck: ours to kill. */
			if (pid != -1)
				killgroup(pid);
			kill(g, SIGKILL);
			ret = 1;
			break;
		}
		pfd[0].fd = rep[0];
		pfd[1].fd = out;
		pfd[0].events = pfd[1].events = POLLIN;
		if (poll(pfd, 2, left > 60000 ? 60000 : (int)left) == -1) {
			if (errno == EINTR)
				continue;
			eno = errno;	/* closing life ends it all */
			break;
		}
		if (pfd[1].revents != 0) {
			if ((n = read(out, buf, sizeof(buf))) > 0)
				run_keeptail(tail, &taillen, tailcap, buf, n);
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				out = -1;
		}
		if (pfd[0].revents == 0)
			continue;
		if ((n = read(rep[0], &r, sizeof(r))) == -1 && errno == EINTR)
			continue;
		if (n != sizeof(r)) {
			/* The guard was killed: the program is not to live on. */
			if (pid != -1)
				killgroup(pid);
			eno = ECHILD;
			break;
		}
		if (r.what == R_PID) {
			pid = r.val;
			continue;
		}
		if (r.what == R_EXIT) {
			*ws = r.val;
			ret = 0;
		} else if (r.what == R_TIMEOUT)
			ret = 1;
		else
			eno = r.val;
		break;
	}
	close(life[1]);
	life[1] = -1;
	while (waitpid(g, NULL, 0) == -1 && errno == EINTR)
		;
	while (out != -1 && (n = read(out, buf, sizeof(buf))) > 0)
		run_keeptail(tail, &taillen, tailcap, buf, n);
out:
	if (life[0] != -1)
		close(life[0]);
	if (life[1] != -1)
		close(life[1]);
	if (rep[0] != -1)
		close(rep[0]);
	if (rep[1] != -1)
		close(rep[1]);
	errno = eno;
	return ret;
}

void
run_keeptail(char *tail, size_t *len, size_t cap, const char *buf, size_t n)
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

int
run_oserr(int eno)
{
	return eno == EAGAIN || eno == ENOMEM || eno == EMFILE ||
	    eno == ENFILE || eno == EINVAL;
}
