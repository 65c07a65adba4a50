/*
 * keycache.h: the key lookup cache.  What gpg_findkeys answers for every
 * mailbox and every primary fingerprint in the system keyring, written
 * by root (pgpsendmail -bi) into one file that a send reads instead of
 * running a key listing, as long as the file proves that a listing would
 * answer the same now.  Anything it cannot prove is a miss, and a miss
 * is the listing: the cache only ever saves a gpg run.
 *
 * keycache_build	list the keyring, look up everything in it, write the
 *		cache (a temporary file, fsync, rename, fsync the
 *		directory), again if an input changed meanwhile (3 tries);
 *		root only; 0, or -1 with err set
 * keycache_fresh	1 if the cache would be used now (whole, root's, newer
 *		than every input, before its earliest expiry), else 0 with
 *		st->why set as keycache_find sets it
 * keycache_find	answer from the cache the queries it holds; those it
 *		does not are moved to the front of q, their number
 *		returned.  st says whether the cache was used, and if not,
 *		why (st->why "" when there is none) and whether that is
 *		something the administrator must see (st->doubt: not
 *		root's, writable by others, corrupt)
 */
#ifndef KEYCACHE_H
#define KEYCACHE_H

#include <stddef.h>

#include "conf.h"
#include "gpg.h"

struct kcstate {
	int	used;		/* fresh: queries were answered from it */
	int	doubt;		/* ignored for a reason to log */
	char	why[ERRLEN];	/* why not used; "" when there is no cache */
	size_t	hits;		/* queries answered */
};

int	keycache_build(const struct conf *, char *err, size_t errlen);
int	keycache_fresh(const struct conf *, struct kcstate *st);
size_t	keycache_find(const struct conf *, struct keyquery **q, size_t n,
	    struct kcstate *st);

#endif
