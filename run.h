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

pid_t	run_spawn(const char *path, const char *const *av, char *const *env,
	    const int *fds, int nfds);
pid_t	run_spawn_as(const char *path, const char *const *av,
	    char *const *env, const int *fds, int nfds, uid_t uid, gid_t gid,
	    const gid_t *groups, int ngroups);
void	run_keeptail(char *tail, size_t *len, size_t cap, const char *buf,
	    size_t n);
void	run_describe(char *err, size_t errlen, const char *what, int ws,
	    char *tail);
int	run_oserr(int eno);

#endif
