/*
 * border.h: the receiving border.  In --gateway with transport-home set,
 * mail encrypted to this site's transport key (PGP/MIME at the top level)
 * is decrypted for the recipients the keymap says get it plain, its
 * protected header restored when a peer site's transport key signed it.
 *
 * border_init	once, for the gateway: the encryption runs (sign-key) and
 *		the decryption runs use the transport home; EX_OK, or
 *		EX_CONFIG with m->err set
 * border_send	msg_send's stand-in for one message: every incoming
 *		Pgpsendmail-Border field removed; the transport home checked
 *		(a failure defers the message: EX_TEMPFAIL, m->err set); mail
 *		that is not for us through the pipeline as before; ours
 *		decrypted, or passed on unchanged with a Pgpsendmail-Border
 *		field saying why not.  Each recipient's outcome in its fate,
 *		as out_make leaves them
 */
#ifndef BORDER_H
#define BORDER_H

#define BORDER_FIELD	"Pgpsendmail-Border"

struct msg;

int	border_init(struct msg *);
int	border_send(struct msg *);

#endif
