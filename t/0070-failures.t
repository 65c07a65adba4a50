#!/bin/sh
# gpg and backend failures: 69 and nothing sent, or (with a queue) queued and
# sent exactly once by -q; never 75.
. "$(dirname "$0")/lib.sh"
plan 53

mkkey alice alice@example.org
mkconf
printf 'From: sender@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <fail@example.org>\nSubject: f\n\nbody\n' >"$T/in"

# gpg killed mid-stream: the wrapper lets key listings through, and SIGKILLs
# the gpg that encrypts (after exec, $$ is gpg itself) a second into the input.
cat >"$T/gpg-killed" <<'EOF_'
#!/bin/sh
case " $* " in
*" --encrypt "*|*" -e "*)
	( exec </dev/null >/dev/null 2>&1; /bin/sleep 1; kill -KILL $$ ) &
	;;
esac
exec /usr/bin/gpg "$@"
EOF_
chmod 755 "$T/gpg-killed"
CONF_GPG=$T/gpg-killed
mkconf
slow() {	# 8 s of input, 4 MB
	cat "$T/in"
	i=0
	while [ $i -lt 40 ]; do
		head -c 75000 /dev/urandom | base64
		sleep 0.2
		i=$((i + 1))
	done
}
slow | send -i alice@example.org
rc=$(cat "$T/rc")
is "$rc" 69 "gpg killed mid-stream exits 69"
check "with an error on stderr about gpg" errline '^pgpsendmail: .*gpg'
is "$(calls)" 0 "and the backend is never called"
is "$(find "$T/spool" -type f | wc -l)" 0 "and nothing is queued or left in the spool"

cat >"$T/gpg-silent" <<'EOF_'
#!/bin/sh
case " $* " in
*" --encrypt "*|*" -e "*) cat >/dev/null; exit 0 ;;
esac
exec /usr/bin/gpg "$@"
EOF_
chmod 755 "$T/gpg-silent"
CONF_GPG=$T/gpg-silent
mkconf
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 69 "gpg exiting 0 without END_ENCRYPTION is a failure (69)"
is "$(calls)" 0 "and nothing is sent"

CONF_GPG=$T/no-such-gpg
mkconf
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 69 "a missing gpg exits 69"
check "with an error on stderr" errline '^pgpsendmail: '
is "$(calls)" 0 "and nothing is sent"
unset CONF_GPG
mkconf
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
is "$(allrcpts | wc -l)" 0 "after gpg failed, -q with a working gpg and backend sends nothing: nothing was accepted"
mkconf

# Without a queue (the spool directory is missing), a failing real
# sendmail is the caller's failure: 69, and a clear line.
nospool() { sed -i "s|^spool .*|spool $T/nospool|" "$T/conf"; }
nospool
for st in 1 75; do
	reset_out
	echo $st >"$T/out/exit"
	send -i alice@example.org <"$T/in"
	is "$rc" 69 "no queue: the real sendmail exiting $st makes pgpsendmail exit 69"
	check "and stderr gives its status $st" errline "^pgpsendmail: .*exited with status $st\$"
	check "in one line" oneline
done

cat >"$T/sendmail-killed" <<'EOF_'
#!/bin/sh
kill -KILL $$
EOF_
chmod 755 "$T/sendmail-killed"
CONF_SENDMAIL=$T/sendmail-killed
mkconf
nospool
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 69 "no queue: the real sendmail killed by a signal exits 69"
check "and stderr says so" errline '^pgpsendmail: .*(signal|killed)'

CONF_SENDMAIL=$T/no-such-sendmail
mkconf
nospool
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 69 "no queue: a missing real sendmail exits 69"
check "with an error on stderr naming it" errline "^pgpsendmail: .*$T/no-such-sendmail"
unset CONF_SENDMAIL
mkconf
nospool

# A plain and an encrypted copy: the backend fails on the first call.
printf 'plain@example.org plain\n' >"$T/keymap"
reset_out
echo 1 >"$T/out/exit"
send -i alice@example.org plain@example.org <"$T/in"
is "$rc" 69 "no queue: when the first of two backend calls fails, the exit is 69"
is "$(calls)" 1 "and the second call is not made"
: >"$T/keymap"

# With a queue, the message is accepted once it is queued: a failing real
# sendmail leaves it there for -q, which sends each copy exactly once.
mkconf
queued() {	# queued WHAT: after a send that the backend failed
	is "$rc" 0 "queue: $1: the caller gets 0 (queued)"
	is "$(find "$T/spool/q" -type f ! -name '*.err' | wc -l)" 1 "queue: $1: one entry waits in the queue"
	check "queue: $1: with no plaintext in it" not grep -rq 'queued body' "$T/spool"
	reset_out
	CONF_SENDMAIL=
	mkconf
	timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
	is "$(allrcpts | sort | uniq -c | tr -s ' ')" " 1 alice@example.org" \
	    "queue: $1: after -q alice has exactly one copy"
	opened alice "$T/out/$(call_of alice@example.org).msg" >"$T/dec"
	check_same "queue: $1: which decrypts to the original" "$T/dec" "$T/in"
	is "$(find "$T/spool/q" -type f | wc -l)" 0 "queue: $1: and the queue is empty"
}
sed -i 's/^body$/queued body/' "$T/in" 2>/dev/null
for st in 1 75; do
	reset_out
	echo $st >"$T/out/exit"
	send -i alice@example.org <"$T/in"
	queued "the real sendmail exiting $st"
done
CONF_SENDMAIL=$T/sendmail-killed
mkconf
reset_out
send -i alice@example.org <"$T/in"
queued "the real sendmail killed"
CONF_SENDMAIL=$T/no-such-sendmail
mkconf
reset_out
send -i alice@example.org <"$T/in"
queued "the real sendmail missing"
unset CONF_SENDMAIL
mkconf

# Exit status is never 75 (PHP's mail() takes 75 for success).
reset_out
for args in '-bd' '-k' '--' 'nokey@example.org' '-- -oQ/tmp'; do
	send $args <"$T/in"
	check "never 75: pgpsendmail $args exits $rc" test "$rc" -ne 75 -a "$rc" -ne 0
done
PGPSENDMAIL_CONF=$T/nonexistent
send alice@example.org <"$T/in"
PGPSENDMAIL_CONF=$T/conf
check "never 75: a missing config exits $rc" test "$rc" -ne 75 -a "$rc" -ne 0
echo 75 >"$T/out/exit"
send alice@example.org <"$T/in"
check "never 75: the real sendmail's 75 becomes $rc (queued)" test "$rc" -ne 75
