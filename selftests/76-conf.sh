#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The configuration survives a module reload (a reboot, for the module):
# "gnvsecctl showconf" writes every tunnel, binding and switch; after
# rmmod + modprobe, the commands of systemd/gnvsec.service (modprobe, then
# setconf of the file) give back exactly the same showconf. setconf of its
# own output changes nothing (the same ifindexes); a smaller hand-written
# file makes the namespace that file: tunnels it lacks are deleted, fields
# it leaves out are reset, a binding it lacks is removed. A bad file is a
# usage error naming FILE:LINE and changes nothing; a kernel refusal names
# the line. "gnvsecctl wait" returns when a required tunnel becomes ACTIVE
# (SAs added while it waits) and fails, naming the tunnel, when not.
. "$(dirname "$0")/lib.sh"

load_module
dummy_ns
conf() { ctl "$C" showconf; }
ifindexes() { n "$C" ip -o link show | awk -F': ' '$2 ~ /^ga/ { print $1, $2 }' | sed 's/@.*//'; }
key() { printf '0x%040x' "$1"; }

ctl "$C" global set ipsec true encapsulation false
chassis=$'hv 2 "x"\\'	# blanks, quotes and a backslash: showconf must quote them
ctl "$C" tunnel add ga0 remote 10.99.0.2 local 10.99.0.1 vni 5 chassis "$chassis" ipsec required
ctl "$C" tunnel add ga1 remote fd99::2 vni 77 dstport 7000 mark 0x100/0xff00 ipsec off \
	encap force mtu 1300 allow-null on
ctl "$C" tunnel add ga2 remote 10.99.0.3 vni 6
n "$C" ip link add ga3 type gnvsec
ctl "$C" tunnel bind ga0 reqid 42
ctl "$C" tunnel bind ga2 spi-out 0x1001 spi-in 0x2001
n "$C" ip link set ga0 up
n "$C" ip link set ga1 up
conf >"$TMP/c1"
cat "$TMP/c1"

m0=$(tfield "$C" ga0 mark)
mask0=$(tfield "$C" ga0 mark_mask)
mtu0=$(tfield "$C" ga0 mtu)
mark0=$(printf '0x%x/0x%x' "$m0" "$mask0")
check_eq "showconf: the global line" "global ipsec true encapsulation false" \
	"$(grep '^global' "$TMP/c1")"
check_eq "showconf: ga0, its chassis quoted" \
	"tunnel ga0 remote 10.99.0.2 local 10.99.0.1 vni 5 dstport 6081 chassis \"hv 2 \\\"x\\\"\\\\\" mark $mark0 ipsec required encap inherit mtu $mtu0 allow-null off link up" \
	"$(grep '^tunnel ga0 ' "$TMP/c1")"
check_eq "showconf: ga1" \
	"tunnel ga1 remote fd99::2 vni 77 dstport 7000 mark 0x100/0xff00 ipsec off encap force mtu 1300 allow-null on link up" \
	"$(grep '^tunnel ga1 ' "$TMP/c1")"
check_contains "showconf: ga2, down" "tunnel ga2 remote 10.99.0.3 vni 6 dstport 6081 mark" "$(grep '^tunnel ga2 ' "$TMP/c1")"
check_contains "showconf: ga2 is down" "link down" "$(grep '^tunnel ga2 ' "$TMP/c1")"
check_contains "showconf: ga3 has no remote" "tunnel ga3 vni 0 dstport 6081 mark" "$(grep '^tunnel ga3 ' "$TMP/c1")"
check_eq "showconf: the bindings" "bind ga0 reqid 42
bind ga2 spi-out 0x1001 spi-in 0x2001" "$(grep '^bind' "$TMP/c1")"
check_eq "showconf: one line per tunnel and binding" 7 "$(grep -vc '^#' "$TMP/c1")"

# Applied to the live namespace, its own output changes nothing.
ifindexes >"$TMP/idx1"
ctl "$C" setconf "$TMP/c1"
conf >"$TMP/c2"
check_eq "setconf of showconf: the same showconf" "" "$(diff "$TMP/c1" "$TMP/c2")"
check_eq "setconf of showconf: no tunnel re-created" "" "$(ifindexes | diff "$TMP/idx1" -)"

# A bad file changes nothing: checked whole before the first request.
{ cat "$TMP/c1"; echo 'tunnel gb0 remote 10.99.0.9 vni 16777216'; } >"$TMP/bad"
must_fail "setconf of a bad file" ctl "$C" setconf "$TMP/bad"
check_eq "bad file: exit status" 2 "$RC"
check_contains "bad file: FILE:LINE and the argument" \
	"$TMP/bad:9: vni: 16777216 is out of range 0..16777215" "$OUT"
{ echo 'tunnel gb0 remote 10.99.0.9'; echo 'global ipsec false'; } >"$TMP/bad"
sed -i '1s/^/tunnel ga0 remote 10.99.0.2 link sideways\n/' "$TMP/bad"
must_fail "setconf: an unknown link state" ctl "$C" setconf "$TMP/bad"
check_contains "unknown link state: FILE:LINE" "$TMP/bad:1: unknown link state \"sideways\"" "$OUT"
check_eq "bad files changed nothing" "" "$(conf | diff "$TMP/c1" -)"

# A reboot of the module: everything is gone, and the unit restores it.
for _ in $(seq 20); do
	rmmod gnvsec 2>/dev/null && break
	sleep 0.5
done
check_eq "module unloaded" no "$([[ -d /sys/module/gnvsec ]] && echo yes || echo no)"
unit=$GNVSEC_SRC/systemd/gnvsec.service.in
cp "$TMP/c1" "$TMP/gnvsec.conf"
mapfile -t cmds < <(sed -n 's/^ExecStart\(Pre\)\?=//p' "$unit" |
	sed "s|@SBINDIR@/gnvsecctl|$GNVSECCTL|; s|/etc/gnvsec/gnvsec.conf|$TMP/gnvsec.conf|")
check_eq "the unit's commands" 2 "${#cmds[@]}"
for c in "${cmds[@]}"; do
	log "unit: $c"
	# shellcheck disable=SC2086 # a unit's command line, split as systemd does
	n "$C" $c
done
conf >"$TMP/c3"
check_eq "restored by the unit: the same showconf" "" "$(diff "$TMP/c1" "$TMP/c3")"
check_eq "restored: ga3 is a gnvsec device" gnvsec \
	"$($ip -n "$C" -d -j link show ga3 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["linkinfo"]["info_kind"])')"
check_eq "restored: ga1 is up" UP "$($ip -n "$C" -j link show ga1 | python3 -c 'import json,sys; print("UP" if "UP" in json.load(sys.stdin)[0]["flags"] else "DOWN")')"

# A smaller file is what the namespace becomes.
ifindexes >"$TMP/idx3"
cat >"$TMP/c4" <<'EOF'
# ga0 with its defaults, ga1 down; ga2, ga3 and both switches gone
tunnel ga0 remote 10.99.0.2
tunnel ga1 remote fd99::2 vni 77 dstport 7000 mark 0x100/0xff00 ipsec off encap force mtu 1300 allow-null on link down
EOF
ctl "$C" setconf "$TMP/c4"
conf >"$TMP/c5"
cat "$TMP/c5"
check_eq "setconf of a smaller file" "global ipsec false encapsulation false
tunnel ga0 remote 10.99.0.2 vni 0 dstport 6081 mark $mark0 ipsec inherit encap inherit mtu $mtu0 allow-null off link up
tunnel ga1 remote fd99::2 vni 77 dstport 7000 mark 0x100/0xff00 ipsec off encap force mtu 1300 allow-null on link down" \
	"$(grep -v '^#' "$TMP/c5")"
check_eq "smaller file: ga0 and ga1 changed in place" \
	"$(grep -E ' ga[01]$' "$TMP/idx3")" "$(ifindexes)"

# A kernel refusal names the line, with the kernel's words.
printf 'tunnel ga0 remote 10.99.0.2 vni 9\ntunnel ga5 remote 10.99.0.2 vni 9\n' >"$TMP/dup"
must_fail "setconf: two tunnels with one remote and VNI" ctl "$C" setconf "$TMP/dup"
check_eq "kernel refusal: exit status" 1 "$RC"
check_contains "kernel refusal: FILE:LINE" "$TMP/dup:2: " "$OUT"
check_contains "kernel refusal: the kernel's message" "another tunnel has this remote, VNI and port" "$OUT"

# wait: a required tunnel without SAs is not ACTIVE ...
ctl "$C" setconf - <<'EOF'
tunnel gw0 remote 10.99.0.2 local 10.99.0.1 vni 3 ipsec required link up
EOF
must_fail "wait for a tunnel without SAs" ctl "$C" wait --timeout 1
check_eq "wait timed out: exit status" 1 "$RC"
check_contains "wait timed out: names the tunnel" "not ACTIVE after 1 s: gw0 WAITING FOR SA" "$OUT"
must_fail "wait for a tunnel that does not exist" ctl "$C" wait --timeout=0 gw0 gw9
check_contains "wait: the missing tunnel" "gw0 WAITING FOR SA, gw9 (no such tunnel)" "$OUT"

# ... and wait returns once SAs in both directions make it ACTIVE.
ctl "$C" wait --timeout 60 >"$TMP/wait.log" 2>&1 &
waiter=$!
sleep 1
if ! kill -0 "$waiter" 2>/dev/null; then
	fail "wait returned before the SAs existed: $(cat "$TMP/wait.log")"
fi
log "ok: wait still waiting before the SAs"
ctl "$C" sa add gw0 spi-out 0x3001 spi-in 0x4001 key-out "$(key 11)" key-in "$(key 12)"
rc=0
wait "$waiter" || rc=$?
check_eq "wait returned with the SAs: exit status" 0 "$rc"
check_eq "gw0 is ACTIVE" ACTIVE "$(tfield "$C" gw0 ipsec_state)"
ctl "$C" wait --timeout 0 gw0
log "ok: wait for ACTIVE tunnels returns at once"

# showconf never writes keys (a restored manual key would reuse nonces).
conf >"$TMP/c6"
check_eq "showconf has the SA binding" "bind gw0 spi-out 0x3001 spi-in 0x4001" "$(grep '^bind' "$TMP/c6")"
if grep -q "$(key 11 | cut -c3-)\|$(key 12 | cut -c3-)" "$TMP/c6"; then
	fail "showconf wrote a key"
fi
log "ok: no key in showconf"
