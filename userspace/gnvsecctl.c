// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl: configure gnvsec tunnels, their IPsec binding and the
 * per-namespace switches. The grammar follows ip(8): OBJECT COMMAND ARGS,
 * with unambiguous abbreviations of every keyword.
 *
 * Exit status: 0 success, 1 the kernel refused (its message is printed)
 * or a cert check failed, 2 usage error.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "gnvsecctl.h"
#include "ike.h"
#include "vici.h"

static bool json;
/* Where the words being parsed come from ("FILE:LINE"), NULL: the command line. */
const char *usage_where;

static const char usage_text[] =
"Usage: gnvsecctl [-j] [-p] OBJECT COMMAND [ARGS]\n"
"       gnvsecctl -V\n"
"  tunnel add NAME remote ADDR [OPTIONS]\n"
"  tunnel set NAME [remote ADDR] [OPTIONS]\n"
"  tunnel del NAME\n"
"  tunnel bind NAME { reqid R | spi-out SPI spi-in SPI }\n"
"  tunnel unbind NAME\n"
"  tunnel show [NAME] [--vici SOCKET | --ctlsocket SOCKET]\n"
"                                 (also: tunnels show, tunnel list)\n"
"  global show\n"
"  global set [ipsec true|false] [encapsulation true|false]\n"
"  sa add NAME spi-out SPI spi-in SPI key-out KEY key-in KEY\n"
"         [aead ALG | null] [reqid R] [encap-port P]\n"
"  sa del NAME [spi-out SPI spi-in SPI]\n"
"  monitor                        tunnel events as they happen\n"
"  showconf                       the namespace's configuration, as setconf\n"
"                                 reads it\n"
"  setconf FILE                   makes the namespace's configuration FILE's\n"
"  wait [--timeout S] [NAME...]   until the tunnels (default: every one that\n"
"                                 requires IPsec) are ACTIVE\n"
"  cert check CERT --key KEY --ca CA [--chassis NAME]\n"
"                                 whether IKE can use them (no kernel needed)\n"
"  ike swanctl [--local-id ID] [--auth ca|self-signed|psk] [--cert FILE]\n"
"        [--ca FILE] [--psk-file FILE] [--start-action trap|start|none]\n"
"        [--rekey-time TIME] [NAME]\n"
"                                 strongSwan connections for the tunnels\n"
"  ike sync [--watch] [--backend strongswan|libreswan] [--local-id ID]\n"
"        [--auth ca|self-signed|psk] [--cert FILE] [--key FILE] [--ca FILE]\n"
"        [--psk-file FILE] [--rekey-time TIME] [--swanctl-dir DIR]\n"
"        [--vici SOCKET] [--ctlsocket SOCKET] [--ipsec-dir DIR]\n"
"        [--nss-dir DIR] [--interval S]\n"
"                                 keeps the IKE daemon's connections in\n"
"                                 step with the tunnels (strongSwan over\n"
"                                 vici, or Libreswan)\n"
"  help [OBJECT]\n"
"OPTIONS := [local ADDR] [vni N] [dstport P] [chassis NAME]\n"
"           [mark VALUE[/MASK]] [ipsec required|off|inherit]\n"
"           [encap force|auto|inherit] [mtu N] [allow-null on|off]\n"
"KEY := hex bytes, 0x prefix optional, or @FILE holding them\n";

void usage(const char *fmt, ...)
{
	va_list ap;

	if (!fmt) {
		fputs(usage_text, stderr);
		exit(EXIT_USAGE);
	}
	fputs("gnvsecctl: ", stderr);
	if (usage_where)
		fprintf(stderr, "%s: ", usage_where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(usage_where ? "\n" : "\nTry \"gnvsecctl help\".\n", stderr);
	exit(EXIT_USAGE);
}

/*
 * Matches @arg against @words (NULL-terminated): an exact match or a
 * prefix of exactly one word. Returns the index, -1 for none, -2 when
 * ambiguous. With @ids, words of one id are synonyms ("tunnel" and
 * "tunnels", "show" and "list"): a prefix of several of them is no
 * ambiguity, and the id is returned.
 */
static int keyword_ids(const char *arg, const char *const *words,
		       const int *ids)
{
	size_t len = strlen(arg);
	int i, found = -1;

	if (!len)
		return -1;
	for (i = 0; words[i]; i++) {
		int id = ids ? ids[i] : i;

		if (!strcmp(arg, words[i]))
			return id;
		if (!strncmp(arg, words[i], len))
			found = found == -1 || found == id ? id : -2;
	}
	return found;
}

static int keyword(const char *arg, const char *const *words)
{
	return keyword_ids(arg, words, NULL);
}

static int need_keyword_ids(const char *what, const char *arg,
			    const char *const *words, const int *ids)
{
	int i = keyword_ids(arg, words, ids);

	if (i == -2)
		usage("ambiguous %s \"%s\"", what, arg);
	if (i < 0)
		usage("unknown %s \"%s\"", what, arg);
	return i;
}

int need_keyword(const char *what, const char *arg,
			const char *const *words)
{
	int i = keyword(arg, words);

	if (i == -2)
		usage("ambiguous %s \"%s\"", what, arg);
	if (i < 0)
		usage("unknown %s \"%s\"", what, arg);
	return i;
}

/*
 * A number in min..max (decimal, 0 octal or 0x hex). The message names
 * the argument and its range: "vni: 16777216 is out of range 0..16777215".
 */
unsigned long parse_num(const char *what, const char *arg,
			       unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (end == arg || *end || arg[0] == '-' || arg[0] == '+' ||
	    isspace((unsigned char)arg[0]))
		usage("%s: \"%s\" is not a number (%lu..%lu)", what, arg,
		      min, max);
	if (errno == ERANGE || v < min || v > max)
		usage("%s: %s is out of range %lu..%lu", what, arg, min, max);
	return v;
}

static void parse_addr(const char *what, const char *arg, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, arg, &a->in4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, arg, &a->in6) == 1)
		a->family = AF_INET6;
	else
		usage("invalid %s address \"%s\"", what, arg);
}

static const char *const bool_words[] = { "false", "true", "no", "yes",
					  "off", "on", NULL };

bool parse_bool(const char *what, const char *arg)
{
	return need_keyword(what, arg, bool_words) & 1;
}

static void put_addr(struct nlmsghdr *nlh, int attr4, int attr6,
		     const struct addr *a)
{
	mnl_attr_put(nlh, a->family == AF_INET ? attr4 : attr6,
		     a->family == AF_INET ? 4 : 16, a->bytes);
}

const char *const tunnel_opts[] = {
	"remote", "local", "vni", "dstport", "chassis", "mark", "ipsec",
	"encap", "mtu", "allow-null", NULL
};

static const char *const ipsec_words[] = { "inherit", "off", "required", NULL };
static const char *const encap_words[] = { "inherit", "auto", "force", NULL };

/* Tunnel options into attributes; returns whether a remote was given. */
bool put_tunnel_opts(struct nlmsghdr *nlh, int argc, char **argv)
{
	bool remote = false;
	struct addr a;
	int i;

	for (i = 0; i < argc; i += 2) {
		int opt = need_keyword("option", argv[i], tunnel_opts);
		const char *val = argv[i + 1];
		char *slash;

		if (i + 1 >= argc)
			usage("option \"%s\" needs a value", tunnel_opts[opt]);
		switch (opt) {
		case 0:
			parse_addr("remote", val, &a);
			put_addr(nlh, GNVSEC_A_REMOTE4, GNVSEC_A_REMOTE6, &a);
			remote = true;
			break;
		case 1:
			parse_addr("local", val, &a);
			put_addr(nlh, GNVSEC_A_LOCAL4, GNVSEC_A_LOCAL6, &a);
			break;
		case 2:
			mnl_attr_put_u32(nlh, GNVSEC_A_VNI,
					 parse_num("vni", val, 0, GNVSEC_VNI_MAX));
			break;
		case 3:
			mnl_attr_put_u16(nlh, GNVSEC_A_PORT,
					 parse_num("dstport", val, 1, 65535));
			break;
		case 4:
			if (strlen(val) >= GNVSEC_CHASSIS_MAXLEN)
				usage("chassis name longer than %d characters",
				      GNVSEC_CHASSIS_MAXLEN - 1);
			mnl_attr_put_strz(nlh, GNVSEC_A_CHASSIS, val);
			break;
		case 5: {
			char copy[64];

			snprintf(copy, sizeof(copy), "%s", val);
			slash = strchr(copy, '/');
			if (slash)
				*slash++ = '\0';
			mnl_attr_put_u32(nlh, GNVSEC_A_MARK,
					 parse_num("mark", copy, 0, UINT32_MAX));
			if (slash)
				mnl_attr_put_u32(nlh, GNVSEC_A_MARK_MASK,
						 parse_num("mark mask", slash,
							   1, UINT32_MAX));
			break;
		}
		case 6:
			mnl_attr_put_u8(nlh, GNVSEC_A_IPSEC,
					need_keyword("ipsec mode", val, ipsec_words));
			break;
		case 7:
			mnl_attr_put_u8(nlh, GNVSEC_A_ENCAP,
					need_keyword("encap mode", val, encap_words));
			break;
		case 8:
			/*
			 * The valid MTUs are the device's (they depend on the
			 * outer family): the kernel's error names them.
			 */
			mnl_attr_put_u32(nlh, GNVSEC_A_MTU,
					 parse_num("mtu", val, 0, UINT32_MAX));
			break;
		case 9:
			mnl_attr_put_u8(nlh, GNVSEC_A_ALLOW_NULL,
					parse_bool("allow-null", val));
			break;
		}
	}
	return remote;
}

void request(struct nl *nl, struct nlmsghdr *nlh, const char *what)
{
	int err = nl_talk(nl, nlh, NULL, NULL);

	if (err)
		nl_fail(what, err);
}

void check_name(const char *name)
{
	if (!*name || strlen(name) >= 16)
		usage("invalid tunnel name \"%s\"", name);
}

static int cmd_tunnel_change(struct nl *nl, uint8_t cmd, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (argc < 1)
		usage("missing tunnel name");
	check_name(argv[0]);
	nlh = genl_msg(nl, buf, cmd, 0);
	mnl_attr_put_strz(nlh, GNVSEC_A_IFNAME, argv[0]);
	if (cmd == GNVSEC_CMD_TUNNEL_DEL || cmd == GNVSEC_CMD_TUNNEL_UNBIND) {
		if (argc > 1)
			usage("unexpected \"%s\"", argv[1]);
	} else if (argc % 2 == 0) {
		usage("option \"%s\" needs a value", argv[argc - 1]);
	} else if (!put_tunnel_opts(nlh, argc - 1, argv + 1) &&
		   cmd == GNVSEC_CMD_TUNNEL_NEW) {
		usage("tunnel add needs \"remote ADDR\"");
	}
	request(nl, nlh, argv[0]);
	return EXIT_OK;
}

static const char *const bind_opts[] = { "reqid", "spi-out", "spi-in", NULL };

/* "NAME { reqid R | spi-out SPI spi-in SPI }" into a TUNNEL_BIND request. */
void put_bind_opts(struct nlmsghdr *nlh, int argc, char **argv)
{
	static const int attrs[] = { GNVSEC_A_REQID, GNVSEC_A_SPI_OUT,
				     GNVSEC_A_SPI_IN };
	int i;

	if (argc < 3 || argc % 2 == 0)
		usage("tunnel bind NAME { reqid R | spi-out SPI spi-in SPI }");
	check_name(argv[0]);
	mnl_attr_put_strz(nlh, GNVSEC_A_IFNAME, argv[0]);
	for (i = 1; i < argc; i += 2) {
		int opt = need_keyword("option", argv[i], bind_opts);

		mnl_attr_put_u32(nlh, attrs[opt],
				 parse_num(bind_opts[opt], argv[i + 1],
					   opt ? 256 : 1, UINT32_MAX));
	}
}

static int cmd_tunnel_bind(struct nl *nl, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg(nl, buf, GNVSEC_CMD_TUNNEL_BIND, 0);
	put_bind_opts(nlh, argc, argv);
	request(nl, nlh, argv[0]);
	return EXIT_OK;
}

#define VICI_DEFAULT	"/var/run/charon.vici"
#define PLUTO_DEFAULT	"/run/pluto/pluto.ctl"

/*
 * The IKE daemon's view of the tunnels, when there is one: charon at
 * --vici SOCKET or pluto at --ctlsocket SOCKET, else whichever has its
 * default socket (none: no IKE daemon, manual keys, and "tunnels show"
 * says nothing of IKE). Returns whether there is one, in @d; @err says why
 * it could not be read.
 */
static bool ike_read(struct ike_sync_opts *so, struct ike_daemon *d,
		     char *err, size_t errlen)
{
	int e;

	if (!so->vici && !so->ctlsocket) {
		if (!access(VICI_DEFAULT, F_OK))
			so->vici = VICI_DEFAULT;
		else if (!access(PLUTO_DEFAULT, F_OK))
			so->ctlsocket = PLUTO_DEFAULT;
		else
			return false;
	}
	so->backend = so->vici ? IKE_STRONGSWAN : IKE_LIBRESWAN;
	d->ops = so->vici ? &ike_strongswan : &ike_libreswan;
	d->so = so;
	d->fd = -1;
	e = d->ops->open(d);
	if (e)
		snprintf(err, errlen, "%s unreachable at %s: %s", d->ops->name,
			 d->ops->where(d), strerror(-e));
	else
		d->ops->close(d);
	return true;
}

static int cmd_show(struct nl *nl, int argc, char **argv)
{
	struct ike_sync_opts so = { 0 };
	struct ike_daemon d = { 0 };
	struct tunnel_list l = { 0 };
	struct json_object *arr = NULL;
	const char *name = NULL;
	struct xfrm_snapshot x;
	char be_err[300] = "";
	struct global g;
	bool have_ike;
	size_t i;
	int k;

	for (k = 0; k < argc; k++) {
		if (!strcmp(argv[k], "--vici") || !strcmp(argv[k], "--ctlsocket")) {
			if (k + 1 == argc || !*argv[k + 1])
				usage("\"%s\" needs the socket's path", argv[k]);
			if (so.vici || so.ctlsocket)
				usage("one of \"--vici\" and \"--ctlsocket\"");
			if (argv[k][2] == 'v')
				so.vici = argv[k + 1];
			else
				so.ctlsocket = argv[k + 1];
			k++;
		} else if (!name && argv[k][0] != '-') {
			name = argv[k];
		} else {
			usage("unexpected \"%s\"", argv[k]);
		}
	}
	if (name)
		check_name(name);
	global_get(nl, &g);
	if (name) {
		l.v = calloc(1, sizeof(*l.v));
		if (!l.v)
			die(EXIT_KERNEL, "out of memory");
		tunnel_get(nl, name, l.v);
		l.n = 1;
	} else {
		tunnel_dump(nl, &l);
	}
	xfrm_snapshot_take(&x);
	have_ike = ike_read(&so, &d, be_err, sizeof(be_err));

	if (json)
		arr = jarr();
	for (i = 0; i < l.n; i++) {
		struct tunnel_view v = { .t = &l.v[i], .g = &g, .x = &x };
		struct ike_view ike;

		/* IKE keys only the tunnels that require IPsec. */
		if (have_ike && l.v[i].required) {
			ike_view_fill(&ike, &d.be, &l.v[i]);
			ike.backend = d.ops->name;
			if (be_err[0])
				ike.error = be_err;
			v.ike = &ike;
		}
		if (json) {
			struct json_object *o = jobj();

			tunnel_json(o, &v, TV_SHOW);
			jappend(arr, o);
			continue;
		}
		if (i)
			fputs("\n", stdout);
		tunnel_print(stdout, &v);
	}
	if (json)
		json_print(stdout, arr);
	ike_backend_free(&d.be);
	xfrm_snapshot_free(&x);
	free(l.v);
	return EXIT_OK;
}

static const char *const global_opts[] = { "ipsec", "encapsulation", NULL };

/* "[ipsec BOOL] [encapsulation BOOL]" into a GLOBAL_SET request. */
void put_global_opts(struct nlmsghdr *nlh, int argc, char **argv)
{
	int i;

	if (argc < 2 || argc % 2)
		usage("global set [ipsec true|false] [encapsulation true|false]");
	for (i = 0; i < argc; i += 2) {
		int opt = need_keyword("option", argv[i], global_opts);

		mnl_attr_put_u8(nlh, opt ? GNVSEC_A_GLOBAL_ENCAP :
					   GNVSEC_A_GLOBAL_IPSEC,
				parse_bool(global_opts[opt], argv[i + 1]));
	}
}

static int cmd_global(struct nl *nl, int argc, char **argv)
{
	static const char *const cmds[] = { "show", "set", NULL };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct global g;

	if (argc < 1 || need_keyword("command", argv[0], cmds) == 0) {
		if (argc > 1)
			usage("unexpected \"%s\"", argv[1]);
		global_get(nl, &g);
		global_print(stdout, &g, json);
		return EXIT_OK;
	}

	nlh = genl_msg(nl, buf, GNVSEC_CMD_GLOBAL_SET, 0);
	put_global_opts(nlh, argc - 1, argv + 1);
	request(nl, nlh, "global");
	return EXIT_OK;
}

/* KEY: hex (0x optional) or @FILE holding hex; returns its length. */
static int parse_key(const char *what, const char *arg, uint8_t *key,
		     size_t max)
{
	char text[256], *s = text;
	size_t n = 0, len;
	int fd;

	if (arg[0] == '@') {
		ssize_t r;

		fd = open(arg + 1, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			usage("cannot read %s file \"%s\": %s", what, arg + 1,
			      strerror(errno));
		r = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (r < 0)
			usage("cannot read %s file \"%s\"", what, arg + 1);
		text[r] = '\0';
	} else {
		snprintf(text, sizeof(text), "%s", arg);
	}
	while (*s && isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, len -= 2;
	/* The error names the key, never shows it. */
	if (!len || len % 2 || len / 2 > max)
		usage("%s must be an even number of hex digits, at most %zu bytes",
		      what, max);
	for (n = 0; n < len / 2; n++) {
		unsigned int byte;

		if (!isxdigit((unsigned char)s[2 * n]) ||
		    !isxdigit((unsigned char)s[2 * n + 1]) ||
		    sscanf(s + 2 * n, "%2x", &byte) != 1)
			usage("%s is not hexadecimal", what);
		key[n] = byte;
	}
	memset(text, 0, sizeof(text));
	return n;
}

static const char *const sa_opts[] = { "spi-out", "spi-in", "key-out",
				       "key-in", "aead", "null", "reqid",
				       "encap-port", NULL };

static void need_local(const struct tunnel *t)
{
	if (!t->remote.family)
		die(EXIT_USAGE, "%s: tunnel has no remote address", t->name);
	if (!t->local.family)
		die(EXIT_USAGE, "%s: SAs need the tunnel's local address: "
		    "gnvsecctl tunnel set %s local ADDR", t->name, t->name);
}

/*
 * Transforms that do not both encrypt and authenticate (the kernel's rule,
 * state_protects() in module/ipsec.c): the null one, and GMAC (rfc4543),
 * which authenticates only. gnvsecctl installs them only for a tunnel that
 * was told beforehand, by its own command, to accept them: the weak mode
 * is never one word away from the normal one.
 */
static void need_allow_null(const struct tunnel *t, const struct sa_spec *spec)
{
	const char *what;

	if (!spec->aead)
		what = "the null transform neither encrypts nor authenticates";
	else if (!strncmp(spec->aead, "rfc4543(", 8))
		what = "GMAC (rfc4543) authenticates but does not encrypt";
	else
		return;
	if (t->allow_null)
		return;
	die(EXIT_USAGE, "%s: %s, so the tunnel does not count it as IPsec and "
	    "drops its traffic; for a benchmark, where anyone on the wire may "
	    "read the traffic, first allow it: gnvsecctl tunnel set %s "
	    "allow-null on", t->name, what, t->name);
}

static void bind_spis(struct nl *nl, const char *name, uint32_t out,
		      uint32_t in)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = genl_msg(nl, buf, GNVSEC_CMD_TUNNEL_BIND, 0);

	mnl_attr_put_strz(nlh, GNVSEC_A_IFNAME, name);
	mnl_attr_put_u32(nlh, GNVSEC_A_SPI_OUT, out);
	mnl_attr_put_u32(nlh, GNVSEC_A_SPI_IN, in);
	request(nl, nlh, name);
}

/*
 * A manual AES-GCM key must be used by one SA only, once: two SAs with one
 * key, or one key installed again with its sequence numbers restarted,
 * repeat nonces, and GCM then leaks the plaintext and its integrity key.
 * The check sees the SAs alive now; it cannot know keys used before.
 */
static void check_key_unused(struct sa_spec *spec)
{
	const struct {
		const char *what;
		const uint8_t *key;
	} keys[] = {
		{ "key-out", spec->key_out },
		{ "key-in", spec->key_in },
	};
	char addr[INET6_ADDRSTRLEN];
	struct key_user user;
	size_t i;
	int err;

	if (!memcmp(spec->key_out, spec->key_in, spec->key_len)) {
		memset(spec->key_out, 0, sizeof(spec->key_out));
		memset(spec->key_in, 0, sizeof(spec->key_in));
		die(EXIT_USAGE, "sa add: key-out and key-in are the same key: "
		    "each SA needs a key of its own (AES-GCM repeats nonces)");
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		err = xfrm_key_user(keys[i].key, spec->key_len, &user);
		if (err) {
			memset(spec->key_out, 0, sizeof(spec->key_out));
			memset(spec->key_in, 0, sizeof(spec->key_in));
			nl_fail("sa add: reading the SAs to check the keys", err);
		}
		if (!user.found)
			continue;
		memset(spec->key_out, 0, sizeof(spec->key_out));
		memset(spec->key_in, 0, sizeof(spec->key_in));
		die(EXIT_KERNEL, "sa add: %s is already the key of the SA with "
		    "SPI 0x%08x to %s: never give one key to two SAs "
		    "(AES-GCM repeats nonces); use a fresh key",
		    keys[i].what, user.spi,
		    inet_ntop(user.family, user.daddr, addr, sizeof(addr)) ?
		    addr : "?");
	}
}

static int cmd_sa_add(struct nl *nl, int argc, char **argv)
{
	struct sa_spec spec = {
		.aead = "rfc4106(gcm(aes))",
		.encap_sport = 4500,
		.encap_dport = 4500,
	};
	int key_out_len = -1, key_in_len = -1, err, i;
	bool null = false, port_set = false;
	struct global g;
	struct tunnel t;

	if (argc < 1)
		usage("missing tunnel name");
	check_name(argv[0]);
	for (i = 1; i < argc; i += 2) {
		int opt = need_keyword("option", argv[i], sa_opts);

		if (opt == 5) {		/* "null" takes no value */
			null = true;
			i--;
			continue;
		}
		if (i + 1 >= argc)
			usage("option \"%s\" needs a value", sa_opts[opt]);
		switch (opt) {
		case 0:
			spec.spi_out = parse_num("spi-out", argv[i + 1], 256,
						 UINT32_MAX);
			break;
		case 1:
			spec.spi_in = parse_num("spi-in", argv[i + 1], 256,
						UINT32_MAX);
			break;
		case 2:
			key_out_len = parse_key("key-out", argv[i + 1],
						spec.key_out, sizeof(spec.key_out));
			break;
		case 3:
			key_in_len = parse_key("key-in", argv[i + 1],
					       spec.key_in, sizeof(spec.key_in));
			break;
		case 4:
			spec.aead = argv[i + 1];
			break;
		case 6:
			spec.reqid = parse_num("reqid", argv[i + 1], 0,
					       UINT32_MAX);
			break;
		case 7:
			spec.encap_dport = parse_num("encap-port", argv[i + 1],
						     1, UINT16_MAX);
			port_set = true;
			break;
		}
	}
	if (spec.spi_out < 256 || spec.spi_in < 256)
		usage("sa add needs spi-out and spi-in, each at least 256");
	if (null) {
		spec.aead = NULL;
	} else {
		if (key_out_len < 0 || key_in_len < 0)
			usage("sa add needs key-out and key-in");
		if (key_out_len != key_in_len)
			usage("key-out and key-in must have the same length");
		spec.key_len = key_out_len;
	}

	tunnel_get(nl, argv[0], &t);
	need_local(&t);
	need_allow_null(&t, &spec);
	global_get(nl, &g);
	spec.encap = encap_forced(&t, &g);
	/* Plain ESP has no port: never drop the option silently. */
	if (port_set && !spec.encap)
		die(EXIT_USAGE, "%s: encap-port needs the tunnel's encapsulation forced",
		    t.name);

	if (!null)
		check_key_unused(&spec);
	err = xfrm_sa_add(&t, &spec);
	/* Keys stay in memory no longer than needed. */
	memset(spec.key_out, 0, sizeof(spec.key_out));
	memset(spec.key_in, 0, sizeof(spec.key_in));
	if (err)
		nl_fail("sa add", err);
	bind_spis(nl, t.name, spec.spi_out, spec.spi_in);
	return EXIT_OK;
}

static int cmd_sa_del(struct nl *nl, int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t spi_out = 0, spi_in = 0;
	struct nlmsghdr *nlh;
	struct tunnel t;
	bool all;
	int err, i;

	if (argc != 1 && argc != 5)
		usage("sa del NAME [spi-out SPI spi-in SPI]");
	check_name(argv[0]);
	for (i = 1; i < argc; i += 2) {
		int opt = need_keyword("option", argv[i], sa_opts);

		if (opt == 0)
			spi_out = parse_num("spi-out", argv[i + 1], 256,
					    UINT32_MAX);
		else if (opt == 1)
			spi_in = parse_num("spi-in", argv[i + 1], 256,
					   UINT32_MAX);
		else
			usage("sa del takes spi-out and spi-in only");
	}

	tunnel_get(nl, argv[0], &t);
	need_local(&t);
	all = argc == 1;
	if (all) {
		if (!t.spi_out)
			die(EXIT_USAGE, "%s: no SAs bound by SPI to delete",
			    t.name);
		spi_out = t.spi_out;
		spi_in = t.spi_in;
	}
	if (!spi_out || !spi_in)
		usage("sa del needs both spi-out and spi-in");

	err = xfrm_sa_del(&t, spi_out, spi_in, all);
	if (all) {
		nlh = genl_msg(nl, buf, GNVSEC_CMD_TUNNEL_UNBIND, 0);
		mnl_attr_put_strz(nlh, GNVSEC_A_IFNAME, t.name);
		request(nl, nlh, t.name);
	}
	if (err)
		nl_fail("sa del", err);
	return EXIT_OK;
}

/* Objects and commands, with their synonyms (ids as in keyword_ids()). */
enum { OBJ_TUNNEL, OBJ_GLOBAL, OBJ_SA, OBJ_HELP, OBJ_MONITOR, OBJ_CERT,
       OBJ_IKE, OBJ_SHOWCONF, OBJ_SETCONF, OBJ_WAIT };
static const char *const objects[] = { "tunnel", "tunnels", "global", "sa",
				       "help", "monitor", "cert", "ike",
				       "showconf", "setconf", "wait", NULL };
static const int object_ids[] = { OBJ_TUNNEL, OBJ_TUNNEL, OBJ_GLOBAL, OBJ_SA,
				   OBJ_HELP, OBJ_MONITOR, OBJ_CERT, OBJ_IKE,
				   OBJ_SHOWCONF, OBJ_SETCONF, OBJ_WAIT };

enum { TUN_ADD, TUN_SET, TUN_DEL, TUN_BIND, TUN_UNBIND, TUN_SHOW };
static const char *const tunnel_cmds[] = { "add", "set", "del", "delete",
					   "bind", "unbind", "show", "list",
					   "lst", NULL };
static const int tunnel_cmd_ids[] = { TUN_ADD, TUN_SET, TUN_DEL, TUN_DEL,
				      TUN_BIND, TUN_UNBIND, TUN_SHOW,
				      TUN_SHOW, TUN_SHOW };

static const char *const sa_cmds[] = { "add", "del", "delete", NULL };
static const int sa_cmd_ids[] = { 0, 1, 1 };

/*
 * Global options as ip(8) takes them: before the object, each word any
 * prefix of its option ("-j", "-js", "-json"), "--" as good as "-".
 */
enum { GOPT_JSON, GOPT_PRETTY, GOPT_VERSION, GOPT_HELP };
static const char *const global_flags[] = { "json", "pretty", "Version",
					    "version", "help", NULL };
static const int global_flag_ids[] = { GOPT_JSON, GOPT_PRETTY, GOPT_VERSION,
				       GOPT_VERSION, GOPT_HELP };

static int global_flag(const char *arg)
{
	if (arg[0] != '-' || !arg[1])
		return -1;
	arg += arg[1] == '-' ? 2 : 1;
	return keyword_ids(arg, global_flags, global_flag_ids);
}

static void version(void) __attribute__((noreturn));
static void version(void)
{
	printf("gnvsecctl %s\n", GNVSEC_VERSION);
	exit(EXIT_OK);
}

int main(int argc, char **argv)
{
	struct nl nl = { 0 };
	bool pretty = false;
	int obj, cmd;

	while (argc > 1 && argv[1][0] == '-') {
		switch (global_flag(argv[1])) {
		case GOPT_JSON:
			json = true;
			break;
		case GOPT_PRETTY:
			pretty = true;
			break;
		case GOPT_VERSION:
			version();
		case GOPT_HELP:
			usage(NULL);
		default:
			usage("unknown flag \"%s\"", argv[1]);
		}
		argc--, argv++;
	}
	/*
	 * -j and -p may also end the command, as in "tunnels show -j"
	 * (never a tunnel name: a name does not start with "-").
	 */
	while (argc > 2 && argv[argc - 1][0] == '-' &&
	       (global_flag(argv[argc - 1]) == GOPT_JSON ||
		global_flag(argv[argc - 1]) == GOPT_PRETTY)) {
		if (global_flag(argv[argc - 1]) == GOPT_JSON)
			json = true;
		else
			pretty = true;
		argc--;
	}
	if (argc < 2)
		usage(NULL);
	json_set_pretty(pretty);

	obj = need_keyword_ids("object", argv[1], objects, object_ids);
	if (obj == OBJ_HELP) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (argc > 2 && (!strcmp(argv[2], "help") || !strcmp(argv[2], "-h"))) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}

	/*
	 * Every command checks its arguments before its first request; the
	 * netlink socket opens with that request (nl_talk), so a typo is a
	 * usage error even where the module is not loaded.
	 */
	switch (obj) {
	case OBJ_CERT:		/* files only: no module, no netlink */
		return cmd_cert(argc - 2, argv + 2, json);
	case OBJ_TUNNEL:
		if (argc < 3)
			return cmd_show(&nl, 0, NULL);
		cmd = need_keyword_ids("command", argv[2], tunnel_cmds,
				       tunnel_cmd_ids);
		switch (cmd) {
		case TUN_ADD:
			return cmd_tunnel_change(&nl, GNVSEC_CMD_TUNNEL_NEW,
						 argc - 3, argv + 3);
		case TUN_SET:
			return cmd_tunnel_change(&nl, GNVSEC_CMD_TUNNEL_SET,
						 argc - 3, argv + 3);
		case TUN_DEL:
			return cmd_tunnel_change(&nl, GNVSEC_CMD_TUNNEL_DEL,
						 argc - 3, argv + 3);
		case TUN_BIND:
			return cmd_tunnel_bind(&nl, argc - 3, argv + 3);
		case TUN_UNBIND:
			return cmd_tunnel_change(&nl, GNVSEC_CMD_TUNNEL_UNBIND,
						 argc - 3, argv + 3);
		default:
			return cmd_show(&nl, argc - 3, argv + 3);
		}
	case OBJ_GLOBAL:
		return cmd_global(&nl, argc - 2, argv + 2);
	case OBJ_MONITOR:
		return cmd_monitor(&nl, argc - 2, argv + 2, json);
	case OBJ_IKE:
		return cmd_ike(&nl, argc - 2, argv + 2);
	case OBJ_SHOWCONF:
		return cmd_showconf(&nl, argc - 2, argv + 2);
	case OBJ_SETCONF:
		return cmd_setconf(&nl, argc - 2, argv + 2);
	case OBJ_WAIT:
		return cmd_wait(&nl, argc - 2, argv + 2);
	default:
		if (argc < 3)
			usage("sa add|del NAME ...");
		cmd = need_keyword_ids("command", argv[2], sa_cmds, sa_cmd_ids);
		if (cmd == 0)
			return cmd_sa_add(&nl, argc - 3, argv + 3);
		return cmd_sa_del(&nl, argc - 3, argv + 3);
	}
}
