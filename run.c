/*
 * Starting a program with posix_spawn.  glibc makes the child with
 * clone(CLONE_VM | CLONE_VFORK): unlike fork, nothing of our address
 * space is copied and no copy-on-write fault follows in us, so starting
 * gpg and the real sendmail costs us little, and a failed exec comes
 * back as posix_spawn's own error instead of an exit status.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

pid_t
run_spawn(const char *path, const char *const *av, char *const *env,
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
		e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
		    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_RESETIDS);
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
