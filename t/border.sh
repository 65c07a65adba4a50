# t/border.sh: sourced after t/lib.sh and t/gateway.sh by the tests of the
# receiving border (t/095*): two sites without Postfix, each a config for
# pgpsendmail --gateway, spoken to in LMTP.
#
# bd_site X DOMAIN: site X (a, b, z...) in $T/X: a transport home
#	$T/X/transport (0700) with its transport key (fingerprint in
#	$T/X/fpr, and in $FA, $FB... by bd_fpr), a system keyring $T/X/sys
#	(site b's is $T/sys, where mkkey puts the users' keys), keymap,
#	peers, conf (sign-key: its transport key), out (the fake sendmail's
#	captures).  Every site's public transport key goes into every
#	other site's system keyring made so far and later (bd_site order).
# bd_pair: the usual two, a and b (b's gpg $BD_GPG_B if set), FA and FB
#	their keys, a sending b.example to FB, b taking b.example plain and
#	a.example's FA as its peer
# bd_conf X: point pgpsendmail at site X's config
# bd_through X FILE RCPT...: FILE through site X's --gateway with envelope
#	sender $BD_FROM (s@a.example); replies in $R, captures in $T/X/out
# bd_relay FILE OUT: what leaves site a for b, as b receives it: a
#	Received line on top of FILE
# bd_pgpmime ARMORED-FILE: a PGP/MIME message (From $BD_HFROM, To
#	bob@b.example) around an armored ciphertext, on stdout
BD_FROM=s@a.example
BD_HFROM="Sender <s@a.example>"
bd_sites=
bd_site() {
	_d=$T/$1
	mkdir -p "$_d/out" "$_d/spool"
	chmod 755 "$_d"
	mkhome "$_d/transport"
	if [ "$1" = b ]; then _sys=$T/sys; else _sys=$_d/sys; mkhome "$_sys"; fi
	echo "$_sys" >"$_d/sysdir"
	kgpg "$_d/transport" --passphrase '' --quick-gen-key \
	    "$2 transport <postmaster@$2>" ed25519 cert,sign never
	_f=$(timeout 60 gpg --homedir "$_d/transport" --with-colons \
	    --list-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }')
	[ -n "$_f" ] || { diag "bd_site $1: no key"; return 1; }
	kgpg "$_d/transport" --passphrase '' --quick-add-key "$_f" cv25519 encr never
	echo "$_f" >"$_d/fpr"
	timeout 60 gpg --homedir "$_d/transport" --export "$_f" >"$_d/pub" 2>>"$T/gpg.log"
	for _o in $bd_sites; do
		kgpg "$(cat "$T/$_o/sysdir")" --import "$_d/pub"
		kgpg "$_sys" --import "$T/$_o/pub"
	done
	bd_sites="$bd_sites $1"
	: >"$_d/keymap"
	: >"$_d/peers"
	cat >"$_d/conf" <<-EOF
	sendmail $ABS/t/fake-sendmail $_d/out
	gpg ${CONF_GPG:-/usr/bin/gpg}
	gnupghome $_sys
	keymap $_d/keymap
	spool $_d/spool
	transport-home $_d/transport
	peers $_d/peers
	sign-key $_f
	EOF
}
# bd_pair: sites a (a.example) and b (b.example), b's gpg BD_GPG_B if
# set; FA and FB their transport keys; a's keymap sends b.example to FB,
# b's says b.example plain, b's peers file lists FA for a.example
bd_pair() {
	bd_site a a.example
	CONF_GPG=${BD_GPG_B:-} bd_site b b.example
	FA=$(bd_fpr a)
	FB=$(bd_fpr b)
	echo "@b.example $FB" >"$T/a/keymap"
	echo "@b.example plain" >"$T/b/keymap"
	echo "a.example $FA" >"$T/b/peers"
}
bd_fpr() { cat "$T/$1/fpr"; }
bd_conf() { PGPSENDMAIL_CONF=$T/$1/conf; export PGPSENDMAIL_CONF; }
bd_through() {
	_x=$1
	_f=$2
	shift 2
	bd_conf "$_x"
	rm -rf "$T/$_x/out"
	mkdir -p "$T/$_x/out"
	{
		echo "LHLO mx.$_x.example"
		echo "MAIL FROM:<$BD_FROM>"
		for _r; do echo "RCPT TO:<$_r>"; done
		echo DATA
		gw_data "$_f"
		echo QUIT
	} | sed 's/$/\r/' >"$T/session"
	reset_out
	send --gateway <"$T/session"
	tr -d '\r' <"$T/stdout" >"$R"
}
# bd_out X ADDR: the captured message for ADDR at site X
bd_out() {
	for _f in "$T/$1"/out/*.argv; do
		[ -e "$_f" ] || continue
		if sed '1,/^--$/d' "$_f" | grep -qixF -- "$2"; then
			echo "${_f%.argv}.msg"
			return 0
		fi
	done
	echo "$T/$1/out/none"
}
bd_relay() {
	{
		echo "Received: from mx.a.example (mx.a.example [127.0.0.1])"
		echo "	by mx.b.example (Postfix) with ESMTPS id 0950TEST"
		echo "	for <bob@b.example>; Mon, 1 Jan 2024 00:00:00 +0000"
		cat "$1"
	} >"$2"
}
bd_pgpmime() {
	cat <<-EOF
	From: $BD_HFROM
	To: bob@b.example
	Subject: ...
	Date: Mon, 1 Jan 2024 00:00:00 +0000
	Message-ID: <bd.$$.$(date +%s%N)@a.example>
	MIME-Version: 1.0
	Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";
	 boundary="bd-boundary"

	--bd-boundary
	Content-Type: application/pgp-encrypted

	Version: 1

	--bd-boundary
	Content-Type: application/octet-stream; name="encrypted.asc"

	EOF
	cat "$1"
	echo
	echo "--bd-boundary--"
}
# pyhdr FILE NAME: each NAME field of FILE as Python's email package reads it
pyhdr() {
	python3 -c 'import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for v in m.get_all(sys.argv[2]) or []: print(v)' "$1" "$2"
}
# pybody FILE: the text of the message's first text/plain part
pybody() {
	python3 -c 'import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
p = m.get_body(preferencelist=("plain",))
print(p.get_content() if p is not None else "")' "$1"
}
