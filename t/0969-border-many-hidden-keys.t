#!/bin/sh
# gpg tries every transport key on every hidden-recipient (wildcard)
# session key of a message, some 3 ms each, and the border lets it try
# whenever the message claims a peer as sender: an outsider's 10 MB of
# wildcard session keys cost the whole deadline (300 s) of CPU at every
# one of Postfix's retries.  More than 1024 of them (a sending gateway
# takes 1000 recipients a transaction) are not tried: the message goes on
# as it came, saying why, and gpg never decrypts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 4

mkdir -p "$T/bin"
cat >"$T/bin/gpg" <<EOF_
#!/bin/sh
# gpg, each run that decrypts noted in $T/runs
for a; do [ "\$a" = --list-only ] && exec /usr/bin/gpg "\$@"; done
for a; do [ "\$a" = --decrypt ] && echo decrypt >>"$T/runs"; done
exec /usr/bin/gpg "\$@"
EOF_
chmod 755 "$T/bin/gpg"
BD_GPG_B=$T/bin/gpg bd_pair
# A wildcard session key for a's key (none of b's opens it), then the
# same packet 1099 times more, then the encrypted data.
printf 'token 0969\n' | timeout 60 gpg --homedir "$T/sys" --batch --no-tty \
    --trust-model always --throw-keyids --recipient "$FA" --encrypt \
    >"$T/one.bin" 2>>"$T/gpg.log"
python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
t = d[0]
if t & 0x40:				# new format
	l = d[1]
	if l < 192: h, n = 2, l
	elif l < 224: h, n = 3, ((l - 192) << 8) + d[2] + 192
	else: h, n = 6, int.from_bytes(d[2:6], "big")
else:					# old format
	lt = t & 3
	h = 1 + (1, 2, 4)[lt]
	n = int.from_bytes(d[1:h], "big")
assert (t & 0x40 and t & 0x3f == 1) or (not t & 0x40 and (t >> 2) & 0xf == 1)
sys.stdout.buffer.write(d[:h + n] * 1100 + d[h + n:])' "$T/one.bin" >"$T/many.bin"
timeout 60 gpg --homedir "$T/a/sys" --batch --enarmor <"$T/many.bin" 2>>"$T/gpg.log" |
    sed 's/ARMORED FILE/MESSAGE/; /^Comment:/d' >"$T/many.asc"
nw=$(timeout 60 gpg --homedir "$T/b/transport" --batch --status-fd 1 \
    --list-only --decrypt <"$T/many.asc" 2>/dev/null | grep -c 'ENC_TO 0000000000000000')
is "$nw" 1100 "the message has 1100 hidden-recipient session keys"
bd_pgpmime "$T/many.asc" >"$T/pm"
bd_relay "$T/pm" "$T/msg"
bd_through b "$T/msg" bob@b.example
check "250 for bob" gw_is 1 '^250 '
B=$(bd_out b bob@b.example)
check "passed on as it came, saying why" grep -q \
    '^Pgpsendmail-Border: not decrypted at .*: 1100 hidden-recipient session keys, over the 1024 tried$' \
    "$B"
check "gpg never decrypted (tried no key)" not test -e "$T/runs"
