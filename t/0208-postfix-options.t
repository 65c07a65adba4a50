#!/bin/sh
# Every option pgpsendmail passes on to Postfix's sendmail means to it what
# the caller meant: each row gives pgpsendmail some options, and the real
# Postfix sendmail's queue file (read with postcat from the maildrop of the
# test's own Postfix, not running, so that nothing is picked up) must hold
# exactly the envelope records they stand for, and only the one recipient.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
pf_need postcat
# The test's own Postfix instance (t/postfix.sh), never started: what
# sendmail drops stays in the maildrop for postcat.
pf_instance
MD=/var/spool/postfix/maildrop

CONF_SENDMAIL=$PF_SENDMAIL
mkconf
printf 'postmaster plain\n' >"$T/keymap"
printf 'Subject: options\n\nbody\n' >"$T/in"

# row NAME WANT-RECORDS OPTIONS...: send with OPTIONS; Postfix's envelope
# records (but the arrival time, rewrite context, and sender full name
# unless -F was given) must be WANT-RECORDS, one per line
row() {
	_name=$1 _want=$2
	shift 2
	ls "$MD" >"$T/before" 2>/dev/null
	send "$@" -- postmaster <"$T/in"
	_new=$(ls "$MD" 2>/dev/null | grep -vxF -f "$T/before")
	if [ "$rc" -ne 0 ] || [ "$(printf '%s\n' "$_new" | grep -c .)" -ne 1 ]; then
		ok 1 "$_name"
		diag "exit $rc, new maildrop files: $_new" "$(cat "$T/err")"
		return
	fi
	timeout 30 postcat "$MD/$_new" 2>&1 | sed -n '/ENVELOPE RECORDS/,/MESSAGE CONTENTS/p' |
	    grep -v '^\*\*\*' | grep -v '^message_arrival_time:' |
	    grep -v '^named_attribute: rewrite_context=' >"$T/got"
	case " $* " in *" -F "*) ;; *) sed -i '/^sender_fullname:/d' "$T/got" ;; esac
	printf '%s\n' "$_want" >"$T/want"
	check_same "$_name" "$T/got" "$T/want"
	rm -f "$MD/$_new"
}

row "-f s@example.org: Postfix's sender is s@example.org" \
"sender: s@example.org
recipient: postmaster" -f s@example.org
row "-f '<>': the null sender" \
"sender: 
recipient: postmaster" -f '<>'
row "-F 'Cron Daemon': the full name" \
"sender_fullname: Cron Daemon
sender: s@example.org
recipient: postmaster" -F 'Cron Daemon' -f s@example.org
row "-B 8BITMIME: encoding 8bit" \
"sender: s@example.org
named_attribute: encoding=8bit
recipient: postmaster" -B 8BITMIME -f s@example.org
row "-B 7BIT: encoding 7bit" \
"sender: s@example.org
named_attribute: encoding=7bit
recipient: postmaster" -B 7BIT -f s@example.org
row "-N success,delay: DSN notify flags" \
"sender: s@example.org
named_attribute: notify_flags=10
recipient: postmaster" -N success,delay -f s@example.org
row "-N never: DSN notify never" \
"sender: s@example.org
named_attribute: notify_flags=1
recipient: postmaster" -N never -f s@example.org
row "-R hdrs: DSN return headers" \
"named_attribute: ret_flags=2
sender: s@example.org
recipient: postmaster" -R hdrs -f s@example.org
row "-R full: DSN return full" \
"named_attribute: ret_flags=1
sender: s@example.org
recipient: postmaster" -R full -f s@example.org
row "-V abc: DSN envelope ID" \
"named_attribute: envelope_id=abc
sender: s@example.org
recipient: postmaster" -V abc -f s@example.org
row "-V x: a one-character envelope ID" \
"named_attribute: envelope_id=x
sender: s@example.org
recipient: postmaster" -V x -f s@example.org
long=$(printf '%0100d' 7)
row "-V of 100 characters: the envelope ID" \
"named_attribute: envelope_id=$long
sender: s@example.org
recipient: postmaster" -V "$long" -f s@example.org
row "-V ab: left out (Postfix would read VERP, then 'ab' and '--' as recipients)" \
"sender: s@example.org
recipient: postmaster" -V ab -f s@example.org
row "-F '-Dash Name': a full name that begins with a dash is still the full name" \
"sender_fullname: -Dash Name
sender: s@example.org
recipient: postmaster" -F '-Dash Name' -f s@example.org
row "-V -envid: an envelope ID that begins with a dash is still the envelope ID" \
"named_attribute: envelope_id=-envid
sender: s@example.org
recipient: postmaster" -V -envid -f s@example.org
row "no -f: none passed on, Postfix makes the sender (root, run as root)" \
"sender: root
recipient: postmaster"
row "all at once" \
"named_attribute: envelope_id=e12
named_attribute: ret_flags=2
sender_fullname: Jo
sender: s@example.org
named_attribute: encoding=8bit
named_attribute: notify_flags=14
recipient: postmaster" -F Jo -B 8BITMIME -N success,delay,failure -R hdrs -V e12 -f s@example.org
plan "$n"
