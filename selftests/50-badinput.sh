#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input: each mistake gets a clear error naming the problem, a
# non-zero exit status (2 for usage, 1 for a kernel refusal), and leaves
# nothing created or changed.
. "$(dirname "$0")/lib.sh"

setup_chassis
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 5
before=$(ctl "$A" -j tunnels show)

must_fail "missing remote" ctl "$A" tunnel add gs1 vni 3
check_eq "missing remote: usage exit status" 2 "$RC"
check_contains "missing remote: message" 'needs "remote ADDR"' "$OUT"

must_fail "VNI 2^24" ctl "$A" tunnel add gs1 remote 10.77.0.9 vni 16777216
check_eq "VNI 2^24: usage exit status" 2 "$RC"
check_contains "VNI 2^24: names the argument and range" \
	"vni: 16777216 is out of range 0..16777215" "$OUT"

# Refused by the kernel's policy: the message still names the argument
# (the extack's attribute offset) and the range (its policy).
must_fail "MTU above 65535" ctl "$A" tunnel add gs1 remote 10.77.0.9 mtu 65536
check_eq "MTU above 65535: kernel exit status" 1 "$RC"
check_contains "MTU above 65535: argument and range" \
	"mtu 65536: integer out of range (valid: 68..65535)" "$OUT"

must_fail "duplicate name" ctl "$A" tunnel add gs0 remote 10.77.0.9
check_eq "duplicate name: exit status" 1 "$RC"
check_contains "duplicate name: message" "a device with this name exists" "$OUT"

must_fail "same remote and VNI twice" ctl "$A" tunnel add gs1 remote $B_UL4 vni 5
check_contains "same remote and VNI: message" "another tunnel has this remote, VNI and port" "$OUT"

must_fail "unknown option" ctl "$A" tunnel add gs1 remote 10.77.0.9 colour blue
check_eq "unknown option: exit status" 2 "$RC"
check_contains "unknown option: message" 'unknown option "colour"' "$OUT"

must_fail "non-existent tunnel" ctl "$A" tunnel set nosuch vni 3
check_eq "non-existent tunnel: exit status" 1 "$RC"
check_contains "non-existent tunnel: message" "no such tunnel" "$OUT"

must_fail "bad address" ctl "$A" tunnel add gs1 remote 10.77.0.999
check_contains "bad address: message" 'invalid remote address "10.77.0.999"' "$OUT"

must_fail "mixed families" ctl "$A" tunnel add gs1 remote 10.77.0.9 local fd77::1
check_contains "mixed families: message" "local and remote addresses must be of one family" "$OUT"

must_fail "multicast remote" ctl "$A" tunnel add gs1 remote 239.1.1.1
check_contains "multicast remote: message" "remote: remote must be a unicast address" "$OUT"

must_fail "duplicate mark" ctl "$A" tunnel add gs1 remote 10.77.0.9 \
	mark "$(tfield "$A" gs0 mark)/$(tfield "$A" gs0 mark_mask)"
check_contains "duplicate mark: message" "another tunnel uses this skb mark" "$OUT"

must_fail "not a gnvsec device" ctl "$A" tunnel set ul vni 3
check_contains "not a gnvsec device: message" "not a gnvsec tunnel" "$OUT"

must_fail "ambiguous keyword" ctl "$A" tunnel add gs1 remote 10.77.0.9 m 5
check_contains "ambiguous keyword: message" 'ambiguous option "m"' "$OUT"

check_eq "no tunnel gs1 was created" 1 "$($ip -n "$A" -o link show type gnvsec | wc -l)"
check_eq "gs0 unchanged" "$before" "$(ctl "$A" -j tunnels show)"
