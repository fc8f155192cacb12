#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration changes racing each other, dumps and live traffic. For
# ~20 s (GNVSEC_RACE_SECONDS), in chassis A:
#   p1, p2  change the tunnels as fast as raw Generic Netlink allows
#           (selftests/tools/nlclient.py): VNI, mark, MTU, IPsec mode,
#           bindings by reqid and by SPIs, the traffic tunnel's own
#           addresses and VNI re-published unchanged, a second tunnel
#           added and deleted, the global IPsec switch flipped;
#   p3      gnvsecctl -j tunnels show in a loop: every dump must parse
#           (gnvsecctl restarts a dump interrupted by a change);
#   p4      gnvsecctl tunnel set ... chassis ... in a loop;
# while pings flow at 500 a second over the tunnel pair "gt" (IPsec off),
# one of the tunnels being changed (a ping -f would take one of the VM's
# two CPUs for itself). Each process owns its own settings, so no change
# conflicts with another: every change must succeed, and the final state
# must be exactly what each process set last. Then the pair must still
# carry traffic, the kernel log must be clean and the module must unload.
. "$(dirname "$0")/lib.sh"

DURATION=${GNVSEC_RACE_SECONDS:-20}
TOOLS=$GNVSEC_SRC/selftests/tools
splats='Oops|WARNING:|BUG:|general protection|Call Trace|KASAN|UBSAN|refcount_t:|list_(add|del) corruption|circular locking'

load_module
mark="gnvsec-selftest 73-concurrency $$"
echo "$mark" >/dev/kmsg
setup_chassis

# gt carries the traffic; gs0 and gs1 are churned.
ctl "$A" tunnel add gt remote $B_UL4 local $A_UL4 vni 100 ipsec off
ctl "$B" tunnel add gt remote $A_UL4 local $B_UL4 vni 100 ipsec off
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 1000 mark 0xc80000/0xffff0000
join_overlay gt gt
n "$A" ping -c 1 -W 10 $B_OV >/dev/null || true	# the underlay's ARP, under emulation
check_eq "traffic tunnel works" 3 "$(ping_count "$A" $B_OV 3)"

cat >"$TMP/churn.py" <<'EOF'
# churn.py ROLE SECONDS OUT A_UL4 B_UL4: changes in a loop, then writes
# the last values it set, its round count and its failures to OUT (JSON).
import json, socket, sys, time
sys.path.insert(0, sys.argv[6])
import nlclient as nc
from nlclient import A, C

role, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
a_ul4 = socket.inet_pton(socket.AF_INET, sys.argv[4])
b_ul4 = socket.inet_pton(socket.AF_INET, sys.argv[5])
g = nc.Genl()
fails = []

def req(cmd, *attrs):
    err, replies, _ = g.request(cmd, b"".join(attrs))
    if err:
        msg = replies[-1].ext.get("msg", "") if replies else ""
        fails.append("%s %s: %s %s" % (nc.CMD_NAMES[cmd], attrs[0][4:].rstrip(b"\0"),
                                       nc.errname(err), msg))

def name(n):
    return nc.nla_str(A.IFNAME, n)

last = {}
i = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    if role == "p1":
        # gt's mark, MTU and binding; gt's addresses and VNI re-published;
        # gs0's VNI and mark
        mark, mtu = (100 + i % 50) << 16, 1400 + (i % 2) * 10
        req(C.TUNNEL_SET, name("gt"), nc.nla_u32(A.MARK, mark),
            nc.nla_u32(A.MARK_MASK, 0xffff0000), nc.nla_u32(A.MTU, mtu))
        req(C.TUNNEL_SET, name("gt"), nc.nla(A.REMOTE4, b_ul4),
            nc.nla(A.LOCAL4, a_ul4), nc.nla_u32(A.VNI, 100))
        if i % 2:
            req(C.TUNNEL_UNBIND, name("gt"))
            bind = None
        else:
            req(C.TUNNEL_BIND, name("gt"), nc.nla_u32(A.REQID, i % 7 + 1))
            bind = {"reqid": i % 7 + 1}
        vni, mark0 = 1000 + i % 3000, (200 + i % 50) << 16
        req(C.TUNNEL_SET, name("gs0"), nc.nla_u32(A.VNI, vni),
            nc.nla_u32(A.MARK, mark0), nc.nla_u32(A.MARK_MASK, 0xffff0000))
        last = {"gt.mark": mark, "gt.mtu": mtu, "gt.binding": bind,
                "gs0.vni": vni, "gs0.mark": mark0}
    else:
        # the global switch, gs0's IPsec mode and binding, gs1
        gipsec = i % 2 == 0
        req(C.GLOBAL_SET, nc.nla_u8(A.GLOBAL_IPSEC, int(gipsec)))
        mode = i % 3        # inherit, off, required
        req(C.TUNNEL_SET, name("gs0"), nc.nla_u8(A.IPSEC, mode))
        if i % 3 == 2:
            req(C.TUNNEL_UNBIND, name("gs0"))
            bind = None
        else:
            req(C.TUNNEL_BIND, name("gs0"), nc.nla_u32(A.SPI_OUT, 0x1000 + i),
                nc.nla_u32(A.SPI_IN, 0x2000 + i))
            bind = {"spi_out": 0x1000 + i, "spi_in": 0x2000 + i}
        if i % 2 == 0:
            req(C.TUNNEL_NEW, name("gs1"), nc.nla(A.REMOTE4, b_ul4),
                nc.nla(A.LOCAL4, a_ul4), nc.nla_u32(A.VNI, 5000 + i),
                nc.nla_u8(A.IPSEC, 1))
            gs1 = 5000 + i
        else:
            req(C.TUNNEL_DEL, name("gs1"))
            gs1 = None
        last = {"global.ipsec": gipsec, "gs0.ipsec": ["inherit", "off", "required"][mode],
                "gs0.binding": bind, "gs1.vni": gs1}
    i += 1
    time.sleep(0.005)   # leave some CPU to gnvsecctl and the pings
last.update(rounds=i, fails=len(fails))
json.dump(last, open(out, "w"))
print("%s: %d rounds, %d failed requests" % (role, i, len(fails)))
for f in fails[:10]:
    print("  failed: " + f)
EOF

# p3 and p4: gnvsecctl itself, inside A (no "ip netns exec" per command:
# under emulation that costs more than the command).
cat >"$TMP/tool.sh" <<'EOF'
# tool.sh ROLE SECONDS OUT: gnvsecctl in a loop
role=$1 out=$3 i=0 fails=0
printf -v now '%(%s)T' -1
end=$((now + $2))
while printf -v now '%(%s)T' -1 && ((now < end)); do
	if [[ $role == p3 ]]; then	# parsed afterwards
		"$GNVSECCTL" -j tunnels show >"$out.$i.json" || fails=$((fails + 1))
	else
		"$GNVSECCTL" tunnel set gs0 chassis "hv-$i" || fails=$((fails + 1))
		"$GNVSECCTL" tunnel set gt chassis "hv-gt-$i" || fails=$((fails + 1))
		printf '{"gs0.chassis": "hv-%s", "gt.chassis": "hv-gt-%s", ' $i $i >"$out.last"
	fi
	i=$((i + 1))
done
{ [[ -f $out.last ]] && cat "$out.last" || printf '{'; } >"$out"
printf '"rounds": %s, "fails": %s}\n' $i $fails >>"$out"
echo "$role: $i rounds, $fails failed commands"
EOF

$ip netns exec "$A" ping -i 0.002 -s 1000 -w $((DURATION + 60)) $B_OV >"$TMP/flood.log" 2>&1 &
flood=$!
pids=()
for p in p1 p2; do
	$ip netns exec "$A" python3 "$TMP/churn.py" $p "$DURATION" "$TMP/$p" $A_UL4 $B_UL4 "$TOOLS" \
		>"$TMP/$p.log" 2>&1 &
	pids+=($!)
done
for p in p3 p4; do
	$ip netns exec "$A" bash "$TMP/tool.sh" $p "$DURATION" "$TMP/$p" >"$TMP/$p.log" 2>&1 &
	pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do
	wait "$pid" || rc=$?
done
kill -INT "$flood" 2>/dev/null || true	# ping prints its statistics
wait "$flood" 2>/dev/null || true
for p in p1 p2 p3 p4; do
	cat "$TMP/$p.log"
done
check_eq "the processes' exit status" 0 "$rc"
grep transmitted "$TMP/flood.log"
check_contains "the pings saw answers" " received" "$(grep transmitted "$TMP/flood.log")"

# Every change succeeded; the final state is what each process set last.
ctl "$A" -j tunnels show >"$TMP/final.json"
ctl "$A" -j global show >"$TMP/global.json"
python3 - "$TMP" <<'EOF'
import json, sys
tmp = sys.argv[1]
p = {n: json.load(open("%s/%s" % (tmp, n))) for n in ("p1", "p2", "p3", "p4")}
tunnels = {t["ifname"]: t for t in json.load(open(tmp + "/final.json"))}
glob = json.load(open(tmp + "/global.json"))
p1, p2, p4 = p["p1"], p["p2"], p["p4"]
checks = [("%s: rounds >= %d" % (n, m), p[n]["rounds"] >= m, True)
          for n, m in (("p1", 20), ("p2", 20), ("p3", 2), ("p4", 2))]
checks += [("%s: failed requests" % n, p[n]["fails"], 0) for n in p]
checks += [
    ("gt.vni", tunnels["gt"]["vni"], 100),
    ("gt.ipsec", tunnels["gt"]["ipsec"], "off"),
    ("gt.mark", tunnels["gt"]["mark"], p1["gt.mark"]),
    ("gt.mtu", tunnels["gt"]["mtu"], p1["gt.mtu"]),
    ("gt.binding", tunnels["gt"]["binding"], p1["gt.binding"]),
    ("gt.chassis", tunnels["gt"]["chassis"], p4["gt.chassis"]),
    ("gs0.vni", tunnels["gs0"]["vni"], p1["gs0.vni"]),
    ("gs0.mark", tunnels["gs0"]["mark"], p1["gs0.mark"]),
    ("gs0.ipsec", tunnels["gs0"]["ipsec"], p2["gs0.ipsec"]),
    ("gs0.binding", tunnels["gs0"]["binding"], p2["gs0.binding"]),
    ("gs0.chassis", tunnels["gs0"]["chassis"], p4["gs0.chassis"]),
    ("global.ipsec", glob["ipsec"], p2["global.ipsec"]),
    ("gs1.vni", tunnels["gs1"]["vni"] if "gs1" in tunnels else None, p2["gs1.vni"]),
    ("tunnels", sorted(tunnels), sorted(["gt", "gs0"] + (["gs1"] if p2["gs1.vni"] else []))),
]
# every dump p3 took parses and has the traffic tunnel
for i in range(p["p3"]["rounds"]):
    try:
        d = json.load(open("%s/p3.%d.json" % (tmp, i)))
        ok = any(t["ifname"] == "gt" for t in d)
    except (OSError, ValueError) as e:
        ok = "%s" % e
    checks.append(("p3: dump %d parses" % i, ok, True))
bad = 0
for what, got, want in checks:
    if got == want:
        print("ok: %s = %s" % (what, got))
    else:
        print("FAIL: %s: expected %r, got %r" % (what, want, got))
        bad += 1
sys.exit(1 if bad else 0)
EOF
check_eq "traffic after the races" 5 "$(ping_count "$A" $B_OV 5)"

# No splat, and the module unloads.
$ip netns del "$A"
$ip netns del "$B"
unload_clean "$mark" "$splats"
