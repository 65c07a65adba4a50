/*
 * run.h: starting a program, no shell.
 *
 * run_spawn	start path with the argv and environment given, fds[i] as
 *		its descriptor i (i < nfds) and no other descriptor open,
 *		SIGPIPE at its default, no signal blocked, and our real
 *		user and group IDs as its effective ones; the pid, or -1 with errno set (the
 *		exec's own errno when the program could not be run)
 * run_spawn_as	the same, as user uid with gid and the groups given, in
 *		a session of its own and in / (root only)
 * run_guarded	run path as run_spawn does (as NULL) or as run_spawn_as does
 *		(as given), through a guard process: the program leads a
 *		process group of its own, and the guard SIGKILLs that group
 *		should we die before the program ends, or once timeout
 *		seconds have passed; meanwhile what arrives on out (-1: no
 *		such descriptor) is kept in tail (cap tailcap).  0 with *ws
 *		its wait status; 1 if it was killed at its deadline; -1 with
 *		errno set (the exec's errno if it could not be run)
 * run_keeptail	append n bytes of what a child said to tail (cap bytes,
 *		*len used), keeping the last ones
 * run_describe	"WHAT exited with status N: its last line" (made safe), or
 *		"WHAT killed by signal N", into err; trims tail's ending
 * run_oserr	whether such an errno is the system's (no memory, too many
 *		processes), not the program's
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

pid_t	run_spawn(const char *path, const char *const *av, char *const *env,
	    const int *fds, int nfds);
pid_t	run_spawn_as(const char *path, const char *const *av,
	    char *const *env, const int *fds, int nfds, uid_t uid, gid_t gid,
	    const gid_t *groups, int ngroups);
int	run_guarded(const char *path, const char *const *av,
	    char *const *env, const int *fds, int nfds, const struct run_as *,
	    int timeout, int out, char *tail, size_t tailcap, int *ws);
void	run_keeptail(char *tail, size_t *len, size_t cap, const char *buf,
	    size_t n);
void	run_describe(char *err, size_t errlen, const char *what, int ws,
	    char *tail);
int	run_oserr(int eno);

#endif
