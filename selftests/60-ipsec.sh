#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gnvsec to gnvsec with manually keyed ESP ("gnvsecctl sa add"): pings and
# TCP transfers pass, the receiving underlay sees ESP only and not one
# UDP/6081 frame, the decrypted Geneve packets carry no UDP checksum over
# IPv4 and one over IPv6, the SA counters grow by exactly the packets sent,
# and status says ACTIVE with both SAs listed (never their keys).
. "$(dirname "$0")/lib.sh"

KEY1=0x$(printf '%040x' 0x1111)		# AES-128 key + 4-byte salt
KEY2=0x$(printf '%040x' 0x2222)

setup_chassis

run_family() {
	local fam=$1 a_ul=$2 b_ul=$3
	local got out

	log "== underlay $fam"
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 10 ipsec required chassis hv-b
	ctl "$B" tunnel add gs0 remote "$a_ul" local "$b_ul" vni 10 ipsec required chassis hv-a
	join_overlay gs0 gs0

	check_eq "$fam: required without SAs" "WAITING FOR SA" "$(tfield "$A" gs0 ipsec_state)"
	check_eq "$fam: nothing passes without SAs" 0 "$(ping_count "$A" $B_OV 3)"
	check_eq "$fam: drops counted as no policy" 3 "$(drops "$A" gs0 tx_no_policy)"

	echo "$KEY2" >"$TMP/key2"
	ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out $KEY1 key-in @"$TMP/key2"
	ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out $KEY2 key-in $KEY1
	check_eq "$fam: A state" ACTIVE "$(tfield "$A" gs0 ipsec_state)"
	check_eq "$fam: B state" ACTIVE "$(tfield "$B" gs0 ipsec_state)"
	check_eq "$fam: binding" '{"spi_out": 4097, "spi_in": 8193}' "$(tfield "$A" gs0 binding)"

	out=$(ctl "$A" tunnels show gs0)
	log "$out"
	check_contains "$fam: status names the out SA" "spi 0x00001001 esp reqid 0 transport rfc4106(gcm(aes))" "$out"
	check_contains "$fam: status names the in SA" "spi 0x00002001" "$out"
	check_contains "$fam: status lists the out policy" "dport 6081 mark" "$out"
	for k in $KEY1 $KEY2 "${KEY1#0x}" "${KEY2#0x}"; do
		if grep -qi -- "$k" <<<"$out$(ctl "$A" -j tunnels show gs0)"; then
			fail "$fam: key material $k printed by tunnels show"
		fi
	done

	# The decrypted Geneve packets pass B's input hook again: count
	# those A sent with no UDP checksum (the ESP ICV covers the datagram,
	# so IPv4 goes without; IPv6 receivers require one).
	n "$B" nft -f - <<<"table inet csum {
		counter nocsum {}
		counter withcsum {}
		chain in {
			type filter hook input priority 0;
			meta secpath exists udp dport 6081 udp checksum 0 counter name nocsum
			meta secpath exists udp dport 6081 udp checksum != 0 counter name withcsum
		}
	}"
	capture_start "$B" ul wire
	got=$(ping_count "$A" $B_OV 20)
	capture_stop wire
	local nocsum=20 withcsum=0
	[[ $fam == ipv6 ]] && nocsum=0 withcsum=20
	check_eq "$fam: decrypted Geneve from A without UDP checksum" $nocsum \
		"$(n "$B" nft -j list counter inet csum nocsum | python3 -c 'import json,sys; print(json.load(sys.stdin)["nftables"][1]["counter"]["packets"])')"
	check_eq "$fam: decrypted Geneve from A with a UDP checksum" $withcsum \
		"$(n "$B" nft -j list counter inet csum withcsum | python3 -c 'import json,sys; print(json.load(sys.stdin)["nftables"][1]["counter"]["packets"])')"
	n "$B" nft delete table inet csum
	check_eq "$fam: pings answered through ESP" 20 "$got"
	check_eq "$fam: ESP frames A->B on B's wire" 20 \
		"$(capture_count wire "src host $a_ul and (ip proto 50 or ip6 proto 50)")"
	check_eq "$fam: clear Geneve frames on B's wire" 0 \
		"$(capture_count wire "udp port 6081")"
	check_eq "$fam: A out SA packets" 20 "$(python3 - "$(ctl "$A" -j tunnels show gs0)" <<'PY'
import json, sys
t = json.loads(sys.argv[1])[0]
print(next(s["packets"] for s in t["sas"] if s["dir"] == "out"))
PY
)"
	check_eq "$fam: B in SA packets" 20 "$(python3 - "$(ctl "$B" -j tunnels show gs0)" <<'PY'
import json, sys
t = json.loads(sys.argv[1])[0]
print(next(s["packets"] for s in t["sas"] if s["dir"] == "in"))
PY
)"

	capture_start "$B" ul wire2
	got=$(tcp_transfer "$A" "$B" $B_OV)
	check_eq "$fam: TCP A->B bytes over ESP" "$TCP_BYTES" "$got"
	got=$(tcp_transfer "$A" "$B" $B_OV -R)
	check_eq "$fam: TCP B->A bytes over ESP" "$TCP_BYTES" "$got"
	capture_stop wire2
	check_eq "$fam: clear Geneve during the TCP transfers" 0 "$(capture_count wire2 "udp port 6081")"
	check_ge "$fam: ESP during the TCP transfers" 100 \
		"$(capture_count wire2 "ip proto 50 or ip6 proto 50")"

	ctl "$A" sa del gs0
	ctl "$B" sa del gs0
	check_eq "$fam: sa del removed A's states" 0 "$(n "$A" ip xfrm state | grep -c '^src' || true)"
	check_eq "$fam: sa del removed A's policies" 0 "$(n "$A" ip xfrm policy | grep -c '^src' || true)"
	check_eq "$fam: unbound after sa del" null "$(tfield "$A" gs0 binding)"
	ctl "$A" tunnel del gs0
	ctl "$B" tunnel del gs0
}

run_family ipv4 $A_UL4 $B_UL4
run_family ipv6 $A_UL6 $B_UL6
