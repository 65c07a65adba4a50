#!/bin/sh
# --gateway with reinject HOST:PORT hands each copy back over SMTP, the
# envelope as it came over LMTP: the sender (the null sender too), BODY,
# SMTPUTF8, RET and ENVID (xtext as received) on MAIL, and each
# recipient's own NOTIFY and ORCPT on its RCPT, exactly, all four DSN
# parameters.  A blind recipient's copy is a transaction of its own.  One
# connection serves the whole LMTP session, several messages and an RSET
# among them; QUIT at the end; the real sendmail is never run.  The key
# takes an address literal and a port, nothing else.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/reinject.sh"
plan 23

mkkey alice alice@example.org
mkkey bob bob@example.org
mkkey carol carol@example.org
rj_start
cat >"$T/in" <<EOF_
From: s@example.net
To: alice@example.org
Subject: envelope
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <rj0908@example.net>

The secret: 0908-token
EOF_
sed 's/^To: .*/To: alice@example.org\nBcc: bob@example.org, carol@example.org/' \
    "$T/in" >"$T/bcc"

gw_session <<EOF_
LHLO relay.example.org
MAIL FROM:<> BODY=8BITMIME RET=HDRS ENVID=QQ+2B1+3Dx SIZE=300 SMTPUTF8
RCPT TO:<alice@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice+40example.org
RCPT TO:<bob@example.org> NOTIFY=NEVER ORCPT=rfc822;b+2Bx+40example.org
DATA
$(gw_data "$T/in")
RSET
MAIL FROM:<s@example.net>
RCPT TO:<carol@example.org>
RSET
MAIL FROM:<s@example.net>
RCPT TO:<alice@example.org>
RCPT TO:<bob@example.org> NOTIFY=DELAY
RCPT TO:<carol@example.org>
DATA
$(gw_data "$T/bcc")
QUIT
EOF_
check "the first message: 250 for alice and bob" sh -c "
    sed '1,/^354 /d' '$R' | sed -n '1p' | grep -q '^250 2\.0\.0 <alice@example.org>' &&
    sed '1,/^354 /d' '$R' | sed -n '2p' | grep -q '^250 2\.0\.0 <bob@example.org>'"
check "the second message, after an RSET: 250 for alice, bob and carol" sh -c "
    [ \$(sed '1,/^354 /d' '$R' | sed '1,/^354 /d' | grep -c '^250 2\.0\.0 <') -eq 3 ]"
is "$(calls)" 0 "the real sendmail is never run"
is "$(rj_envs)" 5 "the sink has five transactions: two copies of the first message, three of the second"
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")" "sink:" "$(rj_log)"

a=$(rj_for alice@example.org)
b=$(rj_for bob@example.org)
is "$(rj_env "$a" | sed -n 1p)" "MAIL FROM:<> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1+3Dx" \
    "the null sender, BODY, SMTPUTF8, RET and ENVID (xtext as it came) reach the sink"
is "$(rj_env "$a" | sed 1d)" "RCPT TO:<alice@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice+40example.org" \
    "alice's NOTIFY and ORCPT reach the sink exactly"
is "$(rj_env "$b" | sed 1d)" "RCPT TO:<bob@example.org> NOTIFY=NEVER ORCPT=rfc822;b+2Bx+40example.org" \
    "bob's own NOTIFY and ORCPT, other than alice's, reach the sink exactly"
is "$(rj_env "$b" | sed -n 1p)" "MAIL FROM:<> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1+3Dx" \
    "bob's copy, a transaction of its own, has the same MAIL"
check "bob (blind) gets a copy of his own" [ "$a" != "$b" ]
rj_msg "$a" >"$T/a.msg"
rj_msg "$b" >"$T/b.msg"
opened alice "$T/a.msg" >"$T/got"
check_same "alice's copy decrypts to the original" "$T/got" "$T/in"
opened bob "$T/b.msg" >"$T/got"
check_same "bob's copy decrypts to the original" "$T/got" "$T/in"
has_keyid() { keyids "$1" | grep -qx "$2"; }
check "alice's copy does not carry bob's key ID" not has_keyid "$T/a.msg" "$(encid_of bob)"

# The second message: the sender, no parameters; Bcc'd bob and carol
# each a transaction of their own, bob with his NOTIFY, carol none.
for i in 3 4 5; do rj_env $i; done >"$T/second"
is "$(grep -c '^MAIL FROM:<s@example.net>$' "$T/second")" 3 \
    "the envelope sender reaches the sink, no parameter that was not given"
check "bob's NOTIFY=DELAY, alone on his RCPT" grep -qx 'RCPT TO:<bob@example.org> NOTIFY=DELAY' "$T/second"
check "carol's RCPT has no parameter" grep -qx 'RCPT TO:<carol@example.org>' "$T/second"
check "alice's RCPT has no parameter (not the first message's)" grep -qx 'RCPT TO:<alice@example.org>' "$T/second"
is "$(for i in 3 4 5; do rj_env $i | sed 1d | wc -l; done | tr -d ' ' | tr '\n' ' ')" "1 1 1 " \
    "a copy for each Bcc recipient: three transactions of one RCPT each"
ok=0
for nm in alice bob carol; do
	rj_msg "$(for i in 3 4 5; do grep -qi "^RCPT TO:<$nm@" "$T/rj/$i.env" && echo $i; done)" >"$T/c.msg"
	opened "$nm" "$T/c.msg" "$T/bcc" | grep -v '^Bcc:' >"$T/got"
	grep -v '^Bcc:' "$T/bcc" >"$T/want"
	cmp -s "$T/got" "$T/want" || { ok=1; diff "$T/want" "$T/got" >&2; }
	for other in bob carol; do
		[ "$other" != "$nm" ] && has_keyid "$T/c.msg" "$(encid_of "$other")" &&
		    { ok=1; diag "$nm's copy has $other's key ID"; }
	done
done
ok $ok "each Bcc copy decrypts to the original for its recipient, no blind one carries another's key ID"

# One connection for the session, QUIT at the end.
rj_log >"$T/log"
is "$(grep -c ' EHLO ' "$T/log")" 1 "one EHLO: one connection serves both messages"
is "$(sed 's/ .*//' "$T/log" | sort -u)" C1 "every command on connection 1"
is "$(tail -n 2 "$T/log" | tr '\n' ' ')" "C1 QUIT C1 closed " "QUIT when the LMTP session ends"

# The key: an address literal (IPv4, or IPv6 in brackets) and a port.
for v in localhost:25 127.0.0.1 '[::1]' 127.0.0.1:0 127.0.0.1:65536 ::1:25 '[127.0.0.1]:25' 127.0.0.1:x; do
	mkconf
	echo "reinject $v" >>"$T/conf"
	send -bv alice@example.org </dev/null
	[ "$rc" -eq 78 ] && grep -q 'reinject wants an address and a port' "$T/err" ||
	    echo "$v: $rc $(cat "$T/err")"
done >"$T/bad"
is "$(cat "$T/bad")" "" "reinject refuses a name, a missing or bad port, an IPv6 literal without brackets (78, and why)"
for v in '[::1]:10026' 192.0.2.1:25; do
	mkconf
	echo "reinject $v" >>"$T/conf"
	send -bv alice@example.org </dev/null
	[ "$rc" -ne 78 ] || echo "$v: $(cat "$T/err")"
done >"$T/good"
is "$(cat "$T/good")" "" "reinject takes [::1]:10026 and 192.0.2.1:25"
rj_stop
