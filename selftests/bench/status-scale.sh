#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cost of reading the status at scale, outside the selftests: for each
# count in STATUS_COUNTS (default "1000 10000"), a namespace with that many
# gnvsec tunnels (distinct remotes), each with two SAs and two policies as
# "gnvsecctl sa add" makes them, then the genl TUNNEL_GET dump timed
# in-process (STATUS_ROUNDS times; the best one is reported) and checked:
# every tunnel listed, every one ACTIVE. Meant for the test VM:
#
#   bash selftests/vm/vm.sh 6.12 -- bash selftests/bench/status-scale.sh [MODULE.ko]
#
# With MODULE.ko that module is loaded instead of the installed one (to
# compare two builds in one guest).
set -e -o pipefail
ip=/usr/sbin/ip
src=$(cd "$(dirname "$0")/../.." && pwd)
export PYTHONPATH=$src/selftests/tools
COUNTS=${STATUS_COUNTS:-1000 10000}
ROUNDS=${STATUS_ROUNDS:-3}

if [[ -n ${1:-} ]]; then
	modprobe -a udp_tunnel ip6_udp_tunnel 2>/dev/null || true
	rmmod gnvsec 2>/dev/null || true
	insmod "$1"
else
	modprobe gnvsec
fi
echo "module: ${1:-installed} (srcversion $(modinfo -F srcversion "${1:-gnvsec}" 2>/dev/null || true)), kernel $(uname -r)"

for count in $COUNTS; do
	ns=status-$count
	$ip netns add $ns
	$ip -n $ns link set lo up
	$ip -n $ns link add d0 type dummy
	$ip -n $ns addr add 10.0.0.1/8 dev d0
	$ip -n $ns link set d0 up
	t0=$(date +%s.%N)
	$ip netns exec $ns python3 - "$count" <<'PY'
import socket, sys
from nlclient import Genl, C, A, nla, nla_str, nla_u32
g = Genl()
for i in range(int(sys.argv[1])):
    r = "10.%d.%d.%d" % (100 + i // 65536, i // 256 % 256, i % 256)
    g.ok(C.TUNNEL_NEW, nla_str(A.IFNAME, "st%d" % i) +
         nla(A.REMOTE4, socket.inet_pton(socket.AF_INET, r)) +
         nla(A.LOCAL4, socket.inet_pton(socket.AF_INET, "10.0.0.1")) +
         nla_u32(A.VNI, i + 1) + nla_u32(A.MARK, 0x100 + i) +
         nla_u32(A.MARK_MASK, 0xffffffff))
PY
	python3 - "$count" >/tmp/sas.batch <<'PY'
import sys
for i in range(int(sys.argv[1])):
    l, r = "10.0.0.1", "10.%d.%d.%d" % (100 + i // 65536, i // 256 % 256, i % 256)
    print("xfrm state add src %s dst %s proto esp spi %d mode transport aead rfc4106(gcm(aes)) 0x%040x 128" % (l, r, 0x100000 + i, 2 * i + 1))
    print("xfrm state add src %s dst %s proto esp spi %d mode transport replay-window 32 aead rfc4106(gcm(aes)) 0x%040x 128" % (r, l, 0x200000 + i, 2 * i + 2))
    print("xfrm policy add src %s/32 dst %s/32 proto udp dport 6081 dir out mark %d mask 0xffffffff tmpl src %s dst %s proto esp mode transport" % (l, r, 0x100 + i, l, r))
    print("xfrm policy add src %s/32 dst %s/32 proto udp dport 6081 dir in tmpl src %s dst %s proto esp mode transport" % (r, l, r, l))
PY
	$ip -n $ns -batch /tmp/sas.batch
	t1=$(date +%s.%N)
	printf 'count %d: made %d tunnels, %d SAs, %d policies in %.1f s\n' "$count" \
		"$($ip -n $ns -o link show type gnvsec | wc -l)" \
		"$($ip -n $ns xfrm state | grep -c '^src')" \
		"$($ip -n $ns xfrm policy | grep -c '^src')" \
		"$(python3 -c "print($t1 - $t0)")"
	$ip netns exec $ns python3 - "$count" "$ROUNDS" <<'PY'
import socket, struct, sys, time
from nlclient import Genl, C, A, NLM_F_REQUEST, NLM_F_DUMP, genlmsg, split_msgs
want, rounds = int(sys.argv[1]), int(sys.argv[2])
g = Genl()
best = None
for n in range(rounds):
    s = g.sock
    seq = 1000 + n
    t0 = time.monotonic()
    s.send(genlmsg(g.family, C.TUNNEL_GET, NLM_F_REQUEST | NLM_F_DUMP, seq))
    tunnels, active, done = 0, 0, False
    while not done:
        data = s.recv(1 << 20)
        for r in split_msgs(data):
            if r.seq != seq:
                continue
            if r.type == 3:
                done = True
                break
            if r.type == 2:
                sys.exit("dump error")
            if r.type != g.family:
                continue
            tunnels += 1
            if any(t == A.IPSEC_STATE and v[0] == 1 for t, _, v in r.genl_attrs()):
                active += 1
    secs = time.monotonic() - t0
    best = secs if best is None else min(best, secs)
    print("  dump %d: %.3f s, %d tunnels, %d ACTIVE" % (n + 1, secs, tunnels, active))
    if tunnels != want or active != want:
        sys.exit("  FAILED: expected %d tunnels, all ACTIVE" % want)
print("  best: %.3f s for %d tunnels (%.1f us per tunnel)" % (best, want, 1e6 * best / want))
PY
	$ip netns del $ns
	sleep 1
done
