# t/keycache.sh: sourced after t/lib.sh by the key cache tests (t/08NN).
#
# kc_conf	$T/conf (the cache at its default, $T/keymap.cache) and
#		$T/conf.none (the same with key-cache none)
# kc_build	pgpsendmail -bi with $T/conf: builds the cache
# kc_send CONF ARGS...	send $T/in with CONF under strace; $rc, $T/err,
#		and in $T/gpgruns the gpg runs, one a line: "list" or "encrypt"
# listings, encryptions	how many of each the last kc_send ran
# kc_same NAME ARGS...	send $T/in to ARGS with the cache, then without
#		it: exit status, stderr and the key IDs of every message
#		delivered are the same (a check named NAME); the cached run's
#		results stay in $T/c.*
# kc_logged	the syslog lines of one send with the cache, in $T/log
#		(strace sees them go to /dev/log, rsyslogd or not)
command -v strace >/dev/null || skip_all "strace is not installed"
[ "$(id -u)" -eq 0 ] || skip_all "the key cache is built by root"

kc_conf() {
	mkconf
	cp "$T/conf" "$T/conf.none"
	echo 'key-cache none' >>"$T/conf.none"
}
kc_build() {
	PGPSENDMAIL_CONF=$T/conf "$PGPSENDMAIL" -bi </dev/null >"$T/bi.out" 2>&1
}
kc_send() {
	_c=$1
	shift
	reset_out
	# LeakSanitizer cannot run under ptrace: off for these runs (make check-asan)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    PGPSENDMAIL_CONF=$_c timeout 60 strace -f -qq -s 100 -e trace=execve \
	    -o "$T/strace" "$PGPSENDMAIL" "$@" <"$T/in" >/dev/null 2>"$T/err"
	rc=$?
	grep 'execve("/usr/bin/gpg", ' "$T/strace" |
	    sed -n 's/.*"--list-keys".*/list/p; s/.*"--encrypt".*/encrypt/p' \
	    >"$T/gpgruns"
}
listings() { grep -c '^list$' "$T/gpgruns"; }
encryptions() { grep -c '^encrypt$' "$T/gpgruns"; }
_kc_keys() {	# every delivered message's key IDs, a line each
	for _m in "$T"/out/*.msg; do
		[ -e "$_m" ] && keyids "$_m" | tr '\n' ' ' && echo
	done
}
kc_same() {
	_n=$1
	shift
	kc_send "$T/conf" "$@"
	echo "$rc" >"$T/c.rc"
	cp "$T/err" "$T/c.err"
	cp "$T/gpgruns" "$T/c.gpgruns"
	_kc_keys >"$T/c.keys"
	rm -rf "$T/c.out" && cp -r "$T/out" "$T/c.out"
	kc_send "$T/conf.none" "$@"
	_kc_keys >"$T/n.keys"
	if [ "$(cat "$T/c.rc")" = "$rc" ] && cmp -s "$T/c.err" "$T/err" &&
	    cmp -s "$T/c.keys" "$T/n.keys"; then
		ok 0 "$_n"
	else
		ok 1 "$_n"
		diag "with the cache: $(cat "$T/c.rc") $(cat "$T/c.err")" \
		    "keys: $(cat "$T/c.keys")" \
		    "without: $rc $(cat "$T/err")" "keys: $(cat "$T/n.keys")"
	fi
	cp "$T/c.gpgruns" "$T/gpgruns"	# listings: the cached run's
}
kc_logged() {
	reset_out
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    PGPSENDMAIL_CONF=$T/conf timeout 60 strace -qq -s 300 \
	    -e trace=connect,sendto -e inject=connect:retval=0 -o "$T/strace" \
	    "$PGPSENDMAIL" "$@" <"$T/in" >/dev/null 2>"$T/err"
	rc=$?
	sed -n 's/^sendto([0-9]*, "<[0-9]*>[^"]*pgpsendmail\[[0-9]*\]: \(.*\)", [0-9]*, .*/\1/p' \
	    "$T/strace" | sort -u >"$T/log"
}
# msgto ADDR...: $T/in, a message To them all (one ciphertext for all)
msgto() {
	_to=$(echo "$@" | sed 's/ /, /g')
	printf 'From: sender@example.org\nTo: %s\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <kc.%s@example.org>\nSubject: key cache\n\nhello from the key cache test\n' \
	    "$_to" "$$" >"$T/in"
}
