#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnels keyed by IKEv2 (strongSwan's charon, one per chassis) with
# certificates, configured from "gnvsecctl ike swanctl" alone: both tunnels
# become ACTIVE, "tunnels show" lists exactly the SPIs that charon reports,
# and the receiving chassis' underlay sees ESP only, not one clear Geneve
# frame; with "encap force", UDP/4500 only (no raw ESP either). IPv4 both
# ways, IPv6 with plain ESP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

ike_chassis

# up FAMILY A_UL B_UL ENCAP: tunnels, config, SAs; checks status and SPIs.
up() {
	local fam=$1 a_ul=$2 b_ul=$3 encap=$4 out

	# The tunnels first, then fresh daemons (nothing left from the case
	# before): with encapsulation forced, gnvsec already receives on the
	# NAT-T port, and charon must still get it.
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 10 ipsec required \
		encap "$encap" chassis hv-b
	ctl "$B" tunnel add gs0 remote "$a_ul" local "$b_ul" vni 10 ipsec required \
		encap "$encap" chassis hv-a
	charon_start A "$A"
	charon_start B "$B"
	# Both families' NAT-T sockets are charon's, none gnvsec's.
	check_eq "$fam: charon holds the NAT-T port" "charon charon" "$(echo $(port_users "$A"))"
	join_overlay gs0 gs0
	ike_conf A "$A" hv-a
	ike_conf B "$B" hv-b
	log "$(cat "$(ike_dir A)/swanctl/swanctl.conf")"
	ike_load A "$A"
	ike_load B "$B"
	# The trap policies are in, no SA yet, and reading the status does
	# not change that: only a packet triggers the negotiation
	# (start_action = trap), and it is dropped, not sent in clear.
	check_eq "$fam: trap policies only: A waits" "WAITING FOR SA" "$(tfield "$A" gs0 ipsec_state)"
	# (An acquire would leave a larval state, SPI 0, at once.)
	check_eq "$fam: a status read asks for no SA" 0 \
		"$(n "$A" $ip xfrm state | grep -c 'proto esp' || true)"
	for _ in $(seq 60); do
		ping_count "$A" $B_OV 1 >/dev/null
		[[ $(tfield "$A" gs0 ipsec_state) == ACTIVE ]] && break
		sleep 1
	done
	check_eq "$fam: A state" ACTIVE "$(tfield "$A" gs0 ipsec_state)"
	check_eq "$fam: B state" ACTIVE "$(tfield "$B" gs0 ipsec_state)"
	out=$(ctl "$A" tunnels show gs0)
	log "$out"
	check_contains "$fam: status says ACTIVE" "IPsec state:    ACTIVE" "$out"
	check_contains "$fam: bound to the reqid" "SA binding:     reqid " "$out"
	log "charon A: $(swan A "$A" --list-sas)"
	check_spis "$fam: A's SPIs are charon's" A "$A" gs0
	check_spis "$fam: B's SPIs are charon's" B "$B" gs0
	check_ge "$fam: SPIs of a CHILD_SA" 2 "$(swan_spis A "$A" | wc -l)"
	# Every SA listed for the tunnel carries the reqid it is bound to.
	check_eq "$fam: the SAs' reqids" "$(tfield "$A" gs0 binding | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["reqid"])')" \
		"$(ctl "$A" -j tunnels show gs0 | python3 -c \
		'import json,sys; print(" ".join(sorted(set(str(s["reqid"]) for s in json.load(sys.stdin)[0]["sas"]))))')"
}

down() {
	charon_stop A
	charon_stop B
	ctl "$A" tunnel del gs0
	ctl "$B" tunnel del gs0
}

esp() {
	local fam=$1 a_ul=$2 b_ul=$3 got

	log "== underlay $fam, plain ESP"
	up "$fam" "$a_ul" "$b_ul" auto
	capture_start "$B" ul wire
	got=$(ping_count "$A" $B_OV 20)
	capture_stop wire
	check_eq "$fam: pings answered through ESP" 20 "$got"
	check_eq "$fam: ESP frames A->B on B's wire" 20 \
		"$(capture_count wire "src host $a_ul and (ip proto 50 or ip6 proto 50)")"
	check_eq "$fam: clear Geneve frames on B's wire" 0 "$(capture_count wire "udp port 6081")"
	check_eq "$fam: UDP/4500 on B's wire" 0 "$(capture_count wire "udp port 4500")"
	down
}

natt() {
	local fam=$1 a_ul=$2 b_ul=$3 got

	log "== underlay $fam, encap force"
	up "$fam" "$a_ul" "$b_ul" force
	check_contains "$fam: the connection asks for encapsulation" "encap = yes" \
		"$(cat "$(ike_dir A)/swanctl/swanctl.conf")"
	check_contains "$fam: SAs carry ESP-in-UDP" "encap espinudp 4500:4500" \
		"$(ctl "$A" tunnels show gs0)"
	capture_start "$B" ul natt
	got=$(ping_count "$A" $B_OV 20)
	capture_stop natt
	check_eq "$fam: pings answered through ESP-in-UDP" 20 "$got"
	# ESP-in-UDP only: an SPI where IKE has its zero marker (a DPD
	# exchange may fall in the capture); NAT keepalives are one byte.
	check_eq "$fam: ESP-in-UDP frames A->B on B's wire" 20 \
		"$(capture_count natt "src host $a_ul and udp src port 4500 and udp dst port 4500 and udp[8:4] != 0")"
	check_eq "$fam: raw ESP on B's wire" 0 "$(capture_count natt "ip proto 50 or ip6 proto 50")"
	check_eq "$fam: clear Geneve frames on B's wire" 0 "$(capture_count natt "udp port 6081")"
	down
}

esp ipv4 $A_UL4 $B_UL4
natt ipv4 $A_UL4 $B_UL4
esp ipv6 $A_UL6 $B_UL6
