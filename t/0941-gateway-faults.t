#!/bin/sh
# pgpsendmail --gateway behind a real Postfix (t/gwpostfix.sh, wired by
# gateway/postfix.cf as it stands) while something breaks:
#  a. the re-injection path refuses: Postfix's own sendmail turns the
#     gateway's user away (authorized_submit_users, exit 77);
#  b. the file system of pgpsendmail's temporary files is full: a tiny
#     tmpfs over /tmp (spawn(8) passes no TMPDIR) filled to the last block;
#  c. gpg killed (SIGKILL) in the middle of each encryption;
#  d. pgpsendmail itself killed (SIGKILL) after the first copy of a message
#     was re-injected, before its replies.
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

# a. The re-injection path: Postfix's sendmail refuses the gateway's user.
# A real refusal of the real program (the config still names Postfix's
# sendmail), read from main.cf at each run, so nothing else changes.
timeout 60 postconf -e "authorized_submit_users = !$GWUSER, static:anyone" ||
    pf_die "postconf -e fails"
fault "re-injection refused" 'sendmail exited with status' 6
check "re-injection refused: it was Postfix's sendmail that refused" \
    grep -aq "sendmail.*$GWUSER.*not allowed to submit" "$PF_LOG"
timeout 60 postconf -X authorized_submit_users || pf_die "postconf -X fails"
fixed "re-injection refused"

# b. A full file system for the temporary files.  spawn(8) passes only
# export_environment (no TMPDIR), so pgpsendmail writes its copies into
# /tmp: a tmpfs of 256 KiB goes there, with $T (under /tmp) bound back
# into it, and a file of root's fills it to the last block.
[ -z "$(timeout 60 postconf -h export_environment | tr ' ,' '\n\n' | grep -x TMPDIR)" ]
ok $? "disk full: spawn(8) passes no TMPDIR, the copies go to /tmp"
case $T in /tmp/*) ;; *) pf_die "\$T is not under /tmp" ;; esac
if mount --bind "$T" /mnt 2>>"$T/pf.log" &&
    mount -t tmpfs -o size=256k,mode=1777 pgpsm-fulltmp /tmp 2>>"$T/pf.log" &&
    mkdir -p "$T" && mount --bind /mnt "$T" && umount /mnt; then
	dd if=/dev/zero of=/tmp/filler bs=4096 >/dev/null 2>&1
	df -k /tmp | tail -n 1 | awk '{ exit !($4 == 0) }'
	ok $? "disk full: /tmp, a tmpfs of its own, has no block left"
	fault "disk full" 'No space left on device' 6
	rm -f /tmp/filler
	fixed "disk full"
	umount "$T" && umount /tmp
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

# d. pgpsendmail killed after the first copy of a message is handed on:
# the config names a wrapper of Postfix's sendmail that, while the fault
# is on, kills its parent (pgpsendmail) once the copy is in the queue.
# Messages whose number is 4 modulo 9 have two copies: one for rx2 (To)
# and one for carol (blind).
cat >"$T/sendmail-kills" <<EOF_
#!/bin/sh
"$T/postfix-sendmail" "\$@"
rc=\$?
if [ \$rc -eq 0 ] && [ -e "$T/kill.on" ]; then
	while [ \$# -gt 0 ] && [ "\$1" != -- ]; do shift; done
	shift
	printf '%s\n' "\$@" >>"$T/handed"
	# pgpsendmail: the parent is a guard it forked (named the same);
	# the one spawn(8) started is the guard's parent
	p=\$(awk '{ print \$4 }' /proc/\$PPID/stat)
	[ "\$(cat /proc/\$p/comm)" = pgpsendmail ] &&
	    [ "\$(cat /proc/\$PPID/comm)" = pgpsendmail ] && kill -KILL \$p
fi
exit \$rc
EOF_
chmod 755 "$T/sendmail-kills"
: >"$T/handed"
chmod 666 "$T/handed"
: >"$T/kill.on"
sed -i "s|^sendmail .*|sendmail $T/sendmail-kills|" /etc/pgpsendmail.conf
nd=4
d=
while [ "$(printf '%s\n' $d | grep -c .)" -lt $nd ]; do
	[ $((next % 9)) -eq 4 ] && d="$d $next"
	next=$((next + 1))
done
cp "$T/msgs/want" "$T/want.before"
mark=$(pf_logmark)
for nr in $d; do gw_send "$nr" 1; done
is "$(gw_deferred "$mark" $nd)" $nd "killed mid-transaction: the filter's client defers all $nd"
sleep 1
is "$(gw_queued)" $nd "killed mid-transaction: the $nd messages wait in Postfix's queue"
pf_lognew "$mark" | grep -aq 'postfix/pgpgw/lmtp.*may be sent more than once'
ok $? "killed mid-transaction: Postfix warns that the message may be sent more than once"
is "$(grep -c . "$T/handed")" $nd "killed mid-transaction: one copy of each was handed on before the kill"
rm -f "$T/kill.on"
cp "$T/conf.good" /etc/pgpsendmail.conf
timeout 60 postqueue -f >/dev/null 2>&1
pf_wait_queue
ok $? "killed mid-transaction: after postqueue -f, the queue drains"
sleep 2
gw_copies | sort >"$T/got"
sort "$T/msgs/want" >"$T/want"
sort -u "$T/got" >"$T/got.u"
check_same "killed mid-transaction: nothing is lost" "$T/got.u" "$T/want"
uniq -d "$T/got" | cut -d' ' -f2 | sort >"$T/dups"
sort "$T/handed" >"$T/handed.s"
check_same "killed mid-transaction: a second copy went to exactly the recipients handed on before the kill ($(grep -c . "$T/dups") of $(grep -c . "$T/got.u"))" \
    "$T/dups" "$T/handed.s"
is "$(uniq -c "$T/got" | awk '$1 > 2' | wc -l)" 0 "killed mid-transaction: no one has more than two"
is "$(cat "$T/bad")" "" "killed mid-transaction: every copy is PGP/MIME and opens to the original"
gw_tokens_nowhere "killed mid-transaction"
diag "$(ls "$T"/msgs/*.eml | wc -l) messages, the faults took $(( $(date +%s) - t0 )) s after setup"
pf_done
