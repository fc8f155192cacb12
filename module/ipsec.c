// SPDX-License-Identifier: GPL-2.0
/*
 * Where IPsec is decided and enforced.
 *
 * Send: the outer flow (UDP, both ports, the tunnel's mark) is routed and
 * then passed to xfrm_lookup() by gnvsec itself, so that the outcome is
 * known: a plain route, a bundle, or an error. When IPsec is required, only
 * a bundle holding an acceptable ESP state may carry the packet; the check
 * runs on every packet, cached route or not, so a change of the global
 * switch or of a binding takes effect on the next packet.
 *
 * Receive: the secpath the XFRM input path left on the skb says which
 * states decrypted it; it must be checked before iptunnel_pull_header()
 * scrubs it.
 */

#include <net/ip6_route.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/xfrm.h>

#include "gnvsec.h"

static bool state_is_bound(const struct xfrm_state *x,
			   const struct gnvsec_cfg *cfg, __be32 spi)
{
	switch (cfg->bind) {
	case GNVSEC_BIND_REQID:
		return x->props.reqid == cfg->reqid;
	case GNVSEC_BIND_SPI:
		return x->id.spi == spi;
	default:
		return true;
	}
}

static bool state_is_encap(const struct xfrm_state *x)
{
	return x->encap && x->encap->encap_type == UDP_ENCAP_ESPINUDP;
}

/*
 * Is this an ESP state @cfg may use in one direction? Returns the drop
 * reason, GNVSEC_STAT_UNSPEC when acceptable. @tx picks the direction's
 * reasons and bound SPI.
 */
static enum gnvsec_stat check_state(const struct xfrm_state *x,
				    const struct gnvsec_cfg *cfg, bool forced,
				    bool tx)
{
	if (x->id.proto != IPPROTO_ESP ||
	    !state_is_bound(x, cfg, tx ? cfg->spi_out : cfg->spi_in))
		return tx ? GNVSEC_STAT_TX_WRONG_SA : GNVSEC_STAT_RX_WRONG_SA;
	if (forced && !state_is_encap(x))
		return tx ? GNVSEC_STAT_TX_NOT_ENCAP : GNVSEC_STAT_RX_NOT_ENCAP;
	return GNVSEC_STAT_UNSPEC;
}

/* Whether @dst may carry a packet of @cfg that requires IPsec. */
static enum gnvsec_stat check_bundle(const struct dst_entry *dst,
				     const struct gnvsec_cfg *cfg, bool forced)
{
	enum gnvsec_stat why = GNVSEC_STAT_TX_NO_POLICY;

	/* A queueing placeholder re-routes later, maybe in clear: never. */
	if (dst->flags & DST_XFRM_QUEUE)
		return GNVSEC_STAT_TX_NO_SA;

	for (; dst && dst->xfrm; dst = xfrm_dst_child(dst)) {
		why = check_state(dst->xfrm, cfg, forced, true);
		if (why == GNVSEC_STAT_UNSPEC)
			break;
	}
	return why;
}

static struct dst_entry *lookup4(struct net *net, const struct gnvsec_cfg *cfg,
				 __be16 sport, xfrm_address_t *saddr,
				 enum gnvsec_stat *why)
{
	struct flowi4 fl4 = {
		.flowi4_mark = cfg->mark & cfg->mark_mask,
		.flowi4_proto = IPPROTO_UDP,
		.daddr = cfg->remote.a4,
		.saddr = cfg->local.a4,
		.fl4_sport = sport,
		.fl4_dport = cfg->port,
	};
	struct dst_entry *dst;
	struct rtable *rt;

	rt = __ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		*why = GNVSEC_STAT_TX_NO_ROUTE;
		return ERR_CAST(rt);
	}
	if (rt->dst.dev == cfg->tun->dev) {
		ip_rt_put(rt);
		*why = GNVSEC_STAT_TX_NO_ROUTE;
		return ERR_PTR(-ELOOP);
	}
	saddr->a4 = fl4.saddr;

	dst = xfrm_lookup(net, &rt->dst, flowi4_to_flowi(&fl4), NULL, 0);
	if (IS_ERR(dst))
		*why = GNVSEC_STAT_TX_NO_SA;
	return dst;
}

static struct dst_entry *lookup6(struct net *net, const struct gnvsec_cfg *cfg,
				 __be16 sport, xfrm_address_t *saddr,
				 enum gnvsec_stat *why)
{
	struct flowi6 fl6 = {
		.flowi6_mark = cfg->mark & cfg->mark_mask,
		.flowi6_proto = IPPROTO_UDP,
		.daddr = cfg->remote.in6,
		.saddr = cfg->local.in6,
		.fl6_sport = sport,
		.fl6_dport = cfg->port,
	};
	struct dst_entry *dst;
	int err;

	err = ip6_dst_lookup(net, cfg->gs->sock->sk, &dst, &fl6);
	if (err) {
		*why = GNVSEC_STAT_TX_NO_ROUTE;
		return ERR_PTR(err);
	}
	if (dst->dev == cfg->tun->dev) {
		dst_release(dst);
		*why = GNVSEC_STAT_TX_NO_ROUTE;
		return ERR_PTR(-ELOOP);
	}
	saddr->in6 = fl6.saddr;

	dst = xfrm_lookup(net, dst, flowi6_to_flowi(&fl6), NULL, 0);
	if (IS_ERR(dst))
		*why = GNVSEC_STAT_TX_NO_SA;
	return dst;
}

static struct dst_entry *lookup(struct net *net, const struct gnvsec_cfg *cfg,
				__be16 sport, xfrm_address_t *saddr,
				enum gnvsec_stat *why)
{
	if (cfg->family == AF_INET)
		return lookup4(net, cfg, sport, saddr, why);
	return lookup6(net, cfg, sport, saddr, why);
}

static struct dst_entry *cache_get(const struct gnvsec_cfg *cfg,
				   xfrm_address_t *saddr)
{
	struct dst_cache *cache = (struct dst_cache *)&cfg->dst_cache;
	struct rtable *rt;

	if (cfg->family == AF_INET) {
		rt = dst_cache_get_ip4(cache, &saddr->a4);
		return rt ? &rt->dst : NULL;
	}
	return dst_cache_get_ip6(cache, &saddr->in6);
}

static void cache_set(const struct gnvsec_cfg *cfg, struct dst_entry *dst,
		      const xfrm_address_t *saddr)
{
	struct dst_cache *cache = (struct dst_cache *)&cfg->dst_cache;

	if (cfg->family == AF_INET)
		dst_cache_set_ip4(cache, dst, saddr->a4);
	else
		dst_cache_set_ip6(cache, dst, &saddr->in6);
}

/*
 * The route for one packet of @cfg, IPsec rules applied: a referenced dst,
 * or an error pointer with *@why set to the drop reason. The tunnel's own
 * cache is keyed by nothing but the configuration, so unlike the generic
 * ip_tunnel cache it stays usable although every packet carries a mark.
 */
struct dst_entry *gnvsec_route(const struct gnvsec_cfg *cfg,
			       const struct gnvsec_net *gn, __be16 sport,
			       xfrm_address_t *saddr, enum gnvsec_stat *why)
{
	bool required = gnvsec_ipsec_required(cfg, gn);
	bool forced = gnvsec_encap_forced(cfg, gn);
	struct dst_entry *dst;

	dst = cache_get(cfg, saddr);
	if (dst) {
		if (!required || !check_bundle(dst, cfg, forced))
			return dst;
		/* Cached before a change of rules: look up afresh. */
		dst_release(dst);
	}

	dst = lookup(gn->net, cfg, sport, saddr, why);
	if (IS_ERR(dst))
		return dst;

	if (required) {
		*why = check_bundle(dst, cfg, forced);
		if (*why) {
			dst_release(dst);
			return ERR_PTR(-EPERM);
		}
	}
	cache_set(cfg, dst, saddr);
	return dst;
}

/*
 * Whether an inbound state checks sequence numbers. With a window of 0 (the
 * default of "ip xfrm state add") XFRM skips the replay check, and a frame
 * captured on the wire is decrypted and delivered again every time it is
 * sent. The window XFRM uses is the ESN/bitmap one when the state has one.
 */
static bool state_has_replay(const struct xfrm_state *x)
{
	if (x->replay_esn)
		return x->replay_esn->replay_window;
	return x->props.replay_window;
}

/* Under rcu_read_lock(), before the Geneve header is pulled. */
enum gnvsec_stat gnvsec_ipsec_check_rx(const struct gnvsec_cfg *cfg,
				       const struct gnvsec_net *gn,
				       const struct sk_buff *skb)
{
	const struct sec_path *sp = skb_sec_path(skb);
	const struct xfrm_state *x;
	enum gnvsec_stat why;

	if (!gnvsec_ipsec_required(cfg, gn))
		return GNVSEC_STAT_UNSPEC;
	if (!sp || !sp->len)
		return GNVSEC_STAT_RX_PLAINTEXT;

	/* The outermost transform: what came off the wire from the peer. */
	x = sp->xvec[0];
	if (x->props.family != cfg->family ||
	    !xfrm_addr_equal(&x->props.saddr, &cfg->remote, cfg->family))
		return GNVSEC_STAT_RX_WRONG_SA;
	why = check_state(x, cfg, gnvsec_encap_forced(cfg, gn), false);
	if (why)
		return why;
	if (!state_has_replay(x))
		return GNVSEC_STAT_RX_NO_REPLAY;
	return GNVSEC_STAT_UNSPEC;
}

struct sa_search {
	const struct gnvsec_cfg *cfg;
	const xfrm_address_t *saddr;	/* NULL: any source */
	const xfrm_address_t *daddr;
	bool forced;
	bool tx;
};

static int match_sa(struct xfrm_state *x, int count, void *ptr)
{
	const struct sa_search *s = ptr;
	const struct gnvsec_cfg *cfg = s->cfg;

	if (x->km.state != XFRM_STATE_VALID || x->props.family != cfg->family ||
	    (s->saddr && !xfrm_addr_equal(&x->props.saddr, s->saddr, cfg->family)) ||
	    !xfrm_addr_equal(&x->id.daddr, s->daddr, cfg->family))
		return 0;
	return check_state(x, cfg, s->forced, s->tx) ? 0 : 1;
}

/* Is there a valid ESP state from @saddr to @daddr the tunnel would use? */
static bool sa_exists(struct net *net, const struct gnvsec_cfg *cfg,
		      const xfrm_address_t *saddr, const xfrm_address_t *daddr,
		      bool forced, bool tx)
{
	struct sa_search search = {
		.cfg = cfg,
		.saddr = saddr,
		.daddr = daddr,
		.forced = forced,
		.tx = tx,
	};
	struct xfrm_state_walk walk;
	int found;

	xfrm_state_walk_init(&walk, IPPROTO_ESP, NULL);
	found = xfrm_state_walk(net, &walk, match_sa, &search);
	xfrm_state_walk_done(&walk, net);
	return found > 0;
}

/*
 * The IPsec state shown in status, under RTNL: ACTIVE only when an
 * acceptable outbound bundle and an acceptable inbound SA exist now.
 */
enum gnvsec_ipsec_state gnvsec_ipsec_state(const struct gnvsec_cfg *cfg,
					   const struct gnvsec_net *gn)
{
	bool required = gnvsec_ipsec_required(cfg, gn);
	bool forced = gnvsec_encap_forced(cfg, gn);
	enum gnvsec_stat why;
	struct dst_entry *dst;
	xfrm_address_t local;
	bool out;

	if (!cfg->family)
		return GNVSEC_STATE_UNCONFIGURED;

	/*
	 * Without an outbound SA, xfrm_lookup() would have the IKE daemon
	 * negotiate one (an acquire): reading the status must not do that,
	 * so it looks for the SA first.
	 */
	if (!sa_exists(gn->net, cfg,
		       xfrm_addr_any(&cfg->local, cfg->family) ? NULL : &cfg->local,
		       &cfg->remote, forced, true))
		return required ? GNVSEC_STATE_WAITING_FOR_SA :
				  GNVSEC_STATE_PLAINTEXT;

	memset(&local, 0, sizeof(local));
	dst = lookup(gn->net, cfg, cfg->port, &local, &why);
	if (IS_ERR(dst))
		return required ? GNVSEC_STATE_WAITING_FOR_SA :
				  GNVSEC_STATE_PLAINTEXT;
	out = check_bundle(dst, cfg, forced) == GNVSEC_STAT_UNSPEC;
	dst_release(dst);

	if (out && sa_exists(gn->net, cfg, &cfg->remote, &local, forced, false))
		return GNVSEC_STATE_ACTIVE;
	return required ? GNVSEC_STATE_WAITING_FOR_SA : GNVSEC_STATE_PLAINTEXT;
}
