# t/gwpostfix.sh: sourced after t/lib.sh and t/postfix.sh by the tests
# of pgpsendmail --gateway behind a real Postfix (t/0940, t/0941) and by
# bench/gateway.sh.
#
# gw_filter_user: the user $GWUSER, /etc/pgpsendmail.conf ($T/conf, naming
#	a copy of Postfix's sendmail, $T/postfix-sendmail), the keyring
#	readable by $GWUSER (after pf_setup)
# gw_apply FILE: FILE (gateway/postfix.cf) applied to the Postfix and to
#	/etc/pgpsendmail.conf (after gw_filter_user); reload it afterwards
# gw_setup: the test's Postfix wired by gateway/postfix.cf as it stands
#	(only the program's path is this build's; what postconf says while
#	applying it in $T/apply.log), local users alice bob carol (keys)
#	dave erin (none), remote keys rx1 rx2 rx3 at $RDOM, which a
#	transport map routes to an SMTP sink storing into $T/sink, and
#	gw_filter_user
# gw_send FIRST COUNT: messages FIRST.. submitted by SMTP (t/gw-send)
# gw_copies, gw_dsns: what arrived, and the DSNs, as "N ADDR" lines
# gw_tokens_nowhere LABEL: a check that no body is anywhere in clear
PF_WAIT=${PF_WAIT:-120}
RDOM=remote.example
GWUSER=pgpgw
PF_NOKEY="dave erin"

gw_filter_user() {
	# The config names a copy of Postfix's sendmail: a package test that
	# installs pgpsendmail over /usr/sbin/sendmail meanwhile cannot
	# change it.
	for _f in "$PF_SENDMAIL" /usr/sbin/sendmail.real /usr/sbin/sendmail; do
		[ -f "$_f" ] && ! grep -q pgpsendmail "$_f" &&
		    cp -p "$_f" "$T/postfix-sendmail" && break
	done
	[ -x "$T/postfix-sendmail" ] || pf_die "no copy of Postfix's sendmail"
	CONF_SENDMAIL=$T/postfix-sendmail
	mkconf
	timeout 60 useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$GWUSER" >>"$T/pf.log" 2>&1 ||
	    pf_die "useradd $GWUSER fails"
	cp "$T/conf" /etc/pgpsendmail.conf
	chmod 644 /etc/pgpsendmail.conf "$T/keymap" "$T/sys"/*.kbx "$T/sys"/*.gpg 2>/dev/null
	chmod 755 "$T/sys"
}

# gw_apply FILE: FILE's main.cf lines with postconf -e; its master.cf
# entries added whole, or for a service master.cf has, its -o lines added;
# its pgpsendmail.conf lines added to /etc/pgpsendmail.conf
gw_apply() {
	_gw=/usr/sbin/pgpsendmail
	sed -e "s|$_gw|$PGPSENDMAIL|" "$1" >"$T/postfix.cf"
	awk '/^#### main.cf/ { s = 1; next } /^#### master.cf/ { s = 0 }
	    s && !/^#/ && NF' "$T/postfix.cf" >"$T/main.part"
	awk '/^#### / { s = 0 } /^#### master.cf/ { s = 1; next } s && !/^#/ && NF' \
	    "$T/postfix.cf" >"$T/master.part"
	awk '/^#### / { s = 0 } /^#### pgpsendmail.conf/ { s = 1; next }
	    s && !/^#/ && NF' "$T/postfix.cf" >"$T/conf.part"
	[ -s "$T/main.part" ] && [ -s "$T/master.part" ] && [ -s "$T/conf.part" ] ||
	    return 1
	cat "$T/conf.part" >>/etc/pgpsendmail.conf || return 1
	while IFS= read -r _l; do
		timeout 60 postconf -e "$_l" || return 1
	done <"$T/main.part"
	# one entry a line, its continuation lines joined
	awk '/^[ \t]/ { sub(/^[ \t]+/, ""); e = e " " $0; next }
	    { if (e != "") print e; e = $0 } END { if (e != "") print e }' \
	    "$T/master.part" >"$T/master.entries"
	while IFS= read -r _e; do
		set -- $_e
		if [ -n "$(timeout 60 postconf -M "$1/$2" 2>/dev/null)" ]; then
			_s=$1/$2
			shift 8
			while [ $# -gt 1 ]; do
				[ "$1" = -o ] || return 1
				timeout 60 postconf -P "$_s/$2" || return 1
				shift 2
			done
		else
			timeout 60 postconf -M "$1/$2=$_e" || return 1
		fi
	done <"$T/master.entries"
}

gw_setup() {
	[ -x /usr/bin/python3 ] || pf_cannot "/usr/bin/python3 is not installed"
	/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	    pf_cannot "python3-aiosmtpd is not installed"
	pf_setup alice bob carol dave erin
	for nm in rx1 rx2 rx3; do
		mkkey "$nm" "$nm@$RDOM" || pf_die "no key for $nm"
	done
	cat >"$T/keymap" <<EOF_
rrej@$RDOM	reject
$(addr team)	plain
$(addr erin)	plain
EOF_

	# The SMTP sink that stands for the rest of the world
	mkdir "$T/sink"
	/usr/bin/python3 "$ABS/t/smtp-sink" "$T/sink" 1800 >"$T/sink.log" 2>&1 &
	i=0
	while [ ! -s "$T/sink/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$T/sink/port" ] || pf_die "the SMTP sink does not start"
	port=$(cat "$T/sink/port")

	# The gateway's user, config and keyring, as a site has them
	gw_filter_user
	gw_apply "$ABS/gateway/postfix.cf" >"$T/apply.log" 2>&1 ||
	    pf_die "gateway/postfix.cf does not apply"
	printf '%s smtp:[127.0.0.1]:%s\n' "$RDOM" "$port" >/etc/postfix/transport
	timeout 60 postmap /etc/postfix/transport >>"$T/pf.log" 2>&1 || pf_die "postmap fails"
	# The site's own: a local-looking address that a virtual alias sends
	# outside, and erin, who reads local mail in clear and has a .forward
	printf '%s rx1@%s, rnokey@%s\n' "$(addr team)" "$RDOM" "$RDOM" >/etc/postfix/virtual
	timeout 60 postmap /etc/postfix/virtual >>"$T/pf.log" 2>&1 || pf_die "postmap fails"
	fwd=$(getent passwd pgpsm-erin | cut -d: -f6)/.forward
	printf 'rx2@%s\n' "$RDOM" >"$fwd" && chown pgpsm-erin "$fwd" && chmod 644 "$fwd" ||
	    pf_die "no .forward for erin"
	timeout 60 postconf -e "virtual_alias_maps = hash:/etc/postfix/virtual" \
	    "transport_maps = hash:/etc/postfix/transport" \
	    "mynetworks = 127.0.0.0/8" "smtp_tls_security_level = none" \
	    >>"$T/pf.log" 2>&1 || pf_die "postconf -e fails"
	timeout 60 postfix check >>"$T/pf.log" 2>&1 || pf_die "postfix check fails"
	timeout 60 postfix reload >>"$T/pf.log" 2>&1 || pf_die "postfix reload fails"
	sleep 1
	mkdir "$T/msgs"
}

# gw_copies: what arrived, one "N ADDR" line a copy, from the sink (by
# its envelope) and the Maildirs of key holders (not the DSNs); each copy
# is also checked: PGP/MIME, and opens with its recipient's key to the
# original message N (Received: lines aside).  Bad ones in $T/bad.
gw_keyname() {	# the name of ADDR's key in $T/home
	case $1 in
	pgpsm-*@$PF_DOMAIN) _k=${1#pgpsm-}; echo "${_k%@*}" ;;
	*@$RDOM) echo "${1%@*}" ;;
	esac
}
gw_norecv() {	# a message without its Received: fields
	perl -0777 -pe 'my ($h, $b) = split(/\n\n/, $_, 2); $h .= "\n";
	    $h =~ s/^Received:.*\n(?:[ \t].*\n)*//mgi;
	    $_ = $h . "\n" . (defined $b ? $b : "");'
}
gw_one() {	# gw_one FILE ADDR: print "N ADDR" for one copy, or note it bad
	_nm=$(gw_keyname "$2")
	if ! grep -qi '^Content-Type: multipart/encrypted' "$1" ||
	    ! grep -q '^-----BEGIN PGP MESSAGE-----$' "$1"; then
		echo "$1 for $2: not PGP/MIME" >>"$T/bad"
		return
	fi
	if [ -z "$_nm" ] || ! decrypt "$_nm" "$1" >"$T/dec" 2>/dev/null; then
		echo "$1 for $2: does not decrypt with $2's key" >>"$T/bad"
		return
	fi
	_n=$(sed -n 's/^Subject: gw test \([0-9]*\)$/\1/p' "$T/dec" | head -n 1)
	if [ -z "$_n" ] || [ ! -f "$T/msgs/$_n.eml" ]; then
		echo "$1 for $2: no test message inside" >>"$T/bad"
		return
	fi
	opened "$_nm" "$1" "$T/msgs/$_n.eml" | gw_norecv >"$T/dec"
	gw_norecv <"$T/msgs/$_n.eml" >"$T/orig"
	cmp -s "$T/dec" "$T/orig" ||
	    { echo "$1 for $2: opens to other than message $_n" >>"$T/bad";
	      diff -u "$T/orig" "$T/dec" | head -n 20 >>"$T/bad"; }
	echo "$_n $2 $1" >>"$T/copies"
	echo "$_n $2"
}
gw_isdsn() { grep -qi '^Content-Type: multipart/report' "$1"; }
gw_sinklf() {	# $T/lf: what the sink has, with LF line ends
	mkdir -p "$T/lf"
	for _e in "$T"/sink/*.env; do
		[ -f "$_e" ] || continue
		_b=${_e##*/}
		_b=${_b%.env}
		[ -f "$T/lf/$_b.env" ] && continue
		tr -d '\r' <"$T/sink/$_b.msg" >"$T/lf/$_b.msg"
		cp "$_e" "$T/lf/$_b.env"
	done
}
gw_copies() {
	: >"$T/bad"
	: >"$T/copies"
	gw_sinklf
	for _e in "$T"/lf/*.env; do
		[ -f "$_e" ] || continue
		_m=${_e%.env}.msg
		grep -qi '^From:.*MAILER-DAEMON' "$_m" && gw_isdsn "$_m" && continue
		grep -qi '^Message-ID: <gwfront\.' "$_m" && continue	# part 2
		sed -n 's/^rcpt //p' "$_e" | while read -r _a; do gw_one "$_m" "$_a"; done
	done
	for _nm in alice bob carol; do
		for _f in "$(maildir "$_nm")"/new/*; do
			[ -f "$_f" ] || continue
			gw_isdsn "$_f" && continue
			gw_one "$_f" "$(addr "$_nm")"
		done
	done
	for _f in "$(maildir dave)"/new/*; do
		[ -f "$_f" ] || continue
		gw_isdsn "$_f" || echo "$_f: dave has no key but got mail" >>"$T/bad"
	done
}
# gw_dsns: one "N SENDER ADDR WHY" line for each bounced address of each
# DSN (to the sink, or in a Maildir); every DSN's returned part is the
# headers only
gw_dsns() {
	gw_sinklf
	for _f in "$T"/lf/*.msg "$(maildir alice)"/new/* "$(maildir bob)"/new/* \
	    "$(maildir carol)"/new/* "$(maildir dave)"/new/*; do
		[ -f "$_f" ] && gw_isdsn "$_f" || continue
		_n=$(sed -n 's/^Subject: gw test \([0-9]*\)$/\1/p' "$_f" | head -n 1)
		case $_f in
		"$T"/lf/*) _to=$(sed -n 's/^rcpt //p' "${_f%.msg}.env") ;;
		*) _to=$(sed -n 's/^Delivered-To: //p' "$_f" | head -n 1) ;;
		esac
		grep -q '^Content-Type: text/rfc822-headers' "$_f" ||
		    echo "$_f: DSN returns more than the headers" >>"$T/bad"
		sed -n 's/^Final-Recipient: rfc822; *//p' "$_f" | while read -r _a; do
			_why=other
			_d=$(sed -n "/^Final-Recipient: rfc822; *$_a/,/^\$/p" "$_f" |
			    tr -s '\n\t ' '   ')
			case $_d in
			*[Nn]'o usable key'*) _why=key ;;
			*[Rr]eject*) _why=reject ;;
			esac
			echo "${_n:-?} $_to $_a $_why"
		done
	done
}

# gw_send FIRST COUNT: submit messages FIRST.. by SMTP
gw_send() {
	timeout 900 /usr/bin/python3 "$ABS/t/gw-send" "$T/msgs" "$1" "$2" \
	    "$PF_DOMAIN" "$RDOM" 2>"$T/send.err"
}
# gw_tokens_nowhere LABEL: no body token of any message is in clear
gw_tokens_nowhere() {
	cat "$T"/msgs/*.tok >"$T/toks"
	_where=
	grep -rlaFf "$T/toks" "$T/sink" >/dev/null 2>&1 && _where="$_where the sink"
	for _nm in $pf_users; do
		grep -rlaFf "$T/toks" "$(maildir "$_nm")" >/dev/null 2>&1 &&
		    _where="$_where $(maildir "$_nm")"
	done
	grep -rlaFf "$T/toks" /var/spool/postfix >/dev/null 2>&1 &&
	    _where="$_where /var/spool/postfix"
	grep -aqFf "$T/toks" "$PF_LOG" 2>/dev/null && _where="$_where $PF_LOG"
	grep -rlaFf "$T/toks" "$T/spool" >/dev/null 2>&1 && _where="$_where $T/spool"
	for _d in /tmp /var/tmp; do
		find "$_d" -xdev -user "$GWUSER" -type f -exec grep -laFf "$T/toks" {} + \
		    2>/dev/null | grep -q . && _where="$_where files of $GWUSER in $_d"
	done
	is "${_where:-nowhere}" nowhere "$1: no body token is anywhere in clear (sink, Maildirs, Postfix queue, mail.log, spool, $GWUSER's temporary files)"
}
