#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Manual keys are never shared. Two AES-GCM SAs with one key repeat nonces,
# which gives away the plaintext and lets anyone forge packets; so
# "gnvsecctl sa add" refuses a key that a live SA of the namespace holds
# (whoever installed it), naming that SA, and one key for both directions.
# Nothing is installed when it refuses; fresh keys are accepted.
. "$(dirname "$0")/lib.sh"

key() { printf '0x%040x' "$1"; }

load_module
dummy_ns
nstates() { n "$C" ip xfrm state | grep -c '^src' || true; }

ctl "$C" tunnel add gs0 remote 10.99.0.2 local 10.99.0.1 vni 5
ctl "$C" tunnel add gs1 remote 10.99.0.3 local 10.99.0.1 vni 6
ctl "$C" sa add gs0 spi-out 0x1001 spi-in 0x2001 key-out "$(key 1)" key-in "$(key 2)"
check_eq "first SAs installed" 2 "$(nstates)"

must_fail "key-out of another SA" ctl "$C" sa add gs1 spi-out 0x1002 spi-in 0x2002 \
	key-out "$(key 1)" key-in "$(key 3)"
check_eq "key-out of another SA: exit status" 1 "$RC"
check_contains "key-out of another SA: message" \
	"key-out is already the key of the SA with SPI 0x00001001 to 10.99.0.2" "$OUT"

key 2 >"$TMP/k2"
must_fail "key-in of another SA, from a file" ctl "$C" sa add gs1 spi-out 0x1002 spi-in 0x2002 \
	key-out "$(key 3)" key-in @"$TMP/k2"
check_eq "key-in of another SA: exit status" 1 "$RC"
check_contains "key-in of another SA: message" \
	"key-in is already the key of the SA with SPI 0x00002001 to 10.99.0.1" "$OUT"

must_fail "one key for both directions" ctl "$C" sa add gs1 spi-out 0x1002 spi-in 0x2002 \
	key-out "$(key 3)" key-in "$(key 3)"
check_eq "one key for both directions: exit status" 2 "$RC"
check_contains "one key for both directions: message" "key-out and key-in are the same key" "$OUT"

n "$C" ip xfrm state add src 10.99.0.1 dst 10.99.0.7 proto esp spi 0x3000 mode transport \
	aead 'rfc4106(gcm(aes))' "$(key 4)" 128
must_fail "key of an SA added by ip xfrm" ctl "$C" sa add gs1 spi-out 0x1002 spi-in 0x2002 \
	key-out "$(key 5)" key-in "$(key 4)"
check_contains "key of an SA added by ip xfrm: message" \
	"key-in is already the key of the SA with SPI 0x00003000 to 10.99.0.7" "$OUT"
check_eq "nothing installed by the refusals" 3 "$(nstates)"
check_eq "gs1 still unbound" null "$(tfield "$C" gs1 binding)"

# The message names the SA, never the key.
if grep -qi "$(key 4 | cut -c3-)" <<<"$OUT"; then
	fail "the refusal printed the key"
fi

ctl "$C" sa add gs1 spi-out 0x1002 spi-in 0x2002 key-out "$(key 5)" key-in "$(key 6)"
check_eq "fresh keys accepted" 5 "$(nstates)"
check_eq "gs1 bound" '{"spi_out": 4098, "spi_in": 8194}' "$(tfield "$C" gs1 binding)"
