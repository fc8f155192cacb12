#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Teardown under load: deleting a namespace whose tunnels carry traffic,
# unloading the module with tunnels up and traffic flowing, and autoload
# through "ip link add ... type gnvsec". The harness fails the run on any
# kernel splat; this test checks that each step completes and leaves
# nothing behind.
. "$(dirname "$0")/lib.sh"

flood() { # NS DST: traffic in the background until killed
	$ip netns exec "$1" ping -f -s 1000 "$2" >/dev/null 2>&1 &
}

tunnels_up() {
	ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 ipsec off
	ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 ipsec off
	ctl "$A" tunnel add gs6 remote $B_UL6 local $A_UL6 ipsec off
	ctl "$B" tunnel add gs6 remote $A_UL6 local $B_UL6 ipsec off
	join_overlay gs0 gs0
	check_eq "tunnel works" 3 "$(ping_count "$A" $B_OV 3)"
}

stop_traffic() {
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}

# 1. Namespace deletion under traffic: a namespace dies with its last
# process, so the floods are stopped right after the names are removed,
# while their packets are still in flight.
setup_chassis
tunnels_up
flood "$A" $B_OV
flood "$B" $A_OV
sleep 1
$ip netns del "$B"
$ip netns del "$A"
stop_traffic
# The namespaces' teardown runs in a workqueue; the module must still be
# unloadable afterwards (it would not be with a device or socket leaked).
sleep 2

# 2. Module unload under traffic.
A=gsa2-$SUFFIX B=gsb2-$SUFFIX
setup_chassis
tunnels_up
flood "$A" $B_OV
flood "$B" $A_OV
sleep 1
rmmod gnvsec
check_eq "module unloaded" no "$([[ -d /sys/module/gnvsec ]] && echo yes || echo no)"
check_eq "A's tunnels are gone" 0 "$($ip -n "$A" -o link show type gnvsec | wc -l)"
stop_traffic

# 3. Autoload by rtnetlink kind: an unconfigured tunnel that drops.
$ip -n "$A" link add gsx type gnvsec
check_eq "module autoloaded" yes "$([[ -d /sys/module/gnvsec ]] && echo yes || echo no)"
check_eq "unconfigured tunnel says why" '"no remote address"' \
	"$(ctl "$A" -j tunnels show gsx | python3 -c 'import json,sys; import json as j; print(j.dumps(json.load(sys.stdin)[0]["config_error"]))')"
$ip -n "$A" addr add 192.168.99.1/24 dev gsx
$ip -n "$A" link set gsx up
n "$A" ping -c 3 -i 0.1 -W 1 192.168.99.2 >/dev/null 2>&1 || true
check_ge "unconfigured tunnel counts its drops" 3 "$(drops "$A" gsx tx_unconfigured)"
$ip -n "$A" link del gsx
