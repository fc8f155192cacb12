// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path, from the UDP socket's encap_rcv hook to the stack:
 * Geneve header checks, tunnel lookup by (VNI, outer source), the IPsec
 * check on the secpath, then decapsulation through gro_cells.
 */

#include <linux/etherdevice.h>
#include <net/inet_ecn.h>
#include <net/ip_tunnels.h>
#include <net/udp_tunnel.h>

#include "gnvsec.h"

static u32 hdr_vni(const struct genevehdr *gnvh)
{
	return (gnvh->vni[0] << 16) | (gnvh->vni[1] << 8) | gnvh->vni[2];
}

static void outer_saddr(const struct sk_buff *skb, sa_family_t family,
			xfrm_address_t *saddr)
{
	memset(saddr, 0, sizeof(*saddr));
	if (family == AF_INET)
		saddr->a4 = ip_hdr(skb)->saddr;
	else
		saddr->in6 = ipv6_hdr(skb)->saddr;
}

static int ecn_decapsulate(const void *oiph, sa_family_t family,
			   struct sk_buff *skb)
{
	if (family == AF_INET)
		return IP_ECN_decapsulate(oiph, skb);
	return IP6_ECN_decapsulate(oiph, skb);
}

/* Hands the inner frame (Geneve already pulled) to the stack. */
static enum gnvsec_stat deliver(struct gnvsec_tunnel *tun, sa_family_t family,
				struct sk_buff *skb)
{
	struct net_device *dev = tun->dev;
	unsigned int len;
	void *oiph;
	int nh;

	skb_reset_mac_header(skb);
	skb->protocol = eth_type_trans(skb, dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);

	/* Our own frames looped back: a misconfiguration, not traffic. */
	if (ether_addr_equal(eth_hdr(skb)->h_source, dev->dev_addr))
		return GNVSEC_STAT_RX_ERROR;

	/* The outer header stays where it is relative to skb->head. */
	nh = skb_network_header(skb) - skb->head;
	skb_reset_network_header(skb);
	if (!pskb_inet_may_pull(skb))
		return GNVSEC_STAT_RX_ERROR;
	oiph = skb->head + nh;
	if (ecn_decapsulate(oiph, family, skb) > 1)
		return GNVSEC_STAT_RX_ERROR;

	len = skb->len;
	if (gro_cells_receive(&tun->gro_cells, skb) == NET_RX_SUCCESS)
		dev_sw_netstats_rx_add(dev, len);
	return GNVSEC_STAT_UNSPEC;
}

int gnvsec_udp_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct gnvsec_sock *gs = rcu_dereference_sk_user_data(sk);
	const struct genevehdr *gnvh;
	struct gnvsec_tunnel *tun;
	struct gnvsec_cfg *cfg;
	enum gnvsec_stat why;
	xfrm_address_t saddr;
	bool icv;

	if (!gs)
		goto drop;

	if (!pskb_may_pull(skb, GNVSEC_GENEVE_HLEN)) {
		why = GNVSEC_STAT_RX_BAD_HEADER;
		goto drop_netns;
	}
	gnvh = gnvsec_geneve_hdr(skb);
	if (gnvh->ver != GNVSEC_GENEVE_VER || gnvh->proto_type != htons(ETH_P_TEB)) {
		why = GNVSEC_STAT_RX_BAD_HEADER;
		goto drop_netns;
	}

	outer_saddr(skb, gs->family, &saddr);
	cfg = gnvsec_table_lookup(gs, hdr_vni(gnvh), &saddr);
	if (!cfg || !netif_running(cfg->tun->dev)) {
		why = GNVSEC_STAT_RX_UNKNOWN_TUNNEL;
		goto drop_netns;
	}
	tun = cfg->tun;

	/* The secpath is gone once the header is pulled: decide now. */
	why = gnvsec_ipsec_check_rx(cfg, gs->gn, skb, &icv);
	if (why)
		goto drop_tunnel;

	if (gnvh->critical) {
		why = GNVSEC_STAT_RX_CRITICAL_OPT;
		goto drop_tunnel;
	}

	/*
	 * The packet came through an SA of the peer's whose ICV covers the
	 * whole Geneve packet: nothing on the path can have changed a byte of
	 * it, so the inner checksums are not computed again (as WireGuard
	 * does after its AEAD). Without such an SA they are.
	 */
	if (icv) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		skb->csum_level = ~0;
	}

	/* Options are skipped: gnvsec understands none of them. */
	if (iptunnel_pull_header(skb, GNVSEC_GENEVE_HLEN + gnvh->opt_len * 4,
				 htons(ETH_P_TEB), false)) {
		why = GNVSEC_STAT_RX_ERROR;
		goto drop_tunnel;
	}

	why = deliver(tun, gs->family, skb);
	if (why)
		goto drop_tunnel;
	return 0;

drop_tunnel:
	gnvsec_count(tun->drops, why);
	goto drop;
drop_netns:
	gnvsec_count(gs->gn->drops, why);
drop:
	kfree_skb(skb);
	return 0;
}
