// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl: printing tunnels and globals, as text (the fields of OVN's
 * "tunnels/show") or as JSON.
 */

#include <arpa/inet.h>
#include <string.h>

#include "gnvsecctl.h"

static const char *const ipsec_modes[] = {
	[GNVSEC_IPSEC_INHERIT] = "inherit",
	[GNVSEC_IPSEC_OFF] = "off",
	[GNVSEC_IPSEC_REQUIRED] = "required",
};

static const char *const encap_modes[] = {
	[GNVSEC_ENCAP_INHERIT] = "inherit",
	[GNVSEC_ENCAP_AUTO] = "auto",
	[GNVSEC_ENCAP_FORCE] = "force",
};

static const char *const states[] = {
	[GNVSEC_STATE_PLAINTEXT] = "PLAINTEXT",
	[GNVSEC_STATE_ACTIVE] = "ACTIVE",
	[GNVSEC_STATE_WAITING_FOR_SA] = "WAITING FOR SA",
	[GNVSEC_STATE_UNCONFIGURED] = "UNCONFIGURED",
	[GNVSEC_STATE_ACTIVE_UNENCRYPTED] = "ACTIVE UNENCRYPTED",
};

static const char *const stats[] = {
	[GNVSEC_STAT_TX_UNCONFIGURED] = "tx_unconfigured",
	[GNVSEC_STAT_TX_NO_ROUTE] = "tx_no_route",
	[GNVSEC_STAT_TX_NO_POLICY] = "tx_no_policy",
	[GNVSEC_STAT_TX_NO_SA] = "tx_no_sa",
	[GNVSEC_STAT_TX_WRONG_SA] = "tx_wrong_sa",
	[GNVSEC_STAT_TX_NOT_ENCAP] = "tx_not_encap",
	[GNVSEC_STAT_TX_UNENCRYPTED_SA] = "tx_unencrypted_sa",
	[GNVSEC_STAT_TX_REROUTED] = "tx_rerouted",
	[GNVSEC_STAT_TX_ERROR] = "tx_error",
	[GNVSEC_STAT_RX_PLAINTEXT] = "rx_plaintext",
	[GNVSEC_STAT_RX_WRONG_SA] = "rx_wrong_sa",
	[GNVSEC_STAT_RX_NOT_ENCAP] = "rx_not_encap",
	[GNVSEC_STAT_RX_UNENCRYPTED_SA] = "rx_unencrypted_sa",
	[GNVSEC_STAT_RX_NO_REPLAY] = "rx_no_replay",
	[GNVSEC_STAT_RX_CRITICAL_OPT] = "rx_critical_opt",
	[GNVSEC_STAT_RX_ERROR] = "rx_error",
	[GNVSEC_STAT_RX_UNKNOWN_TUNNEL] = "rx_unknown_tunnel",
	[GNVSEC_STAT_RX_BAD_HEADER] = "rx_bad_header",
};

#define NAME_OF(table, i) \
	((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "unknown")

const char *ipsec_mode_name(uint8_t mode)
{
	return NAME_OF(ipsec_modes, mode);
}

const char *encap_mode_name(uint8_t mode)
{
	return NAME_OF(encap_modes, mode);
}

const char *ipsec_state_name(uint8_t state)
{
	return NAME_OF(states, state);
}

const char *stat_name(int stat)
{
	return NAME_OF(stats, (unsigned int)stat);
}

const char *addr_str(const struct addr *a, char *buf, size_t len)
{
	if (!a->family)
		return "";
	return inet_ntop(a->family, a->bytes, buf, len);
}

/* Length of the well-formed UTF-8 sequence at @s (RFC 3629), or 0. */
static int utf8_len(const unsigned char *s)
{
	uint32_t cp;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string. Names come from the kernel as bytes: whatever is not
 * UTF-8 becomes U+FFFD, so that the output is always valid JSON.
 */
void json_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	fputc('"', out);
	while (*p) {
		if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p);
			n = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
			n = 1;
		} else if ((n = utf8_len(p))) {
			fwrite(p, 1, n, out);
		} else {
			fputs("\\ufffd", out);
			n = 1;
		}
		p += n;
	}
	fputc('"', out);
}

/* Tunnel counters run up to rx_error; the rest are namespace-wide. */
static void print_stats(FILE *out, const uint64_t *v, int first, int last,
			bool json)
{
	int i;

	if (json) {
		fputs("{", out);
		for (i = first; i <= last; i++)
			fprintf(out, "%s\"%s\":%llu", i == first ? "" : ",",
				stat_name(i), (unsigned long long)v[i]);
		fputs("}", out);
		return;
	}
	for (i = first; i <= last; i++)
		fprintf(out, "  %-18s %llu\n", stat_name(i),
			(unsigned long long)v[i]);
}

bool encap_forced(const struct tunnel *t, const struct global *g)
{
	return t->encap == GNVSEC_ENCAP_FORCE ||
	       (t->encap == GNVSEC_ENCAP_INHERIT && g && g->encap);
}

static void print_text(FILE *out, const struct tunnel *t)
{
	char remote[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	const char *state = ipsec_state_name(t->state);

	if (t->config_error[0])
		fprintf(out, "Interface name: %s (INVALID: %s)\n", t->name,
			t->config_error);
	else
		fprintf(out, "Interface name: %s (CONFIGURED)\n", t->name);
	fprintf(out, "Tunnel Type:    geneve\n");
	fprintf(out, "Local IP:       %s\n",
		t->local.family ? addr_str(&t->local, local, sizeof(local)) :
				  "(chosen by routing)");
	fprintf(out, "Remote IP:      %s\n",
		addr_str(&t->remote, remote, sizeof(remote)));
	fprintf(out, "SKB mark:       0x%x/0x%x\n", t->mark, t->mark_mask);
	fprintf(out, "Remote name:    %s\n", t->chassis[0] ? t->chassis : "None");
	fprintf(out, "VNI:            %u\n", t->vni);
	fprintf(out, "Port:           %u\n", t->port);
	fprintf(out, "MTU:            %u\n", t->mtu);
	fprintf(out, "IPsec mode:     %s%s\n", ipsec_mode_name(t->ipsec),
		t->ipsec == GNVSEC_IPSEC_INHERIT ?
		(t->required ? " (global: true)" : " (global: false)") : "");
	fprintf(out, "Allow null ESP: %s\n", t->allow_null ? "on" : "off");
	if (t->state == GNVSEC_STATE_WAITING_FOR_SA ||
	    t->state == GNVSEC_STATE_UNCONFIGURED)
		fprintf(out, "IPsec state:    %s (dropping)\n", state);
	else if (t->state == GNVSEC_STATE_ACTIVE_UNENCRYPTED)
		fprintf(out, "IPsec state:    %s (readable on the wire)\n",
			state);
	else
		fprintf(out, "IPsec state:    %s\n", state);
	if (t->reqid)
		fprintf(out, "SA binding:     reqid %u\n", t->reqid);
	else if (t->spi_out)
		fprintf(out, "SA binding:     spi-out 0x%x spi-in 0x%x\n",
			t->spi_out, t->spi_in);
	else
		fprintf(out, "SA binding:     None\n");
}

void tunnel_print(FILE *out, const struct tunnel *t, const struct global *g,
		  const struct xfrm_snapshot *x, bool json)
{
	char remote[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	bool forced = encap_forced(t, g);

	if (!json) {
		print_text(out, t);
		fprintf(out, "Custom Options: {%s}\n",
			forced ? "'encapsulation': 'yes'" : "");
		xfrm_show(out, x, t, false);
		fprintf(out, "Drops:\n");
		print_stats(out, t->stats, GNVSEC_STAT_TX_UNCONFIGURED,
			    GNVSEC_STAT_RX_ERROR, false);
		return;
	}

	fprintf(out, "{\"ifname\":");
	json_str(out, t->name);
	fprintf(out, ",\"ifindex\":%u,\"configured\":%s", t->ifindex,
		t->config_error[0] ? "false" : "true");
	if (t->config_error[0]) {
		fprintf(out, ",\"config_error\":");
		json_str(out, t->config_error);
	}
	fprintf(out, ",\"type\":\"geneve\",\"local\":");
	if (t->local.family)
		json_str(out, addr_str(&t->local, local, sizeof(local)));
	else
		fputs("null", out);
	fprintf(out, ",\"remote\":");
	if (t->remote.family)
		json_str(out, addr_str(&t->remote, remote, sizeof(remote)));
	else
		fputs("null", out);
	fprintf(out, ",\"chassis\":");
	if (t->chassis[0])
		json_str(out, t->chassis);
	else
		fputs("null", out);
	fprintf(out, ",\"vni\":%u,\"port\":%u,\"mtu\":%u", t->vni, t->port,
		t->mtu);
	fprintf(out, ",\"mark\":%u,\"mark_mask\":%u", t->mark, t->mark_mask);
	fprintf(out, ",\"ipsec\":\"%s\",\"ipsec_required\":%s",
		ipsec_mode_name(t->ipsec), t->required ? "true" : "false");
	fprintf(out, ",\"ipsec_state\":\"%s\",\"allow_null\":%s",
		ipsec_state_name(t->state), t->allow_null ? "true" : "false");
	fprintf(out, ",\"encap\":\"%s\",\"encap_forced\":%s",
		encap_mode_name(t->encap), forced ? "true" : "false");
	if (t->reqid)
		fprintf(out, ",\"binding\":{\"reqid\":%u}", t->reqid);
	else if (t->spi_out)
		fprintf(out, ",\"binding\":{\"spi_out\":%u,\"spi_in\":%u}",
			t->spi_out, t->spi_in);
	else
		fprintf(out, ",\"binding\":null");
	fprintf(out, ",");
	xfrm_show(out, x, t, true);
	fprintf(out, ",\"drops\":");
	print_stats(out, t->stats, GNVSEC_STAT_TX_UNCONFIGURED,
		    GNVSEC_STAT_RX_ERROR, true);
	fprintf(out, "}");
}

void global_print(FILE *out, const struct global *g, bool json)
{
	if (json) {
		fprintf(out, "{\"ipsec\":%s,\"encapsulation\":%s,\"drops\":",
			g->ipsec ? "true" : "false", g->encap ? "true" : "false");
		print_stats(out, g->stats, GNVSEC_STAT_RX_UNKNOWN_TUNNEL,
			    GNVSEC_STAT_RX_BAD_HEADER, true);
		fprintf(out, "}\n");
		return;
	}
	fprintf(out, "ipsec:          %s\n", g->ipsec ? "true" : "false");
	fprintf(out, "encapsulation:  %s\n", g->encap ? "true" : "false");
	fprintf(out, "Drops:\n");
	print_stats(out, g->stats, GNVSEC_STAT_RX_UNKNOWN_TUNNEL,
		    GNVSEC_STAT_RX_BAD_HEADER, false);
}
