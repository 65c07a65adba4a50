/*
 * armor.h: is a body exactly one ASCII-armored, encrypted OpenPGP
 * message?  Then it is passed through as it is, not encrypted again.
 *
 * The body is fed as it streams.  What has been seen to have the shape
 * of armor is written to fd (at offset start and on), so that the message
 * can be sent on without holding it; the armor headers (which may say
 * anything, "Comment:" does) are held in memory until the first packet
 * has been decoded and seen to be an encrypted session key.  Once the
 * body leaves that shape nothing more is written, and the file is of no
 * use.
 *
 * armor_init	start checking; writes go to fd from offset start
 * armor_feed	the next bytes of the body
 * armor_end	the body has ended: 1 if it was one encrypted armored
 *		message (blank lines around it allowed), 0 if not, -1 if a
 *		write failed (errno set)
 * armor_free	release what the check holds in memory
 *
 * Lines of radix-64 after a session-key packet could still be someone's
 * text made only of those characters: the first ARMOR_MEM bytes of the
 * body are held in memory, not written, until the end shows it to be one
 * armored message; only a longer body reaches the file as it streams.
 */
#ifndef ARMOR_H
#define ARMOR_H

#include <sys/types.h>

struct armor {
	int	 state;
	int	 fd;
	off_t	 off;
	int	 werr;		/* errno of a failed write */
	char	 line[128];	/* armor lines are 76 characters at most */
	size_t	 len;
	int	 overlong;
	char	 held[4096];	/* until the first packet is checked */
	size_t	 nheld;
	int	 checked;
	char	*mem;		/* checked lines, until ARMOR_MEM or the end */
	size_t	 nmem;
	int	 spilled;	/* past ARMOR_MEM: written as they come */
};

#define ARMOR_MEM	(512 * 1024)

void	armor_init(struct armor *, int fd, off_t start);
void	armor_feed(struct armor *, const char *p, size_t n);
int	armor_end(struct armor *);
void	armor_free(struct armor *);

#endif
