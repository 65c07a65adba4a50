#!/bin/sh
# pgpsendmail --gateway behind a real Postfix (t/gwpostfix.sh, wired by
# gateway/postfix.cf as it stands) while something breaks:
#  a. the re-injection path stopped: Postfix's smtpd on 127.0.0.1:10026
#     (pgpsendmail.conf's reinject) is disabled, nothing listens there;
#  b. the file system of pgpsendmail's temporary files is full: a tiny
#     tmpfs over /tmp (spawn(8) passes no TMPDIR) filled to the last block;
#  c. gpg killed (SIGKILL) in the middle of each encryption;
#  d. pgpsendmail itself killed (SIGKILL) after the first copy of a message
#     was re-injected, before its replies (t/rj-proxy between it and the
#     10026 service kills it when the service has taken the copy).
# For a-c: the messages wait in Postfix's deferred queue, pgpsendmail
# answered 451 for each recipient (it did not die), nothing is anywhere in
# clear, and after the fault is fixed and postqueue -f every recipient has
# exactly one copy.  For d, Postfix retries the whole message: nothing is
# lost, and the recipients whose copy was handed on before the kill get a
# second one, and no one else (pgpsendmail(8), GATEWAY, says so).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
. "$(dirname "$0")/gwpostfix.sh"
gw_setup
t0=$(date +%s)
next=1
: >"$T/msgs/want"
: >"$T/msgs/wantdsn"

# gw_deferred MARK COUNT: wait until the filter's client has logged
# deferrals for COUNT messages after MARK (bounded); print how many
gw_deferred() {
	_i=0
	while [ $_i -lt $((PF_WAIT * 5)) ]; do
		_n=$(pf_lognew "$1" | grep -a 'postfix/pgpgw/lmtp\[.*status=deferred' |
		    sed 's/.*: \([0-9A-F]*\): to=.*/\1/' | sort -u | wc -l)
		[ "$_n" -ge "$2" ] && break
		sleep 0.2
		_i=$((_i + 1))
	done
	echo "$_n"
}
gw_queued() {	# how many messages Postfix's queue holds
	timeout 10 postqueue -p 2>/dev/null | grep -c '^[0-9A-F][0-9A-F]*[*!]\{0,1\} '
}
# gw_inclear LABEL: no body token in clear at the sink, in a Maildir or in
# a file of the gateway's user in /tmp or /var/tmp (the queue holds the
# deferred messages as they came, so it is not searched here)
gw_inclear() {
	cat "$T"/msgs/*.tok >"$T/toks"
	_where=
	grep -rlaFf "$T/toks" "$T/sink" >/dev/null 2>&1 && _where="$_where the sink"
	for _nm in $pf_users; do
		grep -rlaFf "$T/toks" "$(maildir "$_nm")" >/dev/null 2>&1 &&
		    _where="$_where $(maildir "$_nm")"
	done
	for _d in /tmp /var/tmp; do
		find "$_d" -xdev -user "$GWUSER" -type f -exec grep -laFf "$T/toks" {} + \
		    2>/dev/null | grep -q . && _where="$_where files of $GWUSER in $_d"
	done
	is "${_where:-nowhere}" nowhere "$1: no body is in clear at the sink, in a Maildir or in $GWUSER's files"
}

# fault LABEL WHY COUNT [N...]: COUNT messages (numbers N..., or the next
# ones) submitted while the fault is on (the caller turned it on); they
# all wait in the queue, no copy of them arrives, and pgpsendmail said 451
# with a reason matching the ERE WHY for each recipient
fault() {
	_label=$1 _why=$2 _count=$3
	shift 3
	cp "$T/msgs/want" "$T/want.before"
	mark=$(pf_logmark)
	if [ $# -eq 0 ]; then
		gw_send "$next" "$_count"
		_rc=$?
		next=$((next + _count))
	else
		_rc=0
		for _nr; do gw_send "$_nr" 1 || _rc=$?; done
	fi
	ok $_rc "$_label: $_count messages are accepted over SMTP"
	is "$(gw_deferred "$mark" "$_count")" "$_count" \
	    "$_label: the filter's client defers all $_count"
	sleep 1
	is "$(gw_queued)" "$_count" "$_label: the $_count messages wait in Postfix's queue"
	[ -n "$_why" ] || return 0
	# one 451 line of pgpsendmail's for each recipient it was given
	_nrcpt=$(pf_lognew "$mark" | grep -a 'postfix/pgpgw/lmtp\[.*status=deferred' | wc -l)
	_n451=$(pf_lognew "$mark" | grep -a 'pgpsendmail.*gateway: .*status=deferred' |
	    grep -Ec -- "$_why")
	is "$_n451" "$_nrcpt" "$_label: pgpsendmail answered 451 ($_why) for each of the $_nrcpt recipients"
	gw_copies | sort >"$T/got"
	sort "$T/want.before" >"$T/want.b"
	check_same "$_label: no copy of them arrived" "$T/got" "$T/want.b"
	gw_inclear "$_label, while it lasts"
}

# fixed LABEL: the fault is fixed; after postqueue -f every recipient has
# exactly one copy, the DSNs add up, nothing is in clear anywhere
fixed() {
	timeout 60 postqueue -f >/dev/null 2>&1
	pf_wait_queue
	ok $? "$1: after the fix and postqueue -f, the queue drains"
	sleep 2
	gw_copies | sort >"$T/got"
	sort "$T/msgs/want" >"$T/want"
	check_same "$1: then each recipient has exactly one copy ($(wc -l <"$T/want") in all)" \
	    "$T/got" "$T/want"
	is "$(cat "$T/bad")" "" "$1: every copy is PGP/MIME and opens to the original"
	gw_dsns | sort >"$T/gotdsn"
	sort "$T/msgs/wantdsn" >"$T/wantdsn"
	check_same "$1: the DSNs add up" "$T/gotdsn" "$T/wantdsn"
	gw_tokens_nowhere "$1, after"
}

# a. The re-injection path stopped: master(8) stops the 127.0.0.1:10026
# smtpd of gateway/postfix.cf (master_service_disable), the filter finds
# nothing listening there.
timeout 60 postconf -e "master_service_disable = 127.0.0.1:10026.inet" &&
    timeout 60 postfix reload >>"$T/pf.log" 2>&1 || pf_die "cannot stop 10026"
sleep 1
check "re-injection stopped: nothing listens on 127.0.0.1:10026" \
    not /usr/bin/python3 -c 'import socket; socket.create_connection(("127.0.0.1", 10026), 5)'
fault "re-injection stopped" 're-injection to 127\.0\.0\.1:10026: connect: Connection refused' 6
timeout 60 postconf -X master_service_disable && timeout 60 postfix reload >>"$T/pf.log" 2>&1 ||
    pf_die "cannot start 10026 again"
sleep 1
fixed "re-injection stopped"

# b. A full file system for the temporary files.  spawn(8) passes only
# export_environment (no TMPDIR), so pgpsendmail writes its copies into
# /tmp: a tmpfs of 256 KiB goes there, and a file of root's fills it to
# the last block.  What the test needs under the old /tmp ($T, the
# sources, the program: a CI clone may be there) is bound back into it
# from the old /tmp, itself bound on /mnt.
[ -z "$(timeout 60 postconf -h export_environment | tr ' ,' '\n\n' | grep -x TMPDIR)" ]
ok $? "disk full: spawn(8) passes no TMPDIR, the copies go to /tmp"
tops=$(for p in "$T" "$ABS" "$PGPSENDMAIL"; do
	case $p in /tmp/?*) p=${p#/tmp/}; echo "${p%%/*}" ;; esac
done | sort -u)
fulltmp() {
	[ -d /mnt ] && mount --bind /tmp /mnt &&
	    mount -t tmpfs -o size=256k,mode=1777 pgpsm-fulltmp /tmp || return 1
	for _t in $tops; do
		mkdir "/tmp/$_t" && mount --bind "/mnt/$_t" "/tmp/$_t" || return 1
	done
}
if fulltmp >>"$T/pf.log" 2>&1; then
	dd if=/dev/zero of=/tmp/filler bs=4096 >/dev/null 2>&1
	df -k /tmp | tail -n 1 | awk '{ exit !($4 == 0) }'
	ok $? "disk full: /tmp, a tmpfs of its own, has no block left"
	fault "disk full" 'No space left on device' 6
	rm -f /tmp/filler
	fixed "disk full"
	for t in $tops; do umount "/tmp/$t"; done
	umount /tmp && umount /mnt
	ok $? "disk full: the tmpfs is gone again"
else
	pf_die "no tmpfs over /tmp in the namespaces"
fi

# c. gpg killed with SIGKILL in the middle of each encryption, for a
# while: the config names a wrapper that starts the real gpg, lets it
# read for a moment, then kills it and itself.
cat >"$T/gpg-killed" <<EOF_
#!/bin/sh
case " \$* " in
*" --encrypt "*)
	if [ -e "$T/gpg-kill.on" ]; then
		/usr/bin/gpg "\$@" &
		sleep 0.2
		echo killed >>"$T/gpg-kill.log"
		kill -KILL \$! \$\$
	fi ;;
esac
exec /usr/bin/gpg "\$@"
EOF_
chmod 755 "$T/gpg-killed"
: >"$T/gpg-kill.log"
chmod 666 "$T/gpg-kill.log"
: >"$T/gpg-kill.on"
cp /etc/pgpsendmail.conf "$T/conf.good"
sed -i "s|^gpg .*|gpg $T/gpg-killed|" /etc/pgpsendmail.conf
fault "gpg killed" 'gpg killed by signal 9' 6
check "gpg killed: the wrapper did kill gpg" grep -q killed "$T/gpg-kill.log"
rm -f "$T/gpg-kill.on"
fixed "gpg killed"
cp "$T/conf.good" /etc/pgpsendmail.conf

# d, e. pgpsendmail killed (SIGKILL) in the middle of handing on the
# copies of a message: the config's reinject names t/rj-proxy, which
# passes the dialogue on to the 10026 service and, while $T/proxy/kill
# says so, kills pgpsendmail either right after the service took the
# first copy (before pgpsendmail can give that copy's replies: "after"),
# or when it starts the second copy's transaction ("next").  Messages
# whose number is 4 modulo 9 have two copies: first one for rx2 (To, the
# first RCPT), then one for carol (blind).
mkdir -m 755 "$T/proxy"
/usr/bin/python3 "$ABS/t/rj-proxy" "$T/proxy" 10026 1800 >"$T/proxy.log" 2>&1 &
proxy_pid=$!
i=0
while [ ! -s "$T/proxy/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/proxy/port" ] || pf_die "t/rj-proxy does not start"

# killed LABEL MODE: four messages while t/rj-proxy kills in MODE; then
# the fault is gone, and after postqueue -f nothing is lost; with "after"
# the recipients of the first copies get a second one, and no one else;
# with "next" no one does (their replies were given before the kill)
killed() {
	_label=$1
	: >"$T/proxy/handed"
	echo "$2" >"$T/proxy/kill"
	sed "s|^reinject .*|reinject 127.0.0.1:$(cat "$T/proxy/port")|" "$T/conf.good" \
	    >/etc/pgpsendmail.conf
	_d=
	while [ "$(printf '%s\n' $_d | grep -c .)" -lt 4 ]; do
		[ $((next % 9)) -eq 4 ] && _d="$_d $next"
		next=$((next + 1))
	done
	mark=$(pf_logmark)
	for _nr in $_d; do gw_send "$_nr" 1; done
	is "$(gw_deferred "$mark" 4)" 4 "$_label: the filter's client defers all 4"
	sleep 1
	is "$(gw_queued)" 4 "$_label: the 4 messages wait in Postfix's queue"
	is "$(grep -c . "$T/proxy/handed")" 4 "$_label: the first copy of each was handed on before the kill"
	is "$(grep -c "^$2 " "$T/proxy/kills" 2>/dev/null)" 4 "$_label: pgpsendmail was killed 4 times"
	rm -f "$T/proxy/kill" "$T/proxy/kills"
	cp "$T/conf.good" /etc/pgpsendmail.conf
	timeout 60 postqueue -f >/dev/null 2>&1
	pf_wait_queue
	ok $? "$_label: after postqueue -f, the queue drains"
	sleep 2
	gw_copies | sort >"$T/got"
	sort "$T/msgs/want" >"$T/want"
	sort -u "$T/got" >"$T/got.u"
	check_same "$_label: nothing is lost" "$T/got.u" "$T/want"
	# this round's second copies
	printf '%s\n' $_d >"$T/round"
	uniq -d "$T/got" | awk 'NR == FNR { n[$1] = 1; next } $1 in n { print $2 }' \
	    "$T/round" - | sort >"$T/dups"
	if [ "$2" = after ]; then
		sort "$T/proxy/handed" >"$T/handed.s"
		check_same "$_label: a second copy went to exactly the recipients handed on before the kill ($(grep -c . "$T/dups") of $(grep -c . "$T/got.u"))" \
		    "$T/dups" "$T/handed.s"
		is "$(uniq -c "$T/got" | awk '$1 > 2' | wc -l)" 0 "$_label: no one has more than two"
	else
		is "$(grep -c . "$T/dups")" 0 "$_label: no one has a second copy: the handed-on copy's replies came before the kill"
	fi
	is "$(cat "$T/bad")" "" "$_label: every copy is PGP/MIME and opens to the original"
	gw_tokens_nowhere "$_label"
}
killed "killed right after a hand-off" after
pf_lognew "$mark" | grep -aq 'postfix/pgpgw/lmtp.*may be sent more than once'
ok $? "killed right after a hand-off: Postfix warned that the message may be sent more than once"
killed "killed before the next hand-off" next
kill "$proxy_pid" 2>/dev/null
diag "$(ls "$T"/msgs/*.eml | wc -l) messages, the faults took $(( $(date +%s) - t0 )) s after setup"
pf_done
