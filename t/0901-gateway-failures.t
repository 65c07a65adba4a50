#!/bin/sh
# --gateway: only "no usable key" and "rejected by keymap" are for good.
# Anything else is "try later" (4xx), for the recipients it touched alone:
# a copy the real sendmail refused is 451 for its recipients while the
# copies handed on are 250 (a retry never sends them twice); gpg failing
# or hanging, a config or keymap error: 4xx (421 at the greeting), never
# 5xx.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
plan 20

mkkey alice alice@example.org
mkkey bob bob@example.org
mkconf
printf 'pat@example.org plain\n' >"$T/keymap"
cat >"$T/in" <<EOF_
From: s@example.net
To: alice@example.org
Cc: pat@example.org
Subject: faults
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gw0901@example.net>

The secret: 0901-token
EOF_
dialogue() {	# dialogue RCPT...: one message to each RCPT, then QUIT
	echo "LHLO relay.example.org"
	echo "MAIL FROM:<s@example.net>"
	for _r; do echo "RCPT TO:<$_r>"; done
	echo DATA
	gw_data "$T/in"
	echo QUIT
}
no5xx() { ! grep -q '^5' "$R"; }

# The real sendmail refuses bob's copy (he is blind: a copy of his own).
cat >"$T/refuse-bob" <<EOF_
#!/bin/sh
for a; do [ "\$a" = bob@example.org ] && { cat >/dev/null; echo "bob's copy refused" >&2; exit 75; }; done
exec "$ABS/t/fake-sendmail" "\$@"
EOF_
chmod +x "$T/refuse-bob"
CONF_SENDMAIL="$T/refuse-bob $T/out" mkconf
dialogue alice@example.org bob@example.org pat@example.org | gw_session
check "a copy the real sendmail refuses: its recipient gets 451 4.3.0" \
    gw_is 2 '^451 4\.3\.0 <bob@example.org> '
check "... saying why" gw_is 2 'refuse-bob exited with status 75'
check "the copies handed on get 250 (alice)" gw_is 1 '^250 2\.0\.0 <alice@example.org>'
check "... and pat's plain copy" gw_is 3 '^250 2\.0\.0 <pat@example.org>'
opened alice "$(msg_of alice@example.org)" >"$T/got"
check_same "alice's copy decrypts to the original" "$T/got" "$T/in"
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"

# Postfix tries again for bob alone, the fault fixed: one copy, his.
mkconf
dialogue bob@example.org | gw_session
check "the retry for bob: 250" gw_is 1 '^250 2\.0\.0 <bob@example.org>'
is "$(calls)" 1 "... one copy handed on, for bob alone"
opened bob "$T/out/1.msg" >"$T/got"
check_same "... and it decrypts to the original" "$T/got" "$T/in"

# gpg fails to encrypt: 4xx for all, nothing handed on.
cat >"$T/badgpg" <<'EOF_'
#!/bin/sh
for a; do case $a in --encrypt|-e) echo "gpg: out of cheese" >&2; exit 2;; esac; done
exec /usr/bin/gpg "$@"
EOF_
chmod +x "$T/badgpg"
CONF_GPG=$T/badgpg mkconf
dialogue alice@example.org bob@example.org pat@example.org | gw_session
is "$(gw_replies | grep -c '^451 4\.3\.0 ')" 3 "gpg failing: 451 4.3.0 for every recipient"
check "... no 5xx" no5xx
is "$(calls)" 0 "... and nothing was handed on"

# gpg missing altogether.
CONF_GPG=$T/no-such-gpg mkconf
dialogue alice@example.org | gw_session
check "gpg missing: 4xx, never 5xx" sh -c "grep -q '^4' '$R' && ! grep -q '^5' '$R'"

# gpg hangs: killed at the config's timeout, 451.
cat >"$T/hanggpg" <<'EOF_'
#!/bin/sh
for a; do case $a in --encrypt|-e) exec sleep 30;; esac; done
exec /usr/bin/gpg "$@"
EOF_
chmod +x "$T/hanggpg"
CONF_GPG=$T/hanggpg mkconf
echo "timeout 2" >>"$T/conf"
start=$(date +%s)
dialogue alice@example.org | gw_session
check "gpg hanging: 451 4.3.0 once the timeout is up" gw_is 1 '^451 4\.3\.0 '
check "... within the timeout, not gpg's 30 s" [ $(($(date +%s) - start)) -lt 20 ]

# The real sendmail hangs on the first copy: it is killed at the deadline,
# and no copy starts once the transaction's time is up.
cat >"$T/hang-alice" <<EOF_
#!/bin/sh
for a; do [ "\$a" = alice@example.org ] && exec sleep 30; done
exec "$ABS/t/fake-sendmail" "\$@"
EOF_
chmod +x "$T/hang-alice"
CONF_SENDMAIL="$T/hang-alice $T/out" mkconf
echo "timeout 2" >>"$T/conf"
start=$(date +%s)
dialogue alice@example.org bob@example.org | gw_session
took=$(($(date +%s) - start))
check "a hanging re-injection: 451 for its recipient" gw_is 1 '^451 4\.3\.0 <alice@example.org>'
check "the copy after it is not started past the deadline: 451" \
    gw_is 2 "^451 4\.3\.0 <bob@example.org> not handed on: the transaction's 2 s are up"
check "... and the transaction ends within its deadline (took ${took}s)" [ "$took" -lt 10 ]
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$R")"

# A config error: 421 at the greeting, never 5xx.
mkconf
echo "no-such-key 1" >>"$T/conf"
dialogue alice@example.org | gw_session
check "a config error: 421 4.3.0 at the greeting" sh -c "head -n 1 '$R' | grep -q '^421 4\.3\.0 '"
check "... and nothing else said" [ "$(wc -l <"$R")" -eq 1 ]
mkconf
echo "alice@example.org frobnicate" >"$T/keymap"
dialogue alice@example.org | gw_session
check "a keymap error: 421 4.3.0, never 5xx" sh -c "head -n 1 '$R' | grep -q '^421 4\.3\.0 ' && ! grep -q '^5' '$R'"
