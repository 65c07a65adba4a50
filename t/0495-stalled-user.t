#!/bin/sh
# One user cannot stall every queue run (issue 14, item 7): once the real
# sendmail that root's -q runs as a user has run out its deadline, the
# rest of that user's entries wait for the next run, and other users'
# entries go.  And every hand-off has its deadline, a sender's own too.
# A copy of pgpsendmail built with a 3 s deadline.  Root only.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip_all "needs root to run the queue as other users (running as uid $(id -u))"
fi
for u in nobody daemon; do
	getent passwd $u >/dev/null || skip_all "no user $u"
done
chmod 755 "$T"
mkdir -m 755 "$T/bin"
BSD_CFLAGS=$(pkg-config --cflags libbsd-overlay 2>/dev/null || echo -isystem /usr/include/bsd -DLIBBSD_OVERLAY)
BSD_LIBS=$(pkg-config --libs libbsd-overlay 2>/dev/null || echo -lbsd)
if ! sh -c "${CC:-cc} -O2 -g -Wall -Wextra -D_GNU_SOURCE -DSYSCONFDIR='\"$T/etc\"' -DHANDOFF_TIMEOUT=3 $BSD_CFLAGS -o '$T/bin/pgpsendmail' '$ABS'/*.c $BSD_LIBS" >"$T/cc.log" 2>&1; then
	plan 1
	ok 1 "build pgpsendmail with HANDOFF_TIMEOUT=3 ($(head -c 300 "$T/cc.log"))"
	exit 1
fi
BIN=$T/bin/pgpsendmail
plan 14

mkkey alice alice@example.org
chmod -R a+rX "$T/sys"
cp "$ABS/t/fake-sendmail" "$T/bin/fake-sendmail"
# The real sendmail: notes who runs it; stops itself when told to, for
# nobody (stop-nobody) or for anyone (stop-all).
cat >"$T/bin/backend" <<EOF
#!/bin/sh
PATH=/usr/bin:/bin
echo "\$(id -un)" >>"$T/out/calls"
[ -e "$T/stop-\$(id -un)" ] && kill -STOP \$\$
[ -e "$T/stop-all" ] && kill -STOP \$\$
exec "$T/bin/fake-sendmail" "\$@"
EOF
chmod 755 "$T/bin/backend"
CONF_SENDMAIL="$T/bin/backend $T/out"
mkconf
chmod 777 "$T/out"
chmod 644 "$T/conf" "$T/keymap"
handoffs() { grep -lx -- -- "$T"/out/*.argv 2>/dev/null | wc -l; }
msg() {	# msg TOKEN
	printf 'From: s@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <%s@example.org>\nSubject: s\n\nThe token is %s.\n' "$1" "$1"
}
# queue TOKEN USER: a message queued (the real sendmail failing), its entry
# then made USER's, as if USER had queued it
queue() {
	echo 75 >"$T/out/exit"
	msg "$1" | timeout 60 "$BIN" -i alice@example.org >/dev/null 2>&1
	rm -f "$T/out/exit"
	find "$T/spool/q" -type f ! -name '*.err' -user root -exec chown "$2" {} +
}
queue tok-nobody-1 nobody
queue tok-nobody-2 nobody
queue tok-nobody-3 nobody
queue tok-daemon-1 daemon
is "$(queued_entries | wc -l)" 4 "three entries of nobody's and one of daemon's are queued"

reset_out
chmod 777 "$T/out"
: >"$T/stop-nobody"
t0=$(date +%s)
timeout 60 "$BIN" -q </dev/null >/dev/null 2>"$T/qerr"
t1=$(date +%s)
rm -f "$T/stop-nobody"
check "root's -q, nobody's real sendmail stopping itself, takes about one deadline, not three ($((t1 - t0)) s)" \
    test $((t1 - t0)) -lt 7
# (at most: under load the deadline may come before it has said so)
check "it ran nobody's real sendmail at most once ($(grep -c '^nobody$' "$T/out/calls" 2>/dev/null))" \
    test "$(grep -c '^nobody$' "$T/out/calls" 2>/dev/null)" -le 1
is "$(grep -l 'run as nobody, did not finish within 3 s' "$T"/spool/q/*/*.err 2>/dev/null | wc -l)" 1 \
    "one entry of nobody's says it did not finish"
is "$(find "$T/spool/q" -type f ! -name '*.err' -user nobody | wc -l)" 3 "nobody's three entries stay queued"
is "$(find "$T/spool/q" -type f ! -name '*.err' -user daemon | wc -l)" 0 "daemon's entry is gone"
c=$(call_of alice@example.org)
opened alice "$T/out/${c:-0}.msg" 2>/dev/null | grep -q 'The token is tok-daemon-1\.'
ok $? "daemon's message was handed on, and decrypts to its token"

reset_out
chmod 777 "$T/out"
timeout 60 "$BIN" -q </dev/null >/dev/null 2>&1
is "$(handoffs)" 3 "the next -q sends nobody's three"
is "$(queued_entries | wc -l)" 0 "and the queue is empty"

# A sender's own hand-off has a deadline too.
reset_out
: >"$T/stop-all"
msg tok-root-1 >"$T/in"
t0=$(date +%s)
timeout 60 "$BIN" -i alice@example.org <"$T/in" >/dev/null 2>"$T/err"
rc=$? t1=$(date +%s)
is "$rc" 0 "a send whose real sendmail never finishes is queued after its deadline (exit 0)"
check "within about the deadline ($((t1 - t0)) s)" test $((t1 - t0)) -lt 10
check "the entry says the real sendmail did not finish" \
    grep -q 'did not finish within 3 s' "$(queued_entries | head -n 1).err"
rm -rf "$T/spool/q"/*
# Without a queue (the spool is not root's), it is the caller's failure.
chown nobody:"$(id -g nobody)" "$T/spool"
timeout 60 "$BIN" -i alice@example.org <"$T/in" >/dev/null 2>"$T/err"
rc=$?
chown root:root "$T/spool"
rm -f "$T/stop-all"
is "$rc" 69 "without a queue, a real sendmail that never finishes gives 69"
check "saying so" grep -q 'did not finish within 3 s' "$T/err"
