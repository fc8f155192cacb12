// SPDX-License-Identifier: GPL-2.0
/*
 * The names of the ABI's enums, as gnvsecctl prints them and the iproute2
 * plugin (iplink_gnvsec.c) shows them: one table for both.
 */

#include <stddef.h>

#include "names.h"

static const char *const ipsec_modes[] = {
	[GNVSEC_IPSEC_INHERIT] = "inherit",
	[GNVSEC_IPSEC_OFF] = "off",
	[GNVSEC_IPSEC_REQUIRED] = "required",
};

static const char *const encap_modes[] = {
	[GNVSEC_ENCAP_INHERIT] = "inherit",
	[GNVSEC_ENCAP_AUTO] = "auto",
	[GNVSEC_ENCAP_FORCE] = "force",
};

static const char *const states[] = {
	[GNVSEC_STATE_PLAINTEXT] = "PLAINTEXT",
	[GNVSEC_STATE_ACTIVE] = "ACTIVE",
	[GNVSEC_STATE_WAITING_FOR_SA] = "WAITING FOR SA",
	[GNVSEC_STATE_UNCONFIGURED] = "UNCONFIGURED",
	[GNVSEC_STATE_ACTIVE_UNENCRYPTED] = "ACTIVE UNENCRYPTED",
};

static const char *const stats[] = {
	[GNVSEC_STAT_TX_UNCONFIGURED] = "tx_unconfigured",
	[GNVSEC_STAT_TX_NO_ROUTE] = "tx_no_route",
	[GNVSEC_STAT_TX_NO_POLICY] = "tx_no_policy",
	[GNVSEC_STAT_TX_NO_SA] = "tx_no_sa",
	[GNVSEC_STAT_TX_WRONG_SA] = "tx_wrong_sa",
	[GNVSEC_STAT_TX_NOT_ENCAP] = "tx_not_encap",
	[GNVSEC_STAT_TX_UNENCRYPTED_SA] = "tx_unencrypted_sa",
	[GNVSEC_STAT_TX_REROUTED] = "tx_rerouted",
	[GNVSEC_STAT_TX_ERROR] = "tx_error",
	[GNVSEC_STAT_RX_PLAINTEXT] = "rx_plaintext",
	[GNVSEC_STAT_RX_WRONG_SA] = "rx_wrong_sa",
	[GNVSEC_STAT_RX_NOT_ENCAP] = "rx_not_encap",
	[GNVSEC_STAT_RX_UNENCRYPTED_SA] = "rx_unencrypted_sa",
	[GNVSEC_STAT_RX_NO_REPLAY] = "rx_no_replay",
	[GNVSEC_STAT_RX_CRITICAL_OPT] = "rx_critical_opt",
	[GNVSEC_STAT_RX_ERROR] = "rx_error",
	[GNVSEC_STAT_RX_UNKNOWN_TUNNEL] = "rx_unknown_tunnel",
	[GNVSEC_STAT_RX_BAD_HEADER] = "rx_bad_header",
};

#define NAME_OF(table, i) \
	((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "unknown")

const char *ipsec_mode_name(uint8_t mode)
{
	return NAME_OF(ipsec_modes, mode);
}

const char *encap_mode_name(uint8_t mode)
{
	return NAME_OF(encap_modes, mode);
}

const char *ipsec_state_name(uint8_t state)
{
	return NAME_OF(states, state);
}

const char *stat_name(int stat)
{
	return NAME_OF(stats, (unsigned int)stat);
}
