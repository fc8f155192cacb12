#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Privilege: reading needs none, changing needs CAP_NET_ADMIN in the user
# namespace that owns the network namespace. In a chassis namespace owned
# by the initial user namespace, three kinds of process without that
# capability (nobody without capabilities; root of a user namespace of its
# own, which has every capability there but none over the chassis; nobody
# in such a user namespace) can show tunnels and the global switches (the
# XFRM sections say they cannot be read) but every change fails with EPERM
# (exit status 1, "Operation not permitted") and changes nothing. A process
# that owns its network namespace through its user namespace may configure
# tunnels there.
. "$(dirname "$0")/lib.sh"

setup_chassis
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 5 chassis hv-b
printf '%s\n' 0x000102030405060708090a0b0c0d0e0f10111213 >"$TMP/key"
printf '%s\n' 0x101112131415161718191a1b1c1d1e1f20212223 >"$TMP/key2"
ctl "$A" sa add gs0 spi-out 0x1000 spi-in 0x1001 key-out @"$TMP/key" key-in @"$TMP/key2"
state() { ctl "$A" -j tunnels show; ctl "$A" -j global show; }
before=$(state)
check_contains "root sees the SA" '"spi":4096' "$before"

# gnvsecctl must be reachable for nobody
bin=$TMP/bin
mkdir -p "$bin"
cp "$GNVSECCTL" "$bin/gnvsecctl"
chmod 0755 "$TMP" "$bin" "$bin/gnvsecctl"
printf '%s\n' 0x303132333435363738393a3b3c3d3e3f40414243 >"$bin/key"
printf '%s\n' 0x505152535455565758595a5b5c5d5e5f60616263 >"$bin/key2"
chmod 0644 "$bin/key" "$bin/key2"

# The ways to be without CAP_NET_ADMIN over the chassis' namespace.
as_nobody() {
	$ip netns exec "$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all -- "$@"
}
as_userns_root() { $ip netns exec "$A" unshare --user --map-root-user -- "$@"; }
as_userns_nobody() { $ip netns exec "$A" unshare --user --map-user=65534 -- "$@"; }

for who in as_nobody as_userns_root as_userns_nobody; do
	log "== $who: $($who id -u) in its namespace, capabilities $($who grep CapEff /proc/self/status | cut -f2)"

	out=$($who "$bin/gnvsecctl" tunnels show)
	check_contains "$who: tunnels show" "Interface name: gs0 (CONFIGURED)" "$out"
	check_contains "$who: tunnels show, VNI" "VNI:            5" "$out"
	check_contains "$who: XFRM cannot be read" "(cannot read: Operation not permitted)" "$out"
	check_eq "$who: tunnels show -j, VNI" 5 \
		"$($who "$bin/gnvsecctl" -j tunnels show gs0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["vni"])')"
	out=$($who "$bin/gnvsecctl" global show)
	check_contains "$who: global show" "ipsec:          false" "$out"
	check_contains "$who: global show -j" '"ipsec":false' "$($who "$bin/gnvsecctl" -j global show)"

	for cmd in "tunnel add gs1 remote 10.77.0.9" \
		"tunnel set gs0 vni 9" \
		"tunnel set gs0 ipsec off" \
		"tunnel del gs0" \
		"tunnel bind gs0 reqid 5" \
		"tunnel bind gs0 spi-out 0x2000 spi-in 0x2001" \
		"tunnel unbind gs0" \
		"global set ipsec true" \
		"global set encapsulation true" \
		"sa add gs0 spi-out 0x3000 spi-in 0x3001 key-out @$bin/key key-in @$bin/key2" \
		"sa del gs0"; do
		# shellcheck disable=SC2086 # the command is meant to split
		must_fail "$who: $cmd" $who "$bin/gnvsecctl" $cmd
		check_eq "$who: $cmd: exit status" 1 "$RC"
		check_contains "$who: $cmd: message" "Operation not permitted" "$OUT"
	done
	check_eq "$who: nothing changed" "$before" "$(state)"
done

# Reading the kernel's answer to a raw request: EPERM, not a crash or a
# silent success (nlclient also checks that the state did not change).
out=$(as_userns_root python3 "$GNVSEC_SRC/selftests/tools/nlclient.py" req --changed \
	set ifname=str:gs0 vni=u32:77)
check_contains "raw TUNNEL_SET from a user namespace: errno" "errno=EPERM" "$out"
check_contains "raw TUNNEL_SET from a user namespace: nothing changed" "changed=no" "$out"
check_eq "nothing changed at all" "$before" "$(state)"

# The owner of a network namespace (through its user namespace) may.
cat >"$bin/own.sh" <<EOF
set -e
ip link set lo up
ip link add d0 type dummy
ip addr add 10.66.0.1/24 dev d0
ip link set d0 up
$bin/gnvsecctl tunnel add gsu remote 10.66.0.2 vni 66
$bin/gnvsecctl tunnel set gsu vni 67 ipsec off
$bin/gnvsecctl tunnel bind gsu reqid 3
$bin/gnvsecctl global set ipsec true
$bin/gnvsecctl -j global show
$bin/gnvsecctl -j tunnels show gsu
$bin/gnvsecctl tunnel del gsu
EOF
chmod 0644 "$bin/own.sh"
out=$(unshare --user --map-root-user --net -- bash "$bin/own.sh" 2>&1) ||
	fail "configuring tunnels in an owned namespace failed: $out"
check_contains "owned namespace: tunnel configured" '"vni":67' "$out"
check_contains "owned namespace: tunnel bound" '"binding":{"reqid":3}' "$out"
check_contains "owned namespace: its own global switch" '"ipsec":true' "$out"
check_eq "the chassis' global switch is untouched" "$before" "$(state)"
