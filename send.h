/*
 * send.h: the pipeline, from the message as it arrives to its hand-off;
 * for the command line (pgpsendmail.c), -bs (smtp.c), -bv (verify.c) and
 * --gateway (gateway.c).
 *
 * msg_header	read the header section from m->in, adding From, Date and
 *		Message-ID where missing; with m->t, add the recipients it
 *		names.  EX_OK or a sysexit, the failure in m->err
 * msg_keys	each recipient's keymap line and keys (one gpg run for all
 *		that were not looked up yet, and the encrypt-to keys)
 * msg_one	add the one mailbox of an RCPT (a repeat is no error): EX_OK,
 *		or EX_DATAERR if it is not exactly one acceptable address
 * msg_check	add the one mailbox of an RCPT if it can be sent to
 *		(keymap, keys): EX_OK; EX_DATAERR if it is not exactly one
 *		acceptable address, EX_NOUSER if it cannot be sent to, with
 *		m->err saying why (nothing of it is kept)
 * msg_send	read the message from m->in, encrypt, hand off; EX_OK or a
 *		sysexit, each failure also written to stderr unless m->quiet
 *		and the last one kept in m->err
 * msg_notice	mail a refusal back to the sender (no body, no Subject);
 *		EX_OK once the real sendmail has it
 */
#ifndef SEND_H
#define SEND_H

struct msg;

int	msg_header(struct msg *);
int	msg_keys(struct msg *);
int	msg_one(struct msg *, const char *path);
int	msg_check(struct msg *, const char *path);
int	msg_send(struct msg *);
int	msg_notice(struct msg *);

#endif
