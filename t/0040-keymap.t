#!/bin/sh
# The keymap: which keys each recipient's copy is encrypted to, plain, reject.
. "$(dirname "$0")/lib.sh"
plan 48

mkkey alice alice@example.org
mkkey alice2 Alice@Example.ORG
mkkey malice malice@example.org
mkkey evil alice@example.org.evil.net
mkkey bob bob@example.org
mkkey ops ops@example.org
mkkey rootk root@localhost
mkkey catch catch@example.net
mkconf

msg() {	# msg ID: a complete message to the recipients named in To
	printf 'From: sender@example.org\nTo: %s\n' "$2"
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <%s@example.org>\n' "$1"
	printf 'Subject: keymap\n\nkeymap body %s\n' "$1"
}
opens() {	# opens NAME: NAME's key decrypts the last delivery to the original
	opened "$1" "$T/out/1.msg" >"$T/dec" && cmp -s "$T/dec" "$T/in"
}
shut() { cannot_open "$1" "$T/out/1.msg"; }	# encrypted, not to NAME

# The default, no keymap lines: "* keyring", exact user ID match only.
msg exact alice@example.org >"$T/in"
send alice@example.org <"$T/in"
is "$rc" 0 "with an empty keymap a recipient in the keyring gets mail"
check "alice's key opens it" opens alice
check "a second usable key for the same address (other case) opens it too" opens alice2
check "malice@example.org's key does not (no substring match)" shut malice
check "alice@example.org.evil.net's key does not" shut evil
printf '%s\n' "$(encid_of alice)" "$(encid_of alice2)" | sort >"$T/want"
keyids "$T/out/1.msg" >"$T/got"
check_same "it is encrypted to exactly alice's two keys" "$T/got" "$T/want"

reset_out
msg exact2 Alice@EXAMPLE.org >"$T/in"
send Alice@EXAMPLE.org <"$T/in"
is "$rc" 0 "the keyring lookup is case-insensitive"
check "and finds the same keys" opens alice

reset_out
msg mal malice@example.org >"$T/in"
send malice@example.org <"$T/in"
check "malice's copy opens with malice's key" opens malice
check "and not with alice's" shut alice

# Precedence: exact > @domain > bare local name > *, whatever the file order.
bobf=$(fpr_of bob) opsf=$(fpr_of ops) rootf=$(fpr_of rootk) catchf=$(fpr_of catch)
alicef=$(fpr_of alice)
cat >"$T/keymap.fwd" <<EOF_
# most specific first
alice@example.org $bobf
@example.org $opsf
root $rootf
* $catchf
EOF_
{ echo '# most specific last'; grep -v '^#' "$T/keymap.fwd" | sed -n '1!G;h;$p'; } >"$T/keymap.rev"
{ echo '# mixed'; for l in 3 5 2 4; do sed -n ${l}p "$T/keymap.fwd"; done; } >"$T/keymap.mix"
for order in fwd rev mix; do
	cp "$T/keymap.$order" "$T/keymap"
	reset_out
	msg prec alice@example.org >"$T/in"
	send alice@example.org <"$T/in"
	check "($order) an exact line wins: alice's copy opens with the key it names" opens bob
	check "($order) and not with alice's keyring key" shut alice
	reset_out
	msg prec dave@example.org >"$T/in"
	send dave@example.org <"$T/in"
	check "($order) @example.org beats *: dave's copy opens with the domain key" opens ops
	check "($order) and not with the * key" shut catch
	reset_out
	msg prec root >"$T/in"
	send root <"$T/in"
	check "($order) a bare local name matches the unqualified recipient" opens rootk
done

reset_out
msg sub eve@sub.example.org >"$T/in"
send eve@sub.example.org <"$T/in"
check "@example.org does not match sub.example.org: * applies" opens catch
check "so the domain key cannot open it" shut ops
reset_out
msg rootdom root@example.org >"$T/in"
send root@example.org <"$T/in"
check "a bare local name does not match root@example.org" opens ops
check "so root's key cannot open it" shut rootk
reset_out
msg case DAVE@Example.Org >"$T/in"
send DAVE@Example.Org <"$T/in"
check "patterns match case-insensitively" opens ops

# Fingerprint forms.
lower=$(printf '%s' "$bobf" | tr A-F a-f)
cat >"$T/keymap" <<EOF_
bob@example.org 0x$bobf
team@example.org $lower 0X$alicef
EOF_
reset_out
msg fpr bob@example.org >"$T/in"
send bob@example.org <"$T/in"
check "a 0x-prefixed fingerprint is used" opens bob
reset_out
msg team team@example.org >"$T/in"
send team@example.org <"$T/in"
check "several fingerprints on one line: the first (lower case) opens it" opens bob
check "several fingerprints on one line: the second opens it" opens alice
check "and a key not listed does not" shut alice2

# plain and reject
cat >"$T/keymap" <<'EOF_'
plain@example.org plain
# bob is not to get mail
BOB@example.org reject
EOF_
cat >"$T/in" <<'EOF_'
From: sender@example.org
To: alice@example.org
Cc: plain@example.org
Bcc: malice@example.org
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <mixed@example.org>
Subject: mixed

mixed body
EOF_
grep -v '^Bcc:' "$T/in" >"$T/nobcc"
reset_out
send -t <"$T/in"
is "$rc" 0 "encrypted and plain recipients together are sent"
is "$(calls)" 3 "in three backend calls: To, the Bcc apart, the plain copy"
is "$(rcpts 1) $(rcpts 2)" "alice@example.org malice@example.org" \
    "the first calls carry the encrypted recipients"
check "the first call's message is encrypted" not grep -q 'mixed body' "$T/out/1.msg"
printf '%s\n' plain@example.org >"$T/want"
rcpts 3 >"$T/got"
check_same "the last call carries the plain recipient" "$T/got" "$T/want"
check_same "the plain copy is the message without Bcc" "$T/out/3.msg" "$T/nobcc"

reset_out
msg onlyplain plain@example.org >"$T/in"
send plain@example.org <"$T/in"
is "$(calls)" 1 "a message only to plain recipients is one call"
check_same "and goes in clear" "$T/out/1.msg" "$T/in"

reset_out
msg rej bob@example.org >"$T/in"
send alice@example.org bob@example.org plain@example.org <"$T/in"
is "$rc" 67 "a rejected recipient exits 67"
check "naming the recipient and the keymap line" \
    errline "^pgpsendmail: bob@example\\.org: rejected by keymap \\($T/keymap:3\\)\$"
is "$(calls)" 0 "and nothing is sent to anyone"

reset_out
send alice@example.org nokey@example.org plain@example.org <"$T/in"
is "$rc" 67 "a recipient without a key among several exits 67"
check "naming that recipient" errline '^pgpsendmail: nokey@example\.org: no usable key \(no key\), keymap \(default\): \* keyring$'
is "$(calls)" 0 "and nothing is sent to anyone, plain recipients included"
