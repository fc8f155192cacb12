#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo `make demo` runs in the VM: two chassis (network namespaces
# hv1 and hv2) joined by an underlay, one gnvsec tunnel on each side,
# IPsec switched on for all tunnels (the "ipsec=true" of OVN) with manually
# keyed ESP, a ping across, what the receiving underlay saw, and
# `gnvsecctl tunnels show`.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PWD/userspace
ip=/usr/sbin/ip
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '%s\n' "\$ $*"; "$@"; }
hv1() { ip netns exec hv1 "$@"; }
hv2() { ip netns exec hv2 "$@"; }

say "two chassis joined by an underlay (10.0.0.1 <-> 10.0.0.2)"
$ip netns add hv1
$ip netns add hv2
$ip -n hv1 link add eth0 type veth peer name eth0 netns hv2
$ip -n hv1 addr add 10.0.0.1/24 dev eth0
$ip -n hv2 addr add 10.0.0.2/24 dev eth0
for ns in hv1 hv2; do
	$ip -n $ns link set eth0 up
	$ip -n $ns link set lo up
done

say "IPsec on for every tunnel of each chassis"
run hv1 gnvsecctl global set ipsec true
run hv2 gnvsecctl global set ipsec true

say "one Geneve tunnel per remote chassis"
run hv1 gnvsecctl tunnel add ovn-hv2-0 remote 10.0.0.2 local 10.0.0.1 vni 100 chassis hv2
run hv2 gnvsecctl tunnel add ovn-hv1-0 remote 10.0.0.1 local 10.0.0.2 vni 100 chassis hv1
$ip -n hv1 addr add 192.168.100.1/24 dev ovn-hv2-0
$ip -n hv2 addr add 192.168.100.2/24 dev ovn-hv1-0
$ip -n hv1 link set ovn-hv2-0 up
$ip -n hv2 link set ovn-hv1-0 up

say "before any SA: the tunnel refuses to send in clear"
hv1 ping -c 2 -W 1 192.168.100.2 || true
run hv1 gnvsecctl tunnels show ovn-hv2-0 | sed -n '1,/^Custom/p'

say "manually keyed ESP (keys read from files, never shown)"
umask 077
printf '0x%040x\n' 0xa1 >/tmp/k12
printf '0x%040x\n' 0xb2 >/tmp/k21
run hv1 gnvsecctl sa add ovn-hv2-0 spi-out 0x1200 spi-in 0x2100 key-out @/tmp/k12 key-in @/tmp/k21
run hv2 gnvsecctl sa add ovn-hv1-0 spi-out 0x2100 spi-in 0x1200 key-out @/tmp/k21 key-in @/tmp/k12

say "ping across, watching hv2's side of the underlay"
hv2 tcpdump -i eth0 -n -c 6 -l 'udp port 6081 or esp' 2>/dev/null &
sleep 1
run hv1 ping -c 3 -i 0.3 192.168.100.2
wait || true

say "status"
run hv1 gnvsecctl tunnels show
