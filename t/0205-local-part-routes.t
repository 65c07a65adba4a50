#!/bin/sh
# A recipient whose local part holds a route ("x@evil.example"@localhost,
# x%evil.example@localhost, evil.example!x@localhost): the keymap decides on
# the domain after the last '@' (localhost: plain here), but Postfix strips
# its own domain and then routes on what the local part holds, quoted or not,
# and the copy would leave for evil.example in clear.  pgpsendmail refuses
# such a recipient on every path, and Postfix never sees it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
pf_setup alice
printf '@localhost plain\n@%s plain\n' "$PF_DOMAIN" >"$T/keymap"

# logged_for MARK DOMAIN [SECONDS]: mail.log, since MARK, shows a delivery
# attempt to DOMAIN, within SECONDS ($PF_WAIT)
logged_for() {
	_i=0
	while [ $_i -lt $((${3:-$PF_WAIT} * 5)) ]; do
		pf_lognew "$1" | grep -aq "to=<[^>]*@$2>" && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}

# The premise: Postfix's own sendmail routes the quoted local part off-host.
# (From the null sender, so that its bounce goes nowhere.)
mark=$(pf_logmark)
printf 'Subject: premise\n\nno secret here\n' |
    timeout 60 "$PF_SENDMAIL" -f '<>' -i -- '"x@evil.example"@localhost' 2>/dev/null
logged_for "$mark" evil.example
ok $? "premise: Postfix itself sends \"x@evil.example\"@localhost on to evil.example"
pf_wait_queue >/dev/null

tok=$(pf_token)
mark=$(pf_logmark)
for a in '"x@evil.example"@localhost' '"x%evil.example"@localhost' \
    '"x!y"@localhost' 'x%evil.example@localhost' 'evil.example!x@localhost' \
    '"x\@evil.example"@localhost' '"x@evil.example"'; do
	printf 'Subject: s\n\n%s\n' "$tok" >"$T/in"
	send -i -- "$a" <"$T/in"
	is "$rc" 64 "$a as an operand: refused with 64"
	check "$a: saying why" errline 'source routing'
	printf 'To: %s\nSubject: s\n\n%s\n' "$a" "$tok" >"$T/in"
	send -t -i <"$T/in"
	is "$rc" 65 "$a in To: with -t: refused with 65"
done

# -bs: refused at RCPT
printf 'EHLO x\r\nMAIL FROM:<root@localhost>\r\nRCPT TO:<"x@evil.example"@localhost>\r\nQUIT\r\n' >"$T/smtp"
send -bs <"$T/smtp"
tr -d '\r' <"$T/stdout" >"$T/replies"
check '-bs: RCPT TO:<"x@evil.example"@localhost> gets 553' grep -q '^553 .*source routing' "$T/replies"
# Refused before anything reaches Postfix: a few seconds show it all.
not logged_for "$mark" evil.example 3
ok $? "Postfix is never asked to send anything to evil.example"
pf_clean "routed recipients" "$tok"

# A plain local recipient of the same keymap line still goes.
tok=$(pf_token)
subj="plain local $tok"
printf 'To: %s\nSubject: %s\n\n%s\n' "$(addr alice)" "$subj" "$tok" >"$T/in"
send -t -i <"$T/in"
is "$rc" 0 "a plain recipient at the same domain is sent"
check "and reaches alice" pf_find alice "$subj"
pf_wait_queue >/dev/null
pf_done
