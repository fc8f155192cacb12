#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gnvsecctl monitor: the "events" multicast group as JSON lines (and as
# text, and for an unprivileged reader). A sequence of changes on chassis
# A must arrive as exactly the expected events, in order, with the
# attributes of a TUNNEL_GET reply (a deletion with the name and ifindex
# only); refused requests and changes in another namespace announce
# nothing. Then the changes made outside the family: "ip link add ... type
# gnvsec", a rename, an MTU and "ip link del" give exactly their event;
# SAs and policies added, deleted, expired and flushed with "ip xfrm" give
# a "state" event each time a tunnel's IPsec state changes, and none when
# it does not; a namespace deleted with tunnels and a pending XFRM change
# leaves no splat.
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

# Part two: changes from outside the family.
for m in json text nobody; do
	echo $(($(wc -l <"$TMP/$m.out") + 1)) >"$TMP/$m.start"
done
count() { # MONITOR: its lines since part two began (one process: wc)
	local start total
	read -r start <"$TMP/$1.start"
	total=$(wc -l <"$TMP/$1.out")
	echo $((total - start + 1))
}
# wait_event N: until every monitor printed N events of part two (20 s at
# most, however slow the guest), then 0.5 s more, so that an extra event
# would be there too.
wait_event() {
	local want=$1 end=$((SECONDS + 20)) m
	while ((SECONDS < end)); do
		(($(count json) >= want && $(count text) >= want && $(count nobody) >= want)) && break
		sleep 0.2
	done
	sleep 0.5
	for m in json text nobody; do
		(($(count $m) == want)) || tail -n +"$(cat "$TMP/$m.start")" "$TMP/$m.out"
		check_eq "$m: events so far" "$want" "$(count $m)"
	done
}
KEY1=0x$(printf '%040x' 0x7171)
KEY2=0x$(printf '%040x' 0x7272)
sa_in() { # [ip xfrm state add options]: the inbound SA from B
	n "$A" $ip xfrm state add src $B_UL4 dst $A_UL4 proto esp spi 0x7002 mode transport \
		replay-window 32 aead 'rfc4106(gcm(aes))' $KEY2 128 "$@"
}

$ip -n "$A" link add gs5 type gnvsec                                          # new gs5
wait_event 1
$ip -n "$A" link set gs5 name gs6                                             # set gs6
wait_event 2
$ip -n "$A" link set gs6 mtu 1300                                             # set gs6
wait_event 3
$ip -n "$A" link set gs6 mtu 1300                                             # (same MTU: nothing)
$ip -n "$A" link del gs6                                                      # del gs6
wait_event 4
# Exactly one event for a tunnel the family creates, its derived and its
# given MTU included.
ctl "$A" tunnel add gs7 remote $B_UL4 local $A_UL4 vni 9 ipsec required mark 0x70000 mtu 1350 # new gs7
wait_event 5
# Half of what ACTIVE needs changes nothing.
n "$A" $ip xfrm policy add dir out src $A_UL4/32 dst $B_UL4/32 proto udp dport 6081 \
	mark 0x70000 mask 0xffffffff tmpl src $A_UL4 dst $B_UL4 proto esp mode transport
n "$A" $ip xfrm state add src $A_UL4 dst $B_UL4 proto esp spi 0x7001 mode transport \
	aead 'rfc4106(gcm(aes))' $KEY1 128                                     # (still WAITING FOR SA)
sleep 0.5
sa_in                                                                         # state gs7 ACTIVE
wait_event 6
n "$A" $ip xfrm state del src $B_UL4 dst $A_UL4 proto esp spi 0x7002          # state gs7 WAITING FOR SA
wait_event 7
# An SA that expires (the kernel deletes it from its timer): one event
# when it comes, one when it goes.
sa_in limit time-hard 4                                                       # state gs7 ACTIVE
end=$((SECONDS + 15))                                                         # state gs7 WAITING FOR SA
while ((SECONDS < end)); do
	n "$A" $ip xfrm state get src $B_UL4 dst $A_UL4 proto esp spi 0x7002 >/dev/null 2>&1 || break
	sleep 0.2
done
wait_event 9
sa_in                                                                         # state gs7 ACTIVE
wait_event 10
n "$A" $ip xfrm policy flush                                                  # state gs7 WAITING FOR SA
wait_event 11
n "$A" $ip xfrm state flush                                                   # (nothing: still waiting)
ctl "$A" tunnel del gs7                                                       # del gs7
wait_event 12

# A namespace dies with tunnels and an XFRM change still to be looked at:
# no splat (the test harness reads the kernel log), and nothing for A. The
# veth end it gives A goes after gnvsec's namespace exit ran.
dummy_ns
$ip -n "$C" link add cv type veth peer name cv netns "$A"
$ip -n "$C" link add gsc0 type gnvsec
ctl "$C" tunnel add gsc1 remote 10.99.0.2 local 10.99.0.1 ipsec required
n "$C" $ip xfrm state add src 10.99.0.2 dst 10.99.0.1 proto esp spi 0x9002 mode transport \
	replay-window 32 aead 'rfc4106(gcm(aes))' $KEY2 128 && $ip netns del "$C"
end=$((SECONDS + 30))
while ((SECONDS < end)); do
	$ip -n "$A" link show cv >/dev/null 2>&1 || break
	sleep 0.2
done
check_eq "the dead namespace's veth end in A" gone \
	"$($ip -n "$A" link show cv >/dev/null 2>&1 && echo there || echo gone)"
ctl "$A" tunnel set gs0 chassis the-end-2                                     # set gs0
wait_event 13

for m in json nobody; do
	tail -n +"$(cat "$TMP/$m.start")" "$TMP/$m.out" >"$TMP/$m.events"
	python3 - "$TMP/$m.events" "$ifindex" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
gs0_ifindex = int(sys.argv[2])
events = [json.loads(l) for l in lines]
W, A = "WAITING FOR SA", "ACTIVE"
want = [
    ("new", "gs5", {"configured": False, "remote": None, "ipsec_state": "UNCONFIGURED"}),
    ("set", "gs6", {"configured": False}),
    ("set", "gs6", {"mtu": 1300}),
    ("del", "gs6", {}),
    ("new", "gs7", {"mtu": 1350, "ipsec": "required", "ipsec_state": W, "mark": 0x70000}),
    ("state", "gs7", {"ipsec_state": A, "mtu": 1350, "vni": 9, "binding": None}),
    ("state", "gs7", {"ipsec_state": W}),
    ("state", "gs7", {"ipsec_state": A}),
    ("state", "gs7", {"ipsec_state": W}),
    ("state", "gs7", {"ipsec_state": A}),
    ("state", "gs7", {"ipsec_state": W}),
    ("del", "gs7", {}),
    ("set", "gs0", {"chassis": "the-end-2", "ifindex": gs0_ifindex, "ipsec_state": "PLAINTEXT"}),
]
bad = 0
if len(events) != len(want):
    print("FAIL: %d events, expected %d" % (len(events), len(want)))
    bad += 1
for i, (ev, name, fields) in enumerate(want):
    got = events[i] if i < len(events) else {}
    errs = []
    if got.get("event") != ev or got.get("ifname") != name:
        errs.append("%s %s" % (got.get("event"), got.get("ifname")))
    for k, v in fields.items():
        if got.get(k) != v:
            errs.append("%s=%r (want %r)" % (k, got.get(k), v))
    if ev == "del" and set(got) != {"event", "ifname", "ifindex"}:
        errs.append("keys %r" % sorted(got))
    if errs:
        print("FAIL: event %d, expected %s %s: %s" % (i + 1, ev, name, ", ".join(errs)))
        bad += 1
    else:
        print("ok: event %d: %s %s" % (i + 1, ev, name))
# The rename, the MTU and the deletion are of the tunnel "ip link add" made.
idx = [e.get("ifindex") for e in events[:4]]
if len(set(idx)) != 1:
    print("FAIL: gs5/gs6 events name ifindexes %r" % idx)
    bad += 1
if bad:
    print("events were:\n" + "\n".join(lines))
sys.exit(1 if bad else 0)
EOF
done
tail -n +"$(cat "$TMP/text.start")" "$TMP/text.out" >"$TMP/text.events"
cat "$TMP/text.events"
check_eq "text: events, part two" "new set set del new state state state state state state del set" \
	"$(cut -d' ' -f1 "$TMP/text.events" | tr '\n' ' ' | sed 's/ $//')"
check_contains "text: state event" "state gs7 ifindex " "$(sed -n 6p "$TMP/text.events")"
check_contains "text: state ACTIVE" " state ACTIVE binding none" "$(sed -n 6p "$TMP/text.events")"
check_contains "text: state WAITING" " state WAITING FOR SA binding none" "$(sed -n 11p "$TMP/text.events")"

for m in json text nobody; do
	kill "$(cat "$TMP/$m.pid")" 2>/dev/null || true
	[[ -s $TMP/$m.err ]] && fail "monitor $m complained: $(cat "$TMP/$m.err")"
done
log "ok: no complaints from the monitors"
