#!/bin/sh
# bench/postfix.sh: one case through a real Postfix, run by make bench when
# it can (as root, with Postfix installed).  The Postfix set-up of the tests
# (t/postfix.sh: an instance of its own in private namespaces, a throwaway
# user with a key, delivering locally; the system's Postfix is left alone).  pgpsendmail hands a 1 KB message to
# Postfix's sendmail; the hand-made counterpart does the same steps by
# hand; each is timed until it returns, then every message must arrive.
. "$(dirname "$0")/../t/lib.sh"
. "$(dirname "$0")/../t/postfix.sh"
set -f
runs=${RUNS:-5}
PF_WAIT=60
pf_setup bench >/dev/null
rcpt=$(addr bench)
. "$(dirname "$0")/lib.sh"
{ printf 'From: bench@example.org\nTo: %s\nSubject: bench\n\n' "$rcpt"
  head -c 768 /dev/urandom | base64; } >"$T/m1k"
fpr=$(fpr_of bench)
gpgargs=$(gpgargs "$T/sys")
byhand() {
	gpg $gpgargs --status-fd 3 --with-colons --fixed-list-mode --with-fingerprint \
	    --list-keys -- "*$rcpt" >/dev/null 3>&1
	mkdir -m 700 "$T/spool/hand.d"
	gpg $gpgargs --status-fd 3 --armor --encrypt --recipient "$fpr" \
	    <"$T/m1k" >"$T/spool/hand.d/1" 3>/dev/null
	sync "$T/spool/hand.d/1" "$T/spool/hand.d" "$T/spool"
	"$PF_SENDMAIL" -i -f root -- "$rcpt" <"$T/spool/hand.d/1"
	rm -r "$T/spool/hand.d"
}
: >"$T/t.p"; : >"$T/t.h"
k=0
while [ $k -lt "$runs" ]; do
	t0=$(us); "$PGPSENDMAIL" "$rcpt" <"$T/m1k"; t1=$(us)
	echo $((t1 - t0)) >>"$T/t.p"
	t0=$(us); byhand; t1=$(us)
	echo $((t1 - t0)) >>"$T/t.h"
	k=$((k + 1))
done
want=$((2 * runs)) i=0
while [ "$(ls "$(maildir bench)/new" | wc -l)" -lt $want ] && [ $i -lt 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
got=$(ls "$(maildir bench)/new" | wc -l)
p=$(median <"$T/t.p") h=$(median <"$T/t.h")
awk -v p="$p" -v h="$h" -v got="$got" -v want="$want" 'BEGIN {
	printf "%-22s %10.1f %10.1f %7.3f   (%d of %d delivered)\n",
	    "1k, 1 rcpt, Postfix", p / 1000, h / 1000, p / h, got, want }'
[ "$got" -eq "$want" ]
