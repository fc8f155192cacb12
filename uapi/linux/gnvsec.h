/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/gnvsec.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_GNVSEC_H
#define _UAPI_LINUX_GNVSEC_H

#define GNVSEC_GENL_NAME	"gnvsec"
#define GNVSEC_GENL_VERSION	1

#define GNVSEC_DEFAULT_PORT	6081
#define GNVSEC_VNI_MAX		16777215
#define GNVSEC_CHASSIS_MAXLEN	64
#define GNVSEC_MARK_AUTO_MASK	4294901760
#define GNVSEC_MARK_AUTO_FIRST	65536
#define GNVSEC_MARK_AUTO_STEP	65536

/**
 * enum gnvsec_ipsec_mode - Whether a tunnel requires IPsec.
 * @GNVSEC_IPSEC_INHERIT: Follow the namespace's global-ipsec switch.
 * @GNVSEC_IPSEC_OFF: Plaintext Geneve.
 * @GNVSEC_IPSEC_REQUIRED: ESP or nothing.
 */
enum gnvsec_ipsec_mode {
	GNVSEC_IPSEC_INHERIT,
	GNVSEC_IPSEC_OFF,
	GNVSEC_IPSEC_REQUIRED,

	/* private: */
	__GNVSEC_IPSEC_MAX,
	GNVSEC_IPSEC_MAX = (__GNVSEC_IPSEC_MAX - 1)
};

/**
 * enum gnvsec_encap_mode - Whether ESP must be UDP-encapsulated.
 * @GNVSEC_ENCAP_INHERIT: Follow the namespace's global-encap switch.
 * @GNVSEC_ENCAP_AUTO: Plain ESP or ESP-in-UDP.
 * @GNVSEC_ENCAP_FORCE: ESP-in-UDP (RFC 3948) only.
 */
enum gnvsec_encap_mode {
	GNVSEC_ENCAP_INHERIT,
	GNVSEC_ENCAP_AUTO,
	GNVSEC_ENCAP_FORCE,

	/* private: */
	__GNVSEC_ENCAP_MAX,
	GNVSEC_ENCAP_MAX = (__GNVSEC_ENCAP_MAX - 1)
};

/**
 * enum gnvsec_ipsec_state - What a tunnel does now.
 * @GNVSEC_STATE_PLAINTEXT: IPsec does not apply, clear Geneve.
 * @GNVSEC_STATE_ACTIVE: SAs found in both directions, every one of them
 *   encrypting and authenticating.
 * @GNVSEC_STATE_WAITING_FOR_SA: Required, SAs missing, dropping.
 * @GNVSEC_STATE_UNCONFIGURED: No remote address, dropping.
 * @GNVSEC_STATE_ACTIVE_UNENCRYPTED: SAs found in both directions, but one of
 *   them (the outbound bundle's, or any acceptable inbound one) does not
 *   encrypt and authenticate (null cipher, GMAC, no or digest_null
 *   authentication, an ICV under 64 bits), accepted only because the tunnel
 *   has allow-null set. The traffic can be read on the wire.
 */
enum gnvsec_ipsec_state {
	GNVSEC_STATE_PLAINTEXT,
	GNVSEC_STATE_ACTIVE,
	GNVSEC_STATE_WAITING_FOR_SA,
	GNVSEC_STATE_UNCONFIGURED,
	GNVSEC_STATE_ACTIVE_UNENCRYPTED,

	/* private: */
	__GNVSEC_STATE_MAX,
	GNVSEC_STATE_MAX = (__GNVSEC_STATE_MAX - 1)
};

/**
 * enum gnvsec_wait_reason - Why a tunnel that requires IPsec is not active:
 *   the first of the checks behind ipsec-state that failed, in the order they
 *   are made (the route, the inbound SA, the outbound policy and SAs, the
 *   bundle).
 * @GNVSEC_WAIT_NONE: Active, or IPsec does not apply.
 * @GNVSEC_WAIT_NO_REMOTE: Unconfigured (no remote address).
 * @GNVSEC_WAIT_NO_ROUTE: No route to the remote.
 * @GNVSEC_WAIT_NO_INBOUND_SA: No valid inbound ESP SA from the remote (the
 *   bound one when bound).
 * @GNVSEC_WAIT_INBOUND_WRONG_SA: The inbound SA is not ESP or not the bound
 *   one.
 * @GNVSEC_WAIT_INBOUND_NOT_ENCAP: Encapsulation is forced, the inbound SA is
 *   plain ESP.
 * @GNVSEC_WAIT_INBOUND_UNENCRYPTED: The inbound SA does not encrypt and
 *   authenticate (no allow-null).
 * @GNVSEC_WAIT_INBOUND_NO_REPLAY: The inbound SA has no anti-replay window.
 * @GNVSEC_WAIT_NO_OUTBOUND_SA: The outbound policy's templates find no SA (IKE
 *   has not negotiated the Child SA yet), or an acquire is pending.
 * @GNVSEC_WAIT_NO_POLICY: No XFRM policy with an ESP template for the tunnel's
 *   flow and mark.
 * @GNVSEC_WAIT_OUTBOUND_WRONG_SA: The outbound bundle has no ESP state, or not
 *   the bound one.
 * @GNVSEC_WAIT_OUTBOUND_NOT_ENCAP: Encapsulation is forced, the outbound SA is
 *   plain ESP.
 * @GNVSEC_WAIT_OUTBOUND_UNENCRYPTED: The outbound SA does not encrypt and
 *   authenticate (no allow-null).
 */
enum gnvsec_wait_reason {
	GNVSEC_WAIT_NONE,
	GNVSEC_WAIT_NO_REMOTE,
	GNVSEC_WAIT_NO_ROUTE,
	GNVSEC_WAIT_NO_INBOUND_SA,
	GNVSEC_WAIT_INBOUND_WRONG_SA,
	GNVSEC_WAIT_INBOUND_NOT_ENCAP,
	GNVSEC_WAIT_INBOUND_UNENCRYPTED,
	GNVSEC_WAIT_INBOUND_NO_REPLAY,
	GNVSEC_WAIT_NO_OUTBOUND_SA,
	GNVSEC_WAIT_NO_POLICY,
	GNVSEC_WAIT_OUTBOUND_WRONG_SA,
	GNVSEC_WAIT_OUTBOUND_NOT_ENCAP,
	GNVSEC_WAIT_OUTBOUND_UNENCRYPTED,

	/* private: */
	__GNVSEC_WAIT_MAX,
	GNVSEC_WAIT_MAX = (__GNVSEC_WAIT_MAX - 1)
};

enum gnvsec_attr {
	GNVSEC_A_UNSPEC,
	GNVSEC_A_IFINDEX,
	GNVSEC_A_IFNAME,
	GNVSEC_A_REMOTE4,
	GNVSEC_A_REMOTE6,
	GNVSEC_A_LOCAL4,
	GNVSEC_A_LOCAL6,
	GNVSEC_A_VNI,
	GNVSEC_A_PORT,
	GNVSEC_A_CHASSIS,
	GNVSEC_A_MARK,
	GNVSEC_A_MARK_MASK,
	GNVSEC_A_IPSEC,
	GNVSEC_A_ENCAP,
	GNVSEC_A_REQID,
	GNVSEC_A_SPI_OUT,
	GNVSEC_A_SPI_IN,
	GNVSEC_A_MTU,
	GNVSEC_A_IPSEC_REQUIRED,
	GNVSEC_A_IPSEC_STATE,
	GNVSEC_A_CONFIG_ERROR,
	GNVSEC_A_STATS,
	GNVSEC_A_GLOBAL_IPSEC,
	GNVSEC_A_GLOBAL_ENCAP,
	GNVSEC_A_PAD,
	GNVSEC_A_ALLOW_NULL,
	GNVSEC_A_IPSEC_WAIT_REASON,

	__GNVSEC_A_MAX
};
#define GNVSEC_A_MAX (__GNVSEC_A_MAX - 1)

enum gnvsec_stat {
	GNVSEC_STAT_UNSPEC,
	GNVSEC_STAT_TX_UNCONFIGURED,
	GNVSEC_STAT_TX_NO_ROUTE,
	GNVSEC_STAT_TX_NO_POLICY,
	GNVSEC_STAT_TX_NO_SA,
	GNVSEC_STAT_TX_WRONG_SA,
	GNVSEC_STAT_TX_NOT_ENCAP,
	GNVSEC_STAT_TX_UNENCRYPTED_SA,
	GNVSEC_STAT_TX_REROUTED,
	GNVSEC_STAT_TX_ERROR,
	GNVSEC_STAT_RX_PLAINTEXT,
	GNVSEC_STAT_RX_WRONG_SA,
	GNVSEC_STAT_RX_NOT_ENCAP,
	GNVSEC_STAT_RX_UNENCRYPTED_SA,
	GNVSEC_STAT_RX_NO_REPLAY,
	GNVSEC_STAT_RX_CRITICAL_OPT,
	GNVSEC_STAT_RX_ERROR,
	GNVSEC_STAT_RX_UNKNOWN_TUNNEL,
	GNVSEC_STAT_RX_BAD_HEADER,

	__GNVSEC_STAT_MAX
};
#define GNVSEC_STAT_MAX (__GNVSEC_STAT_MAX - 1)

enum gnvsec_cmd {
	GNVSEC_CMD_UNSPEC,
	GNVSEC_CMD_TUNNEL_GET,
	GNVSEC_CMD_TUNNEL_NEW,
	GNVSEC_CMD_TUNNEL_SET,
	GNVSEC_CMD_TUNNEL_DEL,
	GNVSEC_CMD_TUNNEL_BIND,
	GNVSEC_CMD_TUNNEL_UNBIND,
	GNVSEC_CMD_GLOBAL_GET,
	GNVSEC_CMD_GLOBAL_SET,

	__GNVSEC_CMD_MAX
};
#define GNVSEC_CMD_MAX (__GNVSEC_CMD_MAX - 1)

enum gnvsec_ntf {
	GNVSEC_CMD_TUNNEL_NEW_NTF = 2,
	GNVSEC_CMD_TUNNEL_SET_NTF = 3,
	GNVSEC_CMD_TUNNEL_DEL_NTF = 4,
	GNVSEC_CMD_TUNNEL_BIND_NTF = 5,
	GNVSEC_CMD_TUNNEL_UNBIND_NTF = 6,
	GNVSEC_CMD_TUNNEL_STATE = 9,
};

#define GNVSEC_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_GNVSEC_H */
