#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side entry point of `make bench` and `make profile`: builds gnvsec.ko
# for the 6.1 kernel (or $KVER, or each of $KVERS in turn), boots it in the
# test VM and runs selftests/bench/bench.sh there (all datapaths side by
# side in one run, then the scale figures), streaming the guest console; the
# summary is printed again at the end and kept in
# build/vm/KVER/bench.*/bench.txt. Exits with the bench's status: 1 only if a
# configuration passed no traffic or the guest did not finish, never because
# of a figure.
#
# BENCH_CLOCK picks what the figures measure:
#   icount (default)  QEMU instruction counting (vm.sh VM_ICOUNT=1: one vCPU,
#                     -icount shift=0,sleep=off): the guest clock advances
#                     1 ns per guest instruction, so Mbit/s is bytes per
#                     instruction and an RTT is instructions; the same to the
#                     last digit run after run, whatever else the host runs.
#                     Defaults: 1 round, 3 s of iperf3, no scale phase.
#   wall              plain TCG on VM_SMP vCPUs (default 2): real time,
#                     which swings ~2x between runs on a shared host.
#                     Defaults: 3 rounds of 5 s, then the scale phase.
#
# Knobs: KVER or KVERS ("6.1 6.12"), V=0 (do not stream the console),
# VM_CPUCRYPTO=1 (default here: ESP uses the CPU's AES-NI/CLMUL drivers as
# on a real host; 0 runs it on aes-generic), VM_TIMEOUT (default 3600 s),
# BENCH_PROFILE=1 (what `make profile` sets: perf record -e cpu-clock of
# BENCH_PROFILE_CFGS, default "b d", after the measurements), and for the
# guest BENCH_ROUNDS, BENCH_TIME, BENCH_PINGS, BENCH_TUNNELS,
# BENCH_SCALE_MAX, BENCH_SCALE_SAS, BENCH_DUMP_TUNNELS, BENCH_ONLY,
# BENCH_SKIP_SCALE, BENCH_PROFILE_TIME, BENCH_PROFILE_TOP,
# BENCH_PROFILE_CALLERS (see selftests/bench/bench.sh).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=vm.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm.sh"
cd "$VM_SRC" || exit 1

BENCH_CLOCK=${BENCH_CLOCK:-icount}
case $BENCH_CLOCK in
icount)
	export VM_ICOUNT=1
	: "${BENCH_ROUNDS:=1}" "${BENCH_TIME:=3}" "${BENCH_SKIP_SCALE:=1}"
	;;
wall) export VM_ICOUNT=0 ;;
*) echo "bench: BENCH_CLOCK must be icount or wall, not '$BENCH_CLOCK'" >&2; exit 1 ;;
esac
if [[ ${BENCH_PROFILE:-0} == 1 ]]; then
	: "${BENCH_PROFILE_CFGS:=b d}"
	# The profile of a configuration is taken in the same run as its
	# figures: measure at least those.
	: "${BENCH_ONLY:=a $BENCH_PROFILE_CFGS}" "${BENCH_SKIP_SCALE:=1}"
fi

# bench_one KVER: one VM run; its summary is in $VM_RES/bench.txt.
bench_one() {
	local kver guest_env=() v load0
	kver=$(vm_resolve_kver "$1") || { echo "bench: no kernel $1 in /boot" >&2; return 1; }
	vm_build_module "$kver" || { tail -n 30 "$VM_BUILD/$kver/build.log"; return 1; }
	# (GNVSEC_MODULE=dkms, where vm.sh has it, tests the host's DKMS module.)
	[[ ${GNVSEC_MODULE:-tree} != tree || -f $VM_BUILD/$kver/gnvsec.ko ]] ||
		{ echo "bench: no gnvsec.ko for $kver" >&2; return 1; }
	vm_resdir "$kver" bench || return 1

	# The guest's environment comes from RESDIR/env (vm_run): pass the
	# knobs on its command line.
	for v in BENCH_CLOCK BENCH_ROUNDS BENCH_TIME BENCH_PINGS BENCH_TUNNELS \
		BENCH_SCALE_MAX BENCH_SCALE_SAS BENCH_DUMP_TUNNELS BENCH_ONLY \
		BENCH_SKIP_SCALE BENCH_PROFILE BENCH_PROFILE_CFGS BENCH_PROFILE_TIME \
		BENCH_PROFILE_TOP BENCH_PROFILE_CALLERS; do
		[[ -n ${!v:-} ]] && guest_env+=("$v=${!v}")
	done

	export VM_CPUCRYPTO=${VM_CPUCRYPTO:-1} VM_TIMEOUT=${VM_TIMEOUT:-3600}
	# Other work on the host takes CPU from the guest's vCPUs: say how
	# much (it changes nothing under instruction counting).
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	V=${V:-1} vm_run "$kver" "$VM_RES" env "${guest_env[@]}" bash selftests/bench/bench.sh
	if [[ ! -f $VM_RES/done ]]; then
		echo "bench: the guest did not finish (panic, hang or timeout); console: $VM_RES/console.log" >&2
		return 1
	fi
	if grep -qE 'BUG:|WARNING:|Oops|Call Trace|general protection|refcount_t:|unregister_netdevice: waiting' \
		"$VM_RES/dmesg" 2>/dev/null; then
		echo "bench: the guest's kernel log has a splat: $VM_RES/dmesg" >&2
	fi
	echo "host: $(nproc) CPUs, load average (1 5 15 min) $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after" \
		>>"$VM_RES/bench.txt"
	return "$(cat "$VM_RES/done")"
}

rc=0
summaries=()
for k in ${KVERS:-${KVER:-6.1}}; do
	# A subshell per kernel: vm_resdir's lock lasts as long as the shell.
	(
		bench_one "$k"
		r=$?
		[[ -n ${VM_RES:-} ]] && echo "$VM_RES" >"$VM_BUILD/.bench-last-$k"
		exit $r
	) || rc=1
	[[ -f $VM_BUILD/.bench-last-$k ]] && summaries+=("$(cat "$VM_BUILD/.bench-last-$k")")
	rm -f "$VM_BUILD/.bench-last-$k"
done
for res in "${summaries[@]}"; do
	echo
	echo "==== bench summary ($(basename "$(dirname "$res")"), clock $BENCH_CLOCK; $res/bench.txt)"
	cat "$res/bench.txt" 2>/dev/null
done
exit $rc
