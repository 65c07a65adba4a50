#!/bin/sh
# The receiving border: a message that site a's gateway encrypted to site
# b's transport key and signed with its own is decrypted by b's gateway
# (transport-home), and since the peers file lists a's key for a.example,
# the protected header is restored: the real Subject and From, the trace
# fields of the outer header kept, a Pgpsendmail-Border field saying what
# was done, any incoming copy of that field removed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 14

bd_pair
cat >"$T/in" <<'EOF_'
From: Sender <s@a.example>
To: bob@b.example
Subject: the real subject 0950
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <bd0950@a.example>
Pgpsendmail-Border: decrypted with key FORGED; signed by peer a.example FORGED

The secret: 0950-token
EOF_
bd_through a "$T/in" bob@b.example
check "site a: 250 for bob@b.example" gw_is 1 '^250 2\.0\.0 <bob@b.example>'
A=$(bd_out a bob@b.example)
check "what leaves site a is PGP/MIME, the token and Subject hidden" \
    sh -c "grep -q 'multipart/encrypted' '$A' && ! grep -q -e 0950-token \
    -e 'real subject' '$A'"

bd_relay "$A" "$T/relayed"
bd_through b "$T/relayed" bob@b.example
check "site b: 250 for bob@b.example" gw_is 1 '^250 2\.0\.0 <bob@b.example>'
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"
B=$(bd_out b bob@b.example)
is "$(pyhdr "$B" Subject)" "the real subject 0950" "bob reads the real Subject"
is "$(pyhdr "$B" From)" "Sender <s@a.example>" "... and the real From"
is "$(pyhdr "$B" Message-ID)" "<bd0950@a.example>" "... and Message-ID"
is "$(pybody "$B")" "The secret: 0950-token" "... and the body"
check "the Received line of the outer header is kept, on top" \
    sh -c "head -n 1 '$B' | grep -q '^Received: from mx.a.example'"
check "no HP-Outer field is left" not grep -qi '^HP-Outer:' "$B"
is "$(pyhdr "$B" Pgpsendmail-Border | wc -l | tr -d ' ')" 1 \
    "one Pgpsendmail-Border field: the incoming one removed"
pyhdr "$B" Pgpsendmail-Border >"$T/field"
check "it says: decrypted here with b's key, signed by peer a.example's key" \
    grep -q "^decrypted at .* with key $FB; signed by peer a.example $FA\$" \
    "$T/field"
pyhdr "$B" Content-Type >"$T/ct"
check "the Content-Type is the inner one (text/plain, protected header)" \
    grep -q '^text/plain; hp="cipher"' "$T/ct"
check "site a's sign-key lives only in a's transport home" \
    not sh -c "gpg --homedir '$T/a/sys' --list-secret-keys 2>/dev/null | grep -q ."
check "nothing is left in b's spool or temp" sh -c "[ -z \"\$(find '$T/b/spool' -type f)\" ]"
