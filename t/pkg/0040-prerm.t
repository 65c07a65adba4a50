#!/bin/sh
# apt remove is refused while the queue holds mail, with a message saying
# how to send it on or drop it; once it is empty the package goes, and a
# removed (not purged) package leaves the MTA's sendmail in place.
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
mkmsg "$T/in.q" rcpt
queue_one rcpt "$T/in.q"
is "$?:$(entries)" "0:1" "a message the real sendmail refuses is queued (exit 0, one entry)"

timeout 600 apt-get remove -y pgpsendmail >"$T/apt.out" 2>&1 9>&-
check "apt-get remove fails while the queue holds mail" test $? -ne 0
check "it says the queue holds mail" grep -q 'queue in /var/spool/pgpsendmail still holds 1 entries' "$T/apt.out"
check "it says how to send it on (--run-own-queue)" grep -qF 'pgpsendmail --run-own-queue' "$T/apt.out"
check "it says how to drop it" grep -qF "rm -r $SPOOLDIR/q/*" "$T/apt.out"
[ "$failed" -eq 0 ] || grep pgpsendmail "$T/apt.out" | sed 's/^/# /' >&2
is "$(dpkg-query -W -f='${Status}' pgpsendmail)" "install ok installed" "the package stays installed"
is "$(dpkg-divert --listpackage "$SM"):$(readlink -f "$SM")" "pgpsendmail:/usr/sbin/pgpsendmail" \
    "$SM is still pgpsendmail"
is "$(entries)" 1 "the queued message is still there"

timeout 60 /usr/sbin/pgpsendmail --run-own-queue >"$T/run.out" 2>&1
is "$?:$(entries)" "0:0" "pgpsendmail --run-own-queue, as the message says, sends it on"
[ -z "" ] || timeout 60 /usr/sbin/pgpsendmail -q >/dev/null 2>&1
delivered "the queued message" rcpt "$T/in.q"

timeout 600 apt-get remove -y pgpsendmail >"$T/apt.out" 2>&1 9>&-
ok $? "with the queue empty apt-get remove succeeds"
is "$(dpkg-query -W -f='${Status}' pgpsendmail)" "deinstall ok config-files" "only the config files are left"
check "dpkg removed the spool (no warning that it was not empty)" not grep -q 'not empty so not removed' "$T/apt.out"
is "$(dpkg-divert --listpackage "$SM")" "" "the removed package diverts nothing"
is "$(sha256sum <"$SM")" "$pfsum" "$SM is Postfix's again, byte for byte, after remove"
check "the config stays until purge" test -f /etc/pgpsendmail.conf
check "the queue line in cron.d does nothing now (the binary is gone)" \
    sh -c "$(sed -n 's/^\*\/5 \* \* \* \*[[:space:]]*root[[:space:]]*//p' /etc/cron.d/pgpsendmail); test \$? -ne 0"

timeout 600 apt-get purge -y pgpsendmail >"$T/apt.out" 2>&1 9>&-
ok $? "apt-get purge pgpsendmail succeeds"
pkg_cleanup
snapshot "$T/after"
check_same "the system's file list after purge is the one before install" "$T/after" "$T/before"
plan "$n"
