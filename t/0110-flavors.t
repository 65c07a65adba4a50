#!/bin/sh
# Which caller options go on to which real sendmail, and the modes that
# are the real sendmail's own business (mailq, newaliases, -bp, -bi, -q).
. "$(dirname "$0")/lib.sh"
plan 15

mkkey alice alice@example.org
mkconf
printf 'Subject: f\n\nbody\n' >"$T/in"
all='-F Ann -B 8BITMIME -N success,failure -R hdrs -V id42 -odb -oem'

flavor() {	# flavor NAME: the config with that flavor line
	mkconf
	echo "flavor $1" >>"$T/conf"
}
argv_for() {	# argv_for FLAVOR: backend argv of a send with every option
	flavor "$1"
	reset_out
	send $all alice@example.org <"$T/in"
	tr '\n' ' ' <"$T/out/1.argv"
}

is "$(argv_for postfix)" "-i -F Ann -B 8BITMIME -N success,failure -R hdrs -V id42 -- alice@example.org " \
    "postfix gets -F, -B, -N, -R and -V, not -od"
is "$(argv_for sendmail)" "-i -F Ann -B 8BITMIME -N success,failure -R hdrs -V id42 -odb -- alice@example.org " \
    "sendmail gets all of them"
is "$(argv_for exim)" "-i -F Ann -odb -- alice@example.org " \
    "exim never gets -N or -R (it reads them as no-delivery and queue run)"
is "$(argv_for opensmtpd)" "-i -F Ann -N success,failure -R hdrs -V id42 -- alice@example.org " \
    "opensmtpd gets the DSN options"
for f in msmtp nullmailer dma; do
	is "$(argv_for $f)" "-i -F Ann -- alice@example.org " "$f gets only -F"
done

mkconf
reset_out
send -B 9BIT -N 'x;y' -R all -V 'a b' alice@example.org <"$T/in"
is "$(tr '\n' ' ' <"$T/out/1.argv")" "-i -- alice@example.org " \
    "bad -B, -N, -R and -V values are dropped, not passed on"

flavor postfixx
reset_out
send alice@example.org <"$T/in"
is "$rc" 78 "an unknown flavor exits 78"
check "naming the line" errline "^pgpsendmail: $T/conf:7: flavor postfixx"

# The real sendmail's own modes: run it with that mode, nothing else.
mkconf
mkdir -p "$T/bin"
ln -s "$PGPSENDMAIL" "$T/bin/mailq"
ln -s "$PGPSENDMAIL" "$T/bin/newaliases"
mode() {	# mode NAME CMD...: the backend's argv for CMD
	reset_out
	shift
	timeout 30 "$@" </dev/null >/dev/null 2>"$T/err"
	tr '\n' ' ' <"$T/out/1.argv" 2>/dev/null
}
is "$(mode mailq "$T/bin/mailq")" "-bp " "called as mailq, it runs the real sendmail -bp"
is "$(mode newaliases "$T/bin/newaliases")" "-bi " "called as newaliases, the real sendmail -bi"
is "$(mode bp "$PGPSENDMAIL" -bp)" "-bp " "-bp lists the real sendmail's queue"
is "$(mode I "$PGPSENDMAIL" -I)" "-bi " "-I rebuilds the aliases, as -bi"
is "$(mode q "$PGPSENDMAIL" -q30m)" "-q30m " "-q30m runs the real sendmail's queue"
