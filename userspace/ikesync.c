// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl ike sync: the reconciler that keeps strongSwan's charon in
 * step with the namespace's tunnels, through vici (vici.c).
 *
 * Every pass compares what the kernel says (a tunnel dump: which tunnels
 * require IPsec, their addresses, chassis names, marks and bindings) with
 * what charon has (get-conns, list-sas), and makes charon match:
 *   - each tunnel that requires IPsec gets one connection, named
 *     "gnvsec-" and the tunnel's name, described by ike_conn_describe()
 *     (the description "ike swanctl" prints), with the reqid the tunnel is
 *     bound to; an unbound tunnel is bound to it first (TUNNEL_BIND), so
 *     that no SA of the connection is ever refused for its reqid;
 *   - before charon is given a connection, its credentials pass the
 *     checks of "gnvsecctl cert check" (cert.c): this chassis'
 *     certificate names it and chains to the CA (or to itself, when
 *     self-signed) and its key matches; a self-signed peer's certificate
 *     names the tunnel's chassis; or the pre-shared key is long enough.
 *     A failure is logged and nothing is loaded for the tunnel: charon
 *     would negotiate with credentials no peer accepts, or accept the
 *     wrong chassis;
 *   - the chassis whose name sorts lower initiates (trap, and an explicit
 *     initiate when charon holds no SA of the connection); the other only
 *     responds: two chassis never race into duplicate CHILD_SAs;
 *   - connections named "gnvsec-..." that no tunnel wants any more are
 *     unloaded and their IKE_SAs terminated, so their SAs go on both sides;
 *     other connections are left alone: they are not ours.
 * A connection is loaded again only when its encoded load-conn message
 * (certificate data included) changed since this process last loaded it,
 * or charon no longer has it (it was restarted); charon keeps an equal
 * configuration as it is, and its SAs with it. When a changed one is
 * loaded again, the SAs the old one negotiated are terminated if the
 * kernel no longer finds them fit for the tunnel (not ACTIVE); so is an
 * IKE_SA that authenticated another chassis than the tunnel names. An
 * IKE_SA older than the credential files it authenticated with (replaced
 * while this process was down, or since) is terminated, so that the next
 * one uses the new ones.
 *
 * One process, no state on disk: a subcommand of gnvsecctl rather than a
 * daemon of its own, since it needs exactly gnvsecctl's netlink code and
 * connection description, and "ike sync" without --watch is the same
 * pass run once (exit status 0: everything is in sync).
 *
 * With --watch it stays: a pass at start, on every event of the gnvsec
 * family's "events" group (debounced), on every IKE or CHILD_SA going up
 * or down (vici events ike-updown, child-updown, which also tell it at
 * once that charon went away), on SIGHUP (refresh: everything loaded
 * again), and every --interval seconds; while charon is unreachable, or
 * an initiated CHILD_SA is not up yet (the peer may not have loaded its
 * side), the retries back off from 1 s, doubling up to the interval.
 */

#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "ike.h"
#include "vici.h"

#define VICI_TIMEOUT_MS		15000
#define EVENT_DELAY_MS		300	/* gathers a burst of events */
#define FILE_MAX		65535	/* one vici value */

/*
 * What this process loaded: connection name and message hash; when it may
 * next ask charon to initiate it, and the wait before that (0 once its
 * CHILD_SA is up).
 */
struct loaded {
	char name[48];
	uint64_t hash;
	int64_t initiate_at;	/* now_ms() */
	unsigned int backoff;	/* s */
};

/* The next wait of a series 1, 2, 4 ... s after @cur, at most @max. */
static unsigned int backoff_next(unsigned int cur, unsigned int max)
{
	cur = cur ? cur * 2 : 1;
	return cur < max ? cur : max;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sync {
	struct nl *nl;
	const struct ike_sync_opts *so;
	struct loaded *mem;
	size_t n_mem;
	bool backend_down;	/* logged once, until it is back */
	bool pending;		/* an initiator's CHILD_SA not up yet */
	struct skipped {	/* tunnels refused, and why (logged once) */
		char name[16];
		uint64_t why;
	} *skipped;
	size_t n_skipped;
	struct ike_backend be;	/* what charon has, read every pass */
};

static volatile sig_atomic_t got_hup, got_term;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	static int journal = -1;
	va_list ap;

	/* The journal stamps lines itself; a plain log file needs a time. */
	if (journal < 0)
		journal = !!getenv("JOURNAL_STREAM");
	if (!journal) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000);
	}
	fputs("gnvsecctl: ike sync: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define FNV1A_INIT	0xcbf29ce484222325ULL

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* Where swanctl looks for file @name of kind @sub (x509, private, ...). */
static const char *file_path(char *path, size_t size, const char *dir,
			     const char *sub, const char *name)
{
	if (name[0] == '/')
		snprintf(path, size, "%s", name);
	else
		snprintf(path, size, "%s/%s/%s", dir, sub, name);
	return path;
}

/* A file of the swanctl directory (or an absolute path), whole. */
static int read_file(const char *dir, const char *sub, const char *name,
		     char *buf, size_t *len, char *err, size_t errlen)
{
	char path[4096];
	ssize_t n;
	size_t got = 0;
	int fd;

	file_path(path, sizeof(path), dir, sub, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%.300s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf + got, FILE_MAX - got)) > 0)
		got += n;
	close(fd);
	if (n < 0 || got == FILE_MAX || !got) {
		snprintf(err, errlen, "%.300s: %s", path, n < 0 ? strerror(errno) :
			 got ? "too large" : "empty");
		return -1;
	}
	*len = got;
	return 0;
}

/*
 * The description as a load-conn message: the same elements, with the
 * contents of the certificate files where swanctl.conf names them.
 */
static int encode_conn(const struct conn_desc *c, const char *dir,
		       struct vici_msg *m, char *err, size_t errlen)
{
	static char data[FILE_MAX];
	size_t len;
	int i;

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
				if (read_file(dir, it->flags & CONF_CERT ?
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
	return 0;
}

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

static bool is_ours(const struct sync *s, const char *name)
{
	const char *p = s->so->ike.prefix;

	return !strncmp(name, p, strlen(p));
}

static struct loaded *remembered(struct sync *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_mem; i++)
		if (!strcmp(s->mem[i].name, name))
			return &s->mem[i];
	return NULL;
}

static void forget(struct sync *s, const char *name)
{
	struct loaded *l = remembered(s, name);

	if (l)
		*l = s->mem[--s->n_mem];
}

/*
 * Logs why a tunnel is refused the first time only (periodic passes repeat
 * it), and again when the reason changes.
 */
static void skip(struct sync *s, const char *name, const char *why)
{
	uint64_t h = fnv1a(FNV1A_INIT, why, strlen(why));
	size_t i;

	for (i = 0; i < s->n_skipped; i++)
		if (!strcmp(s->skipped[i].name, name))
			break;
	if (i < s->n_skipped && s->skipped[i].why == h)
		return;
	logmsg("%s", why);
	if (i == s->n_skipped) {
		s->skipped = ike_grow(s->skipped, s->n_skipped, sizeof(*s->skipped));
		snprintf(s->skipped[i].name, sizeof(s->skipped[i].name), "%s",
			 name);
		s->n_skipped++;
	}
	s->skipped[i].why = h;
}

static void unskip(struct sync *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_skipped; i++)
		if (!strcmp(s->skipped[i].name, name)) {
			s->skipped[i] = s->skipped[--s->n_skipped];
			return;
		}
}

static int bind_reqid(struct nl *nl, const struct tunnel *t, uint32_t reqid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = genl_msg(nl, buf, GNVSEC_CMD_TUNNEL_BIND, 0);
	mnl_attr_put_u32(nlh, GNVSEC_A_IFINDEX, t->ifindex);
	mnl_attr_put_u32(nlh, GNVSEC_A_REQID, reqid);
	return nl_talk(nl, nlh, NULL, NULL);
}

static int load_key(struct sync *s, int fd, char *err, size_t errlen)
{
	static char data[FILE_MAX];
	const struct ike_opts *o = &s->so->ike;
	struct vici_msg m = { 0 };
	char name[300];
	size_t len;
	int ret;

	if (o->key)
		snprintf(name, sizeof(name), "%s", o->key);
	else
		snprintf(name, sizeof(name), "%s-privkey.pem", o->local_id);
	if (read_file(s->so->swanctl_dir, "private", name, data, &len, err,
		      errlen))
		return -1;
	vici_kv_str(&m, "type", "any");
	vici_kv(&m, "data", data, len);
	ret = simple_cmd(fd, "load-key", &m, err, errlen);
	/* The key stays in charon only. */
	explicit_bzero(data, len);
	if (m.p)
		explicit_bzero(m.p, m.len);
	vici_msg_free(&m);
	return ret;
}

/* The local credentials, checked once per pass when first needed. */
struct creds {
	bool checked;
	char why[1024];		/* empty: they passed */
	char psk[256];		/* IKE_AUTH_PSK */
	time_t changed;		/* the newest of their files' mtimes */
};

/* Raises *@newest to the mtime of @path (if it can be read). */
static void note_mtime(time_t *newest, const char *path)
{
	struct stat st;

	if (!stat(path, &st) && st.st_mtime > *newest)
		*newest = st.st_mtime;
}

/*
 * What "gnvsecctl cert check" would say, before charon is given anything:
 * this chassis' certificate (CN = subjectAltName DNS = --local-id, chain
 * to the CA, or to itself when self-signed, its private key, validity),
 * and when self-signed the peer's certificate (CN = subjectAltName DNS =
 * the tunnel's chassis name, self-signed, valid); or the pre-shared key.
 * 0, with in *@changed when the files the tunnel's IKE_SA authenticates
 * with last changed, or -1 with the reason in @err.
 */
static int check_creds(struct sync *s, struct creds *cr,
		       const struct tunnel *t, time_t *changed, char *err,
		       size_t errlen)
{
	const struct ike_sync_opts *so = s->so;
	const struct ike_opts *o = &so->ike;
	char cert[4096], key[4096], ca[4096], peer[300], why[1024];

	if (!cr->checked) {
		cr->checked = true;
		if (o->auth == IKE_AUTH_PSK) {
			ike_read_psk(o->psk_file, cr->psk, sizeof(cr->psk),
				     cr->why, sizeof(cr->why));
			note_mtime(&cr->changed, o->psk_file);
		} else {
			file_path(cert, sizeof(cert), so->swanctl_dir, "x509",
				  ike_local_cert(o));
			if (o->key)
				file_path(key, sizeof(key), so->swanctl_dir,
					  "private", o->key);
			else
				snprintf(key, sizeof(key), "%s/private/%s-privkey.pem",
					 so->swanctl_dir, o->local_id);
			if (o->auth == IKE_AUTH_CA)
				file_path(ca, sizeof(ca), so->swanctl_dir,
					  "x509ca", o->ca);
			else
				snprintf(ca, sizeof(ca), "%s", cert);
			if (cert_verify(cert, key, ca, o->local_id, why,
					sizeof(why)))
				snprintf(cr->why, sizeof(cr->why),
					 "certificate %.300s of %.64s: %.600s", cert,
					 o->local_id, why);
			note_mtime(&cr->changed, cert);
			note_mtime(&cr->changed, key);
			note_mtime(&cr->changed, ca);
		}
	}
	if (cr->why[0]) {
		snprintf(err, errlen, "%s: not loaded: %s", t->name, cr->why);
		return -1;
	}
	*changed = cr->changed;
	if (o->auth != IKE_AUTH_SELF_SIGNED)
		return 0;
	ike_peer_cert(peer, sizeof(peer), t->chassis);
	file_path(cert, sizeof(cert), so->swanctl_dir, "x509", peer);
	note_mtime(changed, cert);
	if (cert_verify(cert, NULL, cert, t->chassis, why, sizeof(why))) {
		snprintf(err, errlen, "%s: not loaded: peer certificate %.300s "
			 "of %.64s: %.600s", t->name, cert, t->chassis, why);
		return -1;
	}
	return 0;
}

/*
 * The pre-shared key for connection @c, owned by the two identities, under
 * the connection's name (unload-shared removes it with the connection).
 */
static int load_psk(struct sync *s, int fd, const struct conn_desc *c,
		    const struct tunnel *t, const char *psk, char *err,
		    size_t errlen)
{
	struct vici_msg m = { 0 };
	int ret;

	vici_kv_str(&m, "id", c->name);
	vici_kv_str(&m, "type", "IKE");
	vici_kv_str(&m, "data", psk);
	vici_list(&m, "owners");
	vici_item(&m, s->so->ike.local_id, strlen(s->so->ike.local_id));
	vici_item(&m, t->chassis, strlen(t->chassis));
	vici_list_end(&m);
	ret = simple_cmd(fd, "load-shared", &m, err, errlen);
	if (m.p)
		explicit_bzero(m.p, m.len);
	vici_msg_free(&m);
	return ret;
}

enum { PASS_OK, PASS_PARTIAL, PASS_BACKEND_DOWN };

/*
 * Terminates the IKE_SAs of connection @name: sends the DELETE without
 * waiting, so the peer's SAs go too. @why is logged with it.
 */
static bool terminate_ike(int fd, const char *name, const char *why)
{
	struct vici_msg m = { 0 };
	char err[300];
	bool ok = true;

	vici_kv_str(&m, "ike", name);
	vici_kv_str(&m, "timeout", "-1");
	if (simple_cmd(fd, "terminate", &m, err, sizeof(err))) {
		logmsg("%s: %s", name, err);
		ok = false;
	} else {
		logmsg("terminated the SAs of %s%s", name, why);
	}
	vici_msg_free(&m);
	return ok;
}

/*
 * charon keeps the IKE_SA and CHILD_SA a connection negotiated when the
 * connection is loaded again. They go when the connection changed
 * (@changed_conn: the tunnel's addresses, mark, encapsulation) and the
 * kernel finds they no longer fit tunnel @t (not ACTIVE: a plain SA where
 * encapsulation is now forced, say); SAs the tunnel still takes stay,
 * since the peer may have negotiated them with the new configuration
 * already. They go too when the IKE_SA authenticated another chassis than
 * the tunnel names, which the kernel cannot see (its chassis name changed,
 * now or while this process was down).
 *
 * An IKE_SA older than the credential files it authenticated with
 * (@creds_changed: replaced while this process was down, or since its last
 * pass) goes as well, so that the next one authenticates with them.
 * "established" counts whole seconds (rounded down), so now minus it is
 * never before the IKE_SA was set up: files older than the IKE_SA never
 * count as newer. A file dated in the future is not counted: every new
 * IKE_SA would be older than it.
 *
 * Returns why @sa must go (in @buf or a constant), NULL if it stays.
 */
static const char *stale_sa(const struct ike_sa *sa, const struct tunnel *t,
			    bool changed_conn, time_t creds_changed, char *buf,
			    size_t len)
{
	time_t now = time(NULL);

	if (!sa)
		return NULL;
	if (!strcmp(sa->state, "ESTABLISHED") && sa->remote_id[0] &&
	    strcmp(sa->remote_id, t->chassis)) {
		snprintf(buf, len,
			 ": it authenticated \"%s\", the tunnel names \"%s\"",
			 sa->remote_id, t->chassis);
		return buf;
	}
	if (changed_conn && t->state != GNVSEC_STATE_ACTIVE)
		return ": its connection changed";
	if (sa->established >= 0 && creds_changed <= now &&
	    creds_changed > now - sa->established)
		return ": its credentials changed since it authenticated";
	return NULL;
}

/* Unloads connection @name (if loaded) and terminates its IKE_SAs. */
static bool drop_conn(struct sync *s, int fd, const char *conn)
{
	struct vici_msg m = { 0 };
	char err[300], name[48];
	bool ok = true;
	size_t i;

	/* @conn may be an entry of the lists changed below. */
	snprintf(name, sizeof(name), "%s", conn);

	if (ike_backend_has_conn(&s->be, name)) {
		vici_kv_str(&m, "name", name);
		if (simple_cmd(fd, "unload-conn", &m, err, sizeof(err))) {
			logmsg("%s: %s", name, err);
			ok = false;
		} else {
			logmsg("unloaded %s: no tunnel requires it", name);
		}
		vici_msg_free(&m);
	}
	forget(s, name);
	if (s->so->ike.auth == IKE_AUTH_PSK) {
		/* Its key, if it had one: nothing else uses it. */
		vici_kv_str(&m, "id", name);
		if (!simple_cmd(fd, "unload-shared", &m, err, sizeof(err)))
			logmsg("unloaded the pre-shared key of %s", name);
		vici_msg_free(&m);
	}
	if (ike_backend_sa(&s->be, name) && !terminate_ike(fd, name, ""))
		ok = false;
	/* Once is enough: the loop over the IKE_SAs must not do it again. */
	for (i = 0; i < s->be.n_sas; i++)
		if (!strcmp(s->be.sas[i].name, name))
			s->be.sas[i].name[0] = '\0';
	return ok;
}

static int pass(struct sync *s)
{
	const struct ike_sync_opts *so = s->so;
	struct tunnel_list l = { 0 };
	struct conn_desc *c;
	bool *want, key_loaded = false;
	struct creds creds = { 0 };
	char err[1400];
	struct global g;
	size_t i, j;
	int fd, e, ret = PASS_OK;

	fd = vici_open(so->vici, VICI_TIMEOUT_MS);
	e = fd < 0 ? fd : ike_backend_read(&s->be, fd);
	if (e && fd >= 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		if (!s->backend_down)
			logmsg("strongSwan unreachable at %s: %s%s", so->vici,
			       strerror(-e), so->watch ? " (retrying)" : "");
		s->backend_down = true;
		return PASS_BACKEND_DOWN;
	}
	if (s->backend_down)
		logmsg("strongSwan reachable again at %s", so->vici);
	s->backend_down = false;

	s->pending = false;
	global_get(s->nl, &g);
	tunnel_dump(s->nl, &l);
	c = calloc(l.n ? l.n : 1, sizeof(*c));
	want = calloc(l.n ? l.n : 1, sizeof(*want));
	if (!c || !want)
		die(EXIT_KERNEL, "out of memory");

	for (i = 0; i < l.n; i++) {
		const struct tunnel *t = &l.v[i];
		struct vici_msg m = { 0 };
		const struct ike_sa *sa;
		struct loaded *mem;
		time_t changed = 0;
		uint64_t hash;
		bool loaded, changed_conn;
		const char *stale;
		char why[300];

		if (!t->required)
			continue;
		if (ike_conn_describe(&c[i], t, &g, &so->ike, err, sizeof(err))) {
			skip(s, t->name, err);
			ret = PASS_PARTIAL;
			continue;
		}
		for (j = 0; j < i; j++)
			if (want[j] && c[j].reqid == c[i].reqid)
				break;
		if (j < i) {
			snprintf(err, sizeof(err), "%s: shares reqid %u with %s: "
				 "bind one to another reqid", t->name,
				 c[i].reqid, l.v[j].name);
			skip(s, t->name, err);
			ret = PASS_PARTIAL;
			continue;
		}
		if (encode_conn(&c[i], so->swanctl_dir, &m, err, sizeof(err))) {
			skip(s, t->name, err);
			vici_msg_free(&m);
			ret = PASS_PARTIAL;
			continue;
		}
		want[i] = true;
		if (check_creds(s, &creds, t, &changed, err, sizeof(err))) {
			/*
			 * Nothing is loaded with credentials that would not
			 * authenticate, or would authenticate the wrong
			 * chassis; what charon has stays (want[i]).
			 */
			skip(s, t->name, err);
			vici_msg_free(&m);
			ret = PASS_PARTIAL;
			continue;
		}
		unskip(s, t->name);

		/* The binding first: the connection's SAs are then the only ones. */
		if (!t->reqid) {
			int e = bind_reqid(s->nl, t, c[i].reqid);

			if (e) {
				logmsg("%s: binding to reqid %u: %s", t->name,
				       c[i].reqid, strerror(-e));
				vici_msg_free(&m);
				ret = PASS_PARTIAL;
				continue;
			}
			logmsg("bound %s to reqid %u", t->name, c[i].reqid);
		}

		hash = fnv1a(FNV1A_INIT, m.p, m.len);
		/* A new pre-shared key is a change too. */
		hash = fnv1a(hash, creds.psk, strlen(creds.psk));
		mem = remembered(s, c[i].name);
		loaded = false;
		/* Loaded again while charon holds the old one (below). */
		changed_conn = mem && mem->hash != hash &&
			       ike_backend_has_conn(&s->be, c[i].name);
		if (!ike_backend_has_conn(&s->be, c[i].name) || !mem || mem->hash != hash) {
			if (!key_loaded && so->ike.auth != IKE_AUTH_PSK &&
			    load_key(s, fd, err, sizeof(err))) {
				logmsg("private key of %s: %s", so->ike.local_id,
				       err);
				vici_msg_free(&m);
				ret = PASS_PARTIAL;
				continue;
			}
			key_loaded = true;
			if (so->ike.auth == IKE_AUTH_PSK &&
			    load_psk(s, fd, &c[i], t, creds.psk, err,
				     sizeof(err))) {
				logmsg("%s: %s", c[i].name, err);
				vici_msg_free(&m);
				ret = PASS_PARTIAL;
				continue;
			}
			if (simple_cmd(fd, "load-conn", &m, err, sizeof(err))) {
				logmsg("%s: %s", c[i].name, err);
				vici_msg_free(&m);
				ret = PASS_PARTIAL;
				continue;
			}
			logmsg("loaded %s: %s to %s, reqid %u, %s", c[i].name,
			       t->name, t->chassis, c[i].reqid,
			       c[i].initiator ? "initiator" : "responder");
			if (!mem) {
				s->mem = ike_grow(s->mem, s->n_mem, sizeof(*s->mem));
				mem = &s->mem[s->n_mem++];
				memset(mem, 0, sizeof(*mem));
				snprintf(mem->name, sizeof(mem->name), "%s",
					 c[i].name);
			}
			mem->hash = hash;
			loaded = true;
		}
		vici_msg_free(&m);

		sa = ike_backend_sa(&s->be, c[i].name);
		/*
		 * SAs that must go make way for new ones: the initiator
		 * starts them in a later pass, the tunnel refusing to send
		 * meanwhile.
		 */
		stale = stale_sa(sa, t, changed_conn, changed, why, sizeof(why));
		if (stale) {
			if (!terminate_ike(fd, c[i].name, stale))
				ret = PASS_PARTIAL;
			s->pending = s->pending || c[i].initiator;
			continue;
		}

		/*
		 * The initiator starts what is missing: an IKE_SA (and its
		 * CHILD_SA), or a CHILD_SA in an established IKE_SA. One
		 * that is being set up is left to finish. Not in the pass
		 * that loaded the connection: its trap may have caught a
		 * packet already, and charon would negotiate the acquire's
		 * CHILD_SA and the initiate's, two; the next pass (in a
		 * second, s->pending) sees the acquire's IKE_SA if there is
		 * one.
		 */
		if (c[i].initiator && (!sa || !sa->child_up))
			s->pending = true;
		if (sa && sa->child_up)
			mem->backoff = 0;
		/*
		 * A peer that refuses (wrong credentials, its connection not
		 * loaded) answers each attempt at once, and each failure is
		 * an event and a pass: the attempts back off per connection
		 * (1, 2, 4 ... s, up to the interval) so that such a tunnel
		 * does not renegotiate in a loop.
		 */
		if (c[i].initiator && !loaded && now_ms() >= mem->initiate_at &&
		    (!sa || (!sa->child_up && !strcmp(sa->state, "ESTABLISHED")))) {
			mem->backoff = backoff_next(mem->backoff, so->interval);
			mem->initiate_at = now_ms() + mem->backoff * 1000LL;
			vici_kv_str(&m, "child", c[i].name);
			vici_kv_str(&m, "ike", c[i].name);
			vici_kv_str(&m, "timeout", "-1");
			if (simple_cmd(fd, "initiate", &m, err, sizeof(err))) {
				logmsg("%s: %s", c[i].name, err);
				ret = PASS_PARTIAL;
			} else {
				logmsg("initiating %s", c[i].name);
			}
			vici_msg_free(&m);
		}
	}

	/* Ours that no tunnel wants: loaded connections, then SAs. */
	for (j = 0; j < s->be.n_conns + s->be.n_sas; j++) {
		const char *name = j < s->be.n_conns ? s->be.conns[j] :
				   s->be.sas[j - s->be.n_conns].name;

		if (!is_ours(s, name))
			continue;
		for (i = 0; i < l.n; i++)
			if (want[i] && !strcmp(c[i].name, name))
				break;
		if (i == l.n && !drop_conn(s, fd, name))
			ret = PASS_PARTIAL;
		if (i == l.n && j < s->be.n_conns)
			/* Unloaded: its name must not match again below. */
			s->be.conns[j][0] = '\0';
	}
	close(fd);
	explicit_bzero(creds.psk, sizeof(creds.psk));
	free(want);
	free(c);
	free(l.v);
	return ret;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* A vici connection that receives charon's up/down events; -1 if none. */
static int open_events(const struct ike_sync_opts *so)
{
	int fd = vici_open(so->vici, VICI_TIMEOUT_MS);

	if (fd < 0)
		return -1;
	if (vici_register(fd, "ike-updown", true) ||
	    vici_register(fd, "child-updown", true)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads what the gnvsec group sent; whether anything (or a loss) came. */
static bool drain_gnvsec(struct nl *ev)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool any = false;
	int ret;

	for (;;) {
		ret = recv(mnl_socket_get_fd(ev->sock), buf, sizeof(buf),
			   MSG_DONTWAIT);
		if (ret > 0) {
			any = true;
			continue;
		}
		if (ret < 0 && errno == EINTR)
			continue;
		/* ENOBUFS: events were lost; a full pass covers them. */
		if (ret < 0 && errno == ENOBUFS)
			any = true;
		return any;
	}
}

static int watch(struct sync *s)
{
	const struct ike_sync_opts *so = s->so;
	int64_t next = 0, dirty_at = -1, t;
	unsigned int backoff = 0, group;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, empty;
	struct pollfd pfd[2];
	struct nl ev;
	int vfd = -1, r;

	if (nl_open_genl(&ev))
		die(EXIT_KERNEL, "cannot open generic netlink: %s",
		    strerror(errno));
	group = ev.mcgrp_events;
	if (!group)
		die(EXIT_KERNEL, "the gnvsec family has no \"%s\" group",
		    GNVSEC_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(ev.sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		die(EXIT_KERNEL, "cannot join the \"%s\" group: %s",
		    GNVSEC_MCGRP_EVENTS, strerror(errno));

	/* Signals arrive only inside ppoll(): no check-then-sleep race. */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	logmsg("watching the tunnels for %s (strongSwan at %s)",
	       so->ike.local_id, so->vici);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			logmsg("refresh: loading every connection again");
			s->n_mem = 0;
			/* A refresh asks for now: an initiator retries in 1 s. */
			backoff = 0;
			next = 0;
		}
		t = now_ms();
		if (t >= next || (dirty_at >= 0 && t >= dirty_at)) {
			dirty_at = -1;
			r = pass(s);
			if (r == PASS_BACKEND_DOWN) {
				if (vfd >= 0)
					close(vfd);
				vfd = -1;
				backoff = backoff_next(backoff, so->interval);
				next = now_ms() + backoff * 1000LL;
			} else if (s->pending) {
				/*
				 * The peer may not have its connection yet: try
				 * again soon, then less and less often.
				 */
				backoff = backoff_next(backoff, so->interval);
				next = now_ms() + backoff * 1000LL;
				if (vfd < 0)
					vfd = open_events(so);
			} else {
				backoff = 0;
				next = now_ms() + so->interval * 1000LL;
				if (vfd < 0)
					vfd = open_events(so);
			}
			continue;
		}
		pfd[0].fd = mnl_socket_get_fd(ev.sock);
		pfd[0].events = POLLIN;
		pfd[1].fd = vfd;
		pfd[1].events = POLLIN;
		t = (dirty_at >= 0 && dirty_at < next ? dirty_at : next) - t;
		{
			struct timespec ts = {
				.tv_sec = t / 1000,
				.tv_nsec = t % 1000 * 1000000,
			};

			r = ppoll(pfd, vfd >= 0 ? 2 : 1, &ts, &empty);
		}
		if (r <= 0)
			continue;
		if ((pfd[0].revents & (POLLIN | POLLERR)) && drain_gnvsec(&ev) &&
		    dirty_at < 0)
			dirty_at = now_ms() + EVENT_DELAY_MS;
		if (vfd >= 0 && pfd[1].revents) {
			char name[256];
			struct vici_msg m;
			uint8_t type;

			if (vici_read(vfd, &type, name, &m)) {
				/* charon went away: find out at once. */
				close(vfd);
				vfd = -1;
				dirty_at = now_ms();
				continue;
			}
			vici_msg_free(&m);
			if (dirty_at < 0)
				dirty_at = now_ms() + EVENT_DELAY_MS;
		}
	}
	logmsg("stopped (the connections stay loaded)");
	if (vfd >= 0)
		close(vfd);
	nl_close(&ev);
	return EXIT_OK;
}

int ike_sync(struct nl *nl, const struct ike_sync_opts *so)
{
	struct sync s = { .nl = nl, .so = so };
	int r;

	nl_need_genl(nl);
	if (so->watch)
		return watch(&s);
	r = pass(&s);
	if (r == PASS_OK)
		return EXIT_OK;
	return EXIT_KERNEL;
}
