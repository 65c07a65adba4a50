/*
 * Writing to descriptors, and files with no name: for the outputs and
 * the notices, whether or not a queue is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"

int
fd_write(int fd, const void *buf, size_t n)
{
	const char	*p = buf;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

/*
 * An anonymous file of mode 0600, made with O_TMPFILE
 * (or mkstemp and unlink), in spooldir when the user may write there,
 * else in $TMPDIR or /tmp.  It has no name, so nothing is left behind.
 */
static int
anonfile(const char *dir)
{
	char	path[PATH_MAX];
	int	fd, saved;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	if (snprintf(path, sizeof(path), "%s/.out.XXXXXXXXXX", dir) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1)
		return -1;
	if (unlink(path) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
fd_anon(const char *spooldir, char *err, size_t errlen)
{
	const char	*dir = spooldir;
	int		 fd;

	if (dir == NULL || access(dir, W_OK | X_OK) == -1) {
		dir = getenv("TMPDIR");
		if (dir == NULL || dir[0] != '/' || getegid() != getgid())
			dir = "/tmp";
	}
	if ((fd = anonfile(dir)) == -1)
		snprintf(err, errlen, "%s: cannot create a file: %s", dir,
		    strerror(errno));
	return fd;
}
