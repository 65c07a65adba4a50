#!/bin/sh
# A decryption that hangs (a gpg-agent that never answers) is killed at the
# transaction's deadline (timeout), and the message deferred for every
# recipient (451): Postfix keeps it, nothing is handed on, no gpg is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 4

mkdir -p "$T/bin"
cat >"$T/bin/gpg" <<EOF_
#!/bin/sh
# gpg, but a decryption hangs (its pid in $T/gpg.pid)
for a; do [ "\$a" = --list-only ] && exec /usr/bin/gpg "\$@"; done
for a; do
	if [ "\$a" = --decrypt ]; then echo \$\$ >"$T/gpg.pid"; exec sleep 60; fi
done
exec /usr/bin/gpg "\$@"
EOF_
chmod 755 "$T/bin/gpg"
BD_GPG_B=$T/bin/gpg bd_pair
echo "timeout 2" >>"$T/b/conf"
printf 'From: s@a.example\nTo: bob@b.example\nSubject: x\n\ntoken 0956\n' >"$T/in"
bd_through a "$T/in" bob@b.example
bd_relay "$(bd_out a bob@b.example)" "$T/msg"
start=$(date +%s)
bd_through b "$T/msg" bob@b.example
took=$(($(date +%s) - start))
check "451 4.3.0 for bob, saying the decryption did not finish in time" \
    gw_is 1 '^451 4\.3\.0 .*did not finish within'
check "within a few seconds of the 2 s deadline (took ${took} s)" test "$took" -le 8
check "nothing handed on" not ls "$T/b/out/1.argv"
check "the hung gpg is gone" gone "$T/gpg.pid"
