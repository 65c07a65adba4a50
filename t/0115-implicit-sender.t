#!/bin/sh
# Without -f the caller names no envelope sender, and the real sendmail
# chooses one as it would for the caller: pgpsendmail passes no -f, not
# the bare login (which msmtp would send as MAIL FROM:<root>, overriding its
# own "from", and which many servers refuse).  Checked with a real msmtp
# talking to an SMTP sink on loopback, directly and from the queue.
. "$(dirname "$0")/lib.sh"
command -v msmtp >/dev/null 2>&1 || skip_all "msmtp is not installed"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || skip_all "python3-aiosmtpd is not installed"
plan 15

mkkey alice alice@example.org
mkdir "$T/sink"
/usr/bin/python3 "$ABS/t/smtp-sink" "$T/sink" 120 &
sinkpid=$!
trap 'st=$?; kill $sinkpid 2>/dev/null; cleanup; [ "$st" -eq 0 ] && [ "$failed" -ne 0 ] && st=1; exit $st' EXIT
i=0
while [ ! -s "$T/sink/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$T/sink/port" 2>/dev/null)
msmtprc() {	# msmtprc PORT
	printf 'account default\nhost 127.0.0.1\nport %s\nfrom msmtp-from@example.org\n' "$1" >"$T/msmtprc"
	printf 'auth off\ntls off\ntimeout 10\n' >>"$T/msmtprc"
	chmod 600 "$T/msmtprc"
}
msmtprc "$port"
CONF_SENDMAIL="$(command -v msmtp) -C $T/msmtprc"
mkconf
printf 'flavor msmtp\n' >>"$T/conf"
printf 'To: alice@example.org\nSubject: s\n\nimplicit sender\n' >"$T/in"

envof() { cat "$T/sink/$1.env" 2>/dev/null; }	# envof N: message N's envelope

send -t -i <"$T/in"
is "$rc" 0 "without -f, through msmtp: sent"
is "$(envof 1)" "from msmtp-from@example.org
rcpt alice@example.org" "msmtp's own from is the MAIL FROM, not the bare login"
tr -d "\r" <"$T/sink/1.msg" >"$T/got.1"
decrypt alice "$T/got.1" | grep -q '^implicit sender'
ok $? "and alice decrypts what the sink got"

send -t -i -f bounce@example.org <"$T/in"
is "$rc" 0 "with -f bounce@example.org: sent"
is "$(envof 2)" "from bounce@example.org
rcpt alice@example.org" "-f is passed on: MAIL FROM:<bounce@example.org>"

send -t -i -f '<>' <"$T/in"
is "$(envof 3 | head -n 1)" "from <>" "-f '<>': the null sender"

# From the queue: msmtp cannot connect, the message waits; -q sends it.
msmtprc 1
send -t -i <"$T/in"
is "$rc" 0 "msmtp cannot connect: queued (0)"
is "$(ls "$T/sink" | grep -c '\.env$')" 3 "nothing reached the sink"
check "the entry says the sender was not given" grep -qx implicit-sender "$T"/spool/q/*/*
msmtprc "$port"
timeout 60 "$PGPSENDMAIL" -q </dev/null >"$T/q.out" 2>&1
is "$?" 0 "-q exits 0"
is "$(envof 4)" "from msmtp-from@example.org
rcpt alice@example.org" "-q passes no -f either: msmtp's from"
tr -d "\r" <"$T/sink/4.msg" >"$T/got.4"
decrypt alice "$T/got.4" | grep -q '^implicit sender'
ok $? "and alice decrypts it"

msmtprc 1
send -t -i -f bounce@example.org <"$T/in"
msmtprc "$port"
timeout 60 "$PGPSENDMAIL" -q </dev/null >"$T/q.out" 2>&1
is "$(envof 5 | head -n 1)" "from bounce@example.org" "a queued message with -f keeps its sender"
send -bp </dev/null
check "the queue is empty" grep -q 'queue is empty' "$T/stdout"
is "$rc" 0 "-bp exits 0: msmtp, which refuses -bp, is not asked"
