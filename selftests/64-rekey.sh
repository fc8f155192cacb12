#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rekey by hand under load: while iperf3 and pings run from A, both sides
# install new SAs with new SPIs ("sa add" binds them), then remove the old
# ones. Not one clear Geneve frame may reach B's underlay; the loss during
# the change is reported, and the new SAs carry the traffic afterwards.
. "$(dirname "$0")/lib.sh"

key() { printf '0x%040x' "$1"; }

setup_chassis
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 50 ipsec required
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 50 ipsec required
join_overlay gs0 gs0
ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out "$(key 1)" key-in "$(key 2)"
ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out "$(key 2)" key-in "$(key 1)"
check_eq "old SAs work" 5 "$(ping_count "$A" $B_OV 5)"

# The pings run until the new generation has carried some (they stop 2 s
# after it is in place, however long the commands took: on the debug
# kernel each takes seconds); iperf3 runs long enough to span the change
# there too.
capture_start "$B" ul wire
$ip netns exec "$B" iperf3 -s -1 -B $B_OV >"$TMP/iperf-server.log" 2>&1 &
sleep 0.5
$ip netns exec "$A" iperf3 -c $B_OV -t $((${GNVSEC_DEBUG:-0} == 1 ? 40 : 6)) -J \
	>"$TMP/iperf.json" 2>&1 &
iperf_pid=$!
$ip netns exec "$A" ping -i 0.02 -W 1 $B_OV >"$TMP/ping.log" 2>&1 &
ping_pid=$!
sleep 1.5

# New generation: the receiver's inbound SA first, then each sender.
ctl "$B" sa add gs0 spi-out 0x2002 spi-in 0x1002 key-out "$(key 4)" key-in "$(key 3)"
ctl "$A" sa add gs0 spi-out 0x1002 spi-in 0x2002 key-out "$(key 3)" key-in "$(key 4)"
sleep 1
ctl "$A" sa del gs0 spi-out 0x1001 spi-in 0x2001
ctl "$B" sa del gs0 spi-out 0x2001 spi-in 0x1001
sleep 2

kill -INT "$ping_pid"	# ping prints its summary on SIGINT
wait "$ping_pid" || true
wait "$iperf_pid" || true
capture_stop wire

log "ping during the rekey: $(grep -E 'packets transmitted' "$TMP/ping.log")"
check_eq "clear Geneve frames on B's wire" 0 "$(capture_count wire "udp port 6081")"
check_ge "ESP with the new SPI on B's wire" 10 \
	"$(tcpdump -n -r "$TMP/wire.pcap" 'esp' 2>/dev/null | grep -c 'spi=0x00001002' || true)"
bytes=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"]))' "$TMP/iperf.json")
check_ge "iperf3 bytes across the rekey" 100000 "$bytes"
log "iperf3 retransmits across the rekey: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_sent"].get("retransmits"))' "$TMP/iperf.json")"
check_eq "binding is the new generation" '{"spi_out": 4098, "spi_in": 8194}' "$(tfield "$A" gs0 binding)"
check_eq "old SAs are gone" 0 "$(n "$A" ip xfrm state | grep -c 'spi 0x00001001\|spi 0x00002001' || true)"
check_eq "new SAs work" 5 "$(ping_count "$A" $B_OV 5)"
