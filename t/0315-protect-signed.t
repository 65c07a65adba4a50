#!/bin/sh
# Header protection for originals RFC 9788 readers would misread:
# - a multipart/signed original is wrapped, unchanged, as the one part of
#   a multipart/mixed that carries hp="cipher": its signature still
#   verifies, and a reader (notmuch) finds the message by its real Subject;
# - hp and protected-headers come first among the Content-Type parameters,
#   so that a malformed parameter list after them (GMime stops there) does
#   not hide them.
. "$(dirname "$0")/lib.sh"
plan 16

mkkey alice alice@example.org
mkkey bob bob@example.org
mkconf

# A PGP/MIME signed message by alice (RFC 3156): the signature covers
# the first part in canonical form (CRLF).
printf 'Content-Type: text/plain; charset=utf-8\n\nSigned and sealed.\n' >"$T/part"
sed 's/$/\r/' "$T/part" | head -c -2 >"$T/part.crlf"	# no CRLF of the boundary's
timeout 60 gpg --homedir "$T/home/alice" --batch --no-tty --armor --detach-sign \
    --digest-algo sha256 <"$T/part.crlf" >"$T/sig.asc" 2>>"$T/gpg.log"
subj="Quarterly figures $(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
{
	printf 'From: alice@example.org\nTo: bob@example.org\nSubject: %s\n' "$subj"
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <t0315@example.org>\n'
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256;\n'
	printf '\tprotocol="application/pgp-signature"; boundary="t0315sig"\n\n'
	printf -- '--t0315sig\n'
	head -c -1 "$T/part"
	printf '\n--t0315sig\nContent-Type: application/pgp-signature; name="signature.asc"\n\n'
	cat "$T/sig.asc"
	printf -- '--t0315sig--\n'
} >"$T/in"

send -t -i <"$T/in"
is "$rc" 0 "a multipart/signed message is sent"
decrypt bob "$T/out/1.msg" >"$T/dec"
is "$(hdr Subject "$T/out/1.msg")" "[...]" "the outer Subject is [...]"
ctop=$(hdr Content-Type "$T/dec" | head -n 1)
case $ctop in
multipart/mixed\;*hp=\"cipher\"*) ok 0 "what decrypts is a multipart/mixed carrying hp=\"cipher\"" ;;
*) ok 1 "what decrypts is a multipart/mixed carrying hp=\"cipher\""; diag "got: $ctop" ;;
esac
is "$(hdr Subject "$T/dec")" "$subj" "its header holds the real Subject"
check "HP-Outer records the outer Subject" grep -q '^HP-Outer: Subject: \[\.\.\.\]' "$T/dec"
b=$(printf '%s\n' "$ctop" | sed -n 's/.*boundary="\([^"]*\)".*/\1/p')
# The one part: from after "--b" to before "\n--b--".
awk -v b="$b" '$0 == "--" b { on = 1; next } $0 == "--" b "--" { on = 0 } on' "$T/dec" |
    sed '$d' >"$T/inner"
sed -n '/^MIME-Version:/,$p' "$T/in" | sed 1d >"$T/want"
check_same "its one part is the signed original, byte for byte" "$T/inner" "$T/want"
check "the signed part carries no hp parameter" not grep -q 'hp=' "$T/inner"
# Verify alice's signature over the first part, as a reader does.
awk '$0 == "--t0315sig" { n++; next } $0 == "--t0315sig--" { exit } n == 1' "$T/inner" >"$T/got.part"
head -c -1 "$T/got.part" | sed 's/$/\r/' | head -c -1 >"$T/got.crlf"
timeout 60 gpg --homedir "$T/home/alice" --batch --no-tty --status-fd 1 \
    --verify "$T/sig.asc" "$T/got.crlf" 2>/dev/null >"$T/verify"
check "alice's signature still verifies over the delivered signed part" grep -q '^\[GNUPG:\] GOODSIG' "$T/verify"

# A reader of RFC 9788: notmuch indexes the decrypted message.
if command -v notmuch >/dev/null 2>&1; then
	mkdir -p "$T/mail/cur" "$T/mail/new" "$T/mail/tmp"
	cp "$T/out/1.msg" "$T/mail/cur/1:2,"
	printf '[database]\npath=%s\n[user]\nname=Bob\nprimary_email=bob@example.org\n[new]\ntags=new\n' \
	    "$T/mail" >"$T/nm.conf"
	export NOTMUCH_CONFIG="$T/nm.conf"
	GNUPGHOME=$T/home/bob timeout 60 notmuch new --decrypt=true >/dev/null 2>&1
	got=$(GNUPGHOME=$T/home/bob timeout 60 notmuch search --output=messages "subject:\"$subj\"" 2>/dev/null)
	is "$got" "id:t0315@example.org" "notmuch finds the message by its real Subject"
	GNUPGHOME=$T/home/bob timeout 60 notmuch show --decrypt=true --format=json id:t0315@example.org \
	    >"$T/show.json" 2>/dev/null
	check "notmuch shows the real Subject, not [...]" grep -qF "\"Subject\": \"$subj\"" "$T/show.json"
	check "and reports the signature as good" grep -q '"status": "good"' "$T/show.json"
else
	for c in "notmuch finds the message by its real Subject" \
	    "notmuch shows the real Subject" "and reports the signature as good"; do
		skip "$c" "notmuch is not installed"
	done
fi

# A Content-Type whose parameter list ends badly.
reset_out
subj2="Malformed parameters $(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
printf 'From: alice@example.org\nTo: bob@example.org\nSubject: %s\nMessage-ID: <t0315b@example.org>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8; bo\n\nbody\n' \
    "$subj2" >"$T/in2"
send -t -i <"$T/in2"
is "$rc" 0 "a message with a malformed Content-Type parameter list is sent"
decrypt bob "$T/out/1.msg" >"$T/dec2"
ct2=$(hdr Content-Type "$T/dec2" | tr -d '\t')
is "$ct2" 'text/plain;hp="cipher"; protected-headers="v1"; charset=utf-8; bo' \
    "hp and protected-headers come first, the original's parameters after them as they were"
if command -v notmuch >/dev/null 2>&1; then
	cp "$T/out/1.msg" "$T/mail/cur/2:2,"
	GNUPGHOME=$T/home/bob timeout 60 notmuch new --decrypt=true >/dev/null 2>&1
	got=$(GNUPGHOME=$T/home/bob timeout 60 notmuch search --output=messages "subject:\"$subj2\"" 2>/dev/null)
	is "$got" "id:t0315b@example.org" "notmuch finds it by its real Subject"
else
	skip "notmuch finds it by its real Subject" "notmuch is not installed"
fi
printf 'protect-subject no\n' >>"$T/conf"
reset_out
send -t -i <"$T/in"
is "$(hdr Subject "$T/out/1.msg")" "$subj" "with protect-subject no the outer Subject of a signed original is its own"
decrypt bob "$T/out/1.msg" >"$T/dec3"
is "$(hdr Subject "$T/dec3")" "$subj" "and it is wrapped all the same"
