#!/bin/sh
# Hostile input: nothing becomes an option of the real sendmail, huge or
# deeply nested headers give a clear error and no crash.
. "$(dirname "$0")/lib.sh"
plan 28

mkkey alice alice@example.org
mkconf
printf 'From: sender@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <hostile@example.org>\nSubject: h\n\nbody\n' >"$T/in"

refused() {	# refused WHAT STATUS ARGS...: expect STATUS, one error line, no call
	_what=$1 _st=$2
	shift 2
	reset_out
	send "$@" <"$T/in"
	is "$rc" "$_st" "$_what is refused with $_st"
	check "$_what: a pgpsendmail: error on stderr, nothing sent" \
	    sh -c "grep -q '^pgpsendmail: ' '$T/err' && ! ls '$T/out' | grep -q argv"
}
refused "the operand -oQ/tmp after --" 64 -i -- -oQ/tmp
check "the error names the operand" grep -qF -- '-oQ/tmp' "$T/err"
check "the error is one line" oneline
refused "-oQ/tmp inside a comma list" 64 -i alice@example.org,-oQ/tmp
refused "an operand with a newline" 64 -i "$(printf 'alice@example.org\n-oQ/tmp')"
refused "an operand with a control character" 64 -i "$(printf 'ali\001ce@example.org')"
refused "an operand that is not UTF-8" 64 -i "$(printf 'ali\377ce@example.org')"
refused "an operand with an unclosed <" 64 -i 'Alice <alice@example.org'

printf 'From: sender@example.org\nTo: -oQ/tmp\nSubject: h\n\nbody\n' >"$T/in2"
reset_out
send -t -i <"$T/in2"
is "$rc" 65 "-t with To: -oQ/tmp is refused with 65"
is "$(calls)" 0 "and nothing is sent"
check "the error names the address" grep -qF -- '-oQ/tmp' "$T/err"

printf 'From: sender@example.org\nTo: Alice <alice@example.org\nSubject: h\n\nbody\n' >"$T/in2"
reset_out
send -t -i <"$T/in2"
is "$rc" 65 "-t with an unclosed < in To is a bad header address (65)"
is "$(calls)" 0 "and nothing is sent"

{
	printf 'From: sender@example.org\nTo: alice@example.org\nX-Huge: '
	head -c 1048576 /dev/zero | tr '\0' a
	printf '\n\nbody\n'
} >"$T/in2"
reset_out
send -i alice@example.org <"$T/in2"
is "$rc" 65 "a 1 MB header line is refused with 65"
check "with a clear error on stderr" errline '^pgpsendmail: .{1,300}$'
is "$(calls)" 0 "and nothing is sent"

{
	printf 'From: sender@example.org\nTo: alice@example.org (\n'
	i=0
	while [ $i -lt 2000 ]; do
		printf ' ((((((((((((((((((((((((((((((((((((((((((((((((((\n'
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 2000 ]; do
		printf ' ))))))))))))))))))))))))))))))))))))))))))))))))))\n'
		i=$((i + 1))
	done
	printf ' )\nSubject: nested\n\nbody\n'
} >"$T/in2"
reset_out
send -t -i <"$T/in2"
check "100000 nested comments with -t: no crash (exit $rc is 0 or 65)" test "$rc" -eq 0 -o "$rc" -eq 65
if [ "$rc" -eq 0 ]; then
	printf '%s\n' alice@example.org >"$T/want"
	rcpts 1 >"$T/got"
	check_same "and if accepted the address is alice's" "$T/got" "$T/want"
else
	check "and if refused stderr says why" errline '^pgpsendmail: '
fi
{
	printf 'From: sender@example.org\nTo: alice@example.org\n'
	i=0
	while [ $i -lt 2000 ]; do
		printf ' ((((((((((((((((((((((((((((((((((((((((((((((((((\n'
		i=$((i + 1))
	done
	printf 'Subject: unbalanced\n\nbody\n'
} >"$T/in2"
reset_out
send -t -i <"$T/in2"
is "$rc" 65 "an unclosed comment in To with -t is a bad header address (65)"
is "$(calls)" 0 "and nothing is sent"

{
	printf 'From: sender@example.org\nTo: alice@example.org\n'
	i=0
	while [ $i -lt 20000 ]; do
		printf 'X-Many-%d: %0900d\n' $i 0
		i=$((i + 1))
	done
	printf '\nbody\n'
} >"$T/in2"
reset_out
send -i alice@example.org <"$T/in2"
is "$rc" 65 "18 MB of header lines are refused with 65"
check "with a clear error on stderr" errline '^pgpsendmail: .{1,300}$'
