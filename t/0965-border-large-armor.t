#!/bin/sh
# The armored ciphertext was copied out of the body with one write(2) a
# byte: some 50 million system calls for a 30 MB message, half a minute
# of CPU before gpg even ran, and past the transaction's deadline
# (timeout) a large message was deferred on every try.  It is copied in
# runs now; memory stays flat whatever the size.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 3

bd_pair
{
	printf 'From: s@a.example\nSubject: inner 0965\n\n'
	head -c 18000000 /dev/urandom | base64
	echo 'token 0965 last line'
} >"$T/inner"
timeout 120 gpg --homedir "$T/a/transport" --batch --no-tty \
    --keyring "$T/a/sys/pubring.kbx" --trust-model always --local-user "$FA" \
    -z 0 --sign --armor --recipient "$FB" --encrypt <"$T/inner" \
    >"$T/inner.asc" 2>>"$T/gpg.log"
bd_pgpmime "$T/inner.asc" >"$T/pm"
# The deadline: 15 s from DATA for everything, gpg included.
echo "timeout 15" >>"$T/b/conf"
bd_through b "$T/pm" bob@b.example
check "a 30 MB message within a 15 s deadline: 250" gw_is 1 '^250 '
[ "$failed" -eq 0 ] || diag "replies:" "$(gw_replies)"
B=$(bd_out b bob@b.example)
check "decrypted and verified" grep -q '; signed by peer a.example ' "$B"
check "... to its last line" grep -qx 'token 0965 last line' "$B"
