#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A chassis presents a certificate whose CN (and subjectAltName) is not
# its chassis name: B's tunnel says its peer is hv-a, A's certificate says
# hv-x. IKE fails whichever side initiates; no CHILD_SA exists on either
# side, no ping passes, neither underlay sees a clear Geneve frame, and
# neither tunnel is ACTIVE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

ike_require
setup_chassis
pki_ca
pki_cert hv-b hv-b
pki_cert hv-x hv-x	# CA-signed, well-formed, but not hv-a's name
# "gnvsecctl cert check" refuses it for chassis hv-a before charon ever
# sees it, saying what it expected and what it found.
must_fail "cert check of hv-x's certificate for hv-a" gnvsecctl cert check \
	"$PKI/hv-x-cert.pem" --key "$PKI/hv-x-privkey.pem" --ca "$PKI/cacert.pem" --chassis hv-a
check_eq "cert check exit status" 1 "$RC"
check_contains "cert check: expected versus found" \
	'FAIL  CN: expected "hv-a" (the chassis name), found "hv-x"' "$OUT"
check_contains "cert check: the rest holds" "ok    subjectAltName" "$OUT"

# A runs with the hv-x certificate and says who it is by it.
charon_conf A hv-x
charon_conf B hv-b
charon_start A "$A"
charon_start B "$B"
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 40 ipsec required chassis hv-b
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 40 ipsec required chassis hv-a
join_overlay gs0 gs0
ike_conf A "$A" hv-x
ike_conf B "$B" hv-b
check_contains "B expects hv-a" 'id = "hv-a"' "$(cat "$(ike_dir B)/swanctl/swanctl.conf")"
ike_load A "$A"
ike_load B "$B"

capture_start "$B" ul wire_b
capture_start "$A" ul wire_a
must_fail "A initiates with the wrong certificate" swan A "$A" --initiate --child gs0
must_fail "B initiates to the wrong certificate" swan B "$B" --initiate --child gs0
check_eq "pings through the refused tunnel" 0 "$(ping_count "$A" $B_OV 10)"
check_eq "pings the other way" 0 "$(ping_count "$B" $A_OV 10)"
sleep 2
capture_stop wire_b
capture_stop wire_a

log "B's charon: $(grep -E 'constraint|identity|AUTH|authentication' "$(ike_dir B)/charon.log" | head -n 6)"
check_contains "B refused the identity" "hv-x" "$(cat "$(ike_dir B)/charon.log")"
for w in A B; do
	ns=${!w}
	check_eq "$w: no CHILD_SA in charon" "" "$(swan_spis $w "$ns")"
	check_eq "$w: no SA in the kernel" 0 "$(kernel_sas "$ns")"
	check_eq "$w: not ACTIVE" "WAITING FOR SA" "$(tfield "$ns" gs0 ipsec_state)"
done
check_eq "clear Geneve frames on B's wire" 0 "$(capture_count wire_b "udp port 6081")"
check_eq "clear Geneve frames on A's wire" 0 "$(capture_count wire_a "udp port 6081")"
check_eq "ESP on either wire" 0 \
	"$(($(capture_count wire_b "ip proto 50") + $(capture_count wire_a "ip proto 50")))"
check_ge "A's refusals counted" 10 "$(($(drops "$A" gs0 tx_no_sa) + $(drops "$A" gs0 tx_no_policy)))"
check_ge "B's refusals counted" 10 "$(($(drops "$B" gs0 tx_no_sa) + $(drops "$B" gs0 tx_no_policy)))"
