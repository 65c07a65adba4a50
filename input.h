/*
 * input.h: the message as it arrives on stdin, normalized.
 *
 * CRLF becomes LF (a bare CR is kept), as Postfix's sendmail does.  With
 * dots on, a line holding only "." ends the message; ".." is not unstuffed,
 * again as Postfix does.  In SMTP mode (-bs) a "." line is required, a
 * leading dot is removed from every other line (RFC 5321, 4.5.2), and
 * what the client sent after the "." is kept for the next command.
 * Memory is the fixed buffers in struct input, whatever the message size.
 *
 * input_init	start reading fd
 * input_next	start the next message on the same fd (SMTP)
 * input_fill	make normalized bytes ready at in->p, in->n; returns in->n,
 *		0 at the end of the message, -1 on a read error (errno set;
 *		ECONNABORTED: the SMTP client left in the middle of DATA)
 * input_peek	make at least want bytes ready (fewer only at the end of
 *		the message), without using them up; returns in->n or -1
 * input_skip	read and forget the rest of the message
 * input_line	one SMTP command line, CRLF removed; its length, -1 at the
 *		end of input, -2 if it was longer than cap (and is skipped)
 * input_drain	read fd to its end, so that the caller gets no EPIPE
 * input_wipe	clear what the buffers held (it may be plaintext)
 *
 * With limit set, a message whose normalized bytes pass it reads as an
 * error (EFBIG), and toobig says so; input_next starts the count again.
 */
#ifndef INPUT_H
#define INPUT_H

#include <sys/types.h>

#define INBUFSZ	262144

struct input {
	int	 fd;
	int	 dots;		/* a line "." ends the message */
	int	 smtp;		/* RFC 5321 DATA: dot required, unstuffed */
	int	 eof;		/* fd said end of file */
	int	 done;		/* the message has ended */
	int	 dotted;	/* ... with a "." line */
	int	 bol;		/* the next byte starts a line */
	char	 hold[2];	/* raw bytes whose meaning the next read decides */
	size_t	 nhold;
	char	*p;		/* normalized bytes ready */
	size_t	 n;
	char	 buf[INBUFSZ];
	size_t	 used;		/* how much of buf has ever held data */
	char	 rest[INBUFSZ];	/* raw bytes read but not yet used */
	size_t	 nrest;
	size_t	 restused;	/* likewise for rest */
	long long limit;	/* bytes a message may have; 0 no limit */
	long long total;	/* this message's, so far */
	int	 toobig;	/* it passed limit */
};

void	input_init(struct input *, int fd, int dots);
void	input_next(struct input *, int smtp);
ssize_t	input_fill(struct input *);
ssize_t	input_peek(struct input *, size_t want);
void	input_skip(struct input *);
ssize_t	input_line(struct input *, char *line, size_t cap);
void	input_drain(struct input *);
void	input_wipe(struct input *);

#endif
