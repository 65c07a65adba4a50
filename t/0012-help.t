#!/bin/sh
# --help and --version, for an administrator at a terminal; a wrong
# option is one line that says where the options are listed.
. "$(dirname "$0")/lib.sh"
plan 9
mkconf

send --help </dev/null
is "$rc" 0 "--help exits 0"
check "--help prints the usage on stdout" grep -q '^usage: pgpsendmail ' "$T/stdout"
check "naming every mode" sh -c "grep -q -- '-bv' '$T/stdout' && grep -q -- '-bs' '$T/stdout' && grep -q -- '-bp | -bi | -q' '$T/stdout'"
check "and nothing on stderr" test ! -s "$T/err"
send --version </dev/null
is "$rc" 0 "--version exits 0"
check "--version prints the name and a version" grep -Eqx 'pgpsendmail [0-9][0-9.]*' "$T/stdout"
send -Z alice@example.org </dev/null
is "$rc" 64 "an unknown option is a usage error (64)"
check "one line, saying which option and where they are listed" \
    sh -c "grep -qx 'pgpsendmail: unknown option -Z (pgpsendmail --help lists the options)' '$T/err' && test \$(wc -l <'$T/err') -eq 1"
send --help alice@example.org </dev/null
is "$rc" 64 "--help with anything else is an unknown option, as in sendmail"
