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

/* NETIF_F_LLTX became the dev->lltx bit. */
#ifdef GNVSEC_HAVE_DEV_LLTX
#define gnvsec_set_lltx(dev)	((dev)->lltx = true)
#else
#define gnvsec_set_lltx(dev)	((dev)->features |= NETIF_F_LLTX)
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

/* rtnl_link_ops.newlink gained struct rtnl_newlink_params. */
#ifdef GNVSEC_HAVE_NEWLINK_PARAMS
#define GNVSEC_NEWLINK(fn)	.newlink = fn##_params
#else
#define GNVSEC_NEWLINK(fn)	.newlink = fn
#endif

#endif /* _GNVSEC_COMPAT_H */
