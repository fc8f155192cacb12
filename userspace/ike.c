// SPDX-License-Identifier: GPL-2.0
/*
 * The IKE connection of each tunnel, described once (ike_conn_describe)
 * from what the kernel says about the tunnel, and written out either as
 * strongSwan swanctl.conf "connections" (gnvsecctl ike swanctl) or loaded
 * into charon over vici by the reconciler (gnvsecctl ike sync, ikesync.c),
 * so that charon negotiates exactly the SAs each tunnel accepts:
 *
 * - IKEv2 between the tunnel's local and remote addresses, with this
 *   chassis' name as local identity and the tunnel's chassis name as the
 *   remote one, authenticated as OVS IPsec offers (--auth):
 *     ca           certificates signed by the CA (the default, OVN's
 *                  way): the remote identity is matched against the
 *                  subjectAltName DNS name, which OVN requires to equal
 *                  the certificate's CN;
 *     self-signed  each chassis' own certificate, the peer's known in
 *                  advance (OVS's remote_cert): CHASSIS-cert.pem in the
 *                  x509 directory, which charon takes as the only one it
 *                  accepts for that peer;
 *     psk          one pre-shared key for every tunnel (--psk-file),
 *                  bound to the two identities.
 * - One transport-mode CHILD_SA per tunnel with a fixed reqid, which the
 *   tunnel is bound to: every rekeyed generation keeps that reqid, so no
 *   rebind is ever needed, and no other SA is accepted.
 * - Traffic selectors: UDP between the two addresses. Geneve leaves from a
 *   flow-hash source port to the Geneve port in both directions; one
 *   CHILD_SA covers the product of its local and remote selectors, so
 *   "any port to 6081" both ways cannot be had tighter than all UDP
 *   between the two addresses in one SA. Outbound, the tunnel's mark on
 *   the policy and the SA (mark_out) narrows it to the tunnel's packets:
 *   nothing else carries that mark. Inbound SAs get no mark, as the
 *   encrypted packets arrive unmarked; the inbound policy (level
 *   required) makes the kernel refuse plaintext UDP from the peer before
 *   gnvsec's own receive check does.
 * - encap = yes when the tunnel's encapsulation is forced (NAT-T).
 * - start_action = trap by default: the first packet triggers the
 *   negotiation, and gnvsec refuses the trap's placeholder route, so
 *   nothing leaves before the SA exists. The reconciler makes only one
 *   side initiate (the chassis whose name sorts lower, trap); the other
 *   only responds (none), so that two chassis never race each other into
 *   duplicate CHILD_SAs.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ike.h"

/* A name usable as a swanctl section name: no dots, braces or blanks. */
static bool section_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* A value that can be written between double quotes as it is. */
static bool value_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"' ||
		    *s == '\\')
			return false;
	return true;
}

#define PSK_MIN	20

/* strongSwan time: digits with an optional unit s, m, h or d. */
static bool time_ok(const char *s)
{
	const char *p = s;

	while (isdigit((unsigned char)*p))
		p++;
	return p != s && (!*p || (strchr("smhd", *p) && !p[1]));
}

/*
 * The reqid a tunnel is (to be) bound to: its reqid binding if it has one;
 * else its mark value, unique among the namespace's tunnels; else (a zero
 * mark value, or one above @max where the backend takes no larger reqid)
 * its ifindex. @max 0: no limit.
 */
uint32_t ike_tunnel_reqid(const struct tunnel *t, uint32_t max)
{
	uint32_t mark = t->mark & t->mark_mask;

	if (t->reqid)
		return t->reqid;
	if (mark && (!max || mark <= max))
		return mark;
	return t->ifindex;
}

const char *ike_local_cert(const struct ike_opts *o)
{
	static char buf[300];

	if (o->cert)
		return o->cert;
	snprintf(buf, sizeof(buf), "%s-cert.pem", o->local_id);
	return buf;
}

void ike_peer_cert(char *buf, size_t len, const char *chassis)
{
	snprintf(buf, len, "%s-cert.pem", chassis);
}

void ike_local_key(char *buf, size_t len, const struct ike_opts *o)
{
	if (o->key)
		snprintf(buf, len, "%s", o->key);
	else
		snprintf(buf, len, "%s-privkey.pem", o->local_id);
}

const char *ike_file_path(char *path, size_t size, const char *dir,
			  const char *sub, const char *name)
{
	if (name[0] == '/')
		snprintf(path, size, "%s", name);
	else
		snprintf(path, size, "%s/%s/%s", dir, sub, name);
	return path;
}

int ike_read_file(const char *dir, const char *sub, const char *name,
		  char *buf, size_t *len, char *err, size_t errlen)
{
	char path[4096];
	ssize_t n;
	size_t got = 0;
	int fd;

	ike_file_path(path, sizeof(path), dir, sub, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%.300s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf + got, IKE_FILE_MAX - got)) > 0)
		got += n;
	close(fd);
	if (n < 0 || got == IKE_FILE_MAX || !got) {
		snprintf(err, errlen, "%.300s: %s", path, n < 0 ? strerror(errno) :
			 got ? "too large" : "empty");
		return -1;
	}
	*len = got;
	return 0;
}

int ike_read_psk(const char *path, char *psk, size_t len, char *err,
		 size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%.300s: %s", path, strerror(errno));
		return -1;
	}
	if (!fgets(psk, len, f))
		psk[0] = '\0';
	fclose(f);
	n = strcspn(psk, "\r\n");
	psk[n] = '\0';
	/*
	 * strongSwan takes any bytes, but a short key falls to an offline
	 * dictionary attack on one captured IKE_AUTH: refuse it rather than
	 * negotiate with it.
	 */
	if (n < PSK_MIN) {
		snprintf(err, errlen, "%.300s: the pre-shared key (its first "
			 "line) has %zu characters; at least %d are needed",
			 path, n, PSK_MIN);
		return -1;
	}
	if (!value_ok(psk)) {
		snprintf(err, errlen, "%.300s: the pre-shared key may not hold "
			 "quotes, backslashes or control characters", path);
		return -1;
	}
	return 0;
}

/*
 * The lower name initiates: both chassis compute the same answer from the
 * two names alone, with no exchange between them.
 */
bool ike_initiator(const struct tunnel *t, const struct ike_opts *o)
{
	return strcmp(o->local_id, t->chassis) < 0;
}

static void add(struct conn_desc *c, uint8_t type, uint8_t flags,
		const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void add(struct conn_desc *c, uint8_t type, uint8_t flags,
		const char *key, const char *fmt, ...)
{
	struct conf_item *it;
	va_list ap;

	/* Sized for the longest description below: a bug otherwise. */
	if (c->n >= CONN_ITEMS_MAX)
		die(EXIT_KERNEL, "%s: connection description too long", c->name);
	it = &c->v[c->n++];
	it->type = type;
	it->flags = flags;
	it->key = key;
	it->value[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(it->value, sizeof(it->value), fmt, ap);
		va_end(ap);
	}
}

#define SECTION(c, name)	add(c, CONF_SECTION, 0, name, NULL)
#define END(c)			add(c, CONF_END, 0, NULL, NULL)
#define KV(c, key, ...)		add(c, CONF_KV, 0, key, __VA_ARGS__)
#define LIST(c, key, ...)	add(c, CONF_KV, CONF_LIST, key, __VA_ARGS__)
#define CERT			(CONF_QUOTE | CONF_CERT | CONF_LIST)
#define CACERT			(CONF_QUOTE | CONF_CACERT | CONF_LIST)

/* Traffic selector: the address, host-sized prefix, UDP. */
static void add_ts(struct conn_desc *c, const char *key, const struct addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (a->family)
		LIST(c, key, "%s/%d[udp]", addr_str(a, buf, sizeof(buf)),
		   a->family == AF_INET ? 32 : 128);
	else
		LIST(c, key, "dynamic[udp]");
}

int ike_conn_describe(struct conn_desc *c, const struct tunnel *t,
		      const struct global *g, const struct ike_opts *o,
		      char *err, size_t errlen)
{
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	const char *start;
	int len;

	if (!t->remote.family) {
		snprintf(err, errlen, "%s: tunnel has no remote address", t->name);
		return -1;
	}
	if (!t->chassis[0]) {
		snprintf(err, errlen, "%s: the remote identity is the tunnel's "
			 "chassis name: gnvsecctl tunnel set %s chassis NAME",
			 t->name, t->name);
		return -1;
	}
	if (!value_ok(t->chassis)) {
		snprintf(err, errlen, "%s: chassis name unusable as an IKE identity",
			 t->name);
		return -1;
	}
	len = snprintf(c->name, sizeof(c->name), "%s%s", o->prefix, t->name);
	if (len < 0 || (size_t)len >= sizeof(c->name) || !section_ok(c->name)) {
		snprintf(err, errlen, "%s: a swanctl connection name may only "
			 "hold letters, digits, '-' and '_'", t->name);
		return -1;
	}
	start = o->start_action;
	if (!start)
		start = ike_initiator(t, o) ? "trap" : "none";
	c->reqid = ike_tunnel_reqid(t, o->reqid_max);
	c->initiator = strcmp(start, "none");
	c->n = 0;

	addr_str(&t->remote, remote, sizeof(remote));
	SECTION(c, c->name);
	KV(c, "version", "2");
	LIST(c, "local_addrs", "%s", t->local.family ?
	   addr_str(&t->local, local, sizeof(local)) : "%any");
	LIST(c, "remote_addrs", "%s", remote);
	LIST(c, "proposals", "aes256gcm16-prfsha256-ecp256");
	KV(c, "mobike", "no");
	if (encap_forced(t, g))
		KV(c, "encap", "yes");
	KV(c, "dpd_delay", "10s");
	SECTION(c, "local");
	KV(c, "auth", "%s", o->auth == IKE_AUTH_PSK ? "psk" : "pubkey");
	add(c, CONF_KV, CONF_QUOTE, "id", "%s", o->local_id);
	if (o->auth != IKE_AUTH_PSK)
		add(c, CONF_KV, CERT, "certs", "%s", ike_local_cert(o));
	END(c);
	SECTION(c, "remote");
	KV(c, "auth", "%s", o->auth == IKE_AUTH_PSK ? "psk" : "pubkey");
	add(c, CONF_KV, CONF_QUOTE, "id", "%s", t->chassis);
	if (o->auth == IKE_AUTH_CA) {
		add(c, CONF_KV, CACERT, "cacerts", "%s", o->ca);
	} else if (o->auth == IKE_AUTH_SELF_SIGNED) {
		char peer[300];

		ike_peer_cert(peer, sizeof(peer), t->chassis);
		add(c, CONF_KV, CERT, "certs", "%s", peer);
	}
	END(c);
	SECTION(c, "children");
	SECTION(c, c->name);
	KV(c, "mode", "transport");
	add_ts(c, "local_ts", &t->local);
	add_ts(c, "remote_ts", &t->remote);
	KV(c, "mark_out", "0x%x/0x%x", t->mark & t->mark_mask, t->mark_mask);
	KV(c, "reqid", "%u", c->reqid);
	LIST(c, "esp_proposals", "aes256gcm16-ecp256");
	if (o->rekey_time)
		KV(c, "rekey_time", "%s", o->rekey_time);
	KV(c, "start_action", "%s", start);
	KV(c, "dpd_action", "%s", c->initiator ? "trap" : "clear");
	KV(c, "close_action", "%s", c->initiator ? "trap" : "none");
	END(c);
	END(c);
	END(c);
	return 0;
}

/* The description as swanctl.conf text, one tab deeper than "connections". */
static void print_conn(FILE *out, const struct tunnel *t,
		       const struct conn_desc *c)
{
	int i, depth = 1;

	if (t->reqid)
		fprintf(out, "\t# %s is bound to reqid %u\n", t->name, c->reqid);
	else
		fprintf(out, "\t# bind the tunnel once, before loading: "
			"gnvsecctl tunnel bind %s reqid %u\n", t->name, c->reqid);
	for (i = 0; i < c->n; i++) {
		const struct conf_item *it = &c->v[i];

		if (it->type == CONF_END)
			depth--;
		fprintf(out, "%.*s", depth, "\t\t\t\t\t\t\t\t");
		switch (it->type) {
		case CONF_SECTION:
			fprintf(out, "%s {\n", it->key);
			depth++;
			break;
		case CONF_END:
			fputs("}\n", out);
			break;
		default:
			if (it->flags & CONF_QUOTE)
				fprintf(out, "%s = \"%s\"\n", it->key, it->value);
			else
				fprintf(out, "%s = %s\n", it->key, it->value);
		}
	}
}

/* The options of "ike swanctl" and "ike sync"; which takes which below. */
enum { OPT_LOCAL_ID, OPT_CERT, OPT_CA, OPT_START_ACTION, OPT_REKEY_TIME,
       OPT_KEY, OPT_VICI, OPT_SWANCTL_DIR, OPT_BACKEND, OPT_INTERVAL,
       OPT_WATCH, OPT_AUTH, OPT_PSK_FILE, OPT_CTLSOCKET, OPT_IPSEC_DIR,
       OPT_NSS_DIR };
static const char *const ike_opt_words[] = {
	"--local-id", "--cert", "--ca", "--start-action", "--rekey-time",
	"--key", "--vici", "--swanctl-dir", "--backend", "--interval",
	"--watch", "--auth", "--psk-file", "--ctlsocket", "--ipsec-dir",
	"--nss-dir", NULL
};
#define AUTH_OPTS	((1 << OPT_AUTH) | (1 << OPT_PSK_FILE))
#define SWANCTL_OPTS	((1 << OPT_LOCAL_ID) | (1 << OPT_CERT) | (1 << OPT_CA) | \
			 (1 << OPT_START_ACTION) | (1 << OPT_REKEY_TIME) | \
			 AUTH_OPTS)
#define SYNC_OPTS	((1 << OPT_LOCAL_ID) | (1 << OPT_CERT) | (1 << OPT_CA) | \
			 (1 << OPT_REKEY_TIME) | (1 << OPT_KEY) | AUTH_OPTS | \
			 (1 << OPT_VICI) | (1 << OPT_SWANCTL_DIR) | \
			 (1 << OPT_BACKEND) | (1 << OPT_INTERVAL) | \
			 (1 << OPT_WATCH) | (1 << OPT_CTLSOCKET) | \
			 (1 << OPT_IPSEC_DIR) | (1 << OPT_NSS_DIR))

static void ike_usage(void) __attribute__((noreturn));
static void ike_usage(void)
{
	die(EXIT_USAGE, "usage: gnvsecctl ike swanctl [--local-id NAME] "
	    "[--auth ca|self-signed|psk] [--cert FILE] [--ca FILE] "
	    "[--psk-file FILE] [--start-action trap|start|none] "
	    "[--rekey-time TIME] [NAME]\n"
	    "       gnvsecctl ike sync [--watch] "
	    "[--backend strongswan|libreswan] "
	    "[--local-id NAME] [--auth ca|self-signed|psk] [--cert FILE] "
	    "[--key FILE] [--ca FILE] [--psk-file FILE] "
	    "[--rekey-time TIME] [--swanctl-dir DIR] [--interval SECONDS] "
	    "[--vici SOCKET] [--ctlsocket SOCKET] [--ipsec-dir DIR] "
	    "[--nss-dir DIR]");
}

/*
 * Parses the options that @allowed names into @so; returns the tunnel
 * name argument, if any.
 */
static const char *parse_opts(int argc, char **argv, unsigned int allowed,
			      struct ike_sync_opts *so)
{
	static char host[256];
	struct ike_opts *o = &so->ike;
	const char *name = NULL;
	unsigned int given = 0;
	int k;

	for (k = 0; k < argc; k++) {
		const char *val = NULL;
		size_t len;
		int opt;

		if (argv[k][0] != '-') {
			if (name)
				ike_usage();
			name = argv[k];
			continue;
		}
		/* --NAME VALUE or --NAME=VALUE */
		len = strcspn(argv[k], "=");
		for (opt = 0; ike_opt_words[opt]; opt++)
			if (strlen(ike_opt_words[opt]) == len &&
			    !strncmp(argv[k], ike_opt_words[opt], len))
				break;
		if (!ike_opt_words[opt] || !(allowed & (1U << opt)))
			ike_usage();
		given |= 1U << opt;
		if (opt == OPT_WATCH) {
			if (argv[k][len] == '=')
				ike_usage();
			so->watch = true;
			continue;
		}
		if (argv[k][len] == '=')
			val = argv[k] + len + 1;
		else if (k + 1 < argc)
			val = argv[++k];
		else
			ike_usage();
		switch (opt) {
		case OPT_LOCAL_ID:
			o->local_id = val;
			break;
		case OPT_CERT:
			o->cert = val;
			break;
		case OPT_CA:
			o->ca = val;
			o->ca_given = true;
			break;
		case OPT_KEY:
			o->key = val;
			break;
		case OPT_START_ACTION:
			o->start_action = val;
			if (strcmp(val, "trap") && strcmp(val, "start") &&
			    strcmp(val, "none"))
				ike_usage();
			break;
		case OPT_REKEY_TIME:
			o->rekey_time = val;
			if (!time_ok(val))
				die(EXIT_USAGE, "invalid --rekey-time \"%s\" "
				    "(seconds, or a number with s, m, h or d)",
				    val);
			break;
		case OPT_VICI:
			if (!*val)
				ike_usage();
			so->vici = val;
			break;
		case OPT_SWANCTL_DIR:
			if (!*val)
				ike_usage();
			so->swanctl_dir = val;
			break;
		case OPT_BACKEND:
			if (!strcmp(val, "strongswan")) {
				so->backend = IKE_STRONGSWAN;
				o->reqid_max = 0;
			} else if (!strcmp(val, "libreswan")) {
				so->backend = IKE_LIBRESWAN;
				/* IPSEC_MANUAL_REQID_MAX: reqid + 1 above */
				o->reqid_max = 16383;
			} else {
				die(EXIT_USAGE, "unknown IKE backend \"%s\" "
				    "(strongswan or libreswan)", val);
			}
			break;
		case OPT_CTLSOCKET:
		case OPT_IPSEC_DIR:
		case OPT_NSS_DIR:
			if (!*val)
				ike_usage();
			*(opt == OPT_CTLSOCKET ? &so->ctlsocket :
			  opt == OPT_IPSEC_DIR ? &so->ipsec_dir :
			  &so->nss_dir) = val;
			break;
		case OPT_INTERVAL:
			so->interval = parse_num("--interval", val, 1, 86400);
			break;
		case OPT_AUTH:
			if (!strcmp(val, "ca"))
				o->auth = IKE_AUTH_CA;
			else if (!strcmp(val, "self-signed"))
				o->auth = IKE_AUTH_SELF_SIGNED;
			else if (!strcmp(val, "psk"))
				o->auth = IKE_AUTH_PSK;
			else
				die(EXIT_USAGE, "invalid --auth \"%s\" "
				    "(ca, self-signed or psk)", val);
			break;
		case OPT_PSK_FILE:
			if (!*val)
				ike_usage();
			o->psk_file = val;
			break;
		}
	}
	/* An option of the other backend would be ignored: say so. */
	for (k = 0; ike_opt_words[k]; k++) {
		unsigned int lsw = (1 << OPT_CTLSOCKET) | (1 << OPT_IPSEC_DIR) |
				   (1 << OPT_NSS_DIR);
		bool mine = so->backend == IKE_LIBRESWAN ?
			    k != OPT_VICI : !(lsw & (1U << k));

		if ((given & (1U << k)) && !mine)
			die(EXIT_USAGE, "%s is for --backend %s", ike_opt_words[k],
			    so->backend == IKE_LIBRESWAN ? "strongswan" :
			    "libreswan");
	}
	if (o->auth == IKE_AUTH_PSK && !o->psk_file)
		die(EXIT_USAGE, "--auth psk needs --psk-file FILE, the file "
		    "holding the pre-shared key");
	if (o->auth != IKE_AUTH_PSK && o->psk_file)
		die(EXIT_USAGE, "--psk-file is for --auth psk");
	if (o->auth != IKE_AUTH_CA && o->ca_given)
		die(EXIT_USAGE, "--ca is for --auth ca");
	if (!o->local_id) {
		if (gethostname(host, sizeof(host) - 1))
			die(EXIT_KERNEL, "gethostname: %s", strerror(errno));
		o->local_id = host;
	}
	if (!value_ok(o->local_id))
		die(EXIT_USAGE, "local identity unusable: \"%s\"", o->local_id);
	if ((o->cert && !value_ok(o->cert)) || (o->key && !value_ok(o->key)) ||
	    !value_ok(o->ca))
		die(EXIT_USAGE, "certificate file names may not hold quotes, "
		    "backslashes or control characters");
	return name;
}

static int cmd_swanctl(struct nl *nl, int argc, char **argv)
{
	struct ike_sync_opts so = {
		.ike = {
			.ca = "cacert.pem",
			.start_action = "trap",
			.prefix = "",
		},
	};
	struct tunnel_list l = { 0 };
	char err[512], psk[256];
	struct conn_desc *c;
	const char *name;
	struct global g;
	size_t i, j;

	name = parse_opts(argc, argv, SWANCTL_OPTS, &so);
	if (so.ike.auth == IKE_AUTH_PSK &&
	    ike_read_psk(so.ike.psk_file, psk, sizeof(psk), err, sizeof(err)))
		die(EXIT_USAGE, "%s", err);
	global_get(nl, &g);
	if (name) {
		if (!*name || strlen(name) >= 16)
			die(EXIT_USAGE, "invalid tunnel name \"%s\"", name);
		l.v = calloc(1, sizeof(*l.v));
		if (!l.v)
			die(EXIT_KERNEL, "out of memory");
		tunnel_get(nl, name, l.v);
		l.n = 1;
	} else {
		tunnel_dump(nl, &l);
	}

	c = calloc(l.n ? l.n : 1, sizeof(*c));
	if (!c)
		die(EXIT_KERNEL, "out of memory");
	for (i = 0; i < l.n; i++) {
		if (ike_conn_describe(&c[i], &l.v[i], &g, &so.ike, err,
				      sizeof(err)))
			die(EXIT_USAGE, "%s", err);
		for (j = 0; j < i; j++)
			if (c[i].reqid == c[j].reqid)
				die(EXIT_USAGE, "%s and %s would share reqid %u: "
				    "bind one to another reqid first",
				    l.v[j].name, l.v[i].name, c[i].reqid);
	}

	printf("# swanctl.conf connections for gnvsec tunnels "
	       "(gnvsecctl ike swanctl)\n");
	printf("# local identity \"%s\"", so.ike.local_id);
	switch (so.ike.auth) {
	case IKE_AUTH_CA:
		printf("; its certificate and key in swanctl/x509/ and "
		       "swanctl/private/,\n# the CA in swanctl/x509ca/ "
		       "(relative file names are looked up there)\n");
		break;
	case IKE_AUTH_SELF_SIGNED:
		printf("; its self-signed certificate and key in "
		       "swanctl/x509/ and swanctl/private/,\n# each peer's "
		       "certificate as swanctl/x509/CHASSIS-cert.pem\n");
		break;
	case IKE_AUTH_PSK:
		printf("; a pre-shared key, in the secrets section\n");
		break;
	}
	printf("connections {\n");
	for (i = 0; i < l.n; i++)
		print_conn(stdout, &l.v[i], &c[i]);
	printf("}\n");
	if (so.ike.auth == IKE_AUTH_PSK) {
		/* One key, owned by this chassis and every peer. */
		printf("secrets {\n\tike-gnvsec {\n\t\tid-0 = \"%s\"\n",
		       so.ike.local_id);
		for (i = 0; i < l.n; i++)
			printf("\t\tid-%zu = \"%s\"\n", i + 1, l.v[i].chassis);
		printf("\t\tsecret = \"%s\"\n\t}\n}\n", psk);
		explicit_bzero(psk, sizeof(psk));
	}
	free(c);
	free(l.v);
	return EXIT_OK;
}

static int cmd_sync(struct nl *nl, int argc, char **argv)
{
	struct ike_sync_opts so = {
		.ike = {
			.ca = "cacert.pem",
			.prefix = "gnvsec-",
		},
		.vici = "/var/run/charon.vici",
		.swanctl_dir = "/etc/swanctl",
		.ctlsocket = "/run/pluto/pluto.ctl",
		.ipsec_dir = "/etc/ipsec.d",
		.nss_dir = "/var/lib/ipsec/nss",
		.interval = 60,
	};

	if (parse_opts(argc, argv, SYNC_OPTS, &so))
		ike_usage();	/* every tunnel of the namespace, no name */
	return ike_sync(nl, &so);
}

int cmd_ike(struct nl *nl, int argc, char **argv)
{
	size_t len = argc > 0 ? strlen(argv[0]) : 0;

	/* "swanctl", "sync" or any prefix that tells them apart */
	if (!len)
		ike_usage();
	if (!strncmp(argv[0], "swanctl", len) && strncmp(argv[0], "sync", len))
		return cmd_swanctl(nl, argc - 1, argv + 1);
	if (!strncmp(argv[0], "sync", len) && strncmp(argv[0], "swanctl", len))
		return cmd_sync(nl, argc - 1, argv + 1);
	ike_usage();
}
