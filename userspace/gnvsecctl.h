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
#include <libmnl/libmnl.h>
#include <linux/gnvsec.h>

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
	uint8_t ipsec, encap, required, state, allow_null;
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
	       const struct tunnel *t, bool json);
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

/* ike.c */
int cmd_ike(struct nl *nl, int argc, char **argv);

/* pretty.c: -j -p */
void json_pretty_stdout(void);

/* print.c */
/* Whether the tunnel's encapsulation is forced, itself or by @g. */
bool encap_forced(const struct tunnel *t, const struct global *g);
const char *ipsec_mode_name(uint8_t mode);
const char *encap_mode_name(uint8_t mode);
const char *ipsec_state_name(uint8_t state);
const char *stat_name(int stat);
const char *addr_str(const struct addr *a, char *buf, size_t len);
void json_str(FILE *out, const char *s);
void tunnel_print(FILE *out, const struct tunnel *t, const struct global *g,
		  const struct xfrm_snapshot *x, bool json);
void global_print(FILE *out, const struct global *g, bool json);

#endif
