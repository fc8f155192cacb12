// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/gnvsec.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "gnvsec-nl.h"

#include <uapi/linux/gnvsec.h>

/* Integer value ranges */
static const struct netlink_range_validation gnvsec_a_vni_range = {
	.max	= GNVSEC_VNI_MAX,
};

static const struct netlink_range_validation gnvsec_a_mtu_range = {
	.min	= 68ULL,
	.max	= 65535ULL,
};

/* GNVSEC_CMD_TUNNEL_GET - do */
const struct nla_policy gnvsec_tunnel_get_nl_policy[GNVSEC_A_IFNAME + 1] = {
	[GNVSEC_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[GNVSEC_A_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* GNVSEC_CMD_TUNNEL_NEW - do */
const struct nla_policy gnvsec_tunnel_new_nl_policy[GNVSEC_A_ALLOW_NULL + 1] = {
	[GNVSEC_A_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[GNVSEC_A_REMOTE4] = NLA_POLICY_EXACT_LEN(4),
	[GNVSEC_A_REMOTE6] = NLA_POLICY_EXACT_LEN(16),
	[GNVSEC_A_LOCAL4] = NLA_POLICY_EXACT_LEN(4),
	[GNVSEC_A_LOCAL6] = NLA_POLICY_EXACT_LEN(16),
	[GNVSEC_A_VNI] = NLA_POLICY_FULL_RANGE(NLA_U32, &gnvsec_a_vni_range),
	[GNVSEC_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[GNVSEC_A_CHASSIS] = { .type = NLA_NUL_STRING, .len = 63, },
	[GNVSEC_A_MARK] = { .type = NLA_U32, },
	[GNVSEC_A_MARK_MASK] = NLA_POLICY_MIN(NLA_U32, 1),
	[GNVSEC_A_IPSEC] = NLA_POLICY_MAX(NLA_U8, 2),
	[GNVSEC_A_ENCAP] = NLA_POLICY_MAX(NLA_U8, 2),
	[GNVSEC_A_MTU] = NLA_POLICY_FULL_RANGE(NLA_U32, &gnvsec_a_mtu_range),
	[GNVSEC_A_ALLOW_NULL] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* GNVSEC_CMD_TUNNEL_SET - do */
const struct nla_policy gnvsec_tunnel_set_nl_policy[GNVSEC_A_ALLOW_NULL + 1] = {
	[GNVSEC_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[GNVSEC_A_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[GNVSEC_A_REMOTE4] = NLA_POLICY_EXACT_LEN(4),
	[GNVSEC_A_REMOTE6] = NLA_POLICY_EXACT_LEN(16),
	[GNVSEC_A_LOCAL4] = NLA_POLICY_EXACT_LEN(4),
	[GNVSEC_A_LOCAL6] = NLA_POLICY_EXACT_LEN(16),
	[GNVSEC_A_VNI] = NLA_POLICY_FULL_RANGE(NLA_U32, &gnvsec_a_vni_range),
	[GNVSEC_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[GNVSEC_A_CHASSIS] = { .type = NLA_NUL_STRING, .len = 63, },
	[GNVSEC_A_MARK] = { .type = NLA_U32, },
	[GNVSEC_A_MARK_MASK] = NLA_POLICY_MIN(NLA_U32, 1),
	[GNVSEC_A_IPSEC] = NLA_POLICY_MAX(NLA_U8, 2),
	[GNVSEC_A_ENCAP] = NLA_POLICY_MAX(NLA_U8, 2),
	[GNVSEC_A_MTU] = NLA_POLICY_FULL_RANGE(NLA_U32, &gnvsec_a_mtu_range),
	[GNVSEC_A_ALLOW_NULL] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* GNVSEC_CMD_TUNNEL_DEL - do */
const struct nla_policy gnvsec_tunnel_del_nl_policy[GNVSEC_A_IFNAME + 1] = {
	[GNVSEC_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[GNVSEC_A_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* GNVSEC_CMD_TUNNEL_BIND - do */
const struct nla_policy gnvsec_tunnel_bind_nl_policy[GNVSEC_A_SPI_IN + 1] = {
	[GNVSEC_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[GNVSEC_A_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[GNVSEC_A_REQID] = NLA_POLICY_MIN(NLA_U32, 1),
	[GNVSEC_A_SPI_OUT] = NLA_POLICY_MIN(NLA_U32, 256),
	[GNVSEC_A_SPI_IN] = NLA_POLICY_MIN(NLA_U32, 256),
};

/* GNVSEC_CMD_TUNNEL_UNBIND - do */
const struct nla_policy gnvsec_tunnel_unbind_nl_policy[GNVSEC_A_IFNAME + 1] = {
	[GNVSEC_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[GNVSEC_A_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* GNVSEC_CMD_GLOBAL_GET - do */
const struct nla_policy gnvsec_global_get_nl_policy[GNVSEC_A_PAD + 1] = {
};

/* GNVSEC_CMD_GLOBAL_SET - do */
const struct nla_policy gnvsec_global_set_nl_policy[GNVSEC_A_GLOBAL_ENCAP + 1] = {
	[GNVSEC_A_GLOBAL_IPSEC] = NLA_POLICY_MAX(NLA_U8, 1),
	[GNVSEC_A_GLOBAL_ENCAP] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* Ops table for gnvsec */
const struct genl_ops gnvsec_nl_ops[8] = {
	{
		.cmd		= GNVSEC_CMD_TUNNEL_GET,
		.doit		= gnvsec_nl_tunnel_get_doit,
		.dumpit		= gnvsec_nl_tunnel_get_dumpit,
		.policy		= gnvsec_tunnel_get_nl_policy,
		.maxattr	= GNVSEC_A_IFNAME,
	},
	{
		.cmd		= GNVSEC_CMD_TUNNEL_NEW,
		.doit		= gnvsec_nl_tunnel_new_doit,
		.policy		= gnvsec_tunnel_new_nl_policy,
		.maxattr	= GNVSEC_A_ALLOW_NULL,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= GNVSEC_CMD_TUNNEL_SET,
		.doit		= gnvsec_nl_tunnel_set_doit,
		.policy		= gnvsec_tunnel_set_nl_policy,
		.maxattr	= GNVSEC_A_ALLOW_NULL,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= GNVSEC_CMD_TUNNEL_DEL,
		.doit		= gnvsec_nl_tunnel_del_doit,
		.policy		= gnvsec_tunnel_del_nl_policy,
		.maxattr	= GNVSEC_A_IFNAME,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= GNVSEC_CMD_TUNNEL_BIND,
		.doit		= gnvsec_nl_tunnel_bind_doit,
		.policy		= gnvsec_tunnel_bind_nl_policy,
		.maxattr	= GNVSEC_A_SPI_IN,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= GNVSEC_CMD_TUNNEL_UNBIND,
		.doit		= gnvsec_nl_tunnel_unbind_doit,
		.policy		= gnvsec_tunnel_unbind_nl_policy,
		.maxattr	= GNVSEC_A_IFNAME,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= GNVSEC_CMD_GLOBAL_GET,
		.doit		= gnvsec_nl_global_get_doit,
		.policy		= gnvsec_global_get_nl_policy,
		.maxattr	= GNVSEC_A_PAD,
	},
	{
		.cmd		= GNVSEC_CMD_GLOBAL_SET,
		.doit		= gnvsec_nl_global_set_doit,
		.policy		= gnvsec_global_set_nl_policy,
		.maxattr	= GNVSEC_A_GLOBAL_ENCAP,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group gnvsec_nl_mcgrps[] = {
	[GNVSEC_NLGRP_EVENTS] = { "events", },
};
