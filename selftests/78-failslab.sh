#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures during tunnel creation, configuration and SA set-up,
# limited to the requesting task: /proc/thread-self/fail-nth makes the
# N-th fault-injection point the task itself reaches fail (failslab and
# fail_page_alloc, GFP_KERNEL allocations and every page order included;
# no other task is touched). For N = 1,
# 2, ... until a request goes through without reaching the N-th point,
# each request (TUNNEL_NEW with addresses, then TUNNEL_SET with a mark and
# IPsec, then gnvsecctl's SA_ADD for a tunnel with forced encapsulation, the
# NAT-T hook set-up) must either succeed completely or fail with an error
# to the caller and leave nothing behind: no device, no tunnel in the dump,
# the previous configuration intact, no XFRM state or policy. Afterwards the
# module must unload (no reference leaked); under the debug kernel
# (`make check-debug`) kmemleak then checks that nothing leaked. Needs a
# kernel with FAULT_INJECTION and FAILSLAB (the debug kernel); skipped
# elsewhere. FAIL_PAGE_ALLOC, when the kernel has it, adds the page
# allocator's points (netlink replies and skbs too large for a slab).
. "$(dirname "$0")/lib.sh"

fs=/sys/kernel/debug/failslab
load_module
if [[ ! -d $fs || ! -e /proc/self/fail-nth ]]; then
	echo "SKIP: the kernel has no failslab or fail-nth (FAULT_INJECTION: make check-debug)"
	exit 4
fi
mark="gnvsec-selftest 78-failslab $$"
echo "$mark" >/dev/kmsg

# GFP_KERNEL allocations too (the default only fails atomic ones), no
# message or stack trace per injected failure (it would count as a report).
# The page allocator's points likewise, of every order.
fpa=/sys/kernel/debug/fail_page_alloc
saved=()
fault_set() { # FILE VALUE: remembered for restore_failslab
	saved+=("$1" "$(cat "$1")")
	echo "$2" >"$1"
}
fault_set $fs/ignore-gfp-wait N
fault_set $fs/verbose 0
if [[ -d $fpa ]]; then
	fault_set $fpa/ignore-gfp-wait N
	fault_set $fpa/ignore-gfp-highmem N
	fault_set $fpa/min-order 0
	fault_set $fpa/verbose 0
	log "fail_page_alloc: page allocations fail too"
fi
restore_failslab() {
	local i
	for ((i = 0; i < ${#saved[@]}; i += 2)); do
		echo "${saved[i + 1]}" >"${saved[i]}"
	done
}
dummy_ns

cat >"$TMP/fail.py" <<'EOF'
# fail.py TOOLS: each request with fail-nth 1, 2, ... (see 78-failslab.sh).
import errno, os, socket, subprocess, sys
sys.path.insert(0, sys.argv[1])
import nlclient as nc
from nlclient import A, C

NTH = "/proc/thread-self/fail-nth"
bad = []

# Opened once: an open() while armed would itself reach the N-th point
# when the request did not (reading and writing allocate nothing).
nth = os.open(NTH, os.O_RDWR)

def arm(n):
    os.pwrite(nth, str(n).encode(), 0)

def injected():
    hit = os.pread(nth, 32, 0).decode().strip() == "0"
    arm(0)
    return hit

def name(n):
    return nc.nla_str(A.IFNAME, n)

def tunnels(g):
    out = {}
    for r in g.dump():
        d = nc.reply_dict(r)
        out[d.get("IFNAME", "")] = d
    return out

def exists(dev):
    return os.path.exists("/sys/class/net/%s" % dev)

def try_all(what, do, check_ok, check_clean, undo):
    """do() with fail-nth 1, 2, ...; returns the number of points seen."""
    for n in range(1, 400):
        g = nc.Genl()
        arm(n)
        try:
            err, replies, _ = g.request(*do())
        except OSError as e:
            err, replies = e.errno or errno.EIO, []
        hit = injected()
        if not hit:
            if err:
                bad.append("%s: failed without an injected fault: %s" % (what, nc.errname(err)))
            else:
                check_ok(g)
                undo(g)
            return n
        if err == errno.ENOBUFS and not replies:
            # the ack itself could not be allocated: the request's
            # outcome is unknown to the caller, so it is not judged
            undo(g)
            continue
        if not err:
            # an injected failure the code tolerates (an optional
            # allocation): then the result must be complete
            check_ok(g)
            undo(g)
            continue
        check_clean(g, "%s, allocation %d failed (%s)" % (what, n, nc.errname(err)))
    bad.append("%s: still reaching new allocations after 400" % what)
    return 400

a4 = socket.inet_pton(socket.AF_INET, "10.99.0.1")
b4 = socket.inet_pton(socket.AF_INET, "10.99.0.2")

def new_req():
    return (C.TUNNEL_NEW, name("ft") + nc.nla(A.REMOTE4, b4) +
            nc.nla(A.LOCAL4, a4) + nc.nla_u32(A.VNI, 77))

def new_ok(g):
    if not exists("ft") or "ft" not in tunnels(g):
        bad.append("TUNNEL_NEW succeeded but ft is incomplete")

def new_clean(g, ctx):
    if exists("ft"):
        bad.append("%s: device ft left behind" % ctx)
    if "ft" in tunnels(g):
        bad.append("%s: tunnel ft still in the dump" % ctx)
    delete(g)

def delete(g):
    if exists("ft"):
        g.request(C.TUNNEL_DEL, name("ft"))

seen = try_all("TUNNEL_NEW", new_req, new_ok, new_clean, delete)
print("TUNNEL_NEW: %d fault-injection points" % seen)

# TUNNEL_SET on an existing tunnel: all or nothing
g0 = nc.Genl()
g0.ok(*new_req())
before = tunnels(g0)["ft"]

def set_req():
    return (C.TUNNEL_SET, name("ft") + nc.nla_u32(A.MARK, 0x770000) +
            nc.nla_u32(A.MARK_MASK, 0xffff0000) + nc.nla_u32(A.VNI, 78))

def set_ok(g):
    t = tunnels(g).get("ft", {})
    if t.get("VNI") != 78:
        bad.append("TUNNEL_SET succeeded but the VNI is %r" % t.get("VNI"))

def set_clean(g, ctx):
    t = tunnels(g).get("ft")
    if t is None:
        bad.append("%s: tunnel ft gone" % ctx)
    elif t.get("VNI") != before.get("VNI") or t.get("MARK") != before.get("MARK"):
        bad.append("%s: half applied: VNI %r mark %r" % (ctx, t.get("VNI"), t.get("MARK")))

def set_undo(g):
    g.request(C.TUNNEL_SET, name("ft") + nc.nla_u32(A.MARK, before["MARK"]) +
              nc.nla_u32(A.MARK_MASK, before.get("MARK_MASK", 0xffff0000)) +
              nc.nla_u32(A.VNI, before["VNI"]))

seen = try_all("TUNNEL_SET", set_req, set_ok, set_clean, set_undo)
print("TUNNEL_SET: %d fault-injection points" % seen)
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF

if ! n "$C" python3 "$TMP/fail.py" "$GNVSEC_SRC/selftests/tools"; then
	restore_failslab
	fail "an allocation failure was not an error, or left something behind"
fi

# SA set-up with forced encapsulation (SAs, policies, the NAT-T hook): a
# failed gnvsecctl sa add leaves no state and no policy behind.
ctl "$C" tunnel set ft encap force ipsec required
KEY=0x$(printf '%040x' 0x4141)
KEY_IN=0x$(printf '%040x' 0x1414)
points=0
for nth in $(seq 1 300); do
	# fail-nth counts from the write: the exec of gnvsecctl comes first
	# (an exec that fails is an error too, with nothing made)
	rc=0
	n "$C" bash -c 'echo '"$nth"' >/proc/self/fail-nth && exec gnvsecctl sa add ft spi-out 0x5001 spi-in 0x5002 key-out '"$KEY"' key-in '"$KEY_IN" \
		>"$TMP/sa.log" 2>&1 || rc=$?
	if ((rc == 0)); then
		# through: the first run that reached no failing point (or one
		# the code tolerates), complete
		check_eq "sa add (fail-nth $nth): SAs" 2 "$(n "$C" ip xfrm state | grep -c '^src')"
		ctl "$C" sa del ft
		break
	fi
	points=$nth
	check_eq "sa add failed at point $nth: states left" 0 "$(n "$C" ip xfrm state | grep -c '^src' || true)"
	check_eq "sa add failed at point $nth: policies left" 0 "$(n "$C" ip xfrm policy | grep -c '^src' || true)"
done
log "sa add: $points runs failed, each an error with nothing left"
restore_failslab

ctl "$C" tunnel del ft
for ns in "$C"; do $ip netns del "$ns"; done
unload_clean "$mark" 'Oops|WARNING:|BUG:|general protection|KASAN|UBSAN|refcount_t:|list_(add|del) corruption|unregister_netdevice: waiting'
log "ok: allocation failures are errors and leave nothing behind"
