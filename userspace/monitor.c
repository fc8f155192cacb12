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

/* The fields of a full event's text line, after its name and ifindex. */
static const int event_text[] = {
	TF_REMOTE, TF_LOCAL, TF_VNI, TF_PORT, TF_CHASSIS, TF_MARK, TF_IPSEC,
	TF_ENCAP, TF_ALLOW_NULL, TF_MTU, TF_IPSEC_STATE, TF_BINDING,
};

/* "EVENT NAME ifindex N keyword value...": unset fields are left out. */
static void print_text(const char *ev, const struct tunnel_view *v, bool full)
{
	const char *val;
	char buf[64];
	size_t i;

	printf("%s %s %s %u", ev, v->t->name, tunnel_fields[TF_IFINDEX].word,
	       v->t->ifindex);
	for (i = 0; full && i < sizeof(event_text) / sizeof(event_text[0]); i++) {
		int id = event_text[i];

		val = tunnel_text(id, v, buf, sizeof(buf),
				  id == TF_BINDING ? "none" : NULL);
		if (val)
			printf(" %s %s", tunnel_fields[id].word, val);
	}
	val = full ? tunnel_text(TF_CONFIG_ERROR, v, NULL, 0, NULL) : NULL;
	if (val)
		printf(" %s \"%s\"", tunnel_fields[TF_CONFIG_ERROR].word, val);
	putchar('\n');
}

/* The keys of "tunnels show -j", without the XFRM lists. */
static void print_json(const char *ev, const struct tunnel_view *v, bool full)
{
	struct json_object *o = jobj();

	jadd(o, "event", jstr(ev));
	tunnel_json(o, v, full ? TV_EVENT : TV_DEL);
	json_print(stdout, o);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct monitor *m = data;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct tunnel_view v;
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
	v = (struct tunnel_view){ .t = &t };
	if (m->json)
		print_json(ev, &v, g->cmd != GNVSEC_CMD_TUNNEL_DEL);
	else
		print_text(ev, &v, g->cmd != GNVSEC_CMD_TUNNEL_DEL);
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
