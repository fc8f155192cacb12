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

tap "TAP version 13" "1..${#tests[@]}"
n=0
fail=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	log=$logdir/$name.log
	echo "$name" >"$logdir/current"
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
	case $rc in
	0) tap "ok $n $name" ;;
	4) tap "ok $n $name # SKIP ${reason//#/}" ;;
	124) tap "not ok $n $name # timed out after ${timeout_s} s" ;;
	*) tap "not ok $n $name # exit status $rc" ;;
	esac
	[[ $rc == 0 || $rc == 4 ]] || fail=1
	mapfile -t lines <"$log"
	((${#lines[@]})) && tap "${lines[@]/#/# }"
	tap "# $name: ${took} s"
	ip -all netns delete 2>/dev/null
done
rm -f "$logdir/current"

if [[ -d /sys/module/gnvsec ]]; then
	if ! out=$(rmmod gnvsec 2>&1); then
		n=$((n + 1))
		tap "not ok $n rmmod gnvsec" "# $out" "# refcnt: $(cat /sys/module/gnvsec/refcnt 2>/dev/null)"
		fail=1
	fi
fi

[[ -n ${GNVSEC_RESULTS:-} ]] && dmesg >"$GNVSEC_RESULTS/dmesg" 2>&1
exit "$fail"
