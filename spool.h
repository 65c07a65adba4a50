/*
 * spool.h: where finished outputs wait for the real sendmail.
 *
 * spool_open	a new, empty, unlinked 0600 file for one output (ciphertext,
 *		or the copy the keymap says is plain); -1 and err set on error
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>

int	spool_open(const char *spooldir, char *err, size_t errlen);
int	spool_write(int fd, const void *p, size_t n);

#endif
