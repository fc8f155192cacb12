#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interoperability with the kernel's own geneve driver: gnvsec in chassis A,
# "ip link add ... type geneve" in chassis B, traffic both ways over IPv4
# and IPv6 underlays. Captures on the receiving underlay decode the Geneve
# header (VNI, port) on both directions.
. "$(dirname "$0")/lib.sh"

setup_chassis
modprobe geneve

run_family() {
	local fam=$1 a_ul=$2 b_ul=$3
	local got

	log "== underlay $fam"
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 77 ipsec off
	$ip -n "$B" link add gnv0 type geneve id 77 remote "$a_ul"
	join_overlay gs0 gnv0

	capture_start "$B" ul toB
	capture_start "$A" ul toA
	got=$(ping_count "$A" $B_OV 10)
	capture_stop toB
	capture_stop toA
	check_eq "$fam: pings gnvsec -> geneve answered" 10 "$got"
	check_eq "$fam: Geneve A->B seen by B" 10 \
		"$(capture_count toB "udp dst port 6081 and src host $a_ul")"
	check_eq "$fam: Geneve B->A seen by A" 10 \
		"$(capture_count toA "udp dst port 6081 and src host $b_ul")"
	check_contains "$fam: gnvsec's header as B decodes it" "vni 0x4d" \
		"$(capture_text toB "udp dst port 6081" | head -n 10)"
	check_contains "$fam: geneve's header as A decodes it" "vni 0x4d" \
		"$(capture_text toA "udp dst port 6081" | head -n 10)"

	got=$(ping_count "$B" $A_OV 10)
	check_eq "$fam: pings geneve -> gnvsec answered" 10 "$got"

	got=$(tcp_transfer "$A" "$B" $B_OV)
	check_eq "$fam: TCP gnvsec -> geneve bytes" "$TCP_BYTES" "$got"
	got=$(tcp_transfer "$B" "$A" $A_OV)
	check_eq "$fam: TCP geneve -> gnvsec bytes" "$TCP_BYTES" "$got"

	ctl "$A" tunnel del gs0
	$ip -n "$B" link del gnv0
}

run_family ipv4 $A_UL4 $B_UL4
run_family ipv6 $A_UL6 $B_UL6
