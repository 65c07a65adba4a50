/*
 * report.h: --key-report, the admin's look at the keymap and the keys,
 * made to run daily from a timer.
 *
 * key_report	read the keymap named by c and list the system keyring;
 *		report every keymap line (FILE:LINE, pattern, action, and
 *		the keys it names with their state and expiry), every key of
 *		the keyring, the encrypt-to and sign-key keys, and first what
 *		needs the admin: a key missing or unusable, a line with no
 *		usable key, a key that stops working within expiry-warning.
 *		On stdout; with mailto (one address), instead mailed in clear
 *		straight to the real sendmail when something needs the admin.
 *		EX_OK if nothing does, REPORT_ATTENTION if something does,
 *		EX_CONFIG (keymap, a keyring anyone may write),
 *		EX_UNAVAILABLE (gpg failed), EX_USAGE (mailto), or the
 *		real sendmail's failure; each failure on stderr too
 */
#ifndef REPORT_H
#define REPORT_H

#include "conf.h"

#define REPORT_ATTENTION	1	/* the exit status: look at the report */

int	key_report(const struct conf *c, const char *host, const char *mailto);

#endif
