/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels gnvsec builds against, in one place.
 *
 * Kbuild force-includes this header into every module file and defines
 * GNVSEC_HAVE_* from probes of the target kernel's headers (see Kbuild):
 * distribution kernels backport features, so version numbers would lie.
 * Core files use the names below and stay free of version conditionals.
 */
#ifndef _GNVSEC_COMPAT_H
#define _GNVSEC_COMPAT_H

/*
 * 6.2: nla_policy points at const ranges, and the policies ynl-gen-c makes
 * from the spec (gnvsec-nl.c) declare their ranges const. Before it the
 * pointer is not const (the core only reads through it): there the
 * generated initializers cast.
 */
#ifndef GNVSEC_HAVE_CONST_NLA_RANGE
#include <net/netlink.h>
#undef NLA_POLICY_FULL_RANGE
#define NLA_POLICY_FULL_RANGE(tp, _range) {			\
	.type = NLA_ENSURE_UINT_OR_BINARY_TYPE(tp),		\
	.validation_type = NLA_VALIDATE_RANGE_PTR,		\
	.range = (struct netlink_range_validation *)(_range),	\
}
#endif

/* NETIF_F_LLTX became the dev->lltx bit. */
#ifdef GNVSEC_HAVE_DEV_LLTX
#define gnvsec_set_lltx(dev)	((dev)->lltx = true)
#else
#define gnvsec_set_lltx(dev)	((dev)->features |= NETIF_F_LLTX)
#endif

/* NETIF_F_NETNS_LOCAL became dev->netns_local, then dev->netns_immutable. */
#if defined(GNVSEC_HAVE_DEV_NETNS_IMMUTABLE)
#define gnvsec_set_netns_local(dev)	((dev)->netns_immutable = true)
#elif defined(GNVSEC_HAVE_DEV_NETNS_LOCAL)
#define gnvsec_set_netns_local(dev)	((dev)->netns_local = true)
#else
#define gnvsec_set_netns_local(dev)	((dev)->features |= NETIF_F_NETNS_LOCAL)
#endif

/*
 * dev->pcpu_stat_type (6.7; backported to Debian's 6.1): the core allocates
 * and frees dev->tstats, and iptunnel_xmit_stats() counts into them only
 * for a device that declares them (it WARNs otherwise). Before it, the
 * driver allocated them itself.
 */
#ifdef GNVSEC_HAVE_PCPU_STAT_TYPE
#define gnvsec_tstats_setup(dev)	\
	((dev)->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS)
#define gnvsec_tstats_alloc(dev)	0
#define gnvsec_tstats_free(dev)		do { } while (0)
#else
#define gnvsec_tstats_setup(dev)	do { } while (0)
#define gnvsec_tstats_alloc(dev)					\
	({								\
		struct net_device *__dev = (dev);			\
									\
		__dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats); \
		__dev->tstats ? 0 : -ENOMEM;				\
	})
#define gnvsec_tstats_free(dev)		free_percpu((dev)->tstats)
#endif

/*
 * rtnl_link_ops.newlink takes struct rtnl_newlink_params (6.15).
 * GNVSEC_NEWLINK_WRAPPER(fn), placed after the old-style fn, defines
 * fn_params() calling it with the old arguments; GNVSEC_NEWLINK(fn) puts
 * whichever the kernel expects in the ops.
 */
#ifdef GNVSEC_HAVE_NEWLINK_PARAMS
#define GNVSEC_NEWLINK(fn)	.newlink = fn##_params
#define GNVSEC_NEWLINK_WRAPPER(fn)					\
	static int fn##_params(struct net_device *dev,			\
			       struct rtnl_newlink_params *params,	\
			       struct netlink_ext_ack *extack)		\
	{								\
		return fn(params->src_net, dev, params->tb,		\
			  params->data, extack);			\
	}
#else
#define GNVSEC_NEWLINK(fn)	.newlink = fn
#define GNVSEC_NEWLINK_WRAPPER(fn)
#endif

/*
 * setup_udp_tunnel_sock() and udp_tunnel_sock_release() take the socket's
 * struct sock rather than its struct socket (7.x).
 */
#ifdef GNVSEC_HAVE_UDP_TUNNEL_SK
#define gnvsec_setup_udp_tunnel_sock(net, sock, cfg)	\
	setup_udp_tunnel_sock(net, (sock)->sk, cfg)
#define gnvsec_udp_tunnel_sock_release(sock)		\
	udp_tunnel_sock_release((sock)->sk)
#else
#define gnvsec_setup_udp_tunnel_sock	setup_udp_tunnel_sock
#define gnvsec_udp_tunnel_sock_release	udp_tunnel_sock_release
#endif

/*
 * udp_tunnel{,6}_xmit_skb() take IP control block flags for the outer
 * packet (6.17); gnvsec sets none.
 */
#ifdef GNVSEC_HAVE_XMIT_IPCB_FLAGS
#define gnvsec_udp_tunnel_xmit_skb(...)	udp_tunnel_xmit_skb(__VA_ARGS__, 0)
#else
#define gnvsec_udp_tunnel_xmit_skb	udp_tunnel_xmit_skb
#endif
#ifdef GNVSEC_HAVE_XMIT6_IPCB_FLAGS
#define gnvsec_udp_tunnel6_xmit_skb(...)	udp_tunnel6_xmit_skb(__VA_ARGS__, 0)
#else
#define gnvsec_udp_tunnel6_xmit_skb	udp_tunnel6_xmit_skb
#endif

/*
 * The UDP socket lookups, __udp{4,6}_lib_lookup(), took the table to search
 * until UDP-Lite went (7.x); the tables became per namespace in 6.2.
 */
#ifdef GNVSEC_HAVE_NETNS_UDP_TABLE
#define gnvsec_udp_table(net)	((net)->ipv4.udp_table)
#else
#define gnvsec_udp_table(net)	(&udp_table)
#endif
#ifdef GNVSEC_HAVE_UDP_LOOKUP_TABLE
#define gnvsec_udp_lib_lookup(lookup, ns, ...) ({			\
	struct net *__net = (ns);					\
									\
	lookup(__net, __VA_ARGS__, gnvsec_udp_table(__net), NULL);	\
})
#else
#define gnvsec_udp_lib_lookup(lookup, net, ...)	lookup(net, __VA_ARGS__, NULL)
#endif

/*
 * UDP's control block lost the checksum coverage, which only UDP-Lite
 * narrows, with UDP-Lite (7.x).
 */
#ifdef GNVSEC_HAVE_UDP_CSCOV
#define gnvsec_udp_cover_all(skb) do {					\
	struct sk_buff *__skb = (skb);					\
									\
	UDP_SKB_CB(__skb)->partial_cov = 0;				\
	UDP_SKB_CB(__skb)->cscov = __skb->len;				\
} while (0)
#else
#define gnvsec_udp_cover_all(skb)	do { } while (0)
#endif

/*
 * A formatted extack message (NL_SET_ERR_MSG_FMT, 6.2). Before it the extack
 * holds only a pointer, read after the request's handler returned: the text
 * goes to @buf, which lives as long as the namespace (gn->errmsg; writers
 * hold RTNL).
 */
#define GNVSEC_ERRMSG_LEN	80
#ifdef NL_SET_ERR_MSG_FMT
#define gnvsec_extack_fmt(extack, buf, fmt, ...)			\
	NL_SET_ERR_MSG_FMT(extack, fmt, ##__VA_ARGS__)
#else
#define gnvsec_extack_fmt(extack, buf, fmt, ...)			\
	do {								\
		struct netlink_ext_ack *__ea = (extack);		\
		char *__buf = (buf);					\
									\
		snprintf(__buf, GNVSEC_ERRMSG_LEN, fmt, ##__VA_ARGS__);	\
		if (__ea)						\
			__ea->_msg = __buf;				\
	} while (0)
#endif

/*
 * Per-CPU SAs (6.13, in Debian's 6.12): xfrm_state_find() passes over a
 * state of another CPU, and a policy with XFRM_POLICY_CPU_ACQUIRE acquires
 * for each CPU.
 */
#ifdef GNVSEC_HAVE_XFRM_PCPU
#define gnvsec_xfrm_state_percpu(x)	((x)->pcpu_num != UINT_MAX)
#else
#define gnvsec_xfrm_state_percpu(x)	false
#endif
#ifdef XFRM_POLICY_CPU_ACQUIRE
#define GNVSEC_XFRM_POLICY_CPU_ACQUIRE	XFRM_POLICY_CPU_ACQUIRE
#else
#define GNVSEC_XFRM_POLICY_CPU_ACQUIRE	0
#endif

#endif /* _GNVSEC_COMPAT_H */
