#!/bin/sh
# 50 concurrent senders, each to alice and a Bcc'd bob, while the real
# sendmail fails about a third of its calls and three `pgpsendmail -q` loops
# run beside them: every sender gets 0, and once the real sendmail works
# again every recipient has each message exactly once.
. "$(dirname "$0")/lib.sh"
plan 11

N=50
mkkey alice alice@example.org
mkkey bob bob@example.org

# The flaky real sendmail: a third of the calls fail (75 without reading,
# or 1 after reading everything) and record nothing; the rest are the fake
# backend, each in a directory of its own ($T/calls/c.*/1.argv, 1.msg: one
# shared directory would make the fake backend's numbering quadratic).
# $T/flaky.off makes it reliable.
mkdir "$T/calls"
cat >"$T/flaky" <<EOF_
#!/bin/sh
PATH=/usr/bin:/bin
if [ ! -e "$T/flaky.off" ]; then
	r=\$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
	case \$((r % 6)) in
	0) echo 75 >>"$T/flaky.log"; exit 75 ;;
	1) cat >/dev/null; echo 1 >>"$T/flaky.log"; exit 1 ;;
	esac
fi
d=\$(mktemp -d "$T/calls/c.XXXXXX") || exit 75
exec "$ABS/t/fake-sendmail" "\$d" "\$@"
EOF_
chmod 755 "$T/flaky"
CONF_SENDMAIL=$T/flaky
mkconf

start=$(date +%s)
# Three queue runners, until the senders are done (and once more).
for q in 1 2 3; do
	(
		k=0
		while :; do
			[ -e "$T/senders.done" ] && last=1 || last=
			timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>>"$T/qerr.$q"
			echo $? >>"$T/qrc.$q"
			k=$((k + 1))
			[ -n "$last" ] && break
			sleep 0.2
		done
	) &
	eval "qpid$q=\$!"
done

pids=
i=1
while [ $i -le $N ]; do
	tok=TOKEN-$i-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	echo "$tok" >"$T/tok.$i"
	printf 'From: sender%d@example.org\nTo: Alice <alice@example.org>\nBcc: bob@example.org\nSubject: concurrent %d\nMessage-ID: <c%d@example.org>\n\nThe token is %s.\n' \
	    "$i" "$i" "$i" "$tok" >"$T/in.$i"
	(
		timeout 120 "$PGPSENDMAIL" -t -i <"$T/in.$i" >/dev/null 2>"$T/err.$i"
		echo $? >"$T/rc.$i"
	) &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do
	wait "$p"
done
: >"$T/senders.done"
wait "$qpid1" "$qpid2" "$qpid3"

bad=
i=1
while [ $i -le $N ]; do
	st=$(cat "$T/rc.$i" 2>/dev/null)
	if [ "$st" != 0 ]; then
		bad="$bad $i:${st:-none}"
		diag "sender $i exited ${st:-?}: $(cat "$T/err.$i")"
	fi
	i=$((i + 1))
done
is "${bad:-none}" none "every one of the $N concurrent senders exits 0"
nfail=$(cat "$T/flaky.log" 2>/dev/null | wc -l)
check "the real sendmail did fail meanwhile ($nfail calls)" test "$nfail" -gt 0
cat "$T"/qrc.* | sort -n | tail -n 1 >"$T/qmax"
check "no concurrent queue run crashed or hung (exit < 124; $(cat "$T"/qrc.* | wc -l) runs)" \
    test "$(cat "$T/qmax")" -lt 124
check "the queue runs wrote only pgpsendmail: lines on stderr" \
    sh -c "! cat '$T'/qerr.* | grep -v '^pgpsendmail: '"

# The real sendmail works again: -q until the queue is empty, at most 10 runs.
: >"$T/flaky.off"
runs=0
while [ -n "$(queued_entries)" ] && [ $runs -lt 10 ]; do
	timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>>"$T/qerr.final"
	runs=$((runs + 1))
done
diag "$runs final queue run(s); $(($(date +%s) - start)) s so far"
is "$(queued_entries | wc -l)" 0 "after -q with a working real sendmail the queue is empty"
is "$(find "$T/spool/q" -mindepth 1 | wc -l)" 0 "and q/ holds nothing at all (no .err, no message directory)"
is "$(find "$T/spool/tmp" -mindepth 1 | wc -l)" 0 "and nothing is left in spool/tmp"

# Every delivered copy: decrypt it with the key of each recipient it went
# to, and note (recipient, token).
: >"$T/got"
: >"$T/undec"
for c in "$T"/calls/c.*; do
	[ -e "$c/1.argv" ] || continue
	grep -qx -- '--' "$c/1.argv" || continue	# the -q pass-through calls
	for r in $(sed '1,/^--$/d' "$c/1.argv"); do
		who=${r%%@*}
		if decrypt "$who" "$c/1.msg" >"$T/dec" && [ -s "$T/dec" ]; then
			toks=$(grep -o 'TOKEN-[0-9]*-[0-9a-f]*' "$T/dec")
			[ -n "$toks" ] || toks=NO-TOKEN
			for t in $toks; do
				echo "$r $t" >>"$T/got"
			done
		else
			echo "$r call $c" >>"$T/undec"
		fi
	done
done
i=1
while [ $i -le $N ]; do
	echo "alice@example.org $(cat "$T/tok.$i")"
	echo "bob@example.org $(cat "$T/tok.$i")"
	i=$((i + 1))
done | sort >"$T/want"
sort "$T/got" | uniq -c | awk '$1 == 1 { print $2, $3 }' >"$T/once"
sort "$T/got" | uniq -c | awk '$1 > 1 { print $2, $3, "x" $1 }' >"$T/dups"
is "$(wc -l <"$T/undec" | tr -d ' ')" 0 "every delivered copy decrypts with its recipient's own key"
[ -s "$T/undec" ] && diag "$(head -n 5 "$T/undec")"
check_same "every token reached alice and bob exactly once" "$T/once" "$T/want"
is "$(wc -l <"$T/dups" | tr -d ' ')" 0 "and no copy was delivered twice"
[ -s "$T/dups" ] && diag "$(head -n 5 "$T/dups")"
check "and nothing else was delivered" sh -c "sort -u '$T/got' | cmp -s - '$T/want'"
diag "$(($(date +%s) - start)) s in all; $(ls "$T/calls" | wc -l) backend calls recorded"
