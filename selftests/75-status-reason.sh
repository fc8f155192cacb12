#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "tunnels show" says why a tunnel that requires IPsec is not ACTIVE, from
# the same checks that decide its state (GNVSEC_A_IPSEC_WAIT_REASON). The
# XFRM pieces are put in and taken out one at a time with "ip xfrm", and
# each step's reason is exact: no inbound SA, no policy, no outbound SA, an
# inbound SA without replay window, not encapsulated while encapsulation is
# forced, the wrong bound SPI either way, an SA that does not encrypt, no
# route, no remote. ACTIVE and PLAINTEXT tunnels carry no reason.
. "$(dirname "$0")/lib.sh"

K20=0x$(printf '%040x' 0x6464)		# AES-128-GCM key + salt
SO=0x1000				# A's outbound SPI
SI=0x2000				# A's inbound SPI

setup_chassis
ctl "$A" tunnel add gs0 remote $B_UL4 local $A_UL4 vni 50 ipsec required chassis hv-b

# reason NS DEV: the JSON ipsec_wait_reason, "-" when there is none
reason() {
	ctl "$1" -j tunnels show "$2" | python3 -c \
		'import json,sys; t=json.load(sys.stdin)[0]; print(t["ipsec_state"], t.get("ipsec_wait_reason", "-"))'
}
in_sa() {
	n "$A" $ip xfrm state add src $B_UL4 dst $A_UL4 proto esp spi $SI \
		mode transport "$@" aead 'rfc4106(gcm(aes))' $K20 128
}
out_sa() {
	n "$A" $ip xfrm state add src $A_UL4 dst $B_UL4 proto esp spi $SO \
		mode transport aead 'rfc4106(gcm(aes))' $K20 128
}

check_eq "nothing: no inbound SA" "WAITING FOR SA no-inbound-sa" "$(reason "$A" gs0)"
check_contains "the text says it" "Why waiting:    no inbound SA from the remote" \
	"$(ctl "$A" tunnels show gs0)"

in_sa replay-window 32
check_eq "inbound SA, no policy" "WAITING FOR SA no-policy" "$(reason "$A" gs0)"

n "$A" $ip xfrm policy add src $A_UL4/32 dst $B_UL4/32 proto udp dport 6081 \
	dir out tmpl src $A_UL4 dst $B_UL4 proto esp mode transport
check_eq "policy, no outbound SA" "WAITING FOR SA no-outbound-sa" "$(reason "$A" gs0)"

out_sa
check_eq "both SAs: ACTIVE, no reason" "ACTIVE -" "$(reason "$A" gs0)"
out=$(ctl "$A" tunnels show gs0)
[[ $out != *"Why waiting:"* ]] || fail "ACTIVE tunnel shows a reason: $out"
log "ok: no \"Why waiting:\" line when ACTIVE"

n "$A" $ip xfrm state del src $B_UL4 dst $A_UL4 proto esp spi $SI
in_sa
check_eq "inbound SA without replay window" "WAITING FOR SA inbound-no-replay" \
	"$(reason "$A" gs0)"
n "$A" $ip xfrm state del src $B_UL4 dst $A_UL4 proto esp spi $SI
in_sa replay-window 32
check_eq "replay window back: ACTIVE" "ACTIVE -" "$(reason "$A" gs0)"

ctl "$A" tunnel set gs0 encap force
check_eq "encapsulation forced, plain ESP SAs" "WAITING FOR SA inbound-not-encap" \
	"$(reason "$A" gs0)"
ctl "$A" tunnel set gs0 encap inherit

ctl "$A" tunnel bind gs0 spi-out 0x1999 spi-in $SI
check_eq "bound to another outbound SPI" "WAITING FOR SA outbound-wrong-sa" \
	"$(reason "$A" gs0)"
ctl "$A" tunnel bind gs0 spi-out $SO spi-in 0x2999
check_eq "bound to another inbound SPI" "WAITING FOR SA no-inbound-sa" \
	"$(reason "$A" gs0)"
ctl "$A" tunnel bind gs0 spi-out $SO spi-in $SI
check_eq "bound to the SAs there: ACTIVE" "ACTIVE -" "$(reason "$A" gs0)"
ctl "$A" tunnel unbind gs0

n "$A" $ip xfrm state del src $A_UL4 dst $B_UL4 proto esp spi $SO
n "$A" $ip xfrm state add src $A_UL4 dst $B_UL4 proto esp spi $SO mode transport \
	enc 'ecb(cipher_null)' '' auth 'digest_null' ''
check_eq "outbound SA that does not encrypt" "WAITING FOR SA outbound-unencrypted" \
	"$(reason "$A" gs0)"
n "$A" $ip xfrm state del src $B_UL4 dst $A_UL4 proto esp spi $SI
n "$A" $ip xfrm state add src $B_UL4 dst $A_UL4 proto esp spi $SI mode transport \
	replay-window 32 enc 'ecb(cipher_null)' '' auth 'digest_null' ''
check_eq "inbound SA that does not encrypt (checked first)" \
	"WAITING FOR SA inbound-unencrypted" "$(reason "$A" gs0)"

ctl "$A" tunnel add gs1 remote 10.99.0.1 vni 51 ipsec required
check_eq "no route to the remote" "WAITING FOR SA no-route" "$(reason "$A" gs1)"
$ip -n "$A" link add gs2 type gnvsec
check_eq "no remote" "UNCONFIGURED no-remote" "$(reason "$A" gs2)"
ctl "$A" tunnel add gs3 remote $B_UL4 vni 52 ipsec off
check_eq "IPsec off: PLAINTEXT, no reason" "PLAINTEXT -" "$(reason "$A" gs3)"
