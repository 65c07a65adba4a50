#!/bin/sh
# Addresses that name one mailbox in two ways, or hide a second one.
. "$(dirname "$0")/lib.sh"
plan 16

mkkey alice alice@example.org
mkconf
alicef=$(fpr_of alice)
printf 'alice@example.org %s\n@example.org plain\nroot %s\n' "$alicef" "$alicef" >"$T/keymap"
tok=tok$$x$(date +%s)

sendt() {	# sendt HEADER-LINE...: a -t message with those lines
	reset_out
	{ printf '%s\n' "$@"; printf 'Subject: a\n\n%s\n' "$tok"; } >"$T/in"
	send -t <"$T/in"
}

sendt 'To: "alice"@example.org'
is "$rc" 0 "a needlessly quoted local part is accepted"
is "$(rcpts 1)" "alice@example.org" "and is the same mailbox, unquoted"
check "so alice's own keymap line applies: encrypted" not grep -q "$tok" "$T/out/1.msg"
opened alice "$T/out/1.msg" >"$T/plain"
check "to alice's key" grep -qx "$tok" "$T/plain"

sendt 'To: "root"'
check "a quoted bare name meets the bare-name line: encrypted" not grep -q "$tok" "$T/out/1.msg"

sendt 'To: "alice smith"@example.org'
is "$(rcpts 1)" '"alice smith"@example.org' "a local part that needs its quotes keeps them"

sendt 'To: alice%example.org@localhost'
is "$rc" 65 "a percent-hack route in a recipient is refused"
check "saying why" errline 'source routing'
sendt 'To: example.org!alice'
is "$rc" 65 "a bang path too"

sendt 'To: alice@example.org g: bob@example.org;'
is "$rc" 65 "an address in front of a group (a missing comma) is refused"
is "$(calls)" 0 "and nothing is sent, rather than dropping alice"
sendt 'To: bob@example.org alice <alice@example.org>'
is "$rc" 65 "an address in front of <...> (a missing comma) is refused"
reset_out
printf 'To: alice@example.org\rBcc: bob@example.org\nSubject: a\n\nb\n' | send -t
is "$rc" 65 "a bare CR inside an address header is refused"

reset_out
send -f 'a@b>, <c@d' alice@example.org <"$T/in"
is "$rc" 64 "-f with more than one address is refused"
reset_out
send -f 'Sender Name <s@example.org>' alice@example.org <"$T/in"
is "$(sed -n 3p "$T/out/1.argv")" "s@example.org" "-f with a display name passes on the bare address"
reset_out
send -f '<>' alice@example.org <"$T/in"
is "$(sed -n 3p "$T/out/1.argv")" "<>" "-f '<>' is the null sender"
