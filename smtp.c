/*
 * -bs: an SMTP dialogue on stdin and stdout (RFC 5321, the part a mail
 * client needs: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), so that
 * programs that submit mail this way (Alpine) are encrypted like the rest.
 *
 * RCPT takes exactly one mailbox (msg_check: a list or a group is 553,
 * so that each reply is about one recipient).  A recipient that cannot be
 * sent to is refused at RCPT, with the reason, so the client learns it
 * before it sends the message.  Each message then goes through msg_send()
 * like any other.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "input.h"
#include "msg.h"
#include "send.h"
#include "smtp.h"

#define CMDMAX	1024	/* a command line; RFC 5321 wants at least 512 */

void
smtp_reply(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("\r\n", stdout);
	fflush(stdout);
}

int
smtp_other(const char *line)
{
	if (strcasecmp(line, "NOOP") == 0)
		smtp_reply("250 2.0.0 Ok");
	else if (strcasecmp(line, "VRFY") == 0)
		smtp_reply("252 2.5.2 cannot VRFY; send some mail");
	else if (strcasecmp(line, "QUIT") == 0) {
		smtp_reply("221 2.0.0 Bye");
		return 1;
	} else
		smtp_reply("500 5.5.2 command not recognized");
	return 0;
}

char *
smtp_path(char *arg, const char *kw)
{
	size_t	 n = strlen(kw);
	char	*gt;

	if (strncasecmp(arg, kw, n) != 0)
		return NULL;
	arg += n;
	while (*arg == ' ')
		arg++;
	if (*arg != '<' || (gt = strchr(arg, '>')) == NULL)
		return NULL;
	*gt = '\0';
	return arg + 1;
}

/* The reply to a message that was refused or failed, by sysexit. */
static void
refusal(int ex, const char *err)
{
	switch (ex) {
	case EX_NOUSER:
		smtp_reply("554 5.7.1 %s", err);
		break;
	case EX_DATAERR:
	case EX_USAGE:
		smtp_reply("554 5.6.0 %s", err);
		break;
	default:
		smtp_reply("451 4.3.0 %s", err);
		break;
	}
}

int
smtp_serve(struct msg *m, struct input *in)
{
	char		 line[CMDMAX], *arg, *addr;
	ssize_t		 n;
	int		 mail = 0, ex;

	m->quiet = 1;
	smtp_reply("220 %s ESMTP pgpsendmail", m->host);
	while ((n = input_line(in, line, sizeof(line))) != -1) {
		if (n == -2) {
			smtp_reply("500 5.5.2 line too long");
			continue;
		}
		for (arg = line; *arg && *arg != ' '; arg++)
			;
		if (*arg == ' ')
			*arg++ = '\0';
		if (strcasecmp(line, "EHLO") == 0 ||
		    strcasecmp(line, "HELO") == 0) {
			msg_reset(m);
			mail = 0;
			if (tolower((unsigned char)line[0]) == 'e')
				smtp_reply("250-%s\r\n250-8BITMIME\r\n"
				    "250 ENHANCEDSTATUSCODES", m->host);
			else
				smtp_reply("250 %s", m->host);
		} else if (strcasecmp(line, "MAIL") == 0) {
			if (mail)
				smtp_reply("503 5.5.1 MAIL already given");
			else if ((addr = smtp_path(arg, "FROM:")) == NULL)
				smtp_reply("501 5.5.4 syntax: MAIL "
				    "FROM:<address>");
			else if (msg_sender(m, addr) != EX_OK)
				smtp_reply("553 5.1.7 %s", m->err);
			else {
				mail = 1;
				smtp_reply("250 2.1.0 Ok");
			}
		} else if (strcasecmp(line, "RCPT") == 0) {
			if (!mail)
				smtp_reply("503 5.5.1 MAIL first");
			else if ((addr = smtp_path(arg, "TO:")) == NULL)
				smtp_reply("501 5.5.4 syntax: RCPT "
				    "TO:<address>");
			else if (m->nr == MAXRCPTS)
				smtp_reply("452 4.5.3 too many recipients");
			else if ((ex = msg_check(m, addr)) == EX_OK)
				smtp_reply("250 2.1.5 Ok");
			else if (ex == EX_NOUSER)
				smtp_reply("550 5.7.1 %s", m->err);
			else if (ex == EX_DATAERR)
				smtp_reply("553 5.1.3 %s", m->err);
			else
				smtp_reply("451 4.3.0 %s", m->err);
		} else if (strcasecmp(line, "DATA") == 0) {
			if (!mail || m->nr == 0) {
				smtp_reply("503 5.5.1 %s first", mail ? "RCPT" :
				    "MAIL");
				continue;
			}
			smtp_reply("354 end data with <CR><LF>.<CR><LF>");
			input_next(in, 1);
			ex = msg_send(m);
			input_skip(in);
			msg_log(m, ex);
			if (!in->dotted)
				return EX_OK;	/* the client is gone */
			if (ex == EX_OK)
				smtp_reply("250 2.0.0 Ok: sent");
			else
				refusal(ex, m->err);
			msg_reset(m);
			mail = 0;
		} else if (strcasecmp(line, "RSET") == 0) {
			msg_reset(m);
			mail = 0;
			smtp_reply("250 2.0.0 Ok");
		} else if (smtp_other(line))
			return EX_OK;
	}
	return EX_OK;
}
