#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reconciler, "gnvsecctl ike sync --watch", one per chassis next to its
# charon, for three chassis (hv-a, hv-b, hv-c) routed through $R. Nothing
# but tunnel commands is done by hand:
#   - tunnels added one by one become ACTIVE on both sides with no other
#     command; the reconciler binds them; the lower name initiates, the
#     other only responds, so each tunnel has exactly one CHILD_SA (two
#     SAs) on each side; ESP only on the receiving wire;
#   - a tunnel with encapsulation forced (hv-b to hv-c) gets a connection
#     asking for it: ESP-in-UDP only on the receiving wire;
#   - a third chassis joining, a one-shot "ike sync" pass and a SIGHUP
#     refresh leave the first two's SAs as they were (same SPIs); without
#     charon the one-shot pass fails and says why;
#   - encapsulation forced on a live tunnel: its connection is loaded
#     again, the plain SAs end, ESP-in-UDP ones replace them, nothing in
#     clear meanwhile;
#   - deleting a tunnel unloads its connection and its SAs go on both
#     sides; the peer's connection goes with the peer's own tunnel;
#   - (Libreswan) a chassis name that cannot be written unquoted into
#     ipsec.conf, and a binding to a reqid above Libreswan's 16383, are
#     refused, and the log says why.
# (86-ike-sync-restart restarts charon and the reconciler.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

ike_require
load_module
trap 'rc=$?; ((rc == 0)) || sync_dump A B C; cleanup' EXIT

ike_star a b c

# sas_with X ADDR: the SAs X's kernel holds to or from ADDR.
sas_with() { n "${NS[$1]}" ip xfrm state | grep -c "^src .*$2" || true; }
cx() { conns "${WHO[$1]}" "${NS[$1]}"; }

# encap_only CAPTURE X Y N: Y's capture holds exactly N ESP-in-UDP frames
# from hv-X, and neither raw ESP nor clear Geneve from it. ESP-in-UDP
# carries the SPI where IKE on port 4500 has its zero marker; NAT-T
# keepalives are one byte.
encap_only() {
	local cap=$1 from=${UL[$2]} on="hv-$3's wire"
	check_eq "ESP-in-UDP from hv-$2 on $on" "$4" \
		"$(capture_count "$cap" "src host $from and udp src port 4500 and udp[8:4] != 0 and greater 100")"
	check_eq "raw ESP from hv-$2 on $on" 0 "$(capture_count "$cap" "src host $from and ip proto 50")"
	check_eq "clear Geneve from hv-$2 on $on" 0 "$(capture_count "$cap" "src host $from and udp port 6081")"
}

log "== tunnels added one by one become ACTIVE by themselves"
t0=$SECONDS
ike_pair a b 12
wait_active "$A"
wait_active "$B"
log "first tunnel ACTIVE after $((SECONDS - t0)) s"
r_ab=$(ike_reqid "$A" to-b 65536)
r_ba=$(ike_reqid "$B" to-a 65536)
check_contains "hv-a initiates to hv-b" "loaded gnvsec-to-b: to-b to hv-b, reqid $r_ab, initiator" \
	"$(sync_log A)"
check_contains "hv-b only responds to hv-a" "loaded gnvsec-to-a: to-a to hv-a, reqid $r_ba, responder" \
	"$(sync_log B)"
check_contains "the reconciler bound the tunnel" "bound to-b to reqid $r_ab" "$(sync_log A)"
check_eq "hv-a's binding" "{\"reqid\": $r_ab}" "$(tfield "$A" to-b binding)"
capture_start "$B" ul wire
check_eq "pings hv-a -> hv-b" 20 "$(ping_count "$A" 192.168.12.2 20)"
capture_stop wire
check_eq "ESP from hv-a on hv-b's wire" 20 "$(capture_count wire "src host ${UL[a]} and ip proto 50")"
check_eq "clear Geneve on hv-b's wire" 0 "$(capture_count wire "udp port 6081")"
spis_ab=$(tunnel_spis "$A" to-b | xargs)
spis_ba=$(tunnel_spis "$B" to-a | xargs)
check_eq "one CHILD_SA between hv-a and hv-b (hv-a's SAs)" 2 "$(wc -w <<<"$spis_ab")"

log "== a third chassis joins"
t0=$SECONDS
ike_pair a c 13
ike_pair b c 23 encap force
for x in a b c; do
	wait_active "${NS[$x]}"
done
log "two more tunnels ACTIVE after $((SECONDS - t0)) s"
# No crossing streams: exactly one CHILD_SA (two SAs) per tunnel.
for x in a b c; do
	check_eq "hv-$x's kernel SAs (two tunnels, one CHILD_SA each)" 4 "$(kernel_sas "${NS[$x]}")"
	check_eq "hv-$x's connections" "$(printf 'gnvsec-to-%s\n' a b c | grep -v "to-$x" | xargs)" \
		"$(cx $x)"
done
check_contains "hv-b initiates to hv-c" "loaded gnvsec-to-c: to-c to hv-c, reqid $(ike_reqid "$B" to-c 131072), initiator" \
	"$(sync_log B)"
check_eq "hv-a's SAs to hv-b unchanged" "$spis_ab" "$(tunnel_spis "$A" to-b | xargs)"
check_eq "hv-b's SAs to hv-a unchanged" "$spis_ba" "$(tunnel_spis "$B" to-a | xargs)"

log "== encapsulation forced through the reconciler (hv-b to hv-c)"
# (hv-c's other tunnel, to hv-a, is not encapsulated)
check_eq "hv-c's SAs with hv-b are ESP-in-UDP, and only they" 2 \
	"$(n "$C" ip xfrm state | grep -c "encap type espinudp sport 4500 dport 4500")"
capture_start "$C" ul wire
check_eq "pings hv-b -> hv-c" 20 "$(ping_count "$B" 192.168.23.2 20)"
capture_stop wire
encap_only wire b c 20

log "== one-shot pass, refresh"
# shellcheck disable=SC2046
ctl "$A" ike sync $(sync_args A hv-a) || fail "one-shot ike sync: exit status $?"
must_fail "ike sync without $IKE_NAME" ctl "$A" ike sync --local-id hv-a "${IKE_NOWHERE_ARGS[@]}"
check_eq "its exit status" 1 "$RC"
check_contains "it says why" "$IKE_NAME unreachable at $IKE_NOWHERE" "$OUT"
kill -HUP "$(sync_pid A)"
for _ in $(seq 20); do
	sync_log A | grep -q refresh && break
	sleep 0.5
done
sleep 2
check_contains "SIGHUP refreshes" "refresh: loading every connection again" "$(sync_log A)"
check_eq "hv-a's SAs to hv-b unchanged by pass and refresh" "$spis_ab" "$(tunnel_spis "$A" to-b | xargs)"
check_eq "hv-a's kernel SAs after pass and refresh" 4 "$(kernel_sas "$A")"

log "== encapsulation forced on a live tunnel (hv-a to hv-b)"
# Its connection changes: the reconciler loads it again and ends the SAs
# the old one negotiated (plain ESP, which the tunnel now refuses), and
# hv-a negotiates ESP-in-UDP ones. Nothing leaves in clear meanwhile.
capture_start "$B" ul wire
ctl "$A" tunnel set to-b encap force
ctl "$B" tunnel set to-a encap force
wait_active "$A"
wait_active "$B"
check_contains "hv-a ends the old SAs" "terminated the SAs of gnvsec-to-b: its connection changed" \
	"$(sync_log A)"
spis_new=$(tunnel_spis "$A" to-b | xargs)
check_eq "one new CHILD_SA between hv-a and hv-b" 2 "$(wc -w <<<"$spis_new")"
check_eq "none of the old SPIs left" "" "$(comm -12 <(tr ' ' '\n' <<<"$spis_ab" | sort) <(tr ' ' '\n' <<<"$spis_new" | sort) | xargs)"
check_eq "hv-b's SAs are all ESP-in-UDP now (with hv-a and hv-c)" 4 \
	"$(n "$B" ip xfrm state | grep -c "encap type espinudp sport 4500 dport 4500")"
check_eq "pings hv-a -> hv-b" 20 "$(ping_count "$A" 192.168.12.2 20)"
capture_stop wire
encap_only wire a b 20
spis_ab=$spis_new

log "== a tunnel deleted"
ctl "$A" tunnel del to-c
for _ in $(seq 60); do
	[[ $(cx a) == gnvsec-to-b && $(sas_with a "${UL[c]}") == 0 && $(sas_with c "${UL[a]}") == 0 ]] && break
	sleep 1
done
check_eq "hv-a's connections after to-c is deleted" gnvsec-to-b "$(cx a)"
check_eq "hv-a's SAs with hv-c" 0 "$(sas_with a "${UL[c]}")"
check_eq "hv-c's SAs with hv-a" 0 "$(sas_with c "${UL[a]}")"
check_contains "the reconciler says so" "unloaded gnvsec-to-c" "$(sync_log A)"
check_eq "hv-c keeps its connection to hv-a while its tunnel is there" "gnvsec-to-a gnvsec-to-b" "$(cx c)"
ctl "$C" tunnel del to-a
for _ in $(seq 30); do
	[[ $(cx c) == gnvsec-to-b ]] && break
	sleep 1
done
check_eq "hv-c's connections after its to-a is deleted" gnvsec-to-b "$(cx c)"
check_eq "hv-a's SAs to hv-b untouched by it" "$spis_ab" "$(tunnel_spis "$A" to-b | xargs)"
check_eq "hv-b's kernel SAs" 4 "$(kernel_sas "$B")"

if [[ $IKE_BACKEND == libreswan ]]; then
	log "== an identity Libreswan cannot write"
	# ipsec.conf and ipsec.secrets take @NAME unquoted: a blank would
	# split it. Refused, said, and nothing loaded; nothing leaves in clear.
	ctl "$A" tunnel add odd remote 10.77.9.1 local "${UL[a]}" vni 99 ipsec required chassis "hv y"
	sync_wait A 'identity "hv y"'
	check_contains "the reconciler refuses it" \
		"odd: not loaded: identity \"hv y\": Libreswan takes host-name-like ones (letters, digits, '.', '-', '_')" \
		"$(sync_log A)"
	check_eq "hv-a's connections" gnvsec-to-b "$(cx a)"
	check_eq "the tunnel waits for an SA" "WAITING FOR SA" "$(tfield "$A" odd ipsec_state)"
	log "== a reqid Libreswan cannot take"
	# Above 16383 pluto would use reqid + 1 for ESP, which the binding
	# refuses: the reconciler says how to rebind instead.
	# (bound first: with a usable name and no binding it would load)
	ctl "$A" tunnel bind odd reqid 70000
	ctl "$A" tunnel set odd chassis hv-y
	sync_wait A 'bound to reqid 70000'
	check_contains "the reconciler refuses it" \
		"odd: not loaded: bound to reqid 70000; Libreswan takes reqids 1 to 16383: gnvsecctl tunnel bind odd reqid N, N in that range" \
		"$(sync_log A)"
	check_eq "hv-a's connections still" gnvsec-to-b "$(cx a)"
	ctl "$A" tunnel del odd
fi

sync_dump A B C
