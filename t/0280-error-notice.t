#!/bin/sh
# -oem and -oee through a real Postfix: cron (which reads no exit status)
# mails to a recipient without a key; the refusal comes back to the crontab
# owner as a short notice naming the recipient and the reason, never the
# body or the Subject, and nothing reaches the recipient in clear.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
user=pgpsm-alice
pf_need setpriv
PF_NOKEY=dave
pf_setup alice dave

# alice's crontab: pgpsendmail runs as alice, against the root-owned keyring
mkdir "$T/bin"
cp "$PGPSENDMAIL" "$T/bin/pgpsendmail"
chmod 755 "$T/bin" "$T/bin/pgpsendmail" "$T/spool"
find "$T/sys" -type d -exec chmod 755 {} +
find "$T/sys" -type f -exec chmod 644 {} +
chmod 644 "$T/conf" "$T/keymap"
timeout 10 gpgconf --homedir "$T/sys" --kill all >/dev/null 2>&1
home=$(getent passwd "$user" | cut -d: -f6)

wait=10	# a notice comes at once; do not wait long where there is none
for mode in -oem -oee; do
	tok=$(pf_token)
	subj="Cron <$user@$(hostname)> job$mode $(pf_token)"
	mid="<notice$mode.$(pf_token)@$PF_DOMAIN>"
	cat >"$T/in" <<-EOF_
	From: $user (Cron Daemon)
	To: $(addr dave)
	Subject: $subj
	Date: Mon, 1 Jan 2024 00:00:00 +0000
	Message-ID: $mid
	X-Cron-Env: <HOME=$home>

	job output with the secret $tok
	EOF_
	mark=$(pf_logmark)
	(cd "$home" && timeout 60 setpriv --reuid="$(id -u $user)" --regid="$(id -g $user)" \
	    --clear-groups env -i SHELL=/bin/sh HOME="$home" LOGNAME=$user PATH=/usr/bin:/bin \
	    PGPSENDMAIL_CONF="$T/conf" setsid -w "$T/bin/pgpsendmail" -FCronDaemon -i \
	    -B8BITMIME "$mode" "$(addr dave)") <"$T/in" >"$T/out.notice" 2>&1
	rc=$?
	if [ "$mode" = -oem ]; then
		is "$rc" 67 "-oem: the refusal (dave has no key) still exits 67"
	else
		is "$rc" 0 "-oee: exit 0 once the notice is handed off"
	fi
	f=$(pf_find alice "$(addr dave)" "$wait")
	if [ -n "$f" ]; then pf_seen=1; else wait=2; fi
	check "$mode: a notice naming dave lands in the crontab owner's (alice's) Maildir" test -n "$f"
	if [ -z "$f" ]; then
		for what in "gives the reason" "names the Message-ID" "names the Date" \
		    "has neither body nor Subject" "has the null sender"; do
			skip "$mode: the notice $what" "no notice"
		done
	else
		check "$mode: the notice gives the reason (no usable key)" grep -qi 'no usable key' "$f"
		check "$mode: the notice names the message's Message-ID" grep -qF "$mid" "$f"
		check "$mode: the notice names the message's Date" grep -qF 'Mon, 1 Jan 2024 00:00:00 +0000' "$f"
		check "$mode: the notice has neither the body nor the Subject" \
		    not grep -qF -e "$tok" -e "$subj" "$f"
		check "$mode: the notice goes out with the null sender, so it cannot bounce" \
		    grep -q '^Return-Path: <>' "$f"
	fi
	pf_clean "$mode" "$tok" "$mark" "$subj"
	check "$mode: dave gets nothing" not pf_has dave "$subj"
	check "$mode: pgpsendmail logs the refusal to mail.log" \
	    sh -c "tail -c +$((mark + 1)) $PF_LOG | grep -a 'pgpsendmail\\[' | grep -aqF '$(addr dave)'"
	rm -f "$(maildir alice)"/new/*
done
pf_done
