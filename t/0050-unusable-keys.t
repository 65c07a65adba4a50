#!/bin/sh
# Keys that must not be used: expired, revoked, user ID revoked, no encryption
# subkey, disabled.  Each fails closed with 67 and says why.
. "$(dirname "$0")/lib.sh"
plan 28

mkkey alice alice@example.org
mkkey bob bob@example.org expired
mkkey carol carol@example.org revoked
mkkey dave dave@example.org uidrevoked
mkkey erin erin@example.org noencrypt
mkkey frank frank@example.org disabled
mkkey oldgrace grace@example.org expired
mkkey grace grace@example.org
mkconf

printf 'From: sender@example.org\nTo: x@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <unusable@example.org>\nSubject: k\n\nbody\n' >"$T/in"

refused() {	# refused ADDR REASON-REGEX
	reset_out
	send alice@example.org "$1" <"$T/in"
	is "$rc" 67 "$1: a recipient with only a $2 key exits 67"
	check "$1: stderr names the address and the reason" \
	    errline "^pgpsendmail: $1: no usable key \\($3\\), keymap \\(default\\): \\* keyring\$"
	is "$(calls)" 0 "$1: nothing is sent, not even to alice"
}
refused bob@example.org expired 'expired 2020-01-0[12]'
check "the error is one line on stderr" oneline
refused carol@example.org revoked 'revoked'
refused dave@example.org 'user-ID-revoked' 'user ID revoked'
refused erin@example.org 'sign-only' 'no encryption subkey'
refused frank@example.org disabled 'disabled'
refused nobody@example.org missing 'no key'

reset_out
send grace@example.org <"$T/in"
is "$rc" 0 "an address with an expired and a valid key is sent"
printf '%s\n' "$(encid_of grace)" >"$T/want"
keyids "$T/out/1.msg" >"$T/got"
check_same "encrypted to the valid key only" "$T/got" "$T/want"
opened grace "$T/out/1.msg" >"$T/dec"
check_same "which opens it" "$T/dec" "$T/in"

printf 'zed@example.org %s\n' "$(fpr_of bob)" >"$T/keymap"
reset_out
send zed@example.org <"$T/in"
is "$rc" 67 "a keymap fingerprint of an expired key exits 67"
check "saying why" errline "^pgpsendmail: zed@example\.org: no usable key \(expired 2020-01-0[12]\): fingerprint 0x$(fpr_of bob) pinned at $T/keymap:1\$"
is "$(calls)" 0 "and sends nothing"

printf 'zed@example.org %s\n' "$(fpr_of frank)" >"$T/keymap"
reset_out
send zed@example.org <"$T/in"
is "$rc" 67 "a keymap fingerprint of a disabled key exits 67"
check "saying it is disabled" errline "^pgpsendmail: zed@example\.org: no usable key \(disabled\): fingerprint 0x$(fpr_of frank) pinned at $T/keymap:1\$"
is "$(calls)" 0 "and sends nothing"
