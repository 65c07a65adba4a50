#!/bin/sh
# The end of DATA is CRLF "." CRLF, all of it.  A client whose connection
# breaks after the "." (or ".\r") of the final line has not finished the
# transaction: it will try again, so nothing of it may be handed on, or
# the recipients get the message twice.  Likewise under -bs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
plan 6

mkkey alice alice@example.org
mkconf
cat >"$T/in" <<EOF_
From: s@example.net
To: alice@example.org
Subject: cut
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <gw0905@example.net>

The secret: 0905-token
EOF_
# cut MODE TAIL: a dialogue whose data ends in TAIL, then end of input
cut() {
	{ printf '%s x\r\nMAIL FROM:<s@example.net>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n' "$2"
	  sed 's/$/\r/' "$T/in"; printf "$3"; } >"$T/session"
	reset_out
	send "$1" <"$T/session"
}
cut --gateway LHLO '.'
is "$(calls)" 0 "--gateway: input that ends in the final line's '.': nothing handed on"
cut --gateway LHLO '.\r'
is "$(calls)" 0 "--gateway: ... in '.' CR: nothing handed on"
cut --gateway LHLO '.\r\n'
is "$(calls)" 1 "--gateway: ... in '.' CRLF: the message goes"
cut -bs EHLO '.'
is "$(calls)" 0 "-bs: input that ends in the final line's '.': nothing handed on"
cut -bs EHLO '.\r'
is "$(calls)" 0 "-bs: ... in '.' CR: nothing handed on"
cut -bs EHLO '.\r\n'
is "$(calls)" 1 "-bs: ... in '.' CRLF: the message goes"
