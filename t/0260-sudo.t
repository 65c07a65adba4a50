#!/bin/sh
# sudo's mail to the administrator: "sendmail -t" (no -i) as root with
# HOME=/, a cleared environment, detached from any terminal, and stdout and
# stderr closed; sudo reads no exit status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
pf_setup alice bob

tok=$(pf_token)
subj="*** SECURITY information for $(hostname) *** $(pf_token)"
cat >"$T/in" <<EOF_
To: $(addr alice)
From: root
Auto-Submitted: auto-generated
Subject: $subj

$(hostname) : Jan  1 00:00:00 : pgpsm-bob : user NOT in sudoers ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/cat /etc/shadow $tok
EOF_
mark=$(pf_logmark)
(cd / && timeout 60 setsid -w env -i HOME=/ PATH=/usr/bin:/bin:/usr/sbin:/sbin SHELL=/bin/sh \
    LOGNAME=root USER=root PGPSENDMAIL_CONF="$PGPSENDMAIL_CONF" \
    "$PGPSENDMAIL" -t <"$T/in" >&- 2>&-)
rc=$?
is "$rc" 0 "sudo-style -t with HOME=/, detached, stdout and stderr closed, exits 0"
pf_delivered "sudo" "$subj" "$T/in" added alice
pf_clean "sudo" "$tok" "$mark" "$subj"
check "sudo: bob, only named in the body, gets nothing" not pf_has bob "$subj"
pf_done
