#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side entry point of `make check`: for each kernel, builds gnvsec.ko
# for it, boots it in a VM (vm.sh), runs the selftests there (guest-run.sh),
# collects their TAP from the side channel and checks the guest's kernel log
# for splats. Prints one TAP stream for all kernels and, as the last line,
# "N passed, N failed, N skipped". Exits non-zero on any failure, on a guest
# that did not finish (panic, hang, timeout), or when no test ran.
#
#   bash selftests/vm/check.sh [TEST-GLOB ...]     e.g. 10-basic  '2*'
#   KVERS="6.1 6.12" bash selftests/vm/check.sh     releases or series
#                                                   (default: 6.1 6.12)
#   GNVSEC_MODULE=dkms bash selftests/vm/check.sh   test the DKMS-installed
#                                                   module (vm.sh)
#   V=1 bash selftests/vm/check.sh                  stream the guest console
# TESTS="10-basic" is the same as the arguments (for `make check TESTS=...`).
#
# Kernels run in parallel: the modules are built one after the other (one
# tree), then every kernel's VM boots at once, and the results are read
# kernel by kernel, so the output is the same as of a sequential run. Each
# VM keeps its two CPUs (VM_SMP): measured, one CPU each was no faster, and
# the race tests want two. CHECK_PARALLEL=0, V=1
# (one console to stream) or a single kernel run them one after the other.
#
# A *-gnvsec-debug kernel (scripts/debug-kernel.sh, `make check-debug`) runs
# in debug mode: GNVSEC_DEBUG=1 in the guest (guest-run.sh checks kmemleak
# and each test's own kernel log after it, failing the test on a report),
# more memory (KASAN: VM_MEM default 3072), longer limits (VM_TIMEOUT
# default 14400 s, GNVSEC_TEST_TIMEOUT 1800 s), every KASAN report (not just
# the first) and a 16 MB kernel log. The "kernel log clean" line then only
# looks at what is outside the tests' own sections. CHECK_DEBUG=1 runs any
# kernel in debug mode.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=vm.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm.sh"
cd "$VM_SRC" || exit 1

# Sets tests=() to the files the patterns match (sorted, unique); fails if a
# pattern matches none.
resolve_tests() {
	local p f found list=()
	shopt -s nullglob
	for p; do
		found=0
		# shellcheck disable=SC2206 # the pattern is meant to glob
		local cands=(selftests/$p selftests/$p.sh selftests/$p*.sh)
		for f in "${cands[@]}"; do
			[[ -f $f && $f == *.sh && $(basename "$f") == [0-9]* ]] || continue
			list+=("$f")
			found=1
		done
		((found)) || { echo "check: no test matches '$p'" >&2; return 1; }
	done
	shopt -u nullglob
	mapfile -t tests < <(printf '%s\n' "${list[@]}" | sort -u)
}

pass=0 fail=0 skip=0 num=0 out=()
result() { # result ok|not ok NAME [DIRECTIVE] [COMMENT LINE...]
	local st=$1 name=$2 dir=${3:-}
	shift 3 2>/dev/null || shift $#
	num=$((num + 1))
	if [[ $st == "not ok" ]]; then
		fail=$((fail + 1))
	elif [[ ${dir,,} =~ ^#\ *skip ]]; then
		skip=$((skip + 1))
	else
		pass=$((pass + 1))
	fi
	out+=("$st $num $name${dir:+ $dir}")
	(($#)) && out+=("${@/#/# }")
}

# Console output without CRs and escape sequences.
clean_console() { sed -e 's/\r//g' -e 's/\x1b[[?0-9;]*[A-Za-z]//g; s/\x1bc//g' "$1"; }

splats='BUG:|WARNING:|Oops|Call Trace|general protection|KASAN|UBSAN|'
splats+='possible circular locking|INFO: task .* blocked|[Kk]ernel panic|'
splats+='refcount_t:|unregister_netdevice: waiting|'
splats+='bytes leftover after parsing attributes in process .gnvsecctl'

# CHECK_DEBUG=1: debug mode for any kernel (the per-test checks then find
# what that kernel can report: KFENCE and DEBUG_LIST on Debian's 6.12).
is_debug() { [[ $1 == *-gnvsec-debug || ${CHECK_DEBUG:-0} == 1 ]]; }

# The kernel log without the tests' own sections (debug mode: guest-run.sh
# has reported those per test); a section that never ended (the guest died)
# is kept.
outside_tests() {
	awk '/gnvsec-check: start / { on = 1; n = 0; next }
		/gnvsec-check: end / { on = 0; n = 0; next }
		on { buf[n++] = $0; next }
		{ print }
		END { for (i = 0; i < n; i++) print buf[i] }' "$1"
}

# vm_phase KVER RESDIR TEST...: the VM run of one kernel, its host-side
# messages in RESDIR/vm.log (shown by collect, in kernel order).
vm_phase() {
	local kver=$1 res=$2
	shift 2
	if is_debug "$kver"; then
		# no5lvl: -cpu max offers 5-level paging, and under it the debug
		# kernel's KASAN reports a wild access in the printk ring buffer
		# at boot, before anything of gnvsec runs (seen at 0.007 s).
		GNVSEC_DEBUG=1 VM_MEM=${VM_MEM:-3072} VM_TIMEOUT=${VM_TIMEOUT:-14400} \
			GNVSEC_TEST_TIMEOUT=${GNVSEC_TEST_TIMEOUT:-1800} \
			VM_APPEND="kasan_multi_shot log_buf_len=16M no5lvl ${VM_APPEND:-}" \
			vm_run "$kver" "$res" bash selftests/vm/guest-run.sh "$@"
	else
		# The whole suite in one guest takes about 40 minutes alone and
		# more beside another VM: the limit is CI's (90 min), not vm.sh's
		# default hour.
		VM_TIMEOUT=${VM_TIMEOUT:-5100} \
			vm_run "$kver" "$res" bash selftests/vm/guest-run.sh "$@"
	fi
}

# collect KVER RESDIR: the results of KVER's run into the TAP output.
collect() {
	local kver=$1 res=$2 line st name dir tap=0 plan=0 log
	if [[ -f $res/tap ]]; then
		while IFS= read -r line; do
			if [[ $line =~ ^(ok|not\ ok)\ [0-9]+\ ?([^#]*)(#.*)?$ ]]; then
				st=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]% } dir=${BASH_REMATCH[3]}
				result "$st" "$name ($kver)" "$dir"
				tap=$((tap + 1))
			elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
				plan=${BASH_REMATCH[1]}
			elif [[ $line == \#* ]]; then
				out+=("$line")
			fi
		done <"$res/tap"
	fi
	if [[ ! -f $res/done ]]; then
		# A crash: its first report (the oops header names the fault),
		# else the console's end.
		local first
		first=$(clean_console "$res/console.log" | grep -n -m 1 -E "$splats" | cut -d: -f1)
		if [[ -n $first ]]; then
			mapfile -t log < <(clean_console "$res/console.log" |
				sed -n "$((first > 3 ? first - 3 : 1)),$((first + 36))p")
		else
			mapfile -t log < <(clean_console "$res/console.log" | tail -n 40)
		fi
		if [[ -f $res/logs/current ]]; then
			local cur
			cur=$(cat "$res/logs/current")
			log+=("--- the test running then: $cur; the end of its output:")
			mapfile -t -O "${#log[@]}" log < <(tail -n 30 "$res/logs/$cur.log")
		fi
		result "not ok" "guest finished ($kver)" "# no done marker: panic, hang or timeout; console $res/console.log" "${log[@]}"
	elif ((tap < plan)); then
		result "not ok" "all tests reported ($kver)" "# $tap of $plan"
	fi
	# after a crash the console has the kernel log, and dmesg may be partial
	local klog=$res/dmesg
	if [[ ! -f $res/done || ! -f $klog ]]; then
		clean_console "$res/console.log" >"$res/console.txt"
		klog=$res/console.txt
	fi
	if is_debug "$kver"; then
		outside_tests "$klog" >"$res/dmesg-outside-tests"
		klog=$res/dmesg-outside-tests
	fi
	mapfile -t log < <(grep -E -A 12 "$splats" "$klog" | head -n 200)
	if ((${#log[@]})); then
		result "not ok" "kernel log clean ($kver)" "# splat in $klog" "${log[@]}"
	fi
}

args=("$@")
if ((${#args[@]} == 0)) && [[ -n ${TESTS:-} ]]; then
	read -ra args <<<"$TESTS"
fi
tests=()
if ((${#args[@]})); then
	resolve_tests "${args[@]}" || exit 2
fi

kvers=()
# Kernels to test: releases or series ("6.1" = newest installed 6.1.x).
for k in ${KVERS:-6.1 6.12}; do
	r=$(vm_resolve_kver "$k") || { echo "check: no kernel $k in /boot" >&2; exit 2; }
	kvers+=("$r")
done
((${#kvers[@]})) || { echo "check: no kernel found in /boot" >&2; exit 2; }

# The kernel's YNL tools (79-ynl runs the ynl CLI in the guest) are
# extracted here, on the host, once: the guest's root is read-only and
# unpacking linux-source under TCG is slow. A failure is the test's to
# report (it skips, saying why).
bash scripts/ynl.sh dir >/dev/null || true

parallel=${CHECK_PARALLEL:-1}
[[ ${V:-0} == 1 ]] && parallel=0
((${#kvers[@]} > 1)) || parallel=0

# Build every module first (one tree: one make at a time), then the VMs.
declare -A built resdir pid
for k in "${kvers[@]}"; do
	built[$k]=1
	if ! vm_build_module "$k"; then
		built[$k]=0
		continue
	fi
	# in this shell, which holds the results directory's lock
	vm_resdir "$k" || exit 1
	resdir[$k]=$VM_RES
	if ((parallel)); then
		vm_phase "$k" "$VM_RES" "${tests[@]}" >"$VM_RES/vm.log" 2>&1 &
		pid[$k]=$!
	else
		vm_phase "$k" "$VM_RES" "${tests[@]}"
	fi
done
for k in "${kvers[@]}"; do
	if ((built[$k] == 0)); then
		mapfile -t log < <(tail -n 30 "$VM_BUILD/$k/build.log")
		result "not ok" "build gnvsec.ko ($k)" "" "${log[@]}"
		continue
	fi
	if ((parallel)); then
		wait "${pid[$k]}"
		cat "${resdir[$k]}/vm.log" >&2
	fi
	collect "$k" "${resdir[$k]}"
done

echo "TAP version 13"
echo "1..$num"
printf '%s\n' "${out[@]}"
# The failures again, with their FAIL lines, just above the summary: a log
# that keeps only its tail (CI) still says what failed.
if ((fail)); then
	printf '%s\n' "${out[@]}" | awk '
		/^not ok / { bad = 1; n = 0; print "# failed: " substr($0, 8); next }
		/^ok / { bad = 0; next }
		bad && /FAIL|no done marker|splat/ && n++ < 5 { print "#   " substr($0, 3) }'
fi
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0 && num > 0))
