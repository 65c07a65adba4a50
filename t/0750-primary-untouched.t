#!/bin/sh
# make check leaves the machine's own Postfix alone (issue 12): with the
# primary instance running (started for the test if it was not, stopped
# again after), Postfix integration tests run (t/0240-cron.t, and
# t/0210-mutt.t when mutt is there); meanwhile main.cf and master.cf are
# never rewritten (watched every 0.1 s, then their sha256 and change time),
# the master keeps its pid, no queue entry or mail.log line of the primary
# names a test user, /etc/passwd and /home hold none (watched likewise); and
# the primary still delivers a message sent through its own sendmail to root.
# The whole run holds the lock of those who change the system's Postfix
# (older test trees, experiments), so that only the tests are watched.
# PF_INNER names other test files to run inside instead; PF_PRIMARY_LOCK
# another lock (to run this against an older tree whose tests take the lock).
. "$(dirname "$0")/lib.sh"
PATH=$PATH:/usr/sbin:/sbin
LOCK=${PF_PRIMARY_LOCK:-/run/lock/pgpsendmail-tests-postfix.lock}
cannot() {
	if [ "$CI" = true ]; then
		plan 1
		ok 1 "CI runs this test, but: $1"
		exit 1
	fi
	skip_all "$1"
}
[ "$(id -u)" -eq 0 ] || cannot "not root: cannot start the system's Postfix"
for c in postfix postconf postqueue postalias flock prove sha256sum; do
	command -v "$c" >/dev/null 2>&1 || cannot "$c is not installed"
done
inner=$PF_INNER
if [ -z "$inner" ]; then
	inner=t/0240-cron.t
	command -v mutt >/dev/null 2>&1 && inner="$inner t/0210-mutt.t"
fi
SM=/usr/sbin/sendmail	# Postfix's, or moved aside for pgpsendmail
[ -x /usr/sbin/sendmail.real ] && SM=/usr/sbin/sendmail.real
PID=/var/spool/postfix/pid/master.pid

started=
watcher=
restore() {
	[ -z "$watcher" ] || kill "$watcher" 2>/dev/null
	if [ -n "$started" ]; then
		timeout 60 postfix stop >/dev/null 2>&1 9>&-
		_i=0
		while timeout 10 postfix status >/dev/null 2>&1 && [ $_i -lt 100 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	fi
}
trap 'st=$?; restore; cleanup; [ "$st" -eq 0 ] && [ "$failed" -ne 0 ] && st=1; exit $st' EXIT

# state: what the primary instance looks like now, one line each
state() {
	sha256sum /etc/postfix/main.cf /etc/postfix/master.cf
	stat -c '%n %Z' /etc/postfix/main.cf /etc/postfix/master.cf
}
masterpid() { tr -d ' \n' <"$PID" 2>/dev/null; }
queue() { timeout 30 postqueue -p 2>&1; }

# The primary running, under the lock that tests and experiments which
# change it take; the lock is held to the end (the trap stops it again).
mkdir -p /run/lock
exec 9>"$LOCK"
flock -w 600 9 || cannot "no lock on $LOCK within 600 s"
if ! timeout 30 postfix status >/dev/null 2>&1; then
	timeout 60 postfix start >"$T/start.log" 2>&1 9>&- ||
	    { plan 1; ok 1 "the system's Postfix starts ($(cat "$T/start.log"))"; exit 1; }
	started=1
fi
i=0
while [ -z "$(masterpid)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
pid=$(masterpid)
state >"$T/before"
queue >"$T/queue.before"
log=/var/log/mail.log
logmark=$(wc -c <"$log" 2>/dev/null || echo 0)

# Every 0.1 s while the tests run: main.cf and master.cf, the master's pid.
(
	while :; do
		sha256sum /etc/postfix/main.cf /etc/postfix/master.cf
		echo "master $(masterpid)"
		echo "users $(grep -c '^pgpsm-' /etc/passwd) $(ls -d /home/pgpsm-* 2>/dev/null | wc -l)"
		sleep 0.1
	done >"$T/watch" 2>&1
) &
watcher=$!

(cd "$ABS" && timeout 600 env -u PF_NS prove -v $inner) >"$T/inner" 2>&1 9>&-
irc=$?
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
watcher=

is "$irc" 0 "the integration tests pass ($inner)"
ran=$(grep -c '^ok ' "$T/inner")
skipped=$(grep -c -e '^ok .*# SKIP' -e '^1\.\.0' "$T/inner")
check "they ran their checks ($ran passed, $skipped skipped)" \
    test "$ran" -gt 0 -a "$skipped" -eq 0
[ "$irc" -eq 0 ] || tail -n 30 "$T/inner" | sed 's/^/# /' >&2

sort -u "$T/watch" | grep -v -e '^master' -e '^users' | sed 's/^/# /' >"$T/seen"
is "$(grep -c . "$T/seen")" 2 \
    "main.cf and master.cf had one content each all along (sampled every 0.1 s)"
[ "$(grep -c . "$T/seen")" -eq 2 ] || cat "$T/seen" >&2
state >"$T/after"
check_same "main.cf and master.cf: the same sha256 and change time afterwards" \
    "$T/after" "$T/before"
is "$(grep '^master' "$T/watch" | sort -u | tr '\n' ' ')" "master $pid " \
    "the primary's master kept its pid $pid all along"
check "the primary's master ($pid) still runs" kill -0 "$pid"
queue >"$T/queue.after"
check "no entry in the primary's queue names a test user" \
    not grep -q 'pgpsm-' "$T/queue.after"
if [ "$(grep -c . "$T/queue.before")" -le 1 ]; then
	check_same "the primary's queue listing is unchanged" "$T/queue.after" "$T/queue.before"
else
	skip "the primary's queue listing is unchanged" "it carries mail of its own"
fi
if [ -f "$log" ]; then
	check "the machine's mail.log has no line about the tests' mail" \
	    not sh -c "tail -c +$((logmark + 1)) '$log' | grep -aq pgpsm-"
else
	skip "the machine's mail.log has no line about the tests' mail" "there is no $log"
fi
is "$(grep '^users' "$T/watch" | sort -u | tr '\n' ' ')" "users 0 0 " \
    "no test user in /etc/passwd, no home of one in /home, all along"

# The primary still delivers: a message to root through its own sendmail.
tok=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf 'To: root\nSubject: pgpsendmail make check (t/0750): the system Postfix still delivers\n\n%s\n' \
    "$tok" | timeout 60 "$SM" -i root
is "$?" 0 "the primary's sendmail ($SM) takes a message for root"
alias=$(timeout 10 postalias -q root $(postconf -h alias_maps | tr ',' ' ') 2>/dev/null)
hm=$(postconf -h home_mailbox)
mc=$(postconf -h mailbox_command mailbox_transport | tr -d '\n')
if [ -n "$alias" ] || [ -n "$mc" ]; then
	skip "the primary delivers it to root's mailbox" "root's mail goes elsewhere here"
else
	case $hm in
	*/) box=$(getent passwd root | cut -d: -f6)/$hm ;;
	'') box=$(postconf -h mail_spool_directory)/root ;;
	*) box=$(getent passwd root | cut -d: -f6)/$hm ;;
	esac
	found=
	i=0
	while [ $i -lt 300 ]; do
		found=$(grep -rlF -- "$tok" "$box" 2>/dev/null | head -n 1)
		[ -n "$found" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	check "the primary delivers it to root's mailbox ($box)" test -n "$found"
	[ -n "$found" ] || queue | sed 's/^/# /' >&2
	# a Maildir file is ours alone to take away; an mbox keeps it
	case $hm in */) [ -n "$found" ] && rm -f "$found" ;; esac
fi
plan "$n"
