#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKE helpers for the selftests that negotiate SAs with strongSwan (81-84),
# sourced after lib.sh. Each chassis namespace runs its own charon:
#   - its own strongswan.conf ($TMP/ike-WHO/strongswan.conf, through
#     STRONGSWAN_CONF), its own vici socket ($TMP/ike-WHO/charon.vici) and
#     swanctl directory ($TMP/ike-WHO/swanctl, through SWANCTL_DIR);
#   - a private /run (a tmpfs in a mount namespace of its own), so that the
#     two daemons do not share /run/charon.pid;
#   - started by "ip netns exec", so its kernel-netlink plugin installs SAs
#     and policies, and its sockets bind ports 500 and 4500, in that
#     chassis' network namespace.
# Certificates: a test CA and one certificate per chassis (x509 v3, CN =
# the chassis name, subjectAltName DNS = the CN, as OVN requires), ECDSA
# P-256 so that signatures cost little under TCG.

CHARON=/usr/lib/ipsec/charon
PKI=$TMP/pki

# The reconciler's tests (85-88) run against either backend: strongSwan
# (the default) or, with IKE_BACKEND=libreswan (the *-libreswan tests),
# Libreswan's pluto, one per chassis namespace like charon. Debian's
# libreswan package conflicts with strongSwan's: scripts/deps.sh unpacks
# it into $LSW_ROOT, and ike_require binds its /usr/libexec/ipsec into
# place (in the guest's writable overlay; pluto finds its helpers there).
IKE_BACKEND=${IKE_BACKEND:-strongswan}
# A chassis may run the other daemon: IKE_BACKEND_OF[WHO]=libreswan
# (89-ike-mixed); lsw WHO says whether WHO runs pluto.
declare -gA IKE_BACKEND_OF
lsw() { [[ ${IKE_BACKEND_OF[$1]:-$IKE_BACKEND} == libreswan ]]; }
LSW_ROOT=/var/cache/gnvsec/libreswan/root
PLUTO=/usr/libexec/ipsec/pluto
WHACK=/usr/libexec/ipsec/whack

ike_require() {
	local t
	for t in "$CHARON" /usr/sbin/swanctl /usr/bin/openssl; do
		if [[ ! -x $t ]]; then
			echo "SKIP: $t missing (bash scripts/deps.sh installs it)"
			exit 4
		fi
	done
	[[ $IKE_BACKEND == libreswan || " ${IKE_BACKEND_OF[*]} " == *" libreswan "* ]] ||
		return 0
	for t in "$LSW_ROOT$PLUTO" /usr/bin/certutil /usr/bin/pk12util; do
		if [[ ! -x $t ]]; then
			echo "SKIP: $t missing (bash scripts/deps.sh unpacks it)"
			exit 4
		fi
	done
	if [[ ! -x $PLUTO ]]; then
		mkdir -p /usr/libexec/ipsec
		mount --bind "$LSW_ROOT/usr/libexec/ipsec" /usr/libexec/ipsec
	fi
}

# pki_ca: the test CA, $PKI/cacert.pem and its key.
pki_ca() {
	mkdir -p "$PKI"
	openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-keyout "$PKI/ca-privkey.pem" -out "$PKI/cacert.pem" -days 30 \
		-subj "/CN=gnvsec selftest CA" 2>/dev/null
}

# pki_cert FILE CN [SUBJECT]: $PKI/FILE-cert.pem and $PKI/FILE-privkey.pem,
# signed by the test CA, CN and subjectAltName DNS both CN; SUBJECT (e.g.
# /O=renewed) goes before the CN in the subject.
pki_cert() {
	local f=$1 cn=$2 subject=${3:-}
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-keyout "$PKI/$f-privkey.pem" -out "$PKI/$f.csr" -subj "$subject/CN=$cn" 2>/dev/null
	printf 'basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nsubjectAltName = DNS:%s\n' \
		"$cn" >"$PKI/$f.ext"
	openssl x509 -req -in "$PKI/$f.csr" -CA "$PKI/cacert.pem" \
		-CAkey "$PKI/ca-privkey.pem" -CAcreateserial -days 30 \
		-extfile "$PKI/$f.ext" -out "$PKI/$f-cert.pem" 2>/dev/null
}

ike_dir() { echo "$TMP/ike-$1"; }

# charon_conf WHO NAME [CERTFILE]: the strongswan.conf and swanctl
# directory of chassis WHO (A or B) whose name is NAME, holding the CA and
# the certificate and key $PKI/CERTFILE-* (default NAME) as NAME-cert.pem
# and NAME-privkey.pem.
charon_conf() {
	local who=$1 name=$2 cert=${3:-$2} d
	d=$(ike_dir "$who")
	mkdir -p "$d/swanctl/x509" "$d/swanctl/x509ca" "$d/swanctl/private"
	cp "$PKI/cacert.pem" "$d/swanctl/x509ca/"
	cp "$PKI/$cert-cert.pem" "$d/swanctl/x509/$name-cert.pem"
	cp "$PKI/$cert-privkey.pem" "$d/swanctl/private/$name-privkey.pem"
	if lsw "$who"; then
		mkdir -p "$d/ipsec.d" "$d/nss" "$d/run"
		[[ -e $d/nss/cert9.db ]] || certutil -N -d "sql:$d/nss" --empty-password
		printf 'include %s/ipsec.d/*.secrets\n' "$d" >"$d/ipsec.secrets"
		chmod 0600 "$d/ipsec.secrets"
		printf 'config setup\n\tlogfile=%s/charon.log\n' "$d" \
			>"$d/ipsec.conf"
		return 0
	fi
	cat >"$d/strongswan.conf" <<EOF
charon {
	load = random nonce openssl kdf pem pkcs1 pkcs8 x509 constraints pubkey kernel-netlink socket-default vici
	install_routes = no
	install_virtual_ip = no
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
	}
	syslog {
		identifier = charon-$who
		daemon {
			default = -1
		}
	}
	filelog {
		log {
			path = $d/charon.log
			time_format = %T
			append = yes
			flush_line = yes
			default = 1
			ike = 1
			cfg = 1
			knl = 1
		}
	}
}
swanctl {
	load = pem pkcs1 pkcs8 x509 openssl
}
EOF
}

# charon_start WHO NS: charon for chassis WHO in namespace NS, with a
# private /run; returns once its vici socket answers. Its pid (charon's
# own: ip, unshare and sh exec into it) is in $TMP/ike-WHO/pid.
charon_start() {
	local who=$1 ns=$2 d
	d=$(ike_dir "$who")
	if lsw "$who"; then
		pluto_start "$who" "$ns"
		return
	fi
	rm -f "$d/charon.vici"
	$ip netns exec "$ns" unshare -m sh -c \
		'mount -t tmpfs -o mode=0755 tmpfs /run && exec "$0" "$@"' \
		env STRONGSWAN_CONF="$d/strongswan.conf" "$CHARON" \
		>>"$d/charon.out" 2>&1 &
	echo $! >"$d/pid"
	for _ in $(seq 150); do
		if [[ -S $d/charon.vici ]] && swan "$who" "$ns" --stats >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		sleep 0.1
	done
	fail "charon $who did not start: $(tail -n 20 "$d/charon.out" "$d/charon.log" 2>&1)"
}

# pluto_start WHO NS: Libreswan's pluto in charon's place, its control
# socket, NSS database, secrets and log in $TMP/ike-WHO (the log under
# charon's name, charon.log, for the tests that read it).
pluto_start() {
	local who=$1 ns=$2 d
	d=$(ike_dir "$who")
	rm -f "$d/run/pluto.ctl" "$d/run/pluto.pid"
	$ip netns exec "$ns" "$PLUTO" --nofork --config "$d/ipsec.conf" \
		--rundir "$d/run" --nssdir "$d/nss" --secretsfile "$d/ipsec.secrets" \
		--ipsecdir "$d/ipsec.d" >>"$d/charon.out" 2>&1 &
	echo $! >"$d/pid"
	for _ in $(seq 150); do
		if [[ -S $d/run/pluto.ctl ]] &&
			$ip netns exec "$ns" "$WHACK" --ctlsocket "$d/run/pluto.ctl" --status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		sleep 0.1
	done
	fail "pluto $who did not start: $(tail -n 20 "$d/charon.out" "$d/charon.log" 2>&1)"
}

charon_pid() { cat "$(ike_dir "$1")/pid"; }

# charon_stop WHO: stops WHO's charon (SIGTERM: it removes its SAs and
# policies) and waits for it.
charon_stop() {
	local pid
	pid=$(charon_pid "$1")
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "charon $1 did not stop"
}

# swan WHO NS COMMAND [ARGS...]: swanctl talking to chassis WHO's charon
# (the socket is an option of the command, so it follows it).
swan() {
	local who=$1 ns=$2 cmd=$3 d
	shift 3
	d=$(ike_dir "$who")
	$ip netns exec "$ns" env STRONGSWAN_CONF="$d/strongswan.conf" \
		SWANCTL_DIR="$d/swanctl" timeout 60 \
		swanctl "$cmd" --uri "unix://$d/charon.vici" "$@"
}

# ike_conf WHO NS NAME [gnvsecctl ike swanctl options]: writes the
# connections "gnvsecctl ike swanctl" prints for the namespace's tunnels
# into WHO's swanctl.conf, and binds each tunnel to its reqid with the very
# command that the output names.
ike_conf() {
	local who=$1 ns=$2 name=$3 d cmd
	shift 3
	d=$(ike_dir "$who")
	ctl "$ns" ike swanctl --local-id "$name" "$@" >"$d/swanctl/swanctl.conf"
	while read -r cmd; do
		# shellcheck disable=SC2086 # "tunnel bind NAME reqid R"
		ctl "$ns" $cmd
	done < <(sed -n 's/.*# bind the tunnel once, before loading: gnvsecctl \(.*\)/\1/p' \
		"$d/swanctl/swanctl.conf")
}

# ike_load WHO NS: (re)loads WHO's credentials and connections.
ike_load() {
	swan "$1" "$2" --load-all --noprompt >"$(ike_dir "$1")/load.out" 2>&1 ||
		fail "swanctl --load-all on $1: $(cat "$(ike_dir "$1")/load.out")"
}

# swan_spis WHO NS: the SPIs of the installed CHILD_SAs charon reports,
# one per line, as 0x%08x, sorted.
swan_spis() {
	if lsw "$1"; then
		# whack --status: 000 #2: "NAME" esp.SPI@ADDR esp.SPI@ADDR ...
		$ip netns exec "$2" "$WHACK" --ctlsocket "$(ike_sock "$1")" --status 2>/dev/null |
			grep -o 'esp\.[0-9a-f]*@' | sed 's/esp\.\(.*\)@/\1/' |
			while read -r x; do printf '0x%08x\n' "0x$x"; done | sort -u
		return
	fi
	swan "$1" "$2" --list-sas --raw 2>/dev/null | python3 -c '
import re, sys
text = sys.stdin.read()
spis = re.findall(r"\bspi-(?:in|out)=([0-9a-f]{8})\b", text)
for s in sorted(set(int(x, 16) for x in spis)):
    print("0x%08x" % s)'
}

# tunnel_spis NS DEV: the SPIs "gnvsecctl tunnels show" lists, likewise.
tunnel_spis() {
	ctl "$1" -j tunnels show "$2" | python3 -c '
import json, sys
t = json.load(sys.stdin)[0]
for s in sorted(set(sa["spi"] for sa in t["sas"])):
    print("0x%08x" % s)'
}

# check_spis WHAT WHO NS DEV: the SPIs "tunnels show DEV" lists are those
# WHO's charon reports. charon keeps a rekeyed CHILD_SA's inbound SA in the
# kernel for a few seconds after it stops listing it, and a rekey may fall
# between the two reads: compare snapshots until one is taken while charon's
# view stands still (at most 30 tries).
check_spis() {
	local what=$1 who=$2 ns=$3 dev=$4 s1 s2 t
	for _ in $(seq 30); do
		s1=$(swan_spis "$who" "$ns")
		t=$(tunnel_spis "$ns" "$dev")
		s2=$(swan_spis "$who" "$ns")
		[[ $s1 == "$s2" && $s1 == "$t" ]] && break
		sleep 1
	done
	check_eq "$what" "$(echo $s1)" "$(echo $t)"
}

# kernel_sas NS: how many SAs the namespace's kernel holds (the larval
# states of pending acquires, SPI 0, are none).
kernel_sas() {
	n "$1" ip xfrm state | grep -Ec '^[[:space:]]*proto esp spi 0x0*[1-9a-f]' || true
}

# capture_spis NAME FILTER: the distinct ESP SPIs in capture NAME.
capture_spis() {
	tcpdump -n -r "$TMP/$1.pcap" "$2" 2>/dev/null |
		grep -o 'spi=0x[0-9a-f]*' | sort -u
}

# ike_chassis: the two chassis (setup_chassis), the test CA, a certificate
# each (hv-a for A, hv-b for B) and their charons' configuration.
ike_chassis() {
	ike_require
	setup_chassis
	pki_ca
	pki_cert hv-a hv-a
	pki_cert hv-b hv-b
	charon_conf A hv-a
	charon_conf B hv-b
}

# ike_rekeying_tunnel VNI REKEY LIFE RAND: both charons running and a
# tunnel gs0 (IPv4, ipsec required) on each side whose connection rekeys
# its CHILD_SA every REKEY (jitter RAND) with a hard lifetime LIFE; the
# configuration is written, not loaded.
ike_rekeying_tunnel() {
	local vni=$1 rekey=$2 life=$3 rand=$4 w

	charon_start A "$A"
	charon_start B "$B"
	ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni "$vni" ipsec required chassis hv-b
	ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni "$vni" ipsec required chassis hv-a
	join_overlay gs0 gs0
	ike_conf A "$A" hv-a --rekey-time "$rekey"
	ike_conf B "$B" hv-b --rekey-time "$rekey"
	for w in A B; do
		sed -i "s/^\(\t*\)rekey_time = $rekey\$/&\n\1life_time = $life\n\1rand_time = $rand/" \
			"$(ike_dir $w)/swanctl/swanctl.conf"
	done
}

# The reconciler, "gnvsecctl ike sync --watch" (85, 86): one per chassis,
# next to its charon, its log in $TMP/ike-WHO/sync.log (one time-stamped
# line per action), its pid in $TMP/ike-WHO/sync.pid.

# sync_args WHO NAME: what chassis WHO's reconciler needs to find its charon.
sync_args() {
	local d
	d=$(ike_dir "$1")
	if lsw "$1"; then
		echo --backend libreswan --local-id "$2" --ctlsocket "$d/run/pluto.ctl" \
			--ipsec-dir "$d/ipsec.d" --nss-dir "$d/nss" --swanctl-dir "$d/swanctl"
	else
		echo --local-id "$2" --vici "$d/charon.vici" --swanctl-dir "$d/swanctl"
	fi
}

# How the reconciler names the backend in its log, and "ike sync" options
# that point it at a daemon that is not there.
if [[ $IKE_BACKEND == libreswan ]]; then
	IKE_NAME=Libreswan
	IKE_NOWHERE=$TMP/none.ctl
	IKE_NOWHERE_ARGS=(--backend libreswan --ctlsocket "$IKE_NOWHERE")
else
	IKE_NAME=strongSwan
	IKE_NOWHERE=$TMP/none.vici
	IKE_NOWHERE_ARGS=(--vici "$IKE_NOWHERE")
fi

# ike_sock WHO: the socket of WHO's daemon, as "tunnels show" takes it
# (IKE_SOCK_OPT SOCKET).
if [[ $IKE_BACKEND == libreswan ]]; then
	IKE_SOCK_OPT=--ctlsocket
else
	IKE_SOCK_OPT=--vici
fi
ike_sock() {
	if lsw "$1"; then
		echo "$(ike_dir "$1")/run/pluto.ctl"
	else
		echo "$(ike_dir "$1")/charon.vici"
	fi
}

# ike_reqid NS DEV REQID: the reqid the reconciler binds tunnel DEV to when
# its mark value is REQID: that, or with Libreswan (whose reqids end at
# 16383) the tunnel's ifindex when REQID is larger.
ike_reqid() {
	if [[ $IKE_BACKEND == libreswan ]] && (($3 > 16383)); then
		$ip -n "$1" -o link show dev "$2" | cut -d: -f1
	else
		echo "$3"
	fi
}

# sync_start WHO NS NAME [OPTION...]: chassis WHO's reconciler in
# namespace NS, with "ike sync" OPTIONs besides those of sync_args.
sync_start() {
	local d
	d=$(ike_dir "$1")
	# Not through n(): $! must be gnvsecctl itself.
	# shellcheck disable=SC2046 # the options, word by word
	$ip netns exec "$2" gnvsecctl ike sync --watch --interval 5 \
		$(sync_args "$1" "$3") "${@:4}" >>"$d/sync.log" 2>&1 &
	echo $! >"$d/sync.pid"
}

sync_log() { cat "$(ike_dir "$1")/sync.log" 2>/dev/null; }
# sync_wait WHO TEXT: until WHO's reconciler has logged TEXT (at most 30 s;
# the check that follows says what was logged instead).
sync_wait() {
	for _ in $(seq 60); do
		sync_log "$1" | grep -qF -- "$2" && return 0
		sleep 0.5
	done
	return 0
}
sync_pid() { cat "$(ike_dir "$1")/sync.pid"; }

# sync_dump WHO...: the reconcilers' logs and the end of their charons'.
sync_dump() {
	local w
	for w in "$@"; do
		sync_log "$w" | sed "s/^/sync $w: /"
		tail -n 30 "$(ike_dir "$w")/charon.log" 2>/dev/null | sed "s/^/charon $w: /"
	done
}

# conns WHO NS: the connections WHO's charon has loaded, sorted, one line.
conns() {
	if lsw "$1"; then
		$ip netns exec "$2" "$WHACK" --ctlsocket "$(ike_dir "$1")/run/pluto.ctl" \
			--status 2>/dev/null | sed -n 's/^000 "\([^"]*\)": .*/\1/p' | sort -u | xargs
		return
	fi
	swan "$1" "$2" --list-conns 2>/dev/null |
		sed -n 's/^\([^ :]*\): IKE.*/\1/p' | sort | xargs
}

# wait_active NS [DEV...]: until the tunnels (default: all that require
# IPsec) are ACTIVE, within 150 s ("gnvsecctl wait", on events).
wait_active() {
	local ns=$1
	shift
	$ip netns exec "$ns" gnvsecctl wait --timeout 150 "$@" ||
		fail "not ACTIVE within 150 s: $(ctl "$ns" tunnels show "$@" 2>&1 | grep -E '^[a-z]|state')"
	log "ok: ACTIVE: ${*:-every tunnel} in $ns"
}

# ike_star X...: one chassis hv-X per letter X, in namespace ${NS[X]}
# ($A, $B, $C for a, b, c; made for the others and added to EXTRA_NS),
# the Nth at ${UL[X]} = 10.77.N.1/24 behind the router $R's 10.77.N.254,
# each with its certificate from the test CA (made here), its charon
# (${WHO[X]}, X upper-cased) and its reconciler.
ike_star() {
	local x i=0
	declare -gA NS UL WHO
	$ip netns add "$R"
	$ip -n "$R" link set lo up
	n "$R" sysctl -qw net.ipv4.ip_forward=1
	pki_ca
	for x in "$@"; do
		i=$((i + 1))
		case $x in
		a) NS[$x]=$A ;;
		b) NS[$x]=$B ;;
		c) NS[$x]=$C ;;
		*) NS[$x]=gs$x-$SUFFIX; EXTRA_NS+=("${NS[$x]}") ;;
		esac
		UL[$x]=10.77.$i.1
		WHO[$x]=${x^^}
		$ip netns add "${NS[$x]}"
		$ip -n "${NS[$x]}" link add ul type veth peer name "ul$x" netns "$R"
		$ip -n "$R" addr add "10.77.$i.254/24" dev "ul$x"
		$ip -n "$R" link set "ul$x" up
		$ip -n "${NS[$x]}" addr add "${UL[$x]}/24" dev ul
		$ip -n "${NS[$x]}" link set ul up
		$ip -n "${NS[$x]}" link set lo up
		$ip -n "${NS[$x]}" route add default via "10.77.$i.254"
		pki_cert "hv-$x" "hv-$x"
		charon_conf "${WHO[$x]}" "hv-$x"
		charon_start "${WHO[$x]}" "${NS[$x]}"
		sync_start "${WHO[$x]}" "${NS[$x]}" "hv-$x"
	done
}

# ike_pair X Y VNI [OPTION...]: chassis of ike_star, tunnel to-Y on X and
# to-X on Y, overlay 192.168.VNI.1 (X) and .2 (Y), with the tunnel OPTIONs
# on both sides.
ike_pair() {
	local x=$1 y=$2 vni=$3 mx my
	shift 3
	ctl "${NS[$x]}" tunnel add "to-$y" remote "${UL[$y]}" local "${UL[$x]}" \
		vni "$vni" ipsec required chassis "hv-$y" "$@"
	ctl "${NS[$y]}" tunnel add "to-$x" remote "${UL[$x]}" local "${UL[$y]}" \
		vni "$vni" ipsec required chassis "hv-$x" "$@"
	mx=$(mac_of "${NS[$x]}" "to-$y")
	my=$(mac_of "${NS[$y]}" "to-$x")
	overlay "${NS[$x]}" "to-$y" "192.168.$vni.1" "192.168.$vni.2" "$my"
	overlay "${NS[$y]}" "to-$x" "192.168.$vni.2" "192.168.$vni.1" "$mx"
}
