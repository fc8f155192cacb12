#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The NAT-T receive hook torn down while it runs. An unprivileged user, root
# only in a user namespace of its own (gnvsec's commands need CAP_NET_ADMIN
# over the namespace, nothing more), floods UDP port 4500 on loopback for
# both families while it switches forced encapsulation on and off, which
# registers and unregisters the hook and its socket. The module parameter
# test_hook_delay_us makes each run of the hook wait 200 ms before it uses
# the socket, with the flood on one CPU and the switching on the other, so
# that every teardown meets a running hook: a teardown that does not wait
# for it (the kernel's unregister does not) releases the socket under it,
# and the guest oopses (a NULL dereference in natt_rcv_one() on 6.1 and
# 6.12). Must end with a clean kernel log.
. "$(dirname "$0")/lib.sh"

load_module
chmod 0777 "$TMP"
(($(nproc) >= 2)) || fail "the race needs two CPUs, the guest has $(nproc)"
param=/sys/module/gnvsec/parameters/test_hook_delay_us
[[ -w $param ]] || fail "no $param"
mark="gnvsec-65-$SUFFIX"
echo "$mark" >/dev/kmsg

cat >"$TMP/flood.py" <<'EOF'
import socket, sys, time
# Datagrams to port 4500 of loopback, IPv4 and IPv6 in turn, until the
# deadline. Not ESP (a NAT keepalive byte): the hook takes them, nothing
# delivers them. One every 220 ms, just more than the hook's 200 ms: the
# hook is nearly always running, and no backlog piles up (a pile would be
# processed in one softirq run, long enough for an RCU stall).
end = time.monotonic() + float(sys.argv[1])
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
n = 0
while time.monotonic() < end:
    (s4, s6)[n % 2].sendto(b"\xff", (("127.0.0.1", "::1")[n % 2], 4500))
    n += 1
    time.sleep(0.22)
print(n)
EOF

cat >"$TMP/race.sh" <<EOF
set -e
export PATH=$PATH
ip link set lo up
gnvsecctl tunnel add g4 remote 10.66.0.2 vni 1 encap force
gnvsecctl tunnel add g6 remote fd66::2 vni 1 encap force
taskset -c 0 python3 $TMP/flood.py 18 >$TMP/sent &
flood=\$!
sleep 1
for i in 1 2 3 4 5; do
	taskset -c 1 gnvsecctl tunnel set g4 encap auto
	taskset -c 1 gnvsecctl tunnel set g6 encap auto
	taskset -c 1 gnvsecctl tunnel set g4 encap force
	taskset -c 1 gnvsecctl tunnel set g6 encap force
done
echo toggled 5
wait \$flood
gnvsecctl tunnel del g4
gnvsecctl tunnel del g6
EOF

echo 200000 >"$param"
RC=0
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare --user --map-root-user --net -- bash "$TMP/race.sh" 2>&1) || RC=$?
echo 0 >"$param"
echo "$out"
check_eq "the race ran to its end as an unprivileged user" 0 "$RC"
check_contains "teardowns under a running hook" "toggled 5" "$out"
check_ge "datagrams sent to port 4500 meanwhile" 10 "$(cat "$TMP/sent")"

unload_clean "$mark" 'BUG:|Oops|general protection|KASAN|use-after-free|Call Trace|refcount_t:'
