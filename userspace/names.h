/* SPDX-License-Identifier: GPL-2.0 */
/* The names of the ABI's enums (names.c); "unknown" for a value it lacks. */
#ifndef GNVSEC_NAMES_H
#define GNVSEC_NAMES_H

#include <stdint.h>
#include <linux/gnvsec.h>

const char *ipsec_mode_name(uint8_t mode);
const char *encap_mode_name(uint8_t mode);
const char *ipsec_state_name(uint8_t state);
const char *stat_name(int stat);
/* GNVSEC_WAIT_*: the spec's name, and a sentence for people. */
const char *wait_reason_name(uint8_t reason);
const char *wait_reason_text(uint8_t reason);

#endif /* GNVSEC_NAMES_H */
