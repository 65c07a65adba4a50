/*
 * backend.h: the real sendmail.
 *
 * backend_optok	may option c ('F', 'B', 'N', 'R', 'V'; 'd' for -odX) with
 *		value v go on to the real sendmail, and into a queue entry?
 *		The one rule, for the command line and for -q
 * backend_keep	keep value v of option c ('F', 'B', 'N', 'R', 'V') in p if
 *		backend_optok allows it; 1 if kept, 0 if dropped
 * backend_optsok	do an entry's options (one argument an element) pass
 *		backend_optok, each value right after its option?
 * backend_opts	the caller's options this flavor of sendmail takes, in av
 *		(room for MAXOPTS); their count
 * backend_send	hand one finished output (fd, read from offset base) to
 *		the real sendmail with those options, from sender (NULL:
 *		no -f, the real sendmail chooses), for the recipients
 *		given, and wait; EX_OK, or a sysexit with err set:
 *		EX_TEMPFAIL when it was killed for having gone the config's
 *		timeout without progress, or for having run the config's
 *		within (never to be our exit status).  It is killed too,
 *		through a guard (run_guarded), if we die while it runs, so
 *		that it never delivers what our queue still holds.  With
 *		as other than (uid_t)-1, root runs it as that user, in a
 *		session of its own, its output kept (its last line goes
 *		into err)
 * backend_notice	mail a notice of ours (header made here, text given)
 *		to one address from the null sender (as backend_send runs
 *		as as); EX_OK or a sysexit
 * backend_modes	does this flavor's sendmail have the modes -bp, -bi, -q
 * backend_exec	become the real sendmail running one of its own modes
 *		(-bp, -bi, -q...), having given up what a set-id install
 *		gave us; returns only if it could not, errno set
 *
 * The argv is always: "sendmail", the fixed arguments of the config, -i,
 * -f sender (when the caller gave one), the caller's options that this flavor of sendmail takes,
 * "--", the recipients.  Never -t, never a shell.
 */
#ifndef BACKEND_H
#define BACKEND_H

#include <sys/types.h>

#include <stddef.h>

#include "conf.h"

/* The caller's options that may be passed on, NULL where not given. */
struct passon {
	const char	*fullname;	/* -F */
	const char	*bodytype;	/* -B 7BIT or 8BITMIME */
	const char	*notify;	/* -N */
	const char	*ret;		/* -R */
	const char	*envid;		/* -V */
	const char	*deliverymode;	/* "-odb", "-odi"... */
};

#define MAXOPTS	11	/* what backend_opts may give */

int	backend_optok(int c, const char *v);
int	backend_keep(struct passon *, int c, const char *v);
int	backend_optsok(const char *const *opts, size_t n);
size_t	backend_opts(const struct conf *, const struct passon *,
	    const char **av);
int	backend_send(const struct conf *, const char *sender,
	    const char *const *opt, size_t nopt, int fd, off_t base,
	    const char *const *rcpt, size_t n, uid_t as, char *err,
	    size_t errlen);
int	backend_modes(const struct conf *);
void	backend_exec(const struct conf *, const char *const *args);
int	backend_notice(const struct conf *, const char *host, const char *to,
	    const char *subject, const char *text, uid_t as, char *err,
	    size_t errlen);

#endif
