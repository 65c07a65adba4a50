#!/bin/sh
# The errors an administrator meets with keys say what to fix: a missing
# key names the keymap line it came from (and the pinned fingerprint), a
# missing keyring directory is named as such, and a keyring, or a program
# the config runs, that anyone may write is refused like such a config.
. "$(dirname "$0")/lib.sh"
plan 35

mkkey alice alice@example.org
missing=0123456789ABCDEF0123456789ABCDEF01234567
cat >"$T/keymap" <<EOF_
alice@example.org $(fpr_of alice)
bob@example.org 0x$missing
@example.org keyring
EOF_
mkconf
printf 'Subject: k\n\nbody\n' >"$T/in"

send bob@example.org <"$T/in"
is "$rc" 67 "a pinned fingerprint not in the keyring: 67"
check "the error names the fingerprint and the keymap line that pins it" \
    errline "^pgpsendmail: bob@example\\.org: no usable key: fingerprint 0x$missing pinned at $T/keymap:2 is not in the keyring\$"
check "in one line" oneline
send nokey@example.org <"$T/in"
is "$rc" 67 "a keyring line with no key: 67"
check "the error names the keymap line it came from" \
    errline "^pgpsendmail: nokey@example\\.org: no usable key \\(no key\\), keymap $T/keymap:3: @example\\.org keyring\$"
send nokey@other.example <"$T/in"
check "with no line matching, the error says it was the default" \
    errline "^pgpsendmail: nokey@other\\.example: no usable key \\(no key\\), keymap \\(default\\): \\* keyring\$"
session <<EOF_
EHLO t
MAIL FROM:<x@example.org>
RCPT TO:<bob@example.org>
QUIT
EOF_
check "-bs: the 550 reply names the pinned fingerprint and the line" \
    grep -q "^550 5.7.1 bob@example.org: no usable key: fingerprint 0x$missing pinned at $T/keymap:2" "$R"

# A keyring directory that is not there.
sed -i "s|^gnupghome .*|gnupghome $T/nokeyring|" "$T/conf"
reset_out
send alice@example.org <"$T/in"
is "$rc" 69 "a keyring directory that is not there: 69"
check "named as such, with the config key to check" \
    errline "^pgpsendmail: the system keyring $T/nokeyring does not exist \\(gnupghome in the configuration\\)\$"
check "not gpg's 'No public key'" not grep -qi 'public key' "$T/err"
is "$(calls)" 0 "and nothing is sent"
send -bv alice@example.org </dev/null
is "$rc" 69 "-bv: 69 too"
check "-bv names it the same way" errline "the system keyring $T/nokeyring does not exist"
send --key-report </dev/null
is "$rc" 69 "--key-report: 69"
check "--key-report names it the same way" errline "the system keyring $T/nokeyring does not exist"
sed -i "s|^gnupghome .*|gnupghome $T/sys|" "$T/conf"

# A keyring anyone may write.
refused() {	# refused PATH WHAT: a send and -bv are refused with 78, naming PATH
	reset_out
	send alice@example.org <"$T/in"
	is "$rc" 78 "$2 writable by anyone: 78"
	check "$2: one line naming it and what to do" \
	    sh -c "grep -qx 'pgpsendmail: $1: writable by anyone, refused: .* (as root: chmod o-w it)' '$T/err' && test \$(wc -l <'$T/err') -eq 1"
	is "$(calls)" 0 "$2: nothing is sent"
}
timeout 10 gpgconf --homedir "$T/sys" --kill all
[ -f "$T/sys/trustdb.gpg" ] || kgpg "$T/sys" --check-trustdb
chmod o+w "$T/sys"
refused "$T/sys" "the keyring directory"
send -bv alice@example.org </dev/null
is "$rc" 78 "-bv: 78 too"
send --key-report </dev/null
is "$rc" 78 "--key-report: 78 too"
chmod o-w "$T/sys"
for f in pubring.kbx trustdb.gpg; do
	chmod o+w "$T/sys/$f"
	refused "$T/sys/$f" "$f"
	chmod o-w "$T/sys/$f"
done
echo 'no-greeting' >"$T/sys/gpg.conf"
chmod 666 "$T/sys/gpg.conf"
refused "$T/sys/gpg.conf" "gpg.conf"
rm -f "$T/sys/gpg.conf"
chmod g+w "$T/sys" "$T/sys/pubring.kbx"
reset_out
send alice@example.org <"$T/in"
is "$rc" 0 "a keyring writable by its group only is used, as a config file would be"
chmod g-w "$T/sys" "$T/sys/pubring.kbx"

# The programs the config runs.
cp "$ABS/t/fake-sendmail" "$T/fs"
chmod 777 "$T/fs"
CONF_SENDMAIL="$T/fs $T/out" mkconf
send alice@example.org <"$T/in"
is "$rc" 78 "a real sendmail anyone may write: 78"
check "naming it" errline "^pgpsendmail: $T/fs: writable by anyone, refused: sendmail in $T/conf runs it"
printf '#!/bin/sh\nexec /usr/bin/gpg "$@"\n' >"$T/gpg"
chmod 777 "$T/gpg"
CONF_GPG=$T/gpg mkconf
send alice@example.org <"$T/in"
is "$rc" 78 "a gpg anyone may write: 78"
check "naming it" errline "^pgpsendmail: $T/gpg: writable by anyone, refused: gpg in $T/conf runs it"
chmod 755 "$T/gpg"
reset_out
send alice@example.org <"$T/in"
is "$rc" 0 "the same gpg, not writable by others, is used"
