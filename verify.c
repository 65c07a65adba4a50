/*
 * -bv: what each recipient would get, and why; nothing is sent.
 *
 * The admin's check of a keymap: the line that matched (FILE:LINE), the
 * action, and for encryption every key with its fingerprint, user ID and
 * expiry, or why there is none.  A key that stops working within the
 * config's expiry-warning (30 days unless set) gets a warning, so that mail
 * does not start bouncing on a quiet Sunday.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "gpg.h"
#include "keymap.h"
#include "msg.h"
#include "send.h"
#include "text.h"
#include "verify.h"

static void
showkey(const struct keyinfo *k, time_t now, long long window)
{
	char		 date[32], uid[4 * sizeof(k->uid)];
	time_t		 t = (time_t)k->expires;
	struct tm	*tm;

	if (k->expires == 0 || (tm = gmtime(&t)) == NULL)
		strlcpy(date, "never", sizeof(date));
	else
		strftime(date, sizeof(date), "%Y-%m-%d", tm);
	/* A user ID is the key holder's text: it may hold escapes. */
	printf("\tkey %s %s (expires %s)\n", k->fpr, safestr(k->uid, uid,
	    sizeof(uid)), date);
	if (k->expires != 0 && k->expires - now < window)
		printf("\twarning: key %s expires %s, in %lld days\n", k->fpr,
		    date, (k->expires - now) / 86400);
}

int
verify(struct msg *m)
{
	const struct keymap_entry *e;
	const struct rcpt	*r;
	size_t			 i, k, j;
	time_t			 now = time(NULL);
	char			 a[4 * ADDR_MAX], b[4 * ADDR_MAX];
	int			 ex, bad = 0;

	m->quiet = 1;
	if (m->t && (ex = msg_header(m)) != EX_OK) {
		fprintf(stderr, "pgpsendmail: %s\n", m->err);
		return ex;
	}
	if (m->nr == 0) {
		fprintf(stderr, "pgpsendmail: no recipients\n");
		return EX_USAGE;
	}
	if ((ex = msg_keys(m)) != EX_OK) {
		fprintf(stderr, "pgpsendmail: %s\n", m->err);
		return ex;
	}
	for (i = 0; i < m->nr; i++) {
		r = &m->r[i];
		e = r->e;
		printf("%s\n\tkeymap %s", safestr(r->addr, a, sizeof(a)),
		    safestr(e->file, b, sizeof(b)));
		if (e->line > 0)
			printf(":%zu", e->line);
		printf(": %s%s", e->kind == PAT_DOMAIN ? "@" : "",
		    safestr(e->pattern, a, sizeof(a)));
		switch (e->action) {
		case ACT_REJECT:
			printf(" reject\n\trefused: rejected by keymap\n");
			bad = 1;
			continue;
		case ACT_PLAIN:
			printf(" plain\n\tsent in clear, not encrypted\n");
			continue;
		case ACT_KEYRING:
			printf(" keyring\n");
			break;
		case ACT_KEYS:
			for (k = 0; k < e->nfprs; k++)
				printf(" %s", e->fprs[k]);
			printf("\n");
			break;
		}
		for (k = 0; k < r->nq; k++) {
			if (r->q[k].nkeys == 0) {
				printf("\trefused: ");
				if (r->q[k].byfpr)
					printf("key %s: ", safestr(r->q[k].addr,
					    a, sizeof(a)));
				printf("no usable key (%s)\n", safestr(
				    r->q[k].why, a, sizeof(a)));
				bad = 1;
			}
			for (j = 0; j < r->q[k].nkeys; j++)
				showkey(&r->q[k].keys[j], now,
				    m->conf->expirywarn);
		}
	}
	return bad ? EX_NOUSER : EX_OK;
}
