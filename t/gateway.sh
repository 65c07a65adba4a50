# t/gateway.sh: sourced after t/lib.sh by the tests of --gateway (t/09*).
#
# gw_session: an LMTP dialogue read from stdin (LF lines, sent with CRLF)
#	through pgpsendmail --gateway; the replies, CR removed, in $R
# gw_data FILE: FILE's lines as DATA sends them: dot-stuffed, then "."
# gw_replies: the replies after the (first) 354, one a line, QUIT's 221 out
gw_session() {
	reset_out
	sed 's/$/\r/' >"$T/session"
	send --gateway <"$T/session"
	tr -d '\r' <"$T/stdout" >"$R"
}
gw_data() { sed 's/^\./../' "$1"; echo .; }
gw_replies() { sed '1,/^354 /d' "$R" | grep -v '^221 '; }
# gw_reply N: the Nth reply after the 354
gw_reply() { gw_replies | sed -n "${1}p"; }
# gw_is N ERE: the Nth reply after the 354 matches ERE
gw_is() { gw_reply "$1" | grep -Eq -- "$2"; }
# argv_of ADDR: the file with the argv of the backend call for ADDR
argv_of() { echo "$T/out/$(call_of "$1").argv"; }
msg_of() { echo "$T/out/$(call_of "$1").msg"; }
