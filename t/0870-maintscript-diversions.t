#!/bin/sh
# The package's postrm takes away only its own diversions.  When the
# preinst stops because /usr/sbin/sendmail is diverted by someone else (a
# local diversion that is not the README's, or another package's), dpkg
# runs "postrm abort-install"; a postrm that then asks dpkg-divert to
# remove "the diversion by pgpsendmail" fails ("mismatch on package"),
# and dpkg leaves the package half-installed, with every later remove
# failing the same way.  Run against a dpkg database of the test's own
# (DPKG_ADMINDIR, DPKG_ROOT): the system's diversions are never touched.
. "$(dirname "$0")/lib.sh"

command -v dpkg-divert >/dev/null 2>&1 || skip_all "dpkg-divert is not installed"
POSTRM=$ABS/debian/postrm
A=$T/admin
R=$T/root

# fresh DB D: an empty dpkg database and root with the MTA's sendmail
fresh() {
	rm -rf "$A" "$R"
	mkdir -p "$A/info" "$R/usr/sbin" "$R/usr/share/man/man1" || exit 1
	: >"$A/diversions"
	: >"$A/status"
	echo mta >"$R/usr/sbin/sendmail"
}
div() { DPKG_ADMINDIR=$A DPKG_ROOT=$R dpkg-divert "$@"; }
postrm() { DPKG_ADMINDIR=$A DPKG_ROOT=$R sh "$POSTRM" "$@" >"$T/out" 2>&1; }

# The private database must be the one dpkg-divert uses, or stop here.
fresh
div --local --divert /pgpsm-marker.x --add /pgpsm-marker >/dev/null 2>&1
if ! div --list 2>/dev/null | grep -q pgpsm-marker ||
    dpkg-divert --list 2>/dev/null | grep -q pgpsm-marker; then
	skip_all "dpkg-divert does not honour DPKG_ADMINDIR"
fi
# abort-install also puts back the manual install's files kept aside in /etc
takeover=
for f in /etc/pgpsendmail.conf /etc/pgpsendmail/keymap; do
	[ -e "$f.pgpsendmail-takeover" ] && takeover=1
done

plan 12

for how in local other; do
	for arg in abort-install remove; do
		fresh
		if [ $how = local ]; then
			div --local --rename --divert /usr/sbin/sendmail.local \
			    --add /usr/sbin/sendmail >/dev/null
		else
			div --package other-mta --rename --divert /usr/sbin/sendmail.other \
			    --add /usr/sbin/sendmail >/dev/null
		fi
		if [ $arg = abort-install ] && [ -n "$takeover" ]; then
			skip "postrm $arg with a $how diversion exits 0" "this host has *.pgpsendmail-takeover files in /etc"
			skip "... and leaves that diversion as it was" "likewise"
			continue
		fi
		postrm $arg
		st=$?
		ok $st "postrm $arg with a diversion of sendmail by $how (not ours) exits 0"
		[ $st -eq 0 ] || sed 's/^/# /' "$T/out" >&2
		want=$(if [ $how = local ]; then echo LOCAL; else echo other-mta; fi)
		is "$(div --listpackage /usr/sbin/sendmail) $(cat "$R/usr/sbin/sendmail.$how" 2>/dev/null)" \
		    "$want mta" "... and leaves that diversion, and the file it moved, as they were"
	done
done

# Its own diversion: removed, the MTA's sendmail back in place.
for arg in abort-install remove; do
	fresh
	div --package pgpsendmail --rename --divert /usr/sbin/sendmail.real \
	    --add /usr/sbin/sendmail >/dev/null
	if [ $arg = abort-install ] && [ -n "$takeover" ]; then
		skip "postrm $arg removes the package's own diversion" "this host has *.pgpsendmail-takeover files in /etc"
		skip "... and the MTA's sendmail is back" "likewise"
		continue
	fi
	postrm $arg
	ok $? "postrm $arg with the package's own diversion exits 0"
	is "$(div --listpackage /usr/sbin/sendmail)|$(cat "$R/usr/sbin/sendmail")|$(ls "$R/usr/sbin")" \
	    "|mta|sendmail" "... removes it, and the MTA's sendmail is back in its place"
done
