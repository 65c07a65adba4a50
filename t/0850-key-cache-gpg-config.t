#!/bin/sh
# gpg reads more than gpg.conf: first of gnupghome's gpg.conf-2.2.40,
# gpg.conf-2.2 and gpg.conf-2 (the one it finds instead of gpg.conf), and
# /etc/gnupg/gpg.conf; and a gpg.conf may name keyrings and a trustdb
# elsewhere (keyring, primary-keyring, trustdb-name) whose changes no
# watched file shows.  A send after either behaves as without the cache.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keycache.sh"
plan 12

mkkey alice alice@example.org
mkkey bob bob@example.org
kc_conf

# A keyring with no key at all, for gpg.conf-2 to point at.
mkhome "$T/empty"
kgpg "$T/empty" --import /dev/null
kgpg "$T/empty" --list-keys

kc_build
msgto alice@example.org
kc_same "before: as without the cache" alice@example.org
is "$(listings) $(cat "$T/c.rc")" "0 0" "before: the cache answers"

# gpg now reads gpg.conf-2 (made after the build), which drops the
# keyring: alice has no key.
printf 'no-default-keyring\nkeyring %s/empty/pubring.kbx\n' "$T" >"$T/sys/gpg.conf-2"
kc_same "gpg.conf-2 made after the build: as without the cache" alice@example.org
is "$(cat "$T/c.rc")" 67 "gpg.conf-2 made after the build: refused, no key"
rm "$T/sys/gpg.conf-2"

# A keyring outside gnupghome, named in gpg.conf: a new key for bob goes
# into it after the build.
mkhome "$T/extra"
kgpg "$T/extra" --import /dev/null
kgpg "$T/extra" --list-keys
printf 'keyring %s/extra/pubring.kbx\n' "$T" >"$T/sys/gpg.conf"
kc_build
check "-bi says why no cache is built for a keyring named in gpg.conf" \
    grep -q 'key cache not built: .*gpg.conf.*keyring' "$T/bi.out"
mkhome "$T/home/bob2"
kgpg "$T/home/bob2" --passphrase '' --quick-gen-key 'bob two <bob@example.org>' ed25519 cert,sign never
b2=$(gpg --homedir "$T/home/bob2" --with-colons --list-keys 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
kgpg "$T/home/bob2" --passphrase '' --quick-add-key "$b2" cv25519 encr never
gpg --homedir "$T/home/bob2" --export "$b2" 2>/dev/null >"$T/bob2.pub"
kgpg "$T/extra" --import "$T/bob2.pub"
msgto bob@example.org
kc_same "a key added to a keyring gpg.conf names: as without the cache" bob@example.org
is "$(cat "$T/c.rc")" 0 "a key added to that keyring: sent"
is "$(keyids "$T/c.out/1.msg" | wc -l)" 2 "encrypted to both of bob's keys"

# --key-cache says the same, and fails so that a timer shows it.
PGPSENDMAIL_CONF=$T/conf "$PGPSENDMAIL" --key-cache >"$T/kc.out" 2>&1
is "$?" 73 "--key-cache: exit 73 while gpg.conf names a keyring"
check "--key-cache says why" grep -q 'gpg.conf.*keyring' "$T/kc.out"

# A gpg.conf for gpg's very version (gpg.conf-2.2.40) is read instead of
# gpg.conf; one there at the build could be edited in place unseen.
rm "$T/sys/gpg.conf"
v=$(gpg --version | sed -n '1s/.* //p')
: >"$T/sys/gpg.conf-$v"
kc_build
check "-bi builds no cache beside a gpg.conf-$v" \
    grep -q "key cache not built: .*gpg.conf-$v" "$T/bi.out"
msgto alice@example.org
kc_send "$T/conf" alice@example.org
is "$(listings) $rc" "1 0" "gpg.conf-$v: the send lists the keys itself"
