#!/bin/sh
# Header protection (RFC 9788): what decrypts carries the real headers and says
# so with hp="cipher" and protected-headers="v1"; the outer Subject is [...].
. "$(dirname "$0")/lib.sh"
plan 50

mkkey alice alice@example.org
mkkey bob bob@example.org
mkconf
echo 'plain@example.org plain' >"$T/keymap"

# ct MSG-FILE: its Content-Type fields, unfolded, one a line
ct() { hdr Content-Type "$1"; }
# param NAME VALUE MSG-FILE: its Content-Type has NAME=VALUE (quoted or not)
param() {
	ct "$3" | tr -d ' \t' | tr ';' '\n' | tr A-Z a-z |
	    grep -Eqx "$1=(\"$2\"|$2)"
}
# ctype_is TYPE MSG-FILE: its Content-Type is TYPE (any case)
ctype_is() { ct "$2" | grep -Eiq "^$1[[:space:]]*(;|\$)"; }
# without_hp MSG-FILE: its header, unfolded, without the fields header
# protection may add or change (Content-Type, MIME-Version, HP-Outer)
without_hp() { headers "$1" | grep -Eiv '^(content-type|mime-version|hp-outer):'; }

cat >"$T/in" <<'EOF_'
From: Sender <sender@example.org>
To: Alice <alice@example.org>
Cc: bob@example.org
Bcc: plain@example.org
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <t0310@example.org>
Subject: The secret merger with Initech
MIME-Version: 1.0
Content-Type: text/plain;
	charset="iso-8859-1";
	format=flowed
Content-Transfer-Encoding: 8bit
X-Mailer: t0310

Dear Alice,	with a tab and trailing spaces   
From the start of a line.
.
 a line that starts with a space
EOF_
printf 'caf\351 latin-1 byte\n' >>"$T/in"
bodyof "$T/in" >"$T/body"
grep -av '^Bcc:' "$T/in" >"$T/nobcc"

send -t -i <"$T/in"
is "$rc" 0 "a message with a folded Content-Type is sent"
is "$(calls)" 2 "one encrypted call and one plain call"
va=$(call_of alice@example.org || echo 0) vp=$(call_of plain@example.org || echo 0)
decrypt alice "$T/out/$va.msg" >"$T/dec"
is "$(ct "$T/dec" | wc -l | tr -d ' ')" 1 "what decrypts has one Content-Type"
check "it carries hp=\"cipher\"" param hp cipher "$T/dec"
check "it carries protected-headers=\"v1\"" param protected-headers v1 "$T/dec"
check "it is still text/plain" ctype_is text/plain "$T/dec"
check "it keeps charset=iso-8859-1 from the folded original" param charset iso-8859-1 "$T/dec"
check "it keeps format=flowed" param format flowed "$T/dec"
is "$(hdr Subject "$T/dec")" "The secret merger with Initech" "the inner Subject is the real one"
is "$(hdr Subject "$T/dec" | wc -l | tr -d ' ')" 1 "and there is one inner Subject"
is "$(hdr MIME-Version "$T/dec")" 1.0 "one MIME-Version: 1.0 inside"
is "$(hdr Content-Transfer-Encoding "$T/dec")" 8bit "Content-Transfer-Encoding is kept inside"
without_hp "$T/nobcc" >"$T/want"
without_hp "$T/dec" >"$T/got"
check_same "the other inner header fields are the original's, Bcc removed" "$T/got" "$T/want"
bodyof "$T/dec" >"$T/got"
check_same "the body decrypts byte for byte" "$T/got" "$T/body"
check "the Bcc recipient is not named inside" not grep -aqi 'plain@' "$T/dec"

is "$(hdr Subject "$T/out/$va.msg")" "[...]" "the outer Subject is [...]"
check "the real Subject appears nowhere outside" not grep -qi 'merger' "$T/out/$va.msg"
check "HP-Outer fields are inside" grep -qi '^HP-Outer:' "$T/dec"
is "$(hdr HP-Outer "$T/dec" | sed -n 's/^Subject:[[:space:]]*//Ip')" "[...]" \
    "HP-Outer records the outer Subject as [...]"
is "$(hdr HP-Outer "$T/dec" | sed -n 's/^From:[[:space:]]*//Ip')" "$(hdr From "$T/out/$va.msg")" \
    "HP-Outer records the outer From as sent"
is "$(hdr HP-Outer "$T/dec" | sed -n 's/^To:[[:space:]]*//Ip')" "$(hdr To "$T/out/$va.msg")" \
    "HP-Outer records the outer To as sent"
check "HP-Outer records no Bcc" not grep -Eqi '^HP-Outer:[[:space:]]*Bcc' "$T/dec"
check "there are no HP-Outer fields outside" not grep -qi '^HP-Outer:' "$T/out/$va.msg"
check "the outer Content-Type is multipart/encrypted" \
    grep -qi '^Content-Type: multipart/encrypted' "$T/out/$va.msg"
decrypt bob "$T/out/$va.msg" >"$T/dec.bob"
check_same "bob (Cc) decrypts the same protected message" "$T/dec.bob" "$T/dec"

check_same "the plain copy is the original minus Bcc, untouched" "$T/out/$vp.msg" "$T/nobcc"
is "$(hdr Subject "$T/out/$vp.msg")" "The secret merger with Initech" "the plain copy has the real Subject"
check "the plain copy has no hp parameter" not grep -qi 'hp=' "$T/out/$vp.msg"
check "the plain copy has no HP-Outer" not grep -qi '^HP-Outer:' "$T/out/$vp.msg"

# protect-subject no
echo 'protect-subject no' >>"$T/conf"
reset_out
send -t -i <"$T/in"
is "$rc" 0 "protect-subject no: sent"
va=$(call_of alice@example.org || echo 0)
is "$(hdr Subject "$T/out/$va.msg")" "The secret merger with Initech" "protect-subject no: the outer Subject is the real one"
decrypt alice "$T/out/$va.msg" >"$T/dec"
is "$(hdr Subject "$T/dec")" "The secret merger with Initech" "protect-subject no: the inner Subject is the real one"
check "protect-subject no: the inner Content-Type still carries hp=\"cipher\"" param hp cipher "$T/dec"
check "protect-subject no: and protected-headers=\"v1\"" param protected-headers v1 "$T/dec"
is "$(hdr HP-Outer "$T/dec" | sed -n 's/^Subject:[[:space:]]*//Ip')" "The secret merger with Initech" \
    "protect-subject no: HP-Outer records the real outer Subject"
mkconf
echo 'plain@example.org plain' >"$T/keymap"

# No Content-Type, no MIME-Version
cat >"$T/in" <<'EOF_'
From: sender@example.org
To: alice@example.org
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <t0310n@example.org>
Subject: bare

a bare body
EOF_
reset_out
send -t <"$T/in"
is "$rc" 0 "a message without Content-Type is sent"
decrypt alice "$T/out/1.msg" >"$T/dec"
check "inside it gets a Content-Type text/plain" ctype_is text/plain "$T/dec"
check "with hp=\"cipher\"" param hp cipher "$T/dec"
check "and protected-headers=\"v1\"" param protected-headers v1 "$T/dec"
is "$(hdr MIME-Version "$T/dec")" 1.0 "and MIME-Version: 1.0"
bodyof "$T/dec" >"$T/got"
bodyof "$T/in" >"$T/want"
check_same "the body decrypts byte for byte" "$T/got" "$T/want"
is "$(hdr Subject "$T/dec")" bare "the real Subject is inside"
is "$(hdr Subject "$T/out/1.msg")" "[...]" "the outer Subject is [...]"

# A multipart message, the header names in odd case
cat >"$T/in" <<'EOF_'
From: sender@example.org
To: alice@example.org
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <t0310m@example.org>
subject: with an attachment
mime-version: 1.0
content-type: Multipart/Mixed; boundary="=-=t0310=-="

This is a multi-part message in MIME format.
--=-=t0310=-=
Content-Type: text/plain; charset=utf-8

the text part
--=-=t0310=-=
Content-Type: application/octet-stream; name="x.bin"
Content-Transfer-Encoding: base64

AAECAwQFBgcICQ==
--=-=t0310=-=--
EOF_
reset_out
send -t <"$T/in"
is "$rc" 0 "a multipart message with lower-case header names is sent"
decrypt alice "$T/out/1.msg" >"$T/dec"
is "$(ct "$T/dec" | wc -l | tr -d ' ')" 1 "what decrypts has one Content-Type"
check "it is still multipart/mixed" ctype_is multipart/mixed "$T/dec"
check "with its boundary" param boundary '=-=t0310=-=' "$T/dec"
param hp cipher "$T/dec" && param protected-headers v1 "$T/dec"
ok $? "it carries hp=\"cipher\" and protected-headers=\"v1\""
bodyof "$T/dec" >"$T/got"
bodyof "$T/in" >"$T/want"
check_same "the MIME body decrypts byte for byte" "$T/got" "$T/want"
is "$(hdr Subject "$T/out/1.msg")" "[...]" "the outer Subject is [...] whatever the case of the original field"
