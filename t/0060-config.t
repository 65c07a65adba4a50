#!/bin/sh
# Config and keymap files: errors are EX_CONFIG (78) with FILE:LINE, nothing sent.
. "$(dirname "$0")/lib.sh"
plan 44

mkkey alice alice@example.org
mkconf
printf 'From: sender@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <conf@example.org>\nSubject: c\n\nbody\n' >"$T/in"
fake="$ABS/t/fake-sendmail $T/out"

conf() {	# conf LINE...: write $T/conf from the lines given
	printf '%s\n' "$@" >"$T/conf"
}
fails() {	# fails WHAT FILE:LINE: send; expect 78, FILE:LINE on stderr, no call
	reset_out
	send alice@example.org <"$T/in"
	is "$rc" 78 "$1 exits 78"
	check "$1 is reported as $2" errline "^pgpsendmail: $2: "
	is "$(calls)" 0 "$1 sends nothing"
}

conf '# comment' '' "sendmail $fake" '   # indented comment' "gnupghome $T/sys" \
    "keymap $T/keymap" "gpg /usr/bin/gpg" "spool $T/spool" ''
reset_out
send alice@example.org <"$T/in"
is "$rc" 0 "comments and blank lines in the config are fine"

PGPSENDMAIL_CONF=$T/nonexistent
reset_out
send alice@example.org <"$T/in"
is "$rc" 78 "a missing config file exits 78"
check "and names it" errline "^pgpsendmail: $T/nonexistent: No such file or directory\$"
PGPSENDMAIL_CONF=$T/conf

conf "sendmail $fake" "gnupghome $T/sys" "colour blue" "keymap $T/keymap"
fails "an unknown config key" "$T/conf:3"
conf "sendmail $fake" "gnupghome $T/sys" "keymap $T/keymap" "gnupghome $T/other"
fails "a config key set twice" "$T/conf:4"
conf "sendmail $fake" "gnupghome $T/sys" "keymap $T/keymap" "gpg relative/gpg"
fails "a relative gpg path" "$T/conf:4"
conf "gnupghome $T/sys" "keymap $T/keymap"
reset_out
send alice@example.org <"$T/in"
is "$rc" 78 "a config without a sendmail line exits 78"
conf "gnupghome $T/sys" "sendmail t/fake-sendmail $T/out" "keymap $T/keymap"
fails "a relative sendmail path" "$T/conf:2"
conf "gnupghome $T/sys" "keymap $T/keymap" "sendmail $PGPSENDMAIL -i"
fails "sendmail pointing at pgpsendmail itself" "$T/conf:3"
mkdir "$T/bin"
cp "$PGPSENDMAIL" "$T/bin/pgpsendmail"
ln "$T/bin/pgpsendmail" "$T/bin/hardlink"
conf "sendmail $T/bin/hardlink" "gnupghome $T/sys" "keymap $T/keymap"
reset_out
timeout 60 "$T/bin/pgpsendmail" alice@example.org <"$T/in" 2>"$T/err"
rc=$?
is "$rc" 78 "sendmail pointing at a hard link to pgpsendmail exits 78"
check "and is reported as $T/conf:1" errline "^pgpsendmail: $T/conf:1: "
is "$(calls)" 0 "a hard link sends nothing"
ln -s "$PGPSENDMAIL" "$T/sendmail"
conf "sendmail $T/sendmail" "gnupghome $T/sys" "keymap $T/keymap"
fails "sendmail pointing at a symlink to pgpsendmail" "$T/conf:1"

mkconf
alicef=$(fpr_of alice)
printf '# keymap\nalice@example.org keyring\n@example.org plain\n\nalice@example.org %s\n' "$alicef" >"$T/keymap"
fails "the same keymap pattern twice" "$T/keymap:5"
printf '@example.org plain\n* keyring\n@EXAMPLE.ORG reject\n' >"$T/keymap"
fails "the same pattern twice in another case" "$T/keymap:3"
printf 'alice@example.org keyring\nbob@example.org frobnicate\n' >"$T/keymap"
fails "an unknown keymap action" "$T/keymap:2"
printf '# short\nalice@example.org %s\n' "${alicef%?}" >"$T/keymap"
fails "a 39-digit fingerprint" "$T/keymap:2"
printf 'alice@example.org\n' >"$T/keymap"
fails "a pattern without an action" "$T/keymap:1"
printf 'alice@example.org keyring plain\n' >"$T/keymap"
fails "two keywords on one line" "$T/keymap:1"

printf '# only comments\n\n   # and blanks\n' >"$T/keymap"
reset_out
send alice@example.org <"$T/in"
is "$rc" 0 "a keymap of comments only means * keyring"
