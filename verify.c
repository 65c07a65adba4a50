/*
 * -bv: what each recipient would get, and why; nothing is sent.
 *
 * The admin's check of a keymap: the line that matched (FILE:LINE), the
 * action, and for encryption every key with its fingerprint, user ID and
 * expiry, or why there is none.  A key that stops working within 30 days
 * gets a warning, so that mail does not start bouncing on a quiet Sunday.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "pgpsendmail.h"

#define WARNDAYS	30

static void
showkey(const struct keyinfo *k, time_t now)
{
	char		 date[32];
	time_t		 t = (time_t)k->expires;
	struct tm	*tm;

	if (k->expires == 0 || (tm = gmtime(&t)) == NULL)
		strlcpy(date, "never", sizeof(date));
	else
		strftime(date, sizeof(date), "%Y-%m-%d", tm);
	printf("\tkey %s %s (expires %s)\n", k->fpr, k->uid, date);
	if (k->expires != 0 && k->expires - now < WARNDAYS * 86400LL)
		printf("\twarning: key %s expires %s, in %lld days\n", k->fpr,
		    date, (k->expires - now) / 86400);
}

/* One query per keyring recipient and per fingerprint the keymap names. */
static struct keyquery *
queries(const struct msg *m, size_t *nq)
{
	struct keyquery	*q;
	size_t		 i, k, n = 0;

	for (i = 0; i < m->nr; i++)
		n += m->r[i].e->action == ACT_KEYRING ? 1 : m->r[i].e->nfprs;
	if ((q = calloc(n + 1, sizeof(*q))) == NULL)
		return NULL;
	for (i = 0, n = 0; i < m->nr; i++) {
		if (m->r[i].e->action == ACT_KEYRING)
			q[n++].addr = m->r[i].addr;
		for (k = 0; k < m->r[i].e->nfprs; k++) {
			q[n].byfpr = 1;
			q[n++].addr = m->r[i].e->fprs[k];
		}
	}
	*nq = n;
	return q;
}

int
verify(struct msg *m)
{
	const struct keymap_entry *e;
	struct keyquery	 *q, **qp;
	size_t		  i, k, j, nq, at = 0;
	time_t		  now = time(NULL);
	int		  ex, bad = 0;
	char		  err[ERRLEN];

	if (m->t && (ex = msg_header(m)) != EX_OK)
		return ex;
	if (m->nr == 0) {
		fprintf(stderr, "pgpsendmail: no recipients\n");
		return EX_USAGE;
	}
	for (i = 0; i < m->nr; i++)
		m->r[i].e = keymap_lookup(m->km, m->r[i].addr);
	if ((q = queries(m, &nq)) == NULL ||
	    (qp = calloc(nq + 1, sizeof(*qp))) == NULL) {
		fprintf(stderr, "pgpsendmail: out of memory\n");
		return EX_OSERR;
	}
	for (i = 0; i < nq; i++)
		qp[i] = &q[i];
	if (nq > 0 && gpg_findkeys(&m->g, qp, nq, err, sizeof(err)) !=
	    GPG_OK) {
		fprintf(stderr, "pgpsendmail: %s\n", err);
		return EX_UNAVAILABLE;
	}
	for (i = 0; i < m->nr; i++) {
		e = m->r[i].e;
		printf("%s\n\tkeymap %s", m->r[i].addr, e->file);
		if (e->line > 0)
			printf(":%zu", e->line);
		printf(": %s%s", e->kind == PAT_DOMAIN ? "@" : "", e->pattern);
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
			if (q[at].nkeys == 0) {
				printf("\trefused: no usable key (%s)\n",
				    q[at].why);
				bad = 1;
			}
			for (k = 0; k < q[at].nkeys; k++)
				showkey(&q[at].keys[k], now);
			at++;
			continue;
		case ACT_KEYS:
			for (k = 0; k < e->nfprs; k++)
				printf(" %s", e->fprs[k]);
			printf("\n");
			for (k = 0; k < e->nfprs; k++, at++) {
				if (q[at].nkeys == 0) {
					printf("\trefused: key %s: no usable "
					    "key (%s)\n", e->fprs[k],
					    q[at].why);
					bad = 1;
				}
				for (j = 0; j < q[at].nkeys; j++)
					showkey(&q[at].keys[j], now);
			}
			continue;
		}
	}
	for (i = 0; i < nq; i++)
		free(q[i].keys);
	free(q);
	free(qp);
	return bad ? EX_NOUSER : EX_OK;
}
