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
#include <unistd.h>

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
	free(b->kept_up);
	memset(b, 0, sizeof(*b));
}

/* The reconciler's strongSwan backend: charon over vici. */

#define VICI_TIMEOUT_MS		15000

/* A command whose reply says success = yes, or errmsg. */
static int simple_cmd(int fd, const char *cmd, const struct vici_msg *req,
		      char *err, size_t errlen)
{
	struct vici_msg resp = { 0 };
	char ok[8];
	int ret;

	ret = vici_cmd(fd, cmd, req, NULL, NULL, &resp);
	if (ret) {
		snprintf(err, errlen, "%s: %s", cmd, strerror(-ret));
		return ret;
	}
	vici_get(&resp, "success", ok, sizeof(ok));
	if (strcmp(ok, "yes")) {
		char msg[200];

		vici_get(&resp, "errmsg", msg, sizeof(msg));
		snprintf(err, errlen, "%s: %s", cmd, msg[0] ? msg : "failed");
		ret = 1;
	}
	vici_msg_free(&resp);
	return ret;
}

static int swan_open(struct ike_daemon *d)
{
	int e;

	d->key_loaded = false;
	d->fd = vici_open(d->so->vici, VICI_TIMEOUT_MS);
	if (d->fd < 0)
		return d->fd;
	e = ike_backend_read(&d->be, d->fd);
	if (e) {
		close(d->fd);
		d->fd = -1;
	}
	return e;
}

static void swan_close(struct ike_daemon *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->msg) {
		vici_msg_free(d->msg);
		free(d->msg);
		d->msg = NULL;
	}
}

static const char *swan_where(const struct ike_daemon *d)
{
	return d->so->vici;
}

/*
 * The description as a load-conn message: the same elements, with the
 * contents of the certificate files where swanctl.conf names them. A new
 * pre-shared key is a change of the connection too.
 */
static int swan_prepare(struct ike_daemon *d, const struct conn_desc *c,
			const struct tunnel *t, const char *psk,
			uint64_t *hash, char *err, size_t errlen)
{
	static char data[IKE_FILE_MAX];
	struct vici_msg *m;
	size_t len;
	int i;

	if (d->msg)
		vici_msg_free(d->msg);
	else
		d->msg = calloc(1, sizeof(*d->msg));
	if (!d->msg)
		die(EXIT_KERNEL, "out of memory");
	m = d->msg;
	memset(m, 0, sizeof(*m));
	for (i = 0; i < c->n; i++) {
		const struct conf_item *it = &c->v[i];

		switch (it->type) {
		case CONF_SECTION:
			vici_section(m, it->key);
			break;
		case CONF_END:
			vici_end(m);
			break;
		default:
			if (it->flags & (CONF_CERT | CONF_CACERT)) {
				if (ike_read_file(d->so->swanctl_dir,
						  it->flags & CONF_CERT ?
						  "x509" : "x509ca", it->value,
						  data, &len, err, errlen))
					return -1;
			} else {
				len = strlen(it->value);
				memcpy(data, it->value, len);
			}
			if (it->flags & CONF_LIST) {
				vici_list(m, it->key);
				vici_item(m, data, len);
				vici_list_end(m);
			} else {
				vici_kv(m, it->key, data, len);
			}
		}
	}
	if (m->bad) {
		snprintf(err, errlen, "%s: connection message too large", c->name);
		return -1;
	}
	*hash = ike_hash(ike_hash(FNV1A_INIT, m->p, m->len), psk, strlen(psk));
	return 0;
}

static int load_key(struct ike_daemon *d, char *err, size_t errlen)
{
	static char data[IKE_FILE_MAX];
	struct vici_msg m = { 0 };
	char name[300];
	size_t len;
	int ret;

	ike_local_key(name, sizeof(name), &d->so->ike);
	if (ike_read_file(d->so->swanctl_dir, "private", name, data, &len, err,
			  errlen))
		return -1;
	vici_kv_str(&m, "type", "any");
	vici_kv(&m, "data", data, len);
	ret = simple_cmd(d->fd, "load-key", &m, err, errlen);
	/* The key stays in charon only. */
	explicit_bzero(data, len);
	if (m.p)
		explicit_bzero(m.p, m.len);
	vici_msg_free(&m);
	return ret;
}

/*
 * The pre-shared key for connection @c, owned by the two identities, under
 * the connection's name (unload-shared removes it with the connection).
 */
static int load_psk(struct ike_daemon *d, const struct conn_desc *c,
		    const struct tunnel *t, const char *psk, char *err,
		    size_t errlen)
{
	struct vici_msg m = { 0 };
	int ret;

	vici_kv_str(&m, "id", c->name);
	vici_kv_str(&m, "type", "IKE");
	vici_kv_str(&m, "data", psk);
	vici_list(&m, "owners");
	vici_item(&m, d->so->ike.local_id, strlen(d->so->ike.local_id));
	vici_item(&m, t->chassis, strlen(t->chassis));
	vici_list_end(&m);
	ret = simple_cmd(d->fd, "load-shared", &m, err, errlen);
	if (m.p)
		explicit_bzero(m.p, m.len);
	vici_msg_free(&m);
	return ret;
}

static int swan_load(struct ike_daemon *d, const struct conn_desc *c,
		     const struct tunnel *t, const char *psk, char *err,
		     size_t errlen)
{
	char why[300];

	if (d->so->ike.auth == IKE_AUTH_PSK) {
		if (load_psk(d, c, t, psk, err, errlen))
			return -1;
	} else if (!d->key_loaded) {
		if (load_key(d, why, sizeof(why))) {
			snprintf(err, errlen, "private key of %s: %s",
				 d->so->ike.local_id, why);
			return -1;
		}
		d->key_loaded = true;
	}
	return simple_cmd(d->fd, "load-conn", d->msg, err, errlen);
}

static int swan_unload(struct ike_daemon *d, const char *name, char *err,
		       size_t errlen)
{
	struct vici_msg m = { 0 };
	char why[300];
	int ret = 0;

	if (ike_backend_has_conn(&d->be, name)) {
		vici_kv_str(&m, "name", name);
		ret = simple_cmd(d->fd, "unload-conn", &m, err, errlen);
		if (!ret)
			ike_log("unloaded %s: no tunnel requires it", name);
		vici_msg_free(&m);
	}
	if (d->so->ike.auth == IKE_AUTH_PSK) {
		/* Its key, if it had one: nothing else uses it. */
		vici_kv_str(&m, "id", name);
		if (!simple_cmd(d->fd, "unload-shared", &m, why, sizeof(why)))
			ike_log("unloaded the pre-shared key of %s", name);
		vici_msg_free(&m);
	}
	return ret;
}

static int swan_initiate(struct ike_daemon *d, const char *name, char *err,
			 size_t errlen)
{
	struct vici_msg m = { 0 };
	int ret;

	vici_kv_str(&m, "child", name);
	vici_kv_str(&m, "ike", name);
	vici_kv_str(&m, "timeout", "-1");
	ret = simple_cmd(d->fd, "initiate", &m, err, errlen);
	vici_msg_free(&m);
	return ret ? -1 : 0;
}

/* Sends the DELETE without waiting, so the peer's SAs go too. */
static int swan_terminate(struct ike_daemon *d, const char *name, char *err,
			  size_t errlen)
{
	struct vici_msg m = { 0 };
	int ret;

	vici_kv_str(&m, "ike", name);
	vici_kv_str(&m, "timeout", "-1");
	ret = simple_cmd(d->fd, "terminate", &m, err, errlen);
	vici_msg_free(&m);
	return ret;
}

/* A vici connection that receives charon's up/down events; -1 if none. */
static int swan_events(struct ike_daemon *d)
{
	int fd = vici_open(d->so->vici, VICI_TIMEOUT_MS);

	if (fd < 0)
		return -1;
	if (vici_register(fd, "ike-updown", true) ||
	    vici_register(fd, "child-updown", true)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int swan_event(struct ike_daemon *d, int fd)
{
	char name[256];
	struct vici_msg m;
	uint8_t type;

	if (vici_read(fd, &type, name, &m))
		return -1;	/* charon went away */
	vici_msg_free(&m);
	return 0;
}

const struct ike_backend_ops ike_strongswan = {
	.name = "strongSwan",
	.open = swan_open,
	.close = swan_close,
	.where = swan_where,
	.prepare = swan_prepare,
	.load = swan_load,
	.unload = swan_unload,
	.initiate = swan_initiate,
	.terminate = swan_terminate,
	.events = swan_events,
	.event = swan_event,
};
