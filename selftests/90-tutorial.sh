#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/tutorial.md, run as written: every command after a "hv1#",
# "hv2#" or "ca#" prompt, in the order of the document, and checks of what
# each section promises. hv1 and hv2 are network namespaces joined by a
# veth pair named eth0 (10.0.0.1 and 10.0.0.2), ca is a directory. Each
# has one bash that runs its commands in turn (so "&" and "wait" work as
# in a terminal), in a mount namespace of its own: the chassis get their
# own /etc/swanctl and /run, hence their own charon, and ca its own
# /var/lib/openvswitch; a chassis' shell also has a UTS namespace whose
# host name is the chassis name. Two things differ from a real host, both
# in the shells' set-up below: "systemctl" (re)starts charon and the IPsec
# manager ("gnvsecctl ike sync --watch", as gnvsec-ike-sync.service runs
# it) in the chassis' namespaces, and the copy of the certificates from ca
# to a chassis (prose in the tutorial) is a local copy.
. "$(dirname "$0")/lib.sh"

DOC=$GNVSEC_SRC/Documentation/tutorial.md
CHARON=/usr/lib/ipsec/charon
for t in "$CHARON" /usr/sbin/swanctl /usr/bin/ovs-pki /usr/bin/openssl; do
	if [[ ! -x $t ]]; then
		echo "SKIP: $t missing (bash scripts/deps.sh installs it)"
		exit 4
	fi
done

T=$TMP/tut
A=hv1 B=hv2		# lib.sh's cleanup deletes these namespaces
mkdir -p "$T"

# --- the steps: "N<TAB>SECTION<TAB>WHO<TAB>COMMAND", one per prompt line
python3 - "$DOC" >"$T/steps" <<'PY'
import re, sys
section, n = "", 0
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("## "):
        section = line[3:]
        continue
    m = re.match(r"^    (hv1|hv2|ca)# (.*)$", line)
    if m:
        n += 1
        print("%d\t%s\t%s\t%s" % (n, section, m.group(1), m.group(2)))
PY
total=$(wc -l <"$T/steps")
check_ge "commands in the tutorial" 40 "$total"

# --- the machines
$ip netns add hv1
$ip netns add hv2
$ip -n hv1 link add eth0 type veth peer name eth0 netns hv2
$ip -n hv1 addr add 10.0.0.1/24 dev eth0
$ip -n hv2 addr add 10.0.0.2/24 dev eth0
for h in hv1 hv2; do
	$ip -n $h link set eth0 up
	$ip -n $h link set lo up
	# The guest's root is shared: give each chassis its own swanctl tree,
	# /run (charon's pid file and vici socket) and a charon log.
	mkdir -p "$T/$h/home" "$T/$h/run"
	cp -a /etc/swanctl "$T/$h/swanctl"
	printf 'charon {\n\tfilelog {\n\t\tlog {\n\t\t\tpath = %s\n\t\t\ttime_format = %%T\n\t\t\tdefault = 1\n\t\t\tflush_line = yes\n\t\t}\n\t}\n}\n' \
		"$T/$h/charon.log" >"$T/$h/charon-logging.conf"
done
mkdir -p "$T/ca/home" "$T/ca/ovs"

# shell WHO [NETNS]: starts WHO's shell, reading commands from a FIFO.
declare -A FD
shell() {
	local who=$1 ns=${2:-} fd
	mkfifo "$T/$who.in"
	if [[ -n $ns ]]; then
		$ip netns exec "$ns" unshare -m -u --propagation private bash -s \
			<"$T/$who.in" >"$T/$who.log" 2>&1 &
	else
		unshare -m --propagation private bash -s \
			<"$T/$who.in" >"$T/$who.log" 2>&1 &
	fi
	exec {fd}>"$T/$who.in"
	FD[$who]=$fd
}

shell ca
cat >&"${FD[ca]}" <<EOF
mkdir -p /var/lib/openvswitch
mount --bind $T/ca/ovs /var/lib/openvswitch
cd $T/ca/home
EOF
for h in hv1 hv2; do
	shell $h $h
	cat >&"${FD[$h]}" <<EOF
mount --bind $T/$h/swanctl /etc/swanctl
mount --bind $T/$h/run /run
mount --bind $T/$h/charon-logging.conf /etc/strongswan.d/charon-logging.conf
hostname $h
export PATH=$PATH
cd $T/$h/home
# What systemctl does on a host, in this chassis' namespaces: "restart
# strongswan" starts charon, answering on its vici socket before it
# returns; "enable --now gnvsec-ike-sync" starts the IPsec manager as the
# unit runs it (its log, the journal's lines, in ike-sync.log); "reload
# gnvsec-ike-sync" sends it SIGHUP, as the unit's ExecReload does. Neither
# is a job of this shell: "wait" in the tutorial must not wait for them.
systemctl() {
	case "\$*" in
	"restart strongswan")
		if [[ -f /run/charon.pid ]]; then
			kill "\$(cat /run/charon.pid)" 2>/dev/null
			for _ in \$(seq 100); do [[ -f /run/charon.pid ]] || break; sleep 0.1; done
		fi
		( $CHARON >>$T/$h/charon.out 2>&1 & )
		for _ in \$(seq 150); do
			swanctl --stats >/dev/null 2>&1 && return 0
			sleep 0.1
		done
		echo "charon did not start" >&2
		return 1;;
	"enable --now gnvsec-ike-sync")
		( gnvsecctl ike sync --watch >>$T/$h/ike-sync.log 2>&1 &
		  echo \$! >$T/$h/ike-sync.pid );;
	"reload gnvsec-ike-sync")
		kill -HUP "\$(cat $T/$h/ike-sync.pid)";;
	*)
		echo "systemctl: \$*: not here" >&2
		return 1;;
	esac
}
EOF
done

stop_charons() {
	local h
	for h in hv1 hv2; do
		[[ -f $T/$h/ike-sync.pid ]] && kill "$(cat "$T/$h/ike-sync.pid")" 2>/dev/null
		[[ -f $T/$h/run/charon.pid ]] && kill "$(cat "$T/$h/run/charon.pid")" 2>/dev/null
	done
	return 0
}
trap 'stop_charons; cleanup' EXIT

# The copy the tutorial leaves to the reader: each chassis gets its
# certificate, its key and the CA's certificate from ca.
copied=()
copy_pki() {
	local h=$1
	[[ " ${copied[*]} " == *" $h "* ]] && return 0
	cp "$T/ca/home/$h-cert.pem" "$T/ca/home/$h-privkey.pem" \
		"$T/ca/ovs/pki/switchca/cacert.pem" "$T/$h/home/"
	copied+=("$h")
}

# run N WHO CMD: runs step N in WHO's shell; fails the test on a non-zero
# exit status, showing the output (and charon's log on a chassis).
declare -A STEP_OUT
# When each step started and ended (epoch seconds, the clock tcpdump
# stamps frames with): $T/times, "N START END WHO CMD" per line.
run() {
	local n=$1 who=$2 cmd=$3 rc h t0

	[[ $who != ca && $cmd == "install -m "* ]] && copy_pki "$who"
	log "$who# $cmd"
	t0=$(date +%s.%N)
	printf '{ %s\n} </dev/null >%s 2>&1; echo $? >%s\n' \
		"$cmd" "$T/out.$n" "$T/rc.$n" >&"${FD[$who]}"
	local end=$((SECONDS + 180))
	while [[ ! -s $T/rc.$n ]] && ((SECONDS < end)); do
		sleep 0.2
	done
	[[ -s $T/rc.$n ]] || fail "step $n ($who# $cmd) did not finish in 180 s: $(cat "$T/out.$n")"
	sed 's/^/  | /' "$T/out.$n"
	rc=$(cat "$T/rc.$n")
	if [[ $rc != 0 ]]; then
		for h in hv1 hv2; do
			echo "--- $h's IPsec manager log"
			cat "$T/$h/ike-sync.log" 2>/dev/null || true
			echo "--- $h's charon log"
			tail -n 40 "$T/$h/charon.log" 2>/dev/null || true
		done
		fail "step $n ($who# $cmd) exited with $rc"
	fi
	STEP_OUT[$n]=$T/out.$n
	printf '%s %s %s %s %s\n' "$n" "$t0" "$(date +%s.%N)" "$who" "$cmd" >>"$T/times"
}

# section TITLE: runs the steps of one "## TITLE" section.
done_steps=0
section() {
	local n sec who cmd
	log "=== $1"
	while IFS=$'\t' read -r n sec who cmd; do
		[[ $sec == "$1" ]] || continue
		run "$n" "$who" "$cmd"
		done_steps=$((done_steps + 1))
	done <"$T/steps"
}

# out PATTERN [NTH]: the output of the last step (or the NTH last) whose
# command contains PATTERN, among the steps run so far.
out() {
	local pat=$1 nth=${2:-1} i hits=()
	for i in $(awk -F'\t' -v p="$pat" 'index($4, p) {print $1}' "$T/steps"); do
		if [[ -n ${STEP_OUT[$i]:-} ]]; then
			hits+=("$i")
		fi
	done
	((${#hits[@]} >= nth)) || fail "no step run yet matches '$pat'"
	cat "${STEP_OUT[${hits[${#hits[@]} - nth]}]}"
}

# spis_show and spis_swan: the SPIs "gnvsecctl tunnels show" lists and
# those "swanctl --list-sas" reports, sorted, on one line.
spis_show() { grep -o 'spi 0x[0-9a-f]*' | sed 's/spi 0x0*//' | sort -u | xargs; }
spis_swan() { grep -Eo '^ +(in|out) +[0-9a-f]{8}' | awk '{sub(/^0+/, "", $2); print $2}' | sort -u | xargs; }

state() { ctl "$1" -j tunnels show "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ipsec_state"])'; }

# --- the tutorial
section "Installing"	# no prompted commands: what make check does itself
# ... so its packages are those scripts/deps.sh installed.
for p in $(sed -n 's/^    # apt-get install //p' "$DOC"); do
	check_eq "package $p (Installing) is installed" "install ok installed" \
		"$(dpkg-query -W -f '${Status}' "$p" 2>&1)"
done

section "Generating certificates and keys"
for h in hv1 hv2; do
	check_contains "$h: certificate accepted" "ok    CN:" "$(out "--chassis $h")"
	check_eq "$h: no failed check" "" "$(out "--chassis $h" | grep -E '^(FAIL|warn)' || true)"
done
check_contains "a certificate for another chassis" \
	'FAIL  CN: expected "hv9" (the chassis name), found "hv1"' "$(out "--chassis hv9")"
check_contains "... is refused" "refused" "$(out "--chassis hv9")"

manager_log() { cat "$T/$1/ike-sync.log" 2>/dev/null; }

section "Configuring a chassis"
check_contains "ping in clear before IPsec" " 0% packet loss" "$(out "ping -c 3 192.168.100.2")"
preview=$(out "gnvsecctl ike swanctl")
check_contains "hv1's connection has the tunnel's mark" "mark_out = 0x10000/0xffff0000" "$preview"
check_contains "... authenticates hv1 (the host name)" 'id = "hv1"' "$preview"
check_contains "... and hv2" 'id = "hv2"' "$preview"
check_contains "... with the reqid the tunnel gets" "reqid = 65536" "$preview"
for h in hv1 hv2; do
	check_eq "$h's manager runs" 0 "$(kill -0 "$(cat "$T/$h/ike-sync.pid")"; echo $?)"
	check_eq "$h's manager loaded nothing while IPsec is off" "" \
		"$(manager_log $h | grep -E 'loaded|bound' || true)"
done

# From here on IPsec is on (but for a moment without traffic): not one
# clear Geneve frame may reach hv2.
capture_start hv2 eth0 wire
section "Enabling IPsec"
check_contains "hv1 initiates" "loaded gnvsec-ovn-hv2-0: ovn-hv2-0 to hv2, reqid 65536, initiator" \
	"$(manager_log hv1)"
check_contains "hv2 only responds" "loaded gnvsec-ovn-hv1-0: ovn-hv1-0 to hv1, reqid 65536, responder" \
	"$(manager_log hv2)"
check_contains "hv1's manager bound the tunnel" "bound ovn-hv2-0 to reqid 65536" "$(manager_log hv1)"
check_contains "hv2's manager bound the tunnel" "bound ovn-hv1-0 to reqid 65536" "$(manager_log hv2)"
check_contains "IPsec off: hv1's connection unloaded" "unloaded gnvsec-ovn-hv2-0" "$(manager_log hv1)"
check_contains "IPsec off: hv2's connection unloaded" "unloaded gnvsec-ovn-hv1-0" "$(manager_log hv2)"
check_contains "ping through IPsec" " 0% packet loss" "$(out "ping -c 3 192.168.100.2")"
check_contains "hv1's tunnel is ACTIVE" "IPsec state:    ACTIVE" "$(out "gnvsecctl tunnels show")"
check_contains "... and charon says so" \
	"gnvsec-ovn-hv2-0 (strongSwan): IKE_SA ESTABLISHED, CHILD_SA INSTALLED" "$(out "gnvsecctl tunnels show")"
s_show=$(out "gnvsecctl tunnels show" | spis_show)
s_swan=$(out "swanctl --list-sas" | spis_swan)
check_eq "tunnels show lists the SPIs swanctl reports" "$s_swan" "$s_show"
check_eq "two SPIs (in and out)" 2 "$(wc -w <<<"$s_show")"
check_eq "global ipsec is on again" true \
	"$(ctl hv1 -j global show | python3 -c 'import json,sys; print(str(json.load(sys.stdin)["ipsec"]).lower())')"
check_eq "hv1 ACTIVE with IPsec on again" ACTIVE "$(state hv1 ovn-hv2-0)"
check_eq "hv2 ACTIVE with IPsec on again" ACTIVE "$(state hv2 ovn-hv1-0)"
s_on=$(ctl hv1 tunnels show ovn-hv2-0 | spis_show)

section "Firewall rules"
check_contains "ping through the firewall, after a new negotiation" " 3 received" "$(out "ping -c 3 -w 30")"
check_ge "the firewall let IKE and ESP in" 1 \
	"$(n hv1 nft list chain inet gnvsec input | grep -E 'udp dport \{ 500, 4500, 6081 \}' | wc -l)"
s_fw=$(ctl hv1 tunnels show ovn-hv2-0 | spis_show)
check_eq "two SPIs after the new negotiation" 2 "$(wc -w <<<"$s_fw")"
check_eq "... none of them the old ones" "" \
	"$(comm -12 <(tr ' ' '\n' <<<"$s_on" | sort) <(tr ' ' '\n' <<<"$s_fw" | sort) | xargs)"
check_contains "hv1's manager negotiated them" "initiating gnvsec-ovn-hv2-0" "$(manager_log hv1)"

section "Enforcing IPsec NAT-T UDP encapsulation"
check_contains "the plain SAs ended" "terminated the SAs of gnvsec-ovn-hv2-0: its connection changed" \
	"$(manager_log hv1)"
check_contains "ping through ESP-in-UDP, after a new negotiation" " 3 received" "$(out "ping -c 3 -w 30")"
check_contains "status says encapsulation" "Custom Options: {'encapsulation': 'yes'}" \
	"$(out "gnvsecctl tunnels show")"
check_contains "SAs carry ESP-in-UDP" "encap espinudp 4500:4500" "$(out "gnvsecctl tunnels show")"
tcpd=$(out "timeout 30 tcpdump")
check_eq "hv2's tcpdump saw 4 frames" 4 "$(grep -c ' IP ' <<<"$tcpd" || true)"
check_eq "each of them UDP from 4500 to 4500" 4 "$(grep -c '\.4500 > [0-9.]*\.4500: ' <<<"$tcpd" || true)"
check_ge "ESP-in-UDP among them" 1 "$(grep -c 'UDP-encap: ESP' <<<"$tcpd" || true)"

hv1_refused() {	# what hv1 refused to send for want of an SA
	ctl hv1 -j tunnels show ovn-hv2-0 | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]["drops"]; print(d["tx_no_sa"] + d["tx_no_policy"] + d["tx_not_encap"])'
}
drops0=$(hv1_refused)
section "Troubleshooting with \`gnvsecctl tunnels show\`"
check_contains "hv2 ended the SAs that authenticated hv1" \
	'terminated the SAs of gnvsec-ovn-hv1-0: it authenticated "hv1", the tunnel names "hv9"' "$(manager_log hv2)"
check_contains "a refused peer: no answer" "no answer" "$(out "ping -c 3 -w 5")"
check_contains "hv2 waits for an SA, dropping" "IPsec state:    WAITING FOR SA (dropping)" \
	"$(out "gnvsecctl tunnels show ovn-hv1-0")"
check_ge "hv1 dropped the pings it could not encrypt" $((drops0 + 3)) "$(hv1_refused)"
check_contains "hv1's manager was refreshed" "refresh: loading every connection again" "$(manager_log hv1)"
check_contains "recovered" " 3 received" "$(out "ping -c 3 -w 30")"
check_eq "hv1 ACTIVE again" ACTIVE "$(state hv1 ovn-hv2-0)"
check_eq "hv2 ACTIVE again" ACTIVE "$(state hv2 ovn-hv1-0)"
capture_stop wire

# clear_while_on WHO ADDR: the clear Geneve frames from chassis WHO (its
# underlay ADDR) on hv2's wire, sent while WHO's switch was on: from the
# end of each of its "global set ipsec true" to the start of its next
# "global set ipsec false" (while it is off, or not yet on, its tunnels
# send in clear as they should). Each such frame is printed.
clear_while_on() {
	tcpdump -tt -n -r "$TMP/wire.pcap" "src host $2 and udp port 6081" 2>/dev/null |
		python3 -c '
import sys
who, times = sys.argv[1], sys.argv[2]
on = []		# [start, end) while the switch was on
for line in open(times):
    n, t0, t1, w, cmd = line.rstrip("\n").split(" ", 4)
    if w != who or "global set ipsec" not in cmd:
        continue
    if cmd.endswith(" true") and (not on or on[-1][1] is not None):
        on.append([float(t1), None])
    elif cmd.endswith(" false") and on and on[-1][1] is None:
        on[-1][1] = float(t0)
bad = [l for l in sys.stdin
       if any(a <= float(l.split()[0]) and (b is None or float(l.split()[0]) < b)
              for a, b in on)]
for l in bad:
    print("clear while on:", l.rstrip(), file=sys.stderr)
print(len(bad))' "$1" "$T/times"
}
log "clear Geneve on hv2's wire, all of it (IPsec off for part of the time): $(capture_count wire "udp port 6081")"
check_eq "clear Geneve from hv1 on hv2's wire while hv1's IPsec was on" 0 "$(clear_while_on hv1 10.0.0.1)"
check_eq "clear Geneve from hv2 on its wire while hv2's IPsec was on" 0 "$(clear_while_on hv2 10.0.0.2)"
check_ge "ESP-in-UDP on hv2's wire" 4 "$(capture_count wire "udp port 4500")"
check_eq "every command of the tutorial ran" "$total" "$done_steps"
