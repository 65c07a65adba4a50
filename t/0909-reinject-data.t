#!/bin/sh
# --gateway re-injecting over SMTP sends each copy as DATA wants it: every
# line ends in CRLF, a line that starts with a dot gets another (the
# server takes it off again), 8-bit bytes go as they are, and a last line
# without its line end gets one.  What the server stores, unstuffed, is
# the copy: the plain one the keymap asks for is the original body byte
# for byte, the ciphertext opens to the original.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/reinject.sh"
plan 9

mkkey alice alice@example.org
rj_start
printf 'pat@example.org plain\n' >"$T/keymap"
{
	printf 'From: s@example.net\nTo: alice@example.org, pat@example.org\n'
	printf 'Subject: dots\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
	printf 'Message-ID: <rj0909@example.net>\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
	printf '.\n..\n.hidden line\nmiddle . dot\n.\n\n'
	printf 'Gr\303\274\303\237e, \303\277 \342\202\254 \377\376 raw bytes\n'
	printf '...three\nthe end.\n'
} >"$T/in"
gw_session <<EOF_
LHLO relay.example.org
MAIL FROM:<s@example.net> BODY=8BITMIME
RCPT TO:<alice@example.org>
RCPT TO:<pat@example.org>
DATA
$(gw_data "$T/in")
QUIT
EOF_
check "alice and pat: 250" sh -c "[ \$(sed '1,/^354 /d' '$R' | grep -c '^250 2\.0\.0 <') -eq 2 ]"
is "$(rj_envs)" 2 "two copies at the sink: the ciphertext and the plain one"
a=$(rj_for alice@example.org)
p=$(rj_for pat@example.org)
check "every line the sink received ends in CRLF" \
    not sh -c "cat '$T/rj/$a.raw' '$T/rj/$p.raw' | grep -qav \$(printf '\r')\\\$"
check "the dot lines arrive stuffed (.. for ., ... for .., ..hidden)" sh -c "
    grep -qax \"..\$(printf '\r')\" '$T/rj/$p.raw' && grep -qax \"...\$(printf '\r')\" '$T/rj/$p.raw' &&
    grep -qa '^\.\.hidden line' '$T/rj/$p.raw' && grep -qa '^\.\.\.\.three' '$T/rj/$p.raw'"
check "no line of either copy starts with a lone dot" \
    not sh -c "cat '$T/rj/$a.raw' '$T/rj/$p.raw' | grep -qa '^\.[^.]'"
rj_msg "$p" | sed '1,/^$/d' >"$T/pbody"
sed '1,/^$/d' "$T/in" >"$T/body"
check_same "pat's plain copy, unstuffed: the original body byte for byte (8-bit too)" "$T/pbody" "$T/body"
check "the 8-bit bytes went as they are" grep -qa "$(printf '\377\376 raw bytes')" "$T/rj/$p.raw"
rj_msg "$a" >"$T/a.msg"
opened alice "$T/a.msg" >"$T/got"
check_same "alice's ciphertext, unstuffed, opens to the original" "$T/got" "$T/in"

# The SMTP terminator's CRLF is no part of the message (RFC 5321, 4.1.1.4):
# a message whose last line lacks its line end still ends in CRLF, dot.
printf 'LHLO x\r\nMAIL FROM:<s@example.net>\r\nRCPT TO:<pat@example.org>\r\nDATA\r\n' >"$T/session"
printf 'From: s@example.net\r\nTo: pat@example.org\r\nSubject: cut\r\n\r\nno line end\r\n.\r\nQUIT\r\n' >>"$T/session"
reset_out
send --gateway <"$T/session"
last=$(rj_envs)
check "a last line arrives ended with CRLF" \
    sh -c "tail -c 13 '$T/rj/$last.raw' | od -c | grep -q 'n   d  \\\\r  \\\\n'"
rj_stop
