/*
 * Reading the message from stdin: line ends and the dot convention.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

void
input_init(struct input *in, int fd, int dots)
{
	/* Not the buffers: pages never touched cost nothing. */
	memset(in, 0, offsetof(struct input, buf));
	in->used = in->nrest = in->restused = 0;
	in->limit = in->total = in->toobig = 0;
	in->fd = fd;
	in->dots = dots;
	in->bol = 1;
}

void
input_next(struct input *in, int smtp)
{
	in->smtp = smtp;
	in->dots = in->dots || smtp;
	in->done = in->dotted = 0;
	in->bol = 1;
	in->nhold = in->n = 0;
	in->total = in->toobig = 0;
}

/* n more normalized bytes: -1 (EFBIG) if they take us past the limit. */
static int
count(struct input *in, size_t n)
{
	in->total += n;
	if (in->limit > 0 && in->total > in->limit) {
		in->toobig = 1;
		errno = EFBIG;
		return -1;
	}
	return 0;
}

/* Raw bytes: first those kept from before, then from fd. */
static ssize_t
rawread(struct input *in, char *buf, size_t len)
{
	ssize_t	r;

	if (in->nrest > 0) {
		if (len > in->nrest)
			len = in->nrest;
		memcpy(buf, in->rest, len);
		memmove(in->rest, in->rest + len, in->nrest - len);
		in->nrest -= len;
		return len;
	}
	if (in->eof)
		return 0;
	do
		r = read(in->fd, buf, len);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		in->eof = 1;
	if (r > 0 && (size_t)(buf - in->buf) + r > in->used)
		in->used = (buf - in->buf) + r;
	return r;
}

/* What follows the final "." goes back, in front of what is kept. */
static void
keeprest(struct input *in, const char *p, size_t len)
{
	if (!in->smtp || len == 0)
		return;
	if (len > sizeof(in->rest) - in->nrest)
		len = sizeof(in->rest) - in->nrest;	/* cannot happen */
	memmove(in->rest + len, in->rest, in->nrest);
	memcpy(in->rest, p, len);
	in->nrest += len;
	if (in->nrest > in->restused)
		in->restused = in->nrest;
}

/*
 * Normalize buf[0..len) in place (output never outgrows input) and return
 * the normalized length.  Bytes at the end whose meaning depends on what
 * comes next (a CR that may start CRLF, a "." or ".\r" at the start of a
 * line) go to in->hold unless the input has ended.
 */
static size_t
normalize(struct input *in, char *buf, size_t len, int eof)
{
	size_t	 i = 0, w = 0, end, seg, rem;
	char	*nl;

	while (i < len) {
		if (in->dots && in->bol && buf[i] == '.') {
			rem = len - i;
			if ((rem >= 2 && buf[i + 1] == '\n') ||
			    (rem >= 3 && buf[i + 1] == '\r' &&
			    buf[i + 2] == '\n')) {
				in->done = in->dotted = 1;
				end = i + (buf[i + 1] == '\n' ? 2 : 3);
				keeprest(in, buf + end, len - end);
				break;
			}
			if (rem == 1 || (rem == 2 && buf[i + 1] == '\r')) {
				/*
				 * A "." cut short by the end of the input
				 * ends a message read from a file, but an
				 * SMTP client that sent no CRLF after it
				 * has not finished: it will try again.
				 */
				if (eof) {
					in->done = 1;
					in->dotted = !in->smtp;
				} else {
					memcpy(in->hold, buf + i, rem);
					in->nhold = rem;
				}
				break;
			}
			if (in->smtp)
				i++;	/* a leading dot is stuffing */
		}
		nl = memchr(buf + i, '\n', len - i);
		end = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		seg = end - i;
		if (nl != NULL && seg >= 2 && buf[end - 2] == '\r') {
			memmove(buf + w, buf + i, seg - 2);
			w += seg - 2;
			buf[w++] = '\n';
		} else if (nl == NULL && buf[end - 1] == '\r' && !eof) {
			memmove(buf + w, buf + i, seg - 1);
			w += seg - 1;
			in->hold[0] = '\r';
			in->nhold = 1;
		} else {
			if (w != i)
				memmove(buf + w, buf + i, seg);
			w += seg;
		}
		in->bol = nl != NULL;
		i = end;
	}
	return w;
}

ssize_t
input_fill(struct input *in)
{
	size_t	len;
	ssize_t	r;
	int	eof;

	while (in->n == 0 && !in->done) {
		memcpy(in->buf, in->hold, in->nhold);
		len = in->nhold;
		in->nhold = 0;
		if ((r = rawread(in, in->buf + len,
		    sizeof(in->buf) - len)) == -1)
			return -1;
		eof = r == 0;
		len += r;
		in->p = in->buf;
		in->n = normalize(in, in->buf, len, eof);
		if (count(in, in->n) == -1) {
			in->n = 0;
			return -1;
		}
		if (eof && in->nhold == 0 && in->n == 0)
			in->done = 1;
	}
	if (in->n == 0 && in->smtp && !in->dotted) {
		errno = ECONNABORTED;
		return -1;
	}
	return in->n;
}

ssize_t
input_peek(struct input *in, size_t want)
{
	size_t	len;
	ssize_t	r;

	if (want > sizeof(in->buf) / 2)
		want = sizeof(in->buf) / 2;
	while (in->n < want && !in->done) {
		if (in->toobig) {
			errno = EFBIG;
			return -1;
		}
		/* Keep what is ready at the front, normalize more after it. */
		memmove(in->buf, in->p, in->n);
		in->p = in->buf;
		memcpy(in->buf + in->n, in->hold, in->nhold);
		len = in->nhold;
		in->nhold = 0;
		if ((r = rawread(in, in->buf + in->n + len,
		    sizeof(in->buf) - in->n - len)) == -1)
			return -1;
		len += r;
		len = normalize(in, in->buf + in->n, len, r == 0);
		in->n += len;
		if (count(in, len) == -1)
			return -1;
		if (r == 0)
			break;
	}
	return in->n;
}

void
input_skip(struct input *in)
{
	while (input_fill(in) > 0)
		in->n = 0;
}

ssize_t
input_line(struct input *in, char *line, size_t cap)
{
	size_t	 n = 0, take;
	ssize_t	 r;
	char	*nl;
	int	 toolong = 0;

	for (;;) {
		if (in->nrest == 0) {
			if (in->eof)
				return -1;
			do
				r = read(in->fd, in->rest, sizeof(in->rest));
			while (r == -1 && errno == EINTR);
			if (r <= 0) {
				in->eof = 1;
				return -1;
			}
			in->nrest = r;
			if ((size_t)r > in->restused)
				in->restused = r;
		}
		nl = memchr(in->rest, '\n', in->nrest);
		take = nl != NULL ? (size_t)(nl - in->rest) + 1 : in->nrest;
		if (n + take < cap) {
			memcpy(line + n, in->rest, take);
			n += take;
		} else
			toolong = 1;
		memmove(in->rest, in->rest + take, in->nrest - take);
		in->nrest -= take;
		if (nl != NULL)
			break;
	}
	if (toolong)
		return -2;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	line[n] = '\0';
	return n;
}

void
input_drain(struct input *in)
{
	ssize_t	r;

	in->nrest = 0;
	if (in->eof)
		return;
	do
		if ((r = read(in->fd, in->buf, sizeof(in->buf))) > 0 &&
		    (size_t)r > in->used)
			in->used = r;
	while (r > 0 || (r == -1 && errno == EINTR));
	in->eof = 1;
	in->n = 0;
}

void
input_wipe(struct input *in)
{
	explicit_bzero(in->buf, in->used);
	explicit_bzero(in->rest, in->restused);
	explicit_bzero(in->hold, sizeof(in->hold));
	in->used = in->restused = in->n = in->nrest = 0;
}
