#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reconciler ("gnvsecctl ike sync --watch") recovers by itself, under
# 20 pps of pings hv-a -> hv-b captured on hv-b's wire:
#   - charon stopped (its SAs and policies go with it) and started again:
#     the reconciler sees it go and come back, loads the connection again
#     and initiates; the tunnel is ACTIVE again with the new charon's SAs;
#   - the reconciler killed, charon restarted meanwhile (no connection, no
#     SA): the reconciler restarted re-syncs on start, ACTIVE again;
#   - hv-b's reconciler killed and restarted with nothing changed: the SAs
#     stay (same SPIs);
#   - hv-b's certificate and key replaced while its reconciler is down:
#     restarted, it ends the IKE_SA that authenticated with the old ones,
#     hv-a negotiates again and checks the new certificate (its subject
#     says "renewed"), ACTIVE again with new SAs;
#   - hv-b's tunnel given another chassis name while its reconciler is
#     down: restarted, it ends the IKE_SA that authenticated hv-a, no SA
#     comes up while the name is wrong, ACTIVE again once it is right.
# Not one clear Geneve frame reaches the receiving wire in either case
# (the tunnels require IPsec), and hv-a refuses to send meanwhile.
# (86-ike-sync-restart-libreswan: the same with pluto, whose connection
# the reconciler replaces, SAs included, where it terminates charon's
# IKE_SA.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

ike_chassis
trap 'rc=$?; ((rc == 0)) || sync_dump A B; cleanup' EXIT
charon_start A "$A"
charon_start B "$B"
sync_start A "$A" hv-a
sync_start B "$B" hv-b
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 30 ipsec required chassis hv-b
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 30 ipsec required chassis hv-a
join_overlay gs0 gs0
wait_active "$A"
wait_active "$B"

# What charon logs when it checks hv-b's renewed certificate.
LOG_RENEWED='using certificate "O=renewed, CN=hv-b"'

traffic_start() {
	capture_start "$B" ul "$1"
	$ip netns exec "$A" ping -i 0.05 -W 1 $B_OV >"$TMP/$1-ping.log" 2>&1 &
	ping_pid=$!
}

traffic_stop() {
	kill -INT "$ping_pid"	# ping prints its summary on SIGINT
	wait "$ping_pid" || true
	capture_stop "$1"
	log "$1: $(grep -E 'packets transmitted' "$TMP/$1-ping.log" || true)"
	check_eq "$1: clear Geneve on hv-b's wire" 0 "$(capture_count "$1" "udp port 6081")"
	check_ge "$1: ESP from hv-a on hv-b's wire" 20 \
		"$(capture_count "$1" "src host $A_UL4 and ip proto 50")"
}

# down WHAT: hv-a has no SA and no policy (charon took them or never had
# them), and refuses to send.
down() {
	local no_pol
	for _ in $(seq 30); do
		(($(kernel_sas "$A") == 0)) && break
		sleep 0.5
	done
	check_eq "$1: hv-a has no SA" 0 "$(kernel_sas "$A")"
	# (charon's own socket bypass policies have no template, no reqid)
	check_eq "$1: hv-a has no IPsec policy" 0 "$(n "$A" ip xfrm policy | grep -c 'reqid' || true)"
	no_pol=$(drops "$A" gs0 tx_no_policy)
	sleep 2
	check_eq "$1: hv-a waits for an SA" "WAITING FOR SA" "$(tfield "$A" gs0 ipsec_state)"
	check_ge "$1: hv-a refused to send without a policy" $((no_pol + 10)) \
		"$(drops "$A" gs0 tx_no_policy)"
}

# back WHAT: ACTIVE again by itself, pings answered, the new charon's SAs.
back() {
	local got=0 t0=$SECONDS
	wait_active "$A"
	wait_active "$B"
	log "$1: ACTIVE again after $((SECONDS - t0)) s"
	for _ in $(seq 30); do
		got=$(ping_count "$A" $B_OV 5)
		((got == 5)) && break
		sleep 1
	done
	check_eq "$1: pings answered" 5 "$got"
	check_spis "$1: hv-a's SAs are the new charon's" A "$A" gs0
	check_eq "$1: hv-a's connections" gnvsec-gs0 "$(conns A "$A")"
}

# one_child_sa: hv-a's kernel holds exactly one CHILD_SA (two SAs), and
# still does 12 s on: pluto revives a connection 5 s after an IKE_SA of it
# went, so a second CHILD_SA it makes by itself may come after the first,
# and the reconciler's next pass (the 5 s interval) deletes it. Each
# sample is the one judged (at most 40 s).
one_child_sa() {
	local got stable=0
	for _ in $(seq 80); do
		got=$(kernel_sas "$A")
		if ((got == 2)); then
			((++stable >= 24)) && break
		else
			stable=0
		fi
		sleep 0.5
	done
	check_eq "hv-a's kernel SAs: one CHILD_SA, 12 s on" 2 "$got"
	check_ge "hv-a's kernel SAs: one CHILD_SA for 12 s (samples)" 24 "$stable"
}

# sync_kill WHO: kills WHO's reconciler (no chance to clean up).
sync_kill() {
	kill -9 "$(sync_pid "$1")"
	wait "$(sync_pid "$1")" 2>/dev/null || true
}

# sync_resume WHO NS NAME: starts WHO's reconciler again; returns once it
# has loaded the connection, or kept the one pluto has as it would load it
# (its first pass).
sync_resume() {
	local loads
	loads=$(sync_log "$1" | grep -cE ' (loaded|kept) gnvsec-' || true)
	sync_start "$@"
	for _ in $(seq 60); do
		(($(sync_log "$1" | grep -cE ' (loaded|kept) gnvsec-' || true) > loads)) && return 0
		sleep 0.5
	done
	fail "the reconciler of $1 did not load its connection again"
}

log "== charon stopped and started again"
traffic_start wire_restart
sleep 1
charon_stop A
down "charon stopped"
charon_start A "$A"
back "charon restarted"
traffic_stop wire_restart
check_contains "the reconciler saw $IKE_NAME go" "$IKE_NAME unreachable" "$(sync_log A)"
check_contains "and come back" "$IKE_NAME reachable again" "$(sync_log A)"

log "== charon restarted while the reconciler is down"
traffic_start wire_resync
sync_kill A
charon_stop A
charon_start A "$A"
check_eq "hv-a's new charon has no connection" "" "$(conns A "$A")"
down "reconciler down"
sync_start A "$A" hv-a
back "reconciler restarted"
traffic_stop wire_resync
one_child_sa

log "== hv-b's reconciler restarted, nothing changed"
spis=$(tunnel_spis "$A" gs0 | xargs)
sync_kill B
sync_resume B "$B" hv-b
sleep 3		# a pass on every event, and retries after 1 s
check_eq "hv-a's SAs after the restart" "$spis" "$(tunnel_spis "$A" gs0 | xargs)"

log "== hv-b's certificate replaced while its reconciler is down"
traffic_start wire_certs
sync_kill B
pki_cert hv-b-renewed hv-b /O=renewed
cp "$PKI/hv-b-renewed-cert.pem" "$(ike_dir B)/swanctl/x509/hv-b-cert.pem"
cp "$PKI/hv-b-renewed-privkey.pem" "$(ike_dir B)/swanctl/private/hv-b-privkey.pem"
check_eq "hv-a's SAs while hv-b's reconciler is down" "$spis" "$(tunnel_spis "$A" gs0 | xargs)"
sync_resume B "$B" hv-b
if [[ $IKE_BACKEND == libreswan ]]; then
	# pluto replaces the connection whose certificate changed, and its
	# SAs with it; it signs with the certificate NSS holds under hv-b's
	# name, which pluto's log does not spell out
	check_contains "hv-b's reconciler loads the connection again" \
		"loaded gnvsec-gs0: gs0 to hv-a" "$(sync_log B | tail -n 3)"
	check_contains "hv-b's NSS holds the new certificate" "O=renewed" \
		"$(certutil -L -d "sql:$(ike_dir B)/nss" -n hv-b 2>&1)"
	check_eq "and only that one for hv-b" 1 \
		"$(certutil -L -d "sql:$(ike_dir B)/nss" | grep -c '^hv-b ' || true)"
else
	for _ in $(seq 60); do
		grep -q "$LOG_RENEWED" "$(ike_dir A)/charon.log" && break
		sleep 1
	done
	check_contains "hv-b's reconciler ends the old IKE_SA" \
		"terminated the SAs of gnvsec-gs0: its credentials changed since it authenticated" "$(sync_log B)"
	check_contains "hv-a checked hv-b's new certificate" "$LOG_RENEWED" "$(cat "$(ike_dir A)/charon.log")"
fi
back "certificates replaced"
traffic_stop wire_certs
new=$(tunnel_spis "$A" gs0 | xargs)
[[ $new != "$spis" ]] || fail "hv-a's SAs are the old ones: $new"
one_child_sa
[[ $IKE_BACKEND == libreswan ]] ||
	check_eq "hv-b's reconciler ended it once" 1 \
		"$(sync_log B | grep -c 'its credentials changed since it authenticated' || true)"

log "== hv-b's tunnel names another chassis while its reconciler is down"
# The kernel cannot see it (the SAs still fit the tunnel): the restarted
# reconciler sees that the IKE_SA authenticated "hv-a", not "hv-x", and
# ends it; no chassis can then authenticate as hv-x.
traffic_start wire_chassis
sync_kill B
ctl "$B" tunnel set gs0 chassis hv-x
check_eq "hv-a's SAs while hv-b's reconciler is down" "$new" "$(tunnel_spis "$A" gs0 | xargs)"
sync_resume B "$B" hv-b
for _ in $(seq 60); do
	(($(kernel_sas "$A") + $(kernel_sas "$B") == 0)) && break
	sleep 0.5
done
if [[ $IKE_BACKEND == libreswan ]]; then
	check_contains "hv-b's reconciler replaces the connection that names hv-a" \
		"loaded gnvsec-gs0: gs0 to hv-x" "$(sync_log B)"
else
	check_contains "hv-b's reconciler ends the IKE_SA that authenticated hv-a" \
		'terminated the SAs of gnvsec-gs0: it authenticated "hv-a", the tunnel names "hv-x"' "$(sync_log B)"
fi
# Both now initiate (hv-b sorts lower than hv-x) and each attempt fails at
# once: the attempts back off (1, 2, 4, then the 5 s interval), never a
# loop of negotiations.
tries0=$(sync_log B | grep -c 'initiating gnvsec-gs0' || true)
sleep 8
check_le "hv-b's attempts in 8 s" 4 \
	$(($(sync_log B | grep -c 'initiating gnvsec-gs0' || true) - tries0))
check_eq "hv-b waits for an SA" "WAITING FOR SA" "$(tfield "$B" gs0 ipsec_state)"
ctl "$B" tunnel set gs0 chassis hv-a
back "chassis name restored"
traffic_stop wire_chassis
one_child_sa

sync_dump A B
