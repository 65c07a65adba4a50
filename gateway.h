/*
 * gateway.h: --gateway, LMTP on stdin and stdout for an MTA's content
 * filter (Postfix's spawn(8) and lmtp(8)).
 *
 * gateway_serve	answer the LMTP commands read from in, each message
 *		through msg_send() with m->each set (an outcome for each
 *		recipient, no queue of ours), until QUIT or the end of the
 *		input; EX_OK, or EX_OSERR if it could not start
 */
#ifndef GATEWAY_H
#define GATEWAY_H

/* Bytes of one message (the tests build a copy with less). */
#ifndef GW_MAXSIZE
#define GW_MAXSIZE	(1024LL * 1024 * 1024)
#endif
#define GW_MAXRCPTS	1000	/* accepted RCPTs of one transaction */

struct input;
struct msg;

int	gateway_serve(struct msg *, struct input *);

#endif
