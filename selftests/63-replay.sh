#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Replayed ESP. An inbound SA installed by "ip xfrm state add" without
# replay-window (the default, 0) makes XFRM skip the sequence check: a frame
# captured on the wire is decrypted again every time it is sent. So when
# IPsec is required gnvsec refuses what such an SA decrypted (rx_no_replay)
# and status never says ACTIVE with one. With a window ("gnvsecctl sa add"
# sets 32) XFRM itself drops the replayed frame (XfrmInStateSeqError). The
# attack is real: one ESP frame is captured on B's side of the underlay and
# sent again, byte for byte, from A's side (AF_PACKET).
. "$(dirname "$0")/lib.sh"

KEY1=0x$(printf '%040x' 0x6161)
KEY2=0x$(printf '%040x' 0x6262)
KEY3=0x$(printf '%040x' 0x6363)
KEY4=0x$(printf '%040x' 0x6464)

setup_chassis
seqerr() { n "$1" awk '/XfrmInStateSeqError/ {print $2}' /proc/net/xfrm_stat; }

ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 10 ipsec required
ctl "$B" tunnel add gs0 remote $A_UL4 local $B_UL4 vni 10 ipsec required
join_overlay gs0 gs0

# 1. SAs as "ip xfrm state add" makes them: no replay window.
# xfrm_sas NS SELF PEER SPI_OUT KEY_OUT SPI_IN KEY_IN
xfrm_sas() {
	local ns=$1 self=$2 peer=$3 mark mask

	n "$ns" ip xfrm state add src "$self" dst "$peer" proto esp spi "$4" \
		mode transport aead 'rfc4106(gcm(aes))' "$5" 128
	n "$ns" ip xfrm state add src "$peer" dst "$self" proto esp spi "$6" \
		mode transport aead 'rfc4106(gcm(aes))' "$7" 128
	mark=$(tfield "$ns" gs0 mark)
	mask=$(tfield "$ns" gs0 mark_mask)
	n "$ns" ip xfrm policy add src "$self/32" dst "$peer/32" proto udp dport 6081 \
		dir out mark "$mark" mask "$mask" \
		tmpl src "$self" dst "$peer" proto esp mode transport
	ctl "$ns" tunnel bind gs0 spi-out "$4" spi-in "$6"
}
xfrm_sas "$A" $A_UL4 $B_UL4 0x1001 $KEY1 0x2001 $KEY2
xfrm_sas "$B" $B_UL4 $A_UL4 0x2001 $KEY2 0x1001 $KEY1
check_contains "B's inbound SA has no window" "replay-window 0" \
	"$(n "$B" ip xfrm state get src $A_UL4 dst $B_UL4 proto esp spi 0x1001)"
check_eq "A: no ACTIVE with a replay-less inbound SA" "WAITING FOR SA" "$(tfield "$A" gs0 ipsec_state)"
check_eq "B: no ACTIVE with a replay-less inbound SA" "WAITING FOR SA" "$(tfield "$B" gs0 ipsec_state)"

rx_b=$(stat "$B" gs0 rx_packets)
capture_start "$B" ul norepl
check_eq "no window: pings answered" 0 "$(ping_count "$A" $B_OV 10)"
capture_stop norepl
check_eq "no window: ESP A->B on B's wire" 10 "$(capture_count norepl "src host $A_UL4 and ip proto 50")"
check_eq "no window: decrypted by B's SA" 10 "$(n "$B" ip -s xfrm state get src $A_UL4 dst $B_UL4 proto esp spi 0x1001 |
	sed -n 's/.* \([0-9]*\)(packets).*/\1/p')"
check_eq "no window: B counted rx_no_replay" 10 "$(drops "$B" gs0 rx_no_replay)"
check_eq "no window: nothing delivered on B" 0 $(($(stat "$B" gs0 rx_packets) - rx_b))

# 2. "gnvsecctl sa add" gives a window: ACTIVE, and a replay is dropped by
# XFRM before decryption.
for ns in "$A" "$B"; do
	n "$ns" ip xfrm state flush
	n "$ns" ip xfrm policy flush
done
ctl "$A" sa add gs0 spi-out 0x1002 spi-in 0x2002 key-out $KEY3 key-in $KEY4
ctl "$B" sa add gs0 spi-out 0x2002 spi-in 0x1002 key-out $KEY4 key-in $KEY3
check_contains "sa add sets a window" "replay-window 32" \
	"$(n "$B" ip xfrm state get src $A_UL4 dst $B_UL4 proto esp spi 0x1002)"
check_eq "window: A ACTIVE" ACTIVE "$(tfield "$A" gs0 ipsec_state)"
check_eq "window: B ACTIVE" ACTIVE "$(tfield "$B" gs0 ipsec_state)"

capture_start "$B" ul one
check_eq "window: one ping answered" 1 "$(ping_count "$A" $B_OV 1)"
capture_stop one
check_eq "window: one ESP frame A->B captured" 1 "$(capture_count one "src host $A_UL4 and ip proto 50")"
python3 - "$TMP/one.pcap" "$TMP/frame" "$A_UL4" <<'PY'
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
src = socket.inet_aton(sys.argv[3])
off = 24                                  # pcap global header
while off < len(data):
    _, _, incl, orig = struct.unpack_from("<IIII", data, off)
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    # Ethernet, IPv4, protocol 50 (ESP), from A, captured whole
    if frame[12:14] == b"\x08\x00" and frame[23] == 50 and frame[26:30] == src:
        assert incl == orig, "frame truncated by the capture"
        open(sys.argv[2], "wb").write(frame)
        sys.exit(0)
sys.exit("no ESP frame from A in the capture")
PY
cat >"$TMP/inject.py" <<'PY'
import socket, sys
frame = open(sys.argv[1], "rb").read()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("ul", 0))
for _ in range(int(sys.argv[2])):
    s.send(frame)
PY
# replay COUNT: A's underlay sends the captured frame again COUNT times.
replay() {
	n "$A" python3 "$TMP/inject.py" "$TMP/frame" "$1"
	sleep 0.5
}

rx_b=$(stat "$B" gs0 rx_packets)
seq0=$(seqerr "$B")
capture_start "$B" ul replay1
replay 3
capture_stop replay1
check_eq "window: the replayed frames reached B" 3 "$(capture_count replay1 "src host $A_UL4 and ip proto 50")"
check_eq "window: XFRM dropped them as replays" 3 $(($(seqerr "$B") - seq0))
check_eq "window: nothing delivered on B" 0 $(($(stat "$B" gs0 rx_packets) - rx_b))
check_eq "window: rx_no_replay unchanged" 10 "$(drops "$B" gs0 rx_no_replay)"

# 3. The same SA key and SPI without a window: XFRM decrypts the replayed
# frame, gnvsec refuses it.
n "$B" ip xfrm state delete src $A_UL4 dst $B_UL4 proto esp spi 0x1002
n "$B" ip xfrm state add src $A_UL4 dst $B_UL4 proto esp spi 0x1002 \
	mode transport aead 'rfc4106(gcm(aes))' $KEY3 128
check_eq "no window again: B not ACTIVE" "WAITING FOR SA" "$(tfield "$B" gs0 ipsec_state)"
seq0=$(seqerr "$B")
capture_start "$B" ul replay2
replay 3
capture_stop replay2
check_eq "no window: the replayed frames reached B" 3 "$(capture_count replay2 "src host $A_UL4 and ip proto 50")"
check_eq "no window: decrypted again by B's SA" 3 "$(n "$B" ip -s xfrm state get src $A_UL4 dst $B_UL4 proto esp spi 0x1002 |
	sed -n 's/.* \([0-9]*\)(packets).*/\1/p')"
check_eq "no window: XFRM saw no replay" 0 $(($(seqerr "$B") - seq0))
check_eq "no window: gnvsec counted them" 13 "$(drops "$B" gs0 rx_no_replay)"
check_eq "no window: nothing delivered on B" 0 $(($(stat "$B" gs0 rx_packets) - rx_b))
