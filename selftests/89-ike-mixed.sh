#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The two backends negotiate with each other, as chassis of one deployment
# may run either daemon: hv-a runs strongSwan and hv-b Libreswan, then the
# other way round (hv-a initiates both times: its name sorts lower). In
# each round, with certificates from one CA and nothing but the
# reconcilers and tunnel commands:
#   - both tunnels become ACTIVE; 20 pings each way; on each receiving
#     wire exactly the 40 ESP frames of those pings from the other chassis
#     and no clear Geneve;
#   - each chassis' kernel holds one CHILD_SA, whose SPIs are those its
#     own daemon reports;
#   - encapsulation forced on both sides: new SAs, ESP-in-UDP only on the
#     receiving wire, no raw ESP, no clear Geneve.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

IKE_BACKEND_OF=([A]=strongswan [B]=libreswan)
ike_chassis
trap 'rc=$?; ((rc == 0)) || sync_dump A B; cleanup' EXIT

name_of() { if lsw "$1"; then echo Libreswan; else echo strongSwan; fi; }

# wire_check WHAT CAPTURE FROM N FILTER: exactly N frames matching FILTER
# from address FROM, no clear Geneve at all.
wire_check() {
	check_eq "$1" "$4" "$(capture_count "$2" "src host $3 and $5")"
	check_eq "$1: clear Geneve" 0 "$(capture_count "$2" "udp port 6081")"
}

mixed_round() {
	local what s_a s_b
	what="$(name_of A) initiates to $(name_of B)"
	log "== $what"
	charon_conf A hv-a
	charon_conf B hv-b
	charon_start A "$A"
	charon_start B "$B"
	sync_start A "$A" hv-a
	sync_start B "$B" hv-b
	ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 89 ipsec required chassis hv-b
	ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 89 ipsec required chassis hv-a
	join_overlay gs0 gs0
	wait_active "$A" gs0
	wait_active "$B" gs0
	capture_start "$B" ul wire_b
	capture_start "$A" ul wire_a
	check_eq "$what: pings hv-a -> hv-b" 20 "$(ping_count "$A" $B_OV 20)"
	check_eq "$what: pings hv-b -> hv-a" 20 "$(ping_count "$B" $A_OV 20)"
	capture_stop wire_b
	capture_stop wire_a
	wire_check "$what: ESP from hv-a on hv-b's wire" wire_b $A_UL4 40 "ip proto 50"
	wire_check "$what: ESP from hv-b on hv-a's wire" wire_a $B_UL4 40 "ip proto 50"
	check_eq "$what: hv-a's kernel SAs" 2 "$(kernel_sas "$A")"
	check_eq "$what: hv-b's kernel SAs" 2 "$(kernel_sas "$B")"
	check_spis "$what: hv-a's SAs are its $(name_of A)'s" A "$A" gs0
	check_spis "$what: hv-b's SAs are its $(name_of B)'s" B "$B" gs0
	s_a=$(tunnel_spis "$A" gs0 | xargs)
	s_b=$(tunnel_spis "$B" gs0 | xargs)
	check_eq "$what: both sides hold the same CHILD_SA" "$s_a" "$s_b"

	log "== $what, encapsulation forced"
	ctl "$A" tunnel set gs0 encap force
	ctl "$B" tunnel set gs0 encap force
	wait_active "$A" gs0
	wait_active "$B" gs0
	[[ $(tunnel_spis "$A" gs0 | xargs) != "$s_a" ]] ||
		fail "$what: hv-a kept the plain SAs: $s_a"
	capture_start "$B" ul wire_b
	capture_start "$A" ul wire_a
	check_eq "$what, encap: pings hv-a -> hv-b" 20 "$(ping_count "$A" $B_OV 20)"
	capture_stop wire_b
	capture_stop wire_a
	# ESP-in-UDP: the SPI where IKE on 4500 has its zero marker; NAT-T
	# keepalives are one byte.
	wire_check "$what, encap: ESP-in-UDP from hv-a on hv-b's wire" wire_b $A_UL4 20 \
		"udp src port 4500 and udp[8:4] != 0 and greater 100"
	wire_check "$what, encap: ESP-in-UDP from hv-b on hv-a's wire" wire_a $B_UL4 20 \
		"udp src port 4500 and udp[8:4] != 0 and greater 100"
	check_eq "$what, encap: raw ESP on hv-b's wire" 0 "$(capture_count wire_b "ip proto 50")"
	check_eq "$what, encap: raw ESP on hv-a's wire" 0 "$(capture_count wire_a "ip proto 50")"
	check_spis "$what, encap: hv-a's SAs are its $(name_of A)'s" A "$A" gs0
	check_spis "$what, encap: hv-b's SAs are its $(name_of B)'s" B "$B" gs0

	kill "$(sync_pid A)" "$(sync_pid B)"
	wait "$(sync_pid A)" "$(sync_pid B)" 2>/dev/null || true
	ctl "$A" tunnel del gs0
	ctl "$B" tunnel del gs0
	charon_stop A
	charon_stop B
	sync_dump A B
	rm -f "$(ike_dir A)/sync.log" "$(ike_dir B)/sync.log"
}

mixed_round
IKE_BACKEND_OF=([A]=libreswan [B]=strongswan)
mixed_round
