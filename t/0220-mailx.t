#!/bin/sh
# mail -s: s-nail with its "mta" setting (sendmail -i -- rcpt...) and
# bsd-mailx with its "sendmail" setting (sendmail -i -t, Bcc in the header),
# the way smartd, apticron and scripts mail through them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
pf_need s-nail bsd-mailx
pf_setup alice bob carol

# s-nail, no rc files (-:/), waiting for the MTA's exit status
tok=$(pf_token)
subj="s-nail test $(pf_token)"
printf 'Hello from s-nail.\nThe secret: %s\n.\nA lone dot above, and the end.\n' "$tok" >"$T/body"
mkdir "$T/sn"
mark=$(pf_logmark)
(cd "$T/sn" && HOME=$T/sn timeout 60 s-nail -:/ -S mta="$PGPSENDMAIL" -S sendwait \
    -S from="S-nail Sender <root@$PF_DOMAIN>" -s "$subj" \
    -c "$(addr bob)" -b "$(addr carol)" "$(addr alice)") <"$T/body" >"$T/out.sn" 2>&1
rc=$?
is "$rc" 0 "s-nail -S mta=pgpsendmail -s SUBJ -c bob -b carol alice exits 0"
[ "$rc" -eq 0 ] || diag "$(cat "$T/out.sn")"
pf_delivered "s-nail" "$subj" "$T/body" body alice bob -- carol
pf_clean "s-nail" "$tok" "$mark" "$subj"

# bsd-mailx, from $HOME/.mailrc
tok=$(pf_token)
subj="bsd-mailx test $(pf_token)"
printf 'Hello from bsd-mailx.\nThe secret: %s\nThe end.\n' "$tok" >"$T/body"
mkdir "$T/mx"
printf 'set sendmail=%s\n' "$PGPSENDMAIL" >"$T/mx/.mailrc"
mark=$(pf_logmark)
(cd "$T/mx" && HOME=$T/mx MAILRC=$T/mx/.mailrc timeout 60 bsd-mailx -s "$subj" \
    -c "$(addr bob)" -b "$(addr carol)" "$(addr alice)") <"$T/body" >"$T/out.mx" 2>&1
rc=$?
is "$rc" 0 "bsd-mailx with sendmail=pgpsendmail, -s SUBJ -c bob -b carol alice exits 0"
[ "$rc" -eq 0 ] || diag "$(cat "$T/out.mx")"
pf_delivered "bsd-mailx" "$subj" "$T/body" body alice bob -- carol
pf_clean "bsd-mailx" "$tok" "$mark" "$subj"
pf_done
