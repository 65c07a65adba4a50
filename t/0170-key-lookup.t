#!/bin/sh
# The key lookup asks gpg for the recipients' keys by name (one run per
# message), not for the whole keyring, and still matches exactly: a user ID
# that only contains the address is not the recipient's, case does not
# matter, a bare address as user ID counts, and "no key at all" is an
# answer, not a gpg failure.
. "$(dirname "$0")/lib.sh"
plan 30

mkkey alice alice@example.org
mkkey xalice xalice@example.org	# contains "alice@example.org"
mkkey bob BOB@Example.ORG	# upper case in the key
mkkey dave dave@example.org.evil	# contains "dave@example.org"
mkkey carol carol@example.org bare	# the user ID is the address alone

# A gpg that records each run's arguments, one a line, then runs gpg.
cat >"$T/gpg-log" <<EOF2
#!/bin/sh
{ echo RUN; for a in "\$@"; do printf '%s\n' "\$a"; done; } >>"$T/gpg-runs"
exec /usr/bin/gpg "\$@"
EOF2
chmod 755 "$T/gpg-log"
CONF_GPG=$T/gpg-log
mkconf

printf 'From: sender@example.org\nTo: x@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <lookup@example.org>\nSubject: lookup\n\nbody\n' >"$T/in"
runs() { grep -c '^RUN$' "$T/gpg-runs"; }
listings() { grep -c '^--list-keys$' "$T/gpg-runs"; }

reset_out; : >"$T/gpg-runs"
send alice@example.org <"$T/in"
is "$rc" 0 "alice, whose address is inside xalice's, is sent"
printf '%s\n' "$(encid_of alice)" >"$T/want"
keyids "$T/out/1.msg" >"$T/got"
check_same "to alice's key only, not xalice's" "$T/got" "$T/want"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "which opens it" "$T/dec" "$T/in"
is "$(listings)" 1 "one key lookup"
is "$(sed -n '/^--list-keys$/,/^RUN$/p' "$T/gpg-runs" | sed '1d;/^RUN$/d' | tr '\n' ' ')" \
    "-- *alice@example.org " "which asks gpg for alice's address, not every key"

reset_out
send bob@example.org <"$T/in"
is "$rc" 0 "an address written in another case in the key is found"
opened bob "$T/out/1.msg" >"$T/dec"
check_same "and bob opens it" "$T/dec" "$T/in"

reset_out
send carol@example.org <"$T/in"
is "$rc" 0 "a user ID that is only the address is found"
decrypt carol "$T/out/1.msg" >/dev/null 2>&1
is "$?" 0 "and carol opens it"

reset_out
send dave@example.org <"$T/in"
is "$rc" 67 "a key for dave@example.org.evil is not dave@example.org's"
check "stderr says there is no key" \
    errline '^pgpsendmail: dave@example\.org: no usable key \(no key\), keymap \(default\): \* keyring$'
is "$(calls)" 0 "nothing is sent"

reset_out
send alice@example.org nobody@example.org <"$T/in"
is "$rc" 67 "one recipient without a key among others: 67"
check "naming her" errline '^pgpsendmail: nobody@example\.org: no usable key \(no key\), keymap \(default\): \* keyring$'
is "$(calls)" 0 "nothing is sent"

reset_out
send nobody@example.org nobody2@example.org <"$T/in"
is "$rc" 67 "no key for any recipient is 67 (gpg's exit 2 there is no failure)"
check "and says so, not that gpg failed" \
    errline '^pgpsendmail: nobody2?@example\.org: no usable key \(no key\), keymap \(default\): \* keyring$'

# Many recipients, one lookup.
: >"$T/gpg-runs"
reset_out
printf 'From: sender@example.org\nTo: alice@example.org, bob@example.org, carol@example.org, xalice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <lookup4@example.org>\nSubject: lookup\n\nbody\n' >"$T/in4"
send -t <"$T/in4"
is "$rc" 0 "four recipients are sent"
is "$(listings)" 1 "with one key lookup"
is "$(runs)" 2 "and one encryption: two gpg runs in all"
opened xalice "$T/out/1.msg" "$T/in4" >"$T/dec"
check_same "xalice opens it too" "$T/dec" "$T/in4"

# A keymap fingerprint is asked for as such.
printf 'zed@example.org %s\n' "$(fpr_of alice)" >"$T/keymap"
: >"$T/gpg-runs"
reset_out
send zed@example.org <"$T/in"
is "$rc" 0 "a keymap fingerprint is sent"
check "gpg is asked for that fingerprint" grep -qx "$(fpr_of alice)" "$T/gpg-runs"
: >"$T/keymap"

# A keyring gpg cannot read fails closed, with gpg's reason.  (Some
# damage gpg itself reports as "no public key": that refuses too, 67.  This
# content it reports as a bad keyring, every time.)
reset_out
cp "$T/conf" "$T/conf.good"
mkhome "$T/broken"
yes "not a keybox" | head -c 4096 >"$T/broken/pubring.kbx"
sed "s|^gnupghome .*|gnupghome $T/broken|" "$T/conf.good" >"$T/conf"
send alice@example.org <"$T/in"
is "$rc" 69 "a corrupt keyring is a failure (69), not 'no key'"
check "stderr says gpg failed" errline '^pgpsendmail: gpg --list-keys exited with status 2'
is "$(calls)" 0 "nothing is sent"
cp "$T/conf.good" "$T/conf"

# A non-ASCII address (UTF-8) finds its key: gpg is told names are UTF-8.
mkkey jorg 'jörg@example.org'
reset_out
send 'jörg@example.org' <"$T/in"
is "$rc" 0 "a UTF-8 address finds its key"
decrypt jorg "$T/out/1.msg" >/dev/null 2>&1
is "$?" 0 "and its owner opens the message"

# gpg 2.4 ends a listing that matched nothing with FAILURE gpg-exit too:
# still "no key", not a gpg failure.
cat >"$T/gpg-24" <<EOF2
#!/bin/sh
/usr/bin/gpg "\$@"
st=\$?
case " \$* " in
*" --status-fd 3 "*) [ \$st -ne 0 ] && echo "[GNUPG:] FAILURE gpg-exit 33554433" >&3 ;;
esac
exit \$st
EOF2
chmod 755 "$T/gpg-24"
CONF_GPG=$T/gpg-24
mkconf
reset_out
send nobody@example.org <"$T/in"
is "$rc" 67 "with gpg 2.4's FAILURE gpg-exit, no key is still 67"
check "saying no key" errline '^pgpsendmail: nobody@example\.org: no usable key \(no key\), keymap \(default\): \* keyring$'
