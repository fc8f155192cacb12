#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# No plaintext in. A's tunnel requires IPsec. Clear Geneve from the peer's
# address, and from a third namespace spoofing the peer's address, must not
# deliver one inner packet: with A's inbound policy the kernel drops it
# first; without it (flushed, or never installed) gnvsec drops it and
# counts it. With a binding, ESP decrypted by an SA that is not the bound
# one is refused too.
. "$(dirname "$0")/lib.sh"

KEY1=0x$(printf '%040x' 0x4141)
KEY2=0x$(printf '%040x' 0x4242)
KEY3=0x$(printf '%040x' 0x4343)

setup_chassis
modprobe geneve

ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 30 ipsec required
ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out $KEY1 key-in $KEY2
# B speaks clear Geneve with the same VNI: the attack from the peer's address.
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 30 ipsec off
join_overlay gs0 gs0

rx_before=$(stat "$A" gs0 rx_packets)
mismatch0=$(n "$A" awk '/XfrmInTmplMismatch/ {print $2}' /proc/net/xfrm_stat)
n "$B" ping -c 10 -i 0.05 -W 1 $A_OV >/dev/null 2>&1 || true
check_eq "peer, inbound policy: inner packets delivered" 0 \
	$(($(stat "$A" gs0 rx_packets) - rx_before))
check_eq "peer, inbound policy: kernel dropped them" 10 \
	$(($(n "$A" awk '/XfrmInTmplMismatch/ {print $2}' /proc/net/xfrm_stat) - mismatch0))

# Without the inbound policy, gnvsec alone enforces.
n "$A" ip xfrm policy delete dir in src $B_UL4/32 dst $A_UL4/32 proto udp dport 6081
n "$B" ping -c 10 -i 0.05 -W 1 $A_OV >/dev/null 2>&1 || true
check_eq "peer, no inbound policy: inner packets delivered" 0 \
	$(($(stat "$A" gs0 rx_packets) - rx_before))
check_eq "peer, no inbound policy: counted as rx_plaintext" 10 "$(drops "$A" gs0 rx_plaintext)"

# A third namespace C, wired to A, spoofs B's underlay address.
$ip netns add "$C"
$ip -n "$A" link add spa type veth peer name sp netns "$C"
$ip -n "$A" link set spa up
$ip -n "$C" addr add $B_UL4/32 dev sp
$ip -n "$C" link set sp up
$ip -n "$C" route add $A_UL4/32 dev sp
$ip -n "$C" link add gnv0 type geneve id 30 remote $A_UL4
n "$C" sysctl -qw net.ipv6.conf.gnv0.disable_ipv6=1
$ip -n "$C" addr add $B_OV/24 dev gnv0
$ip -n "$C" link set gnv0 up
$ip -n "$C" neigh replace $A_OV lladdr "$(mac_of "$A" gs0)" dev gnv0 nud permanent
capture_start "$A" spa spoof
n "$C" ping -c 10 -i 0.05 -W 1 $A_OV >/dev/null 2>&1 || true
capture_stop spoof
check_eq "spoofer: clear Geneve reached A" 10 \
	"$(capture_count spoof "src host $B_UL4 and udp dst port 6081")"
check_eq "spoofer: inner packets delivered" 0 $(($(stat "$A" gs0 rx_packets) - rx_before))
check_eq "spoofer: counted as rx_plaintext" 20 "$(drops "$A" gs0 rx_plaintext)"
$ip netns del "$C"

# Binding: B uses a valid SA that A holds for another tunnel (gs1, VNI 31)
# to send on gs0's VNI. A decrypts it, then gs0 refuses it.
ctl "$A" tunnel add gs1 remote $B_UL4 local $A_UL4 vni 31 ipsec required
n "$A" ip xfrm state add src $B_UL4 dst $A_UL4 proto esp spi 0x2002 mode transport \
	replay-window 32 aead 'rfc4106(gcm(aes))' $KEY3 128
ctl "$A" tunnel bind gs1 spi-out 0x1002 spi-in 0x2002
ctl "$B" tunnel set gs0 ipsec required
ctl "$B" sa add gs0 spi-out 0x2002 spi-in 0x1001 key-out $KEY3 key-in $KEY1
n "$B" ping -c 10 -i 0.05 -W 1 $A_OV >/dev/null 2>&1 || true
check_eq "other tunnel's SA: decrypted by A" 10 "$(python3 - "$(ctl "$A" -j tunnels show gs1)" <<'PY'
import json, sys
t = json.loads(sys.argv[1])[0]
print(sum(s["packets"] for s in t["sas"] if s["dir"] == "in" and s["spi"] == 0x2002))
PY
)"
check_eq "other tunnel's SA: inner packets delivered" 0 $(($(stat "$A" gs0 rx_packets) - rx_before))
check_eq "other tunnel's SA: counted as rx_wrong_sa" 10 "$(drops "$A" gs0 rx_wrong_sa)"

# And the bound SA itself works: B switches to A's gs0 inbound SA.
ctl "$B" sa del gs0
ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out $KEY2 key-in $KEY1
check_eq "bound SA: pings answered" 5 "$(ping_count "$B" $A_OV 5)"
