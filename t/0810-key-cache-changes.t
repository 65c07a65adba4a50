#!/bin/sh
# After each change that makes a listing answer otherwise (a revocation
# imported, --edit-key disable, a key expiring, a keymap edit, a new key
# for the same address, a key deleted, another keyring configured, a
# trustdb changed with its mtime put back), the next send behaves exactly
# as it does without a cache, with and without a rebuild in between.
# Before each change the cache is shown to be in use, so that the change,
# not a stale cache, is what is tested.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keycache.sh"
plan 73

mkkey alice alice@example.org
mkkey bob bob@example.org
mkkey dave dave@example.org
mkkey erin erin@example.org
mkkey frank frank@example.org
mkkey gina gina@example.org
mkkey hank hank@example.org
mkkey ivan ivan@example.org
kc_conf
echo "dave@example.org $(fpr_of dave)" >"$T/keymap"

# used NAME ADDR: the cache, just built, answers for ADDR
used() {
	kc_build
	msgto "$2"
	kc_same "$1: before the change, as without the cache" "$2"
	is "$(listings) $(cat "$T/c.rc")" "0 0" "$1: before the change, the cache answers"
}
# after NAME ADDR RC [REGEX]: the send after the change, without and
# with a rebuild: as without the cache, exit RC, stderr matching REGEX
after() {
	msgto "$2"
	kc_same "$1, no rebuild: as without the cache" "$2"
	is "$(cat "$T/c.rc")" "$3" "$1, no rebuild: exit $3"
	[ -z "$4" ] || check "$1, no rebuild: the error says why" \
	    grep -Eq "$4" "$T/c.err"
	# A refusal comes from the listing, before any encryption is tried
	# (gpg itself refuses an expired or revoked key, not a disabled one).
	[ "$3" -eq 0 ] || is "$(encryptions)" 0 \
	    "$1, no rebuild: the listing refuses it, no encryption is tried"
	kc_build
	kc_same "$1, rebuilt: as without the cache" "$2"
	is "$(cat "$T/c.rc")" "$3" "$1, rebuilt: exit $3"
}

used "a revocation" alice@example.org
sed 's/^:-----/-----/' "$T/home/alice/openpgp-revocs.d/$(fpr_of alice).rev" >"$T/rev"
kgpg "$T/sys" --import "$T/rev"
after "a revocation imported" alice@example.org 67 'alice@example.org: no usable key \(revoked\)'

used "disable" bob@example.org
printf 'disable\nsave\n' | kgpg "$T/sys" --command-fd 0 --edit-key "$(fpr_of bob)"
after "--edit-key disable" bob@example.org 67 'bob@example.org: no usable key \(disabled\)'

used "a keymap edit" dave@example.org
echo "dave@example.org $(fpr_of erin)" >"$T/keymap"
after "a keymap edit to another key" dave@example.org 0
is "$(keyids "$T/c.out/1.msg")" "$(encid_of erin)" \
    "a keymap edit: encrypted to the new key only"
echo "dave@example.org reject" >"$T/keymap"
msgto dave@example.org
kc_same "a keymap edit to reject: as without the cache" dave@example.org
is "$(cat "$T/c.rc")" 67 "a keymap edit to reject: refused"

used "a new key" erin@example.org
mkhome "$T/home/erin2"
kgpg "$T/home/erin2" --passphrase '' --quick-gen-key 'erin two <erin@example.org>' ed25519 cert,sign never
e2=$(gpg --homedir "$T/home/erin2" --with-colons --list-keys 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
kgpg "$T/home/erin2" --passphrase '' --quick-add-key "$e2" cv25519 encr never
gpg --homedir "$T/home/erin2" --export "$e2" 2>/dev/null >"$T/erin2.pub"
kgpg "$T/sys" --import "$T/erin2.pub"
after "a new key for the same address" erin@example.org 0
is "$(keyids "$T/c.out/1.msg" | wc -l)" 2 "a new key: encrypted to both of erin's keys"

used "a deleted key" frank@example.org
kgpg "$T/sys" --yes --delete-keys "$(fpr_of frank)"
after "a key deleted" frank@example.org 67 'frank@example.org: no usable key \(no key\)'

used "another keyring" gina@example.org
cp -a "$T/sys" "$T/sys2"
kgpg "$T/sys2" --yes --delete-keys "$(fpr_of gina)"
sed -i "s|^gnupghome .*|gnupghome $T/sys2|" "$T/conf" "$T/conf.none"
after "gnupghome changed in the configuration" gina@example.org 67 'no usable key \(no key\)'
sed -i "s|^gnupghome .*|gnupghome $T/sys|" "$T/conf" "$T/conf.none"

# Once hank has a trust record (disabled and enabled again), disable
# changes trustdb.gpg in place; put its mtime back to the very nanosecond
# the cache recorded: only its ctime says it changed.
printf 'disable\nsave\n' | kgpg "$T/sys" --command-fd 0 --edit-key "$(fpr_of hank)"
printf 'enable\nsave\n' | kgpg "$T/sys" --command-fd 0 --edit-key "$(fpr_of hank)"
used "a put-back mtime" hank@example.org
rec=$(awk '$1 == "file" && $2 ~ /\/trustdb\.gpg$/ { printf "%s.%09d\n", $6, $7 }' "$T/keymap.cache")
size=$(stat -c %s "$T/sys/trustdb.gpg")
printf 'disable\nsave\n' | kgpg "$T/sys" --command-fd 0 --edit-key "$(fpr_of hank)"
touch -d "@$rec" "$T/sys/trustdb.gpg"
is "$(stat -c '%s %.9Y' "$T/sys/trustdb.gpg")" "$size $rec" \
    "trustdb.gpg has the size and mtime the cache recorded"
after "disable, then the mtime put back (touch -d)" hank@example.org 67 'no usable key \(disabled\)'

# carol's key expires 10 s from now, made just before its test: made a day ago, for a day.
now=$(date +%s)
mkhome "$T/home/carol"
ago=$(date -u -d "@$((now - 86400 + 10))" +%Y%m%dT%H%M%S)
kgpg "$T/home/carol" --faked-system-time "$ago" --passphrase '' \
    --quick-gen-key 'carol <carol@example.org>' ed25519 cert,sign 1d
cfpr=$(gpg --homedir "$T/home/carol" --with-colons --list-keys 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
kgpg "$T/home/carol" --faked-system-time "$ago" --passphrase '' \
    --quick-add-key "$cfpr" cv25519 encr 1d
gpg --homedir "$T/home/carol" --export "$cfpr" 2>/dev/null >"$T/carol.pub"
kgpg "$T/sys" --import "$T/carol.pub"
expires=$((now + 10))
# The keyring directory made writable by anyone: refused (78) as the
# listing refuses it; nothing in the cache's files changed.
used "a keyring writable by anyone" ivan@example.org
chmod o+w "$T/sys"
after "the keyring directory made writable by anyone" ivan@example.org 78 'writable by anyone, refused'
chmod o-w "$T/sys"

used "an expiry" carol@example.org
# Wait for carol's key to expire (bounded: 40 s).
i=0
while [ "$(date +%s)" -le "$expires" ] && [ $i -lt 400 ]; do
	sleep 0.1
	i=$((i + 1))
done
after "a key expired" carol@example.org 67 'carol@example.org: no usable key \(expired'
