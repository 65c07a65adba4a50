#!/bin/sh
# Blind recipients stay blind: not in any header, and not in the key IDs of
# what the others receive.  bcc separate (default), bcc hidden, and the cap
# of 16 separate ciphertexts.
. "$(dirname "$0")/lib.sh"
plan 76

for u in alice bob carol dave erin; do
	mkkey $u $u@example.org
done
mkconf

# opens NAME N: NAME's own key opens backend call N's message
opens() { decrypt "$1" "$T/out/$2.msg" >"$T/dec.$1" && [ -s "$T/dec.$1" ]; }
# reads NAME N: NAME's gpg decrypts call N's message to the original body.
# For a hidden recipient whose packet is not the first, gpg 2.2 exits 2
# after reporting a failed try of its key on an earlier packet, yet decrypts:
# judge by the status lines and the output, not by the exit status.
reads() {
	armored "$T/out/$2.msg" | timeout 60 gpg --homedir "$T/home/$1" --batch --no-tty \
	    --status-file "$T/status.$1" --decrypt 2>/dev/null >"$T/dec.$1"
	grep -q '^\[GNUPG:\] DECRYPTION_OKAY' "$T/status.$1" &&
	    ! grep -q '^\[GNUPG:\] DECRYPTION_FAILED' "$T/status.$1" &&
	    sed '1,/^$/d' "$T/dec.$1" | cmp -s - "$T/body"
}
# mentions REGEX FILE...: REGEX (in any case) is in the files outside their
# armored blocks, where base64 could spell anything
mentions() {
	_re=$1
	shift
	sed '/^-----BEGIN PGP MESSAGE-----$/,/^-----END PGP MESSAGE-----$/d' "$@" | grep -Eqi "$_re"
}
# sorted_rcpts N: backend call N's recipients, sorted
sorted_rcpts() { rcpts "$1" | sort; }

cat >"$T/in" <<'EOF_'
From: Sender <sender@example.org>
To: Alice <alice@example.org>
Cc: bob@example.org
Bcc: carol@example.org, Dave <dave@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <t0300@example.org>
Subject: blind

the blind body
EOF_
bodyof "$T/in" >"$T/body"

# --- bcc separate (the default), recipients from -t
send -t -i <"$T/in"
is "$rc" 0 "-t with To, Cc and Bcc is sent"
is "$(calls)" 3 "three backend calls: one for To and Cc, one for each Bcc recipient"
va=$(call_of alice@example.org) vc=$(call_of carol@example.org) vd=$(call_of dave@example.org)
printf '%s\n' alice@example.org bob@example.org >"$T/want"
sorted_rcpts "${va:-0}" >"$T/got" 2>/dev/null
check_same "To and Cc share one call, without the Bcc recipients" "$T/got" "$T/want"
is "$(rcpts "${vc:-0}" 2>/dev/null)" carol@example.org "carol's call has carol as its only recipient"
is "$(rcpts "${vd:-0}" 2>/dev/null)" dave@example.org "dave's call has dave as its only recipient"

printf '%s\n' "$(encid_of alice)" "$(encid_of bob)" | sort >"$T/want"
keyids "$T/out/${va:-0}.msg" >"$T/got"
check_same "the To copy is encrypted to exactly alice's and bob's keys" "$T/got" "$T/want"
check "gpg --list-packets on the To copy shows no key ID of carol or dave" \
    not grep -Eq "$(encid_of carol)|$(encid_of dave)|^0000000000000000\$" "$T/got"
check "alice decrypts the To copy" opens alice "${va:-0}"
bodyof "$T/dec.alice" >"$T/got"
check_same "to the original body" "$T/got" "$T/body"
check "bob (Cc) decrypts the To copy" opens bob "${va:-0}"
check "carol cannot open the To copy" cannot_open carol "$T/out/${va:-0}.msg"
check "dave cannot open the To copy" cannot_open dave "$T/out/${va:-0}.msg"
check "the Bcc addresses appear nowhere in the To copy as delivered" \
    not mentions 'carol|dave' "$T/out/${va:-0}.msg"
check "nor in what alice decrypts" not mentions 'carol|dave' "$T/dec.alice"

printf '%s\n' "$(encid_of carol)" >"$T/want"
keyids "$T/out/${vc:-0}.msg" >"$T/got"
check_same "carol's copy is encrypted to carol's key only" "$T/got" "$T/want"
check "carol decrypts her copy" opens carol "${vc:-0}"
bodyof "$T/dec.carol" >"$T/got"
check_same "to the original body" "$T/got" "$T/body"
is "$(hdr Subject "$T/dec.carol")" blind "with the real Subject inside"
check_same "carol's copy decrypts to the same message as alice's" "$T/dec.carol" "$T/dec.alice"
check "alice cannot open carol's copy" cannot_open alice "$T/out/${vc:-0}.msg"
check "dave cannot open carol's copy" cannot_open dave "$T/out/${vc:-0}.msg"
check "dave's address appears nowhere in carol's copy, outside or inside" \
    not mentions dave "$T/out/${vc:-0}.msg" "$T/dec.carol"

printf '%s\n' "$(encid_of dave)" >"$T/want"
keyids "$T/out/${vd:-0}.msg" >"$T/got"
check_same "dave's copy is encrypted to dave's key only" "$T/got" "$T/want"
check "dave decrypts his copy" opens dave "${vd:-0}"
bodyof "$T/dec.dave" >"$T/got"
check_same "to the original body" "$T/got" "$T/body"
check "carol's address appears nowhere in dave's copy, outside or inside" \
    not mentions carol "$T/out/${vd:-0}.msg" "$T/dec.dave"
check "no copy has a Bcc header outside" not grep -qi '^bcc:' "$T"/out/*.msg
check "no copy has a Bcc header inside" not grep -qi '^bcc:' "$T/dec.alice" "$T/dec.carol" "$T/dec.dave"
_st=0
for i in 1 2 3; do
	cannot_open erin "$T/out/$i.msg" || { diag "erin opens call $i"; _st=1; }
done
ok $_st "erin, not a recipient, opens none of the three"

# --- mutt style: the Bcc recipient is an operand and in no header
grep -v '^Bcc:' "$T/in" >"$T/in.mutt"
reset_out
send -i alice@example.org bob@example.org carol@example.org <"$T/in.mutt"
is "$rc" 0 "mutt style (Bcc recipient only an operand) is sent"
is "$(calls)" 2 "in two calls"
va=$(call_of alice@example.org) vc=$(call_of carol@example.org)
printf '%s\n' alice@example.org bob@example.org >"$T/want"
sorted_rcpts "${va:-0}" >"$T/got" 2>/dev/null
check_same "the To and Cc recipients share one" "$T/got" "$T/want"
is "$(rcpts "${vc:-0}" 2>/dev/null)" carol@example.org "the operand named in no header gets its own"
printf '%s\n' "$(encid_of alice)" "$(encid_of bob)" | sort >"$T/want"
keyids "$T/out/${va:-0}.msg" >"$T/got"
check_same "the To copy shows only alice's and bob's key IDs" "$T/got" "$T/want"
check "carol decrypts her copy" opens carol "${vc:-0}"
check "carol cannot open the To copy" cannot_open carol "$T/out/${va:-0}.msg"
check "alice decrypts the To copy" opens alice "${va:-0}"
check "carol's address is nowhere in the To copy" not mentions carol "$T/out/${va:-0}.msg" "$T/dec.alice"

reset_out
send -i alice@example.org bob@example.org carol@example.org <"$T/in"
is "$(calls)" 2 "mutt with a Bcc header kept: two calls as well"
check "and the Bcc header is removed from every copy" not mentions '^bcc:|dave' "$T"/out/*.msg
va=$(call_of alice@example.org)
printf '%s\n' "$(encid_of alice)" "$(encid_of bob)" | sort >"$T/want"
keyids "$T/out/${va:-0}.msg" >"$T/got"
check_same "the To copy shows only alice's and bob's key IDs" "$T/got" "$T/want"

reset_out
send -i ALICE@Example.ORG bob@example.org <"$T/in.mutt"
is "$(calls)" 1 "an operand named in To in another case is not blind"

# --- Resent-To and Resent-Cc are visible, Resent-Bcc is blind
cat >"$T/in.resent" <<'EOF_'
Resent-From: forwarder@example.org
Resent-To: bob@example.org
Resent-Cc: dave@example.org
Resent-Bcc: carol@example.org
Resent-Date: Tue, 2 Jan 2024 00:00:00 +0000
Resent-Message-ID: <r0300@example.org>
From: sender@example.org
To: alice@example.org
Message-ID: <t0300r@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Subject: resent

resent body
EOF_
reset_out
send -t <"$T/in.resent"
is "$(calls)" 2 "a resent message: one call for Resent-To and Resent-Cc, one for Resent-Bcc"
vb=$(call_of bob@example.org) vc=$(call_of carol@example.org)
printf '%s\n' bob@example.org dave@example.org >"$T/want"
sorted_rcpts "${vb:-0}" >"$T/got" 2>/dev/null
check_same "Resent-To and Resent-Cc share one" "$T/got" "$T/want"
is "$(rcpts "${vc:-0}" 2>/dev/null)" carol@example.org "the Resent-Bcc recipient gets its own"
printf '%s\n' "$(encid_of bob)" "$(encid_of dave)" | sort >"$T/want"
keyids "$T/out/${vb:-0}.msg" >"$T/got"
check_same "the Resent-To copy shows no key ID of the Resent-Bcc recipient" "$T/got" "$T/want"
check "carol decrypts her copy" opens carol "${vc:-0}"
check "Resent-Bcc is in no copy" not grep -qi '^resent-bcc:' "$T"/out/*.msg

# --- in To and in Bcc: visible
cat >"$T/in.both" <<'EOF_'
From: sender@example.org
To: alice@example.org
Bcc: alice@example.org, carol@example.org
Message-ID: <t0300b@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Subject: both

both body
EOF_
reset_out
send -t <"$T/in.both"
is "$(calls)" 2 "a recipient in both To and Bcc is visible: two calls"
is "$(rcpts "$(call_of alice@example.org || echo 0)" 2>/dev/null)" alice@example.org \
    "alice is in the To call, once"

# --- plain recipients share one plain copy, a blind one included
cat >"$T/keymap" <<'EOF_'
plain@example.org plain
plain2@example.org plain
EOF_
cat >"$T/in.plain" <<'EOF_'
From: sender@example.org
To: alice@example.org
Cc: plain@example.org
Bcc: plain2@example.org
Message-ID: <t0300p@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Subject: plain

plain body
EOF_
reset_out
send -t <"$T/in.plain"
is "$(calls)" 2 "plain recipients, one of them Bcc: an encrypted call and one plain call"
vp=$(call_of plain@example.org)
printf '%s\n' plain2@example.org plain@example.org | sort >"$T/want"
sorted_rcpts "${vp:-0}" >"$T/got" 2>/dev/null
check_same "the plain recipients share the plain copy" "$T/got" "$T/want"
grep -v '^Bcc:' "$T/in.plain" >"$T/want"
check_same "which is the message without Bcc" "$T/out/${vp:-0}.msg" "$T/want"
va=$(call_of alice@example.org)
check "the encrypted copy does not name plain2" not mentions plain2 "$T/out/${va:-0}.msg"
: >"$T/keymap"

# --- bcc hidden
echo 'bcc hidden' >>"$T/conf"
reset_out
send -t -i <"$T/in"
is "$rc" 0 "bcc hidden: sent"
is "$(calls)" 1 "bcc hidden: one backend call"
printf '%s\n' alice@example.org bob@example.org carol@example.org dave@example.org >"$T/want"
sorted_rcpts 1 >"$T/got" 2>/dev/null
check_same "bcc hidden: to all four recipients" "$T/got" "$T/want"
printf '%s\n' "$(encid_of alice)" "$(encid_of bob)" 0000000000000000 0000000000000000 |
    sort >"$T/want"
keyids "$T/out/1.msg" >"$T/got"
check_same "bcc hidden: packets show alice's and bob's key IDs and two zeroed ones" "$T/got" "$T/want"
check "bcc hidden: no key ID of carol or dave in the packets" \
    not grep -Eq "$(encid_of carol)|$(encid_of dave)" "$T/got"
for u in alice bob carol dave; do
	check "bcc hidden: $u decrypts it to the original body" reads $u 1
done
check "bcc hidden: erin cannot open it" cannot_open erin "$T/out/1.msg"
check "bcc hidden: no Bcc header outside" not mentions '^bcc:|carol|dave' "$T/out/1.msg"
check "bcc hidden: no Bcc header inside" not mentions '^bcc:|carol|dave' "$T/dec.alice"

# --- more than 16 blind recipients, the message from a pipe
mkconf
i=1
while [ $i -le 18 ]; do
	b=$(printf 'b%02d' $i)
	mkkey $b $b@example.org
	blind="$blind${blind:+, }$b@example.org"
	i=$((i + 1))
done
{
	printf 'From: sender@example.org\nTo: alice@example.org\nBcc: %s\n' "$blind"
	printf 'Message-ID: <t0300m@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n'
	printf 'Subject: many\n\n'
	seq 1 6000 | sed 's/$/ of the many blind lines/'
} >"$T/in.many"
bodyof "$T/in.many" >"$T/body"
reset_out
cat "$T/in.many" | SEND_TIMEOUT=120 send -t
rc=$(cat "$T/rc")
is "$rc" 0 "18 blind recipients, a 150 kB message read from a pipe: sent"
is "$(calls)" 18 "in 18 calls: the To call, 16 separate, one shared"
va=$(call_of alice@example.org)
is "$(rcpts "${va:-0}" 2>/dev/null)" alice@example.org "the To call has alice only"
is "$(keyids "$T/out/${va:-0}.msg")" "$(encid_of alice)" "and her copy shows only her key ID"
single=0 shared= bad=
i=1
while [ $i -le 18 ]; do
	b=$(printf 'b%02d' $i)
	c=$(call_of $b@example.org) || { bad="$bad $b(no call)"; i=$((i + 1)); continue; }
	if [ "$(rcpts "$c" | wc -l)" -eq 1 ]; then
		single=$((single + 1))
		[ "$(keyids "$T/out/$c.msg")" = "$(encid_of $b)" ] || bad="$bad $b(keyids)"
	else
		shared="$shared $b"
		sc=$c
	fi
	reads $b "$c" || bad="$bad $b(decrypt)"
	i=$((i + 1))
done
is "$single" 16 "16 blind recipients get a call of their own"
is "$(echo $shared | wc -w)" 2 "the other two share one call"
printf '%s\n' 0000000000000000 0000000000000000 >"$T/want"
keyids "$T/out/${sc:-0}.msg" >"$T/got"
check_same "whose copy shows only two zeroed key IDs" "$T/got" "$T/want"
is "$bad" "" "every blind recipient's copy is for its key alone and decrypts to the whole body"
decrypt alice "$T/out/${va:-0}.msg" | sed '1,/^$/d' >"$T/got"
check_same "alice's copy decrypts to the whole body" "$T/got" "$T/body"
check "no copy names a blind recipient outside" not grep -Eqi '^bcc:|b[01][0-9]@' "$T"/out/*.msg
