#!/bin/sh
# PHP's mail(): sendmail_path "pgpsendmail -t -i" plus additional_params,
# through popen (sh -c), To/Cc/Bcc in the headers, CRLF after the headers
# PHP writes; first as root, then as www-data against the root-owned keyring.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
user=www-data
id "$user" >/dev/null 2>&1 || pf_cannot "no user $user"
pf_need setpriv
pf_setup alice bob carol

mkmsg() {	# mkmsg TOKEN SUBJECT: $T/in as PHP writes it, $T/want what is encrypted
	printf 'To: %s\r\nSubject: %s\r\nX-PHP-Originating-Script: 33:contact.php\r\nFrom: Web Site <webmaster@%s>\r\nCc: %s\r\nBcc: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n' \
	    "$(addr alice)" "$2" "$PF_DOMAIN" "$(addr bob)" "$(addr carol)" >"$T/in"
	printf 'A contact form.\nThe secret: %s\n.\nA lone dot above, and the end.\n' "$1" >>"$T/in"
	tr -d '\r' <"$T/in" | grep -v '^Bcc:' >"$T/want"
}

tok=$(pf_token)
subj="PHP test $(pf_token)"
mkmsg "$tok" "$subj"
mark=$(pf_logmark)
(cd / && timeout 60 sh -c "$PGPSENDMAIL -t -i") <"$T/in" >"$T/out.php" 2>&1
rc=$?
is "$rc" 0 "PHP as root: sh -c 'pgpsendmail -t -i' exits 0"
[ "$rc" -eq 0 ] || diag "$(cat "$T/out.php")"
pf_delivered "PHP as root" "$subj" "$T/want" added alice bob -- carol
pf_clean "PHP as root" "$tok" "$mark" "$subj"

# www-data, as PHP-FPM runs: no HOME, only PATH, additional_params -f
mkdir "$T/bin"
cp "$PGPSENDMAIL" "$T/bin/pgpsendmail"
chmod 755 "$T/bin" "$T/bin/pgpsendmail"
find "$T/sys" -type d -exec chmod 755 {} +
find "$T/sys" -type f -exec chmod 644 {} +
chmod 644 "$T/conf" "$T/keymap"
chmod 755 "$T/spool"
timeout 10 gpgconf --homedir "$T/sys" --kill all >/dev/null 2>&1
snap() { find "$T/sys" ! -type s -printf '%P %y %s %T@ %m %u\n' | sort; }
snap >"$T/sys.before"
tok=$(pf_token)
subj="PHP www-data test $(pf_token)"
mkmsg "$tok" "$subj"
mark=$(pf_logmark)
(cd / && timeout 60 setpriv --reuid="$(id -u $user)" --regid="$(id -g $user)" --clear-groups \
    env -i PATH=/usr/bin:/bin PGPSENDMAIL_CONF="$T/conf" \
    sh -c "$T/bin/pgpsendmail -t -i -fwebmaster@$PF_DOMAIN") <"$T/in" >"$T/out.php" 2>&1
rc=$?
is "$rc" 0 "PHP as www-data: sh -c 'pgpsendmail -t -i -fwebmaster@...' exits 0"
[ "$rc" -eq 0 ] || diag "$(cat "$T/out.php")"
pf_delivered "PHP as www-data" "$subj" "$T/want" added alice bob -- carol
is "$(header Return-Path "$T/got.alice")" "<webmaster@$PF_DOMAIN>" \
    "PHP as www-data: the envelope sender is -f's webmaster@..."
pf_clean "PHP as www-data" "$tok" "$mark" "$subj"
snap >"$T/sys.after"
check_same "PHP as www-data: the root-owned keyring is left as it was" "$T/sys.after" "$T/sys.before"
pf_done
