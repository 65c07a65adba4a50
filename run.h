/*
 * run.h: starting a program, no shell, and the one loop its pipes, its
 * deadline and its end go through.
 *
 * run_spawn	start path with the argv and environment given, fds[i] as
 *		its descriptor i (i < nfds) and no other descriptor open,
 *		SIGPIPE at its default, no signal blocked, our real user and
 *		group IDs as its effective ones, leading a process group of
 *		its own (so that run_loop can kill it and what it started);
 *		the pid, or -1 with errno set (the exec's own errno when the
 *		program could not be run)
 * run_loop	the one loop every child goes through: until every child
 *		has ended, call each open run_io's ready when poll says its
 *		descriptor is ready (prepare, if not NULL, before each poll,
 *		the time it takes not counted), reap the children, then take
 *		what is left in the pipes.  A child that makes no progress for
 *		timeout seconds (0: no limit) has its process group SIGKILLed,
 *		and so has every other; a ready or prepare that returns -1
 *		does the same.
 *		RUN_DONE with each child's ws set; RUN_TIMEOUT or RUN_STOPPED,
 *		the children killed and reaped; -1 with errno set (poll,
 *		waitpid), the same.  The descriptors are made non-blocking and
 *		left to the caller to close, but for those a ready closed
 * run_stop	SIGKILL each child's process group and reap it
 * run_read	read from a run_io: the count, 0 if nothing is there now,
 *		-1 at its end (or on an error), the descriptor then closed
 * run_keep	a ready for a run_io whose arg is a run_tail: keeps the end
 *		of what a child says (its stderr), for run_describe
 * run_guarded	run path as run_spawn does (as NULL) or as the user as
 *		names (root only: uid, gid, groups; in a session of its own
 *		and in /), through a guard process: the program leads a
 *		process group of its own, and the guard SIGKILLs that group
 *		should we die before the program ends; and we SIGKILL it
 *		through run_loop once it has made no progress (no output on
 *		out, no move of the offset of the file fds[0]) for timeout
 *		seconds, or (within > 0) once it has run within seconds.  Meanwhile what arrives on out (-1: no such
 *		descriptor) is kept in tail (cap tailcap).  0 with *ws its
 *		wait status; 1 if it was killed at its deadline; -1 with
 *		errno set (the exec's errno if it could not be run)
 * run_expired	"WHAT did not finish within N s without progress", into err
 * run_describe	"WHAT exited with status N: its last line" (made safe), or
 *		"WHAT killed by signal N", into err; trims tail's ending
 * run_oserr	whether such an errno is the system's (no memory, too many
 *		processes), not the program's
 * run_until	a run_child's until for a deadline given as a time(): 0 for
 *		0 (none), else that moment on the loop's clock (now if past)
 */
#ifndef RUN_H
#define RUN_H

#include <sys/types.h>

#include <stddef.h>

/* Whom run_guarded runs a program as, for root; NULL: as we are. */
struct run_as {
	uid_t		 uid;
	gid_t		 gid;
	const gid_t	*groups;
	int		 ngroups;
};

/*
 * A child of run_loop.  Its clock is how long it has gone without
 * progress: it starts again whenever the child moves a byte through one of
 * its run_io (or moves the offset of seekfd, a file it reads), and stands
 * still while one of its run_io is idle (it has all we have for it and
 * waits on us, or we are in prepare).
 */
struct run_child {
	pid_t		 pid;	/* ours to wait for; -1: ended (or never run) */
	pid_t		 pgrp;	/* its process group, killed with it; 0: none */
	int		 seekfd;	/* a file it reads, or -1 */
	int		 ws;	/* its wait status, once it has ended */

	/* the loop's */
	int		 pidfd;
	int		 exited;	/* its pidfd says so: to reap */
	long long	 last;	/* ms: its last progress */
	long long	 until;	/* ms, CLOCK_MONOTONIC: stopped then, progress
				   or not; 0 never */
	off_t		 off;	/* of seekfd, then */
};

/*
 * One of our descriptors that leads to or from a child.  ready moves
 * what it can: returns > 0 if it moved bytes (or found the end and
 * closed fd: progress too), 0 if nothing moved, -1 to stop everything.
 */
struct run_io {
	int		 fd;	/* ours; -1 once closed */
	short		 events;	/* POLLIN, or POLLOUT */
	int		 idle;	/* POLLOUT with nothing to give now */
	size_t		 child;	/* whose: an index into the children */
	int		(*ready)(struct run_io *, void *arg);
	void		*arg;
};

/* What run_keep keeps: the last cap - 1 bytes, a string. */
struct run_tail {
	char		*buf;
	size_t		 cap;
	size_t		 len;
};

enum { RUN_DONE, RUN_TIMEOUT, RUN_STOPPED };

int	run_loop(struct run_child *, size_t nc, struct run_io *, size_t nio,
	    int timeout, int (*prepare)(void *), void *arg);
void	run_stop(struct run_child *, size_t nc);
ssize_t	run_read(struct run_io *, void *buf, size_t len);
int	run_keep(struct run_io *, void *tail);
pid_t	run_spawn(const char *path, const char *const *av, char *const *env,
	    const int *fds, int nfds);
int	run_guarded(const char *path, const char *const *av,
	    char *const *env, const int *fds, int nfds, const struct run_as *,
	    int timeout, int within, int out, char *tail, size_t tailcap,
	    int *ws);
void	run_expired(char *err, size_t errlen, const char *what, int timeout);
void	run_describe(char *err, size_t errlen, const char *what, int ws,
	    char *tail);
int	run_oserr(int eno);
long long run_until(long long deadline);

#endif
