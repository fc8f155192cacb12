#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Churn under load. Two tunnel pairs with IPsec required carry pings all
# along, one over the IPv4 underlay (g4) and one over the IPv6 underlay
# (g6). For GNVSEC_CHURN_SECONDS (45; 300 on the debug kernel), chassis A loops over:
#   - tunnels added, changed (VNI, MTU, mark, ipsec, encap), bound and
#     unbound, and deleted, over both underlays;
#   - the global IPsec and encapsulation switches flipped;
#   - g4's and g6's own SAs deleted and added again, all states flushed,
#     all policies flushed, their bindings changed, their encapsulation
#     forced and back, none of which may let a frame out in clear;
#   - a namespace with live tunnels (SAs, up, an address) deleted.
# Every change must succeed (an error is a failure). A capture on B's side
# of the underlay (the receiving side) must hold not one clear Geneve frame
# over the whole run, and ESP from both pairs (the traffic really flowed
# through the churn). Then both pairs must carry traffic again once their
# SAs are back, and the module must unload with a clean kernel log.
. "$(dirname "$0")/lib.sh"

# The debug kernel (make check-debug) runs a round about ten times slower.
DURATION=${GNVSEC_CHURN_SECONDS:-$((${GNVSEC_DEBUG:-0} == 1 ? 300 : 45))}
splats='Oops|WARNING:|BUG:|general protection|Call Trace|KASAN|UBSAN|refcount_t:|list_(add|del) corruption|circular locking|unregister_netdevice: waiting'
KEY1=0x$(printf '%040x' 0x3131)
KEY2=0x$(printf '%040x' 0x3232)
KEY3=0x$(printf '%040x' 0x3333)
KEY4=0x$(printf '%040x' 0x3434)
A_OV6=192.168.78.1
B_OV6=192.168.78.2

load_module
mark="gnvsec-selftest 77-churn $$"
echo "$mark" >/dev/kmsg
setup_chassis

ctl "$A" tunnel add g4 remote $B_UL4 local $A_UL4 vni 40 ipsec required
ctl "$B" tunnel add g4 remote $A_UL4 local $B_UL4 vni 40 ipsec required
ctl "$A" tunnel add g6 remote $B_UL6 local $A_UL6 vni 60 ipsec required
ctl "$B" tunnel add g6 remote $A_UL6 local $B_UL6 vni 60 ipsec required

# sa4/sa6 NS: the pairs' SAs, seen from A or B.
sa4() {
	if [[ $1 == "$A" ]]; then
		ctl "$A" sa add g4 spi-out 0x4001 spi-in 0x4002 key-out $KEY1 key-in $KEY2
	else
		ctl "$B" sa add g4 spi-out 0x4002 spi-in 0x4001 key-out $KEY2 key-in $KEY1
	fi
}
sa6() {
	if [[ $1 == "$A" ]]; then
		ctl "$A" sa add g6 spi-out 0x6001 spi-in 0x6002 key-out $KEY3 key-in $KEY4
	else
		ctl "$B" sa add g6 spi-out 0x6002 spi-in 0x6001 key-out $KEY4 key-in $KEY3
	fi
}
sa4 "$A"
sa4 "$B"
sa6 "$A"
sa6 "$B"
join_overlay g4 g4
mac_a=$(mac_of "$A" g6)
mac_b=$(mac_of "$B" g6)
overlay "$A" g6 $A_OV6 $B_OV6 "$mac_b"
overlay "$B" g6 $B_OV6 $A_OV6 "$mac_a"
n "$A" ping -c 1 -W 10 $B_OV >/dev/null || true	# the underlay's ARP, under emulation
n "$A" ping -c 1 -W 10 $B_OV6 >/dev/null || true
check_eq "g4 (IPv4 underlay) works first" 3 "$(ping_count "$A" $B_OV 3)"
check_eq "g6 (IPv6 underlay) works first" 3 "$(ping_count "$A" $B_OV6 3)"

capture_start "$B" ul wire
$ip netns exec "$A" ping -i 0.05 -W 1 $B_OV >/dev/null 2>&1 &
$ip netns exec "$A" ping -i 0.05 -W 1 $B_OV6 >/dev/null 2>&1 &

# Both sides' SAs and policies of both pairs back, whatever the churn left
# (both: new SAs restart their sequence numbers, which the peer's old
# inbound SA would reject as replays).
restore_all() {
	local ns
	for ns in "$A" "$B"; do
		n "$ns" ip xfrm state flush
		n "$ns" ip xfrm policy flush
		sa4 "$ns"
		sa6 "$ns"
	done
}

# tunnels added, changed, bound, unbound and deleted: errors are failures
tunnel_churn() {
	local i=$1 ul=$B_UL4 lo=$A_UL4
	if ((i % 2)); then
		ul=$B_UL6
		lo=$A_UL6
	fi
	ctl "$A" tunnel add c$i remote $ul local $lo vni $((1000 + i)) mark $(((100 + i % 100) << 16))/0xffff0000
	ctl "$A" tunnel set c$i vni $((2000 + i)) mtu $((1300 + i % 100)) ipsec required
	ctl "$A" tunnel bind c$i reqid $((i % 5 + 10))
	ctl "$A" tunnel set c$i ipsec inherit encap force
	ctl "$A" tunnel unbind c$i
	ctl "$A" tunnel set c$i encap auto ipsec off
	ctl "$A" tunnel del c$i
}

# a namespace with live tunnels (SAs, up, addressed) deleted under them
netns_churn() {
	local i=$1 ns=gsz-$$-$1
	$ip netns add "$ns"
	$ip -n "$ns" link set lo up
	$ip -n "$ns" link add d0 type dummy
	$ip -n "$ns" addr add 10.99.0.1/24 dev d0
	$ip -n "$ns" addr add fd99::1/64 dev d0 nodad
	$ip -n "$ns" link set d0 up
	ctl "$ns" tunnel add z4 remote 10.99.0.2 local 10.99.0.1 vni 7
	ctl "$ns" tunnel add z6 remote fd99::2 local fd99::1 vni 8 encap force
	ctl "$ns" sa add z4 spi-out 0x7001 spi-in 0x7002 key-out $KEY1 key-in $KEY2
	ctl "$ns" sa add z6 spi-out 0x8001 spi-in 0x8002 key-out $KEY3 key-in $KEY4
	$ip -n "$ns" addr add 192.168.99.1/24 dev z4
	$ip -n "$ns" link set z4 up
	$ip -n "$ns" link set z6 up
	n "$ns" ping -c 1 -W 1 192.168.99.2 >/dev/null 2>&1 || true
	$ip netns del "$ns"
}

# g4's and g6's own protection churned: never a clear frame
pair_churn() {
	local i=$1 g=g4 spi=0x400
	if ((i % 2)); then
		g=g6
		spi=0x600
	fi
	case $((i % 6)) in
	0 | 1)
		ctl "$A" sa del $g
		ctl "$B" sa del $g
		"sa${g#g}" "$A"
		"sa${g#g}" "$B"
		;;
	2)
		n "$A" ip xfrm state flush
		restore_all
		;;
	3)
		n "$A" ip xfrm policy flush
		restore_all
		;;
	4)
		ctl "$A" tunnel bind $g spi-out 0x9999 spi-in 0x9998
		ctl "$A" tunnel unbind $g
		ctl "$A" tunnel bind $g spi-out ${spi}1 spi-in ${spi}2
		;;
	5)
		ctl "$A" tunnel set $g encap force
		ctl "$A" tunnel set $g encap inherit
		;;
	esac
}

rounds=0
end=$((SECONDS + DURATION))
while ((SECONDS < end)); do
	tunnel_churn $rounds
	pair_churn $rounds
	gi=false ge=false
	((rounds % 2)) && gi=true
	((rounds % 3 == 1)) && ge=true
	ctl "$A" global set ipsec $gi encapsulation $ge
	((rounds % 4 == 3)) && netns_churn $rounds
	rounds=$((rounds + 1))
done
ctl "$A" global set ipsec false encapsulation false
log "churn: $rounds rounds in $DURATION s"
check_ge "churn rounds" 2 $rounds

# Both pairs carry traffic again once their SAs are back.
restore_all
sleep 1
check_ge "g4 works after the churn" 4 "$(ping_count "$A" $B_OV 5)"
check_ge "g6 works after the churn" 4 "$(ping_count "$A" $B_OV6 5)"
for p in $(jobs -p); do
	[[ $p == "$(cat "$TMP/wire.pid")" ]] || kill "$p" 2>/dev/null || true
done
capture_stop wire
check_eq "clear Geneve frames on B's wire" 0 "$(capture_count wire "udp port 6081")"
check_ge "ESP of g4 on B's wire" 20 "$(capture_count wire "ip proto 50")"
check_ge "ESP of g6 on B's wire" 20 "$(capture_count wire "ip6 proto 50")"

for g in g4 g6; do ctl "$A" tunnel del $g; ctl "$B" tunnel del $g; done
for ns in "$A" "$B"; do $ip netns del "$ns"; done
unload_clean "$mark" "$splats"
log "ok: churn"
