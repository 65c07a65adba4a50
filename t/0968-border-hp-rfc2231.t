#!/bin/sh
# An unverified message must not look like one with a protected header:
# the border takes the marks (hp, protected-headers) out of its inner
# Content-Type.  It knew only the plain form "hp=..."; RFC 2231's forms
# ("hp*=''cipher", "protected-headers*0=v1"), which MIME parsers decode
# to the same parameters, stayed.  Now they go too; other parameters,
# even one whose name begins with hp, stay.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 5

bd_pair
printf '%s\n\ntoken 0968\n' \
    "Content-Type: text/plain; hp*=''cipher; protected-headers*0=\"v1\"; HP = \"clear\"; hpx=1; charset=us-ascii" \
    >"$T/inner"
timeout 60 gpg --homedir "$T/a/sys" --batch --no-tty --trust-model always \
    --armor --recipient "$FB" --encrypt <"$T/inner" >"$T/inner.asc" \
    2>>"$T/gpg.log"
bd_pgpmime "$T/inner.asc" >"$T/pm"
bd_through b "$T/pm" bob@b.example
check "250 for bob" gw_is 1 '^250 '
B=$(bd_out b bob@b.example)
check "not verified" grep -q '; not verified (no signature)$' "$B"
python3 -c 'import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(m.get_param("hp"), m.get_param("protected-headers"), m.get_param("hpx"), m.get_param("charset"))' \
    "$B" >"$T/params"
is "$(cut -d' ' -f1-2 "$T/params")" "None None" \
    "a MIME parser finds no hp or protected-headers parameter"
is "$(cut -d' ' -f3-4 "$T/params")" "1 us-ascii" "... and the others kept"
check "the body is delivered" grep -qx 'token 0968' "$B"
