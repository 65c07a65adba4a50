#!/bin/sh
# The queue against what a caller or a corrupted spool might do.
. "$(dirname "$0")/lib.sh"
plan 11

mkkey alice alice@example.org
cat >"$T/backend" <<EOF
#!/bin/sh
# Note how stdin is open (its access mode), then fail: the entry stays.
awk '/^flags/ { print \$2 }' /proc/\$\$/fdinfo/0 >>"$T/modes"
printf '%s\n' "\$@" >>"$T/argvs"
cat >/dev/null
exit 75
EOF
chmod 755 "$T/backend"
CONF_SENDMAIL=$T/backend
mkconf
printf 'To: alice@example.org\nSubject: q\n\nbody\n' >"$T/in"

send alice@example.org <"$T/in"
is "$rc" 0 "a message the real sendmail refuses is queued"
mode=$(tail -n 1 "$T/modes")
is "$(( 0$mode & 3 ))" 0 "the real sendmail gets the entry read-only: it cannot rewrite it"

# A spool with things in q/ that pgpsendmail did not write.
mkdir -p "$T/spool/q/bad"
mkfifo "$T/spool/q/bad/1"
printf 'pgpsendmail-spool 1\ntime 9223372036854775807\nsender a@example.org\nrcpt b@example.org\n\nx\n' >"$T/spool/q/bad/2"
head -c 3000 /dev/urandom >"$T/spool/q/bad/3"
mkdir -p "$T/spool/q/1795975787.26461.488abcde"
printf 'not an envelope\n' >"$T/spool/q/1795975787.26461.488abcde/12"
printf 'pgpsendmail-spool 1\ntime %s\nsender a@example.org\nopt -C/tmp/evil.cf\nrcpt mallory@example.org\n\nx\n' "$(date +%s)" >"$T/spool/q/bad/4"
printf 'pgpsendmail-spool 1\ntime %s\nsender -oQ/tmp\nrcpt mallory@example.org\n\nx\n' "$(date +%s)" >"$T/spool/q/bad/5"
: >"$T/argvs"
timeout 20 "$PGPSENDMAIL" -bp </dev/null >"$T/list" 2>&1
st=$?
check "-bp finishes over a FIFO, a far-future time and garbage ($st)" test "$st" -lt 124
check "and still lists the real entry" grep -q 'alice@example.org' "$T/list"
check "and the garbage, as not an entry of ours" \
    grep -q '^bad/3 .*(not an entry of ours: left alone)$' "$T/list"
check "naming it in full, however long its id" \
    grep -q '^1795975787\.26461\.488abcde/12 .*(not an entry of ours' "$T/list"
timeout 20 "$PGPSENDMAIL" -q </dev/null >/dev/null 2>&1
st=$?
check "-q finishes over them too ($st)" test "$st" -lt 124
check "an entry with options pgpsendmail never writes is not handed on" \
    not grep -q 'evil.cf' "$T/argvs"
check "nor one whose sender looks like an option" not grep -q -- '-oQ/tmp' "$T/argvs"
check "the real entry was tried again" grep -qx alice@example.org "$T/argvs"
rw=0
while read -r m; do [ $(( 0$m & 3 )) -eq 0 ] || rw=$((rw + 1)); done <"$T/modes"
is "$rw" 0 "every hand-off, the sender's and -q's, had stdin read-only"
