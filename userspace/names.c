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

/* The spec's names, for JSON. */
static const char *const wait_reasons[] = {
	[GNVSEC_WAIT_NONE] = "none",
	[GNVSEC_WAIT_NO_REMOTE] = "no-remote",
	[GNVSEC_WAIT_NO_ROUTE] = "no-route",
	[GNVSEC_WAIT_NO_INBOUND_SA] = "no-inbound-sa",
	[GNVSEC_WAIT_INBOUND_WRONG_SA] = "inbound-wrong-sa",
	[GNVSEC_WAIT_INBOUND_NOT_ENCAP] = "inbound-not-encap",
	[GNVSEC_WAIT_INBOUND_UNENCRYPTED] = "inbound-unencrypted",
	[GNVSEC_WAIT_INBOUND_NO_REPLAY] = "inbound-no-replay",
	[GNVSEC_WAIT_NO_OUTBOUND_SA] = "no-outbound-sa",
	[GNVSEC_WAIT_NO_POLICY] = "no-policy",
	[GNVSEC_WAIT_OUTBOUND_WRONG_SA] = "outbound-wrong-sa",
	[GNVSEC_WAIT_OUTBOUND_NOT_ENCAP] = "outbound-not-encap",
	[GNVSEC_WAIT_OUTBOUND_UNENCRYPTED] = "outbound-unencrypted",
};

/* What they mean, for "tunnels show". */
static const char *const wait_texts[] = {
	[GNVSEC_WAIT_NONE] = "",
	[GNVSEC_WAIT_NO_REMOTE] = "no remote address",
	[GNVSEC_WAIT_NO_ROUTE] = "no route to the remote",
	[GNVSEC_WAIT_NO_INBOUND_SA] = "no inbound SA from the remote",
	[GNVSEC_WAIT_INBOUND_WRONG_SA] = "the inbound SA is not the bound one",
	[GNVSEC_WAIT_INBOUND_NOT_ENCAP] =
		"the inbound SA is not ESP-in-UDP, and encapsulation is forced",
	[GNVSEC_WAIT_INBOUND_UNENCRYPTED] =
		"the inbound SA does not encrypt and authenticate",
	[GNVSEC_WAIT_INBOUND_NO_REPLAY] = "the inbound SA has no replay window",
	[GNVSEC_WAIT_NO_OUTBOUND_SA] =
		"no outbound SA for the policy (IKE has not negotiated one)",
	[GNVSEC_WAIT_NO_POLICY] = "no XFRM policy for the tunnel's flow and mark",
	[GNVSEC_WAIT_OUTBOUND_WRONG_SA] = "the outbound SA is not the bound one",
	[GNVSEC_WAIT_OUTBOUND_NOT_ENCAP] =
		"the outbound SA is not ESP-in-UDP, and encapsulation is forced",
	[GNVSEC_WAIT_OUTBOUND_UNENCRYPTED] =
		"the outbound SA does not encrypt and authenticate",
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

const char *wait_reason_name(uint8_t reason)
{
	return NAME_OF(wait_reasons, reason);
}

const char *wait_reason_text(uint8_t reason)
{
	return NAME_OF(wait_texts, reason);
}
