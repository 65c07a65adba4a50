/*
 * spool.h: durable storage of finished outputs; knows nothing of gpg or
 * of mail beyond the envelope.
 *
 * spool_init	open the spool directory (its tmp/ and q/ made on demand);
 *		-1 with err set if it cannot be used by this process
 * spool_close	close what spool_init opened (again: nothing)
 * spool_begin	start a message: its entries are made in tmp/ID/, which
 *		stays locked until the message is committed or aborted
 * spool_entry	a new entry of the message, with its envelope written and
 *		locked; its fd is positioned where the message goes, and
 *		*base says where that is
 * spool_drop	forget an entry made but not to be sent
 * spool_commit	make the message durable: fsync every entry and the
 *		directories, then one rename of tmp/ID to q/ID; before it
 *		nothing of the message is queued, after it all is
 * spool_abort	remove an uncommitted message
 * spool_done	the real sendmail has entry e: remove it (and the
 *		message's directory with its last entry)
 * spool_later	record why an entry of the message just committed could not
 *		be handed on; it waits for the next queue run
 * spool_fail	record why an entry could not be handed on, and how often
 * spool_scan	every committed entry, in turn, opened and parsed, to fn
 *		(with lock, only those no other process has, locked; bad
 *		set for a file that holds no envelope of ours); fn returns
 *		0 to go on
 * spool_remove	remove an entry spool_scan gave
 * spool_clean	remove what dead senders left in tmp/: only a tmp/ID at
 *		least 60 s old whose lock it can take
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#define SPOOL_MAXRCPT	10000

struct spool {
	int	dirfd;		/* the spool directory */
	int	tmpfd;		/* its tmp/ */
	int	qfd;		/* its q/ */
	mode_t	mode;		/* of entries: 0600, or 0660 when set-group-id */
};

/* The envelope of one entry: who gets it, from whom, with what options. */
struct envelope {
	char		 *sender;	/* or the user's login, when */
	int		  implicit;	/* ... not given: no -f is passed on */
	char		 *date;		/* the message's, for a notice */
	char		 *msgid;
	char		**rcpt;
	size_t		  nrcpt;
	char		**opts;		/* options for the real sendmail */
	size_t		  nopts;
	time_t		  time;		/* when it was accepted */
	char		  lasterr[256];	/* why the last hand-off failed */
	int		  attempts;
};

struct spoolmsg {
	struct spool	*s;
	char		 id[64];
	int		 fd;		/* tmp/ID, then q/ID */
	int		*efd;		/* each entry, open and locked */
	int		 n;
	int		 committed;
};

struct entry {
	char		 msg[64];	/* the message's id */
	char		 name[16];	/* the entry's, within it */
	int		 fd;		/* open and locked */
	off_t		 base;		/* where the message starts */
	off_t		 size;
	int		 bad;		/* no envelope of ours: env is empty */
	struct envelope	 env;
};

int	spool_init(struct spool *, const char *dir, char *err, size_t errlen);
void	spool_close(struct spool *);
int	spool_begin(struct spool *, struct spoolmsg *);
int	spool_entry(struct spoolmsg *, const struct envelope *, int *fd,
	    off_t *base);
int	spool_drop(struct spoolmsg *, int fd);
int	spool_commit(struct spoolmsg *);
void	spool_abort(struct spoolmsg *);
int	spool_done(struct spoolmsg *, int fd);
int	spool_later(struct spoolmsg *, int fd, const char *why);
int	spool_fail(struct spool *, const char *msg, const char *name,
	    int attempts, const char *why);
int	spool_scan(struct spool *, int lock, int (*fn)(struct spool *,
	    struct entry *, void *), void *arg);
int	spool_remove(struct spool *, const struct entry *);
void	spool_clean(struct spool *);
void	envelope_free(struct envelope *);

#endif
