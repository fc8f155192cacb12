#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forced NAT-T (RFC 3948). A router namespace between the chassis drops
# IP protocol 50, as some clouds do. With "encap force" the SAs carry
# ESP-in-UDP on port 4500, gnvsec receives it itself without binding the
# port, and traffic passes; B's side of the underlay sees UDP/4500 only.
# With "encap auto" and plain ESP the traffic stops, and nothing goes in
# clear. Toggling the modes under traffic never clears anything either.
# An IKE daemon can bind port 4500 before or after gnvsec needs it: then
# IKE reaches the daemon and ESP-in-UDP goes through the daemon's socket;
# when the daemon dies, gnvsec receives again.
. "$(dirname "$0")/lib.sh"

key() { printf '0x%040x' "$1"; }

setup_chassis routed
n "$R" nft -f - <<'NFT'
table inet cloud {
	chain filt {
		type filter hook forward priority 0; policy accept;
		meta l4proto 50 counter drop
	}
}
NFT

esp_dropped() { n "$R" nft list chain inet cloud filt | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

sas() { # FAMILY-ADDRS...: (re)install both sides' SAs for the tunnels' modes
	ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out "$(key 1)" key-in "$(key 2)"
	ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out "$(key 2)" key-in "$(key 1)"
}

run_family() {
	local fam=$1 a_ul=$2 b_ul=$3 got

	log "== underlay $fam"
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 60 ipsec required encap force
	ctl "$B" tunnel add gs0 remote "$a_ul" local "$b_ul" vni 60 ipsec required encap force
	join_overlay gs0 gs0
	sas
	check_eq "$fam: gnvsec holds no socket on the NAT-T port" "" \
		"$(n "$A" ss -ulnH 'sport = :4500')"
	check_contains "$fam: status says encapsulation" "Custom Options: {'encapsulation': 'yes'}" \
		"$(ctl "$A" tunnels show gs0)"
	check_contains "$fam: SAs carry ESP-in-UDP" "encap espinudp 4500:4500" \
		"$(ctl "$A" tunnels show gs0)"

	capture_start "$B" ul wire
	got=$(ping_count "$A" $B_OV 10)
	check_eq "$fam: pings through ESP-in-UDP" 10 "$got"
	got=$(tcp_transfer "$A" "$B" $B_OV)
	check_eq "$fam: TCP through ESP-in-UDP" "$TCP_BYTES" "$got"
	capture_stop wire
	check_ge "$fam: UDP/4500 on B's wire" 100 "$(capture_count wire "udp port 4500")"
	check_eq "$fam: raw ESP on B's wire" 0 "$(capture_count wire "ip proto 50 or ip6 proto 50")"
	check_eq "$fam: clear Geneve on B's wire" 0 "$(capture_count wire "udp port 6081")"

	# Plain ESP under "encap auto": the router eats it; nothing in clear.
	ctl "$A" sa del gs0
	ctl "$B" sa del gs0
	ctl "$A" tunnel set gs0 encap auto
	ctl "$B" tunnel set gs0 encap auto
	sas
	check_contains "$fam: SAs are plain ESP now" "encap none" "$(ctl "$A" tunnels show gs0)"
	local dropped0
	dropped0=$(esp_dropped)
	capture_start "$B" ul auto
	check_eq "$fam: encap auto behind an ESP-dropping router" 0 "$(ping_count "$A" $B_OV 10)"
	capture_stop auto
	check_ge "$fam: the router dropped the ESP" $((dropped0 + 10)) "$(esp_dropped)"
	check_eq "$fam: clear Geneve on B's wire (auto)" 0 "$(capture_count auto "udp port 6081")"

	# Forcing encapsulation over plain-ESP SAs: refused per packet, counted.
	capture_start "$B" ul toggle
	$ip netns exec "$A" ping -i 0.02 -W 1 $B_OV >/dev/null 2>&1 &
	local ping_pid=$!
	sleep 0.5
	ctl "$A" tunnel set gs0 encap inherit
	ctl "$A" global set encapsulation true
	sleep 1
	ctl "$A" global set encapsulation false
	ctl "$A" tunnel set gs0 encap force
	sleep 1
	kill "$ping_pid"
	wait "$ping_pid" || true
	capture_stop toggle
	check_ge "$fam: plain ESP refused under force" 20 "$(drops "$A" gs0 tx_not_encap)"
	check_eq "$fam: clear Geneve while toggling" 0 "$(capture_count toggle "udp port 6081")"

	ctl "$A" sa del gs0
	ctl "$B" sa del gs0
	ctl "$A" tunnel del gs0
	ctl "$B" tunnel del gs0
	check_eq "$fam: NAT-T socket closed with the last forced tunnel" "" \
		"$(n "$A" ss -ulnH | grep ':4500' || true)"
}

run_family ipv4 $A_UL4 $B_UL4
run_family ipv6 $A_UL6 $B_UL6

IKEPORT=$GNVSEC_SRC/selftests/tools/ikeport.py
# The datagram "ikeport.py send" sends, as the daemon prints it.
IKE_HEX=00000000676e767365632d696b652d74657374

# udp_in NS FAMILY: UDP datagrams the namespace delivered to sockets
# (InDatagrams, which counts those an encapsulation socket took too).
udp_in() {
	if [[ $2 == ipv4 ]]; then
		n "$1" awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $2 }' /proc/net/snmp
	else
		n "$1" awk '$1 == "Udp6InDatagrams" { print $2 }' /proc/net/snmp6
	fi
}

# daemon_start NS 4|6 NAME: the stand-in IKE daemon, a job of this shell;
# returns once it said "bound" or "bind: ERROR" ($TMP/NAME.out).
daemon_start() {
	$ip netns exec "$1" python3 "$IKEPORT" daemon "$2" >"$TMP/$3.out" 2>&1 &
	echo $! >"$TMP/$3.pid"
	for _ in $(seq 100); do
		[[ -s $TMP/$3.out ]] && return 0
		sleep 0.1
	done
}

# daemon_kill NAME: kill -9, and reaped: its socket is closed.
daemon_kill() {
	kill -9 "$(cat "$TMP/$1.pid")"
	wait "$(cat "$TMP/$1.pid")" 2>/dev/null || true	# no "Killed" line
}

# daemon_got NAME N: the Nth datagram the daemon reported ("got HEX SRC").
daemon_got() {
	for _ in $(seq 50); do
		(($(grep -c '^got ' "$TMP/$1.out") >= $2)) && break
		sleep 0.1
	done
	grep '^got ' "$TMP/$1.out" | sed -n "$2p"
}

# via_daemon FAMILY WHAT CAPTURE: 10 pings from A whose replies A's daemon
# socket (WHAT) takes. A receives 10 ESP-in-UDP replies and their 10 inner
# Geneve frames: 20 datagrams delivered to sockets when the daemon's socket
# took the ESP-in-UDP and decapsulated it (gnvsec's receive delivers only
# the 10 Geneve frames). No clear Geneve on B's wire meanwhile.
via_daemon() {
	local fam=$1 what=$2 cap=$3 in0

	in0=$(udp_in "$A" "$fam")
	capture_start "$B" ul "$cap"
	check_eq "$fam: pings through $what" 10 "$(ping_count "$A" $B_OV 10)"
	capture_stop "$cap"
	check_eq "$fam: ESP-in-UDP went through $what" 20 $(($(udp_in "$A" "$fam") - in0))
	check_eq "$fam: clear Geneve on B's wire ($what)" 0 "$(capture_count "$cap" "udp port 6081")"
}

daemon_family() {
	local fam=$1 v=$2 a_ul=$3 b_ul=$4 in0

	log "== underlay $fam: an IKE daemon on the NAT-T port"
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 63 ipsec required encap force
	ctl "$B" tunnel add gs0 remote "$a_ul" local "$b_ul" vni 63 ipsec required encap force
	join_overlay gs0 gs0
	sas
	check_eq "$fam: pings with gnvsec receiving" 10 "$(ping_count "$A" $B_OV 10)"

	# gnvsec first, the daemon after it: the daemon gets the port (it
	# sets no SO_REUSEADDR, as strongSwan's charon since 5.9.8).
	daemon_start "$A" "$v" ikd1
	check_eq "$fam: a daemon started after gnvsec binds the port" bound \
		"$(head -n 1 "$TMP/ikd1.out")"
	check_eq "$fam: the daemon's is the only socket on the port" python3 "$(port_users "$A")"
	n "$B" python3 "$IKEPORT" send "$a_ul"
	check_eq "$fam: IKE reaches the daemon" "got $IKE_HEX $b_ul" "$(daemon_got ikd1 1)"
	via_daemon "$fam" "the daemon's socket" d1
	check_eq "$fam: the daemon read only the IKE datagram" 1 "$(grep -c '^got ' "$TMP/ikd1.out")"
	check_ge "$fam: UDP/4500 on B's wire (daemon)" 10 "$(capture_count d1 "udp port 4500")"

	# The daemon dies: gnvsec receives again.
	daemon_kill ikd1
	check_eq "$fam: killed daemon: the port is free" "" "$(port_users "$A")"
	in0=$(udp_in "$A" "$fam")
	capture_start "$B" ul d1gone
	check_eq "$fam: pings after the daemon died" 10 "$(ping_count "$A" $B_OV 10)"
	capture_stop d1gone
	check_eq "$fam: ESP-in-UDP decapsulated by gnvsec" 10 $(($(udp_in "$A" "$fam") - in0))
	check_eq "$fam: clear Geneve on B's wire (daemon gone)" 0 \
		"$(capture_count d1gone "udp port 6081")"

	# The daemon first, gnvsec after it: gnvsec stays out of the port.
	ctl "$A" sa del gs0
	ctl "$A" tunnel del gs0
	daemon_start "$A" "$v" ikd2
	check_eq "$fam: a daemon started before gnvsec binds the port" bound \
		"$(head -n 1 "$TMP/ikd2.out")"
	ctl "$A" tunnel add gs0 remote "$b_ul" local "$a_ul" vni 63 ipsec required encap force
	overlay "$A" gs0 $A_OV $B_OV "$(mac_of "$B" gs0)"
	$ip -n "$B" neigh replace $A_OV lladdr "$(mac_of "$A" gs0)" dev gs0 nud permanent
	ctl "$B" sa del gs0	# new SAs both ways: B's would see A's sequence numbers replayed
	sas
	check_eq "$fam: gnvsec after the daemon: the daemon's is the only socket" python3 \
		"$(port_users "$A")"
	via_daemon "$fam" "the earlier daemon's socket" d2
	check_eq "$fam: the earlier daemon read none of it" 0 "$(grep -c '^got ' "$TMP/ikd2.out" || true)"

	# gnvsec stops needing the port: nothing changes for the daemon.
	ctl "$A" sa del gs0
	ctl "$A" tunnel del gs0
	check_eq "$fam: gnvsec gone: the daemon still holds the port" python3 "$(port_users "$A")"
	n "$B" python3 "$IKEPORT" send "$a_ul"
	check_eq "$fam: IKE still reaches the daemon" "got $IKE_HEX $b_ul" "$(daemon_got ikd2 1)"
	daemon_kill ikd2
	ctl "$B" sa del gs0
	ctl "$B" tunnel del gs0
}

daemon_family ipv4 4 $A_UL4 $B_UL4
daemon_family ipv6 6 $A_UL6 $B_UL6

# A remote behind a NAT that maps its port 4500 to 4501: A's SAs name the
# mapped port (sa add ... encap-port), B's are the usual 4500:4500; the
# router translates both ways. B receives only UDP/4500, A only what comes
# back from the mapped port.
log "== remote behind a NAT (port 4500 mapped to 4501)"
n "$R" nft -f - <<NFT
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $B_UL4 udp dport 4501 counter dnat to $B_UL4:4500
	}
}
NFT
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 61 ipsec required encap force
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 61 ipsec required encap force
join_overlay gs0 gs0
must_fail "encap-port 0" \
	ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out "$(key 1)" key-in "$(key 2)" encap-port 0
check_eq "encap-port 0: usage error" 2 "$RC"
check_contains "encap-port 0: says why" "encap-port: 0 is out of range 1..65535" "$OUT"
ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out "$(key 1)" key-in "$(key 2)" encap-port 4501
ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 key-out "$(key 2)" key-in "$(key 1)"
check_contains "A's SAs name the mapped port" "out 10.77.0.1 > 10.77.1.2 spi 0x00001001 esp reqid 0 transport rfc4106(gcm(aes)) encap espinudp 4500:4501" \
	"$(ctl "$A" tunnels show gs0)"
capture_start "$B" ul natb
capture_start "$A" ul nata
check_eq "pings through the NAT" 10 "$(ping_count "$A" $B_OV 10)"
capture_stop natb
capture_stop nata
check_eq "B receives ESP-in-UDP on 4500" 10 \
	"$(capture_count natb "src host $A_UL4 and udp src port 4500 and udp dst port 4500")"
check_eq "A receives it from the mapped port" 10 \
	"$(capture_count nata "src host $B_UL4 and udp src port 4501 and udp dst port 4500")"
check_eq "clear Geneve on B's wire (NAT)" 0 "$(capture_count natb "udp port 6081")"
check_eq "the NAT mapped one flow" 1 \
	"$(n "$R" nft list chain ip nat pre | grep -c 'packets 1 ' || true)"
ctl "$A" sa del gs0
ctl "$B" sa del gs0
ctl "$A" tunnel del gs0
ctl "$B" tunnel del gs0

# The port is for ESP-in-UDP only: never silently dropped.
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 62 ipsec required encap auto
must_fail "encap-port without forced encapsulation" \
	ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out "$(key 1)" key-in "$(key 2)" encap-port 4501
check_eq "encap-port without forced encapsulation: usage error" 2 "$RC"
check_contains "encap-port without forced encapsulation: says why" \
	"gs0: encap-port needs the tunnel's encapsulation forced" "$OUT"
check_eq "nothing installed" "" "$(n "$A" $ip xfrm state)"
