#!/bin/sh
# The README's exit status table is a promise: each status it lists is
# provoked here by a real case, which must exit with that status and print
# one line matching one of the README's lines for it ("..." stands for what
# varies).  A status of the table with no case here, a README line no case
# prints, and a case whose status the table lacks each fail.  README may be
# named by $README (to show that a changed table fails).
. "$(dirname "$0")/lib.sh"

README=${README:-$ABS/README}
# The table: "N" alone for a status, "N<TAB>ERE" for each of its lines.
perl -ne '
	$in = 1 if /^Exit statuses$/;
	$in = 0 if $in && /^What each mode can return/;
	next unless $in;
	if (/^    (\d+)  /) { $st = $1; print "$st\n"; next }
	if (defined $st && /^        (pgpsendmail: .*)$/) {
		(my $re = $1) =~ s/([][\\.^\$*+?(){}|])/\\$1/g;
		$re =~ s/\\\.\\\.\\\./.+/g;
		print "$st\t^$re\$\n";
	}' "$README" >"$T/table"
statuses=$(grep -v '	' "$T/table" | sort -n | tr '\n' ' ')

mkkey alice alice@example.org
mkconf
printf 'From: s@example.org\nTo: alice@example.org\nSubject: x\n\nbody\n' >"$T/in"

# Each case: "case STATUS NAME CMD..." runs CMD (stdin from $T/case.in),
# records what it exited with and printed, for the checks below.
: >"$T/cases"
k=0
case_() {
	_want=$1 _name=$2
	shift 2
	k=$((k + 1))
	reset_out
	[ -n "$EXIT_BACKEND" ] && echo "$EXIT_BACKEND" >"$T/out/exit"
	"$@" <"$T/case.in" >/dev/null 2>"$T/case.$k.err"
	printf '%s\t%s\t%s\t%s\n' "$k" "$_want" "$?" "$_name" >>"$T/cases"
}
pgp() { timeout 60 "$PGPSENDMAIL" "$@"; }
cp "$T/in" "$T/case.in"

case_ 0 "a message to a recipient with a key" pgp alice@example.org
case_ 64 "an unknown option" pgp -Z alice@example.org
case_ 64 "a bad address operand" pgp 'bad@@example.org'
printf 'Subject: x\n\nbody\n' >"$T/case.in"
case_ 64 "no recipients" pgp -t
printf 'To: alice@example.org\nX: a\0b\n\nbody\n' >"$T/case.in"
case_ 65 "a NUL byte in the header" pgp -t
printf 'To: alice@@example.org\n\nbody\n' >"$T/case.in"
case_ 65 "a bad address header" pgp -t
cp "$T/in" "$T/case.in"
case_ 67 "a recipient with no key" pgp bob@example.org
echo '* reject' >"$T/keymap"
case_ 67 "a recipient the keymap rejects" pgp bob@example.org
: >"$T/keymap"
cp "$T/conf" "$T/conf.good"
sed -i "s|^gnupghome .*|gnupghome $T/nokeyring|" "$T/conf"
case_ 69 "a missing keyring" pgp alice@example.org
cp "$T/conf.good" "$T/conf"
sed -i "s|^spool .*|spool $T/nospool|" "$T/conf"
EXIT_BACKEND=3 case_ 69 "without a queue, the real sendmail fails" pgp alice@example.org
case_ 73 "-q with a spool that is not there" pgp -q
case_ 73 "--run-own-queue with a spool that is not there" pgp --run-own-queue
cp "$T/conf.good" "$T/conf"
: >"$T/case.in"
case_ 74 "standard input cannot be read" sh -c 'exec "$0" alice@example.org </' "$PGPSENDMAIL"
echo 'gnupg /x' >>"$T/conf"
case_ 78 "an unknown key in the configuration" pgp alice@example.org
cp "$T/conf.good" "$T/conf"

# 71 and 77 need another user: nobody.  71: a plain recipient, no queue
# (nobody cannot use root's spool), and no process left to start the real
# sendmail with.  77: a set-group-id build that nobody runs -q with.
why=
if [ "$(id -u)" -ne 0 ]; then
	why="not root"
elif ! command -v setpriv >/dev/null || ! command -v prlimit >/dev/null; then
	why="setpriv or prlimit (util-linux) missing"
elif ! id nobody >/dev/null 2>&1 || ! getent group daemon >/dev/null; then
	why="no user nobody or group daemon"
fi
if [ -z "$why" ]; then
	chmod 755 "$T"
	mkdir -m 755 "$T/bin" "$T/etc"
	cp "$PGPSENDMAIL" "$ABS/t/fake-sendmail" "$T/bin/"
	chmod 755 "$T/bin/pgpsendmail" "$T/bin/fake-sendmail"
	chmod 777 "$T/out"
	sed "s|^sendmail .*|sendmail $T/bin/fake-sendmail $T/out|" "$T/conf.good" >"$T/conf.user"
	echo '* plain' >"$T/keymap.user"
	sed -i "s|^keymap .*|keymap $T/keymap.user|" "$T/conf.user"
	chmod 644 "$T/conf.user" "$T/keymap.user"
	find "$T/sys" -type d -exec chmod 755 {} +
	find "$T/sys" -type f -exec chmod 644 {} +
	PGPSENDMAIL_CONF_USER="$T/conf.user"
	nobody() {
		(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    env -i PATH=/usr/bin:/bin PGPSENDMAIL_CONF="$PGPSENDMAIL_CONF_USER" \
		    ASAN_OPTIONS=detect_leaks=0 \
		    timeout 60 "$@")
	}
	cp "$T/in" "$T/case.in"
	case_ 71 "no process left to start the real sendmail" \
	    nobody prlimit --nproc=1 "$T/bin/pgpsendmail" alice@example.org
	# The same at the key lookup: its gpg cannot be started either.
	echo '* keyring' >"$T/keymap.look"
	sed "s|^keymap .*|keymap $T/keymap.look|" "$T/conf.user" >"$T/conf.look"
	chmod 644 "$T/conf.look" "$T/keymap.look"
	PGPSENDMAIL_CONF_USER="$T/conf.look"
	case_ 71 "no process left to start gpg for the key lookup" \
	    nobody prlimit --nproc=1 "$T/bin/pgpsendmail" alice@example.org
	PGPSENDMAIL_CONF_USER="$T/conf.user"
	# The set-group-id build reads its configuration from $T/etc.
	BSD_CFLAGS=$(pkg-config --cflags libbsd-overlay 2>/dev/null || echo -isystem /usr/include/bsd -DLIBBSD_OVERLAY)
	BSD_LIBS=$(pkg-config --libs libbsd-overlay 2>/dev/null || echo -lbsd)
	if ${CC:-cc} -O2 -D_GNU_SOURCE -DSYSCONFDIR="\"$T/etc\"" $BSD_CFLAGS \
	    -o "$T/bin/sgid" "$ABS"/*.c $BSD_LIBS 2>"$T/cc.err"; then
		cp "$T/conf.user" "$T/etc/pgpsendmail.conf"
		chown root:daemon "$T/bin/sgid"
		chmod 2755 "$T/bin/sgid"
		: >"$T/case.in"
		case_ 77 "-q from a set-group-id pgpsendmail, as nobody" \
		    nobody "$T/bin/sgid" -q
		case_ 77 "--run-own-queue from a set-group-id pgpsendmail, as nobody" \
		    nobody "$T/bin/sgid" --run-own-queue
	else
		why="cannot build the set-group-id copy: $(head -c 200 "$T/cc.err")"
	fi
fi

plan $(( $(wc -l <"$T/cases") * 2 + $(grep -c . "$T/table") + 1 ))
is "$(wc -l <"$T/table" | tr -d ' ')" "$(grep -c . "$T/table")" "the README has an exit status table ($statuses)"

# Each case: its status, and its line as the README words it.
while IFS='	' read -r i want got name; do
	is "$got" "$want" "$name: exits $want"
	if [ "$want" -eq 0 ]; then
		check "$name: and prints nothing on stderr" test ! -s "$T/case.$i.err"
		continue
	fi
	matched=1
	if grep -q "^$want	" "$T/table" && [ "$(wc -l <"$T/case.$i.err")" -eq 1 ]; then
		grep "^$want	" "$T/table" | cut -f2- >"$T/res"
		while IFS= read -r re; do
			if grep -Eq -- "$re" "$T/case.$i.err"; then
				matched=0
				echo "$want	$re" >>"$T/hit"
			fi
		done <"$T/res"
	fi
	ok $matched "$name: one line, worded as a README line for $want"
	[ $matched -eq 0 ] || diag "stderr: $(cat "$T/case.$i.err")"
done <"$T/cases"

# Each status of the table is provoked, each of its lines printed.
while IFS= read -r row; do
	case $row in
	*'	'*)
		st=${row%%	*}
		check "README's line for $st is printed by a case: ${row#*	}" \
		    grep -qxF -- "$row" "$T/hit" ;;
	*)
		if [ "$row" -eq 71 ] || [ "$row" -eq 77 ]; then
			if [ -n "$why" ] && [ "$CI" != true ]; then
				skip "README's status $row is provoked by a case" "$why"
				continue
			fi
		fi
		check "README's status $row is provoked by a case" \
		    awk -F'	' -v s="$row" '$2 == s { f = 1 } END { exit !f }' "$T/cases" ;;
	esac
done <"$T/table"
