/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * gnvsec: an IPsec-aware Geneve (RFC 8926) tunnel port.
 *
 * This header is the whole userspace ABI of gnvsec: a netdevice kind for
 * rtnetlink and a Generic Netlink family for configuration and state.
 *
 * Netdevices
 * ----------
 * "ip link add NAME type gnvsec" creates an unconfigured tunnel: it drops
 * everything it is asked to send (counted as GNVSEC_STAT_TX_UNCONFIGURED)
 * and receives nothing until a remote address is set. GNVSEC_CMD_TUNNEL_NEW
 * creates and configures a tunnel in one step. Either way the device is an
 * Ethernet-like device carrying inner Ethernet frames (Geneve protocol type
 * 0x6558, Transparent Ethernet Bridging). One tunnel talks to exactly one
 * remote chassis: OVN names them "ovn-<chassis>-0".
 *
 * Generic Netlink family
 * ----------------------
 * Family name GNVSEC_GENL_NAME, version GNVSEC_GENL_VERSION. The family is
 * netns-aware: every command acts on the network namespace of the socket
 * that sent it. Commands that change state need CAP_NET_ADMIN in the user
 * namespace that owns that network namespace; reading needs no privilege.
 * All commands take attributes from enum gnvsec_attr, validated strictly:
 * an unknown attribute, a wrong length or an out-of-range value fails the
 * whole request with an extended ack message naming the attribute, and
 * nothing is changed.
 *
 * A tunnel is named by GNVSEC_A_IFINDEX or GNVSEC_A_IFNAME (ifindex wins
 * when both are given).
 *
 * GNVSEC_CMD_TUNNEL_GET
 *   Without NLM_F_DUMP: one tunnel, named as above. With NLM_F_DUMP: every
 *   tunnel of the namespace. A dump that raced a change is flagged with
 *   NLM_F_DUMP_INTR; restart it. Reading costs the kernel one walk of the
 *   namespace's XFRM policies per request (per dump, not per tunnel) and a
 *   few hash lookups per tunnel, and never makes XFRM ask a key manager
 *   for SAs (no acquire). Each reply carries:
 *     GNVSEC_A_IFINDEX, GNVSEC_A_IFNAME,
 *     GNVSEC_A_REMOTE4 or GNVSEC_A_REMOTE6 (absent while unconfigured),
 *     GNVSEC_A_LOCAL4 or GNVSEC_A_LOCAL6 (absent: chosen by routing),
 *     GNVSEC_A_VNI, GNVSEC_A_PORT, GNVSEC_A_CHASSIS (if set),
 *     GNVSEC_A_MARK, GNVSEC_A_MARK_MASK, GNVSEC_A_IPSEC, GNVSEC_A_ENCAP,
 *     GNVSEC_A_ALLOW_NULL, GNVSEC_A_REQID or GNVSEC_A_SPI_OUT + GNVSEC_A_SPI_IN (if bound),
 *     GNVSEC_A_MTU, GNVSEC_A_IPSEC_REQUIRED, GNVSEC_A_IPSEC_STATE,
 *     GNVSEC_A_CONFIG_ERROR (only when the configuration is not usable),
 *     GNVSEC_A_STATS (nested, enum gnvsec_stat).
 *
 * GNVSEC_CMD_TUNNEL_NEW
 *   Creates a tunnel netdevice named GNVSEC_A_IFNAME (required) with
 *   GNVSEC_A_REMOTE4 or GNVSEC_A_REMOTE6 (required) and any of the
 *   settable attributes below. Fails with EEXIST when the name is taken.
 *
 * GNVSEC_CMD_TUNNEL_SET
 *   Changes the named tunnel. Settable attributes:
 *     GNVSEC_A_REMOTE4/6, GNVSEC_A_LOCAL4/6 (all-zero address: unset),
 *     GNVSEC_A_VNI, GNVSEC_A_PORT, GNVSEC_A_CHASSIS, GNVSEC_A_MARK,
 *     GNVSEC_A_MARK_MASK, GNVSEC_A_IPSEC, GNVSEC_A_ENCAP, GNVSEC_A_MTU,
 *     GNVSEC_A_ALLOW_NULL.
 *   The local address must be of the remote's family. Two tunnels of one
 *   namespace may not share (family, remote, VNI, port), nor have
 *   overlapping marks: with F = MARK & MARK_MASK the flow mark of a tunnel,
 *   a policy carrying the other's mark (V/M) must not match it, neither
 *   (F1 & M2) == (V2 & M2) nor (F2 & M1) == (V1 & M1) (EEXIST, the extack
 *   message naming the other tunnel).
 *
 * GNVSEC_CMD_TUNNEL_DEL
 *   Deletes the named tunnel netdevice.
 *
 * GNVSEC_CMD_TUNNEL_BIND
 *   Binds the tunnel to its security associations: either GNVSEC_A_REQID
 *   (the reqid an IKE daemon gives every generation of the tunnel's SAs, so
 *   rekeys need no rebind), or GNVSEC_A_SPI_OUT and GNVSEC_A_SPI_IN (manual
 *   keys). While bound, only the bound SAs are accepted in either direction.
 *
 * GNVSEC_CMD_TUNNEL_UNBIND
 *   Removes the binding: any ESP SA that the tunnel's mark and selectors
 *   pick is accepted again.
 *
 * GNVSEC_CMD_GLOBAL_GET, GNVSEC_CMD_GLOBAL_SET
 *   The namespace-wide switches GNVSEC_A_GLOBAL_IPSEC (the equivalent of
 *   OVN's "ipsec=true") and GNVSEC_A_GLOBAL_ENCAP (force NAT-T UDP
 *   encapsulation). GET also returns GNVSEC_A_STATS with the namespace-wide
 *   receive drops that belong to no tunnel.
 *
 * Events
 * ------
 * Members of the multicast group GNVSEC_MCGRP_EVENTS (no privilege needed)
 * receive, for the tunnels of their own namespace, one message per change,
 * whoever made it, with the attributes of a TUNNEL_GET reply (DEL: only
 * GNVSEC_A_IFINDEX and GNVSEC_A_IFNAME). The command says what happened:
 *   GNVSEC_CMD_TUNNEL_NEW     a tunnel was created: by TUNNEL_NEW (once it
 *                             is configured) or by "ip link add ... type
 *                             gnvsec" (unconfigured). A refused TUNNEL_NEW
 *                             announces nothing.
 *   GNVSEC_CMD_TUNNEL_SET     TUNNEL_SET, GLOBAL_SET (every tunnel), or a
 *                             new name or MTU given through rtnetlink.
 *   GNVSEC_CMD_TUNNEL_BIND, GNVSEC_CMD_TUNNEL_UNBIND   the binding changed.
 *   GNVSEC_CMD_TUNNEL_DEL     the tunnel is gone: TUNNEL_DEL, "ip link
 *                             del", or module unload (a namespace that is
 *                             deleted has no listener left).
 *   GNVSEC_CMD_TUNNEL_STATE   the tunnel's GNVSEC_A_IPSEC_STATE is not the
 *                             one its last event carried, after XFRM
 *                             changed: SAs or policies added, deleted,
 *                             flushed or expired (ip xfrm, PF_KEY, IKE
 *                             daemons). Changes that come in a burst are
 *                             announced once, about 50 ms after the burst,
 *                             with the state then. TUNNEL_STATE is an
 *                             event only; as a request it is refused
 *                             (EOPNOTSUPP).
 * A state that changes for another reason (the route to the remote) is
 * carried by the next event about the tunnel; TUNNEL_GET always reads it
 * anew. Events are built only while the group has members.
 *
 * IPsec rules (enforced in the module, whatever XFRM is configured)
 * -----------------------------------------------------------------
 * A tunnel requires IPsec when GNVSEC_A_IPSEC is GNVSEC_IPSEC_REQUIRED, or
 * GNVSEC_IPSEC_INHERIT while GNVSEC_A_GLOBAL_IPSEC is 1. Then:
 *   - send: every packet is routed with the tunnel's mark in the flow
 *     (UDP, both ports) and leaves only through an XFRM bundle containing an
 *     ESP state (the bound one when bound; UDP-encapsulated when
 *     encapsulation is forced). The rule is checked again last at
 *     netfilter's POST_ROUTING, so that a firewall rule re-routing the
 *     outer packet (a new mark, NAT, a copy) cannot send it in clear
 *     (GNVSEC_STAT_TX_REROUTED). Anything else is dropped and counted by
 *     reason; nothing ever falls back to plaintext.
 *   - receive: a Geneve packet is accepted only when it was decrypted by an
 *     ESP state whose source is the tunnel's remote (the bound one when
 *     bound; UDP-encapsulated when forced) and which has an anti-replay
 *     window. Anything else is dropped and counted.
 * In both directions, and for GNVSEC_STATE_ACTIVE, an ESP state counts only
 * when it encrypts and authenticates: an AEAD other than GMAC (rfc4543,
 * integrity only), or a cipher other than the null one together with an
 * authentication algorithm whose ICV has at least 64 bits (not
 * digest_null). Other ESP states are refused (GNVSEC_STAT_TX_UNENCRYPTED_SA,
 * GNVSEC_STAT_RX_UNENCRYPTED_SA) and never make a tunnel ACTIVE, unless the
 * tunnel has GNVSEC_A_ALLOW_NULL set: then they are accepted, and while one
 * of them is in use (the outbound bundle's, or the inbound one found) the
 * state is GNVSEC_STATE_ACTIVE_UNENCRYPTED. GNVSEC_A_ALLOW_NULL is 0
 * unless a TUNNEL_NEW or TUNNEL_SET sets it, for benchmarks of the ESP
 * datapath: whatever such a tunnel carries can be read on the wire.
 * GNVSEC_STATE_ACTIVE means that such states exist in both directions now:
 * an outbound bundle XFRM builds for the tunnel's flow, and an inbound SA
 * from the remote with a replay window.
 * The skb mark (GNVSEC_A_MARK under GNVSEC_A_MARK_MASK) is set on the outer
 * packet and in the route/XFRM flow so that XFRM policies carrying that mark
 * select this chassis' SAs. Marks not given are assigned from
 * GNVSEC_MARK_AUTO_FIRST upwards in steps of GNVSEC_MARK_AUTO_STEP under
 * GNVSEC_MARK_AUTO_MASK.
 */
#ifndef _UAPI_LINUX_GNVSEC_H
#define _UAPI_LINUX_GNVSEC_H

#define GNVSEC_GENL_NAME	"gnvsec"
#define GNVSEC_GENL_VERSION	1
/* Multicast group: tunnel and IPsec state changes ("Events" above). */
#define GNVSEC_MCGRP_EVENTS	"events"

#define GNVSEC_DEFAULT_PORT	6081	/* IANA Geneve port */
#define GNVSEC_VNI_MAX		0xffffff
#define GNVSEC_CHASSIS_MAXLEN	64	/* including the terminating NUL */

/* Automatic marks: bits 16..31, one value per tunnel. */
#define GNVSEC_MARK_AUTO_MASK	0xffff0000U
#define GNVSEC_MARK_AUTO_FIRST	0x00010000U
#define GNVSEC_MARK_AUTO_STEP	0x00010000U

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
	GNVSEC_CMD_TUNNEL_STATE,	/* event only, see above */
	__GNVSEC_CMD_MAX
};

#define GNVSEC_CMD_MAX (__GNVSEC_CMD_MAX - 1)

enum gnvsec_attr {
	GNVSEC_A_UNSPEC,
	GNVSEC_A_IFINDEX,		/* u32 */
	GNVSEC_A_IFNAME,		/* NUL-terminated string, < IFNAMSIZ */
	GNVSEC_A_REMOTE4,		/* 4 bytes, network order */
	GNVSEC_A_REMOTE6,		/* 16 bytes, network order */
	GNVSEC_A_LOCAL4,		/* 4 bytes, network order; 0: unset */
	GNVSEC_A_LOCAL6,		/* 16 bytes, network order; ::: unset */
	GNVSEC_A_VNI,			/* u32, 0..GNVSEC_VNI_MAX; default 0 */
	GNVSEC_A_PORT,			/* u16 host order, 1..65535; default 6081 */
	GNVSEC_A_CHASSIS,		/* string, remote chassis name */
	GNVSEC_A_MARK,			/* u32 skb mark value */
	GNVSEC_A_MARK_MASK,		/* u32, non-zero; default 0xffffffff */
	GNVSEC_A_IPSEC,			/* u8, enum gnvsec_ipsec_mode */
	GNVSEC_A_ENCAP,			/* u8, enum gnvsec_encap_mode */
	GNVSEC_A_REQID,			/* u32, non-zero */
	GNVSEC_A_SPI_OUT,		/* u32 host order, >= 256 */
	GNVSEC_A_SPI_IN,		/* u32 host order, >= 256 */
	GNVSEC_A_MTU,			/* u32, 68..65535 (read: current MTU) */
	GNVSEC_A_IPSEC_REQUIRED,	/* u8 read-only: 1 when IPsec applies */
	GNVSEC_A_IPSEC_STATE,		/* u8 read-only, enum gnvsec_ipsec_state */
	GNVSEC_A_CONFIG_ERROR,		/* string read-only: why not usable */
	GNVSEC_A_STATS,			/* nested read-only, enum gnvsec_stat */
	GNVSEC_A_GLOBAL_IPSEC,		/* u8, 0 or 1 */
	GNVSEC_A_GLOBAL_ENCAP,		/* u8, 0 or 1 */
	GNVSEC_A_PAD,
	GNVSEC_A_ALLOW_NULL,		/* u8, 0 or 1: accept ESP that does not
					 * encrypt and authenticate; default 0
					 */
	__GNVSEC_A_MAX
};

#define GNVSEC_A_MAX (__GNVSEC_A_MAX - 1)

enum gnvsec_ipsec_mode {
	GNVSEC_IPSEC_INHERIT,		/* follow GNVSEC_A_GLOBAL_IPSEC */
	GNVSEC_IPSEC_OFF,		/* plaintext Geneve */
	GNVSEC_IPSEC_REQUIRED,		/* ESP or nothing */
	__GNVSEC_IPSEC_MAX
};

enum gnvsec_encap_mode {
	GNVSEC_ENCAP_INHERIT,		/* follow GNVSEC_A_GLOBAL_ENCAP */
	GNVSEC_ENCAP_AUTO,		/* plain ESP or ESP-in-UDP */
	GNVSEC_ENCAP_FORCE,		/* ESP-in-UDP (RFC 3948) only */
	__GNVSEC_ENCAP_MAX
};

enum gnvsec_ipsec_state {
	GNVSEC_STATE_PLAINTEXT,		/* IPsec does not apply: clear Geneve */
	GNVSEC_STATE_ACTIVE,		/* SAs found in both directions, all
					 * encrypting and authenticating
					 */
	GNVSEC_STATE_WAITING_FOR_SA,	/* required, SAs missing: dropping */
	GNVSEC_STATE_UNCONFIGURED,	/* no remote: dropping */
	GNVSEC_STATE_ACTIVE_UNENCRYPTED, /* SAs found, but one does not
					  * encrypt and authenticate
					  * (GNVSEC_A_ALLOW_NULL)
					  */
	__GNVSEC_STATE_MAX
};

/*
 * Counters nested in GNVSEC_A_STATS, each a u64 (padded with GNVSEC_A_PAD)
 * counting packets dropped for that reason since the tunnel was created.
 */
enum gnvsec_stat {
	GNVSEC_STAT_UNSPEC,
	GNVSEC_STAT_TX_UNCONFIGURED,	/* no remote set */
	GNVSEC_STAT_TX_NO_ROUTE,	/* no route to the remote */
	GNVSEC_STAT_TX_NO_POLICY,	/* required, no XFRM policy matched */
	GNVSEC_STAT_TX_NO_SA,		/* required, policy without usable SA */
	GNVSEC_STAT_TX_WRONG_SA,	/* bundle lacks the bound ESP SA */
	GNVSEC_STAT_TX_NOT_ENCAP,	/* forced encapsulation, plain ESP SA */
	GNVSEC_STAT_TX_UNENCRYPTED_SA,	/* the ESP SA does not encrypt+auth */
	GNVSEC_STAT_TX_REROUTED,	/* re-routed after gnvsec, not ESP */
	GNVSEC_STAT_TX_ERROR,		/* other errors (memory, MTU) */
	GNVSEC_STAT_RX_PLAINTEXT,	/* required, arrived without ESP */
	GNVSEC_STAT_RX_WRONG_SA,	/* ESP, but not the tunnel's SA */
	GNVSEC_STAT_RX_NOT_ENCAP,	/* forced encapsulation, plain ESP */
	GNVSEC_STAT_RX_UNENCRYPTED_SA,	/* the ESP SA does not encrypt+auth */
	GNVSEC_STAT_RX_NO_REPLAY,	/* the ESP SA has no replay window */
	GNVSEC_STAT_RX_CRITICAL_OPT,	/* Geneve critical option bit set */
	GNVSEC_STAT_RX_ERROR,		/* malformed inner packet */
	GNVSEC_STAT_RX_UNKNOWN_TUNNEL,	/* namespace-wide: no tunnel matched */
	GNVSEC_STAT_RX_BAD_HEADER,	/* namespace-wide: version/protocol */
	__GNVSEC_STAT_MAX
};

#define GNVSEC_STAT_MAX (__GNVSEC_STAT_MAX - 1)

#endif /* _UAPI_LINUX_GNVSEC_H */
