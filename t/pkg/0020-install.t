#!/bin/sh
# apt install the package next to the system's Postfix: the MTA's sendmail
# moves aside, root, a cron user and www-data send encrypted mail through
# /usr/sbin/sendmail with keys root imported under umask 077, the timers'
# commands run; apt purge leaves the system's file list as it was and
# /usr/sbin/sendmail byte for byte Postfix's.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
pkg_init
pkg_build || pkg_die "make deb fails"
snapshot "$T/before"
pkg_postfix rcpt bob
pkg_adduser pgpsm-cronjob || pkg_die "useradd pgpsm-cronjob fails"
pfsum=$(sha256sum <"$SM")
man1=/usr/share/man/man1/sendmail.1.gz
[ -f "$man1" ] && mansum=$(sha256sum <"$man1")	# not where dpkg excludes man pages

apt_install "$DEB1"
ok $? "apt-get install ./$(basename "$DEB1") succeeds"
[ -f /usr/sbin/pgpsendmail ] || { tail -n 20 "$T/apt.out" | sed 's/^/# /' >&2; pkg_die "not installed"; }

# the diversion
is "$(dpkg-divert --listpackage "$SM")" pgpsendmail "$SM is diverted by the package"
is "$(dpkg-divert --truename "$SM")" "$SM.real" "... to $SM.real"
is "$(sha256sum <"$SM.real")" "$pfsum" "$SM.real is Postfix's sendmail, byte for byte"
is "$(readlink -f "$SM")" /usr/sbin/pgpsendmail "$SM is pgpsendmail"
is "$(dpkg-divert --listpackage "$man1")" pgpsendmail "Postfix's sendmail(1) is diverted too"
if [ -n "$mansum" ]; then
	is "$(sha256sum </usr/share/man/man1/sendmail.real.1.gz)" "$mansum" \
	    "... to sendmail.real.1.gz, byte for byte"
else
	skip "... to sendmail.real.1.gz, byte for byte" "no $man1 on disk before (dpkg excludes man pages here)"
fi

# set-group-id binary, spool, keyring
check "the group pgpsendmail exists" getent group pgpsendmail
is "$(stat -c '%a %U %G' /usr/sbin/pgpsendmail)" "2755 root pgpsendmail" \
    "/usr/sbin/pgpsendmail is set-group-id pgpsendmail"
is "$(stat -c '%a %U %G' "$SPOOLDIR")" "2770 root pgpsendmail" "$SPOOLDIR is 2770 root:pgpsendmail"
is "$(stat -c '%a %U' "$KEYRING")" "755 root" "$KEYRING is 0755, root's: no one else writes it"
check "$KEYRING has a default ACL (new files 0644 whatever root's umask)" \
    sh -c "getfacl -p '$KEYRING' | grep -qx 'default:other::r-x'"

import rcpt
ok $? "root imports a key the README's way, under umask 077"
check "gpg prints no warning on the import" not grep -qiE 'warning|unsafe' "$T/import.out"
[ "$failed" -eq 0 ] || sed 's/^/# /' "$T/import.out" >&2
for f in pubring.kbx trustdb.gpg; do
	is "$(stat -c %a "$KEYRING/$f" 2>&1)" 644 "after the import $f is 0644"
done

# the key cache: built at install, stale after the import, built again
# by its timer's command; the sends below (as three users) then use it
KC=/etc/pgpsendmail/keymap.cache
is "$(stat -c '%a %U' "$KC" 2>&1)" "644 root" "the install builds the key cache, root's, 0644"
kcstamp=$(stat -c %Y.%i "$KC" 2>/dev/null)
sleep 1.1	# a new cache has a new mtime, to the second
$(timer_cmd pgpsendmail-keycache.service) >"$T/kc.out" 2>&1
is "$?:$(cat "$T/kc.out")" "0:" "the key cache timer's command, run as is, exits 0 and prints nothing"
check "after the import it wrote a new cache" test "$(stat -c %Y.%i "$KC" 2>/dev/null)" != "$kcstamp"
check "which holds the imported key's address" grep -qF "$(addr rcpt)" "$KC"
kcstamp=$(stat -c %Y.%i "$KC" 2>/dev/null)
$(timer_cmd pgpsendmail-keycache.service) >"$T/kc.out" 2>&1
is "$?:$(stat -c %Y.%i "$KC" 2>/dev/null)" "0:$kcstamp" "run again, it leaves the fresh cache alone"

# three senders
mkmsg "$T/in.root" rcpt
as root /usr/sbin/sendmail -i "$(addr rcpt)" <"$T/in.root" >"$T/err" 2>&1
is "$?" 0 "root sends through $SM: exit 0"
delivered "root's message" rcpt "$T/in.root"

mkmsg "$T/in.cron" rcpt
as pgpsm-cronjob /usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem "$(addr rcpt)" \
    <"$T/in.cron" >"$T/err" 2>&1
is "$?" 0 "a cron user sends with cron's argv: exit 0"
[ -s "$T/err" ] && sed 's/^/# /' "$T/err" >&2
delivered "the cron user's message" rcpt "$T/in.cron"

mkmsg "$T/in.www" rcpt
as www-data /usr/sbin/sendmail -t -i <"$T/in.www" >"$T/err" 2>&1
is "$?" 0 "www-data sends with -t: exit 0"
[ -s "$T/err" ] && sed 's/^/# /' "$T/err" >&2
delivered "www-data's message" rcpt "$T/in.www"

# a later import under umask 077 keeps the keyring readable
import bob
ok $? "root imports a second key, under umask 077"
mkmsg "$T/in.bob" bob
as www-data /usr/sbin/sendmail -i "$(addr bob)" <"$T/in.bob" >"$T/err" 2>&1
is "$?" 0 "after the second import www-data still sends: exit 0"
[ -s "$T/err" ] && sed 's/^/# /' "$T/err" >&2
delivered "www-data's message to the second key" bob "$T/in.bob"

# the units and the cron fallback
ctl=$(sed -n 's/^ExecStart=//p' /usr/lib/systemd/system/postfix.service /lib/systemd/system/postfix.service 2>/dev/null | head -n 1)
if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip "systemd-analyze verify finds nothing in the units" "no systemd-analyze here"
elif ! systemd-analyze verify /lib/systemd/system/postfix.service >"$T/verify" 2>&1; then
	skip "systemd-analyze verify finds nothing in the units" \
	    "it fails on Postfix's own unit here: $(head -n 1 "$T/verify")"
else
	systemd-analyze verify /lib/systemd/system/pgpsendmail-queue.timer \
	    /lib/systemd/system/pgpsendmail-queue.service \
	    /lib/systemd/system/pgpsendmail-keys.timer \
	    /lib/systemd/system/pgpsendmail-keys.service \
	    /lib/systemd/system/pgpsendmail-keycache.timer \
	    /lib/systemd/system/pgpsendmail-keycache.service >"$T/verify" 2>&1
	is "$?:$(cat "$T/verify")" "0:" "systemd-analyze verify finds nothing in the units"
fi
check "the queue timer runs every 5 minutes" grep -qx 'OnUnitActiveSec=5min' \
    /lib/systemd/system/pgpsendmail-queue.timer
is "$(timer_cmd pgpsendmail-queue.service)" "/usr/sbin/pgpsendmail --run-own-queue" \
    "the queue timer runs our queue only"
is "$(timer_cmd pgpsendmail-keys.service)" "/usr/sbin/pgpsendmail --key-report --mail root" \
    "the keys timer mails root the key report"
is "$(timer_cmd pgpsendmail-keycache.service)" "/usr/sbin/pgpsendmail --key-cache" \
    "the key cache timer builds the cache, not the MTA's aliases"
check "the key cache timer runs every 5 minutes" grep -qx 'OnUnitActiveSec=5min' \
    /lib/systemd/system/pgpsendmail-keycache.timer
check "the cron fallback runs the key cache timer's command when systemd does not run" \
    grep -qF "[ ! -d /run/systemd/system ] && $(timer_cmd pgpsendmail-keycache.service)" /etc/cron.d/pgpsendmail
check "the cron fallback runs the queue timer's command when systemd does not run" \
    grep -qF "[ ! -d /run/systemd/system ] && $(timer_cmd pgpsendmail-queue.service)" /etc/cron.d/pgpsendmail
check "the cron fallback runs the keys timer's command when systemd does not run" \
    grep -qF "[ ! -d /run/systemd/system ] && $(timer_cmd pgpsendmail-keys.service)" /etc/cron.d/pgpsendmail

mkmsg "$T/in.q" rcpt
queue_one rcpt "$T/in.q"
is "$?:$(entries)" "0:1" "a message the real sendmail refuses is queued (exit 0, one entry)"
cmd=$(timer_cmd pgpsendmail-queue.service)
$cmd >"$T/run.out" 2>&1
rc=$?
is "$rc:$(entries)" "0:0" "the queue timer's command, run as is, hands it on: exit 0, queue empty"
delivered "the queued message" rcpt "$T/in.q"
cmd=$(timer_cmd pgpsendmail-keys.service)
$cmd >"$T/keys.out" 2>&1
is "$?" 0 "the keys timer's command, run as is, finds every key good: exit 0"

# purge
timeout 600 apt-get purge -y pgpsendmail >"$T/apt.out" 2>&1 9>&-
ok $? "apt-get purge pgpsendmail succeeds"
is "$(sha256sum <"$SM")" "$pfsum" "$SM is Postfix's again, byte for byte"
[ -z "$mansum" ] || is "$(sha256sum <"$man1")" "$mansum" "Postfix's sendmail(1) is back, byte for byte"
is "$(dpkg-divert --list | grep -c sendmail)" 0 "no diversion of sendmail is left"
check "the group pgpsendmail is gone" not getent group pgpsendmail
is "$(dpkg-statoverride --list | grep -c pgpsendmail)" 0 "no statoverride is left"
pkg_cleanup	# users, main.cf, Postfix as they were before the snapshot
snapshot "$T/after"
check_same "the system's file list after purge is the one before install" "$T/after" "$T/before"
plan "$n"
