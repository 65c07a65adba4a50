#!/bin/sh
# The plaintext of a recipient who gets ciphertext never touches disk; what
# pgpsendmail keeps on disk is mode 0600 and gone afterwards.
. "$(dirname "$0")/lib.sh"
plan 6

mkkey alice alice@example.org
m1=plaintext-marker m2=${T##*.}-$$
mark=$m1-$m2	# in the wrappers as two halves: they are files in /tmp too
mkdir -m 700 "$T/tmp"

# Both wrappers look for the marker in every file on the usual temporary
# places and in the spool: the gpg one once gpg has read all the message, the
# sendmail one while the ciphertext is being handed off.
cat >"$T/gpg-snoop" <<EOF_
#!/bin/sh
case " \$* " in
*" --encrypt "*|*" -e "*)
	/usr/bin/gpg "\$@"
	st=\$?
	m1='$m1' m2='$m2'
	timeout 60 grep -D skip -rlF -- "\$m1-\$m2" /tmp /var/tmp /dev/shm "$T/spool" >>"$T/seen.gpg" 2>/dev/null
	exit \$st ;;
esac
exec /usr/bin/gpg "\$@"
EOF_
cat >"$T/sendmail-snoop" <<EOF_
#!/bin/sh
m1='$m1' m2='$m2'
timeout 60 grep -D skip -rlF -- "\$m1-\$m2" /tmp /var/tmp /dev/shm "$T/spool" >>"$T/seen.sendmail" 2>/dev/null
find "$T/tmp" "$T/spool" -type f ! -perm 0600 >>"$T/loose"
exec "$ABS/t/fake-sendmail" "\$@"
EOF_
chmod 755 "$T/gpg-snoop" "$T/sendmail-snoop"
: >"$T/seen.gpg"
: >"$T/seen.sendmail"
: >"$T/loose"
CONF_GPG=$T/gpg-snoop
CONF_SENDMAIL="$T/sendmail-snoop $T/out"
mkconf

# The message goes in through a pipe, so the marker is in no file of ours.
{
	printf 'From: sender@example.org\nTo: alice@example.org\nSubject: disk\n\n'
	i=0
	while [ $i -lt 2000 ]; do
		printf '%s line %d of a secret body\n' "$mark" $i
		i=$((i + 1))
	done
} | TMPDIR=$T/tmp send -i alice@example.org
is "$(cat "$T/rc")" 0 "a message to alice is sent"
check "its plaintext was in no file while gpg ran" not test -s "$T/seen.gpg"
[ -s "$T/seen.gpg" ] && diag "$(cat "$T/seen.gpg")"
check "nor while the real sendmail ran" not test -s "$T/seen.sendmail"
check "files pgpsendmail keeps during hand-off are mode 0600" not test -s "$T/loose"
is "$(ls -A "$T/tmp" | wc -l)" 0 "nothing is left behind in TMPDIR"
opened alice "$T/out/1.msg" >"$T/dec"
check "and alice reads the secret body" grep -q "$mark line 1999 of" "$T/dec"
