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
check_contains "duplicate mark: message" "skb mark overlaps the mark of tunnel gs0" "$OUT"

# Marks that differ but overlap: a policy of 0x100/0xf00 matches the flow
# mark 0x1100 of the other tunnel. Refused in either order, naming the
# tunnel that holds the other mark; marks apart under both masks pass.
ctl "$A" tunnel add gm1 remote 10.77.0.11 mark 0x100/0xf00
must_fail "overlapping mark, narrow one first" \
	ctl "$A" tunnel add gm2 remote 10.77.0.12 mark 0x1100/0xffffffff
check_eq "overlapping mark, narrow one first: exit status" 1 "$RC"
check_contains "overlapping mark, narrow one first: message" \
	"skb mark overlaps the mark of tunnel gm1" "$OUT"
ctl "$A" tunnel del gm1
ctl "$A" tunnel add gm2 remote 10.77.0.12 mark 0x1100/0xffffffff
must_fail "overlapping mark, wide one first" \
	ctl "$A" tunnel add gm1 remote 10.77.0.11 mark 0x100/0xf00
check_eq "overlapping mark, wide one first: exit status" 1 "$RC"
check_contains "overlapping mark, wide one first: message" \
	"skb mark overlaps the mark of tunnel gm2" "$OUT"
ctl "$A" tunnel add gm1 remote 10.77.0.11 mark 0x200/0xf00
check_eq "non-overlapping mark accepted" 512 "$(tfield "$A" gm1 mark)"
must_fail "set to an overlapping mark" ctl "$A" tunnel set gm1 mark 0x100/0xf00
check_contains "set to an overlapping mark: message" \
	"skb mark overlaps the mark of tunnel gm2" "$OUT"
check_eq "refused set left the mark" 512 "$(tfield "$A" gm1 mark)"
ctl "$A" tunnel add gm3 remote 10.77.0.13 mark 0x100000/0xf00000
check_eq "mark in other bits accepted" 1048576 "$(tfield "$A" gm3 mark)"
# Automatic marks step over explicit ones that overlap them: 0x30000/0xf0000
# matches slot 3's flow (0x30000), so the next automatic mark is 0x40000.
ctl "$A" tunnel add gm4 remote 10.77.0.14
check_eq "automatic mark after gs0's" 131072 "$(tfield "$A" gm4 mark)"
ctl "$A" tunnel add gm5 remote 10.77.0.15 mark 0x30000/0xf0000
ctl "$A" tunnel add gm6 remote 10.77.0.16
check_eq "automatic mark skips an overlapping one" 262144 "$(tfield "$A" gm6 mark)"
check_eq "automatic mask" $((0xffff0000)) "$(tfield "$A" gm6 mark_mask)"
for t in gm1 gm2 gm3 gm4 gm5 gm6; do
	ctl "$A" tunnel del $t
done

must_fail "not a gnvsec device" ctl "$A" tunnel set ul vni 3
check_contains "not a gnvsec device: message" "not a gnvsec tunnel" "$OUT"

must_fail "ambiguous keyword" ctl "$A" tunnel add gs1 remote 10.77.0.9 m 5
check_contains "ambiguous keyword: message" 'ambiguous option "m"' "$OUT"

check_eq "no tunnel gs1 was created" 1 "$($ip -n "$A" -o link show type gnvsec | wc -l)"
check_eq "gs0 unchanged" "$before" "$(ctl "$A" -j tunnels show)"
