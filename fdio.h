/*
 * fdio.h: writing to descriptors, and files with no name.
 *
 * fd_write	write all of p to fd, retrying short writes and EINTR; -1 on
 *		error (errno set)
 * fd_anon	a new unlinked file of mode 0600 for an output that is not
 *		queued: in spooldir (NULL: never) when this user may write
 *		there, else in $TMPDIR (not when set-id) or /tmp; -1 with
 *		err set
 */
#ifndef FDIO_H
#define FDIO_H

#include <stddef.h>

int	fd_write(int fd, const void *p, size_t n);
int	fd_anon(const char *spooldir, char *err, size_t errlen);

#endif
