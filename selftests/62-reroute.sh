#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# No plaintext out, whatever the firewall does to the outer packet after
# gnvsec checked its route. Each rule below makes the kernel throw the
# checked ESP bundle away and route the Geneve packet again, where no
# policy matches: a mark reset in a route chain (ip_route_me_harder()),
# destination NAT in OUTPUT and source NAT in POSTROUTING
# (nf_xfrm_me_harder()), and a copy of each packet sent in clear to the
# peer (nft dup). For each underlay family, 20 pings from A: B's side of the
# underlay (the receiving side) must see no clear Geneve at all, and A must
# count every dropped packet as tx_rerouted. The control, a DSCP rewrite in
# the same route chain, re-routes too but keeps the mark: ESP must still
# leave and the pings come back.
. "$(dirname "$0")/lib.sh"

KEY1=0x$(printf '%040x' 0x6969)
KEY2=0x$(printf '%040x' 0x9696)
PINGS=20

# chassis FAMILY: new chassis with an encrypted tunnel over the FAMILY (4
# or 6) underlay; second addresses A2 (A's) and B2 (B's) that no policy
# covers.
chassis() {
	local fam=$1 a b

	cleanup_ns
	setup_chassis
	if ((fam == 4)); then
		a=$A_UL4 b=$B_UL4 A2=10.77.0.9 B2=10.77.0.3 P=ip
		$ip -n "$A" addr add $A2/24 dev ul
		$ip -n "$B" addr add $B2/24 dev ul
	else
		a=$A_UL6 b=$B_UL6 A2=fd77::9 B2=fd77::3 P=ip6
		$ip -n "$A" addr add $A2/64 dev ul nodad
		$ip -n "$B" addr add $B2/64 dev ul nodad
	fi
	AL=$a
	ctl "$A" tunnel add gs0 remote "$b" local "$a" vni 69 ipsec required
	ctl "$B" tunnel add gs0 remote "$a" local "$b" vni 69 ipsec required
	join_overlay gs0 gs0
	ctl "$A" sa add gs0 spi-out 0x6901 spi-in 0x6902 key-out $KEY1 key-in $KEY2
	ctl "$B" sa add gs0 spi-out 0x6902 spi-in 0x6901 key-out $KEY2 key-in $KEY1
	check_eq "IPv$fam: ESP works first" 5 "$(ping_count "$A" $B_OV 5)"
	check_eq "IPv$fam: state" ACTIVE "$(tfield "$A" gs0 ipsec_state)"
}

cleanup_ns() {
	$ip netns del "$A" 2>/dev/null || true
	$ip netns del "$B" 2>/dev/null || true
}

# attack CASE NFT-RULESET: with the rules in A, no clear Geneve reaches B
# and every ping is counted as re-routed.
attack() {
	local what=$1 rules=$2 got before

	n "$A" nft -f - <<<"$rules"
	pings "$what"
	check_eq "$what: dropped as tx_rerouted" $((before + PINGS)) \
		"$(drops "$A" gs0 tx_rerouted)"
	check_eq "$what: replies" 0 "$got"
	reset_rules
}

# pings CASE: $PINGS pings from A under a capture on B's side, which must
# hold no clear Geneve frame; sets $before (A's tx_rerouted before) and
# $got (the replies).
pings() {
	local what=$1

	before=$(drops "$A" gs0 tx_rerouted)
	capture_start "$B" ul "$what"
	got=$(ping_count "$A" $B_OV $PINGS)
	capture_stop "$what"
	check_eq "$what: clear Geneve frames on B's wire" 0 \
		"$(capture_count "$what" "udp port 6081")"
}

# No rules, and no connection left with a NAT binding from the last case.
reset_rules() {
	n "$A" nft flush ruleset
	n "$A" conntrack -F 2>/dev/null || true
	check_eq "no tracked connection left" 0 "$(n "$A" conntrack -C 2>/dev/null || echo 0)"
}

for fam in 4 6; do
	chassis $fam
	attack "IPv$fam mark reset in a route chain" "
		table $P guardtest { chain o { type route hook output priority mangle;
			udp dport 6081 meta mark set 0; }; }"

	attack "IPv$fam DNAT in output" "
		table $P guardtest { chain o { type nat hook output priority -100;
			udp dport 6081 dnat to $B2; }; }"

	attack "IPv$fam SNAT in postrouting" "
		table $P guardtest { chain p { type nat hook postrouting priority 100;
			udp dport 6081 snat to $A2; }; }"

	# The copy is re-routed in clear; the original stays encrypted.
	what="IPv$fam dup to the peer"
	n "$A" nft -f - <<<"
		table $P guardtest { chain p { type filter hook postrouting priority 0;
			udp dport 6081 dup to $B2; }; }"
	pings "$what"
	check_eq "$what: ESP frames from A" $PINGS \
		"$(capture_count "$what" "(ip proto 50 or ip6 proto 50) and src $AL")"
	check_eq "$what: copies dropped as tx_rerouted" $((before + PINGS)) \
		"$(drops "$A" gs0 tx_rerouted)"
	check_eq "$what: replies" $PINGS "$got"
	reset_rules

	# Control: re-routed for its new DSCP, same mark, same policy.
	what="IPv$fam DSCP rewrite (control)"
	n "$A" nft -f - <<<"
		table $P guardtest { chain o { type route hook output priority mangle;
			udp dport 6081 $P dscp set cs1; }; }"
	pings "$what"
	check_eq "$what: replies" $PINGS "$got"
	check_eq "$what: ESP frames from A" $PINGS \
		"$(capture_count "$what" "(ip proto 50 or ip6 proto 50) and src $AL")"
	check_ge "$what: ESP frames with the new DSCP" $PINGS \
		"$(capture_text "$what" "ip proto 50 or ip6 proto 50" | grep -Eci 'tos 0x20|class 0x20')"
	check_eq "$what: tx_rerouted" "$before" "$(drops "$A" gs0 tx_rerouted)"
done
