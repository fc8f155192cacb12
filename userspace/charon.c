// SPDX-License-Identifier: GPL-2.0
/*
 * What strongSwan's charon has, read over vici: the names of its loaded
 * connections (get-conns) and its IKE_SAs with the state of each and of
 * the CHILD_SA named as its connection (list-sas). The reconciler
 * (ikesync.c) compares it with the tunnels every pass; "tunnels show"
 * reports it next to the kernel's state.
 */

#include <stdlib.h>
#include <string.h>

#include "ike.h"
#include "vici.h"

void *ike_grow(void *v, size_t n, size_t size)
{
	v = realloc(v, (n + 1) * size);
	if (!v)
		die(EXIT_KERNEL, "out of memory");
	return v;
}

/* A CHILD_SA that is, or is about to be, in use. */
static bool child_up(const char *state)
{
	return !strcmp(state, "INSTALLED") || !strcmp(state, "INSTALLING") ||
	       !strcmp(state, "CREATED") || !strcmp(state, "REKEYING") ||
	       !strcmp(state, "REKEYED");
}

/*
 * list-sa event: { NAME { state = S established = SECONDS remote-id = ID
 *                         child-sas { ID { name = N state = S } } } }
 */
static void list_sa_cb(const char *ev, const struct vici_msg *m, void *data)
{
	struct ike_backend *b = data;
	struct ike_sa *sa = NULL;
	char child[48] = "", cstate[32] = "";
	bool in_children = false;
	struct vici_el el;
	size_t off = 0;
	int depth = 0;

	if (strcmp(ev, "list-sa"))
		return;
	while (vici_next(m, &off, &depth, &el) > 0) {
		if (el.type == VICI_SECTION_START && el.depth == 0) {
			b->sas = ike_grow(b->sas, b->n_sas, sizeof(*b->sas));
			sa = &b->sas[b->n_sas++];
			memset(sa, 0, sizeof(*sa));
			snprintf(sa->name, sizeof(sa->name), "%.47s", el.name);
			sa->established = -1;
		} else if (!sa) {
			continue;
		} else if (el.type == VICI_KEY_VALUE && el.depth == 1 &&
			   !strcmp(el.name, "state")) {
			snprintf(sa->state, sizeof(sa->state), "%.*s", el.vlen,
				 (const char *)el.val);
		} else if (el.type == VICI_KEY_VALUE && el.depth == 1 &&
			   !strcmp(el.name, "remote-id")) {
			snprintf(sa->remote_id, sizeof(sa->remote_id), "%.*s",
				 el.vlen, (const char *)el.val);
		} else if (el.type == VICI_KEY_VALUE && el.depth == 1 &&
			   !strcmp(el.name, "established")) {
			char secs[24];

			snprintf(secs, sizeof(secs), "%.*s", el.vlen,
				 (const char *)el.val);
			sa->established = strtol(secs, NULL, 10);
		} else if (el.type == VICI_SECTION_START && el.depth == 1) {
			in_children = !strcmp(el.name, "child-sas");
		} else if (in_children && el.type == VICI_SECTION_START &&
			   el.depth == 2) {
			child[0] = cstate[0] = '\0';
		} else if (in_children && el.type == VICI_KEY_VALUE &&
			   el.depth == 3) {
			if (!strcmp(el.name, "name"))
				snprintf(child, sizeof(child), "%.*s", el.vlen,
					 (const char *)el.val);
			else if (!strcmp(el.name, "state"))
				snprintf(cstate, sizeof(cstate), "%.*s",
					 el.vlen, (const char *)el.val);
		} else if (in_children && el.type == VICI_SECTION_END &&
			   el.depth == 2 && !strcmp(child, sa->name) &&
			   !sa->child_up) {
			/* The one in use, else the last one listed. */
			snprintf(sa->child_state, sizeof(sa->child_state),
				 "%s", cstate);
			sa->child_up = child_up(cstate);
		}
	}
}

int ike_backend_read(struct ike_backend *b, int fd)
{
	struct vici_msg resp = { 0 };
	struct vici_el el;
	size_t off = 0;
	int depth = 0, err;

	b->n_sas = b->n_conns = 0;
	err = vici_cmd(fd, "get-conns", NULL, NULL, NULL, &resp);
	if (err)
		return err;
	while (vici_next(&resp, &off, &depth, &el) > 0) {
		if (el.type != VICI_LIST_ITEM)
			continue;
		b->conns = ike_grow(b->conns, b->n_conns, sizeof(*b->conns));
		snprintf(b->conns[b->n_conns++], sizeof(*b->conns), "%.*s",
			 el.vlen, (const char *)el.val);
	}
	vici_msg_free(&resp);
	err = vici_register(fd, "list-sa", true);
	if (err)
		return err;
	return vici_cmd(fd, "list-sas", NULL, list_sa_cb, b, NULL);
}

bool ike_backend_has_conn(const struct ike_backend *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->n_conns; i++)
		if (!strcmp(b->conns[i], name))
			return true;
	return false;
}

const struct ike_sa *ike_backend_sa(const struct ike_backend *b,
				    const char *name)
{
	const struct ike_sa *best = NULL;
	size_t i;

	/* The one doing best: established with a CHILD_SA first. */
	for (i = 0; i < b->n_sas; i++) {
		const struct ike_sa *sa = &b->sas[i];

		if (strcmp(sa->name, name) || !strcmp(sa->state, "DELETING") ||
		    !strcmp(sa->state, "DESTROYING"))
			continue;
		if (!best || sa->child_up ||
		    (!best->child_up && !strcmp(sa->state, "ESTABLISHED")))
			best = sa;
	}
	return best;
}

void ike_view_fill(struct ike_view *v, const struct ike_backend *b,
		   const struct tunnel *t)
{
	const struct ike_sa *sa;

	memset(v, 0, sizeof(*v));
	snprintf(v->conn, sizeof(v->conn), "gnvsec-%s", t->name);
	if (!ike_backend_has_conn(b, v->conn) &&
	    ike_backend_has_conn(b, t->name))
		snprintf(v->conn, sizeof(v->conn), "%s", t->name);
	v->loaded = ike_backend_has_conn(b, v->conn);
	sa = ike_backend_sa(b, v->conn);
	if (!sa)
		return;
	snprintf(v->ike_state, sizeof(v->ike_state), "%s", sa->state);
	snprintf(v->child_state, sizeof(v->child_state), "%s", sa->child_state);
}

void ike_backend_free(struct ike_backend *b)
{
	free(b->sas);
	free(b->conns);
	memset(b, 0, sizeof(*b));
}
