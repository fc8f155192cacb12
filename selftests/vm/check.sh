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

run_kernel() {
	local kver=$1 res line st name dir tap=0 plan=0 log
	shift
	if ! vm_build_module "$kver"; then
		mapfile -t log < <(tail -n 30 "$VM_BUILD/$kver/build.log")
		result "not ok" "build gnvsec.ko ($kver)" "" "${log[@]}"
		return
	fi
	vm_resdir "$kver" || return
	res=$VM_RES
	vm_run "$kver" "$res" bash selftests/vm/guest-run.sh "$@"

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
		mapfile -t log < <(clean_console "$res/console.log" | tail -n 40)
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

for k in "${kvers[@]}"; do
	run_kernel "$k" "${tests[@]}"
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
