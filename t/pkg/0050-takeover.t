#!/bin/sh
# The package takes over from the README's manual install: its --local
# diversion becomes the package's (one diversion, sendmail.real still
# Postfix's), its cron line goes (one queue job left), its edited config,
# keymap and keyring stay and work for every sender.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
pkg_init
pkg_build || pkg_die "make deb fails"
snapshot "$T/before"
pkg_postfix rcpt
pfsum=$(sha256sum <"$SM")

# The README's manual install, from a copy of this tree.
local_files="/usr/local/sbin/pgpsendmail /usr/local/share/man/man8/pgpsendmail.8 /usr/local/share/man/man5/pgpsendmail.conf.5"
new_dirs=
for d in /usr/local/share/man/man8 /usr/local/share/man/man5; do
	[ -d "$d" ] || new_dirs="$d $new_dirs"
done
pkg_extra_cleanup="rm -f $local_files; rmdir $new_dirs 2>/dev/null; rm -f /etc/cron.d/pgpsendmail.dpkg-old"
mkdir "$T/src"
(cd "$ABS" && git ls-files -z --cached --others --exclude-standard |
    tar --null -T - -cf -) | tar -xf - -C "$T/src"
{
	make -s -C "$T/src" &&
	make -s -C "$T/src" install &&
	dpkg-divert --local --rename --divert /usr/sbin/sendmail.real \
	    --add /usr/sbin/sendmail &&
	ln -s /usr/local/sbin/pgpsendmail /usr/sbin/sendmail &&
	make -s -C "$T/src" install-setgid &&
	echo '*/5 * * * * root /usr/local/sbin/pgpsendmail -q' >/etc/cron.d/pgpsendmail &&
	mkdir -p -m 755 /etc/pgpsendmail/gnupg &&
	gpg --homedir /etc/pgpsendmail/gnupg --import "$T/rcpt.asc" &&
	chmod 644 /etc/pgpsendmail/gnupg/pubring.kbx /etc/pgpsendmail/gnupg/trustdb.gpg
} >>"$T/pkg.log" 2>&1 9>&-
ok $? "the README's manual install is done"
printf '# edited by the administrator\n' >>/etc/pgpsendmail.conf
printf '%s keyring\n' "$(addr rcpt)" >>/etc/pgpsendmail/keymap
cp /etc/pgpsendmail.conf "$T/conf.admin"
cp /etc/pgpsendmail/keymap "$T/keymap.admin"

apt_install "$DEB1"
ok $? "apt-get install ./$(basename "$DEB1") over it succeeds"
[ "$failed" -eq 0 ] || tail -n 20 "$T/apt.out" | sed 's/^/# /' >&2
is "$(dpkg-divert --list | grep -c ' /usr/sbin/sendmail ')" 1 "there is one diversion of $SM"
is "$(dpkg-divert --listpackage "$SM"):$(dpkg-divert --truename "$SM")" \
    "pgpsendmail:$SM.real" "it is the package's, to $SM.real"
is "$(sha256sum <"$SM.real")" "$pfsum" "$SM.real is Postfix's sendmail, byte for byte"
is "$(readlink -f "$SM")" /usr/sbin/pgpsendmail "$SM is the package's pgpsendmail"
is "$(grep -rlE 'pgpsendmail (-q|--run-own-queue)' /etc/cron.d /etc/crontab /var/spool/cron 2>/dev/null)" \
    /etc/cron.d/pgpsendmail "one cron file runs the queue"
check "it is the package's, not the README's line" \
    not grep -q /usr/local/sbin/pgpsendmail /etc/cron.d/pgpsendmail
check_same "the administrator's config is kept" /etc/pgpsendmail.conf "$T/conf.admin"
check_same "the administrator's keymap is kept" /etc/pgpsendmail/keymap "$T/keymap.admin"

mkmsg "$T/in.www" rcpt
as www-data /usr/sbin/sendmail -i "$(addr rcpt)" <"$T/in.www" >"$T/err" 2>&1
is "$?" 0 "www-data sends with the manual install's keyring: exit 0"
[ -s "$T/err" ] && sed 's/^/# /' "$T/err" >&2
delivered "www-data's message" rcpt "$T/in.www"

timeout 600 apt-get purge -y pgpsendmail >"$T/apt.out" 2>&1 9>&-
ok $? "apt-get purge pgpsendmail succeeds"
is "$(sha256sum <"$SM")" "$pfsum" "$SM is Postfix's again, byte for byte"
is "$(dpkg-divert --list | grep -c sendmail)" 0 "no diversion of sendmail is left"
pkg_cleanup	# and the manual install's files in /usr/local
snapshot "$T/after"
check_same "the file list after purge (and the /usr/local files) is the one before the manual install" \
    "$T/after" "$T/before"
plan "$n"
