# t/pkg/lib.sh: sourced, after t/lib.sh, by the package tests (make
# check-package).  They install the .deb on this machine with apt, next to
# the system's Postfix, and undo everything in their EXIT trap, also when
# they fail: the package purged, the diversion of /usr/sbin/sendmail gone,
# /usr/sbin/sendmail checked byte for byte against what it was, main.cf
# back, the users they made gone, Postfix and rsyslogd stopped again if
# they started them.  They hold the Postfix test lock for the whole file.
#
#	pkg_init		root, the tools, the lock, the system as found
#	pkg_build		the .deb, and a rebuild with a higher version
#	pkg_postfix NAME...	Postfix delivering to Maildirs; users
#				pgpsm-NAME with keys (public halves in $T/NAME.asc)
#	snapshot FILE		the file list of the system

ABS=$(cd "$(dirname "$0")/../.." && pwd)	# the top of the tree, not t/
PKG_LOCK=/run/lock/pgpsendmail-tests-postfix.lock
PKG_MAINCF_BACKUP=/etc/postfix/main.cf.pgpsendmail-pkg-tests
PKG_DOMAIN=localhost.localdomain
SM=/usr/sbin/sendmail
KEYRING=/etc/pgpsendmail/gnupg
SPOOLDIR=/var/spool/pgpsendmail
export PATH=$PATH:/usr/sbin:/sbin
export DEBIAN_FRONTEND=noninteractive
pkg_users=
pkg_maincf=
pkg_pf_started=
pkg_syslog_started=
pkg_sm_sum=
pkg_extra_cleanup=

# ok as in t/lib.sh, but a "# TODO" check that fails fails no test: what
# other branches have still to bring
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$n" "$2"
	else
		printf 'not ok %d - %s\n' "$n" "$2"
		case $2 in
		*'# TODO'*) ;;
		*) failed=$((failed + 1)) ;;
		esac
	fi
}

pkg_cannot() {	# skip the file, or fail it when CI=true
	if [ "$CI" = true ]; then
		plan 1
		ok 1 "CI runs the package tests, but: $1"
		exit 1
	fi
	skip_all "$1"
}
pkg_die() {	# setup failed: one failing check says why
	ok 1 "the package test setup works ($1)"
	plan "$n"
	[ -f "$T/pkg.log" ] && tail -n 30 "$T/pkg.log" | sed 's/^/# /' >&2
	exit 1
}

# pkg_purge: the package gone, whatever state it is in; its queue dropped
# first, since the prerm refuses removal while it holds mail.
pkg_purge() {
	dpkg-query -W -f='${db:Status-Status}' pgpsendmail 2>/dev/null |
	    grep -qv '^not-installed$' || return 0
	rm -rf "$SPOOLDIR/q"
	timeout 300 dpkg --purge pgpsendmail >>"$T/pkg.log" 2>&1 9>&- ||
	    timeout 300 dpkg --purge --force-all pgpsendmail >>"$T/pkg.log" 2>&1 9>&-
}

pkg_cleanup() {
	eval "$pkg_extra_cleanup"
	pkg_purge
	# a diversion left (a failed purge, the takeover test's local one):
	# whatever is in sendmail's place goes, the MTA's comes back
	if [ -n "$(dpkg-divert --listpackage "$SM")" ]; then
		_p=$(dpkg-divert --listpackage "$SM")
		rm -f "$SM"
		if [ "$_p" = LOCAL ]; then
			dpkg-divert --local --rename --remove "$SM" >>"$T/pkg.log" 2>&1
		else
			dpkg-divert --package "$_p" --rename --remove "$SM" >>"$T/pkg.log" 2>&1
		fi
	fi
	if [ -n "$pkg_sm_sum" ] && [ "$(sha256sum <"$SM" 2>/dev/null)" != "$pkg_sm_sum" ]; then
		diag "CLEANUP: $SM is not what it was before the test: reinstall the MTA"
	fi
	[ -z "$pkg_pf_started" ] || timeout 60 postfix stop >/dev/null 2>&1 9>&-
	if [ -n "$pkg_maincf" ]; then
		cp -p "$PKG_MAINCF_BACKUP" /etc/postfix/main.cf && rm -f "$PKG_MAINCF_BACKUP"
		[ -n "$pkg_pf_started" ] || timeout 60 postfix reload >/dev/null 2>&1 9>&-
	fi
	for _u in $pkg_users; do
		timeout 60 userdel -r "$_u" >/dev/null 2>&1
		rm -f "/var/mail/$_u"
	done
	if [ -n "$pkg_syslog_started" ]; then
		_p=$(cat /run/rsyslogd.pid 2>/dev/null)
		[ -n "$_p" ] && kill "$_p" 2>/dev/null
	fi
	pkg_users= pkg_maincf= pkg_pf_started= pkg_syslog_started= pkg_extra_cleanup=
}
trap 'st=$?; pkg_cleanup; cleanup; [ "$st" -eq 0 ] && [ "$failed" -ne 0 ] && st=1; exit $st' EXIT

pkg_init() {
	[ "$(id -u)" -eq 0 ] || pkg_cannot "not root: installs a package"
	for _c in apt-get dpkg-buildpackage dh lintian fakeroot dch postfix \
	    postconf postqueue rsyslogd setfacl getfacl flock useradd setpriv; do
		command -v "$_c" >/dev/null 2>&1 ||
		    pkg_cannot "$_c is missing (make check-package needs build-essential devscripts debhelper lintian fakeroot acl postfix rsyslog)"
	done
	dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q 'ok installed' ||
	    pkg_cannot "Postfix is not installed"
	mkdir -p /run/lock
	exec 9>"$PKG_LOCK"
	flock -w 900 9 || pkg_die "no lock on $PKG_LOCK within 900 s"
	# A killed run left its package: take it away first.
	[ -f "$PKG_MAINCF_BACKUP" ] && cp -p "$PKG_MAINCF_BACKUP" /etc/postfix/main.cf
	pkg_purge
	case $(dpkg-divert --listpackage "$SM") in
	'') ;;
	*) pkg_cannot "$SM is diverted already ($(dpkg-divert --listpackage "$SM")): not the system these tests undo to" ;;
	esac
	dpkg -S "$SM" 2>/dev/null | grep -q '^postfix: ' ||
	    pkg_cannot "$SM is not Postfix's"
	pkg_sm_sum=$(sha256sum <"$SM")
}

# pkg_build: $DEB1, the package as built by make deb, and $DEB2, the same
# rebuilt with a higher version.  $PKG_DEBS (set by make check-package)
# keeps them for the next test file.
pkg_build() {
	_d=${PKG_DEBS:-$T/debs}
	_v=$(dpkg-parsechangelog -l "$ABS/debian/changelog" -S Version)
	if ! ls "$_d"/v1/pgpsendmail_*.deb >/dev/null 2>&1; then
		mkdir -p "$_d/v1" && make -s -C "$ABS" deb DEBOUT="$_d/v1" \
		    >"$_d/v1.log" 2>&1 9>&- || { cat "$_d/v1.log" >>"$T/pkg.log"; return 1; }
	fi
	if ! ls "$_d"/v2/pgpsendmail_*.deb >/dev/null 2>&1; then
		mkdir -p "$_d/v2" && make -s -C "$ABS" deb DEBOUT="$_d/v2" \
		    DEBVERSION="$_v+pkgtest1" >"$_d/v2.log" 2>&1 9>&- ||
		    { cat "$_d/v2.log" >>"$T/pkg.log"; return 1; }
	fi
	DEB1=$(ls "$_d"/v1/pgpsendmail_*.deb)
	DEB2=$(ls "$_d"/v2/pgpsendmail_*.deb)
	DEBLOG1=$_d/v1.log
	DEBLOG2=$_d/v2.log
	VERSION1=$_v
	VERSION2=$_v+pkgtest1
}

apt_install() {	# apt_install DEB: as an administrator would, output in $T/apt.out
	timeout 600 apt-get install -y --no-install-recommends "$1" \
	    >"$T/apt.out" 2>&1 9>&-
}

# snapshot FILE: every path on the root file system with its type, mode,
# owner and group, sorted, but for what changes whatever the package does:
#	/tmp /var/tmp	every process's scratch (and this test's $T)
#	/var/log	logs (rsyslogd, apt, dpkg, Postfix)
#	/var/lib/dpkg	dpkg's own records (status, diversions, statoverride)
#	/var/lib/apt /var/cache/apt /var/cache/debconf	apt's and debconf's
#	/var/cache/man	man-db's index, rewritten by its trigger
#	/var/spool/postfix /var/lib/postfix	Postfix's queue and state, busy
#			with the test's own mail and pid files
#	/var/mail /home	the test users' mailboxes and homes, made and removed
#	/root /work	root's caches, and the worktrees other runs build in
#	/proc /sys /dev /run	kernel and runtime state (systemd-analyze
#			writes /run/systemd/systemd-units-load), and not
#			this file system on most hosts (-xdev)
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
	    -o -path /tmp -o -path /var/tmp -o -path /var/log \
	    -o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache/apt \
	    -o -path /var/cache/debconf -o -path /var/cache/man \
	    -o -path /var/spool/postfix -o -path /var/lib/postfix \
	    -o -path /var/mail -o -path /home -o -path /root -o -path /work \) \
	    -prune -o -printf '%p %y %m %u %g\n' 2>/dev/null | LC_ALL=C sort >"$1"
}

# pkg_postfix NAME...: Postfix (the system's) delivering to the Maildirs of
# new users pgpsm-NAME, each with a key pair (mkkey), the public half in
# $T/NAME.asc for root to import.
pkg_postfix() {
	cp -p /etc/postfix/main.cf "$PKG_MAINCF_BACKUP" || pkg_die "cannot save main.cf"
	pkg_maincf=1
	_p=$(cat /run/rsyslogd.pid 2>/dev/null)
	if { [ -z "$_p" ] || ! kill -0 "$_p" 2>/dev/null; } && ! pidof rsyslogd >/dev/null 2>&1; then
		rm -f /run/rsyslogd.pid
		timeout 30 rsyslogd >>"$T/pkg.log" 2>&1 9>&- || pkg_die "rsyslogd does not start"
		pkg_syslog_started=1
	fi
	timeout 60 postconf -e \
	    "mydestination = localhost, $PKG_DOMAIN, $(hostname), \$myhostname" \
	    "inet_interfaces = loopback-only" "inet_protocols = ipv4" \
	    "default_transport = error" "relay_transport = error" "relayhost =" \
	    "home_mailbox = Maildir/" "mailbox_command =" "biff = no" \
	    >>"$T/pkg.log" 2>&1 || pkg_die "postconf -e fails"
	if [ ! -f /etc/aliases.db ] && [ -f /etc/aliases ]; then
		timeout 60 postalias /etc/aliases >>"$T/pkg.log" 2>&1
	fi
	for _nm; do
		_u=pgpsm-$_nm
		id "$_u" >/dev/null 2>&1 && timeout 60 userdel -r "$_u" >/dev/null 2>&1
		timeout 60 useradd -m -s /usr/sbin/nologin "$_u" >>"$T/pkg.log" 2>&1 ||
		    pkg_die "useradd $_u fails"
		pkg_users="$pkg_users $_u"
		mkkey "$_nm" "$(addr "$_nm")" || pkg_die "no key for $_nm"
		timeout 60 gpg --homedir "$T/home/$_nm" --armor --export "$(fpr_of "$_nm")" \
		    >"$T/$_nm.asc" 2>>"$T/gpg.log"
	done
	if timeout 30 postfix status >/dev/null 2>&1; then
		timeout 60 postfix reload >>"$T/pkg.log" 2>&1 9>&- || pkg_die "postfix reload fails"
	else
		timeout 60 postfix start >>"$T/pkg.log" 2>&1 9>&- || pkg_die "postfix start fails"
		pkg_pf_started=1
	fi
}
pkg_adduser() {	# pkg_adduser NAME: a system user removed in the trap
	id "$1" >/dev/null 2>&1 && timeout 60 userdel -r "$1" >/dev/null 2>&1
	timeout 60 useradd --system -M -s /usr/sbin/nologin "$1" >>"$T/pkg.log" 2>&1 &&
	    pkg_users="$pkg_users $1"
}

addr() { printf 'pgpsm-%s@%s' "$1" "$PKG_DOMAIN"; }
maildir() { printf '%s/Maildir' "$(getent passwd "pgpsm-$1" | cut -d: -f6)"; }

# import NAME: root imports NAME's key the README's way, under umask 077
import() {
	(umask 077; timeout 60 gpg --homedir "$KEYRING" --no-permission-warning \
	    --import "$T/$1.asc") >"$T/import.out" 2>&1
}

# as USER CMD...: CMD run as USER, with cron's bare environment
as() {
	_u=$1
	shift
	(cd / && timeout 120 env -i SHELL=/bin/sh HOME=/ LOGNAME="$_u" \
	    PATH=/usr/bin:/bin setpriv --reuid="$_u" --regid="$(id -g "$_u")" \
	    --init-groups "$@")
}

# arrived NAME PATTERN: the file in NAME's Maildir/new that holds PATTERN
# once decrypted, waited for up to 30 s
arrived() {
	_i=0
	while [ $_i -lt 150 ]; do
		for _f in "$(maildir "$1")"/new/*; do
			[ -f "$_f" ] || continue
			if decrypt "$1" "$_f" 2>/dev/null | grep -qF -- "$2"; then
				printf '%s\n' "$_f"
				return 0
			fi
		done
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}
# pgpmime FILE: a PGP/MIME message (RFC 3156), not clear text
pgpmime() {
	headers "$1" | grep -qi '^Content-Type: multipart/encrypted;.*application/pgp-encrypted'
}
# delivered LABEL NAME IN: the message IN, sent to NAME, arrived as PGP/MIME
# and decrypts with NAME's key to IN (but for the Date and Message-ID
# pgpsendmail adds)
delivered() {
	_tok=$(sed -n 's/^Subject: //p' "$3")
	_f=$(arrived "$2" "$_tok")
	if [ -z "$_f" ]; then
		ok 1 "$1: it arrives in $(addr "$2")'s Maildir, PGP/MIME"
		skip "$1: it decrypts to the original" "not delivered"
		tail -n 5 /var/log/mail.log 2>/dev/null | sed 's/^/# /' >&2
		return
	fi
	pgpmime "$_f"
	ok $? "$1: it arrives in $(addr "$2")'s Maildir, PGP/MIME"
	opened "$2" "$_f" "$3" | grep -viE '^(date|message-id):' >"$T/got"
	grep -viE '^(date|message-id):' "$3" >"$T/want"
	check_same "$1: it decrypts to the original" "$T/got" "$T/want"
	rm -f "$_f"
}
# mkmsg FILE NAME: a message to NAME with a fresh Subject
mkmsg() {
	cat >"$1" <<EOF_
From: sender@$PKG_DOMAIN
To: $(addr "$2")
Subject: pkgtest $(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

a body line
EOF_
}
# timer_cmd UNIT: the ExecStart= of a unit the package installed
timer_cmd() {
	sed -n 's/^ExecStart=//p' "/lib/systemd/system/$1"
}
# queue_one NAME IN: IN queued for NAME by a real sendmail that fails
# (the config pointed at /bin/false for this one send): exit 0, one
# entry in the spool
queue_one() {
	cp -p /etc/pgpsendmail.conf "$T/conf.keep"
	sed -i 's|^sendmail .*|sendmail /bin/false|' /etc/pgpsendmail.conf
	/usr/sbin/sendmail "$(addr "$1")" <"$2" >"$T/queue.out" 2>&1
	_rc=$?
	cp -p "$T/conf.keep" /etc/pgpsendmail.conf
	return $_rc
}
entries() { find "$SPOOLDIR/q" -type f ! -name '*.err' 2>/dev/null | wc -l; }
