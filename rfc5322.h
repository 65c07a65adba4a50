/*
 * rfc5322.h: the header section of a message and its address lists.
 *
 * hdr_read	read the header section from an input (after any leading
 *		mbox "From " lines, outside SMTP); leaves the body in it
 *		(a first line that is no header field stays in h->bodystart).
 *		0, or HDR_ETOOBIG, HDR_ENUL, HDR_EREAD
 * hdr_add	append a field "Name: value\n"; -1 on overflow
 * hdr_is	does field i have this name (case-insensitive)
 * hdr_value	the unfolded value of field i, in a new string
 * hdr_free	release the section, wiping it (it may be plaintext)
 *
 * addrlist_init, addrlist_next	iterate over the addr-specs of an address
 *		list (To:, Cc:, an operand): display names, comments, groups,
 *		routes and empty "<>" are dealt with; next returns 1 with the
 *		address in out, 0 at the end, -1 with *why set on a syntax error
 * addr_check	is an addr-spec acceptable as a recipient or sender
 *		(no leading '-', valid UTF-8 without the characters
 *		text_unsafe names, bounded); NULL or why not
 * addr_routed	does a recipient route through another ("x@y"@host,
 *		alice%x@host, x!alice), quoted or not:
 *		the MTA would reroute it after the keymap chose;
 *		NULL or why
 *
 * hdr_inner	the start of a copy sent as it is: every field but Bcc and
 *		Resent-Bcc, the empty line, h->bodystart; a new buffer
 * hdr_protect	the start of what is encrypted: the same, marked as the
 *		protected header (RFC 9788 hp="cipher", protected-headers
 *		v1, first among the Content-Type parameters) with HP-Outer
 *		fields for the outer header; a new buffer.  A multipart/signed
 *		original is wrapped in a multipart/mixed of boundary wrapb
 *		that carries them (*wrapped set): the caller ends it with
 *		"\n--wrapb--\n" after the body
 * hdr_encrypted	is the top-level entity encrypted already: ENC_PGPMIME,
 *		ENC_SMIME (enveloped-data), or 0
 * pgpmime_head	the outer message of RFC 3156 up to where the armored
 *		ciphertext goes, its Subject "[...]" if hidesubject; a new
 *		buffer, or NULL
 * pgpmime_tail	what follows the ciphertext, into buf; its length, 0 if
 *		cap is too small
 *
 * joinaddrs	"a,b,c" from n addresses, at(v, i) giving the i-th, cut to
 *		fit len with "..."
 */
#ifndef RFC5322_H
#define RFC5322_H

#include <stddef.h>

#include "input.h"

#define HDR_MAXBYTES	(512 * 1024)	/* the whole header section */
#define HDR_MAXFIELDS	16384
#define ADDR_MAX	320		/* one address, in bytes */

enum { HDR_OK = 0, HDR_ETOOBIG = -1, HDR_ENUL = -2, HDR_EREAD = -3 };

struct field {
	size_t	off;		/* into hdr.buf */
	size_t	len;		/* with continuation lines and final LF */
	size_t	namelen;
};

struct hdr {
	char		*buf;		/* fields as read, each ending in LF */
	size_t		 len, cap;
	struct field	*f;
	size_t		 n, fcap;
	char		*bodystart;	/* a body line read while looking for a field */
	size_t		 bodystartlen;
};

int	 hdr_read(struct hdr *, struct input *);
int	 hdr_add(struct hdr *, const char *name, const char *value);
int	 hdr_is(const struct hdr *, size_t i, const char *name);
char	*hdr_value(const struct hdr *, size_t i);
void	 hdr_free(struct hdr *);

struct addrlist {
	const char	*s;
	size_t		 len, pos;
	int		 group;		/* inside "name: ...;" */
};

void		 addrlist_init(struct addrlist *, const char *s);
int		 addrlist_next(struct addrlist *, char *out, size_t outsz,
		    const char **why);
const char	*addr_check(const char *addr);
const char	*addr_routed(const char *addr);

char	*hdr_inner(const struct hdr *, size_t *len);
char	*hdr_protect(const struct hdr *, int hidesubject, const char *wrapb,
	    size_t *len, int *wrapped);
enum { ENC_NONE, ENC_PGPMIME, ENC_SMIME };
int	 hdr_encrypted(const struct hdr *);
char	*pgpmime_head(const struct hdr *, const char *boundary,
	    int hidesubject, size_t *len);
size_t	 pgpmime_tail(char *buf, size_t cap, const char *boundary);
void	 joinaddrs(char *buf, size_t len,
	    const char *(*at)(const void *, size_t), const void *v, size_t n);

#endif
