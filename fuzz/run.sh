#!/bin/sh
# fuzz/run.sh SECONDS NAME...: fuzz each harness fuzz/build/NAME for SECONDS
# from its seed corpus fuzz/corpus/NAME (read only: what it finds goes to
# fuzz/build/corpus/NAME), then print its figures.  A crash, leak, timeout
# or failed check leaves its input in fuzz/findings/NAME-*.
# fuzz/run.sh regress NAME...: run each over its seed corpus once.
# Exits 1 if any harness failed.
cd "$(dirname "$0")/.." || exit 1
secs=$1
shift
st=0
for name; do
	bin=fuzz/build/$name
	case $name in	# room past each parser's limits
	hdr)	max=16384 ;;	# lines of 998, armor lines of 128, 4096 held
	conf)	max=8192 ;;	# lines of 4096
	smtp)	max=16384 ;;	# hundreds of RCPTs: the recipients' hash grows
	*)	max=4096 ;;	# addresses of 320, 128 tokens
	esac
	opts="-max_len=$max -timeout=10 -dict=fuzz/$name.dict"
	opts="$opts -print_final_stats=1"
	log=fuzz/build/$name.log
	if [ "$secs" = regress ]; then
		if ! "$bin" $opts -runs=0 -artifact_prefix=fuzz/build/$name- \
		    fuzz/corpus/$name >"$log" 2>&1; then
			cat "$log"
			echo "$name: FAILED on the seed corpus"
			st=1
			continue
		fi
	else
		mkdir -p fuzz/build/corpus/$name fuzz/findings
		echo "$name: fuzzing for $secs s: $bin $opts" \
		    "-max_total_time=$secs -artifact_prefix=fuzz/findings/$name-" \
		    "fuzz/build/corpus/$name fuzz/corpus/$name"
		# After a finding, go on (at most 10 times) for the time left.
		: >"$log"
		end=$(($(date +%s) + secs))
		runs=0
		while left=$((end - $(date +%s))); [ $left -gt 0 ] &&
		    [ $runs -lt 10 ]; do
			runs=$((runs + 1))
			"$bin" $opts -max_total_time=$left \
			    -artifact_prefix=fuzz/findings/$name- \
			    fuzz/build/corpus/$name fuzz/corpus/$name \
			    >"$log.$runs" 2>&1 && { cat "$log.$runs" >>"$log"; break; }
			cat "$log.$runs" >>"$log"
			grep -A40 '^==[0-9]*==\|deadly signal\|Test unit written' \
			    "$log.$runs" | head -60
			st=1
		done
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    awk '{ n += $1 } END { print n }')
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([^ ]*\).*/\1/p')
	seeds=$(ls fuzz/corpus/$name | wc -l)
	found=$(ls fuzz/findings 2>/dev/null | grep -c "^$name-")
	echo "$name: $execs executions ($rate/s), cov $cov edges, ft $ft," \
	    "corpus $corp (units/bytes; $seeds seeds), findings $found"
done
exit $st
