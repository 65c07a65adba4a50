/*
 * reinject.h: an SMTP client that hands the gateway's copies back to the
 * MTA (the config's reinject HOST:PORT, an smtpd without a content
 * filter), one connection kept for every copy of a session.
 *
 * reinject_init	a client for conf's reinject address, saying host in
 *		EHLO; not connected yet
 * reinject_copy	one transaction: MAIL FROM env's sender and
 *		parameters, RCPT TO each of r[] with its own parameters,
 *		DATA with the message read from fd at base (LF lines, sent
 *		CRLF and dot-stuffed, never whole in memory); connects first
 *		if need be, and gives up at time(3) deadline.  Each r[i].sent
 *		says whether that recipient's copy was taken (its RCPT and
 *		the final dot both got 2xx), else r[i].why why not.  A
 *		failed transaction is RSET, a broken connection closed (the
 *		next copy connects again)
 * reinject_close	QUIT, if connected, and close
 */
#ifndef REINJECT_H
#define REINJECT_H

#include <sys/types.h>

#include <stddef.h>

#include "conf.h"

#define RJ_LINE	1024	/* a reply line kept; longer ones are cut */

struct reinject {
	const struct conf *c;
	const char	*host;
	int		 fd;		/* -1: not connected */
	int		 pipelining, dsn, eightbit, smtputf8;	/* EHLO said */
	char		 in[4096];	/* replies read, not used yet */
	size_t		 nin, off;
	char		 out[8192];	/* commands not sent yet: they go */
	size_t		 nout;		/* together before a reply is read */
	char		 line[RJ_LINE];	/* the last reply's last line */
};

/* One transaction's envelope, as the gateway received it over LMTP. */
struct rjenv {
	const char	*sender;	/* "" the null sender */
	const char	*body;		/* BODY=, or NULL */
	const char	*ret;		/* RET= */
	const char	*envid;		/* ENVID=, in xtext */
	int		 smtputf8;
};

struct rjrcpt {
	const char	*addr;
	const char	*params;	/* "NOTIFY=... ORCPT=...", or NULL */
	int		 sent;		/* out: the copy was taken for it */
	char		 why[ERRLEN];	/* out: else why not */
};

void	reinject_init(struct reinject *, const struct conf *,
	    const char *host);
void	reinject_copy(struct reinject *, const struct rjenv *,
	    struct rjrcpt *r, size_t n, int fd, off_t base,
	    long long deadline);
void	reinject_close(struct reinject *);

#endif
