#!/bin/sh
# -bv: what each recipient would get and why, with the keys; no mail.
. "$(dirname "$0")/lib.sh"
plan 23

mkkey alice alice@example.org
mkkey dave dave@example.org expired
mkkey sam sam@example.org soon
mkkey gate gateway@corp.example
gatef=$(fpr_of gate)
alicef=$(fpr_of alice)
mkconf
cat >"$T/keymap" <<EOF
# comment
@corp.example $gatef
root plain
@evil.example reject
EOF

verify() {	# verify ARGS...: pgpsendmail -bv, stdout in $T/stdout
	reset_out
	send -bv "$@" </dev/null
}

verify alice@example.org
is "$rc" 0 "-bv exits 0 when every recipient can be sent to"
check "it names the recipient" grep -qx 'alice@example.org' "$T/stdout"
check "and that no keymap line matched (the default)" grep -q 'keymap (default): \* keyring' "$T/stdout"
check "and the key: fingerprint, user ID, expiry" \
    grep -q "key $alicef alice <alice@example.org> (expires never)" "$T/stdout"
is "$(calls)" 0 "and sends nothing"

verify bob@corp.example
check "a domain line is shown with FILE:LINE" grep -q "keymap $T/keymap:2: @corp.example $gatef" "$T/stdout"
check "with the gateway key it names" grep -q "key $gatef gate <gateway@corp.example>" "$T/stdout"

verify root eve@evil.example
is "$rc" 67 "-bv exits 67 when one recipient cannot be sent to"
check "plain is shown as sent in clear" grep -q 'sent in clear' "$T/stdout"
check "reject is shown as refused, with its line" \
    grep -q "keymap $T/keymap:4: @evil.example reject" "$T/stdout"

verify dave@example.org nobody@example.org
is "$rc" 67 "an expired key and no key: 67"
check "the expired key is explained with its date" grep -q 'refused: no usable key (expired 2020-01-02)' "$T/stdout"
check "a missing key is explained" grep -q 'refused: no usable key (no key)' "$T/stdout"

verify sam@example.org
is "$rc" 0 "a key that expires in 10 days still works"
check "with a warning that says when" grep -Eq "warning: key $(fpr_of sam) expires [0-9-]+, in (9|10) days" "$T/stdout"

printf 'To: alice@example.org\nCc: root\n\nbody\n' >"$T/in"
reset_out
send -bv -t <"$T/in"
is "$rc" 0 "-bv -t takes the recipients from the header"
check "all of them" sh -c "grep -qx alice@example.org '$T/stdout' && grep -qx root '$T/stdout'"

# A header -bv -t cannot read says why, as a send does.
printf 'To: alice@@example.org\n\nbody\n' >"$T/in"
reset_out
send -bv -t <"$T/in"
is "$rc" 65 "-bv -t with a bad To: exits 65"
check "and says why on stderr" errline "To: alice@@example.org: invalid address"
check "in one line" oneline
reset_out
send -bv -t </
is "$rc" 74 "-bv -t with unreadable input exits 74"
check "and says why on stderr" errline "reading the message"
check "in one line" oneline
