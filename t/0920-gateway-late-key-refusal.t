#!/bin/sh
# --gateway: a key that passes the lookup but that gpg refuses when it
# encrypts (it expired in between, or gpg judges it otherwise) is "no
# usable key" for its recipients alone: 550 for them, 451 for the others
# of that ciphertext, so that Postfix's retry, without the refused ones,
# hands the others their copies.  Before, every recipient got 451 and the
# message went round the deferred queue until it expired for all of them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
plan 9

mkkey alice alice@example.org
mkkey bob bob@example.org soon
# gpg that lives 30 days ahead when it encrypts: bob's key (10 days) is
# usable at the lookup and expired at the encryption.
cat >"$T/gpg-later" <<EOF_
#!/bin/sh
for a; do
	[ "\$a" = --encrypt ] && exec /usr/bin/gpg --faked-system-time=\$(date -u -d '+30 days' +%Y%m%dT%H%M%S) "\$@"
done
exec /usr/bin/gpg "\$@"
EOF_
chmod 755 "$T/gpg-later"
CONF_GPG=$T/gpg-later mkconf
cat >"$T/in" <<EOF_
From: s@example.net
To: alice@example.org, bob@example.org
Subject: late refusal
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gw0920@example.net>

The secret: 0920-token
EOF_
dialogue() {
	echo "LHLO relay.example.org"
	echo "MAIL FROM:<s@example.net>"
	for _r; do echo "RCPT TO:<$_r>"; done
	echo DATA
	gw_data "$T/in"
	echo QUIT
}
dialogue alice@example.org bob@example.org | gw_session
check "alice, whose key is fine, gets 451: her copy was not made" \
    gw_is 1 '^451 4\.3\.0 <alice@example.org> '
check "bob, whose key gpg refused, gets 550 5.7.1" \
    gw_is 2 '^550 5\.7\.1 '
check "... naming him and 'no usable key'" \
    gw_is 2 'bob@example.org.*no usable key'
check "... and the key gpg refused" gw_is 2 "key $(gpg --homedir "$T/sys" --with-colons -k bob@example.org | awk -F: '/^fpr/{print $10; exit}')"
is "$(calls)" 0 "nothing was handed on"
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"

# Postfix's retry goes to alice alone.
dialogue alice@example.org | gw_session
check "the retry for alice: 250" gw_is 1 '^250 2\.0\.0 <alice@example.org>'
is "$(calls)" 1 "... one copy handed on"
opened alice "$T/out/1.msg" >"$T/got"
check_same "... it decrypts to the original" "$T/got" "$T/in"
check "... and bob's key is not in it" sh -c \
    "! gpg --homedir '$T/sys' --list-packets '$T/out/1.msg' 2>&1 | grep -q \"\$(gpg --homedir '$T/sys' --with-colons -k bob@example.org | awk -F: '/^sub/{print \$5; exit}')\""
