#!/bin/sh
# Two sites, a.example and b.example, each a real Postfix with pgpsendmail
# --gateway as its filter, set up as pgpsendmail(8), EXAMPLES, shows it
# (gateway/site.cf; site b's transport key made by sq): a.example's keymap
# sends @b.example to b's transport key and signs with a's, b lists a as
# its peer, and the other way round.  $TS_MESSAGES (50) messages each way,
# from smtplib (text, 8-bit, an attachment, several recipients, blind
# ones at either site): what crosses between the sites (recorded by the
# hop) is PGP/MIME with no body token and no real Subject; in the users'
# Maildirs each message reads, with Python's email package, as the
# original (Subject, From, To, Cc, Date, Message-ID, text, attachments),
# with the receiving border's header naming the peer's signature; no blind
# recipient is named in what the others get; every copy arrives exactly
# once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
. "$(dirname "$0")/gwpostfix.sh"
. "$(dirname "$0")/twosite.sh"
NMSG=${TS_MESSAGES:-50}
ts_setup
if [ -n "$TS_SQ" ]; then
	ok 0 "site b's transport key is made by sq, site a's by gpg (gateway/site.cf)"
else
	skip "site b's transport key is made by sq, site a's by gpg" "sq is not installed"
fi
sed -n '/^\.Ss Two sites, encrypted from relay to relay$/,/^\.Ed$/p' "$ABS/man/pgpsendmail.8" |
    sed '1,/^\.Bd -literal/d; $d' | sed 's/\\e/\\/g' >"$T/man.cf"
check_same "pgpsendmail(8), EXAMPLES, shows gateway/site.cf as it is" "$T/man.cf" "$TS_SITE_CF"

users=
for nm in alice andy bob bea; do
	users="$users $(ts_site_of $nm):$nm=$(ts_addr $nm)"
done
t0=$(date +%s)
timeout 600 "$TS_PY" "$ABS/t/twosite-mail" send "$T/msgs" a "$TS_ADDR_a" 1 "$NMSG" $users \
    2>"$T/send.err"
ok $? "$NMSG messages from a.example's users are accepted over SMTP"
timeout 600 "$TS_PY" "$ABS/t/twosite-mail" send "$T/msgs" b "$TS_ADDR_b" $((NMSG + 1)) "$NMSG" \
    $users 2>>"$T/send.err"
ok $? "$NMSG messages from b.example's users are accepted over SMTP"
[ -s "$T/send.err" ] && diag "$(head -n 5 "$T/send.err")"
ts_wait_queues
ok $? "both sites' queues drain"
t1=$(date +%s)
diag "$((2 * NMSG)) messages from site to site in $((t1 - t0)) s"

mkdir "$T/res"
boxes=
for nm in alice andy bob bea; do boxes="$boxes $(ts_addr $nm)=$(ts_maildir $nm)"; done
timeout 300 "$TS_PY" "$ABS/t/twosite-mail" check "$T/msgs" "$T/hop" "$T/res" $boxes \
    2>"$T/check.err"
ok $? "the Maildirs and the hop can be read (Python's email package)"
[ -s "$T/check.err" ] && diag "$(tail -n 5 "$T/check.err")"
sort "$T/res/got" >"$T/got"
sort "$T/msgs/want" >"$T/want"
check_same "every copy arrived exactly once: nothing lost, nothing duplicated ($(wc -l <"$T/want") copies of $((2 * NMSG)) messages)" \
    "$T/got" "$T/want"
is "$(head -n 3 "$T/res/stray")" "" "no Maildir holds anything else (no DSN, no copy that cannot be told)"
is "$(head -n 3 "$T/res/differ")" "" "each copy reads as the original: Subject, From, To, Cc, Date, Message-ID, text and attachments"
is "$(head -n 3 "$T/res/bcc")" "" "no copy names a blind recipient (no Bcc header, no address) to the others"
is "$(head -n 3 "$T/res/border")" "" "each copy that crossed says, in Pgpsendmail-Border, that the peer's transport key signed it"
# what crossed: only the other site's recipients, only PGP/MIME
awk '{ print $1, $2 }' "$T/want" | while read -r nr a; do
	s=$(sed -n "s/^From: .*<\(.*\)>$/\1/p" "$T/msgs/$nr.eml")
	[ "${s#*@}" = "${a#*@}" ] || echo "$nr $a"
done | sort >"$T/wantcross"
sort "$T/res/crossed" >"$T/crossed"
check_same "exactly the other site's recipients crossed, each once ($(wc -l <"$T/wantcross"))" \
    "$T/crossed" "$T/wantcross"
is "$(head -n 3 "$T/res/hop")" "" "every crossing copy is PGP/MIME, with no body token and no real Subject"
is "$(cat "$T/hop/errors" 2>/dev/null)" "" "the receiving site took every recipient the hop offered"
check "the filters hand every copy back over SMTP (the 10026 services of the wiring), none through sendmail and pickup" \
    sh -c "grep -aq 'postfix/pgpgw-in/smtpd.*: client=' '$PF_LOG' &&
    ! grep -aq 'postfix.*/pickup\[[0-9]*\]: [0-9A-F]*: uid=' '$PF_LOG'"
diag "the exchange and its checks took $(( $(date +%s) - t0 )) s after setup"
pf_done
