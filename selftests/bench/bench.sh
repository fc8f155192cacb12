#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The side-by-side benchmark, run as root in the test VM by `make bench`
# (selftests/vm/bench.sh). Two parts:
#
# 1. Datapaths. Seven configurations, each in its own pair of namespaces
#    joined by a veth (underlay 10.77.0.1 <-> 10.77.0.2, MTU 1500), the
#    tunnel device at MTU 1400 with 192.168.77.1/24 <-> 192.168.77.2/24:
#      a   kernel geneve, clear
#      b   kernel geneve + XFRM ESP transport, AES-GCM-128, OVS-style
#          policies (udp dport 6081 both ways)
#      b0  the same with the null transform (cipher_null + digest_null)
#      c   gnvsec, ipsec off
#      d   gnvsec, ipsec required, `gnvsecctl sa add` AES-GCM-128
#      d0  gnvsec, ipsec required, allow-null on (the explicit opt-in the
#          null transform needs: ACTIVE UNENCRYPTED),
#          `gnvsecctl sa add ... null`
#      e   WireGuard
#    Each round measures every configuration in turn (a c b d b0 d0 e), so
#    drift of the machine affects all alike: iperf3 TCP, one flow A -> B,
#    and the average RTT of a burst of pings. Throughput is the best of the
#    rounds, RTT the lowest average.
#
#    What the figures mean depends on the VM's clock (BENCH_CLOCK, set by
#    selftests/vm/bench.sh). Under QEMU instruction counting ("icount", the
#    default) the guest clock advances 1 ns per guest instruction: Mbit/s
#    is bytes moved per instruction executed (by the whole guest: both
#    namespaces, sender and receiver, all layers), an RTT is the
#    instructions of a ping's round trip, and both are the same to the last
#    digit run after run. It is software path length: an AES-NI instruction
#    and an instruction that misses every cache count one each, so it ranks
#    how much code a datapath runs, not how it would fare on real hardware
#    (cache footprint, crypto throughput). Under "wall" (plain TCG) the
#    figures are real time, and swing ~2x between runs: only ratios within
#    one run mean anything there.
#
#    With BENCH_PROFILE=1, after the measurements: `perf record -e
#    cpu-clock` over the whole guest during another iperf3 run of each of
#    BENCH_PROFILE_CFGS, and the top symbols. cpu-clock is a software event
#    (no PMU needed); under icount it samples every so many instructions.
#
# 2. Scale. BENCH_TUNNELS gnvsec tunnels in one namespace: the wall time of
#    creating, dumping (without, then with two SAs and two policies per
#    tunnel) and deleting them, and kernel memory per tunnel. Then a dump
#    of BENCH_DUMP_TUNNELS (10,000) tunnels, checked complete and correct.
#
# Nothing fails on a figure: the exit status is 1 only when a configuration
# passes no traffic at all (or ESP was not used where it should be), or the
# scale phase misses tunnels.
#
# Knobs (environment): BENCH_ROUNDS=3 BENCH_TIME=5 (s of iperf3, after a
# 1 s warm-up that is left out) BENCH_PINGS=50 BENCH_TUNNELS=1000
# BENCH_SCALE_MAX=900 (s: creation stops there and the count made is
# reported) BENCH_ONLY="a c" (a subset of configurations; empty: all)
# BENCH_SKIP_SCALE=1 BENCH_SCALE_SAS=0 (no second round of dumps with two
# SAs and two policies per tunnel) BENCH_CLOCK=icount|wall (what the VM's
# clock is; only labels the figures) BENCH_PROFILE=0 BENCH_PROFILE_CFGS="b d"
# BENCH_PROFILE_TIME=3 BENCH_PROFILE_TOP=30 (symbols shown)
# BENCH_PROFILE_CALLERS="memset_erms ..." (records call chains, -g, and
# shows where each of these symbols was called from). The summary is
# also written to $GNVSEC_RESULTS/bench.txt.

set -uo pipefail
GNVSEC_SRC=${GNVSEC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$GNVSEC_SRC/userspace:$PATH

ip=/usr/sbin/ip		# iproute2, never busybox's applet
ROUNDS=${BENCH_ROUNDS:-3}
TIME=${BENCH_TIME:-5}
PINGS=${BENCH_PINGS:-50}
NTUN=${BENCH_TUNNELS:-1000}
SCALE_MAX=${BENCH_SCALE_MAX:-900}
SCALE_SAS=${BENCH_SCALE_SAS:-1}
CLOCK=${BENCH_CLOCK:-wall}
PROFILE=${BENCH_PROFILE:-0}
PROFILE_TIME=${BENCH_PROFILE_TIME:-3}
PROFILE_TOP=${BENCH_PROFILE_TOP:-30}
read -ra PROFILE_CFGS <<<"${BENCH_PROFILE_CFGS:-b d}"
read -ra PROFILE_CALLERS <<<"${BENCH_PROFILE_CALLERS:-}"
DUMP_NTUN=${BENCH_DUMP_TUNNELS:-10000}
# iperf3's timeouts beyond its run, in guest seconds. Under icount the guest
# clock jumps to the next timer whenever the guest idles (waiting for the
# host's 9p reads, for a server to listen), so a timeout of 60 s could run
# out while the test had taken a moment: there it is a day, which a guest
# that really hangs idle still reaches at once.
SLACK=40
[[ $CLOCK == icount ]] && SLACK=86400
MTU=1400
CONFIGS=(a c b d b0 d0 e)
[[ -n ${BENCH_ONLY:-} ]] && read -ra CONFIGS <<<"$BENCH_ONLY"

A_UL=10.77.0.1
B_UL=10.77.0.2
A_OV=192.168.77.1
B_OV=192.168.77.2
KEY1=0x$(printf '%040x' 0x1111)	# AES-128 key + 4-byte salt
KEY2=0x$(printf '%040x' 0x2222)

TMP=$(mktemp -d)
RES=${GNVSEC_RESULTS:-$TMP}
SUMMARY=$RES/bench.txt
DATA=$TMP/data		# "cfg round mbps avg_rtt median_rtt retransmits" per run
: >"$DATA"
: >"$SUMMARY"
declare -A DESC=(
	[a]="kernel geneve, clear"
	[b]="kernel geneve + XFRM ESP AES-GCM-128"
	[b0]="kernel geneve + XFRM ESP null"
	[c]="gnvsec, ipsec off"
	[d]="gnvsec + sa add AES-GCM-128"
	[d0]="gnvsec + sa add null"
	[e]="WireGuard"
)
declare -A FAILED=()
rc=0

say() { echo "bench: $*"; }
# report LINE: to the console and the summary file
report() { echo "$*" | tee -a "$SUMMARY"; }
n() { local ns=$1; shift; $ip netns exec "$ns" "$@"; }
nsa() { echo "bna-$1"; }
nsb() { echo "bnb-$1"; }
now() { date +%s.%N; }
since() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$(now)"; }

cleanup() {
	local p ns
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in $($ip netns list | awk '/^bn[ab]-|^bench-/ {print $1}'); do
		$ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

fail_cfg() {
	FAILED[$1]=$2
	rc=1
	say "FAIL $1 (${DESC[$1]}): $2"
}

# ---------------------------------------------------------------------------
# Configurations

# underlay CFG: the namespace pair and its veth.
underlay() {
	local a b
	a=$(nsa "$1") b=$(nsb "$1")
	$ip netns add "$a" && $ip netns add "$b" &&
		$ip -n "$a" link add ul type veth peer name ul netns "$b" &&
		$ip -n "$a" addr add $A_UL/24 dev ul &&
		$ip -n "$b" addr add $B_UL/24 dev ul &&
		$ip -n "$a" link set ul up && $ip -n "$b" link set ul up &&
		$ip -n "$a" link set lo up && $ip -n "$b" link set lo up
}

# overlay NS DEV ADDR: the inner address on the tunnel device, MTU $MTU.
overlay() {
	n "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" &&
		$ip -n "$1" link set "$2" mtu $MTU &&
		$ip -n "$1" addr add "$3/24" dev "$2" &&
		$ip -n "$1" link set "$2" up
}

# xfrm_kernel NS SELF PEER SPI_OUT SPI_IN KEY_OUT KEY_IN null|aead:
# OVS-style transport-mode ESP for Geneve: out src SELF dst PEER proto udp
# dport 6081, in the mirror image.
xfrm_kernel() {
	local ns=$1 self=$2 peer=$3 so=$4 si=$5 ko=$6 ki=$7 alg=$8
	local ao ai
	if [[ $alg == null ]]; then
		ao=(enc 'ecb(cipher_null)' '' auth digest_null '')
		ai=("${ao[@]}")
	else
		ao=(aead 'rfc4106(gcm(aes))' "$ko" 128)
		ai=(aead 'rfc4106(gcm(aes))' "$ki" 128)
	fi
	# The first state of an algorithm may find its crypto not yet ready.
	n "$ns" $ip xfrm state add src "$self" dst "$peer" proto esp spi "$so" \
		reqid 1 mode transport "${ao[@]}" ||
		n "$ns" $ip xfrm state add src "$self" dst "$peer" proto esp spi "$so" \
			reqid 1 mode transport "${ao[@]}" &&
		n "$ns" $ip xfrm state add src "$peer" dst "$self" proto esp spi "$si" \
			reqid 2 mode transport replay-window 32 "${ai[@]}" &&
		n "$ns" $ip xfrm policy add src "$self/32" dst "$peer/32" proto udp dport 6081 \
			dir out tmpl src "$self" dst "$peer" proto esp reqid 1 mode transport &&
		n "$ns" $ip xfrm policy add src "$peer/32" dst "$self/32" proto udp dport 6081 \
			dir in tmpl src "$peer" dst "$self" proto esp reqid 2 mode transport
}

geneve_pair() {
	local a=$1 b=$2
	$ip -n "$a" link add gnv0 type geneve id 10 remote $B_UL &&
		$ip -n "$b" link add gnv0 type geneve id 10 remote $A_UL &&
		overlay "$a" gnv0 $A_OV && overlay "$b" gnv0 $B_OV
}

# gnvsec_pair A B IPSEC [null|aead]: null also opts the tunnels in to
# ESP that does not encrypt (allow-null), without which they refuse it.
gnvsec_pair() {
	local a=$1 b=$2 mode=$3 alg=${4:-}
	local null=() weak=()
	[[ $alg == null ]] && weak=(allow-null on)
	n "$a" gnvsecctl tunnel add gs0 remote $B_UL local $A_UL vni 10 ipsec "$mode" mtu $MTU "${weak[@]}" &&
		n "$b" gnvsecctl tunnel add gs0 remote $A_UL local $B_UL vni 10 ipsec "$mode" mtu $MTU "${weak[@]}" ||
		return 1
	if [[ -n $alg ]]; then
		[[ $alg == null ]] && null=(null) &&
			{ allow_null "$a" gs0 && allow_null "$b" gs0 || return 1; }
		n "$a" gnvsecctl sa add gs0 spi-out 0x1001 spi-in 0x2001 \
			key-out $KEY1 key-in $KEY2 "${null[@]}" &&
			n "$b" gnvsecctl sa add gs0 spi-out 0x2001 spi-in 0x1001 \
				key-out $KEY2 key-in $KEY1 "${null[@]}" || return 1
	fi
	overlay "$a" gs0 $A_OV && overlay "$b" gs0 $B_OV
}

# allow_null NS DEV: ESP without encryption must be allowed per tunnel
# (allow-null), where gnvsecctl knows the flag; a gnvsecctl from before it
# has no such argument and allows null ESP anyway. Any other error fails.
allow_null() {
	local out
	out=$(n "$1" gnvsecctl tunnel set "$2" allow-null on 2>&1) && return 0
	if grep -q 'unknown .*"allow-null"' <<<"$out"; then
		say "gnvsecctl has no allow-null: null ESP needs no opt-in"
		return 0
	fi
	say "tunnel set $2 allow-null on: $out"
	return 1
}

wireguard_pair() {
	local a=$1 b=$2
	wg genkey >"$TMP/wg-a.key" && wg genkey >"$TMP/wg-b.key" &&
		wg pubkey <"$TMP/wg-a.key" >"$TMP/wg-a.pub" &&
		wg pubkey <"$TMP/wg-b.key" >"$TMP/wg-b.pub" || return 1
	$ip -n "$a" link add wg0 type wireguard &&
		$ip -n "$b" link add wg0 type wireguard &&
		n "$a" wg set wg0 listen-port 51820 private-key "$TMP/wg-a.key" \
			peer "$(cat "$TMP/wg-b.pub")" endpoint $B_UL:51820 allowed-ips $B_OV/32 &&
		n "$b" wg set wg0 listen-port 51820 private-key "$TMP/wg-b.key" \
			peer "$(cat "$TMP/wg-a.pub")" endpoint $A_UL:51820 allowed-ips $A_OV/32 &&
		overlay "$a" wg0 $A_OV && overlay "$b" wg0 $B_OV
}

setup_cfg() {
	local cfg=$1 a b
	a=$(nsa "$cfg") b=$(nsb "$cfg")
	underlay "$cfg" || return 1
	case $cfg in
	a) geneve_pair "$a" "$b" ;;
	b | b0)
		local alg=aead
		[[ $cfg == b0 ]] && alg=null
		xfrm_kernel "$a" $A_UL $B_UL 0x1001 0x2001 $KEY1 $KEY2 $alg &&
			xfrm_kernel "$b" $B_UL $A_UL 0x2001 0x1001 $KEY2 $KEY1 $alg &&
			geneve_pair "$a" "$b"
		;;
	c) gnvsec_pair "$a" "$b" off ;;
	d) gnvsec_pair "$a" "$b" required aead ;;
	d0) gnvsec_pair "$a" "$b" required null ;;
	e) wireguard_pair "$a" "$b" ;;
	*) say "unknown configuration $cfg"; return 1 ;;
	esac
}

# esp_packets NS: packets counted by the namespace's outbound ESP states.
esp_packets() {
	local src=$B_UL
	[[ $1 == bna-* ]] && src=$A_UL
	n "$1" $ip -s xfrm state list src "$src" |
		python3 -c 'import re,sys; print(sum(int(x) for x in re.findall(r"(\d+)\(packets\)", sys.stdin.read())))'
}

# ---------------------------------------------------------------------------
# Measurements

# ping_stats NS DST COUNT INTERVAL: prints "RECEIVED AVG_RTT_MS MEDIAN_MS"
# ("0 - -" if nothing came back).
ping_stats() {
	n "$1" ping -c "$3" -i "$4" -W 2 "$2" 2>&1 | python3 -c '
import re, statistics, sys
t = sys.stdin.read()
r = re.search(r"(\d+) (?:packets )?received", t)
a = re.search(r"= [\d.]+/([\d.]+)/", t)
m = [float(x) for x in re.findall(r"time=([\d.]+)", t)]
print(r.group(1) if r else 0, a.group(1) if a else "-",
      "%.3f" % statistics.median(m) if m else "-")'
}

# iperf CFG: one TCP flow A -> B; prints "MBIT/S RETRANSMITS" or nothing.
# The client runs under the command in IPERF_WRAP, if any (the profiler).
IPERF_WRAP=()
iperf() {
	local a b spid out=$TMP/iperf-$1.json try
	a=$(nsa "$1") b=$(nsb "$1")
	# A server that was not listening yet gets a second chance.
	for try in 1 2 3; do
		n "$b" timeout $((TIME + SLACK + 20)) iperf3 -s -1 -B $B_OV >"$TMP/iperf-server-$1.log" 2>&1 &
		spid=$!
		for _ in $(seq 300); do
			n "$b" ss -ltn 2>/dev/null | grep -q ":5201 " && break
			sleep 0.1
		done
		"${IPERF_WRAP[@]}" $ip netns exec "$a" timeout $((TIME + SLACK)) \
			iperf3 -c $B_OV -t "$TIME" -O 1 -J >"$out" 2>&1
		echo $? >"$TMP/iperf-rc-$1"
		# Refused: the server was not up yet, or (under icount) its
		# timeout ran out while the guest waited for the host; status
		# 124: the client's own timeout did (see warm_tools).
		grep -q '"error":.*Connection refused' "$out" ||
			[[ $(cat "$TMP/iperf-rc-$1") == 124 ]] || break
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		echo "bench: $1: iperf3 failed (try $try, client status $(cat "$TMP/iperf-rc-$1")): $(tr '\n' ' ' <"$TMP/iperf-server-$1.log")" >&2
	done
	wait "$spid" 2>/dev/null
	python3 - "$out" <<'PY' 2>/dev/null
import json, sys
t = open(sys.argv[1]).read()
# (a profiler's own messages may surround iperf3's JSON)
j = json.loads(t[t.index("{"):t.rindex("}") + 1])
if "error" in j:
    sys.exit(1)
e = j["end"]
bps = e["sum_received"]["bits_per_second"]
if not bps:
    sys.exit(1)
print("%.1f %d" % (bps / 1e6, e["sum_sent"].get("retransmits", 0)))
PY
}

measure() {
	local cfg=$1 round=$2 tp rtt med got
	tp=$(iperf "$cfg")
	if [[ -z $tp ]]; then
		fail_cfg "$cfg" "iperf3 failed in round $round (status $(cat "$TMP/iperf-rc-$cfg" 2>/dev/null)): $(head -c 300 "$TMP/iperf-$cfg.json" | tr '\n' ' '); server: $(tail -c 300 "$TMP/iperf-server-$cfg.log" | tr '\n' ' ')"
		return
	fi
	read -r got rtt med < <(ping_stats "$(nsa "$cfg")" $B_OV "$PINGS" 0.05)
	if ((got == 0)); then
		fail_cfg "$cfg" "no ping answered in round $round"
		return
	fi
	((got < PINGS)) && say "$cfg: $got of $PINGS pings answered"
	set -- $tp
	echo "$cfg $round $1 $rtt $med $2" >>"$DATA"
	printf 'bench: round %s %-3s %8.1f Mbit/s  rtt avg %s median %s ms  (%s retransmits)\n' \
		"$round" "$cfg" "$1" "$rtt" "$med" "$2"
}

# warm_tools: every tool of the datapath phase, its shared libraries and
# (for the profile) perf read whole into the page cache (the host's root is
# a 9p mount with cache=loose). Running "--help" was not enough: under icount
# a client paging in the rest of its code idles the guest, its clock jumps
# to the next timer, and that can be its own timeout's (an iperf3 client
# killed after "43 s" that took a moment of real time).
warm_tools() {
	local t f files=()
	for t in iperf3 ping ss wg gnvsecctl python3 timeout perf nft $ip; do
		f=$(command -v "$t") || continue
		files+=("$f")
	done
	for f in "${files[@]}"; do
		ldd "$f" 2>/dev/null | awk '$(NF - 1) ~ /^\// {print $(NF - 1)} $1 ~ /^\// {print $1}'
		echo "$f"
	done | sort -u | xargs cat >/dev/null 2>&1
	for t in iperf3 ping ss wg gnvsecctl python3; do
		"$t" --help >/dev/null 2>&1
	done
}

datapaths() {
	local cfg r got _
	say "datapaths: ${CONFIGS[*]}, $ROUNDS rounds of ${TIME}s iperf3 + $PINGS pings, inner MTU $MTU"
	# Everything loaded, and the tools read once, before any set-up: under
	# icount (sleep=off) the guest clock jumps over the time it waits for
	# the host's 9p reads, so the kernel's 60 s wait for a crypto module
	# or a loop waiting for a server can run out in a moment of real time.
	modprobe -a geneve wireguard gnvsec esp4 esp6 xfrm_user crypto_null \
		authenc echainiv seqiv gcm ghash_generic || say "modprobe failed"
	warm_tools
	for cfg in "${CONFIGS[@]}"; do
		if ! setup_cfg "$cfg"; then
			fail_cfg "$cfg" "setup failed"
			continue
		fi
		# Passes traffic at all? (WireGuard's first ping waits for the
		# handshake, ARP for the first Geneve one.)
		for _ in 1 2 3; do
			read -r got _ _ < <(ping_stats "$(nsa "$cfg")" $B_OV 3 0.2)
			((got > 0)) && break
		done
		((got > 0)) || fail_cfg "$cfg" "no ping answered after setup"
	done

	report "kernel $(uname -r), $(nproc) CPUs; CPU crypto modules: $(lsmod | awk '$1 ~ /aesni|ghash_clmul|sha.*_ssse3/ {printf "%s ", $1}')"
	if [[ -z ${FAILED[b]:-} && " ${CONFIGS[*]} " == *" b "* ]]; then
		report "geneve device: $(n "$(nsa b)" $ip -d link show gnv0 | grep -o 'geneve id.*' | head -n 1)"
		report "ESP modules: $(lsmod | awk '$1 ~ /^esp|^xfrm/ {printf "%s ", $1}')"
		report "rfc4106(gcm(aes)) drivers (priority): $(awk '/^name/ {n = $3} /^driver/ {d = $3}
			/^priority/ && n == "rfc4106(gcm(aes))" {printf "%s(%s) ", d, $3}' /proc/crypto)"
	fi

	for ((r = 1; r <= ROUNDS; r++)); do
		for cfg in "${CONFIGS[@]}"; do
			[[ -n ${FAILED[$cfg]:-} ]] && continue
			measure "$cfg" "$r"
		done
	done

	# The encrypted configurations did encrypt (clear ones have no SA).
	for cfg in b b0 d d0; do
		[[ " ${CONFIGS[*]} " == *" $cfg "* && -z ${FAILED[$cfg]:-} ]] || continue
		got=$(esp_packets "$(nsa "$cfg")")
		say "$cfg: $got packets through A's outbound ESP state"
		if [[ $cfg == d* ]]; then
			n "$(nsa "$cfg")" gnvsecctl tunnels show gs0 | grep -E '^ +(out|in) +[0-9]' |
				sed "s/^ */bench: $cfg SA: /"
		else
			n "$(nsa "$cfg")" $ip xfrm state list src $A_UL |
				grep -E '^\s+(aead|enc|auth[-a-z]*) ' | sed "s/^\s*/bench: $cfg SA: /"
		fi
		((got > 0)) || fail_cfg "$cfg" "traffic passed but A's outbound ESP state counted no packet"
	done
	[[ $PROFILE == 1 ]] && profile
	for cfg in "${CONFIGS[@]}"; do
		$ip netns del "$(nsa "$cfg")" 2>/dev/null
		$ip netns del "$(nsb "$cfg")" 2>/dev/null
	done
}

# profile: perf record -e cpu-clock over the whole guest (both namespaces
# and softirqs) while iperf3 runs on each configuration of PROFILE_CFGS,
# then its top symbols. Debian's perf is one version for every kernel: the
# system call and its perf.data format are compatible both ways.
profile() {
	local cfg data top=$TMP/profile-top
	local perf
	perf=$(command -v perf) || { report "profile: no perf (Debian's linux-perf)"; return; }
	sysctl -qw kernel.perf_event_paranoid=-1 kernel.kptr_restrict=0
	for cfg in "${PROFILE_CFGS[@]}"; do
		if [[ -n ${FAILED[$cfg]:-} || " ${CONFIGS[*]} " != *" $cfg "* ]]; then
			report "profile: $cfg not measured in this run"
			continue
		fi
		data=$TMP/perf-$cfg.data
		local t=$TIME tp
		# The whole guest while the iperf3 client runs (its 1 s warm-up
		# too), once its server listens: under icount the guest clock
		# jumps over idle time (9p reads of binaries), which would
		# otherwise fill the profile with the idle loop.
		IPERF_WRAP=("$perf" record -q -a -e cpu-clock ${PROFILE_CALLERS[0]:+-g} -o "$data" --)
		TIME=$PROFILE_TIME
		tp=$(iperf "$cfg" 2>"$TMP/profile-$cfg.err")
		TIME=$t
		IPERF_WRAP=()
		report ""
		report "profile $cfg (${DESC[$cfg]}): perf record -a -e cpu-clock during ${PROFILE_TIME}s of iperf3 (${tp:-failed} Mbit/s, retransmits)"
		"$perf" report -i "$data" --stdio --sort dso --percent-limit 1 2>>"$TMP/profile-$cfg.err" |
			grep -E '^ +[0-9]' >"$top"
		report "  by object: $(awk '{printf "%s %s  ", $2, $1}' "$top")"
		# Idle left (waits for the host) is shown once, then skipped.
		"$perf" report -i "$data" --stdio --sort sym 2>>"$TMP/profile-$cfg.err" |
			grep -E '^ +[0-9]' >"$top.all"
		report "  idle: $(grep -E 'native_safe_halt|default_idle|cpuidle' "$top.all" |
			awk '{s += $1} END {printf "%.2f%%", s}') of the samples"
		grep -vE 'native_safe_halt|default_idle|cpuidle' "$top.all" | head -n "$PROFILE_TOP" >"$top"
		if [[ ! -s $top ]]; then
			report "  no samples: $(tail -c 400 "$TMP/profile-$cfg.err")"
			continue
		fi
		sed 's/^/  /' "$top" | tee -a "$SUMMARY"
		# Where the named symbols were called from: the chains below
		# each (callee first), those above 1% of its samples.
		for sym in "${PROFILE_CALLERS[@]}"; do
			report "  callers of $sym:"
			"$perf" report -i "$data" --stdio --no-children -S "$sym" \
				-g graph,1,callee,function,percent 2>>"$TMP/profile-$cfg.err" |
				grep -vE '^#|^$' | head -n 60 | sed 's/^/    /' | tee -a "$SUMMARY"
		done
		cp "$data" "$RES/perf-$cfg.data" 2>/dev/null
	done
}

table() {
	local failed="" cfg
	for cfg in "${!FAILED[@]}"; do failed+="$cfg=${FAILED[$cfg]}"$'\n'; done
	python3 - "$DATA" "$ROUNDS" "$TIME" "$PINGS" "$MTU" "${CONFIGS[*]}" "$failed" "$CLOCK" <<'PY' | tee -a "$SUMMARY"
import sys
from collections import defaultdict
data, rounds, t, pings, mtu, cfgs, failed, clock = sys.argv[1:]
cfgs = cfgs.split()
failed = dict(l.split("=", 1) for l in failed.splitlines() if l)
desc = {
    "a": "kernel geneve, clear",
    "b": "kernel geneve + XFRM ESP AES-GCM-128",
    "b0": "kernel geneve + XFRM ESP null",
    "c": "gnvsec, ipsec off",
    "d": "gnvsec + sa add AES-GCM-128",
    "d0": "gnvsec + sa add null",
    "e": "WireGuard",
}
tp = defaultdict(dict)
rtt = defaultdict(dict)
med = defaultdict(dict)
for line in open(data):
    c, r, m, l, p50, _ = line.split()
    tp[c][int(r)] = float(m)
    if l != "-":
        rtt[c][int(r)] = float(l)
        med[c][int(r)] = float(p50)
best_tp = {c: max(v.values()) for c, v in tp.items() if v}
best_rtt = {c: min(v.values()) for c, v in rtt.items() if v}
best_med = {c: min(v.values()) for c, v in med.items() if v}

print()
if clock == "icount":
    print("clock: QEMU instruction counting (1 vCPU, -icount shift=0): 1 guest ns = 1 guest"
          " instruction.\n  Mbit/s = bytes per instruction of the whole guest, RTT = instructions"
          " (us = thousands);\n  deterministic: software path length, every instruction counts one"
          " (AES-NI, cache misses alike).")
else:
    print("clock: wall (plain TCG): real time; swings ~2x between runs, compare ratios of one run only")
print("iperf3 TCP, 1 flow, %s s (best of %s rounds); RTT: avg and median of %s pings"
      " (lowest of the rounds); inner MTU %s" % (t, rounds, pings, mtu))
print("%-3s %-38s %9s %6s  %-20s %8s %8s" % ("", "configuration", "Mbit/s", "vs a",
                                           "Mbit/s per round", "avg rtt", "med rtt"))
for c in cfgs:
    if c in failed:
        print("%-3s %-38s FAILED: %s" % (c, desc.get(c, c), failed[c]))
        continue
    if c not in best_tp:
        continue
    rel = "%.2f" % (best_tp[c] / best_tp["a"]) if best_tp.get("a") else "-"
    per = " ".join("%.0f" % tp[c][r] for r in sorted(tp[c]))
    print("%-3s %-38s %9.1f %6s  %-20s %8.3f %8.3f" % (c, desc.get(c, c), best_tp[c], rel, per,
                                                       best_rtt.get(c, float("nan")),
                                                       best_med.get(c, float("nan"))))
print()
print("ratios (same run)   throughput  avg rtt  med rtt   throughput per round")
for num, den in (("c", "a"), ("d", "b"), ("d0", "b0"), ("e", "a"), ("b", "a"), ("b0", "a"),
                 ("d", "a"), ("d0", "a")):
    if num not in best_tp or den not in best_tp:
        continue
    per = " ".join("%.2f" % (tp[num][r] / tp[den][r]) for r in sorted(tp[num]) if r in tp[den])
    rr = ("%.3f" % (best_rtt[num] / best_rtt[den])) if num in best_rtt and den in best_rtt else "-"
    rm = ("%.3f" % (best_med[num] / best_med[den])) if num in best_med and den in best_med else "-"
    print("  %-3s / %-3s         %6.3f     %-6s   %-6s    %s" % (num, den, best_tp[num] / best_tp[den],
                                                              rr, rm, per))
PY
}

# ---------------------------------------------------------------------------
# Scale

# A plain dump of the gnvsec generic netlink family (what the module sends,
# without gnvsecctl's per-tunnel XFRM dumps): prints the number of tunnels
# and the seconds the dump took (timed inside, without python's start).
GENL_DUMP='
import socket, struct, sys, time
t0 = time.monotonic()
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
s.bind((0, 0))
def msg(typ, flags, cmd, attrs=b""):
    p = struct.pack("BBH", cmd, 1, 0) + attrs
    return struct.pack("=IHHII", 16 + len(p), typ, flags, 1, 0) + p
def attrs(b):
    while len(b) >= 4:
        l, t = struct.unpack("HH", b[:4])
        yield t & 0x3fff, b[4:l]
        b = b[(l + 3) & ~3:]
name = b"gnvsec\0"
a = struct.pack("HH", 4 + len(name), 2) + name
a += b"\0" * (-len(a) % 4)
s.send(msg(0x10, 1, 3, a))
r = s.recv(65536)
fam = next(struct.unpack("H", v[:2])[0] for t, v in attrs(r[20:]) if t == 1)
s.send(msg(fam, 0x301, 1))
count = 0
while True:
    r = s.recv(1 << 20)
    while r:
        l, typ = struct.unpack("=IH", r[:6])
        if typ == 3:
            print(count, "%.3f" % (time.monotonic() - t0)); sys.exit(0)
        if typ == 2:
            err = struct.unpack("i", r[16:20])[0]
            if err: sys.exit("dump error %d" % err)
        elif typ == fam:
            count += 1
        r = r[(l + 3) & ~3:]
'

# meminfo FIELD...: kB values from /proc/meminfo, after reclaim settles.
meminfo() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
	awk -v want="$*" 'BEGIN {n = split(want, w, " ")}
		{v[substr($1, 1, length($1) - 1)] = $2}
		END {for (i = 1; i <= n; i++) printf "%s ", v[w[i]]}' /proc/meminfo
}

# Reads the binaries back after drop_caches, so that timings do not include
# re-reading them over 9p.
warm() {
	n bench-scale gnvsecctl global show >/dev/null
	n bench-scale python3 -c pass
	$ip -V >/dev/null
	wc -l /proc/net/dev >/dev/null
}

# slab bytes per cache: "name bytes" (num_slabs * pagesperslab * page size)
slab_bytes() {
	awk -v ps="$(getconf PAGESIZE)" 'NR > 2 {print $1, $15 * $6 * ps}' /proc/slabinfo
}

# dumps NS EXPECTED LABEL: times the ways to list the tunnels of NS.
dumps() {
	local ns=$1 want=$2 what=$3 t count secs
	report "dumps ($what):"
	t=$(now)
	n "$ns" timeout 1200 gnvsecctl -j tunnels show >"$TMP/show.json"
	local secs_json
	secs_json=$(since "$t")
	count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/show.json")
	report "$(printf '  gnvsecctl -j tunnels show   %8.2f s  (%s tunnels in the parsed JSON)' "$secs_json" "$count")"
	if [[ $count != "$want" ]]; then
		report "scale: FAILED: gnvsecctl -j tunnels show lists $count tunnels, expected $want"
		rc=1
	fi
	t=$(now)
	n "$ns" timeout 1200 gnvsecctl tunnels show >"$TMP/show.txt"
	report "$(printf '  gnvsecctl tunnels show      %8.2f s  (text, %s lines)' "$(since "$t")" "$(wc -l <"$TMP/show.txt")")"
	read -r count secs < <(n "$ns" python3 -c "$GENL_DUMP")
	report "$(printf '  genl TUNNEL_GET dump alone  %8.2f s  (%s tunnels; no XFRM dumps; timed in-process)' "$secs" "$count")"
	t=$(now)
	count=$(n "$ns" $ip -br link show type gnvsec | wc -l)
	report "$(printf '  ip -br link show type gnvsec %7.2f s  (%s devices)' "$(since "$t")" "$count")"
	t=$(now)
	n "$ns" gnvsecctl tunnel show gs$((want / 2)) >/dev/null
	report "$(printf '  gnvsecctl tunnel show ONE   %8.2f s  (among %s)' "$(since "$t")" "$want")"
}

scale() {
	local ns=bench-scale t made=0 m0 m1 m2 i
	report ""
	report "scale: $NTUN gnvsec tunnels in one namespace (creation capped at ${SCALE_MAX} s)"
	$ip netns add $ns
	$ip -n $ns link set lo up
	# An underlay the remotes route through, as on a real chassis.
	$ip -n $ns link add ul type dummy
	$ip -n $ns addr add 10.0.0.1/8 dev ul
	$ip -n $ns link set ul up
	modprobe gnvsec
	# One tunnel first: the namespace's UDP socket and module state exist
	# before the baseline, so the per-tunnel figure is per tunnel.
	n $ns gnvsecctl tunnel add gsbase remote 10.255.255.254 vni 16777215 || {
		report "scale: FAILED: cannot create the first tunnel"
		rc=1
		return
	}

	# What one gnvsecctl process costs by itself under TCG (exec over 9p):
	# most of the per-tunnel times below.
	t=$(now)
	n $ns bash -c 'for ((i = 0; i < 20; i++)); do gnvsecctl global show >/dev/null; done'
	report "$(printf 'baseline: gnvsecctl global show %.1f ms per process (20 runs; the exec cost in each figure below)' \
		"$(python3 -c "print(1000 * $(since "$t") / 20)")")"

	slab_bytes >"$TMP/slab0"
	read -ra m0 <<<"$(meminfo Slab SUnreclaim Percpu)"
	warm
	t=$(now)
	# One shell in the namespace runs the loop (no netns exec per tunnel).
	made=$(n $ns bash -c '
		end=$((SECONDS + $2)); i=0
		while ((i < $1 && SECONDS < end)); do
			gnvsecctl tunnel add gs$i remote 10.$((100 + i / 65536)).$((i / 256 % 256)).$((i % 256)) vni $((i + 1)) >/dev/null 2>"$3" || break
			i=$((i + 1))
		done
		echo $i' _ "$NTUN" "$SCALE_MAX" "$TMP/scale-add.err")
	local t_add
	t_add=$(since "$t")
	report "$(printf 'create:  %5d tunnels in %7.2f s (%.1f ms each, one gnvsecctl per tunnel)' \
		"$made" "$t_add" "$(python3 -c "print(1000 * $t_add / max($made, 1))")")"
	if ((made < NTUN)); then
		report "scale: stopped at $made of $NTUN: $(cat "$TMP/scale-add.err")"
		[[ -s $TMP/scale-add.err ]] && rc=1
	fi

	slab_bytes >"$TMP/slab1"
	read -ra m1 <<<"$(meminfo Slab SUnreclaim Percpu)"
	warm

	dumps "$ns" "$((made + 1))" "no SAs"

	# The same with every tunnel keyed: two SAs and two policies each,
	# installed as `gnvsecctl sa add` would (out policy with the tunnel's
	# mark), in one `ip -batch` rather than a process per tunnel. The
	# kernel's IPsec state of each dumped tunnel and gnvsecctl's XFRM dumps
	# per tunnel then have SAs to go through.
	if [[ $SCALE_SAS == 1 ]] && ((made > 0)); then
		n $ns gnvsecctl -j tunnels show | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if not t["ifname"].startswith("gs") or t["ifname"] == "gsbase":
        continue
    i = int(t["ifname"][2:])
    l, r = "10.0.0.1", t["remote"]
    print("xfrm state add src %s dst %s proto esp spi %d mode transport aead rfc4106(gcm(aes)) 0x%040x 128" % (l, r, 0x100000 + i, i + 1))
    print("xfrm state add src %s dst %s proto esp spi %d mode transport replay-window 32 aead rfc4106(gcm(aes)) 0x%040x 128" % (r, l, 0x200000 + i, i + 1))
    print("xfrm policy add src %s/32 dst %s/32 proto udp dport 6081 dir out mark %d mask %d tmpl src %s dst %s proto esp mode transport" % (l, r, t["mark"] & t["mark_mask"], t["mark_mask"], l, r))
    print("xfrm policy add src %s/32 dst %s/32 proto udp dport 6081 dir in tmpl src %s dst %s proto esp mode transport" % (r, l, r, l))
' >"$TMP/sas.batch"
		t=$(now)
		if n $ns $ip -batch "$TMP/sas.batch"; then
			report "$(printf 'xfrm:    %d SAs + %d policies with ip -batch in %.2f s' \
				"$((2 * made))" "$((2 * made))" "$(since "$t")")"
			dumps "$ns" "$((made + 1))" "with $((2 * made)) SAs"
			report "  ipsec_state of gs0: $(n $ns gnvsecctl -j tunnels show gs0 |
				python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ipsec_state"])')"
		else
			report "xfrm:    ip -batch failed: no figures with SAs"
		fi
		n $ns $ip xfrm policy flush
		n $ns $ip xfrm state flush
	fi

	t=$(now)
	n $ns bash -c 'for ((i = 0; i < $1; i++)); do gnvsecctl tunnel del gs$i || exit 1; done' _ "$made" ||
		{ report "scale: FAILED: tunnel del"; rc=1; }
	local t_del
	t_del=$(since "$t")
	report "$(printf 'delete:  %5d tunnels in %7.2f s (%.1f ms each)' \
		"$made" "$t_del" "$(python3 -c "print(1000 * $t_del / max($made, 1))")")"
	sleep 2	# RCU frees
	read -ra m2 <<<"$(meminfo Slab SUnreclaim Percpu)"

	if ((made > 0)); then
		report "kernel memory per tunnel (/proc/meminfo after drop_caches: with the tunnels - before; after deleting them - before):"
		local names=(Slab SUnreclaim Percpu)
		m0[3]=$((m0[0] + m0[2])) m1[3]=$((m1[0] + m1[2])) m2[3]=$((m2[0] + m2[2]))
		names[3]=Slab+Percpu
		for i in 0 1 2 3; do
			report "$(python3 -c "
b, c, d, n = $((m0[i])), $((m1[i])), $((m2[i])), $made
print('  %-12s %7.2f kB/tunnel  (%+d kB for %d; %+d kB left after delete)' % ('${names[i]}', (c - b) / n, c - b, n, d - b))")"
		done
		report "  slab caches that grew most (bytes/tunnel):"
		python3 - "$TMP/slab0" "$TMP/slab1" "$made" <<'PY' | tee -a "$SUMMARY"
import sys
a = dict(l.split() for l in open(sys.argv[1]))
b = dict(l.split() for l in open(sys.argv[2]))
n = int(sys.argv[3])
d = sorted(((int(b[k]) - int(a.get(k, 0)), k) for k in b), reverse=True)
for v, k in d[:10]:
    if v > 0:
        print("    %-28s %8.0f" % (k, v / n))
PY
	fi
	n $ns gnvsecctl tunnel del gsbase
	$ip netns del $ns
}

# A dump of BENCH_DUMP_TUNNELS (10,000) tunnels, complete and correct:
# created by one netlink client (not a process per tunnel), dumped through
# a small receive buffer (many datagrams, so resumption is exercised) and
# through gnvsecctl -j, every tunnel checked for its own remote and VNI.
dump_many() {
	local ns=bench-dump count=$DUMP_NTUN t out wrong
	local nlc="python3 $GNVSEC_SRC/selftests/tools/nlclient.py"

	report ""
	report "dump: $count tunnels in one namespace"
	$ip netns add $ns
	$ip -n $ns link set lo up
	t=$(now)
	if ! n $ns $nlc new-many dm "$count" 10.66.0.2 1 >"$TMP/dump.err" 2>&1; then
		report "dump: FAILED: creating: $(tail -n 1 "$TMP/dump.err")"
		rc=1
		$ip netns del $ns
		return
	fi
	report "$(printf '  create (one netlink client)   %8.2f s' "$(since "$t")")"

	t=$(now)
	out=$(n $ns $nlc dump-check dm --rcvbuf 16384 --bufsize 16384 --expect 10.66.0.2 1)
	report "$(printf '  genl dump, checked            %8.2f s  (%s)' "$(since "$t")" "$(echo $out)")"
	if ! grep -qx "prefix_unique=$count" <<<"$out" ||
	   ! grep -qx "prefix_dups=0" <<<"$out" ||
	   ! grep -qx "prefix_wrong=0" <<<"$out"; then
		report "dump: FAILED: the dump is not complete and correct"
		rc=1
	fi

	t=$(now)
	n $ns timeout 1200 gnvsecctl -j tunnels show >"$TMP/dump.json"
	wrong=$(python3 - "$TMP/dump.json" "$count" <<'PY'
import json, sys
want = int(sys.argv[2])
got = {t["ifname"]: t for t in json.load(open(sys.argv[1]))}
bad = [n for n in ("dm%d" % i for i in range(want))
       if n not in got or got[n]["vni"] != int(n[2:]) + 1 or
       got[n]["remote"] != "10.66.0.2"]
print(len(bad) + abs(len(got) - want))
PY
)
	report "$(printf '  gnvsecctl -j tunnels show     %8.2f s  (%s missing, extra or wrong)' "$(since "$t")" "$wrong")"
	if [[ $wrong != 0 ]]; then
		report "dump: FAILED: gnvsecctl -j tunnels show is not complete and correct"
		rc=1
	fi

	# The namespace takes its tunnels with it, in one batch.
	$ip netns del $ns
}

# ---------------------------------------------------------------------------

main() {
	say "kernel $(uname -r), $(nproc) CPUs, gnvsecctl $(command -v gnvsecctl)"
	datapaths
	table
	[[ ${BENCH_SKIP_SCALE:-0} == 1 ]] || scale
	[[ ${BENCH_SKIP_SCALE:-0} == 1 ]] || dump_many
	if ((rc)); then
		report "bench: FAILED: ${!FAILED[*]} (see above)"
	else
		report "bench: all configurations passed traffic"
	fi
	return $rc
}

# Sourcing the file gives its functions (for ad-hoc runs) without running it.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main
	exit
fi
