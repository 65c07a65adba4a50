#!/bin/sh
# Text from a key, a queue entry or a message reaches a terminal or a log
# only through one rule: C0 and C1 controls, DEL and the bidirectional
# overrides and isolates are shown as escapes (\x1b, \u202e), never as
# themselves.  An address that holds one is refused.
. "$(dirname "$0")/lib.sh"
plan 19

esc=$(printf '\033')
bidi=$(printf '\342\200\256')	# U+202E RIGHT-TO-LEFT OVERRIDE
c1=$(printf '\302\233')		# U+009B, the one-byte CSI of C1
# raw FILE: the file holds an unsafe character as itself
raw() { grep -q "$esc\|$bidi\|$c1\|$(printf '\007')" "$1"; }

# A key whose user ID sets the terminal's title and clears its screen.
mkhome "$T/home/evil"
kgpg "$T/home/evil" --utf8-strings --passphrase '' --quick-gen-key \
    "$(printf 'Evil \033]0;pwned\007\033[2J %sgnp.exe %s <evil@example.org>' "$bidi" "$c1")" \
    ed25519 cert,sign never
efpr=$(timeout 60 gpg --homedir "$T/home/evil" --with-colons --list-keys 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
kgpg "$T/home/evil" --passphrase '' --quick-add-key "$efpr" cv25519 encr never
timeout 60 gpg --homedir "$T/home/evil" --export "$efpr" >"$T/pub" 2>>"$T/gpg.log"
kgpg "$T/sys" --import "$T/pub"
mkconf
printf '@example.org keyring\n' >"$T/keymap"

send -bv evil@example.org </dev/null
is "$rc" 0 "-bv evil@example.org: the key is usable"
check "-bv names the key" grep -q "key $efpr" "$T/stdout"
check "-bv prints no escape, BEL, C1 control or bidi override as itself" not raw "$T/stdout"
check "-bv shows the user ID's escapes as \\x1b and \\x07" \
    grep -qF 'Evil \x1b]0;pwned\x07\x1b[2J' "$T/stdout"
check "-bv shows the bidi override as \\u202e and C1 CSI as \\u009b" \
    grep -qF '\u202egnp.exe \u009b <evil@example.org>' "$T/stdout"

# Addresses: refused at once, and the error shows them safely.
send -i "$(printf 'ev%sil@example.org' "$bidi")" </dev/null
is "$rc" 64 "a recipient with a bidi override is refused (64)"
check "saying why" errline 'control character in address'
check "the error line holds no bidi override itself" not raw "$T/err"
send -i "$(printf 'ev%sil@example.org' "$c1")" </dev/null
is "$rc" 64 "a recipient with a C1 control is refused (64)"
printf 'To: %s\nSubject: s\n\nb\n' "$(printf 'ev%sil@example.org' "$bidi")" >"$T/in"
send -t <"$T/in"
is "$rc" 65 "in To: with -t too (65)"
check "and the error line holds no bidi override itself" not raw "$T/err"

# A queue entry changed by hand: -bp lists it safely.
echo 75 >"$T/out/exit"
printf 'To: evil@example.org\nSubject: s\n\nb\n' >"$T/in"
send -t <"$T/in"
is "$rc" 0 "a message the real sendmail refuses is queued"
for f in "$T"/spool/q/*/1; do
	sed -i "s/^rcpt evil@example.org\$/rcpt e${esc}[2J${bidi}${c1}vil@example.org/" "$f"
done
send -bp </dev/null
check "-bp lists the entry" grep -q 'vil@example.org' "$T/stdout"
check "-bp prints none of what was written into the entry as itself" not raw "$T/stdout"

# -q: a recipient changed by hand is not handed on, and when the entry is
# given up its notice shows what was written into it only as escapes.
reset_out
timeout 60 "$PGPSENDMAIL" -q </dev/null >"$T/q.out" 2>&1
is "$(grep -lx -- -- "$T"/out/*.argv 2>/dev/null | wc -l | tr -d ' ')" 0 \
    "-q does not hand on an entry whose recipient pgpsendmail would refuse"
send -bp </dev/null
check "-bp says why" grep -q 'a recipient pgpsendmail would not take' "$T/stdout"
for f in "$T"/spool/q/*/1; do
	sed -i "s/^time .*/time 1000000000/; s/^date .*/date Mon ${esc}]0;x$(printf '\007')${bidi}/" "$f"
done
reset_out
timeout 60 "$PGPSENDMAIL" -q </dev/null >"$T/q.out" 2>&1
notice=$(grep -lx -- '<>' "$T"/out/*.argv 2>/dev/null | head -n 1)
check "past its lifetime it is given up with a notice" test -n "$notice"
check "the notice holds nothing of the entry as itself" not raw "${notice%.argv}.msg"
check "but shows it as escapes" grep -qF 'Date:        Mon \x1b]0;x\x07\u202e' "${notice%.argv}.msg"
