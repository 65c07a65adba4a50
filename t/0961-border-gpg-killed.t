#!/bin/sh
# A gpg killed from outside (the OOM killer, an admin, a shutdown) says
# nothing about the message: that is "try later", like the deadline.  The
# border took a gpg killed while decrypting for damaged data and passed
# the message on still encrypted to the transport key, for good; and one
# killed while listing the recipients for "not to a key of ours".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 7

mkdir -p "$T/bin"
cat >"$T/bin/gpg" <<EOF_
#!/bin/sh
# gpg, but killed with SIGKILL at the run named in $T/kill (list, decrypt)
what=decrypt
for a; do [ "\$a" = --list-only ] && what=list; done
for a; do
	[ "\$a" = --decrypt ] && [ "\$(cat "$T/kill" 2>/dev/null)" = \$what ] &&
	    kill -KILL \$\$
done
exec /usr/bin/gpg "\$@"
EOF_
chmod 755 "$T/bin/gpg"
BD_GPG_B=$T/bin/gpg bd_pair
printf 'From: s@a.example\nTo: bob@b.example\nSubject: x\n\ntoken 0961\n' >"$T/in"
bd_through a "$T/in" bob@b.example
bd_relay "$(bd_out a bob@b.example)" "$T/msg"

echo decrypt >"$T/kill"
bd_through b "$T/msg" bob@b.example
check "gpg killed while decrypting: 451 4.3.0" gw_is 1 '^451 4\.3\.0 '
check "... saying so" gw_is 1 'decrypting: gpg was killed \(signal 9\)'
check "... nothing handed on (not passed as damaged)" not ls "$T/b/out/1.argv"
echo list >"$T/kill"
bd_through b "$T/msg" bob@b.example
check "gpg killed while listing the recipients: 451 4.3.0" gw_is 1 '^451 4\.3\.0 '
check "... nothing handed on (not passed as not ours)" not ls "$T/b/out/1.argv"
rm -f "$T/kill"
bd_through b "$T/msg" bob@b.example
check "gpg left alone: 250" gw_is 1 '^250 '
check "... decrypted" grep -qx 'token 0961' "$(bd_out b bob@b.example)"
