#!/bin/sh
# make bench: pgpsendmail against the same steps done by hand, side by side.
#
# Each case runs pgpsendmail and its hand-made counterpart in turn, several
# times, and prints medians.  The counterpart is what pgpsendmail does, as
# shell commands: the same gpg --list-keys, the same gpg --encrypt (with
# pgpsendmail's options), the same durable write (the entry in a directory
# of its own, both synced, renamed into the queue, the queue synced), the
# same backend.  The backend discards the message; as pgpsendmail's child
# it also reads from /proc pgpsendmail's own CPU time (schedstat), the CPU
# time of the children it has reaped (gpg's) and its peak memory (VmHWM),
# since by then all its work is done.  own_% is its share of the CPU of
# the whole run; "floor" is the own CPU of a program that only starts.
set -euf	# no globbing: "*addr" names are passed to gpg as they are
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/pgpsendmail
runs=${RUNS:-5}
d=$(mktemp -d "${TMPDIR:-/tmp}/pgpsendmail-bench.XXXXXX")
trap 'gpgconf --homedir "$d/keys" --kill all 2>/dev/null; rm -rf "$d"' EXIT
mkdir -m 700 "$d/keys"
mkdir -m 700 "$d/spool" "$d/spool/tmp" "$d/spool/q" "$d/out"
. "$top/bench/lib.sh"

# 100 recipients, ed25519/cv25519, in one keyring.
g() { gpg --homedir "$d/keys" --batch --no-tty --quiet --pinentry-mode loopback --passphrase '' "$@"; }
i=1
while [ $i -le 100 ]; do
	g --quick-gen-key "R$i <r$i@bench.example>" ed25519 cert,sign never 2>/dev/null
	i=$((i + 1))
done
g --with-colons --list-keys | awk -F: '$1 == "pub" { getline; print $10 }' >"$d/fprs"
for fpr in $(cat "$d/fprs"); do
	g --quick-add-key "$fpr" cv25519 encr never 2>/dev/null
done
gpgconf --homedir "$d/keys" --kill all

cat >"$d/backend" <<EOF
#!/bin/sh
# Discard the message; note pgpsendmail's own CPU (ns) and peak RSS (kB).
# Our parent is the guard that pgpsendmail forks for every hand-off:
# pgpsendmail is the guard's parent.
p=\$(sed 's/.*) //' /proc/\$PPID/stat | awk '{ print \$2 }')
read -r cpu rest </proc/\$p/schedstat
hwm=\$(awk '/^VmHWM/ { print \$2 }' /proc/\$p/status)
# its reaped children's CPU (gpg's), in clock ticks: fields 16 and 17
kids=\$(sed 's/.*) //' /proc/\$p/stat | awk '{ print \$14 + \$15 }')
echo "\$cpu \$hwm \$kids" >>$d/own
cat >/dev/null
EOF
chmod 755 "$d/backend"
cat >"$d/plain-backend" <<'EOF'
#!/bin/sh
cat >/dev/null
EOF
chmod 755 "$d/plain-backend"
: >"$d/keymap"
cat >"$d/conf" <<EOF
sendmail $d/backend
gnupghome $d/keys
keymap $d/keymap
spool $d/spool
${COMPRESS:+compress $COMPRESS}
EOF
export PGPSENDMAIL_CONF="$d/conf"

rcpts() { i=1; while [ $i -le "$1" ]; do printf 'r%d@bench.example ' $i; i=$((i + 1)); done; }
# The messages name their recipients in To, as a mail client does: no
# recipient is blind, so each message is one ciphertext.
head -c 768 /dev/urandom | base64 >"$d/b1k"
head -c 7864320 /dev/urandom | base64 >"$d/b10m"
for n in 1 10 100; do
	for size in 1k 10m; do
		{ printf 'From: bench@example.org\nTo: %s\nSubject: bench\n\n' \
		    "$(rcpts $n | sed 's/ $//; s/ /, /g')"
		  cat "$d/b$size"; } >"$d/m$size.$n"
	done
done
cp "$d/m1k.1" "$d/m1k"
gpgargs=$(gpgargs "$d/keys")

byhand() {	# byhand MSG N: the same steps, by hand
	r=
	for f in $(head -n "$2" "$d/fprs"); do r="$r --recipient $f"; done
	# shellcheck disable=SC2046
	gpg $gpgargs --status-fd 3 --with-colons --fixed-list-mode --with-fingerprint \
	    --list-keys -- $(rcpts "$2" | sed 's/[^ ]*/*&/g') >/dev/null 3>&1
	# shellcheck disable=SC2086
	# the queue's steps: a new directory, the entry in it, both synced,
	# renamed into q/, q/ synced; after the backend, both removed
	mkdir -m 700 "$d/spool/tmp/hand"
	gpg $gpgargs --status-fd 3 --armor --encrypt $r <"$1" >"$d/spool/tmp/hand/1" 3>/dev/null
	sync "$d/spool/tmp/hand/1" "$d/spool/tmp/hand"
	mv "$d/spool/tmp/hand" "$d/spool/q/hand"
	sync "$d/spool/q"
	"$d/plain-backend" <"$d/spool/q/hand/1"
	rm -r "$d/spool/q/hand"
}
bare() {	# bare MSG N: gpg | backend, nothing else
	r=
	for f in $(head -n "$2" "$d/fprs"); do r="$r --recipient $f"; done
	# shellcheck disable=SC2086
	gpg $gpgargs --armor --encrypt $r <"$1" | "$d/plain-backend"
}

# The key cache (issue 15), side by side and interleaved (the order turns
# each run): bare gpg | backend, pgpsendmail with a fresh cache, and
# without one (key-cache none), all with the same discarding backend.
# Medians of KCRUNS; gpgs: gpg processes per message, from strace.
# "sh bench/bench.sh cache" runs this part alone.
kcbench() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "(no key cache run: only root builds the cache)"
		return 0
	fi
	sed "s|^sendmail .*|sendmail $d/plain-backend|" "$d/conf" >"$d/conf.kc"
	echo "key-cache $d/keymap.cache" >>"$d/conf.kc"
	sed "s|^sendmail .*|sendmail $d/plain-backend|" "$d/conf" >"$d/conf.nokc"
	echo "key-cache none" >>"$d/conf.nokc"
	PGPSENDMAIL_CONF=$d/conf.kc "$bin" -bi </dev/null
	kcruns=${KCRUNS:-21}
	printf '%-14s %8s %8s %10s %7s %9s %6s %8s\n' case bare_ms cache_ms \
	    nocache_ms cache/b nocache/b gpgs_c gpgs_nc
	for c in 1k.1 1k.10 10m.1; do
		n=${c#*.}
		msg=$d/m$c
		: >"$d/t.b"; : >"$d/t.c"; : >"$d/t.n"
		k=0
		while [ $k -lt "$kcruns" ]; do
			for w in $(echo b c n b c | cut -d' ' -f$((k % 3 + 1))-$((k % 3 + 3))); do
				t0=$(us)
				case $w in
				b) bare "$msg" "$n" ;;
				c) PGPSENDMAIL_CONF=$d/conf.kc "$bin" $(rcpts "$n") <"$msg" ;;
				n) PGPSENDMAIL_CONF=$d/conf.nokc "$bin" $(rcpts "$n") <"$msg" ;;
				esac
				t1=$(us)
				echo $((t1 - t0)) >>"$d/t.$w"
			done
			k=$((k + 1))
		done
		gc=$(PGPSENDMAIL_CONF=$d/conf.kc strace -f -qq -e trace=execve \
		    -e signal=none -o "$d/strace" "$bin" $(rcpts "$n") <"$msg" &&
		    grep -c 'execve("[^"]*/gpg"' "$d/strace")
		gn=$(PGPSENDMAIL_CONF=$d/conf.nokc strace -f -qq -e trace=execve \
		    -e signal=none -o "$d/strace" "$bin" $(rcpts "$n") <"$msg" &&
		    grep -c 'execve("[^"]*/gpg"' "$d/strace")
		awk -v c="${c%.*}, $n rcpt" \
		    -v b="$(median <"$d/t.b")" -v p="$(median <"$d/t.c")" \
		    -v q="$(median <"$d/t.n")" -v gc="$gc" -v gn="$gn" 'BEGIN {
			printf "%-14s %8.1f %8.1f %10.1f %7.2f %9.2f %6s %8s\n",
			    c, b / 1000, p / 1000, q / 1000, p / b, q / b, gc, gn }'
	done
}
kcbench
[ "${1:-}" = cache ] && exit 0

tick=$(getconf CLK_TCK)
printf '%-22s %10s %10s %7s %10s %7s %9s %6s %9s %5s\n' case pgpsm_ms hand_ms ratio bare_ms ratio2 own_cpu_ms own_% own_rss_kB gpgs
for size in 1k 10m; do
	for n in 1 10 100; do
		msg=$d/m$size.$n
		: >"$d/t.p"; : >"$d/t.h"; : >"$d/t.b"; : >"$d/own"
		k=0
		while [ $k -lt "$runs" ]; do
			t0=$(us); "$bin" $(rcpts "$n") <"$msg"; t1=$(us)
			echo $((t1 - t0)) >>"$d/t.p"
			t0=$(us); byhand "$msg" "$n"; t1=$(us)
			echo $((t1 - t0)) >>"$d/t.h"
			t0=$(us); bare "$msg" "$n"; t1=$(us)
			echo $((t1 - t0)) >>"$d/t.b"
			k=$((k + 1))
		done
		p=$(median <"$d/t.p") h=$(median <"$d/t.h") b=$(median <"$d/t.b")
		cpu=$(awk '{ print $1 }' "$d/own" | median)
		# own share of the CPU of the whole run (ours and gpg's)
		pct=$(awk -v t="$tick" '{ print 100 * $1 / ($1 + $3 * 1e9 / t) }' \
		    "$d/own" | median)
		rss=$(awk '{ print $2 }' "$d/own" | sort -n | tail -n 1)
		procs=$(strace -f -qq -e trace=execve -e signal=none -o "$d/strace" \
		    "$bin" $(rcpts "$n") <"$msg" && grep -c 'execve(".*gpg"' "$d/strace")
		awk -v c="$size, $n rcpt" -v p="$p" -v h="$h" -v b="$b" -v cpu="$cpu" \
		    -v pct="$pct" -v rss="$rss" -v procs="$procs" 'BEGIN {
			printf "%-22s %10.1f %10.1f %7.3f %10.1f %7.3f %9.3f %6.1f %9s %5s\n",
			    c, p / 1000, h / 1000, p / h, b / 1000, p / b,
			    cpu / 1000000, pct, rss, procs }'
	done
done

# The floor of own CPU: a program that does nothing but start, as
# pgpsendmail is started, and read its own CPU time (cat, on schedstat).
: >"$d/floor"
k=0
while [ $k -lt 20 ]; do
	cat /proc/self/schedstat >>"$d/floor"
	k=$((k + 1))
done
awk '{ print $1 }' "$d/floor" | median | awk '{
	printf "%-22s %9.3f ms own CPU: starting a minimal C program here\n",
	    "floor (cat)", $1 / 1000000 }'

# Throughput: 1,000 one-recipient messages, a shell loop each way.
n=${LOOP:-1000}
t0=$(ms); i=0
while [ $i -lt "$n" ]; do "$bin" r1@bench.example <"$d/m1k"; i=$((i + 1)); done
t1=$(ms); i=0
while [ $i -lt "$n" ]; do byhand "$d/m1k" 1; i=$((i + 1)); done
t2=$(ms)
awk -v n="$n" -v p=$((t1 - t0)) -v h=$((t2 - t1)) 'BEGIN {
	printf "%-22s %10d %10d %7.3f\n", "loop of " n ", 1k", p, h, p / h }'

# Memory: pgpsendmail's own peak at 200 MB (a 100 MB attachment).
{ printf 'From: b@example.org\nTo: r1@bench.example\nSubject: big\nMIME-Version: 1.0\n'
  printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n'
  head -c 75000000 /dev/urandom | base64
  printf '\n--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
  head -c 75000000 /dev/urandom | base64; printf '\n--b--\n'; } >"$d/m200m"
: >"$d/own"
t0=$(ms); "$bin" r1@bench.example <"$d/m200m"; t1=$(ms)
printf '%-22s %10d ms, own peak RSS %s kB\n' "200m, 1 rcpt" $((t1 - t0)) "$(awk '{ print $2 }' "$d/own")"
# Compression (the compress key) on text and on an attachment that is
# already compressed: median wall time and the size of what is sent.
cat >"$d/size-backend" <<EOF
#!/bin/sh
wc -c >>$d/size
EOF
chmod 755 "$d/size-backend"
i=0
while [ $i -lt 200000 ]; do
	echo "Nov 29 12:00:$((i % 60)) host cron[$i]: (root) CMD (run-parts /etc/cron.hourly) job $((i % 97))"
	i=$((i + 1))
done | head -c 10485760 >"$d/text"
{ printf 'From: b@example.org\nTo: r1@bench.example\nSubject: log\n\n'
  cat "$d/text"; } >"$d/mtext"
{ printf 'From: b@example.org\nTo: r1@bench.example\nSubject: zip\nMIME-Version: 1.0\n'
  printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee\n'
  printf '\n--b\nContent-Type: application/zip\nContent-Transfer-Encoding: base64\n\n'
  head -c 7864320 /dev/urandom | base64; printf '\n--b--\n'; } >"$d/mzip"
for body in text zip; do
	for c in default none 1; do
		sed "s|^sendmail .*|sendmail $d/size-backend|; /^compress /d" \
		    "$d/conf" >"$d/conf.c"
		echo "compress $c" >>"$d/conf.c"
		: >"$d/t.c"; : >"$d/size"
		k=0
		while [ $k -lt 3 ]; do
			t0=$(us)
			PGPSENDMAIL_CONF=$d/conf.c "$bin" r1@bench.example <"$d/m$body"
			t1=$(us)
			echo $((t1 - t0)) >>"$d/t.c"
			k=$((k + 1))
		done
		awk -v c="10m $body, compress $c" -v t="$(median <"$d/t.c")" \
		    -v s="$(median <"$d/size")" 'BEGIN {
			printf "%-30s %8.1f ms, %6.2f MB sent\n", c, t / 1000,
			    s / 1e6 }'
	done
done

# One case through a real Postfix, when this machine can run one.
if [ "$(id -u)" -eq 0 ] && [ -x /usr/sbin/postfix ]; then
	RUNS=$runs sh "$top/bench/postfix.sh" || echo "the Postfix run failed"
	# the gateway: a whole relay, messages per second (N, default 1000)
	sh "$top/bench/gateway.sh" || echo "the gateway run failed"
else
	echo "(no Postfix run: it needs root and Postfix installed)"
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo), $(uname -sr), $(gpg --version | head -n 1)"
