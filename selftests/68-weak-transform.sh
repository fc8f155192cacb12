#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP that does not both encrypt and authenticate is not IPsec. For each
# weak transform (cipher_null + digest_null, cipher_null + HMAC, GMAC,
# AES-CBC without authentication, AES-CBC with a 32-bit ICV), installed
# with "ip xfrm" directly so that gnvsecctl's own refusal is not what is
# tested, A requires IPsec and does not allow null:
#   - send: not one Geneve or ESP frame from A reaches B's side of the
#     underlay, and A counts exactly one tx_unencrypted_sa per packet;
#   - receive: B (allow-null on) sends the weak ESP, which does reach A and
#     is decrypted by A's SA, and A counts exactly one rx_unencrypted_sa
#     per packet and delivers none;
#   - status: A says WAITING FOR SA; once A allows null too, traffic flows
#     and the status is exactly ACTIVE UNENCRYPTED; turning it off again
#     stops the next packet.
# The control: AES-GCM (rfc4106) SAs are ACTIVE, with allow-null or
# without, and carry the traffic as ESP, never as clear Geneve. Last,
# "gnvsecctl sa add ... null" (and GMAC) is refused unless the tunnel
# allows null, and installs nothing then.
. "$(dirname "$0")/lib.sh"

K16=0x$(printf '%032x' 0x6161)		# AES-128
K20=0x$(printf '%040x' 0x6262)		# AES-128 + 4-byte salt (GCM, GMAC)
K32=0x$(printf '%064x' 0x6363)		# HMAC-SHA256

setup_chassis
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 40 ipsec required chassis hv-b
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 40 ipsec required chassis hv-a \
	allow-null on
join_overlay gs0 gs0

# pings NS DST COUNT: COUNT pings that are expected to be lost.
pings() { n "$1" ping -c "$3" -i 0.05 -W 1 -q "$2" >/dev/null 2>&1 || true; }

# look NS: one "tunnels show gs0" (text) of NS into STATE (the IPsec state
# line), D_<reason> (each drop counter) and IN_PKTS (packets decrypted by
# the tunnel's inbound SAs). Under TCG with the root file system on 9p,
# every program started costs a second or more, so this test starts as
# few as it can: one gnvsecctl and one awk here.
look() {
	local out
	out=$(ctl "$1" tunnels show gs0)
	[[ $out =~ IPsec\ state:\ +([^$'\n']*) ]] && STATE=${BASH_REMATCH[1]}
	eval "$(awk '/^Drops:/ { d = 1; next }
		d && NF == 2 { printf "D_%s=%s\n", $1, $2 }
		/^  in  .* packets$/ { n += $(NF - 1) }
		END { printf "IN_PKTS=%d\n", n }' <<<"$out")"
}

# jfield NS KEY: a scalar field of "tunnels show -j gs0" (strings unquoted)
jfield() {
	local out
	out=$(ctl "$1" -j tunnels show gs0)
	[[ $out =~ \"$2\":(\"([^\"]*)\"|[a-z0-9]+) ]] || return 1
	echo "${BASH_REMATCH[2]:-${BASH_REMATCH[1]}}"
}
jstate() { jfield "$1" ipsec_state; }

# wire NAME: the frames of a stopped capture, from their headers (one
# python instead of one tcpdump per filter): W_esp_a / W_esp_b (ESP from
# A / from B), W_geneve (UDP to or from port 6081), W_ip_a (IPv4 from A).
wire() {
	eval "$(python3 - "$TMP/$1.pcap" $A_UL4 $B_UL4 <<'PY'
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
a, b = (socket.inet_aton(x) for x in sys.argv[2:4])
magic = struct.unpack("<I", data[:4])[0]
end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
assert struct.unpack(end + "I", data[20:24])[0] == 1, "not Ethernet"
c = dict(esp_a=0, esp_b=0, geneve=0, ip_a=0)
off = 24
while off + 16 <= len(data):
    caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
    pkt = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    if len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
        continue
    ip = pkt[14:]
    src, proto, ihl = ip[12:16], ip[9], (ip[0] & 15) * 4
    if src == a:
        c["ip_a"] += 1
    if proto == 50 and src == a:
        c["esp_a"] += 1
    elif proto == 50 and src == b:
        c["esp_b"] += 1
    if proto == 17 and len(ip) >= ihl + 4:
        sport, dport = struct.unpack(">HH", ip[ihl:ihl + 4])
        c["geneve"] += 6081 in (sport, dport)
print(" ".join("W_%s=%d" % kv for kv in c.items()))
PY
)"
}

# weak NAME ALG...: the whole story for one weak transform.
weak() {
	local what=$1 t0=$SECONDS tx0 rx0 rxp0 in0 got
	shift

	log "== $what"
	if ! xfrm_pair "$A" $A_UL4 $B_UL4 0x1001 0x2001 "$@" 2>"$TMP/err"; then
		# The kernel's own refusal is fine too: nothing can use it.
		log "skip $what: the kernel refuses it: $(cat "$TMP/err")"
		xfrm_flush
		return 0
	fi
	xfrm_pair "$B" $B_UL4 $A_UL4 0x2001 0x1001 "$@"

	look "$B"
	check_eq "$what: B (allow-null) state" "ACTIVE UNENCRYPTED (readable on the wire)" "$STATE"
	look "$A"
	check_eq "$what: A (required, no allow-null) state" "WAITING FOR SA (dropping)" "$STATE"
	tx0=$D_tx_unencrypted_sa rx0=$D_rx_unencrypted_sa in0=$IN_PKTS
	rxp0=$(stat "$A" gs0 rx_packets)

	# Send: A refuses the bundle, per packet. Receive: B sends the weak
	# ESP, A's SA decrypts it, gnvsec refuses it. B's side of the wire
	# receives whatever A sends: it must be nothing at all.
	capture_start "$B" ul "$what"
	pings "$A" $B_OV 10
	pings "$B" $A_OV 10
	capture_stop "$what"
	look "$A"
	wire "$what"
	check_eq "$what: A counts tx_unencrypted_sa per packet" 10 $((D_tx_unencrypted_sa - tx0))
	check_eq "$what: A's other tx drop reasons" "0 0 0 0" \
		"$D_tx_no_policy $D_tx_no_sa $D_tx_wrong_sa $D_tx_error"
	check_eq "$what: IPv4 frames of any kind from A on B's wire" 0 "$W_ip_a"
	check_eq "$what: Geneve frames on B's wire" 0 "$W_geneve"
	check_eq "$what: weak ESP sent by B" 10 "$W_esp_b"
	check_eq "$what: A's inbound SA decrypted it" 10 $((IN_PKTS - in0))
	check_eq "$what: A counts rx_unencrypted_sa per packet" 10 $((D_rx_unencrypted_sa - rx0))
	check_eq "$what: A's other rx drop reasons" "0 0 0" \
		"$D_rx_plaintext $D_rx_wrong_sa $D_rx_error"
	check_eq "$what: A delivered nothing" 0 $(($(stat "$A" gs0 rx_packets) - rxp0))

	# The opt-in at both ends: it works, and says what it is.
	ctl "$A" tunnel set gs0 allow-null on
	check_eq "$what: A with allow-null: state (-j)" "ACTIVE UNENCRYPTED" "$(jstate "$A")"
	capture_start "$B" ul "$what-ok"
	got=$(ping_count "$A" $B_OV 10)
	capture_stop "$what-ok"
	look "$A"
	wire "$what-ok"
	check_eq "$what: A with allow-null: state" "ACTIVE UNENCRYPTED (readable on the wire)" "$STATE"
	check_eq "$what: with allow-null both ways: pings answered" 10 "$got"
	check_eq "$what: with allow-null: ESP frames from A on B's wire" 10 "$W_esp_a"
	check_eq "$what: with allow-null: Geneve frames on B's wire" 0 "$W_geneve"
	check_eq "$what: with allow-null: no further unencrypted drops" "10 10" \
		"$((D_tx_unencrypted_sa - tx0)) $((D_rx_unencrypted_sa - rx0))"

	# And off again: the very next packets are refused (no cached route).
	ctl "$A" tunnel set gs0 allow-null off
	pings "$A" $B_OV 5
	look "$A"
	check_eq "$what: allow-null off again: state" "WAITING FOR SA (dropping)" "$STATE"
	check_eq "$what: allow-null off again: refused per packet" 15 $((D_tx_unencrypted_sa - tx0))
	xfrm_flush
	log "$what: $((SECONDS - t0)) s"
}

check_eq "A: allow-null off by default" false "$(jfield "$A" allow_null)"
check_eq "B: allow-null on when asked" true "$(jfield "$B" allow_null)"
check_contains "B: text shows allow-null" "Allow null ESP: on" "$(ctl "$B" tunnels show gs0)"

weak "null cipher, null auth" enc 'ecb(cipher_null)' '' auth digest_null ''
weak "null cipher, HMAC" enc 'ecb(cipher_null)' '' auth-trunc 'hmac(sha256)' $K32 128
weak "GMAC" aead 'rfc4543(gcm(aes))' $K20 128
weak "AES-CBC, no auth" enc 'cbc(aes)' $K16
weak "AES-CBC, 32-bit ICV" enc 'cbc(aes)' $K16 auth-trunc 'hmac(sha256)' $K32 32

# Control: AES-GCM is IPsec, for A without allow-null and with it.
log "== control: AES-GCM"
t0=$SECONDS
look "$A"
tx0=$D_tx_unencrypted_sa rx0=$D_rx_unencrypted_sa
xfrm_pair "$A" $A_UL4 $B_UL4 0x1001 0x2001 aead 'rfc4106(gcm(aes))' $K20 128
xfrm_pair "$B" $B_UL4 $A_UL4 0x2001 0x1001 aead 'rfc4106(gcm(aes))' $K20 128
look "$B"
check_eq "AES-GCM, B allow-null on: state" ACTIVE "$STATE"
look "$A"
check_eq "AES-GCM, A allow-null off: state" ACTIVE "$STATE"
check_eq "AES-GCM, A allow-null off: state (-j)" ACTIVE "$(jstate "$A")"
capture_start "$B" ul gcm
got=$(ping_count "$A" $B_OV 10)
capture_stop gcm
wire gcm
check_eq "AES-GCM: pings answered" 10 "$got"
check_eq "AES-GCM: ESP frames from A on B's wire" 10 "$W_esp_a"
check_eq "AES-GCM: IPv4 frames from A on B's wire" 10 "$W_ip_a"
check_eq "AES-GCM: Geneve frames on B's wire" 0 "$W_geneve"
ctl "$A" tunnel set gs0 allow-null on
check_eq "AES-GCM, A allow-null on: pings answered" 10 "$(ping_count "$A" $B_OV 10)"
look "$A"
check_eq "AES-GCM, A allow-null on: state" ACTIVE "$STATE"
check_eq "AES-GCM: no unencrypted drops" "$tx0 $rx0" "$D_tx_unencrypted_sa $D_rx_unencrypted_sa"

# A newer weak inbound SA next to the strong ones, on an unbound tunnel:
# the status judges the newest inbound state between the two addresses
# (the one a rekey installs; design.md, Status). With allow-null it says
# the traffic can be read; without, the weak SA is not acceptable and the
# status claims nothing (never ACTIVE on an SA that gnvsec refuses).
n "$A" $ip xfrm state add src $B_UL4 dst $A_UL4 proto esp spi 0x2002 mode transport \
	replay-window 32 enc 'ecb(cipher_null)' '' auth digest_null ''
check_eq "AES-GCM plus a newer weak inbound SA, allow-null on" "ACTIVE UNENCRYPTED" "$(jstate "$A")"
ctl "$A" tunnel set gs0 allow-null off
check_eq "AES-GCM plus a newer weak inbound SA, allow-null off" "WAITING FOR SA" "$(jstate "$A")"
check_eq "AES-GCM plus a newer weak inbound SA: pings still answered" 10 \
	"$(ping_count "$A" $B_OV 10)"
xfrm_flush
log "control: $((SECONDS - t0)) s"

# gnvsecctl: the weak transforms need the tunnel's opt-in first.
log "== gnvsecctl sa add"
must_fail "sa add null without allow-null" \
	ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 null
check_eq "sa add null: usage exit status" 2 "$RC"
check_contains "sa add null: says why" "does not count it as IPsec" "$OUT"
check_contains "sa add null: names the fix" "gnvsecctl tunnel set gs0 allow-null on" "$OUT"
must_fail "sa add GMAC without allow-null" \
	ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out $K20 key-in $K20 \
	aead 'rfc4543(gcm(aes))'
check_contains "sa add GMAC: says why" "GMAC (rfc4543) authenticates but does not encrypt" "$OUT"
check_eq "refused sa add: no state installed" 0 "$(n "$A" $ip xfrm state | grep -c '^src' || true)"
check_eq "refused sa add: no policy installed" 0 "$(n "$A" $ip xfrm policy | grep -c '^src' || true)"
check_eq "refused sa add: still unbound" null "$(jfield "$A" binding)"

ctl "$A" tunnel set gs0 allow-null on
ctl "$A" sa add gs0 spi-out 0x1001 spi-in 0x2001 null
ctl "$B" sa add gs0 spi-out 0x2001 spi-in 0x1001 null
check_eq "sa add null with allow-null: A state" "ACTIVE UNENCRYPTED" "$(jstate "$A")"
check_eq "sa add null with allow-null: pings answered" 5 "$(ping_count "$A" $B_OV 5)"
ctl "$A" tunnel set gs0 allow-null off
check_eq "sa add null, allow-null off: A state" "WAITING FOR SA" "$(jstate "$A")"
check_eq "sa add null, allow-null off: nothing passes" 0 "$(ping_count "$A" $B_OV 3)"
must_fail "allow-null takes on or off" ctl "$A" tunnel set gs0 allow-null maybe
check_eq "allow-null maybe: usage exit status" 2 "$RC"
