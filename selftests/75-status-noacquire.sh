#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reading the status never negotiates. A's tunnel has an outbound policy
# whose template (reqid 7) no SA resolves, and a valid outbound ESP SA of
# another reqid between the same addresses. Sending would make XFRM ask the
# key manager for an SA (an acquire); an unprivileged process reading the
# status, however often, must not: "ip xfrm monitor acquire" (a key manager
# listening, so that acquires are really sent) sees nothing and no larval
# state appears. Then one ping from root shows that the same set-up does
# acquire when traffic asks for it, so the check can fail.
. "$(dirname "$0")/lib.sh"

setup_chassis
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 5 ipsec required
mark=$(tfield "$A" gs0 mark)
mask=$(tfield "$A" gs0 mark_mask)
n "$A" ip xfrm policy add src $A_UL4/32 dst $B_UL4/32 proto udp dport 6081 dir out \
	mark "$mark" mask "$mask" tmpl src $A_UL4 dst $B_UL4 proto esp mode transport reqid 7
n "$A" ip xfrm state add src $A_UL4 dst $B_UL4 proto esp spi 0x1001 reqid 5 mode transport \
	aead 'rfc4106(gcm(aes))' 0x$(printf '%040x' 0x7171) 128
n "$A" ip xfrm state add src $B_UL4 dst $A_UL4 proto esp spi 0x2001 reqid 5 mode transport \
	replay-window 32 aead 'rfc4106(gcm(aes))' 0x$(printf '%040x' 0x7272) 128
nstates() { n "$A" ip xfrm state | grep -c '^src' || true; }
check_eq "two states before" 2 "$(nstates)"

$ip netns exec "$A" ip xfrm monitor acquire >"$TMP/acquire.log" 2>&1 &
sleep 1

bin=$TMP/bin
mkdir -p "$bin"
cp "$GNVSECCTL" "$bin/gnvsecctl"
chmod 0755 "$TMP" "$bin" "$bin/gnvsecctl"
as_nobody() {
	$ip netns exec "$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all -- "$@"
}
as_userns_root() { $ip netns exec "$A" unshare --user --map-root-user -- "$@"; }

for who in as_nobody as_userns_root; do
	for _ in $(seq 20); do
		$who "$bin/gnvsecctl" tunnels show >/dev/null
		$who "$bin/gnvsecctl" -j tunnels show gs0 >/dev/null
	done
	check_contains "$who: status" "WAITING FOR SA" "$($who "$bin/gnvsecctl" tunnels show gs0)"
done
sleep 0.5
check_eq "no acquire from reading the status" "" "$(cat "$TMP/acquire.log")"
check_eq "no larval state from reading the status" 2 "$(nstates)"

# The control: traffic does acquire.
n "$A" sysctl -qw net.ipv6.conf.gs0.disable_ipv6=1
$ip -n "$A" addr add $A_OV/24 dev gs0
$ip -n "$A" link set gs0 up
$ip -n "$A" neigh replace $B_OV lladdr 02:00:00:00:00:02 dev gs0 nud permanent
check_eq "the ping is not answered" 0 "$(ping_count "$A" $B_OV 1)"
sleep 0.5
check_contains "a packet acquires" "acquire proto esp" "$(cat "$TMP/acquire.log")"
check_contains "the acquire is for reqid 7" "reqid 7" "$(cat "$TMP/acquire.log")"
check_eq "the acquire left a larval state" 3 "$(nstates)"
