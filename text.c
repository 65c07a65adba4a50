/*
 * Untrusted text: UTF-8 checks, and one rule for showing it safely.
 */
#include <stdio.h>
#include <string.h>

#include "text.h"

size_t
utf8_next(const unsigned char *s, unsigned int *cp)
{
	size_t	n, i;

	if (*s < 0x80) {
		*cp = *s;
		return 1;
	}
	if ((*s & 0xe0) == 0xc0) {
		n = 1;
		*cp = *s & 0x1f;
	} else if ((*s & 0xf0) == 0xe0) {
		n = 2;
		*cp = *s & 0x0f;
	} else if ((*s & 0xf8) == 0xf0) {
		n = 3;
		*cp = *s & 0x07;
	} else
		return 0;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* a NUL ends it here too */
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 1 && *cp < 0x80) || (n == 2 && *cp < 0x800) ||
	    (n == 3 && *cp < 0x10000) || *cp > 0x10ffff ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n + 1;
}

int
text_unsafe(unsigned int cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

const char *
safestr(const char *s, char *buf, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned int		 cp;
	size_t			 w = 0, n, k;
	char			 esc[8];

	/* Room is kept for "..." and the NUL at every step. */
	while (*p != '\0') {
		if ((n = utf8_next(p, &cp)) == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			n = 1;
		} else if (text_unsafe(cp) && cp < 0x80)
			snprintf(esc, sizeof(esc), "\\x%02x", cp);
		else if (text_unsafe(cp))
			snprintf(esc, sizeof(esc), "\\u%04x", cp);
		else
			esc[0] = '\0';
		k = esc[0] != '\0' ? strlen(esc) : n;
		if (w + k + 4 > len)
			break;
		memcpy(buf + w, esc[0] != '\0' ? esc : (const char *)p, k);
		w += k;
		p += n;
	}
	if (*p != '\0' && len >= 4) {
		if (w + 4 > len)
			w = len - 4;
		memcpy(buf + w, "...", 3);
		w += 3;
	}
	buf[w] = '\0';
	return buf;
}
