#!/bin/sh
# pgpsendmail --gateway as the content filter of a real Postfix, wired by
# gateway/postfix.cf exactly as pgpsendmail(8) shows it (only the path of
# the program is this build's).  Mail arrives by SMTP on ports 25 and
# 587, from local and remote senders, for local users (Maildirs) and for
# a remote domain routed to an SMTP sink: every copy that leaves or lands
# is PGP/MIME and opens to the original with its recipient's key, no body
# is anywhere in clear, recipients without a key or refused by the keymap
# get nothing and their sender a DSN with the headers only, every message
# passes the filter exactly once (and mail from the sendmail front end
# never), the copies come back over SMTP to the 127.0.0.1:10026 service
# and pass no filter, and a gpg that is gone for a while leaves mail deferred, then
# delivered exactly once after postqueue -f.
#
# GW_MESSAGES (default 200) messages.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
. "$(dirname "$0")/gwpostfix.sh"
NMSG=${GW_MESSAGES:-200}
gw_setup

timeout 60 postconf -n >/dev/null 2>>"$T/apply.log"
check "postconf applies the wiring and finds nothing wrong (no unused parameter)" \
    not grep -q . "$T/apply.log"
[ -s "$T/apply.log" ] && diag "$(head -n 5 "$T/apply.log")"
sed -n '/^\.Ss Wiring it into Postfix$/,/^\.Ed$/p' "$ABS/man/pgpsendmail.8" |
    sed '1,/^\.Bd -literal/d; $d' >"$T/man.cf"
check_same "pgpsendmail(8) shows gateway/postfix.cf as it is" "$T/man.cf" \
    "$ABS/gateway/postfix.cf"
check "master.cf has the filter on smtp" \
    sh -c 'postconf -P smtp/inet/content_filter | grep -q "= *pgpgw:unix:private/pgpsendmail$"'
check "master.cf has the filter on submission" \
    sh -c 'postconf -P submission/inet/content_filter | grep -q "= *pgpgw:unix:private/pgpsendmail$"'
check "main.cf has no content_filter (pickup does not filter)" \
    sh -c '[ -z "$(postconf -h content_filter)" ]'
check "the re-injection service on 127.0.0.1:10026 has no filter and maps no address" \
    sh -c 'postconf -P 127.0.0.1:10026/inet/content_filter | grep -q "= *$" &&
    postconf -P 127.0.0.1:10026/inet/receive_override_options | grep -q no_address_mappings'
check "pgpsendmail.conf hands the copies back to it" grep -qx 'reinject 127.0.0.1:10026' /etc/pgpsendmail.conf

# 1. The workload
t0=$(date +%s)
gw_send 1 "$NMSG"
ok $? "$NMSG messages are accepted over SMTP on ports 25 and 587"
[ -s "$T/send.err" ] && diag "$(head -n 5 "$T/send.err")"
pf_wait_queue
ok $? "the Postfix queue drains"
t1=$(date +%s)
diag "$NMSG messages through the gateway in $((t1 - t0)) s"
timeout 10 postqueue -p 2>/dev/null | grep -q '^Mail queue is empty' ||
    { timeout 10 postqueue -p 2>&1 | head -n 40 >"$T/q"; diag "$(cat "$T/q")"; }
# the log is written a moment after the deliveries
sleep 2

gw_copies | sort >"$T/got"
sort "$T/msgs/want" >"$T/want"
check_same "every copy arrived exactly once: nothing lost, nothing duplicated ($(wc -l <"$T/want") copies)" \
    "$T/got" "$T/want"
is "$(cat "$T/bad")" "" "every copy (sink and Maildirs) is PGP/MIME and opens with its recipient's key to the original"
gw_dsns | sort >"$T/gotdsn"
sort "$T/msgs/wantdsn" >"$T/wantdsn"
check_same "each recipient without a key or refused by the keymap is named, with why, in one DSN to its sender ($(wc -l <"$T/wantdsn") bounces)" \
    "$T/gotdsn" "$T/wantdsn"
is "$(grep -c 'DSN returns more' "$T/bad")" 0 "every DSN returns the headers only"
# Blind: rx2's copies of the messages with carol as a blind recipient
leak=
carolid=$(encid_of carol)
while read -r nr a f; do
	[ $((nr % 9)) -eq 4 ] && [ "$a" = "rx2@$RDOM" ] || continue
	keyids "$f" | grep -qx "$carolid" && leak="$leak $nr(key ID)"
	{ cat "$f"; decrypt rx2 "$f"; } | grep -qiF "$(addr carol)" && leak="$leak $nr(address)"
done <"$T/copies"
is "${leak:-none}" none "a blind recipient's key ID and address are in no other recipient's copy"
gw_tokens_nowhere "after delivery"

# Exactly one filter pass: the messages smtpd received are the ones the
# filter got, each recipient once, and nothing re-injected went back in.
grep -a 'postfix/smtpd\[[0-9]*\]: [0-9A-F]*: client=' "$PF_LOG" |
    sed 's/.*: \([0-9A-F]*\): client=.*/\1/' | sort -u >"$T/smtpd.q"
grep -a 'postfix/pgpgw/lmtp\[[0-9]*\]: [0-9A-F]*: to=' "$PF_LOG" >"$T/lmtp.log"
sed 's/.*: \([0-9A-F]*\): to=.*/\1/' "$T/lmtp.log" | sort -u >"$T/lmtp.q"
is "$(wc -l <"$T/smtpd.q")" "$NMSG" "smtpd logs $NMSG messages"
check_same "the filter got exactly the messages smtpd received" "$T/lmtp.q" "$T/smtpd.q"
nrcpt=$(cat "$T/want" "$T/wantdsn" | wc -l)
is "$(grep -c 'status=\(sent\|bounced\)' "$T/lmtp.log")" "$nrcpt" \
    "the filter gave each of the $nrcpt recipients one final status"
is "$(grep -c 'status=deferred' "$T/lmtp.log")" 0 "the filter deferred no one"
# The copies came back over SMTP to 127.0.0.1:10026 (pgpsendmail.conf's
# reinject), as new messages that no filter saw, none through pickup.
grep -a 'postfix/pgpgw-in/smtpd\[[0-9]*\]: [0-9A-F]*: client=' "$PF_LOG" |
    sed 's/.*: \([0-9A-F]*\): client=.*/\1/' | sort -u >"$T/in.q"
check "the filter's copies came back over SMTP to 127.0.0.1:10026 ($(wc -l <"$T/in.q") messages)" \
    [ "$(wc -l <"$T/in.q")" -ge "$NMSG" ]
is "$(comm -12 "$T/in.q" "$T/lmtp.q" | wc -l)" 0 "none of them went through the filter again"
gwuid=$(id -u "$GWUSER")
is "$(grep -ac "postfix/pickup\[[0-9]*\]: [0-9A-F]*: uid=$gwuid " "$PF_LOG")" 0 \
    "none came through sendmail and pickup"

# 2. The sendmail front end: into pickup, past the filter, encrypted once
tok=$(pf_token)
mid=$(pf_token)
cat >"$T/in" <<EOF_
From: <$(addr alice)>
To: <rx2@$RDOM>
Subject: gw front end
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gwfront.$mid@$PF_DOMAIN>

front end, secret $tok
EOF_
echo "$tok" >"$T/msgs/front.tok"
nsink=$(ls "$T/sink" | grep -c '\.env$')
send -oi -f "$(addr alice)" "rx2@$RDOM" <"$T/in"
is "$rc" 0 "pgpsendmail (the front end) hands a message to Postfix's sendmail"
pf_wait_queue
ok $? "the Postfix queue drains"
sleep 2
gw_sinklf
f=$T/lf/$((nsink + 1)).env
if [ -f "$f" ] && grep -qxF "rcpt rx2@$RDOM" "$f"; then
	decrypt rx2 "${f%.env}.msg" >"$T/front.dec"
	check "the front end's message at the sink opens with rx2's key, in one layer" \
	    grep -qF "front end, secret $tok" "$T/front.dec"
else
	ok 1 "the front end's message arrives at the sink"
fi
is "$(ls "$T/sink" | grep -c '\.env$')" "$((nsink + 1))" "the front end's message arrives once"
q=$(grep -a "message-id=<gwfront.$mid@" "$PF_LOG" | sed 's/.*: \([0-9A-F]*\): message-id=.*/\1/')
is "$(printf '%s\n' $q | wc -l)" 1 "Postfix queued it once (one pickup, no re-injection)"
check "the filter never saw it" not grep -aq "postfix/pgpgw/lmtp.*: ${q:-none}: " "$PF_LOG"

# 3. A fault: gpg gone for a while
cp /etc/pgpsendmail.conf "$T/conf.good"
sed -i 's|^gpg .*|gpg /nonexistent/gpg|' /etc/pgpsendmail.conf
cp "$T/msgs/want" "$T/want.before"
cp "$T/msgs/wantdsn" "$T/wantdsn.before"
nfault=4
mark=$(pf_logmark)
gw_send $((NMSG + 1)) $nfault
ok $? "$nfault more messages are accepted while gpg is gone"
i=0
while [ "$(pf_lognew "$mark" | grep -a 'postfix/pgpgw/lmtp' | grep -c 'status=deferred')" -lt $nfault ] &&
    [ $i -lt $((PF_WAIT * 5)) ]; do
	sleep 0.2
	i=$((i + 1))
done
sleep 1
is "$(timeout 10 postqueue -p 2>/dev/null | grep -c '^[0-9A-F][0-9A-F]*\*\{0,1\} ')" \
    "$nfault" "the $nfault messages wait in Postfix's queue"
gw_copies | sort >"$T/got"
check_same "no copy of them left the filter while gpg was gone" "$T/got" "$T/want"
check "nothing of them reached the sink in clear" \
    not grep -rqaFf "$(cat "$T"/msgs/*.tok >"$T/toks"; echo "$T/toks")" "$T/sink"
cp "$T/conf.good" /etc/pgpsendmail.conf
timeout 60 postqueue -f >/dev/null 2>&1
pf_wait_queue
ok $? "after gpg is back and postqueue -f, the queue drains"
sleep 2
gw_copies | sort >"$T/got"
sort "$T/msgs/want" >"$T/want"
check_same "each of their recipients got exactly one copy" "$T/got" "$T/want"
is "$(cat "$T/bad")" "" "every copy is still PGP/MIME and opens to the original"
gw_dsns | sort >"$T/gotdsn"
sort "$T/msgs/wantdsn" >"$T/wantdsn"
check_same "and the DSNs add up" "$T/gotdsn" "$T/wantdsn"
gw_tokens_nowhere "after the fault"

# 4. What local(8) would forward after the filter.  team@ looks local and
# plain, but virtual_alias_maps, applied before the filter, make it rx1
# and rnokey: the filter sees them.  erin is plain and forwards to rx2,
# but forward_path is empty.
nsink=$(ls "$T/sink" | grep -c '\.env$')
tok=$(pf_token)
tok2=$(pf_token)
for m in "team $tok" "erin $tok2"; do
	set -- $m
	printf 'From: <%s>\nTo: <%s>\nSubject: gw %s\nMessage-ID: <gw%s.%s@%s>\n\nfor %s, secret %s\n' \
	    "$(addr alice)" "$(addr "$1")" "$1" "$1" "$(pf_token)" "$PF_DOMAIN" "$1" "$2" >"$T/in.$1"
	timeout 60 /usr/bin/python3 -c 'import smtplib, sys
s = smtplib.SMTP("127.0.0.1", 25, timeout=60)
s.sendmail(sys.argv[1], [sys.argv[2]], open(sys.argv[3], "rb").read())
s.quit()' "$(addr alice)" "$(addr "$1")" "$T/in.$1" 2>>"$T/send.err"
	ok $? "a message to $(addr "$1") is accepted over SMTP"
done
pf_wait_queue
ok $? "the Postfix queue drains"
sleep 2
gw_sinklf
new=$(ls "$T"/lf/*.env | sed 's|.*/||; s|\.env$||' | awk -v n="$nsink" '$1 > n' | sort -n)
is "$(for e in $new; do sed -n 's/^rcpt //p' "$T/lf/$e.env"; done | sort | tr '\n' ' ')" \
    "rx1@$RDOM " \
    "of team@'s message, rx1 gets a copy at the sink and rnokey nothing; of erin's, nothing leaves"
f=
for e in $new; do grep -qx "rcpt rx1@$RDOM" "$T/lf/$e.env" && f=$T/lf/$e.msg; done
[ -n "$f" ] && grep -q '^Content-Type: multipart/encrypted' "$f" &&
    decrypt rx1 "$f" | grep -qF "secret $tok"
ok $? "rx1's copy of team@'s message is PGP/MIME and opens with rx1's key"
d=$(grep -l '^Subject: gw team$' "$(maildir alice)"/new/* 2>/dev/null | head -n 1)
[ -n "$d" ] && gw_isdsn "$d" && tr -s '\n\t ' '   ' <"$d" | grep -q "rnokey@$RDOM.*no usable key"
ok $? "alice's DSN for team@'s message names rnokey@$RDOM, with no usable key"
check "team@'s secret is at the sink in clear nowhere" not grep -rqF "$tok" "$T/sink"
check "erin's message stays in her Maildir (.forward not read)" \
    sh -c "grep -rqF '$tok2' '$(maildir erin)/new'"
check "erin's secret is at the sink nowhere" not grep -rqF "$tok2" "$T/sink"
diag "the whole test took $(( $(date +%s) - t0 )) s after setup"
pf_done
