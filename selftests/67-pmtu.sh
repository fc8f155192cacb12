#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU through an encrypted tunnel: a router hop with a 1300-byte MTU
# that only ICMP can reveal. The outer packets carry DF, the router's ICMP
# errors teach A the path MTU, gnvsec's per-packet check against the ESP
# bundle passes it on to the inner sender, and a TCP transfer
# completes instead of black-holing. IPv4 and IPv6 underlays.
. "$(dirname "$0")/lib.sh"

key() { printf '0x%040x' "$1"; }

setup_chassis routed
# A smaller MTU deeper in the path: only ICMP from the router can tell.
# Only the router's egress towards B is narrow: A cannot see it locally.
$ip -n "$R" link set ulb mtu 1300
for fam in ipv4 ipv6; do
	if [[ $fam == ipv4 ]]; then a_ul=$A_UL4 b_ul=$B_UL4; else a_ul=$A_UL6 b_ul=$B_UL6; fi
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 71 ipsec required
	ctl "$B" tunnel add gs0 remote "$a_ul" local "$b_ul" vni 71 ipsec required
	join_overlay gs0 gs0
	ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out "$(key 1)" key-in "$(key 2)"
	ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out "$(key 2)" key-in "$(key 1)"
	icmp0=$(n "$A" nstat -az | awk '/Icmp6?InDestUnreachs|Icmp6InPktTooBigs/ {s += $2} END {print s + 0}')
	got=$(tcp_transfer "$A" "$B" $B_OV)
	check_eq "$fam: TCP through a 1300-byte hop" "$TCP_BYTES" "$got"
	check_ge "$fam: the router's ICMP errors reached A" $((icmp0 + 1)) \
		"$(n "$A" nstat -az | awk '/Icmp6?InDestUnreachs|Icmp6InPktTooBigs/ {s += $2} END {print s + 0}')"
	ctl "$A" sa del gs0
	ctl "$B" sa del gs0
	ctl "$A" tunnel del gs0
	ctl "$B" tunnel del gs0
done
