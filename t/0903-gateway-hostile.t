#!/bin/sh
# --gateway reads what a client sends within bounds: pipelined commands
# (two transactions in one write), lines too long, NUL bytes, bare LF,
# too many recipients, a message past the size limit, a client that goes
# away in the middle of DATA (nothing is handed on).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
plan 15

mkkey alice alice@example.org
mkkey bob bob@example.org
mkconf
cat >"$T/in" <<EOF_
From: s@example.net
To: alice@example.org
Subject: hostile
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gw0903@example.net>

The secret: 0903-token
EOF_

# Pipelined: everything in one write, two messages and an RSET between.
{
	printf 'LHLO x\nMAIL FROM:<s@example.net>\nRCPT TO:<alice@example.org>\nDATA\n'
	gw_data "$T/in"
	printf 'MAIL FROM:<t@example.net>\nRCPT TO:<carol@example.org>\nRSET\n'
	printf 'MAIL FROM:<u@example.net>\nRCPT TO:<bob@example.org>\nDATA\n'
	gw_data "$T/in"
	printf 'QUIT\n'
} | gw_session
check "pipelined: both messages get 250" sh -c "[ \$(grep -c '^250 2\.0\.0 <' '$R') -eq 2 ]"
check "... the RSET drops the transaction between them (carol gets nothing)" \
    sh -c "! grep -qx carol@example.org '$T'/out/*.argv"
check "... the second one is from its own sender" grep -qx u@example.net "$(argv_of bob@example.org)"
opened bob "$(msg_of bob@example.org)" >"$T/got"
check_same "... and decrypts to the original" "$T/got" "$T/in"
check "... the session ends with 221" sh -c "tail -n 1 '$R' | grep -q '^221 '"

# Bare LF line ends work as CRLF does.
{ printf 'LHLO x\nMAIL FROM:<s@example.net>\nRCPT TO:<alice@example.org>\nDATA\n'
  gw_data "$T/in"; printf 'QUIT\n'; } >"$T/lf"
reset_out
send --gateway <"$T/lf"
tr -d '\r' <"$T/stdout" >"$R"
check "bare LF commands and data: 250" gw_is 1 '^250 2\.0\.0 <alice@example.org>'
opened alice "$(msg_of alice@example.org)" >"$T/got"
check_same "... and the copy decrypts to the original" "$T/got" "$T/in"

# A line too long, a NUL: refused, and the session goes on.
{
	printf 'LHLO x\n'
	head -c 100000 /dev/zero | tr '\0' 'A'; printf '\n'
	printf 'MAIL FROM:<s@example.net>\0 SIZE=1\n'
	printf 'NOOP\nQUIT\n'
} | gw_session
check "a 100000-byte line: 500 5.5.2 line too long" grep -q '^500 5\.5\.2 line too long' "$R"
check "a NUL in a command: 500 5.5.2" grep -q '^500 5\.5\.2 NUL' "$R"
check "... and the session goes on" sh -c "tail -n 2 '$R' | head -n 1 | grep -q '^250 2\.0\.0 Ok'"

# Commands out of order.
printf 'MAIL FROM:<s@example.net>\nEHLO x\nLHLO x\nRCPT TO:<alice@example.org>\nDATA\nQUIT\n' |
    gw_session
check "MAIL before LHLO: 503; EHLO: 500 (this is LMTP); RCPT and DATA without MAIL: 503" \
    sh -c "sed -n 2p '$R' | grep -q '^503 ' && sed -n 3p '$R' | grep -q '^500 ' &&
    [ \$(grep -c '^503 ' '$R') -eq 3 ]"

# Too many recipients: 452 past the limit (1000), the rest taken.
{ printf 'LHLO x\nMAIL FROM:<s@example.net>\n'
  i=0; while [ $i -lt 1002 ]; do printf 'RCPT TO:<r%d@example.org>\n' $i; i=$((i + 1)); done
  printf 'RSET\nQUIT\n'; } | gw_session
is "$(grep -c '^452 4\.5\.3' "$R")" 2 "recipients past 1000: 452 4.5.3 each"

# The client goes away in the middle of DATA: nothing is handed on.
{ printf 'LHLO x\nMAIL FROM:<s@example.net>\nRCPT TO:<alice@example.org>\nDATA\n'
  cat "$T/in"; } | gw_session
is "$(calls)" 0 "a client gone in the middle of DATA: nothing handed on"

# Past the size limit (a copy built with 4096 bytes): 552 for each, nothing goes.
mkdir "$T/bin"
BSD_CFLAGS=$(pkg-config --cflags libbsd-overlay 2>/dev/null || echo -isystem /usr/include/bsd -DLIBBSD_OVERLAY)
BSD_LIBS=$(pkg-config --libs libbsd-overlay 2>/dev/null || echo -lbsd)
sh -c "${CC:-cc} -O2 -g -Wall -Wextra -D_GNU_SOURCE -DGW_MAXSIZE=4096 $BSD_CFLAGS -o '$T/bin/pgpsendmail' '$ABS'/*.c $BSD_LIBS" >"$T/cc.log" 2>&1
{ cat "$T/in"; i=0; while [ $i -lt 200 ]; do echo "line $i of a message that is too big"; i=$((i + 1)); done; } >"$T/big"
{ printf 'LHLO x\nMAIL FROM:<s@example.net>\nRCPT TO:<alice@example.org>\nRCPT TO:<bob@example.org>\nDATA\n'
  gw_data "$T/big"
  printf 'MAIL FROM:<s@example.net>\nRCPT TO:<alice@example.org>\nDATA\n'
  gw_data "$T/in"; printf 'QUIT\n'; } | PGPSENDMAIL=$T/bin/pgpsendmail gw_session
check "past the size limit: 552 5.3.4 for each recipient" \
    sh -c "[ \$(grep -c '^552 5\.3\.4 ' '$R') -eq 2 ]"
check "... nothing of it handed on, and the next message goes (250)" \
    sh -c "[ \$(grep -c '^250 2\.0\.0 <' '$R') -eq 1 ] && [ \$(ls '$T/out' | grep -c argv) -eq 1 ]"
