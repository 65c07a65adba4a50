#!/bin/sh
# Already protected mail (PGP/MIME, S/MIME enveloped, one inline PGP MESSAGE)
# is passed through untouched but for Bcc; look-alikes are encrypted as usual.
. "$(dirname "$0")/lib.sh"
# The log line comes from a syslog of the test's own, in the private
# namespaces the Postfix tests run in (t/postfix.sh): root only.
if [ "$(id -u)" -eq 0 ]; then
	. "$(dirname "$0")/postfix.sh"
fi
plan 64

mkkey alice alice@example.org
mkkey carol carol@example.org
mkconf
echo 'mallory@example.org reject' >"$T/keymap"

printf 'the already encrypted secret\n' >"$T/secret"
timeout 60 gpg --homedir "$T/home/alice" --batch --no-tty --armor --trust-model always \
    --encrypt -r alice@example.org <"$T/secret" >"$T/armor" 2>>"$T/gpg.log"
timeout 60 gpg --homedir "$T/home/alice" --batch --no-tty --armor \
    --sign <"$T/secret" >"$T/signed" 2>>"$T/gpg.log"
head -c 600 /dev/urandom | base64 >"$T/p7m"

hdrs() {	# hdrs SUBJECT: the common header, Bcc included
	printf 'From: sender@example.org\nTo: alice@example.org, nokey@example.org\n'
	printf 'Bcc: carol@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
	printf 'Message-ID: <t0320.%s@example.org>\nSubject: %s\n' "$(echo "$1" | tr -c 'a-z0-9\n' .)" "$1"
}

# The three kinds
{
	hdrs pgpmime
	cat <<'EOF_'
MIME-Version: 1.0
Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";
	boundary="t0320pgp"

This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)
--t0320pgp
Content-Type: application/pgp-encrypted
Content-Description: PGP/MIME version identification

Version: 1

--t0320pgp
Content-Type: application/octet-stream; name="encrypted.asc"
Content-Disposition: inline; filename="encrypted.asc"

EOF_
	cat "$T/armor"
	printf '\n--t0320pgp--\n'
} >"$T/in.pgpmime"
{
	hdrs smime-enveloped
	printf 'MIME-Version: 1.0\nContent-Disposition: attachment; filename="smime.p7m"\n'
	printf 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data;\n\tname="smime.p7m"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	cat "$T/p7m"
} >"$T/in.smime-enveloped"
{
	hdrs smime-authenveloped
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: application/pkcs7-mime; name="smime.p7m"; smime-type="authEnveloped-data"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	cat "$T/p7m"
} >"$T/in.smime-authenveloped"
{
	hdrs inline
	printf '\n\n'
	cat "$T/armor"
	printf '\n'
} >"$T/in.inline"
{
	hdrs pgpmime-unquoted
	cat <<'EOF_'
MIME-Version: 1.0
content-type: Multipart/Encrypted; boundary=t0320pgp;
  protocol=application/pgp-encrypted

--t0320pgp
Content-Type: application/pgp-encrypted

Version: 1

--t0320pgp
Content-Type: application/octet-stream

EOF_
	cat "$T/armor"
	printf '\n--t0320pgp--\n'
} >"$T/in.pgpmime-unquoted"

logmark=
if [ -n "$PF_NS" ] && pf_syslog >>"$T/pf.log" 2>&1; then
	logmark=$(pf_logmark)
elif [ -n "$PF_NS" ]; then
	ok 1 "the test's own rsyslogd starts"
	exit 1
fi

for kind in pgpmime smime-enveloped smime-authenveloped inline pgpmime-unquoted; do
	reset_out
	send -t <"$T/in.$kind"
	is "$rc" 0 "$kind: sent, though nokey@example.org has no key"
	is "$(calls)" 1 "$kind: in one backend call"
	printf '%s\n' alice@example.org carol@example.org nokey@example.org >"$T/want"
	rcpts 1 2>/dev/null | sort >"$T/got"
	check_same "$kind: to all recipients, the Bcc one included" "$T/got" "$T/want"
	bodyof "$T/in.$kind" >"$T/want"
	bodyof "$T/out/1.msg" >"$T/got" 2>/dev/null
	check_same "$kind: the body passes through byte for byte" "$T/got" "$T/want"
	grep -v '^Bcc:' "$T/in.$kind" >"$T/want"
	check_same "$kind: the message is the original minus Bcc" "$T/out/1.msg" "$T/want"
	check "$kind: no Bcc header, no Bcc address" not grep -Eqi '^bcc:|carol' "$T/out/1.msg"
done
is "$(hdr Subject "$T/out/1.msg")" pgpmime-unquoted "passed through mail keeps its Subject"
reset_out
send -t <"$T/in.pgpmime"
check "passed through PGP/MIME holds one PGP MESSAGE, not two" \
    test "$(grep -c '^-----BEGIN PGP MESSAGE-----$' "$T/out/1.msg")" -eq 1
decrypt alice "$T/out/1.msg" >"$T/dec"
check_same "alice decrypts it to what the sender encrypted" "$T/dec" "$T/secret"
reset_out
send -t <"$T/in.inline"
decrypt alice "$T/out/1.msg" >"$T/dec"
check_same "alice decrypts the passed through inline message too" "$T/dec" "$T/secret"
if [ -n "$logmark" ]; then
	_i=0
	while ! pf_lognew "$logmark" | grep -aq 'passed through' && [ $_i -lt 50 ]; do
		sleep 0.1	# rsyslogd writes a moment later; bounded
		_i=$((_i + 1))
	done
	pf_lognew "$logmark" | grep -a 'pgpsendmail' >"$T/log"
	check "passing through is logged as such" grep -q 'passed through' "$T/log"
elif [ "$CI" = true ]; then
	ok 1 "CI runs this as root: passing through is logged as such"
else
	skip "passing through is logged as such" "needs root for a syslog of its own"
fi

# Resent-Bcc is removed too
{
	printf 'Resent-From: fwd@example.org\nResent-To: alice@example.org\n'
	printf 'Resent-Bcc: carol@example.org\nResent-Date: Tue, 2 Jan 2024 00:00:00 +0000\n'
	printf 'Resent-Message-ID: <r0320@example.org>\n'
	grep -v '^Bcc:' "$T/in.smime-enveloped"
} >"$T/in.resent"
reset_out
send -t <"$T/in.resent"
printf '%s\n' alice@example.org carol@example.org >"$T/want"
rcpts 1 2>/dev/null | sort >"$T/got"
check_same "resent S/MIME: to the Resent-To and Resent-Bcc recipients in one call" "$T/got" "$T/want"
grep -v '^Resent-Bcc:' "$T/in.resent" >"$T/want"
check_same "resent S/MIME: the message is the original minus Resent-Bcc" "$T/out/1.msg" "$T/want"

# A reject line still rejects
reset_out
send -i alice@example.org mallory@example.org <"$T/in.pgpmime"
is "$rc" 67 "already encrypted mail to a rejected recipient exits 67"
check "naming the recipient" errline '^pgpsendmail: mallory@example\.org: rejected by keymap'
is "$(calls)" 0 "and nothing is sent"

# Look-alikes: encrypted as usual
cat >"$T/sig.asc" <<'EOF_'
-----BEGIN PGP SIGNATURE-----

iHUEARYKAB0WIQTsomethingnotreallyasignature0000000000000000AAoJEAAA
=AAAA
-----END PGP SIGNATURE-----
EOF_
lookalike() {	# lookalike NAME: header for a look-alike to alice only
	printf 'From: sender@example.org\nTo: alice@example.org\n'
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <t0320.%s@example.org>\n' "$1"
	printf 'Subject: look-alike %s\n' "$1"
}
{
	lookalike mpsigned
	cat <<'EOF_'
MIME-Version: 1.0
Content-Type: multipart/signed; micalg=pgp-sha256;
	protocol="application/pgp-signature"; boundary="t0320sig"

--t0320sig
Content-Type: text/plain

signed, not encrypted
--t0320sig
Content-Type: application/pgp-signature; name="signature.asc"

EOF_
	cat "$T/sig.asc"
	printf -- '--t0320sig--\n'
} >"$T/la.mpsigned"
{
	lookalike smime-signed
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	cat "$T/p7m"
} >"$T/la.smime-signed"
{
	lookalike quoted
	printf '\nHere is the encrypted mail I got, can you read it?\n\n'
	cat "$T/armor"
} >"$T/la.quoted"
{
	lookalike gtquoted
	printf '\nOn Monday you wrote:\n'
	sed 's/^/> /' "$T/armor"
} >"$T/la.gtquoted"
{
	lookalike signedonly
	printf '\n'
	cat "$T/signed"
} >"$T/la.signedonly"
{
	lookalike trailing
	printf '\n'
	cat "$T/armor"
	printf '\n-- \nsent from my phone\n'
} >"$T/la.trailing"
{
	lookalike nested
	cat <<'EOF_'
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="t0320mix"

--t0320mix
Content-Type: text/plain

a forwarded encrypted message follows
--t0320mix
Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="t0320pgp"

--t0320pgp
Content-Type: application/pgp-encrypted

Version: 1

--t0320pgp
Content-Type: application/octet-stream

EOF_
	cat "$T/armor"
	printf '\n--t0320pgp--\n\n--t0320mix--\n'
} >"$T/la.nested"
{
	lookalike otherprotocol
	cat <<'EOF_'
MIME-Version: 1.0
Content-Type: multipart/encrypted; protocol="application/x-not-pgp"; boundary="t0320x"

--t0320x
Content-Type: application/x-not-pgp

not really encrypted
--t0320x--
EOF_
} >"$T/la.otherprotocol"

for kind in mpsigned smime-signed quoted gtquoted signedonly trailing nested otherprotocol; do
	reset_out
	send -i alice@example.org <"$T/la.$kind"
	is "$rc" 0 "$kind: sent to alice"
	decrypt alice "$T/out/1.msg" >"$T/dec" 2>/dev/null
	bodyof "$T/la.$kind" >"$T/want"
	bodyof "$T/dec" >"$T/got"
	if [ "$kind" = mpsigned ]; then
		# wrapped for header protection (t/0315): the part's body
		sed '1d;$d' "$T/got" | sed '$d' | bodyof /dev/stdin >"$T/got.part"
		mv "$T/got.part" "$T/got"
	fi
	check_same "$kind: encrypted as usual: alice decrypts pgpsendmail's copy to the original body" \
	    "$T/got" "$T/want"
	reset_out
	send -i alice@example.org nokey@example.org <"$T/la.$kind"
	is "$rc:$(calls)" 67:0 "$kind: a recipient without a key still fails with 67, nothing sent"
done
