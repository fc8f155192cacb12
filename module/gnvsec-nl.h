/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/gnvsec.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_GNVSEC_GEN_H
#define _LINUX_GNVSEC_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/gnvsec.h>

extern const struct nla_policy gnvsec_tunnel_get_nl_policy[GNVSEC_A_IFNAME + 1];

extern const struct nla_policy gnvsec_tunnel_new_nl_policy[GNVSEC_A_ALLOW_NULL + 1];

extern const struct nla_policy gnvsec_tunnel_set_nl_policy[GNVSEC_A_ALLOW_NULL + 1];

extern const struct nla_policy gnvsec_tunnel_del_nl_policy[GNVSEC_A_IFNAME + 1];

extern const struct nla_policy gnvsec_tunnel_bind_nl_policy[GNVSEC_A_SPI_IN + 1];

extern const struct nla_policy gnvsec_tunnel_unbind_nl_policy[GNVSEC_A_IFNAME + 1];

extern const struct nla_policy gnvsec_global_get_nl_policy[GNVSEC_A_PAD + 1];

extern const struct nla_policy gnvsec_global_set_nl_policy[GNVSEC_A_GLOBAL_ENCAP + 1];

/* Ops table for gnvsec */
extern const struct genl_ops gnvsec_nl_ops[8];

int gnvsec_nl_tunnel_get_doit(struct sk_buff *skb, struct genl_info *info);
int gnvsec_nl_tunnel_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int gnvsec_nl_tunnel_new_doit(struct sk_buff *skb, struct genl_info *info);
int gnvsec_nl_tunnel_set_doit(struct sk_buff *skb, struct genl_info *info);
int gnvsec_nl_tunnel_del_doit(struct sk_buff *skb, struct genl_info *info);
int gnvsec_nl_tunnel_bind_doit(struct sk_buff *skb, struct genl_info *info);
int gnvsec_nl_tunnel_unbind_doit(struct sk_buff *skb, struct genl_info *info);
int gnvsec_nl_global_get_doit(struct sk_buff *skb, struct genl_info *info);
int gnvsec_nl_global_set_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	GNVSEC_NLGRP_EVENTS,
};

#endif /* _LINUX_GNVSEC_GEN_H */
