#!/bin/sh
# -oem and -oee: a refusal is mailed back to the sender, without the message.
. "$(dirname "$0")/lib.sh"
plan 16

mkkey alice alice@example.org
mkconf
tok=tok$$x$(date +%s)
cat >"$T/in" <<EOF
From: sender@example.org
To: nokey@example.org
Subject: subject-$tok
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <notice-test@example.org>

body-$tok
EOF

reset_out
send -oem -f sender@example.org nokey@example.org <"$T/in"
is "$rc" 67 "-oem keeps the non-zero exit status"
is "$(calls)" 1 "one message goes to the real sendmail: the notice"
is "$(rcpts 1)" "sender@example.org" "to the envelope sender"
check "from the null sender, so that it never causes another notice" \
    grep -qx '<>' "$T/out/1.argv"
check "it names the recipient and the reason" \
    grep -q 'nokey@example.org: no usable key (no key)' "$T/out/1.msg"
check "and the message's Date" grep -q 'Mon, 1 Jan 2024 00:00:00 +0000' "$T/out/1.msg"
check "and its Message-ID" grep -q '<notice-test@example.org>' "$T/out/1.msg"
check "but not its Subject" not grep -q "subject-$tok" "$T/out/1.msg"
check "nor its body" not grep -q "body-$tok" "$T/out/1.msg"
check "and says it is automatic" grep -q '^Auto-Submitted: auto-replied' "$T/out/1.msg"

reset_out
send -oee -f sender@example.org nokey@example.org <"$T/in"
is "$rc" 0 "-oee exits 0 once the notice is handed off"
is "$(calls)" 1 "and the notice went out"

reset_out
send -f sender@example.org nokey@example.org <"$T/in"
is "$(calls)" 0 "without -oem or -oee nothing is mailed"

reset_out
send -oem -f '<>' nokey@example.org <"$T/in"
is "$(calls)" 0 "a message from the null sender gets no notice"

reset_out
echo 1 >"$T/out/exit"
sed -i "s|^spool .*|spool $T/nospool|" "$T/conf"	# no queue to fall back on
send -oee -f sender@example.org alice@example.org <"$T/in"
is "$rc" 69 "-oee: when the real sendmail fails the notice fails too, and the exit stays 69"
is "$(calls)" 2 "(the message, then the notice, were tried)"
