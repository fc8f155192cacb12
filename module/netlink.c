// SPDX-License-Identifier: GPL-2.0
/*
 * The "gnvsec" Generic Netlink family: configuration and state of tunnels
 * and of the per-namespace switches. Its ABI has one source, the YNL spec
 * Documentation/netlink/specs/gnvsec.yaml: uapi/linux/gnvsec.h, the
 * per-operation policies and the op table (gnvsec-nl.[ch]) are generated
 * from it (scripts/ynl.sh), and this file implements the handlers whose
 * prototypes gnvsec-nl.h declares. Each operation has its own policy with
 * only the attributes of its request, so info->attrs of a handler has
 * room for those alone: a handler reads no attribute past its operation's
 * maxattr.
 *
 * Every handler that reads or writes tunnels holds RTNL, which is what
 * serializes configuration changes against each other and against
 * rtnetlink; the family itself runs with parallel_ops.
 */

#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "gnvsec.h"
#include "gnvsec-nl.h"
/*
 * The generated policies, op table and multicast groups, in this unit:
 * the groups' array is static there and the family below uses it.
 */
#include "gnvsec-nl.c"

static struct genl_family gnvsec_family;
static bool gnvsec_family_registered;

/* Finds the tunnel a request names, under RTNL. */
static struct gnvsec_tunnel *lookup_tunnel(struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct net_device *dev = NULL;

	if (attrs[GNVSEC_A_IFINDEX]) {
		dev = __dev_get_by_index(net,
					 nla_get_u32(attrs[GNVSEC_A_IFINDEX]));
	} else if (attrs[GNVSEC_A_IFNAME]) {
		dev = __dev_get_by_name(net, nla_data(attrs[GNVSEC_A_IFNAME]));
	} else {
		NL_SET_ERR_MSG(info->extack, "no tunnel named: give an ifindex or ifname");
		return ERR_PTR(-EINVAL);
	}

	if (!dev) {
		NL_SET_ERR_MSG(info->extack, "no such tunnel");
		return ERR_PTR(-ENODEV);
	}
	if (!gnvsec_is_tunnel(dev)) {
		NL_SET_ERR_MSG(info->extack, "device is not a gnvsec tunnel");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

static int put_addr(struct sk_buff *skb, int attr4, int attr6,
		    sa_family_t family, const xfrm_address_t *addr)
{
	if (family == AF_INET)
		return nla_put_in_addr(skb, attr4, addr->a4);
	return nla_put_in6_addr(skb, attr6, &addr->in6);
}

static int put_stats(struct sk_buff *skb, const atomic64_t *drops)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, GNVSEC_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = GNVSEC_STAT_UNSPEC + 1; i < __GNVSEC_STAT_MAX; i++) {
		if (nla_put_u64_64bit(skb, i, atomic64_read(&drops[i]),
				      GNVSEC_A_PAD))
			goto err_cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int put_binding(struct sk_buff *skb, const struct gnvsec_cfg *cfg)
{
	switch (cfg->bind) {
	case GNVSEC_BIND_REQID:
		return nla_put_u32(skb, GNVSEC_A_REQID, cfg->reqid);
	case GNVSEC_BIND_SPI:
		if (nla_put_u32(skb, GNVSEC_A_SPI_OUT, ntohl(cfg->spi_out)) ||
		    nla_put_u32(skb, GNVSEC_A_SPI_IN, ntohl(cfg->spi_in)))
			return -EMSGSIZE;
		return 0;
	default:
		return 0;
	}
}

static bool addr_is_set(const xfrm_address_t *addr)
{
	return !xfrm_addr_any(addr, AF_INET6);
}

#define NO_REMOTE "no remote address"

/*
 * The configuration of a tunnel: what the family's tunnel
 * messages and the device's IFLA_INFO_DATA (gnvsec_fill_info()) both carry.
 */
int gnvsec_nl_put_cfg(struct sk_buff *skb, const struct gnvsec_cfg *cfg,
		      const struct gnvsec_net *gn)
{
	if (cfg->family &&
	    put_addr(skb, GNVSEC_A_REMOTE4, GNVSEC_A_REMOTE6, cfg->family,
		     &cfg->remote))
		return -EMSGSIZE;
	if (cfg->family && addr_is_set(&cfg->local) &&
	    put_addr(skb, GNVSEC_A_LOCAL4, GNVSEC_A_LOCAL6, cfg->family,
		     &cfg->local))
		return -EMSGSIZE;
	if (cfg->chassis[0] &&
	    nla_put_string(skb, GNVSEC_A_CHASSIS, cfg->chassis))
		return -EMSGSIZE;
	if (!cfg->family &&
	    nla_put_string(skb, GNVSEC_A_CONFIG_ERROR, NO_REMOTE))
		return -EMSGSIZE;

	if (nla_put_u32(skb, GNVSEC_A_VNI, cfg->vni) ||
	    nla_put_u16(skb, GNVSEC_A_PORT, ntohs(cfg->port)) ||
	    nla_put_u32(skb, GNVSEC_A_MARK, cfg->mark) ||
	    nla_put_u32(skb, GNVSEC_A_MARK_MASK, cfg->mark_mask) ||
	    nla_put_u8(skb, GNVSEC_A_IPSEC, cfg->ipsec_mode) ||
	    nla_put_u8(skb, GNVSEC_A_ENCAP, cfg->encap_mode) ||
	    nla_put_u8(skb, GNVSEC_A_ALLOW_NULL, cfg->allow_null) ||
	    nla_put_u8(skb, GNVSEC_A_IPSEC_REQUIRED,
		       gnvsec_ipsec_required(cfg, gn)) ||
	    put_binding(skb, cfg))
		return -EMSGSIZE;
	return 0;
}

/* The most gnvsec_nl_put_cfg() writes. */
size_t gnvsec_nl_cfg_size(void)
{
	return nla_total_size(sizeof(struct in6_addr)) * 2 +	/* REMOTE, LOCAL */
	       nla_total_size(GNVSEC_CHASSIS_MAXLEN) +		/* CHASSIS */
	       nla_total_size(sizeof(NO_REMOTE)) +		/* CONFIG_ERROR */
	       nla_total_size(sizeof(u32)) * 3 +		/* VNI, MARK, MASK */
	       nla_total_size(sizeof(u16)) +			/* PORT */
	       nla_total_size(sizeof(u8)) * 4 +			/* IPSEC ... REQUIRED */
	       nla_total_size(sizeof(u32)) * 2;			/* SPI_OUT, SPI_IN */
}

/* Fills one tunnel's attributes, under RTNL, @view from gnvsec_view_get(). */
static int fill_tunnel(struct sk_buff *skb, struct gnvsec_tunnel *tun,
		       const struct gnvsec_view *view)
{
	struct gnvsec_net *gn = gnvsec_pernet(dev_net(tun->dev));
	const struct gnvsec_cfg *cfg = rtnl_dereference(tun->cfg);
	u8 state, reason;

	if (nla_put_u32(skb, GNVSEC_A_IFINDEX, tun->dev->ifindex) ||
	    nla_put_string(skb, GNVSEC_A_IFNAME, tun->dev->name))
		return -EMSGSIZE;
	if (!cfg)	/* being deleted */
		return 0;

	state = gnvsec_ipsec_state(cfg, gn, view, &reason);
	if (gnvsec_nl_put_cfg(skb, cfg, gn) ||
	    nla_put_u32(skb, GNVSEC_A_MTU, tun->dev->mtu) ||
	    nla_put_u8(skb, GNVSEC_A_IPSEC_STATE, state) ||
	    nla_put_u8(skb, GNVSEC_A_IPSEC_WAIT_REASON, reason) ||
	    put_stats(skb, tun->drops))
		return -EMSGSIZE;
	return 0;
}

static struct sk_buff *tunnel_msg(struct gnvsec_tunnel *tun, u8 cmd,
				  u32 portid, u32 seq,
				  const struct gnvsec_view *view)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);

	hdr = genlmsg_put(msg, portid, seq, &gnvsec_family, 0, cmd);
	if (!hdr || fill_tunnel(msg, tun, view)) {
		nlmsg_free(msg);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(msg, hdr);
	return msg;
}

/* Whether anyone in @net listens to "events"; no event is built otherwise. */
static bool listening(struct net *net)
{
	/*
	 * A namespace that is being dismantled has no listener left (a
	 * socket holds its namespace); it gets no event either way.
	 */
	return READ_ONCE(gnvsec_family_registered) && check_net(net) &&
	       genl_has_listeners(&gnvsec_family, net, 0);
}

/* The IPsec state an event carries, to compare later states to. */
static void note_state(struct gnvsec_tunnel *tun, struct sk_buff *msg)
{
	struct nlattr *attr;

	attr = nlmsg_find_attr(nlmsg_hdr(msg), GENL_HDRLEN,
			       GNVSEC_A_IPSEC_STATE);
	if (attr)
		tun->ev_state = nla_get_u8(attr);
}

/*
 * Announces a change of @tun to the "events" group, under RTNL. A deleted
 * tunnel is announced by name and index only.
 */
static void notify(struct gnvsec_tunnel *tun, u8 cmd, struct gnvsec_view *view)
{
	struct net *net = dev_net(tun->dev);
	struct gnvsec_view *own = NULL;
	struct sk_buff *msg;
	void *hdr;

	if (tun->quiet || !listening(net))
		return;

	if (cmd != GNVSEC_CMD_TUNNEL_DEL) {
		/* Changes need privilege: their events may walk the SPD. */
		if (!view) {
			own = gnvsec_view_get(net, NULL);
			view = own;
		}
		msg = tunnel_msg(tun, cmd, 0, 0, view);
		gnvsec_view_put(own);
		if (IS_ERR(msg))
			return;
		note_state(tun, msg);
	} else {
		msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!msg)
			return;
		hdr = genlmsg_put(msg, 0, 0, &gnvsec_family, 0, cmd);
		if (!hdr ||
		    nla_put_u32(msg, GNVSEC_A_IFINDEX, tun->dev->ifindex) ||
		    nla_put_string(msg, GNVSEC_A_IFNAME, tun->dev->name)) {
			nlmsg_free(msg);
			return;
		}
		genlmsg_end(msg, hdr);
	}
	genlmsg_multicast_netns(&gnvsec_family, net, msg, 0, 0, GFP_KERNEL);
}

void gnvsec_genl_notify(struct gnvsec_tunnel *tun, u8 cmd)
{
	notify(tun, cmd, NULL);
}

/*
 * From the namespace's event work (events.c), after XFRM changed: a
 * GNVSEC_CMD_TUNNEL_STATE event for each tunnel whose IPsec state is not
 * the one its last event carried. Nobody listening, nothing done: not even
 * the SPD walk. The view is made before RTNL is taken, as for a dump; a
 * change of the SPD after it queues the work again, so the last pass sees
 * the last change.
 */
void gnvsec_genl_notify_states(struct gnvsec_net *gn)
{
	const struct gnvsec_cfg *cfg;
	struct gnvsec_tunnel *tun;
	struct gnvsec_view *view;

	if (!listening(gn->net))
		return;
	view = gnvsec_view_get(gn->net, NULL);
	rtnl_lock();
	list_for_each_entry(tun, &gn->tunnels, list) {
		cfg = rtnl_dereference(tun->cfg);
		if (cfg && gnvsec_ipsec_state(cfg, gn, view, NULL) != tun->ev_state)
			notify(tun, GNVSEC_CMD_TUNNEL_STATE, view);
	}
	rtnl_unlock();
	gnvsec_view_put(view);
}

/*
 * Reading needs no privilege: the view of the SPD that the IPsec state
 * needs is made before RTNL is taken, so that no reader holds it for more
 * than a few lookups per tunnel.
 */
int gnvsec_nl_tunnel_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct gnvsec_tunnel *tun;
	struct gnvsec_view *view;
	struct sk_buff *msg;

	view = gnvsec_view_get(genl_info_net(info), NULL);
	rtnl_lock();
	tun = lookup_tunnel(info);
	if (IS_ERR(tun)) {
		rtnl_unlock();
		gnvsec_view_put(view);
		return PTR_ERR(tun);
	}
	msg = tunnel_msg(tun, GNVSEC_CMD_TUNNEL_GET, info->snd_portid,
			 info->snd_seq, view);
	rtnl_unlock();
	gnvsec_view_put(view);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

/*
 * Resumable dump: cb->args[0] counts the tunnels already sent. The list can
 * change between two parts of a dump; gn->genid then differs and the next
 * part carries NLM_F_DUMP_INTR so that userspace restarts. cb->args[1]
 * holds the dump's view of the SPD, made once outside RTNL and made again
 * by a part only when the SPD changed: a dump costs one SPD walk, not one
 * per part.
 */
int gnvsec_nl_tunnel_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct gnvsec_net *gn = gnvsec_pernet(sock_net(skb->sk));
	long start = cb->args[0], idx = 0;
	struct gnvsec_tunnel *tun;
	struct gnvsec_view *view;
	void *hdr;

	/*
	 * A dump takes no attribute. Its policy is the do's (a per-op table
	 * has one per command), which lets a tunnel's name through: refuse it
	 * rather than dump everything while seeming to filter. Here and not
	 * in a start callback: 6.1 gives start no extack for the message.
	 */
	if (nlmsg_attrlen(cb->nlh, GENL_HDRLEN) > 0) {
		NL_SET_ERR_MSG(cb->extack, "a dump takes no attributes");
		return -EINVAL;
	}

	view = gnvsec_view_get(sock_net(skb->sk),
			       (struct gnvsec_view *)cb->args[1]);
	cb->args[1] = (long)view;
	rtnl_lock();
	cb->seq = gn->genid;
	list_for_each_entry(tun, &gn->tunnels, list) {
		if (idx < start) {
			idx++;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &gnvsec_family,
				  NLM_F_MULTI, GNVSEC_CMD_TUNNEL_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (fill_tunnel(skb, tun, view)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		idx++;
	}
	rtnl_unlock();

	cb->args[0] = idx;
	return skb->len;
}

static int tunnel_get_dumpdone(struct netlink_callback *cb)
{
	gnvsec_view_put((struct gnvsec_view *)cb->args[1]);
	return 0;
}

static int parse_addr(struct genl_info *info, int attr4, int attr6,
		      sa_family_t *family, xfrm_address_t *addr)
{
	struct nlattr **attrs = info->attrs;

	if (attrs[attr4] && attrs[attr6]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[attr6],
				    "give an IPv4 or an IPv6 address, not both");
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	if (attrs[attr4]) {
		addr->a4 = nla_get_in_addr(attrs[attr4]);
		*family = AF_INET;
	} else if (attrs[attr6]) {
		addr->in6 = nla_get_in6_addr(attrs[attr6]);
		*family = AF_INET6;
	} else {
		*family = 0;
	}
	return 0;
}

static bool addr_usable(sa_family_t family, const xfrm_address_t *addr)
{
	if (family == AF_INET)
		return !ipv4_is_multicast(addr->a4) && !ipv4_is_lbcast(addr->a4) &&
		       !ipv4_is_zeronet(addr->a4);
	return !ipv6_addr_any(&addr->in6) && !ipv6_addr_is_multicast(&addr->in6);
}

/* Applies the settable attributes of @info to @cfg, validating as it goes. */
static int parse_cfg(struct genl_info *info, struct gnvsec_cfg *cfg)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	sa_family_t family, local_family;
	xfrm_address_t addr;
	int err;

	err = parse_addr(info, GNVSEC_A_REMOTE4, GNVSEC_A_REMOTE6, &family,
			 &addr);
	if (err)
		return err;
	if (family) {
		if (!addr_usable(family, &addr)) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[family == AF_INET ?
					    GNVSEC_A_REMOTE4 : GNVSEC_A_REMOTE6],
					    "remote must be a unicast address");
			return -EINVAL;
		}
		/* A new family makes the old local address meaningless. */
		if (family != cfg->family)
			memset(&cfg->local, 0, sizeof(cfg->local));
		cfg->family = family;
		cfg->remote = addr;
	}

	err = parse_addr(info, GNVSEC_A_LOCAL4, GNVSEC_A_LOCAL6, &local_family,
			 &addr);
	if (err)
		return err;
	if (local_family) {
		if (local_family != cfg->family) {
			NL_SET_ERR_MSG(extack,
				       "local and remote addresses must be of one family");
			return -EINVAL;
		}
		cfg->local = addr;
	}

	if (attrs[GNVSEC_A_VNI])
		cfg->vni = nla_get_u32(attrs[GNVSEC_A_VNI]);
	if (attrs[GNVSEC_A_PORT])
		cfg->port = htons(nla_get_u16(attrs[GNVSEC_A_PORT]));
	if (attrs[GNVSEC_A_CHASSIS])
		nla_strscpy(cfg->chassis, attrs[GNVSEC_A_CHASSIS],
			    sizeof(cfg->chassis));
	if (attrs[GNVSEC_A_MARK]) {
		cfg->mark = nla_get_u32(attrs[GNVSEC_A_MARK]);
		cfg->mark_mask = attrs[GNVSEC_A_MARK_MASK] ?
				 nla_get_u32(attrs[GNVSEC_A_MARK_MASK]) : ~0U;
	} else if (attrs[GNVSEC_A_MARK_MASK]) {
		cfg->mark_mask = nla_get_u32(attrs[GNVSEC_A_MARK_MASK]);
	}
	if (cfg->mark & ~cfg->mark_mask) {
		NL_SET_ERR_MSG(extack, "mark has bits outside its mask");
		return -EINVAL;
	}
	if (attrs[GNVSEC_A_IPSEC])
		cfg->ipsec_mode = nla_get_u8(attrs[GNVSEC_A_IPSEC]);
	if (attrs[GNVSEC_A_ENCAP])
		cfg->encap_mode = nla_get_u8(attrs[GNVSEC_A_ENCAP]);
	/* Only ever set by asking for it: a clone keeps the old value. */
	if (attrs[GNVSEC_A_ALLOW_NULL])
		cfg->allow_null = nla_get_u8(attrs[GNVSEC_A_ALLOW_NULL]);
	return 0;
}

/*
 * Builds a changed copy of the tunnel's configuration and publishes it.
 * @mtu is the request's MTU attribute, NULL for commands without one.
 */
static int change_tunnel(struct gnvsec_tunnel *tun, struct genl_info *info,
			 int (*change)(struct genl_info *, struct gnvsec_cfg *),
			 struct nlattr *mtu)
{
	struct gnvsec_cfg *cfg;
	int err;

	/* Refused before anything changes: the request is all or nothing. */
	if (mtu && (nla_get_u32(mtu) < tun->dev->min_mtu ||
		    nla_get_u32(mtu) > tun->dev->max_mtu)) {
		NL_SET_ERR_MSG_ATTR(info->extack, mtu,
				    "MTU out of the device's range");
		return -EINVAL;
	}

	cfg = gnvsec_cfg_clone(rtnl_dereference(tun->cfg));
	if (!cfg)
		return -ENOMEM;

	err = change(info, cfg);
	if (!err)
		err = gnvsec_tunnel_apply(tun, cfg, info->extack);
	if (err) {
		gnvsec_cfg_free(cfg);
		return err;
	}

	if (mtu)
		err = gnvsec_tunnel_set_mtu(tun, nla_get_u32(mtu), info->extack);
	return err;
}

int gnvsec_nl_tunnel_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct net_device *dev;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, GNVSEC_A_IFNAME)) {
		NL_SET_ERR_MSG(info->extack, "a tunnel needs a name");
		return -EINVAL;
	}
	if (!dev_valid_name(nla_data(attrs[GNVSEC_A_IFNAME]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[GNVSEC_A_IFNAME],
				    "invalid interface name");
		return -EINVAL;
	}
	if (!attrs[GNVSEC_A_REMOTE4] && !attrs[GNVSEC_A_REMOTE6]) {
		NL_SET_ERR_MSG(info->extack, "a tunnel needs a remote address");
		return -EINVAL;
	}

	rtnl_lock();
	if (__dev_get_by_name(genl_info_net(info),
			      nla_data(attrs[GNVSEC_A_IFNAME]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[GNVSEC_A_IFNAME],
				    "a device with this name exists");
		err = -EEXIST;
		goto out;
	}

	dev = gnvsec_tunnel_create(genl_info_net(info),
				   nla_data(attrs[GNVSEC_A_IFNAME]),
				   info->extack);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto out;
	}

	err = change_tunnel(netdev_priv(dev), info, parse_cfg,
			    attrs[GNVSEC_A_MTU]);
	if (err) {
		struct gnvsec_tunnel *tun = netdev_priv(dev);

		/*
		 * All or nothing: no half-configured device stays behind, and
		 * no event announces the end of a tunnel that never was.
		 */
		tun->quiet = true;
		gnvsec_link_ops.dellink(dev, NULL);
		goto out;
	}
	gnvsec_genl_notify(netdev_priv(dev), GNVSEC_CMD_TUNNEL_NEW);
out:
	rtnl_unlock();
	return err;
}

int gnvsec_nl_tunnel_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct gnvsec_tunnel *tun;
	int err;

	rtnl_lock();
	tun = lookup_tunnel(info);
	if (IS_ERR(tun)) {
		err = PTR_ERR(tun);
		goto out;
	}
	err = change_tunnel(tun, info, parse_cfg, info->attrs[GNVSEC_A_MTU]);
	if (!err)
		gnvsec_genl_notify(tun, GNVSEC_CMD_TUNNEL_SET);
out:
	rtnl_unlock();
	return err;
}

int gnvsec_nl_tunnel_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct gnvsec_tunnel *tun;
	int err = 0;

	rtnl_lock();
	tun = lookup_tunnel(info);
	if (IS_ERR(tun))
		err = PTR_ERR(tun);
	else
		gnvsec_link_ops.dellink(tun->dev, NULL);
	rtnl_unlock();
	return err;
}

static int parse_bind(struct genl_info *info, struct gnvsec_cfg *cfg)
{
	struct nlattr **attrs = info->attrs;
	bool spi = attrs[GNVSEC_A_SPI_OUT] || attrs[GNVSEC_A_SPI_IN];

	if (attrs[GNVSEC_A_REQID] && !spi) {
		cfg->bind = GNVSEC_BIND_REQID;
		cfg->reqid = nla_get_u32(attrs[GNVSEC_A_REQID]);
		return 0;
	}
	if (!attrs[GNVSEC_A_REQID] && attrs[GNVSEC_A_SPI_OUT] &&
	    attrs[GNVSEC_A_SPI_IN]) {
		cfg->bind = GNVSEC_BIND_SPI;
		cfg->spi_out = htonl(nla_get_u32(attrs[GNVSEC_A_SPI_OUT]));
		cfg->spi_in = htonl(nla_get_u32(attrs[GNVSEC_A_SPI_IN]));
		return 0;
	}
	NL_SET_ERR_MSG(info->extack,
		       "bind by a reqid, or by both an outbound and an inbound SPI");
	return -EINVAL;
}

static int parse_unbind(struct genl_info *info, struct gnvsec_cfg *cfg)
{
	cfg->bind = GNVSEC_BIND_NONE;
	cfg->reqid = 0;
	cfg->spi_out = 0;
	cfg->spi_in = 0;
	return 0;
}

/* TUNNEL_BIND and TUNNEL_UNBIND; their requests carry no MTU. */
static int tunnel_bind_doit(struct genl_info *info, bool bind)
{
	struct gnvsec_tunnel *tun;
	int err;

	rtnl_lock();
	tun = lookup_tunnel(info);
	if (IS_ERR(tun)) {
		err = PTR_ERR(tun);
		goto out;
	}
	err = change_tunnel(tun, info, bind ? parse_bind : parse_unbind, NULL);
	if (!err)
		gnvsec_genl_notify(tun, info->genlhdr->cmd);
out:
	rtnl_unlock();
	return err;
}

int gnvsec_nl_tunnel_bind_doit(struct sk_buff *skb, struct genl_info *info)
{
	return tunnel_bind_doit(info, true);
}

int gnvsec_nl_tunnel_unbind_doit(struct sk_buff *skb, struct genl_info *info)
{
	return tunnel_bind_doit(info, false);
}

static struct sk_buff *global_msg(struct gnvsec_net *gn, u32 portid, u32 seq)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put(msg, portid, seq, &gnvsec_family, 0,
			  GNVSEC_CMD_GLOBAL_GET);
	if (!hdr ||
	    nla_put_u8(msg, GNVSEC_A_GLOBAL_IPSEC, READ_ONCE(gn->ipsec)) ||
	    nla_put_u8(msg, GNVSEC_A_GLOBAL_ENCAP, READ_ONCE(gn->encap)) ||
	    put_stats(msg, gn->drops)) {
		nlmsg_free(msg);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(msg, hdr);
	return msg;
}

int gnvsec_nl_global_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;

	msg = global_msg(gnvsec_pernet(genl_info_net(info)), info->snd_portid,
			 info->snd_seq);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

int gnvsec_nl_global_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct gnvsec_net *gn = gnvsec_pernet(genl_info_net(info));
	struct gnvsec_view *view = NULL;
	struct nlattr **attrs = info->attrs;
	struct gnvsec_tunnel *tun;

	rtnl_lock();
	/* The datapath reads these per packet: the next packet obeys. */
	if (attrs[GNVSEC_A_GLOBAL_IPSEC])
		WRITE_ONCE(gn->ipsec, nla_get_u8(attrs[GNVSEC_A_GLOBAL_IPSEC]));
	if (attrs[GNVSEC_A_GLOBAL_ENCAP])
		WRITE_ONCE(gn->encap, nla_get_u8(attrs[GNVSEC_A_GLOBAL_ENCAP]));
	gn->genid++;
	gnvsec_net_update(gn);
	/* One view of the SPD for all the events, if anyone listens. */
	if (genl_has_listeners(&gnvsec_family, genl_info_net(info), 0))
		view = gnvsec_view_get(genl_info_net(info), NULL);
	list_for_each_entry(tun, &gn->tunnels, list) {
		gnvsec_tunnel_update_mtu(tun);
		notify(tun, GNVSEC_CMD_TUNNEL_SET, view);
	}
	gnvsec_view_put(view);
	rtnl_unlock();
	return 0;
}

/*
 * The generated op table, completed at init with what a per-op table of
 * ynl-gen-c cannot express: the dump's done callback (it frees the dump's
 * view of the SPD).
 */
static struct genl_ops gnvsec_ops[ARRAY_SIZE(gnvsec_nl_ops)] __ro_after_init;

static struct genl_family gnvsec_family __ro_after_init = {
	.name = GNVSEC_GENL_NAME,
	.version = GNVSEC_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = gnvsec_ops,
	.n_ops = ARRAY_SIZE(gnvsec_ops),
	.mcgrps = gnvsec_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(gnvsec_nl_mcgrps),
};

int __init gnvsec_genl_init(void)
{
	int err, i;

	memcpy(gnvsec_ops, gnvsec_nl_ops, sizeof(gnvsec_ops));
	for (i = 0; i < ARRAY_SIZE(gnvsec_ops); i++) {
		if (gnvsec_ops[i].cmd != GNVSEC_CMD_TUNNEL_GET)
			continue;
		gnvsec_ops[i].done = tunnel_get_dumpdone;
	}

	err = genl_register_family(&gnvsec_family);
	if (!err)
		WRITE_ONCE(gnvsec_family_registered, true);
	return err;
}

void gnvsec_genl_uninit(void)
{
	/*
	 * Every event is sent under RTNL after testing the flag: once it is
	 * cleared under RTNL, none is being sent when the family goes.
	 */
	rtnl_lock();
	WRITE_ONCE(gnvsec_family_registered, false);
	rtnl_unlock();
	genl_unregister_family(&gnvsec_family);
}
