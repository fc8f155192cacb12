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
 *
 * In both directions an ESP state counts as IPsec only when it encrypts
 * and authenticates (state_protects()), unless the tunnel has allow_null.
 */

#include <linux/pfkeyv2.h>
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
 * The shortest ICV that counts as authentication: 64 bits, the shortest any
 * standard ESP transform uses (RFC 4106's 8-byte ICV). digest_null has none;
 * "auth-trunc" lets a state truncate a real HMAC to as little as 0 bits.
 */
#define GNVSEC_MIN_ICV_BITS	64

/* Whether @x carries an ICV of at least GNVSEC_MIN_ICV_BITS. */
static bool state_authenticates(const struct xfrm_state *x)
{
	if (x->aead)
		return x->aead->alg_icv_len >= GNVSEC_MIN_ICV_BITS;
	return x->aalg && x->aalg->alg_trunc_len >= GNVSEC_MIN_ICV_BITS;
}

/*
 * Does @x, an ESP state, both encrypt and authenticate? Per packet on the
 * receive path, so a few field tests and no string comparison for the
 * usual transforms. xfrm_user (and PF_KEY) take x->props.ealgo from the same
 * entry of the kernel's algorithm table that the state's canonical name
 * comes from, so the SADB number names the algorithm: SADB_EALG_NULL for
 * ecb(cipher_null), SADB_X_EALG_NULL_AES_GMAC for rfc4543 (GMAC: ESP
 * integrity without confidentiality). Entries without an SADB number get 0
 * (rfc7539esp(chacha20,poly1305) today); only for those is the canonical
 * name read, so that a table that ever lost GMAC's or cipher_null's number
 * still cannot slip one through.
 */
static bool state_protects(const struct xfrm_state *x)
{
	const struct xfrm_algo_aead *aead = x->aead;
	const struct xfrm_algo *ealg = x->ealg;

	if (!state_authenticates(x))
		return false;
	if (aead) {
		if (x->props.ealgo)
			return x->props.ealgo != SADB_X_EALG_NULL_AES_GMAC;
		return strncmp(aead->alg_name, "rfc4543(", 8) != 0;
	}

	/* ESP without an AEAD: a cipher plus an authentication algorithm. */
	if (!ealg)
		return false;
	if (x->props.ealgo)
		return x->props.ealgo != SADB_EALG_NULL;
	return strcmp(ealg->alg_name, "ecb(cipher_null)") != 0;
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
	/* ESP framing around readable data is not IPsec, unless opted in. */
	if (!cfg->allow_null && !state_protects(x))
		return tx ? GNVSEC_STAT_TX_UNENCRYPTED_SA :
			    GNVSEC_STAT_RX_UNENCRYPTED_SA;
	return GNVSEC_STAT_UNSPEC;
}

/*
 * Whether @dst may carry a packet of @cfg that requires IPsec. With @weak,
 * also whether the accepted state fails to encrypt or authenticate (only
 * possible with allow_null).
 */
static enum gnvsec_stat check_bundle(const struct dst_entry *dst,
				     const struct gnvsec_cfg *cfg, bool forced,
				     bool *weak)
{
	enum gnvsec_stat why = GNVSEC_STAT_TX_NO_POLICY;

	/* A queueing placeholder re-routes later, maybe in clear: never. */
	if (dst->flags & DST_XFRM_QUEUE)
		return GNVSEC_STAT_TX_NO_SA;

	for (; dst && dst->xfrm; dst = xfrm_dst_child(dst)) {
		why = check_state(dst->xfrm, cfg, forced, true);
		if (why == GNVSEC_STAT_UNSPEC) {
			if (weak)
				*weak = !state_protects(dst->xfrm);
			break;
		}
	}
	return why;
}

/* The plain route for @cfg's outer flow, which is left in @fl. */
static struct dst_entry *route4(struct net *net, const struct gnvsec_cfg *cfg,
				__be16 sport, struct flowi *fl,
				xfrm_address_t *saddr, enum gnvsec_stat *why)
{
	struct flowi4 *fl4 = &fl->u.ip4;
	struct rtable *rt;

	memset(fl, 0, sizeof(*fl));
	fl4->flowi4_mark = cfg->mark & cfg->mark_mask;
	fl4->flowi4_proto = IPPROTO_UDP;
	fl4->daddr = cfg->remote.a4;
	fl4->saddr = cfg->local.a4;
	fl4->fl4_sport = sport;
	fl4->fl4_dport = cfg->port;

	rt = __ip_route_output_key(net, fl4);
	if (IS_ERR(rt)) {
		*why = GNVSEC_STAT_TX_NO_ROUTE;
		return ERR_CAST(rt);
	}
	if (rt->dst.dev == cfg->tun->dev) {
		ip_rt_put(rt);
		*why = GNVSEC_STAT_TX_NO_ROUTE;
		return ERR_PTR(-ELOOP);
	}
	saddr->a4 = fl4->saddr;
	return &rt->dst;
}

static struct dst_entry *route6(struct net *net, const struct gnvsec_cfg *cfg,
				__be16 sport, struct flowi *fl,
				xfrm_address_t *saddr, enum gnvsec_stat *why)
{
	struct flowi6 *fl6 = &fl->u.ip6;
	struct dst_entry *dst;
	int err;

	memset(fl, 0, sizeof(*fl));
	fl6->flowi6_mark = cfg->mark & cfg->mark_mask;
	fl6->flowi6_proto = IPPROTO_UDP;
	fl6->daddr = cfg->remote.in6;
	fl6->saddr = cfg->local.in6;
	fl6->fl6_sport = sport;
	fl6->fl6_dport = cfg->port;

	err = ip6_dst_lookup(net, cfg->gs->sock->sk, &dst, fl6);
	if (err) {
		*why = GNVSEC_STAT_TX_NO_ROUTE;
		return ERR_PTR(err);
	}
	if (dst->dev == cfg->tun->dev) {
		dst_release(dst);
		*why = GNVSEC_STAT_TX_NO_ROUTE;
		return ERR_PTR(-ELOOP);
	}
	saddr->in6 = fl6->saddr;
	return dst;
}

static struct dst_entry *route(struct net *net, const struct gnvsec_cfg *cfg,
			       __be16 sport, struct flowi *fl,
			       xfrm_address_t *saddr, enum gnvsec_stat *why)
{
	if (cfg->family == AF_INET)
		return route4(net, cfg, sport, fl, saddr, why);
	return route6(net, cfg, sport, fl, saddr, why);
}

/* The outer flow routed, then passed through XFRM by gnvsec itself. */
static struct dst_entry *lookup(struct net *net, const struct gnvsec_cfg *cfg,
				__be16 sport, xfrm_address_t *saddr,
				enum gnvsec_stat *why)
{
	struct dst_entry *dst;
	struct flowi fl;

	dst = route(net, cfg, sport, &fl, saddr, why);
	if (IS_ERR(dst))
		return dst;
	dst = xfrm_lookup(net, dst, &fl, NULL, 0);
	if (IS_ERR(dst))
		*why = GNVSEC_STAT_TX_NO_SA;
	return dst;
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
		if (!required || !check_bundle(dst, cfg, forced, NULL))
			return dst;
		/* Cached before a change of rules: look up afresh. */
		dst_release(dst);
	}

	dst = lookup(gn->net, cfg, sport, saddr, why);
	if (IS_ERR(dst))
		return dst;

	if (required) {
		*why = check_bundle(dst, cfg, forced, NULL);
		if (*why) {
			dst_release(dst);
			return ERR_PTR(-EPERM);
		}
	}
	cache_set(cfg, dst, saddr);
	return dst;
}

/*
 * The send rule again, for the output guard: may @dst, the route a packet
 * of @cfg leaves through now, carry it? GNVSEC_STAT_UNSPEC when it may.
 */
enum gnvsec_stat gnvsec_ipsec_check_tx(const struct dst_entry *dst,
				       const struct gnvsec_cfg *cfg,
				       const struct gnvsec_net *gn)
{
	return check_bundle(dst, cfg, gnvsec_encap_forced(cfg, gn), NULL);
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

/*
 * Under rcu_read_lock(), before the Geneve header is pulled. *@icv tells
 * whether an accepted packet came through an SA whose ICV covered it.
 */
enum gnvsec_stat gnvsec_ipsec_check_rx(const struct gnvsec_cfg *cfg,
				       const struct gnvsec_net *gn,
				       const struct sk_buff *skb, bool *icv)
{
	const struct sec_path *sp = skb_sec_path(skb);
	const struct xfrm_state *x;
	enum gnvsec_stat why;

	*icv = false;
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
	*icv = state_authenticates(x);
	return GNVSEC_STAT_UNSPEC;
}

/*
 * Status
 * ------
 * Reading the status needs no privilege, so it must cost the kernel no
 * more than the configuration it reports, and it must never make XFRM
 * start an IKE negotiation: xfrm_lookup() does (an acquire) when the
 * policy it picks has a template no valid state resolves. So the status
 * looks at XFRM in three ways, none of which can acquire:
 *
 *  - the namespace's outbound policies are copied once per read (a view:
 *    one SPD walk, outside RTNL for a dump, shared by all its parts and
 *    refreshed when the SPD changed), hashed by destination;
 *  - for each tunnel, the policies its flow matches are taken from the
 *    view, and each template of the ones XFRM could pick is resolved the
 *    way xfrm_state_find() does, but with xfrm_stateonly_find(), which
 *    never acquires. Only when every template resolves to a valid state
 *    is the flow passed to xfrm_lookup(), which then builds the bundle
 *    without negotiating, and the bundle is checked as the send path does;
 *  - the inbound SA is found by direct lookups: by SPI when bound by SPI,
 *    by reqid when bound by reqid, else by address pair.
 *
 * A dump thus costs one SPD walk plus a few hash lookups per tunnel: linear
 * in the namespace's configuration, never its square.
 */
struct gnvsec_xtmpl {
	xfrm_address_t daddr;
	xfrm_address_t saddr;
	__be32 spi;
	u32 reqid;
	u16 encap_family;
	u8 proto;
	u8 mode;
};

/* One outbound policy as the view keeps it. */
struct gnvsec_xpol {
	struct gnvsec_xpol *next;	/* in the view's list, then its hash */
	struct xfrm_selector sel;
	struct xfrm_mark mark;
	u32 priority;
	u32 if_id;
	u16 family;
	u8 type;
	u8 action;
	u8 flags;
	u8 nr;
	struct gnvsec_xtmpl tmpl[];
};

#define GNVSEC_VIEW_CHUNK	(16384 - 2 * sizeof(void *))

struct gnvsec_view_chunk {
	struct gnvsec_view_chunk *next;
	size_t used;
	char data[GNVSEC_VIEW_CHUNK];
};

/* What the SPD looked like when it was copied: a change makes it stale. */
struct gnvsec_view_key {
	int genid4;			/* bumped by every IPv4 policy insert */
	int genid6;			/* and IPv6 */
	unsigned int count;		/* changed by every delete */
};

struct gnvsec_view {
	struct gnvsec_view_key key;
	struct gnvsec_view_chunk *chunks;
	struct gnvsec_xpol *list;	/* while building */
	struct gnvsec_xpol *wide;	/* destination not a single address */
	struct gnvsec_xpol **hash;	/* by destination address */
	unsigned int hmask;
	unsigned int count;
	int err;			/* the view could not be built */
};

static void view_key(struct net *net, struct gnvsec_view_key *key)
{
	key->genid4 = rt_genid_ipv4(net);
	key->genid6 = rt_genid_ipv6(net);
	key->count = READ_ONCE(net->xfrm.policy_count[XFRM_POLICY_OUT]);
}

static unsigned int addr_len(u16 family)
{
	return family == AF_INET ? sizeof(__be32) : sizeof(struct in6_addr);
}

static u32 view_hash(const xfrm_address_t *daddr, u16 family)
{
	return jhash(daddr, addr_len(family), family);
}

/* xfrm_policy_walk() callback, under the SPD lock: no allocation here. */
static int view_add(struct xfrm_policy *pol, int dir, int count, void *ptr)
{
	struct gnvsec_view *v = ptr;
	struct gnvsec_view_chunk *c = v->chunks;
	struct gnvsec_xpol *p;
	size_t size;
	int i;

	if (dir != XFRM_POLICY_OUT ||
	    (pol->family != AF_INET && pol->family != AF_INET6))
		return 0;
	size = ALIGN(struct_size(p, tmpl, pol->xfrm_nr), sizeof(void *));
	if (!c || c->used + size > sizeof(c->data))
		return -ENOBUFS;	/* a new chunk, then resume here */

	p = (struct gnvsec_xpol *)(c->data + c->used);
	c->used += size;
	p->sel = pol->selector;
	p->mark = pol->mark;
	p->priority = pol->priority;
	p->if_id = pol->if_id;
	p->family = pol->family;
	p->type = pol->type;
	p->action = pol->action;
	p->flags = pol->flags;
	p->nr = pol->xfrm_nr;
	for (i = 0; i < pol->xfrm_nr; i++) {
		const struct xfrm_tmpl *t = &pol->xfrm_vec[i];

		p->tmpl[i].daddr = t->id.daddr;
		p->tmpl[i].saddr = t->saddr;
		p->tmpl[i].spi = t->id.spi;
		p->tmpl[i].reqid = t->reqid;
		p->tmpl[i].encap_family = t->encap_family;
		p->tmpl[i].proto = t->id.proto;
		p->tmpl[i].mode = t->mode;
	}
	p->next = v->list;
	v->list = p;
	v->count++;
	return 0;
}

static void view_clear(struct gnvsec_view *v)
{
	struct gnvsec_view_chunk *c;

	while ((c = v->chunks)) {
		v->chunks = c->next;
		kfree(c);
	}
	kvfree(v->hash);
	memset(v, 0, sizeof(*v));
}

static int view_fill(struct net *net, struct gnvsec_view *v)
{
	struct xfrm_policy_walk walk;
	struct gnvsec_view_chunk *c;
	struct gnvsec_xpol *p;
	u32 h;
	int err;

	view_key(net, &v->key);
	xfrm_policy_walk_init(&walk, XFRM_POLICY_TYPE_ANY);
	for (;;) {
		err = xfrm_policy_walk(net, &walk, view_add, v);
		if (err != -ENOBUFS)
			break;
		c = kmalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
		if (!c) {
			err = -ENOMEM;
			break;
		}
		c->used = 0;
		c->next = v->chunks;
		v->chunks = c;
	}
	xfrm_policy_walk_done(&walk, net);
	if (err && err != -ENOENT)	/* -ENOENT: no policy at all */
		return err;

	v->hmask = roundup_pow_of_two(max(v->count, 16U)) - 1;
	v->hash = kvcalloc(v->hmask + 1, sizeof(*v->hash), GFP_KERNEL_ACCOUNT);
	if (!v->hash)
		return -ENOMEM;
	while ((p = v->list)) {
		v->list = p->next;
		if (p->sel.prefixlen_d == addr_len(p->family) * 8) {
			h = view_hash(&p->sel.daddr, p->family) & v->hmask;
			p->next = v->hash[h];
			v->hash[h] = p;
		} else {
			p->next = v->wide;
			v->wide = p;
		}
	}
	return 0;
}

/* Stands for a view that could not be allocated. */
static struct gnvsec_view view_nomem = { .err = -ENOMEM };

/*
 * A view of @net's outbound policies that is current: @v itself when the
 * SPD has not changed since it was made, else a new one (@v is reused or
 * freed). Never NULL; a view that could not be built says so in ->err, and
 * a status read with it never calls xfrm_lookup(). Sleeps; no lock held.
 */
struct gnvsec_view *gnvsec_view_get(struct net *net, struct gnvsec_view *v)
{
	struct gnvsec_view_key key;

	if (v && v != &view_nomem) {
		view_key(net, &key);
		if (!v->err && !memcmp(&key, &v->key, sizeof(key)))
			return v;
		view_clear(v);
	} else {
		v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
		if (!v)
			return &view_nomem;
	}
	v->err = view_fill(net, v);
	return v;
}

void gnvsec_view_put(struct gnvsec_view *v)
{
	if (!v || v == &view_nomem)
		return;
	view_clear(v);
	kfree(v);
}

/* xfrm_selector_match(), which is not exported. */
static bool sel_match(const struct xfrm_selector *sel, const struct flowi *fl,
		      u16 family)
{
	const struct flowi4 *fl4 = &fl->u.ip4;
	const struct flowi6 *fl6 = &fl->u.ip6;

	if (family != sel->family && sel->family != AF_UNSPEC)
		return false;
	if (family == AF_INET)
		return addr4_match(fl4->daddr, sel->daddr.a4, sel->prefixlen_d) &&
		       addr4_match(fl4->saddr, sel->saddr.a4, sel->prefixlen_s) &&
		       !((xfrm_flowi_dport(fl, &fl4->uli) ^ sel->dport) & sel->dport_mask) &&
		       !((xfrm_flowi_sport(fl, &fl4->uli) ^ sel->sport) & sel->sport_mask) &&
		       (fl4->flowi4_proto == sel->proto || !sel->proto) &&
		       (fl4->flowi4_oif == sel->ifindex || !sel->ifindex);
	return addr_match(&fl6->daddr, &sel->daddr, sel->prefixlen_d) &&
	       addr_match(&fl6->saddr, &sel->saddr, sel->prefixlen_s) &&
	       !((xfrm_flowi_dport(fl, &fl6->uli) ^ sel->dport) & sel->dport_mask) &&
	       !((xfrm_flowi_sport(fl, &fl6->uli) ^ sel->sport) & sel->sport_mask) &&
	       (fl6->flowi6_proto == sel->proto || !sel->proto) &&
	       (fl6->flowi6_oif == sel->ifindex || !sel->ifindex);
}

static bool pol_matches(const struct gnvsec_xpol *p, const struct flowi *fl,
			u16 family)
{
	return p->family == family && !p->if_id &&
	       (fl->flowi_mark & p->mark.m) == p->mark.v &&
	       sel_match(&p->sel, fl, family);
}

/*
 * Whether xfrm_state_find() would find a valid state for template @t of
 * policy @p, so that resolving it cannot acquire. Stricter than XFRM where
 * in doubt (a state other than the first one found, an unknown source):
 * then the status is not ACTIVE, and nothing is negotiated.
 */
static bool tmpl_resolves(struct net *net, const struct gnvsec_xpol *p,
			  const struct gnvsec_xtmpl *t, const struct flowi *fl,
			  u16 family, const xfrm_address_t *daddr,
			  const xfrm_address_t *saddr)
{
	xfrm_address_t remote = *daddr, local = *saddr;
	struct xfrm_state *x;
	bool ok;

	if (t->mode == XFRM_MODE_TUNNEL || t->mode == XFRM_MODE_BEET) {
		if (xfrm_addr_any(&t->saddr, t->encap_family))
			return false;
		remote = t->daddr;
		local = t->saddr;
	}
	x = xfrm_stateonly_find(net, p->mark.v & p->mark.m, p->if_id, &remote,
				&local, t->encap_family, t->mode, t->proto,
				t->reqid);
	if (!x)
		return false;
	ok = (!t->spi || t->spi == x->id.spi) &&
	     (!x->sel.family || (x->sel.family == family &&
				 sel_match(&x->sel, fl, family))) &&
	     !gnvsec_xfrm_state_percpu(x);
	xfrm_state_put(x);
	return ok;
}

/*
 * Whether xfrm_lookup() of @fl can only find states, never acquire: every
 * policy XFRM could pick for the flow (those of the lowest priority value
 * that match, per policy type) blocks, or has all its templates resolved.
 */
static bool out_resolves(struct net *net, const struct gnvsec_view *v,
			 const struct flowi *fl, u16 family,
			 const xfrm_address_t *daddr,
			 const xfrm_address_t *saddr)
{
	u32 best[XFRM_POLICY_TYPE_MAX] = { [0 ... XFRM_POLICY_TYPE_MAX - 1] = U32_MAX };
	struct gnvsec_xpol *lists[2], *p;
	bool any[XFRM_POLICY_TYPE_MAX] = { };
	int i, j;

	if (v->err)
		return false;
	lists[0] = v->hash[view_hash(daddr, family) & v->hmask];
	lists[1] = v->wide;

	for (i = 0; i < 2; i++)
		for (p = lists[i]; p; p = p->next)
			if (p->type < XFRM_POLICY_TYPE_MAX &&
			    pol_matches(p, fl, family) &&
			    p->priority <= best[p->type]) {
				best[p->type] = p->priority;
				any[p->type] = true;
			}

	for (i = 0; i < 2; i++)
		for (p = lists[i]; p; p = p->next) {
			if (p->type >= XFRM_POLICY_TYPE_MAX || !any[p->type] ||
			    p->priority != best[p->type] ||
			    !pol_matches(p, fl, family) ||
			    p->action != XFRM_POLICY_ALLOW)
				continue;
			if (p->flags & GNVSEC_XFRM_POLICY_CPU_ACQUIRE)
				return false;
			for (j = 0; j < p->nr; j++)
				if (!tmpl_resolves(net, p, &p->tmpl[j], fl,
						   family, daddr, saddr))
					return false;
		}
	return true;
}

/* A receive drop reason of check_state() as the reason a tunnel waits. */
static enum gnvsec_wait_reason in_reason(enum gnvsec_stat why)
{
	switch (why) {
	case GNVSEC_STAT_UNSPEC:
		return GNVSEC_WAIT_NONE;
	case GNVSEC_STAT_RX_NOT_ENCAP:
		return GNVSEC_WAIT_INBOUND_NOT_ENCAP;
	case GNVSEC_STAT_RX_UNENCRYPTED_SA:
		return GNVSEC_WAIT_INBOUND_UNENCRYPTED;
	default:
		return GNVSEC_WAIT_INBOUND_WRONG_SA;
	}
}

/*
 * Is there an acceptable, valid inbound ESP state from the remote now?
 * GNVSEC_WAIT_NONE when there is, else what is wrong with it.
 */
static enum gnvsec_wait_reason in_check(struct net *net,
					const struct gnvsec_cfg *cfg,
					const xfrm_address_t *local,
					bool forced, bool *weak)
{
	xfrm_address_t l = *local, r = cfg->remote;
	enum gnvsec_wait_reason reason;
	struct xfrm_state *x;

	/* Mark 0: the encrypted packets arrive unmarked. */
	switch (cfg->bind) {
	case GNVSEC_BIND_SPI:
		x = xfrm_state_lookup(net, 0, &l, cfg->spi_in, IPPROTO_ESP,
				      cfg->family);
		break;
	case GNVSEC_BIND_REQID:
		x = xfrm_stateonly_find(net, 0, 0, &l, &r, cfg->family,
					XFRM_MODE_TRANSPORT, IPPROTO_ESP,
					cfg->reqid);
		if (!x)
			x = xfrm_stateonly_find(net, 0, 0, &l, &r, cfg->family,
						XFRM_MODE_TUNNEL, IPPROTO_ESP,
						cfg->reqid);
		break;
	default:
		/* The newest state between the two: a rekey's new SA. */
		x = xfrm_state_lookup_byaddr(net, 0, &l, &r, IPPROTO_ESP,
					     cfg->family);
		break;
	}
	if (!x)
		return GNVSEC_WAIT_NO_INBOUND_SA;
	if (x->km.state != XFRM_STATE_VALID || x->props.family != cfg->family ||
	    !xfrm_addr_equal(&x->props.saddr, &r, cfg->family))
		reason = GNVSEC_WAIT_NO_INBOUND_SA;
	else
		reason = in_reason(check_state(x, cfg, forced, false));
	if (reason == GNVSEC_WAIT_NONE && !state_has_replay(x))
		reason = GNVSEC_WAIT_INBOUND_NO_REPLAY;
	*weak = !state_protects(x);
	xfrm_state_put(x);
	return reason;
}

/* A send drop reason of check_bundle() as the reason a tunnel waits. */
static enum gnvsec_wait_reason out_reason(enum gnvsec_stat why)
{
	switch (why) {
	case GNVSEC_STAT_UNSPEC:
		return GNVSEC_WAIT_NONE;
	case GNVSEC_STAT_TX_NO_POLICY:
		return GNVSEC_WAIT_NO_POLICY;
	case GNVSEC_STAT_TX_NO_SA:
		return GNVSEC_WAIT_NO_OUTBOUND_SA;
	case GNVSEC_STAT_TX_NOT_ENCAP:
		return GNVSEC_WAIT_OUTBOUND_NOT_ENCAP;
	case GNVSEC_STAT_TX_UNENCRYPTED_SA:
		return GNVSEC_WAIT_OUTBOUND_UNENCRYPTED;
	default:
		return GNVSEC_WAIT_OUTBOUND_WRONG_SA;
	}
}

/*
 * The IPsec state shown in status, under RTNL, with a current view of the
 * namespace's policies (gnvsec_view_get()): ACTIVE only when an acceptable
 * outbound bundle and an acceptable inbound SA exist now and both encrypt
 * and authenticate; with allow_null, a weak one among them makes it
 * ACTIVE_UNENCRYPTED. @reason (may be NULL) gets the first check that
 * failed when IPsec is required and missing, GNVSEC_WAIT_NONE otherwise.
 */
enum gnvsec_ipsec_state gnvsec_ipsec_state(const struct gnvsec_cfg *cfg,
					   const struct gnvsec_net *gn,
					   const struct gnvsec_view *view,
					   u8 *reason)
{
	enum gnvsec_wait_reason wait = GNVSEC_WAIT_NONE;
	bool required = gnvsec_ipsec_required(cfg, gn);
	bool forced = gnvsec_encap_forced(cfg, gn);
	bool weak_in = false, weak_out = false;
	struct net *net = gn->net;
	struct dst_entry *dst;
	enum gnvsec_stat why;
	xfrm_address_t local;
	struct flowi fl;
	u8 dummy;

	if (!reason)
		reason = &dummy;
	*reason = GNVSEC_WAIT_NONE;
	if (!cfg->family) {
		*reason = GNVSEC_WAIT_NO_REMOTE;
		return GNVSEC_STATE_UNCONFIGURED;
	}

	memset(&local, 0, sizeof(local));
	dst = route(net, cfg, cfg->port, &fl, &local, &why);
	if (IS_ERR(dst)) {
		wait = GNVSEC_WAIT_NO_ROUTE;
		goto waiting;
	}
	/* Cheap and acquire-free first: the inbound SA, the templates. */
	wait = in_check(net, cfg, &local, forced, &weak_in);
	if (wait == GNVSEC_WAIT_NONE &&
	    !out_resolves(net, view, &fl, cfg->family, &cfg->remote, &local))
		wait = GNVSEC_WAIT_NO_OUTBOUND_SA;
	if (wait != GNVSEC_WAIT_NONE) {
		dst_release(dst);
		goto waiting;
	}
	dst = xfrm_lookup(net, dst, &fl, NULL, 0);
	if (IS_ERR(dst)) {
		wait = GNVSEC_WAIT_NO_OUTBOUND_SA;
		goto waiting;
	}
	wait = out_reason(check_bundle(dst, cfg, forced, &weak_out));
	dst_release(dst);
	if (wait != GNVSEC_WAIT_NONE)
		goto waiting;
	/* Accepted only with allow_null: say that it can be read on the wire. */
	return weak_in || weak_out ? GNVSEC_STATE_ACTIVE_UNENCRYPTED :
				     GNVSEC_STATE_ACTIVE;

waiting:
	if (!required)
		return GNVSEC_STATE_PLAINTEXT;
	*reason = wait;
	return GNVSEC_STATE_WAITING_FOR_SA;
}
