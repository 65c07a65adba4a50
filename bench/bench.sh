#!/bin/sh
# make bench: pgpsendmail against the same steps done by hand, side by side.
#
# Each case runs pgpsendmail and its hand-made counterpart in turn, several
# times, and prints medians.  The counterpart is what pgpsendmail does, as
# shell commands: the same gpg --list-keys, the same gpg --encrypt (with
# pgpsendmail's options), the same durable write (fsync of the file and its
# directory), the same backend.  The backend discards the message; as
# pgpsendmail's child it also reads pgpsendmail's own CPU time (schedstat)
# and peak memory (VmHWM) from /proc, since by then all its work is done.
set -euf	# no globbing: "*addr" names are passed to gpg as they are
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/pgpsendmail
runs=${RUNS:-5}
d=$(mktemp -d "${TMPDIR:-/tmp}/pgpsendmail-bench.XXXXXX")
trap 'gpgconf --homedir "$d/keys" --kill all 2>/dev/null; rm -rf "$d"' EXIT
mkdir -m 700 "$d/keys"
mkdir -m 700 "$d/spool" "$d/out"
ms() { echo $(( $(date +%s%N) / 1000000 )); }	# now, in ms
us() { echo $(( $(date +%s%N) / 1000 )); }	# now, in microseconds

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
# Discard the message; note the parent's own CPU (ns) and peak RSS (kB).
read -r cpu rest </proc/\$PPID/schedstat
hwm=\$(awk '/^VmHWM/ { print \$2 }' /proc/\$PPID/status)
echo "\$cpu \$hwm" >>$d/own
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
gpgargs="--homedir $d/keys --batch --no-tty --quiet --no-greeting --no-permission-warning --no-secmem-warning --trust-model always --no-auto-check-trustdb --lock-never --no-random-seed-file --no-auto-key-retrieve --auto-key-locate local"

byhand() {	# byhand MSG N: the same steps, by hand
	r=
	for f in $(head -n "$2" "$d/fprs"); do r="$r --recipient $f"; done
	# shellcheck disable=SC2046
	gpg $gpgargs --status-fd 3 --with-colons --fixed-list-mode --with-fingerprint \
	    --list-keys -- $(rcpts "$2" | sed 's/[^ ]*/*&/g') >/dev/null 3>&1
	# shellcheck disable=SC2086
	gpg $gpgargs --status-fd 3 --armor --encrypt $r <"$1" >"$d/spool/hand" 3>/dev/null
	sync "$d/spool/hand"
	sync "$d/spool"
	"$d/plain-backend" <"$d/spool/hand"
	rm -f "$d/spool/hand"
}
bare() {	# bare MSG N: gpg | backend, nothing else
	r=
	for f in $(head -n "$2" "$d/fprs"); do r="$r --recipient $f"; done
	# shellcheck disable=SC2086
	gpg $gpgargs --armor --encrypt $r <"$1" | "$d/plain-backend"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-22s %10s %10s %7s %10s %7s %9s %9s %5s\n' case pgpsm_ms hand_ms ratio bare_ms ratio2 own_cpu_ms own_rss_kB gpgs
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
		rss=$(awk '{ print $2 }' "$d/own" | sort -n | tail -n 1)
		procs=$(strace -f -qq -e trace=execve -e signal=none -o "$d/strace" \
		    "$bin" $(rcpts "$n") <"$msg" && grep -c 'execve(".*gpg"' "$d/strace")
		awk -v c="$size, $n rcpt" -v p="$p" -v h="$h" -v b="$b" -v cpu="$cpu" \
		    -v rss="$rss" -v procs="$procs" 'BEGIN {
			printf "%-22s %10.1f %10.1f %7.3f %10.1f %7.3f %9.3f %9s %5s\n",
			    c, p / 1000, h / 1000, p / h, b / 1000, p / b,
			    cpu / 1000000, rss, procs }'
	done
done

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
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo), $(uname -sr), $(gpg --version | head -n 1)"
