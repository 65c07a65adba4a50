#!/bin/sh
# pgpsendmail SIGKILLed at many points while sending: afterwards either
# nothing was queued or sent (the caller saw it die), or -q completes the
# delivery; never a half message; a second copy only when the kill came
# between the real sendmail's success and the removal of the entry.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || skip_all "strace is not installed"
mkkey alice alice@example.org
mkkey bob bob@example.org
mkconf
tok=tok$$x$(date +%s)
printf 'From: s@example.org\nTo: alice@example.org\nSubject: k\n\n%s\n' "$tok" >"$T/in"

# Where to kill: the k-th call of each of these, in pgpsendmail itself
# (not in gpg or the real sendmail: strace follows no child).
# "spawn" is clone or clone3, whichever starts gpg and the real sendmail.
points="spawn:1 spawn:2 spawn:3 wait4:1 wait4:2 wait4:3 flock:1 flock:2
fsync:1 fsync:2 fsync:3 fsync:4 renameat:1 unlinkat:1 unlinkat:2 unlinkat:3
write:1 write:2 write:3 write:5 write:8"
count=0
for p in $points; do count=$((count + 1)); done
plan $((count * 4 + 1))
killed=0

copies() {	# copies NAME: how many delivered messages decrypt to the token for NAME
	_c=0
	for _f in "$T"/out/*.msg; do
		[ -f "$_f" ] || continue
		grep -q 'BEGIN PGP MESSAGE' "$_f" || continue
		decrypt "$1" "$_f" 2>/dev/null | grep -qx "$tok" && _c=$((_c + 1))
	done
	echo "$_c"
}
broken() {	# broken: delivered messages that neither alice nor bob can read
	_c=0
	for _f in "$T"/out/*.msg; do
		[ -s "$_f" ] || continue
		decrypt alice "$_f" 2>/dev/null | grep -qx "$tok" && continue
		decrypt bob "$_f" 2>/dev/null | grep -qx "$tok" && continue
		_c=$((_c + 1))
	done
	echo "$_c"
}
for p in $points; do
	sc=${p%:*} k=${p#*:}
	calls=$sc
	[ "$sc" = spawn ] && calls=clone,clone3
	reset_out
	rm -rf "$T/spool"
	mkdir -p "$T/spool"
	# (under ptrace, an ASan build's leak check cannot run)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    timeout 60 strace -o /dev/null -e inject="$calls:signal=KILL:when=$k" \
	    "$PGPSENDMAIL" -t bob@example.org <"$T/in" >/dev/null 2>&1
	st=$?
	timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
	a=$(copies alice) b=$(copies bob)
	if [ "$st" -eq 0 ]; then
		what="not killed (no ${k}th $sc)"
		check "$what: exit 0, and alice and bob have one copy each" \
		    test "$a" -eq 1 -a "$b" -eq 1
	else
		what="killed at the ${k}th $sc"
		killed=$((killed + 1))
		check "$what: then nothing was queued, or -q delivered to both" \
		    test \( "$a" -eq 0 -a "$b" -eq 0 \) -o \( "$a" -ge 1 -a "$b" -ge 1 \)
	fi
	# The one window: the real sendmail had it, its entry not yet gone.
	check "$what: no second copy, unless killed as the entry was removed" \
	    test "$sc" = unlinkat -o \( "$a" -le 1 -a "$b" -le 1 \)
	is "$(broken)" 0 "$what: every message handed on is whole"
	is "$(find "$T/spool/q" -type f 2>/dev/null | wc -l)" 0 "$what: the queue is empty after -q"
done
check "the kill came in at least $((count - 4)) of the $count points ($killed)" \
    test "$killed" -ge $((count - 4))
