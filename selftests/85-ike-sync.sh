#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reconciler, "gnvsecctl ike sync --watch", one per chassis next to its
# charon, for three chassis (hv-a, hv-b, hv-c) routed through $R. Nothing
# but tunnel commands and daemon restarts is done by hand:
#   - tunnels added one by one become ACTIVE on both sides with no other
#     command; the lower name initiates, the other only responds, so each
#     tunnel has exactly one CHILD_SA (two SAs) on each side;
#   - a third chassis joining, a one-shot "ike sync" pass and a SIGHUP
#     refresh leave the first two's SAs as they were (same SPIs);
#   - deleting a tunnel unloads its connection and its SAs go on both
#     sides; the peer's connection goes with the peer's tunnel;
#   - charon stopped and restarted, and charon restarted while the
#     reconciler is down and then the reconciler restarted: the tunnel is
#     ACTIVE again by itself, and the receiving wire never sees one clear
#     Geneve frame (the tunnels require IPsec), under 20 pps of pings.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

ike_require
load_module

# On failure, the reconcilers' and charons' logs tell why.
trap 'rc=$?; if ((rc)); then for w in A B C; do d=$(ike_dir $w);
	[[ -f $d/sync.log ]] && sed "s/^/sync $w: /" "$d/sync.log";
	[[ -f $d/charon.log ]] && tail -n 40 "$d/charon.log" | sed "s/^/charon $w: /"; done; fi;
	cleanup' EXIT

# Chassis X (A, B, C) is hv-x at 10.77.N.1 behind $R's 10.77.N.254.
declare -A NS=([a]=$A [b]=$B [c]=$C) UL=([a]=10.77.1.1 [b]=10.77.2.1 [c]=10.77.3.1)
declare -A WHO=([a]=A [b]=B [c]=C) NET=([a]=1 [b]=2 [c]=3)
$ip netns add "$R"
$ip -n "$R" link set lo up
n "$R" sysctl -qw net.ipv4.ip_forward=1
for x in a b c; do
	$ip netns add "${NS[$x]}"
	$ip -n "${NS[$x]}" link add ul type veth peer name ul$x netns "$R"
	$ip -n "$R" addr add "10.77.${NET[$x]}.254/24" dev ul$x
	$ip -n "$R" link set ul$x up
	$ip -n "${NS[$x]}" addr add "${UL[$x]}/24" dev ul
	$ip -n "${NS[$x]}" link set ul up
	$ip -n "${NS[$x]}" link set lo up
	$ip -n "${NS[$x]}" route add default via "10.77.${NET[$x]}.254"
done

pki_ca
for x in a b c; do
	pki_cert "hv-$x" "hv-$x"
	charon_conf "${WHO[$x]}" "hv-$x"
	charon_start "${WHO[$x]}" "${NS[$x]}"
done

# sync_args X: what the reconciler of chassis X needs to find its charon.
sync_args() {
	local d
	d=$(ike_dir "${WHO[$1]}")
	echo --local-id "hv-$1" --vici "$d/charon.vici" --swanctl-dir "$d/swanctl"
}

# sync_start X: chassis X's reconciler (its pid in ike-X/sync.pid, its
# log in ike-X/sync.log).
sync_start() {
	local d
	d=$(ike_dir "${WHO[$1]}")
	# shellcheck disable=SC2046 # the options, word by word
	$ip netns exec "${NS[$1]}" gnvsecctl ike sync --watch --interval 5 \
		$(sync_args "$1") >>"$d/sync.log" 2>&1 &
	echo $! >"$d/sync.pid"
}

sync_log() { cat "$(ike_dir "${WHO[$1]}")/sync.log"; }
sync_pid() { cat "$(ike_dir "${WHO[$1]}")/sync.pid"; }

# pair X Y VNI: tunnel to-Y on X and to-X on Y, overlay 192.168.VNI.0/24.
pair() {
	local x=$1 y=$2 vni=$3 mx my
	ctl "${NS[$x]}" tunnel add "to-$y" remote "${UL[$y]}" local "${UL[$x]}" \
		vni "$vni" ipsec required chassis "hv-$y"
	ctl "${NS[$y]}" tunnel add "to-$x" remote "${UL[$x]}" local "${UL[$y]}" \
		vni "$vni" ipsec required chassis "hv-$x"
	mx=$(mac_of "${NS[$x]}" "to-$y")
	my=$(mac_of "${NS[$y]}" "to-$x")
	overlay "${NS[$x]}" "to-$y" "192.168.$vni.1" "192.168.$vni.2" "$my"
	overlay "${NS[$y]}" "to-$x" "192.168.$vni.2" "192.168.$vni.1" "$mx"
}

# wait_active X Y: until X's tunnel to Y is ACTIVE (at most 120 s).
wait_active() {
	local s
	for _ in $(seq 120); do
		s=$(tfield "${NS[$1]}" "to-$2" ipsec_state)
		[[ $s == ACTIVE ]] && break
		sleep 1
	done
	check_eq "hv-$1's tunnel to hv-$2" ACTIVE "$s"
}

# conns X: the connections X's charon has loaded, sorted, on one line.
conns() {
	swan "${WHO[$1]}" "${NS[$1]}" --list-conns 2>/dev/null |
		sed -n 's/^\([^ :]*\): IKE.*/\1/p' | sort | xargs
}

# sas_with X ADDR: the SAs X's kernel holds to or from ADDR.
sas_with() {
	n "${NS[$1]}" ip xfrm state | grep -c "^src .*$2" || true
}

for x in a b c; do
	sync_start $x
done

log "== tunnels added one by one become ACTIVE by themselves"
t0=$SECONDS
pair a b 12
wait_active a b
wait_active b a
log "first tunnel ACTIVE after $((SECONDS - t0)) s"
check_contains "hv-a initiates to hv-b" "loaded gnvsec-to-b: to-b to hv-b, reqid" "$(sync_log a)"
check_contains "hv-a is the initiator" "initiator" "$(sync_log a | grep 'loaded gnvsec-to-b')"
check_contains "hv-b only responds to hv-a" "responder" "$(sync_log b | grep 'loaded gnvsec-to-a')"
check_contains "the reconciler bound the tunnel" "SA binding:     reqid " \
	"$(ctl "$A" tunnels show to-b)"
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
pair a c 13
pair b c 23
wait_active a c
wait_active c a
wait_active b c
wait_active c b
log "two more tunnels ACTIVE after $((SECONDS - t0)) s"
# No crossing streams: exactly one CHILD_SA (two SAs) per tunnel.
for x in a b c; do
	check_eq "hv-$x's kernel SAs (two tunnels, one CHILD_SA each)" 4 "$(kernel_sas "${NS[$x]}")"
	check_eq "hv-$x's connections" "$(printf 'gnvsec-to-%s\n' a b c | grep -v "to-$x" | xargs)" \
		"$(conns $x)"
done
check_eq "hv-a's SAs to hv-b unchanged" "$spis_ab" "$(tunnel_spis "$A" to-b | xargs)"
check_eq "hv-b's SAs to hv-a unchanged" "$spis_ba" "$(tunnel_spis "$B" to-a | xargs)"

log "== one-shot pass, refresh"
# shellcheck disable=SC2046
ctl "$A" ike sync $(sync_args a) || fail "one-shot ike sync: exit status $?"
must_fail "ike sync without strongSwan" ctl "$A" ike sync --local-id hv-a --vici "$TMP/none.vici"
check_eq "its exit status" 1 "$RC"
check_contains "it says why" "strongSwan unreachable at $TMP/none.vici" "$OUT"
kill -HUP "$(sync_pid a)"
for _ in $(seq 20); do
	sync_log a | grep -q refresh && break
	sleep 0.5
done
sleep 2
check_contains "SIGHUP refreshes" "refresh: loading every connection again" "$(sync_log a)"
check_eq "hv-a's SAs to hv-b unchanged by pass and refresh" "$spis_ab" "$(tunnel_spis "$A" to-b | xargs)"
check_eq "hv-a's kernel SAs after pass and refresh" 4 "$(kernel_sas "$A")"

log "== a tunnel deleted"
ctl "$A" tunnel del to-c
for _ in $(seq 60); do
	[[ $(conns a) == gnvsec-to-b && $(sas_with a "${UL[c]}") == 0 && $(sas_with c "${UL[a]}") == 0 ]] && break
	sleep 1
done
check_eq "hv-a's connections after to-c is deleted" gnvsec-to-b "$(conns a)"
check_eq "hv-a's SAs with hv-c" 0 "$(sas_with a "${UL[c]}")"
check_eq "hv-c's SAs with hv-a" 0 "$(sas_with c "${UL[a]}")"
check_contains "the reconciler says so" "unloaded gnvsec-to-c" "$(sync_log a)"
check_eq "hv-c keeps its connection to hv-a while its tunnel is there" "gnvsec-to-a gnvsec-to-b" "$(conns c)"
ctl "$C" tunnel del to-a
for _ in $(seq 30); do
	[[ $(conns c) == gnvsec-to-b ]] && break
	sleep 1
done
check_eq "hv-c's connections after its to-a is deleted" gnvsec-to-b "$(conns c)"
check_eq "hv-a's SAs to hv-b untouched by it" "$spis_ab" "$(tunnel_spis "$A" to-b | xargs)"

# traffic_start / traffic_stop: 20 pps hv-a -> hv-b, hv-b's wire captured.
traffic_start() {
	capture_start "$B" ul "$1"
	$ip netns exec "$A" ping -i 0.05 -W 1 192.168.12.2 >"$TMP/$1-ping.log" 2>&1 &
	ping_pid=$!
}
traffic_stop() {
	kill -INT "$ping_pid"
	wait "$ping_pid" || true
	capture_stop "$1"
	log "$(grep -E 'packets transmitted' "$TMP/$1-ping.log" || true)"
	check_eq "$1: clear Geneve on hv-b's wire" 0 "$(capture_count "$1" "udp port 6081")"
	check_ge "$1: ESP from hv-a on hv-b's wire" 20 \
		"$(capture_count "$1" "src host ${UL[a]} and ip proto 50")"
}

# back_again WHAT: hv-a's tunnel to hv-b ACTIVE again with charon's SAs.
back_again() {
	local got=0
	wait_active a b
	wait_active b a
	for _ in $(seq 30); do
		got=$(ping_count "$A" 192.168.12.2 5)
		((got == 5)) && break
		sleep 1
	done
	check_eq "$1: pings answered" 5 "$got"
	check_spis "$1: hv-a's SAs are the new charon's" A "$A" to-b
}

log "== charon stopped and restarted under traffic"
traffic_start wire_restart
sleep 1
charon_stop A
sleep 3
check_eq "hv-a without charon has no SA" 0 "$(kernel_sas "$A")"
check_eq "hv-a waits for an SA" "WAITING FOR SA" "$(tfield "$A" to-b ipsec_state)"
t0=$SECONDS
charon_start A "$A"
back_again "charon restarted"
log "ACTIVE again $((SECONDS - t0)) s after charon's restart"
traffic_stop wire_restart
check_contains "the reconciler saw charon go" "strongSwan unreachable" "$(sync_log a)"
check_contains "and come back" "strongSwan reachable again" "$(sync_log a)"

log "== charon restarted while the reconciler is down"
traffic_start wire_resync
kill -9 "$(sync_pid a)"
wait "$(sync_pid a)" 2>/dev/null || true
charon_stop A
charon_start A "$A"
sleep 3
check_eq "hv-a's charon has no connection" "" "$(conns a)"
check_eq "hv-a waits for an SA" "WAITING FOR SA" "$(tfield "$A" to-b ipsec_state)"
t0=$SECONDS
sync_start a
back_again "reconciler restarted"
log "ACTIVE again $((SECONDS - t0)) s after the reconciler's restart"
traffic_stop wire_resync
check_eq "hv-a's connections" gnvsec-to-b "$(conns a)"
check_eq "hv-a's kernel SAs" 2 "$(kernel_sas "$A")"

log "$(sync_log a)"
log "$(sync_log b)"
