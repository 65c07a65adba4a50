#!/bin/sh
# gpg and backend failures: 69, a clear message, nothing sent; never 75.
. "$(dirname "$0")/lib.sh"
plan 27

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

for st in 1 75; do
	reset_out
	echo $st >"$T/out/exit"
	send -i alice@example.org <"$T/in"
	is "$rc" 69 "the real sendmail exiting $st makes pgpsendmail exit 69"
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
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 69 "the real sendmail killed by a signal exits 69"
check "and stderr says so" errline '^pgpsendmail: .*(signal|killed)'

CONF_SENDMAIL=$T/no-such-sendmail
mkconf
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 69 "a missing real sendmail exits 69"
check "with an error on stderr naming it" errline "^pgpsendmail: .*$T/no-such-sendmail"
unset CONF_SENDMAIL
mkconf

# A plain and an encrypted copy: the backend fails on the first call.
printf 'plain@example.org plain\n' >"$T/keymap"
reset_out
echo 1 >"$T/out/exit"
send -i alice@example.org plain@example.org <"$T/in"
is "$rc" 69 "when the first of two backend calls fails, the exit is 69"
is "$(calls)" 1 "and the second call is not made"
: >"$T/keymap"

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
check "never 75: the real sendmail's 75 becomes $rc" test "$rc" -ne 75 -a "$rc" -ne 0
