// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl: the XFRM side. Lists the policies and SAs that concern a
 * tunnel (never their keys), and installs or removes manually keyed
 * transport-mode ESP for a tunnel ("sa add" / "sa del").
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/udp.h>
#include <linux/xfrm.h>

#include "gnvsecctl.h"

#define ICV_BITS	128
#define NATT_PORT	4500

static bool addr_eq(const struct addr *a, const xfrm_address_t *x)
{
	return !memcmp(a->bytes, x, a->family == AF_INET ? 4 : 16);
}

static void xaddr(xfrm_address_t *x, const struct addr *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->bytes, a->family == AF_INET ? 4 : 16);
}

static const char *xaddr_str(int family, const xfrm_address_t *x, char *buf,
			     size_t len)
{
	return inet_ntop(family, x, buf, len);
}

/*
 * Which direction of @t an address pair belongs to: 'o'ut (local to
 * remote), 'i'n (remote to local), or 0. An unset local address matches
 * any.
 */
static char direction(const struct tunnel *t, const xfrm_address_t *src,
		      const xfrm_address_t *dst)
{
	bool any_local = !t->local.family;

	if (addr_eq(&t->remote, dst) && (any_local || addr_eq(&t->local, src)))
		return 'o';
	if (addr_eq(&t->remote, src) && (any_local || addr_eq(&t->local, dst)))
		return 'i';
	return 0;
}

/* A list being shown: as text into @out, or as JSON into @arr. */
struct show {
	FILE *out;
	struct json_object *arr;
	const struct tunnel *t;
	int count;
};

static void item_start(struct show *s)
{
	if (!s->arr)
		fputs("  ", s->out);
	s->count++;
}

static const char *mode_name(uint8_t mode)
{
	return mode == XFRM_MODE_TRANSPORT ? "transport" : "tunnel";
}

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct xfrm_usersa_info *sa = mnl_nlmsg_get_payload(nlh);
	const char *alg = "none";
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	const struct xfrm_encap_tmpl *encap = NULL;
	const struct nlattr *attr;
	struct show *s = data;
	char dir;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || sa->family != s->t->remote.family)
		return MNL_CB_OK;
	/* SPI 0: an acquire's larval state, not an SA that carries anything. */
	if (!sa->id.spi)
		return MNL_CB_OK;
	dir = direction(s->t, &sa->saddr, &sa->id.daddr);
	if (!dir)
		return MNL_CB_OK;

	mnl_attr_for_each(attr, nlh, sizeof(*sa)) {
		switch (mnl_attr_get_type(attr)) {
		case XFRMA_ALG_AEAD:
		case XFRMA_ALG_CRYPT:
			/* The algorithm's name only: keys are never shown. */
			alg = ((const struct xfrm_algo *)mnl_attr_get_payload(attr))->alg_name;
			break;
		case XFRMA_ENCAP:
			encap = mnl_attr_get_payload(attr);
			break;
		}
	}

	xaddr_str(sa->family, &sa->saddr, src, sizeof(src));
	xaddr_str(sa->family, &sa->id.daddr, dst, sizeof(dst));
	item_start(s);
	if (s->arr) {
		struct json_object *o = jobj(), *e = NULL;

		jadd(o, "dir", jstr(dir == 'o' ? "out" : "in"));
		jadd(o, "src", jstr(src));
		jadd(o, "dst", jstr(dst));
		jadd(o, "proto", ju64(sa->id.proto));
		jadd(o, "spi", ju64(ntohl(sa->id.spi)));
		jadd(o, "reqid", ju64(sa->reqid));
		jadd(o, "mode", jstr(mode_name(sa->mode)));
		jadd(o, "algorithm", jstr(alg));
		if (encap) {
			e = jobj();
			jadd(e, "sport", ju64(ntohs(encap->encap_sport)));
			jadd(e, "dport", ju64(ntohs(encap->encap_dport)));
		}
		jadd(o, "encap", e);
		jadd(o, "bytes", ju64(sa->curlft.bytes));
		jadd(o, "packets", ju64(sa->curlft.packets));
		jappend(s->arr, o);
		return MNL_CB_OK;
	}
	fprintf(s->out, "%-3s %s > %s spi 0x%08x %s reqid %u %s %s",
		dir == 'o' ? "out" : "in", src, dst, ntohl(sa->id.spi),
		sa->id.proto == IPPROTO_ESP ? "esp" : "other", sa->reqid,
		mode_name(sa->mode), alg);
	if (encap)
		fprintf(s->out, " encap espinudp %u:%u", ntohs(encap->encap_sport),
			ntohs(encap->encap_dport));
	else
		fputs(" encap none", s->out);
	fprintf(s->out, ": %llu bytes, %llu packets\n",
		(unsigned long long)sa->curlft.bytes,
		(unsigned long long)sa->curlft.packets);
	return MNL_CB_OK;
}

static const char *dir_name(int dir)
{
	switch (dir) {
	case XFRM_POLICY_IN:
		return "in";
	case XFRM_POLICY_OUT:
		return "out";
	case XFRM_POLICY_FWD:
		return "fwd";
	default:
		return "?";
	}
}

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct xfrm_userpolicy_info *p = mnl_nlmsg_get_payload(nlh);
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	const struct xfrm_user_tmpl *tmpl = NULL;
	const struct xfrm_mark *mark = NULL;
	const struct nlattr *attr;
	struct show *s = data;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    p->sel.family != s->t->remote.family ||
	    !direction(s->t, &p->sel.saddr, &p->sel.daddr))
		return MNL_CB_OK;

	mnl_attr_for_each(attr, nlh, sizeof(*p)) {
		if (mnl_attr_get_type(attr) == XFRMA_TMPL)
			tmpl = mnl_attr_get_payload(attr);
		else if (mnl_attr_get_type(attr) == XFRMA_MARK)
			mark = mnl_attr_get_payload(attr);
	}

	xaddr_str(p->sel.family, &p->sel.saddr, src, sizeof(src));
	xaddr_str(p->sel.family, &p->sel.daddr, dst, sizeof(dst));
	item_start(s);
	if (s->arr) {
		struct json_object *o = jobj(), *tj = NULL;
		char net[INET6_ADDRSTRLEN + 4];

		jadd(o, "dir", jstr(dir_name(p->dir)));
		snprintf(net, sizeof(net), "%s/%u", src, p->sel.prefixlen_s);
		jadd(o, "src", jstr(net));
		snprintf(net, sizeof(net), "%s/%u", dst, p->sel.prefixlen_d);
		jadd(o, "dst", jstr(net));
		jadd(o, "proto", ju64(p->sel.proto));
		jadd(o, "sport", ju64(ntohs(p->sel.sport)));
		jadd(o, "dport", ju64(ntohs(p->sel.dport)));
		jadd(o, "action",
		     jstr(p->action == XFRM_POLICY_ALLOW ? "allow" : "block"));
		jadd(o, "mark", ju64(mark ? mark->v : 0));
		jadd(o, "mark_mask", ju64(mark ? mark->m : 0));
		if (tmpl) {
			tj = jobj();
			jadd(tj, "proto", ju64(tmpl->id.proto));
			jadd(tj, "reqid", ju64(tmpl->reqid));
			jadd(tj, "level",
			     jstr(tmpl->optional ? "use" : "required"));
		}
		jadd(o, "tmpl", tj);
		jappend(s->arr, o);
		return MNL_CB_OK;
	}
	fprintf(s->out, "%-3s src %s/%u dst %s/%u", dir_name(p->dir),
		src, p->sel.prefixlen_s, dst, p->sel.prefixlen_d);
	if (p->sel.proto == IPPROTO_UDP)
		fputs(" proto udp", s->out);
	else if (p->sel.proto)
		fprintf(s->out, " proto %u", p->sel.proto);
	if (p->sel.sport_mask)
		fprintf(s->out, " sport %u", ntohs(p->sel.sport));
	if (p->sel.dport_mask)
		fprintf(s->out, " dport %u", ntohs(p->sel.dport));
	if (mark)
		fprintf(s->out, " mark 0x%x/0x%x", mark->v, mark->m);
	fprintf(s->out, " %s", p->action == XFRM_POLICY_ALLOW ? "allow" : "block");
	if (tmpl)
		fprintf(s->out, " tmpl %s %s reqid %u %s",
			tmpl->id.proto == IPPROTO_ESP ? "esp" : "other",
			mode_name(tmpl->mode),
			tmpl->reqid, tmpl->optional ? "use" : "required");
	fputc('\n', s->out);
	return MNL_CB_OK;
}

static int keep_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xfrm_list *l = data;
	struct nlmsghdr *copy;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			return MNL_CB_ERROR;
	}
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		return MNL_CB_ERROR;
	memcpy(copy, nlh, nlh->nlmsg_len);
	l->v[l->n++] = copy;
	return MNL_CB_OK;
}

/*
 * A dump request is the bare header, as iproute2 sends it: the kernel's SA
 * dump (xfrm_dump_sa) parses whatever follows the header as attributes
 * (an XFRMA_ADDRESS_FILTER at most), so a struct there would be logged as
 * "bytes leftover after parsing attributes" on every read.
 */
static int xfrm_list_dump(struct nl *nl, struct xfrm_list *l, uint16_t type)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	l->err = nl_talk(nl, nlh, keep_cb, l);
	return l->err;
}

/*
 * One dump of the namespace's policies and one of its SAs per command,
 * however many tunnels are shown: each tunnel then picks its own from
 * memory, so "tunnels show" stays linear in the number of tunnels.
 */
void xfrm_snapshot_take(struct xfrm_snapshot *x)
{
	struct nl nl;
	int err;

	memset(x, 0, sizeof(*x));
	err = nl_open_xfrm(&nl);
	if (err) {
		x->policies.err = x->sas.err = err;
		return;
	}
	xfrm_list_dump(&nl, &x->policies, XFRM_MSG_GETPOLICY);
	xfrm_list_dump(&nl, &x->sas, XFRM_MSG_GETSA);
	nl_close(&nl);
}

static void xfrm_list_free(struct xfrm_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

void xfrm_snapshot_free(struct xfrm_snapshot *x)
{
	xfrm_list_free(&x->policies);
	xfrm_list_free(&x->sas);
}

static int show_list(struct show *s, const struct xfrm_list *l, mnl_cb_t cb)
{
	size_t i;

	if (!l->err && s->t->remote.family)
		for (i = 0; i < l->n; i++)
			cb(l->v[i], s);
	return s->count;
}

static void show_text(FILE *out, const struct tunnel *t,
		      const struct xfrm_list *l, mnl_cb_t cb, const char *title)
{
	struct show s = { .out = out, .t = t };

	fprintf(out, "%s\n", title);
	if (show_list(&s, l, cb))
		return;
	if (l->err)
		fprintf(out, "  (cannot read: %s)\n", strerror(-l->err));
	else
		fprintf(out, "  None\n");
}

void xfrm_show(FILE *out, const struct xfrm_snapshot *x,
	       const struct tunnel *t)
{
	show_text(out, t, &x->policies, policy_cb, "Kernel policies installed:");
	show_text(out, t, &x->sas, sa_cb,
		  "Kernel security associations installed:");
}

/* "policies" and "sas" of @t into @o: empty when unreadable. */
void xfrm_json(struct json_object *o, const struct xfrm_snapshot *x,
	       const struct tunnel *t)
{
	struct show s = { .t = t };

	s.arr = jarr();
	show_list(&s, &x->policies, policy_cb);
	jadd(o, "policies", s.arr);
	s = (struct show){ .t = t, .arr = jarr() };
	show_list(&s, &x->sas, sa_cb);
	jadd(o, "sas", s.arr);
}

/* Sends one XFRM request and waits for its acknowledgement. */
static int xfrm_request(struct nlmsghdr *nlh)
{
	struct nl nl;
	int err;

	err = nl_open_xfrm(&nl);
	if (!err)
		err = nl_talk(&nl, nlh, NULL, NULL);
	nl_close(&nl);
	return err;
}

static void put_mark(struct nlmsghdr *nlh, const struct tunnel *t)
{
	struct xfrm_mark mark = {
		.v = t->mark & t->mark_mask,
		.m = t->mark_mask,
	};

	mnl_attr_put(nlh, XFRMA_MARK, sizeof(mark), &mark);
}

static void put_algs(struct nlmsghdr *nlh, const struct sa_spec *spec,
		     const uint8_t *key)
{
	char buf[sizeof(struct xfrm_algo_aead) + 64];

	memset(buf, 0, sizeof(buf));
	if (spec->aead) {
		struct xfrm_algo_aead *aead = (struct xfrm_algo_aead *)buf;

		snprintf(aead->alg_name, sizeof(aead->alg_name), "%s", spec->aead);
		aead->alg_key_len = spec->key_len * 8;
		aead->alg_icv_len = ICV_BITS;
		memcpy(aead->alg_key, key, spec->key_len);
		mnl_attr_put(nlh, XFRMA_ALG_AEAD, sizeof(*aead) + spec->key_len,
			     aead);
	} else {
		/* The null transform: ESP framing without any cryptography. */
		struct xfrm_algo *alg = (struct xfrm_algo *)buf;

		snprintf(alg->alg_name, sizeof(alg->alg_name), "ecb(cipher_null)");
		mnl_attr_put(nlh, XFRMA_ALG_CRYPT, sizeof(*alg), alg);
		snprintf(alg->alg_name, sizeof(alg->alg_name), "digest_null");
		mnl_attr_put(nlh, XFRMA_ALG_AUTH, sizeof(*alg), alg);
	}
	memset(buf, 0, sizeof(buf));	/* no key copy left on the stack */
}

static int add_state(const struct tunnel *t, const struct sa_spec *spec,
		     bool out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct xfrm_usersa_info *sa;
	struct nlmsghdr *nlh;
	int err;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	sa = mnl_nlmsg_put_extra_header(nlh, sizeof(*sa));
	sa->family = t->remote.family;
	xaddr(&sa->id.daddr, out ? &t->remote : &t->local);
	xaddr(&sa->saddr, out ? &t->local : &t->remote);
	sa->id.spi = htonl(out ? spec->spi_out : spec->spi_in);
	sa->id.proto = IPPROTO_ESP;
	sa->mode = XFRM_MODE_TRANSPORT;
	sa->reqid = spec->reqid;
	sa->replay_window = 32;
	sa->lft.soft_byte_limit = XFRM_INF;
	sa->lft.hard_byte_limit = XFRM_INF;
	sa->lft.soft_packet_limit = XFRM_INF;
	sa->lft.hard_packet_limit = XFRM_INF;
	put_algs(nlh, spec, out ? spec->key_out : spec->key_in);
	if (spec->encap) {
		struct xfrm_encap_tmpl encap = {
			.encap_type = UDP_ENCAP_ESPINUDP,
			.encap_sport = htons(out ? spec->encap_sport : spec->encap_dport),
			.encap_dport = htons(out ? spec->encap_dport : spec->encap_sport),
		};

		mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(encap), &encap);
	}
	err = xfrm_request(nlh);
	memset(buf, 0, sizeof(buf));
	return err;
}

static void selector(struct xfrm_selector *sel, const struct tunnel *t,
		     bool out)
{
	int bits = t->remote.family == AF_INET ? 32 : 128;

	memset(sel, 0, sizeof(*sel));
	sel->family = t->remote.family;
	xaddr(&sel->saddr, out ? &t->local : &t->remote);
	xaddr(&sel->daddr, out ? &t->remote : &t->local);
	sel->prefixlen_s = bits;
	sel->prefixlen_d = bits;
	sel->proto = IPPROTO_UDP;
	sel->dport = htons(t->port);
	sel->dport_mask = 0xffff;
}

/* The policy for one direction, created or replaced. */
static int add_policy(const struct tunnel *t, const struct sa_spec *spec,
		      bool out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl tmpl;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_UPDPOLICY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	selector(&p->sel, t, out);
	p->lft.soft_byte_limit = XFRM_INF;
	p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = XFRM_INF;
	p->lft.hard_packet_limit = XFRM_INF;
	p->dir = out ? XFRM_POLICY_OUT : XFRM_POLICY_IN;
	p->action = XFRM_POLICY_ALLOW;

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.family = t->remote.family;
	xaddr(&tmpl.id.daddr, out ? &t->remote : &t->local);
	xaddr(&tmpl.saddr, out ? &t->local : &t->remote);
	tmpl.id.proto = IPPROTO_ESP;
	tmpl.mode = XFRM_MODE_TRANSPORT;
	tmpl.reqid = spec->reqid;
	tmpl.aalgos = ~0U;
	tmpl.ealgos = ~0U;
	tmpl.calgos = ~0U;
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(tmpl), &tmpl);
	if (out)
		put_mark(nlh, t);
	return xfrm_request(nlh);
}

struct key_search {
	const uint8_t *key;
	int len;
	struct key_user *user;
};

/* Does this SA of the dump use the key searched for? */
static int key_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct xfrm_usersa_info *sa = mnl_nlmsg_get_payload(nlh);
	struct key_search *k = data;
	const struct nlattr *attr;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || k->user->found)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*sa)) {
		const uint8_t *key;
		unsigned int bits;
		size_t hdr;

		switch (mnl_attr_get_type(attr)) {
		case XFRMA_ALG_AEAD:
			hdr = sizeof(struct xfrm_algo_aead);
			bits = ((const struct xfrm_algo_aead *)
				mnl_attr_get_payload(attr))->alg_key_len;
			break;
		case XFRMA_ALG_CRYPT:
			hdr = sizeof(struct xfrm_algo);
			bits = ((const struct xfrm_algo *)
				mnl_attr_get_payload(attr))->alg_key_len;
			break;
		default:
			continue;
		}
		if (bits != (unsigned int)k->len * 8 ||
		    mnl_attr_get_payload_len(attr) < hdr + k->len)
			continue;
		key = (const uint8_t *)mnl_attr_get_payload(attr) + hdr;
		if (!memcmp(key, k->key, k->len)) {
			k->user->found = true;
			k->user->spi = ntohl(sa->id.spi);
			k->user->family = sa->family;
			memcpy(k->user->daddr, &sa->id.daddr, sizeof(k->user->daddr));
		}
	}
	return MNL_CB_OK;
}

/*
 * Whether a live SA of the namespace already holds @key (its SPI and
 * destination in @user). Two SAs with one AES-GCM key repeat nonces. The
 * dump carries keys, so it needs CAP_NET_ADMIN, as "sa add" does anyway;
 * the copy of each message is wiped after the comparison.
 */
int xfrm_key_user(const uint8_t *key, int len, struct key_user *user)
{
	struct key_search k = { .key = key, .len = len, .user = user };
	struct xfrm_list l = { 0 };
	size_t i;
	int err;
	struct nl nl;

	memset(user, 0, sizeof(*user));
	err = nl_open_xfrm(&nl);
	if (err)
		return err;
	err = xfrm_list_dump(&nl, &l, XFRM_MSG_GETSA);
	nl_close(&nl);
	for (i = 0; i < l.n; i++) {
		if (!err)
			key_cb(l.v[i], &k);
		memset(l.v[i], 0, l.v[i]->nlmsg_len);
	}
	xfrm_list_free(&l);
	return err;
}

int xfrm_sa_add(const struct tunnel *t, const struct sa_spec *spec)
{
	int err;

	err = add_state(t, spec, false);
	if (err)
		return err;
	err = add_state(t, spec, true);
	if (err)
		return err;
	err = add_policy(t, spec, false);
	if (err)
		return err;
	return add_policy(t, spec, true);
}

static int del_state(const struct tunnel *t, uint32_t spi, bool out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct xfrm_usersa_id *id;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_DELSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	xaddr(&id->daddr, out ? &t->remote : &t->local);
	id->spi = htonl(spi);
	id->family = t->remote.family;
	id->proto = IPPROTO_ESP;
	return xfrm_request(nlh);
}

static int del_policy(const struct tunnel *t, bool out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct xfrm_userpolicy_id *id;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_DELPOLICY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	selector(&id->sel, t, out);
	id->dir = out ? XFRM_POLICY_OUT : XFRM_POLICY_IN;
	if (out)
		put_mark(nlh, t);
	return xfrm_request(nlh);
}

/*
 * Removes the two states; with @policies also the two policies. Keeps
 * going after a failure so that as much as possible is removed, and
 * returns the first error.
 */
int xfrm_sa_del(const struct tunnel *t, uint32_t spi_out, uint32_t spi_in,
		bool policies)
{
	int err = 0, e;

	if (policies) {
		e = del_policy(t, true);
		err = err ? err : e;
		e = del_policy(t, false);
		err = err ? err : e;
	}
	e = del_state(t, spi_out, true);
	err = err ? err : e;
	e = del_state(t, spi_in, false);
	return err ? err : e;
}
