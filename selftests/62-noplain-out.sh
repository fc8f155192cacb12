#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# No plaintext out. Under continuous traffic from A, each way of losing
# the SAs or the policies is tried; a capture on B's side of the underlay
# (the receiving side: A's own capture would see packets before ESP) must
# hold not one clear Geneve frame, and A must count its drops by reason.
. "$(dirname "$0")/lib.sh"

KEY1=0x$(printf '%040x' 0x3131)
KEY2=0x$(printf '%040x' 0x3232)

setup_chassis

tunnels() {
	ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 20 "$@"
	ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 20 "$@"
	join_overlay gs0 gs0
}

keys() {
	ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out $KEY1 key-in $KEY2
	ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out $KEY2 key-in $KEY1
}

teardown() {
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ctl "$A" tunnel del gs0 2>/dev/null || true
	ctl "$B" tunnel del gs0 2>/dev/null || true
	n "$A" ip xfrm state flush
	n "$A" ip xfrm policy flush
	n "$B" ip xfrm state flush
	n "$B" ip xfrm policy flush
}

traffic() { # 50 pings a second from A until killed
	$ip netns exec "$A" ping -i 0.02 -W 1 $B_OV >/dev/null 2>&1 &
}

# assert_dark CASE REASON: after the event, A's tunnel sends nothing in
# clear and counts its drops under REASON.
assert_dark() {
	local what=$1 reason=$2 before

	before=$(drops "$A" gs0 "$reason")
	sleep 1.5
	capture_stop "$what"
	check_eq "$what: clear Geneve frames on B's wire" 0 \
		"$(capture_count "$what" "udp port 6081")"
	check_ge "$what: drops counted as $reason" $((before + 20)) \
		"$(drops "$A" gs0 "$reason")"
	check_eq "$what: state" "WAITING FOR SA" "$(tfield "$A" gs0 ipsec_state)"
}

# Each case starts from working ESP traffic.
encrypted_traffic() {
	local what=$1

	tunnels ipsec required
	keys
	check_eq "$what: ESP works first" 5 "$(ping_count "$A" $B_OV 5)"
	capture_start "$B" ul "$what"
	traffic
	sleep 0.5
	check_ge "$what: ESP flowing before the event" 1 \
		"$(n "$A" ip -s xfrm state | grep -c 'spi 0x00001001' || true)"
}

encrypted_traffic state-flush
n "$A" ip xfrm state flush
assert_dark state-flush tx_no_sa
teardown

encrypted_traffic policy-flush
n "$A" ip xfrm policy flush
assert_dark policy-flush tx_no_policy
teardown

# Unbinding keeps ESP (any SA the policies select will do); binding to
# SPIs that do not exist then stops the traffic, never clears it.
encrypted_traffic unbind
ctl "$A" tunnel unbind gs0
sleep 1
check_eq "unbind: still ACTIVE" ACTIVE "$(tfield "$A" gs0 ipsec_state)"
ctl "$A" tunnel bind gs0 spi-out 0x7777 spi-in 0x8888
assert_dark unbind tx_wrong_sa
teardown

# Hard expiry: a hand-made outbound SA that lives a few seconds (long
# enough for the first pings on a debug kernel too) and is never renewed;
# the check waits for the kernel to delete it.
life=$((${GNVSEC_DEBUG:-0} == 1 ? 30 : 3))
tunnels ipsec required
ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out $KEY1 key-in $KEY2
ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out $KEY2 key-in $KEY1
n "$A" ip xfrm state del src $A_UL4 dst $B_UL4 proto esp spi 0x1001
n "$A" ip xfrm state add src $A_UL4 dst $B_UL4 proto esp spi 0x1001 mode transport \
	aead 'rfc4106(gcm(aes))' $KEY1 128 limit time-hard $life
check_eq "expiry: ESP works first" 5 "$(ping_count "$A" $B_OV 5)"
capture_start "$B" ul expiry
traffic
for _ in $(seq $(((life + 10) * 5))); do
	n "$A" ip xfrm state get src $A_UL4 dst $B_UL4 proto esp spi 0x1001 >/dev/null 2>&1 || break
	sleep 0.2
done
check_eq "expiry: the SA expired" "" \
	"$(n "$A" ip xfrm state get src $A_UL4 dst $B_UL4 proto esp spi 0x1001 2>/dev/null || true)"
assert_dark expiry tx_no_sa
teardown

# The global switch flipped on a live plaintext tunnel (mode inherit):
# frames captured after the switch returned must not be clear Geneve.
tunnels
check_eq "global: plaintext first" 5 "$(ping_count "$A" $B_OV 5)"
capture_start "$B" ul global
tx0=$(stat "$A" gs0 tx_packets)
traffic
# The switch comes only once clear traffic flows (a fixed delay is not
# enough on a loaded machine).
for _ in $(seq 50); do
	(($(stat "$A" gs0 tx_packets) >= tx0 + 10)) && break
	sleep 0.1
done
ctl "$A" global set ipsec true
t0=$(date +%s.%N)
sleep 1.5
capture_stop global
check_ge "global: clear Geneve before the switch" 5 "$(capture_count global "udp port 6081")"
check_eq "global: clear Geneve after the switch" 0 "$(tcpdump -n -tt -r "$TMP/global.pcap" "udp port 6081" 2>/dev/null |
	awk -v t0="$t0" '$1 > t0' | wc -l)"
check_ge "global: drops counted as tx_no_policy" 20 "$(drops "$A" gs0 tx_no_policy)"
check_eq "global: state" "WAITING FOR SA" "$(tfield "$A" gs0 ipsec_state)"
ctl "$A" global set ipsec false
teardown

# Module unload while sending encrypted traffic.
encrypted_traffic rmmod
rmmod gnvsec
sleep 1
capture_stop rmmod
check_eq "rmmod: clear Geneve frames on B's wire" 0 "$(capture_count rmmod "udp port 6081")"
