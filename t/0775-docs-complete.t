#!/bin/sh
# The docs name everything the code accepts: every key of the config key
# table in keymap.c is in README's Configuration list and has its entry in
# pgpsendmail.conf(5); every option pgpsendmail.c accepts (its getopt
# string, the -b modes, the long options) has its place in pgpsendmail(8).
# README, MAN8 and CONF5 may name other copies (to show a missing entry
# fails).
. "$(dirname "$0")/lib.sh"

README=${README:-$ABS/README}
MAN8=${MAN8:-$ABS/man/pgpsendmail.8}
CONF5=${CONF5:-$ABS/man/pgpsendmail.conf.5}

perl -0777 -ne 'if (/confkeys\[\]\s*=\s*\{(.*?)\};/s) {
	my $t = $1; print "$_\n" for $t =~ /"([^"]+)"/g }' \
    "$ABS/keymap.c" >"$T/keys"
# One-letter options from the getopt string (the string may be split).
perl -0777 -ne 'if (/optstr\[\]\s*=\s*((?:"[^"]*"\s*)+);/) {
	my $s = join "", $1 =~ /"([^"]*)"/g; $s =~ s/^\+//; $s =~ s/://g;
	print "$_\n" for split //, $s }' "$ABS/pgpsendmail.c" | grep -vx b >"$T/opts"
# -b modes: the values bflag() compares against.
perl -0777 -ne 'if (/\nbflag\(.*?\n\}/s) { print "b$_\n" for $& =~ /strcmp\(v, "([^"]+)"\)/g }' \
    "$ABS/pgpsendmail.c" >>"$T/opts"
# Long options, alone on the command line.
sed -n 's/.*strcmp(argv\[1\], "--\([a-z-]*\)").*/-\1/p' "$ABS/pgpsendmail.c" >>"$T/opts"

nk=$(grep -c . "$T/keys")
no=$(grep -c . "$T/opts")
plan $((2 + 2 * nk + no))
check "the key table of keymap.c is found ($nk keys)" test "$nk" -ge 10
check "the options of pgpsendmail.c are found ($no)" test "$no" -ge 20

# README's Configuration section: "    key  value..." lines.
sed -n '/^Configuration$/,/^A first keymap$/p' "$README" >"$T/readme.conf"
while read -r k; do
	check "README's Configuration lists the key $k" \
	    grep -Eq "^    $k( |\$)" "$T/readme.conf"
	check "pgpsendmail.conf(5) has an entry for the key $k" \
	    grep -Eq "^\\.It Cm $k( |\$)" "$CONF5"
done <"$T/keys"

# pgpsendmail(8): an ".It Fl X" entry for each one-letter option and -b
# mode; a long option on an .It or in the SYNOPSIS (".Fl -help | -version").
while read -r o; do
	case $o in
	-*)
		check "pgpsendmail(8) names the option -$o" \
		    grep -Eq "^\\.(It )?Fl (.* )?-?$o( |\$)" "$MAN8" ;;
	*)
		check "pgpsendmail(8) has an entry for the option -$o" \
		    grep -Eq "^\\.It (.* )?Fl $o( |\$)" "$MAN8" ;;
	esac
done <"$T/opts"
