#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzing the Generic Netlink family: selftests/tools/nlfuzz.py sends
# 100,000 malformed, random and (a share of them) well-formed requests to
# "gnvsec" from two processes in a namespace of its own, with a listener on
# the events group. The tool prints its seed first (NLFUZZ_SEED=S replays
# the same messages) and the answers by errno at the end; it fails when a
# request that asked for an ACK got none or got two. Afterwards: no splat
# in the kernel log, the fuzzed namespace still dumps and goes away, a
# fresh tunnel pair carries a ping, and the module unloads.
#
# Knobs: NLFUZZ_SEED, NLFUZZ_COUNT (100000), NLFUZZ_JOBS (2),
# NLFUZZ_SECONDS (the time the fuzzer may take; 160, 1500 on the debug
# kernel).
. "$(dirname "$0")/lib.sh"

count=${NLFUZZ_COUNT:-100000}
# The debug kernel (GNVSEC_DEBUG=1, make check-debug) answers about ten
# times slower; its run still has to send every message.
seconds=${NLFUZZ_SECONDS:-$((${GNVSEC_DEBUG:-0} == 1 ? 1500 : 160))}
splats='Oops|WARNING:|BUG:|general protection|Call Trace|KASAN|UBSAN|refcount_t:|list_(add|del) corruption'

load_module
mark="gnvsec-selftest 70-netlink-fuzz $$"
echo "$mark" >/dev/kmsg

dummy_ns

start=$SECONDS
rc=0
$ip netns exec "$C" python3 "$GNVSEC_SRC/selftests/tools/nlfuzz.py" \
	--count "$count" --jobs "${NLFUZZ_JOBS:-2}" \
	--max-seconds "$seconds" \
	${NLFUZZ_SEED:+--seed "$NLFUZZ_SEED"} >"$TMP/fuzz.log" 2>&1 || rc=$?
cat "$TMP/fuzz.log"
log "fuzzing took $((SECONDS - start)) s"
check_eq "nlfuzz exit status" 0 "$rc"
sent=$(sed -n 's/^nlfuzz: sent \([0-9]*\) messages.*/\1/p' "$TMP/fuzz.log")
check_ge "messages sent" "$count" "${sent:-0}"
check_contains "nlfuzz finished" "done" "$(tail -n 1 "$TMP/fuzz.log")"
# The fuzzer got at least the answers a well-formed request earns, so the
# kernel did work on real state, not only reject garbage.
answers=$(grep '^nlfuzz: answers by errno' "$TMP/fuzz.log")
check_contains "successful requests among the answers" " OK=" "$answers"
check_contains "refused requests among the answers" " EINVAL=" "$answers"
check_contains "tunnels were created" "TUNNEL_NEW=" "$(grep '^nlfuzz: events heard' "$TMP/fuzz.log")"

# Whatever the fuzzer left behind still dumps, with gnvsecctl too.
ctl "$C" -j tunnels show >"$TMP/left.json"
left=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/left.json")
log "tunnels left in the fuzzed namespace: $left"
ctl "$C" global show >/dev/null
$ip netns del "$C"

# No splat since the fuzzing started.
dmesg | sed -n "/$mark/,\$p" >"$TMP/dmesg"
if grep -Eq "$splats" "$TMP/dmesg"; then
	grep -E -A 20 "$splats" "$TMP/dmesg" | head -n 60
	fail "the kernel log has a splat since the fuzzing started"
fi
log "ok: kernel log clean ($(wc -l <"$TMP/dmesg") lines since the start)"

# A fresh tunnel pair still works.
setup_chassis
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 4242 ipsec off
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 4242 ipsec off
join_overlay gs0 gs0
n "$A" ping -c 1 -W 10 $B_OV >/dev/null || true	# the underlay's ARP, under emulation
check_eq "pings over a fresh tunnel pair" 5 "$(ping_count "$A" $B_OV 5)"

# And the module unloads (namespace teardown is asynchronous: retry).
$ip netns del "$A"
$ip netns del "$B"
unload_clean "$mark" "$splats"
