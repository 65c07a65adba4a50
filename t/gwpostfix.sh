# t/gwpostfix.sh: sourced after t/lib.sh and t/postfix.sh (after pf_setup),
# by t/0940-gateway-postfix.t and bench/gateway.sh: pgpsendmail --gateway
# made the content filter of the Postfix of t/postfix.sh.
#
#	gw_filter_user		the user pgpgw, /etc/pgpsendmail.conf ($T/conf,
#				naming $T/postfix-sendmail), the keyring
#				readable by pgpgw
#	gw_apply FILE		FILE (gateway/postfix.cf) applied to the
#				Postfix; reload it afterwards
GWUSER=pgpgw

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
# entries added whole, or for a service master.cf has, its -o lines added
gw_apply() {
	_gw=/usr/sbin/pgpsendmail
	sed -e "s|$_gw|$PGPSENDMAIL|" "$1" >"$T/postfix.cf"
	awk '/^#### main.cf/ { s = 1; next } /^#### master.cf/ { s = 0 }
	    s && !/^#/ && NF' "$T/postfix.cf" >"$T/main.part"
	awk '/^#### master.cf/ { s = 1; next } s && !/^#/ && NF' \
	    "$T/postfix.cf" >"$T/master.part"
	[ -s "$T/main.part" ] && [ -s "$T/master.part" ] || return 1
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
