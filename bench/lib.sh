# bench/lib.sh: sourced by bench/bench.sh and bench/postfix.sh.
ms() { echo $(( $(date +%s%N) / 1000000 )); }	# now, in ms
us() { echo $(( $(date +%s%N) / 1000 )); }	# now, in microseconds
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# gpgargs HOMEDIR: the options pgpsendmail gives every gpg run (gpg.c,
# baseargs), for the hand-made steps to run the same gpg command
gpgargs() {
	echo "--homedir $1 --batch --no-tty --quiet --no-greeting" \
	    "--no-permission-warning --no-secmem-warning --trust-model always" \
	    "--no-auto-check-trustdb --lock-never --no-random-seed-file" \
	    "--no-auto-key-retrieve --auto-key-locate local --utf8-strings"
}
