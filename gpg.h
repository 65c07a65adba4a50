/*
 * gpg.h: running gpg, and reading it only in its machine formats
 * (--with-colons, --status-fd; see doc/DETAILS in GnuPG's sources).
 *
 * gpg_findkeys	one --list-keys run; for each wanted address, the
 *		fingerprints of its usable keys or why it has none
 * gpg_listkeys	one --list-keys run: every key of the keyring, usable or
 *		not, with why not (for --key-report); gpg_freekeys frees them
 * gpg_homeok	may this caller use the system keyring as it is (there,
 *		readable, nothing in it writable by anyone)?  What every
 *		listing checks first; GPG_OK, or an error with err set
 * gpg_scan	one --list-keys run over the whole keyring, for the key
 *		cache: every mailbox of a user ID not revoked, every primary
 *		fingerprint (repeats possible), and when the clock next
 *		changes what a listing says; gpg_scanfree frees them
 * gpg_encrypt	run one gpg per job, all fed in one pass over a source,
 *		each writing its armored ciphertext into a pipe that is
 *		spliced onto the end of its outfd (whose offset is then left
 *		at the end); gpg never holds outfd
 *
 * All return GPG_OK or a negative GPG_E* with err set; for GPG_EKEY the
 * job's badrcpt names the fingerprint gpg refused.  A gpg that goes
 * timeout seconds without progress (see run_loop) is killed: GPG_ERUN.
 */
#ifndef GPG_H
#define GPG_H

#include <sys/types.h>

#define FPRLEN	64	/* v5/v6 fingerprints; v4 have 40 */
#define UIDLEN	128	/* what is kept of a user ID */

enum {
	GPG_OK = 0,
	GPG_EKEY = -1,	/* a recipient's key is unusable */
	GPG_ERUN = -2,	/* gpg failed: missing, crashed, killed, said FAILURE */
	GPG_EIO = -3,	/* reading the source or writing the output failed */
	GPG_EOS = -4,	/* pipe, fork, memory */
	GPG_ECONF = -5	/* the keyring is writable by anyone: refused */
};

struct gpg {
	const char	*path;		/* the gpg binary */
	const char	*home;		/* the keyring's --homedir */
	char *const	*encryptto;	/* added to every ciphertext, hidden */
	size_t		 nencryptto;
	const char	*signkey;	/* sign with it too, or NULL */
	int		 compress;	/* -1 gpg's default, 0 none, 1-9 */
	int		 timeout;	/* s without progress before it is killed */
	long long	 deadline;	/* time(): killed then, progress or not
					   (the gateway's transaction); 0 none */
	const char	*transport;	/* the transport home, or NULL: with
					   it, encryption and decryption run
					   with --homedir transport --keyring
					   home's pubring.kbx */
	char		 keyring[1024];	/* ... that keyring */
};

/*
 * One wanted address (or, with byfpr, one primary key's fingerprint) and
 * what the keyring holds for it.
 */
struct keyinfo {
	char		fpr[FPRLEN + 1];	/* the primary key's */
	char		uid[UIDLEN];	/* the user ID that matched, or the first */
	long long	expires;	/* when encryption to it ends; 0 never */
};

struct keyquery {
	const char	*addr;
	int		 byfpr;
	struct keyinfo	*keys;		/* the usable keys */
	size_t		 nkeys;
	char		 why[64];	/* when nkeys is 0 */
};

/* One key of the keyring as gpg_listkeys gives it. */
struct keystate {
	char		fpr[FPRLEN + 1];	/* the primary key's */
	char		uid[UIDLEN];	/* its first user ID */
	char		why[64];	/* why it is unusable; "" if it is not */
	long long	expires;	/* when encryption to it ends; 0 never */
	char	       *mboxes;		/* its user IDs' mailboxes, revoked ones
					   left out, each ended by '\n' */
};

int	gpg_findkeys(const struct gpg *, struct keyquery **, size_t n,
	    char *err, size_t errlen);
int	gpg_listkeys(const struct gpg *, struct keystate **, size_t *n,
	    char *err, size_t errlen);
void	gpg_freekeys(struct keystate *, size_t n);

struct gpgscan {
	char		**addrs;	/* each user ID's mailbox, as written */
	size_t		  naddrs;
	char		**fprs;		/* each primary key's fingerprint */
	size_t		  nfprs;
	long long	  until;	/* the first creation or expiry time of
					   a key, subkey or user ID after the
					   listing; 0 if none */
};

int	gpg_homeok(const struct gpg *, char *err, size_t errlen);
int	gpg_scan(const struct gpg *, struct gpgscan *, char *err,
	    size_t errlen);
void	gpg_scanfree(struct gpgscan *);

/*
 * Where the plaintext comes from: returns a pointer to the next bytes in
 * *p and their count, 0 at the end, -1 on error.
 */
typedef ssize_t (*gpg_source)(void *ctx, const char **p);

/* A line being read from a pipe (see lines() in gpg.c). */
struct gpglines {
	char	*buf;
	size_t	 cap, len;
	int	 skiplong;	/* drop a line over cap, do not cut it */
	int	 over;		/* the line being read is over cap */
};

struct gpgjob {
	char	**fprs;		/* recipients' fingerprints */
	size_t	  nfprs;
	char	**hidden;	/* recipients whose key IDs are zeroed */
	size_t	  nhidden;
	int	  outfd;	/* ciphertext is appended here */

	/* the run */
	size_t	  off;		/* how much of the current chunk gpg has */
	size_t	  unsynced;	/* ciphertext since the last writeback */
	int	  wstatus;
	int	  ended;	/* END_ENCRYPTION */
	int	  signed_;	/* SIG_CREATED */
	int	  failed;	/* FAILURE, NO_RECP, a write that failed */
	char	  badrcpt[FPRLEN + 1];	/* INV_RECP */
	int	  badreason;
	char	  stline[512];	/* a status line being read */
	struct gpglines stlines;	/* ... into stline */
	char	  errtail[200];	/* the end of what gpg said on stderr */
};

int		 gpg_encrypt(const struct gpg *, struct gpgjob *, size_t n,
		    gpg_source, void *ctx, char *err, size_t errlen);
const char	*gpg_invrecp(int reason);

/*
 * The receiving border (border.c): the transport home's keys, and
 * decryption with them.
 *
 * gpg_transport	set g->transport and g->keyring (home's pubring.kbx, or
 *		its pubring.gpg where there is no pubring.kbx);
 *		-1 if the path is too long
 * gpg_secretkeys	one --list-secret-keys run in the transport home: each
 *		key or subkey that can encrypt, with its key ID, fingerprint,
 *		keygrip and primary key's fingerprint
 * gpg_decrypt	one --decrypt run (with listonly, --list-only: the ENC_TO
 *		lines, nothing decrypted) over the file infd from its start,
 *		the plaintext appended to outfd, at most max bytes (then
 *		stopped: toobig); what gpg said in the gpgdec
 * gpg_agent	does the transport home's gpg-agent run (started if need
 *		be, as gpg would) and hold the key of keygrip grip (NULL:
 *		does it run at all)?  GPG_OK;
 *		GPG_EKEY if it runs without that key; GPG_ERUN if it cannot
 *		be reached or started
 */
struct gpgsecret {
	char	keyid[17];
	char	fpr[FPRLEN + 1];
	char	grip[41];
	char	primary[FPRLEN + 1];
};

#define DEC_MAXENCTO	32	/* PKESKs kept of one message */

struct gpgdec {
	int	 infd;
	int	 outfd;		/* -1 with listonly */
	int	 listonly;
	long long max;
	/* what gpg said */
	char	 encto[DEC_MAXENCTO][17];	/* ENC_TO key IDs */
	size_t	 nencto;
	char	 deckey[FPRLEN + 1];	/* DECRYPTION_KEY: the primary key's */
	int	 okay;		/* DECRYPTION_OKAY */
	int	 failed;	/* DECRYPTION_FAILED, BADMDC, FAILURE */
	int	 badmdc;
	int	 nomdc;		/* DECRYPTION_INFO says: no MDC */
	int	 noseckey;	/* NO_SECKEY */
	int	 nsigs;		/* NEWSIG */
	int	 goodsig;	/* GOODSIG */
	int	 badsig;	/* BADSIG, ERRSIG, EXPSIG, EXPKEYSIG, REVKEYSIG */
	char	 signer[FPRLEN + 1];	/* VALIDSIG's primary fingerprint */
	long long outlen;
	int	 toobig;
	int	 ws;
	char	 errtail[200];
};

int	gpg_transport(struct gpg *, const char *home);
int	gpg_secretkeys(const struct gpg *, struct gpgsecret **, size_t *n,
	    char *err, size_t errlen);
int	gpg_decrypt(const struct gpg *, struct gpgdec *, char *err,
	    size_t errlen);
int	gpg_agent(const struct gpg *, const char *grip, char *err,
	    size_t errlen);

#endif
