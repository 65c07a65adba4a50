#!/bin/sh
# Site a gives the visible recipients of a message one ciphertext, with
# an encrypted session key for each of their keys: b's transport key may
# come after many others.  The border kept the first 32 ENC_TO lines of
# gpg's listing and looked for its keys among those alone; past them, the
# message went on still encrypted to b's transport key, "not to a key of
# ours".  Every ENC_TO is compared now.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 4

bd_pair
# 40 other recipients' keys, in one home of their own
O=$T/others
mkhome "$O"
i=0
while [ $i -lt 40 ]; do
	kgpg "$O" --passphrase '' --quick-gen-key "u$i <u$i@example.net>" \
	    future-default default never || break
	i=$((i + 1))
done
timeout 60 gpg --homedir "$O" --export >"$T/others.pub" 2>>"$T/gpg.log"
kgpg "$T/a/sys" --import "$T/others.pub"
rcpts=
i=0
while [ $i -lt 40 ]; do rcpts="$rcpts --recipient u$i@example.net"; i=$((i + 1)); done
printf 'From: s@a.example\nSubject: inner 0964\n\ntoken 0964\n' >"$T/inner"
# shellcheck disable=SC2086
timeout 60 gpg --homedir "$T/a/transport" --batch --no-tty \
    --keyring "$T/a/sys/pubring.kbx" --trust-model always --local-user "$FA" \
    --auto-key-locate local --no-auto-key-retrieve \
    --sign --armor $rcpts --recipient "$FB" --encrypt <"$T/inner" \
    >"$T/inner.asc" 2>>"$T/gpg.log"
encid=$(timeout 60 gpg --homedir "$T/b/transport" --with-colons --list-keys \
    2>/dev/null | awk -F: '$1 == "sub" { print $5; exit }')
pos=$(timeout 60 gpg --homedir "$T/b/transport" --batch --status-fd 1 \
    --list-only --decrypt <"$T/inner.asc" 2>/dev/null |
    awk -v k="$encid" '$2 == "ENC_TO" { n++; if ($3 == k) print n }')
check "b's transport key is past the 32nd session key ($pos of 41)" \
    test "${pos:-0}" -gt 32
bd_pgpmime "$T/inner.asc" >"$T/pm"
bd_relay "$T/pm" "$T/msg"
bd_through b "$T/msg" bob@b.example
check "250 for bob" gw_is 1 '^250 '
B=$(bd_out b bob@b.example)
check "decrypted and verified" grep -q \
    "^Pgpsendmail-Border: decrypted at .* with key $FB; signed by peer a.example $FA\$" "$B"
check "... bob reads it" grep -qx 'token 0964' "$B"
