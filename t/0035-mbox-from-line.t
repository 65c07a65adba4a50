#!/bin/sh
# A message that begins with an mbox "From " line, as "git format-patch
# --stdout | sendmail -t" gives it: the line is skipped, as Postfix's
# sendmail skips it, so that the header that follows is the header (its
# To with -t, its Subject, its From).  Under -bs SMTP's rules apply.
. "$(dirname "$0")/lib.sh"
plan 15

mkkey alice alice@example.org
mkconf

patchmail() {	# patchmail FIRST-LINE...: format-patch output after those lines
	[ $# -eq 0 ] || printf '%s\n' "$@"
	cat <<'EOF_'
From: Patch Author <author@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Subject: [PATCH] fix the frobnicator
To: alice@example.org

The secret fix.
---
 a | 1 +
EOF_
}
patchmail 'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001' >"$T/in"
patchmail >"$T/want"

send -t -i <"$T/in"
is "$rc" 0 "-t: a message after an mbox From line is sent"
is "$(rcpts 1)" alice@example.org "-t: its To: gives the recipient"
opened alice "$T/out/1.msg" | grep -v '^Message-ID:' >"$T/dec"
check_same "-t: alice reads the message without the From line, header intact" "$T/dec" "$T/want"

reset_out
send -i alice@example.org <"$T/in"
is "$rc" 0 "with the recipient as an operand, too"
opened alice "$T/out/1.msg" | grep -v '^Message-ID:' >"$T/dec"
check_same "the Subject and From are the message's, none invented" "$T/dec" "$T/want"
check "the outer From is the author's" grep -q '^From: Patch Author <author@example.org>' "$T/out/1.msg"

reset_out
patchmail 'From author@example.org Mon Jan  1 00:00:00 2024' \
    '>From author@example.org Mon Jan  1 00:00:00 2024' >"$T/in"
send -t -i <"$T/in"
is "$rc" 0 "a From line and a >From line are both skipped"
opened alice "$T/out/1.msg" | grep -v '^Message-ID:' >"$T/dec"
check_same "and the header after them is the header" "$T/dec" "$T/want"

reset_out
patchmail '>From author@example.org Mon Jan  1 00:00:00 2024' >"$T/in"
send -t -i <"$T/in"
is "$rc" 0 "a lone >From line is skipped"

reset_out
{ printf 'To: alice@example.org\nSubject: s\n\n'; printf 'From the start of the body\n'; } >"$T/in"
send -t -i <"$T/in"
opened alice "$T/out/1.msg" >"$T/dec"
check "a From line in the body stays" grep -qx 'From the start of the body' "$T/dec"

reset_out
{ printf 'From: a@example.org\nFrom x\nTo: bob@example.org\nSubject: s\n\nb\n'; } >"$T/in"
send -i alice@example.org <"$T/in"
opened alice "$T/out/1.msg" >"$T/dec"
check "a From line after the first field is not skipped: the body begins there" \
    grep -qx 'From x' "$T/dec"
check "so the To: after it is body text" not grep -q '^To: bob' "$T/out/1.msg"

# -bs: SMTP's rules, no mbox line is skipped: it starts the body.
reset_out
printf 'EHLO x\r\nMAIL FROM:<s@example.org>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nFrom x Mon Jan  1 00:00:00 2024\r\nSubject: s\r\n\r\nb\r\n.\r\nQUIT\r\n' >"$T/smtp"
send -bs <"$T/smtp"
is "$rc" 0 "-bs: the session ends with 0"
opened alice "$T/out/1.msg" >"$T/dec"
check "-bs: a From line in DATA is not skipped: it begins the body" grep -qx 'From x Mon Jan  1 00:00:00 2024' "$T/dec"
check "-bs: so Subject: s is body text, not the Subject" not grep -q '^Subject: s' "$T/out/1.msg"
