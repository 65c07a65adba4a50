#!/bin/sh
# An encrypted packet that holds two literal data packets: gpg writes the
# first, refuses the second ("ERROR proc_pkt.plaintext 89_BAD_DATA"), yet
# still says DECRYPTION_OKAY, and exits 2.  The border delivered that
# first part as if it were the message.  A packet gpg refused is a
# lasting failure: the message goes on as it came, saying why, and no
# part of the plaintext reaches anyone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 4

bd_pair
g() { timeout 60 gpg --homedir "$T/a/sys" --batch --no-tty --trust-model always "$@"; }
printf 'Content-Type: text/plain\n\ntoken 0963 first\n' | g -z 0 --store >"$T/lit1" 2>>"$T/gpg.log"
printf 'token 0963 second\n' | g -z 0 --store >"$T/lit2" 2>>"$T/gpg.log"
# --no-literal: the input goes into the encrypted packet as it is.
cat "$T/lit1" "$T/lit2" | g --no-literal -z 0 --armor --recipient "$FB" \
    --encrypt >"$T/two.asc" 2>>"$T/gpg.log"
check "gpg refuses the second literal packet, and says DECRYPTION_OKAY" sh -c \
    "timeout 60 gpg --homedir '$T/b/transport' --batch --status-fd 1 \
    --decrypt <'$T/two.asc' 2>/dev/null | grep -q 'ERROR proc_pkt.plaintext' &&
    timeout 60 gpg --homedir '$T/b/transport' --batch --status-fd 1 \
    --decrypt <'$T/two.asc' 2>/dev/null | grep -q DECRYPTION_OKAY"
bd_pgpmime "$T/two.asc" >"$T/msg"
bd_through b "$T/msg" bob@b.example
check "250 for bob" gw_is 1 '^250 '
B=$(bd_out b bob@b.example)
check "the message goes on as it came, the data said to be damaged" grep -q \
    '^Pgpsendmail-Border: not decrypted at .*: the data is damaged$' "$B"
check "no plaintext" not grep -q 'token 0963' "$B"
