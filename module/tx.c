// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit path: one inner Ethernet frame in, one Geneve packet out
 * through the route gnvsec_route() allowed, or a counted drop.
 */

#include <linux/etherdevice.h>
#include <net/inet_ecn.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "gnvsec.h"

static void build_header(struct genevehdr *gnvh, u32 vni)
{
	memset(gnvh, 0, sizeof(*gnvh));
	gnvh->ver = GNVSEC_GENEVE_VER;
	gnvh->proto_type = htons(ETH_P_TEB);
	gnvh->vni[0] = vni >> 16;
	gnvh->vni[1] = vni >> 8;
	gnvh->vni[2] = vni;
}

/* Pushes the Geneve header; the outer UDP and IP headers come later. */
static int encapsulate(struct sk_buff *skb, const struct dst_entry *dst,
		       const struct gnvsec_cfg *cfg, int ip_hdr_len, bool csum)
{
	int err;

	skb_reset_mac_header(skb);
	skb_scrub_packet(skb, false);

	err = skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + dst->header_len +
				GNVSEC_GENEVE_HLEN + ip_hdr_len);
	if (unlikely(err))
		return err;

	err = udp_tunnel_handle_offloads(skb, csum);
	if (unlikely(err))
		return err;

	build_header(__skb_push(skb, sizeof(struct genevehdr)), cfg->vni);
	skb_set_inner_protocol(skb, htons(ETH_P_TEB));
	/* After the scrub: XFRM policies and the route saw this very mark. */
	skb->mark = cfg->mark & cfg->mark_mask;
	return 0;
}

/*
 * An inner packet too big for the path: tell its sender. As the kernel's
 * own geneve does, the ICMP error goes back through the device when the
 * tunnel is bridged, or the inner route learns the PMTU otherwise.
 */
static int check_pmtu(struct sk_buff *skb, struct net_device *dev,
		      struct dst_entry *dst, int hlen)
{
	int err;

	err = skb_tunnel_check_pmtu(skb, dst, hlen,
				    netif_is_any_bridge_port(dev));
	if (err <= 0)
		return err;

	if (!pskb_may_pull(skb, ETH_HLEN))
		return -EINVAL;
	skb->protocol = eth_type_trans(skb, dev);
	__netif_rx(skb);
	return -EMSGSIZE;
}

static __be16 inner_df(struct sk_buff *skb)
{
	const struct ethhdr *eth = skb_eth_hdr(skb);

	if (eth->h_proto == htons(ETH_P_IPV6))
		return htons(IP_DF);
	if (eth->h_proto == htons(ETH_P_IP) &&
	    (ip_hdr(skb)->frag_off & htons(IP_DF)))
		return htons(IP_DF);
	return 0;
}

/* Sends the finished packet through @dst, which it owns. */
static void send(struct sk_buff *skb, struct net_device *dev,
		 struct dst_entry *dst, const struct gnvsec_cfg *cfg,
		 const xfrm_address_t *saddr, u8 tos, __be16 df, __be16 sport,
		 bool csum)
{
	struct sock *sk = cfg->gs->sock->sk;

	if (cfg->family == AF_INET) {
		gnvsec_udp_tunnel_xmit_skb((struct rtable *)dst, sk, skb,
					   saddr->a4, cfg->remote.a4, tos,
					   ip4_dst_hoplimit(dst), df, sport,
					   cfg->port, false, !csum);
	} else {
		/* Not const in udp_tunnel6_xmit_skb()'s signature. */
		struct in6_addr src = saddr->in6, daddr = cfg->remote.in6;

		gnvsec_udp_tunnel6_xmit_skb(dst, sk, skb, dev, &src, &daddr,
					    tos, ip6_dst_hoplimit(dst), 0,
					    sport, cfg->port, !csum);
	}
}

static int xmit(struct sk_buff *skb, struct net_device *dev,
		const struct gnvsec_cfg *cfg, const struct gnvsec_net *gn,
		enum gnvsec_stat *why)
{
	bool required = gnvsec_ipsec_required(cfg, gn);
	bool v4 = cfg->family == AF_INET;
	struct gnvsec_tx_mark mark;
	bool csum;
	struct dst_entry *dst;
	xfrm_address_t saddr;
	__be16 sport, df;
	u8 tos;
	int err;

	*why = GNVSEC_STAT_TX_ERROR;
	/*
	 * No guard for the family yet (a change being applied) or none to
	 * be had: nothing would stop netfilter re-routing the packet in clear.
	 */
	if (required &&
	    unlikely(!READ_ONCE(gn->guarded[gnvsec_family_idx(cfg->family)])))
		return -EPERM;
	if (skb_vlan_inet_prepare(skb, false))
		return -EINVAL;

	sport = udp_flow_src_port(dev_net(dev), skb, 1, USHRT_MAX, true);
	dst = gnvsec_route(cfg, gn, sport, &saddr, why);
	if (IS_ERR(dst))
		return PTR_ERR(dst);

	*why = GNVSEC_STAT_TX_ERROR;
	err = check_pmtu(skb, dev, dst, v4 ? GNVSEC_HLEN4 : GNVSEC_HLEN6);
	if (err) {
		dst_release(dst);
		/* Consumed: the ICMP error went back through the device. */
		return err == -EMSGSIZE ? 0 : err;
	}

	tos = ip_tunnel_ecn_encap(0, ip_hdr(skb), skb);
	df = inner_df(skb);
	/*
	 * No UDP checksum over IPv4 (RFC 768 allows it, and every receiver
	 * accepts it) when the packet can leave only inside ESP that
	 * authenticates: the send rule and the output guard admit no other
	 * state without allow_null, and the ICV covers the UDP header and
	 * payload, so the checksum would only cost a pass over the packet on
	 * each side. With allow_null the state may have no ICV (digest_null),
	 * and IPv6 receivers refuse a zero checksum (RFC 8200): keep it.
	 */
	csum = !(v4 && required && !cfg->allow_null);
	err = encapsulate(skb, dst, cfg, v4 ? sizeof(struct iphdr) :
						sizeof(struct ipv6hdr), csum);
	if (unlikely(err)) {
		dst_release(dst);
		return err;
	}

	if (!required) {
		send(skb, dev, dst, cfg, &saddr, tos, df, sport, csum);
		return 0;
	}
	/* Tells the output guard (guard.c) that this packet is the tunnel's. */
	mark = gnvsec_guard_enter(skb, cfg);
	send(skb, dev, dst, cfg, &saddr, tos, df, sport, csum);
	gnvsec_guard_leave(mark);
	return 0;
}

netdev_tx_t gnvsec_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct gnvsec_tunnel *tun = netdev_priv(dev);
	const struct gnvsec_cfg *cfg;
	enum gnvsec_stat why;
	int err;

	rcu_read_lock();
	cfg = rcu_dereference(tun->cfg);
	if (unlikely(!cfg || !cfg->family)) {
		why = GNVSEC_STAT_TX_UNCONFIGURED;
		goto drop;
	}

	err = xmit(skb, dev, cfg, gnvsec_pernet(dev_net(dev)), &why);
	if (unlikely(err))
		goto drop;
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop:
	rcu_read_unlock();
	gnvsec_count(tun->drops, why);
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}
