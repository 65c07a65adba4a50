/*
 * Handing the gateway's copies back to the MTA over SMTP (RFC 5321), as
 * Postfix's FILTER_README has an after-queue filter do: to an smtpd of
 * its own (127.0.0.1:10026) that has no content filter, so that nothing
 * comes back to us.  One connection serves every copy of an LMTP session
 * (RSET after a failed transaction, QUIT at the end); no step waits past
 * the copy's deadline.
 *
 * The envelope goes on as it came: the sender (<> too), and, where the
 * server announced the extension, BODY on MAIL, RET and ENVID (xtext, as
 * received) on MAIL, each recipient's own NOTIFY and ORCPT on its RCPT,
 * and SMTPUTF8.  The server is ours and takes everything: any other reply
 * than the one expected, a 5xx too, fails the recipients it concerns, for
 * now (the gateway says 451), so that the fault is fixed and the copy
 * retried, never lost.  A recipient's copy is taken only when its RCPT
 * and the final dot both got 2xx.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "reinject.h"
#include "text.h"

#define CHUNK	32768		/* bytes of the copy read at a time */
#define CMDLEN	2048		/* one command line */
#define QUITWAIT 5		/* s for QUIT's reply */

static void
fail(struct reinject *rj, char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Why, for the recipients a failure touches: "re-injection to A: ...". */
static void
fail(struct reinject *rj, char *err, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	k;

	k = snprintf(err, len, "re-injection to %s: ", rj->c->reinject);
	if (k < 0 || (size_t)k >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(err + k, len - k, fmt, ap);
	va_end(ap);
}

/* Wait until fd is ready for ev, or -1 (ETIMEDOUT) at deadline. */
static int
waitfd(int fd, short ev, long long deadline)
{
	struct pollfd	pfd;
	long long	left;
	int		r;

	for (;;) {
		if ((left = deadline - (long long)time(NULL)) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = ev;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 1000 ? 1000000 : (int)left * 1000);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return -1;
	}
}

static void
hangup(struct reinject *rj)
{
	if (rj->fd != -1)
		close(rj->fd);
	rj->fd = -1;
	rj->nin = rj->off = rj->nout = 0;
}

static int
sendall(struct reinject *rj, const char *p, size_t n, long long deadline)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = send(rj->fd, p, n, MSG_NOSIGNAL)) > 0) {
			p += w;
			n -= w;
		} else if (w == -1 && errno != EINTR && errno != EAGAIN)
			return -1;
		else if (w == -1 && errno == EAGAIN &&
		    waitfd(rj->fd, POLLOUT, deadline) == -1)
			return -1;
	}
	return 0;
}

/* Send the commands held; -1 (errno set) if they could not go. */
static int
flush(struct reinject *rj, long long deadline)
{
	size_t	n = rj->nout;

	rj->nout = 0;
	return n == 0 ? 0 : sendall(rj, rj->out, n, deadline);
}

/*
 * One command line, CRLF added, held until a reply is read: commands
 * sent in one piece, as PIPELINING allows (RFC 2920), and never a small
 * segment waiting for the ACK of another.  -1 (errno set) if it could
 * not go.
 */
static int
cmd(struct reinject *rj, long long deadline, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cmd(struct reinject *rj, long long deadline, const char *fmt, ...)
{
	char	line[CMDLEN];
	va_list	ap;
	int	k;

	va_start(ap, fmt);
	k = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(line) - 2) {
		errno = E2BIG;
		return -1;
	}
	memcpy(line + k, "\r\n", 2);
	if (rj->nout + k + 2 > sizeof(rj->out) && flush(rj, deadline) == -1)
		return -1;
	memcpy(rj->out + rj->nout, line, k + 2);
	rj->nout += k + 2;
	return 0;
}

/* Note an extension named in an EHLO reply line. */
static void
extension(struct reinject *rj, const char *kw)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} ext[] = {
		{ "PIPELINING", offsetof(struct reinject, pipelining) },
		{ "DSN", offsetof(struct reinject, dsn) },
		{ "8BITMIME", offsetof(struct reinject, eightbit) },
		{ "SMTPUTF8", offsetof(struct reinject, smtputf8) },
	};
	size_t	i, n = strcspn(kw, " ");

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strlen(ext[i].name) == n &&
		    strncasecmp(kw, ext[i].name, n) == 0)
			*(int *)((char *)rj + ext[i].off) = 1;
}

/*
 * One reply, all its lines; its code, its last line in rj->line, and
 * with ehlo the extensions noted.  -1 (errno set; EPROTO: not a reply,
 * ECONNRESET: the server closed) if none came by the deadline.
 */
static int
reply(struct reinject *rj, long long deadline, int ehlo)
{
	const char	*l = rj->line;
	size_t		 k;
	ssize_t		 r;
	int		 first = 1, code = 0;

	if (flush(rj, deadline) == -1)
		return -1;
	for (;;) {
		for (k = 0;;) {
			if (rj->off == rj->nin) {
				if (waitfd(rj->fd, POLLIN, deadline) == -1)
					return -1;
				r = read(rj->fd, rj->in, sizeof(rj->in));
				if (r == -1 && (errno == EINTR ||
				    errno == EAGAIN))
					continue;
				if (r <= 0) {
					if (r == 0)
						errno = ECONNRESET;
					return -1;
				}
				rj->nin = r;
				rj->off = 0;
			}
			if (rj->in[rj->off] == '\n') {
				rj->off++;
				break;
			}
			if (k < sizeof(rj->line) - 1)
				rj->line[k++] = rj->in[rj->off];
			rj->off++;
		}
		if (k > 0 && l[k - 1] == '\r')
			k--;
		rj->line[k] = '\0';
		if (k < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' ||
		    l[1] > '9' || l[2] < '0' || l[2] > '9' ||
		    (k > 3 && l[3] != ' ' && l[3] != '-') ||
		    (!first && (l[0] - '0') * 100 + (l[1] - '0') * 10 +
		    l[2] - '0' != code)) {
			errno = EPROTO;
			return -1;
		}
		code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + l[2] - '0';
		if (ehlo && !first && k > 4)
			extension(rj, l + 4);
		first = 0;
		if (k <= 3 || l[3] == ' ')
			return code;
	}
}

/* The last reply line, safe to show. */
static const char *
said(struct reinject *rj, char *buf, size_t len)
{
	return safestr(rj->line, buf, len);
}

/* Connect, read the greeting, EHLO; -1 with err set. */
static int
dial(struct reinject *rj, long long deadline, char *err, size_t len)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr		*sa;
	socklen_t		 salen, sl = sizeof(int);
	char			 buf[RJ_LINE];
	int			 e = 0, code, one = 1;

	if (rj->c->rjfamily == AF_INET6) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(rj->c->rjport);
		memcpy(&sin6.sin6_addr, rj->c->rjaddr, 16);
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	} else {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(rj->c->rjport);
		memcpy(&sin.sin_addr, rj->c->rjaddr, 4);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	}
	rj->pipelining = rj->dsn = rj->eightbit = rj->smtputf8 = 0;
	rj->nin = rj->off = rj->nout = 0;
	if ((rj->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		fail(rj, err, len, "socket: %s", strerror(errno));
		return -1;
	}
	/* The data's last segment, the dot, goes at once. */
	(void)setsockopt(rj->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((connect(rj->fd, sa, salen) == -1 && errno != EINPROGRESS) ||
	    waitfd(rj->fd, POLLOUT, deadline) == -1 ||
	    getsockopt(rj->fd, SOL_SOCKET, SO_ERROR, &e, &sl) == -1 ||
	    (errno = e) != 0) {
		fail(rj, err, len, "connect: %s", strerror(errno));
		hangup(rj);
		return -1;
	}
	if ((code = reply(rj, deadline, 0)) == -1) {
		fail(rj, err, len, "no greeting: %s", strerror(errno));
		hangup(rj);
		return -1;
	}
	if (code != 220) {
		fail(rj, err, len, "greeting: %s", said(rj, buf, sizeof(buf)));
		hangup(rj);
		return -1;
	}
	if (cmd(rj, deadline, "EHLO %s", rj->host) == -1 ||
	    (code = reply(rj, deadline, 1)) == -1) {
		fail(rj, err, len, "EHLO: %s", strerror(errno));
		hangup(rj);
		return -1;
	}
	if (code != 250) {
		fail(rj, err, len, "EHLO: %s", said(rj, buf, sizeof(buf)));
		if (cmd(rj, deadline, "QUIT") == 0)
			(void)flush(rj, deadline);
		hangup(rj);
		return -1;
	}
	return 0;
}

/*
 * A kept connection that has something to say between transactions
 * (a 421 before an idle timeout, or its end) is done with.
 */
static void
stale(struct reinject *rj)
{
	struct pollfd	pfd;

	if (rj->fd == -1)
		return;
	pfd.fd = rj->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (rj->off < rj->nin || poll(&pfd, 1, 0) != 0)
		hangup(rj);
}

/* The copy, LF lines sent CRLF and dot-stuffed, then the final dot. */
static int
body(struct reinject *rj, int fd, off_t base, long long deadline,
    char *err, size_t len)
{
	char	in[CHUNK], out[2 * CHUNK + 8];
	off_t	off = base;
	ssize_t	r, i;
	size_t	k;
	int	bol = 1, ret = -1;

	for (;;) {
		if ((r = pread(fd, in, sizeof(in), off)) == -1 &&
		    errno == EINTR)
			continue;
		if (r == -1) {
			fail(rj, err, len, "reading the copy: %s",
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		off += r;
		for (i = 0, k = 0; i < r; i++) {
			if (bol && in[i] == '.')
				out[k++] = '.';
			if (in[i] == '\n')
				out[k++] = '\r';
			out[k++] = in[i];
			bol = in[i] == '\n';
		}
		if (sendall(rj, out, k, deadline) == -1)
			goto werr;
	}
	k = 0;
	if (!bol)
		out[k++] = '\r', out[k++] = '\n';
	memcpy(out + k, ".\r\n", 3);
	if (sendall(rj, out, k + 3, deadline) == -1)
		goto werr;
	ret = 0;
	goto out;
werr:
	fail(rj, err, len, "sending the message: %s", strerror(errno));
out:
	/* A copy the keymap says is plain is plaintext. */
	explicit_bzero(in, sizeof(in));
	explicit_bzero(out, sizeof(out));
	return ret;
}

void
reinject_init(struct reinject *rj, const struct conf *c, const char *host)
{
	memset(rj, 0, sizeof(*rj));
	rj->c = c;
	rj->host = host;
	rj->fd = -1;
}

/* A recipient's RCPT reply: taken (for now), or why not. */
static size_t
rcptreply(struct reinject *rj, struct rjrcpt *r, int code)
{
	char	buf[RJ_LINE];

	if (code / 100 == 2) {
		r->sent = 1;
		return 1;
	}
	fail(rj, r->why, sizeof(r->why), "RCPT refused: %s", said(rj, buf,
	    sizeof(buf)));
	return 0;
}

/* Every recipient not refused on its own fails for why. */
static void
failall(struct rjrcpt *r, size_t n, const char *why)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (r[i].sent || r[i].why[0] == '\0') {
			r[i].sent = 0;
			snprintf(r[i].why, sizeof(r[i].why), "%s", why);
		}
}

void
reinject_copy(struct reinject *rj, const struct rjenv *env, struct rjrcpt *r,
    size_t n, int fd, off_t base, long long deadline)
{
	char		 why[ERRLEN], buf[RJ_LINE], mailsaid[RJ_LINE];
	const char	*step = "MAIL";
	size_t		 i, nok = 0;
	int		 code, mail = 0, pl, e;

	mailsaid[0] = '\0';
	for (i = 0; i < n; i++) {
		r[i].sent = 0;
		r[i].why[0] = '\0';
	}
	stale(rj);
	if (rj->fd == -1 && dial(rj, deadline, why, sizeof(why)) == -1) {
		failall(r, n, why);
		return;
	}
	/* Without PIPELINING, each command waits for its reply. */
	pl = rj->pipelining;
	if (cmd(rj, deadline, "MAIL FROM:<%s>%s%s%s%s%s%s%s", env->sender,
	    env->body && rj->eightbit ? " BODY=" : "",
	    env->body && rj->eightbit ? env->body : "",
	    env->smtputf8 && rj->smtputf8 ? " SMTPUTF8" : "",
	    env->ret && rj->dsn ? " RET=" : "",
	    env->ret && rj->dsn ? env->ret : "",
	    env->envid && rj->dsn ? " ENVID=" : "",
	    env->envid && rj->dsn ? env->envid : "") == -1)
		goto broken;
	if (!pl && (mail = reply(rj, deadline, 0)) == -1)
		goto broken;
	for (i = 0; i < n && (pl || mail / 100 == 2); i++) {
		step = "RCPT";
		if (cmd(rj, deadline, "RCPT TO:<%s>%s%s", r[i].addr,
		    r[i].params && rj->dsn ? " " : "",
		    r[i].params && rj->dsn ? r[i].params : "") == -1)
			goto broken;
		if (!pl) {
			if ((code = reply(rj, deadline, 0)) == -1)
				goto broken;
			nok += rcptreply(rj, &r[i], code);
		}
	}
	if (!pl && (mail / 100 != 2 || nok == 0)) {
		code = mail;
		goto refused;
	}
	step = "DATA";
	if (cmd(rj, deadline, "DATA") == -1)
		goto broken;
	if (pl) {
		step = "MAIL";
		if ((mail = reply(rj, deadline, 0)) == -1)
			goto broken;
		if (mail == 421) {
			code = mail;
			goto refused;
		}
		if (mail / 100 != 2)
			said(rj, mailsaid, sizeof(mailsaid));
		step = "RCPT";
		for (i = 0; i < n; i++) {
			if ((code = reply(rj, deadline, 0)) == -1)
				goto broken;
			if (mail / 100 == 2)
				nok += rcptreply(rj, &r[i], code);
		}
		step = "DATA";
	}
	if ((code = reply(rj, deadline, 0)) == -1)
		goto broken;
	if (code != 354) {
		if (mail / 100 != 2) {
			code = mail;
			step = "MAIL";
			if (pl)
				strlcpy(rj->line, mailsaid, sizeof(rj->line));
		}
		goto refused;
	}
	/* 354 with no recipient taken (RFC 2920, 3.1): the dot alone. */
	if (nok == 0) {
		if (cmd(rj, deadline, ".") == -1 ||
		    (code = reply(rj, deadline, 0)) == -1)
			goto broken;
		goto refused;
	}
	if (body(rj, fd, base, deadline, why, sizeof(why)) == -1) {
		failall(r, n, why);
		hangup(rj);
		return;
	}
	step = "the message";
	if ((code = reply(rj, deadline, 0)) == -1)
		goto broken;
	if (code / 100 == 2)
		return;		/* taken for every r[i].sent */
refused:
	/* A reply, but not the one wanted: this transaction is over. */
	if (nok > 0 || code / 100 != 2) {
		fail(rj, why, sizeof(why), "%s refused: %s", step,
		    said(rj, buf, sizeof(buf)));
		failall(r, n, why);
	}
	/* 421: the server is closing the connection (RFC 5321, 3.8). */
	if (code == 421 || cmd(rj, deadline, "RSET") == -1 ||
	    reply(rj, deadline, 0) / 100 != 2)
		hangup(rj);
	return;
broken:
	/* Closed while we wrote: it may have said why (a 421) first. */
	e = errno;
	if (e == EPIPE && reply(rj, (long long)time(NULL) + 1, 0) != -1)
		fail(rj, why, sizeof(why), "%s: the server closed the "
		    "connection: %s", step, said(rj, buf, sizeof(buf)));
	else
		fail(rj, why, sizeof(why), "%s: %s", step, e == EPROTO ?
		    "not an SMTP reply" : e == ECONNRESET ?
		    "the connection was closed" : strerror(e));
	failall(r, n, why);
	hangup(rj);
}

void
reinject_close(struct reinject *rj)
{
	long long	deadline = (long long)time(NULL) + QUITWAIT;

	if (rj->fd == -1)
		return;
	if (cmd(rj, deadline, "QUIT") == 0)
		(void)reply(rj, deadline, 0);
	hangup(rj);
}
