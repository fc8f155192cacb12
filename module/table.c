// SPDX-License-Identifier: GPL-2.0
/*
 * The tunnel table: publishing configurations, the receive lookup by
 * (VNI, remote address), uniqueness of remotes and marks, automatic marks
 * and the derived MTU.
 *
 * Every change runs under RTNL and replaces the tunnel's configuration as a
 * whole (see the lifetime notes in gnvsec.h), so the datapath never sees a
 * half-applied change: in particular never a new remote with an old mark.
 */

#include <linux/hash.h>
#include <linux/idr.h>
#include <linux/rtnetlink.h>
#include <net/ip6_route.h>
#include <net/route.h>

#include "gnvsec.h"

/* Slot n (1-based) is mark GNVSEC_MARK_AUTO_FIRST + (n - 1) * STEP. */
#define GNVSEC_MARK_SLOTS	(GNVSEC_MARK_AUTO_MASK / GNVSEC_MARK_AUTO_STEP)

static struct hlist_head *vni_bucket(struct gnvsec_sock *gs, u32 vni)
{
	return &gs->vni_hash[hash_32(vni, GNVSEC_HASH_BITS)];
}

/* Under rcu_read_lock(), from the receive path. */
struct gnvsec_cfg *gnvsec_table_lookup(struct gnvsec_sock *gs, u32 vni,
				       const xfrm_address_t *remote)
{
	struct gnvsec_cfg *cfg;

	hlist_for_each_entry_rcu(cfg, vni_bucket(gs, vni), hnode) {
		if (cfg->vni == vni &&
		    xfrm_addr_equal(&cfg->remote, remote, gs->family))
			return cfg;
	}
	return NULL;
}

struct gnvsec_cfg *gnvsec_cfg_clone(const struct gnvsec_cfg *old)
{
	struct gnvsec_cfg *cfg;

	cfg = kmemdup(old, sizeof(*old), GFP_KERNEL);
	if (!cfg)
		return NULL;
	/* Not published yet: it owns no hash slot, socket or cached route. */
	INIT_HLIST_NODE(&cfg->hnode);
	cfg->gs = NULL;
	memset(&cfg->dst_cache, 0, sizeof(cfg->dst_cache));
	return cfg;
}

/* Frees a configuration that was never published. */
void gnvsec_cfg_free(struct gnvsec_cfg *cfg)
{
	kfree(cfg);
}

static void cfg_free_rcu(struct rcu_head *head)
{
	struct gnvsec_cfg *cfg = container_of(head, struct gnvsec_cfg, rcu);

	dst_cache_destroy(&cfg->dst_cache);
	kfree(cfg);
}

/* Retires a published configuration: unhash now, free after readers. */
static void cfg_retire(struct gnvsec_cfg *cfg)
{
	if (cfg->gs) {
		hlist_del_rcu(&cfg->hnode);
		gnvsec_sock_put(cfg->gs);
	}
	call_rcu(&cfg->rcu, cfg_free_rcu);
}

/*
 * Whether the XFRM policies of one tunnel can select the other's packets.
 * A tunnel's flow carries f = mark & mask; a policy of a tunnel with mark
 * m/M matches a flow mark f when (f & M) == (m & M). Comparing the values
 * alone is not enough: 0x100/0xf00 and 0x1100/0xffffffff differ, yet the
 * first one's policies match the second one's flow.
 */
static bool marks_overlap(u32 mark_a, u32 mask_a, u32 mark_b, u32 mask_b)
{
	return ((mark_a & mask_a) & mask_b) == (mark_b & mask_b) ||
	       ((mark_b & mask_b) & mask_a) == (mark_a & mask_a);
}

static bool mark_taken(struct gnvsec_net *gn, const struct gnvsec_tunnel *self,
		       u32 mark, u32 mask)
{
	const struct gnvsec_cfg *other;
	struct gnvsec_tunnel *tun;

	list_for_each_entry(tun, &gn->tunnels, list) {
		if (tun == self)
			continue;
		other = rtnl_dereference(tun->cfg);
		if (marks_overlap(other->mark, other->mark_mask, mark, mask))
			return true;
	}
	return false;
}

/* Picks the lowest free automatic mark; explicit marks may hold some slots. */
static int auto_mark(struct gnvsec_net *gn, struct gnvsec_tunnel *tun,
		     u32 *mark)
{
	unsigned int start = 1;
	int slot;

	for (;;) {
		slot = ida_alloc_range(&gn->mark_ida, start,
				       GNVSEC_MARK_SLOTS, GFP_KERNEL);
		if (slot < 0)
			return slot;
		*mark = GNVSEC_MARK_AUTO_FIRST +
			(slot - 1) * GNVSEC_MARK_AUTO_STEP;
		if (!mark_taken(gn, tun, *mark, GNVSEC_MARK_AUTO_MASK))
			break;
		/* An explicit mark of another tunnel overlaps this one. */
		ida_free(&gn->mark_ida, slot);
		start = slot + 1;
	}
	tun->mark_slot = slot;
	return 0;
}

static void release_mark_slot(struct gnvsec_net *gn, struct gnvsec_tunnel *tun)
{
	if (tun->mark_slot)
		ida_free(&gn->mark_ida, tun->mark_slot);
	tun->mark_slot = 0;
}

/* The first configuration of a new tunnel: no remote yet, automatic mark. */
int gnvsec_tunnel_init_cfg(struct gnvsec_tunnel *tun)
{
	struct gnvsec_net *gn = gnvsec_pernet(dev_net(tun->dev));
	struct gnvsec_cfg *cfg;
	int err;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;

	err = dst_cache_init(&cfg->dst_cache, GFP_KERNEL);
	if (err)
		goto err_free;

	err = auto_mark(gn, tun, &cfg->mark);
	if (err)
		goto err_cache;

	cfg->tun = tun;
	cfg->port = htons(GNVSEC_DEFAULT_PORT);
	cfg->mark_mask = GNVSEC_MARK_AUTO_MASK;
	cfg->ipsec_mode = GNVSEC_IPSEC_INHERIT;
	cfg->encap_mode = GNVSEC_ENCAP_INHERIT;
	rcu_assign_pointer(tun->cfg, cfg);
	return 0;

err_cache:
	dst_cache_destroy(&cfg->dst_cache);
err_free:
	kfree(cfg);
	return err;
}

/* Under RTNL, when the tunnel goes away. */
void gnvsec_tunnel_unpublish(struct gnvsec_tunnel *tun)
{
	struct gnvsec_net *gn = gnvsec_pernet(dev_net(tun->dev));
	struct gnvsec_cfg *cfg = rtnl_dereference(tun->cfg);

	if (!cfg)
		return;
	RCU_INIT_POINTER(tun->cfg, NULL);
	cfg_retire(cfg);
	release_mark_slot(gn, tun);
}

static unsigned int underlay_mtu(struct net *net, const struct gnvsec_cfg *cfg)
{
	unsigned int mtu = ETH_DATA_LEN;

	if (cfg->family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = cfg->remote.a4,
			.saddr = cfg->local.a4,
		};
		struct rtable *rt = ip_route_output_key(net, &fl4);

		if (!IS_ERR(rt)) {
			mtu = rt->dst.dev->mtu;
			ip_rt_put(rt);
		}
	} else if (cfg->family == AF_INET6) {
		struct flowi6 fl6 = {
			.daddr = cfg->remote.in6,
			.saddr = cfg->local.in6,
		};
		struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);

		if (!dst->error)
			mtu = dst->dev->mtu;
		dst_release(dst);
	}
	return mtu;
}

/*
 * The largest packet, IP header included, that transport-mode ESP can carry
 * in an underlay packet of @mtu bytes: the computation of xfrm_state_mtu()
 * for AES-GCM, ESP's payload aligned to 4 bytes with a 2-byte trailer.
 * Other transforms carry less; the bundle's own MTU still catches that per
 * packet (ICMP "fragmentation needed" / "packet too big" to the sender).
 */
static int esp_payload_mtu(int mtu, int iphlen, bool natt)
{
	int payload = mtu - iphlen - GNVSEC_ESP_HLEN - GNVSEC_ESP_ICVLEN -
		      (natt ? GNVSEC_NATT_OVERHEAD : 0);

	return (payload & ~3) - 2 + iphlen;
}

/*
 * The MTU that fits the underlay as the tunnel works now: the route's
 * device MTU less the outer headers, less ESP when IPsec applies, less the
 * NAT-T UDP header when encapsulation is forced. Recomputed whenever one
 * of those changes, including the global switches.
 */
void gnvsec_tunnel_update_mtu(struct gnvsec_tunnel *tun)
{
	struct gnvsec_net *gn = gnvsec_pernet(dev_net(tun->dev));
	const struct gnvsec_cfg *cfg = rtnl_dereference(tun->cfg);
	struct net_device *dev = tun->dev;
	int mtu, iphlen, hlen;

	if (tun->mtu_user || !cfg || !cfg->family)
		return;

	iphlen = cfg->family == AF_INET ? sizeof(struct iphdr) :
					  sizeof(struct ipv6hdr);
	hlen = cfg->family == AF_INET ? GNVSEC_HLEN4 : GNVSEC_HLEN6;
	mtu = underlay_mtu(dev_net(dev), cfg);
	if (gnvsec_ipsec_required(cfg, gn))
		mtu = esp_payload_mtu(mtu, iphlen, gnvsec_encap_forced(cfg, gn));
	mtu = clamp_t(int, mtu - hlen, dev->min_mtu, dev->max_mtu);

	if (mtu == dev->mtu)
		return;
	tun->mtu_auto = true;
	dev_set_mtu(dev, mtu);
	tun->mtu_auto = false;
}

static int check_unique(struct gnvsec_net *gn, const struct gnvsec_tunnel *self,
			const struct gnvsec_cfg *cfg,
			struct netlink_ext_ack *extack)
{
	const struct gnvsec_cfg *other;
	struct gnvsec_tunnel *tun;

	list_for_each_entry(tun, &gn->tunnels, list) {
		if (tun == self)
			continue;
		other = rtnl_dereference(tun->cfg);
		if (cfg->family && other->family == cfg->family &&
		    other->vni == cfg->vni && other->port == cfg->port &&
		    xfrm_addr_equal(&other->remote, &cfg->remote, cfg->family)) {
			NL_SET_ERR_MSG(extack,
				       "another tunnel has this remote, VNI and port");
			return -EEXIST;
		}
		if (marks_overlap(other->mark, other->mark_mask, cfg->mark,
				  cfg->mark_mask)) {
			gnvsec_extack_fmt(extack, gn->errmsg,
					  "skb mark overlaps the mark of tunnel %s",
					  tun->dev->name);
			return -EEXIST;
		}
	}
	return 0;
}

/*
 * Publishes @cfg (a clone of the current configuration with the requested
 * changes) for @tun, under RTNL. On success @cfg belongs to the tunnel; on
 * failure the caller still owns and frees it, and nothing changed.
 */
int gnvsec_tunnel_apply(struct gnvsec_tunnel *tun, struct gnvsec_cfg *cfg,
			struct netlink_ext_ack *extack)
{
	struct gnvsec_net *gn = gnvsec_pernet(dev_net(tun->dev));
	struct gnvsec_cfg *old = rtnl_dereference(tun->cfg);
	bool keep_slot = old->mark == cfg->mark && old->mark_mask == cfg->mark_mask;
	struct gnvsec_sock *gs = NULL;
	int err;

	ASSERT_RTNL();

	err = check_unique(gn, tun, cfg, extack);
	if (err)
		return err;

	err = dst_cache_init(&cfg->dst_cache, GFP_KERNEL);
	if (err)
		return err;

	if (cfg->family) {
		gs = gnvsec_sock_get(gn, cfg->family, cfg->port);
		if (IS_ERR(gs)) {
			NL_SET_ERR_MSG(extack,
				       "cannot open the UDP port for this tunnel");
			dst_cache_destroy(&cfg->dst_cache);
			return PTR_ERR(gs);
		}
		hlist_add_head_rcu(&cfg->hnode, vni_bucket(gs, cfg->vni));
	}
	cfg->gs = gs;
	cfg->tun = tun;

	/*
	 * For a moment both configurations may be hashed: a packet matching
	 * either finds this tunnel, and each is internally consistent.
	 */
	rcu_assign_pointer(tun->cfg, cfg);
	cfg_retire(old);

	if (!keep_slot)
		release_mark_slot(gn, tun);
	gnvsec_tunnel_update_mtu(tun);
	gnvsec_net_update(gn);
	gn->genid++;
	return 0;
}

/* Sets an explicit MTU, under RTNL. */
int gnvsec_tunnel_set_mtu(struct gnvsec_tunnel *tun, int mtu,
			  struct netlink_ext_ack *extack)
{
	int err;

	/* The request announces the tunnel, MTU included: no event of its own. */
	tun->mtu_quiet = true;
	err = dev_set_mtu(tun->dev, mtu);
	tun->mtu_quiet = false;
	if (err)
		NL_SET_ERR_MSG(extack, "MTU out of the device's range");
	else
		tun->mtu_user = true;
	return err;
}
