/*
 * Reading the message from stdin: line ends and the dot convention.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

void
input_init(struct input *in, int fd, int dots)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->dots = dots;
	in->bol = 1;
}

/*
 * Normalize buf[0..len) in place (output never outgrows input) and return
 * the normalized length.  Bytes at the end whose meaning depends on what
 * comes next (a CR that may start CRLF, a "." or ".\r" at the start of a
 * line) go to in->hold unless the input has ended.
 */
static size_t
normalize(struct input *in, char *buf, size_t len)
{
	size_t	 i = 0, w = 0, end, seg;
	char	*nl;

	while (i < len) {
		if (in->dots && in->bol && buf[i] == '.') {
			size_t rem = len - i;

			if ((rem >= 2 && buf[i + 1] == '\n') ||
			    (rem >= 3 && buf[i + 1] == '\r' &&
			    buf[i + 2] == '\n')) {
				in->done = 1;
				break;
			}
			if (rem == 1 || (rem == 2 && buf[i + 1] == '\r')) {
				if (in->eof)
					in->done = 1;
				else {
					memcpy(in->hold, buf + i, rem);
					in->nhold = rem;
				}
				break;
			}
		}
		nl = memchr(buf + i, '\n', len - i);
		end = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		seg = end - i;
		if (nl != NULL && seg >= 2 && buf[end - 2] == '\r') {
			memmove(buf + w, buf + i, seg - 2);
			w += seg - 2;
			buf[w++] = '\n';
		} else if (nl == NULL && buf[end - 1] == '\r' && !in->eof) {
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

	while (in->n == 0 && !in->done) {
		memcpy(in->buf, in->hold, in->nhold);
		len = in->nhold;
		in->nhold = 0;
		if (!in->eof) {
			do
				r = read(in->fd, in->buf + len,
				    sizeof(in->buf) - len);
			while (r == -1 && errno == EINTR);
			if (r == -1)
				return -1;
			if (r == 0)
				in->eof = 1;
			len += r;
		}
		in->p = in->buf;
		in->n = normalize(in, in->buf, len);
		if (in->eof && in->nhold == 0 && in->n == 0)
			in->done = 1;
	}
	return in->n;
}

void
input_drain(struct input *in)
{
	ssize_t	r;

	if (in->eof)
		return;
	do
		r = read(in->fd, in->buf, sizeof(in->buf));
	while (r > 0 || (r == -1 && errno == EINTR));
	in->eof = 1;
	in->n = 0;
}
