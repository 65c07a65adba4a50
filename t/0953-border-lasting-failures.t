#!/bin/sh
# A message for b's transport key that cannot be decrypted for a lasting
# reason (damaged data, no integrity protection, a plaintext over
# decrypt-max-size) is never dropped and never deferred: it goes on as it
# came, with a Pgpsendmail-Border field saying why, and nothing gpg printed
# before it failed (it prints the plaintext of a message without MDC
# before DECRYPTION_FAILED) reaches anyone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 14

bd_pair
{
	printf 'Content-Type: text/plain\nSubject: inner 0953\n\n'
	i=0
	while [ $i -lt 200 ]; do echo "line $i of the secret 0953-token"; i=$((i + 1)); done
} >"$T/inner"
# pgpmime NAME GPG-ARGS...: $T/NAME.msg, the inner message encrypted to
# b's transport key with GPG-ARGS, relayed to b
pgpmime() {
	_n=$1
	shift
	timeout 60 gpg --homedir "$T/a/sys" --batch --no-tty --trust-model always \
	    --armor "$@" --recipient "$FB" --encrypt <"$T/inner" >"$T/$_n.asc" \
	    2>>"$T/gpg.log"
	bd_pgpmime "$T/$_n.asc" >"$T/$_n.pm"
	bd_relay "$T/$_n.pm" "$T/$_n.msg"
}
# unchanged NAME WHY: the checks of what bob got
unchanged() {
	_g=$(bd_out b bob@b.example)
	check "$1: 250 (delivered, not deferred, not bounced)" gw_is 1 '^250 '
	sed '/^Pgpsendmail-Border:/d' "$_g" >"$T/$1.nofield"
	check_same "$1: delivered as it came" "$T/$1.nofield" "$T/$1.msg"
	pyhdr "$_g" Pgpsendmail-Border >"$T/$1.field"
	check "$1: with a field saying why: $2" \
	    grep -q "^not decrypted at .*: $2\$" "$T/$1.field"
	check "$1: no plaintext in anything handed on" \
	    not grep -rq '0953-token' "$T/b/out"
}

pgpmime damaged -z 0
# One character of the data changed, the armor's checksum line dropped.
awk '/^-----BEGIN PGP/ { n = 1 } n && n++ == 12 {
	c = substr($0, 20, 1); $0 = substr($0, 1, 19) (c == "A" ? "B" : "A") substr($0, 21) }
	!/^=/ { print }' "$T/damaged.msg" >"$T/d.tmp" && mv "$T/d.tmp" "$T/damaged.msg"
bd_through b "$T/damaged.msg" bob@b.example
unchanged damaged "the data is damaged.*"

pgpmime nomdc --rfc2440 --cipher-algo CAST5
check "the no-MDC message really has none (gpg --list-packets)" sh -c \
    "gpg --homedir '$T/b/transport' --batch --list-packets <'$T/nomdc.asc' 2>/dev/null |
    grep -q '^:encrypted data packet:'"
bd_through b "$T/nomdc.msg" bob@b.example
unchanged nomdc "it has no integrity protection"

pgpmime big
echo "decrypt-max-size 2K" >>"$T/b/conf"
bd_through b "$T/big.msg" bob@b.example
unchanged big "the plaintext is over 2048 bytes (decrypt-max-size)"
sed -i '/^decrypt-max-size/d' "$T/b/conf"
bd_through b "$T/big.msg" bob@b.example
check "the same under the default limit: decrypted" \
    grep -q '0953-token' "$(bd_out b bob@b.example)"
