/*
 * input.h: the message as it arrives on stdin, normalized.
 *
 * CRLF becomes LF (a bare CR is kept), as Postfix's sendmail does.  With
 * dots on, a line holding only "." ends the message; ".." is not unstuffed.
 * Memory is the fixed buffer in struct input, whatever the message size.
 *
 * input_init	start reading fd
 * input_fill	make normalized bytes ready at in->p, in->n; returns in->n,
 *		0 at the end of the message, -1 on a read error (errno set)
 * input_drain	read fd to its end, so that the caller gets no EPIPE
 */
#ifndef INPUT_H
#define INPUT_H

#include <sys/types.h>

#define INBUFSZ	65536

struct input {
	int	 fd;
	int	 dots;		/* a line "." ends the message */
	int	 eof;		/* fd said end of file */
	int	 done;		/* the message has ended */
	int	 bol;		/* the next byte starts a line */
	char	 hold[2];	/* raw bytes whose meaning the next read decides */
	size_t	 nhold;
	char	*p;		/* normalized bytes ready */
	size_t	 n;
	char	 buf[INBUFSZ];
};

void	input_init(struct input *, int fd, int dots);
ssize_t	input_fill(struct input *);
void	input_drain(struct input *);

#endif
