/*
 * --key-report: every keymap line and every key of the system keyring,
 * with its state and expiry, and first of all what needs the admin.
 *
 * The listing is gpg's --with-colons (gpg_listkeys): one gpg run for the
 * whole report.  A key's state is one of: usable (with its expiry),
 * expired, revoked, disabled, invalid, no encryption subkey (or its
 * encryption subkeys expired or revoked), missing (a fingerprint the
 * keymap or the config names that the keyring does not hold).  What
 * needs the admin: a missing or unusable key, a keymap line for one
 * address with no usable key, a key that stops working within the
 * config's expiry-warning.  User IDs are the key holders' text: every one
 * goes through safestr.
 *
 * With --mail the report goes in clear (it holds names and fingerprints,
 * no secrets) straight to the real sendmail, never through the keymap:
 * it must reach the admin even when the admin's own keymap line is
 * reject or the admin's key is the broken one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "backend.h"
#include "gpg.h"
#include "keymap.h"
#include "report.h"
#include "rfc5322.h"
#include "text.h"

struct report {
	const struct conf	*c;
	struct keystate		*ks;
	size_t			 nks;
	time_t			 now;
	FILE			*body;		/* the keymap, the keys */
	FILE			*att;		/* what needs the admin */
	size_t			 natt;
};

static void
day(long long t, char *buf, size_t len)
{
	time_t		 tt = (time_t)t;
	struct tm	*tm;

	if ((tm = gmtime(&tt)) == NULL || strftime(buf, len, "%Y-%m-%d",
	    tm) == 0)
		snprintf(buf, len, "%lld", t);
}

/* expiry-warning as the config would write it. */
static void
duration(long long s, char *buf, size_t len)
{
	if (s % 86400 == 0)
		snprintf(buf, len, "%lldd", s / 86400);
	else if (s % 3600 == 0)
		snprintf(buf, len, "%lldh", s / 3600);
	else if (s % 60 == 0)
		snprintf(buf, len, "%lldm", s / 60);
	else
		snprintf(buf, len, "%llds", s);
}

static void __attribute__((format(printf, 2, 3)))
attention(struct report *r, const char *fmt, ...)
{
	va_list	ap;

	fputs("  ", r->att);
	va_start(ap, fmt);
	vfprintf(r->att, fmt, ap);
	va_end(ap);
	fputc('\n', r->att);
	r->natt++;
}

static const struct keystate *
findfpr(const struct report *r, const char *fpr)
{
	size_t	i;

	for (i = 0; i < r->nks; i++)
		if (strcasecmp(r->ks[i].fpr, fpr) == 0)
			return &r->ks[i];
	return NULL;
}

/*
 * A key's state in words, into buf: "usable, expires never", "usable,
 * expires 2027-01-01" or "... , in 9 days", or why it is unusable.  1 if
 * that needs the admin.  The sign-key need not encrypt.
 */
static int
state(const struct report *r, const struct keystate *k, char *buf,
    size_t len)
{
	char	date[32];

	if (k->why[0] != '\0' && !(r->c->signkey != NULL &&
	    strcasecmp(k->fpr, r->c->signkey) == 0 &&
	    strcmp(k->why, "no encryption subkey") == 0)) {
		snprintf(buf, len, "%s", k->why);
		return 1;
	}
	if (k->expires == 0) {
		snprintf(buf, len, "usable, expires never");
		return 0;
	}
	day(k->expires, date, sizeof(date));
	if (k->expires - r->now < r->c->expirywarn) {
		snprintf(buf, len, "usable, expires %s, in %lld days", date,
		    (k->expires - r->now) / 86400);
		return 1;
	}
	snprintf(buf, len, "usable, expires %s", date);
	return 0;
}

/* One key under a keymap line or a config key: its state and user ID. */
static void
showkey(struct report *r, const struct keystate *k)
{
	char	st[128], uid[4 * UIDLEN];

	(void)state(r, k, st, sizeof(st));
	fprintf(r->body, "\tkey %s: %s: %s\n", k->fpr, st, safestr(k->uid,
	    uid, sizeof(uid)));
}

/*
 * A fingerprint the keymap pins (at where) or the config names: its key,
 * or that it is missing.  1 if the key is there and usable.
 */
static int
pinned(struct report *r, const char *fpr, const char *where,
    const char *what)
{
	const struct keystate	*k;
	char			 st[128];

	if ((k = findfpr(r, fpr)) == NULL) {
		fprintf(r->body, "\tkey %s: missing: not in the keyring\n",
		    fpr);
		attention(r, "%s: %s: fingerprint 0x%s is not in the keyring",
		    where, what, fpr);
		return 0;
	}
	showkey(r, k);
	if (k->why[0] != '\0' && state(r, k, st, sizeof(st))) {
		attention(r, "%s: %s: key %s is unusable: %s", where, what,
		    fpr, st);
		return 0;
	}
	return 1;
}

/* Does one of the mailboxes ("a\nb\n") equal addr, or, with dom, end in it? */
static int
hasmbox(const char *mboxes, const char *addr, int dom)
{
	const char	*p, *nl;
	size_t		 n = strlen(addr), len;

	for (p = mboxes; p != NULL && (nl = strchr(p, '\n')) != NULL;
	    p = nl + 1) {
		len = nl - p;
		if (!dom && len == n && strncasecmp(p, addr, n) == 0)
			return 1;
		if (dom && len > n + 1 && p[len - n - 1] == '@' &&
		    strncasecmp(p + len - n, addr, n) == 0)
			return 1;
	}
	return 0;
}

/* A keyring line: the keys it finds today. */
static void
keyringline(struct report *r, const struct keymap_entry *e, const char *where,
    const char *pat)
{
	size_t	i, found = 0, usable = 0;

	if (e->kind == PAT_ANY) {
		fprintf(r->body, "\tany key with the recipient's address in a "
		    "user ID (see the keyring below)\n");
		return;
	}
	for (i = 0; i < r->nks; i++) {
		if (!hasmbox(r->ks[i].mboxes, e->pattern, e->kind ==
		    PAT_DOMAIN))
			continue;
		showkey(r, &r->ks[i]);
		found++;
		if (r->ks[i].why[0] == '\0')
			usable++;
	}
	if (e->kind == PAT_DOMAIN) {
		if (found == 0)
			fprintf(r->body, "\tno key with an address in this "
			    "domain\n");
		return;
	}
	if (found == 0)
		fprintf(r->body, "\tno key: none has this address in a user "
		    "ID\n");
	/* A usable key that expires soon is named with the keyring. */
	if (usable == 0)
		attention(r, "%s: %s: no usable key in the keyring%s", where,
		    pat, found ? "" : " (none has this address)");
}

static void
keymapline(struct report *r, const struct keymap_entry *e)
{
	char	where[1100], pat[4 * ADDR_MAX], what[4 * ADDR_MAX + 8];
	size_t	k;

	if (e->line > 0)
		snprintf(where, sizeof(where), "%s:%zu", e->file, e->line);
	else
		snprintf(where, sizeof(where), "%s", e->file);
	safestr(where, what, sizeof(what));
	strlcpy(where, what, sizeof(where));
	snprintf(what, sizeof(what), "%s%s", e->kind == PAT_DOMAIN ? "@" : "",
	    e->pattern);
	safestr(what, pat, sizeof(pat));
	fprintf(r->body, "%s: %s", where, pat);
	switch (e->action) {
	case ACT_REJECT:
		fprintf(r->body, " reject\n\trefused, never sent\n");
		return;
	case ACT_PLAIN:
		fprintf(r->body, " plain\n\tsent in clear, not encrypted\n");
		return;
	case ACT_KEYRING:
		fprintf(r->body, " keyring\n");
		keyringline(r, e, where, pat);
		return;
	case ACT_KEYS:
		for (k = 0; k < e->nfprs; k++)
			fprintf(r->body, " %s", e->fprs[k]);
		fprintf(r->body, "\n");
		for (k = 0; k < e->nfprs; k++)
			(void)pinned(r, e->fprs[k], where, pat);
		return;
	}
}

static void
keymap(struct report *r, const struct keymap *km)
{
	size_t	i;
	int	any = 0;

	fprintf(r->body, "\nKeymap %s, %zu line%s:\n", km->path, km->n,
	    km->n == 1 ? "" : "s");
	for (i = 0; i < km->n; i++) {
		keymapline(r, &km->e[i]);
		any |= km->e[i].kind == PAT_ANY;
	}
	if (!any)
		keymapline(r, &km->fallback);
}

/* The encrypt-to and sign-key fingerprints of the config. */
static void
confkeys(struct report *r)
{
	size_t	i;

	if (r->c->nencryptto == 0 && r->c->signkey == NULL)
		return;
	fprintf(r->body, "\nConfig %s:\n", r->c->path);
	for (i = 0; i < r->c->nencryptto; i++) {
		fprintf(r->body, "encrypt-to %s\n", r->c->encryptto[i]);
		(void)pinned(r, r->c->encryptto[i], r->c->path, "encrypt-to");
	}
	if (r->c->signkey != NULL) {
		fprintf(r->body, "sign-key %s\n", r->c->signkey);
		(void)pinned(r, r->c->signkey, r->c->path, "sign-key");
	}
}

static void
keyring(struct report *r)
{
	char	st[128], uid[4 * UIDLEN];
	size_t	i;

	fprintf(r->body, "\nKeyring %s, %zu key%s:\n", r->c->gnupghome,
	    r->nks, r->nks == 1 ? "" : "s");
	for (i = 0; i < r->nks; i++) {
		safestr(r->ks[i].uid, uid, sizeof(uid));
		if (state(r, &r->ks[i], st, sizeof(st)))
			attention(r, "key %s (%s): %s", r->ks[i].fpr, uid, st);
		fprintf(r->body, "%s: %s: %s\n", r->ks[i].fpr, st, uid);
	}
}

/* The one address --mail names, as an addr-spec; NULL if it is not one. */
static const char *
mailaddr(const char *s, char *out, size_t len)
{
	struct addrlist	 al;
	const char	*why = NULL;
	char		 more[ADDR_MAX + 1];

	addrlist_init(&al, s);
	if (addrlist_next(&al, out, len, &why) != 1 ||
	    addrlist_next(&al, more, sizeof(more), &why) != 0)
		return NULL;
	return out;
}

/* The report, put together: head, what needs the admin, the rest. */
static int
finish(struct report *r, const char *host, const char *mailto, char *body,
    char *att, const char *failure, int ex)
{
	char	*text = NULL, date[64], win[32], err[ERRLEN], subj[512];
	time_t	 now = r->now;
	size_t	 len = 0;
	FILE	*fp;
	int	 mex;

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	duration(r->c->expirywarn, win, sizeof(win));
	if ((fp = open_memstream(&text, &len)) == NULL) {
		fprintf(stderr, "pgpsendmail: %s\n", strerror(errno));
		return EX_OSERR;
	}
	fprintf(fp, "pgpsendmail key report for %s, %s\n"
	    "A key that stops working within %s (expiry-warning in %s) "
	    "needs attention.\n\n", host, date, win, r->c->path);
	if (failure != NULL)
		fprintf(fp, "The report could not be made:\n  %s\n", failure);
	else if (r->natt == 0)
		fprintf(fp, "Nothing needs attention.\n");
	else
		fprintf(fp, "Needs attention (%zu):\n%s", r->natt, att);
	fputs(body != NULL ? body : "", fp);
	if (fclose(fp) == EOF) {
		free(text);
		fprintf(stderr, "pgpsendmail: %s\n", strerror(errno));
		return EX_OSERR;
	}
	if (mailto == NULL) {
		fputs(text, stdout);
		free(text);
		if (fflush(stdout) == EOF) {
			fprintf(stderr, "pgpsendmail: stdout: %s\n",
			    strerror(errno));
			return EX_IOERR;
		}
		return ex;
	}
	if (ex != EX_OK) {
		if (failure != NULL)
			snprintf(subj, sizeof(subj), "pgpsendmail key report "
			    "for %s: it could not be made", host);
		else
			snprintf(subj, sizeof(subj), "pgpsendmail key report "
			    "for %s: %zu need%s attention", host, r->natt,
			    r->natt == 1 ? "s" : "");
		mex = backend_notice(r->c, host, mailto, subj, text,
		    (uid_t)-1, err, sizeof(err));
		if (mex != EX_OK) {
			fprintf(stderr, "pgpsendmail: the key report to %s was "
			    "not sent: %s\n", mailto, err);
			ex = mex;
		}
	}
	free(text);
	return ex;
}

int
key_report(const struct conf *c, const char *host, const char *mailto)
{
	struct report	 r;
	struct keymap	 km;
	struct gpg	 g;
	char		 err[ERRLEN], to[ADDR_MAX + 1], *body = NULL;
	char		*att = NULL;
	size_t		 blen = 0, alen = 0;
	int		 ex = EX_OK;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.now = time(NULL);
	if (mailto != NULL && (mailto = mailaddr(mailto, to,
	    sizeof(to))) == NULL) {
		fprintf(stderr, "pgpsendmail: --mail wants one address\n");
		return EX_USAGE;
	}
	if (keymap_load(&km, c->keymap, err, sizeof(err)) == -1)
		ex = EX_CONFIG;
	else {
		memset(&g, 0, sizeof(g));
		g.path = c->gpg;
		g.home = c->gnupghome;
		g.timeout = c->timeout;
		switch (gpg_listkeys(&g, &r.ks, &r.nks, err, sizeof(err))) {
		case GPG_OK:
			break;
		case GPG_ECONF:
			ex = EX_CONFIG;
			break;
		case GPG_EOS:
			ex = EX_OSERR;
			break;
		default:
			ex = EX_UNAVAILABLE;
		}
	}
	if (ex != EX_OK) {
		fprintf(stderr, "pgpsendmail: %s\n", err);
		ex = finish(&r, host, mailto, NULL, NULL, err, ex);
		goto done;
	}
	if ((r.body = open_memstream(&body, &blen)) == NULL ||
	    (r.att = open_memstream(&att, &alen)) == NULL) {
		fprintf(stderr, "pgpsendmail: %s\n", strerror(errno));
		ex = EX_OSERR;
		goto done;
	}
	keymap(&r, &km);
	confkeys(&r);
	keyring(&r);
	if (fclose(r.body) == EOF || fclose(r.att) == EOF) {
		r.body = r.att = NULL;
		fprintf(stderr, "pgpsendmail: %s\n", strerror(errno));
		ex = EX_OSERR;
		goto done;
	}
	r.body = r.att = NULL;
	ex = finish(&r, host, mailto, body, att, NULL, r.natt > 0 ?
	    REPORT_ATTENTION : EX_OK);
done:
	if (r.body != NULL)
		fclose(r.body);
	if (r.att != NULL)
		fclose(r.att);
	free(body);
	free(att);
	gpg_freekeys(r.ks, r.nks);
	keymap_free(&km);	/* also what a failed load left */
	return ex;
}
