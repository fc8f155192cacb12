// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl ike sync: the reconciler that keeps an IKE daemon in step with
 * the namespace's tunnels: strongSwan's charon, through vici (charon.c),
 * or Libreswan's pluto, through whack and addconn (libreswan.c), behind
 * the one interface of struct ike_backend_ops. Below, "charon" stands for
 * either.
 *
 * Every pass compares what the kernel says (a tunnel dump: which tunnels
 * require IPsec, their addresses, chassis names, marks and bindings) with
 * what charon has (its connections and SAs), and makes charon match:
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

#define VICI_TIMEOUT_MS		15000
#define EVENT_DELAY_MS		300	/* gathers a burst of events */

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
	struct ike_daemon d;	/* the backend, and what it has */
};

static volatile sig_atomic_t got_hup, got_term;

void ike_log(const char *fmt, ...)
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
	uint64_t h = ike_hash(FNV1A_INIT, why, strlen(why));
	size_t i;

	for (i = 0; i < s->n_skipped; i++)
		if (!strcmp(s->skipped[i].name, name))
			break;
	if (i < s->n_skipped && s->skipped[i].why == h)
		return;
	ike_log("%s", why);
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
	char cert[4096], key[4096], ca[4096], peer[300], name[300];
	char why[1024];

	if (!cr->checked) {
		cr->checked = true;
		if (o->auth == IKE_AUTH_PSK) {
			ike_read_psk(o->psk_file, cr->psk, sizeof(cr->psk),
				     cr->why, sizeof(cr->why));
			note_mtime(&cr->changed, o->psk_file);
		} else {
			ike_file_path(cert, sizeof(cert), so->swanctl_dir,
				      "x509", ike_local_cert(o));
			ike_local_key(name, sizeof(name), o);
			ike_file_path(key, sizeof(key), so->swanctl_dir,
				      "private", name);
			if (o->auth == IKE_AUTH_CA)
				ike_file_path(ca, sizeof(ca), so->swanctl_dir,
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
	ike_file_path(cert, sizeof(cert), so->swanctl_dir, "x509", peer);
	note_mtime(changed, cert);
	if (cert_verify(cert, NULL, cert, t->chassis, why, sizeof(why))) {
		snprintf(err, errlen, "%s: not loaded: peer certificate %.300s "
			 "of %.64s: %.600s", t->name, cert, t->chassis, why);
		return -1;
	}
	return 0;
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

/*
 * Deletes the IKE_SAs of connection @name, and with them its CHILD_SAs on
 * both sides. @why is logged with it.
 */
static bool terminate_ike(struct sync *s, const char *name, const char *why)
{
	char err[300];

	if (s->d.ops->terminate(&s->d, name, err, sizeof(err))) {
		ike_log("%s: %s", name, err);
		return false;
	}
	ike_log("terminated the SAs of %s%s", name, why);
	return true;
}

/* Unloads connection @name (if loaded) and terminates its IKE_SAs. */
static bool drop_conn(struct sync *s, const char *conn)
{
	char err[300], name[48];
	bool ok = true;
	size_t i;

	/* @conn may be an entry of the lists changed below. */
	snprintf(name, sizeof(name), "%s", conn);

	if (s->d.ops->unload(&s->d, name, err, sizeof(err))) {
		ike_log("%s: %s", name, err);
		ok = false;
	}
	forget(s, name);
	if (ike_backend_sa(&s->d.be, name) && !terminate_ike(s, name, ""))
		ok = false;
	/* Once is enough: the loop over the IKE_SAs must not do it again. */
	for (i = 0; i < s->d.be.n_sas; i++)
		if (!strcmp(s->d.be.sas[i].name, name))
			s->d.be.sas[i].name[0] = '\0';
	return ok;
}

enum { PASS_OK, PASS_PARTIAL, PASS_BACKEND_DOWN };

static int pass(struct sync *s)
{
	const struct ike_sync_opts *so = s->so;
	const struct ike_backend_ops *ops = s->d.ops;
	struct tunnel_list l = { 0 };
	struct conn_desc *c;
	struct creds creds = { 0 };
	char err[1400];
	struct global g;
	size_t i, j;
	bool *want;
	int e, ret = PASS_OK;

	e = ops->open(&s->d);
	if (e) {
		if (!s->backend_down)
			ike_log("%s unreachable at %s: %s%s", ops->name,
				ops->where(&s->d), strerror(-e),
				so->watch ? " (retrying)" : "");
		s->backend_down = true;
		return PASS_BACKEND_DOWN;
	}
	if (s->backend_down)
		ike_log("%s reachable again at %s", ops->name, ops->where(&s->d));
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
		const struct ike_sa *sa;
		struct loaded *mem;
		time_t changed = 0;
		uint64_t hash;
		bool loaded, changed_conn, has_conn;
		const char *stale;
		char why[600];

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
		want[i] = true;
		if (check_creds(s, &creds, t, &changed, err, sizeof(err))) {
			/*
			 * Nothing is loaded with credentials that would not
			 * authenticate, or would authenticate the wrong
			 * chassis; what the daemon has stays (want[i]).
			 */
			skip(s, t->name, err);
			ret = PASS_PARTIAL;
			continue;
		}
		if (ops->prepare(&s->d, &c[i], t, creds.psk, &hash, why,
				 sizeof(why))) {
			snprintf(err, sizeof(err), "%s: not loaded: %s", t->name,
				 why);
			skip(s, t->name, err);
			ret = PASS_PARTIAL;
			continue;
		}
		unskip(s, t->name);

		/* The binding first: the connection's SAs are then the only ones. */
		if (!t->reqid) {
			e = bind_reqid(s->nl, t, c[i].reqid);
			if (e) {
				ike_log("%s: binding to reqid %u: %s", t->name,
					c[i].reqid, strerror(-e));
				ret = PASS_PARTIAL;
				continue;
			}
			ike_log("bound %s to reqid %u", t->name, c[i].reqid);
		}

		mem = remembered(s, c[i].name);
		has_conn = ike_backend_has_conn(&s->d.be, c[i].name);
		loaded = false;
		/* Loaded again while the daemon holds the old one (below). */
		changed_conn = mem && mem->hash != hash && has_conn;
		if (!has_conn || !mem || mem->hash != hash) {
			/* A daemon that has it from an earlier run keeps it. */
			if (!mem && has_conn && ops->current &&
			    ops->current(&s->d, c[i].name, hash)) {
				ike_log("kept %s: %s has it as described",
					c[i].name, ops->name);
			} else if (ops->load(&s->d, &c[i], t, creds.psk, err,
					     sizeof(err))) {
				ike_log("%s: %s", c[i].name, err);
				ret = PASS_PARTIAL;
				continue;
			} else {
				ike_log("loaded %s: %s to %s, reqid %u, %s",
					c[i].name, t->name, t->chassis,
					c[i].reqid, c[i].initiator ?
					"initiator" : "responder");
				loaded = true;
			}
			if (!mem) {
				s->mem = ike_grow(s->mem, s->n_mem, sizeof(*s->mem));
				mem = &s->mem[s->n_mem++];
				memset(mem, 0, sizeof(*mem));
				snprintf(mem->name, sizeof(mem->name), "%s",
					 c[i].name);
			}
			mem->hash = hash;
		}

		sa = ike_backend_sa(&s->d.be, c[i].name);
		/*
		 * SAs that must go make way for new ones: the initiator
		 * starts them in a later pass, the tunnel refusing to send
		 * meanwhile.
		 */
		stale = stale_sa(sa, t, changed_conn, changed, why, sizeof(why));
		if (stale) {
			if (!terminate_ike(s, c[i].name, stale))
				ret = PASS_PARTIAL;
			s->pending = s->pending || c[i].initiator;
			continue;
		}

		/*
		 * The initiator starts what is missing: an IKE_SA (and its
		 * CHILD_SA), or a CHILD_SA in an established IKE_SA. One
		 * that is being set up is left to finish. Not in the pass
		 * that loaded the connection: its trap may have caught a
		 * packet already, and the daemon would negotiate the
		 * acquire's CHILD_SA and the initiate's, two; the next pass
		 * (in a second, s->pending) sees the acquire's IKE_SA if
		 * there is one.
		 */
		if (c[i].initiator && (!sa || !sa->child_up))
			s->pending = true;
		if (sa && sa->child_up)
			mem->backoff = 0;
		/*
		 * No crossing streams, whatever the daemon did by itself: a
		 * second CHILD_SA goes. The initiator alone deletes it: both
		 * sides deleting at once could each keep a different one
		 * (their state numbers are their own) and leave none.
		 */
		if (c[i].initiator && sa && sa->n_children > 1 && ops->trim &&
		    ops->trim(&s->d, c[i].name, err, sizeof(err))) {
			ike_log("%s: %s", c[i].name, err);
			ret = PASS_PARTIAL;
		}
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
			e = ops->initiate(&s->d, c[i].name, err, sizeof(err));
			if (e < 0) {
				ike_log("%s: %s", c[i].name, err);
				ret = PASS_PARTIAL;
			} else if (!e) {
				ike_log("initiating %s", c[i].name);
			}
		}
	}

	/* Ours that no tunnel wants: loaded connections, then SAs. */
	for (j = 0; j < s->d.be.n_conns + s->d.be.n_sas; j++) {
		const char *name = j < s->d.be.n_conns ? s->d.be.conns[j] :
				   s->d.be.sas[j - s->d.be.n_conns].name;

		if (!name[0] || !is_ours(s, name))
			continue;
		for (i = 0; i < l.n; i++)
			if (want[i] && !strcmp(c[i].name, name))
				break;
		if (i == l.n && !drop_conn(s, name))
			ret = PASS_PARTIAL;
		if (i == l.n && j < s->d.be.n_conns)
			/* Unloaded: its name must not match again below. */
			s->d.be.conns[j][0] = '\0';
	}
	ops->close(&s->d);
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

	ike_log("watching the tunnels for %s (%s at %s)", so->ike.local_id,
		s->d.ops->name, s->d.ops->where(&s->d));
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			ike_log("refresh: loading every connection again");
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
					vfd = s->d.ops->events(&s->d);
			} else {
				backoff = 0;
				next = now_ms() + so->interval * 1000LL;
				if (vfd < 0)
					vfd = s->d.ops->events(&s->d);
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
			if (s->d.ops->event(&s->d, vfd)) {
				/* The daemon went away: find out at once. */
				close(vfd);
				vfd = -1;
				dirty_at = now_ms();
				continue;
			}
			if (dirty_at < 0)
				dirty_at = now_ms() + EVENT_DELAY_MS;
		}
	}
	ike_log("stopped (the connections stay loaded)");
	if (vfd >= 0)
		close(vfd);
	nl_close(&ev);
	return EXIT_OK;
}

int ike_sync(struct nl *nl, const struct ike_sync_opts *so)
{
	struct sync s = {
		.nl = nl,
		.so = so,
		.d = {
			.ops = so->backend == IKE_LIBRESWAN ? &ike_libreswan :
							      &ike_strongswan,
			.so = so,
			.fd = -1,
		},
	};
	int r;

	nl_need_genl(nl);
	if (so->watch)
		return watch(&s);
	r = pass(&s);
	if (r == PASS_OK)
		return EXIT_OK;
	return EXIT_KERNEL;
}
