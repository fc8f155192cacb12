#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MTU. For plain Geneve, ESP and ESP-in-UDP, over IPv4 and IPv6 underlays,
# the MTU gnvsec reports is exactly the largest inner packet that passes
# with DF: MTU bytes get through, MTU + 1 are refused with "message too
# long" naming that MTU.
. "$(dirname "$0")/lib.sh"

key() { printf '0x%040x' "$1"; }

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

