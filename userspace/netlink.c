// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl: netlink plumbing on libmnl. Sockets, requests, the kernel's
 * extended-ack error text, and parsing of the gnvsec family's replies.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "gnvsecctl.h"

void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("gnvsecctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static int open_sock(struct nl *nl, int bus)
{
	int one = 1;

	nl->sock = mnl_socket_open(bus);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	/* Error messages from the kernel, without our request echoed back. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->seq = time(NULL);
	return 0;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;
	const struct nlattr *grp, *a;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		nl->family_id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		mnl_attr_for_each_nested(grp, attr) {
			const char *name = NULL;
			uint32_t id = 0;

			mnl_attr_for_each_nested(a, grp) {
				if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
					name = mnl_attr_get_str(a);
				else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
					id = mnl_attr_get_u32(a);
			}
			if (name && !strcmp(name, GNVSEC_MCGRP_EVENTS))
				nl->mcgrp_events = id;
		}
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			      data);
}

/* Opens a generic netlink socket and resolves the gnvsec family. */
int nl_open_genl(struct nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int err;

	memset(nl, 0, sizeof(*nl));
	err = open_sock(nl, NETLINK_GENERIC);
	if (err)
		return err;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, GNVSEC_GENL_NAME);

	/* The kernel loads the module on this request when it can. */
	err = nl_talk(nl, nlh, family_cb, nl);
	if (err == -ENOENT)
		die(EXIT_KERNEL, "the gnvsec module is not loaded (modprobe gnvsec)");
	return err;
}

int nl_open_xfrm(struct nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	return open_sock(nl, NETLINK_XFRM);
}

int nl_open_route(struct nl *nl)
{
	memset(nl, 0, sizeof(*nl));
	return open_sock(nl, NETLINK_ROUTE);
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/*
 * The socket opens with the first request (nl_talk): a command's syntax
 * is checked before, so that a typo is a usage error even without the
 * module. A request built before it has type 0, filled in at sending.
 */
void nl_need_genl(struct nl *nl)
{
	if (nl->sock)
		return;
	if (nl_open_genl(nl))
		die(EXIT_KERNEL, "cannot open generic netlink: %s", strerror(errno));
}

struct nlmsghdr *genl_msg(struct nl *nl, char *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = nl->family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = GNVSEC_GENL_VERSION;
	return nlh;
}

static char ext_msg[256];
/* The request being answered, to name the attribute an error points at. */
static const struct nlmsghdr *cur_req;
static bool cur_gnvsec;

/* gnvsecctl's words for the attributes a user gives. */
static const char *const attr_args[GNVSEC_A_MAX + 1] = {
	[GNVSEC_A_IFINDEX] = "ifindex",
	[GNVSEC_A_IFNAME] = "name",
	[GNVSEC_A_REMOTE4] = "remote",
	[GNVSEC_A_REMOTE6] = "remote",
	[GNVSEC_A_LOCAL4] = "local",
	[GNVSEC_A_LOCAL6] = "local",
	[GNVSEC_A_VNI] = "vni",
	[GNVSEC_A_PORT] = "dstport",
	[GNVSEC_A_CHASSIS] = "chassis",
	[GNVSEC_A_MARK] = "mark",
	[GNVSEC_A_MARK_MASK] = "mark mask",
	[GNVSEC_A_IPSEC] = "ipsec",
	[GNVSEC_A_ENCAP] = "encap",
	[GNVSEC_A_REQID] = "reqid",
	[GNVSEC_A_SPI_OUT] = "spi-out",
	[GNVSEC_A_SPI_IN] = "spi-in",
	[GNVSEC_A_MTU] = "mtu",
	[GNVSEC_A_GLOBAL_IPSEC] = "ipsec",
	[GNVSEC_A_GLOBAL_ENCAP] = "encapsulation",
};

/*
 * The attribute of our request at @off (NLMSGERR_ATTR_OFFS counts from
 * the request's netlink header): its argument name and, for a number,
 * the value sent, as "vni 16777216". Empty when it is none of ours.
 */
static void bad_arg(char *buf, size_t len, uint32_t off)
{
	const struct nlattr *attr;
	const char *name;
	uint16_t type;

	buf[0] = '\0';
	if (!cur_req || !cur_gnvsec ||
	    off < NLMSG_HDRLEN + GENL_HDRLEN ||
	    (uint64_t)off + sizeof(*attr) > cur_req->nlmsg_len)
		return;
	attr = (const struct nlattr *)((const char *)cur_req + off);
	type = mnl_attr_get_type(attr);
	if (type > GNVSEC_A_MAX || !attr_args[type] ||
	    (uint64_t)off + attr->nla_len > cur_req->nlmsg_len)
		return;
	name = attr_args[type];
	switch (type) {
	case GNVSEC_A_IPSEC:
	case GNVSEC_A_ENCAP:
	case GNVSEC_A_GLOBAL_IPSEC:
	case GNVSEC_A_GLOBAL_ENCAP:
		if (mnl_attr_get_payload_len(attr) == 1) {
			snprintf(buf, len, "%s %u", name, mnl_attr_get_u8(attr));
			return;
		}
		break;
	case GNVSEC_A_PORT:
		if (mnl_attr_get_payload_len(attr) == 2) {
			snprintf(buf, len, "%s %u", name, mnl_attr_get_u16(attr));
			return;
		}
		break;
	case GNVSEC_A_IFINDEX:
	case GNVSEC_A_VNI:
	case GNVSEC_A_MARK:
	case GNVSEC_A_MARK_MASK:
	case GNVSEC_A_REQID:
	case GNVSEC_A_SPI_OUT:
	case GNVSEC_A_SPI_IN:
	case GNVSEC_A_MTU:
		if (mnl_attr_get_payload_len(attr) == 4) {
			snprintf(buf, len, "%s %u", name, mnl_attr_get_u32(attr));
			return;
		}
		break;
	}
	/* Names and addresses: the user typed them, the argument is enough. */
	snprintf(buf, len, "%s", name);
}

/* The valid range from NLMSGERR_ATTR_POLICY, as " (valid: 68..65535)". */
static void policy_range(char *buf, size_t len, const struct nlattr *nest)
{
	unsigned long long min = 0, max = 0;
	bool have_min = false, have_max = false;
	const struct nlattr *a;

	buf[0] = '\0';
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_payload_len(a) != sizeof(uint64_t))
			continue;
		switch (mnl_attr_get_type(a)) {
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			min = mnl_attr_get_u64(a);
			have_min = true;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			max = mnl_attr_get_u64(a);
			have_max = true;
			break;
		}
	}
	if (have_min && have_max)
		snprintf(buf, len, " (valid: %llu..%llu)", min, max);
}

/* NLMSG_ERROR: the errno and, with NETLINK_EXT_ACK, the kernel's words. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	char msg[sizeof(ext_msg)] = "", arg[64] = "", range[64] = "";
	const struct nlattr *attr;
	size_t off = sizeof(*err);

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		mnl_attr_for_each_payload((const void *)((const char *)err + off),
					  mnl_nlmsg_get_payload_len(nlh) - off) {
			switch (mnl_attr_get_type(attr)) {
			case NLMSGERR_ATTR_MSG:
				snprintf(msg, sizeof(msg), "%s",
					 mnl_attr_get_str(attr));
				break;
			case NLMSGERR_ATTR_OFFS:
				if (mnl_attr_get_payload_len(attr) == 4)
					bad_arg(arg, sizeof(arg),
						mnl_attr_get_u32(attr));
				break;
			case NLMSGERR_ATTR_POLICY:
				policy_range(range, sizeof(range), attr);
				break;
			}
		}
	}
	/* "vni 16777216: integer out of range (valid: 0..16777215)" */
	if (arg[0])
		snprintf(ext_msg, sizeof(ext_msg), "%s: %s%s", arg,
			 msg[0] ? msg : "invalid value", range);
	else
		snprintf(ext_msg, sizeof(ext_msg), "%s%s", msg, range);
	if (!err->error)
		return MNL_CB_STOP;
	errno = -err->error;
	return MNL_CB_ERROR;
}

/* The end of a dump; libmnl runs no default for types we give a table. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_STOP;
}

/*
 * Sends @nlh and runs @cb on every reply until the ACK or the end of a
 * dump. Returns 0 or a negative errno; the kernel's text, if any, is kept
 * for nl_fail(). A dump that raced a change fails with -EINTR.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	unsigned int portid;
	int ret;

	if (!nl->sock)
		nl_need_genl(nl);
	portid = mnl_socket_get_portid(nl->sock);
	if (!nlh->nlmsg_type)
		nlh->nlmsg_type = nl->family_id;
	ext_msg[0] = '\0';
	cur_req = nlh;
	cur_gnvsec = nl->family_id && nlh->nlmsg_type == nl->family_id;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	do {
		ret = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run2(buf, ret, nlh->nlmsg_seq, portid, cb, data,
				  ctl, NLMSG_MIN_TYPE);
	} while (ret > 0);
	cur_req = NULL;

	return ret < 0 ? -errno : 0;
}

/* Prints a failed request's error the way ip(8) does, and exits 1. */
void nl_fail(const char *what, int err)
{
	if (ext_msg[0])
		die(EXIT_KERNEL, "%s: %s (%s)", what, ext_msg, strerror(-err));
	die(EXIT_KERNEL, "%s: %s", what, strerror(-err));
}

static void get_addr(const struct nlattr *attr, int family, struct addr *a)
{
	a->family = family;
	memcpy(a->bytes, mnl_attr_get_payload(attr),
	       family == AF_INET ? 4 : 16);
}

static int stats_cb(const struct nlattr *attr, void *data)
{
	uint64_t *stats = data;
	int type = mnl_attr_get_type(attr);

	if (type > 0 && type < __GNVSEC_STAT_MAX &&
	    mnl_attr_get_payload_len(attr) == sizeof(uint64_t))
		stats[type] = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

static int tunnel_attr_cb(const struct nlattr *attr, void *data)
{
	struct tunnel *t = data;

	switch (mnl_attr_get_type(attr)) {
	case GNVSEC_A_IFINDEX:
		t->ifindex = mnl_attr_get_u32(attr);
		break;
	case GNVSEC_A_IFNAME:
		snprintf(t->name, sizeof(t->name), "%s", mnl_attr_get_str(attr));
		break;
	case GNVSEC_A_REMOTE4:
		get_addr(attr, AF_INET, &t->remote);
		break;
	case GNVSEC_A_REMOTE6:
		get_addr(attr, AF_INET6, &t->remote);
		break;
	case GNVSEC_A_LOCAL4:
		get_addr(attr, AF_INET, &t->local);
		break;
	case GNVSEC_A_LOCAL6:
		get_addr(attr, AF_INET6, &t->local);
		break;
	case GNVSEC_A_VNI:
		t->vni = mnl_attr_get_u32(attr);
		break;
	case GNVSEC_A_PORT:
		t->port = mnl_attr_get_u16(attr);
		break;
	case GNVSEC_A_CHASSIS:
		snprintf(t->chassis, sizeof(t->chassis), "%s",
			 mnl_attr_get_str(attr));
		break;
	case GNVSEC_A_MARK:
		t->mark = mnl_attr_get_u32(attr);
		break;
	case GNVSEC_A_MARK_MASK:
		t->mark_mask = mnl_attr_get_u32(attr);
		break;
	case GNVSEC_A_IPSEC:
		t->ipsec = mnl_attr_get_u8(attr);
		break;
	case GNVSEC_A_ENCAP:
		t->encap = mnl_attr_get_u8(attr);
		break;
	case GNVSEC_A_ALLOW_NULL:
		t->allow_null = mnl_attr_get_u8(attr);
		break;
	case GNVSEC_A_REQID:
		t->reqid = mnl_attr_get_u32(attr);
		break;
	case GNVSEC_A_SPI_OUT:
		t->spi_out = mnl_attr_get_u32(attr);
		break;
	case GNVSEC_A_SPI_IN:
		t->spi_in = mnl_attr_get_u32(attr);
		break;
	case GNVSEC_A_MTU:
		t->mtu = mnl_attr_get_u32(attr);
		break;
	case GNVSEC_A_IPSEC_REQUIRED:
		t->required = mnl_attr_get_u8(attr);
		break;
	case GNVSEC_A_IPSEC_STATE:
		t->state = mnl_attr_get_u8(attr);
		break;
	case GNVSEC_A_IPSEC_WAIT_REASON:
		t->wait_reason = mnl_attr_get_u8(attr);
		break;
	case GNVSEC_A_CONFIG_ERROR:
		snprintf(t->config_error, sizeof(t->config_error), "%s",
			 mnl_attr_get_str(attr));
		break;
	case GNVSEC_A_STATS:
		mnl_attr_parse_nested(attr, stats_cb, t->stats);
		break;
	}
	return MNL_CB_OK;
}

int tunnel_parse(const struct nlmsghdr *nlh, struct tunnel *t)
{
	memset(t, 0, sizeof(*t));
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tunnel_attr_cb, t);
}

static int global_attr_cb(const struct nlattr *attr, void *data)
{
	struct global *g = data;

	switch (mnl_attr_get_type(attr)) {
	case GNVSEC_A_GLOBAL_IPSEC:
		g->ipsec = mnl_attr_get_u8(attr);
		break;
	case GNVSEC_A_GLOBAL_ENCAP:
		g->encap = mnl_attr_get_u8(attr);
		break;
	case GNVSEC_A_STATS:
		mnl_attr_parse_nested(attr, stats_cb, g->stats);
		break;
	}
	return MNL_CB_OK;
}

int global_parse(const struct nlmsghdr *nlh, struct global *g)
{
	memset(g, 0, sizeof(*g));
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), global_attr_cb, g);
}

static int one_tunnel_cb(const struct nlmsghdr *nlh, void *data)
{
	return tunnel_parse(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Fetches one tunnel by name; exits with the kernel's message on failure. */
int tunnel_get(struct nl *nl, const char *name, struct tunnel *t)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = genl_msg(nl, buf, GNVSEC_CMD_TUNNEL_GET, 0);
	mnl_attr_put_strz(nlh, GNVSEC_A_IFNAME, name);
	err = nl_talk(nl, nlh, one_tunnel_cb, t);
	if (err)
		nl_fail(name, err);
	return 0;
}

static int global_cb(const struct nlmsghdr *nlh, void *data)
{
	return global_parse(nlh, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

void global_get(struct nl *nl, struct global *g)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_msg(nl, buf, GNVSEC_CMD_GLOBAL_GET, 0);
	int err = nl_talk(nl, nlh, global_cb, g);

	if (err)
		nl_fail("global", err);
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tunnel_list *l = data;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die(EXIT_KERNEL, "out of memory");
	}
	return tunnel_parse(nlh, &l->v[l->n++]) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct tunnel *)a)->name,
		      ((const struct tunnel *)b)->name);
}

/* Every tunnel of the namespace; a dump that raced a change is retried. */
void tunnel_dump(struct nl *nl, struct tunnel_list *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int err, tries;

	for (tries = 0; tries < 10; tries++) {
		l->n = 0;
		nlh = genl_msg(nl, buf, GNVSEC_CMD_TUNNEL_GET, NLM_F_DUMP);
		err = nl_talk(nl, nlh, list_cb, l);
		if (err != -EINTR)
			break;
		/* Unread parts of the old dump would confuse the next one. */
		nl_close(nl);
		if (nl_open_genl(nl))
			die(EXIT_KERNEL, "cannot reopen netlink");
	}
	if (err)
		nl_fail("dump", err);
	qsort(l->v, l->n, sizeof(*l->v), by_name);
}
