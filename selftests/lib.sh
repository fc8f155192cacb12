#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for gnvsec's selftests. Sourced by each test, which runs
# as root inside the test VM (selftests/vm/guest-run.sh), with `set -e`:
# the first failed command or check ends the test with a failure.
#
# Topology made by setup_chassis: two chassis namespaces $A and $B joined
# by a veth pair (the underlay; "ul" on both sides), optionally through a
# third namespace $R that routes between them (setup_chassis routed).
#   underlay IPv4: $A_UL4=10.77.0.1  $B_UL4=10.77.0.2  (routed: 10.77.1.2)
#   underlay IPv6: $A_UL6=fd77::1    $B_UL6=fd77::2    (routed: fd77:1::2)
# Overlay addresses, on the tunnels: 192.168.77.1 (A) and 192.168.77.2 (B).

set -eE -o pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$GNVSEC_SRC/userspace:$PATH

ip=/usr/sbin/ip		# iproute2, never busybox's applet
SUFFIX=$$
A=gsa-$SUFFIX
B=gsb-$SUFFIX
R=gsr-$SUFFIX
C=gsc-$SUFFIX
EXTRA_NS=()		# namespaces a test makes beyond these four
A_UL4=10.77.0.1
B_UL4=10.77.0.2
A_UL6=fd77::1
B_UL6=fd77::2
A_OV=192.168.77.1
B_OV=192.168.77.2
TMP=$(mktemp -d)

log() { echo "$*"; }

fail() {
	echo "FAIL: $*"
	exit 1
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [[ "$2" != "$3" ]]; then
		fail "$1: expected '$2', got '$3'"
	fi
	log "ok: $1 = $3"
}

# check_ge WHAT MIN ACTUAL
check_ge() {
	if (($3 < $2)); then
		fail "$1: expected at least $2, got $3"
	fi
	log "ok: $1 = $3 (>= $2)"
}

# check_le WHAT MAX ACTUAL
check_le() {
	if (($3 > $2)); then
		fail "$1: expected at most $2, got $3"
	fi
	log "ok: $1 = $3 (<= $2)"
}

# check_contains WHAT NEEDLE HAYSTACK
check_contains() {
	if [[ "$3" != *"$2"* ]]; then
		printf 'FAIL: %s: "%s" not found in:\n%s\n' "$1" "$2" "$3"
		exit 1
	fi
	log "ok: $1 contains \"$2\""
}

# must_fail WHAT CMD...: the command must fail; its output is in $OUT and
# its exit status in $RC.
must_fail() {
	local what=$1
	shift
	RC=0
	OUT=$("$@" 2>&1) || RC=$?
	if ((RC == 0)); then
		fail "$what: succeeded but must fail: $*"
	fi
	log "ok: $what fails ($RC): $OUT"
}

n() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
ctl() { local ns=$1; shift; ip netns exec "$ns" timeout 60 gnvsecctl "$@"; }

cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for ns in "$A" "$B" "$R" "$C" "${EXTRA_NS[@]}"; do
		$ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND"' ERR

# Loads the module under test, or skips the test when it is missing.
load_module() {
	if ! modprobe gnvsec 2>/dev/null; then
		echo "SKIP: gnvsec.ko not available"
		exit 4
	fi
}

# setup_chassis [direct|routed]
setup_chassis() {
	local mode=${1:-direct}

	load_module
	$ip netns add "$A"
	$ip netns add "$B"
	if [[ $mode == routed ]]; then
		$ip netns add "$R"
		$ip -n "$A" link add ul type veth peer name ula netns "$R"
		$ip -n "$B" link add ul type veth peer name ulb netns "$R"
		$ip -n "$R" addr add 10.77.0.254/24 dev ula
		$ip -n "$R" addr add 10.77.1.254/24 dev ulb
		$ip -n "$R" addr add fd77::fe/64 dev ula nodad
		$ip -n "$R" addr add fd77:1::fe/64 dev ulb nodad
		$ip -n "$R" link set ula up
		$ip -n "$R" link set ulb up
		$ip -n "$R" link set lo up
		n "$R" sysctl -qw net.ipv4.ip_forward=1
		n "$R" sysctl -qw net.ipv6.conf.all.forwarding=1
		B_UL4=10.77.1.2
		B_UL6=fd77:1::2
	else
		$ip -n "$A" link add ul type veth peer name ul netns "$B"
	fi
	$ip -n "$A" addr add $A_UL4/24 dev ul
	$ip -n "$B" addr add $B_UL4/24 dev ul
	$ip -n "$A" addr add $A_UL6/64 dev ul nodad
	$ip -n "$B" addr add $B_UL6/64 dev ul nodad
	$ip -n "$A" link set ul up
	$ip -n "$B" link set ul up
	if [[ $mode == routed ]]; then
		$ip -n "$A" route add default via 10.77.0.254
		$ip -n "$B" route add default via 10.77.1.254
		$ip -n "$A" -6 route add default via fd77::fe
		$ip -n "$B" -6 route add default via fd77:1::fe
	fi
	$ip -n "$A" link set lo up
	$ip -n "$B" link set lo up
}

# xfrm_pair NS SELF PEER SPI_OUT SPI_IN ALG...: both transport-mode ESP
# states with the same algorithm and keys (the inbound one with a replay
# window, as gnvsec requires), and OVS-style policies (udp dport 6081,
# level required both ways), by iproute2 alone, so that gnvsecctl's own
# checks are not what a test sees. Fails on the first refusal.
xfrm_pair() {
	local ns=$1 self=$2 peer=$3 so=$4 si=$5
	shift 5
	n "$ns" $ip xfrm state add src "$self" dst "$peer" proto esp spi "$so" \
		mode transport "$@" || return 1
	n "$ns" $ip xfrm state add src "$peer" dst "$self" proto esp spi "$si" \
		mode transport replay-window 32 "$@" || return 1
	n "$ns" $ip xfrm policy add src "$self/32" dst "$peer/32" proto udp dport 6081 \
		dir out tmpl src "$self" dst "$peer" proto esp mode transport
	n "$ns" $ip xfrm policy add src "$peer/32" dst "$self/32" proto udp dport 6081 \
		dir in tmpl src "$peer" dst "$self" proto esp mode transport
}

# xfrm_flush: no policy and no state left in $A and $B.
xfrm_flush() {
	local ns
	for ns in "$A" "$B"; do
		n "$ns" $ip xfrm policy flush
		n "$ns" $ip xfrm state flush
	done
}

# overlay NS DEV ADDR PEER_ADDR PEER_MAC: address the tunnel device, bring
# it up, and pin the peer's MAC so that no ARP or IPv6 chatter disturbs
# exact packet counts.
overlay() {
	local ns=$1 dev=$2 addr=$3 peer=$4 peer_mac=$5

	n "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
	$ip -n "$ns" addr add "$addr/24" dev "$dev"
	$ip -n "$ns" link set "$dev" up
	$ip -n "$ns" neigh replace "$peer" lladdr "$peer_mac" dev "$dev" nud permanent
}

# mac_of NS DEV (ip netns exec mounts the namespace's own sysfs)
mac_of() { n "$1" cat "/sys/class/net/$2/address"; }

# Joins two tunnel devices: overlay addresses, pinned neighbours.
join_overlay() {
	local dev_a=$1 dev_b=$2
	local mac_a mac_b

	mac_a=$(mac_of "$A" "$dev_a")
	mac_b=$(mac_of "$B" "$dev_b")
	overlay "$A" "$dev_a" $A_OV $B_OV "$mac_b"
	overlay "$B" "$dev_b" $B_OV $A_OV "$mac_a"
}

# port_users NS: the processes holding UDP port 4500 (NAT-T), one line per
# socket.
port_users() { n "$1" ss -ulnpH 'sport = :4500' | sed -n 's/.*users:(("\([^"]*\)".*/\1/p'; }

# stat NS DEV COUNTER: one of /sys/class/net/DEV/statistics/*
stat() { n "$1" cat "/sys/class/net/$2/statistics/$3"; }

# drops NS DEV REASON: a gnvsec per-reason counter (e.g. tx_no_sa)
drops() {
	ctl "$1" -j tunnels show "$2" | python3 -c \
		'import json,sys; print(json.load(sys.stdin)[0]["drops"][sys.argv[1]])' "$3"
}

# tfield NS DEV FIELD: a top-level field of "tunnels show -j"
tfield() {
	ctl "$1" -j tunnels show "$2" | python3 -c \
		'import json,sys; v=json.load(sys.stdin)[0][sys.argv[1]]; print(v if isinstance(v,(str,int)) and not isinstance(v,bool) else json.dumps(v))' "$3"
}

# capture_start NS DEV NAME: records everything on DEV (the receiving side
# of the underlay) into $TMP/NAME.pcap until capture_stop NAME.
capture_start() {
	local ns=$1 dev=$2 name=$3

	# Not through n(): $! must be tcpdump itself, not a subshell.
	# --immediate-mode: without it libpcap hands packets over a ring block
	# at a time (up to a second late) and whatever is still in the ring
	# when tcpdump is stopped is never written.
	$ip netns exec "$ns" tcpdump -i "$dev" -n -s 256 -U --immediate-mode \
		-w "$TMP/$name.pcap" \
		>"$TMP/$name.log" 2>&1 &
	echo $! >"$TMP/$name.pid"
	# tcpdump says "listening on" once the socket is ready.
	for _ in $(seq 50); do
		grep -q "listening on" "$TMP/$name.log" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "tcpdump on $ns/$dev did not start: $(cat "$TMP/$name.log")"
}

capture_stop() {
	local name=$1

	sleep 0.3
	kill -TERM "$(cat "$TMP/$name.pid")" 2>/dev/null || true
	wait "$(cat "$TMP/$name.pid")" 2>/dev/null || true
	# A capture that lost packets cannot prove that none were sent.
	if grep -q "[1-9][0-9]* packets dropped by kernel" "$TMP/$name.log"; then
		fail "capture $name lost packets: $(cat "$TMP/$name.log")"
	fi
}

# capture_count NAME FILTER: packets of a stopped capture matching FILTER
capture_count() {
	tcpdump -n -r "$TMP/$1.pcap" "$2" 2>/dev/null | wc -l
}

capture_text() {
	tcpdump -n -vv -r "$TMP/$1.pcap" "$2" 2>/dev/null
}

# ping_count NS DST COUNT: sends COUNT pings, prints how many came back.
ping_count() {
	local out

	out=$(n "$1" ping -c "$3" -i 0.05 -W 2 -q "$2" 2>&1 || true)
	sed -n 's/.* \([0-9]*\) received.*/\1/p;s/.* \([0-9]*\) packets received.*/\1/p' <<<"$out" | head -n 1
}

# tcp_transfer CLIENT_NS SERVER_NS SERVER_ADDR [-R]: TCP_BYTES over one
# connection from the client to the server (-R: from the server to the
# client, tools/xfer.py); prints the bytes the receiver read before the
# sender's end of stream. A fixed amount, not a fixed time: the count does
# not depend on how fast the machine is (a debug kernel under TCG is ten
# times slower), and anything short of TCP_BYTES is data lost.
TCP_BYTES=262144
tcp_transfer() {
	local cns=$1 sns=$2 addr=$3 smode=sink cmode=source
	local xfer=$GNVSEC_SRC/selftests/tools/xfer.py
	[[ ${4:-} == -R ]] && smode=source cmode=sink

	$ip netns exec "$sns" timeout 120 python3 "$xfer" listen "$addr" $smode $TCP_BYTES \
		>"$TMP/xfer-server.out" 2>"$TMP/xfer-server.log" &
	local spid=$!
	for _ in $(seq 100); do
		grep -q listening "$TMP/xfer-server.log" && break
		sleep 0.1
	done
	n "$cns" timeout 120 python3 "$xfer" connect "$addr" $cmode $TCP_BYTES \
		>"$TMP/xfer-client.out" || true
	wait "$spid" || true
	cat "$TMP/xfer-server.out" "$TMP/xfer-client.out"
}

# unload_clean MARK SPLATS: rmmod gnvsec (retried while its last users let
# go) and fail on any SPLATS (an extended regex) in the kernel log since
# the line MARK the test wrote to /dev/kmsg.
unload_clean() {
	local mark=$1 splats=$2

	for _ in $(seq 20); do
		rmmod gnvsec 2>/dev/null && break
		sleep 0.5
	done
	check_eq "module unloaded" no "$([[ -d /sys/module/gnvsec ]] && echo yes || echo no)"
	dmesg | sed -n "/$mark/,\$p" >"$TMP/dmesg"
	if grep -Eq "$splats" "$TMP/dmesg"; then
		grep -E -A 20 "$splats" "$TMP/dmesg" | head -n 60
		fail "the kernel log has a splat"
	fi
	log "ok: kernel log clean after the unload"
}

# dummy_ns: namespace $C with a dummy underlay d0 (10.99.0.1/24, fd99::1/64),
# for tests that configure tunnels without sending through them.
dummy_ns() {
	$ip netns add "$C"
	$ip -n "$C" link set lo up
	$ip -n "$C" link add d0 type dummy
	$ip -n "$C" addr add 10.99.0.1/24 dev d0
	$ip -n "$C" addr add fd99::1/64 dev d0 nodad
	$ip -n "$C" link set d0 up
}
