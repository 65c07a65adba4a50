#!/bin/sh
# A header that fits when it is read may not fit once the border has
# rebuilt it: the outer trace fields and our field go on top of the inner
# header; our field goes on top of the original one.  Such a copy failed
# when it was read back, and the message was deferred (451, "reading a
# copy back: No such file or directory") until its queue lifetime ran
# out: a lasting fault taken for a passing one.  Now a rebuilt header
# that would be too large is a lasting failure (the original goes on,
# with our field saying why), and an original with no room left for our
# field goes on without it (the reason in the log instead).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 6

bd_pair
# header SIZE FIELDS...: a header section of SIZE bytes (the empty line
# not counted): FIELDS, then an X-Pad field folded to make up the rest
header() {
	python3 -c 'import sys
size = int(sys.argv[1])
h = "".join(f + "\n" for f in sys.argv[2:]) + "X-Pad: x\n"
while len(h) + 78 <= size - 10:
	h += " " + "p" * 76 + "\n"
h += " " + "q" * (size - len(h) - 2) + "\n"
sys.stdout.write(h)' "$@"
}
# The limit (HDR_MAXBYTES) is 524288 bytes, the empty line read in.
header 524200 'From: s@a.example' 'Subject: inner 0962' >"$T/inner"
printf '\ntoken 0962\n' >>"$T/inner"
timeout 60 gpg --homedir "$T/a/transport" --batch --no-tty \
    --keyring "$T/a/sys/pubring.kbx" --trust-model always --local-user "$FA" \
    --sign --armor --recipient "$FB" --encrypt <"$T/inner" >"$T/inner.asc" \
    2>>"$T/gpg.log"
bd_pgpmime "$T/inner.asc" >"$T/pm"
bd_relay "$T/pm" "$T/msg"
bd_through b "$T/msg" bob@b.example
check "an inner header that fits alone: 250, not deferred" gw_is 1 '^250 '
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"
B=$(bd_out b bob@b.example)
check "... the original goes on, saying why" grep -q \
    '^Pgpsendmail-Border: not decrypted at .*: the header section would be too large' "$B"
check "... no plaintext" not grep -q 'token 0962' "$B"

# An original whose header has no room left for our field: a lasting
# failure (the plaintext over decrypt-max-size) passes it on.
timeout 60 gpg --homedir "$T/a/sys" --batch --no-tty --trust-model always \
    --armor --recipient "$FB" --encrypt <"$T/inner" >"$T/big.asc" \
    2>>"$T/gpg.log"
{
	header 524250 'From: s@a.example' 'To: bob@b.example' 'Subject: [...]' \
	    'Date: Mon, 1 Jan 2024 00:00:00 +0000' 'Message-ID: <0962@a.example>' \
	    'MIME-Version: 1.0' \
	    'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="bd-boundary"'
	echo
	bd_pgpmime "$T/big.asc" | sed '1,/^$/d'
} >"$T/full"
echo "decrypt-max-size 1K" >>"$T/b/conf"
bd_through b "$T/full" bob@b.example
check "a full original header, not decrypted: 250, not deferred" gw_is 1 '^250 '
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"
B=$(bd_out b bob@b.example)
check_same "... delivered as it came" "$B" "$T/full"
check "... no plaintext" not grep -q 'token 0962' "$B"
