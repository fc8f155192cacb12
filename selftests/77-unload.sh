#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod and modprobe with traffic flowing, GNVSEC_UNLOAD_CYCLES (4) times.
# Two chassis with IPsec required carry ping floods both ways over an IPv4
# tunnel pair with NAT-T encapsulation forced (the encapsulation socket and
# its hook live) and an IPv6 pair of plain ESP. Each cycle unloads the
# module under the floods, loads it again and restores both chassis with
# "gnvsecctl setconf" of their showconf (the SAs and policies, which are
# XFRM's, stay), until traffic flows again. A capture on B's side of the
# underlay must hold no clear Geneve frame over the whole run and traffic of
# both pairs; every unload must succeed, and the kernel log stay clean.
. "$(dirname "$0")/lib.sh"

CYCLES=${GNVSEC_UNLOAD_CYCLES:-4}
splats='Oops|WARNING:|BUG:|general protection|Call Trace|KASAN|UBSAN|refcount_t:|list_(add|del) corruption|circular locking|unregister_netdevice: waiting'
key() { printf '0x%040x' "$1"; }
A_OV6=192.168.78.1
B_OV6=192.168.78.2

load_module
mark="gnvsec-selftest 77-unload $$"
echo "$mark" >/dev/kmsg
setup_chassis

for ns in "$A" "$B"; do
	ctl "$ns" global set ipsec true
done
ctl "$A" tunnel add g4 remote $B_UL4 local $A_UL4 vni 40 encap force
ctl "$B" tunnel add g4 remote $A_UL4 local $B_UL4 vni 40 encap force
ctl "$A" tunnel add g6 remote $B_UL6 local $A_UL6 vni 60
ctl "$B" tunnel add g6 remote $A_UL6 local $B_UL6 vni 60
ctl "$A" sa add g4 spi-out 0x4001 spi-in 0x4002 key-out "$(key 1)" key-in "$(key 2)"
ctl "$B" sa add g4 spi-out 0x4002 spi-in 0x4001 key-out "$(key 2)" key-in "$(key 1)"
ctl "$A" sa add g6 spi-out 0x6001 spi-in 0x6002 key-out "$(key 3)" key-in "$(key 4)"
ctl "$B" sa add g6 spi-out 0x6002 spi-in 0x6001 key-out "$(key 4)" key-in "$(key 3)"
for ns in "$A" "$B"; do
	n "$ns" ip link set g4 up
	n "$ns" ip link set g6 up
	ctl "$ns" showconf >"$TMP/$ns.conf"
done

# Overlay addresses and neighbours belong to whoever uses the tunnels
# (OVS): set again on every new device.
overlays() {
	local mac_a mac_b

	join_overlay g4 g4
	mac_a=$(mac_of "$A" g6)
	mac_b=$(mac_of "$B" g6)
	overlay "$A" g6 $A_OV6 $B_OV6 "$mac_b"
	overlay "$B" g6 $B_OV6 $A_OV6 "$mac_a"
}

# Until one ping gets through each pair (the underlay's neighbours, under
# emulation), at most 20 tries.
flowing() {
	local dst

	for dst in $B_OV $B_OV6; do
		for _ in $(seq 20); do
			n "$A" ping -c 1 -W 1 "$dst" >/dev/null 2>&1 && continue 2
		done
		fail "cycle $1: no traffic to $dst"
	done
	log "ok: cycle $1: both pairs carry traffic"
}

# 100 pings a second each way on each pair: packets always in flight, and
# few enough for the capture to keep every one.
floods() {
	local p ns dst
	for p in "$A $B_OV" "$A $B_OV6" "$B $A_OV" "$B $A_OV6"; do
		read -r ns dst <<<"$p"
		$ip netns exec "$ns" ping -i 0.01 -s 800 "$dst" >/dev/null 2>&1 &
	done
}

stop_floods() {
	local p
	for p in $(jobs -p); do
		[[ $p == "$(cat "$TMP/wire.pid")" ]] || kill "$p" 2>/dev/null || true
	done
}

overlays
capture_start "$B" ul wire
flowing 0
for cycle in $(seq "$CYCLES"); do
	floods
	sleep 1
	for _ in $(seq 20); do
		rmmod gnvsec 2>/dev/null && break
		sleep 0.5
	done
	check_eq "cycle $cycle: unloaded under traffic" no \
		"$([[ -d /sys/module/gnvsec ]] && echo yes || echo no)"
	check_eq "cycle $cycle: the tunnels went with it" 0 \
		"$($ip -n "$A" -o link show type gnvsec | wc -l)"
	sleep 0.5
	stop_floods
	modprobe gnvsec
	ctl "$A" setconf "$TMP/$A.conf"
	ctl "$B" setconf "$TMP/$B.conf"
	check_eq "cycle $cycle: A restored" "" "$(ctl "$A" showconf | diff "$TMP/$A.conf" -)"
	overlays
	flowing "$cycle"
done
capture_stop wire

check_eq "clear Geneve frames on B's wire" 0 "$(capture_count wire "udp port 6081")"
check_ge "NAT-T ESP of g4 on B's wire" 100 "$(capture_count wire "ip and udp port 4500")"
check_ge "ESP of g6 on B's wire" 100 "$(capture_count wire "ip6 proto 50")"
for ns in "$A" "$B"; do $ip netns del "$ns"; done
unload_clean "$mark" "$splats"
