#!/bin/sh
# Recipients on the command line, and the exact argv the real sendmail gets.
. "$(dirname "$0")/lib.sh"
plan 35

mkkey alice alice@example.org
mkkey bob bob@example.org
mkkey carol carol@example.org
mkconf

cat >"$T/in" <<'EOF_'
From: Sender <sender@example.org>
To: Alice <alice@example.org>, Bob <bob@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <t0010@example.org>
Subject: hello
Cc: Carol <carol@example.org>
In-Reply-To: <t0009@example.org>
References: <t0008@example.org>
 <t0009@example.org>
X-Private: only inside

secret body
EOF_

send alice@example.org <"$T/in"
is "$rc" 0 "a message to one operand is sent (exit 0)"
is "$(calls)" 1 "the real sendmail is called once"
printf '%s\n' -i -- alice@example.org >"$T/want"
check_same "the real sendmail gets exactly -i -- alice@example.org: without -f it chooses the sender itself" "$T/out/1.argv" "$T/want"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "Alice's own key decrypts it to the original message" "$T/dec" "$T/in"
check "Bob's key cannot open Alice's copy" cannot_open bob "$T/out/1.msg"
check "the body does not appear in clear in what was delivered" not grep -q 'secret body' "$T/out/1.msg"
headers "$T/out/1.msg" >"$T/outer"
check "the delivered message is multipart/encrypted with the PGP protocol" \
    grep -Eiq '^Content-Type: multipart/encrypted;.*protocol="application/pgp-encrypted"' "$T/outer"
check "the delivered message has the application/pgp-encrypted Version: 1 part" \
    sh -c "grep -iq '^Content-Type: application/pgp-encrypted' '$T/out/1.msg' && grep -q '^Version: 1\$' '$T/out/1.msg'"
check "outer headers keep From, To, Date and Message-ID; the Subject is hidden" sh -c "
    grep -q '^Subject: \[\.\.\.\]\$' '$T/outer' && grep -q '^From: Sender <sender@example.org>\$' '$T/outer' &&
    grep -q '^To: Alice <alice@example.org>, Bob <bob@example.org>\$' '$T/outer' && grep -q '^Message-ID: <t0010@example.org>\$' '$T/outer' &&
    grep -q '^Date: Mon, 1 Jan 2024 00:00:00 +0000\$' '$T/outer' && grep -q '^MIME-Version: 1.0\$' '$T/outer'"
check "outer headers keep Cc, In-Reply-To and References for threading" sh -c "
    grep -q '^Cc: Carol <carol@example.org>\$' '$T/outer' && grep -q '^In-Reply-To: <t0009@example.org>\$' '$T/outer' &&
    grep -q '^References: <t0008@example.org>[[:space:]]*<t0009@example.org>\$' '$T/outer'"
check "other headers stay inside the ciphertext" not grep -q 'X-Private' "$T/out/1.msg"

reset_out
send alice@example.org,bob@example.org <"$T/in"
is "$rc" 0 "a comma list operand a,b is accepted"
printf '%s\n' -i -- alice@example.org bob@example.org >"$T/want"
check_same "a,b is two recipients, in order, after --" "$T/out/1.argv" "$T/want"
is "$(calls)" 1 "recipients sharing a ciphertext go in one backend call"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "Alice opens the shared copy" "$T/dec" "$T/in"
opened bob "$T/out/1.msg" >"$T/dec"
check_same "Bob opens the shared copy" "$T/dec" "$T/in"
check "Carol, not a recipient, cannot open it" cannot_open carol "$T/out/1.msg"

reset_out
send 'Alice Liddell <alice@example.org>' '"Bob, B." <bob@example.org>' <"$T/in"
is "$rc" 0 "operands of the form Name <addr> are accepted"
printf '%s\n' -i -- alice@example.org bob@example.org >"$T/want"
check_same "Name <addr> operands give bare addresses to the real sendmail" "$T/out/1.argv" "$T/want"

reset_out
send alice@example.org ALICE@Example.ORG 'Alice <alice@example.org>' bob@example.org alice@example.org <"$T/in"
is "$(rcpts 1 | wc -l)" 2 "recipients are de-duplicated case-insensitively"
is "$(rcpts 1 | tail -n 1)" bob@example.org "recipients keep the order of first appearance"

reset_out
send -f bounce@example.org -F 'Cron Daemon' alice@example.org <"$T/in"
printf '%s\n' -i -f bounce@example.org -F 'Cron Daemon' -- alice@example.org >"$T/want"
check_same "-f and -F are passed on as -f SENDER -F NAME before --" "$T/out/1.argv" "$T/want"

reset_out
send -fbounce@example.org alice@example.org <"$T/in"
printf '%s\n' -i -f bounce@example.org -- alice@example.org >"$T/want"
check_same "-faddr is passed on as -f addr" "$T/out/1.argv" "$T/want"

reset_out
send -r bounce@example.org alice@example.org <"$T/in"
check_same "-r addr is passed on as -f addr" "$T/out/1.argv" "$T/want"

reset_out
send -oem -oee -odb -odi -oi -v -m -n -G -U -h 5 -L tag -O a=b -B 8BITMIME -N never -R hdrs -V envid -p smtp -X /dev/null -C /dev/null -bm -- alice@example.org <"$T/in"
is "$rc" 0 "options the backend must not see are accepted"
printf '%s\n' -i -B 8BITMIME -N never -R hdrs -V envid -- alice@example.org >"$T/want"
check_same "and only those Postfix takes are passed on" "$T/out/1.argv" "$T/want"

reset_out
CONF_SENDMAIL="$ABS/t/fake-sendmail $T/out -C /etc/postfix-out"
mkconf
send alice@example.org <"$T/in"
printf '%s\n' -C /etc/postfix-out -i -- alice@example.org >"$T/want"
check_same "fixed arguments from the config come first" "$T/out/1.argv" "$T/want"
unset CONF_SENDMAIL
mkconf

reset_out
send -k alice@example.org <"$T/in"
is "$rc" 64 "an unknown option exits 64"
is "$(calls)" 0 "and sends nothing"
for o in -bd -bt -bh -bD; do
	send $o alice@example.org <"$T/in"
	is "$rc" 64 "$o is not supported: exit 64, never passed through"
done
is "$(calls)" 0 "none of them reaches the real sendmail"
send </dev/null
is "$rc" 64 "no recipients at all exits 64"
