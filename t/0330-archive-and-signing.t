#!/bin/sh
# encrypt-to (archive or escrow keys, hidden), sign-key (sign then encrypt,
# fail closed), and gateway keys for a domain.
. "$(dirname "$0")/lib.sh"
plan 58

mkkey alice alice@example.org
mkkey bob bob@example.org
mkkey arch archive@example.net
mkkey arch2 archive2@example.net
mkkey oldarch oldarchive@example.net expired
mkkey revarch revarchive@example.net revoked
mkkey signer host@example.org
mkkey gw gateway@corp.example
mkkey cbob bob@corp.example
mkkey ccarol carol@corp.example
archf=$(fpr_of arch) arch2f=$(fpr_of arch2) signf=$(fpr_of signer) gwf=$(fpr_of gw)
ZERO=0000000000000000

cat >"$T/in" <<'EOF_'
From: sender@example.org
To: alice@example.org
Bcc: bob@example.org
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <t0330@example.org>
Subject: archived

the archived body
EOF_
bodyof "$T/in" >"$T/body"
# body_is NAME N: NAME decrypts backend call N's copy to the original body
body_is() { decrypt "$1" "$T/out/$2.msg" | sed '1,/^$/d' | cmp -s - "$T/body"; }

# --- encrypt-to
mkconf
echo "encrypt-to $archf" >>"$T/conf"
send -t <"$T/in"
is "$rc" 0 "encrypt-to: sent"
is "$(calls)" 2 "encrypt-to: the To copy and bob's Bcc copy"
va=$(call_of alice@example.org || echo 0) vb=$(call_of bob@example.org || echo 0)
check "the archive key decrypts the To copy" body_is arch "$va"
check "the archive key decrypts the Bcc copy" body_is arch "$vb"
check "alice decrypts the To copy" body_is alice "$va"
check "bob decrypts the Bcc copy" body_is bob "$vb"
printf '%s\n' "$(encid_of alice)" $ZERO | sort >"$T/want"
keyids "$T/out/$va.msg" >"$T/got"
check_same "the To copy's packets show alice's key ID and one zeroed key ID" "$T/got" "$T/want"
printf '%s\n' "$(encid_of bob)" $ZERO | sort >"$T/want"
keyids "$T/out/$vb.msg" >"$T/got"
check_same "the Bcc copy's packets show bob's key ID and one zeroed key ID" "$T/got" "$T/want"
check "the archive key's ID is in no packet" \
    not sh -c "cat '$T/out/'*.msg | sed -n '/^-----BEGIN PGP/,/^-----END PGP/p' |
	gpg --homedir '$T/nokeys' --batch --no-tty --list-packets 2>/dev/null |
	grep -qi '$(encid_of arch)'"
check "the archive key's fingerprint is in no copy" not grep -qi "$archf" "$T"/out/*.msg
check "alice cannot open bob's copy" cannot_open alice "$T/out/$vb.msg"

mkconf
printf 'encrypt-to 0x%s %s\n' "$archf" "$(echo "$arch2f" | tr A-F a-f)" >>"$T/conf"
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 0 "two encrypt-to keys, 0x and lower case: sent"
check "the first archive key decrypts it" body_is arch 1
check "the second archive key decrypts it" body_is arch2 1
printf '%s\n' "$(encid_of alice)" $ZERO $ZERO | sort >"$T/want"
keyids "$T/out/1.msg" >"$T/got"
check_same "its packets show alice's key ID and two zeroed ones" "$T/got" "$T/want"

mkconf
printf 'encrypt-to %s\nbcc hidden\n' "$archf" >>"$T/conf"
reset_out
send -t <"$T/in"
is "$(calls)" 1 "encrypt-to with bcc hidden: one call"
printf '%s\n' "$(encid_of alice)" $ZERO $ZERO | sort >"$T/want"
keyids "$T/out/1.msg" >"$T/got"
check_same "its packets show alice's key ID and two zeroed ones (bob, archive)" "$T/got" "$T/want"
check "the archive key decrypts it" body_is arch 1
check "bob decrypts it" body_is bob 1

unusable_archive() {	# unusable_archive WHICH FPR
	mkconf
	echo "encrypt-to $2" >>"$T/conf"
	echo 'plain@example.org plain' >"$T/keymap"
	reset_out
	send -t <"$T/in"
	is "$rc" 78 "$1 encrypt-to key: exit 78"
	check "$1 encrypt-to key: the error names the key" \
	    sh -c "grep -qi '$(printf %s "$2" | cut -c 25-)' '$T/err' && ! grep -vq '^pgpsendmail: ' '$T/err'"
	is "$(calls)" 0 "$1 encrypt-to key: nothing is sent"
	send -i plain@example.org <"$T/in"
	is "$rc:$(calls)" 78:0 "$1 encrypt-to key refuses every message, one to a plain recipient too"
	: >"$T/keymap"
}
unusable_archive "an expired" "$(fpr_of oldarch)"
unusable_archive "a revoked" "$(fpr_of revarch)"
unusable_archive "a missing" 0123456789ABCDEF0123456789ABCDEF01234567

# --- sign-key
timeout 60 gpg --homedir "$T/home/signer" --batch --no-tty --export-secret-keys "$signf" 2>>"$T/gpg.log" |
    kgpg "$T/sys" --import
timeout 60 gpg --homedir "$T/home/signer" --batch --no-tty --export "$signf" >"$T/signer.pgp" 2>>"$T/gpg.log"
for u in alice bob; do kgpg "$T/home/$u" --import "$T/signer.pgp"; done
# status NAME N: NAME decrypts backend call N's copy to $T/dec.NAME, and the
# status lines of her gpg are in $T/status
status() {
	armored "$T/out/$2.msg" | timeout 60 gpg --homedir "$T/home/$1" --batch --no-tty \
	    --status-file "$T/status" --decrypt 2>/dev/null >"$T/dec.$1"
}
mkconf
echo "sign-key $signf" >>"$T/conf"
reset_out
send -t <"$T/in"
is "$rc" 0 "sign-key: sent"
va=$(call_of alice@example.org || echo 0) vb=$(call_of bob@example.org || echo 0)
status alice "$va"
check "alice's gpg reports GOODSIG from the host key" \
    grep -Eq "^\[GNUPG:\] GOODSIG $(printf %s "$signf" | cut -c 25-) " "$T/status"
check "and VALIDSIG for its fingerprint" grep -Eq "^\[GNUPG:\] VALIDSIG $signf " "$T/status"
check "and no bad or erroneous signature" not grep -Eq '^\[GNUPG:\] (BADSIG|ERRSIG|EXPSIG)' "$T/status"
bodyof "$T/dec.alice" >"$T/got"
check_same "the signed message decrypts to the original body" "$T/got" "$T/body"
status bob "$vb"
check "bob's separate Bcc copy is signed too" grep -Eq "^\[GNUPG:\] VALIDSIG $signf " "$T/status"
if command -v sq >/dev/null 2>&1; then
	timeout 60 gpg --homedir "$T/home/alice" --batch --no-tty --export-secret-keys \
	    alice@example.org >"$T/alice.key" 2>>"$T/gpg.log"
	armored "$T/out/$va.msg" | timeout 60 sq decrypt --recipient-key "$T/alice.key" \
	    --signer-cert "$T/signer.pgp" >"$T/sq.out" 2>"$T/sq.err"
	_st=$?
	ok $_st "sq decrypts alice's copy and verifies the signature"
	[ $_st -eq 0 ] || diag "$(sed 's/^/sq: /' "$T/sq.err")"
	check_same "sq reads the same message as gpg" "$T/sq.out" "$T/dec.alice"
	timeout 60 gpg --homedir "$T/home/bob" --batch --no-tty --export "bob@example.org" \
	    >"$T/bob.pgp" 2>>"$T/gpg.log"
	armored "$T/out/$va.msg" | timeout 60 sq decrypt --recipient-key "$T/alice.key" \
	    --signer-cert "$T/bob.pgp" >/dev/null 2>&1
	check "sq with the wrong signer certificate does not verify it" test $? -ne 0
else
	skip "sq decrypts alice's copy and verifies the signature" "sq is not installed"
	skip "sq reads the same message as gpg" "sq is not installed"
	skip "sq with the wrong signer certificate does not verify it" "sq is not installed"
fi

mkconf
echo "sign-key $(fpr_of alice)" >>"$T/conf"
reset_out
send -i alice@example.org <"$T/in"
is "$rc" 69 "a sign-key without its secret key exits 69"
check "saying so on stderr" errline '^pgpsendmail: .'
is "$(calls)" 0 "and nothing is sent"

h=$T/home/locked
mkhome "$h"
kgpg "$h" --pinentry-mode loopback --passphrase hunter2 \
    --quick-gen-key "locked <locked@example.org>" ed25519 sign never
lockedf=$(timeout 60 gpg --homedir "$h" --with-colons --list-keys 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
timeout 60 gpg --homedir "$h" --batch --no-tty --pinentry-mode loopback --passphrase hunter2 \
    --export-secret-keys "$lockedf" 2>>"$T/gpg.log" | kgpg "$T/sys" --import
mkconf
echo "sign-key $lockedf" >>"$T/conf"
reset_out
SEND_TIMEOUT=30 send -i alice@example.org <"$T/in"
is "$rc" 69 "a passphrase-protected sign-key exits 69, without waiting for a passphrase"
check "saying so on stderr" errline '^pgpsendmail: .'
is "$(calls)" 0 "and nothing is sent"

# --- gateway keys
mkconf
echo "@corp.example $gwf" >"$T/keymap"
msgto() { sed "s/^To: .*/To: $1/; /^Bcc:/d" "$T/in"; }
msgto bob@corp.example >"$T/in.corp"
reset_out
send -t <"$T/in.corp"
is "$rc" 0 "gateway: bob@corp.example's message is sent"
is "$(keyids "$T/out/1.msg")" "$(encid_of gw)" "it is encrypted to the gateway key only"
check "the gateway key decrypts it" body_is gw 1
check "bob's personal key in the keyring does not (the @domain line wins over *)" \
    cannot_open cbob "$T/out/1.msg"

for order in first last; do
	if [ $order = first ]; then
		printf 'carol@corp.example keyring\n@corp.example %s\n' "$gwf" >"$T/keymap"
	else
		printf '@corp.example %s\ncarol@corp.example keyring\n' "$gwf" >"$T/keymap"
	fi
	msgto carol@corp.example >"$T/in.corp"
	reset_out
	send -t <"$T/in.corp"
	is "$(keyids "$T/out/1.msg" 2>/dev/null)" "$(encid_of ccarol)" \
	    "gateway, exact line $order: carol's copy is for carol's own key only"
	check "gateway, exact line $order: carol decrypts it" body_is ccarol 1
	check "gateway, exact line $order: the gateway key cannot" cannot_open gw "$T/out/1.msg"
	msgto bob@corp.example >"$T/in.corp"
	reset_out
	send -t <"$T/in.corp"
	is "$(keyids "$T/out/1.msg" 2>/dev/null)" "$(encid_of gw)" \
	    "gateway, exact line $order: bob's copy is still for the gateway key"
done
