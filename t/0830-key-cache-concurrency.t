#!/bin/sh
# Two rebuilds and 20 sends at once: every send exits 0 and reaches its
# recipient's key alone, and the cache left behind is whole (renamed into
# place, never written where it is read): a send uses it, and no
# temporary file is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/keycache.sh"
plan 7

names="a0 a1 a2 a3"
for r in $names; do mkkey "$r" "$r@example.org"; done
kc_conf
kc_build
reset_out
mkdir "$T/par"

i=0
while [ $i -lt 20 ]; do
	r=a$((i % 4))
	printf 'From: s@example.org\nTo: %s@example.org\nSubject: par\n\nmessage %d to %s\n' \
	    "$r" "$i" "$r" >"$T/par/$i.in"
	i=$((i + 1))
done
PGPSENDMAIL_CONF=$T/conf "$PGPSENDMAIL" -bi </dev/null >"$T/par/bi1" 2>&1 &
pids=$!
i=0
while [ $i -lt 20 ]; do
	r=a$((i % 4))
	( PGPSENDMAIL_CONF=$T/conf timeout 120 "$PGPSENDMAIL" "$r@example.org" \
	    <"$T/par/$i.in" >/dev/null 2>"$T/par/$i.err"; echo $? >"$T/par/$i.rc" ) &
	pids="$pids $!"
	[ $i -eq 9 ] && { PGPSENDMAIL_CONF=$T/conf "$PGPSENDMAIL" -bi \
	    </dev/null >"$T/par/bi2" 2>&1 & pids="$pids $!"; }
	i=$((i + 1))
done
for p in $pids; do wait "$p"; done

is "$(cat "$T"/par/*.rc | sort | uniq -c | sed 's/^ *//')" "20 0" "all 20 sends exit 0"
is "$(cat "$T/par/bi1" "$T/par/bi2")" "" "both rebuilds say nothing"
is "$(calls)" 22 "the real sendmail got 20 messages and 2 -bi"

# Each message opens with its recipient's key, and is the one sent to it.
good=0
for m in "$T"/out/*.msg; do
	k=${m##*/}
	k=${k%.msg}
	r=$(rcpts "$k" | sed 's/@.*//')
	[ -n "$r" ] || continue
	body=$(decrypt "$r" "$m" | sed '1,/^$/d')
	case $body in
	"message "*" to $r") good=$((good + 1)) ;;
	*) diag "call $k to $r: $body" ;;
	esac
done
is "$good" 20 "each of the 20 opens with its recipient's key, and is for it"
is "$(ls "$T" | grep -c '^keymap\.cache\.')" 0 "no temporary cache file is left"
check "the cache ends with its end line" sh -c "tail -n 1 '$T/keymap.cache' | grep -q '^end '"
msgto a1@example.org
kc_send "$T/conf" a1@example.org
is "$(listings) $rc" "0 0" "and a send uses it"
