/*
 * verify.h: -bv, the admin's check of the keymap and the keys.
 *
 * verify	say on stdout what each recipient of m would get (the keymap
 *		line, the keys with their expiry, or why it is refused) and
 *		send nothing; with m->t, the recipients come from the header
 *		on m->in.  EX_OK only if every one could be sent to
 */
#ifndef VERIFY_H
#define VERIFY_H

struct msg;

int	verify(struct msg *);

#endif
