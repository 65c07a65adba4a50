#!/bin/sh
# The protected header is restored only when the peer key that signed is
# listed for the domain of every address that names the sender.  A user
# of peer site a tried two ways around that, each a forged b.example
# sender restored under a's signature: a From list that the check stopped
# reading at its first syntax error (an unterminated comment or <), while
# mail readers still show the address in it; and a Sender field, which
# was not checked at all ("ceo@b.example on behalf of ...").  Now either
# leaves the message not verified; a Sender of a's own domain is fine.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
. "$(dirname "$0")/border.sh"
plan 9

bd_pair

# through TAG FIELDS: a message with the header lines FIELDS (printf
# escapes), Subject "inner TAG", from a user of site a through a's
# gateway and b's border to bob; b's delivery in $T/TAG.got
through() {
	printf '%b\nTo: bob@b.example\nSubject: inner %s\n\ntoken %s\n' \
	    "$2" "$1" "$1" >"$T/in.$1"
	bd_through a "$T/in.$1" bob@b.example
	bd_relay "$(bd_out a bob@b.example)" "$T/relayed.$1"
	bd_through b "$T/relayed.$1" bob@b.example
	gw_is 1 '^250 ' || diag "$1: $(cat "$R")"
	cp "$(bd_out b bob@b.example)" "$T/$1.got"
	pyhdr "$T/$1.got" Pgpsendmail-Border >"$T/$1.field"
}
# notverified TAG WHY
notverified() {
	check "$1: not verified ($2)" \
	    grep -q "; not verified ($2)\$" "$T/$1.field"
	check "$1: the protected header is not restored (outer Subject)" \
	    sh -c "grep -qx 'Subject: \\[\\.\\.\\.\\]' '$T/$1.got' &&
	    ! grep -q '^Subject: inner $1' '$T/$1.got'"
}

through comment 'From: s@a.example, ceo@b.example (CEO'
notverified comment "a From address that cannot be read: unterminated comment"
through angle 'From: s@a.example, CEO <ceo@b.example'
notverified angle "a From address that cannot be read: unterminated <"
through sender 'From: s@a.example\nSender: CEO <ceo@b.example>'
notverified sender "signed by $FA, not a peer key of b.example"
through ownsender 'From: s@a.example\nSender: list@a.example'
check "a Sender of the signer's own domain: verified" \
    grep -q "; signed by peer a.example $FA\$" "$T/ownsender.field"
is "$(pyhdr "$T/ownsender.got" Sender)" "list@a.example" "... and restored"
check "... with the inner Subject" grep -q '^Subject: inner ownsender' \
    "$T/ownsender.got"
