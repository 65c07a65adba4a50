/*
 * smtp.h: -bs, an SMTP dialogue on stdin and stdout.
 *
 * smtp_serve	answer the commands read from in, each message through
 *		msg_send() with m's configuration, until QUIT or the end of
 *		the input; EX_OK (a refusal is a reply, not an exit status)
 * smtp_reply	one reply line (CRLF added) to stdout, flushed
 * smtp_path	of "FROM:<addr> params" (kw "FROM:", or "TO:"), the addr
 *		inside the brackets, the '>' made a NUL (the parameters
 *		follow it), or NULL if malformed
 * smtp_other	answer NOOP, VRFY, QUIT or a command not known, alike in
 *		SMTP and LMTP; 1 after QUIT (the dialogue ends), else 0
 */
#ifndef SMTP_H
#define SMTP_H

struct input;
struct msg;

int	smtp_serve(struct msg *, struct input *);
void	smtp_reply(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
char	*smtp_path(char *arg, const char *kw);
int	smtp_other(const char *line);

#endif
