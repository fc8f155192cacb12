#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gnvsec to gnvsec across two chassis namespaces, without IPsec: ping and
# TCP transfers both ways over an IPv4 and an IPv6 underlay, with exact packet
# counters on both tunnel devices and on the wire.
. "$(dirname "$0")/lib.sh"

setup_chassis

run_family() {
	local fam=$1 a_ul=$2 b_ul=$3
	local tx0 rx0 got

	log "== underlay $fam"
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 4242 chassis hv-b ipsec off
	ctl "$B" tunnel add gs0 remote "$a_ul" local "$b_ul" vni 4242 chassis hv-a ipsec off
	join_overlay gs0 gs0

	check_eq "A gs0 state" PLAINTEXT "$(tfield "$A" gs0 ipsec_state)"
	check_eq "A gs0 remote" "$b_ul" "$(tfield "$A" gs0 remote)"

	tx0=$(stat "$A" gs0 tx_packets)
	rx0=$(stat "$B" gs0 rx_packets)
	capture_start "$B" ul wire
	got=$(ping_count "$A" $B_OV 20)
	capture_stop wire
	check_eq "$fam: pings answered" 20 "$got"
	check_eq "$fam: A gs0 tx_packets delta" 20 $(($(stat "$A" gs0 tx_packets) - tx0))
	check_eq "$fam: B gs0 rx_packets delta" 20 $(($(stat "$B" gs0 rx_packets) - rx0))
	check_eq "$fam: B gs0 tx_packets delta" 20 $(($(stat "$B" gs0 tx_packets) - 0))
	check_eq "$fam: Geneve frames A->B on B's wire" 20 \
		"$(capture_count wire "udp dst port 6081 and src host $a_ul")"
	check_contains "$fam: Geneve VNI decoded" "vni 0x1092" \
		"$(capture_text wire "udp dst port 6081" | head -n 20)"

	got=$(tcp_transfer "$A" "$B" $B_OV)
	check_eq "$fam: TCP A->B bytes" "$TCP_BYTES" "$got"
	got=$(tcp_transfer "$A" "$B" $B_OV -R)
	check_eq "$fam: TCP B->A bytes" "$TCP_BYTES" "$got"

	check_eq "$fam: no drops on A" 0 "$(drops "$A" gs0 tx_error)"
	ctl "$A" tunnel del gs0
	ctl "$B" tunnel del gs0
	must_fail "$fam: deleted tunnel is gone" $ip -n "$A" link show gs0
}

run_family ipv4 $A_UL4 $B_UL4
run_family ipv6 $A_UL6 $B_UL6
