#!/bin/sh
# bench/gateway.sh: messages per second through a whole Postfix relay with
# pgpsendmail --gateway as its content filter (issue 10, "How fast").
#
#	sh bench/gateway.sh		(as root, with Postfix; N=1000)
#	N=200 sh bench/gateway.sh	(a quick run)
#	GWBENCH_RESULTS=FILE ...	(the raw figures kept in FILE)
#
# The Postfix of the tests (t/postfix.sh: an instance of its own in
# private namespaces, on loopback only), wired by gateway/postfix.cf as
# t/0940 does it (t/gwpostfix.sh).  Postfix's own load tools do the rest:
# smtp-source submits N messages of 1 KB (the same file each time, every
# recipient in To:, so one ciphertext a message) to 127.0.0.1:25 in two
# SMTP sessions, and smtp-sink, to which the transport map routes the
# remote domain, stores each transaction in a file of its own (a write,
# nothing more; a few are decrypted afterwards).  A run is timed from the
# start of smtp-source to the last file at the sink (its mtime).  For 1
# and for 5 recipients, in one run, on the same cores:
#
#   relay	the same Postfix without the filter (content_filter off)
#   gw 1/2/4	the gateway, with the filter's process limit (the lmtp
#		and spawn maxproc and pgpgw_destination_concurrency_limit)
#		at 1, 2 and 4 (4: gateway/postfix.cf as shipped), each copy
#		re-injected over SMTP to the 127.0.0.1:10026 smtpd
#   gw 4 nc	the same at 4 with lmtp_connection_cache_on_demand=no on
#		the pgpgw service: one filter (and one connection to 10026)
#		for each message, where the shipped file lets one serve
#		several
#   bare	gpg --armor --encrypt of the same message to the same keys,
#		two at a time (two shell loops), with pgpsendmail's gpg options
#
# CPU per message (one more gateway run at 4, with counting wrappers):
# pgpsendmail and the gpg it runs are each started through
# bench/cpuwrap.c, which waits for its program and logs the CPU of it and
# of what it reaped (wait4's rusage).  Postfix is the tree under master
# (bench/cputree.py, /proc/PID/stat, own and reaped children's time, read
# before and after), less pgpsendmail's tree, less the re-injection;
# "reinject" is the share of the 127.0.0.1:10026 smtpd processes inside
# Postfix (their /proc times, kept alive for the run with max_idle and
# max_use; what their cleanup and qmgr do for the copies stays in
# Postfix's column, as it did for the copies of Postfix's sendmail);
# gpg is gpg's own; pgpsendmail is its tree less gpg, less the cost of
# the inner wrapper (measured: a wrapper around a wrapper of /bin/true).  Logging (rsyslogd), the sink and smtp-source are
# counted apart.  The key cache is built first (pgpsendmail -bi), as the
# package's timer does.
. "$(dirname "$0")/../t/lib.sh"
. "$(dirname "$0")/../t/postfix.sh"
. "$(dirname "$0")/../t/gwpostfix.sh"
. "$ABS/bench/lib.sh"
N=${N:-1000}
PF_WAIT=600
RDOM=remote.example
SINKPORT=2525
tick=$(getconf CLK_TCK)
say() { printf '%s\n' "$*" >&2; }
for c in smtp-source smtp-sink ss cc; do
	command -v "$c" >/dev/null 2>&1 || pf_cannot "$c is not installed"
done
load0=$(cut -d' ' -f1-3 /proc/loadavg)
say "gateway bench: N=$N, load $load0, $(date -u '+%Y-%m-%d %H:%M UTC')"

pf_setup
for nm in rx 2rx 3rx 4rx 5rx; do
	mkkey "$nm" "$nm@$RDOM" || pf_die "no key for $nm"
done
gw_filter_user
gw_apply "$ABS/gateway/postfix.cf" >"$T/apply.log" 2>&1 ||
    pf_die "gateway/postfix.cf does not apply"
printf '%s smtp:[127.0.0.1]:%s\n' "$RDOM" "$SINKPORT" >/etc/postfix/transport
timeout 60 postmap /etc/postfix/transport >>"$T/pf.log" 2>&1 || pf_die "postmap fails"
timeout 60 postconf -e "transport_maps = hash:/etc/postfix/transport" \
    "mynetworks = 127.0.0.0/8" "smtp_tls_security_level = none" \
    >>"$T/pf.log" 2>&1 || pf_die "postconf -e fails"
timeout 60 postfix reload >>"$T/pf.log" 2>&1 || pf_die "postfix reload fails"
PGPSENDMAIL_CONF=/etc/pgpsendmail.conf "$PGPSENDMAIL" -bi >>"$T/pf.log" 2>&1 ||
    pf_die "pgpsendmail -bi (the key cache) fails"
cp /etc/pgpsendmail.conf "$T/conf.applied"	# reinject 127.0.0.1:10026 too
sleep 1

# The messages: 1 KB, every recipient in To:
head -c 768 /dev/urandom | base64 >"$T/body"
for r in 1 5; do
	to="<rx@$RDOM>"
	i=2
	while [ $i -le $r ]; do to="$to, <${i}rx@$RDOM>"; i=$((i + 1)); done
	{ printf 'From: <bench@%s>\nTo: %s\nSubject: gateway bench\n' "$PF_DOMAIN" "$to"
	  printf 'Date: %s\nMessage-ID: <gwbench.%s@%s>\n\n' "$(date -R)" "$r" "$PF_DOMAIN"
	  echo "gwbench marker"
	  cat "$T/body"; } >"$T/m.$r"
done

# The counting wrappers: cw NAME REAL, $T/w/NAME logging to $T/acct/NAME
mkdir -m 755 "$T/w" "$T/acct"
cw() {
	cc -O2 -DLOG="\"$T/acct/$1\"" -DREAL="\"$2\"" -o "$T/w/$1" \
	    "$ABS/bench/cpuwrap.c" || pf_die "cannot build bench/cpuwrap.c"
	: >"$T/acct/$1"
	chmod 666 "$T/acct/$1"
}
cw gpg "$(grep '^gpg ' "$T/conf" | cut -d' ' -f2)"
cw pgpsendmail "$PGPSENDMAIL"
cw smtp-source "$(command -v smtp-source)"
cw true /bin/true
cw outer "$T/w/true"
cw bare /bin/sh
sum() { awk '{ s += $1 } END { print s + 0 }' "$T/acct/$1"; }	# microseconds
lines() { wc -l <"$T/acct/$1"; }
zero() { for _w; do : >"$T/acct/$_w"; done; }

sinkstart() {
	rm -rf "$T/sink"
	mkdir "$T/sink" && chown nobody "$T/sink"
	smtp-sink -u nobody -d "$T/sink/%H%M%S." "127.0.0.1:$SINKPORT" 256 \
	    >>"$T/sink.log" 2>&1 &
	sinkpid=$!
	_i=0
	while ! ss -ltn | grep -q "127.0.0.1:$SINKPORT " && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
sinkstop() { kill "$sinkpid"; wait "$sinkpid" 2>/dev/null; }
arrived() { ls "$T/sink" | wc -l; }

filter() {	# filter on|off
	if [ "$1" = on ]; then
		postconf -P "smtp/inet/content_filter=pgpgw:unix:private/pgpsendmail"
	else
		postconf -PX smtp/inet/content_filter 2>>"$T/pf.log"
	fi
	say "filter $1: $(postconf -P smtp/inet/content_filter 2>/dev/null)"
	timeout 60 postfix reload >>"$T/pf.log" 2>&1
	sleep 2
}
cache() {	# cache yes|no: the filter's connection cache
	postconf -P "pgpgw/unix/lmtp_connection_cache_on_demand=$1"
	timeout 60 postfix reload >>"$T/pf.log" 2>&1
	sleep 2
}
limit() {	# limit K: the filter's process limit
	postconf -e "pgpgw_destination_concurrency_limit = $1"
	postconf -F "pgpgw/unix/process_limit=$1" \
	    "pgpsendmail/unix/process_limit=$1"
	timeout 60 postfix reload >>"$T/pf.log" 2>&1
	sleep 2
}

# run R [HOOK]: N messages of R recipients through Postfix; $rate (msg/s),
# $got (files at the sink); HOOK runs once they are all there
run() {
	sinkstart
	t0=$(date +%s.%N)
	"$T/w/smtp-source" -s 2 -d -m "$N" -r "$1" -f "bench@$PF_DOMAIN" \
	    -t "rx@$RDOM" -F "$T/m.$1" 127.0.0.1:25 >>"$T/source.log" 2>&1 ||
	    say "smtp-source failed: $(tail -n 2 "$T/source.log")"
	# wait for all; give up after 60 s without a new arrival
	_last=0 _still=0
	while [ "$(arrived)" -lt "$N" ] && [ $_still -lt 120 ]; do
		sleep 0.5
		_now=$(arrived)
		if [ "$_now" -eq "$_last" ]; then _still=$((_still + 1)); else _still=0; fi
		_last=$_now
	done
	got=$(arrived)
	t1=$(find "$T/sink" -type f -printf '%T@\n' | sort -n | tail -n 1)
	rate=$(awk -v n="$got" -v a="$t0" -v b="${t1:-$t0}" 'BEGIN {
		printf "%.1f", (b > a) ? n / (b - a) : 0 }')
	[ -z "$2" ] || "$2"
	rcpts=$(find "$T/sink" -type f -exec cat {} + | grep -c '^X-Rcpt-Args:')
	[ "$got" -eq "$N" ] && [ "$rcpts" -eq $((N * $1)) ] ||
	    say "only $got of $N messages ($rcpts of $((N * $1)) recipients) at the sink"
	enc=$(find "$T/sink" -type f -exec grep -l '^Content-Type: multipart/encrypted' {} + |
	    wc -l)
	[ "$got" -eq "$N" ] || PF_WAIT=10
	pf_wait_queue >/dev/null 2>&1 || say "the Postfix queue does not drain"
	PF_WAIT=600
	sinkstop
}
# spot R: decrypt 3 of the copies at the sink with each recipient's key
spot() {
	_ok=0 _n=0
	for _f in $(ls "$T/sink" | sort -R | head -n 3); do
		tr -d '\r' <"$T/sink/$_f" >"$T/spot"
		for _nm in rx 2rx 3rx 4rx 5rx; do
			case $_nm in [2-5]*) [ "${_nm%rx}" -le "$1" ] || continue ;; esac
			_n=$((_n + 1))
			decrypt "$_nm" "$T/spot" | grep -q '^gwbench marker$' && _ok=$((_ok + 1))
		done
	done
	spotck="$_ok/$_n"
}

# bare R: two loops of N/2 encryptions each; $rate
bare() {
	_r=
	for _nm in rx 2rx 3rx 4rx 5rx; do
		case $_nm in [2-5]*) [ "${_nm%rx}" -le "$1" ] || continue ;; esac
		_r="$_r --recipient $(fpr_of "$_nm")"
	done
	cat >"$T/bare.sh" <<-EOF
	i=0
	while [ \$i -lt \$1 ]; do
		gpg $(gpgargs "$T/sys") --armor --encrypt $_r <"$T/m.\$2" >/dev/null || exit 1
		i=\$((i + 1))
	done
	EOF
	t0=$(date +%s.%N)
	"$T/w/bare" "$T/bare.sh" $((N / 2)) "$1" &
	_p=$!
	"$T/w/bare" "$T/bare.sh" $((N - N / 2)) "$1"
	wait "$_p"
	t1=$(date +%s.%N)
	rate=$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
}

# The wrapper inside pgpsendmail's tree (gpg's) costs what a wrapper
# costs: measured as a wrapper around a wrapper of /bin/true
zero true outer
i=0
while [ $i -lt 200 ]; do "$T/w/outer"; i=$((i + 1)); done
wrapus=$(awk -v o="$(sum outer)" -v t="$(sum true)" 'BEGIN { print (o - t) / 200 }')

# acct: the gateway at 4, through the wrappers; the 10026 smtpd
# processes live through the run, so that their times can be read
RJ=127.0.0.1:10026
acct_on() {
	sed -i "s|^gpg .*|gpg $T/w/gpg|" /etc/pgpsendmail.conf
	PGPSENDMAIL_CONF=/etc/pgpsendmail.conf "$PGPSENDMAIL" -bi >>"$T/pf.log" 2>&1
	postconf -F "pgpsendmail/unix/command=spawn user=$GWUSER argv=$T/w/pgpsendmail --gateway"
	postconf -P "$RJ/inet/max_idle=3600s" "$RJ/inet/max_use=1000000"
	timeout 60 postfix reload >>"$T/pf.log" 2>&1
	sleep 2
}
acct_off() {
	cp "$T/conf.applied" /etc/pgpsendmail.conf
	PGPSENDMAIL_CONF=/etc/pgpsendmail.conf "$PGPSENDMAIL" -bi >>"$T/pf.log" 2>&1
	postconf -F "pgpsendmail/unix/command=spawn user=$GWUSER argv=$PGPSENDMAIL --gateway"
	postconf -PX "$RJ/inet/max_idle" "$RJ/inet/max_use"
	timeout 60 postfix reload >>"$T/pf.log" 2>&1
	sleep 2
}
trees() {	# ticks of master's tree, rsyslogd's, the sink's, the 10026 smtpd's
	python3 "$ABS/bench/cputree.py" "$(tr -d ' ' </var/spool/postfix/pid/master.pid)" \
	    "$(cat "$T/ns/rsyslogd.pid")" "$sinkpid" "match:-n $RJ " | tr '\n' ' '
}
# after: once every filter has ended (a cached connection keeps one
# running until lmtp(8) drops it, and its wrapper logs at its end)
after() {
	_i=0
	while pgrep -f "^$T/w/pgpsendmail --gateway" >/dev/null && [ $_i -lt 120 ]; do
		sleep 0.5
		_i=$((_i + 1))
	done
	sleep 1
	cpu1=$(trees)
}

: >"$T/results"
for r in 1 5; do
	filter off
	# Postfix's CPU for relaying alone: master's tree, before and after
	rc0=$(python3 "$ABS/bench/cputree.py" "$(tr -d ' ' </var/spool/postfix/pid/master.pid)")
	run "$r"
	sleep 1
	rc1=$(python3 "$ABS/bench/cputree.py" "$(tr -d ' ' </var/spool/postfix/pid/master.pid)")
	say "relay, $r rcpt: $rate msg/s ($got, plain: $((got - enc)))"
	echo "$r relay $rate $((rc1 - rc0))" >>"$T/results"
	filter on
	for k in 1 2 4; do
		limit "$k"
		run "$r"
		say "gateway at $k, $r rcpt: $rate msg/s ($got, encrypted: $enc)"
		echo "$r gw$k $rate" >>"$T/results"
		[ "$k" -eq 4 ] && spot "$r" && say "  spot check: $spotck decrypt" &&
		    echo "$r spot $spotck" >>"$T/results"
	done
	cache no
	run "$r"
	say "gateway at 4, connection cache off, $r rcpt: $rate msg/s ($got, encrypted: $enc)"
	echo "$r gw4nc $rate" >>"$T/results"
	cache yes
	acct_on
	zero gpg pgpsendmail smtp-source
	cpu0=$(python3 "$ABS/bench/cputree.py" \
	    "$(tr -d ' ' </var/spool/postfix/pid/master.pid)" "$(cat "$T/ns/rsyslogd.pid")" \
	    "match:-n $RJ " | tr '\n' ' ')
	run "$r" after
	set -- $cpu0
	pf0=$1 sys0=$2 rj0=$3
	set -- $cpu1
	echo "$r acct $rate $(( $1 - pf0 )) $(( $2 - sys0 )) $3 $(sum pgpsendmail) $(sum gpg) $(( $4 - rj0 )) $(sum smtp-source) $(lines pgpsendmail) $(lines gpg)" >>"$T/results"
	say "gateway at 4 with the counting wrappers, $r rcpt: $rate msg/s"
	acct_off
	zero bare
	bare "$r"
	echo "$r bare $rate $(sum bare)" >>"$T/results"
	say "bare gpg, two at a time, $r rcpt: $rate msg/s"
done

load1=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v n="$N" -v tick="$tick" -v w="$wrapus" '
	$2 == "relay" { relay[$1] = $3; relaycpu[$1] = $4 }
	$2 ~ /^gw/ { gw[$1, substr($2, 3)] = $3 }
	$2 == "spot" { spot[$1] = $3 }
	$2 == "bare" { bare[$1] = $3; barecpu[$1] = $4 }
	$2 == "acct" { acct[$1] = $0 }
	END {
		printf "%-16s %8s %8s %8s %8s %8s %8s %8s\n", "msg/s, 1 KB",
		    "relay(a)", "gw 1", "gw 2", "gw 4", "gw 4 nc", "bare(b)",
		    "gw4/(b)"
		for (r = 1; r <= 5; r += 4)
			printf "%-16s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.2f\n",
			    r " rcpt", relay[r], gw[r, 1], gw[r, 2], gw[r, 4],
			    gw[r, "4nc"], bare[r], gw[r, 4] / bare[r]
		printf "\n%-16s %7s %8s %7s %7s %7s %7s %7s %7s %8s\n",
		    "CPU ms/msg, gw 4", "Postfix", "reinject", "pgpsm", "gpg",
		    "syslog", "sink", "source", "bare(b)", "msg/s"
		for (r = 1; r <= 5; r += 4) {
			split(acct[r], a, " ")
			# a: 1 r, 2 acct, 3 rate, 4 master ticks, 5 rsyslogd
			# ticks, 6 sink ticks, 7 pgpsm us, 8 gpg us, 9 ticks of
			# the 10026 smtpd, 10 source us, 11-12 runs of pgpsm,
			# gpg.  Postfix: the tree of master less that of
			# pgpsendmail (and less its wrapper, a child of spawn),
			# less the re-injection (the 10026 smtpd), shown apart
			rj = a[9] * 1e6 / tick
			pf = a[4] * 1e6 / tick - a[7] - w * a[11] - rj
			own = a[7] - a[8] - w * a[12]
			printf "%-16s %7.2f %8.2f %7.2f %7.2f %7.2f %7.2f %7.2f %7.2f %8.1f\n",
			    r " rcpt", pf / n / 1000, rj / n / 1000,
			    own / n / 1000, a[8] / n / 1000,
			    a[5] * 1000 / tick / n, a[6] * 1000 / tick / n,
			    a[10] / n / 1000, barecpu[r] / n / 1000, a[3]
			printf "%-16s runs a message: pgpsendmail %.2f (a filter carried %.1f), gpg %.2f; spot check %s decrypt\n",
			    "", a[11] / n, a[11] ? n / a[11] : 0, a[12] / n, spot[r]
		}
		printf "Postfix alone, relay (a), CPU ms/msg: %.2f (1 rcpt), %.2f (5 rcpt)\n",
		    relaycpu[1] * 1000 / tick / n, relaycpu[5] * 1000 / tick / n
		printf "wrapper cost subtracted: %.0f us a wrapped run\n", w
	}' "$T/results"
echo "$(date -u "+%Y-%m-%d %H:%M UTC"), N=$N; load before $load0, after $load1; $(nproc) cores, $(uname -sr), $(gpg --version | head -n 1), $(postconf -h mail_version | sed 's/^/Postfix /')"
[ -z "$GWBENCH_RESULTS" ] || cp "$T/results" "$GWBENCH_RESULTS"
exit 0
