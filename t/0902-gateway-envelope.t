#!/bin/sh
# --gateway keeps the envelope: the sender (the null sender too) with -f,
# BODY with -B, RET with -R, ENVID decoded with -V, NOTIFY with -N when
# the recipients agree; ORCPT is accepted (and lost).  An envelope
# recipient named in neither To nor Cc is blind: a ciphertext of its own,
# as the front end gives a Bcc.  Mail encrypted already goes through as it
# came, to those without a key too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
plan 19

mkkey alice alice@example.org
mkkey bob bob@example.org
mkconf
cat >"$T/in" <<EOF_
From: s@example.net
To: alice@example.org
Subject: envelope
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gw0902@example.net>

The secret: 0902-token
EOF_
argv_has() { grep -qx -- "$2" "$(argv_of "$1")"; }
after() {	# after ADDR OPT VALUE: VALUE follows OPT in ADDR's argv
	grep -A1 -x -- "$2" "$(argv_of "$1")" | tail -n 1 | grep -qxF -- "$3"
}

gw_session <<EOF_
LHLO relay.example.org
MAIL FROM:<> BODY=8BITMIME RET=HDRS ENVID=QQ+2B1+3Dx SIZE=300 SMTPUTF8
RCPT TO:<alice@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice+40example.org
RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE
DATA
$(gw_data "$T/in")
QUIT
EOF_
check "MAIL with SIZE, BODY, RET, ENVID, SMTPUTF8 and RCPT with NOTIFY, ORCPT: accepted" \
    sh -c "[ \$(grep -c '^250 2\.1\.[05] Ok' '$R') -eq 3 ]"
check "both recipients: 250" sh -c "[ \$(sed '1,/^354/d' '$R' | grep -c '^250 2\.0\.0') -eq 2 ]"
check "the null sender goes on as -f <>" after alice@example.org -f '<>'
check "BODY=8BITMIME goes on as -B 8BITMIME" after alice@example.org -B 8BITMIME
check "RET=HDRS goes on as -R HDRS" after alice@example.org -R HDRS
check "ENVID goes on decoded from xtext as -V" after alice@example.org -V 'QQ+1=x'
check "the NOTIFY both asked for goes on as -N" after alice@example.org -N SUCCESS,FAILURE
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")" "argv:" "$(cat "$(argv_of alice@example.org)")"

# Bob is in the envelope only: blind.
check "bob, in neither To nor Cc, gets a copy of his own" \
    [ "$(call_of alice@example.org)" != "$(call_of bob@example.org)" ]
has_keyid() { keyids "$1" | grep -qx "$2"; }
check "alice's copy does not carry bob's key ID" \
    not has_keyid "$(msg_of alice@example.org)" "$(encid_of bob)"
check "bob's copy does not carry alice's key ID" \
    not has_keyid "$(msg_of bob@example.org)" "$(encid_of alice)"
opened bob "$(msg_of bob@example.org)" >"$T/got"
check_same "bob's copy decrypts to the original" "$T/got" "$T/in"

# Different NOTIFYs: none goes on (the real sendmail takes one for all).
gw_session <<EOF_
LHLO relay.example.org
MAIL FROM:<s@example.net>
RCPT TO:<alice@example.org> NOTIFY=NEVER
RCPT TO:<bob@example.org> NOTIFY=SUCCESS
DATA
$(gw_data "$T/in")
QUIT
EOF_
check "recipients asking different NOTIFYs: both 250, and no -N goes on" \
    sh -c "[ \$(sed '1,/^354/d' '$R' | grep -c '^250 2\.0\.0') -eq 2 ] &&
    ! grep -qx -- -N '$T'/out/*.argv"

# Encrypted already: as it came, to dave (no key) as well.
cat >"$T/pgp" <<EOF_
From: s@example.net
To: alice@example.org, dave@example.org
Subject: sealed
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gw0902b@example.net>
MIME-Version: 1.0
Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";
	boundary="b0902"

--b0902
Content-Type: application/pgp-encrypted

Version: 1

--b0902
Content-Type: application/octet-stream

-----BEGIN PGP MESSAGE-----

hQEMA0902notreallyciphertext
-----END PGP MESSAGE-----

--b0902--
EOF_
gw_session <<EOF_
LHLO relay.example.org
MAIL FROM:<s@example.net>
RCPT TO:<alice@example.org>
RCPT TO:<dave@example.org>
DATA
$(gw_data "$T/pgp")
QUIT
EOF_
check "PGP/MIME already: 250 for alice and for dave, who has no key" \
    sh -c "gw_reply() { sed '1,/^354 /d' '$R' | sed -n \"\${1}p\"; };
    gw_reply 1 | grep -q '^250 ' && gw_reply 2 | grep -q '^250 '"
check_same "... handed on as it came" "$(msg_of dave@example.org)" "$T/pgp"

# Unknown parameters, and the size the client announces.
gw_session <<EOF_
LHLO x
MAIL FROM:<s@example.net> FOO=1
MAIL FROM:<s@example.net> SIZE=99999999999
MAIL FROM:<s@example.net>
RCPT TO:<alice@example.org> BAR=2
QUIT
EOF_
sed '1,/^250 DSN/d' "$R" >"$T/r"
check "an unknown MAIL parameter: 555 5.5.4" sh -c "sed -n 1p '$T/r' | grep -q '^555 5\.5\.4'"
check "a SIZE over the limit: 552 5.3.4" sh -c "sed -n 2p '$T/r' | grep -q '^552 5\.3\.4'"
check "... and the next MAIL is taken" sh -c "sed -n 3p '$T/r' | grep -q '^250 2\.1\.0'"
check "an unknown RCPT parameter: 555 5.5.4" sh -c "sed -n 4p '$T/r' | grep -q '^555 5\.5\.4'"
check "... and nothing was handed on" [ "$(calls)" -eq 0 ]
