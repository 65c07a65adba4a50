#!/bin/sh
# expiry-warning: how soon before a key stops working it is named, by
# --key-report, by -bv and in the log line of a message encrypted to it.
. "$(dirname "$0")/lib.sh"
# The log lines come from a syslog of the test's own, in the private
# namespaces the Postfix tests run in (t/postfix.sh): root only.
if [ "$(id -u)" -eq 0 ]; then
	. "$(dirname "$0")/postfix.sh"
fi
plan 20

mkkey alice alice@example.org
mkkey carol carol@example.org soon
mkconf
printf 'Subject: soon\n\nbody\n' >"$T/in"
setwarn() {	# setwarn VALUE: the config's expiry-warning line, or none
	sed -i '/^expiry-warning /d' "$T/conf"
	[ -z "$1" ] || echo "expiry-warning $1" >>"$T/conf"
}

send -bv carol@example.org </dev/null
check "-bv: by default a key that expires in 10 days gets a warning" \
    grep -Eq "warning: key $(fpr_of carol) expires .*, in (9|10) days" "$T/stdout"
setwarn 5d
send -bv carol@example.org </dev/null
is "$rc" 0 "-bv: expiry-warning 5d is a valid key"
check "-bv: with expiry-warning 5d it gets none" not grep -q 'warning:' "$T/stdout"
setwarn 15d
send -bv carol@example.org </dev/null
check "-bv: with expiry-warning 15d it gets one" grep -q "warning: key $(fpr_of carol)" "$T/stdout"
setwarn 264h
send -bv carol@example.org </dev/null
check "-bv: a window in hours (264h, 11 days) is read as hours" grep -q "warning: key $(fpr_of carol)" "$T/stdout"

setwarn 5d
send --key-report </dev/null
is "$rc" 0 "--key-report: with expiry-warning 5d nothing needs attention (exit 0)"
check "and it says which window it used" grep -q 'within 5d (expiry-warning in' "$T/stdout"
setwarn 15d
send --key-report </dev/null
is "$rc" 1 "--key-report: with expiry-warning 15d the key needs attention (exit 1)"
setwarn
send --key-report </dev/null
is "$rc" 1 "--key-report: by default (30d) too"

for bad in 0 400d soon -1d 5w; do
	setwarn "$bad"
	send -bv alice@example.org </dev/null
	is "$rc" 78 "expiry-warning $bad is refused (78)"
done
check "naming the line and what it wants" \
    errline "^pgpsendmail: $T/conf:[0-9]+: expiry-warning wants a time such as 30d"
setwarn

# The log line of a send, from the test's own syslog.
if [ -z "$PF_NS" ]; then
	[ "$CI" = true ] && { ok 1 "CI runs this as root"; exit; }
	for c in 1 2 3 4 5; do skip "the log line names a key that expires soon" "needs root"; done
	exit 0
fi
pf_syslog >>"$T/pf.log" 2>&1 || { ok 1 "the test's own rsyslogd starts"; exit 1; }
LOG=$PF_LOG
logline() {	# logline SENDER: pgpsendmail's line for SENDER, waiting up to 10 s
	_i=0
	while [ $_i -lt 100 ]; do
		tail -c +"$((mark + 1))" "$LOG" 2>/dev/null |
		    grep -a "pgpsendmail\\[.*from=<$1>" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
mark=$(wc -c 2>/dev/null <"$LOG" || echo 0)
s=t0705-$$
send -f "$s-1@example.org" carol@example.org alice@example.org <"$T/in"
is "$rc" 0 "a send to a key that expires in 10 days goes"
logline "$s-1@example.org" >"$T/log1"
check "its log line names that key and the day it expires" \
    grep -Eq "keys=[0-9A-F,]+ key-expires=$(fpr_of carol):[0-9]{4}-[0-9]{2}-[0-9]{2} status=sent" "$T/log1"
check "and not the key that never expires" not grep -q "key-expires=.*$(fpr_of alice)" "$T/log1"
send -f "$s-2@example.org" alice@example.org <"$T/in"
logline "$s-2@example.org" >"$T/log2"
check "a send to keys that do not expire soon: no key-expires" \
    sh -c "grep -q 'status=sent' '$T/log2' && ! grep -q key-expires '$T/log2'"
setwarn 5d
send -f "$s-3@example.org" carol@example.org <"$T/in"
logline "$s-3@example.org" >"$T/log3"
check "with expiry-warning 5d the key is not named" \
    sh -c "grep -q 'status=sent' '$T/log3' && ! grep -q key-expires '$T/log3'"
