#!/bin/sh
# --gateway's deadline is a deadline: a real sendmail that keeps reading,
# slowly, is killed once the transaction's time (the config's timeout) is
# up, as one that hangs is, so that the replies come before Postfix's
# lmtp_data_done_timeout whatever the re-injection does.  Its recipients
# get 451 (the copy was not committed), and Postfix tries again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
plan 4

mkkey alice alice@example.org
{ cat <<EOF_
From: s@example.net
To: alice@example.org
Subject: slow
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gw0904@example.net>

EOF_
  echo "0904-token"
  head -c 3000 /dev/urandom | base64
} >"$T/in"

# 100 bytes every half second: progress all the time, done after ~20 s.
cat >"$T/slow" <<EOF_
#!/bin/sh
echo \$\$ >"$T/slow.pid"
while [ "\$(dd bs=100 count=1 2>/dev/null | wc -c)" -gt 0 ]; do sleep 0.5; done
exec "$ABS/t/fake-sendmail" "\$@" </dev/null
EOF_
chmod +x "$T/slow"
CONF_SENDMAIL="$T/slow $T/out" mkconf
echo "timeout 2" >>"$T/conf"
start=$(date +%s)
{ echo "LHLO relay.example.org"; echo "MAIL FROM:<s@example.net>"
  echo "RCPT TO:<alice@example.org>"; echo DATA; gw_data "$T/in"; echo QUIT; } |
    SEND_TIMEOUT=120 gw_session
took=$(($(date +%s) - start))
check "a re-injection still reading at the deadline: 451 for its recipient" \
    gw_is 1 '^451 4\.3\.0 <alice@example.org> '
check "... the transaction ends soon after its 2 s, not when the sendmail would (took ${took}s)" \
    [ "$took" -lt 8 ]
check "... the slow sendmail is gone" gone "$T/slow.pid"
is "$(calls)" 0 "... and it committed nothing"
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"
