#!/bin/sh
# An upgrade to a rebuild with a higher version keeps what the
# administrator and the senders made: the edited config and keymap, the
# keyring, and a queued message, which the queue run then sends.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
pkg_init
pkg_build || pkg_die "make deb fails"
snapshot "$T/before"
pkg_postfix rcpt
pfsum=$(sha256sum <"$SM")

apt_install "$DEB1"
ok $? "apt-get install ./$(basename "$DEB1") succeeds"
import rcpt || pkg_die "the import fails"
printf '# edited by the administrator\nqueue-lifetime 6d\n' >>/etc/pgpsendmail.conf
printf '%s keyring\n' "$(addr rcpt)" >>/etc/pgpsendmail/keymap
mkmsg "$T/in.q" rcpt
queue_one rcpt "$T/in.q"
is "$?:$(entries)" "0:1" "a message the real sendmail refuses is queued (exit 0, one entry)"
# What must survive, with its mode and owner; not the key cache, which
# the new postinst builds again (the keymap changed since the install).
sums() {
	(cd / && find etc/pgpsendmail.conf etc/pgpsendmail "$SPOOLDIR/q" \
	    usr/sbin/pgpsendmail "$SPOOLDIR" -maxdepth 0 -printf '%p %m %u %g\n'
	find /etc/pgpsendmail.conf /etc/pgpsendmail "$SPOOLDIR/q" -type f \
	    ! -name '*.err' ! -name keymap.cache -printf '%p %m %u %g ' -exec sha256sum {} \; |
	    awk '{ print $1, $2, $3, $4, $5 }' | sort)
}
sums >"$T/sums.before"

apt_install "$DEB2"
ok $? "apt-get install ./$(basename "$DEB2") over it succeeds"
[ $? -eq 0 ] || tail -n 20 "$T/apt.out" | sed 's/^/# /' >&2
is "$(dpkg-query -W -f='${Version}' pgpsendmail)" "$VERSION2" "version $VERSION2 is installed"
check "apt asked nothing about a conffile" not grep -qi 'conffile\|configuration file' "$T/apt.out"
check "the upgrade built the key cache for the edited keymap" \
    grep -qF "$(addr rcpt)" /etc/pgpsendmail/keymap.cache
sums >"$T/sums.after"
check_same "the config, keymap, keyring, queued entry, modes and owners are as they were" \
    "$T/sums.after" "$T/sums.before"
is "$(stat -c '%a %G' /usr/sbin/pgpsendmail "$SPOOLDIR" | tr '\n' ' ')" \
    "2755 pgpsendmail 2770 pgpsendmail " "the binary is still set-group-id, the spool still 2770"
is "$(dpkg-divert --listpackage "$SM"):$(sha256sum <"$SM.real")" "pgpsendmail:$pfsum" \
    "$SM is still diverted to Postfix's sendmail"

$(timer_cmd pgpsendmail-queue.service) >"$T/run.out" 2>&1
is "$?:$(entries)" "0:0" "the queue timer's command hands the queued message on"
[ -z "" ] || timeout 60 /usr/sbin/pgpsendmail -q >/dev/null 2>&1
delivered "the message queued before the upgrade" rcpt "$T/in.q"

timeout 600 apt-get purge -y pgpsendmail >"$T/apt.out" 2>&1 9>&-
ok $? "apt-get purge pgpsendmail succeeds"
is "$(sha256sum <"$SM")" "$pfsum" "$SM is Postfix's again, byte for byte"
pkg_cleanup
snapshot "$T/after"
check_same "the system's file list after purge is the one before install" "$T/after" "$T/before"
plan "$n"
