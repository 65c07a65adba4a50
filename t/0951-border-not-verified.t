#!/bin/sh
# Decryption proves nothing about the sender: anyone may encrypt to b's
# public transport key.  Without a signature, with one by a key that is not
# a peer's, or with a peer's key but a From domain it is not listed for,
# b's border delivers the decrypted body under the outer header and says
# "not verified": the protected (inner) header, a forged From and the
# inner Subject, is never restored.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 19

bd_site a a.example
bd_site b b.example
bd_site z z.example
FA=$(bd_fpr a)
FB=$(bd_fpr b)
FZ=$(bd_fpr z)
echo "@b.example $FB" >"$T/a/keymap"
echo "@b.example $FB" >"$T/z/keymap"
echo "@b.example plain" >"$T/b/keymap"
printf 'a.example %s\nz.example %s\n' "$FA" "$FZ" >"$T/b/peers"

# through SITE FROM TAG: a message From FROM with Subject "inner TAG" and
# body "token TAG" from SITE to b, then through b's border; its delivery
# to bob in $T/TAG.got
through() {
	cat >"$T/in.$3" <<-EOF_
	From: $2
	To: bob@b.example
	Subject: inner $3
	Date: Mon, 1 Jan 2024 00:00:00 +0000
	Message-ID: <$3@example>

	token $3
	EOF_
	BD_FROM=$(echo "$2" | sed 's/.*<//; s/>.*//')
	bd_through "$1" "$T/in.$3" bob@b.example
	bd_relay "$(bd_out "$1" bob@b.example)" "$T/relayed.$3"
	bd_through b "$T/relayed.$3" bob@b.example
	gw_is 1 '^250 ' || diag "$3: $(cat "$R")"
	cp "$(bd_out b bob@b.example)" "$T/$3.got"
}
# notverified TAG WHY: the checks on $T/TAG.got
notverified() {
	pyhdr "$T/$1.got" Pgpsendmail-Border >"$T/$1.field"
	check "$1: decrypted, body delivered" grep -qx "token $1" "$T/$1.got"
	check "$1: Pgpsendmail-Border says not verified ($2)" \
	    grep -q "^decrypted at .* with key $FB; not verified ($2)\$" "$T/$1.field"
	check "$1: the inner Subject is not restored" \
	    not grep -q "^Subject: inner $1" "$T/$1.got"
	check "$1: the outer Content-Type (multipart/encrypted) is gone" \
	    not grep -qi 'multipart/encrypted' "$T/$1.got"
	pyhdr "$T/$1.got" Content-Type >"$T/$1.ct"
	check "$1: the inner Content-Type, not marked as a protected header" \
	    grep -qx 'text/plain' "$T/$1.ct"
}

sed -i '/^sign-key/d' "$T/a/conf"
through a "Sender <s@a.example>" unsigned
notverified unsigned "no signature"
is "$(pyhdr "$T/unsigned.got" From)" "Sender <s@a.example>" \
    "unsigned: the outer From is kept"

# An outsider with a key b's keyring knows, forging a b.example From.
sed -i "/^a.example/d; /^z.example/d" "$T/b/peers"
echo "a.example $FA" >"$T/b/peers"
through z "CEO <ceo@b.example>" outsider
notverified outsider "signed by $FZ, not a peer key of b.example"
check "outsider: the outer Subject stays the placeholder" \
    grep -qx 'Subject: \[\.\.\.\]' "$T/outsider.got"

# A peer's key is no good for another domain's From.
echo "a.example $FA" >"$T/b/peers"
sed -i "\$a sign-key $FA" "$T/a/conf"
through a "CEO <ceo@b.example>" crossdomain
notverified crossdomain "signed by $FA, not a peer key of b.example"
check "crossdomain: the Received line of the outer header is kept" \
    grep -q '^Received: from mx.a.example' "$T/crossdomain.got"
check "crossdomain: no HP-Outer field" not grep -qi '^HP-Outer:' "$T/crossdomain.got"
