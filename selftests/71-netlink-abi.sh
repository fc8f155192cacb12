#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Generic Netlink ABI, request by request, with raw messages that
# gnvsecctl would never send (selftests/tools/nlclient.py): for every
# command a missing required attribute, oversized strings, wrong lengths,
# out-of-range values, an unknown attribute type and read-only attributes
# are refused with the right errno and an extended ack that says what is
# wrong (its text, the attribute its offset points at, the policy it
# reports), and the namespace's state is the same afterwards. Each command
# has its own policy (generated from the YNL spec) with only the
# attributes of its request: any other attribute, read-only ones included,
# is refused by the kernel's strict validation itself, "Unknown attribute
# type" above the highest attribute of the command's list, "Unsupported
# attribute" below it (TUNNEL_BIND with a VNI, GLOBAL_SET with an ifname,
# TUNNEL_DEL with a VNI), and a tunnel dump refuses any attribute; the
# positive controls give each command every attribute of its list. Then dump
# consistency: 300 tunnels dumped through a small receive buffer arrive
# exactly once each over many datagrams, and a tunnel added between two
# parts of a dump makes the kernel flag the dump with NLM_F_DUMP_INTR.
# Also: a tunnel cannot be moved to another namespace.
. "$(dirname "$0")/lib.sh"

TOOLS=$GNVSEC_SRC/selftests/tools
nl() { $ip netns exec "$C" python3 "$TOOLS/nlclient.py" "$@"; }
state() { ctl "$C" -j tunnels show; ctl "$C" -j global show; }

load_module
dummy_ns

ctl "$C" tunnel add gs0 remote 10.99.0.2 local 10.99.0.1 vni 5 chassis hv-b ipsec off
ctl "$C" tunnel add gs1 remote fd99::2 vni 6 mark 0x70000/0xffff0000
ctl "$C" tunnel bind gs1 reqid 7
before=$(state)

# One line per request: [--dump] CMD ATTR... => expectations (see
# nlclient.py). A refused request must also leave the state unchanged
# (checked by the tool before and after each request: "changed=no").
LONG16=0123456789abcdef
LONG64=$(printf 'c%.0s' {1..64})
LONG63=${LONG64:1}
nl expect <<EOF
# --- positive controls: the state comparison does see a change
set ifname=str:gs0 vni=u32:9 => errno=OK changed=yes
set ifname=str:gs0 vni=u32:5 => errno=OK changed=yes
set ifname=str:gs0 chassis=str:$LONG63 => errno=OK changed=yes
set ifname=str:gs0 chassis=str:hv-b => errno=OK changed=yes
set ifname=str:gs0 allow_null=u8:1 => errno=OK changed=yes
set ifname=str:gs0 allow_null=u8:0 => errno=OK changed=yes

# --- positive controls: every command accepts every attribute of its
# request (the spec's list), together
new ifname=str:gs8 remote4=ip4:10.99.0.8 local4=ip4:10.99.0.1 vni=u32:8 port=u16:6090 chassis=str:hv-8 mark=u32:0x80000 mark_mask=u32:0xffff0000 ipsec=u8:2 encap=u8:2 mtu=u32:1300 allow_null=u8:1 => errno=OK changed=yes
get ifname=str:gs8 => errno=OK changed=no
--dump get => errno=OK changed=no
set ifname=str:gs8 remote6=ip6:fd99::8 local6=ip6:fd99::1 vni=u32:9 port=u16:6091 chassis=str:hv-9 mark=u32:0x90000 mark_mask=u32:0xffff0000 ipsec=u8:1 encap=u8:1 mtu=u32:1280 allow_null=u8:0 => errno=OK changed=yes
set ifname=str:gs8 remote4=ip4:10.99.0.8 local4=ip4:10.99.0.1 => errno=OK changed=yes
bind ifname=str:gs8 reqid=u32:8 => errno=OK changed=yes
bind ifname=str:gs8 spi_out=u32:0x800 spi_in=u32:0x801 => errno=OK changed=yes
unbind ifname=str:gs8 => errno=OK changed=yes
del ifname=str:gs8 => errno=OK changed=yes
global_set global_ipsec=u8:1 global_encap=u8:1 => errno=OK changed=yes
global_set global_ipsec=u8:0 global_encap=u8:0 => errno=OK changed=yes
global_get => errno=OK changed=no

# --- TUNNEL_GET
get => errno=EINVAL msg='no tunnel named'
get ifname=str:$LONG16 => errno=EINVAL attr=IFNAME msg='failed policy validation' policy=max_length:15
get ifindex=u16:3 => errno=EINVAL attr=IFINDEX msg='invalid attribute length'
get ifindex=u32:0 => errno=ERANGE attr=IFINDEX msg='integer out of range' policy=min_value_u:1
get ifname=str:gs0 200=u32:1 => errno=EINVAL attr=200 msg='Unknown attribute type'
get ifname=str:gs0 stats=u32:1 => errno=EINVAL attr=STATS msg='Unknown attribute type'
get ifname=str:nosuch => errno=ENODEV msg='no such tunnel'
get ifname=str:d0 => errno=EOPNOTSUPP msg='not a gnvsec tunnel'
--dump get 200=u32:1 => errno=EINVAL attr=200 msg='Unknown attribute type'
--dump get vni=u32:16777216 => errno=EINVAL attr=VNI msg='Unknown attribute type'
--dump get ipsec_state=u8:1 => errno=EINVAL attr=IPSEC_STATE msg='Unknown attribute type'
--dump get ifname=str:gs0 => errno=EINVAL msg='a dump takes no attributes'
--dump get ifindex=u32:1 => errno=EINVAL msg='a dump takes no attributes'

# --- TUNNEL_NEW
new remote4=ip4:10.99.0.9 => errno=EINVAL miss=IFNAME msg='needs a name'
new ifname=str:gs9 => errno=EINVAL msg='needs a remote address'
new ifname=str:$LONG16 remote4=ip4:10.99.0.9 => errno=EINVAL attr=IFNAME msg='failed policy validation' policy=max_length:15
new ifname=str: remote4=ip4:10.99.0.9 => errno=EINVAL attr=IFNAME msg='invalid interface name'
new ifname=str:a/b remote4=ip4:10.99.0.9 => errno=EINVAL attr=IFNAME msg='invalid interface name'
new ifname=str:gs9 remote4=ip4:10.99.0.9 chassis=str:$LONG64 => errno=EINVAL attr=CHASSIS msg='failed policy validation' policy=max_length:63
new ifname=str:gs9 remote4=ip4:10.99.0.9 vni=u16:5 => errno=EINVAL attr=VNI msg='invalid attribute length'
new ifname=str:gs9 remote4=hex:0a6309 => errno=ERANGE attr=REMOTE4 msg='size out of range' policy=min_length:4,max_length:4
new ifname=str:gs9 remote6=hex:fd990000000000000000000000000009ff => errno=ERANGE attr=REMOTE6 msg='size out of range' policy=min_length:16
new ifname=str:gs9 remote4=ip4:10.99.0.9 vni=u32:16777216 => errno=ERANGE attr=VNI msg='integer out of range' policy=max_value_u:16777215
new ifname=str:gs9 remote4=ip4:10.99.0.9 port=u16:0 => errno=ERANGE attr=PORT msg='integer out of range' policy=min_value_u:1
new ifname=str:gs9 remote4=ip4:10.99.0.9 ipsec=u8:3 => errno=ERANGE attr=IPSEC msg='integer out of range' policy=max_value_u:2
new ifname=str:gs9 remote4=ip4:10.99.0.9 encap=u8:3 => errno=ERANGE attr=ENCAP msg='integer out of range' policy=max_value_u:2
new ifname=str:gs9 remote4=ip4:10.99.0.9 allow_null=u8:2 => errno=ERANGE attr=ALLOW_NULL msg='integer out of range' policy=max_value_u:1
new ifname=str:gs9 remote4=ip4:10.99.0.9 mtu=u32:10 => errno=ERANGE attr=MTU msg='integer out of range' policy=min_value_u:68
new ifname=str:gs9 remote4=ip4:10.99.0.9 mtu=u32:65500 => errno=EINVAL attr=MTU msg="MTU out of the device's range"
new ifname=str:gs9 remote4=ip4:10.99.0.9 200=u32:1 => errno=EINVAL attr=200 msg='Unknown attribute type'
new ifname=str:gs9 remote4=ip4:10.99.0.9 stats=u32:1 => errno=EINVAL attr=STATS msg='Unsupported attribute'
new ifname=str:gs9 remote4=ip4:10.99.0.9 config_error=str:x => errno=EINVAL attr=CONFIG_ERROR msg='Unsupported attribute'
new ifname=str:gs9 remote4=ip4:10.99.0.9 reqid=u32:3 => errno=EINVAL attr=REQID msg='Unsupported attribute'
new ifname=str:gs9 remote4=ip4:10.99.0.9 ifindex=u32:1 => errno=EINVAL attr=IFINDEX msg='Unsupported attribute'
new ifname=str:gs9 remote4=ip4:10.99.0.9 global_ipsec=u8:1 => errno=EINVAL attr=GLOBAL_IPSEC msg='Unsupported attribute'
new ifname=str:gs9 remote4=ip4:10.99.0.9 remote6=ip6:fd99::9 => errno=EINVAL attr=REMOTE6 msg='not both'
new ifname=str:gs9 remote4=ip4:239.1.1.1 => errno=EINVAL attr=REMOTE4 msg='unicast'
new ifname=str:gs9 remote4=ip4:10.99.0.9 local6=ip6:fd99::1 => errno=EINVAL msg='one family'
new ifname=str:gs0 remote4=ip4:10.99.0.9 => errno=EEXIST attr=IFNAME msg='a device with this name exists'
new ifname=str:gs9 remote4=ip4:10.99.0.2 vni=u32:5 => errno=EEXIST msg='another tunnel has this remote, VNI and port'
new ifname=str:gs9 remote4=ip4:10.99.0.9 mark=u32:0x70000 mark_mask=u32:0xffff0000 => errno=EEXIST msg='skb mark overlaps the mark of tunnel gs1'

# --- TUNNEL_SET
set vni=u32:3 => errno=EINVAL msg='no tunnel named'
set ifname=str:$LONG16 vni=u32:3 => errno=EINVAL attr=IFNAME policy=max_length:15
set ifname=str:gs0 chassis=str:$LONG64 => errno=EINVAL attr=CHASSIS msg='failed policy validation' policy=max_length:63
set ifname=str:gs0 vni=u16:3 => errno=EINVAL attr=VNI msg='invalid attribute length'
set ifname=str:gs0 vni=hex:030000 => errno=EINVAL attr=VNI msg='invalid attribute length'
set ifname=str:gs0 remote4=hex:0a6309 => errno=ERANGE attr=REMOTE4 msg='size out of range'
set ifname=str:gs0 local4=hex:0a630901ff => errno=ERANGE attr=LOCAL4 msg='size out of range'
set ifname=str:gs0 port=u32:6081 => errno=EINVAL attr=PORT msg='invalid attribute length'
set ifname=str:gs0 vni=u32:16777216 => errno=ERANGE attr=VNI msg='integer out of range' policy=max_value_u:16777215
set ifname=str:gs0 port=u16:0 => errno=ERANGE attr=PORT msg='integer out of range'
set ifname=str:gs0 ipsec=u8:3 => errno=ERANGE attr=IPSEC msg='integer out of range'
set ifname=str:gs0 allow_null=u8:2 => errno=ERANGE attr=ALLOW_NULL msg='integer out of range' policy=max_value_u:1
set ifname=str:gs0 allow_null=u32:1 => errno=EINVAL attr=ALLOW_NULL msg='invalid attribute length'
set ifname=str:gs0 mtu=u32:10 => errno=ERANGE attr=MTU msg='integer out of range'
set ifname=str:gs0 mark_mask=u32:0 => errno=ERANGE attr=MARK_MASK msg='integer out of range'
set ifname=str:gs0 vni=u32:7 mtu=u32:65500 => errno=EINVAL attr=MTU msg="MTU out of the device's range"
set ifname=str:gs0 200=u32:1 => errno=EINVAL attr=200 msg='Unknown attribute type'
set ifname=str:gs0 stats=u32:1 => errno=EINVAL attr=STATS msg='Unsupported attribute'
set ifname=str:gs0 stats=nest: => errno=EINVAL attr=STATS msg='Unsupported attribute'
set ifname=str:gs0 ipsec_required=u8:0 => errno=EINVAL attr=IPSEC_REQUIRED msg='Unsupported attribute'
set ifname=str:gs0 ipsec_state=u8:1 => errno=EINVAL attr=IPSEC_STATE msg='Unsupported attribute'
set ifname=str:gs0 spi_out=u32:300 spi_in=u32:301 => errno=EINVAL attr=SPI_OUT msg='Unsupported attribute'
set ifname=str:gs0 global_encap=u8:1 => errno=EINVAL attr=GLOBAL_ENCAP msg='Unsupported attribute'
set ifname=str:gs0 mark=u32:3 mark_mask=u32:1 => errno=EINVAL msg='mark has bits outside its mask'
set ifname=str:gs0 mark=u32:0x70000 mark_mask=u32:0xffff0000 => errno=EEXIST msg='skb mark overlaps the mark of tunnel gs1'
set ifname=str:gs0 local6=ip6:fd99::1 => errno=EINVAL msg='one family'
set ifname=str:nosuch vni=u32:3 => errno=ENODEV msg='no such tunnel'
set ifname=str:d0 vni=u32:3 => errno=EOPNOTSUPP msg='not a gnvsec tunnel'

# --- TUNNEL_DEL
del => errno=EINVAL msg='no tunnel named'
del ifname=str:$LONG16 => errno=EINVAL attr=IFNAME policy=max_length:15
del ifindex=hex:030000 => errno=EINVAL attr=IFINDEX msg='invalid attribute length'
del ifindex=u32:0 => errno=ERANGE attr=IFINDEX msg='integer out of range'
del ifname=str:gs0 200=u32:1 => errno=EINVAL attr=200 msg='Unknown attribute type'
del ifname=str:gs0 stats=u32:1 => errno=EINVAL attr=STATS msg='Unknown attribute type'
del ifname=str:gs0 vni=u32:5 => errno=EINVAL attr=VNI msg='Unknown attribute type'
del ifname=str:nosuch => errno=ENODEV msg='no such tunnel'
del ifname=str:d0 => errno=EOPNOTSUPP msg='not a gnvsec tunnel'

# --- TUNNEL_BIND
bind reqid=u32:3 => errno=EINVAL msg='no tunnel named'
bind ifname=str:gs0 => errno=EINVAL msg='bind by a reqid, or by both an outbound and an inbound SPI'
bind ifname=str:gs0 spi_out=u32:300 => errno=EINVAL msg='by both an outbound and an inbound SPI'
bind ifname=str:gs0 reqid=u32:3 spi_out=u32:300 spi_in=u32:301 => errno=EINVAL msg='bind by a reqid, or by both'
bind ifname=str:$LONG16 reqid=u32:3 => errno=EINVAL attr=IFNAME policy=max_length:15
bind ifname=str:gs0 reqid=u16:3 => errno=EINVAL attr=REQID msg='invalid attribute length'
bind ifname=str:gs0 reqid=u32:0 => errno=ERANGE attr=REQID msg='integer out of range' policy=min_value_u:1
bind ifname=str:gs0 spi_out=u32:255 spi_in=u32:300 => errno=ERANGE attr=SPI_OUT msg='integer out of range' policy=min_value_u:256
bind ifname=str:gs0 spi_out=u32:300 spi_in=u32:0 => errno=ERANGE attr=SPI_IN msg='integer out of range'
bind ifname=str:gs0 reqid=u32:3 200=u32:1 => errno=EINVAL attr=200 msg='Unknown attribute type'
bind ifname=str:gs0 reqid=u32:3 stats=u32:1 => errno=EINVAL attr=STATS msg='Unknown attribute type'
bind ifname=str:gs0 reqid=u32:3 mtu=u32:1400 => errno=EINVAL attr=MTU msg='Unknown attribute type'
bind ifname=str:gs0 reqid=u32:3 vni=u32:5 => errno=EINVAL attr=VNI msg='Unsupported attribute'
bind ifname=str:gs0 vni=u32:5 reqid=u32:3 => errno=EINVAL attr=VNI msg='Unsupported attribute'
bind ifname=str:nosuch reqid=u32:3 => errno=ENODEV msg='no such tunnel'

# --- TUNNEL_UNBIND
unbind => errno=EINVAL msg='no tunnel named'
unbind ifname=str:$LONG16 => errno=EINVAL attr=IFNAME policy=max_length:15
unbind ifname=str:gs1 200=u32:1 => errno=EINVAL attr=200 msg='Unknown attribute type'
unbind ifname=str:gs1 stats=u32:1 => errno=EINVAL attr=STATS msg='Unknown attribute type'
unbind ifname=str:gs1 mtu=u32:10 => errno=EINVAL attr=MTU msg='Unknown attribute type'
unbind ifname=str:gs1 reqid=u32:7 => errno=EINVAL attr=REQID msg='Unknown attribute type'
unbind ifname=str:nosuch => errno=ENODEV msg='no such tunnel'

# --- GLOBAL_GET (no attribute is required)
global_get 200=u8:1 => errno=EINVAL attr=200 msg='Unknown attribute type'
global_get stats=u32:1 => errno=EINVAL attr=STATS msg='Unsupported attribute'
global_get ifname=str:gs0 => errno=EINVAL attr=IFNAME msg='Unsupported attribute'
global_get pad=u32:0 => errno=EINVAL attr=PAD msg='Unsupported attribute'
global_get => errno=OK changed=no

# --- GLOBAL_SET (no attribute is required: an empty request changes nothing)
global_set global_ipsec=u8:2 => errno=ERANGE attr=GLOBAL_IPSEC msg='integer out of range' policy=max_value_u:1
global_set global_encap=u8:255 => errno=ERANGE attr=GLOBAL_ENCAP msg='integer out of range'
global_set global_ipsec=u32:1 => errno=EINVAL attr=GLOBAL_IPSEC msg='invalid attribute length'
global_set global_ipsec=u8:1 200=u8:1 => errno=EINVAL attr=200 msg='Unknown attribute type'
global_set global_ipsec=u8:1 stats=u32:1 => errno=EINVAL attr=STATS msg='Unsupported attribute'
global_set global_ipsec=u8:1 ifname=str:gs0 => errno=EINVAL attr=IFNAME msg='Unsupported attribute'
global_set ifname=str:gs0 global_ipsec=u8:1 => errno=EINVAL attr=IFNAME msg='Unsupported attribute'
global_set global_ipsec=u8:1 allow_null=u8:1 => errno=EINVAL attr=ALLOW_NULL msg='Unknown attribute type'
global_set => errno=OK changed=no

# --- commands that do not exist
0 => errno=EOPNOTSUPP
42 => errno=EOPNOTSUPP
--dump set ifname=str:gs0 => errno=EOPNOTSUPP
EOF

# The same "nothing changed", seen through the product's own tool.
check_eq "state after the refused requests" "$before" "$(state)"

# A tunnel lives in its namespace's tables (sockets, marks, the dump
# list): rtnetlink may not move it to another namespace.
$ip netns add "$A"
must_fail "moving a tunnel to another namespace" $ip -n "$C" link set gs0 netns "$A"
check_eq "the tunnel stayed" "$before" "$(state)"

# --- dump consistency
log "== 300 tunnels"
nl new-many tn 300 10.99.0.3
check_eq "tunnels in the namespace" 302 "$($ip -n "$C" -o link show type gnvsec | wc -l)"
out=$(nl dump-check tn --rcvbuf 4096 --bufsize 8192 --expect 10.99.0.3 1)
echo "$out"
val() { sed -n "s/^$1=//p" <<<"$out"; }
check_eq "each of the 300 tunnels dumped" 300 "$(val prefix_unique)"
check_eq "no tunnel dumped twice" 0 "$(val prefix_dups)"
check_eq "every tunnel with its own remote and VNI" 0 "$(val prefix_wrong)"
check_eq "messages in the dump" 302 "$(val messages)"
check_eq "a quiet dump is not flagged" 0 "$(val intr)"
check_ge "datagrams of the dump" 5 "$(val datagrams)"

log "== a dump interrupted by a change"
out=$(nl dump-intr)
echo "$out"
check_eq "without a change: NLM_F_DUMP_INTR" 0 "$(val intr)"
check_eq "without a change: every tunnel" 302 "$(val messages)"
out=$(nl dump-intr --add gsx 10.99.0.4 77)
echo "$out"
check_ge "the first part stopped early" 1 "$(val first_part)"
check_eq "with a tunnel added between parts: NLM_F_DUMP_INTR" 1 "$(val intr)"
check_eq "the tunnel was added" 303 "$($ip -n "$C" -o link show type gnvsec | wc -l)"
# gnvsecctl restarts an interrupted dump; a quiet one is complete
check_eq "gnvsecctl sees every tunnel" 303 \
	"$(ctl "$C" -j tunnels show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
