#!/bin/sh
# gpg says "No secret key" both when the key is not ours and when the
# agent that holds it is gone: the border asks the agent itself
# (gpg-connect-agent, HAVEKEY) before it decides.  Here the agent goes away
# between the listing of our keys and the decryption: 451, the message
# kept, not passed on as "not our key"; once the agent can start again the
# same message is decrypted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 5

mkdir -p "$T/bin"
TB=$T/b/transport
cat >"$T/bin/gpg" <<EOF_
#!/bin/sh
# gpg, but while $T/block exists a decryption first stops the transport
# home's agent and takes its socket's place
for a; do [ "\$a" = --list-only ] && exec /usr/bin/gpg "\$@"; done
for a; do
	if [ "\$a" = --decrypt ] && [ -e "$T/block" ]; then
		s=\$(gpgconf --homedir "$TB" --list-dirs agent-socket)
		gpgconf --homedir "$TB" --kill gpg-agent
		i=0
		while [ -S "\$s" ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
		rm -f "\$s"; mkdir -p "\$s"; : >"\$s/taken"
	fi
done
exec /usr/bin/gpg "\$@"
EOF_
chmod 755 "$T/bin/gpg"
BD_GPG_B=$T/bin/gpg bd_pair
printf 'From: s@a.example\nTo: bob@b.example\nSubject: x\n\ntoken 0957\n' >"$T/in"
bd_through a "$T/in" bob@b.example
bd_relay "$(bd_out a bob@b.example)" "$T/msg"

: >"$T/block"
bd_through b "$T/msg" bob@b.example
check "agent gone at the decryption: 451 4.3.0" gw_is 1 '^451 4\.3\.0 '
check "... saying the agent cannot be reached" \
    gw_is 1 'gpg-agent of the transport home cannot be reached'
check "... nothing handed on (not passed as \"not our key\")" not ls "$T/b/out/1.argv"
rm -f "$T/block"
rm -rf "$(gpgconf --homedir "$TB" --list-dirs agent-socket)"
bd_through b "$T/msg" bob@b.example
check "agent back: 250" gw_is 1 '^250 '
check "... decrypted" grep -qx 'token 0957' "$(bd_out b bob@b.example)"
