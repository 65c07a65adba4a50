#!/bin/sh
# gpg runs as the caller.  Were its output a descriptor of the queue entry,
# the caller could open /proc/PID/fd/1 of their own gpg read-write while it
# runs and rewrite the entry's envelope (its recipients), which root's -q
# later hands on.  gpg's output is a pipe instead: no descriptor gpg holds
# reaches the spool, and the envelope is the one pgpsendmail wrote.
. "$(dirname "$0")/lib.sh"
plan 10

mkkey alice alice@example.org
cat >"$T/gpg-pause" <<'EOF_'
#!/bin/sh
# For the encryption: say who we are, wait for the go (20 s at most).
case " $* " in
*" --encrypt "*)
	echo $$ >@T@/gpgpid.tmp && mv @T@/gpgpid.tmp @T@/gpgpid
	i=0
	while [ ! -e @T@/go ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	;;
esac
exec /usr/bin/gpg "$@"
EOF_
sed -i "s|@T@|$T|g" "$T/gpg-pause"
chmod 755 "$T/gpg-pause"
CONF_GPG=$T/gpg-pause
mkconf
printf 'From: s@example.org\nTo: alice@example.org\nSubject: fd\n\nbody\n' >"$T/in"

reset_out
echo 75 >"$T/out/exit"
(send -f s@example.org alice@example.org <"$T/in") &
bg=$!
i=0
while [ ! -e "$T/gpgpid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
pid=$(cat "$T/gpgpid" 2>/dev/null)
check "gpg is running, paused" test -n "$pid" -a -d "/proc/$pid"
check "its stdout is a pipe" sh -c "readlink /proc/$pid/fd/1 | grep -q '^pipe:'"
check "no descriptor it holds reaches the spool" \
    sh -c "! ls -l /proc/$pid/fd/ | grep -qF '$T/spool'"
# The attack: reopen gpg's output read-write, go to the start, write an
# envelope that sends the message to mallory.
perl -e 'open(my $f, "+<", $ARGV[0]) or die "open: $!\n";
    seek($f, 0, 0) or die "seek: $!\n";
    print $f "pgpsendmail-spool 1\ntime $ARGV[1]\nsender s\@example.org\n",
	"rcpt mallory\@example.org\n\n" or die "write: $!\n";
    close($f) or die "close: $!\n"; print "rewrote\n"' \
    "/proc/$pid/fd/1" "$(date +%s)" >"$T/attack" 2>&1
is "$(cat "$T/attack")" "seek: Illegal seek" "reopened for writing, it is a pipe that cannot seek"
touch "$T/go"
wait $bg
rc=$(cat "$T/rc")
is "$rc" 0 "with the real sendmail failing, the message is queued (0)"
e=$(queued_entries)
is "$(sed -n '1p' "$e")" "pgpsendmail-spool 1" "the entry's envelope is the one pgpsendmail wrote"
is "$(sed -n '/^$/q; s/^rcpt //p' "$e")" "alice@example.org" "naming alice alone"
rm -f "$T/out/exit"
unset CONF_GPG
mkconf
reset_out
timeout 60 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
is "$(allrcpts)" "alice@example.org" "-q hands it to alice alone"
c=$(call_of alice@example.org)
opened alice "$T/out/$c.msg" >"$T/dec"
is "$(bodyof "$T/dec")" "body" "and she opens it"
check "mallory never got it" not grep -rq mallory "$T/out"
