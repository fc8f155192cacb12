#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side entry point of `make bench`: builds gnvsec.ko for the 6.1 kernel
# (or $KVER), boots it in the test VM and runs selftests/bench/bench.sh there
# (all datapaths side by side in one run, then the 1,000-tunnel scale
# figures), streaming the guest console; the summary is printed again at the
# end and kept in build/vm/KVER/bench.*/bench.txt. Exits with the bench's
# status: 1 only if a configuration passed no traffic or the guest did not
# finish, never because of a figure.
#
# Knobs: KVER, V=0 (do not stream the console), VM_CPUCRYPTO=1 (default
# here: ESP uses the CPU's AES-NI/CLMUL drivers as on a real host; 0 runs it
# on aes-generic), VM_TIMEOUT (default 3600 s), and for the guest
# BENCH_ROUNDS, BENCH_TIME, BENCH_PINGS, BENCH_TUNNELS, BENCH_SCALE_MAX,
# BENCH_SCALE_SAS, BENCH_DUMP_TUNNELS, BENCH_ONLY, BENCH_SKIP_SCALE (see selftests/bench/bench.sh).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=vm.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm.sh"
cd "$VM_SRC" || exit 1

kver=$(vm_resolve_kver "${KVER:-6.1}") || { echo "bench: no kernel ${KVER:-6.1} in /boot" >&2; exit 1; }
vm_build_module "$kver" || { tail -n 30 "$VM_BUILD/$kver/build.log"; exit 1; }
# (GNVSEC_MODULE=dkms, where vm.sh has it, tests the host's DKMS module.)
[[ ${GNVSEC_MODULE:-tree} != tree || -f $VM_BUILD/$kver/gnvsec.ko ]] ||
	{ echo "bench: no gnvsec.ko for $kver" >&2; exit 1; }
vm_resdir "$kver" bench || exit 1

# The guest's environment comes from RESDIR/env (vm_run): pass the knobs
# on its command line.
guest_env=()
for v in BENCH_ROUNDS BENCH_TIME BENCH_PINGS BENCH_TUNNELS BENCH_SCALE_MAX \
	BENCH_SCALE_SAS BENCH_DUMP_TUNNELS BENCH_ONLY BENCH_SKIP_SCALE; do
	[[ -n ${!v:-} ]] && guest_env+=("$v=${!v}")
done

export VM_CPUCRYPTO=${VM_CPUCRYPTO:-1} VM_TIMEOUT=${VM_TIMEOUT:-3600}
# Other work on the host takes CPU from the guest's vCPUs: say how much.
load0=$(cut -d' ' -f1-3 /proc/loadavg)
V=${V:-1} vm_run "$kver" "$VM_RES" env "${guest_env[@]}" bash selftests/bench/bench.sh "$@"
if [[ ! -f $VM_RES/done ]]; then
	echo "bench: the guest did not finish (panic, hang or timeout); console: $VM_RES/console.log" >&2
	exit 1
fi
if grep -qE 'BUG:|WARNING:|Oops|Call Trace|general protection|refcount_t:|unregister_netdevice: waiting' \
	"$VM_RES/dmesg" 2>/dev/null; then
	echo "bench: the guest's kernel log has a splat: $VM_RES/dmesg" >&2
fi
echo "host: $(nproc) CPUs, load average (1 5 15 min) $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after" \
	>>"$VM_RES/bench.txt"
echo
echo "==== bench summary ($kver; $VM_RES/bench.txt)"
cat "$VM_RES/bench.txt"
exit "$(cat "$VM_RES/done")"
