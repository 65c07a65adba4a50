#!/bin/sh
# What --gateway changed (an outcome for each recipient, no queue of
# ours) is for --gateway alone: under -bs a message is still one outcome.
# A copy that the real sendmail refuses waits in our queue and the reply
# is one 250; a recipient without a key is refused at RCPT and nothing of
# the message goes to him.
. "$(dirname "$0")/lib.sh"
plan 6

mkkey alice alice@example.org
mkkey bob bob@example.org
cat >"$T/in" <<EOF_
From: s@example.net
To: alice@example.org
Subject: -bs
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <bs0907@example.net>

The secret: 0907-token
EOF_
cat >"$T/refuse-bob" <<EOF_
#!/bin/sh
for a; do [ "\$a" = bob@example.org ] && { cat >/dev/null; exit 75; }; done
exec "$ABS/t/fake-sendmail" "\$@"
EOF_
chmod +x "$T/refuse-bob"
CONF_SENDMAIL="$T/refuse-bob $T/out" mkconf
session <<EOF_
EHLO x
MAIL FROM:<s@example.net>
RCPT TO:<alice@example.org>
RCPT TO:<bob@example.org>
RCPT TO:<dave@example.org>
DATA
$(sed 's/^\./../' "$T/in"; echo .)
QUIT
EOF_
check "-bs: dave (no key) is refused at RCPT" grep -q '^550 5\.7\.1 .*dave@example.org' "$R"
is "$(sed '1,/^354 /d' "$R" | grep -v '^221 ' | grep -c .)" 1 "-bs: one reply for the message, not one for each recipient"
check "... and it is 250" sh -c "sed '1,/^354 /d' '$R' | head -n 1 | grep -q '^250 2\.0\.0 Ok'"
is "$(allrcpts)" "alice@example.org" "alice's copy went"
is "$(queued_entries | grep -c .)" 1 "bob's refused copy waits in our queue"
check "... for bob" grep -qx 'rcpt bob@example.org' $(queued_entries)
