#!/bin/sh
# Rotating a recipient's key, as the README's TROUBLESHOOTING tells it: with
# a keyring line, a second key for the same address is used alongside the
# old one until the old one is removed from the keyring (or becomes
# unusable); a pinned fingerprint keeps using the key it names, and only
# it, until the keymap line changes.
. "$(dirname "$0")/lib.sh"
plan 14

mkkey old alice@example.org
old=$fpr
mkkey new alice@example.org
new=$fpr
mkconf
printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <rot@example.org>\nSubject: r\n\nrotated\n' >"$T/in"
both=$(printf '%s\n' "$(encid_of old)" "$(encid_of new)" | sort)

echo 'alice@example.org keyring' >"$T/keymap"
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 0 "keyring, two keys for one address: sent (0)"
is "$(keyids "$T/out/1.msg")" "$both" "encrypted to both keys, old and new"
opened old "$T/out/1.msg" >"$T/dec"
check_same "the old key's owner reads it" "$T/dec" "$T/in"
opened new "$T/out/1.msg" >"$T/dec"
check_same "and so does the new key's" "$T/dec" "$T/in"

printf 'alice@example.org 0x%s\n' "$old" >"$T/keymap"
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 0 "pinned to the old fingerprint, with the new key in the keyring: sent (0)"
is "$(keyids "$T/out/1.msg")" "$(encid_of old)" "encrypted to the pinned key alone"
printf 'alice@example.org %s %s\n' "$old" "$new" >"$T/keymap"
reset_out
send -i alice@example.org <"$T/in"
is "$(keyids "$T/out/1.msg")" "$both" "pinned to both fingerprints: encrypted to both"

kgpg "$T/sys" --yes --delete-keys "$old"
echo 'alice@example.org keyring' >"$T/keymap"
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 0 "keyring, the old key removed from the keyring: sent (0)"
is "$(keyids "$T/out/1.msg")" "$(encid_of new)" "encrypted to the new key alone"
check "which the old key cannot open" cannot_open old "$T/out/1.msg"

printf 'alice@example.org %s\n' "$old" >"$T/keymap"
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 67 "still pinned to the removed key: refused (67)"
check "naming the recipient, the pinned fingerprint and its keymap line" \
    errline "alice@example.org: no usable key: fingerprint 0x$old pinned at $T/keymap:1 is not in the keyring"
is "$(calls)" 0 "and nothing is sent"

# An old key that expired, beside a new one: the new one alone.
mkkey gone bob@example.org expired
mkkey bob bob@example.org
echo 'bob@example.org keyring' >"$T/keymap"
reset_out
send -i bob@example.org <"$T/in"
is "$rc:$(keyids "$T/out/1.msg" 2>/dev/null)" "0:$(encid_of bob)" \
    "keyring, an expired old key beside a new one: sent (0) to the new one alone"
