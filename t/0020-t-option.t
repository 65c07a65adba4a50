#!/bin/sh
# -t: recipients from the headers; Bcc and Resent-* handling.
. "$(dirname "$0")/lib.sh"
plan 35

for u in alice bob carol dave erin; do
	mkkey $u $u@example.org
done
mkconf

cat >"$T/in" <<'EOF_'
From: Sender <sender@example.org>
To: Alice <alice@example.org>, "Doe, John (not a comment)" <bob@example.org>
Cc: carol@example.org (Carol (with a nested) comment)
Bcc: dave@example.org
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <t0020@example.org>
Subject: to many

the body
EOF_
grep -v '^Bcc:' "$T/in" >"$T/nobcc"

send -t -i <"$T/in"
is "$rc" 0 "-t sends to the addresses in To, Cc and Bcc"
printf '%s\n' -i -- alice@example.org bob@example.org carol@example.org >"$T/want"
check_same "quoted display names and comments do not make extra recipients" "$T/out/1.argv" "$T/want"
is "$(calls) $(rcpts 2)" "2 dave@example.org" "To and Cc share one backend call, the Bcc recipient has one apart"
for u in alice bob carol dave; do
	opened $u "$T/out/$(call_of $u@example.org).msg" >"$T/dec"
	check_same "$u decrypts the original without its Bcc header" "$T/dec" "$T/nobcc"
done
check "Bcc is absent from the outer headers" not grep -qi '^bcc:' "$T/out/1.msg"
check "the Bcc address appears nowhere in what is delivered" not grep -q dave "$T/out/1.msg"
check "the Bcc address is not in the decrypted message" not grep -q dave "$T/dec"
check "erin, not a recipient, cannot open it" cannot_open erin "$T/out/1.msg"

reset_out
send -t -i erin@example.org <"$T/in"
allrcpts >"$T/got"
printf '%s\n' alice@example.org bob@example.org carol@example.org dave@example.org erin@example.org >"$T/want"
check_same "-t with an operand sends to the union of both" "$T/got" "$T/want"

reset_out
send -ti <"$T/in"
is "$rc" 0 "-ti clusters like -t -i"
reset_out
send -tif bounce@example.org <"$T/in"
is "$(sed -n 2,3p "$T/out/1.argv" | tr '\n' ' ')" "-f bounce@example.org " "-tif addr clusters -t, -i and -f addr"

reset_out
send -i alice@example.org <"$T/in"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "without -t Bcc is still removed from what alice decrypts" "$T/dec" "$T/nobcc"
check "and from the outer headers" not grep -q dave "$T/out/1.msg"

cat >"$T/in" <<'EOF_'
From: sender@example.org
To: alice@example.org,
 bob@example.org
Bcc: carol@example.org,
	dave@example.org
Cc: ALICE@example.org, Alice <alice@EXAMPLE.org>
Message-ID: <t0020b@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000

body
EOF_
reset_out
send -t <"$T/in"
printf '%s\n' -i -- alice@example.org bob@example.org carol@example.org dave@example.org >"$T/want"
allrcpts | tr A-Z a-z >"$T/got"
sed '1,/^--$/d' "$T/want" >"$T/want2"
check_same "folded To and Bcc are unfolded; duplicates collapse case-insensitively" "$T/got" "$T/want2"
opened alice "$T/out/1.msg" >"$T/dec"
check "a folded Bcc is removed with its continuation lines (inner)" \
    not grep -Eq 'carol|dave' "$T/dec"
check "a folded Bcc is removed with its continuation lines (outer)" \
    not grep -Eq 'carol|dave' "$T/out/1.msg"
check "the decrypted message still has the rest of the headers" \
    grep -q '^Message-ID: <t0020b@example.org>$' "$T/dec"

cat >"$T/in" <<'EOF_'
From: sender@example.org
To: undisclosed-recipients:;
Bcc: alice@example.org
Cc: team: bob@example.org (Bob), Carol <carol@example.org>;
Message-ID: <t0020c@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000

body
EOF_
reset_out
send -t <"$T/in"
is "$rc" 0 "groups are parsed: an empty group and a group with members"
printf '%s\n' bob@example.org carol@example.org alice@example.org | sort >"$T/want"
allrcpts >"$T/got"
check_same "an empty group adds nobody, a group's members are recipients" "$T/got" "$T/want"

cat >"$T/in" <<'EOF_'
Received: from forwarder by mx.example.org; Tue, 2 Jan 2024 00:00:01 +0000
Resent-From: forwarder@example.org
Resent-To: bob@example.org
Resent-Bcc: carol@example.org
Resent-Date: Tue, 2 Jan 2024 00:00:00 +0000
Resent-Message-ID: <r2@example.org>
Received: from earlier by mx.example.org; Mon, 1 Jan 2024 12:00:01 +0000
Resent-From: earlier@example.org
Resent-To: erin@example.org
Resent-Date: Mon, 1 Jan 2024 12:00:00 +0000
From: sender@example.org
To: alice@example.org
Cc: dave@example.org
Message-ID: <t0020d@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000

resent body
EOF_
grep -v '^Resent-Bcc:' "$T/in" >"$T/want"
reset_out
send -t <"$T/in"
is "$rc" 0 "a resent message is sent"
printf '%s\n' bob@example.org carol@example.org >"$T/want2"
allrcpts >"$T/got"
check_same "Resent-To/Bcc of the first Resent block replace To/Cc and older blocks" "$T/got" "$T/want2"
check "alice, in To only, cannot open the resent copy" cannot_open alice "$T/out/1.msg"
opened bob "$T/out/1.msg" >"$T/dec"
check_same "bob decrypts the message without its Resent-Bcc" "$T/dec" "$T/want"
check "Resent-Bcc's address appears nowhere in bob's copy" not grep -q carol "$T/out/1.msg"
opened carol "$T/out/$(call_of carol@example.org).msg" >"$T/dec"
check_same "the Resent-Bcc recipient gets the same message, in a copy apart" "$T/dec" "$T/want"

# Each block has its own Resent-From and Resent-Date: a second Resent-From
# starts an older block even without a Received line between them.
grep -v '^Received:' "$T/in" >"$T/in2"
reset_out
send -t <"$T/in2"
allrcpts >"$T/got"
check_same "adjacent Resent blocks: only the first block's recipients" "$T/got" "$T/want2"

cat >"$T/in" <<'EOF_'
From: sender@example.org
To: undisclosed-recipients:;
Subject: nobody

body
EOF_
reset_out
send -t <"$T/in"
is "$rc" 64 "-t with no recipients exits 64"
check "and says so" errline '^pgpsendmail: no recipients$'
is "$(calls)" 0 "and sends nothing"

printf 'Subject: no To at all\n\nbody\n' >"$T/in"
send -t <"$T/in"
is "$rc" 64 "-t with no address headers exits 64"

cat >"$T/in" <<'EOF_'
From: sender@example.org
To: "alice@example.org" <bob@example.org>
Message-ID: <t0020e@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000

body
EOF_
reset_out
send -t <"$T/in"
printf '%s\n' bob@example.org >"$T/want"
rcpts 1 >"$T/got"
check_same "an address inside a quoted display name is not a recipient" "$T/got" "$T/want"
check "alice, named only in a display name, cannot open it" cannot_open alice "$T/out/1.msg"
