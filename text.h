/*
 * text.h: untrusted text, checked and made safe to show.
 *
 * utf8_next	decode the character at s: its length in bytes and *cp, or
 *		0 if s does not start with a valid UTF-8 character (overlong,
 *		surrogate, past U+10FFFF, cut short)
 * text_unsafe	is code point cp one that must not reach a terminal or a
 *		log as it is: a C0 or C1 control, DEL, or a bidirectional
 *		override or isolate (U+202A-202E, U+2066-2069), which can
 *		make text read other than it is
 * safestr	s for an error line, a listing or a log, cut short to fit
 *		len (at least 4) with "...": every unsafe character or
 *		invalid byte shown as an escape, \x1b or \u202e; returns buf
 *
 * Everything shown from a key, a queue entry or a message goes through
 * safestr; addresses are refused at once if they hold unsafe characters.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

size_t		 utf8_next(const unsigned char *s, unsigned int *cp);
int		 text_unsafe(unsigned int cp);
const char	*safestr(const char *s, char *buf, size_t len);

#endif
