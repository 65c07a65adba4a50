#!/bin/sh
# The preinst takes over the README's manual install, whose cron line is
# now --run-own-queue (it was -q): either line goes, the local diversion
# becomes the package's, the MTA's sendmail stays at sendmail.real.  A
# cron file with other lines is kept aside, disabled; a local diversion
# that is not the README's stops the install, and the abort that follows
# (postrm abort-install) leaves it as it was.  Run in a root and a dpkg
# database of the test's own (DPKG_ROOT, DPKG_ADMINDIR).
. "$(dirname "$0")/lib.sh"

command -v dpkg-divert >/dev/null 2>&1 || skip_all "dpkg-divert is not installed"
A=$T/admin
R=$T/root
SM=/usr/sbin/sendmail

fresh() {	# fresh: an empty dpkg database, a root with the MTA's sendmail
	rm -rf "$A" "$R"
	mkdir -p "$A/info" "$R/usr/sbin" "$R/usr/share/man/man1" \
	    "$R/etc/cron.d" "$R/etc/pgpsendmail" || exit 1
	: >"$A/diversions"
	: >"$A/status"
	echo mta >"$R$SM"
}
div() { DPKG_ADMINDIR=$A DPKG_ROOT=$R dpkg-divert "$@"; }
script() {	# script NAME ARG...: a maintainer script, its output in $T/out
	_s=$1
	shift
	DPKG_ADMINDIR=$A DPKG_ROOT=$R sh "$ABS/debian/$_s" "$@" >"$T/out" 2>&1
}
manual() {	# manual LINE: the README's manual install, with that cron line
	div --local --rename --divert $SM.real --add $SM >/dev/null &&
	ln -s /usr/local/sbin/pgpsendmail "$R$SM" &&
	echo "$1" >"$R/etc/cron.d/pgpsendmail" &&
	echo 'sendmail /usr/sbin/sendmail.real' >"$R/etc/pgpsendmail.conf"
}

fresh
div --local --divert /pgpsm-marker.x --add /pgpsm-marker >/dev/null 2>&1
if ! div --list 2>/dev/null | grep -q pgpsm-marker ||
    dpkg-divert --list 2>/dev/null | grep -q pgpsm-marker; then
	skip_all "dpkg-divert does not honour DPKG_ADMINDIR"
fi

plan 12

for line in '*/5 * * * * root /usr/local/sbin/pgpsendmail --run-own-queue' \
    '*/5 * * * * root /usr/local/sbin/pgpsendmail -q'; do
	fresh
	manual "$line"
	script preinst install
	st=$?
	ok $st "preinst install over the manual install with the line '$line' exits 0"
	[ $st -eq 0 ] || sed 's/^/# /' "$T/out" >&2
	check "... removes that cron file" not test -e "$R/etc/cron.d/pgpsendmail"
	check "... and keeps no disabled copy of it" not test -e "$R/etc/cron.d/pgpsendmail.dpkg-old"
	is "$(div --listpackage $SM) $(cat "$R$SM.real")" "pgpsendmail mta" \
	    "... the diversion is the package's, the MTA's sendmail at sendmail.real"
done

fresh
manual '*/5 * * * * root /usr/local/sbin/pgpsendmail -q -v'
script preinst install
ok $? "preinst install with another cron line exits 0"
is "$(cat "$R/etc/cron.d/pgpsendmail.dpkg-old" 2>/dev/null)|$(ls "$R/etc/cron.d")" \
    "*/5 * * * * root /usr/local/sbin/pgpsendmail -q -v|pgpsendmail.dpkg-old" \
    "... keeps it aside, disabled, as pgpsendmail.dpkg-old"

fresh
div --local --rename --divert $SM.mine --add $SM >/dev/null
script preinst install
st=$?
script postrm abort-install
ok $(( st == 0 || $? != 0 )) "a local diversion elsewhere: preinst stops, postrm abort-install exits 0"
is "$(div --listpackage $SM) $(cat "$R$SM.mine")" "LOCAL mta" \
    "... and that diversion is left as it was"
