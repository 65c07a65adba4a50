/*
 * pgpsendmail.h: one message, from its envelope to the hand-off; shared
 * by the sendmail command line (pgpsendmail.c) and the SMTP dialogue
 * (smtp.c).
 *
 * msg_init	a message with its configuration and envelope sender
 * msg_rcpt	add a recipient from an address list (an operand, an RCPT);
 *		NULL, or why it is malformed
 * msg_check	add the one mailbox of an RCPT if it can be sent to
 *		(keymap, keys): EX_OK; EX_DATAERR if it is not exactly one
 *		acceptable address, EX_NOUSER if it cannot be sent to, with
 *		m->err saying why (nothing of it is kept)
 * msg_keys	each recipient's keymap line and keys (one gpg run for all
 *		that were not looked up yet, and the encrypt-to keys)
 * msg_find	the index of a recipient, or -1
 * msg_refused	can recipient r not be sent to?  Then 1, and its line
 * msg_fail	a failure: into m->err and m->report, and to stderr unless
 *		m->quiet or m->defer
 * msg_make	make every output of a checked message and hand them off
 *		(out.c)
 * msg_header	read the header section from m->in; with m->t, add the
 *		recipients it names
 * msg_send	read the message from m->in, encrypt, hand off; EX_OK or a
 *		sysexit, each failure also written to stderr unless m->quiet
 *		and the last one kept in m->err
 * msg_log	one syslog line: sender, recipients, keys, outcome
 * msg_notice	mail a refusal back to the sender (no body, no Subject);
 *		EX_OK once the real sendmail has it
 * msg_reset	forget the message, keep the configuration
 *
 * verify	-bv: say what each recipient would get, send nothing; EX_OK
 *		only if every one could be sent to (verify.c)
 * smtp_serve	-bs: an SMTP dialogue on stdin and stdout (smtp.c)
 * queue_run	-q: hand every queued entry on again, give up those past
 *		queue-lifetime (queue.c)
 * queue_list	-bp: list the queued entries
 */
#ifndef PGPSENDMAIL_H
#define PGPSENDMAIL_H

#include <stddef.h>

#include "backend.h"
#include "gpg.h"
#include "input.h"
#include "keymap.h"
#include "rfc5322.h"

#define MAXRCPTS	10000	/* recipients of one message */
#define REPORTLEN	2048	/* what is kept of the failure lines */

struct rcpt {
	char			 addr[ADDR_MAX + 1];
	const struct keymap_entry *e;
	struct keyquery		*q;	/* keyring: one, by address; keys: */
	size_t			 nq;	/* one for each fingerprint */
	int			 looked;	/* q is filled in */
};

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
	int			 defer;	/* ... for now: m->report keeps them */

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
	struct keyquery		*arch;	/* the encrypt-to keys */
	size_t			 narch;
	int			 archlooked;
	int			 passed;	/* sent as it came: encrypted already */
	char			 queued[ERRLEN];	/* why some went to the queue */
};

void		 msg_init(struct msg *, const struct conf *,
		    const struct keymap *, const struct passon *,
		    const char *host, const char *login);
int		 msg_sender(struct msg *, const char *);
const char	*msg_rcpt(struct msg *, const char *list);
int		 msg_check(struct msg *, const char *path);
int		 msg_keys(struct msg *);
ssize_t		 msg_find(const struct msg *, const char *addr);
int		 msg_refused(struct msg *, const struct rcpt *);
void		 msg_fail(struct msg *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		 msg_make(struct msg *);
int		 msg_header(struct msg *);
int		 msg_send(struct msg *);
void		 msg_log(const struct msg *, int ex);
int		 msg_notice(struct msg *);
void		 msg_reset(struct msg *);

int		 verify(struct msg *);
int		 queue_run(const struct conf *, const char *host, char *err,
		    size_t errlen);
int		 queue_list(const struct conf *, char *err, size_t errlen);
int		 smtp_serve(struct msg *, struct input *);

#endif
