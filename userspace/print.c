// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl: printing tunnels and globals, as text (the fields of OVN's
 * "tunnels/show") or as JSON.
 */

#include <arpa/inet.h>
#include <string.h>

#include "gnvsecctl.h"

const char *addr_str(const struct addr *a, char *buf, size_t len)
{
	if (!a->family)
		return "";
	return inet_ntop(a->family, a->bytes, buf, len);
}

bool encap_forced(const struct tunnel *t, const struct global *g)
{
	return t->encap == GNVSEC_ENCAP_FORCE ||
	       (t->encap == GNVSEC_ENCAP_INHERIT && g && g->encap);
}

/* Tunnel counters run up to rx_error; the rest are namespace-wide. */
#define TUNNEL_STATS	GNVSEC_STAT_TX_UNCONFIGURED, GNVSEC_STAT_RX_ERROR
#define GLOBAL_STATS	GNVSEC_STAT_RX_UNKNOWN_TUNNEL, GNVSEC_STAT_RX_BAD_HEADER

static struct json_object *stats_json(const uint64_t *v, int first, int last)
{
	struct json_object *o = jobj();
	int i;

	for (i = first; i <= last; i++)
		jadd(o, stat_name(i), ju64(v[i]));
	return o;
}

static void stats_text(FILE *out, const uint64_t *v, int first, int last)
{
	int i;

	for (i = first; i <= last; i++)
		fprintf(out, "  %-18s %llu\n", stat_name(i),
			(unsigned long long)v[i]);
}

/* -- The fields: values for JSON and as text. */

static struct json_object *j_ifname(const struct tunnel_view *v,
				    struct json_object *o)
{
	return jstr(v->t->name);
}

static const char *t_ifname(const struct tunnel_view *v, char *buf, size_t len)
{
	return v->t->name;
}

static struct json_object *j_ifindex(const struct tunnel_view *v,
				     struct json_object *o)
{
	return ju64(v->t->ifindex);
}

static const char *t_u32(char *buf, size_t len, uint32_t n)
{
	snprintf(buf, len, "%u", n);
	return buf;
}

static const char *t_ifindex(const struct tunnel_view *v, char *buf, size_t len)
{
	return t_u32(buf, len, v->t->ifindex);
}

static struct json_object *j_configured(const struct tunnel_view *v,
					struct json_object *o)
{
	return jbool(!v->t->config_error[0]);
}

static const char *t_configured(const struct tunnel_view *v, char *buf,
				size_t len)
{
	return v->t->config_error[0] ? "INVALID" : "CONFIGURED";
}

static struct json_object *j_config_error(const struct tunnel_view *v,
					  struct json_object *o)
{
	return jstr_or_null(v->t->config_error);
}

static const char *t_config_error(const struct tunnel_view *v, char *buf,
				  size_t len)
{
	return v->t->config_error[0] ? v->t->config_error : NULL;
}

static struct json_object *j_type(const struct tunnel_view *v,
				  struct json_object *o)
{
	return jstr("geneve");
}

static const char *t_type(const struct tunnel_view *v, char *buf, size_t len)
{
	return "geneve";
}

static const char *t_addr(const struct addr *a, char *buf, size_t len)
{
	return a->family ? addr_str(a, buf, len) : NULL;
}

static struct json_object *j_addr(const struct addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	return a->family ? jstr(addr_str(a, buf, sizeof(buf))) : NULL;
}

static struct json_object *j_local(const struct tunnel_view *v,
				   struct json_object *o)
{
	return j_addr(&v->t->local);
}

static const char *t_local(const struct tunnel_view *v, char *buf, size_t len)
{
	return t_addr(&v->t->local, buf, len);
}

static struct json_object *j_remote(const struct tunnel_view *v,
				    struct json_object *o)
{
	return j_addr(&v->t->remote);
}

static const char *t_remote(const struct tunnel_view *v, char *buf, size_t len)
{
	return t_addr(&v->t->remote, buf, len);
}

static struct json_object *j_chassis(const struct tunnel_view *v,
				     struct json_object *o)
{
	return jstr_or_null(v->t->chassis);
}

static const char *t_chassis(const struct tunnel_view *v, char *buf, size_t len)
{
	return v->t->chassis[0] ? v->t->chassis : NULL;
}

static struct json_object *j_vni(const struct tunnel_view *v,
				 struct json_object *o)
{
	return ju64(v->t->vni);
}

static const char *t_vni(const struct tunnel_view *v, char *buf, size_t len)
{
	return t_u32(buf, len, v->t->vni);
}

static struct json_object *j_port(const struct tunnel_view *v,
				  struct json_object *o)
{
	return ju64(v->t->port);
}

static const char *t_port(const struct tunnel_view *v, char *buf, size_t len)
{
	return t_u32(buf, len, v->t->port);
}

static struct json_object *j_mtu(const struct tunnel_view *v,
				 struct json_object *o)
{
	return ju64(v->t->mtu);
}

static const char *t_mtu(const struct tunnel_view *v, char *buf, size_t len)
{
	return t_u32(buf, len, v->t->mtu);
}

static struct json_object *j_mark(const struct tunnel_view *v,
				  struct json_object *o)
{
	return ju64(v->t->mark);
}

/* The text shows mark and mask as one: VALUE/MASK, as they are given. */
static const char *t_mark(const struct tunnel_view *v, char *buf, size_t len)
{
	snprintf(buf, len, "0x%x/0x%x", v->t->mark, v->t->mark_mask);
	return buf;
}

static struct json_object *j_mark_mask(const struct tunnel_view *v,
				       struct json_object *o)
{
	return ju64(v->t->mark_mask);
}

static struct json_object *j_ipsec(const struct tunnel_view *v,
				   struct json_object *o)
{
	return jstr(ipsec_mode_name(v->t->ipsec));
}

static const char *t_ipsec(const struct tunnel_view *v, char *buf, size_t len)
{
	return ipsec_mode_name(v->t->ipsec);
}

static struct json_object *j_ipsec_required(const struct tunnel_view *v,
					    struct json_object *o)
{
	return jbool(v->t->required);
}

static const char *t_bool(bool b)
{
	return b ? "true" : "false";
}

static const char *t_ipsec_required(const struct tunnel_view *v, char *buf,
				    size_t len)
{
	return t_bool(v->t->required);
}

static struct json_object *j_ipsec_state(const struct tunnel_view *v,
					 struct json_object *o)
{
	return jstr(ipsec_state_name(v->t->state));
}

static const char *t_ipsec_state(const struct tunnel_view *v, char *buf,
				 size_t len)
{
	return ipsec_state_name(v->t->state);
}

/* Only while waiting: no key otherwise. */
static struct json_object *j_wait_reason(const struct tunnel_view *v,
					 struct json_object *o)
{
	return v->t->wait_reason ? jstr(wait_reason_name(v->t->wait_reason)) :
				   NULL;
}

static const char *t_wait_reason(const struct tunnel_view *v, char *buf,
				 size_t len)
{
	return v->t->wait_reason ? wait_reason_text(v->t->wait_reason) : NULL;
}

static struct json_object *j_ike(const struct tunnel_view *v,
				 struct json_object *o)
{
	const struct ike_view *k = v->ike;
	struct json_object *r;

	if (!k)
		return NULL;
	r = jobj();
	jadd(r, "backend", jstr(strcmp(k->backend, "Libreswan") ? "strongswan" :
				"libreswan"));
	if (k->error) {
		jadd(r, "error", jstr(k->error));
		return r;
	}
	jadd(r, "connection", jstr(k->conn));
	jadd(r, "loaded", jbool(k->loaded));
	jadd(r, "ike_sa", k->ike_state[0] ? jstr(k->ike_state) : NULL);
	jadd(r, "child_sa", k->child_state[0] ? jstr(k->child_state) : NULL);
	return r;
}

/* "gnvsec-gs0 (strongSwan): IKE_SA ESTABLISHED, CHILD_SA INSTALLED" */
static const char *t_ike(const struct tunnel_view *v, char *buf, size_t len)
{
	const struct ike_view *k = v->ike;

	if (!k)
		return NULL;
	if (k->error)
		snprintf(buf, len, "%s", k->error);
	else if (!k->loaded && !k->ike_state[0])
		snprintf(buf, len, "%s (%s): not loaded", k->conn, k->backend);
	else if (!k->ike_state[0])
		snprintf(buf, len, "%s (%s): no IKE_SA", k->conn, k->backend);
	else
		snprintf(buf, len, "%s (%s): IKE_SA %s, %s%s%s", k->conn,
			 k->backend, k->ike_state,
			 k->child_state[0] ? "CHILD_SA " : "no CHILD_SA",
			 k->child_state, k->loaded ? "" : " (not loaded)");
	return buf;
}

static struct json_object *j_allow_null(const struct tunnel_view *v,
					struct json_object *o)
{
	return jbool(v->t->allow_null);
}

static const char *t_allow_null(const struct tunnel_view *v, char *buf,
				size_t len)
{
	return v->t->allow_null ? "on" : "off";
}

static struct json_object *j_encap(const struct tunnel_view *v,
				   struct json_object *o)
{
	return jstr(encap_mode_name(v->t->encap));
}

static const char *t_encap(const struct tunnel_view *v, char *buf, size_t len)
{
	return encap_mode_name(v->t->encap);
}

static struct json_object *j_encap_forced(const struct tunnel_view *v,
					  struct json_object *o)
{
	return jbool(encap_forced(v->t, v->g));
}

static const char *t_encap_forced(const struct tunnel_view *v, char *buf,
				  size_t len)
{
	return t_bool(encap_forced(v->t, v->g));
}

static struct json_object *j_binding(const struct tunnel_view *v,
				     struct json_object *o)
{
	struct json_object *b;

	if (!v->t->reqid && !v->t->spi_out)
		return NULL;
	b = jobj();
	if (v->t->reqid) {
		jadd(b, "reqid", ju64(v->t->reqid));
	} else {
		jadd(b, "spi_out", ju64(v->t->spi_out));
		jadd(b, "spi_in", ju64(v->t->spi_in));
	}
	return b;
}

/* In the words of "tunnel bind". */
static const char *t_binding(const struct tunnel_view *v, char *buf, size_t len)
{
	if (v->t->reqid)
		snprintf(buf, len, "reqid %u", v->t->reqid);
	else if (v->t->spi_out)
		snprintf(buf, len, "spi-out 0x%x spi-in 0x%x", v->t->spi_out,
			 v->t->spi_in);
	else
		return NULL;
	return buf;
}

/* "policies" and "sas", as xfrm.c lists them. */
static struct json_object *j_xfrm(const struct tunnel_view *v,
				  struct json_object *o)
{
	xfrm_json(o, v->x, v->t);
	return NULL;
}

static struct json_object *j_drops(const struct tunnel_view *v,
				   struct json_object *o)
{
	return stats_json(v->t->stats, TUNNEL_STATS);
}

#define TV_TUNNEL	(TV_SHOW | TV_EVENT)
#define TV_ALL		(TV_SHOW | TV_EVENT | TV_DEL)

const struct tunnel_field tunnel_fields[__TF_MAX] = {
	[TF_IFNAME] = { "ifname", "Interface name:", NULL, TV_ALL, false,
			j_ifname, t_ifname },
	[TF_IFINDEX] = { "ifindex", NULL, "ifindex", TV_ALL, false,
			 j_ifindex, t_ifindex },
	[TF_CONFIGURED] = { "configured", NULL, NULL, TV_TUNNEL, false,
			    j_configured, t_configured },
	[TF_CONFIG_ERROR] = { "config_error", NULL, "error", TV_TUNNEL, true,
			      j_config_error, t_config_error },
	[TF_TYPE] = { "type", "Tunnel Type:", NULL, TV_SHOW, false,
		      j_type, t_type },
	[TF_LOCAL] = { "local", "Local IP:", "local", TV_TUNNEL, false,
		       j_local, t_local },
	[TF_REMOTE] = { "remote", "Remote IP:", "remote", TV_TUNNEL, false,
			j_remote, t_remote },
	[TF_CHASSIS] = { "chassis", "Remote name:", "chassis", TV_TUNNEL, false,
			 j_chassis, t_chassis },
	[TF_VNI] = { "vni", "VNI:", "vni", TV_TUNNEL, false, j_vni, t_vni },
	[TF_PORT] = { "port", "Port:", "dstport", TV_TUNNEL, false,
		      j_port, t_port },
	[TF_MTU] = { "mtu", "MTU:", "mtu", TV_TUNNEL, false, j_mtu, t_mtu },
	[TF_MARK] = { "mark", "SKB mark:", "mark", TV_TUNNEL, false,
		      j_mark, t_mark },
	[TF_MARK_MASK] = { "mark_mask", NULL, NULL, TV_TUNNEL, false,
			   j_mark_mask, NULL },
	[TF_IPSEC] = { "ipsec", "IPsec mode:", "ipsec", TV_TUNNEL, false,
		       j_ipsec, t_ipsec },
	[TF_IPSEC_REQUIRED] = { "ipsec_required", NULL, NULL, TV_TUNNEL, false,
				j_ipsec_required, t_ipsec_required },
	[TF_IPSEC_STATE] = { "ipsec_state", "IPsec state:", "state", TV_TUNNEL,
			     false, j_ipsec_state, t_ipsec_state },
	[TF_WAIT_REASON] = { "ipsec_wait_reason", "Why waiting:", NULL, TV_SHOW,
			     true, j_wait_reason, t_wait_reason },
	[TF_IKE] = { "ike", "IKE:", NULL, TV_SHOW, true, j_ike, t_ike },
	[TF_ALLOW_NULL] = { "allow_null", "Allow null ESP:", "allow-null",
			    TV_TUNNEL, false, j_allow_null, t_allow_null },
	[TF_ENCAP] = { "encap", NULL, "encap", TV_TUNNEL, false,
		       j_encap, t_encap },
	[TF_ENCAP_FORCED] = { "encap_forced", "Custom Options:", NULL, TV_SHOW,
			      false, j_encap_forced, t_encap_forced },
	[TF_BINDING] = { "binding", "SA binding:", "binding", TV_TUNNEL, false,
			 j_binding, t_binding },
	[TF_XFRM] = { NULL, NULL, NULL, TV_SHOW, false, j_xfrm, NULL },
	[TF_DROPS] = { "drops", "Drops:", NULL, TV_TUNNEL, false,
		       j_drops, NULL },
};

const char *tunnel_text(int id, const struct tunnel_view *v, char *buf,
			size_t len, const char *unset)
{
	const char *s = NULL;

	if (tunnel_fields[id].text)
		s = tunnel_fields[id].text(v, buf, len);
	return s ? s : unset;
}

/* The fields of @view, in the table's order, into @o. */
void tunnel_json(struct json_object *o, const struct tunnel_view *v,
		 unsigned int view)
{
	struct json_object *val;
	int i;

	for (i = 0; i < __TF_MAX; i++) {
		const struct tunnel_field *f = &tunnel_fields[i];

		if (!(f->views & view))
			continue;
		val = f->json(v, o);
		if (f->key && (val || !f->omit_null))
			jadd(o, f->key, val);
	}
}

/* One line of the text of "tunnels show": "Label:         value". */
static void show_line(FILE *out, int id, const struct tunnel_view *v,
		      const char *unset, const char *suffix)
{
	char buf[64];

	fprintf(out, "%-15s %s%s\n", tunnel_fields[id].label,
		tunnel_text(id, v, buf, sizeof(buf), unset), suffix);
}

/* The fields and words of OVN's "tunnels/show". */
void tunnel_print(FILE *out, const struct tunnel_view *v)
{
	const struct tunnel *t = v->t;
	const char *suffix = "";

	if (t->config_error[0])
		fprintf(out, "%-15s %s (%s: %s)\n", tunnel_fields[TF_IFNAME].label,
			t->name, tunnel_text(TF_CONFIGURED, v, NULL, 0, ""),
			t->config_error);
	else
		fprintf(out, "%-15s %s (%s)\n", tunnel_fields[TF_IFNAME].label,
			t->name, tunnel_text(TF_CONFIGURED, v, NULL, 0, ""));
	show_line(out, TF_TYPE, v, "", "");
	show_line(out, TF_LOCAL, v, "(chosen by routing)", "");
	show_line(out, TF_REMOTE, v, "", "");
	show_line(out, TF_MARK, v, "", "");
	show_line(out, TF_CHASSIS, v, "None", "");
	show_line(out, TF_VNI, v, "", "");
	show_line(out, TF_PORT, v, "", "");
	show_line(out, TF_MTU, v, "", "");
	show_line(out, TF_IPSEC, v, "", t->ipsec != GNVSEC_IPSEC_INHERIT ? "" :
		  t->required ? " (global: true)" : " (global: false)");
	show_line(out, TF_ALLOW_NULL, v, "", "");
	if (t->state == GNVSEC_STATE_WAITING_FOR_SA ||
	    t->state == GNVSEC_STATE_UNCONFIGURED)
		suffix = " (dropping)";
	else if (t->state == GNVSEC_STATE_ACTIVE_UNENCRYPTED)
		suffix = " (readable on the wire)";
	show_line(out, TF_IPSEC_STATE, v, "", suffix);
	if (t->wait_reason)
		show_line(out, TF_WAIT_REASON, v, "", "");
	if (v->ike) {
		char buf[400];

		fprintf(out, "%-15s %s\n", tunnel_fields[TF_IKE].label,
			tunnel_text(TF_IKE, v, buf, sizeof(buf), ""));
	}
	show_line(out, TF_BINDING, v, "None", "");
	fprintf(out, "%-15s {%s}\n", tunnel_fields[TF_ENCAP_FORCED].label,
		encap_forced(t, v->g) ? "'encapsulation': 'yes'" : "");
	xfrm_show(out, v->x, t);
	fprintf(out, "%s\n", tunnel_fields[TF_DROPS].label);
	stats_text(out, t->stats, TUNNEL_STATS);
}

/* The namespace's switches: one name each, for the text and JSON. */
#define G_IPSEC		"ipsec"
#define G_ENCAP		"encapsulation"
#define G_DROPS		"drops"

void global_print(FILE *out, const struct global *g, bool json)
{
	struct json_object *o;

	if (json) {
		o = jobj();
		jadd(o, G_IPSEC, jbool(g->ipsec));
		jadd(o, G_ENCAP, jbool(g->encap));
		jadd(o, G_DROPS, stats_json(g->stats, GLOBAL_STATS));
		json_print(out, o);
		return;
	}
	fprintf(out, "%-15s %s\n", G_IPSEC ":", t_bool(g->ipsec));
	fprintf(out, "%-15s %s\n", G_ENCAP ":", t_bool(g->encap));
	fprintf(out, "Drops:\n");
	stats_text(out, g->stats, GLOBAL_STATS);
}
