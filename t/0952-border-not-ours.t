#!/bin/sh
# What the border must not open passes as it came, with one field saying
# why: mail encrypted end to end to a user's own key, or to another
# site's transport key, and a wildcard (hidden-recipient) message from a
# sender that is not a peer.
# A wildcard message from a peer is decrypted.  And per recipient: only
# those the keymap says get plain get the decrypted message; one whose
# keymap line wants a key gets the original, with a field saying why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 17

bd_site a a.example
bd_site b b.example
bd_site c c.example
mkkey bob bob@b.example
mkkey carol carol@b.example
FA=$(bd_fpr a)
FB=$(bd_fpr b)
FC=$(bd_fpr c)
FBOB=$(fpr_of bob)
FCAROL=$(fpr_of carol)
printf '@b.example plain\ncarol@b.example %s\n' "$FCAROL" >"$T/b/keymap"
echo "a.example $FA" >"$T/b/peers"
cat >"$T/inner" <<'EOF_'
Content-Type: text/plain; hp="cipher"; protected-headers="v1"
From: Sender <s@a.example>
To: bob@b.example
Subject: inner 0952

token 0952
EOF_
# pgpmime NAME GPG-ARGS...: $T/NAME.msg, the inner message encrypted by
# site a's transport home (signed by a) with GPG-ARGS, relayed to b
pgpmime() {
	_n=$1
	shift
	timeout 60 gpg --homedir "$T/a/transport" --batch --no-tty \
	    --keyring "$T/a/sys/pubring.kbx" --trust-model always \
	    --local-user "$FA" --sign --armor "$@" --encrypt <"$T/inner" \
	    >"$T/$_n.asc" 2>>"$T/gpg.log"
	bd_pgpmime "$T/$_n.asc" >"$T/$_n.pm"
	bd_relay "$T/$_n.pm" "$T/$_n.msg"
}
timeout 60 gpg --homedir "$T/home/bob" --export "$FBOB" >"$T/bob.pub" 2>/dev/null
kgpg "$T/a/sys" --import "$T/bob.pub"

# asis NAME MSG: the delivered copy is MSG with one field more, which
# says it was not for a key of this site
asis() {
	sed '/^Pgpsendmail-Border: not decrypted at [^:]*: not encrypted to a transport key of this site$/d' \
	    "$(bd_out b bob@b.example)" >"$T/$1.nofield"
	check_same "$1: delivered as it came" "$T/$1.nofield" "$2"
	is "$(pyhdr "$(bd_out b bob@b.example)" Pgpsendmail-Border)" \
	    "not decrypted at $(hostname): not encrypted to a transport key of this site" \
	    "$1: ... with a field saying it is not for this site's key"
}
pgpmime e2e --recipient "$FBOB"
bd_through b "$T/e2e.msg" bob@b.example
check "to bob's own key: 250" gw_is 1 '^250 '
asis "to bob's own key" "$T/e2e.msg"
armored "$(bd_out b bob@b.example)" | timeout 60 gpg --homedir "$T/home/bob" \
    --batch --no-tty -d >"$T/bob.plain" 2>/dev/null
check "... and bob opens it with his own key" grep -qx 'token 0952' "$T/bob.plain"

pgpmime foreign --recipient "$FC"
bd_through b "$T/foreign.msg" bob@b.example
check "to c's transport key: 250" gw_is 1 '^250 '
asis "to c's transport key" "$T/foreign.msg"

pgpmime hidden --hidden-recipient "$FB"
BD_FROM=x@x.example BD_HFROM="X <x@x.example>" bd_pgpmime "$T/hidden.asc" >"$T/hx.pm"
bd_relay "$T/hx.pm" "$T/hx.msg"
BD_FROM=x@x.example bd_through b "$T/hx.msg" bob@b.example
asis "wildcard PKESK from a sender that is no peer" "$T/hx.msg"
bd_through b "$T/hidden.msg" bob@b.example
B=$(bd_out b bob@b.example)
check "wildcard PKESK from peer a.example: decrypted" grep -qx 'token 0952' "$B"
is "$(pyhdr "$B" Subject)" "inner 0952" "... its protected header restored (signed by a)"

pgpmime two --recipient "$FB"
bd_through b "$T/two.msg" bob@b.example carol@b.example
check "two recipients: 250 each" sh -c "[ \$(grep -c '^250 2\.0\.0' '$R') -eq 2 ]"
B=$(bd_out b bob@b.example)
C=$(bd_out b carol@b.example)
check "bob (plain by the keymap) gets it decrypted" grep -qx 'token 0952' "$B"
check "carol (a key by the keymap) gets no plaintext" not grep -q 'token 0952' "$C"
sed '/^Pgpsendmail-Border:/d' "$C" >"$T/carol.nofield"
check_same "... but the message as it came" "$T/carol.nofield" "$T/two.msg"
pyhdr "$C" Pgpsendmail-Border >"$T/carol.field"
check "... with a field saying it was not decrypted for her, and why" \
    grep -q '^not decrypted at .*keymap does not say plain' "$T/carol.field"
check "carol's copy is still encrypted (to b's transport key)" \
    cannot_open carol "$C"
