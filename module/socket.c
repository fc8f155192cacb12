// SPDX-License-Identifier: GPL-2.0
/*
 * UDP sockets: one kernel socket per (namespace, family, port), shared by
 * every tunnel on it, as drivers/net/geneve.c does. Receiving goes through
 * the socket's encap_rcv hook (rx.c); sending uses the socket only as the
 * originator of the outer packets (tx.c). And ESP-in-UDP receive for
 * forced NAT-T, which binds no socket.
 */

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "gnvsec.h"

static struct socket *create_sock(struct net *net, sa_family_t family,
				  __be16 port)
{
	struct udp_port_cfg conf = {
		.family = family,
		.local_udp_port = port,
		/* Checksums both ways: IPv6 forbids zero UDP checksums. */
		.use_udp_checksums = 1,
		.use_udp6_tx_checksums = 1,
		.use_udp6_rx_checksums = 1,
		.ipv6_v6only = family == AF_INET6,
	};
	struct socket *sock;
	int err;

	err = udp_sock_create(net, &conf, &sock);
	if (err < 0)
		return ERR_PTR(err);

	udp_allow_gso(sock->sk);
	return sock;
}

/* Under RTNL: takes a reference on the socket for (family, port). */
struct gnvsec_sock *gnvsec_sock_get(struct gnvsec_net *gn, sa_family_t family,
				    __be16 port)
{
	struct udp_tunnel_sock_cfg tunnel_cfg = {
		.encap_type = 1,
		.encap_rcv = gnvsec_udp_encap_rcv,
	};
	struct gnvsec_sock *gs;
	struct socket *sock;
	int h;

	ASSERT_RTNL();

	list_for_each_entry(gs, &gn->socks, list) {
		if (gs->family == family && gs->port == port) {
			gs->refcnt++;
			return gs;
		}
	}

	gs = kzalloc(sizeof(*gs), GFP_KERNEL);
	if (!gs)
		return ERR_PTR(-ENOMEM);

	sock = create_sock(gn->net, family, port);
	if (IS_ERR(sock)) {
		kfree(gs);
		return ERR_CAST(sock);
	}

	gs->sock = sock;
	gs->gn = gn;
	gs->refcnt = 1;
	gs->family = family;
	gs->port = port;
	for (h = 0; h < ARRAY_SIZE(gs->vni_hash); h++)
		INIT_HLIST_HEAD(&gs->vni_hash[h]);

	tunnel_cfg.sk_user_data = gs;
	gnvsec_setup_udp_tunnel_sock(gn->net, sock, &tunnel_cfg);
	list_add_rcu(&gs->list, &gn->socks);
	return gs;
}

/* Under RTNL: drops a reference; the last one closes the socket. */
void gnvsec_sock_put(struct gnvsec_sock *gs)
{
	ASSERT_RTNL();

	if (--gs->refcnt)
		return;

	list_del_rcu(&gs->list);
	/*
	 * The send path may still hold a retired configuration naming this
	 * socket and read gs->sock->sk, which releasing the socket clears:
	 * wait for it, as drivers/net/geneve.c does before a release.
	 */
	synchronize_net();
	/* Clears sk_user_data first: late packets see no gnvsec_sock. */
	gnvsec_udp_tunnel_sock_release(gs->sock);
	kfree_rcu(gs, rcu);
}

/*
 * ESP-in-UDP (RFC 3948) receive, without holding the NAT-T port.
 *
 * The kernel hands ESP-in-UDP to XFRM only from a UDP socket in
 * UDP_ENCAP_ESPINUDP mode. An IKE daemon (strongSwan's charon) binds one on
 * port 4500; where none does, gnvsec must still receive. A socket of
 * gnvsec's own bound to 4500 would fight the daemon: a daemon started after
 * it cannot bind the port, as UDP lets a second socket share a port only
 * when both set SO_REUSEADDR (or both SO_REUSEPORT), and charon sets
 * neither (strongSwan 5.9.8 stopped setting SO_REUSEADDR).
 *
 * So gnvsec binds nothing. Its socket stays unbound, out of the UDP hash
 * tables, and serves only as the encapsulation context that the XFRM
 * receive function reads. A netfilter hook at LOCAL_IN, after the
 * firewall and NAT, looks each datagram to port 4500 up in the UDP tables
 * as UDP delivery would: if a socket would get it (the daemon's), the
 * hook lets it go there, so the daemon receives IKE and decapsulates ESP
 * through its own socket; only when no socket would, the hook does what
 * UDP delivery does up to the socket's encap_rcv and calls the same
 * function on its own socket. A daemon can therefore bind or close the
 * port at any time, and each datagram goes to whichever is there.
 * Non-ESP datagrams (IKE, NAT keepalives) with no daemon are dropped, as
 * they would be with no socket.
 *
 * The hook sees IPv6 datagrams before extension headers other than
 * hop-by-hop are processed: one with such headers is left to the stack.
 */
static struct sock *natt_lookup(struct net *net, struct sk_buff *skb,
				const struct udphdr *uh, bool ipv4)
{
	if (ipv4)
		return gnvsec_udp_lib_lookup(__udp4_lib_lookup, net,
					     ip_hdr(skb)->saddr, uh->source,
					     ip_hdr(skb)->daddr, uh->dest,
					     inet_iif(skb), inet_sdif(skb));
	return gnvsec_udp_lib_lookup(__udp6_lib_lookup, net,
				     &ipv6_hdr(skb)->saddr, uh->source,
				     &ipv6_hdr(skb)->daddr, uh->dest,
				     inet6_iif(skb), inet6_sdif(skb));
}

/*
 * As UDP delivery's udp4_csum_init() and udp6_csum_init() for UDP (the
 * latter is not exported on every kernel). 0 when the checksum is good or
 * left to check later.
 */
static int natt_csum_init(struct sk_buff *skb, struct udphdr *uh, bool ipv4)
{
	__sum16 bad;

	gnvsec_udp_cover_all(skb);
	bad = ipv4 ? skb_checksum_init_zero_check(skb, IPPROTO_UDP, uh->check,
						  inet_compute_pseudo) :
		     skb_checksum_init_zero_check(skb, IPPROTO_UDP, uh->check,
						  ip6_compute_pseudo);
	if (bad)
		return 1;
	if (skb->ip_summed == CHECKSUM_COMPLETE && !skb->csum_valid) {
		if (skb->csum_complete_sw)
			return 1;
		skb_checksum_complete_unset(skb);
	}
	return 0;
}

/* As udp_queue_rcv_one_skb() for an encapsulation socket; consumes skb. */
static void natt_rcv_one(struct sock *sk, struct sk_buff *skb, bool ipv4)
{
	int (*encap_rcv)(struct sock *sk, struct sk_buff *skb);

	if (ipv4 ? !xfrm4_policy_check(sk, XFRM_POLICY_IN, skb) :
		   !xfrm6_policy_check(sk, XFRM_POLICY_IN, skb))
		goto drop;
	nf_reset_ct(skb);
	if (udp_lib_checksum_complete(skb))
		goto drop;
	encap_rcv = READ_ONCE(udp_sk(sk)->encap_rcv);
	/*
	 * As for UDP, <= 0: XFRM took the skb (a negative value, a protocol
	 * to resubmit to, comes only from kernels without netfilter, which
	 * this hook needs). Otherwise not ESP: nobody would read it.
	 */
	if (encap_rcv && encap_rcv(sk, skb) <= 0)
		return;
drop:
	kfree_skb(skb);
}

static unsigned int natt_hook(void *priv, struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	bool ipv4 = state->pf == NFPROTO_IPV4;
	struct sk_buff *segs, *next;
	struct socket *sock = priv;
	struct udphdr *uh;
	unsigned int ulen;
	struct sock *sk;

	if (skb->pkt_type != PACKET_HOST || skb->sk)
		return NF_ACCEPT;
	if (ipv4) {
		if (ip_hdr(skb)->protocol != IPPROTO_UDP ||
		    skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST))
			return NF_ACCEPT;
	} else if (skb_network_header(skb)[IP6CB(skb)->nhoff] != IPPROTO_UDP ||
		   ipv6_addr_is_multicast(&ipv6_hdr(skb)->daddr)) {
		return NF_ACCEPT;
	}
	if (!pskb_may_pull(skb, skb_transport_offset(skb) + sizeof(*uh)))
		return NF_ACCEPT;
	uh = udp_hdr(skb);
	if (uh->dest != htons(GNVSEC_NATT_PORT) ||
	    natt_lookup(state->net, skb, uh, ipv4))
		return NF_ACCEPT;

	/* No socket would get it: from here on, as UDP delivery. */
	skb_clear_delivery_time(skb);
	__skb_pull(skb, skb_transport_offset(skb));
	ulen = ntohs(uh->len);
	if (!ipv4 && !ulen)		/* jumbogram */
		ulen = skb->len;
	if (ulen < sizeof(*uh) || ulen > skb->len ||
	    pskb_trim_rcsum(skb, ulen))
		return NF_DROP;
	uh = udp_hdr(skb);
	/* IPv6 allows a zero checksum only to sockets that ask for it. */
	if ((!ipv4 && !uh->check) || natt_csum_init(skb, uh, ipv4))
		return NF_DROP;

	gnvsec_test_delay();
	/* Set until this hook returns: natt_close() waits for it. */
	sk = sock->sk;
	if (!skb_is_gso(skb)) {
		natt_rcv_one(sk, skb, ipv4);
		return NF_STOLEN;
	}
	/* GRO merged datagrams that no socket asked for merged. */
	__skb_push(skb, -skb_mac_offset(skb));
	segs = udp_rcv_segment(sk, skb, ipv4);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		__skb_pull(skb, skb_transport_offset(skb));
		udp_post_segment_fix_csum(skb);
		natt_rcv_one(sk, skb, ipv4);
	}
	return NF_STOLEN;
}

/*
 * The hook's socket: unbound, in UDP_ENCAP_ESPINUDP mode through its own
 * setsockopt, which picks the receive function of its family
 * (xfrm6_udp_encap_rcv is not exported).
 */
static int natt_open(struct gnvsec_net *gn, int i, sa_family_t family)
{
	struct nf_hook_ops *ops = &gn->natt_ops[i];
	int encap = UDP_ENCAP_ESPINUDP;
	struct socket *sock;
	int err;

	err = sock_create_kern(gn->net, family, SOCK_DGRAM, IPPROTO_UDP, &sock);
	if (err)
		return err;
	err = sock->ops->setsockopt(sock, SOL_UDP, UDP_ENCAP,
				    KERNEL_SOCKPTR(&encap), sizeof(encap));
	if (err)
		goto release;

	/*
	 * Last before conntrack confirms, so after the firewall and NAT as
	 * for a datagram to a socket.
	 */
	*ops = (struct nf_hook_ops) {
		.hook = natt_hook,
		.priv = sock,
		.pf = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = family == AF_INET ? NF_IP_PRI_CONNTRACK_CONFIRM - 1 :
						NF_IP6_PRI_LAST - 1,
	};
	err = nf_register_net_hook(gn->net, ops);
	if (err)
		goto release;
	gn->natt[i] = sock;
	return 0;

release:
	sock_release(sock);
	return err;
}

/*
 * nf_unregister_net_hook() does not wait for hooks already running (it
 * swaps in a no-op and frees the old hook array after a grace period), and
 * a running natt_hook() uses the socket: wait for those before releasing.
 */
static void natt_close(struct gnvsec_net *gn, int i)
{
	nf_unregister_net_hook(gn->net, &gn->natt_ops[i]);
	synchronize_net();
	sock_release(gn->natt[i]);
	gn->natt[i] = NULL;
}

/*
 * Under RTNL (gnvsec_net_update()): sets up or tears down ESP-in-UDP
 * receive per family (0 IPv4, 1 IPv6) so that it exists exactly while
 * @need[i], a tunnel of that family forcing encapsulation. Failing to set
 * it up is not fatal: ESP-in-UDP that nothing receives is dropped by the
 * stack, never delivered in clear.
 */
void gnvsec_natt_update(struct gnvsec_net *gn, const bool need[2])
{
	static const sa_family_t families[] = { AF_INET, AF_INET6 };
	int i;

	ASSERT_RTNL();

	for (i = 0; i < ARRAY_SIZE(families); i++) {
		if (need[i] && !gn->natt[i]) {
			gn->natt_err[i] = natt_open(gn, i, families[i]);
		} else if (!need[i] && gn->natt[i]) {
			natt_close(gn, i);
			gn->natt_err[i] = 0;
		} else if (!need[i]) {
			gn->natt_err[i] = 0;
		}
	}
}
