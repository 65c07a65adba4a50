#!/bin/sh
# A peer's message for hidden recipients (wildcard key IDs, as a sender
# makes for Bcc) is tried with the transport keys.  When none of them is
# ours, for instance a message that a's user encrypted end to end to
# bob's own key, gpg says DECRYPTION_FAILED and no NO_SECKEY (it never
# does for a hidden recipient), and the border told bob that "the data is
# damaged" on a message he can read.  It says the message was not for a
# key of ours; the message is still passed on as it came.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 4

bd_pair
mkkey bob bob@b.example
printf 'Content-Type: text/plain\n\ntoken 0966\n' >"$T/inner"
timeout 60 gpg --homedir "$T/sys" --batch --no-tty --trust-model always \
    --armor --hidden-recipient "$(fpr_of bob)" --encrypt <"$T/inner" \
    >"$T/inner.asc" 2>>"$T/gpg.log"
bd_pgpmime "$T/inner.asc" >"$T/pm"
bd_relay "$T/pm" "$T/msg"
bd_through b "$T/msg" bob@b.example
check "250 for bob" gw_is 1 '^250 '
B=$(bd_out b bob@b.example)
check "the field says: not for a key of ours" grep -q \
    "^Pgpsendmail-Border: not decrypted at .*: not for a key of ours (none opens a hidden recipient's session key)\$" \
    "$B"
check "... not that the data is damaged" not grep -qi 'damaged' "$B"
is "$(decrypt bob "$B")" "$(cat "$T/inner")" "bob decrypts it with his own key"
