#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Interop with IPsec: gnvsec with "ipsec required" in chassis A; in chassis
# B the kernel's own geneve device with hand-made "ip xfrm" states and the
# policies OVS IPsec installs (transport mode, selectors on UDP and the
# Geneve port between the two addresses, no mark). Traffic both ways; the
# capture on each receiving side shows ESP only.
. "$(dirname "$0")/lib.sh"

KEY_AB=0x$(printf '%040x' 0x5151)
KEY_BA=0x$(printf '%040x' 0x5252)

setup_chassis
modprobe geneve

run_family() {
	local fam=$1 a_ul=$2 b_ul=$3 got

	log "== underlay $fam"
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 40 ipsec required
	ctl "$A" sa add gs0 spi-out 0xab01 spi-in 0xba01 key-out $KEY_AB key-in $KEY_BA

	$ip -n "$B" link add gnv0 type geneve id 40 remote "$a_ul"
	n "$B" ip xfrm state add src "$a_ul" dst "$b_ul" proto esp spi 0xab01 \
		mode transport aead 'rfc4106(gcm(aes))' $KEY_AB 128
	n "$B" ip xfrm state add src "$b_ul" dst "$a_ul" proto esp spi 0xba01 \
		mode transport aead 'rfc4106(gcm(aes))' $KEY_BA 128
	n "$B" ip xfrm policy add src "$b_ul" dst "$a_ul" proto udp dport 6081 dir out \
		tmpl src "$b_ul" dst "$a_ul" proto esp mode transport
	n "$B" ip xfrm policy add src "$a_ul" dst "$b_ul" proto udp dport 6081 dir in \
		tmpl src "$a_ul" dst "$b_ul" proto esp mode transport
	join_overlay gs0 gnv0

	check_eq "$fam: A is ACTIVE" ACTIVE "$(tfield "$A" gs0 ipsec_state)"
	capture_start "$B" ul toB
	capture_start "$A" ul toA
	got=$(ping_count "$A" $B_OV 10)
	check_eq "$fam: pings gnvsec -> geneve+xfrm" 10 "$got"
	got=$(ping_count "$B" $A_OV 10)
	check_eq "$fam: pings geneve+xfrm -> gnvsec" 10 "$got"
	capture_stop toB
	capture_stop toA
	check_eq "$fam: ESP A->B seen by B" 20 \
		"$(capture_count toB "src host $a_ul and (ip proto 50 or ip6 proto 50)")"
	check_eq "$fam: ESP B->A seen by A" 20 \
		"$(capture_count toA "src host $b_ul and (ip proto 50 or ip6 proto 50)")"
	check_eq "$fam: clear Geneve seen by B" 0 "$(capture_count toB "udp port 6081")"
	check_eq "$fam: clear Geneve seen by A" 0 "$(capture_count toA "udp port 6081")"

	got=$(tcp_transfer "$A" "$B" $B_OV)
	check_eq "$fam: TCP gnvsec -> geneve+xfrm bytes" "$TCP_BYTES" "$got"
	check_eq "$fam: no drops on A" 0 "$(drops "$A" gs0 rx_plaintext)"

	ctl "$A" sa del gs0
	ctl "$A" tunnel del gs0
	$ip -n "$B" link del gnv0
	n "$B" ip xfrm state flush
	n "$B" ip xfrm policy flush
}

run_family ipv4 $A_UL4 $B_UL4
run_family ipv6 $A_UL6 $B_UL6
