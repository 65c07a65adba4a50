#!/bin/sh
# -bs: an SMTP dialogue on stdin and stdout, each message encrypted.
. "$(dirname "$0")/lib.sh"
plan 20

mkkey alice alice@example.org
mkkey bob bob@example.org
mkconf
echo '@evil.example reject' >"$T/keymap"
tok=tok$$x$(date +%s)


session <<EOF
EHLO client.example
MAIL FROM:<sender@example.org>
RCPT TO:<alice@example.org>
RCPT TO:<nokey@example.org>
RCPT TO:<eve@evil.example>
RCPT TO:<-oQ/tmp>
DATA
Subject: over smtp
To: alice@example.org

..a stuffed dot line
$tok
.
QUIT
EOF
is "$rc" 0 "-bs exits 0"
check "it greets" grep -q '^220 ' "$R"
check "EHLO is answered with 250" grep -q '^250-' "$R"
is "$(sed -n 6p "$R")" "250 2.1.5 Ok" "a recipient with a key is accepted"
grep '^5' "$R" >"$T/refusals"
check "a recipient without a key is refused with 550 and why" \
    grep -q '^550 5.7.1 nokey@example.org: no usable key (no key), keymap (default): \* keyring$' "$T/refusals"
check "a recipient the keymap rejects is refused" \
    grep -q '^550 5.7.1 eve@evil.example: rejected by keymap' "$T/refusals"
check "an address that looks like an option is refused" grep -q '^553 ' "$T/refusals"
is "$(grep -A1 '^354' "$R" | sed -n 2p)" "250 2.0.0 Ok: sent" "DATA is accepted with 354, then 250"
is "$(tail -n 1 "$R")" "221 2.0.0 Bye" "and QUIT with 221"
is "$(calls)" 1 "one message is handed to the real sendmail"
is "$(rcpts 1)" "alice@example.org" "for the accepted recipient only"
check "with MAIL FROM as the envelope sender" grep -qx sender@example.org "$T/out/1.argv"
opened alice "$T/out/1.msg" >"$T/plain"
check "it decrypts with alice's key" grep -qx "$tok" "$T/plain"
check "and the stuffed dot is removed" grep -qx '.a stuffed dot line' "$T/plain"
check "the token is not in clear in what was sent" not grep -q "$tok" "$T/out/1.msg"

# Two messages in one session, the second after RSET; then the client
# goes away in the middle of a third.
session <<EOF
HELO c
MAIL FROM:<s@example.org>
RCPT TO:<alice@example.org>
DATA
Subject: one

first
.
RSET
MAIL FROM:<s@example.org>
RCPT TO:<bob@example.org>
DATA
Subject: two

second
.
MAIL FROM:<s@example.org>
RCPT TO:<alice@example.org>
DATA
Subject: three

never finished
EOF
is "$(calls)" 2 "two finished messages are sent, the unfinished one is not"
opened alice "$T/out/1.msg" >"$T/plain"
check "the first to alice" grep -qx first "$T/plain"
opened bob "$T/out/2.msg" >"$T/plain"
check "the second to bob" grep -qx second "$T/plain"

session <<EOF
DATA
RCPT TO:<alice@example.org>
FOO
EOF
is "$(grep -c '^503' "$R")" 2 "commands out of order get 503"
check "an unknown command gets 500" grep -q '^500' "$R"
