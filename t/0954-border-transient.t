#!/bin/sh
# What may mend itself is "try later", for every recipient, before any gpg
# runs on the message: a transport home that group or others can read (or
# that is not ours), and a gpg-agent that cannot be started.  The message
# is handed on to nobody (Postfix keeps it and retries) and, once the
# fault is fixed, the same message is decrypted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 11

bd_pair
cat >"$T/in" <<'EOF_'
From: Sender <s@a.example>
To: bob@b.example, carol@b.example
Subject: inner 0954

token 0954
EOF_
bd_through a "$T/in" bob@b.example carol@b.example
bd_relay "$(bd_out a bob@b.example)" "$T/msg"
TB=$T/b/transport

deferred() {	# deferred WHAT ERE: both recipients 451, the reason, nothing sent
	check "$1: 451 4.3.0 for both recipients" sh -c \
	    "[ \$(sed '1,/^354 /d' '$R' | grep -c '^451 4\.3\.0 ') -eq 2 ]"
	check "$1: the reply says why" grep -Eq "^451 4\\.3\\.0 .*$2" "$R"
	check "$1: nothing handed on" not ls "$T/b/out/1.argv"
}

chmod 750 "$TB"
bd_through b "$T/msg" bob@b.example carol@b.example
deferred "group may read the transport home" \
    "transport-home: $TB: refused: .*mode 0750"
chmod 700 "$TB"
k=$(ls "$TB/private-keys-v1.d" | head -n 1)
chmod 640 "$TB/private-keys-v1.d/$k"
bd_through b "$T/msg" bob@b.example carol@b.example
deferred "a key file readable by the group" "private-keys-v1.d/$k: refused"
chmod 600 "$TB/private-keys-v1.d/$k"

# No gpg-agent can start: its socket's place is taken by a directory.
sock=$(gpgconf --homedir "$TB" --list-dirs agent-socket)
gpgconf --homedir "$TB" --kill gpg-agent
i=0
while [ -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
rm -f "$sock"
mkdir "$sock" && : >"$sock/taken"
bd_through b "$T/msg" bob@b.example carol@b.example
deferred "gpg-agent cannot start" "gpg-agent of the transport home cannot be reached"
cp "$R" "$T/agent.replies"
rm -rf "$sock"

bd_through b "$T/msg" bob@b.example carol@b.example
check "fixed: 250 for both" sh -c "[ \$(sed '1,/^354 /d' '$R' | grep -c '^250 ') -eq 2 ]"
check "fixed: decrypted" grep -qx 'token 0954' "$(bd_out b bob@b.example)"
