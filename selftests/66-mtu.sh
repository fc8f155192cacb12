#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MTU. For plain Geneve, ESP and ESP-in-UDP, over IPv4 and IPv6 underlays,
# the MTU gnvsec reports is exactly the largest inner packet that passes
# with DF: MTU bytes get through, MTU + 1 are refused with "message too
# long" naming that MTU. A workload behind chassis A (namespace $C, its
# traffic forwarded into the tunnel) gets ICMP "fragmentation needed" for
# IPv4 and ICMPv6 "packet too big" for IPv6 naming the MTU, counted on
# both sides.
. "$(dirname "$0")/lib.sh"

key() { printf '0x%040x' "$1"; }

W4=192.168.78.2		# the workload, behind A
W6=fd78::2
A_OV6=fd79::1
B_OV6=fd79::2

icmp_count() {		# NS COUNTER: one nstat counter, absolute
	n "$1" nstat -az "$2" | awk -v c="$2" '$1 == c {print $2}'
}

# A fresh workload namespace per sweep (no path MTU learnt from an earlier
# one), routed through A into the tunnel; inner IPv6 on the tunnels too.
workload_up() {
	$ip netns add "$C"
	$ip -n "$C" link add wl type veth peer name wa netns "$A"
	$ip -n "$C" addr add $W4/24 dev wl
	$ip -n "$C" addr add $W6/64 dev wl nodad
	$ip -n "$A" addr add 192.168.78.1/24 dev wa
	$ip -n "$A" addr add fd78::1/64 dev wa nodad
	$ip -n "$C" link set wl up
	$ip -n "$C" link set lo up
	$ip -n "$A" link set wa up
	$ip -n "$C" route add default via 192.168.78.1
	$ip -n "$C" -6 route add default via fd78::1
	n "$A" sysctl -qw net.ipv4.ip_forward=1
	n "$A" sysctl -qw net.ipv6.conf.all.forwarding=1
	n "$A" sysctl -qw net.ipv6.conf.gs0.disable_ipv6=0
	n "$B" sysctl -qw net.ipv6.conf.gs0.disable_ipv6=0
	$ip -n "$A" addr add $A_OV6/64 dev gs0 nodad
	$ip -n "$B" addr add $B_OV6/64 dev gs0 nodad
	$ip -n "$A" neigh replace $B_OV6 lladdr "$(mac_of "$B" gs0)" dev gs0 nud permanent
	$ip -n "$B" neigh replace $A_OV6 lladdr "$(mac_of "$A" gs0)" dev gs0 nud permanent
	$ip -n "$B" route add 192.168.78.0/24 via $A_OV dev gs0
	$ip -n "$B" -6 route add fd78::/64 via $A_OV6 dev gs0
}

# too_big WHAT MTU PING_FAMILY HEADERS DST SENT_COUNTER RECEIVED_COUNTER TEXT:
# from the workload, MTU bytes pass; one byte more comes back as an ICMP
# error from A whose text names the MTU, counted where it is sent and where
# it arrives.
too_big() {
	local what=$1 mtu=$2 fam=$3 hdrs=$4 dst=$5 sent=$6 rcvd=$7 text=$8
	local out a0 w0

	check_eq "$what: forwarded $mtu-byte packet with DF passes" 1 \
		"$(n "$C" ping "$fam" -M do -c 1 -W 2 -s $((mtu - hdrs)) "$dst" 2>&1 |
		   grep -c ' 0% packet loss' || true)"
	a0=$(icmp_count "$A" "$sent")
	w0=$(icmp_count "$C" "$rcvd")
	out=$(n "$C" ping "$fam" -M do -c 1 -W 2 -s $((mtu - hdrs + 1)) "$dst" 2>&1 || true)
	check_contains "$what: one byte more comes back" "$text" "$out"
	check_eq "$what: $sent at A" $((a0 + 1)) "$(icmp_count "$A" "$sent")"
	check_eq "$what: $rcvd at the workload" $((w0 + 1)) "$(icmp_count "$C" "$rcvd")"
}

forwarded() {
	local what=$1 mtu=$2

	too_big "$what: inner IPv4" "$mtu" -4 28 $B_OV IcmpOutDestUnreachs \
		IcmpInDestUnreachs "Frag needed and DF set (mtu = $mtu)"
	too_big "$what: inner IPv6" "$mtu" -6 48 $B_OV6 Icmp6OutPktTooBigs \
		Icmp6InPktTooBigs "Packet too big: mtu=$mtu"
}

setup_chassis routed

# sweep FAMILY A_UL B_UL IPSEC ENCAP EXPECTED_MTU
sweep() {
	local fam=$1 a_ul=$2 b_ul=$3 ipsec=$4 encap=$5 expect=$6 mtu out

	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 70 ipsec "$ipsec" encap "$encap"
	ctl "$B" tunnel add gs0 remote "$a_ul" local "$b_ul" vni 70 ipsec "$ipsec" encap "$encap"
	join_overlay gs0 gs0
	if [[ $ipsec == required ]]; then
		ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out "$(key 1)" key-in "$(key 2)"
		ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out "$(key 2)" key-in "$(key 1)"
	fi
	mtu=$(tfield "$A" gs0 mtu)
	check_eq "$fam/$ipsec/$encap: reported MTU" "$expect" "$mtu"
	check_eq "$fam/$ipsec/$encap: device MTU" "$mtu" \
		"$($ip -n "$A" -j link show gs0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["mtu"])')"
	check_eq "$fam/$ipsec/$encap: $mtu-byte packet with DF passes" 1 \
		"$(n "$A" ping -M do -c 1 -W 2 -s $((mtu - 28)) $B_OV 2>&1 | grep -c ' 0% packet loss' || true)"
	out=$(n "$A" ping -M do -c 1 -W 2 -s $((mtu - 27)) $B_OV 2>&1 || true)
	check_contains "$fam/$ipsec/$encap: one byte more is refused" "mtu=$mtu" "$out"
	workload_up
	forwarded "$fam/$ipsec/$encap" "$mtu"
	$ip netns del "$C"
	ctl "$A" sa del gs0 2>/dev/null || true
	ctl "$B" sa del gs0 2>/dev/null || true
	ctl "$A" tunnel del gs0
	ctl "$B" tunnel del gs0
}

# Underlay 1500: IPv4 outer headers 50 bytes, IPv6 70; ESP as computed by
# xfrm_state_mtu() for AES-GCM; NAT-T 8 more.
sweep ipv4 $A_UL4 $B_UL4 off auto 1450
sweep ipv4 $A_UL4 $B_UL4 required auto 1416
sweep ipv4 $A_UL4 $B_UL4 required force 1408
sweep ipv6 $A_UL6 $B_UL6 off auto 1430
sweep ipv6 $A_UL6 $B_UL6 required auto 1396
sweep ipv6 $A_UL6 $B_UL6 required force 1388

