#!/bin/sh
# --gateway's deadline binds gpg too: a gpg that keeps saying something
# (progress, so the no-progress timeout never fires) but never finishes
# is killed once the transaction's time is up, so that the replies come
# before Postfix's lmtp_data_done_timeout.  Its recipients get 451 with
# the reason, nothing is handed on, and Postfix tries again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
plan 5

mkkey alice alice@example.org
cat >"$T/in" <<EOF_
From: s@example.net
To: alice@example.org
Subject: chatty gpg
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gw0921@example.net>

0921-token
EOF_
# Encrypting, it writes a status line every half second, for a minute.
cat >"$T/gpg-chatty" <<EOF_
#!/bin/sh
for a; do
	if [ "\$a" = --encrypt ]; then
		echo \$\$ >"$T/chatty.pid"
		i=0
		while [ \$i -lt 120 ]; do echo "[GNUPG:] PROGRESS x" >&3; sleep 0.5; i=\$((i + 1)); done
		exit 2
	fi
done
exec /usr/bin/gpg "\$@"
EOF_
chmod 755 "$T/gpg-chatty"
CONF_GPG=$T/gpg-chatty mkconf
echo "timeout 2" >>"$T/conf"
start=$(date +%s)
{ echo "LHLO relay.example.org"; echo "MAIL FROM:<s@example.net>"
  echo "RCPT TO:<alice@example.org>"; echo DATA; gw_data "$T/in"; echo QUIT; } |
    SEND_TIMEOUT=120 gw_session
took=$(($(date +%s) - start))
check "a gpg still talking at the deadline: 451 for its recipient" \
    gw_is 1 '^451 4\.3\.0 <alice@example.org> '
check "... saying so" gw_is 1 "gpg did not finish within the transaction's 2 s"
check "... within the deadline, not after the gpg's minute (took ${took} s)" \
    test "$took" -le 10
is "$(calls)" 0 "nothing was handed on"
sleep 1
check "no gpg left behind" sh -c "! kill -0 \$(cat '$T/chatty.pid') 2>/dev/null"
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"
