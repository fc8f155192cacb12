// SPDX-License-Identifier: GPL-2.0
/*
 * link_gnvsec.so: the iproute2 plugin that shows a gnvsec tunnel's
 * configuration in "ip -d link show" (and "ip -d -j link show").
 *
 * ip(8) looks for a kind it has no built-in parser for in
 * $IP_LIB_DIR/link_<kind>.so (default: its LIBDIR, /usr/lib/<triplet>/ip on
 * Debian) and takes the "<kind>_link_util" symbol from it. The structure
 * and the printers below are iproute2's own (ip/ip_common.h,
 * include/json_print.h), unchanged in layout since iproute2 4.x; the
 * printers are exported by the ip binary, which links with -export-dynamic.
 * The kernel's IFLA_INFO_DATA for the kind carries the gnvsec family's
 * tunnel attributes (GNVSEC_A_*), the configuration part of them.
 *
 * It only shows: tunnels are made and changed with gnvsecctl.
 */

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "names.h"

/* iproute2's include/json_print.h and include/color.h. */
enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 4,
};

enum color_attr {
	COLOR_IFNAME,
	COLOR_MAC,
	COLOR_INET,
	COLOR_INET6,
	COLOR_OPERSTATE_UP,
	COLOR_OPERSTATE_DOWN,
	COLOR_NONE
};

int print_color_string(enum output_type t, enum color_attr color,
		       const char *key, const char *fmt, const char *value);
int print_color_uint(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, unsigned int value);
int print_color_bool(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, bool value);
void open_json_object(const char *str);
void close_json_object(void);
bool is_json_context(void);

/* iproute2's ip/ip_common.h. */
struct link_util {
	struct link_util *next;
	const char *id;
	int maxattr;
	int (*parse_opt)(struct link_util *lu, int argc, char **argv,
			 struct nlmsghdr *n);
	void (*print_opt)(struct link_util *lu, FILE *f, struct rtattr *tb[]);
	void (*print_xstats)(struct link_util *lu, FILE *f,
			     struct rtattr *xstats);
	void (*print_help)(struct link_util *lu, int argc, char **argv,
			   FILE *f);
	int (*parse_ifla_xstats)(struct link_util *lu, int argc, char **argv);
	int (*print_ifla_xstats)(struct nlmsghdr *n, void *arg);
};

/* The attribute, when it is there and holds at least @len bytes. */
static const void *attr(struct rtattr *tb[], int type, size_t len)
{
	if (!tb[type] || RTA_PAYLOAD(tb[type]) < len)
		return NULL;
	return RTA_DATA(tb[type]);
}

static void show_u32(struct rtattr *tb[], int type, const char *key,
		     const char *fmt)
{
	const uint32_t *v = attr(tb, type, sizeof(*v));

	if (v)
		print_color_uint(PRINT_ANY, COLOR_NONE, key, fmt, *v);
}

static void show_addr(struct rtattr *tb[], int type4, int type6,
		      const char *key, const char *fmt)
{
	char buf[INET6_ADDRSTRLEN];
	const void *a;

	if ((a = attr(tb, type4, 4))) {
		inet_ntop(AF_INET, a, buf, sizeof(buf));
		print_color_string(PRINT_ANY, COLOR_INET, key, fmt, buf);
	} else if ((a = attr(tb, type6, 16))) {
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
		print_color_string(PRINT_ANY, COLOR_INET6, key, fmt, buf);
	}
}

/*
 * A string attribute, NUL-terminated within its payload. The text shows
 * bytes outside printable ASCII, backslash, double quote and, unless
 * @space, space as \ooo, so that a chassis name cannot forge words or lines
 * of output; JSON escapes them itself.
 */
static void show_string(struct rtattr *tb[], int type, const char *key,
			const char *fmt, bool space)
{
	char buf[4 * GNVSEC_CHASSIS_MAXLEN + 1], *p = buf;
	const char *s = attr(tb, type, 1);
	size_t len, i;

	if (!s)
		return;
	len = strnlen(s, RTA_PAYLOAD(tb[type]));
	if (len == RTA_PAYLOAD(tb[type]))	/* not a string */
		return;
	if (is_json_context()) {
		print_color_string(PRINT_JSON, COLOR_NONE, key, NULL, s);
		return;
	}
	if (len >= GNVSEC_CHASSIS_MAXLEN)
		len = GNVSEC_CHASSIS_MAXLEN - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= ' ' && c < 0x7f && c != '\\' && c != '"' &&
		    (space || c != ' '))
			*p++ = c;
		else
			p += sprintf(p, "\\%03o", c);
	}
	*p = '\0';
	print_color_string(PRINT_FP, COLOR_NONE, NULL, fmt, buf);
}

static void show_mode(struct rtattr *tb[], int type, const char *key,
		      const char *(*name)(uint8_t))
{
	const uint8_t *v = attr(tb, type, sizeof(*v));
	char fmt[32];

	if (!v)
		return;
	snprintf(fmt, sizeof(fmt), "%s %%s ", key);
	print_color_string(PRINT_ANY, COLOR_NONE, key, fmt, name(*v));
}

static void show_binding(struct rtattr *tb[])
{
	if (!tb[GNVSEC_A_REQID] && !tb[GNVSEC_A_SPI_OUT])
		return;
	open_json_object("binding");
	print_color_string(PRINT_FP, COLOR_NONE, NULL, "%s ", "binding");
	show_u32(tb, GNVSEC_A_REQID, "reqid", "reqid %u ");
	show_u32(tb, GNVSEC_A_SPI_OUT, "spi_out", "spi-out 0x%x ");
	show_u32(tb, GNVSEC_A_SPI_IN, "spi_in", "spi-in 0x%x ");
	close_json_object();
}

static void gnvsec_print_opt(struct link_util *lu, FILE *f,
			     struct rtattr *tb[])
{
	const uint8_t *flag;
	const uint16_t *port;

	if (!tb)
		return;
	show_addr(tb, GNVSEC_A_REMOTE4, GNVSEC_A_REMOTE6, "remote",
		  "remote %s ");
	show_string(tb, GNVSEC_A_CONFIG_ERROR, "config_error", "error \"%s\" ",
		    true);
	show_addr(tb, GNVSEC_A_LOCAL4, GNVSEC_A_LOCAL6, "local",
		  "local %s ");
	show_string(tb, GNVSEC_A_CHASSIS, "chassis", "chassis %s ", false);
	show_u32(tb, GNVSEC_A_VNI, "vni", "vni %u ");
	port = attr(tb, GNVSEC_A_PORT, sizeof(*port));
	if (port)
		print_color_uint(PRINT_ANY, COLOR_NONE, "port", "dstport %u ",
				 *port);
	show_u32(tb, GNVSEC_A_MARK, "mark", "mark 0x%x");
	show_u32(tb, GNVSEC_A_MARK_MASK, "mark_mask", "/0x%x ");
	show_mode(tb, GNVSEC_A_IPSEC, "ipsec", ipsec_mode_name);
	flag = attr(tb, GNVSEC_A_IPSEC_REQUIRED, sizeof(*flag));
	if (flag) {
		print_color_bool(PRINT_JSON, COLOR_NONE, "ipsec_required",
				 NULL, *flag);
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "%s ",
				   *flag ? "(required)" : "(not required)");
	}
	show_mode(tb, GNVSEC_A_ENCAP, "encap", encap_mode_name);
	flag = attr(tb, GNVSEC_A_ALLOW_NULL, sizeof(*flag));
	if (flag) {
		print_color_bool(PRINT_JSON, COLOR_NONE, "allow_null", NULL,
				 *flag);
		print_color_string(PRINT_FP, COLOR_NONE, NULL, "allow-null %s ",
				   *flag ? "on" : "off");
	}
	show_binding(tb);
}

struct link_util gnvsec_link_util = {
	.id		= "gnvsec",
	.maxattr	= GNVSEC_A_MAX,
	.print_opt	= gnvsec_print_opt,
};
