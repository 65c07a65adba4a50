#!/bin/sh
# A cache that is not root's, that group or others may write, that is a
# symbolic link, truncated or corrupt is ignored with a line in the log,
# and the send is what it is without a cache: the listing answers.  A
# corrupt one that swaps two recipients' keys sends to neither wrong key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keycache.sh"
plan 41

mkkey alice alice@example.org
mkkey bob bob@example.org
kc_conf
C=$T/keymap.cache

# spoiled NAME REASON-REGEX: the cache as spoiled is ignored, logged; the
# send to alice goes to alice's key, through the listing
spoiled() {
	msgto alice@example.org
	kc_logged alice@example.org
	is "$rc" 0 "$1: the send succeeds"
	check "$1: the log says the cache is ignored, and why" \
	    grep -Eq "^key cache $C ignored: $2" "$T/log"
	[ "$rc" -eq 0 ] || diag "$(cat "$T/err")"
	grep -q 'ignored' "$T/log" || diag "log: $(cat "$T/log")"
	kc_send "$T/conf" alice@example.org
	is "$(listings)" 1 "$1: the listing answers"
	opened alice "$T/out/1.msg" >"$T/dec"
	check_same "$1: alice opens it" "$T/dec" "$T/in"
	is "$(keyids "$T/out/1.msg")" "$(encid_of alice)" "$1: to alice's key alone"
}
fresh() { rm -f "$C"; kc_build; }

fresh
msgto alice@example.org
kc_logged alice@example.org
check "a fresh cache logs nothing about itself" not grep -q 'key cache' "$T/log"

fresh
chown 65534 "$C"
spoiled "a cache not root's" 'owned by uid 65534, not root'

fresh
chmod 666 "$C"
spoiled "a world-writable cache" 'writable by others \(mode 666\)'

fresh
chmod 664 "$C"
spoiled "a group-writable cache" 'writable by others \(mode 664\)'

fresh
mv "$C" "$C.real"
ln -s "$C.real" "$C"
spoiled "a cache that is a symbolic link" 'a symbolic link'
rm -f "$C" "$C.real"

fresh
size=$(stat -c %s "$C")
truncate -s $((size - 10)) "$C"
spoiled "a cache cut in its last line" 'corrupt \(truncated\)'

fresh
sed -i '$d' "$C"
spoiled "a cache without its end line" 'corrupt \(truncated\)'

# alice's entries name bob's key and bob's alice's: well formed, but not
# what was hashed.
fresh
a=$(fpr_of alice)
b=$(fpr_of bob)
sed -i "s/$a/XXXX/g; s/$b/$a/g; s/XXXX/$b/g" "$C"
spoiled "a cache with two keys swapped" 'corrupt \(checksum\)'

fresh
printf 'garbage\n' >"$C"
spoiled "a file that is no cache" 'corrupt \(truncated\)'
