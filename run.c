/*
 * Starting a program with posix_spawn.  glibc makes the child with
 * clone(CLONE_VM | CLONE_VFORK): unlike fork, nothing of our address
 * space is copied and no copy-on-write fault follows in us, so starting
 * gpg and the real sendmail costs us little, and a failed exec comes
 * back as posix_spawn's own error instead of an exit status.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include "run.h"

#define MAXFDS	8

pid_t
run_spawn(const char *path, const char *const *av, char *const *env,
    const int *fds, int nfds)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 def, mask;
	int				 src[MAXFDS], tmp[MAXFDS], i, e;
	pid_t				 pid = -1;

	if (nfds > MAXFDS) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * Each source out of the range 0..nfds-1 first, so that no dup2
	 * overwrites a source still to be used, and none is its own target
	 * (whose close-on-exec flag dup2 would leave set).
	 */
	for (i = 0; i < nfds; i++)
		tmp[i] = -1;
	for (i = 0; i < nfds; i++) {
		src[i] = fds[i];
		if (fds[i] < nfds) {
			if ((tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC,
			    nfds)) == -1)
				goto out;
			src[i] = tmp[i];
		}
	}
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
	e = errno;
	for (i = 0; i < nfds; i++)
		if (tmp[i] != -1)
			close(tmp[i]);
	errno = e;
	return pid;
}

int
run_oserr(int eno)
{
	return eno == EAGAIN || eno == ENOMEM || eno == EMFILE ||
	    eno == ENFILE || eno == EINVAL;
}
