/*
 * msg.h: one message: its configuration, envelope, header, recipients and
 * what went wrong with it.  No processes, no outputs: the pipeline
 * (send.c) fills it in, the outputs (out.c) read it.
 *
 * msg_init	a message with its configuration, the caller's options for
 *		the real sendmail, and the user's login as envelope sender
 * msg_sender	the envelope sender (-f, MAIL FROM; "" and "<>" the null
 *		sender); EX_OK, or EX_USAGE with the failure in m->err
 * msg_rcpt	add each address of an address list (an operand, a header
 *		field); NULL, or why it is malformed
 * msg_add	add one addr-spec unless it is there already; NULL, or why
 *		not (routed, too many recipients, out of memory)
 * msg_drop	take back the recipients from index n on, newest first, as
 *		if they had never been added
 * msg_find	the index of a recipient (case-insensitive), or -1
 * msg_refusal	why recipient r cannot be sent to (rejected by the keymap,
 *		a key missing), in buf, or NULL if it can be; the caller
 *		decides whether it is a failure (msg_fail, msg_defer)
 * msg_fail	a failure: into m->err and m->report, and to stderr unless
 *		m->quiet
 * msg_defer	a failure that may yet not count: into m->err and m->report
 *		only; the caller shows m->report if it does
 * msg_rcptlist	"a,b,c" of the recipients, cut to fit len
 * msg_log	one syslog line: sender, recipients, keys, outcome
 * msg_fate	with m->each: what became of the recipient addr (FATE_SENT,
 *		FATE_REFUSED, FATE_FAILED) and why, for its own reply
 * msg_reset	forget the message (recipients, header, failures), keep the
 *		configuration and the encrypt-to keys
 */
#ifndef MSG_H
#define MSG_H

#include <sys/types.h>

#include <stddef.h>

#include "gpg.h"
#include "keymap.h"
#include "rfc5322.h"

#define MAXRCPTS	10000	/* recipients of one message */
#define REPORTLEN	2048	/* what is kept of the failure lines */

struct passon;

struct rcpt {
	char			 addr[ADDR_MAX + 1];
	const struct keymap_entry *e;
	struct keyquery		*q;	/* keyring: one, by address; keys: */
	size_t			 nq;	/* one for each fingerprint */
	int			 looked;	/* q is filled in */
	int			 fate;	/* with m->each: FATE_... */
	char			*why;	/* ... and why, unless FATE_SENT */
	int			 hold;	/* with each: left out of this
					   out_make (the border's passes) */
};

/* What became of one recipient, when each has an outcome of its own. */
enum { FATE_NONE, FATE_SENT, FATE_REFUSED, FATE_FAILED };

struct msg {
	/* configuration, for every message */
	const struct conf	*conf;
	const struct keymap	*km;
	struct gpg		 g;
	const struct passon	*pass;
	const char		*host;
	const char		*login;
	int			 t;	/* -t: recipients from the header */
	int			 quiet;	/* failures go to m->err only */
	int			 each;	/* --gateway: an outcome for each
					   recipient (msg_fate), never our
					   queue */
	long long		 deadline;	/* with each: no child runs
						   past it (time(3)); 0 none */
	void			(*handed)(struct msg *, void *);
	void			*handedarg;	/* with each: called after
						   each copy's hand-off */
	void			(*copy)(struct msg *, void *, int fd,
				    off_t base, const char *const *rcpt,
				    size_t n, long long deadline);
	void			*copyarg;	/* with each: hands one copy
						   (fd from base) on instead of
						   the real sendmail, by the
						   deadline, and tells each
						   recipient's fate (msg_fate);
						   NULL: the real sendmail */
	struct keyquery		*encryptto;	/* the encrypt-to keys */
	size_t			 nencryptto;
	int			 encrypttolooked;

	/* this message */
	char			 sender[ADDR_MAX + 1];	/* envelope; "<>" null */
	int			 fopt;	/* given (-f, MAIL FROM): passed on;
					   else the real sendmail chooses */
	struct input		*in;
	struct hdr		 h;
	struct rcpt		*r;
	size_t			 nr;
	size_t			*seen;	/* hash of r's addresses: index + 1 */
	size_t			 nseen;	/* slots, a power of two */
	char			 keys[REPORTLEN];	/* fingerprints used */
	char			 err[ERRLEN];	/* the last failure */
	char			 report[REPORTLEN];	/* all failure lines */
	int			 passed;	/* sent as it came: encrypted already */
	char			 queued[ERRLEN];	/* why some went to the queue */
};

void		 msg_init(struct msg *, const struct conf *,
		    const struct keymap *, const struct passon *,
		    const char *host, const char *login);
int		 msg_sender(struct msg *, const char *);
const char	*msg_rcpt(struct msg *, const char *list);
const char	*msg_add(struct msg *, const char *addr);
void		 msg_drop(struct msg *, size_t n);
ssize_t		 msg_find(const struct msg *, const char *addr);
const char	*msg_refusal(const struct rcpt *, char *buf, size_t len);
void		 msg_fail(struct msg *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 msg_defer(struct msg *, const char *why);
void		 msg_rcptlist(const struct msg *, char *buf, size_t len);
void		 msg_log(const struct msg *, int ex);
void		 msg_fate(struct msg *, const char *addr, int fate,
		    const char *why);
void		 msg_reset(struct msg *);

#endif
