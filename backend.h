/*
 * backend.h: the real sendmail.
 *
 * backend_send	hand one finished output (fd, read from its start) to the
 *		real sendmail for the recipients given, and wait; EX_OK, or a
 *		sysexit with err set
 * backend_exec	become the real sendmail running one of its own modes
 *		(-bp, -bi, -q...); returns only if the exec failed
 *
 * The argv is always: "sendmail", the fixed arguments of the config, -i,
 * -f sender, the caller's options that this flavor of sendmail takes,
 * "--", the recipients.  Never -t, never a shell.
 */
#ifndef BACKEND_H
#define BACKEND_H

#include <stddef.h>

#include "keymap.h"

/* The caller's options that may be passed on, NULL where not given. */
struct passon {
	const char	*fullname;	/* -F */
	const char	*bodytype;	/* -B 7BIT or 8BITMIME */
	const char	*notify;	/* -N */
	const char	*ret;		/* -R */
	const char	*envid;		/* -V */
	const char	*deliverymode;	/* "-odb", "-odi"... */
};

int	backend_send(const struct conf *, const struct passon *,
	    const char *sender, int fd, const char *const *rcpt, size_t n,
	    char *err, size_t errlen);
void	backend_exec(const struct conf *, const char *const *args);

#endif
