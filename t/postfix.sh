# t/postfix.sh: sourced after t/lib.sh by the tests that send through a real
# Postfix delivering to the Maildirs of throwaway local users.
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/postfix.sh"
#	pf_need mutt			# skip (or fail under CI=true) without it
#	pf_setup alice bob carol	# users pgpsm-alice..., keys, Postfix up
#
# The machine's own Postfix is never touched: sourcing this file re-runs the
# test in private namespaces (unshare: mount, network, pid), where fresh
# copies are mounted over /etc (the system's, then edited: main.cf, aliases,
# the test users), /var/spool/postfix and /var/lib/postfix (an empty queue),
# /home, /root and /var/mail (empty), and /dev (the same nodes, but /dev/log
# is a syslog of the test's own, writing $PF_LOG).  So a Postfix of the
# test's own runs at the default paths (the real /usr/sbin/sendmail,
# postdrop, postqueue just work) with its own loopback, while the primary
# instance keeps its config, queue, port 25 and running master.  When the
# test ends, its Postfix is stopped, and the kernel ends whatever is left in
# the pid namespace and drops the mounts.  No lock is needed: each test has
# its own instance and its own users, so they may run in parallel.
# Nothing is written outside $T.
#
# The test writes its plan at the end (pf_done), since the number of checks
# depends on the recipients.

PF_DOMAIN=localhost.localdomain	# git send-email refuses a domain without a dot
PF_WAIT=${PF_WAIT:-20}		# seconds for one message to be delivered
PATH=$PATH:/usr/sbin:/sbin
# Postfix's own sendmail: moved aside (to sendmail.real) where pgpsendmail
# is installed in its place, by the package or the README's manual install
PF_SENDMAIL=$(dpkg-divert --truename /usr/sbin/sendmail 2>/dev/null)
[ -x "$PF_SENDMAIL" ] || PF_SENDMAIL=/usr/sbin/sendmail
pf_users=
pf_started=
pf_seen=			# pf_delivered found something: mail.log will show it

# pf_need CMD...: skip the whole file (fail under CI=true) when a command is missing
pf_need() {
	for _c; do
		command -v "$_c" >/dev/null 2>&1 || pf_cannot "$_c is not installed"
	done
}
pf_cannot() {
	if [ "$CI" = true ]; then
		plan 1
		ok 1 "CI runs this test, but: $1"
		exit 1
	fi
	skip_all "$1"
}

addr() { printf 'pgpsm-%s@%s' "$1" "$PF_DOMAIN"; }	# addr NAME: NAME's address
maildir() { printf '%s/Maildir' "$(getent passwd "pgpsm-$1" | cut -d: -f6)"; }

pf_nsid() { printf '%s %s' "$(readlink /proc/self/ns/mnt)" "$(readlink /proc/self/ns/net)"; }

pf_stop() {	# pf_stop: Postfix stopped, its master gone (bounded)
	timeout 60 postfix stop >/dev/null 2>&1
	# master exits a moment after "postfix stop"; wait for it, bounded
	_i=0
	while timeout 10 postfix status >/dev/null 2>&1 && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

pf_cleanup() {
	# only ever inside the namespaces: outside, nothing was started
	[ -n "$PF_NS" ] && [ "$(pf_nsid)" != "$PF_NS" ] || return 0
	[ -z "$pf_started" ] || pf_stop
	pf_started=
	_p=$(cat "$T/ns/rsyslogd.pid" 2>/dev/null)
	[ -z "$_p" ] || kill "$_p" 2>/dev/null
	# a /dev half built: host nodes must not stay under $T for rm -rf
	umount -R -l "$T/ns/dev" 2>/dev/null
}
trap 'st=$?; pf_cleanup; cleanup; [ "$st" -eq 0 ] && [ "$failed" -ne 0 ] && st=1; exit $st' EXIT

pf_die() {	# pf_die WHY: setup failed; a failing check says why
	plan 1
	ok 1 "the Postfix test setup works ($1)"
	[ -f "$T/pf.log" ] && sed 's/^/# /' "$T/pf.log" | tail -n 20 >&2
	exit 1
}

# Into the namespaces: the test starts again there, from its first line.
if [ -z "$PF_NS" ] || [ "$(pf_nsid)" = "$PF_NS" ]; then
	[ "$(id -u)" -eq 0 ] || pf_cannot "not root: cannot make the test's own Postfix instance"
	for _c in unshare mount umount ip postfix postconf postalias postqueue \
	    useradd rsyslogd; do
		command -v "$_c" >/dev/null 2>&1 ||
		    pf_cannot "$_c is not installed (Postfix tests need postfix, rsyslog, iproute2, util-linux)"
	done
	[ -x "$PF_SENDMAIL" ] || pf_cannot "Postfix's sendmail ($PF_SENDMAIL) is missing"
	timeout 30 unshare --mount --net --pid --fork --kill-child true >"$T/ns.err" 2>&1 ||
	    pf_cannot "cannot make private namespaces (unshare --mount --net --pid): $(head -c 200 "$T/ns.err")"
	PF_NS=$(pf_nsid)
	export PF_NS
	rm -rf "$T"	# the run in the namespaces makes its own
	exec unshare --mount --net --pid --fork --kill-child --mount-proc \
	    --propagation private -- /bin/sh "$0" "$@"
	exit 1
fi

# pf_ns_dev: /dev again, on a tmpfs with a bind mount for each entry, but no
# log: the host's /dev/log (or the lack of one) stays as it is.
pf_ns_dev() {
	_d=$T/ns/dev
	mkdir "$_d" && mount -t tmpfs -o mode=755,nosuid pgpsm-dev "$_d" || return 1
	for _e in /dev/* /dev/.[!.]*; do
		[ -e "$_e" ] || [ -L "$_e" ] || continue
		_b=${_e#/dev/}
		[ "$_b" = log ] && continue
		if [ -L "$_e" ]; then cp -P "$_e" "$_d/$_b"
		elif [ -d "$_e" ]; then mkdir "$_d/$_b" && mount --rbind "$_e" "$_d/$_b"
		else : >"$_d/$_b" && mount --bind "$_e" "$_d/$_b"
		fi || return 1
	done
	mount --move "$_d" /dev
}

# pf_ns_private SRC DIR: an empty copy of directory DIR (owner and mode kept)
# mounted over it
pf_ns_private() {
	mkdir "$1" && chown --reference="$2" "$1" && chmod --reference="$2" "$1" &&
	    mount --bind "$1" "$2"
}

# pf_ns_etc: $T/ns/etc, a copy of /etc as it is now, without what a user or
# group tool running at this moment has in hand (its lock and temporary
# files: they may vanish under cp) and without users and groups pgpsm-*
# (left behind on the machine by an older run)
pf_ns_etc() {
	cp -a /etc "$T/ns/etc"	# complains of what vanished: checked below
	for _f in passwd shadow group gshadow; do
		[ -f "$T/ns/etc/$_f" ] || [ "$_f" = gshadow ] || return 1
	done
	[ -f "$T/ns/etc/postfix/main.cf" ] || return 1
	rm -f "$T/ns/etc/"*.lock "$T/ns/etc/"*+ "$T/ns/etc/.pwd.lock"
	for _f in passwd shadow group gshadow; do
		[ ! -f "$T/ns/etc/$_f" ] || sed -i '/^pgpsm-/d' "$T/ns/etc/$_f" || return 1
	done
}

# The namespaces' private mounts; the primary instance sees none of it.
pf_ns_setup() {
	mount --make-rprivate / &&
	ip link set lo up &&
	mkdir "$T/ns" &&
	pf_ns_etc && mount --bind "$T/ns/etc" /etc &&
	pf_ns_private "$T/ns/home" /home &&
	pf_ns_private "$T/ns/root" /root &&
	pf_ns_private "$T/ns/mail" /var/mail &&
	pf_ns_private "$T/ns/spool" /var/spool/postfix &&
	pf_ns_private "$T/ns/lib" /var/lib/postfix &&
	pf_ns_dev
}
pf_ns_setup >>"$T/pf.log" 2>&1 || pf_die "the private namespaces cannot be set up"
PF_LOG=$T/ns/mail.log

# pf_syslog: a syslogd of the test's own on /dev/log (pgpsendmail) and the
# Postfix chroot's dev/log, writing everything to $PF_LOG
pf_syslog() {
	mkdir -p /var/spool/postfix/dev || return 1
	cat >"$T/ns/rsyslog.conf" <<-EOF_
	global(workDirectory="$T/ns")
	module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
	input(type="imuxsock" Socket="/var/spool/postfix/dev/log" RateLimit.Interval="0")
	*.* action(type="omfile" file="$PF_LOG")
	EOF_
	timeout 30 rsyslogd -f "$T/ns/rsyslog.conf" -i "$T/ns/rsyslogd.pid" || return 1
	_i=0
	while ! { [ -S /dev/log ] && [ -S /var/spool/postfix/dev/log ]; } && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -S /dev/log ]
}

# pf_instance: the test's Postfix configured, its queue made, not started
pf_instance() {
	pf_syslog >>"$T/pf.log" 2>&1 || pf_die "the test's own rsyslogd does not start"
	_h=$(hostname)
	timeout 60 postconf -e \
	    "mydestination = localhost, $PF_DOMAIN, $_h, \$myhostname" \
	    "inet_interfaces = loopback-only" \
	    "inet_protocols = ipv4" \
	    "default_transport = error" \
	    "relay_transport = error" \
	    "relayhost =" \
	    "home_mailbox = Maildir/" \
	    "mailbox_command =" \
	    "alias_maps = hash:/etc/aliases" \
	    "alias_database = hash:/etc/aliases" \
	    "message_size_limit = 262144000" \
	    "mailbox_size_limit = 0" \
	    "maillog_file =" \
	    "biff = no" >>"$T/pf.log" 2>&1 || pf_die "postconf -e fails"
	# Mail for a system user whose home is no private one goes to root
	# (a private /root), never into a directory of the machine.
	touch /etc/aliases
	awk -F: '$3 != 0 && $6 !~ /^\/home\// { print $1 }' /etc/passwd | while read -r _u; do
		grep -q "^$_u:" /etc/aliases || printf '%s: root\n' "$_u"
	done >>/etc/aliases
	timeout 60 postalias /etc/aliases >>"$T/pf.log" 2>&1 || pf_die "postalias fails"
	timeout 60 postfix check >>"$T/pf.log" 2>&1 || pf_die "postfix check fails"
}

# pf_setup NAME...: the test's Postfix running, users pgpsm-NAME with empty
# Maildirs, each with a key pair made by mkkey (public half in the system
# keyring $T/sys; not for the names in $PF_NOKEY), and $T/conf pointing
# pgpsendmail at Postfix.
pf_setup() {
	pf_instance
	for _nm; do
		_u=pgpsm-$_nm
		timeout 60 useradd -m -s /usr/sbin/nologin -c "pgpsendmail test" "$_u" \
		    >>"$T/pf.log" 2>&1 || pf_die "useradd $_u fails"
		pf_users="$pf_users $_nm"
		case " $PF_NOKEY " in
		*" $_nm "*) ;;	# a user without a key
		*) mkkey "$_nm" "$(addr "$_nm")" || pf_die "no key for $_nm" ;;
		esac
	done
	timeout 60 postfix start >>"$T/pf.log" 2>&1 || pf_die "postfix start fails"
	pf_started=1
	pf_wait_queue || pf_die "the Postfix queue does not drain before the test"

	CONF_SENDMAIL=$PF_SENDMAIL
	mkconf
	chmod 755 "$T"
	: >"$T/checks"
}

# pf_wait_queue: the Postfix queue is empty, within $PF_WAIT seconds
pf_wait_queue() {
	_i=0
	while [ $_i -lt $((PF_WAIT * 5)) ]; do
		timeout 10 postqueue -p 2>/dev/null | grep -q '^Mail queue is empty' && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	diag "the Postfix queue did not drain in $PF_WAIT s:"
	timeout 10 postqueue -p 2>&1 | head -n 20 | sed 's/^/# /' >&2
	return 1
}

# pf_find NAME PATTERN [SECONDS]: print the file in NAME's Maildir/new that
# contains PATTERN (fixed string), waiting for it up to SECONDS ($PF_WAIT)
pf_find() {
	_d=$(maildir "$1")/new
	_i=0
	while [ $_i -lt $((${3:-$PF_WAIT} * 5)) ]; do
		# Outside, or (the Subject is hidden as [...]) once decrypted.
		for _f in "$_d"/*; do
			[ -f "$_f" ] || continue
			if grep -qF -- "$2" "$_f" || decrypt "$1" "$_f" 2>/dev/null |
			    grep -qF -- "$2"; then
				printf '%s\n' "$_f"
				return 0
			fi
		done
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}

pf_has() {	# pf_has NAME PATTERN: NAME's Maildir/new has it now (no waiting)
	for _f in "$(maildir "$1")"/new/*; do
		[ -f "$_f" ] || continue
		grep -qF -- "$2" "$_f" && return 0
		decrypt "$1" "$_f" 2>/dev/null | grep -qF -- "$2" && return 0
	done
	return 1
}
pf_token() {	# a fresh random string: the secret that must never be seen in clear
	printf 'tok%s' "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
}
pf_logmark() { wc -c 2>/dev/null <"$PF_LOG" || echo 0; }	# where mail.log ends now
pf_lognew() { tail -c +"$(( ${1:-0} + 1 ))" "$PF_LOG" 2>/dev/null; }	# pf_lognew MARK

# body FILE: the body of a message (after the first empty line)
body() { sed '1,/^$/d' "$1"; }
header() {	# header NAME FILE: the unfolded value of the first NAME: header
	headers "$2" | sed -n "s/^$1:[[:space:]]*//Ip" | head -n 1
}

# pf_delivered LABEL PATTERN WANT HOW NAME... [-- BCCNAME...]
# Each NAME (and each BCCNAME) finds the message containing PATTERN in her
# Maildir and decrypts it with her own key.  HOW says what the decrypted
# message must equal: "whole" (WANT file, byte for byte), "added" (the same
# but for the Date: and Message-ID: lines pgpsendmail adds when missing) or
# "body" (the decrypted body equals the WANT file).  Others than the BCCNAMEs find no
# trace of a BCCNAME's address in their copy, outside or inside.
# Leaves NAME's copy in $T/got.NAME and the decrypted one in $T/dec.NAME.
pf_delivered() {
	_label=$1 _pat=$2 _want=$3 _how=$4
	shift 4
	_to= _bcc= _inbcc=
	for _a; do
		if [ "$_a" = -- ]; then _inbcc=1
		elif [ -n "$_inbcc" ]; then _bcc="$_bcc $_a"
		else _to="$_to $_a"
		fi
	done
	# Postfix delivers to all in one go: after a failed send or one
	# recipient who got nothing, a short look is enough.
	_wait=$PF_WAIT
	[ "${rc:-0}" -eq 0 ] || _wait=2
	for _nm in $_to $_bcc; do
		rm -f "$T/got.$_nm" "$T/dec.$_nm"
		_f=$(pf_find "$_nm" "$_pat" "$_wait")
		if [ -z "$_f" ]; then
			ok 1 "$_label: it lands in $(addr "$_nm")'s Maildir"
			diag "nothing with $_pat in $(maildir "$_nm")/new after $_wait s; mail.log ends:"
			tail -n 8 "$PF_LOG" 2>/dev/null | sed 's/^/# /' >&2
			_wait=1
			skip "$_label: $_nm's own key decrypts it to the original" "not delivered"
			continue
		fi
		ok 0 "$_label: it lands in $(addr "$_nm")'s Maildir"
		pf_seen=1
		cp "$_f" "$T/got.$_nm"
		opened "$_nm" "$T/got.$_nm" "$_want" >"$T/dec.$_nm"
		_w=$_want
		case $_how in
		body) body "$T/dec.$_nm" >"$T/cmp.$_nm" ;;
		added)	# Date and Message-ID were missing, pgpsendmail adds them
			grep -viE '^(date|message-id):' "$T/dec.$_nm" >"$T/cmp.$_nm"
			grep -viE '^(date|message-id):' "$_want" >"$T/want.cmp"
			_w=$T/want.cmp ;;
		*) cp "$T/dec.$_nm" "$T/cmp.$_nm" ;;
		esac
		check_same "$_label: $_nm's own key decrypts it to the original" "$T/cmp.$_nm" "$_w"
	done
	[ -n "$_bcc" ] || return 0
	for _nm in $_to; do
		[ -f "$T/got.$_nm" ] || { skip "$_label: $_nm's copy names no Bcc recipient" "not delivered"; continue; }
		_leak=
		for _b in $_bcc; do
			grep -qiF -- "$(addr "$_b")" "$T/got.$_nm" "$T/dec.$_nm" && _leak="$_leak $(addr "$_b")"
		done
		grep -qi '^Bcc:' "$T/got.$_nm" "$T/dec.$_nm" && _leak="$_leak (a Bcc: header)"
		is "${_leak:-none}" none "$_label: $_nm's copy names no Bcc recipient, outside or inside"
	done
}

# pf_clean LABEL TOKEN [MARK [SUBJECT]]: after delivery the queue drains, and
# TOKEN is found in clear nowhere: not in any test user's Maildir, not in
# Postfix's queue directories, not in mail.log, not in pgpsendmail's spool.
# With MARK (from pf_logmark before sending), mail.log is first awaited to
# show the deliveries (when pf_delivered, or the test, set pf_seen); with
# SUBJECT, the Subject is not in mail.log either.
pf_clean() {
	_label=$1 _tok=$2 _mark=$3 _subj=$4
	pf_wait_queue
	ok $? "$_label: the Postfix queue drains"
	if [ -n "$_mark" ] && [ -z "$pf_seen" ]; then
		skip "$_label: mail.log records the delivery" "nothing was delivered"
	elif [ -n "$_mark" ]; then
		# rsyslog writes a moment after Postfix is done: wait for "removed"
		_i=0
		while [ $_i -lt $((PF_WAIT * 5)) ]; do
			pf_lognew "$_mark" | grep -aq 'postfix/qmgr.*: removed' && break
			sleep 0.2
			_i=$((_i + 1))
		done
		pf_lognew "$_mark" | grep -aq 'postfix/local.*status=sent'
		ok $? "$_label: mail.log records the delivery (so it is a log worth searching)"
	fi
	pf_seen=
	_where=
	for _nm in $pf_users; do
		grep -rqF -- "$_tok" "$(maildir "$_nm")" 2>/dev/null && _where="$_where $(maildir "$_nm")"
	done
	grep -rqF -- "$_tok" /var/spool/postfix 2>/dev/null && _where="$_where /var/spool/postfix"
	grep -aqF -- "$_tok" "$PF_LOG" 2>/dev/null && _where="$_where $PF_LOG"
	grep -rqF -- "$_tok" "$T/spool" 2>/dev/null && _where="$_where $T/spool"
	is "${_where:-nowhere}" nowhere "$_label: the body's secret token is nowhere in clear (Maildirs, Postfix queue, mail.log, spool)"
	if [ -n "$_subj" ]; then
		check "$_label: the Subject is not in mail.log" not grep -aqF -- "$_subj" "$PF_LOG"
	fi
}

pf_done() { plan "$n"; }	# the plan, at the end
