#!/bin/sh
# What is read from stdin: dots, CRLF, 8bit, attachments, added headers, bad bytes.
. "$(dirname "$0")/lib.sh"
plan 37

mkkey alice alice@example.org
mkconf

head_() {	# head_ ID: complete headers and the blank line
	printf 'From: sender@example.org\nTo: alice@example.org\n'
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <%s@example.org>\n' "$1"
	printf 'Subject: input test\n\n'
}

{ head_ dots; printf 'line1\n..two dots stay two\n.\nafter the dot\n'; } >"$T/in"
{ head_ dots; printf 'line1\n..two dots stay two\n'; } >"$T/want"
send alice@example.org <"$T/in"
is "$rc" 0 "without -i a message with a lone dot line is sent"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "without -i a lone dot ends the message and .. is kept as is" "$T/dec" "$T/want"

for opt in -i -oi; do
	reset_out
	send $opt alice@example.org <"$T/in"
	opened alice "$T/out/1.msg" >"$T/dec"
	check_same "with $opt a lone dot is an ordinary line" "$T/dec" "$T/in"
done

reset_out
rm -f "$T/drained"
{
	head_ drain
	printf 'short\n.\n'
	head -c 2000000 /dev/zero && : >"$T/drained"
} | send alice@example.org
is "$(cat "$T/rc")" 0 "what follows the dot line is not part of the message"
check "the rest of stdin is drained, so the writer sees no broken pipe" test -e "$T/drained"
opened alice "$T/out/1.msg" >"$T/dec"
{ head_ drain; printf 'short\n'; } >"$T/want"
check_same "and the message ends at the dot" "$T/dec" "$T/want"

reset_out
{ head_ crlf; printf 'first\nsecond\n\nlast\n'; } >"$T/want"
sed 's/$/\r/' "$T/want" >"$T/in"
send -i alice@example.org <"$T/in"
is "$rc" 0 "a CRLF message is sent"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "CRLF line ends are normalized to LF" "$T/dec" "$T/want"
cr=$(printf '\r')
check "the delivered message has no CR" not grep -q "$cr" "$T/out/1.msg"

reset_out
{
	printf 'From: sender@example.org\nTo: alice@example.org\n'
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <utf8@example.org>\n'
	printf 'Subject: Gr\303\274\303\237e\nContent-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n\n'
	printf 'Gr\303\274\303\237e aus K\303\266ln \342\234\211 \346\227\245\346\234\254\350\252\236\n'
	printf 'tab\there, trailing space \n\n\n'
} >"$T/in"
send -i alice@example.org <"$T/in"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "an 8bit UTF-8 body and header arrive byte for byte" "$T/dec" "$T/in"

reset_out
{ head_ latin1; printf 'caf\351 \200\377\376 not UTF-8\n'; } >"$T/in"
send -i alice@example.org <"$T/in"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "body bytes that are not UTF-8 arrive byte for byte" "$T/dec" "$T/in"

reset_out
head -c 3000 /dev/urandom >"$T/rand.bin"
{
	printf 'From: sender@example.org\nTo: alice@example.org\n'
	printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <mime@example.org>\n'
	printf 'Subject: attachment\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="=-b1"\n\n'
	printf 'This is a multi-part message in MIME format.\n\n'
	printf -- '--=-b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
	printf 'see attached \342\234\211\n\n'
	printf -- '--=-b1\nContent-Type: application/octet-stream; name="r.bin"\n'
	printf 'Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="r.bin"\n\n'
	base64 -w 76 "$T/rand.bin"
	printf -- '--=-b1--\n'
} >"$T/in"
send -i alice@example.org <"$T/in"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "a multipart message with a binary attachment arrives whole" "$T/dec" "$T/in"
sed -n '/^Content-Disposition: attachment/,/^--=-b1--$/p' "$T/dec" |
    sed '1,/^$/d;/^--=-b1--$/d' | base64 -d >"$T/got.bin" 2>/dev/null
check_same "the attachment decodes to the original bytes" "$T/got.bin" "$T/rand.bin"
headers "$T/out/1.msg" >"$T/outer"
is "$(grep -ci '^content-type:' "$T/outer")" 1 "the outer message has one Content-Type, its own"
check "the original multipart/mixed type is only inside" not grep -qi 'multipart/mixed' "$T/out/1.msg"

reset_out
printf 'To: alice@example.org\nSubject: bare\n\nbody\n' >"$T/in"
send -i alice@example.org <"$T/in"
is "$rc" 0 "a message without From, Date and Message-ID is sent"
opened alice "$T/out/1.msg" >"$T/dec"
headers "$T/dec" >"$T/inner"
check "a From: with the invoking user is added" grep -Eq '^From: .*root' "$T/inner"
d=$(sed -n 's/^Date: //p' "$T/inner")
check "a valid Date: is added" sh -c "[ -n '$d' ] && date -d '$d'"
mid=$(sed -n 's/^Message-ID: //ip' "$T/inner")
check "a Message-ID: <...@...> is added" sh -c "printf '%s' '$mid' | grep -Eq '^<[^<>@ ]+@[^<>@ ]+>\$'"
check "the outer headers carry the same Message-ID" grep -Fqx "Message-ID: $mid" "$T/out/1.msg"
check "the headers given are kept" sh -c "grep -q '^To: alice@example.org\$' '$T/inner' && grep -q '^Subject: bare\$' '$T/inner'"
sed '1,/^$/d' "$T/dec" >"$T/body"
printf 'body\n' >"$T/want"
check_same "the body is unchanged" "$T/body" "$T/want"

reset_out
{ head_ nonl; printf 'no newline at the end'; } >"$T/in"
send -i alice@example.org <"$T/in"
is "$rc" 0 "a message without a final newline is sent"
opened alice "$T/out/1.msg" >"$T/dec"
cp "$T/in" "$T/in2"
echo >>"$T/in2"
check "and its last line arrives (with or without a newline added)" \
    sh -c "cmp -s '$T/dec' '$T/in' || cmp -s '$T/dec' '$T/in2'"

reset_out
{ head_ long; head -c 200000 /dev/zero | tr '\0' x; printf '\nend\n'; } >"$T/in"
send -i alice@example.org <"$T/in"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "a 200 kB body line arrives unchanged" "$T/dec" "$T/in"

reset_out
printf 'From: sender@example.org\nTo: alice@example.org\nSubject: a\000b\n\nbody\n' >"$T/in"
send -i alice@example.org <"$T/in"
is "$rc" 65 "a NUL byte in the headers exits 65"
check "with an error on stderr" errline '^pgpsendmail: '
is "$(calls)" 0 "and nothing is sent"

reset_out
head -c 600000 /dev/zero | tr '\0' x >"$T/in"
send -i alice@example.org <"$T/in"
is "$rc" 0 "a message with no header and a 600 kB first line is sent"
opened alice "$T/out/1.msg" | sed '1,/^$/d' >"$T/dec"
check_same "with that line as its body" "$T/dec" "$T/in"

# The read buffer's edges (256 KB: a file on stdin is read in whole
# buffers): a CRLF, and a lone-dot line, split across a read.
# mk ID OFFSET EOL SEP TAIL: a message, its lines ended by EOL, whose SEP
# starts at byte OFFSET; \r and \n in EOL, SEP and TAIL are CR and LF
mk() {
	perl -e '
	    my ($id, $at, $eol, $sep, $tail) = @ARGV;
	    for ($eol, $sep, $tail) { s/\\r/\r/g; s/\\n/\n/g }
	    my $m = join($eol, "From: sender\@example.org",
	        "To: alice\@example.org", "Date: Mon, 1 Jan 2024 00:00:00 +0000",
	        "Message-ID: <$id\@example.org>", "Subject: edge", "", "");
	    while (length($m) + 100 + length($eol) <= $at) {
	        $m .= ("y" x 100) . $eol;
	    }
	    $m .= "z" x ($at - length($m));
	    print $m, $sep, $tail;' "$@"
}
for k in 1 2; do
	at=$((k * 262144 - 1))
	reset_out
	mk crlf$k $at '\r\n' '\r\n' 'after\r\n' >"$T/in"
	tr -d '\r' <"$T/in" >"$T/want"
	check "the CR falls on the ${k}th read's last byte" \
	    test "$(od -An -c -j $at -N 2 "$T/in" | tr -d ' ')" = '\r\n'
	send -i alice@example.org <"$T/in"
	opened alice "$T/out/1.msg" >"$T/dec"
	check_same "a CRLF split at the ${k}th read's end arrives as LF" "$T/dec" "$T/want"
	reset_out
	mk dot$k $at '\n' '\n.\n' 'not part of it\n' >"$T/in"
	mk dot$k $at '\n' '\n' '' >"$T/want"
	send alice@example.org <"$T/in"
	opened alice "$T/out/1.msg" >"$T/dec"
	check_same "a lone dot line just past the ${k}th read's end ends the message" "$T/dec" "$T/want"
done
