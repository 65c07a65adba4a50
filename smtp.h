/*
 * smtp.h: -bs, an SMTP dialogue on stdin and stdout.
 *
 * smtp_serve	answer the commands read from in, each message through
 *		msg_send() with m's configuration, until QUIT or the end of
 *		the input; EX_OK (a refusal is a reply, not an exit status)
 */
#ifndef SMTP_H
#define SMTP_H

struct input;
struct msg;

int	smtp_serve(struct msg *, struct input *);

#endif
