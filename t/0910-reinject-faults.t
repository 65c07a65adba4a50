#!/bin/sh
# --gateway re-injecting over SMTP when the re-injection service fails:
# anything but the reply expected is "try later" (451 4.3.0), for the
# recipients it touches alone, a 5xx of the server too (the service is
# ours and should take everything).  A recipient gets 250 only once its
# copy's final dot got 250; a recipient whose copy was taken never gets a
# second one when Postfix retries the others.  After a failed
# transaction the connection is RSET and used again; after a broken one
# the next message connects anew.  Every wait ends at the deadline.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/reinject.sh"
plan 28

mkkey alice alice@example.org
mkkey bob bob@example.org
cat >"$T/in" <<EOF_
From: s@example.net
To: alice@example.org
Subject: faults
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <rj0910@example.net>

The secret: 0910-token
EOF_
sed 's/^To: .*/To: alice@example.org, bob@example.org/' "$T/in" >"$T/both"
# dialogue FILE RCPT...: one message, then a second (alice alone), QUIT
dialogue() {
	_f=$1
	shift
	echo "LHLO relay.example.org"
	echo "MAIL FROM:<s@example.net>"
	for _r; do echo "RCPT TO:<$_r>"; done
	echo DATA
	gw_data "$_f"
	echo "MAIL FROM:<s@example.net>"
	echo "RCPT TO:<alice@example.org>"
	echo DATA
	gw_data "$T/in"
	echo QUIT
}
no5xx() { ! grep -q '^5' "$R"; }
# second N ERE: the Nth reply after the second 354 matches ERE
second() { sed '1,/^354 /d' "$R" | sed '1,/^354 /d' | sed -n "$1p" | grep -Eq -- "$2"; }
copies() { grep -il "^RCPT TO:<$1>" "$T"/rj/*.env 2>/dev/null | wc -l | tr -d ' '; }

rj_start
good=$(cat "$T/conf")

# a. Nothing listens: connection refused.
rj_stop
dialogue "$T/in" alice@example.org | gw_session
check "connection refused: 451 4.3.0 for the recipient" \
    gw_is 1 '^451 4\.3\.0 <alice@example.org> re-injection to 127\.0\.0\.1:[0-9]*: connect: Connection refused'
check "... no 5xx, and nothing went through the real sendmail" sh -c "! grep -q '^5' '$R' && [ \$(ls '$T/out' | grep -c argv) -eq 0 ]"
rm -rf "$T/rj"
rj_start

# b. The server refuses bob at RCPT with 550: alice shares the copy and
# gets it, bob is to try again later.
rj_mode 'rcpt bob@example.org 550 5.1.1'
dialogue "$T/both" alice@example.org bob@example.org | gw_session
check "RCPT refused (550) for bob: 451 4.3.0 for bob" \
    gw_is 2 '^451 4\.3\.0 <bob@example.org> re-injection to .*: RCPT refused: 550 5\.1\.1'
check "... 250 for alice, who shares the copy" gw_is 1 '^250 2\.0\.0 <alice@example.org>'
check "... no 5xx" no5xx
is "$(copies alice@example.org) $(copies bob@example.org)" "2 0" "... the sink has alice's copies (two messages), none for bob"

# c. DATA refused (554) in the first transaction: 451 for its
# recipients; the same connection, after RSET, takes the next message.
rm -f "$T"/rj/*.env "$T"/rj/*.raw "$T/rj/log"
rj_mode 'data 554 only 1'
dialogue "$T/both" alice@example.org bob@example.org | gw_session
check "DATA refused (554): 451 4.3.0 for alice" \
    gw_is 1 '^451 4\.3\.0 <alice@example.org> re-injection to .*: DATA refused: 554'
check "... and for bob, who shares the copy" gw_is 2 '^451 4\.3\.0 <bob@example.org>'
check "... RSET, then the next message on the same connection: 250" second 1 '^250 2\.0\.0 <alice@example.org>'
check "... one connection, RSET after the failed transaction" sh -c "
    [ \$(grep -c ' EHLO ' '$T/rj/log') -eq 1 ] && grep -q '^C[0-9]* RSET' '$T/rj/log'"

# d-g. The server fails the second copy of a message (bob is blind: a
# copy of his own after alice's): alice 250, bob 451, and after the fix
# Postfix retries bob alone, who then gets one copy and alice none more.
# LABEL MODE ERE
fails_second() {
	rm -f "$T"/rj/*.env "$T"/rj/*.raw "$T/rj/log"
	rj_mode "$2 only 2"
	t0=$(date +%s)
	dialogue "$T/in" alice@example.org bob@example.org | gw_session
	t1=$(date +%s)
	check "$1: 250 for alice, whose copy was taken first" gw_is 1 '^250 2\.0\.0 <alice@example.org>'
	check "$1: 451 4.3.0 for bob ($3)" gw_is 2 "^451 4\\.3\\.0 <bob@example.org> re-injection to .*: $3"
	check "$1: the next message of the session is taken (250)" second 1 '^250 2\.0\.0 <alice@example.org>'
	rj_mode
	printf 'LHLO x\nMAIL FROM:<s@example.net>\nRCPT TO:<bob@example.org>\nDATA\n%s\nQUIT\n' \
	    "$(gw_data "$T/in")" | gw_session
	is "$(copies alice@example.org) $(copies bob@example.org)" "2 1" \
	    "$1: after the retry for bob, alice has her two (no second of the first message), bob one"
}
fails_second "final dot refused (451)" "dot 451" 'the message refused: 451'
fails_second "connection dropped in the middle of DATA" drop 'the message: the connection was closed'
check "... the next message connected anew" grep -q '^C[0-9]* EHLO' "$T/rj/log"
fails_second "421 at MAIL" bye '(MAIL refused|the server closed the connection): 421 4.3.2 going away'

# h. The server hangs after the data: the gateway gives up at its
# deadline (timeout 5 in the config), not later.
echo "timeout 5" >>"$T/conf"
fails_second "the server hangs after the dot" hang 'the message: Connection timed out'
check "the server hangs: the gateway was done within the deadline and a bit" [ $((t1 - t0)) -le 12 ]
rj_stop
