// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl showconf, setconf and wait: the configuration of a namespace's
 * tunnels as a text file, so that it survives a reboot or a module reload
 * (what wg showconf/setconf and wg-quick give WireGuard), and the wait that
 * workloads are ordered after.
 *
 * The file has one command per line, in the words of the command line:
 *
 *   global ipsec BOOL encapsulation BOOL
 *   tunnel NAME [remote ADDR] [OPTIONS] [link up|down]
 *   bind NAME { reqid R | spi-out SPI spi-in SPI }
 *
 * OPTIONS are those of "tunnel add". Words are separated by blanks; a word
 * with blanks, quotes, backslashes, "#" or control characters is written
 * in double quotes with C escapes (\", \\, \n, \t, \xHH); "#" starts a
 * comment. showconf writes every field, so that setconf of its output
 * gives the same showconf again.
 *
 * SAs are not part of the configuration: their keys belong to the key
 * manager (IKE), which negotiates new ones after a reboot. A manual AES-GCM
 * key restored with its sequence counter back at 1 would reuse nonces, so
 * manual keys are never written here; a binding to manual SPIs is, and
 * keeps the tunnel refusing traffic until those SAs are added again.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "gnvsecctl.h"

/* What "tunnel add" takes, in the order of tunnel_opts[]. */
enum { OPT_REMOTE, OPT_LOCAL, OPT_VNI, OPT_DSTPORT, OPT_CHASSIS, OPT_MARK,
       OPT_IPSEC, OPT_ENCAP, OPT_MTU, OPT_ALLOW_NULL };

/* ---- words: one place knows how they are quoted ---- */

static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == '"' || *s == '\\' || *s == '#' ||
		    *s == 0x7f)
			return false;
	return true;
}

static void put_word(FILE *out, const char *s)
{
	fputc(' ', out);
	if (plain_word(s)) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < ' ' || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Splits @line into words in place (the unquoted text is never longer
 * than the quoted one). Returns the number of words; a quoting error is a
 * usage error at usage_where.
 */
static int split_words(char *line, char **words, int max)
{
	char *in = line, *out;
	int n = 0;

	for (;;) {
		while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n')
			in++;
		if (!*in || *in == '#')
			return n;
		if (n == max)
			usage("more than %d words", max);
		words[n++] = out = in;
		if (*in != '"') {
			while (*in && *in != ' ' && *in != '\t' && *in != '\r' &&
			       *in != '\n' && *in != '#') {
				if (*in == '"' || *in == '\\')
					usage("a word with \" or \\ must be quoted");
				in++;
			}
			if (*in == '#') {
				*in = '\0';
				return n;
			}
			if (*in)
				*in++ = '\0';
			continue;
		}
		for (in++; *in != '"'; in++) {
			int hi, lo;

			if (!*in || *in == '\n')
				usage("unterminated quote");
			if (*in != '\\') {
				*out++ = *in;
				continue;
			}
			switch (*++in) {
			case '"':
			case '\\':
				*out++ = *in;
				break;
			case 'n':
				*out++ = '\n';
				break;
			case 't':
				*out++ = '\t';
				break;
			case 'x':
				hi = hex_digit(in[1]);
				lo = hi < 0 ? -1 : hex_digit(in[2]);
				if (lo < 0 || (hi == 0 && lo == 0))
					usage("bad \\x escape");
				*out++ = hi << 4 | lo;
				in += 2;
				break;
			default:
				usage("unknown escape \"\\%c\"", *in ? *in : ' ');
			}
		}
		in++;
		if (*in && *in != ' ' && *in != '\t' && *in != '\r' &&
		    *in != '\n' && *in != '#')
			usage("blank expected after a quoted word");
		*out = '\0';
	}
}

/* ---- link state, through rtnetlink ---- */

struct links {
	uint32_t *up;		/* ifindexes of the devices that are up */
	size_t n, cap;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct links *l = data;

	if (nlh->nlmsg_type != RTM_NEWLINK || !(ifi->ifi_flags & IFF_UP))
		return MNL_CB_OK;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->up = realloc(l->up, l->cap * sizeof(*l->up));
		if (!l->up)
			die(EXIT_KERNEL, "out of memory");
	}
	l->up[l->n++] = ifi->ifi_index;
	return MNL_CB_OK;
}

/* One rtnetlink request on a socket of its own; a failure ends gnvsecctl. */
static void rtnl_request(const char *what, struct nlmsghdr *nlh, mnl_cb_t cb,
			 void *data)
{
	struct nl rtnl;
	int err;

	if (nl_open_route(&rtnl))
		die(EXIT_KERNEL, "cannot open rtnetlink: %s", strerror(errno));
	err = nl_talk(&rtnl, nlh, cb, data);
	nl_close(&rtnl);
	if (err)
		nl_fail(what, err);
}

static void links_get(struct links *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtgenmsg *rt;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_UNSPEC;
	rtnl_request("link dump", nlh, link_cb, l);
}

static bool link_is_up(const struct links *l, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->up[i] == ifindex)
			return true;
	return false;
}

/*
 * RTM_NEWLINK for @name: creates an unconfigured gnvsec device (@create),
 * or sets it up or down (@up >= 0).
 */
static void link_change(const char *what, const char *name, bool create,
			int up)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *info;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (create) {
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
		info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "gnvsec");
		mnl_attr_nest_end(nlh, info);
	}
	if (up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
	rtnl_request(what, nlh, NULL, NULL);
}

/* ---- showconf ---- */

static void put_addr_word(FILE *out, const char *key, const struct addr *a)
{
	char text[INET6_ADDRSTRLEN];

	fprintf(out, " %s %s", key, addr_str(a, text, sizeof(text)));
}

static void conf_write(FILE *out, const struct global *g,
		       const struct tunnel_list *l, const struct links *links)
{
	size_t i;

	fputs("# gnvsec configuration: \"gnvsecctl setconf FILE\" restores it\n",
	      out);
	fprintf(out, "global ipsec %s encapsulation %s\n",
		g->ipsec ? "true" : "false", g->encap ? "true" : "false");
	for (i = 0; i < l->n; i++) {
		const struct tunnel *t = &l->v[i];

		fprintf(out, "tunnel");
		put_word(out, t->name);
		if (t->remote.family)
			put_addr_word(out, "remote", &t->remote);
		if (t->local.family)
			put_addr_word(out, "local", &t->local);
		fprintf(out, " vni %u dstport %u", t->vni, t->port);
		if (t->chassis[0]) {
			fputs(" chassis", out);
			put_word(out, t->chassis);
		}
		fprintf(out, " mark 0x%x/0x%x ipsec %s encap %s mtu %u allow-null %s link %s\n",
			t->mark, t->mark_mask, ipsec_mode_name(t->ipsec),
			encap_mode_name(t->encap), t->mtu,
			t->allow_null ? "on" : "off",
			link_is_up(links, t->ifindex) ? "up" : "down");
	}
	for (i = 0; i < l->n; i++) {
		const struct tunnel *t = &l->v[i];

		if (!t->reqid && !t->spi_out)
			continue;
		fputs("bind", out);
		put_word(out, t->name);
		if (t->reqid)
			fprintf(out, " reqid %u\n", t->reqid);
		else
			fprintf(out, " spi-out 0x%x spi-in 0x%x\n", t->spi_out,
				t->spi_in);
	}
}

int cmd_showconf(struct nl *nl, int argc, char **argv)
{
	struct tunnel_list l = { 0 };
	struct links links = { 0 };
	struct global g;

	if (argc > 0)
		usage("showconf takes no arguments (\"%s\")", argv[0]);
	global_get(nl, &g);
	tunnel_dump(nl, &l);
	links_get(&links);
	conf_write(stdout, &g, &l, &links);
	free(links.up);
	free(l.v);
	return EXIT_OK;
}

/* ---- setconf ---- */

#define CONF_MAX_WORDS	64

struct conf_line {
	char where[300];	/* "FILE:LINE" */
	char *words[CONF_MAX_WORDS];
	int n;
};

struct conf_tunnel {
	struct conf_line *tun;	/* "tunnel NAME ...", without "link X" */
	struct conf_line *bind;	/* "bind NAME ...", or NULL */
	unsigned int opts;	/* bit per tunnel_opts[] option given */
	int link;		/* -1: not given, 0: down, 1: up */
};

struct conf {
	const char *file;
	struct conf_line *lines;
	size_t n_lines;
	struct conf_line *global;
	struct conf_tunnel *t;
	size_t n_t;
};

static struct conf_tunnel *conf_find(struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_t; i++)
		if (!strcmp(c->t[i].tun->words[1], name))
			return &c->t[i];
	return NULL;
}

/* Checks a "tunnel" line as setconf will send it, and notes its options. */
static void parse_tunnel(struct conf *c, struct conf_line *ln)
{
	static const char *const link_words[] = { "down", "up", NULL };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct conf_tunnel *ct;
	int i;

	if (ln->n < 2)
		usage("tunnel NAME [remote ADDR] [OPTIONS] [link up|down]");
	check_name(ln->words[1]);
	if (conf_find(c, ln->words[1]))
		usage("tunnel \"%s\" appears twice", ln->words[1]);
	ct = &c->t[c->n_t++];
	ct->tun = ln;
	ct->link = -1;
	/* "link up|down" is no tunnel option: taken out here */
	for (i = 2; i + 1 < ln->n; i += 2) {
		if (strcmp(ln->words[i], "link"))
			continue;
		ct->link = need_keyword("link state", ln->words[i + 1],
					link_words);
		memmove(&ln->words[i], &ln->words[i + 2],
			(ln->n - i - 2) * sizeof(ln->words[0]));
		ln->n -= 2;
		i -= 2;
	}
	if (ln->n % 2)
		usage("option \"%s\" needs a value", ln->words[ln->n - 1]);
	for (i = 2; i < ln->n; i += 2)
		ct->opts |= 1U << need_keyword("option", ln->words[i],
					       tunnel_opts);
	put_tunnel_opts(mnl_nlmsg_put_header(buf), ln->n - 2, ln->words + 2);
}

/*
 * Reads and checks the whole file before anything changes: a mistake in
 * it is a usage error (exit 2) and leaves the namespace as it was.
 */
static void conf_read(struct conf *c, const char *file)
{
	static const char *const kinds[] = { "global", "tunnel", "bind", NULL };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t cap = 0, i;
	FILE *f;
	int lineno = 0;

	c->file = file;
	f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f)
		die(EXIT_USAGE, "%s: %s", file, strerror(errno));
	for (;;) {
		char *line = NULL;
		size_t n = 0;
		struct conf_line *ln;

		if (getline(&line, &n, f) < 0) {
			free(line);
			break;
		}
		lineno++;
		if (c->n_lines == cap) {
			cap = cap ? cap * 2 : 64;
			c->lines = realloc(c->lines, cap * sizeof(*c->lines));
			c->t = realloc(c->t, cap * sizeof(*c->t));
			if (!c->lines || !c->t)
				die(EXIT_KERNEL, "out of memory");
		}
		ln = &c->lines[c->n_lines];
		snprintf(ln->where, sizeof(ln->where), "%s:%d",
			 strcmp(file, "-") ? file : "stdin", lineno);
		usage_where = ln->where;
		ln->n = split_words(line, ln->words, CONF_MAX_WORDS);
		if (ln->n)
			c->n_lines++;
	}
	if (ferror(f))
		die(EXIT_USAGE, "%s: %s", file, strerror(errno));
	if (f != stdin)
		fclose(f);

	for (i = 0; i < c->n_lines; i++) {
		struct conf_line *ln = &c->lines[i];

		usage_where = ln->where;
		switch (need_keyword("line", ln->words[0], kinds)) {
		case 0:
			if (c->global)
				usage("a second \"global\" line (the first: %s)",
				      c->global->where);
			c->global = ln;
			put_global_opts(mnl_nlmsg_put_header(buf), ln->n - 1,
					ln->words + 1);
			break;
		case 1:
			parse_tunnel(c, ln);
			break;
		}
	}
	/* bindings last: they may come before their tunnel's line */
	for (i = 0; i < c->n_lines; i++) {
		struct conf_line *ln = &c->lines[i];
		struct conf_tunnel *ct;

		if (need_keyword("line", ln->words[0], kinds) != 2)
			continue;
		usage_where = ln->where;
		put_bind_opts(mnl_nlmsg_put_header(buf), ln->n - 1,
			      ln->words + 1);
		ct = conf_find(c, ln->words[1]);
		if (!ct)
			usage("bind: no \"tunnel %s\" line", ln->words[1]);
		if (ct->bind)
			usage("tunnel \"%s\" is bound twice (first: %s)",
			      ln->words[1], ct->bind->where);
		ct->bind = ln;
	}
	usage_where = NULL;
}

static const struct tunnel *cur_find(const struct tunnel_list *l,
				     const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

static void tunnel_del(struct nl *nl, const char *where, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg(nl, buf, GNVSEC_CMD_TUNNEL_DEL, 0);
	mnl_attr_put_strz(nlh, GNVSEC_A_IFNAME, name);
	request(nl, nlh, where);
}

/*
 * Sends the tunnel's line as TUNNEL_NEW or TUNNEL_SET. A SET also resets
 * what the line leaves out to the value a new tunnel would have, so that
 * the result does not depend on what the tunnel was: the mark and the MTU
 * excepted, which a new tunnel gets assigned (they stay as they are).
 */
static void tunnel_send(struct nl *nl, const struct conf_tunnel *ct,
			const struct tunnel *cur)
{
	const struct conf_line *ln = ct->tun;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg(nl, buf, cur ? GNVSEC_CMD_TUNNEL_SET :
				      GNVSEC_CMD_TUNNEL_NEW, 0);
	mnl_attr_put_strz(nlh, GNVSEC_A_IFNAME, ln->words[1]);
	put_tunnel_opts(nlh, ln->n - 2, (char **)ln->words + 2);
	if (cur) {
		if (!(ct->opts & 1U << OPT_LOCAL) && cur->local.family) {
			struct addr none = { .family = cur->local.family };

			/* all-zero: unset (cur's family: the remote's) */
			mnl_attr_put(nlh, none.family == AF_INET ?
				     GNVSEC_A_LOCAL4 : GNVSEC_A_LOCAL6,
				     none.family == AF_INET ? 4 : 16,
				     none.bytes);
		}
		if (!(ct->opts & 1U << OPT_VNI))
			mnl_attr_put_u32(nlh, GNVSEC_A_VNI, 0);
		if (!(ct->opts & 1U << OPT_DSTPORT))
			mnl_attr_put_u16(nlh, GNVSEC_A_PORT, GNVSEC_DEFAULT_PORT);
		if (!(ct->opts & 1U << OPT_CHASSIS) && cur->chassis[0])
			mnl_attr_put_strz(nlh, GNVSEC_A_CHASSIS, "");
		if (!(ct->opts & 1U << OPT_IPSEC))
			mnl_attr_put_u8(nlh, GNVSEC_A_IPSEC, GNVSEC_IPSEC_INHERIT);
		if (!(ct->opts & 1U << OPT_ENCAP))
			mnl_attr_put_u8(nlh, GNVSEC_A_ENCAP, GNVSEC_ENCAP_INHERIT);
		if (!(ct->opts & 1U << OPT_ALLOW_NULL))
			mnl_attr_put_u8(nlh, GNVSEC_A_ALLOW_NULL, 0);
	}
	request(nl, nlh, ln->where);
}

static void conf_apply(struct nl *nl, const struct conf *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct tunnel_list l = { 0 };
	struct nlmsghdr *nlh;
	size_t i;

	tunnel_dump(nl, &l);
	/* first the tunnels the file does not have: they free names, marks */
	for (i = 0; i < l.n; i++)
		if (!conf_find((struct conf *)c, l.v[i].name))
			tunnel_del(nl, c->file, l.v[i].name);

	nlh = genl_msg(nl, buf, GNVSEC_CMD_GLOBAL_SET, 0);
	if (c->global) {
		put_global_opts(nlh, c->global->n - 1, c->global->words + 1);
	} else {
		mnl_attr_put_u8(nlh, GNVSEC_A_GLOBAL_IPSEC, 0);
		mnl_attr_put_u8(nlh, GNVSEC_A_GLOBAL_ENCAP, 0);
	}
	request(nl, nlh, c->global ? c->global->where : c->file);

	for (i = 0; i < c->n_t; i++) {
		const struct conf_tunnel *ct = &c->t[i];
		const char *where = ct->tun->where, *name = ct->tun->words[1];
		const struct tunnel *cur = cur_find(&l, name);
		bool remote = ct->opts & 1U << OPT_REMOTE;

		/* a remote cannot be unset: without one, a new device */
		if (cur && cur->remote.family && !remote) {
			tunnel_del(nl, where, name);
			cur = NULL;
		}
		if (!cur && !remote) {
			link_change(where, name, true, -1);
			if (ct->tun->n > 2) {
				struct tunnel fresh = { 0 };

				tunnel_send(nl, ct, &fresh);
			}
		} else {
			tunnel_send(nl, ct, cur);
		}

		if (ct->bind) {
			nlh = genl_msg(nl, buf, GNVSEC_CMD_TUNNEL_BIND, 0);
			put_bind_opts(nlh, ct->bind->n - 1, ct->bind->words + 1);
			request(nl, nlh, ct->bind->where);
		} else if (cur && (cur->reqid || cur->spi_out)) {
			nlh = genl_msg(nl, buf, GNVSEC_CMD_TUNNEL_UNBIND, 0);
			mnl_attr_put_strz(nlh, GNVSEC_A_IFNAME, name);
			request(nl, nlh, where);
		}
		if (ct->link >= 0)
			link_change(where, name, false, ct->link);
	}
	free(l.v);
}

int cmd_setconf(struct nl *nl, int argc, char **argv)
{
	struct conf c = { 0 };

	if (argc != 1)
		usage("setconf FILE (\"-\": standard input)");
	conf_read(&c, argv[0]);
	conf_apply(nl, &c);
	/* the lines' words point into their getline() buffers: left to exit */
	return EXIT_OK;
}

/* ---- wait ---- */

static bool tunnel_ready(const struct tunnel *t)
{
	return t->state == GNVSEC_STATE_ACTIVE ||
	       (t->state == GNVSEC_STATE_ACTIVE_UNENCRYPTED && t->allow_null);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "NAME STATE" appended to the list in @buf (truncated when too long). */
static void add_pending(char *buf, size_t len, const char *name,
			const char *state)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s %s", used ? ", " : "", name,
		 state);
}

/*
 * The tunnels not ready yet, as "NAME STATE, ..." into @buf; empty when
 * all are. Without names: every tunnel that requires IPsec.
 */
static void pending(struct nl *nl, char **names, int n, char *buf, size_t len)
{
	struct tunnel_list l = { 0 };
	size_t i;
	int k;

	buf[0] = '\0';
	tunnel_dump(nl, &l);
	for (i = 0; !n && i < l.n; i++)
		if (l.v[i].required && !tunnel_ready(&l.v[i]))
			add_pending(buf, len, l.v[i].name,
				    ipsec_state_name(l.v[i].state));
	for (k = 0; k < n; k++) {
		const struct tunnel *t = cur_find(&l, names[k]);

		if (!t)
			add_pending(buf, len, names[k], "(no such tunnel)");
		else if (!tunnel_ready(t))
			add_pending(buf, len, t->name,
				    ipsec_state_name(t->state));
	}
	free(l.v);
}

int cmd_wait(struct nl *nl, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], missing[1024];
	double deadline = -1, left;
	unsigned long timeout = 0;
	struct nl ev = { 0 };
	unsigned int group;
	struct pollfd pfd;
	int i, n = 0;

	/* --timeout S, --timeout=S or timeout S, anywhere; names kept */
	for (i = 0; i < argc; i++) {
		const char *val = NULL;

		if (!strcmp(argv[i], "--timeout") || !strcmp(argv[i], "timeout")) {
			if (++i == argc)
				usage("--timeout needs a number of seconds");
			val = argv[i];
		} else if (!strncmp(argv[i], "--timeout=", 10)) {
			val = argv[i] + 10;
		} else if (argv[i][0] == '-') {
			usage("unknown wait option \"%s\"", argv[i]);
		} else {
			check_name(argv[i]);
			argv[n++] = argv[i];
		}
		if (val) {
			timeout = parse_num("timeout", val, 0, 31536000);
			deadline = 0;
		}
	}
	argc = n;

	/*
	 * Every event of the family is a reason to look again; without one,
	 * a look every second (the state also changes with SAs and
	 * policies). Events go to their own socket: a dump on it would read
	 * them as its replies.
	 */
	nl_need_genl(nl);
	nl_need_genl(&ev);
	group = ev.mcgrp_events;
	if (group)
		mnl_socket_setsockopt(ev.sock, NETLINK_ADD_MEMBERSHIP, &group,
				      sizeof(group));
	pfd.fd = mnl_socket_get_fd(ev.sock);
	pfd.events = POLLIN;
	if (deadline == 0)
		deadline = now() + timeout;
	for (;;) {
		pending(nl, argv, argc, missing, sizeof(missing));
		if (!missing[0])
			return EXIT_OK;
		left = deadline < 0 ? 1 : deadline - now();
		if (left <= 0)
			die(EXIT_KERNEL, "wait: not ACTIVE after %lu s: %s",
			    timeout, missing);
		if (poll(&pfd, 1, left < 1 ? (int)(left * 1000) + 1 : 1000) > 0)
			while (recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
	}
}
