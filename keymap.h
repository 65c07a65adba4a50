/*
 * keymap.h: the keymap, and the parsing of the configuration file that
 * conf.h describes, and nothing else.  No processes, no mail format.
 *
 * keymap_load	read the keymap file; -1 and err set on error
 * keymap_lookup	the entry that governs an address (never NULL once loaded:
 *		without a "*" line the default "* keyring" applies)
 * keymap_free	release what keymap_load allocated
 * peers_listed	is fpr (NULL: any key) listed for domain in the peers file
 *		at path (lines "DOMAIN FINGERPRINT..."; a file that is not
 *		there lists nobody)?  1 or 0; -1 with err set on error
 * parsefpr	a fingerprint (40 or 64 hex digits, optional 0x) in upper
 *		case without the 0x, in a new string; NULL if malformed
 */
#ifndef KEYMAP_H
#define KEYMAP_H

#include <stddef.h>

#include "conf.h"

enum action {
	ACT_KEYS,	/* encrypt to the fingerprints listed */
	ACT_KEYRING,	/* encrypt to every usable key whose user ID is the address */
	ACT_PLAIN,	/* send in clear: the admin said so */
	ACT_REJECT	/* refuse the recipient */
};

enum pattern {
	PAT_EXACT,	/* alice@example.org */
	PAT_DOMAIN,	/* @example.org: that domain, no subdomains */
	PAT_LOCAL,	/* root: only the unqualified recipient "root" */
	PAT_ANY		/* * */
};

struct keymap_entry {
	enum pattern	  kind;
	char		 *pattern;	/* lower case; for PAT_DOMAIN without '@' */
	enum action	  action;
	char		**fprs;		/* ACT_KEYS: upper-case hex, no 0x */
	size_t		  nfprs;
	const char	 *file;		/* where it was written, for -bv and errors */
	size_t		  line;		/* 0: the built-in default */
};

struct keymap {
	char			*path;
	struct keymap_entry	*e;
	size_t			 n;
	struct keymap_entry	 fallback;	/* "* keyring" unless the file has "*" */
};

int	keymap_load(struct keymap *, const char *path, char *err, size_t errlen);
const struct keymap_entry *keymap_lookup(const struct keymap *, const char *addr);
void	keymap_free(struct keymap *);
char	*parsefpr(const char *);
int	 peers_listed(const char *path, const char *domain, const char *fpr,
	    char *err, size_t errlen);

#endif
