#!/bin/sh
# The set-group-id install (issue 5): a copy of pgpsendmail built with its
# configuration in $T/etc, set-group-id to a system group that alone owns
# the spool.  Unprivileged users (nobody, daemon) queue through it, cannot
# read the spool, cannot redirect it with PGPSENDMAIL_CONF; gpg and the real
# sendmail run without the group; -q as root sends each entry once; -bp
# lists entries without their contents.  Root only.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip_all "needs root to add a group and install set-group-id (running as uid $(id -u))"
fi
GRP=pgpsm-test
# setup WHAT CMD...: a step that must work; skip without CI, fail in CI
setup() {
	_what=$1
	shift
	"$@" >"$T/setup.log" 2>&1 && return 0
	if [ "$CI" = true ]; then
		plan 1
		ok 1 "setup: $_what ($(tr '\n' ' ' <"$T/setup.log" | head -c 300))"
		exit 1
	fi
	skip_all "setup failed: $_what: $(tr '\n' ' ' <"$T/setup.log" | head -c 200)"
}
for u in nobody daemon; do
	setup "user $u exists" getent passwd $u
done
setup "group nogroup exists" getent group nogroup
setup "setpriv exists" command -v setpriv
getent group $GRP >/dev/null 2>&1 && groupdel $GRP 2>/dev/null
setup "groupadd --system $GRP" groupadd --system $GRP
on_exit 'groupdel pgpsm-test 2>/dev/null'
grp_gid=$(getent group $GRP | cut -d: -f3)
nogroup_gid=$(getent group nogroup | cut -d: -f3)
nobody_uid=$(id -u nobody)

# The build, as the Makefile does it, with SYSCONFDIR in $T.
chmod 755 "$T"
mkdir -m 755 "$T/bin" "$T/etc" "$T/obj"
BSD_CFLAGS=$(pkg-config --cflags libbsd-overlay 2>/dev/null || echo -isystem /usr/include/bsd -DLIBBSD_OVERLAY)
BSD_LIBS=$(pkg-config --libs libbsd-overlay 2>/dev/null || echo -lbsd)
setup "compile pgpsendmail with SYSCONFDIR=$T/etc" \
    sh -c "${CC:-cc} -O2 -g -Wall -Wextra -D_GNU_SOURCE -DSYSCONFDIR='\"$T/etc\"' -DHANDOFF_TIMEOUT=3 $BSD_CFLAGS -o '$T/bin/pgpsendmail' '$ABS'/*.c $BSD_LIBS"
BIN=$T/bin/pgpsendmail
chown root:$GRP "$BIN"
chmod 2755 "$BIN"
mkdir "$T/spool"
chown root:$GRP "$T/spool"
chmod 2770 "$T/spool"

plan 42

mkkey alice alice@example.org
chmod -R a+rX "$T/sys"
mkdir -m 777 "$T/out"
chmod 777 "$T/out"
: >"$T/out/ids.backend"
: >"$T/out/ids.gpg"
: >"$T/out/calls.backend"
: >"$T/out/calls.gpg"
chmod 666 "$T/out/ids.backend" "$T/out/ids.gpg" "$T/out/calls.backend" "$T/out/calls.gpg"
cp "$ABS/t/fake-sendmail" "$T/bin/fake-sendmail"
# Wrappers for the real sendmail and gpg that note who they run as:
# uid, the real, effective, saved and fs gids, and the groups.
for w in backend gpg; do
	if [ $w = backend ]; then
		to="$T/bin/fake-sendmail \"\$@\""
	else
		to="/usr/bin/gpg \"\$@\""
	fi
	cat >"$T/bin/$w" <<EOF_
#!/bin/sh
PATH=/usr/bin:/bin
echo "\$(id -u) \$(sed -n 's/^Gid:[[:space:]]*//p' /proc/\$\$/status | tr -s '[:space:]' ' ')groups \$(id -G)" >>"$T/out/ids.$w"
# user, whether it leads its own session, what its stderr is, argv
echo "\$(id -un) \$(awk '{ print (\$6 == \$1) ? "own-session" : "session-" \$6 }' /proc/\$\$/stat) \$(readlink /proc/\$\$/fd/2 | sed 's/:.*//') \$*" >>"$T/out/calls.$w"
[ -e "$T/out/stop" ] && [ "\$(id -u)" -ne 0 ] && kill -STOP \$\$
exec $to
EOF_
	chmod 755 "$T/bin/$w"
done
cat >"$T/bin/evil" <<EOF_
#!/bin/sh
: >"$T/out/evil-was-run"
cat >/dev/null
exit 0
EOF_
chmod 755 "$T/bin/evil"
cat >"$T/etc/pgpsendmail.conf" <<EOF_
# written by t/0440-setgid.t
sendmail $T/bin/backend $T/out
gpg $T/bin/gpg
gnupghome $T/sys
keymap $T/etc/keymap
spool $T/spool
EOF_
: >"$T/etc/keymap"
sed "s|^sendmail .*|sendmail $T/bin/evil|; s|^spool .*|spool $T/evilspool|" \
    "$T/etc/pgpsendmail.conf" >"$T/evil.conf"
chmod 644 "$T/etc/pgpsendmail.conf" "$T/etc/keymap" "$T/evil.conf"
unset PGPSENDMAIL_CONF

# as USER GROUP CMD...: run CMD as USER with only GROUP
as() {
	_u=$1 _g=$2
	shift 2
	setpriv --reuid "$_u" --regid "$_g" --clear-groups -- "$@"
}
# sendas USER GROUP ARGS...: send as USER, like send
sendas() {
	_u=$1 _g=$2
	shift 2
	timeout 60 setpriv --reuid "$_u" --regid "$_g" --clear-groups -- \
	    "$BIN" "$@" >"$T/stdout" 2>"$T/err"
	rc=$?
}
msg() {	# msg TOKEN
	printf 'From: sender@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <%s@example.org>\nSubject: secret subject\n\nThe token is %s.\n' "$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')" "$1"
}
check "the copy is set-group-id $GRP" \
    test "$(stat -c '%a %G' "$BIN")" = "2755 $GRP"

# nobody sends while the real sendmail fails: queued.
echo 75 >"$T/out/exit"
msg tok-nobody-1 >"$T/in"
sendas nobody nogroup -i alice@example.org <"$T/in"
is "$rc" 0 "nobody: a send whose real sendmail fails is queued (0)"
[ "$rc" -eq 0 ] && echo tok-nobody-1 >>"$T/accepted"
[ -s "$T/err" ] && diag "stderr: $(cat "$T/err")"
is "$(queued_entries | wc -l)" 1 "nobody: and one entry waits in the spool"
entry=$(queued_entries | head -n 1)
id1=$(basename "$(dirname "$entry")")
check "nobody: the entry holds no plaintext" not grep -rq 'tok-nobody-1' "$T/spool"
is "$(stat -c '%a %G' "$entry" 2>/dev/null)" "660 $GRP" \
    "the entry is mode 0660 in group $GRP (pgpsendmail(8), QUEUE)"
# (the set-group-id bit they inherit from the spool aside)
is "$(stat -c '%a %G' "$T/spool/q" "$T/spool/tmp" 2>/dev/null | sed 's/^2//' | sort -u)" "770 $GRP" \
    "spool/q and spool/tmp are mode 0770 in group $GRP"

# The children ran as nobody, without the group: real, effective, saved
# and fs gid nogroup's, and pgpsm-test not among the groups.
want="$nobody_uid $nogroup_gid $nogroup_gid $nogroup_gid $nogroup_gid groups $nogroup_gid"
is "$(sort -u "$T/out/ids.backend" 2>/dev/null)" "$want" \
    "the real sendmail ran as nobody:nogroup without $GRP (uid, gids r/e/s/fs, groups)"
is "$(sort -u "$T/out/ids.gpg" 2>/dev/null)" "$want" \
    "gpg ran as nobody:nogroup without $GRP"

# nobody cannot look into the spool.
check "nobody cannot list the spool" not as nobody nogroup ls "$T/spool"
check "nobody cannot list spool/q" not as nobody nogroup ls "$T/spool/q"
check "nobody cannot read the entry" not as nobody nogroup cat "$entry"
check "daemon cannot read the entry" not as daemon daemon cat "$entry"

# -bp lists the entry, to nobody and to another user, without contents
# (then passes -bp on to the real sendmail: let that work).
rm -f "$T/out/exit"
for u in nobody:nogroup daemon:daemon; do
	sendas ${u%:*} ${u#*:} -bp </dev/null
	cp "$T/stdout" "$T/bp.${u%:*}"
	check "-bp as ${u%:*} exits 0 (exit $rc)" test "$rc" -eq 0
	check "-bp as ${u%:*} lists the entry's id $id1" grep -qF "$id1" "$T/stdout"
	check "-bp as ${u%:*} shows its sender (nobody)" grep -q 'nobody' "$T/stdout"
	check "-bp as ${u%:*} shows its recipient" grep -qF 'alice@example.org' "$T/stdout"
	check "-bp as ${u%:*} shows nothing of the message (no token, no Subject, no PGP block)" \
	    not grep -Eq 'tok-nobody|secret subject|BEGIN PGP' "$T/stdout"
done
diag "-bp as daemon:" "$(cat "$T/bp.daemon")"
echo 75 >"$T/out/exit"

# A second user queues through the same spool.
msg tok-daemon-1 >"$T/in"
sendas daemon daemon -i alice@example.org <"$T/in"
is "$rc" 0 "daemon: another user queues through the same spool (0)"
[ "$rc" -eq 0 ] && echo tok-daemon-1 >>"$T/accepted"
[ -s "$T/err" ] && diag "stderr: $(cat "$T/err")"
is "$(queued_entries | wc -l)" 2 "daemon: and the spool holds two entries"
before=$(queued_entries | wc -l)

# PGPSENDMAIL_CONF (and TMPDIR) from the caller are ignored.
msg tok-nobody-2 >"$T/in"
timeout 60 env PGPSENDMAIL_CONF="$T/evil.conf" TMPDIR=/nonexistent \
    setpriv --reuid nobody --regid nogroup --clear-groups -- \
    "$BIN" -i alice@example.org <"$T/in" >"$T/stdout" 2>"$T/err"
rc=$?
is "$rc" 0 "nobody with PGPSENDMAIL_CONF pointing elsewhere: queued as usual (0)"
[ "$rc" -eq 0 ] && echo tok-nobody-2 >>"$T/accepted"
check "the other config's sendmail is not run" test ! -e "$T/out/evil-was-run"
check "nor its spool made" test ! -e "$T/evilspool"
is "$(queued_entries | wc -l)" $((before + 1)) "the message is in the compiled-in spool"

# Root runs the queue with a working real sendmail: each message once,
# each handed on as the user who queued it.
rm -f "$T/out/exit" "$T"/out/*.argv "$T"/out/*.msg
rm -rf "$T"/out/*.lock
: >"$T/out/calls.backend"
timeout 60 "$BIN" -q </dev/null >/dev/null 2>"$T/qerr"
check "root: -q exits 0" test $? -eq 0
[ -s "$T/qerr" ] && diag "-q: $(cat "$T/qerr")"
timeout 60 "$BIN" -q </dev/null >/dev/null 2>>"$T/qerr"
: >"$T/got"
for a in "$T"/out/*.argv; do
	[ -e "$a" ] || continue
	grep -qx -- '--' "$a" || continue	# the -q pass-through calls
	decrypt alice "${a%.argv}.msg" | grep -o 'tok-[a-z]*-[0-9]' | sort -u >>"$T/got"
done
sort "$T/accepted" >"$T/want"
sort "$T/got" >"$T/got.s"
check_same "root: after two -q runs alice has each accepted message ($(wc -l <"$T/want" | tr -d ' ')) exactly once" "$T/got.s" "$T/want"
is "$(queued_entries | wc -l)" 0 "root: and the queue is empty"
# "USER SESSION STDERR CAPDIR -i -- alice@example.org": no -f (none was
# given), so the real sendmail, run as USER, makes USER the sender
grep -- ' -- ' "$T/out/calls.backend" >"$T/qcalls"
is "$(wc -l <"$T/qcalls" | tr -d ' ')" "$(wc -l <"$T/want" | tr -d ' ')" \
    "root's -q ran the real sendmail once for each entry"
check "each as the user who queued it (nobody's as nobody, daemon's as daemon)" \
    awk '$5 != "-i" || $6 != "--" { bad = 1 } END { exit bad }' "$T/qcalls"
check "each in a session of its own (no terminal of root's)" \
    awk '$2 != "own-session" { bad = 1 } END { exit bad }' "$T/qcalls"
check "each with its stderr into a pipe of pgpsendmail's, not root's" \
    awk '$3 != "pipe" { bad = 1 } END { exit bad }' "$T/qcalls"
[ -s "$T/qcalls" ] && diag "root's -q: $(cat "$T/qcalls")"
# An entry whose owner is no longer a user is not handed on as root.
echo 75 >"$T/out/exit"
msg tok-gone-1 >"$T/in"
sendas nobody nogroup -i alice@example.org <"$T/in"
rm -f "$T/out/exit"
gone=$(queued_entries | head -n 1)
chown 54321 "$gone"
: >"$T/out/calls.backend"
timeout 60 "$BIN" -q </dev/null >/dev/null 2>>"$T/qerr"
is "$(grep -c -- ' -- ' "$T/out/calls.backend")" 0 \
    "root's -q does not hand on an entry whose owner (uid 54321) is no user"
check "it stays queued, saying why" grep -q 'uid 54321, is no user' "$gone.err"
rm -rf "$(dirname "$gone")"

# The entry's owner can stop the real sendmail it runs as: root's -q kills
# it at its deadline (3 s in this build) and keeps the entry.
echo 75 >"$T/out/exit"
msg tok-stopped-1 >"$T/in"
sendas nobody nogroup -i alice@example.org <"$T/in"
rm -f "$T/out/exit"
stopped=$(queued_entries | head -n 1)
: >"$T/out/stop"
t0=$(date +%s)
timeout 60 "$BIN" -q </dev/null >/dev/null 2>>"$T/qerr"
t1=$(date +%s)
rm -f "$T/out/stop"
check "root's -q is not held up by a stopped real sendmail ($((t1 - t0)) s)" \
    test $((t1 - t0)) -lt 30
check "the entry stays, saying the real sendmail did not finish" \
    grep -q 'run as nobody, did not finish within 3 s' "$stopped.err"

# An entry given up: its notice to the sender goes as its owner too.
# (Its time is made old in place, so that the file keeps its owner.)
perl -e 'open(my $f, "+<", $ARGV[0]) or die; my $l1 = <$f>; my $at = tell($f);
    my $l2 = <$f>; $l2 =~ /^time (\d+)$/ or die "no time line";
    seek($f, $at + 5, 0); print $f "0" x (length($1) - 1), "1"; close($f)' "$stopped"
: >"$T/out/calls.backend"
timeout 60 "$BIN" -q </dev/null >/dev/null 2>>"$T/qerr"
is "$(queued_entries | wc -l)" 0 "root's -q gives up the old entry"
check "and mails its notice from <> to its sender as nobody" \
    grep -q '^nobody .* -f <> -- nobody$' "$T/out/calls.backend"
[ -s "$T/out/calls.backend" ] && diag "give-up: $(cat "$T/out/calls.backend")"
rm -rf "$(dirname "$stopped")"
check "no gpg or real sendmail run (of nobody, daemon, root's -q) kept gid $grp_gid ($(cat "$T"/out/ids.* | wc -l) runs)" \
    not grep -Eq "(^| )$grp_gid( |\$)" "$T/out/ids.backend" "$T/out/ids.gpg"
