#!/bin/sh
# One level only: what the border decrypted is never decrypted again, even
# when it is itself PGP/MIME for b's transport key.  And a forged
# Pgpsendmail-Border field is removed from any message through a border,
# plaintext included, so that it cannot claim what the border did not do.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 6

bd_pair
printf 'Content-Type: text/plain\n\ntoken 0955 inner\n' >"$T/inner"
enc() {	# enc IN OUT: IN encrypted to b's transport key, signed by a
	timeout 60 gpg --homedir "$T/a/transport" --batch --no-tty \
	    --keyring "$T/a/sys/pubring.kbx" --trust-model always \
	    --local-user "$FA" --sign --armor --recipient "$FB" --encrypt <"$1" \
	    >"$2" 2>>"$T/gpg.log"
}
enc "$T/inner" "$T/inner.asc"
# The middle layer: a PGP/MIME entity, with a protected header of its own.
{
	printf 'From: Sender <s@a.example>\nSubject: middle\n'
	bd_pgpmime "$T/inner.asc" | sed '1,/^MIME-Version/d'
} >"$T/middle"
enc "$T/middle" "$T/outer.asc"
bd_pgpmime "$T/outer.asc" >"$T/outer.pm"
bd_relay "$T/outer.pm" "$T/msg"
bd_through b "$T/msg" bob@b.example
B=$(bd_out b bob@b.example)
check "250" gw_is 1 '^250 '
check "the outer layer was decrypted (the middle header restored)" \
    grep -qx 'Subject: middle' "$B"
check "what it held is still PGP/MIME, not decrypted again" sh -c \
    "grep -q 'multipart/encrypted' '$B' && grep -q '^-----BEGIN PGP MESSAGE-----' '$B'"
check "no plaintext of the inner layer" not grep -q 'token 0955' "$B"

cat >"$T/plain" <<'EOF_'
From: Sender <s@a.example>
To: bob@b.example
Subject: plain 0955
Pgpsendmail-Border: decrypted at mx.b.example with key X; signed by peer a.example Y

token 0955 plain
EOF_
bd_through b "$T/plain" bob@b.example
B=$(bd_out b bob@b.example)
check "plaintext through the border: delivered" grep -qx 'token 0955 plain' "$B"
check "... without the forged Pgpsendmail-Border field" \
    not grep -qi '^Pgpsendmail-Border:' "$B"
