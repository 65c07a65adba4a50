#!/bin/sh
# newaliases (-bi) run by root builds the key cache and then runs the real
# sendmail's -bi, as before; with the cache fresh, a message runs one gpg,
# the encryption, whether to 1 recipient or 10, and is what it was without
# the cache.  key-cache none builds nothing; a cache that cannot be built
# is said, and the real -bi still runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keycache.sh"
plan 26

names="r0 r1 r2 r3 r4 r5 r6 r7 r8 r9"
for r in $names; do mkkey "$r" "$r@example.org"; done
kc_conf

kc_build
is "$?" 0 "pgpsendmail -bi exits 0"
check "it builds the cache next to the keymap" test -f "$T/keymap.cache"
is "$(stat -c '%U %a' "$T/keymap.cache")" "root 644" \
    "the cache is root's, mode 644"
check "and runs the real sendmail's -bi" grep -qx -- -bi "$T/out/1.argv"
check "no temporary file is left" \
    sh -c "! ls '$T' | grep -q '^keymap\.cache\.'"

msgto r0@example.org
kc_same "1 recipient: as without the cache" r0@example.org
is "$(cat "$T/c.rc")" 0 "1 recipient: sent"
is "$(encryptions)" 1 "1 recipient, cache fresh: one encryption"
is "$(listings)" 0 "and no key listing: one gpg process for the message"
opened r0 "$T/c.out/1.msg" >"$T/dec"
check_same "r0 opens it" "$T/dec" "$T/in"

all=
for r in $names; do all="$all $r@example.org"; done
msgto $all
kc_same "10 recipients: as without the cache" $all
is "$(cat "$T/c.rc")" 0 "10 recipients: sent"
is "$(encryptions)" 1 "10 recipients, cache fresh: one encryption"
is "$(listings)" 0 "and no key listing"
opened r9 "$T/c.out/1.msg" >"$T/dec"
check_same "r9 opens it" "$T/dec" "$T/in"

# By fingerprint, from the keymap: the cache answers those too.
echo "fpr@example.org $(fpr_of r3)" >"$T/keymap"
kc_build
msgto fpr@example.org
kc_same "a keymap fingerprint: as without the cache" fpr@example.org
is "$(listings)" 0 "a keymap fingerprint is answered by the cache"

# An address with no key: the listing says why, as always.
msgto nobody@example.org
kc_same "an address with no key: refused as without the cache" nobody@example.org
check "its error says there is no key" \
    grep -q 'nobody@example.org: no usable key (no key)' "$T/c.err"

# The keymap changed while -bi listed the keyring: that build is thrown
# away and made again, not left stale from its start; changed at every
# try, -bi says so.
cat >"$T/gpg-touch" <<EOF_
#!/bin/sh
case " \$* " in
*" --list-keys -- ")
	if [ -e "$T/touch" ]; then
		[ -s "$T/touch" ] || rm -f "$T/touch"
		sleep 0.02
		echo "# \$\$" >>"$T/keymap"
	fi ;;
esac
exec /usr/bin/gpg "\$@"
EOF_
chmod 755 "$T/gpg-touch"
sed -i "s|^gpg .*|gpg $T/gpg-touch|" "$T/conf"
: >"$T/touch"
kc_build
is "$?" 0 "a build during which the keymap changed once succeeds"
msgto r0@example.org
kc_send "$T/conf" r0@example.org
is "$(listings) $rc" "0 0" "and its cache is fresh: the send runs no listing"
echo always >"$T/touch"
kc_build
check "a keymap that changes during every build is named on stderr" \
    grep -q 'key cache not built: the keyring or the keymap changed during each of 3 builds' "$T/bi.out"
rm -f "$T/touch"
sed -i "s|^gpg .*|gpg /usr/bin/gpg|" "$T/conf"

# key-cache none: nothing built, the real -bi still runs.
rm -f "$T/keymap.cache"
reset_out
PGPSENDMAIL_CONF=$T/conf.none "$PGPSENDMAIL" -bi </dev/null >/dev/null 2>&1
is "$?" 0 "with key-cache none, -bi exits 0"
check "and builds no cache" test ! -e "$T/keymap.cache"

# A cache that cannot be written: said, and the real -bi runs all the same.
sed '/^keymap /a key-cache /nonexistent/dir/cache' "$T/conf.none" |
    grep -v '^key-cache none' >"$T/conf.bad"
reset_out
PGPSENDMAIL_CONF=$T/conf.bad "$PGPSENDMAIL" -bi </dev/null >/dev/null 2>"$T/err"
check "a cache that cannot be written is named on stderr" \
    errline '^pgpsendmail: key cache not built: /nonexistent/dir/cache'
check "and the real sendmail's -bi runs all the same" \
    grep -qx -- -bi "$T/out/1.argv"
