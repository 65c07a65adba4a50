#!/bin/sh
# make deb builds the package outside the clone, lintian finds nothing, and
# the package is what the system needs: a sendmail that hands mail to the
# MTA's, never one that could make apt remove the MTA.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
pkg_init

before=$(cd "$ABS" && git status --porcelain --ignored 2>/dev/null | grep -v 'pgpsendmail_.*\.deb$')
pkg_build
ok $? "make deb builds the package"
[ -n "$DEB1" ] || pkg_die "no package built"
is "$(cd "$ABS" && git status --porcelain --ignored 2>/dev/null | grep -v 'pgpsendmail_.*\.deb$')" \
    "$before" "make deb builds in a copy: the clone has no new or changed file"
for l in "$DEBLOG1" "$DEBLOG2"; do
	is "$(grep -E '^[EW]: ' "$l" | head -n 5)" "" \
	    "lintian: no error and no warning ($(basename "$(dirname "$l")")/$(basename "$l"))"
done
dpkg --compare-versions "$VERSION2" gt "$VERSION1"
ok $? "make deb DEBVERSION=... rebuilds it with a higher version ($VERSION2 > $VERSION1)"
is "$(dpkg-deb -f "$DEB2" Version)" "$VERSION2" "the rebuild's version is $VERSION2"

dep=$(dpkg-deb -f "$DEB1" Depends)
for d in gpg acl passwd 'default-mta | mail-transport-agent'; do
	case ", $dep," in
	*", $d,"*) ok 0 "it depends on $d" ;;
	*) ok 1 "it depends on $d"; diag "Depends: $dep" ;;
	esac
done
check "it does not provide mail-transport-agent (apt would remove the MTA)" \
    not sh -c "dpkg-deb -f '$DEB1' Provides Conflicts Replaces | grep -q mail-transport-agent"

dpkg-deb -c "$DEB1" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/files"
for f in /usr/sbin/pgpsendmail /usr/sbin/sendmail /etc/pgpsendmail.conf \
    /etc/pgpsendmail/keymap /etc/cron.d/pgpsendmail /var/spool/pgpsendmail/ \
    /lib/systemd/system/pgpsendmail-queue.service \
    /lib/systemd/system/pgpsendmail-queue.timer \
    /lib/systemd/system/pgpsendmail-keys.service \
    /lib/systemd/system/pgpsendmail-keys.timer \
    /lib/systemd/system/pgpsendmail-keycache.service \
    /lib/systemd/system/pgpsendmail-keycache.timer \
    /usr/share/doc/pgpsendmail/postfix.cf \
    /usr/share/man/man8/pgpsendmail.8.gz /usr/share/man/man5/pgpsendmail.conf.5.gz; do
	check "the package has $f" grep -qxF "$f" "$T/files"
done
dpkg-deb -e "$DEB1" "$T/ctl"
for f in /etc/pgpsendmail.conf /etc/pgpsendmail/keymap /etc/cron.d/pgpsendmail; do
	check "$f is a conffile" grep -qxF "$f" "$T/ctl/conffiles"
done
dpkg-deb -x "$DEB1" "$T/root"
check "its config hands mail to the diverted sendmail, /usr/sbin/sendmail.real" \
    grep -qx 'sendmail /usr/sbin/sendmail.real' "$T/root/etc/pgpsendmail.conf"
check "no file in the package is set-id (dpkg-statoverride sets that)" \
    not sh -c "find '$T/root' -perm /6000 | grep -q ."
plan "$n"
