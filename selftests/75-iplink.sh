#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# iproute2's view of a tunnel. The device's IFLA_INFO_DATA (fill_info)
# carries its configuration in the family's attributes, read here over raw
# rtnetlink; "ip -d link show" shows it through the link_gnvsec.so plugin,
# as text and as JSON with the values "gnvsecctl -j tunnels show" gives;
# every change is seen at once; a chassis name cannot forge output; and
# rtnetlink cannot configure a tunnel: IFLA_INFO_DATA in RTM_NEWLINK is
# refused with a message, never ignored.
. "$(dirname "$0")/lib.sh"

setup_chassis

export IP_LIB_DIR=$GNVSEC_SRC/userspace
[[ -f $IP_LIB_DIR/link_gnvsec.so ]] || fail "no $IP_LIB_DIR/link_gnvsec.so"
nl() { n "$1" python3 "$GNVSEC_SRC/selftests/tools/nlclient.py" "${@:2}"; }
# ipd NS DEV: what the plugin prints in "ip -d link show": the words after
# the kind, up to the generic ones ip prints next (addrgenmode ...)
ipd() {
	$ip -n "$1" -d link show dev "$2" |
		sed -n 's/^ *gnvsec \(.*\)$/\1/p' | sed 's/ *addrgenmode .*//; s/ *$//'
}
# info_data NS DEV: "ip -d -j link show"'s info_data, keys sorted
info_data() {
	$ip -n "$1" -d -j link show dev "$2" | python3 -c \
		'import json,sys; print(json.dumps(json.load(sys.stdin)[0]["linkinfo"]["info_data"], sort_keys=True))'
}

ctl "$A" tunnel add gs0 remote "$B_UL4" local "$A_UL4" vni 4242 \
	chassis hv-b mark 0x40/0xff0 ipsec required encap force
ctl "$A" tunnel bind gs0 reqid 7

check_eq "IFLA_INFO_DATA over rtnetlink" "kind=gnvsec
ALLOW_NULL=0
CHASSIS=hv-b
ENCAP=2
IPSEC=2
IPSEC_REQUIRED=1
LOCAL4=$A_UL4
MARK=64
MARK_MASK=4080
PORT=6081
REMOTE4=$B_UL4
REQID=7
VNI=4242" "$(nl "$A" link-info gs0)"

check_eq "ip -d link show" \
	"remote $B_UL4 local $A_UL4 chassis hv-b vni 4242 dstport 6081 mark 0x40/0xff0 ipsec required (required) encap force allow-null off binding reqid 7" \
	"$(ipd "$A" gs0)"
check_eq "ip -d -j link show" \
	'{"allow_null": false, "binding": {"reqid": 7}, "chassis": "hv-b", "encap": "force", "ipsec": "required", "ipsec_required": true, "local": "'$A_UL4'", "mark": 64, "mark_mask": 4080, "port": 6081, "remote": "'$B_UL4'", "vni": 4242}' \
	"$(info_data "$A" gs0)"

# The same keys hold the same values as in gnvsecctl's JSON.
for key in remote local chassis vni port mark mark_mask ipsec ipsec_required encap allow_null binding; do
	check_eq "ip -j and gnvsecctl -j agree on $key" \
		"$(ctl "$A" -j tunnels show gs0 | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0][sys.argv[1]]))' $key)" \
		"$(info_data "$A" gs0 | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[sys.argv[1]]))' $key)"
done

# Changes show at once: the configuration is read afresh, under RCU.
ctl "$A" tunnel set gs0 remote "$B_UL6" local "$A_UL6" ipsec inherit \
	encap auto dstport 6082 allow-null on
ctl "$A" tunnel bind gs0 spi-out 0x1001 spi-in 0x2002
check_eq "ip -d link show after set" \
	"remote $B_UL6 local $A_UL6 chassis hv-b vni 4242 dstport 6082 mark 0x40/0xff0 ipsec inherit (not required) encap auto allow-null on binding spi-out 0x1001 spi-in 0x2002" \
	"$(ipd "$A" gs0)"
ctl "$A" global set ipsec true
check_contains "the global switch shows" "ipsec inherit (required) " "$(ipd "$A" gs0)"
ctl "$A" tunnel unbind gs0
check_eq "unbound: no binding" \
	"remote $B_UL6 local $A_UL6 chassis hv-b vni 4242 dstport 6082 mark 0x40/0xff0 ipsec inherit (required) encap auto allow-null on" \
	"$(ipd "$A" gs0)"

# A chassis name is any bytes but NUL: shown escaped, one word, one line.
ctl "$A" tunnel set gs0 chassis $'hv b\nlink/ether 00:00:00:00:00:00 "x\\'
check_contains "chassis escaped" \
	'chassis hv\040b\012link/ether\04000:00:00:00:00:00\040\042x\134 vni' \
	"$(ipd "$A" gs0)"
check_eq "ip -d link show is still one gnvsec line" 1 \
	"$($ip -n "$A" -d link show dev gs0 | grep -c gnvsec)"
check_eq "JSON keeps the name as it is" "$(printf '"hv b\\nlink/ether 00:00:00:00:00:00 \\"x\\\\"')" \
	"$(info_data "$A" gs0 | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["chassis"]))')"

# "ip link add" makes an unconfigured tunnel; it says so.
$ip -n "$A" link add gs1 type gnvsec
check_eq "unconfigured: ip -d link show" \
	'error "no remote address" vni 0 dstport 6081 mark '"$(printf '0x%x' "$(tfield "$A" gs1 mark)")"'/0x'"$(printf '%x' "$(tfield "$A" gs1 mark_mask)")"' ipsec inherit (required) encap inherit allow-null off' \
	"$(ipd "$A" gs1)"

# rtnetlink cannot configure a tunnel: refused with a reason and the
# attribute, nothing made; without IFLA_INFO_DATA it makes one.
out=$(nl "$A" link-new gs2 vni=u32:77 remote4=ip4:"$B_UL4")
# EOPNOTSUPP, which has the number of ENOTSUP on Linux: Python names it so
check_contains "IFLA_INFO_DATA refused" "errno=ENOTSUP" "$out"
check_contains "  with the reason" \
	'msg=gnvsec tunnels are configured through the Generic Netlink family "gnvsec" (gnvsecctl)' "$out"
check_contains "  naming the attribute" "attr=REMOTE4" "$out"
must_fail "  and no gs2 made" $ip -n "$A" link show gs2
check_eq "empty IFLA_INFO_DATA-less RTM_NEWLINK makes a tunnel" "errno=OK" \
	"$(nl "$A" link-new gs2)"
check_eq "  which gnvsecctl sees" UNCONFIGURED "$(tfield "$A" gs2 ipsec_state)"

# Without the plugin, ip shows the kind and nothing else (and no error).
check_eq "no plugin: bare kind" "" \
	"$(IP_LIB_DIR=/nonexistent ipd "$A" gs0)"
