/*
 * bench/cpuwrap.c: run REAL with our arguments, wait for it, and append
 * the CPU time (user + system, in microseconds) of it and of the
 * descendants it waited for to LOG, one line a run.  bench/gateway.sh
 * builds one for each program whose CPU it counts, with LOG and REAL
 * given at build time (spawn(8) and pgpsendmail pass no environment).
 */
#include <sys/resource.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage	 ru;
	pid_t		 pid;
	char		 buf[64];
	int		 st, fd, n;

	(void)argc;
	argv[0] = REAL;
	if ((pid = fork()) == -1)
		return 75;
	if (pid == 0) {
		execv(REAL, argv);
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) == -1)
		if (errno != EINTR)
			return 75;
	n = snprintf(buf, sizeof(buf), "%lld\n",
	    (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	if ((fd = open(LOG, O_WRONLY | O_APPEND | O_CREAT, 0666)) != -1) {
		if (write(fd, buf, (size_t)n) != n)
			n = 0;
		close(fd);
	}
	if (WIFSIGNALED(st)) {
		signal(WTERMSIG(st), SIG_DFL);
		raise(WTERMSIG(st));
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 75;
}
