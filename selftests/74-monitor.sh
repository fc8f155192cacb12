#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gnvsecctl monitor: the "events" multicast group as JSON lines (and as
# text, and for an unprivileged reader). A sequence of changes on chassis
# A must arrive as exactly the expected events, in order, with the
# attributes of a TUNNEL_GET reply (a deletion with the name and ifindex
# only); refused requests and changes in another namespace announce
# nothing.
. "$(dirname "$0")/lib.sh"

setup_chassis
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 5 ipsec off

mon() { # NAME [PREFIX...]: gnvsecctl monitor in A, output in $TMP/NAME.out
	local name=$1
	shift
	$ip netns exec "$A" "$@" "$GNVSECCTL" monitor ${JSON:+-j} \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	echo $! >"$TMP/$name.pid"
}
JSON=1 mon json
mon text
JSON=1 mon nobody setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --

# Wait until every monitor hears a change: then they have joined the group.
for i in $(seq 100); do
	ctl "$A" tunnel set gs0 chassis "sync-$i"
	if grep -q "sync-" "$TMP/json.out" && grep -q "sync-" "$TMP/text.out" &&
		grep -q "sync-" "$TMP/nobody.out"; then
		break
	fi
	sleep 0.2
done
for m in json text nobody; do
	grep -q "sync-" "$TMP/$m.out" || fail "monitor $m heard nothing: $(cat "$TMP/$m.err")"
done
for m in json text nobody; do
	echo $(($(wc -l <"$TMP/$m.out") + 1)) >"$TMP/$m.start"
done

# The changes, in order; the comments name the events they must give.
ctl "$A" tunnel add gs1 remote 10.77.0.9 local $A_UL4 vni 7 chassis hv-x ipsec off mark 0x50000 # new gs1
must_fail "refused add" ctl "$A" tunnel add gs2 remote 10.77.0.9 vni 7        # (nothing)
ctl "$B" tunnel add gsb remote $A_UL4 vni 7                                   # (other namespace)
ctl "$A" tunnel set gs1 vni 8 dstport 6082                                    # set gs1
must_fail "refused set" ctl "$A" tunnel set gs1 vni 99999999                  # (nothing)
ctl "$A" tunnel bind gs1 reqid 42                                             # bind gs1
ctl "$A" tunnel bind gs1 spi-out 0x300 spi-in 0x301                           # bind gs1
ctl "$A" tunnel unbind gs1                                                    # unbind gs1
ctl "$A" global set ipsec true                                                # set gs0, set gs1
ctl "$A" tunnel del gs1                                                       # del gs1
ctl "$A" tunnel set gs0 chassis the-end                                       # set gs0

for i in $(seq 100); do
	grep -q "the-end" "$TMP/json.out" && grep -q "the-end" "$TMP/text.out" &&
		grep -q "the-end" "$TMP/nobody.out" && break
	sleep 0.2
done
ifindex=$($ip -n "$A" -j link show gs0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')

for m in json nobody; do
	log "== $m: $(($(wc -l <"$TMP/$m.out") - $(cat "$TMP/$m.start") + 1)) events"
	tail -n +"$(cat "$TMP/$m.start")" "$TMP/$m.out" >"$TMP/$m.events"
	python3 - "$TMP/$m.events" "$ifindex" "$A_UL4" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
gs0_ifindex, local = int(sys.argv[2]), sys.argv[3]
events = [json.loads(l) for l in lines]   # every line is one JSON object
# (event, ifname, {key: value that must match})
want = [
    ("new", "gs1", {"remote": "10.77.0.9", "local": local, "vni": 7, "port": 6081,
                    "chassis": "hv-x", "ipsec": "off", "mark": 0x50000,
                    "mark_mask": 0xffffffff, "binding": None, "configured": True,
                    "ipsec_state": "PLAINTEXT", "allow_null": False}),
    ("set", "gs1", {"vni": 8, "port": 6082, "chassis": "hv-x", "binding": None}),
    ("bind", "gs1", {"vni": 8, "binding": {"reqid": 42}}),
    ("bind", "gs1", {"binding": {"spi_out": 0x300, "spi_in": 0x301}}),
    ("unbind", "gs1", {"binding": None}),
    ("set", "gs0", {"ifindex": gs0_ifindex, "ipsec": "off", "ipsec_required": False}),
    ("set", "gs1", {"ipsec": "off", "ipsec_required": False}),
    ("del", "gs1", {}),
    ("set", "gs0", {"chassis": "the-end", "ifindex": gs0_ifindex}),
]
bad = 0
if len(events) != len(want):
    print("FAIL: %d events, expected %d:" % (len(events), len(want)))
    bad += 1
for i, (ev, name, fields) in enumerate(want):
    got = events[i] if i < len(events) else {}
    errs = []
    if got.get("event") != ev or got.get("ifname") != name:
        errs.append("%s %s" % (got.get("event"), got.get("ifname")))
    for k, v in fields.items():
        if got.get(k) != v:
            errs.append("%s=%r (want %r)" % (k, got.get(k), v))
    if "drops" not in got and ev != "del":
        errs.append("no drops")
    if errs:
        print("FAIL: event %d, expected %s %s: %s" % (i + 1, ev, name, ", ".join(errs)))
        bad += 1
    else:
        print("ok: event %d: %s %s" % (i + 1, ev, name))
# a deletion names the tunnel and nothing else; it is the one that was new
new_idx = next((e["ifindex"] for e in events if e.get("event") == "new"), None)
dels = [e for e in events if e.get("event") == "del"]
if dels and (set(dels[0]) != {"event", "ifname", "ifindex"} or dels[0]["ifindex"] != new_idx):
    print("FAIL: the deletion event is %r (new had ifindex %r)" % (dels[0], new_idx))
    bad += 1
if bad:
    print("events were:\n" + "\n".join(lines))
sys.exit(1 if bad else 0)
EOF
done

# Text: one line per event, in the same order.
tail -n +"$(cat "$TMP/text.start")" "$TMP/text.out" >"$TMP/text.events"
cat "$TMP/text.events"
check_eq "text: events" 9 "$(wc -l <"$TMP/text.events")"
check_eq "text: the order" "new set bind bind unbind set set del set" \
	"$(cut -d' ' -f1 "$TMP/text.events" | tr '\n' ' ' | sed 's/ $//')"
check_contains "text: new" "new gs1 ifindex " "$(sed -n 1p "$TMP/text.events")"
check_contains "text: new's settings" "remote 10.77.0.9 local $A_UL4 vni 7 dstport 6081 chassis hv-x mark 0x50000/0xffffffff ipsec off" \
	"$(sed -n 1p "$TMP/text.events")"
check_contains "text: bound by reqid" "binding reqid 42" "$(sed -n 3p "$TMP/text.events")"
check_contains "text: bound by SPIs" "binding spi-out 0x300 spi-in 0x301" "$(sed -n 4p "$TMP/text.events")"
check_eq "text: deletion" "del gs1 ifindex $(sed -n 's/^new gs1 ifindex \([0-9]*\) .*/\1/p' "$TMP/text.events")" \
	"$(sed -n 8p "$TMP/text.events")"

for m in json text nobody; do
	kill "$(cat "$TMP/$m.pid")" 2>/dev/null || true
	[[ -s $TMP/$m.err ]] && fail "monitor $m complained: $(cat "$TMP/$m.err")"
done
log "ok: no complaints from the monitors"
