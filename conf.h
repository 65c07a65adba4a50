/*
 * conf.h: the configuration, as read from pgpsendmail.conf (parsed in
 * keymap.c, which reads the keymap the same way); what every layer that
 * runs something needs to know of it, and nothing of the keymap.
 *
 * conf_load	read the config file into a struct conf; -1 and err set on error
 * conf_free	release what conf_load allocated
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>

#define ERRLEN	512	/* room for one error line */

/* Which real sendmail: it decides which options may be passed on. */
enum flavor {
	FL_POSTFIX, FL_SENDMAIL, FL_EXIM, FL_OPENSMTPD, FL_MSMTP,
	FL_NULLMAILER, FL_DMA
};

struct conf {
	char	 *path;		/* the file read, for messages */
	char	**sendmail;	/* backend argv: path, fixed args; NULL-ended */
	size_t	  nsendmail;
	char	 *gpg;		/* gpg binary, absolute */
	char	 *gnupghome;	/* the system keyring */
	char	 *keymap;	/* keymap file */
	char	 *keycache;	/* the key cache (keymap.cache), NULL: none */
	int	  nokeycache;	/* key-cache none */
	char	 *spool;	/* spool directory */
	enum flavor flavor;
	int	  bcchidden;	/* bcc hidden: blind keys hidden, not apart */
	int	  protectsubject;	/* outer Subject "[...]" */
	char	**encryptto;	/* encrypt-to: added to every ciphertext */
	size_t	  nencryptto;
	char	 *signkey;	/* sign with this key, or NULL */
	long long lifetime;	/* seconds an entry may wait in the queue */
	int	  timeout;	/* seconds a child (gpg, the real sendmail)
				   may go without progress */
	int	  within;	/* not from the file: seconds the real
				   sendmail may run, progress or not (the
				   gateway's deadline); 0 no bound */
	int	  compress;	/* -1 gpg's default, 0 none, 1-9 a level */
	char	 *transporthome;	/* --gateway decrypts with the keys
				   there (the border); NULL: never */
	char	 *peers;	/* the peer sites' transport keys */
	long long decryptmax;	/* bytes a decrypted message may have */
	long long expirywarn;	/* s: a key that stops working this soon is
				   named (--key-report, -bv, the log line) */
	char	 *reinject;	/* --gateway: hand the copies back over SMTP
				   to this HOST:PORT, as written; NULL: the
				   real sendmail */
	int	  rjfamily;	/* ... its address: AF_INET or AF_INET6, */
	unsigned char rjaddr[16];	/* in network order, */
	int	  rjport;	/* and port */
};

int	conf_load(struct conf *, const char *path, char *err, size_t errlen);
void	conf_free(struct conf *);

#endif
