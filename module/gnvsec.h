/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gnvsec internals shared between the files of the module.
 *
 * Lifetimes, in one place:
 *  - struct gnvsec_tunnel lives in netdev_priv() of its net_device and dies
 *    with it; the device is unregistered under RTNL and freed after an RCU
 *    grace period (netdev core), so RCU readers may use tun->dev.
 *  - struct gnvsec_cfg is immutable once published in tun->cfg. A change
 *    builds a new one, hashes it, publishes it with rcu_assign_pointer(),
 *    unhashes the old one and frees it after a grace period. The datapath
 *    reads exactly one consistent configuration per packet.
 *  - struct gnvsec_sock is shared by every cfg of a namespace that uses its
 *    (family, port), and listed in gn->socks for RCU readers (the output
 *    guard). Its refcount is changed only under RTNL. The last put unlists
 *    it and waits for a grace period before releasing the socket, so an RCU
 *    reader holding a retired cfg still finds cfg->gs->sock->sk set; the
 *    memory itself is freed after another grace period.
 *  - Netfilter hooks: nf_unregister_net_hook() does not wait for hooks that
 *    are running. What a hook's priv points to must outlive them: the NAT-T
 *    hook's socket is released only after synchronize_net(); the output
 *    guard's priv is the namespace's gnvsec_net, which outlives its hooks.
 *  - Events (events.c): the XFRM key manager's callbacks queue the
 *    namespace's ev_work only while it has tunnels (ev_armed, under
 *    ev_lock). The namespace's exit deletes its tunnels (disarming it),
 *    then cancels the work; module exit unregisters the key manager,
 *    which waits for running callbacks, before the namespaces' exits.
 */
#ifndef _GNVSEC_H
#define _GNVSEC_H

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/in6.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>
#include <net/geneve.h>
#include <net/udp.h>
#include <net/gro_cells.h>
#include <net/netns/generic.h>
#include <net/xfrm.h>

#include "linux/gnvsec.h"

#define GNVSEC_HASH_BITS	8
/* Geneve (RFC 8926): version 0; UDP plus the 8-byte base header. */
#define GNVSEC_GENEVE_VER	0
#define GNVSEC_GENEVE_HLEN	(sizeof(struct udphdr) + sizeof(struct genevehdr))
/* Outer headers: IP + UDP + Geneve base header + inner Ethernet. */
#define GNVSEC_HLEN4	(sizeof(struct iphdr) + GNVSEC_GENEVE_HLEN + ETH_HLEN)
#define GNVSEC_HLEN6	(sizeof(struct ipv6hdr) + GNVSEC_GENEVE_HLEN + ETH_HLEN)
/* ESP header and 64-bit IV, and the 128-bit ICV of AES-GCM (the default). */
#define GNVSEC_ESP_HLEN		16
#define GNVSEC_ESP_ICVLEN	16
/* ESP-in-UDP (RFC 3948): one more UDP header, on the NAT-T port. */
#define GNVSEC_NATT_OVERHEAD	8
#define GNVSEC_NATT_PORT	4500

enum gnvsec_bind {
	GNVSEC_BIND_NONE,
	GNVSEC_BIND_REQID,
	GNVSEC_BIND_SPI,
};

struct gnvsec_sock;
struct gnvsec_tunnel;

struct gnvsec_cfg {
	struct hlist_node hnode;	/* in gs->vni_hash while published */
	struct rcu_head rcu;
	struct gnvsec_tunnel *tun;
	struct gnvsec_sock *gs;		/* NULL while unconfigured */
	struct dst_cache dst_cache;	/* usable with marked skbs */

	sa_family_t family;		/* 0: no remote yet */
	xfrm_address_t remote;
	xfrm_address_t local;		/* all-zero: chosen by routing */
	u32 vni;
	__be16 port;
	u32 mark;
	u32 mark_mask;
	u8 ipsec_mode;			/* enum gnvsec_ipsec_mode */
	u8 encap_mode;			/* enum gnvsec_encap_mode */
	bool allow_null;		/* accept ESP that does not protect */
	u8 bind;			/* enum gnvsec_bind */
	u32 reqid;
	__be32 spi_out;
	__be32 spi_in;
	char chassis[GNVSEC_CHASSIS_MAXLEN];
};

struct gnvsec_tunnel {
	struct net_device *dev;
	struct list_head list;		/* gn->tunnels, under RTNL */
	struct gnvsec_cfg __rcu *cfg;
	struct gro_cells gro_cells;
	atomic64_t drops[__GNVSEC_STAT_MAX];
	int mark_slot;			/* automatic mark's IDA slot, or 0 */
	bool mtu_user;			/* MTU chosen by the user: keep it */
	bool mtu_auto;			/* gnvsec itself is setting the MTU */
	bool quiet;			/* undoing a failed TUNNEL_NEW: no event */
	bool mtu_quiet;			/* the family sets the MTU: it announces */
	u8 ev_state;			/* IPsec state in the last event sent */
};

struct gnvsec_sock {
	struct list_head list;		/* gn->socks, under RTNL */
	struct rcu_head rcu;
	struct socket *sock;
	struct gnvsec_net *gn;
	int refcnt;			/* under RTNL */
	sa_family_t family;
	__be16 port;
	struct hlist_head vni_hash[1 << GNVSEC_HASH_BITS];
};

struct gnvsec_net {
	struct net *net;
	struct list_head tunnels;
	struct list_head socks;
	struct ida mark_ida;		/* slots of automatic marks */
	u32 genid;			/* bumped on every change, for dumps */
	bool ipsec;			/* the "ipsec=true" switch */
	bool encap;			/* force NAT-T everywhere */
	struct socket *natt[2];		/* ESP-in-UDP receive, IPv4 and IPv6 */
	struct nf_hook_ops natt_ops[2];	/* their hooks, while natt[i] */
	int natt_err[2];		/* why natt[i] could not be set up */
	struct nf_hook_ops guard_ops[2];	/* output guards, IPv4 and IPv6 */
	bool guarded[2];		/* guard_ops[i] registered */
	atomic64_t drops[__GNVSEC_STAT_MAX];
	char errmsg[GNVSEC_ERRMSG_LEN];		/* gnvsec_extack_fmt() before 6.2 */
	/*
	 * IPsec state events (events.c): XFRM's key manager callbacks queue
	 * ev_work while ev_armed (the namespace has tunnels); ev_armed is
	 * written under RTNL and ev_lock, read by the callbacks under ev_lock.
	 */
	spinlock_t ev_lock;
	bool ev_armed;
	struct delayed_work ev_work;
};

extern unsigned int gnvsec_net_id;
extern struct rtnl_link_ops gnvsec_link_ops;

static inline struct gnvsec_net *gnvsec_pernet(const struct net *net)
{
	return net_generic(net, gnvsec_net_id);
}

static inline struct genevehdr *gnvsec_geneve_hdr(const struct sk_buff *skb)
{
	return (struct genevehdr *)(udp_hdr(skb) + 1);
}

static inline void gnvsec_count(atomic64_t *drops, enum gnvsec_stat why)
{
	atomic64_inc(&drops[why]);
}

/* Whether IPsec applies to this configuration right now. */
static inline bool gnvsec_ipsec_required(const struct gnvsec_cfg *cfg,
					 const struct gnvsec_net *gn)
{
	return cfg->ipsec_mode == GNVSEC_IPSEC_REQUIRED ||
	       (cfg->ipsec_mode == GNVSEC_IPSEC_INHERIT && READ_ONCE(gn->ipsec));
}

static inline bool gnvsec_encap_forced(const struct gnvsec_cfg *cfg,
				       const struct gnvsec_net *gn)
{
	return cfg->encap_mode == GNVSEC_ENCAP_FORCE ||
	       (cfg->encap_mode == GNVSEC_ENCAP_INHERIT && READ_ONCE(gn->encap));
}

/* Index of per-family state: 0 for IPv4, 1 for IPv6. */
static inline int gnvsec_family_idx(sa_family_t family)
{
	return family == AF_INET6;
}

/*
 * Testing only: busy-wait this long in the NAT-T receive hook, so that a
 * test can widen the window between a hook running and its teardown.
 */
extern unsigned int gnvsec_test_hook_delay_us;

static inline void gnvsec_test_delay(void)
{
	unsigned int us = READ_ONCE(gnvsec_test_hook_delay_us);

	if (unlikely(us))
		udelay(min(us, 200000U));
}

/* What gnvsec_guard_enter() replaced, for gnvsec_guard_leave(). */
struct gnvsec_tx_mark {
	const struct sk_buff *skb;
	const struct gnvsec_cfg *cfg;
};

/* device.c */
int gnvsec_device_init(void);
void gnvsec_device_uninit(void);
bool gnvsec_is_tunnel(const struct net_device *dev);
struct net_device *gnvsec_tunnel_create(struct net *net, const char *name,
					struct netlink_ext_ack *extack);
void gnvsec_net_update(struct gnvsec_net *gn);

/* table.c */
struct gnvsec_cfg *gnvsec_cfg_clone(const struct gnvsec_cfg *old);
void gnvsec_cfg_free(struct gnvsec_cfg *cfg);
int gnvsec_tunnel_apply(struct gnvsec_tunnel *tun, struct gnvsec_cfg *cfg,
			struct netlink_ext_ack *extack);
void gnvsec_tunnel_unpublish(struct gnvsec_tunnel *tun);
int gnvsec_tunnel_set_mtu(struct gnvsec_tunnel *tun, int mtu,
			  struct netlink_ext_ack *extack);
void gnvsec_tunnel_update_mtu(struct gnvsec_tunnel *tun);
int gnvsec_tunnel_init_cfg(struct gnvsec_tunnel *tun);
struct gnvsec_cfg *gnvsec_table_lookup(struct gnvsec_sock *gs, u32 vni,
				       const xfrm_address_t *remote);

/* socket.c */
struct gnvsec_sock *gnvsec_sock_get(struct gnvsec_net *gn, sa_family_t family,
				    __be16 port);
void gnvsec_sock_put(struct gnvsec_sock *gs);
void gnvsec_natt_update(struct gnvsec_net *gn, const bool need[2]);

/* guard.c */
struct gnvsec_tx_mark gnvsec_guard_enter(const struct sk_buff *skb,
					 const struct gnvsec_cfg *cfg);
void gnvsec_guard_leave(struct gnvsec_tx_mark old);
void gnvsec_guard_update(struct gnvsec_net *gn, const bool need[2]);

/* rx.c */
int gnvsec_udp_encap_rcv(struct sock *sk, struct sk_buff *skb);

/* tx.c */
netdev_tx_t gnvsec_xmit(struct sk_buff *skb, struct net_device *dev);

/* ipsec.c */
struct dst_entry *gnvsec_route(const struct gnvsec_cfg *cfg,
			       const struct gnvsec_net *gn, __be16 sport,
			       xfrm_address_t *saddr,
			       enum gnvsec_stat *why);
enum gnvsec_stat gnvsec_ipsec_check_tx(const struct dst_entry *dst,
				       const struct gnvsec_cfg *cfg,
				       const struct gnvsec_net *gn);
enum gnvsec_stat gnvsec_ipsec_check_rx(const struct gnvsec_cfg *cfg,
				       const struct gnvsec_net *gn,
				       const struct sk_buff *skb, bool *icv);
struct gnvsec_view;
struct gnvsec_view *gnvsec_view_get(struct net *net, struct gnvsec_view *v);
void gnvsec_view_put(struct gnvsec_view *v);
enum gnvsec_ipsec_state gnvsec_ipsec_state(const struct gnvsec_cfg *cfg,
					   const struct gnvsec_net *gn,
					   const struct gnvsec_view *view,
					   u8 *reason);

/* events.c */
int gnvsec_events_init(void);
void gnvsec_events_uninit(void);
void gnvsec_events_net_init(struct gnvsec_net *gn);
void gnvsec_events_net_exit(struct gnvsec_net *gn);
void gnvsec_events_arm(struct gnvsec_net *gn);

/* netlink.c */
int gnvsec_genl_init(void);
void gnvsec_genl_uninit(void);
void gnvsec_genl_notify(struct gnvsec_tunnel *tun, u8 cmd);
void gnvsec_genl_notify_states(struct gnvsec_net *gn);
int gnvsec_nl_put_cfg(struct sk_buff *skb, const struct gnvsec_cfg *cfg,
		      const struct gnvsec_net *gn);
size_t gnvsec_nl_cfg_size(void);

#endif /* _GNVSEC_H */
