#!/bin/sh
# Anyone may encrypt to b's transport key.  An unverified message's inner
# Content-Type is rewritten without the protected-header marks; one with
# many parameters packed without blanks (";a=1;b=2...") grew past the
# buffer the rewrite had made for it: a heap overflow that killed the
# gateway in the middle of the transaction, for any outsider.  It is
# delivered, its other parameters kept.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 5

bd_pair
params=$(awk 'BEGIN { for (i = 0; i < 500; i++) printf ";p%d=%d", i, i }')
printf 'Content-Type: text/plain;hp="cipher"%s;charset=us-ascii\n\ntoken 0958\n' \
    "$params" >"$T/inner"
# Not signed: an outsider's message, which the border does not verify.
timeout 60 gpg --homedir "$T/a/sys" --batch --no-tty --trust-model always \
    --armor --recipient "$FB" --encrypt <"$T/inner" >"$T/inner.asc" \
    2>>"$T/gpg.log"
bd_pgpmime "$T/inner.asc" >"$T/pm"
bd_relay "$T/pm" "$T/msg"
bd_through b "$T/msg" bob@b.example
check "250 for bob (the gateway lived through the transaction)" gw_is 1 '^250 '
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"
B=$(bd_out b bob@b.example)
check "decrypted, not verified" \
    grep -q '^Pgpsendmail-Border: decrypted at .* not verified (no signature)$' "$B"
check "the body is delivered" grep -qx 'token 0958' "$B"
sed -n '/^Content-Type:/p' "$B" >"$T/ct"
check "the Content-Type keeps its parameters, the last one too" grep -q \
    '^Content-Type: text/plain; p0=0; p1=1; .*; p499=499; charset=us-ascii$' "$T/ct"
check "... without the protected-header mark" not grep -q 'hp=' "$T/ct"
