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
# never), and a gpg that is gone for a while leaves mail deferred, then
# delivered exactly once after postqueue -f.
#
# GW_MESSAGES (default 200) messages.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
. "$(dirname "$0")/gwpostfix.sh"
[ -x /usr/bin/python3 ] || pf_cannot "/usr/bin/python3 is not installed"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
    pf_cannot "python3-aiosmtpd is not installed"
NMSG=${GW_MESSAGES:-200}
PF_WAIT=${PF_WAIT:-120}
RDOM=remote.example
PF_NOKEY="dave erin"
pf_setup alice bob carol dave erin
for nm in rx1 rx2 rx3; do
	mkkey "$nm" "$nm@$RDOM" || pf_die "no key for $nm"
done
cat >"$T/keymap" <<EOF_
rrej@$RDOM	reject
$(addr team)	plain
$(addr erin)	plain
EOF_

# The SMTP sink that stands for the rest of the world
mkdir "$T/sink"
/usr/bin/python3 "$ABS/t/smtp-sink" "$T/sink" 1800 >"$T/sink.log" 2>&1 &
i=0
while [ ! -s "$T/sink/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/sink/port" ] || pf_die "the SMTP sink does not start"
port=$(cat "$T/sink/port")

# The gateway's user, config and keyring, as a site has them, and the
# wiring (t/gwpostfix.sh)
gw_filter_user
gw_apply "$ABS/gateway/postfix.cf" >"$T/apply.log" 2>&1 ||
    pf_die "gateway/postfix.cf does not apply"
printf '%s smtp:[127.0.0.1]:%s\n' "$RDOM" "$port" >/etc/postfix/transport
timeout 60 postmap /etc/postfix/transport >>"$T/pf.log" 2>&1 || pf_die "postmap fails"
# The site's own: a local-looking address that a virtual alias sends
# outside, and erin, who reads local mail in clear and has a .forward
printf '%s rx1@%s, rnokey@%s\n' "$(addr team)" "$RDOM" "$RDOM" >/etc/postfix/virtual
timeout 60 postmap /etc/postfix/virtual >>"$T/pf.log" 2>&1 || pf_die "postmap fails"
fwd=$(getent passwd pgpsm-erin | cut -d: -f6)/.forward
printf 'rx2@%s\n' "$RDOM" >"$fwd" && chown pgpsm-erin "$fwd" && chmod 644 "$fwd" ||
    pf_die "no .forward for erin"
timeout 60 postconf -e "virtual_alias_maps = hash:/etc/postfix/virtual" \
    "transport_maps = hash:/etc/postfix/transport" \
    "mynetworks = 127.0.0.0/8" "smtp_tls_security_level = none" \
    >>"$T/pf.log" 2>&1 || pf_die "postconf -e fails"
timeout 60 postfix check >>"$T/pf.log" 2>&1 || pf_die "postfix check fails"
timeout 60 postfix reload >>"$T/pf.log" 2>&1 || pf_die "postfix reload fails"
sleep 1

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

# The workload: message N from a sender, on port 25 or 587, for a mix of
# recipients; $T/msgs/N.eml as sent, expectations in $T/want (N ADDR: a
# copy for ADDR) and $T/wantdsn (N SENDER ADDR WHY: a DSN for SENDER
# naming ADDR)
mkdir "$T/msgs"
cat >"$T/gw-send.py" <<'EOF_'
import os, smtplib, sys, time
msgs, first, count, dom, rdom = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
L = lambda n: 'pgpsm-%s@%s' % (n, dom)
R = lambda n: '%s@%s' % (n, rdom)
want = open(os.path.join(msgs, 'want'), 'a')
wantdsn = open(os.path.join(msgs, 'wantdsn'), 'a')
failed = 0
for i in range(first, first + count):
    k = i % 9
    tok = 'tok%04d%s' % (i, os.urandom(8).hex())
    sender = L('alice') if i % 2 else L('bob')
    to, cc, blind, bad = [], [], [], []
    body = 'Message %d, secret %s.\nA line.\n.\n..dots\nFrom the start\n' % (i, tok)
    ctype = 'Content-Type: text/plain; charset=us-ascii\n'
    if k == 0:
        to = [R('rx1')]
    elif k == 1:
        to, cc = [L('carol')], [R('rx2')]
    elif k == 2:
        to, bad = [R('rx1'), R('rnokey')], [(R('rnokey'), 'key')]
    elif k == 3:
        to, bad = [L('carol'), L('dave')], [(L('dave'), 'key')]
    elif k == 4:
        to, blind = [R('rx2')], [L('carol')]
    elif k == 5:
        to, bad = [R('rrej'), R('rx1')], [(R('rrej'), 'reject')]
    elif k == 6:
        to = [R('rx2'), L('carol')]
        ctype = 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n'
        body = 'Grüße %d, Geheimnis %s, ½ € ✓\n' % (i, tok)
    elif k == 7:
        to = [R('rx1'), L('alice')]
        b = 'b%s' % os.urandom(6).hex()
        att = os.urandom(3000)
        import base64
        enc = base64.encodebytes(att).decode()
        ctype = 'Content-Type: multipart/mixed; boundary="%s"\n' % b
        body = ('--%s\nContent-Type: text/plain\n\nattached, secret %s\n'
                '--%s\nContent-Type: application/octet-stream\n'
                'Content-Disposition: attachment; filename="x.bin"\n'
                'Content-Transfer-Encoding: base64\n\n%s--%s--\n'
                % (b, tok, b, enc, b))
    else:
        sender = R('rx3')
        to, bad = [L('carol'), L('dave')], [(L('dave'), 'key')]
    msg = ('From: <%s>\nTo: %s\n' % (sender, ', '.join(to)) +
           ('Cc: %s\n' % ', '.join(cc) if cc else '') +
           'Subject: gw test %d\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
           'Message-ID: <gw%d.%s@%s>\nMIME-Version: 1.0\n'
           % (i, i, os.urandom(8).hex(), dom) +
           ctype + '\n' + body)
    raw = msg.encode('utf-8')
    with open(os.path.join(msgs, '%d.eml' % i), 'wb') as f:
        f.write(raw)
    with open(os.path.join(msgs, '%d.tok' % i), 'w') as f:
        f.write(tok + '\n')
    rcpts = to + cc + blind
    for r in rcpts:
        if r not in [a for a, _ in bad]:
            want.write('%d %s\n' % (i, r))
    for a, why in bad:
        wantdsn.write('%d %s %s %s\n' % (i, sender, a, why))
    for attempt in range(3):
        try:
            s = smtplib.SMTP('127.0.0.1', 587 if i % 2 else 25, timeout=60)
            s.sendmail(sender, rcpts, raw.replace(b'\n', b'\r\n'))
            s.quit()
            break
        except Exception as e:
            print('message %d: %s' % (i, e), file=sys.stderr)
            time.sleep(1)
    else:
        failed += 1
sys.exit(1 if failed else 0)
EOF_

# gw_copies: what arrived, one "N ADDR" line a copy, from the sink (by
# its envelope) and the Maildirs of key holders (not the DSNs); each copy
# is also checked: PGP/MIME, and opens with its recipient's key to the
# original message N (Received: lines aside).  Bad ones in $T/bad.
gw_keyname() {	# the name of ADDR's key in $T/home
	case $1 in
	pgpsm-*@$PF_DOMAIN) _k=${1#pgpsm-}; echo "${_k%@*}" ;;
	*@$RDOM) echo "${1%@*}" ;;
	esac
}
gw_norecv() {	# a message without its Received: fields
	perl -0777 -pe 'my ($h, $b) = split(/\n\n/, $_, 2); $h .= "\n";
	    $h =~ s/^Received:.*\n(?:[ \t].*\n)*//mgi;
	    $_ = $h . "\n" . (defined $b ? $b : "");'
}
gw_one() {	# gw_one FILE ADDR: print "N ADDR" for one copy, or note it bad
	_nm=$(gw_keyname "$2")
	if ! grep -qi '^Content-Type: multipart/encrypted' "$1" ||
	    ! grep -q '^-----BEGIN PGP MESSAGE-----$' "$1"; then
		echo "$1 for $2: not PGP/MIME" >>"$T/bad"
		return
	fi
	if [ -z "$_nm" ] || ! decrypt "$_nm" "$1" >"$T/dec" 2>/dev/null; then
		echo "$1 for $2: does not decrypt with $2's key" >>"$T/bad"
		return
	fi
	_n=$(sed -n 's/^Subject: gw test \([0-9]*\)$/\1/p' "$T/dec" | head -n 1)
	if [ -z "$_n" ] || [ ! -f "$T/msgs/$_n.eml" ]; then
		echo "$1 for $2: no test message inside" >>"$T/bad"
		return
	fi
	opened "$_nm" "$1" "$T/msgs/$_n.eml" | gw_norecv >"$T/dec"
	gw_norecv <"$T/msgs/$_n.eml" >"$T/orig"
	cmp -s "$T/dec" "$T/orig" ||
	    { echo "$1 for $2: opens to other than message $_n" >>"$T/bad";
	      diff -u "$T/orig" "$T/dec" | head -n 20 >>"$T/bad"; }
	echo "$_n $2 $1" >>"$T/copies"
	echo "$_n $2"
}
gw_isdsn() { grep -qi '^Content-Type: multipart/report' "$1"; }
gw_sinklf() {	# $T/lf: what the sink has, with LF line ends
	mkdir -p "$T/lf"
	for _e in "$T"/sink/*.env; do
		[ -f "$_e" ] || continue
		_b=${_e##*/}
		_b=${_b%.env}
		[ -f "$T/lf/$_b.env" ] && continue
		tr -d '\r' <"$T/sink/$_b.msg" >"$T/lf/$_b.msg"
		cp "$_e" "$T/lf/$_b.env"
	done
}
gw_copies() {
	: >"$T/bad"
	: >"$T/copies"
	gw_sinklf
	for _e in "$T"/lf/*.env; do
		[ -f "$_e" ] || continue
		_m=${_e%.env}.msg
		grep -qi '^From:.*MAILER-DAEMON' "$_m" && gw_isdsn "$_m" && continue
		grep -qi '^Message-ID: <gwfront\.' "$_m" && continue	# part 2
		sed -n 's/^rcpt //p' "$_e" | while read -r _a; do gw_one "$_m" "$_a"; done
	done
	for _nm in alice bob carol; do
		for _f in "$(maildir "$_nm")"/new/*; do
			[ -f "$_f" ] || continue
			gw_isdsn "$_f" && continue
			gw_one "$_f" "$(addr "$_nm")"
		done
	done
	for _f in "$(maildir dave)"/new/*; do
		[ -f "$_f" ] || continue
		gw_isdsn "$_f" || echo "$_f: dave has no key but got mail" >>"$T/bad"
	done
}
# gw_dsns: one "N SENDER ADDR WHY" line for each bounced address of each
# DSN (to the sink, or in a Maildir); every DSN's returned part is the
# headers only
gw_dsns() {
	gw_sinklf
	for _f in "$T"/lf/*.msg "$(maildir alice)"/new/* "$(maildir bob)"/new/* \
	    "$(maildir carol)"/new/* "$(maildir dave)"/new/*; do
		[ -f "$_f" ] && gw_isdsn "$_f" || continue
		_n=$(sed -n 's/^Subject: gw test \([0-9]*\)$/\1/p' "$_f" | head -n 1)
		case $_f in
		"$T"/lf/*) _to=$(sed -n 's/^rcpt //p' "${_f%.msg}.env") ;;
		*) _to=$(sed -n 's/^Delivered-To: //p' "$_f" | head -n 1) ;;
		esac
		grep -q '^Content-Type: text/rfc822-headers' "$_f" ||
		    echo "$_f: DSN returns more than the headers" >>"$T/bad"
		sed -n 's/^Final-Recipient: rfc822; *//p' "$_f" | while read -r _a; do
			_why=other
			_d=$(sed -n "/^Final-Recipient: rfc822; *$_a/,/^\$/p" "$_f" |
			    tr -s '\n\t ' '   ')
			case $_d in
			*[Nn]'o usable key'*) _why=key ;;
			*[Rr]eject*) _why=reject ;;
			esac
			echo "${_n:-?} $_to $_a $_why"
		done
	done
}

# gw_send FIRST COUNT: submit messages FIRST.. by SMTP
gw_send() {
	timeout 900 /usr/bin/python3 "$T/gw-send.py" "$T/msgs" "$1" "$2" \
	    "$PF_DOMAIN" "$RDOM" 2>"$T/send.err"
}
# gw_tokens_nowhere LABEL: no body token of any message is in clear
gw_tokens_nowhere() {
	cat "$T"/msgs/*.tok >"$T/toks"
	_where=
	grep -rlaFf "$T/toks" "$T/sink" >/dev/null 2>&1 && _where="$_where the sink"
	for _nm in $pf_users; do
		grep -rlaFf "$T/toks" "$(maildir "$_nm")" >/dev/null 2>&1 &&
		    _where="$_where $(maildir "$_nm")"
	done
	grep -rlaFf "$T/toks" /var/spool/postfix >/dev/null 2>&1 &&
	    _where="$_where /var/spool/postfix"
	grep -aqFf "$T/toks" "$PF_LOG" 2>/dev/null && _where="$_where $PF_LOG"
	grep -rlaFf "$T/toks" "$T/spool" >/dev/null 2>&1 && _where="$_where $T/spool"
	for _d in /tmp /var/tmp; do
		find "$_d" -xdev -user "$GWUSER" -type f -exec grep -laFf "$T/toks" {} + \
		    2>/dev/null | grep -q . && _where="$_where files of $GWUSER in $_d"
	done
	is "${_where:-nowhere}" nowhere "$1: no body token is anywhere in clear (sink, Maildirs, Postfix queue, mail.log, spool, $GWUSER's temporary files)"
}

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
