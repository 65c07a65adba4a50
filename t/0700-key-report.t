#!/bin/sh
# pgpsendmail --key-report: every keymap line and every key of the system
# keyring with its state and expiry, and first what needs the admin; exit
# 1 when something does, 0 when nothing does.  With --mail the report goes
# in clear straight to the real sendmail, past the keymap.
. "$(dirname "$0")/lib.sh"
plan 36

mkkey alice alice@example.org
mkkey bob bob@example.org expired
mkkey carol carol@example.org soon
mkkey erin erin@example.org noencrypt
mkkey frank frank@example.org revoked
mkkey mal "$(printf 'mal\342\200\256lory@example.org')"
missing=0123456789ABCDEF0123456789ABCDEF01234567
cat >"$T/keymap" <<EOF_
alice@example.org $(fpr_of alice)
bob@example.org $(fpr_of bob)
zed@example.org 0x$missing
erin@example.org keyring
@example.org keyring
root reject
EOF_
mkconf
K=$T/keymap

send --key-report </dev/null
is "$rc" 1 "a keyring with keys that need the admin: exit 1"
out=$T/stdout
check "the report starts with what needs attention" \
    grep -q '^Needs attention (' "$out"
att() { sed -n '/^Needs attention/,/^$/p' "$out"; }
check "the pinned fingerprint that is missing is named, with FILE:LINE" \
    sh -c "grep -qF '  $K:3: zed@example.org: fingerprint 0x$missing is not in the keyring' '$out'"
check "the expired key is named, with its date" \
    sh -c "grep -Eq '^  key $(fpr_of bob) \\(bob <bob@example.org>\\): expired 2020-01-0[12]\$' '$out'"
check "and the keymap line that pins it" \
    sh -c "grep -Eq '^  $K:2: bob@example.org: key $(fpr_of bob) is unusable: expired 2020-01-0[12]\$' '$out'"
check "the key expiring in 10 days is named, with its date and the days left" \
    sh -c "grep -Eq '^  key $(fpr_of carol) \\(carol <carol@example.org>\\): usable, expires [0-9]{4}-[0-9]{2}-[0-9]{2}, in (9|10) days\$' '$out'"
check "the key with no encryption subkey is named" \
    sh -c "grep -q '^  key $(fpr_of erin) (erin <erin@example.org>): no encryption subkey\$' '$out'"
check "the revoked key is named" \
    sh -c "grep -q '^  key $(fpr_of frank) (frank <frank@example.org>): revoked\$' '$out'"
check "a keyring line for one address with no usable key is named" \
    sh -c "grep -q '^  $K:4: erin@example.org: no usable key in the keyring\$' '$out'"
check "usable keys that expire late or never are not in the attention list" \
    sh -c "! att | grep -q -e '$(fpr_of alice)' -e '$(fpr_of mal)'"
check "every keymap line is shown with FILE:LINE, pattern and action" \
    sh -c "grep -q '^$K:1: alice@example.org $(fpr_of alice)\$' '$out' &&
    grep -q '^$K:5: @example.org keyring\$' '$out' && grep -q '^$K:6: root reject\$' '$out'"
check "a pinned key is shown under its line with state, expiry and user ID" \
    sh -c "grep -A1 -F '$K:1: alice@example.org' '$out' | tail -n 1 |
    grep -q '^	key $(fpr_of alice): usable, expires never: alice <alice@example.org>\$'"
check "a domain keyring line lists the keys it finds" \
    sh -c "sed -n '/:5: @example.org keyring/,/:6: /p' '$out' | grep -q 'key $(fpr_of carol): usable, expires'"
check "the keyring section lists every key" \
    sh -c "grep -q '^Keyring $T/sys, 6 keys:\$' '$out' && grep -c '^[0-9A-F]\\{40\\}: ' '$out' | grep -qx 6"
check "a hostile user ID is shown escaped" grep -qF 'mal <mal\u202elory@example.org>' "$out"
check "nothing unsafe reaches the output" not grep -q "$(printf '\342\200\256')" "$out"
check "nothing on stderr" test ! -s "$T/err"

# A keyring where nothing needs the admin.
rm -rf "$T/sys"
mkhome "$T/sys"
timeout 60 gpg --homedir "$T/home/alice" --export "$(fpr_of alice)" >"$T/pub"
kgpg "$T/sys" --import "$T/pub"
printf 'alice@example.org %s\n@example.org keyring\n' "$(fpr_of alice)" >"$K"
send --key-report </dev/null
is "$rc" 0 "an all-good keyring and keymap: exit 0"
check "saying nothing needs attention" grep -qx 'Nothing needs attention.' "$T/stdout"
check "and still listing the keymap and the key" \
    sh -c "grep -q '^$K:1: alice@example.org' '$T/stdout' && grep -q '^$(fpr_of alice): usable, expires never' '$T/stdout'"

# --mail: nothing to say, nothing mailed.
reset_out
send --key-report --mail root </dev/null
is "$rc" 0 "--mail with nothing that needs attention: exit 0"
is "$(calls)" 0 "and nothing is mailed"
check "and nothing printed" test ! -s "$T/stdout"

# --mail: something to say; root's own line is reject, root has no key.
timeout 60 gpg --homedir "$T/home/bob" --export "$(fpr_of bob)" >"$T/pub"
kgpg "$T/sys" --import "$T/pub"
printf 'root reject\n* reject\n' >>"$K"
reset_out
send --key-report --mail root </dev/null
is "$rc" 1 "--mail with something that needs attention: exit 1"
is "$(calls)" 1 "the report is handed to the real sendmail once"
is "$(rcpts 1)" root "to root, though root's keymap line is reject"
m=$T/out/1.msg
check "with From, To, Subject and Date" sh -c "
    grep -q '^From: ' '$m' && grep -qx 'To: root' '$m' &&
    grep -q '^Subject: pgpsendmail key report for .*: 1 needs attention\$' '$m' &&
    grep -q '^Date: ' '$m'"
check "in clear, naming the expired key" \
    sh -c "! grep -q 'BEGIN PGP' '$m' && grep -q '^  key $(fpr_of bob) (bob <bob@example.org>): expired' '$m'"
check "and nothing on stdout" test ! -s "$T/stdout"

# Failures: a keymap that cannot be read, gpg that fails, bad usage.
printf 'bad line here\n' >"$K"
reset_out
send --key-report </dev/null
is "$rc" 78 "a keymap error: exit 78"
check "named with FILE:LINE" errline "^pgpsendmail: $K:1: bad action"
reset_out
send --key-report --mail root </dev/null
check "with --mail, the keymap error is mailed too" \
    grep -q "^  $K:1: bad action" "$T/out/1.msg"
printf '* keyring\n' >"$K"
sed -i "s|^gpg .*|gpg $ABS/t/no-such-gpg|" "$T/conf"
send --key-report </dev/null
is "$rc" 69 "gpg that cannot run: exit 69"
send --key-report --mail </dev/null
is "$rc" 64 "--mail without an address: usage, exit 64"
check "in one line, as every usage error" \
    sh -c "grep -qx 'pgpsendmail: --key-report takes only --mail address (pgpsendmail --help lists the options)' '$T/err' && test \$(wc -l <'$T/err') -eq 1"

# Only root may mail the report: it is the one way past the keymap.
user=
for u in nobody www-data; do
	id "$u" >/dev/null 2>&1 && { user=$u; break; }
done
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null || [ -z "$user" ]; then
	skip "--mail from another user is refused (77)" "needs root, setpriv and nobody"
else
	mkdir "$T/bin"
	cp "$PGPSENDMAIL" "$T/bin/"
	chmod 755 "$T" "$T/bin" "$T/bin/pgpsendmail"
	chmod 644 "$T/conf" "$T/keymap"
	(cd / && timeout 60 setpriv --reuid="$(id -u "$user")" \
	    --regid="$(id -g "$user")" --clear-groups env -i PATH=/usr/bin:/bin \
	    PGPSENDMAIL_CONF="$T/conf" "$T/bin/pgpsendmail" --key-report \
	    --mail root) </dev/null >/dev/null 2>"$T/err"
	is "$?" 77 "--mail from another user is refused (77)"
fi
