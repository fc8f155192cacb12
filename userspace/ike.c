// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl ike swanctl: the strongSwan swanctl.conf "connections" for the
 * tunnels of the namespace, from what the kernel says about them, so that
 * charon negotiates exactly the SAs each tunnel accepts:
 *
 * - IKEv2 between the tunnel's local and remote addresses, authenticated
 *   by certificates: this chassis' name as local identity, the tunnel's
 *   chassis name as the remote one (matched against the subjectAltName
 *   DNS name, which OVN requires to equal the certificate's CN).
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
 *   nothing leaves before the SA exists.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gnvsecctl.h"

struct ike_opts {
	const char *local_id;
	const char *cert;	/* NULL: LOCAL_ID-cert.pem */
	const char *ca;
	const char *start_action;
	const char *rekey_time;	/* NULL: strongSwan's default */
};

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
 * mark value) its ifindex.
 */
static uint32_t tunnel_reqid(const struct tunnel *t)
{
	if (t->reqid)
		return t->reqid;
	if (t->mark & t->mark_mask)
		return t->mark & t->mark_mask;
	return t->ifindex;
}

/* Refuses a tunnel that cannot be written out; a message says why. */
static void check_tunnel(const struct tunnel *t)
{
	if (!section_ok(t->name))
		die(EXIT_USAGE, "%s: a swanctl connection name may only hold "
		    "letters, digits, '-' and '_'", t->name);
	if (!t->remote.family)
		die(EXIT_USAGE, "%s: tunnel has no remote address", t->name);
	if (!t->chassis[0])
		die(EXIT_USAGE, "%s: the remote identity is the tunnel's "
		    "chassis name: gnvsecctl tunnel set %s chassis NAME",
		    t->name, t->name);
	if (!value_ok(t->chassis))
		die(EXIT_USAGE, "%s: chassis name unusable as an IKE identity",
		    t->name);
}

/* Traffic selector: the address, host-sized prefix, UDP. */
static void print_ts(FILE *out, const char *key, const struct addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (a->family)
		fprintf(out, "\t\t\t\t%s = %s/%d[udp]\n", key,
			addr_str(a, buf, sizeof(buf)),
			a->family == AF_INET ? 32 : 128);
	else
		fprintf(out, "\t\t\t\t%s = dynamic[udp]\n", key);
}

static void print_conn(FILE *out, const struct tunnel *t,
		       const struct global *g, const struct ike_opts *o)
{
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	uint32_t reqid = tunnel_reqid(t);

	addr_str(&t->remote, remote, sizeof(remote));
	if (t->reqid)
		fprintf(out, "\t# %s is bound to reqid %u\n", t->name, reqid);
	else
		fprintf(out, "\t# bind the tunnel once, before loading: "
			"gnvsecctl tunnel bind %s reqid %u\n", t->name, reqid);
	fprintf(out, "\t%s {\n", t->name);
	fprintf(out, "\t\tversion = 2\n");
	fprintf(out, "\t\tlocal_addrs = %s\n", t->local.family ?
		addr_str(&t->local, local, sizeof(local)) : "%any");
	fprintf(out, "\t\tremote_addrs = %s\n", remote);
	fprintf(out, "\t\tproposals = aes256gcm16-prfsha256-ecp256\n");
	fprintf(out, "\t\tmobike = no\n");
	if (encap_forced(t, g))
		fprintf(out, "\t\tencap = yes\n");
	fprintf(out, "\t\tdpd_delay = 10s\n");
	fprintf(out, "\t\tlocal {\n");
	fprintf(out, "\t\t\tauth = pubkey\n");
	fprintf(out, "\t\t\tid = \"%s\"\n", o->local_id);
	if (o->cert)
		fprintf(out, "\t\t\tcerts = \"%s\"\n", o->cert);
	else
		fprintf(out, "\t\t\tcerts = \"%s-cert.pem\"\n", o->local_id);
	fprintf(out, "\t\t}\n");
	fprintf(out, "\t\tremote {\n");
	fprintf(out, "\t\t\tauth = pubkey\n");
	fprintf(out, "\t\t\tid = \"%s\"\n", t->chassis);
	fprintf(out, "\t\t\tcacerts = \"%s\"\n", o->ca);
	fprintf(out, "\t\t}\n");
	fprintf(out, "\t\tchildren {\n");
	fprintf(out, "\t\t\t%s {\n", t->name);
	fprintf(out, "\t\t\t\tmode = transport\n");
	print_ts(out, "local_ts", &t->local);
	print_ts(out, "remote_ts", &t->remote);
	fprintf(out, "\t\t\t\tmark_out = 0x%x/0x%x\n", t->mark & t->mark_mask,
		t->mark_mask);
	fprintf(out, "\t\t\t\treqid = %u\n", reqid);
	fprintf(out, "\t\t\t\tesp_proposals = aes256gcm16-ecp256\n");
	if (o->rekey_time)
		fprintf(out, "\t\t\t\trekey_time = %s\n", o->rekey_time);
	fprintf(out, "\t\t\t\tstart_action = %s\n", o->start_action);
	fprintf(out, "\t\t\t\tdpd_action = %s\n",
		strcmp(o->start_action, "none") ? "trap" : "clear");
	fprintf(out, "\t\t\t\tclose_action = %s\n",
		strcmp(o->start_action, "none") ? "trap" : "none");
	fprintf(out, "\t\t\t}\n");
	fprintf(out, "\t\t}\n");
	fprintf(out, "\t}\n");
}

static const char *const ike_opt_words[] = {
	"--local-id", "--cert", "--ca", "--start-action", "--rekey-time", NULL
};

static void ike_usage(void) __attribute__((noreturn));
static void ike_usage(void)
{
	die(EXIT_USAGE, "usage: gnvsecctl ike swanctl [--local-id NAME] "
	    "[--cert FILE] [--ca FILE] [--start-action trap|start|none] "
	    "[--rekey-time TIME] [NAME]");
}

static int cmd_swanctl(struct nl *nl, int argc, char **argv)
{
	static char host[256];
	struct ike_opts o = {
		.ca = "cacert.pem",
		.start_action = "trap",
	};
	struct tunnel_list l = { 0 };
	const char *name = NULL;
	struct global g;
	size_t i, j;
	int k;

	for (k = 0; k < argc; k++) {
		const char *val;
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
		if (!ike_opt_words[opt])
			ike_usage();
		if (argv[k][len] == '=')
			val = argv[k] + len + 1;
		else if (k + 1 < argc)
			val = argv[++k];
		else
			ike_usage();
		switch (opt) {
		case 0:
			o.local_id = val;
			break;
		case 1:
			o.cert = val;
			break;
		case 2:
			o.ca = val;
			break;
		case 3:
			o.start_action = val;
			if (strcmp(o.start_action, "trap") &&
			    strcmp(o.start_action, "start") &&
			    strcmp(o.start_action, "none"))
				ike_usage();
			break;
		case 4:
			o.rekey_time = val;
			if (!time_ok(o.rekey_time))
				die(EXIT_USAGE, "invalid --rekey-time \"%s\" "
				    "(seconds, or a number with s, m, h or d)",
				    o.rekey_time);
			break;
		}
	}
	if (!o.local_id) {
		if (gethostname(host, sizeof(host) - 1))
			die(EXIT_KERNEL, "gethostname: %s", strerror(errno));
		o.local_id = host;
	}
	if (!value_ok(o.local_id))
		die(EXIT_USAGE, "local identity unusable: \"%s\"", o.local_id);
	if ((o.cert && !value_ok(o.cert)) || !value_ok(o.ca))
		die(EXIT_USAGE, "certificate file names may not hold quotes, "
		    "backslashes or control characters");

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

	for (i = 0; i < l.n; i++) {
		check_tunnel(&l.v[i]);
		for (j = 0; j < i; j++)
			if (tunnel_reqid(&l.v[i]) == tunnel_reqid(&l.v[j]))
				die(EXIT_USAGE, "%s and %s would share reqid %u: "
				    "bind one to another reqid first",
				    l.v[j].name, l.v[i].name,
				    tunnel_reqid(&l.v[i]));
	}

	printf("# swanctl.conf connections for gnvsec tunnels "
	       "(gnvsecctl ike swanctl)\n");
	printf("# local identity \"%s\"; its certificate and key in "
	       "swanctl/x509/ and swanctl/private/,\n", o.local_id);
	printf("# the CA in swanctl/x509ca/ (relative file names are looked "
	       "up there)\n");
	printf("connections {\n");
	for (i = 0; i < l.n; i++)
		print_conn(stdout, &l.v[i], &g, &o);
	printf("}\n");
	free(l.v);
	return EXIT_OK;
}

int cmd_ike(struct nl *nl, int argc, char **argv)
{
	/* "swanctl" or any prefix of it, as every keyword */
	if (argc < 1 || !*argv[0] || strncmp(argv[0], "swanctl", strlen(argv[0])))
		ike_usage();
	return cmd_swanctl(nl, argc - 1, argv + 1);
}
