// SPDX-License-Identifier: GPL-2.0
/*
 * The output guard: the last word on a Geneve packet of a tunnel that
 * requires IPsec, after everything the kernel may still do to it.
 *
 * gnvsec_route() checks the bundle before the packet is sent, but
 * ip_local_out() hands the packet to netfilter, which may throw the checked
 * route away and look XFRM up again without gnvsec: a rule that changes
 * the mark or the TOS in a route chain (ip_route_me_harder()), NAT in
 * OUTPUT or POSTROUTING (nf_xfrm_me_harder()), and the same for IPv6. If no
 * policy matches the new flow, the packet would leave in clear.
 *
 * So while a tunnel of the namespace requires IPsec, a hook runs last at
 * POST_ROUTING for each family in use. There the packet's route is final:
 * __xfrm4_output()/__xfrm6_output() and ip_finish_output() act on the dst
 * the last hook saw. A Geneve packet of a protected tunnel that has not been
 * transformed yet must then be on a bundle that passes the same rule as at
 * send time (gnvsec_ipsec_check_tx()); otherwise it is dropped and counted
 * as GNVSEC_STAT_TX_REROUTED.
 *
 * Which packets are gnvsec's: while sending, gnvsec notes the skb and its
 * configuration per CPU, and the whole way from ip_local_out() to the last
 * POST_ROUTING hook runs on that CPU, so the guard knows its packet whatever
 * a rule rewrote in it (mark, addresses, ports). Copies (nft dup, TEE) and
 * packets reinjected later from a userspace queue are not that skb: for
 * them the guard recognises the packet as sent, from the conntrack tuple of
 * its direction when there is one (NAT rewrites headers, not that tuple),
 * else from its headers: UDP to the port of a gnvsec socket, the tunnel
 * found by (VNI, destination) as on receive. Forwarded packets are not
 * gnvsec's.
 */

#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/percpu.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>

#include "gnvsec.h"

struct tx_ctx {
	const struct sk_buff *skb;
	const struct gnvsec_cfg *cfg;
};

static DEFINE_PER_CPU(struct tx_ctx, tx_ctx);

/*
 * Called by the send path, which runs with bottom halves off (no
 * migration), around udp_tunnel_xmit_skb() for a tunnel requiring IPsec.
 * Returns what to restore: sending may nest (a tunnel over a tunnel).
 */
struct gnvsec_tx_mark gnvsec_guard_enter(const struct sk_buff *skb,
					 const struct gnvsec_cfg *cfg)
{
	struct gnvsec_tx_mark old = {
		.skb = this_cpu_read(tx_ctx.skb),
		.cfg = this_cpu_read(tx_ctx.cfg),
	};

	this_cpu_write(tx_ctx.skb, skb);
	this_cpu_write(tx_ctx.cfg, cfg);
	return old;
}

void gnvsec_guard_leave(struct gnvsec_tx_mark old)
{
	this_cpu_write(tx_ctx.skb, old.skb);
	this_cpu_write(tx_ctx.cfg, old.cfg);
}

/*
 * The (destination, port) a UDP packet was sent to, before any NAT; @thoff
 * is where its UDP header is (raw sockets leave the transport header unset).
 */
static bool sent_to(const struct sk_buff *skb, bool ipv4, int thoff,
		    xfrm_address_t *daddr, __be16 *dport)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	if (ct) {
		const struct nf_conntrack_tuple *t =
			&ct->tuplehash[CTINFO2DIR(ctinfo)].tuple;

		if (t->dst.protonum != IPPROTO_UDP)
			return false;
		memset(daddr, 0, sizeof(*daddr));
		if (ipv4)
			daddr->a4 = t->dst.u3.ip;
		else
			daddr->in6 = t->dst.u3.in6;
		*dport = t->dst.u.udp.port;
		return true;
	}
#endif
	{
		const struct udphdr *uh;
		struct udphdr _uh;

		uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
		if (!uh)
			return false;
		memset(daddr, 0, sizeof(*daddr));
		if (ipv4)
			daddr->a4 = ip_hdr(skb)->daddr;
		else
			daddr->in6 = ipv6_hdr(skb)->daddr;
		*dport = uh->dest;
		return true;
	}
}

static u32 packet_vni(const struct sk_buff *skb, int thoff)
{
	const struct genevehdr *gnvh;
	struct genevehdr _gnvh;

	gnvh = skb_header_pointer(skb, thoff + sizeof(struct udphdr),
				  sizeof(_gnvh), &_gnvh);
	if (!gnvh)
		return U32_MAX;		/* no VNI is that large */
	return (gnvh->vni[0] << 16) | (gnvh->vni[1] << 8) | gnvh->vni[2];
}

/* Under RCU: the configuration a packet not marked as ours was sent for. */
static const struct gnvsec_cfg *recognise(struct gnvsec_net *gn,
					  const struct sk_buff *skb, bool ipv4)
{
	sa_family_t family = ipv4 ? AF_INET : AF_INET6;
	int thoff = skb_network_offset(skb) +
		    (ipv4 ? ip_hdrlen(skb) : sizeof(struct ipv6hdr));
	struct gnvsec_sock *gs;
	xfrm_address_t daddr;
	__be16 dport;

	if (!sent_to(skb, ipv4, thoff, &daddr, &dport))
		return NULL;
	list_for_each_entry_rcu(gs, &gn->socks, list) {
		if (gs->family == family && gs->port == dport)
			return gnvsec_table_lookup(gs, packet_vni(skb, thoff),
						   &daddr);
	}
	return NULL;
}

static unsigned int guard_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	bool ipv4 = state->pf == NFPROTO_IPV4;
	struct gnvsec_net *gn = priv;
	const struct gnvsec_cfg *cfg;
	enum gnvsec_stat why;
	u16 flags;

	if (ipv4) {
		flags = IPCB(skb)->flags;
		if (flags & IPSKB_XFRM_TRANSFORMED)
			goto transformed;
		if (ip_hdr(skb)->protocol != IPPROTO_UDP)
			return NF_ACCEPT;
		flags &= IPSKB_FORWARDED;
	} else {
		flags = IP6CB(skb)->flags;
		if (flags & IP6SKB_XFRM_TRANSFORMED)
			goto transformed;
		if (ipv6_hdr(skb)->nexthdr != IPPROTO_UDP)
			return NF_ACCEPT;
		flags &= IP6SKB_FORWARDED;
	}

	if (this_cpu_read(tx_ctx.skb) == skb)
		cfg = this_cpu_read(tx_ctx.cfg);
	else if (!flags)
		cfg = recognise(gn, skb, ipv4);
	else
		return NF_ACCEPT;
	if (!cfg || !gnvsec_ipsec_required(cfg, gn))
		return NF_ACCEPT;

	why = gnvsec_ipsec_check_tx(skb_dst(skb), cfg, gn);
	if (likely(!why))
		return NF_ACCEPT;
	gnvsec_count(cfg->tun->drops, GNVSEC_STAT_TX_REROUTED);
	net_dbg_ratelimited("%s: dropped a re-routed packet that would leave without IPsec\n",
			    cfg->tun->dev->name);
	return NF_DROP;

transformed:
	/*
	 * Encrypted: whatever this skb becomes from here on (the outer
	 * packet of another tunnel it is routed into) is no longer ours.
	 */
	if (this_cpu_read(tx_ctx.skb) == skb)
		this_cpu_write(tx_ctx.skb, NULL);
	return NF_ACCEPT;
}

static int guard_open(struct gnvsec_net *gn, int i)
{
	struct nf_hook_ops *ops = &gn->guard_ops[i];

	/*
	 * Last at POST_ROUTING: after NAT (the source NAT that re-routes),
	 * after mangling, after every other rule.
	 */
	*ops = (struct nf_hook_ops) {
		.hook = guard_hook,
		.priv = gn,
		.pf = i ? NFPROTO_IPV6 : NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = i ? NF_IP6_PRI_LAST : NF_IP_PRI_LAST,
	};
	return nf_register_net_hook(gn->net, ops);
}

/*
 * Under RTNL: a guard per family (0 IPv4, 1 IPv6) exactly while @need[i].
 * gn->guarded[i] says that one is registered; the send path refuses to
 * send for a tunnel that requires IPsec while its family has none (the
 * moment between a change and this update, or a failed registration), so
 * no packet can leave unguarded.
 */
void gnvsec_guard_update(struct gnvsec_net *gn, const bool need[2])
{
	int i;

	ASSERT_RTNL();

	for (i = 0; i < 2; i++) {
		if (need[i] && !gn->guarded[i]) {
			if (guard_open(gn, i))
				continue;
			WRITE_ONCE(gn->guarded[i], true);
		} else if (!need[i] && gn->guarded[i]) {
			WRITE_ONCE(gn->guarded[i], false);
			/*
			 * A hook still running reads only @gn, which lives as
			 * long as the namespace: no grace period needed.
			 */
			nf_unregister_net_hook(gn->net, &gn->guard_ops[i]);
		}
	}
}
