#!/bin/sh
# bench/killed.sh: how many copies arrive of a message whose pgpsendmail is
# SIGKILLed at a random point of its run, once pgpsendmail -q has run.
#
#	sh bench/killed.sh [RUNS]	(as root, with Postfix; RUNS defaults to 60)
#
# Through a real Postfix, set up as the tests do (t/postfix.sh: an instance
# of its own in private namespaces, a throwaway user with a key, local
# delivery to a Maildir; the system's Postfix is left alone).  First five
# sends run to the end, to time a whole send; then each of RUNS sends is killed
# after a random delay, uniform over that time (each send's own Message-ID);
# then one pgpsendmail -q; then, once Postfix's queue has drained, the
# Maildir is searched for each Message-ID.  Prints how many messages arrived
# 0, 1 and 2 or more times.  0 is right for a send killed before its queue
# entry was committed (its caller saw it die); 2 is a duplicate.
# PGPSENDMAIL names the binary (./pgpsendmail by default).
. "$(dirname "$0")/../t/lib.sh"
. "$(dirname "$0")/../t/postfix.sh"
runs=${1:-${RUNS:-60}}
PF_WAIT=120
pf_setup killed >/dev/null
rcpt=$(addr killed)
run=r$$
msg() {	# msg ID
	printf 'From: root@%s\nTo: %s\nSubject: killed\nMessage-ID: <%s.%s@killed.example>\n\n%s\n' \
	    "$PF_DOMAIN" "$rcpt" "$1" "$run" "$(head -c 3000 /dev/urandom | base64)"
}
us() { echo $(( $(date +%s%N) / 1000 )); }

# A whole send, five times: the median is the span the kills are spread over.
: >"$T/times"
for i in 1 2 3 4 5; do
	msg "whole$i" >"$T/in"
	t0=$(us)
	"$PGPSENDMAIL" -i -- "$rcpt" <"$T/in"
	echo $(($(us) - t0)) >>"$T/times"
done
span=$(sort -n "$T/times" | sed -n 3p)
echo "a whole send takes ${span} us (median of 5); kills fall in 0..${span} us"

: >"$T/mark"
i=1
while [ "$i" -le "$runs" ]; do
	msg "k$i" >"$T/in"
	# uniform in 0..span microseconds
	r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	d=$(awk -v r="$r" -v s="$span" 'BEGIN { printf "%.6f", (r / 4294967296) * s / 1e6 }')
	"$PGPSENDMAIL" -i -- "$rcpt" <"$T/in" &
	pid=$!
	sleep "$d"
	kill -KILL "$pid" 2>/dev/null && echo "$i" >>"$T/killed"
	echo "$d" >"$T/delay.$i"
	wait "$pid" 2>/dev/null
	i=$((i + 1))
done
sleep 2		# what a killed send left running finishes, or not
"$PGPSENDMAIL" -q </dev/null
# A postdrop killed between its commit and its wake-up call to pickup left
# a complete file that pickup would find only on its next scan: now.
sleep 1
postkick public pickup W 2>/dev/null
sleep 2
pf_wait_queue >/dev/null 2>&1
sleep 2
pf_wait_queue >/dev/null 2>&1

zero=0 one=0 more=0
i=1
while [ "$i" -le "$runs" ]; do
	c=$(grep -lF "Message-ID: <k$i.$run@killed.example>" "$(maildir killed)"/new/* 2>/dev/null | wc -l)
	case $c in
	0) zero=$((zero + 1)) ;;
	1) one=$((one + 1)) ;;
	*) more=$((more + 1))
	   echo "k$i arrived $c times (killed $(cat "$T/delay.$i") s into a send of $span us)" ;;
	esac
	i=$((i + 1))
done
left=$(find "$T/spool/q" -type f ! -name '*.err' 2>/dev/null | wc -l)
# A postdrop killed before its commit leaves a file without the owner's
# execute bit, which pickup never takes: count them, and take them away.
md=/var/spool/postfix/maildrop
inc=$(find "$md" -type f ! -perm -u+x -newer "$T/mark" 2>/dev/null | wc -l)
find "$md" -type f ! -perm -u+x -newer "$T/mark" -delete 2>/dev/null
echo "$inc incomplete files of killed postdrops were left in $md (removed)"
echo "$runs sends, $(wc -l <"$T/killed" 2>/dev/null || echo 0) killed while running:" \
    "$zero arrived 0 times, $one once, $more twice or more;" \
    "$left entries still queued"
[ "$more" -eq 0 ]
