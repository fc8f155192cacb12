// SPDX-License-Identifier: GPL-2.0
/*
 * The gnvsec net_device: netdev ops, the "gnvsec" rtnl_link kind and the
 * per-namespace state that ties tunnels and sockets together.
 */

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <net/ip_tunnels.h>
#include <net/rtnetlink.h>
#include <net/net_namespace.h>

#include "gnvsec.h"

unsigned int gnvsec_net_id __read_mostly;

static int gnvsec_dev_init(struct net_device *dev)
{
	struct gnvsec_tunnel *tun = netdev_priv(dev);
	int err;

	err = gnvsec_tstats_alloc(dev);
	if (err)
		return err;

	err = gro_cells_init(&tun->gro_cells, dev);
	if (err) {
		gnvsec_tstats_free(dev);
		return err;
	}
	return 0;
}

static void gnvsec_dev_uninit(struct net_device *dev)
{
	struct gnvsec_tunnel *tun = netdev_priv(dev);

	gro_cells_destroy(&tun->gro_cells);
	gnvsec_tstats_free(dev);
}

static void gnvsec_get_stats64(struct net_device *dev,
			       struct rtnl_link_stats64 *stats)
{
	struct gnvsec_tunnel *tun = netdev_priv(dev);
	u64 tx = 0, rx = 0;
	int i;

	netdev_stats_to_stats64(stats, &dev->stats);
	dev_fetch_sw_netstats(stats, dev->tstats);

	for (i = GNVSEC_STAT_TX_UNCONFIGURED; i <= GNVSEC_STAT_TX_ERROR; i++)
		tx += atomic64_read(&tun->drops[i]);
	for (i = GNVSEC_STAT_RX_PLAINTEXT; i <= GNVSEC_STAT_RX_ERROR; i++)
		rx += atomic64_read(&tun->drops[i]);
	stats->tx_dropped += tx;
	stats->rx_dropped += rx;
}

static int gnvsec_change_mtu(struct net_device *dev, int new_mtu)
{
	struct gnvsec_tunnel *tun = netdev_priv(dev);

	/* An MTU set from outside sticks; gnvsec stops deriving its own. */
	if (!tun->mtu_auto)
		tun->mtu_user = true;
	dev->mtu = new_mtu;
	return 0;
}

static const struct net_device_ops gnvsec_netdev_ops = {
	.ndo_init		= gnvsec_dev_init,
	.ndo_uninit		= gnvsec_dev_uninit,
	.ndo_start_xmit		= gnvsec_xmit,
	.ndo_get_stats64	= gnvsec_get_stats64,
	.ndo_change_mtu		= gnvsec_change_mtu,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

/*
 * ethtool -S: the tunnel's drop counters by reason, under the names
 * gnvsecctl prints (tunnels show). The uapi enum runs from the first tx
 * reason to the last rx one without a gap; the namespace-wide counters
 * after it belong to no device.
 */
#define GNVSEC_ETH_FIRST	GNVSEC_STAT_TX_UNCONFIGURED
#define GNVSEC_ETH_LAST		GNVSEC_STAT_RX_ERROR
#define GNVSEC_ETH_COUNT	(GNVSEC_ETH_LAST - GNVSEC_ETH_FIRST + 1)

static const char gnvsec_stat_names[GNVSEC_ETH_COUNT][ETH_GSTRING_LEN] = {
	[GNVSEC_STAT_TX_UNCONFIGURED - GNVSEC_ETH_FIRST]	= "tx_unconfigured",
	[GNVSEC_STAT_TX_NO_ROUTE - GNVSEC_ETH_FIRST]		= "tx_no_route",
	[GNVSEC_STAT_TX_NO_POLICY - GNVSEC_ETH_FIRST]		= "tx_no_policy",
	[GNVSEC_STAT_TX_NO_SA - GNVSEC_ETH_FIRST]		= "tx_no_sa",
	[GNVSEC_STAT_TX_WRONG_SA - GNVSEC_ETH_FIRST]		= "tx_wrong_sa",
	[GNVSEC_STAT_TX_NOT_ENCAP - GNVSEC_ETH_FIRST]		= "tx_not_encap",
	[GNVSEC_STAT_TX_UNENCRYPTED_SA - GNVSEC_ETH_FIRST]	= "tx_unencrypted_sa",
	[GNVSEC_STAT_TX_REROUTED - GNVSEC_ETH_FIRST]		= "tx_rerouted",
	[GNVSEC_STAT_TX_ERROR - GNVSEC_ETH_FIRST]		= "tx_error",
	[GNVSEC_STAT_RX_PLAINTEXT - GNVSEC_ETH_FIRST]		= "rx_plaintext",
	[GNVSEC_STAT_RX_WRONG_SA - GNVSEC_ETH_FIRST]		= "rx_wrong_sa",
	[GNVSEC_STAT_RX_NOT_ENCAP - GNVSEC_ETH_FIRST]		= "rx_not_encap",
	[GNVSEC_STAT_RX_UNENCRYPTED_SA - GNVSEC_ETH_FIRST]	= "rx_unencrypted_sa",
	[GNVSEC_STAT_RX_NO_REPLAY - GNVSEC_ETH_FIRST]		= "rx_no_replay",
	[GNVSEC_STAT_RX_CRITICAL_OPT - GNVSEC_ETH_FIRST]	= "rx_critical_opt",
	[GNVSEC_STAT_RX_ERROR - GNVSEC_ETH_FIRST]		= "rx_error",
};

static void gnvsec_get_drvinfo(struct net_device *dev,
			       struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "gnvsec", sizeof(info->driver));
	strscpy(info->version, GNVSEC_VERSION, sizeof(info->version));
}

static int gnvsec_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? GNVSEC_ETH_COUNT : -EOPNOTSUPP;
}

static void gnvsec_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, gnvsec_stat_names, sizeof(gnvsec_stat_names));
}

static void gnvsec_get_ethtool_stats(struct net_device *dev,
				     struct ethtool_stats *stats, u64 *data)
{
	struct gnvsec_tunnel *tun = netdev_priv(dev);
	int i;

	for (i = 0; i < GNVSEC_ETH_COUNT; i++)
		data[i] = atomic64_read(&tun->drops[GNVSEC_ETH_FIRST + i]);
}

static const struct ethtool_ops gnvsec_ethtool_ops = {
	.get_drvinfo		= gnvsec_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= gnvsec_get_sset_count,
	.get_strings		= gnvsec_get_strings,
	.get_ethtool_stats	= gnvsec_get_ethtool_stats,
};

static const struct device_type gnvsec_type = {
	.name = "gnvsec",
};

static void gnvsec_setup(struct net_device *dev)
{
	ether_setup(dev);

	dev->netdev_ops = &gnvsec_netdev_ops;
	dev->ethtool_ops = &gnvsec_ethtool_ops;
	dev->needs_free_netdev = true;
	SET_NETDEV_DEVTYPE(dev, &gnvsec_type);

	gnvsec_set_lltx(dev);
	/* Tunnels, sockets and marks are per namespace: a tunnel stays put. */
	gnvsec_set_netns_local(dev);
	gnvsec_tstats_setup(dev);
	dev->features |= NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_FRAGLIST |
			 NETIF_F_RXCSUM | NETIF_F_GSO_SOFTWARE;
	dev->hw_features |= NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_FRAGLIST |
			    NETIF_F_RXCSUM | NETIF_F_GSO_SOFTWARE;

	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - GNVSEC_HLEN4;
	dev->mtu = ETH_DATA_LEN - GNVSEC_HLEN4;

	netif_keep_dst(dev);
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	eth_hw_addr_random(dev);
}

bool gnvsec_is_tunnel(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &gnvsec_link_ops;
}

/* Under RTNL: gives the new device its first configuration and lists it. */
static int gnvsec_register(struct net_device *dev)
{
	struct gnvsec_tunnel *tun = netdev_priv(dev);
	struct gnvsec_net *gn = gnvsec_pernet(dev_net(dev));
	int err;

	tun->dev = dev;
	err = gnvsec_tunnel_init_cfg(tun);
	if (err)
		return err;

	err = register_netdevice(dev);
	if (err) {
		gnvsec_tunnel_unpublish(tun);
		return err;
	}

	/* Unconfigured: the state every tunnel's first event compares to. */
	tun->ev_state = GNVSEC_STATE_UNCONFIGURED;
	list_add_tail(&tun->list, &gn->tunnels);
	gn->genid++;
	gnvsec_events_arm(gn);
	return 0;
}

/*
 * "ip link add NAME type gnvsec": the tunnel is complete once registered,
 * so it is announced here. GNVSEC_CMD_TUNNEL_NEW does not come this way;
 * it announces its tunnel once configured.
 */
static int gnvsec_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	int err;

	err = gnvsec_register(dev);
	if (!err)
		gnvsec_genl_notify(netdev_priv(dev), GNVSEC_CMD_TUNNEL_NEW);
	return err;
}

GNVSEC_NEWLINK_WRAPPER(gnvsec_newlink)

static void gnvsec_dellink(struct net_device *dev, struct list_head *head)
{
	struct gnvsec_tunnel *tun = netdev_priv(dev);
	struct gnvsec_net *gn = gnvsec_pernet(dev_net(dev));

	gnvsec_genl_notify(tun, GNVSEC_CMD_TUNNEL_DEL);
	list_del(&tun->list);
	gn->genid++;
	gnvsec_events_arm(gn);
	/* Unhashed before the device goes: no packet finds it any more. */
	gnvsec_tunnel_unpublish(tun);
	gnvsec_net_update(gn);
	unregister_netdevice_queue(dev, head);
}

/*
 * Under RTNL, after any change of tunnels or of the global switches: the
 * namespace's hooks follow what its tunnels need now, per family: NAT-T
 * receive while one forces encapsulation, the output guard while one
 * requires IPsec. One pass over the tunnels for both.
 */
void gnvsec_net_update(struct gnvsec_net *gn)
{
	bool natt[2] = {}, guard[2] = {};
	const struct gnvsec_cfg *cfg;
	struct gnvsec_tunnel *tun;
	int i;

	ASSERT_RTNL();

	list_for_each_entry(tun, &gn->tunnels, list) {
		cfg = rtnl_dereference(tun->cfg);
		if (!cfg || !cfg->family)
			continue;
		i = gnvsec_family_idx(cfg->family);
		natt[i] |= gnvsec_encap_forced(cfg, gn);
		guard[i] |= gnvsec_ipsec_required(cfg, gn);
	}
	gnvsec_natt_update(gn, natt);
	gnvsec_guard_update(gn, guard);
}

/*
 * IFLA_INFO_DATA is read-only: the configuration has one way in, the
 * family, which checks it as a whole (a remote, a free VNI, a mark no other
 * tunnel holds). Attributes from rtnetlink are refused, not ignored.
 */
static int gnvsec_validate(struct nlattr *tb[], struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	int i;

	for (i = 0; data && i <= GNVSEC_A_MAX; i++) {
		if (data[i]) {
			NL_SET_ERR_MSG_ATTR(extack, data[i],
					    "gnvsec tunnels are configured through the Generic Netlink family \"gnvsec\" (gnvsecctl)");
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static size_t gnvsec_get_size(const struct net_device *dev)
{
	return gnvsec_nl_cfg_size();
}

/* "ip -d link show": the configuration, in the family's attributes. */
static int gnvsec_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct gnvsec_tunnel *tun = netdev_priv(dev);
	const struct gnvsec_cfg *cfg;
	int err = 0;

	/* A reader of the configuration needs no RTNL: it is RCU-replaced. */
	rcu_read_lock();
	cfg = rcu_dereference(tun->cfg);
	if (cfg)
		err = gnvsec_nl_put_cfg(skb, cfg, gnvsec_pernet(dev_net(dev)));
	rcu_read_unlock();
	return err;
}

struct rtnl_link_ops gnvsec_link_ops __read_mostly = {
	.kind		= "gnvsec",
	.maxtype	= GNVSEC_A_MAX,
	.priv_size	= sizeof(struct gnvsec_tunnel),
	.setup		= gnvsec_setup,
	.validate	= gnvsec_validate,
	GNVSEC_NEWLINK(gnvsec_newlink),
	.dellink	= gnvsec_dellink,
	.get_size	= gnvsec_get_size,
	.fill_info	= gnvsec_fill_info,
};

/* Creates a tunnel device for GNVSEC_CMD_TUNNEL_NEW, under RTNL. */
struct net_device *gnvsec_tunnel_create(struct net *net, const char *name,
					struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(struct gnvsec_tunnel), name,
			   NET_NAME_USER, gnvsec_setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);

	dev_net_set(dev, net);
	dev->rtnl_link_ops = &gnvsec_link_ops;
	err = gnvsec_register(dev);
	if (err) {
		free_netdev(dev);
		return ERR_PTR(err);
	}
	return dev;
}

static int __net_init gnvsec_init_net(struct net *net)
{
	struct gnvsec_net *gn = gnvsec_pernet(net);

	gn->net = net;
	INIT_LIST_HEAD(&gn->tunnels);
	INIT_LIST_HEAD(&gn->socks);
	ida_init(&gn->mark_ida);
	/* Non-zero, so that the first dump can already detect a change. */
	gn->genid = 1;
	gnvsec_events_net_init(gn);
	return 0;
}

static void __net_exit gnvsec_exit_batch_net(struct list_head *net_list)
{
	struct gnvsec_tunnel *tun, *next;
	struct gnvsec_net *gn;
	struct net *net;
	LIST_HEAD(list);

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list) {
		gn = gnvsec_pernet(net);
		list_for_each_entry_safe(tun, next, &gn->tunnels, list)
			gnvsec_dellink(tun->dev, &list);
	}
	unregister_netdevice_many(&list);
	rtnl_unlock();

	list_for_each_entry(net, net_list, exit_list) {
		gn = gnvsec_pernet(net);
		WARN_ON_ONCE(!list_empty(&gn->socks));
		WARN_ON_ONCE(gn->natt[0] || gn->natt[1]);
		WARN_ON_ONCE(gn->guarded[0] || gn->guarded[1]);
		/* Tunnels gone, so disarmed: the work cannot come back. */
		gnvsec_events_net_exit(gn);
		ida_destroy(&gn->mark_ida);
	}
}

static struct pernet_operations gnvsec_net_ops = {
	.init = gnvsec_init_net,
	.exit_batch = gnvsec_exit_batch_net,
	.id   = &gnvsec_net_id,
	.size = sizeof(struct gnvsec_net),
};

int gnvsec_device_init(void)
{
	int err;

	err = register_pernet_device(&gnvsec_net_ops);
	if (err)
		goto err_pernet;

	err = rtnl_link_register(&gnvsec_link_ops);
	if (err)
		goto err_link;
	return 0;

err_link:
	unregister_pernet_device(&gnvsec_net_ops);
err_pernet:
	return err;
}

void gnvsec_device_uninit(void)
{
	/* Deletes every tunnel of every namespace through gnvsec_dellink. */
	rtnl_link_unregister(&gnvsec_link_ops);
	unregister_pernet_device(&gnvsec_net_ops);
}
