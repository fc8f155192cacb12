#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reconciler's authentication modes, as OVS IPsec offers them, between
# two chassis (hv-a initiates, hv-b responds), one round each with fresh
# charons and tunnels:
#   - psk: one pre-shared key on both sides reaches ACTIVE, ESP only on
#     the receiving wire; a wrong key never does (charon says the MAC did
#     not match, the status says no SA); a short key is refused before
#     charon is given anything;
#   - self-signed: each chassis' own certificate, the peer's known in
#     advance, reaches ACTIVE; a peer certificate that names another
#     chassis is refused before loading, saying what it expected and found;
#   - ca: a CA-signed certificate of another chassis as this chassis' own
#     is refused before loading (the checks of "gnvsecctl cert check").
# In every round, no clear Geneve frame on either receiving wire.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

ike_require
load_module
trap 'rc=$?; ((rc == 0)) || sync_dump A B; cleanup' EXIT
setup_chassis
pki_ca
pki_cert hv-a hv-a
pki_cert hv-b hv-b
pki_cert hv-x hv-x	# CA-signed, but neither chassis' name

# self_signed NAME CN: $PKI/NAME-self-cert.pem and its key, self-signed,
# CN and subjectAltName DNS both CN.
self_signed() {
	openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-keyout "$PKI/$1-self-privkey.pem" -out "$PKI/$1-self-cert.pem" -days 30 \
		-subj "/CN=$2" -addext "subjectAltName = DNS:$2" 2>/dev/null
}
self_signed hv-a hv-a
self_signed hv-b hv-b
self_signed hv-x hv-x
# PSK files: the reconciler reads the first line.
printf '%s\n' "gnvsec selftest pre-shared key 0123456789" >"$TMP/psk"
printf '%s\n' "another pre-shared key, not the same one" >"$TMP/psk-wrong"
printf '%s\n' "short key" >"$TMP/psk-short"
chmod 600 "$TMP"/psk*

# start_round: charons and reconcilers (with options $A_OPTS, $B_OPTS)
# and the tunnels, both sides; captures on both receiving wires.
start_round() {
	charon_start A "$A"
	charon_start B "$B"
	# shellcheck disable=SC2086 # the options, word by word
	sync_start A "$A" hv-a $A_OPTS
	# shellcheck disable=SC2086
	sync_start B "$B" hv-b $B_OPTS
	ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 87 ipsec required chassis hv-b
	ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 87 ipsec required chassis hv-a
	join_overlay gs0 gs0
	capture_start "$B" ul wire_b
	capture_start "$A" ul wire_a
}

# stop_captures: no clear Geneve on either receiving wire.
stop_captures() {
	capture_stop wire_b
	capture_stop wire_a
	check_eq "clear Geneve on hv-b's wire" 0 "$(capture_count wire_b "udp port 6081")"
	check_eq "clear Geneve on hv-a's wire" 0 "$(capture_count wire_a "udp port 6081")"
}

# end_round: everything of the round stopped and gone.
end_round() {
	kill "$(sync_pid A)" "$(sync_pid B)"
	wait "$(sync_pid A)" "$(sync_pid B)" 2>/dev/null || true
	ctl "$A" tunnel del gs0
	ctl "$B" tunnel del gs0
	charon_stop A
	charon_stop B
	rm -f "$(ike_dir A)/sync.log" "$(ike_dir B)/sync.log"
}

# active_round WHAT: both tunnels ACTIVE on their own; 20 pings, 20 ESP
# frames from hv-a on hv-b's wire.
active_round() {
	wait_active "$A" gs0
	wait_active "$B" gs0
	check_eq "$1: pings hv-a -> hv-b" 20 "$(ping_count "$A" $B_OV 20)"
	stop_captures
	check_eq "$1: ESP from hv-a on hv-b's wire" 20 \
		"$(capture_count wire_b "src host $A_UL4 and ip proto 50")"
}

# refused_round WHAT: neither tunnel becomes ACTIVE (hv-a keeps trying: a
# 12 s wait covers several attempts); no ping passes, no SA anywhere.
refused_round() {
	must_fail "$1: hv-a ACTIVE" ctl "$A" wait --timeout 12 gs0
	check_eq "$1: pings hv-a -> hv-b" 0 "$(ping_count "$A" $B_OV 10)"
	check_eq "$1: hv-a's state" "WAITING FOR SA" "$(tfield "$A" gs0 ipsec_state)"
	check_eq "$1: hv-b's state" "WAITING FOR SA" "$(tfield "$B" gs0 ipsec_state)"
	check_eq "$1: hv-a's kernel SAs" 0 "$(kernel_sas "$A")"
	check_eq "$1: hv-b's kernel SAs" 0 "$(kernel_sas "$B")"
	stop_captures
}

cfg() { ctl "$1" ike swanctl --local-id "$2" "${@:3}"; }

# What each daemon logs when it authenticated the peer with the PSK, when
# the peer's PSK was not the same, and when it authenticated the peer's
# certificate.
if [[ $IKE_BACKEND == libreswan ]]; then
	LOG_PSK_OK="authenticated peer using authby=secret and ID_FQDN '@hv-b'"
	LOG_PSK_BAD="AUTHENTICATION_FAILED"
	LOG_CERT_OK="digital signature using preloaded certificate '@hv-b'"
else
	LOG_PSK_OK="authentication of 'hv-b' with pre-shared key successful"
	LOG_PSK_BAD="but MAC mismatched"
	LOG_CERT_OK="authentication of 'hv-b' with ECDSA"
fi

# ike_show WHO NS: the "IKE:" line of "tunnels show gs0" with WHO's charon.
ike_show() { ctl "$2" tunnels show gs0 "$IKE_SOCK_OPT" "$(ike_sock "$1")" | grep '^IKE:' || true; }
# ike_json WHO NS: its "ike" object in JSON, keys sorted ("none" if absent).
ike_json() {
	ctl "$2" -j tunnels show gs0 ${1:+"$IKE_SOCK_OPT" "$(ike_sock "$1")"} | python3 -c '
import json, sys
t = json.load(sys.stdin)[0]
print(json.dumps(t["ike"], sort_keys=True) if "ike" in t else "none")'
}

log "== usage"
must_fail "--auth psk without a key file" ctl "$A" ike sync --auth psk
check_eq "its exit status" 2 "$RC"
check_contains "it says what is missing" "--auth psk needs --psk-file FILE" "$OUT"
must_fail "an unknown mode" ctl "$A" ike sync --auth rsa
check_contains "it names the modes" 'invalid --auth "rsa" (ca, self-signed or psk)' "$OUT"
must_fail "--ca with a PSK" ctl "$A" ike sync --auth psk --psk-file "$TMP/psk" --ca cacert.pem
check_contains "it says so" "--ca is for --auth ca" "$OUT"
must_fail "an option of the other backend" ctl "$A" ike sync --backend libreswan --vici "$TMP/x.vici"
check_contains "it says whose it is" "--vici is for --backend strongswan" "$OUT"
must_fail "and the other way" ctl "$A" ike sync --ctlsocket "$TMP/x.ctl"
check_contains "it says whose it is" "--ctlsocket is for --backend libreswan" "$OUT"
must_fail "an unknown backend" ctl "$A" ike sync --backend racoon
check_contains "it names the backends" 'unknown IKE backend "racoon" (strongswan or libreswan)' "$OUT"

log "== psk: one key on both sides"
charon_conf A hv-a
charon_conf B hv-b
A_OPTS="--auth psk --psk-file $TMP/psk" B_OPTS="--auth psk --psk-file $TMP/psk" start_round
check_contains "the description asks for a PSK" "auth = psk" "$(cfg "$A" hv-a --auth psk --psk-file "$TMP/psk")"
check_contains "the secret is owned by both" 'id-1 = "hv-b"' "$(cfg "$A" hv-a --auth psk --psk-file "$TMP/psk")"
active_round psk
check_eq "psk: tunnels show, IKE" \
	"IKE:            gnvsec-gs0 ($IKE_NAME): IKE_SA ESTABLISHED, CHILD_SA INSTALLED" "$(ike_show A "$A")"
check_eq "psk: tunnels show -j, IKE" \
	"{\"backend\": \"$IKE_BACKEND\", \"child_sa\": \"INSTALLED\", \"connection\": \"gnvsec-gs0\", \"ike_sa\": \"ESTABLISHED\", \"loaded\": true}" \
	"$(ike_json A "$A")"
check_eq "psk: without $IKE_SOCK_OPT and no daemon at the default socket, nothing of IKE" none "$(ike_json "" "$A")"
check_contains "hv-a loaded its connection" "loaded gnvsec-gs0: gs0 to hv-b, reqid" "$(sync_log A)"
check_contains "hv-a's $IKE_NAME authenticated with the PSK" "$LOG_PSK_OK" "$(cat "$(ike_dir A)/charon.log")"
end_round

log "== psk: the wrong key"
: >"$(ike_dir B)/charon.log"
A_OPTS="--auth psk --psk-file $TMP/psk" B_OPTS="--auth psk --psk-file $TMP/psk-wrong" start_round
refused_round "wrong PSK"
check_eq "wrong PSK: why hv-a waits" no-inbound-sa "$(tfield "$A" gs0 ipsec_wait_reason)"
check_contains "wrong PSK: hv-b's $IKE_NAME says why" "$LOG_PSK_BAD" "$(cat "$(ike_dir B)/charon.log")"
end_round

log "== psk: a short key is refused before loading"
A_OPTS="--auth psk --psk-file $TMP/psk" B_OPTS="--auth psk --psk-file $TMP/psk-short" start_round
refused_round "short PSK"
check_contains "short PSK: hv-b's reconciler says why" \
	"gs0: not loaded: $TMP/psk-short: the pre-shared key (its first line) has 9 characters; at least 20 are needed" \
	"$(sync_log B)"
check_eq "short PSK: hv-b's connections" "" "$(conns B "$B")"
check_eq "short PSK: hv-b's tunnels show says so" \
	"IKE:            gnvsec-gs0 ($IKE_NAME): not loaded" "$(ike_show B "$B")"
check_eq "short PSK: and in JSON" \
	"{\"backend\": \"$IKE_BACKEND\", \"child_sa\": null, \"connection\": \"gnvsec-gs0\", \"ike_sa\": null, \"loaded\": false}" \
	"$(ike_json B "$B")"
# shellcheck disable=SC2046 # the options, word by word
must_fail "short PSK: one pass" ctl "$B" ike sync $(sync_args B hv-b) --auth psk --psk-file "$TMP/psk-short"
check_contains "short PSK: the pass says why" "at least 20 are needed" "$OUT"
end_round

# self_conf WHO NAME OWN PEER PEERFILE: WHO's swanctl directory with its
# own self-signed certificate (of $PKI/OWN-self-*) as NAME-cert.pem and
# the peer's ($PKI/PEERFILE-self-cert.pem) as PEER-cert.pem.
self_conf() {
	local d
	d=$(ike_dir "$1")/swanctl
	rm -f "$d"/x509/* "$d"/x509ca/* "$d"/private/*
	cp "$PKI/$3-self-cert.pem" "$d/x509/$2-cert.pem"
	cp "$PKI/$3-self-privkey.pem" "$d/private/$2-privkey.pem"
	cp "$PKI/$5-self-cert.pem" "$d/x509/$4-cert.pem"
}

log "== self-signed: each peer's own certificate"
: >"$(ike_dir A)/charon.log"
self_conf A hv-a hv-a hv-b hv-b
self_conf B hv-b hv-b hv-a hv-a
A_OPTS="--auth self-signed" B_OPTS="--auth self-signed" start_round
check_contains "the description names the peer's certificate" 'certs = "hv-b-cert.pem"' \
	"$(cfg "$A" hv-a --auth self-signed | sed -n '/remote {/,/}/p')"
active_round self-signed
check_contains "hv-a's $IKE_NAME authenticated hv-b's certificate" "$LOG_CERT_OK" \
	"$(cat "$(ike_dir A)/charon.log")"
end_round

log "== self-signed: a peer certificate that names another chassis"
self_conf B hv-b hv-b hv-a hv-x
A_OPTS="--auth self-signed" B_OPTS="--auth self-signed" start_round
refused_round "wrong peer certificate"
check_contains "wrong peer certificate: hv-b's reconciler says what it expected and found" \
	"gs0: not loaded: peer certificate $(ike_dir B)/swanctl/x509/hv-a-cert.pem of hv-a: CN: expected \"hv-a\" (the chassis name), found \"hv-x\"" \
	"$(sync_log B)"
check_eq "wrong peer certificate: hv-b's connections" "" "$(conns B "$B")"
end_round

log "== ca: this chassis' certificate is another chassis'"
rm -rf "$(ike_dir A)/swanctl" "$(ike_dir B)/swanctl"
charon_conf A hv-a hv-x
charon_conf B hv-b
A_OPTS="" B_OPTS="" start_round
refused_round "wrong own certificate"
check_contains "wrong own certificate: hv-a's reconciler says what it expected and found" \
	"gs0: not loaded: certificate $(ike_dir A)/swanctl/x509/hv-a-cert.pem of hv-a: CN: expected \"hv-a\" (the chassis name), found \"hv-x\"" \
	"$(sync_log A)"
check_eq "wrong own certificate: hv-a's connections" "" "$(conns A "$A")"
check_eq "wrong own certificate: hv-b (responder) loaded its own" gnvsec-gs0 "$(conns B "$B")"
check_eq "wrong own certificate: hv-b's tunnels show" \
	"IKE:            gnvsec-gs0 ($IKE_NAME): no IKE_SA" "$(ike_show B "$B")"
charon_stop B
check_contains "$IKE_NAME stopped: tunnels show says so" \
	"IKE:            $IKE_NAME unreachable at $(ike_sock B): " "$(ike_show B "$B")"
check_contains "$IKE_NAME stopped: in JSON too" \
	"{\"backend\": \"$IKE_BACKEND\", \"error\": \"$IKE_NAME unreachable at " "$(ike_json B "$B")"
end_round
