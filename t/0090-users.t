#!/bin/sh
# Any caller: a non-root user against a root-owned read-only keyring, HOME=/ or
# unset, stdout and stderr closed; gpg writes nothing into the keyring.
. "$(dirname "$0")/lib.sh"
plan 15

mkkey alice alice@example.org
mkconf
printf 'From: sender@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <users@example.org>\nSubject: u\n\nbody\n' >"$T/in"
timeout 10 gpgconf --homedir "$T/sys" --kill all
snap() { find "$T/sys" ! -type s -printf '%P %y %s %T@ %m\n' | sort; }
snap >"$T/sys.before"

send -i alice@example.org <"$T/in"
is "$rc" 0 "root sends to alice"
snap >"$T/sys.after"
check_same "the keyring is left exactly as it was" "$T/sys.after" "$T/sys.before"

reset_out
timeout 60 "$PGPSENDMAIL" -i alice@example.org <"$T/in" >&- 2>&-
is "$?" 0 "with stdout and stderr closed the message is sent"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "and decrypts to the original" "$T/dec" "$T/in"

reset_out
timeout 60 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or exit 127' \
    "$PGPSENDMAIL" -i alice@example.org <"$T/in" 2>"$T/err"
is "$?" 0 "a caller that ignores SIGCHLD still gets exit 0"
is "$(calls)" 1 "and one copy is sent"
reset_out
timeout 60 perl -MFcntl -e 'fcntl(STDIN, F_SETFL, O_NONBLOCK); exec @ARGV or exit 127' \
    "$PGPSENDMAIL" -i alice@example.org < "$T/in"
is "$?" 0 "a non-blocking stdin is read all the same"

user=
for u in nobody www-data; do
	id "$u" >/dev/null 2>&1 && { user=$u; break; }
done
why=
if [ "$(id -u)" -ne 0 ]; then
	why="not root, cannot switch to another user"
elif ! command -v setpriv >/dev/null; then
	why="setpriv (util-linux) not found"
elif [ -z "$user" ]; then
	why="neither nobody nor www-data exists"
fi
if [ -n "$why" ]; then
	[ "$CI" = true ] && [ "$(id -u)" -eq 0 ] && { ok 1 "CI as root runs the non-root checks ($why)"; exit; }
	while [ $n -lt 15 ]; do skip "run as another user" "$why"; done
	exit 0
fi

# What the user needs: pgpsendmail and the fake on a path it can reach (the
# checkout may be under /root), its capture dir; the keyring is root's, 0755/0644.
mkdir "$T/bin"
cp "$PGPSENDMAIL" "$ABS/t/fake-sendmail" "$T/bin/"
chmod 755 "$T" "$T/bin" "$T/bin/pgpsendmail" "$T/bin/fake-sendmail"
find "$T/sys" -type d -exec chmod 755 {} +
find "$T/sys" -type f -exec chmod 644 {} +
chmod 644 "$T/keymap"
CONF_SENDMAIL="$T/bin/fake-sendmail $T/out"
mkconf
chmod 644 "$T/conf"
snap >"$T/sys.before"
uid=$(id -u "$user") gid=$(id -g "$user")

as_user() {	# as_user ENV...: pgpsendmail as $user with only ENV
	reset_out
	chown "$user" "$T/out"
	(cd / && timeout 60 setpriv --reuid="$uid" --regid="$gid" --clear-groups \
	    env -i PATH=/usr/bin:/bin PGPSENDMAIL_CONF="$T/conf" "$@" \
	    "$T/bin/pgpsendmail" -i alice@example.org) <"$T/in" >"$T/stdout" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || diag "$(cat "$T/err")"
}
for env in HOME=/ HOME=/nonexistent "" ; do
	as_user $env
	is "$rc" 0 "$user with ${env:-HOME unset} sends to alice"
	opened alice "$T/out/1.msg" >"$T/dec"
	check_same "$user with ${env:-HOME unset}: alice decrypts the original" "$T/dec" "$T/in"
done
is "$(sed -n '2p' "$T/out/1.argv")" "--" \
    "no -f: the real sendmail, run as $user, makes $user the sender"
snap >"$T/sys.after"
check_same "the root-owned keyring is unchanged" "$T/sys.after" "$T/sys.before"
