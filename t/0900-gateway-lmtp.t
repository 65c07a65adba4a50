#!/bin/sh
# pgpsendmail --gateway speaks LMTP (RFC 2033) on stdin and stdout, as
# Postfix's spawn(8) runs it for its lmtp(8) client: after the final dot,
# one reply for each accepted recipient, in order.  Those with a key get
# their ciphertext, the keymap's plain ones the message, and only those
# without a usable key or rejected by the keymap are refused (550) while
# the others still get theirs.  Nothing goes into our queue.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
plan 17

mkkey alice alice@example.org
mkkey bob bob@example.org
mkkey old old@example.org expired
mkconf
cat >"$T/keymap" <<EOF_
carol@example.org reject
pat@example.org plain
EOF_
cat >"$T/in" <<EOF_
From: Sender <s@example.net>
To: alice@example.org, bob@example.org, dave@example.org
Cc: carol@example.org, pat@example.org, old@example.org
Subject: the plan
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gw0900@example.net>

The secret: 0900-token
.a line that starts with a dot
EOF_
gw_session <<EOF_
LHLO relay.example.org
MAIL FROM:<s@example.net>
RCPT TO:<alice@example.org>
RCPT TO:<dave@example.org>
RCPT TO:<bob@example.org>
RCPT TO:<carol@example.org>
RCPT TO:<pat@example.org>
RCPT TO:<old@example.org>
DATA
$(gw_data "$T/in")
QUIT
EOF_
is "$rc" 0 "--gateway: the session ends with exit 0"
check "a 220 greeting that says LMTP" sh -c "head -n 1 '$R' | grep -q '^220 .*LMTP'"
check "LHLO advertises PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, DSN" \
    sh -c "grep -q '^250-PIPELINING' '$R' && grep -q '^250-SIZE [0-9]' '$R' &&
    grep -q '^250-8BITMIME' '$R' && grep -q '^250-ENHANCEDSTATUSCODES' '$R' &&
    grep -q '^250 DSN' '$R'"
is "$(gw_replies | wc -l | tr -d ' ')" 6 "one reply after the dot for each of the 6 recipients"
check "alice (a key): 250" gw_is 1 '^250 2\.0\.0 <alice@example.org>'
check "dave (no key): 550 5.7.1" gw_is 2 '^550 5\.7\.1 '
check "... naming him and the reason" gw_is 2 'dave@example.org: no usable key \(no key\)'
check "bob (a key): 250" gw_is 3 '^250 2\.0\.0 <bob@example.org>'
check "carol (rejected by the keymap): 550 5.7.1 saying so" \
    gw_is 4 '^550 5\.7\.1 carol@example.org: rejected by keymap'
check "pat (plain by the keymap): 250" gw_is 5 '^250 2\.0\.0 <pat@example.org>'
check "old (expired key): 550 5.7.1 no usable key (expired DATE)" \
    gw_is 6 '^550 5\.7\.1 old@example.org: no usable key \(expired [0-9-]+\)'
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"

opened alice "$(msg_of alice@example.org)" >"$T/alice.got"
check_same "alice's copy decrypts to the original" "$T/alice.got" "$T/in"
opened bob "$(msg_of bob@example.org)" >"$T/bob.got"
check_same "bob's copy decrypts to the original" "$T/bob.got" "$T/in"
check "pat gets the message in clear, as the keymap says" \
    grep -q '0900-token' "$(msg_of pat@example.org)"
check "dave, carol and old get nothing" sh -c "! ls '$T/out' | grep -q argv ||
    ! cat '$T'/out/*.argv | grep -Eq '^(dave|carol|old)@'"
check "the envelope sender goes on with -f" \
    sh -c "grep -A1 -x -- -f '$(argv_of alice@example.org)' | grep -qx s@example.net"
check "nothing was written to the spool" sh -c "[ -z \"\$(find '$T/spool' -type f)\" ]"
