#!/bin/sh
# gpg writes the ciphertext into a pipe, which pgpsendmail moves into the
# queue file after the envelope and the PGP/MIME header it wrote.  What
# arrives is checked: output that does not end as armor does is a failure,
# and a gpg that tries to write at the start of the file cannot: its output
# cannot seek, and the envelope is untouched.  And what the real sendmail
# says reaches the caller.
. "$(dirname "$0")/lib.sh"
plan 20

mkkey alice alice@example.org
mkconf
printf 'From: sender@example.org\nTo: alice@example.org\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <out@example.org>\nSubject: o\n\nbody\n' >"$T/in"

reset_out
send alice@example.org <"$T/in"
is "$rc" 0 "a message is sent"
opened alice "$T/out/1.msg" >"$T/dec"
check_same "and alice opens it" "$T/dec" "$T/in"
is "$(tail -n 3 "$T/out/1.msg" | sed 's/^--pgpsendmail-[0-9a-f]*--$/BOUNDARY/' | tr '\n' ' ')" \
    "-----END PGP MESSAGE-----  BOUNDARY " "the ciphertext is followed by the closing MIME boundary"

# gpg says it finished and exits 0, but only part of its output arrived.
cat >"$T/gpg-short" <<'EOF_'
#!/bin/sh
case " $* " in
*" --encrypt "*)
	/usr/bin/gpg "$@" | head -c 300
	exit 0 ;;
esac
exec /usr/bin/gpg "$@"
EOF_
chmod 755 "$T/gpg-short"
CONF_GPG=$T/gpg-short
mkconf
reset_out
send alice@example.org <"$T/in"
is "$rc" 69 "ciphertext cut short, gpg exiting 0: 69"
check "saying so" errline "^pgpsendmail: gpg's ciphertext does not end as armor does\$"
is "$(calls)" 0 "nothing is sent"
is "$(find "$T/spool" -type f | wc -l)" 0 "nothing is left in the spool"

# A gpg that first tries to write over the start of its output: it cannot
# seek (its output is a pipe), the envelope and our header survive, the
# bytes go where the ciphertext goes (so before it), and with the backend
# failing the entry is queued intact.
cat >"$T/gpg-seek" <<'EOF_'
#!/bin/sh
case " $* " in
*" --encrypt "*)
	perl -e 'open(my $f, ">", $ARGV[0]) or die;
	    print $f (seek(STDOUT, 0, 0) ? "seek ok\n" : "seek: $!\n");
	    syswrite(STDOUT, "OVERWRITTEN\n") or die' @T@/seeklog
	;;
esac
exec /usr/bin/gpg "$@"
EOF_
sed -i "s|@T@|$T|" "$T/gpg-seek"
chmod 755 "$T/gpg-seek"
CONF_GPG=$T/gpg-seek
mkconf
reset_out
echo 75 >"$T/out/exit"
send alice@example.org <"$T/in"
is "$rc" 0 "with the backend failing, the message is queued (0)"
is "$(cat "$T/seeklog")" "seek: Illegal seek" "gpg cannot seek its output: it is a pipe"
entry=$(queued_entries)
is "$(echo "$entry" | grep -c .)" 1 "one entry in the queue"
is "$(head -n 1 "$entry")" "pgpsendmail-spool 1" "its envelope starts as written"
check "the bytes gpg wrote 'at the start' came after our header" \
    sh -c "sed -n '/^OVERWRITTEN\$/,\$p' '$entry' | grep -q '^-----BEGIN PGP MESSAGE-----\$' && ! head -n 1 '$entry' | grep -q OVERWRITTEN"
rm -f "$T/out/exit"
unset CONF_GPG
mkconf
reset_out
timeout 60 "$PGPSENDMAIL" -q </dev/null >"$T/q.out" 2>&1
is "$(allrcpts)" "alice@example.org" "-q sends the entry, to the recipient its envelope names"
check "with no -f, as none was given: the real sendmail makes the sender" \
    not grep -qx -- -f "$T/out/1.argv"
decrypt alice "$T/out/1.msg" >"$T/dec" 2>/dev/null
is "$?" 0 "and it still decrypts"
is "$(queued_entries | wc -l)" 0 "the queue is empty afterwards"

# What the real sendmail says reaches the caller's stderr (its stdout too,
# which under -bs is the SMTP client's and not its to write to).
cat >"$T/talky" <<'EOF_'
#!/bin/sh
cat >/dev/null
echo "talky: on stdout"
echo "talky: on stderr" >&2
exit 0
EOF_
chmod 755 "$T/talky"
CONF_SENDMAIL=$T/talky
mkconf
send alice@example.org <"$T/in"
is "$rc" 0 "a real sendmail that talks: 0"
check "its stderr reaches the caller" grep -qx 'talky: on stderr' "$T/err"
check "its stdout too, on stderr" grep -qx 'talky: on stdout' "$T/err"
check "and nothing on pgpsendmail's stdout" test ! -s "$T/stdout"
unset CONF_SENDMAIL
mkconf
