#!/bin/sh
# compress: gpg's default, none, or a level.
. "$(dirname "$0")/lib.sh"
plan 6

mkkey alice alice@example.org
mkconf
printf 'Subject: c\n\n%s\n' "$(seq 1 2000)" >"$T/in"
packets() {	# packets MSG-FILE: what alice's gpg lists inside
	armored "$1" | timeout 60 gpg --homedir "$T/home/alice" --batch --no-tty \
	    --list-packets 2>/dev/null
}
for how in none 9 default; do
	mkconf
	echo "compress $how" >>"$T/conf"
	reset_out
	send -i alice@example.org <"$T/in"
	is "$rc" 0 "compress $how: sent"
	packets "$T/out/1.msg" >"$T/packets.$how"
done
check "compress none: no compressed packet inside" not grep -q 'compressed packet' "$T/packets.none"
check "compress 9: a compressed packet inside" grep -q 'compressed packet' "$T/packets.9"
mkconf
echo "compress fast" >>"$T/conf"
send -i alice@example.org <"$T/in"
is "$rc" 78 "a bad compress value exits 78"
