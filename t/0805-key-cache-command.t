#!/bin/sh
# --key-cache, as the package's timer runs it: as root, the key cache is
# built when a send would not use the one there is (none, stale after an
# import, a doubtful file), left alone when it is fresh, and the real
# sendmail's -bi is never run.  Other users build nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keycache.sh"
plan 14

mkkey alice alice@example.org
mkkey bob bob@example.org
kc_conf
kcache() { PGPSENDMAIL_CONF=$T/conf "$PGPSENDMAIL" --key-cache </dev/null >"$T/kc.out" 2>"$T/err"; }

kcache
is "$?" 0 "--key-cache exits 0"
check "it builds the cache" test -f "$T/keymap.cache"
check "and never runs the real sendmail (no -bi)" not ls "$T/out/1.argv"
check "it prints nothing" test ! -s "$T/kc.out" -a ! -s "$T/err"

msgto alice@example.org
kc_send "$T/conf" alice@example.org
is "$(listings)" 0 "a send then uses it: no key listing"

ino=$(stat -c '%i %Y' "$T/keymap.cache")
sleep 1.1
kcache
is "$(stat -c '%i %Y' "$T/keymap.cache")" "$ino" "a fresh cache is left as it is"

# An import makes it stale: the next --key-cache builds it again.
mkkey carol carol@example.org
kc_send "$T/conf" alice@example.org
is "$(listings)" 1 "after an import the cache is stale: the send lists keys"
kcache
is "$?" 0 "--key-cache after the import exits 0"
check "and writes a new cache" test "$(stat -c '%i %Y' "$T/keymap.cache")" != "$ino"
msgto carol@example.org
kc_send "$T/conf" carol@example.org
is "$(listings)" 0 "which a send to the new key uses"
opened carol "$T/out/1.msg" >"$T/dec"
check_same "carol opens it" "$T/dec" "$T/in"

# A cache made writable by others is doubtful: built again, root's 644.
chmod 666 "$T/keymap.cache"
kcache
is "$(stat -c '%U %a' "$T/keymap.cache")" "root 644" "a cache writable by others is replaced by root's, 644"

# Not root: nothing built, a line that says so, 77.
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	chmod 755 "$T"
	chmod 644 "$T/conf"
	(cd / && PGPSENDMAIL_CONF=$T/conf setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$PGPSENDMAIL" --key-cache) >/dev/null 2>"$T/err"
	is "$?" 77 "--key-cache as another user exits 77"
	check "saying only root builds it" errline "^pgpsendmail: --key-cache: only root builds the key cache$"
else
	skip "--key-cache as another user exits 77" "no user nobody or setpriv"
	skip "saying only root builds it" "no user nobody or setpriv"
fi
