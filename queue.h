/*
 * queue.h: our own queue, seen from the command line; knows nothing of
 * gpg or of a message's plaintext.
 *
 * queue_run	-q: hand every queued entry on to the real sendmail again
 *		(as the user who queued it, when run by root), give up
 *		those past queue-lifetime with a notice to their sender;
 *		EX_OK, or EX_CANTCREAT with err set if the spool cannot be
 *		used
 * queue_list	-bp: list the queued entries on stdout, made safe for a
 *		terminal; EX_OK, or EX_CANTCREAT with err set
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>

struct conf;

int	queue_run(const struct conf *, const char *host, char *err,
	    size_t errlen);
int	queue_list(const struct conf *, char *err, size_t errlen);

#endif
