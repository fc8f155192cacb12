#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A full mesh of ten chassis (hv-a .. hv-j), each in a namespace of its own
# behind $R with its charon and its reconciler ("ike sync --watch"): each
# chassis is given its nine tunnels (45 pairs, VNI 1..45) in one
# configuration file, and nothing else is done by hand for IPsec.
#   - every tunnel is ACTIVE within MESH_SECONDS (300 s; 1500 s on the
#     debug kernel), and the test reports how long the mesh took;
#   - no crossing streams: each chassis holds exactly 9 CHILD_SAs (18 kernel
#     SAs), initiates to the chassis whose names sort after its own and
#     only responds to the others;
#   - every pair is pinged both ways, and the router sees exactly the ESP
#     of those pings and no clear Geneve.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ike.sh"

MESH_SECONDS=${MESH_SECONDS:-$((${GNVSEC_DEBUG:-0} == 1 ? 1500 : 300))}
chassis=(a b c d e f g h i j)

ike_require
load_module
trap 'rc=$?; ((rc == 0)) || sync_dump "${WHO[@]}"; cleanup' EXIT

t0=$SECONDS
ike_star "${chassis[@]}"
log "${#chassis[@]} chassis with their charons and reconcilers in $((SECONDS - t0)) s"

# Pair X-Y (X before Y) has VNI 1..45 in turn, overlay 192.168.VNI.1 on X's
# to-Y and .2 on Y's to-X. Each chassis gets its nine tunnels at once, as a
# configuration file ("gnvsecctl setconf"), the way a chassis' whole
# configuration is restored: one command per namespace, not ninety, which
# under TCG would take minutes by themselves.
declare -A VNI SIDE
vni=0
for ((i = 0; i < ${#chassis[@]}; i++)); do
	for ((j = i + 1; j < ${#chassis[@]}; j++)); do
		vni=$((vni + 1))
		x=${chassis[i]} y=${chassis[j]}
		VNI[$x$y]=$vni VNI[$y$x]=$vni SIDE[$x$y]=1 SIDE[$y$x]=2
	done
done
check_eq "pairs of tunnels" 45 "$vni"

# peers X: the other chassis.
peers() { printf '%s\n' "${chassis[@]}" | grep -vx "$1"; }

t0=$SECONDS
for x in "${chassis[@]}"; do
	conf=$TMP/mesh-$x.conf sysctls=() batch=
	: >"$conf"
	for y in $(peers "$x"); do
		echo "tunnel to-$y remote ${UL[$y]} local ${UL[$x]} vni ${VNI[$x$y]}" \
			"ipsec required chassis hv-$y" >>"$conf"
		# (no IPv6 on the overlay: nothing but the pings crosses it)
		sysctls+=("net.ipv6.conf.to-$y.disable_ipv6=1")
		batch+="addr add 192.168.${VNI[$x$y]}.${SIDE[$x$y]}/24 dev to-$y"$'\n'
		batch+="link set to-$y up"$'\n'
	done
	n "${NS[$x]}" sh -c 'gnvsecctl setconf "$1" && shift && sysctl -qw "$@"' \
		sh "$conf" "${sysctls[@]}"
	$ip -n "${NS[$x]}" -batch - <<<"$batch"
done
log "90 tunnels made in $((SECONDS - t0)) s"
# Neighbours pinned (no ARP across the tunnels): the peer's MAC address.
declare -A MAC
for x in "${chassis[@]}"; do
	while read -r dev _ mac _; do
		[[ $dev == to-* ]] && MAC[$x${dev#to-}]=$mac
	done < <($ip -n "${NS[$x]}" -br link show type gnvsec)
done
for x in "${chassis[@]}"; do
	batch=
	for y in $(peers "$x"); do
		batch+="neigh replace 192.168.${VNI[$x$y]}.${SIDE[$y$x]} lladdr ${MAC[$y$x]}"
		batch+=" dev to-$y nud permanent"$'\n'
	done
	$ip -n "${NS[$x]}" -batch - <<<"$batch"
done
log "the overlay addressed $((SECONDS - t0)) s after the first tunnel"

# "gnvsecctl wait" on each chassis in turn, against one deadline.
for x in "${chassis[@]}"; do
	left=$((t0 + MESH_SECONDS - SECONDS))
	((left > 0)) || left=1
	$ip netns exec "${NS[$x]}" gnvsecctl wait --timeout "$left" ||
		fail "hv-$x: not every tunnel ACTIVE within $MESH_SECONDS s of the first add:" \
			"$(ctl "${NS[$x]}" tunnels show 2>&1 | grep -E '^[a-z]|state')"
done
log "ok: the mesh (90 tunnels) ACTIVE $((SECONDS - t0)) s after the first add (limit $MESH_SECONDS s)"

for ((i = 0; i < ${#chassis[@]}; i++)); do
	x=${chassis[i]}
	check_eq "hv-$x's kernel SAs (9 tunnels, one CHILD_SA each)" 18 "$(kernel_sas "${NS[$x]}")"
	check_eq "hv-$x's connections" "$(peers "$x" | sed 's/^/gnvsec-to-/' | xargs)" \
		"$(conns "${WHO[$x]}" "${NS[$x]}")"
	# The log's lines are time-stamped; a connection is counted once.
	loaded=$(sync_log "${WHO[$x]}" | grep -o 'loaded gnvsec-to-.*' | sort -u)
	check_eq "hv-$x initiates to the chassis after it" $((${#chassis[@]} - 1 - i)) \
		"$(grep -c ', initiator$' <<<"$loaded" || true)"
	check_eq "hv-$x only responds to the chassis before it" "$i" \
		"$(grep -c ', responder$' <<<"$loaded" || true)"
done

log "== every pair pinged both ways"
# Each packet once, as it comes into the router. Each chassis pings its
# nine peers from one shell: a pair is pinged from both of its ends.
capture_start "$R" any wire
for x in "${chassis[@]}"; do
	dsts=()
	for y in $(peers "$x"); do
		dsts+=("192.168.${VNI[$x$y]}.${SIDE[$y$x]}")
	done
	answered=$(n "${NS[$x]}" sh -c 'for d; do
		ping -c 1 -W 5 -q "$d" >/dev/null 2>&1 && echo "$d"; done' sh "${dsts[@]}" | xargs)
	check_eq "hv-$x's pings answered by its peers" "${dsts[*]}" "$answered"
done
capture_stop wire
check_eq "ESP into the router (request and reply, both ways, 45 pairs)" 180 \
	"$(capture_count wire "inbound and ip proto 50")"
check_eq "clear Geneve through the router" 0 "$(capture_count wire "udp port 6081")"
