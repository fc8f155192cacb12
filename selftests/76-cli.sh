#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gnvsecctl and the kernel's own tools, as a user meets them:
#  - a typo is a usage error (exit 2) before any netlink request: with the
#    module unloaded it stays unloaded (a request to the family would
#    autoload it);
#  - errors name the argument and its range, the client's own ones and the
#    kernel's (from the extack's attribute offset and policy);
#  - -V prints VERSION; -j -p prints the same JSON indented;
#  - ethtool -i names the driver and the module's version; ethtool -S shows
#    the drop counters by reason, equal to gnvsecctl's, and ip -s link
#    their sums as tx_dropped/rx_dropped;
#  - reads (tunnels show with policies and SAs) leave nothing in the kernel
#    log ("bytes leftover after parsing attributes").
. "$(dirname "$0")/lib.sh"

version=$(cat "$GNVSEC_SRC/VERSION")
mark="gnvsec-76-cli-$$"

# -- No netlink before the syntax is right: with gnvsec unloaded, a typo
# must not load it.
load_module
for _ in $(seq 20); do
	rmmod gnvsec 2>/dev/null && break
	sleep 0.5
done
[[ ! -d /sys/module/gnvsec ]] || fail "cannot unload gnvsec to test without it"
must_fail "typo: tunnel ad" gnvsecctl tunnel ad x
check_eq "tunnel ad x: usage exit status" 2 "$RC"
check_contains "tunnel ad x: message" 'needs "remote ADDR"' "$OUT"
must_fail "typo: remote without a value" gnvsecctl tunnel add x remote
check_eq "remote without a value: usage exit status" 2 "$RC"
check_contains "remote without a value: message" 'option "remote" needs a value' "$OUT"
must_fail "typo: unknown command" gnvsecctl tunnel frob x
check_eq "unknown command: usage exit status" 2 "$RC"
must_fail "bad number" gnvsecctl tunnel add x remote 10.0.0.1 vni 16777216
check_eq "vni 2^24: usage exit status" 2 "$RC"
check_contains "vni 2^24: names the argument and range" \
	"vni: 16777216 is out of range 0..16777215" "$OUT"
must_fail "not a number" gnvsecctl tunnel add x remote 10.0.0.1 dstport x
check_contains "dstport x: names the argument and range" 'dstport: "x" is not a number (1..65535)' "$OUT"
must_fail "spi below 256" gnvsecctl tunnel bind x spi-out 255 spi-in 300
check_contains "spi-out 255: names the argument and range" "spi-out: 255 is out of range 256..4294967295" "$OUT"
check_eq "no typo loaded gnvsec" no "$([[ -d /sys/module/gnvsec ]] && echo yes || echo no)"

check_eq "gnvsecctl -V" "gnvsecctl $version" "$(gnvsecctl -V)"
check_eq "gnvsecctl --version" "gnvsecctl $version" "$(gnvsecctl --version)"

setup_chassis
echo "$mark" >/dev/kmsg

# -- Abbreviations and synonyms of the manual.
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 76 ipsec required chassis hvb
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 76 ipsec required
join_overlay gs0 gs0
full=$(ctl "$A" tunnels show)
check_contains "tunnels show" "Interface name: gs0" "$full"
sum=$(md5sum <<<"$full")
for form in "tun show" "tunnel list" "tunnel ls" "t l" "tunnels" "tun"; do
	# shellcheck disable=SC2086
	check_eq "\"$form\" prints what tunnels show prints (md5)" "$sum" \
		"$(ctl "$A" $form | md5sum)"
done
must_fail "ambiguous s" ctl "$A" tunnel s gs0
check_eq "tunnel s: usage exit status" 2 "$RC"
check_contains "tunnel s: message" 'ambiguous command "s"' "$OUT"

# -- Kernel refusals name the argument (from the extack offset) and the
# range the policy gives.
must_fail "mtu 70000" ctl "$A" tunnel add gs1 remote 10.77.0.9 mtu 70000
check_eq "mtu 70000: kernel exit status" 1 "$RC"
check_contains "mtu 70000: argument, value and range" \
	"mtu 70000: integer out of range (valid: 68..65535)" "$OUT"
must_fail "mtu 65500" ctl "$A" tunnel set gs0 mtu 65500
check_eq "mtu 65500: kernel exit status" 1 "$RC"
check_contains "mtu 65500: argument and the kernel's words" \
	"mtu 65500: MTU out of the device's range" "$OUT"
must_fail "taken name" ctl "$A" tunnel add gs0 remote 10.77.0.9
check_contains "taken name: names the argument" \
	"gs0: name: a device with this name exists" "$OUT"
must_fail "multicast remote" ctl "$A" tunnel set gs0 remote 239.1.1.1
check_eq "multicast remote: kernel exit status" 1 "$RC"
check_contains "multicast remote: names the argument" \
	"gs0: remote: remote must be a unicast address" "$OUT"

# -- JSON, compact and pretty, the same data.
for flags in "-j -p" "-json -pretty" "--json --pretty" "-j tunnels show -p"; do
	# shellcheck disable=SC2086
	if [[ $flags == *show* ]]; then
		out=$(ctl "$A" $flags)
	else
		out=$(ctl "$A" $flags tunnels show)
	fi
	check_eq "$flags: as -j" "$(ctl "$A" -j tunnels show | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')" \
		"$(python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' <<<"$out")"
done
check_ge "-p indents" 20 "$(ctl "$A" -j -p tunnels show | wc -l)"

# -- Names with quotes, backslashes, control characters and bytes that are
# not UTF-8 (the kernel takes any bytes for a chassis name, and quotes and
# backslashes in an interface name): the JSON, compact and pretty, stays
# valid for python3 and jq and says them exactly, a byte that is not UTF-8
# as U+FFFD.
odd=$'q"b\\s/\n\t\x01\x7f\xff\xc3\xa9'
ctl "$A" tunnel set gs0 chassis "$odd"
ctl "$A" tunnel add 'g"\x' remote 10.77.0.9 chassis '\"'
for flags in -j "-j -p"; do
	# shellcheck disable=SC2086
	ctl "$A" $flags tunnels show >"$TMP/odd.json"
	python3 -m json.tool "$TMP/odd.json" >/dev/null ||
		fail "$flags tunnels show with odd names: python3 -m json.tool refuses it"
	if command -v jq >/dev/null; then
		jq -e . "$TMP/odd.json" >/dev/null ||
			fail "$flags tunnels show with odd names: jq refuses it"
	fi
	python3 - "$TMP/odd.json" <<'EOF2'
import json, sys
t = {x["ifname"]: x for x in json.load(open(sys.argv[1]))}
want = {"gs0": 'q"b\\s/\n\t\x01\x7f\ufffd\xe9', 'g"\\x': '\\"'}
for name, chassis in want.items():
    if name not in t:
        sys.exit("no tunnel %r in %r" % (name, sorted(t)))
    if t[name]["chassis"] != chassis:
        sys.exit("%r: chassis %r, want %r" % (name, t[name]["chassis"], chassis))
print("ok: names and chassis names exact:", ascii(sorted(t)))
EOF2
done
check_contains "-j: a control character escaped, not raw" '\u0001' \
	"$(ctl "$A" -j tunnels show gs0)"
check_eq "global show -j: valid JSON" ok \
	"$(ctl "$A" -j global show | python3 -c 'import json,sys; json.load(sys.stdin); print("ok")')"
ctl "$A" tunnel del 'g"\x'
ctl "$A" tunnel set gs0 chassis hvb

# -- ethtool -i and -S, ip -s link.
info=$(n "$A" ethtool -i gs0)
check_contains "ethtool -i driver" "driver: gnvsec" "$info"
check_contains "ethtool -i version" "version: $version" "$info"
check_eq "pings dropped (IPsec required, no SA)" 0 "$(ping_count "$A" $B_OV 5)"
n "$A" ethtool -S gs0 >"$TMP/ethtool"
cat "$TMP/ethtool"
ctl "$A" -j tunnels show gs0 >"$TMP/show.json"
python3 - "$TMP/ethtool" "$TMP/show.json" <<'EOF'
import json, sys
eth = {}
for line in open(sys.argv[1]).read().splitlines()[1:]:
    k, v = line.split(":")
    eth[k.strip()] = int(v)
drops = json.load(open(sys.argv[2]))[0]["drops"]
if eth != drops:
    sys.exit("ethtool -S %s != gnvsecctl drops %s" % (eth, drops))
if sum(v for k, v in drops.items() if k.startswith("tx_")) < 5:
    sys.exit("fewer than 5 tx drops: %s" % drops)
print("ok: ethtool -S = gnvsecctl drops, %d names" % len(eth))
EOF
tx_sum=$(python3 -c 'import json,sys; print(sum(v for k,v in json.load(open(sys.argv[1]))[0]["drops"].items() if k.startswith("tx_")))' "$TMP/show.json")
rx_sum=$(python3 -c 'import json,sys; print(sum(v for k,v in json.load(open(sys.argv[1]))[0]["drops"].items() if k.startswith("rx_")))' "$TMP/show.json")
check_ge "tx drops counted by reason" 5 "$tx_sum"
check_eq "ip -s link tx_dropped: the tx reasons' sum" "$tx_sum" \
	"$($ip -n "$A" -s -j link show gs0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])')"
check_eq "ip -s link rx_dropped: the rx reasons' sum" "$rx_sum" \
	"$($ip -n "$A" -s -j link show gs0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["dropped"])')"

# -- Reads leave no trace in the kernel log, with policies and SAs to dump.
KEY1=0x$(printf '%040x' 0x7676)
KEY2=0x$(printf '%040x' 0x6767)
ctl "$A" sa add gs0 spi-out 0x7601 spi-in 0x7602 key-out $KEY1 key-in $KEY2
ctl "$B" sa add gs0 spi-out 0x7602 spi-in 0x7601 key-out $KEY2 key-in $KEY1
check_eq "pings with the SAs" 5 "$(ping_count "$A" $B_OV 5)"
for _ in 1 2 3; do
	ctl "$A" tunnels show >/dev/null
	ctl "$A" -j tunnels show gs0 >/dev/null
	ctl "$A" global show >/dev/null
	ctl "$A" ike swanctl --local-id=hv1 >/dev/null
done
check_contains "the SAs are listed" "spi 0x00007601" "$(ctl "$A" tunnels show gs0)"
ctl "$A" sa del gs0
ctl "$A" tunnel del gs0
dmesg | sed -n "/$mark/,\$p" >"$TMP/dmesg"
if grep -E "leftover after parsing|netlink: .*gnvsecctl" "$TMP/dmesg"; then
	fail "gnvsecctl's requests left netlink complaints in the kernel log"
fi
log "ok: no netlink complaint in the kernel log"
