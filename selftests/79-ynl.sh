#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own YNL CLI (tools/net/ynl/cli.py from linux-source-6.12,
# scripts/ynl.sh) speaks to the live module with nothing but the spec,
# Documentation/netlink/specs/gnvsec.yaml: a dump of tunnel-get lists the
# tunnels gnvsecctl made with their attributes decoded by the spec (names,
# addresses, enum names, the nested counters), a do of tunnel-get and
# global-get answers, a do of tunnel-set changes a tunnel as the spec says,
# an attribute outside an operation's request is refused, and
# its library, subscribed to "events", decodes the notifications the spec
# declares, in
# order, for a tunnel added, changed, bound, unbound and deleted, and for a
# global change. Whatever it prints is compared with gnvsecctl's view.
. "$(dirname "$0")/lib.sh"

skip() { echo "SKIP: $*"; exit 4; }
YNL=$(bash "$GNVSEC_SRC/scripts/ynl.sh" dir 2>&1) ||
	skip "no kernel YNL tools: $YNL"
SPEC=$GNVSEC_SRC/Documentation/netlink/specs/gnvsec.yaml
SCHEMA=$YNL/Documentation/netlink/genetlink-legacy.yaml
for m in yaml jsonschema; do
	python3 -c "import $m" 2>/dev/null || skip "python3 has no $m module (python3-$m)"
done
# ynl ARG...: the CLI with JSON output, in namespace C
# (a generous limit: under TCG on a loaded host the CLI's start, reading
# and validating the spec, takes tens of seconds)
ynl() {
	$ip netns exec "$C" timeout 240 python3 "$YNL/tools/net/ynl/cli.py" \
		--spec "$SPEC" --schema "$SCHEMA" --output-json "$@"
}
# facts FILE PYTHON: runs PYTHON with j the JSON in FILE; it prints one
# "key=value" line per fact, and fact KEY reads them back (one python per
# output: each start of python costs a second under TCG).
facts() { python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
exec(sys.argv[2])' "$@"; }
fact() { sed -n "s/^$1=//p" <<<"$F"; }

load_module
dummy_ns
ctl "$C" tunnel add gs0 remote 10.99.0.2 local 10.99.0.1 vni 5 chassis hv-b ipsec off
ctl "$C" tunnel add gs1 remote fd99::2 vni 6 mark 0x70000/0xffff0000
ctl "$C" tunnel bind gs1 reqid 7
ctl "$C" -j tunnels show >"$TMP/ctl.json"

log "== ynl --dump tunnel-get"
ynl --dump tunnel-get >"$TMP/dump.json"
cat "$TMP/dump.json"
F=$(facts "$TMP/dump.json" '
t = {x["ifname"]: x for x in j}
print("names=%s" % sorted(t))
for n, x in sorted(t.items()):
    for k in sorted(x):
        v = x[k]
        if k == "stats":
            print("%s.stats.n=%d" % (n, len(v)))
            print("%s.stats.sum=%d" % (n, sum(v.values())))
        else:
            print("%s.%s=%s" % (n, k, v))
c = {x["ifname"]: x for x in json.load(open(sys.argv[3]))}
print("ctl.ifindex=%s" % " ".join(str(c[n]["ifindex"]) for n in sorted(c)))
' "$TMP/ctl.json")
check_eq "tunnels dumped" "['gs0', 'gs1']" "$(fact names)"
check_eq "gs0 remote4 (display-hint ipv4)" 10.99.0.2 "$(fact gs0.remote4)"
check_eq "gs0 local4" 10.99.0.1 "$(fact gs0.local4)"
check_eq "gs0 vni, port, chassis" "5 6081 hv-b" "$(fact gs0.vni) $(fact gs0.port) $(fact gs0.chassis)"
check_eq "gs0 ipsec (enum name)" off "$(fact gs0.ipsec)"
check_eq "gs0 ipsec-state (enum name)" plaintext "$(fact gs0.ipsec-state)"
check_eq "ifindexes are gnvsecctl's" "$(fact ctl.ifindex)" "$(fact gs0.ifindex) $(fact gs1.ifindex)"
check_eq "gs1 remote6 (display-hint ipv6)" fd99::2 "$(fact gs1.remote6)"
check_eq "gs1 has no IPv4 remote" "" "$(fact gs1.remote4)"
check_eq "gs1 mark/mask (display-hint hex)" "0x70000/0xffff0000" "$(fact gs1.mark)/$(fact gs1.mark-mask)"
check_eq "gs1 reqid" 7 "$(fact gs1.reqid)"
check_eq "gs1 ipsec (enum name)" inherit "$(fact gs1.ipsec)"
check_eq "gs1 ipsec-state (enum name)" plaintext "$(fact gs1.ipsec-state)"
check_eq "gs1 stats: the 18 counters of the stats set" 18 "$(fact gs1.stats.n)"
check_eq "gs1 stats: nothing sent or received, nothing dropped" 0 "$(fact gs1.stats.sum)"

log "== ynl --do tunnel-get, global-get"
ynl --do tunnel-get --json '{"ifname": "gs1"}' >"$TMP/get.json"
ynl --do global-get >"$TMP/global.json"
cat "$TMP/get.json" "$TMP/global.json"
F=$(facts "$TMP/get.json" '
print("get=%s %s %s" % (j["ifname"], j["remote6"], j["vni"]))
g = json.load(open(sys.argv[3]))
print("global=%s %s" % (g["global-ipsec"], g["global-encap"]))
print("global.stats=%s %s %d" % (g["stats"]["rx-unknown-tunnel"],
                                 g["stats"]["rx-bad-header"], len(g["stats"])))
' "$TMP/global.json")
check_eq "tunnel-get gs1" "gs1 fd99::2 6" "$(fact get)"
check_eq "global-get: global-ipsec, global-encap" "0 0" "$(fact global)"
check_eq "global-get: namespace-wide counters" "0 0 18" "$(fact global.stats)"

log "== ynl --do tunnel-set, and a refused attribute"
ynl --do tunnel-set --json '{"ifname": "gs0", "vni": 50, "chassis": "hv-c"}'
ctl "$C" -j tunnels show gs0 >"$TMP/gs0.json"
F=$(facts "$TMP/gs0.json" 'print("gs0=%s %s" % (j[0]["vni"], j[0]["chassis"]))')
check_eq "gnvsecctl sees ynl's change" "50 hv-c" "$(fact gs0)"
before=$(ctl "$C" -j tunnels show)
must_fail "tunnel-del with a VNI" ynl --do tunnel-del --json '{"ifname": "gs0", "vni": 50}'
check_contains "the extack of tunnel-del with a VNI" "Unknown attribute type" "$OUT"
check_eq "gs0 is still there" "$before" "$(ctl "$C" -j tunnels show)"

log "== ynl --subscribe events"
# The kernel's YNL library subscribed to "events" (tools/ynl_listen.py:
# cli.py --subscribe reads only after a fixed --sleep), until gs2's
# deletion is announced.
$ip netns exec "$C" timeout 300 python3 "$GNVSEC_SRC/selftests/tools/ynl_listen.py" \
	"$YNL/tools/net/ynl" "$SPEC" "$SCHEMA" events tunnel-del-ntf gs2 240 \
	>"$TMP/ntf.json" 2>"$TMP/ntf.err" &
ntf_pid=$!
for _ in $(seq 1200); do
	grep -q subscribed "$TMP/ntf.err" && break
	kill -0 $ntf_pid 2>/dev/null || break
	sleep 0.1
done
grep -q subscribed "$TMP/ntf.err" ||
	fail "the YNL library did not subscribe: $(cat "$TMP/ntf.err")"
ctl "$C" tunnel add gs2 remote 10.99.0.3 vni 7 chassis hv-d
ctl "$C" tunnel set gs2 vni 8
ctl "$C" tunnel bind gs2 reqid 9
ctl "$C" tunnel unbind gs2
ctl "$C" global set ipsec true
ctl "$C" global set ipsec false
ctl "$C" tunnel del gs2
rc=0
wait $ntf_pid || rc=$?
((rc == 0)) || fail "the subscription failed (exit status $rc): $(cat "$TMP/ntf.err")"
cat "$TMP/ntf.json"
# What came, one "key=value" line per fact. A global set announces every
# tunnel (gs0, gs1, gs2, in the namespace's order) as a tunnel-set-ntf.
F=$(facts "$TMP/ntf.json" '
names = [n["name"] + ":" + n["msg"]["ifname"] for n in j]
print("seq=" + " ".join(names[:4] + ["global:" + ",".join(sorted(names[4:7])),
                                     "global:" + ",".join(sorted(names[7:10]))]
                        + names[10:]))
m = [n["msg"] for n in j]
print("new=%s %s %s %s" % tuple(m[0].get(k) for k in
                                ("remote4", "vni", "chassis", "ipsec-state")))
print("set=%s" % m[1].get("vni"))
print("bind=%s" % m[2].get("reqid"))
print("unbind=%s" % ("reqid" in m[3]))
for part, rng in (("on", m[4:7]), ("off", m[7:10])):
    for t in rng:
        print("%s:%s=%s %s" % (part, t["ifname"], t.get("ipsec-required"),
                                t.get("ipsec-state")))
print("del=%s" % sorted(m[10]) if len(m) > 10 else "del=none")
print("count=%d" % len(j))
') || fail "cannot read the notifications"
echo "$F"
check_eq "notifications" 11 "$(fact count)"
check_eq "the notifications, in order" \
	"tunnel-new-ntf:gs2 tunnel-set-ntf:gs2 tunnel-bind-ntf:gs2 tunnel-unbind-ntf:gs2 global:tunnel-set-ntf:gs0,tunnel-set-ntf:gs1,tunnel-set-ntf:gs2 global:tunnel-set-ntf:gs0,tunnel-set-ntf:gs1,tunnel-set-ntf:gs2 tunnel-del-ntf:gs2" \
	"$(fact seq)"
check_eq "tunnel-new-ntf: the tunnel as tunnel-get has it" "10.99.0.3 7 hv-d plaintext" "$(fact new)"
check_eq "tunnel-set-ntf: the new VNI" 8 "$(fact set)"
check_eq "tunnel-bind-ntf: the reqid" 9 "$(fact bind)"
check_eq "tunnel-unbind-ntf: no reqid" False "$(fact unbind)"
check_eq "global ipsec true: gs2 (inherit) requires IPsec" "1 waiting-for-sa" "$(fact on:gs2)"
check_eq "global ipsec true: gs0 (ipsec off) does not" "0 plaintext" "$(fact on:gs0)"
check_eq "global ipsec false: gs2 in clear" "0 plaintext" "$(fact off:gs2)"
check_eq "tunnel-del-ntf: ifindex and ifname only" "['ifindex', 'ifname']" "$(fact del)"
exit 0
