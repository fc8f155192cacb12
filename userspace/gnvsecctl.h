/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gnvsecctl: the gnvsec configuration helper. Shared declarations.
 */
#ifndef GNVSECCTL_H
#define GNVSECCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <linux/gnvsec.h>

#include "names.h"

/* Exit codes, as documented in gnvsecctl(8). */
#define EXIT_OK		0
#define EXIT_KERNEL	1
#define EXIT_USAGE	2

struct addr {
	int family;		/* 0: unset */
	union {
		struct in_addr in4;
		struct in6_addr in6;
		uint8_t bytes[16];
	};
};

/* One tunnel as the kernel reports it. */
struct tunnel {
	uint32_t ifindex;
	char name[32];
	struct addr remote, local;
	uint32_t vni;
	uint16_t port;
	char chassis[GNVSEC_CHASSIS_MAXLEN];
	uint32_t mark, mark_mask;
	uint8_t ipsec, encap, required, state, allow_null, wait_reason;
	uint32_t reqid, spi_out, spi_in;
	uint32_t mtu;
	char config_error[128];
	uint64_t stats[__GNVSEC_STAT_MAX];
};

struct global {
	uint8_t ipsec, encap;
	uint64_t stats[__GNVSEC_STAT_MAX];
};

/* A request under construction: message plus the socket to send it on. */
struct nl {
	struct mnl_socket *sock;
	uint16_t family_id;	/* generic netlink family, 0 for XFRM */
	uint32_t seq;
	uint32_t mcgrp_events;
};

/* gnvsecctl.c: the words of the command line, also read by setconf */
extern const char *usage_where;
extern const char *const tunnel_opts[];
void usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
int need_keyword(const char *what, const char *arg, const char *const *words);
unsigned long parse_num(const char *what, const char *arg,
			unsigned long min, unsigned long max);
bool parse_bool(const char *what, const char *arg);
void check_name(const char *name);
bool put_tunnel_opts(struct nlmsghdr *nlh, int argc, char **argv);
void put_bind_opts(struct nlmsghdr *nlh, int argc, char **argv);
void put_global_opts(struct nlmsghdr *nlh, int argc, char **argv);
void request(struct nl *nl, struct nlmsghdr *nlh, const char *what);

/* netlink.c */
void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
int nl_open_genl(struct nl *nl);
void nl_need_genl(struct nl *nl);
int nl_open_xfrm(struct nl *nl);
int nl_open_route(struct nl *nl);
void nl_close(struct nl *nl);
struct nlmsghdr *genl_msg(struct nl *nl, char *buf, uint8_t cmd, uint16_t flags);
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
void nl_fail(const char *what, int err) __attribute__((noreturn));
int tunnel_parse(const struct nlmsghdr *nlh, struct tunnel *t);
int global_parse(const struct nlmsghdr *nlh, struct global *g);
int tunnel_get(struct nl *nl, const char *name, struct tunnel *t);
void global_get(struct nl *nl, struct global *g);

struct tunnel_list {
	struct tunnel *v;
	size_t n, cap;
};
void tunnel_dump(struct nl *nl, struct tunnel_list *l);

/* xfrm.c */
struct sa_spec {
	uint32_t spi_out, spi_in;
	uint8_t key_out[64], key_in[64];
	int key_len;
	const char *aead;	/* NULL: null transform */
	bool encap;
	uint16_t encap_sport, encap_dport;
	uint32_t reqid;
};
/* Every XFRM policy and SA of the namespace, read once per command. */
struct xfrm_list {
	struct nlmsghdr **v;
	size_t n, cap;
	int err;
};

struct xfrm_snapshot {
	struct xfrm_list policies, sas;
};

void xfrm_snapshot_take(struct xfrm_snapshot *x);
void xfrm_snapshot_free(struct xfrm_snapshot *x);
void xfrm_show(FILE *out, const struct xfrm_snapshot *x,
	       const struct tunnel *t);
void xfrm_json(struct json_object *o, const struct xfrm_snapshot *x,
	       const struct tunnel *t);
/* The SA that holds a key already, if any (xfrm_key_user). */
struct key_user {
	bool found;
	uint32_t spi;
	int family;
	unsigned char daddr[16];	/* in6_addr or in_addr */
};

int xfrm_key_user(const uint8_t *key, int len, struct key_user *user);
int xfrm_sa_add(const struct tunnel *t, const struct sa_spec *spec);
int xfrm_sa_del(const struct tunnel *t, uint32_t spi_out, uint32_t spi_in,
		bool policies);

/* monitor.c */
int cmd_monitor(struct nl *nl, int argc, char **argv, bool json);

/* conf.c */
int cmd_showconf(struct nl *nl, int argc, char **argv);
int cmd_setconf(struct nl *nl, int argc, char **argv);
int cmd_wait(struct nl *nl, int argc, char **argv);

/* cert.c: needs no netlink */
int cmd_cert(int argc, char **argv, bool json);
/*
 * The checks of "cert check" without output: 0 when they pass (warnings
 * allowed), else -1 with the first failed one in @why. @key NULL: a
 * peer's certificate (no private key to match).
 */
int cert_verify(const char *cert, const char *key, const char *ca,
		const char *chassis, char *why, size_t whylen);

/* ike.c */
int cmd_ike(struct nl *nl, int argc, char **argv);

/* json.c: -j, and -p */
void json_set_pretty(bool on);
struct json_object *jobj(void);
struct json_object *jarr(void);
struct json_object *ju64(uint64_t v);
struct json_object *jbool(bool v);
struct json_object *jstr(const char *s);
struct json_object *jstr_or_null(const char *s);
void jadd(struct json_object *o, const char *key, struct json_object *v);
void jappend(struct json_object *a, struct json_object *v);
void json_print(FILE *out, struct json_object *o);

/* print.c */
/* Whether the tunnel's encapsulation is forced, itself or by @g. */
bool encap_forced(const struct tunnel *t, const struct global *g);
const char *addr_str(const struct addr *a, char *buf, size_t len);

/*
 * The fields of a tunnel, each named once (tunnel_fields[] in print.c):
 * its JSON key, its label in the text of "tunnels show", its keyword in
 * the text of monitor, and the formatters of its value that all printers
 * use. JSON objects list the fields of their view in this order.
 */
enum tunnel_field_id {
	TF_IFNAME, TF_IFINDEX, TF_CONFIGURED, TF_CONFIG_ERROR, TF_TYPE,
	TF_LOCAL, TF_REMOTE, TF_CHASSIS, TF_VNI, TF_PORT, TF_MTU, TF_MARK,
	TF_MARK_MASK, TF_IPSEC, TF_IPSEC_REQUIRED, TF_IPSEC_STATE, TF_WAIT_REASON, TF_IKE,
	TF_ALLOW_NULL, TF_ENCAP, TF_ENCAP_FORCED, TF_BINDING, TF_XFRM,
	TF_DROPS, __TF_MAX
};

/* What a printer has of a tunnel. */
/* A tunnel's IKE connection as the IKE daemon reports it (tunnels show). */
struct ike_view {
	const char *backend;	/* "strongSwan" or "Libreswan" */
	const char *error;	/* the daemon could not be read: why */
	char conn[48];		/* the connection's name */
	bool loaded;
	char ike_state[32];	/* its IKE_SA's state; "": none */
	char child_state[32];	/* its CHILD_SA's; "": none */
};

struct tunnel_view {
	const struct tunnel *t;
	const struct global *g;		/* NULL: not read (monitor) */
	const struct xfrm_snapshot *x;	/* NULL: not read (monitor) */
	const struct ike_view *ike;	/* NULL: no IKE daemon */
};

/* The views a field is part of, in JSON. */
#define TV_SHOW		0x1	/* tunnels show */
#define TV_EVENT	0x2	/* a monitor event: new, set, bind, unbind */
#define TV_DEL		0x4	/* a monitor del event */

struct tunnel_field {
	const char *key;	/* JSON key; NULL: adds keys of its own */
	const char *label;	/* "tunnels show" text, "Label:"; NULL: none */
	const char *word;	/* monitor text keyword; NULL: none */
	unsigned int views;	/* TV_* */
	bool omit_null;		/* JSON: no key rather than null */
	/* The value for JSON (NULL: null), or adds its keys to @o. */
	struct json_object *(*json)(const struct tunnel_view *v,
				    struct json_object *o);
	/* The value as text, NULL when unset; @buf may hold it. */
	const char *(*text)(const struct tunnel_view *v, char *buf, size_t len);
};

extern const struct tunnel_field tunnel_fields[__TF_MAX];
/* tunnel_fields[@id]'s text of @v, or @unset. */
const char *tunnel_text(int id, const struct tunnel_view *v, char *buf,
			size_t len, const char *unset);
void tunnel_json(struct json_object *o, const struct tunnel_view *v,
		 unsigned int view);
void tunnel_print(FILE *out, const struct tunnel_view *v);
void global_print(FILE *out, const struct global *g, bool json);

#endif
