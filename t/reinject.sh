# t/reinject.sh: sourced after t/lib.sh and t/gateway.sh by the tests of
# --gateway handing its copies back over SMTP (reinject in the config).
#
# rj_start: t/rj-sink listening in $T/rj, and the config ($T/conf) with
#	reinject pointing at it; rj_stop stops that sink
# rj_mode LINE...: the sink's directives (t/rj-sink), one a line; none: off
# rj_envs: how many transactions the sink stored
# rj_env N: transaction N's envelope lines (MAIL, RCPTs), as received
# rj_msg N: transaction N's message with LF lines, dot-stuffing undone
# rj_for ADDR: the number of the (first) transaction stored for ADDR
# rj_log: the command lines the sink received, "C<connection> <line>"
rj_start() {
	mkdir -p "$T/rj"
	/usr/bin/python3 "$ABS/t/rj-sink" "$T/rj" 300 >"$T/rj.err" 2>&1 &
	rj_pid=$!
	_i=0
	while [ ! -s "$T/rj/port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -s "$T/rj/port" ] || { diag "t/rj-sink does not start" "$(cat "$T/rj.err")"; exit 1; }
	rj_port=$(cat "$T/rj/port")
	mkconf
	echo "reinject 127.0.0.1:$rj_port" >>"$T/conf"
}
rj_stop() { [ -n "$rj_pid" ] && kill "$rj_pid" 2>/dev/null; wait "$rj_pid" 2>/dev/null; rj_pid=; }
rj_mode() { printf '%s\n' "$@" >"$T/rj/mode"; }
rj_envs() { ls "$T/rj" | grep -c '\.env$'; }
rj_env() { cat "$T/rj/$1.env"; }
rj_msg() { sed 's/\r$//; s/^\.//' "$T/rj/$1.raw"; }
rj_for() {
	grep -il "^RCPT TO:<$1>" "$T"/rj/*.env 2>/dev/null | head -n 1 |
	    sed 's|.*/||; s|\.env$||'
}
rj_log() { cat "$T/rj/log" 2>/dev/null; }
