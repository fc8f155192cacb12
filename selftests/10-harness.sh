#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Placeholder proving the VM harness works (to be replaced): two network
# namespaces joined by a veth pair ping each other, and an ESP SA with
# rfc4106(gcm(aes)) can be added (so the guest's crypto/RNG setup works).
set -euo pipefail
ip=/usr/sbin/ip
a=h-a-$$ b=h-b-$$
cleanup() { $ip netns del "$a" 2>/dev/null || true; $ip netns del "$b" 2>/dev/null || true; }
trap cleanup EXIT

$ip netns add "$a"
$ip netns add "$b"
$ip -n "$a" link add veth0 type veth peer name veth0 netns "$b"
$ip -n "$a" addr add 192.0.2.1/24 dev veth0
$ip -n "$b" addr add 192.0.2.2/24 dev veth0
$ip -n "$a" link set veth0 up
$ip -n "$b" link set veth0 up
$ip netns exec "$a" ping -c 2 -i 0.2 -W 2 192.0.2.2

key=0x$(printf '%040x' 42) # 16-byte AES key + 4-byte salt
$ip -n "$a" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 \
	reqid 1 mode transport aead 'rfc4106(gcm(aes))' "$key" 128
$ip -n "$a" xfrm state list
echo "harness ok: $(uname -r)"
