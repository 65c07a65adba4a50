#!/bin/sh
# Alpine without an SMTP server runs "sendmail -bs -odb -oem" and speaks SMTP
# on its stdin and stdout.  pgpsendmail answers itself, refuses at RCPT a
# recipient it cannot encrypt to, and hands the encrypted message to Postfix.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
PF_NOKEY=dave
pf_setup alice bob dave

tok=$(pf_token)
subj="alpine test $(pf_token)"
cat >"$T/msg" <<EOF_
From: Alpine User <root@$PF_DOMAIN>
To: $(addr alice), $(addr dave)
Cc: $(addr bob)
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <alpine.$(pf_token)@$PF_DOMAIN>
Subject: $subj
MIME-Version: 1.0
Content-Type: TEXT/PLAIN; charset=US-ASCII

The secret: $tok
.a line that began with a dot
.
the end
EOF_
{
	printf 'EHLO %s\r\n' "$PF_DOMAIN"
	printf 'MAIL FROM:<root@%s>\r\n' "$PF_DOMAIN"
	printf 'RCPT TO:<%s>\r\n' "$(addr alice)" "$(addr dave)" "$(addr bob)"
	printf 'DATA\r\n'
	sed -e 's/^\./../' -e 's/$/\r/' "$T/msg"
	printf '.\r\nQUIT\r\n'
} >"$T/smtp.in"
mark=$(pf_logmark)
send -bs -odb -oem <"$T/smtp.in"
is "$rc" 0 "-bs -odb -oem: the SMTP session ends with exit 0"
tr -d '\r' <"$T/stdout" >"$T/replies"
check "-bs: a 220 greeting first" sh -c "head -n 1 '$T/replies' | grep -q '^220'"
check "-bs: EHLO, MAIL and RCPT alice are accepted" \
    sh -c "[ \$(grep -c '^250 ' '$T/replies') -ge 4 ]"
check "-bs: RCPT dave is refused with 5xx naming the reason" \
    grep -Eiq '^5[0-9][0-9][ -].*(no usable key|no key)' "$T/replies"
check "-bs: DATA gets 354 and the message 250" \
    sh -c "grep -q '^354' '$T/replies' && sed -n '/^354/,\$p' '$T/replies' | grep -q '^250'"
check "-bs: QUIT gets 221" grep -q '^221' "$T/replies"
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$T/replies")" "stderr:" "$(cat "$T/err")"
pf_delivered "-bs" "$subj" "$T/msg" whole alice bob
pf_clean "-bs" "$tok" "$mark" "$subj"
check "-bs: dave, refused at RCPT, gets nothing" not pf_has dave "$subj"
pf_done
