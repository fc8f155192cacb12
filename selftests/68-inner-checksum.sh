#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gnvsec leaves the inner checksums unchecked only for a packet that came
# through an SA whose ICV covered it: nothing on the path can have changed
# a byte of it. B sends A, over gs0, UDP datagrams whose checksum is
# wrong (an Ethernet frame written to gs0 through AF_PACKET, so that no
# stack fixes it), and as many with a right one, for each way the packet
# can arrive (A's inbound SA installed with "ip xfrm", allow-null on):
#   - AES-GCM (ICV): all delivered, InCsumErrors unchanged;
#   - null cipher with HMAC-SHA256 (an ICV, no encryption): all delivered;
#   - null cipher, null auth (no ICV): the wrong ones dropped by A's UDP,
#     exactly one InCsumErrors each, the right ones delivered;
#   - IPsec off (clear Geneve): the same as without an ICV.
. "$(dirname "$0")/lib.sh"

N=5
K20=0x$(printf '%040x' 0x6464)		# AES-128 + 4-byte salt
K32=0x$(printf '%064x' 0x6565)		# HMAC-SHA256
PORT=5555

setup_chassis
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 41 ipsec required chassis hv-b \
	allow-null on
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 41 ipsec required chassis hv-a \
	allow-null on
join_overlay gs0 gs0
mac_a=$(mac_of "$A" gs0)
mac_b=$(mac_of "$B" gs0)

csum_errors() { n "$A" awk '/^Udp:/ && ++n == 2 { print $8 }' /proc/net/snmp; }

# send_and_count WHAT: A listens on PORT; B writes N datagrams with a wrong
# checksum ("bad") and N with the right one ("good") to gs0. Sets BAD and
# GOOD to the counts A's socket received, and ERRS to A's InCsumErrors
# growth.
send_and_count() {
	local e0 got
	e0=$(csum_errors)
	rm -f "$TMP/ready" "$TMP/got"
	n "$A" python3 - $A_OV $PORT "$TMP/ready" $N >"$TMP/got" <<'PY' &
import select, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3], "w").close()
seen = {"bad": 0, "good": 0}
# The right ones are sent last: once all of them are in, so is every wrong
# one that UDP lets through. 60 s bounds a loss (slow debug kernels).
end = time.time() + 60
while time.time() < end and seen["good"] < int(sys.argv[4]):
    if select.select([s], [], [], 0.2)[0]:
        kind = s.recv(100).split(b" ")[0].decode()
        seen[kind] = seen.get(kind, 0) + 1
print("%d %d" % (seen["bad"], seen["good"]))
PY
	local rx=$!
	for _ in $(seq 50); do [[ -e $TMP/ready ]] && break; sleep 0.1; done
	n "$B" python3 - gs0 "$mac_b" "$mac_a" $B_OV $A_OV $PORT $N <<'PY'
import socket, struct, sys
dev, src_mac, dst_mac, src, dst, port, count = sys.argv[1:8]

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

sa, da = socket.inet_aton(src), socket.inet_aton(dst)
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
p.bind((dev, 0))
for kind in ("bad", "good"):
    for i in range(int(count)):
        payload = ("%s %d" % (kind, i)).encode().ljust(64, b".")
        ulen = 8 + len(payload)
        udp = struct.pack("!HHHH", 40000, int(port), ulen, 0) + payload
        c = csum(sa + da + struct.pack("!BBH", 0, 17, ulen) + udp) or 0xffff
        if kind == "bad":
            c ^= 0x5a5a
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, i, 0, 64, 17, 0, sa, da)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        eth = bytes.fromhex(dst_mac.replace(":", "")) + \
            bytes.fromhex(src_mac.replace(":", "")) + b"\x08\x00"
        p.send(eth + ip + udp)
PY
	wait "$rx"
	got=$(cat "$TMP/got")
	BAD=${got% *} GOOD=${got#* }
	ERRS=$(($(csum_errors) - e0))
	log "$1: delivered $BAD wrong and $GOOD right checksums, InCsumErrors +$ERRS"
}

# through WHAT DELIVERED_BAD ALG...: the SAs with ALG, the datagrams, the
# checks; DELIVERED_BAD is N when the ICV vouches for them, else 0.
through() {
	local what=$1 want=$2 st
	shift 2
	xfrm_pair "$A" $A_UL4 $B_UL4 0x1001 0x2001 "$@"
	xfrm_pair "$B" $B_UL4 $A_UL4 0x2001 0x1001 "$@"
	st=$(tfield "$A" gs0 ipsec_state)
	[[ $st == ACTIVE* ]] || fail "$what: A is $st, not ACTIVE"
	send_and_count "$what"
	check_eq "$what: wrong checksums delivered" "$want" "$BAD"
	check_eq "$what: right checksums delivered" $N "$GOOD"
	check_eq "$what: A's UDP InCsumErrors" $((N - want)) "$ERRS"
	xfrm_flush
}

through "AES-GCM" $N aead 'rfc4106(gcm(aes))' $K20 128
through "null cipher, HMAC-SHA256" $N enc 'ecb(cipher_null)' '' auth-trunc 'hmac(sha256)' $K32 128
through "null cipher, null auth" 0 enc 'ecb(cipher_null)' '' auth digest_null ''

capture_start "$A" ul wire
ctl "$A" tunnel set gs0 ipsec off
ctl "$B" tunnel set gs0 ipsec off
send_and_count "IPsec off"
capture_stop wire
check_eq "IPsec off: wrong checksums delivered" 0 "$BAD"
check_eq "IPsec off: right checksums delivered" $N "$GOOD"
check_eq "IPsec off: A's UDP InCsumErrors" $N "$ERRS"
check_eq "IPsec off: clear Geneve from B on A's wire" $((2 * N)) \
	"$(capture_count wire "src host $B_UL4 and udp dst port 6081")"
