/*
 * out.h: the outputs of one message, made and handed off.
 *
 * out_make	make every output of a message whose recipients and keys
 *		are looked up (one ciphertext for the visible recipients,
 *		one for each blind one, a plain copy, or the message as it
 *		came if it is encrypted already), each complete before any
 *		is handed to the real sendmail or queued; EX_OK (a message
 *		queued counts: m->queued says why) or a sysexit, with the
 *		failures in m->err and m->report.  With m->each (the
 *		gateway) nothing is queued, a refused recipient does not
 *		stop the others, and each recipient's fate says what became
 *		of it: EX_OK then means only that the outputs were made
 */
#ifndef OUT_H
#define OUT_H

struct msg;

int	out_make(struct msg *);

#endif
