# t/lib.sh: sourced by every test.  TAP output, a private temp dir $T,
# throwaway gpg keys, and a config that points pgpsendmail at t/fake-sendmail.
#
# $T/sys	the "system" keyring pgpsendmail reads (public keys only)
# $T/home/NAME	NAME's own homedir with her secret key, to decrypt what she got
# $T/out	what the fake backend recorded: N.argv, N.msg for call N
# $T/err	pgpsendmail's stderr from the last send; $rc its exit status
# KEEP=1 in the environment keeps $T for a look afterwards.

ABS=$(cd "$(dirname "$0")/.." && pwd)
PGPSENDMAIL=${PGPSENDMAIL:-$ABS/pgpsendmail}
T=$(mktemp -d "${TMPDIR:-/tmp}/pgpsm.XXXXXX") || exit 1
homes=
n=0
failed=0

cleanup() {
	for h in $homes; do
		timeout 10 gpgconf --homedir "$h" --kill all >/dev/null 2>&1
	done
	if [ -n "$KEEP" ]; then diag "kept $T"; else rm -rf "$T"; fi
}
trap 'st=$?; cleanup; [ "$st" -eq 0 ] && [ "$failed" -ne 0 ] && st=1; exit $st' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$T/home"

# TAP
plan() { printf '1..%d\n' "$1"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /' >&2; }
skip_all() { printf '1..0 # SKIP %s\n' "$1"; exit 0; }
ok() {	# ok STATUS NAME: pass when STATUS is 0
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$n" "$2"
	else
		printf 'not ok %d - %s\n' "$n" "$2"
		failed=$((failed + 1))
	fi
}
check() {	# check NAME CMD...: pass when CMD succeeds
	_name=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$_name"
}
not() { ! "$@"; }
is() {	# is GOT WANT NAME
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  $1" "want: $2"
	fi
}
check_same() {	# check_same NAME GOT-FILE WANT-FILE
	if cmp -s "$2" "$3"; then
		ok 0 "$1"
	else
		ok 1 "$1"
		diff -u "$3" "$2" 2>&1 | head -n 20 | sed 's/^/# /' >&2
	fi
}
skip() { n=$((n + 1)); printf 'ok %d - %s # SKIP %s\n' "$n" "$1" "$2"; }

# gpg
mkhome() {	# mkhome DIR: an empty GNUPGHOME that cleanup will stop agents for
	mkdir -p "$1" && chmod 700 "$1" && homes="$homes $1"
}
kgpg() {	# kgpg HOMEDIR ARGS...: gpg for test setup, chatter to $T/gpg.log
	_h=$1
	shift
	timeout 60 gpg --homedir "$_h" --batch --no-tty "$@" >>"$T/gpg.log" 2>&1
}

# mkkey NAME EMAIL [KIND]: NAME's key pair in $T/home/NAME, its public half
# imported into $T/sys.  KIND: ok (default), expired (made on 2020-01-01 with a
# one-day expiry), soon (expires in 10 days), revoked, uidrevoked (EMAIL's user ID revoked, another kept),
# noencrypt (no encryption subkey), disabled (disabled in $T/sys), bare (the
# user ID is EMAIL alone).  EMAIL may be UTF-8.
# Sets $fpr to the primary fingerprint; fpr_of NAME and encid_of NAME repeat it.
mkkey() {
	h=$T/home/$1
	_kind=${3:-ok}
	_t=
	_exp=never
	if [ "$_kind" = expired ]; then
		_t=--faked-system-time=20200101T000000
		_exp=1d
	fi
	[ "$_kind" = soon ] && _exp=10d
	_uid="$1 <$2>"
	[ "$_kind" = bare ] && _uid=$2
	mkhome "$h"
	kgpg "$h" $_t --utf8-strings --passphrase '' --quick-gen-key "$_uid" ed25519 cert,sign $_exp
	fpr=$(timeout 60 gpg --homedir "$h" --with-colons --list-keys 2>/dev/null |
	    awk -F: '$1 == "fpr" { print $10; exit }')
	[ -n "$fpr" ] || { diag "mkkey $1: no key made"; cat "$T/gpg.log" >&2; return 1; }
	[ "$_kind" = noencrypt ] ||
		kgpg "$h" $_t --passphrase '' --quick-add-key "$fpr" cv25519 encr $_exp
	case $_kind in
	revoked)
		sed 's/^:-----/-----/' "$h/openpgp-revocs.d/$fpr.rev" >"$T/rev"
		kgpg "$h" --import "$T/rev" ;;
	uidrevoked)
		kgpg "$h" --quick-add-uid "$fpr" "$1 <other-$1@example.net>"
		kgpg "$h" --quick-revoke-uid "$fpr" "$1 <$2>" ;;
	esac
	timeout 60 gpg --homedir "$h" --export "$fpr" >"$T/pub" 2>>"$T/gpg.log"
	kgpg "$T/sys" --import "$T/pub"
	[ "$_kind" = disabled ] &&
		printf 'disable\nsave\n' | kgpg "$T/sys" --command-fd 0 --edit-key "$fpr"
	echo "$fpr" >"$T/home/$1.fpr"
	return 0
}
fpr_of() { cat "$T/home/$1.fpr"; }
encid_of() {	# key ID of NAME's encryption subkey
	timeout 60 gpg --homedir "$T/home/$1" --with-colons --list-keys 2>/dev/null |
	    awk -F: '$1 == "sub" && $12 ~ /e/ { print $5; exit }'
}

# armored MSG-FILE: the PGP message block of a delivered message
armored() {
	sed -n '/^-----BEGIN PGP MESSAGE-----$/,/^-----END PGP MESSAGE-----$/p' "$1"
}
# decrypt NAME MSG-FILE: print what NAME's own key makes of a delivered message
decrypt() {
	armored "$2" | timeout 300 gpg --homedir "$T/home/$1" --batch --no-tty \
	    --quiet --decrypt 2>"$T/decrypt.err"
}
# opened NAME MSG-FILE [ORIGINAL]: what NAME reads, with what header
# protection (RFC 9788) added taken out again, to compare with the original
# ($T/in unless given): HP-Outer fields, the hp and protected-headers
# parameters (first after the media type), and the MIME-Version and
# Content-Type added where missing.
opened() {
	_orig=${3:-$T/in}
	_mv=0
	[ -f "$_orig" ] && { sed '/^$/q' "$_orig" | grep -qi '^MIME-Version:' || _mv=1; }
	decrypt "$1" "$2" | ADDED_MV=$_mv perl -0777 -pe '
	    my ($h, $b) = split(/\n\n/, $_, 2);
	    $h .= "\n";
	    $h =~ s/^HP-Outer: .*\n(?:[ \t].*\n)*//mg;
	    $h =~ s/^Content-Type: text\/plain; hp="cipher";\n\tprotected-headers="v1"\n//m;
	    $h =~ s/;\n\thp="cipher"; protected-headers="v1"//;
	    $h =~ s/^MIME-Version: 1\.0\n// if $ENV{ADDED_MV};
	    $_ = $h . "\n" . (defined $b ? $b : "");'
}
# cannot_open NAME MSG-FILE: the message is encrypted, but not to NAME's key
cannot_open() {
	armored "$2" | grep -q '^-----BEGIN PGP MESSAGE-----$' && ! decrypt "$1" "$2" >/dev/null
}
# keyids MSG-FILE: the key IDs the message is encrypted to, sorted, one a line
keyids() {
	[ -d "$T/nokeys" ] || mkhome "$T/nokeys"
	armored "$1" | timeout 60 gpg --homedir "$T/nokeys" --batch --no-tty \
	    --list-packets 2>/dev/null |
	    sed -n 's/^:pubkey enc packet:.* keyid \([0-9A-F]*\).*/\1/p' | sort
}

mkhome "$T/sys"

# pgpsendmail
mkconf() {	# $T/conf; CONF_SENDMAIL and CONF_GPG override the defaults
	mkdir -p "$T/out" "$T/spool"
	[ -e "$T/keymap" ] || : >"$T/keymap"
	cat >"$T/conf" <<-EOF
	# written by t/lib.sh
	sendmail ${CONF_SENDMAIL:-$ABS/t/fake-sendmail $T/out}
	gpg ${CONF_GPG:-/usr/bin/gpg}
	gnupghome $T/sys
	keymap $T/keymap
	spool $T/spool
	EOF
	PGPSENDMAIL_CONF=$T/conf
	export PGPSENDMAIL_CONF
}
# send ARGS...: run pgpsendmail on stdin; $rc (also in $T/rc) and $T/err
send() {
	timeout "${SEND_TIMEOUT:-60}" "$PGPSENDMAIL" "$@" >"$T/stdout" 2>"$T/err"
	rc=$?
	echo "$rc" >"$T/rc"
	[ "$rc" -eq 124 ] && diag "pgpsendmail timed out: $*"
	return 0
}
reset_out() { rm -rf "$T/out" "$T/err"; mkdir -p "$T/out"; }
# session: an SMTP dialogue (-bs) on stdin, sent with CRLF; the replies,
# CR removed, in $R
R=$T/replies
session() {
	reset_out
	sed 's/$/\r/' >"$T/session"
	send -bs <"$T/session"
	tr -d '\r' <"$T/stdout" >"$R"
}
calls() { ls "$T/out" | grep -c '\.argv$'; }
rcpts() {	# rcpts N: the recipients of backend call N, one a line
	sed '1,/^--$/d' "$T/out/$1.argv"
}
allrcpts() {	# allrcpts: the recipients of every backend call, sorted
	for _f in "$T"/out/*.argv; do
		[ -e "$_f" ] && sed '1,/^--$/d' "$_f"
	done | sort
}
headers() {	# headers MSG-FILE: its header section, unfolded
	awk '/^$/ { exit } /^[ \t]/ { h = h $0; next }
	    { if (NR > 1) print h; h = $0 } END { print h }' "$1"
}
errline() {	# errline REGEX: a line of stderr matches, all lines are ours
	grep -Eq "$1" "$T/err" && ! grep -vq '^pgpsendmail: ' "$T/err"
}
oneline() { [ "$(wc -l <"$T/err")" -eq 1 ]; }	# stderr is one line

# call_of ADDR: the number N of the backend call whose recipients include ADDR
call_of() {
	for _f in "$T"/out/*.argv; do
		[ -e "$_f" ] || continue
		if sed '1,/^--$/d' "$_f" | grep -qixF -- "$1"; then
			_f=${_f##*/}
			echo "${_f%.argv}"
			return 0
		fi
	done
	return 1
}
bodyof() { sed '1,/^$/d' "$1"; }	# bodyof MSG-FILE: what follows the header
hdr() {	# hdr NAME MSG-FILE: the unfolded value of each NAME: field, one a line
	headers "$2" | sed -n "s/^$1:[[:space:]]*//Ip"
}

# on_exit CMD: eval CMD when the test exits, before cleanup removes $T
# (an unmount, a groupdel).  Calls add up.
_on_exit=
on_exit() {
	_on_exit="$_on_exit $1;"
	trap 'st=$?; eval "$_on_exit"; cleanup; [ "$st" -eq 0 ] && [ "$failed" -ne 0 ] && st=1; exit $st' EXIT
}
# queued_entries [SPOOL]: the entries waiting in the queue, one a line
queued_entries() {
	find "${1:-$T/spool}/q" -type f ! -name '*.err' 2>/dev/null
}
# gone PIDFILE: the process whose pid PIDFILE holds is gone, or goes
# within 2 s (what a child killed at its timeout had started)
gone() {
	_p=$(cat "$1" 2>/dev/null)
	[ -n "$_p" ] || return 1
	_i=0
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt 20 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	! kill -0 "$_p" 2>/dev/null
}
