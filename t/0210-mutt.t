#!/bin/sh
# mutt in batch mode, pointed at pgpsendmail by its own "sendmail" setting,
# the way a user or a script mails through it: -oem -oi [-f from] -- rcpt...
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
pf_need mutt
pf_setup alice bob carol

tok=$(pf_token)
subj="mutt test $(pf_token)"
printf 'Hello from mutt.\nThe secret: %s\n.\nA lone dot above, and the end.\n' "$tok" >"$T/body"
mkdir "$T/mutt"
cat >"$T/muttrc" <<EOF_
set sendmail="$PGPSENDMAIL -oem -oi"
set from="Mutt Sender <root@$PF_DOMAIN>"
set use_envelope_from=yes
set use_from=yes
set hostname=$PF_DOMAIN
set charset=utf-8
set send_charset=us-ascii:utf-8
set record=""
set folder="$T/mutt"
set tmpdir="$T/mutt"
unset write_bcc
EOF_

mark=$(pf_logmark)
(cd "$T/mutt" && HOME=$T/mutt timeout 60 mutt -n -F "$T/muttrc" -s "$subj" \
    -c "$(addr bob)" -b "$(addr carol)" -- "$(addr alice)") <"$T/body" >"$T/mutt.out" 2>&1
rc=$?
is "$rc" 0 "mutt -s SUBJ -c bob -b carol -- alice exits 0"
[ "$rc" -eq 0 ] || diag "$(cat "$T/mutt.out")"
pf_delivered "mutt" "$subj" "$T/body" body alice bob -- carol
is "$(header Subject "$T/got.alice") $(header Subject "$T/dec.alice")" "[...] $subj" \
    "mutt: the Subject is hidden outside as [...], and is the real one inside"
pf_clean "mutt" "$tok" "$mark" "$subj"
pf_done
