#!/bin/sh
# -bs: RCPT takes exactly one mailbox.  A comma list or a group in RCPT TO
# used to add every address in it; when the first was refused, only it was
# taken back, and the hash of the recipients kept a slot for the second
# (read past the end of the recipients under ASan) or lost the chain to a
# later one: the second, given again alone, was "already there" and never
# sent to, though every reply said 250.
. "$(dirname "$0")/lib.sh"
plan 24

mkkey rta rta@example.org
mkkey rtb rtb@example.org
mkconf
cat >"$T/keymap" <<EOF
@other.example reject
@plain.example plain
EOF
tok=tok$$x$(date +%s)

# reply N: the reply to the Nth command after EHLO (MAIL is 1)
reply() { sed '1,/^250 ENHANCEDSTATUSCODES$/d' "$R" | sed -n "$1p"; }

session <<EOF
EHLO client.example
MAIL FROM:<s@example.org>
RCPT TO:<evil@other.example,rtb@example.org>
RCPT TO:<rtb@example.org>
RCPT TO:<rta@example.org>
DATA
Subject: one mailbox

$tok
.
QUIT
EOF
is "$rc" 0 "-bs exits 0"
case $(reply 2) in
553\ 5.1.3\ *) ok 0 "a comma list in RCPT gets 553 at RCPT" ;;
*) ok 1 "a comma list in RCPT gets 553 at RCPT"; diag "got: $(reply 2)" ;;
esac
check "which says it is not one address" grep -q '^553 .*not one address' "$R"
is "$(reply 3)" "250 2.1.5 Ok" \
    "the second address of the list, alone, is accepted"
is "$(reply 4)" "250 2.1.5 Ok" "and so is the next recipient"
is "$(reply 6)" "250 2.0.0 Ok: sent" \
    "the message is accepted at the end of DATA"
is "$(allrcpts | tr '\n' ' ')" "rta@example.org rtb@example.org " \
    "the real sendmail gets both rta and rtb, and not evil"
c=$(call_of rtb@example.org)
opened rtb "$T/out/$c.msg" >"$T/plain"
check "rtb decrypts the message" grep -qx "$tok" "$T/plain"
c=$(call_of rta@example.org)
opened rta "$T/out/$c.msg" >"$T/plain"
check "rta decrypts the message" grep -qx "$tok" "$T/plain"
check "nothing went in clear" not grep -q "$tok" "$T"/out/*.msg
check "the sanitizers found nothing (stderr is empty)" not test -s "$T/err"

# A list whose first address is fine is refused too, before DATA, and
# nothing of it stays among the recipients.
session <<EOF
EHLO client.example
MAIL FROM:<s@example.org>
RCPT TO:<rta@example.org,evil@other.example>
RCPT TO:<team: rta@example.org, rtb@example.org;>
RCPT TO:<>
RCPT TO:<rtb@example.org>
DATA
Subject: one mailbox, two

$tok
.
QUIT
EOF
case $(reply 2) in
553\ 5.1.3\ *) ok 0 "a list that begins with a good address gets 553 at RCPT" ;;
*) ok 1 "a list that begins with a good address gets 553 at RCPT"
	diag "got: $(reply 2)" ;;
esac
is "$(reply 3 | cut -c 1-9)" "553 5.1.3" "a group in RCPT gets 553"
is "$(reply 4 | cut -c 1-9)" "553 5.1.3" "an empty path in RCPT gets 553"
is "$(reply 5)" "250 2.1.5 Ok" "a single address after them is accepted"
is "$(reply 7)" "250 2.0.0 Ok: sent" "and the message with it"
is "$(allrcpts | tr '\n' ' ')" "rtb@example.org " \
    "the real sendmail gets rtb alone: nothing of the refused lists"
opened rtb "$T/out/1.msg" >"$T/plain"
check "rtb decrypts it" grep -qx "$tok" "$T/plain"

# Many refused recipients between accepted ones, enough for collisions and
# for the table to grow (64, 128, 256, 512 slots): each accepted address
# is handed on exactly once, and a repeat (in other case) is one recipient.
{
	echo 'EHLO client.example'
	echo 'MAIL FROM:<s@example.org>'
	i=1
	while [ $i -le 200 ]; do
		echo "RCPT TO:<no$i@other.example,ok$i@plain.example>"
		echo "RCPT TO:<ok$i@plain.example>"
		echo "RCPT TO:<no$i@other.example>"
		[ $((i % 7)) -eq 0 ] &&
			echo "RCPT TO:<OK$((i / 2))@Plain.Example>"
		echo "RCPT TO:<rta@example.org,no$i@other.example>"
		i=$((i + 1))
	done
	echo 'RCPT TO:<rta@example.org>'
	echo DATA
	echo 'Subject: many'
	echo
	echo "$tok"
	echo .
	echo QUIT
} | session
i=1
while [ $i -le 200 ]; do
	echo "ok$i@plain.example"
	i=$((i + 1))
done | sort >"$T/want"
allrcpts | grep -v '^rta@example.org$' | tr 'A-Z' 'a-z' | sort >"$T/got"
check_same "every accepted recipient is handed on exactly once" \
    "$T/got" "$T/want"
is "$(allrcpts | grep -c '^rta@example.org$')" 1 "rta too, once"
is "$(grep -c '^553 5.1.3 ' "$R")" 400 "each of the 400 lists got 553"
is "$(grep -c '^550 5.7.1 .*rejected by keymap' "$R")" 200 \
    "each of the 200 refused addresses got 550"
is "$(tail -n 2 "$R" | head -n 1)" "250 2.0.0 Ok: sent" "the message is sent"
c=$(call_of rta@example.org)
opened rta "$T/out/$c.msg" >"$T/plain"
check "rta decrypts it" grep -qx "$tok" "$T/plain"
