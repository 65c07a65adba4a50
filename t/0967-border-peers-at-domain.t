#!/bin/sh
# The keymap names a domain "@b.example"; the peers file wants it bare.
# A peers line written the keymap's way ("@a.example FPR") matched no
# From domain, silently: every message of that peer arrived "not
# verified", its real header lost.  Such a line is a config error now,
# which defers the message (451) with the file and line until it is
# fixed, like any other unfit peers file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 5

bd_site a a.example
bd_site b b.example
FA=$(bd_fpr a)
FB=$(bd_fpr b)
echo "@b.example $FB" >"$T/a/keymap"
echo "@b.example plain" >"$T/b/keymap"
printf '# peers\n@a.example %s\n' "$FA" >"$T/b/peers"
printf 'From: s@a.example\nTo: bob@b.example\nSubject: inner 0967\n\ntoken 0967\n' >"$T/in"
bd_through a "$T/in" bob@b.example
bd_relay "$(bd_out a bob@b.example)" "$T/msg"
bd_through b "$T/msg" bob@b.example
check "a peers line with @a.example: 451 4.3.0" gw_is 1 '^451 4\.3\.0 '
check "... naming the file, the line and the fix" \
    gw_is 1 "peers:2: @a\\.example: a domain, without '@'"
check "... nothing handed on" not ls "$T/b/out/1.argv"
printf '# peers\na.example %s\n' "$FA" >"$T/b/peers"
bd_through b "$T/msg" bob@b.example
check "fixed: 250" gw_is 1 '^250 '
check "... verified, the inner Subject restored" \
    grep -q '^Subject: inner 0967' "$(bd_out b bob@b.example)"
