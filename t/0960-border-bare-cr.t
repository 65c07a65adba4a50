#!/bin/sh
# A bare CR (one not before an LF) ends a header line for some mail
# readers (Python's email package) but not for the border, which read
# "Subject: hi\rFrom: CEO <ceo@b.example>" as a Subject: a user of peer
# site a got a b.example From restored under a's signature, placed before
# the real one, where such a reader takes it.  Every bare CR of the inner
# header becomes a blank: readers see the fields the border checked, in
# the verified header and in the inner Content-* fields of an unverified
# one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 7

bd_pair
printf 'Subject: hi\rFrom: CEO <ceo@b.example>\nFrom: s@a.example\nTo: bob@b.example\n\ntoken 0960\n' \
    >"$T/in"
bd_through a "$T/in" bob@b.example
bd_relay "$(bd_out a bob@b.example)" "$T/msg"
bd_through b "$T/msg" bob@b.example
check "250 for bob" gw_is 1 '^250 '
B=$(bd_out b bob@b.example)
check "verified: a's user, a's key" grep -q "; signed by peer a.example $FA\$" "$B"
is "$(pyhdr "$B" From)" "s@a.example" "a mail reader sees one From, a's user"
check "no CR is left in the header" not sh -c "sed '/^\$/q' '$B' | grep -q \"\$(printf '\\r')\""
check "the body is delivered" grep -qx 'token 0960' "$B"

# An outsider's unverified message: its Content-Type carried the same.
printf 'Content-Type: text/plain\rPgpsendmail-Border: decrypted; signed by peer b.example X\n\ntoken 0960 outsider\n' \
    >"$T/inner"
timeout 60 gpg --homedir "$T/a/sys" --batch --no-tty --trust-model always \
    --armor --recipient "$FB" --encrypt <"$T/inner" >"$T/inner.asc" \
    2>>"$T/gpg.log"
bd_pgpmime "$T/inner.asc" >"$T/pm"
bd_through b "$T/pm" bob@b.example
B=$(bd_out b bob@b.example)
is "$(pyhdr "$B" Pgpsendmail-Border | wc -l | tr -d ' ')" 1 \
    "unverified: a mail reader sees one Pgpsendmail-Border field"
check "... ours, saying not verified" grep -q \
    '^Pgpsendmail-Border: decrypted at .*; not verified (no signature)$' "$B"
