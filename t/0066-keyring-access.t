#!/bin/sh
# A system keyring that a sender cannot read (made as root under umask
# 077, or a trustdb.gpg that gpg created 0600), or that is not there: the
# error says what to do, not gpg's "Fatal"; nothing is sent.
. "$(dirname "$0")/lib.sh"
plan 8

mkkey alice alice@example.org
printf 'To: alice@example.org\nSubject: k\n\nbody\n' >"$T/in"
user=
for u in nobody www-data; do
	id "$u" >/dev/null 2>&1 && { user=$u; break; }
done
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null || [ -z "$user" ]; then
	[ "$CI" = true ] && { ok 1 "CI runs this as root with setpriv and nobody"; exit; }
	skip_all "needs root, setpriv and a user nobody or www-data"
fi
mkdir "$T/bin"
cp "$PGPSENDMAIL" "$ABS/t/fake-sendmail" "$T/bin/"
chmod 755 "$T" "$T/bin" "$T/home" "$T/bin/pgpsendmail" "$T/bin/fake-sendmail"
timeout 10 gpgconf --homedir "$T/sys" --kill all
find "$T/sys" -type d -exec chmod 755 {} +
find "$T/sys" -type f -exec chmod 644 {} +
CONF_SENDMAIL="$T/bin/fake-sendmail $T/out"
mkconf
chmod 644 "$T/conf" "$T/keymap"
uid=$(id -u "$user") gid=$(id -g "$user")
as_user() {
	reset_out
	chown "$user" "$T/out"
	(cd / && timeout 60 setpriv --reuid="$uid" --regid="$gid" --clear-groups \
	    env -i PATH=/usr/bin:/bin PGPSENDMAIL_CONF="$T/conf" \
	    "$T/bin/pgpsendmail" -t -i) <"$T/in" >"$T/stdout" 2>"$T/err"
	rc=$?
}

as_user
is "$rc" 0 "$user sends with a keyring every user can read"

# gpg itself makes trustdb.gpg 0600 when it creates it.
[ -f "$T/sys/trustdb.gpg" ] || kgpg "$T/sys" --check-trustdb
chmod 600 "$T/sys/trustdb.gpg"
as_user
is "$rc" 69 "a trustdb.gpg only root can read: 69 for $user"
check "the error names the file and says what to do" \
    errline "trustdb.gpg cannot be read by uid $uid: every sender needs it \\(as root: chmod 644 it"
is "$(calls)" 0 "and nothing is sent"
chmod 644 "$T/sys/trustdb.gpg"

chmod 600 "$T/sys/pubring.kbx"
as_user
is "$rc" 69 "a pubring.kbx only root can read: 69"
check "the error names pubring.kbx" errline 'pubring.kbx cannot be read by uid'
chmod 644 "$T/sys/pubring.kbx"

sed -i "s|^gnupghome .*|gnupghome $T/nokeyring|" "$T/conf"
send -t -i <"$T/in"
is "$rc" 69 "a keyring directory that is not there: 69"
check "named as such" errline "the system keyring $T/nokeyring does not exist"
