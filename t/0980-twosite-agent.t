#!/bin/sh
# With gpg-agent impossible to start at site b.example (its agent
# stopped, the program replaced by /bin/false in the test's private
# mount namespace), mail from a.example to b's users waits in b's queue
# (the border defers it: 4xx, nothing delivered, nothing in clear), and
# so does mail b's users send to a (b cannot sign); once the agent can
# start again and postqueue -f runs, each message arrives exactly once,
# decrypted and verified.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postfix.sh"
. "$(dirname "$0")/gwpostfix.sh"
. "$(dirname "$0")/twosite.sh"
ts_setup
bob=$(ts_addr bob)
alice=$(ts_addr alice)
AGENT=$(gpgconf --list-components 2>/dev/null | awk -F: '$1 == "gpg-agent" { print $3 }')
[ -x "$AGENT" ] || AGENT=/usr/bin/gpg-agent

# msg FROM TO TOKEN: a message, sent to FROM's site
msg() {
	printf 'From: <%s>\nTo: <%s>\nSubject: agent %s\nMessage-ID: <%s@test>\n\nsecret %s\n' \
	    "$1" "$2" "$3" "$3" "$3" | ts_smtp "$(ts_site_of "${1#pgpsm-}")" "$1" "$2"
}
# copies NAME TOKEN: how many of NAME's messages hold TOKEN's secret, in
# clear (decrypted, as the border delivers them)
copies() { grep -l "^secret $2\$" "$(ts_maildir "$1")"/new/* 2>/dev/null | wc -l; }
# verified NAME TOKEN: that copy has its real Subject and the peer's
# signature noted
verified() {
	_f=$(grep -l "^secret $2\$" "$(ts_maildir "$1")"/new/* 2>/dev/null | head -n 1)
	[ -n "$_f" ] && [ "$(hdr Subject "$_f")" = "agent $2" ] &&
	    hdr Pgpsendmail-Border "$_f" | grep -q 'signed by peer'
}

# Both sites' agents running: one message each way first
t0=$(pf_token)
t1=$(pf_token)
msg "$alice" "$bob" "$t0" && msg "$bob" "$alice" "$t1"
ok $? "a first message each way is accepted"
ts_wait_queues
ok $? "both queues drain"
is "$(copies bob "$t0") $(copies alice "$t1")" "1 1" "each arrives"

# b's agent gone, and none can start
timeout 30 runuser -u "$GWUSER" -- gpgconf --homedir "$T/b/lib/transport" --kill gpg-agent \
    >>"$T/pf.log" 2>&1
mount --bind /bin/false "$AGENT" || pf_die "cannot replace $AGENT"
check "gpg-agent cannot start (the test's namespace has /bin/false in its place)" \
    not "$AGENT" --version
mark=$(pf_logmark)
toks=
for i in 1 2 3; do
	t=$(pf_token)
	toks="$toks $t"
	msg "$alice" "$bob" "$t" || echo "$t" >>"$T/notsent"
done
tb=$(pf_token)
msg "$bob" "$alice" "$tb" || echo "$tb" >>"$T/notsent"
is "$(cat "$T/notsent" 2>/dev/null)" "" "3 messages from a to b and 1 from b to a are accepted while b has no agent"
# b's filter answers: 4 deferrals (3 decryptions, 1 encryption)
i=0
while [ "$(pf_lognew "$mark" | grep -a 'pgpgw/lmtp.*relay=mx.b.example' | grep -c 'status=deferred')" -lt 4 ] &&
    [ $i -lt $((PF_WAIT * 5)) ]; do
	sleep 0.2
	i=$((i + 1))
done
sleep 1
is "$(pf_lognew "$mark" | grep -a 'pgpgw/lmtp.*relay=mx.b.example' | grep -c 'status=deferred')" 4 \
    "site b's filter defers the 4 messages (4xx)"
check "site b's filter bounces nothing meanwhile" \
    not sh -c "pf_lognew() { tail -c +$((mark + 1)) '$PF_LOG'; }; pf_lognew | grep -a 'postfix-b/' | grep -q 'status=bounced'"
ts_queue_empty a
ok $? "site a's queue is empty: its 3 messages crossed"
is "$(ts_queued b)" 4 "the 4 messages wait in site b's queue"
n3=0
for t in $toks; do n3=$((n3 + $(copies bob "$t"))); done
is "$n3" 0 "bob has none of the 3 yet"
is "$(copies alice "$tb")" 0 "alice does not have bob's yet"
where=
for t in $toks $tb; do
	for d in "$(ts_maildir bob)" "$(ts_maildir alice)" "$T/hop"; do
		grep -rqF "secret $t" "$d" && where="$where $d"
	done
done
is "${where:-nowhere}" nowhere "no secret of theirs is in clear in a Maildir or on the way"

# The agent can start again
umount "$AGENT" || pf_die "cannot put $AGENT back"
# (gpg processes that start the agent at the same moment may fail, "No
# agent running": that message is deferred once more, as Postfix would
# retry it later, postqueue -f again does so now; at most 3 times)
flushes=0
wait=$PF_WAIT
PF_WAIT=20
while [ $flushes -lt 3 ]; do
	flushes=$((flushes + 1))
	ts_pf b postqueue -f >>"$T/pf.log" 2>&1
	ts_wait_queues 2>"$T/wait.err" && break
done
PF_WAIT=$wait
[ $flushes -gt 1 ] && diag "postqueue -f $flushes times; the queue before the last:" \
    "$(cat "$T/wait.err")"
ts_queue_empty a && ts_queue_empty b
ok $? "after the agent can start and postqueue -f, both queues drain"
got=
for t in $toks; do got="$got $(copies bob "$t")"; done
is "$got" " 1 1 1" "bob has each of the 3, exactly once"
is "$(copies alice "$tb")" 1 "alice has bob's, exactly once"
bad=
for t in $toks; do verified bob "$t" || bad="$bad $t"; done
verified alice "$tb" || bad="$bad $tb"
is "${bad:-none}" none "each reads with its real Subject, the peer's signature noted"
is "$(ls "$(ts_maildir bob)"/new | wc -l) $(ls "$(ts_maildir alice)"/new | wc -l)" "4 2" \
    "and nothing else arrived (no DSN, no second copy)"
pf_done
