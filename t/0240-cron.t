#!/bin/sh
# Cron's mail, with the exact argv of Debian's cron 3.0pl1 (MAILTO=a,b arrives
# as one argument) and of cronie (-t, MAILFROM), in cron's bare environment.
# Cron reads no exit status, so the hand-off must also be in syslog.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
pf_setup alice bob carol
cron_env() {	# cron_env CMD...: as crond runs its mailer: bare env, cwd $HOME, no tty
	(cd /root 2>/dev/null || cd /; timeout 60 env -i SHELL=/bin/sh HOME=/root LOGNAME=root \
	    PATH=/usr/bin:/bin PGPSENDMAIL_CONF="$PGPSENDMAIL_CONF" setsid -w "$@")
}

# Debian cron: /usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem MAILTO
tok=$(pf_token)
subj="Cron <root@$(hostname)> /usr/local/bin/job $(pf_token)"
cat >"$T/in" <<EOF_
From: root (Cron Daemon)
To: $(addr alice),$(addr bob)
Subject: $subj
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit
X-Cron-Env: <SHELL=/bin/sh>
X-Cron-Env: <HOME=/root>
X-Cron-Env: <PATH=/usr/bin:/bin>
X-Cron-Env: <LOGNAME=root>

job output with the secret $tok
.
after a lone dot
EOF_
mark=$(pf_logmark)
cron_env "$PGPSENDMAIL" -FCronDaemon -i -B8BITMIME -oem "$(addr alice),$(addr bob)" \
    <"$T/in" >"$T/out.cron" 2>&1
rc=$?
is "$rc" 0 "Debian cron's -FCronDaemon -i -B8BITMIME -oem alice,bob exits 0"
[ "$rc" -eq 0 ] || diag "$(cat "$T/out.cron")"
pf_delivered "Debian cron" "$subj" "$T/in" added alice bob
pf_clean "Debian cron" "$tok" "$mark" "$subj"
check "Debian cron: carol, not in MAILTO, gets nothing" not pf_has carol "$subj"
pf_lognew "$mark" | grep -a 'pgpsendmail\[' | grep -aF "$(addr alice)" >"$T/ourlog"
check "Debian cron: pgpsendmail logs the hand-off to mail.log, naming both recipients" \
    sh -c "grep -F '$(addr alice)' '$T/ourlog' | grep -qF '$(addr bob)'"
is "$(grep -c . "$T/ourlog")" 1 "Debian cron: pgpsendmail logs one line for the message"

# cronie: /usr/sbin/sendmail -FCronDaemon -i -odi -oem -oi -t -f MAILFROM
tok=$(pf_token)
subj="Cron <root@$(hostname)> cronie-job $(pf_token)"
cat >"$T/in" <<EOF_
From: "(Cron Daemon)" <root@$PF_DOMAIN>
To: $(addr alice),$(addr carol)
Subject: $subj
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Auto-Submitted: auto-generated
Precedence: bulk
X-Cron-Env: <LANG=C>
X-Cron-Env: <SHELL=/bin/sh>
X-Cron-Env: <HOME=/root>

cronie job output with the secret $tok
EOF_
mark=$(pf_logmark)
cron_env "$PGPSENDMAIL" -FCronDaemon -i -odi -oem -oi -t -f "root@$PF_DOMAIN" \
    <"$T/in" >"$T/out.cron" 2>&1
rc=$?
is "$rc" 0 "cronie's -FCronDaemon -i -odi -oem -oi -t -f MAILFROM exits 0"
[ "$rc" -eq 0 ] || diag "$(cat "$T/out.cron")"
pf_delivered "cronie" "$subj" "$T/in" added alice carol
pf_clean "cronie" "$tok" "$mark" "$subj"
check "cronie: bob, not in To, gets nothing" not pf_has bob "$subj"
pf_done
