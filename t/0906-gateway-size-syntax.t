#!/bin/sh
# MAIL's SIZE= is 1*20DIGIT (RFC 1870): anything else is a syntax error
# (501), not a message too big (552, for good); a size past the limit,
# however many digits, is 552.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gateway.sh"
plan 5

mkconf
{ echo 'LHLO x'
  for v in '' +5 ' 5' 99999999999999999999 1000; do
	echo "MAIL FROM:<s@example.net> SIZE=$v"; echo RSET; done
  echo QUIT; } |
    gw_session
sed '1,/^250 DSN/d' "$R" | grep -v '^250 2\.0\.0 Ok$' >"$T/r"
check "SIZE= empty: 501" sh -c "sed -n 1p '$T/r' | grep -q '^501 5\.5\.4 SIZE'"
check "SIZE=+5: 501" sh -c "sed -n 2p '$T/r' | grep -q '^501 5\.5\.4 SIZE'"
check "SIZE= 5 (a space): 501" sh -c "sed -n 3p '$T/r' | grep -q '^501 '"
check "SIZE of 20 digits, past the limit: 552 5.3.4" sh -c "sed -n 4p '$T/r' | grep -q '^552 5\.3\.4 '"
check "SIZE=1000: 250" sh -c "sed -n 5p '$T/r' | grep -q '^250 2\.1\.0'"
[ "$failed" -eq 0 ] || diag "replies:" "$(cat "$T/r")"
