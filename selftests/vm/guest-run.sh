#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs gnvsec's selftests INSIDE the test VM and prints TAP:
#   bash selftests/vm/guest-run.sh [TEST ...]
# TEST is a path such as selftests/10-basic.sh; default: every
# selftests/[0-9]*.sh in sorted order. kselftest conventions: exit 0 = pass,
# 4 = skip, anything else = fail. Each test runs as root with bash, stdin
# from /dev/null, under a per-test timeout (GNVSEC_TEST_TIMEOUT, 600 s); its
# output is shown as "# " lines after its result line. Leftover network
# namespaces and processes are removed between tests. At the end gnvsec is
# unloaded if loaded (a failed rmmod is a failed test line).
#
# If GNVSEC_RESULTS is set (the VM side channel), the TAP is also written
# to $GNVSEC_RESULTS/tap line by line, each test's output to
# $GNVSEC_RESULTS/logs/NAME.log while it runs (logs/current names the test
# running), and the kernel log to $GNVSEC_RESULTS/dmesg at the end. A test
# that times out gets its processes and their kernel stacks appended.
#
# GNVSEC_DEBUG=1 (the debug kernel, `make check-debug`): each test runs
# between two marker lines in the kernel log; after it, kmemleak is scanned
# (twice, a pause between: an object younger than 5 s is not reported yet)
# and its report read and cleared. A kmemleak report or a kernel log line of
# the test's own section that matches $debug_reports (KASAN, KFENCE,
# lockdep, RCU, UBSAN, refcount, a netdev that is never freed, BUG/WARNING)
# fails that test, and the report goes into its TAP comments. Reports from
# before the first test (boot) are cleared; the final rmmod gnvsec is
# checked the same way and is then always a TAP line.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin

GNVSEC_SRC=${GNVSEC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export GNVSEC_SRC
export GNVSECCTL=$GNVSEC_SRC/userspace/gnvsecctl
export PATH=$GNVSEC_SRC/userspace:$PATH
timeout_s=${GNVSEC_TEST_TIMEOUT:-600}
tapfile=${GNVSEC_RESULTS:+$GNVSEC_RESULTS/tap}
[[ -n $tapfile ]] && : >"$tapfile"

tap() {
	printf '%s\n' "$@"
	if [[ -n $tapfile ]]; then
		printf '%s\n' "$@" >>"$tapfile"
		sync "$tapfile" 2>/dev/null
	fi
}

cd "$GNVSEC_SRC" || exit 1
tests=("$@")
if ((${#tests[@]} == 0)); then
	for t in selftests/[0-9]*.sh; do
		[[ -f $t ]] && tests+=("$t")
	done
fi

# Test output goes to the side channel as it is written, so that the host
# can show it when the guest dies in the middle of a test.
logdir=${GNVSEC_RESULTS:+$GNVSEC_RESULTS/logs}
logdir=${logdir:-$(mktemp -d)}
mkdir -p "$logdir"

# What a hung test was doing: its processes and their kernel stacks.
hang_report() {
	local p
	echo "TIMEOUT after ${timeout_s} s; the test's processes:"
	ps -o pid,stat,wchan:32,etime,args -p "$(pgrep -d, -g "$1")"
	for p in $(pgrep -g "$1"); do
		[[ $p == "$1" ]] && continue
		echo "--- kernel stack of $p ($(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null))"
		cat "/proc/$p/stack" 2>/dev/null
	done
}

debug=${GNVSEC_DEBUG:-0}
kmemleak=/sys/kernel/debug/kmemleak
debug_reports='BUG:|WARNING:|Oops|general protection|KASAN|KFENCE|UBSAN|'
debug_reports+='possible circular locking|possible recursive locking|'
debug_reports+='inconsistent lock state|suspicious RCU usage|bad unlock balance|'
debug_reports+='lock held when returning|detected stall|rcu_.* stall|'
debug_reports+='unreferenced object|refcount_t:|ref_tracker|ODEBUG:|'
debug_reports+='list_(add|del) corruption|unregister_netdevice: waiting|'
debug_reports+='INFO: task .* blocked|Call Trace|[Kk]ernel panic'

kmsg() { echo "gnvsec-check: $*" >/dev/kmsg; }

# The kmemleak report of what leaked since the last clear, then clear.
kmemleak_collect() {
	[[ -w $kmemleak ]] || return 0
	echo scan >"$kmemleak"
	sleep 6
	echo scan >"$kmemleak"
	cat "$kmemleak"
	echo clear >"$kmemleak"
}

# debug_collect NAME: prints the reports of NAME's section (its kernel log
# lines from the marker "start NAME" to "end NAME" that match, with context,
# and the kmemleak report); nothing when clean.
debug_collect() {
	local leaks section
	leaks=$(kmemleak_collect)
	kmsg "end $1"
	section=$(dmesg | awk -v s="gnvsec-check: start $1" -v e="gnvsec-check: end $1" '
		index($0, s) && substr($0, length($0) - length(s) + 1) == s { on = 1; next }
		index($0, e) && substr($0, length($0) - length(e) + 1) == e { on = 0 }
		on')
	# The tracker says so when its own allocation fails, which only a
	# fault-injection test makes happen: the reference is then counted
	# untracked, nothing is wrong. Any other ref_tracker line still counts.
	section=$(grep -vF 'ref_tracker: memory allocation failure, unreliable refcount tracker.' <<<"$section")
	if grep -qE "$debug_reports" <<<"$section"; then
		echo "--- kernel log during $1:"
		grep -E -A 25 "$debug_reports" <<<"$section" | head -n 300
	fi
	if [[ -n $leaks ]]; then
		echo "--- kmemleak after $1:"
		head -n 200 <<<"$leaks"
	fi
}

if [[ $debug == 1 ]]; then
	if [[ -w $kmemleak ]]; then
		# what the boot leaked is not a test's
		kmemleak_collect >"$logdir/kmemleak-boot.txt"
	else
		echo "guest-run: GNVSEC_DEBUG=1 but no $kmemleak: leaks are not checked"
	fi
fi

tap "TAP version 13" "1..${#tests[@]}"
n=0
fail=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	log=$logdir/$name.log
	echo "$name" >"$logdir/current"
	[[ $debug == 1 ]] && kmsg "start $name"
	start=$SECONDS
	# timeout(1) puts the test in a process group of its own (pgid = its
	# pid): whatever the test leaves running is killed afterwards. Its own
	# limit is a fallback; the watchdog below reports what hung first.
	timeout -k 10 $((timeout_s + 60)) bash "$t" </dev/null >"$log" 2>&1 &
	pgid=$!
	sleep "$timeout_s" &
	timer=$!
	wait -n -p who "$pgid" "$timer"
	rc=$?
	if [[ $who == "$timer" ]]; then
		hang_report "$pgid" >>"$log" 2>&1
		kill -TERM -- "-$pgid" 2>/dev/null
		sleep 2
		kill -KILL -- "-$pgid" 2>/dev/null
		wait "$pgid"
		rc=124
	else
		kill "$timer"
		wait "$timer"
	fi 2>/dev/null
	kill -KILL -- "-$pgid" 2>/dev/null
	took=$((SECONDS - start))
	reason=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 | cut -c1-100)
	reports=
	if [[ $debug == 1 ]]; then
		# the namespaces go first: what their teardown reports is the
		# test's too
		ip -all netns delete 2>/dev/null
		reports=$(debug_collect "$name")
		[[ -n $reports ]] && echo "$reports" >>"$log"
	fi
	if [[ -n $reports ]]; then
		tap "not ok $n $name # kernel reports (exit status $rc)"
	else
		case $rc in
		0) tap "ok $n $name" ;;
		4) tap "ok $n $name # SKIP ${reason//#/}" ;;
		124) tap "not ok $n $name # timed out after ${timeout_s} s" ;;
		*) tap "not ok $n $name # exit status $rc" ;;
		esac
	fi
	[[ -z $reports && ($rc == 0 || $rc == 4) ]] || fail=1
	mapfile -t lines <"$log"
	((${#lines[@]})) && tap "${lines[@]/#/# }"
	tap "# $name: ${took} s"
	ip -all netns delete 2>/dev/null
done
rm -f "$logdir/current"

[[ $debug == 1 ]] && kmsg "start rmmod"
out=
if [[ -d /sys/module/gnvsec ]] && ! out=$(rmmod gnvsec 2>&1); then
	n=$((n + 1))
	tap "not ok $n rmmod gnvsec" "# $out" "# refcnt: $(cat /sys/module/gnvsec/refcnt 2>/dev/null)"
	fail=1
elif [[ $debug == 1 ]]; then
	n=$((n + 1))
	reports=$(debug_collect rmmod)
	if [[ -n $reports ]]; then
		mapfile -t lines <<<"$reports"
		tap "not ok $n rmmod gnvsec, kmemleak and kernel log after it" "${lines[@]/#/# }"
		fail=1
	else
		tap "ok $n rmmod gnvsec, kmemleak and kernel log after it"
	fi
fi

[[ -n ${GNVSEC_RESULTS:-} ]] && dmesg >"$GNVSEC_RESULTS/dmesg" 2>&1
exit "$fail"
