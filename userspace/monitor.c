// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl monitor: prints the announcements of the gnvsec family's
 * "events" multicast group as they arrive, one line each (one JSON object
 * per line with -j). TUNNEL_NEW, SET, BIND, UNBIND and STATE announcements
 * carry what a TUNNEL_GET reply carries; TUNNEL_DEL only the ifindex and
 * name. Changes of the global switches are announced as a SET of every
 * tunnel, a new name or MTU given with "ip link" as a SET too, a change of
 * the IPsec state after XFRM changed as a STATE.
 *
 * Reading the group needs no privilege. Events lost because this process
 * did not keep up are reported on stderr, and monitoring goes on.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "gnvsecctl.h"

struct monitor {
	uint16_t family_id;
	bool json;
};

static const char *event_name(uint8_t cmd)
{
	switch (cmd) {
	case GNVSEC_CMD_TUNNEL_NEW:
		return "new";
	case GNVSEC_CMD_TUNNEL_SET:
		return "set";
	case GNVSEC_CMD_TUNNEL_DEL:
		return "del";
	case GNVSEC_CMD_TUNNEL_BIND:
		return "bind";
	case GNVSEC_CMD_TUNNEL_UNBIND:
		return "unbind";
	case GNVSEC_CMD_TUNNEL_STATE:
		return "state";
	default:
		return NULL;
	}
}

static void print_text(const char *ev, const struct tunnel *t, bool full)
{
	char remote[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];

	printf("%s %s ifindex %u", ev, t->name, t->ifindex);
	if (!full) {
		putchar('\n');
		return;
	}
	if (t->remote.family)
		printf(" remote %s", addr_str(&t->remote, remote, sizeof(remote)));
	if (t->local.family)
		printf(" local %s", addr_str(&t->local, local, sizeof(local)));
	printf(" vni %u dstport %u", t->vni, t->port);
	if (t->chassis[0])
		printf(" chassis %s", t->chassis);
	printf(" mark 0x%x/0x%x ipsec %s encap %s allow-null %s mtu %u state %s",
	       t->mark, t->mark_mask, ipsec_mode_name(t->ipsec),
	       encap_mode_name(t->encap), t->allow_null ? "on" : "off", t->mtu,
	       ipsec_state_name(t->state));
	if (t->reqid)
		printf(" binding reqid %u", t->reqid);
	else if (t->spi_out)
		printf(" binding spi-out 0x%x spi-in 0x%x", t->spi_out, t->spi_in);
	else
		printf(" binding none");
	if (t->config_error[0])
		printf(" error \"%s\"", t->config_error);
	putchar('\n');
}

/* The keys of "tunnels show -j", without the XFRM lists. */
static void print_json(const char *ev, const struct tunnel *t, bool full)
{
	char remote[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	int i;

	printf("{\"event\":\"%s\",\"ifname\":", ev);
	json_str(stdout, t->name);
	printf(",\"ifindex\":%u", t->ifindex);
	if (!full) {
		puts("}");
		return;
	}
	printf(",\"configured\":%s", t->config_error[0] ? "false" : "true");
	if (t->config_error[0]) {
		printf(",\"config_error\":");
		json_str(stdout, t->config_error);
	}
	printf(",\"local\":");
	if (t->local.family)
		json_str(stdout, addr_str(&t->local, local, sizeof(local)));
	else
		fputs("null", stdout);
	printf(",\"remote\":");
	if (t->remote.family)
		json_str(stdout, addr_str(&t->remote, remote, sizeof(remote)));
	else
		fputs("null", stdout);
	printf(",\"chassis\":");
	if (t->chassis[0])
		json_str(stdout, t->chassis);
	else
		fputs("null", stdout);
	printf(",\"vni\":%u,\"port\":%u,\"mtu\":%u,\"mark\":%u,\"mark_mask\":%u",
	       t->vni, t->port, t->mtu, t->mark, t->mark_mask);
	printf(",\"ipsec\":\"%s\",\"ipsec_required\":%s,\"ipsec_state\":\"%s\"",
	       ipsec_mode_name(t->ipsec), t->required ? "true" : "false",
	       ipsec_state_name(t->state));
	printf(",\"allow_null\":%s", t->allow_null ? "true" : "false");
	printf(",\"encap\":\"%s\"", encap_mode_name(t->encap));
	if (t->reqid)
		printf(",\"binding\":{\"reqid\":%u}", t->reqid);
	else if (t->spi_out)
		printf(",\"binding\":{\"spi_out\":%u,\"spi_in\":%u}", t->spi_out,
		       t->spi_in);
	else
		printf(",\"binding\":null");
	printf(",\"drops\":{");
	for (i = GNVSEC_STAT_TX_UNCONFIGURED; i <= GNVSEC_STAT_RX_ERROR; i++)
		printf("%s\"%s\":%llu", i == GNVSEC_STAT_TX_UNCONFIGURED ? "" : ",",
		       stat_name(i), (unsigned long long)t->stats[i]);
	puts("}}");
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct monitor *m = data;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const char *ev;
	struct tunnel t;

	if (nlh->nlmsg_type != m->family_id ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
		return MNL_CB_OK;
	ev = event_name(g->cmd);
	if (!ev) {
		fprintf(stderr, "gnvsecctl: monitor: unknown event %u\n", g->cmd);
		return MNL_CB_OK;
	}
	if (tunnel_parse(nlh, &t) < 0) {
		fprintf(stderr, "gnvsecctl: monitor: malformed %s event\n", ev);
		return MNL_CB_OK;
	}
	if (m->json)
		print_json(ev, &t, g->cmd != GNVSEC_CMD_TUNNEL_DEL);
	else
		print_text(ev, &t, g->cmd != GNVSEC_CMD_TUNNEL_DEL);
	return MNL_CB_OK;
}

int cmd_monitor(struct nl *nl, int argc, char **argv, bool json)
{
	struct monitor m = { .json = json };
	unsigned int group;
	char *buf;
	int ret;

	if (argc > 0)
		die(EXIT_USAGE, "monitor takes no arguments (\"%s\")", argv[0]);
	nl_need_genl(nl);
	m.family_id = nl->family_id;
	group = nl->mcgrp_events;
	if (!group)
		die(EXIT_KERNEL, "the gnvsec family has no \"%s\" group",
		    GNVSEC_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		die(EXIT_KERNEL, "cannot join the \"%s\" group: %s",
		    GNVSEC_MCGRP_EVENTS, strerror(errno));

	/* One line per event, even into a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	if (!buf)
		die(EXIT_KERNEL, "out of memory");
	for (;;) {
		ret = mnl_socket_recvfrom(nl->sock, buf, MNL_SOCKET_BUFFER_SIZE * 4);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fprintf(stderr, "gnvsecctl: monitor: events lost "
					"(receive queue overflow)\n");
				continue;
			}
			die(EXIT_KERNEL, "monitor: %s", strerror(errno));
		}
		/* Multicast: no sequence number or port id to match. */
		if (mnl_cb_run(buf, ret, 0, 0, event_cb, &m) < 0)
			fprintf(stderr, "gnvsecctl: monitor: %s\n",
				strerror(errno));
	}
}
