#!/bin/sh
# What the receiving border of site b.example does with mail that is not
# the plain case of t/0970, as bob at b.example sees it in his Maildir:
# - encrypted end to end to bob's own key (by a keymap line at site a, or
#   by alice herself): it arrives still encrypted to that key, and bob's
#   gpg opens it;
# - encrypted to b's transport key by an outsider (signed by a key that is
#   no peer's, or not signed) claiming to be ceo@b.example, or by a peer
#   for a From: outside its domain: delivered decrypted, with the outer
#   header and "not verified", never with the inner From and Subject;
# - damaged ciphertext, ciphertext without integrity protection, and
#   mail for another site's transport key: the message as it came, with
#   no plaintext, and (but the last) a Pgpsendmail-Border field saying
#   why;
# - a Pgpsendmail-Border field that came with a message is not kept.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
. "$(dirname "$0")/gwpostfix.sh"
. "$(dirname "$0")/twosite.sh"
ts_setup
bob=$(ts_addr bob)
alice=$(ts_addr alice)

# An outsider, mallory at evil.example, with b's public transport key and
# a transport key of a third site, c.example
mkkey mallory mallory@evil.example || pf_die "no key for mallory"
mfpr=$fpr
mkkey ctrans postmaster@c.example || pf_die "no key for c.example"
cfpr=$fpr
kgpg "$T/home/mallory" --import "$T/b/etc/b.example.pgp"
kgpg "$T/home/mallory" --import "$T/pub"	# ctrans's, the last made

# pgpmime OUT OUTER-FROM INNER-FROM SUBJECT TOKEN GPG-ARGS...: a PGP/MIME
# message to bob made by the gpg of $GH (mallory's by default) (no compression, so that a damaged
# end leaves the token's block intact), its inner header (RFC 9788) with
# INNER-FROM and the real SUBJECT, its outer one with OUTER-FROM, "[...]"
# and a Pgpsendmail-Border field claiming a verified peer
pgpmime() {
	_o=$1 _of=$2 _if=$3 _s=$4 _t=$5
	shift 5
	{
		printf 'From: <%s>\nTo: <%s>\nSubject: %s\n' "$_if" "$bob" "$_s"
		printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <%s@evil.example>\n' "$_t"
		printf 'Content-Type: text/plain; charset=us-ascii; protected-headers="v1"\n\n'
		printf 'secret %s\n' "$_t"
		seq 1 200 | sed 's/^/padding line /'
	} >"$T/inner"
	timeout 60 gpg --homedir "${GH:-$T/home/mallory}" --batch --no-tty --trust-model always \
	    --compress-algo none --armor --yes -o "$T/ct.asc" "$@" "$T/inner" >>"$T/gpg.log" 2>&1 ||
	    return 1
	{
		printf 'From: <%s>\nTo: <%s>\nSubject: [...]\n' "$_of" "$bob"
		printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <%s@evil.example>\n' "$_t"
		printf 'Pgpsendmail-Border: decrypted at mx.b.example; signed by peer b.example %s\n' \
		    "$TS_FPR_a"
		printf 'MIME-Version: 1.0\nContent-Type: multipart/encrypted;\n'
		printf '\tprotocol="application/pgp-encrypted"; boundary="b1"\n\n'
		printf -- '--b1\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n'
		printf -- '--b1\nContent-Type: application/octet-stream\n\n'
		cat "$T/ct.asc"
		printf -- '\n--b1--\n'
	} >"$_o"
}
# damage FILE: one byte near the end of FILE's ciphertext changed, the
# armor checksum made right again (only gpg's integrity check can tell)
damage() {
	timeout 60 "$TS_PY" - "$1" <<'EOF_'
import base64, re, sys
p = sys.argv[1]
s = open(p).read()
m = re.search(r'-----BEGIN PGP MESSAGE-----\n\n(.*?)\n=(....)\n-----END', s, re.S)
b = bytearray(base64.b64decode(''.join(m.group(1).split())))
b[-30] ^= 0x55
crc = 0xB704CE
for c in b:
    crc ^= c << 16
    for _ in range(8):
        crc <<= 1
        if crc & 0x1000000:
            crc ^= 0x1864CFB
crc &= 0xFFFFFF
body = base64.b64encode(bytes(b)).decode()
body = '\n'.join(body[i:i + 64] for i in range(0, len(body), 64))
c = base64.b64encode(crc.to_bytes(3, 'big')).decode()
open(p, 'w').write(s[:m.start(1)] + body + '\n=' + c + s[m.end(2):])
EOF_
}
# arrived TOKEN: bob's copy of the message with TOKEN in its Message-ID
# ($T/got), once
arrived() {
	_n=$(grep -l "^Message-ID: <$1@" "$(ts_maildir bob)"/new/* 2>/dev/null | wc -l)
	[ "$_n" -eq 1 ] || { diag "$_n copies of $1 in bob's Maildir"; return 1; }
	cp "$(grep -l "^Message-ID: <$1@" "$(ts_maildir bob)"/new/*)" "$T/got"
}
field() { hdr Pgpsendmail-Border "$T/got"; }

# e2e LABEL TOKEN: bob's copy is PGP/MIME still encrypted to his key
# alone, opens with it, and the secret is nowhere in clear at site b
e2e() {
	if ! arrived "$2"; then
		ok 1 "$1: bob's copy arrives, once"
		return
	fi
	ok 0 "$1: bob's copy arrives, once"
	grep -qi '^Content-Type: multipart/encrypted' "$T/got" &&
	    [ "$(keyids "$T/got" | tr '\n' ' ')" = "$(encid_of bob) " ]
	ok $? "$1: it is still PGP/MIME encrypted to bob's key alone"
	decrypt bob "$T/got" | grep -qF "secret $2"
	ok $? "$1: bob's gpg opens it to the secret"
	check "$1: the secret is in clear in none of bob's mail, nor in b's queue" \
	    not grep -rqF "secret $2" "$(ts_maildir bob)" "$T/b/spool"
}
# unchanged LABEL TOKEN FILE: bob's copy is FILE as sent (its armored
# block the same), with no plaintext
unchanged() {
	if ! arrived "$2"; then
		ok 1 "$1: bob's copy arrives, once"
		return
	fi
	ok 0 "$1: bob's copy arrives, once"
	armored "$T/got" >"$T/got.asc"
	armored "$3" >"$T/sent.asc"
	check_same "$1: it arrives as it was sent (the same ciphertext)" "$T/got.asc" "$T/sent.asc"
	check "$1: the secret is in clear in none of bob's mail, nor in b's queue" \
	    not grep -rqF "secret $2" "$(ts_maildir bob)" "$T/b/spool"
}

# 1. End to end to bob's own key: by a keymap line at site a, and as
# alice's own PGP/MIME (made with her gpg, which has bob's public key)
ts_keymap a "$bob $(fpr_of bob)"
tok=$(pf_token)
printf 'From: <%s>\nTo: <%s>\nSubject: e2e %s\nMessage-ID: <%s@a.example>\n\nsecret %s\n' \
    "$alice" "$bob" "$tok" "$tok" "$tok" | ts_smtp a "$alice" "$bob"
ok $? "end to end (site a's keymap): alice's message is accepted by site a"
mkhome "$T/home/alice"
kgpg "$T/home/alice" --import "$T/bob.pgp"
tok2=$(pf_token)
GH=$T/home/alice pgpmime "$T/e2e.eml" "$alice" "$alice" "e2e own" "$tok2" \
    -r "$(fpr_of bob)" -e || pf_die "alice's gpg cannot encrypt"
sed "s/^Message-ID: <$tok2@evil.example>/Message-ID: <$tok2@a.example>/" "$T/e2e.eml" |
    grep -v '^Pgpsendmail-Border:' | ts_smtp a "$alice" "$bob"
ok $? "end to end (alice's own PGP/MIME): accepted by site a"
ts_wait_queues
ok $? "both queues drain"
cp "$T/a/keymap.doc" "$T/a/etc/keymap"
e2e "end to end (site a's keymap)" "$tok"
e2e "end to end (alice's own PGP/MIME)" "$tok2"

# 2. Not verified: an outsider's message for b's transport key, signed by
# mallory's key and not signed, claiming ceo@b.example inside; and one
# from a peer, site a (alice's own SMTP), with a From: at b.example
tok3=$(pf_token)
pgpmime "$T/sig.eml" mallory@evil.example ceo@b.example "Wire the money $tok3" "$tok3" \
    -r "$TS_FPR_b" -u "$mfpr" -s -e || pf_die "mallory's gpg cannot encrypt and sign"
ts_smtp b mallory@evil.example "$bob" <"$T/sig.eml"
ok $? "an outsider's signed message claiming ceo@b.example is accepted by site b"
tok4=$(pf_token)
pgpmime "$T/nosig.eml" mallory@evil.example ceo@b.example "Wire the money $tok4" "$tok4" \
    -r "$TS_FPR_b" -e || pf_die "mallory's gpg cannot encrypt"
ts_smtp b mallory@evil.example "$bob" <"$T/nosig.eml"
ok $? "an outsider's unsigned message claiming ceo@b.example is accepted by site b"
tok5=$(pf_token)
printf 'From: <ceo@b.example>\nTo: <%s>\nSubject: Wire it %s\nMessage-ID: <%s@evil.example>\n\nsecret %s\n' \
    "$bob" "$tok5" "$tok5" "$tok5" | ts_smtp a ceo@b.example "$bob"
ok $? "a message from site a with From: ceo@b.example is accepted by site a"
ts_wait_queues
ok $? "both queues drain"
for c in "signed by an outsider:$tok3:mallory@evil.example" \
    "not signed:$tok4:mallory@evil.example" "signed by peer a.example for b.example:$tok5:ceo@b.example"; do
	lbl=${c%%:*} t=${c#*:}
	from=${t#*:} t=${t%%:*}
	if ! arrived "$t"; then
		ok 1 "$lbl: bob's copy arrives, once"
		continue
	fi
	ok 0 "$lbl: bob's copy arrives, once"
	is "$(field)" "$(field | grep 'not verified')" "$lbl: one Pgpsendmail-Border field, saying \"not verified\""
	[ -n "$(field)" ] || ok 1 "$lbl: (there is a Pgpsendmail-Border field)"
	is "$(hdr Subject "$T/got")" "[...]" "$lbl: the Subject is the outer one, not the inner"
	is "$(hdr From "$T/got")" "<$from>" "$lbl: the From is the outer one"
	grep -qF "secret $t" "$T/got"
	ok $? "$lbl: the decrypted text is delivered"
done
check "no copy in bob's Maildir shows ceo@b.example as From but the one that came so from outside" \
    sh -c "[ \$(grep -l '^From: .*ceo@b.example' '$(ts_maildir bob)'/new/* | wc -l) -eq 1 ]"

# 3. Lasting failures: damaged, without integrity protection, for another
# site's transport key
tok6=$(pf_token)
pgpmime "$T/damaged.eml" mallory@evil.example mallory@evil.example "damaged $tok6" "$tok6" \
    -r "$TS_FPR_b" -e && damage "$T/damaged.eml" || pf_die "no damaged message"
tok7=$(pf_token)
pgpmime "$T/nomdc.eml" mallory@evil.example mallory@evil.example "no mdc $tok7" "$tok7" \
    -r "$TS_FPR_b" --rfc2440 -e || pf_die "no message without integrity protection"
tok8=$(pf_token)
pgpmime "$T/foreign.eml" mallory@evil.example mallory@evil.example "foreign $tok8" "$tok8" \
    -r "$cfpr" -e || pf_die "no message for c.example"
for f in damaged nomdc foreign; do
	ts_smtp b mallory@evil.example "$bob" <"$T/$f.eml"
	ok $? "the $f message is accepted by site b"
done
ts_wait_queues
ok $? "both queues drain"
unchanged "damaged" "$tok6" "$T/damaged.eml"
is "$(field)" "$(field | grep 'not decrypted.*damaged')" "damaged: one Pgpsendmail-Border field, saying it is damaged"
[ -n "$(field)" ] || ok 1 "damaged: (there is a Pgpsendmail-Border field)"
unchanged "no integrity protection" "$tok7" "$T/nomdc.eml"
is "$(field)" "$(field | grep 'not decrypted.*integrity')" "no integrity protection: one Pgpsendmail-Border field, saying so"
[ -n "$(field)" ] || ok 1 "no integrity protection: (there is a Pgpsendmail-Border field)"
unchanged "another site's transport key" "$tok8" "$T/foreign.eml"
is "$(field | grep -c 'signed by peer')" 0 "another site's transport key: the incoming Pgpsendmail-Border field is not kept"
is "$(field)" "not decrypted at $(hostname): not encrypted to a transport key of this site" \
    "another site's transport key: a Pgpsendmail-Border field says why"
pf_done
