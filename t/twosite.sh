# t/twosite.sh: sourced after t/lib.sh, t/postfix.sh and t/gwpostfix.sh by
# the tests of two sites that exchange their mail encrypted from relay to
# relay (t/097x, t/098x): a.example and b.example, each a real Postfix
# wired by gateway/postfix.cf with pgpsendmail --gateway as its filter,
# and each set up by gateway/site.cf as pgpsendmail(8), EXAMPLES, shows
# it.  Both run in the private namespaces of t/postfix.sh (so nothing of
# the machine's own Postfix, /etc or /home is touched, and no lock is
# needed): site a is the instance at the default paths, listening on
# 127.0.0.1; site b has its config in /etc/postfix-b (the namespace's
# private /etc), its queue and data under $T/b, and listens on 127.0.0.2.
# Between them, on 127.0.0.3, is the hop that stands for the Internet
# (t/twosite-hop): it records every message that crosses, in $T/hop.
#
# ts_setup: both sites up, users pgpsm-alice and pgpsm-andy at a.example,
#	pgpsm-bob and pgpsm-bea at b.example (Maildirs; bob also has a key
#	of his own, $T/home/bob, public half in a's system keyring, for
#	mail encrypted end to end), site b's transport key made by sq
#	(gpg where sq is missing: $TS_SQ is empty then), site a's by gpg.
#	$TS_SITE_CF names another file than gateway/site.cf (to see the
#	tests fail with a wrong one).
# ts_addr NAME: NAME's address (at her site); ts_site_of NAME: a or b
# ts_pf SITE ARGS: a Postfix command (postfix, postqueue, postconf ...)
#	for SITE's instance
# ts_keymap SITE LINE...: SITE's keymap with LINEs before site.cf's
# ts_wait_queues: both queues empty, within $PF_WAIT seconds;
#	ts_queue_empty SITE, ts_queued SITE: one queue now
# ts_smtp SITE FROM RCPT... <MSG: MSG submitted over SMTP to SITE's port 25
# $TS_FPR_a, $TS_FPR_b: the transport keys; $T/X/etc: site X's
#	pgpsendmail.conf, keymap, peers and system keyring (gnupg);
#	$T/X/lib/transport its transport home.
TS_SITE_CF=${TS_SITE_CF:-$ABS/gateway/site.cf}
TS_ADDR_a=127.0.0.1
TS_ADDR_b=127.0.0.2
TS_DOM_a=a.example
TS_DOM_b=b.example
TS_PEER_a=b
TS_PEER_b=a
TS_CONF_b=/etc/postfix-b
TS_PY=/usr/bin/python3
TS_SQ=
ts_started_b=
ts_hop=

ts_site_of() {	# ts_site_of NAME: a or b
	case $1 in alice|andy|a*) echo a ;; *) echo b ;; esac
}
ts_addr() { eval "printf 'pgpsm-%s@%s' \"\$1\" \"\$TS_DOM_$(ts_site_of "$1")\""; }
ts_pf() {	# ts_pf SITE CMD ARGS...
	_s=$1
	shift
	if [ "$_s" = b ]; then MAIL_CONFIG=$TS_CONF_b timeout 60 "$@"
	else timeout 60 "$@"
	fi
}

ts_cleanup() {
	[ -n "$PF_NS" ] && [ "$(pf_nsid)" != "$PF_NS" ] || return 0
	if [ -n "$ts_started_b" ]; then
		ts_pf b postfix stop >/dev/null 2>&1
		_i=0
		while ts_pf b postfix status >/dev/null 2>&1 && [ $_i -lt 100 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	fi
	ts_started_b=
	[ -z "$ts_hop" ] || kill "$ts_hop" 2>/dev/null
	for _s in a b; do
		[ -d "$T/$_s/lib/transport" ] &&
		    timeout 10 runuser -u "$GWUSER" -- gpgconf --homedir "$T/$_s/lib/transport" \
		    --kill all >/dev/null 2>&1
	done
	umount -l "$T/b/spool/dev/log" 2>/dev/null
	umount -l /usr/bin/gpg-agent 2>/dev/null
}
trap 'st=$?; ts_cleanup; pf_cleanup; cleanup; [ "$st" -eq 0 ] && [ "$failed" -ne 0 ] && st=1; exit $st' EXIT

# ts_section NAME: the lines of section "#### NAME" of gateway/site.cf
ts_section() {
	awk -v s="#### $1" '$0 == s { p = 1; next } /^#### / { p = 0 } p' "$TS_SITE_CF"
}
# ts_subst SITE: sed program making gateway/site.cf's example.org site SITE
ts_subst() {
	_p=$(eval echo "\$TS_PEER_$1")
	_sm="$T/postfix-sendmail"
	[ "$1" = b ] && _sm="$_sm -C $TS_CONF_b"
	printf '%s\n' \
	    "s|/var/lib/pgpsendmail|$T/$1/lib|g" \
	    "s|/etc/pgpsendmail|$T/$1/etc|g" \
	    "s|/usr/sbin/sendmail.real|$_sm|g" \
	    "s|127\.0\.0\.1:10026|$(eval echo "\$TS_ADDR_$1"):10026|g" \
	    "s|example\.org|$(eval echo "\$TS_DOM_$1")|g" \
	    "s|example\.net|$(eval echo "\$TS_DOM_$_p")|g" \
	    "s|0123456789ABCDEF0123456789ABCDEF01234567|$(eval echo "\$TS_FPR_$1")|g" \
	    "s|89ABCDEF0123456789ABCDEF0123456789ABCDEF|$(eval echo "\$TS_FPR_$_p")|g"
}
# ts_run SITE SECTION: run a section of commands of gateway/site.cf for SITE
ts_run() {
	ts_subst "$1" >"$T/$1.sed"
	ts_section "$2" | sed -f "$T/$1.sed" >"$T/$1.$(echo "$2" | tr ' ' _).sh"
	(cd / && timeout 120 sh -e "$T/$1.$(echo "$2" | tr ' ' _).sh") >>"$T/pf.log" 2>&1
}
# ts_file SITE SECTION FILE: a section of settings of gateway/site.cf
# for SITE, as FILE (comments and empty lines dropped), readable by all
ts_file() {
	ts_subst "$1" >"$T/$1.sed"
	ts_section "$2" | sed -f "$T/$1.sed" | grep -v '^#' | grep . >"$3" &&
	    chmod 644 "$3"
}
ts_conf_ok() {	# ts_conf_ok CONF: pgpsendmail --gateway accepts CONF
	printf 'QUIT\r\n' | PGPSENDMAIL_CONF=$1 timeout 10 "$PGPSENDMAIL" --gateway 2>&1 |
	    grep -q '^220 '
}
ts_fpr_of_file() {	# the primary fingerprint of the key in FILE
	timeout 60 gpg --batch --no-tty --with-colons --import-options show-only \
	    --import "$1" 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }'
}

# ts_instance_b: site b's Postfix, a copy of site a's config, its own
# queue and data, its chrooted daemons logging through our syslog
ts_instance_b() {
	ip addr add "$TS_ADDR_b/32" dev lo &&
	    rm -rf "$TS_CONF_b" && cp -a /etc/postfix "$TS_CONF_b" &&
	    mkdir -p "$T/b/spool/dev" "$T/b/data" &&
	    chown postfix "$T/b/data" &&
	    : >"$T/b/spool/dev/log" && mount --bind /dev/log "$T/b/spool/dev/log" &&
	    ts_pf b postconf -e "queue_directory = $T/b/spool" \
		"data_directory = $T/b/data" "syslog_name = postfix-b" &&
	    timeout 60 postconf -e "alternate_config_directories = $TS_CONF_b"
}

# ts_site SITE: the host settings of SITE's Postfix, its route to the
# other site through the hop, and PGPSENDMAIL_CONF for its filter (two
# sites on one host cannot both have /etc/pgpsendmail.conf)
ts_site() {
	_d=$(eval echo "\$TS_DOM_$1")
	_o=$(eval echo "\$TS_PEER_$1")
	_o=$(eval echo "\$TS_DOM_$_o")
	printf '%s smtp:[127.0.0.3]:%s\n' "$_o" "$TS_HOP_PORT" >"$T/$1/transport" &&
	    ts_pf "$1" postmap "$T/$1/transport" &&
	    ts_pf "$1" postconf -e "myhostname = mx.$_d" "mydomain = $_d" \
		"myorigin = $_d" "mydestination = $_d" \
		"inet_interfaces = $(eval echo "\$TS_ADDR_$1")" \
		"smtp_bind_address = $(eval echo "\$TS_ADDR_$1")" \
		"mynetworks = 127.0.0.0/8" "smtp_tls_security_level = none" \
		"transport_maps = hash:$T/$1/transport" \
		"import_environment = $(postconf -dh import_environment) PGPSENDMAIL_CONF=$T/$1/etc/pgpsendmail.conf" \
		"export_environment = $(postconf -dh export_environment) PGPSENDMAIL_CONF"
}

ts_setup() {
	[ -x "$TS_PY" ] || pf_cannot "$TS_PY is not installed"
	"$TS_PY" -c 'import aiosmtpd' 2>/dev/null || pf_cannot "python3-aiosmtpd is not installed"
	pf_need runuser gpgconf
	command -v sq >/dev/null 2>&1 && TS_SQ=sq
	[ -n "$TS_SQ" ] || [ "$CI" != true ] || pf_cannot "sq is not installed"
	pf_instance
	chmod 755 "$T"
	: >"$T/checks"
	ts_instance_b >>"$T/pf.log" 2>&1 || pf_die "site b's instance cannot be made"
	for _nm in alice andy bob bea; do
		timeout 60 useradd -m -s /usr/sbin/nologin -c "pgpsendmail test" "pgpsm-$_nm" \
		    >>"$T/pf.log" 2>&1 || pf_die "useradd pgpsm-$_nm fails"
		pf_users="$pf_users $_nm"
	done
	timeout 60 useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$GWUSER" >>"$T/pf.log" 2>&1 ||
	    pf_die "useradd $GWUSER fails"
	for _f in "$PF_SENDMAIL" /usr/sbin/sendmail.real /usr/sbin/sendmail; do
		[ -f "$_f" ] && ! grep -q pgpsendmail "$_f" &&
		    cp -p "$_f" "$T/postfix-sendmail" && break
	done
	[ -x "$T/postfix-sendmail" ] || pf_die "no copy of Postfix's sendmail"

	# Each site as gateway/site.cf says: transport home and key, the
	# public halves exchanged, then pgpsendmail.conf, keymap and peers
	for _s in a b; do
		mkdir -p "$T/$_s/etc" && chmod 755 "$T/$_s" "$T/$_s/etc" &&
		    mkhome "$T/$_s/etc/gnupg" || pf_die "no directories for site $_s"
		homes="$homes $T/$_s/lib/transport"
		_k="transport key"
		[ "$_s" = b ] && [ -n "$TS_SQ" ] && _k="transport key with sq"
		ts_run "$_s" "transport home" && ts_run "$_s" "$_k" && ts_run "$_s" publish ||
		    pf_die "site $_s: gateway/site.cf's \"$_k\" fails"
		eval "TS_FPR_$_s=\$(ts_fpr_of_file \"\$T/\$_s/etc/\$TS_DOM_$_s.pgp\")"
		[ -n "$(eval echo "\$TS_FPR_$_s")" ] || pf_die "site $_s: no transport key"
	done
	cp "$T/a/etc/$TS_DOM_a.pgp" "$T/b/etc/" && cp "$T/b/etc/$TS_DOM_b.pgp" "$T/a/etc/" ||
	    pf_die "the public keys cannot be exchanged"
	for _s in a b; do
		ts_run "$_s" "peer key" || pf_die "site $_s: gateway/site.cf's \"peer key\" fails"
		ts_file "$_s" pgpsendmail.conf "$T/$_s/etc/pgpsendmail.conf" &&
		    ts_file "$_s" keymap "$T/$_s/etc/keymap" &&
		    ts_file "$_s" peers "$T/$_s/etc/peers" ||
		    pf_die "site $_s: gateway/site.cf's settings cannot be written"
		# a keymap line, a user's own key: what the test adds (ts_keymap)
		cp "$T/$_s/etc/keymap" "$T/$_s/keymap.doc"
	done
	# bob's own key, in site a's system keyring (end to end)
	mkkey bob "$(ts_addr bob)" || pf_die "no key for bob"
	timeout 60 gpg --homedir "$T/home/bob" --export "$(fpr_of bob)" >"$T/bob.pgp" 2>/dev/null &&
	    kgpg "$T/a/etc/gnupg" --import "$T/bob.pgp" || pf_die "bob's key cannot be imported"
	for _s in a b; do
		chmod 755 "$T/$_s/etc/gnupg" && chmod 644 "$T/$_s/etc/gnupg"/*.kbx "$T/$_s/etc/gnupg"/*.gpg ||
		    pf_die "site $_s's system keyring cannot be made readable"
	done

	# The hop, then each site's Postfix wired by gateway/postfix.cf (site
	# b's re-injection service on its own address)
	mkdir "$T/hop"
	"$TS_PY" "$ABS/t/twosite-hop" "$T/hop" 3600 \
	    "$TS_DOM_a=$TS_ADDR_a:25" "$TS_DOM_b=$TS_ADDR_b:25" >"$T/hop.log" 2>&1 &
	ts_hop=$!
	_i=0
	while [ ! -s "$T/hop/port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -s "$T/hop/port" ] || pf_die "the hop does not start"
	TS_HOP_PORT=$(cat "$T/hop/port")
	# (gw_apply adds the pgpsendmail.conf lines to /etc/pgpsendmail.conf:
	# they go to the site's own)
	: >/etc/pgpsendmail.conf
	gw_apply "$ABS/gateway/postfix.cf" >"$T/apply.log" 2>&1 ||
	    pf_die "gateway/postfix.cf does not apply to site a"
	cat /etc/pgpsendmail.conf >>"$T/a/etc/pgpsendmail.conf"
	: >/etc/pgpsendmail.conf
	sed "s|127\.0\.0\.1:10026|$TS_ADDR_b:10026|g" "$ABS/gateway/postfix.cf" >"$T/postfix-b.cf"
	(MAIL_CONFIG=$TS_CONF_b; export MAIL_CONFIG; gw_apply "$T/postfix-b.cf") \
	    >"$T/apply-b.log" 2>&1 || pf_die "gateway/postfix.cf does not apply to site b"
	cat /etc/pgpsendmail.conf >>"$T/b/etc/pgpsendmail.conf"
	rm -f /etc/pgpsendmail.conf
	for _s in a b; do
		ts_conf_ok "$T/$_s/etc/pgpsendmail.conf" ||
		    pf_die "site $_s: pgpsendmail --gateway refuses its pgpsendmail.conf"
		ts_site "$_s" >>"$T/pf.log" 2>&1 || pf_die "site $_s cannot be configured"
		ts_pf "$_s" postfix check >>"$T/pf.log" 2>&1 || pf_die "postfix check fails for site $_s"
	done
	ts_pf a postfix start >>"$T/pf.log" 2>&1 || pf_die "site a's Postfix does not start"
	pf_started=1
	ts_pf b postfix start >>"$T/pf.log" 2>&1 || pf_die "site b's Postfix does not start"
	ts_started_b=1
	ts_wait_queues || pf_die "the queues do not drain before the test"
	mkdir "$T/msgs"
}

# ts_keymap SITE LINE...: site SITE's keymap is gateway/site.cf's with
# LINEs before it
ts_keymap() {
	_s=$1
	shift
	{ printf '%s\n' "$@"; cat "$T/$_s/keymap.doc"; } >"$T/$_s/etc/keymap"
}

ts_queue_empty() {
	ts_pf "$1" postqueue -p 2>/dev/null | grep -q '^Mail queue is empty'
}
# (a message on its way from one site to the other is in the sender's
# queue until the receiver's has it: empty three times in a row, looked
# at in turn, is empty)
ts_wait_queues() {
	_i=0
	_e=0
	while [ $_i -lt $((PF_WAIT * 5)) ]; do
		if ts_queue_empty a && ts_queue_empty b; then
			_e=$((_e + 1))
			[ $_e -ge 3 ] && return 0
		else
			_e=0
		fi
		sleep 0.2
		_i=$((_i + 1))
	done
	for _s in a b; do
		ts_queue_empty "$_s" && continue
		diag "site $_s's queue did not drain in $PF_WAIT s:"
		ts_pf "$_s" postqueue -p 2>&1 | head -n 20 | sed 's/^/# /' >&2
	done
	return 1
}
# ts_queued SITE: the number of messages in SITE's queue
ts_queued() {
	ts_pf "$1" postqueue -p 2>/dev/null | grep -c '^[0-9A-F][0-9A-F]*[*!]\{0,1\} '
}

# ts_smtp SITE FROM RCPT... <MSG: MSG (LF line ends) submitted over SMTP
ts_smtp() {
	_s=$1
	shift
	timeout 120 "$TS_PY" -c 'import smtplib, sys
s = smtplib.SMTP(sys.argv[1], 25, timeout=60)
s.sendmail(sys.argv[2], sys.argv[3:], sys.stdin.buffer.read().replace(b"\n", b"\r\n"))
s.quit()' "$(eval echo "\$TS_ADDR_$_s")" "$@" 2>>"$T/send.err"
}
# ts_maildir NAME: NAME's Maildir
ts_maildir() { maildir "$1"; }
