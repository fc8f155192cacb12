#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forced NAT-T (RFC 3948). A router namespace between the chassis drops
# IP protocol 50, as some clouds do. With "encap force" the SAs carry
# ESP-in-UDP on port 4500, gnvsec opens the NAT-T receive socket itself,
# and traffic passes; B's side of the underlay sees UDP/4500 only. With
# "encap auto" and plain ESP the traffic stops, and nothing goes in clear.
# Toggling the modes under traffic never clears anything either.
. "$(dirname "$0")/lib.sh"

key() { printf '0x%040x' "$1"; }

setup_chassis routed
n "$R" nft -f - <<'NFT'
table inet cloud {
	chain filt {
		type filter hook forward priority 0; policy accept;
		meta l4proto 50 counter drop
	}
}
NFT

esp_dropped() { n "$R" nft list chain inet cloud filt | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

sas() { # FAMILY-ADDRS...: (re)install both sides' SAs for the tunnels' modes
	ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out "$(key 1)" key-in "$(key 2)"
	ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out "$(key 2)" key-in "$(key 1)"
}

run_family() {
	local fam=$1 a_ul=$2 b_ul=$3 got

	log "== underlay $fam"
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 60 ipsec required encap force
	ctl "$B" tunnel add gs0 remote "$a_ul" local "$b_ul" vni 60 ipsec required encap force
	join_overlay gs0 gs0
	sas
	check_contains "$fam: A's NAT-T socket" ":4500" "$(n "$A" ss -ulnH)"
	check_contains "$fam: status says encapsulation" "Custom Options: {'encapsulation': 'yes'}" \
		"$(ctl "$A" tunnels show gs0)"
	check_contains "$fam: SAs carry ESP-in-UDP" "encap espinudp 4500:4500" \
		"$(ctl "$A" tunnels show gs0)"

	capture_start "$B" ul wire
	got=$(ping_count "$A" $B_OV 10)
	check_eq "$fam: pings through ESP-in-UDP" 10 "$got"
	got=$(iperf_tcp "$A" "$B" $B_OV)
	check_ge "$fam: iperf3 through ESP-in-UDP" 100000 "$got"
	capture_stop wire
	check_ge "$fam: UDP/4500 on B's wire" 100 "$(capture_count wire "udp port 4500")"
	check_eq "$fam: raw ESP on B's wire" 0 "$(capture_count wire "ip proto 50 or ip6 proto 50")"
	check_eq "$fam: clear Geneve on B's wire" 0 "$(capture_count wire "udp port 6081")"

	# Plain ESP under "encap auto": the router eats it; nothing in clear.
	ctl "$A" sa del gs0
	ctl "$B" sa del gs0
	ctl "$A" tunnel set gs0 encap auto
	ctl "$B" tunnel set gs0 encap auto
	sas
	check_contains "$fam: SAs are plain ESP now" "encap none" "$(ctl "$A" tunnels show gs0)"
	local dropped0
	dropped0=$(esp_dropped)
	capture_start "$B" ul auto
	check_eq "$fam: encap auto behind an ESP-dropping router" 0 "$(ping_count "$A" $B_OV 10)"
	capture_stop auto
	check_ge "$fam: the router dropped the ESP" $((dropped0 + 10)) "$(esp_dropped)"
	check_eq "$fam: clear Geneve on B's wire (auto)" 0 "$(capture_count auto "udp port 6081")"

	# Forcing encapsulation over plain-ESP SAs: refused per packet, counted.
	capture_start "$B" ul toggle
	$ip netns exec "$A" ping -i 0.02 -W 1 $B_OV >/dev/null 2>&1 &
	local ping_pid=$!
	sleep 0.5
	ctl "$A" tunnel set gs0 encap inherit
	ctl "$A" global set encapsulation true
	sleep 1
	ctl "$A" global set encapsulation false
	ctl "$A" tunnel set gs0 encap force
	sleep 1
	kill "$ping_pid"
	wait "$ping_pid" || true
	capture_stop toggle
	check_ge "$fam: plain ESP refused under force" 20 "$(drops "$A" gs0 tx_not_encap)"
	check_eq "$fam: clear Geneve while toggling" 0 "$(capture_count toggle "udp port 6081")"

	ctl "$A" sa del gs0
	ctl "$B" sa del gs0
	ctl "$A" tunnel del gs0
	ctl "$B" tunnel del gs0
	check_eq "$fam: NAT-T socket closed with the last forced tunnel" "" \
		"$(n "$A" ss -ulnH | grep ':4500' || true)"
}

run_family ipv4 $A_UL4 $B_UL4
run_family ipv6 $A_UL6 $B_UL6
