// SPDX-License-Identifier: GPL-2.0
/*
 * The reconciler's Libreswan backend: pluto, driven as its own tools drive
 * it. Each connection is written as an ipsec.conf "conn" section to
 * IPSEC_DIR/NAME.conf (--ipsec-dir, default /etc/ipsec.d), translated from
 * the one description (ike_conn_describe), and given to pluto with
 * "addconn --config FILE NAME"; a pre-shared key goes to
 * IPSEC_DIR/NAME.secrets (which the stock ipsec.secrets includes) and pluto
 * rereads its secrets; certificates are imported into pluto's NSS
 * database (--nss-dir) with certutil and pk12util, under the chassis'
 * names. whack --status tells what pluto has; whack --initiate,
 * --terminate and --delete do the rest, on pluto's control socket
 * (--ctlsocket).
 *
 * Where it differs from strongSwan:
 *   - pluto replaces a connection that is added again, and deletes its
 *     SAs with it: the first line of each file holds the hash of what it
 *     was written from, so that a reconciler started again keeps what
 *     pluto has when nothing changed (current());
 *   - a reqid set by hand must be 1 to 16383 (above, Libreswan takes
 *     reqid + 1 for ESP): a tunnel bound to a larger one is refused, with
 *     the command that rebinds it;
 *   - pluto sends no events: the reconciler watches the control socket's
 *     directory (pluto started or stopped) and otherwise polls, every
 *     second while a CHILD_SA is missing and every --interval after.
 */

#define _GNU_SOURCE	/* asprintf, pipe2, mkostemp */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ike.h"

#define LIBEXEC		"/usr/libexec/ipsec"
#define REQID_MAX	16383	/* IPSEC_MANUAL_REQID_MAX */
#define HASH_TAG	"# gnvsec-hash: "
#define TOOL_TIMEOUT_S	30	/* whack, addconn, certutil ... */

/* A growing text buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die(EXIT_KERNEL, "out of memory");
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_add(b, line, (size_t)n < sizeof(line) ? (size_t)n :
			sizeof(line) - 1);
}

/*
 * Runs @argv (a NULL-terminated list, argv[0] a path) with stdout and
 * stderr into @out (may be NULL); its exit status, or -errno if it could
 * not run.
 */
static int run(struct buf *out, const char *const argv[])
{
	char chunk[4096];
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		/* Nothing of ours (netlink sockets) goes to the tools. */
		close_range(3, ~0U, 0);
		/* A hung pluto must not hang the reconciler: whack waits for it. */
		alarm(TOOL_TIMEOUT_S);
		execv(argv[0], (char *const *)argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (out)
			buf_add(out, chunk, n);
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * whack's lines start with a three-digit code; 20 to 99 are its errors
 * (RC_DUPNAME ...). The first error line into @err, and -1; else 0. With
 * --asynchronous its exit status says nothing.
 */
static int whack_error(const struct buf *out, int status, char *err,
		       size_t errlen)
{
	const char *l = out->p ? out->p : "";

	for (; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		int code;

		if (!isdigit((unsigned char)l[0]) || !isdigit((unsigned char)l[1]) ||
		    !isdigit((unsigned char)l[2]) || l[3] != ' ')
			continue;
		code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
		if (code >= 20 && code < 100) {
			snprintf(err, errlen, "%.*s", (int)strcspn(l + 4, "\n"),
				 l + 4);
			return -1;
		}
	}
	if (status) {
		snprintf(err, errlen, "whack: exit status %d: %.200s", status,
			 out->p ? out->p : "");
		return -1;
	}
	return 0;
}

/* whack ARGS... on the control socket; 0, or -1 with its error. */
static int whack(const struct ike_daemon *d, char *err, size_t errlen,
		 const char *a1, const char *a2, const char *a3,
		 const char *a4)
{
	const char *argv[] = { LIBEXEC "/whack", "--ctlsocket",
			       d->so->ctlsocket, a1, a2, a3, a4, NULL };
	struct buf out = { 0 };
	int st, ret;

	st = run(&out, argv);
	if (st < 0) {
		snprintf(err, errlen, "%s: %s", argv[0], strerror(-st));
		ret = -1;
	} else {
		ret = whack_error(&out, st, err, errlen);
	}
	free(out.p);
	return ret;
}

static const char *lsw_where(const struct ike_daemon *d)
{
	return d->so->ctlsocket;
}

/*
 * Whether pluto may be there: its control socket exists (connecting to
 * it here would cost pluto a log line; whack finds out the rest).
 */
static int ctl_probe(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	return S_ISSOCK(st.st_mode) ? 0 : -ENOTSOCK;
}

/* The entry of connection @name in b->sas; made if @make, else NULL. */
static struct ike_sa *sa_of(struct ike_backend *b, const char *name, bool make)
{
	struct ike_sa *sa;
	size_t i;

	for (i = 0; i < b->n_sas; i++)
		if (!strcmp(b->sas[i].name, name))
			return &b->sas[i];
	if (!make)
		return NULL;
	b->sas = ike_grow(b->sas, b->n_sas, sizeof(*b->sas));
	sa = &b->sas[b->n_sas++];
	memset(sa, 0, sizeof(*sa));
	snprintf(sa->name, sizeof(sa->name), "%s", name);
	sa->established = -1;
	snprintf(sa->state, sizeof(sa->state), "CONNECTING");
	return sa;
}

/* The connection name between the first two quotes of @p, or NULL. */
static const char *quoted(const char *p, char *name, size_t len)
{
	const char *q;

	p = strchr(p, '"');
	q = p ? strchr(p + 1, '"') : NULL;
	if (!q || (size_t)(q - p - 1) >= len)
		return NULL;
	snprintf(name, len, "%.*s", (int)(q - p - 1), p + 1);
	return q + 1;
}

/*
 * whack --status lists the connections, then the states:
 *   000 "NAME": 10.0.0.1[@hv-a]...10.0.0.2[@hv-b] ...
 *   000 "NAME":   our idtype: ID_FQDN; our id=@hv-a; ...; their id=@hv-b
 *   000 #2: "NAME":500 STATE_V2_ESTABLISHED_CHILD_SA (established ...
 * One ike_sa per connection that has states: ESTABLISHED when one of its
 * IKE SAs is, its CHILD_SA "INSTALLED" when one of its Child SAs is; the
 * remote identity is the connection's (pluto authenticates no other).
 */
static void parse_status(struct ike_backend *b, const char *text)
{
	char line[1024], name[48];
	const char *l, *p, *q;
	struct ike_sa *sa;
	size_t len;
	int round;

	b->n_sas = b->n_conns = 0;
	/* The states first: then the connections know which have SAs. */
	for (round = 0; round < 2; round++) {
		for (l = text; *l; l += len + !!l[len]) {
			len = strcspn(l, "\n");
			snprintf(line, sizeof(line), "%.*s", (int)len, l);
			p = line;
			if (!strncmp(p, "000 ", 4))
				p += 4;
			if (*p == '#' && round == 0) {
				q = quoted(p, name, sizeof(name));
				if (!q)
					continue;
				sa = sa_of(b, name, true);
				if (strstr(q, " STATE_V2_ESTABLISHED_IKE_SA "))
					snprintf(sa->state, sizeof(sa->state),
						 "ESTABLISHED");
				if (strstr(q, " STATE_V2_ESTABLISHED_CHILD_SA ")) {
					snprintf(sa->child_state,
						 sizeof(sa->child_state),
						 "INSTALLED");
					sa->child_up = true;
					sa->n_children++;
				}
				continue;
			}
			if (*p != '"' || round == 0)
				continue;
			q = quoted(p, name, sizeof(name));
			/* "NAME": exactly; instances ("NAME"[1]) are not ours */
			if (!q || *q != ':')
				continue;
			if (!ike_backend_has_conn(b, name)) {
				b->conns = ike_grow(b->conns, b->n_conns,
						    sizeof(*b->conns));
				b->kept_up = ike_grow(b->kept_up, b->n_conns,
						      sizeof(*b->kept_up));
				b->kept_up[b->n_conns] = false;
				snprintf(b->conns[b->n_conns++], sizeof(*b->conns),
					 "%s", name);
			}
			/*
			 * "policy: IKEv2+...+UP+...;": initiated once, pluto
			 * keeps it up, reviving it after every failure.
			 */
			p = strstr(q, "policy: ");
			if (p && (strstr(p, "+UP+") || strstr(p, "+UP;")))
				for (size_t i = 0; i < b->n_conns; i++)
					if (!strcmp(b->conns[i], name))
						b->kept_up[i] = true;
			q = strstr(q, "their id=");
			sa = q ? sa_of(b, name, false) : NULL;
			if (sa) {
				q += strlen("their id=");
				q += *q == '@';
				snprintf(sa->remote_id, sizeof(sa->remote_id),
					 "%.*s", (int)strcspn(q, "; "), q);
			}
		}
	}
}

static int lsw_open(struct ike_daemon *d)
{
	const char *argv[] = { LIBEXEC "/whack", "--ctlsocket",
			       d->so->ctlsocket, "--status", NULL };
	struct buf out = { 0 };
	int e, st;

	e = ctl_probe(d->so->ctlsocket);
	if (e)
		return e;
	st = run(&out, argv);
	if (st) {
		free(out.p);
		return st < 0 ? st : -ECONNREFUSED;
	}
	parse_status(&d->be, out.p ? out.p : "");
	free(out.p);
	return 0;
}

static void lsw_close(struct ike_daemon *d)
{
	free(d->text);
	d->text = NULL;
}

/* strongSwan time (digits, then s, m, h or d) in seconds. */
static unsigned long seconds(const char *v)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	switch (*end) {
	case 'm':
		return n * 60;
	case 'h':
		return n * 3600;
	case 'd':
		return n * 86400;
	}
	return n;
}

/*
 * An identity written unquoted into ipsec.conf and ipsec.secrets as
 * @NAME: a host-name-like one, nothing the parsers would split or take
 * for a comment.
 */
static bool id_ok(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr(".-_", *v))
			return false;
	return true;
}

/*
 * pluto signs with the kind of key authby names: "ecdsa" for an EC key,
 * else "rsasig" (what this chassis' certificate holds; its peers are
 * expected to hold the same kind, as one CA issues them).
 */
static const char *key_kind(const struct ike_daemon *d)
{
	char path[4096];
	const char *kind = "rsasig";
	X509 *x = NULL;
	FILE *f;

	ike_file_path(path, sizeof(path), d->so->swanctl_dir, "x509",
		      ike_local_cert(&d->so->ike));
	f = fopen(path, "re");
	if (f) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (x && X509_get0_pubkey(x) &&
	    EVP_PKEY_base_id(X509_get0_pubkey(x)) == EVP_PKEY_EC)
		kind = "ecdsa";
	X509_free(x);
	return kind;
}

/* A traffic selector, "ADDR/LEN[udp]" or "dynamic[udp]", as SIDE's. */
static int add_ts(struct buf *b, const char *side, const char *v)
{
	size_t n = strcspn(v, "[");

	if (strcmp(v + n, "[udp]"))
		return -1;
	if (strncmp(v, "dynamic", n))
		buf_printf(b, "\t%ssubnet=%.*s\n", side, (int)n, v);
	buf_printf(b, "\t%sprotoport=udp\n", side);
	return 0;
}

/*
 * One element of the description, in ipsec.conf terms. @sect is the
 * section it is in: "conn", "local", "remote" or "child". -1 when there
 * is no Libreswan equivalent: a description grown without this backend.
 */
static int translate(struct buf *b, const struct ike_daemon *d,
		     const struct conn_desc *c, const struct tunnel *t,
		     const char *sect,
		     const struct conf_item *it, char *err, size_t errlen)
{
	const char *k = it->key, *v = it->value;
	const char *side = !strcmp(sect, "local") ? "left" : "right";

	if (!strcmp(sect, "conn")) {
		if (!strcmp(k, "version") && !strcmp(v, "2"))
			buf_printf(b, "\tikev2=insist\n");
		else if (!strcmp(k, "local_addrs"))
			buf_printf(b, "\tleft=%s\n", strcmp(v, "%any") ? v :
				   "%defaultroute");
		else if (!strcmp(k, "remote_addrs"))
			buf_printf(b, "\tright=%s\n", v);
		else if (!strcmp(k, "proposals") &&
			 !strcmp(v, "aes256gcm16-prfsha256-ecp256"))
			buf_printf(b, "\tike=aes_gcm256-sha2_256-dh19\n");
		else if (!strcmp(k, "mobike"))
			buf_printf(b, "\tmobike=%s\n", v);
		else if (!strcmp(k, "encap") && !strcmp(v, "yes"))
			buf_printf(b, "\tencapsulation=yes\n");
		else if (!strcmp(k, "dpd_delay"))
			buf_printf(b, "\tdpddelay=%lu\n", seconds(v));
		else
			goto none;
		return 0;
	}
	if (!strcmp(sect, "local") || !strcmp(sect, "remote")) {
		if (!strcmp(k, "auth")) {
			/* One authby for both ends. */
			if (!strcmp(sect, "local"))
				buf_printf(b, "\tauthby=%s\n", !strcmp(v, "psk") ?
					   "secret" : key_kind(d));
		} else if (!strcmp(k, "id")) {
			if (!id_ok(v)) {
				snprintf(err, errlen, "identity \"%s\": "
					 "Libreswan takes host-name-like ones "
					 "(letters, digits, '.', '-', '_')", v);
				return -1;
			}
			buf_printf(b, "\t%sid=@%s\n", side, v);
		} else if (!strcmp(k, "certs") && !strcmp(sect, "local")) {
			/* imported into NSS under the chassis' name */
			buf_printf(b, "\tleftcert=%s\n", d->so->ike.local_id);
		} else if (!strcmp(k, "certs")) {
			/* the peer's own, imported under its name */
			buf_printf(b, "\trightcert=%s\n", t->chassis);
		} else if (!strcmp(k, "cacerts")) {
			/* the CA of our own certificate, which cert check ties to --ca */
			buf_printf(b, "\trightca=%%same\n");
		} else {
			goto none;
		}
		return 0;
	}
	if (!strcmp(k, "mode") && !strcmp(v, "transport")) {
		buf_printf(b, "\ttype=transport\n");
	} else if (!strcmp(k, "local_ts") || !strcmp(k, "remote_ts")) {
		if (add_ts(b, !strcmp(k, "local_ts") ? "left" : "right", v))
			goto none;
	} else if (!strcmp(k, "mark_out")) {
		buf_printf(b, "\tmark-out=%s\n", v);
	} else if (!strcmp(k, "reqid")) {
		if (strtoul(v, NULL, 10) > REQID_MAX) {
			snprintf(err, errlen, "bound to reqid %s; Libreswan "
				 "takes reqids 1 to %d: gnvsecctl tunnel bind "
				 "%s reqid N, N in that range", v, REQID_MAX,
				 t->name);
			return -1;
		}
		buf_printf(b, "\treqid=%s\n", v);
	} else if (!strcmp(k, "esp_proposals") &&
		   !strcmp(v, "aes256gcm16-ecp256")) {
		buf_printf(b, "\tesp=aes_gcm256\n\tpfs=yes\n");
	} else if (!strcmp(k, "rekey_time")) {
		/* pluto rekeys a margin before the lifetime ends */
		unsigned long t = seconds(v), m = t / 10 ? t / 10 : 1;

		buf_printf(b, "\tsalifetime=%lus\n\trekeymargin=%lus\n"
			   "\trekeyfuzz=0%%\n", t + m, m);
	} else if (!strcmp(k, "start_action")) {
		buf_printf(b, "\tauto=%s\n", !strcmp(v, "trap") ? "ondemand" :
			   !strcmp(v, "start") ? "start" : "add");
	} else if (!strcmp(k, "dpd_action")) {
		buf_printf(b, "\tdpdaction=%s\n", !strcmp(v, "trap") ?
			   "restart" : "clear");
	} else if (strcmp(k, "close_action")) {
		/* close_action: pluto keeps an ondemand connection routed */
		goto none;
	}
	return 0;
none:
	snprintf(err, errlen, "no Libreswan equivalent of %s = %s", k, v);
	return -1;
}

/* The certificate files a tunnel's connection uses, for the hash. */
static int hash_files(const struct ike_daemon *d, const struct tunnel *t,
		      uint64_t *h, char *err, size_t errlen)
{
	static char data[IKE_FILE_MAX];
	const struct ike_opts *o = &d->so->ike;
	const char *dir = d->so->swanctl_dir;
	char key[300], peer[300];
	size_t len;

	if (o->auth == IKE_AUTH_PSK)
		return 0;
	ike_local_key(key, sizeof(key), o);
	if (ike_read_file(dir, "x509", ike_local_cert(o), data, &len, err, errlen))
		return -1;
	*h = ike_hash(*h, data, len);
	if (ike_read_file(dir, "private", key, data, &len, err, errlen))
		return -1;
	*h = ike_hash(*h, data, len);
	explicit_bzero(data, len);
	if (o->auth == IKE_AUTH_CA) {
		if (ike_read_file(dir, "x509ca", o->ca, data, &len, err, errlen))
			return -1;
	} else {
		ike_peer_cert(peer, sizeof(peer), t->chassis);
		if (ike_read_file(dir, "x509", peer, data, &len, err, errlen))
			return -1;
	}
	*h = ike_hash(*h, data, len);
	return 0;
}

static int lsw_prepare(struct ike_daemon *d, const struct conn_desc *c,
		       const struct tunnel *t, const char *psk, uint64_t *hash,
		       char *err, size_t errlen)
{
	/* the description: CONN { ... local { } remote { } children { CHILD { } } } */
	const char *sub = "";	/* the section at depth 2: local, remote */
	struct buf b = { 0 };
	uint64_t h;
	int i, depth = 0;

	buf_printf(&b, "conn %s\n", c->name);
	for (i = 0; i < c->n; i++) {
		const struct conf_item *it = &c->v[i];

		if (it->type == CONF_SECTION) {
			if (++depth == 2)
				sub = it->key;
			continue;
		}
		if (it->type == CONF_END) {
			depth--;
			continue;
		}
		if (depth < 1 || depth > 3 ||
		    translate(&b, d, c, t, depth == 1 ? "conn" : depth == 2 ?
			      sub : "child", it, err, errlen)) {
			free(b.p);
			return -1;
		}
	}
	/* No updown script: transport mode needs no routes or firewall. */
	buf_printf(&b, "\tleftupdown=%%disabled\n");
	h = ike_hash(FNV1A_INIT, b.p, b.len);
	h = ike_hash(h, psk, strlen(psk));
	if (hash_files(d, t, &h, err, errlen)) {
		free(b.p);
		return -1;
	}
	free(d->text);
	d->text = NULL;
	if (asprintf(&d->text, HASH_TAG "%016llx\n%s",
		     (unsigned long long)h, b.p) < 0)
		die(EXIT_KERNEL, "out of memory");
	free(b.p);
	*hash = h;
	return 0;
}

/* IPSEC_DIR/NAME.EXT */
static void conn_file(char *path, size_t len, const struct ike_daemon *d,
		      const char *name, const char *ext)
{
	snprintf(path, len, "%s/%s.%s", d->so->ipsec_dir, name, ext);
}

static bool lsw_current(struct ike_daemon *d, const char *name, uint64_t hash)
{
	char path[4096], line[64], want[64];
	FILE *f;
	bool same;

	conn_file(path, sizeof(path), d, name, "conf");
	f = fopen(path, "re");
	if (!f)
		return false;
	snprintf(want, sizeof(want), HASH_TAG "%016llx\n",
		 (unsigned long long)hash);
	same = fgets(line, sizeof(line), f) && !strcmp(line, want);
	fclose(f);
	return same;
}

/* Writes @len bytes of @data to @path whole or not at all, mode @mode. */
static int write_file(const char *path, const char *data, size_t len,
		      mode_t mode, char *err, size_t errlen)
{
	char tmp[4200];
	ssize_t n;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		goto fail;
	n = write(fd, data, len);
	if (n != (ssize_t)len || fsync(fd)) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	close(fd);
	if (rename(tmp, path)) {
		unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "%.300s: %s", path, strerror(errno ? errno : EIO));
	return -1;
}

/* Runs a credentials tool; 0, or -1 with its output in @err. */
static int tool(const char *const argv[], bool quiet_fail, char *err,
		size_t errlen)
{
	struct buf out = { 0 };
	int st = run(&out, argv);

	if (st && !quiet_fail)
		snprintf(err, errlen, "%s: %s", argv[0], st < 0 ?
			 strerror(-st) : out.p ? out.p : "failed");
	free(out.p);
	return st ? -1 : 0;
}

/* Certificate @file (under sub/ of the credentials) as NSS's @nick. */
static int nss_cert(const struct ike_daemon *d, const char *sub,
		    const char *file, const char *nick, const char *trust,
		    char *err, size_t errlen)
{
	char db[4200], path[4096];
	const char *del[] = { "/usr/bin/certutil", "-D", "-d", db, "-n", nick,
			      NULL };
	const char *add[] = { "/usr/bin/certutil", "-A", "-d", db, "-n", nick,
			      "-t", trust, "-a", "-i", path, NULL };
	int i;

	snprintf(db, sizeof(db), "sql:%s", d->so->nss_dir);
	ike_file_path(path, sizeof(path), d->so->swanctl_dir, sub, file);
	/* The old one, if any, goes first: NSS would keep both. */
	for (i = 0; i < 8 && !tool(del, true, err, errlen); i++)
		;
	return tool(add, false, err, errlen);
}

/* This chassis' certificate and key, as NSS's LOCAL_ID (via PKCS#12). */
static int nss_local(const struct ike_daemon *d, char *err, size_t errlen)
{
	const struct ike_opts *o = &d->so->ike;
	char db[4200], cert[4096], key[4096], name[300], p12[4200];
	const char *del[] = { "/usr/bin/certutil", "-F", "-d", db, "-n",
			      o->local_id, NULL };
	const char *exp[] = { "/usr/bin/openssl", "pkcs12", "-export", "-in",
			      cert, "-inkey", key, "-name", o->local_id,
			      "-passout", "pass:", "-out", p12, NULL };
	const char *imp[] = { "/usr/bin/pk12util", "-d", db, "-i", p12, "-W",
			      "", "-K", "", NULL };
	int fd, ret, i;

	snprintf(db, sizeof(db), "sql:%s", d->so->nss_dir);
	ike_file_path(cert, sizeof(cert), d->so->swanctl_dir, "x509",
		      ike_local_cert(o));
	ike_local_key(name, sizeof(name), o);
	ike_file_path(key, sizeof(key), d->so->swanctl_dir, "private", name);
	/* The key passes through a file only this user reads, briefly. */
	snprintf(p12, sizeof(p12), "%s/.gnvsec-XXXXXX", d->so->ipsec_dir);
	fd = mkostemp(p12, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%.300s: %s", p12, strerror(errno));
		return -1;
	}
	close(fd);
	for (i = 0; i < 8 && !tool(del, true, err, errlen); i++)
		;
	ret = tool(exp, false, err, errlen);
	if (!ret)
		ret = tool(imp, false, err, errlen);
	unlink(p12);
	return ret;
}

/*
 * What the connection authenticates with, where pluto finds it: the
 * pre-shared key in NAME.secrets; this chassis' certificate and key and
 * the CA (when they changed since this process gave them) or the peer's
 * certificate in NSS.
 */
static int lsw_creds(struct ike_daemon *d, const struct conn_desc *c,
		     const struct tunnel *t, const char *psk, char *err,
		     size_t errlen)
{
	const struct ike_opts *o = &d->so->ike;
	char path[4096], peer[300], *text;
	uint64_t h = FNV1A_INIT;
	int ret;

	if (o->auth == IKE_AUTH_PSK) {
		conn_file(path, sizeof(path), d, c->name, "secrets");
		if (asprintf(&text, "@%s @%s : PSK \"%s\"\n", o->local_id,
			     t->chassis, psk) < 0)
			die(EXIT_KERNEL, "out of memory");
		ret = write_file(path, text, strlen(text), 0600, err, errlen);
		explicit_bzero(text, strlen(text));
		free(text);
		if (ret)
			return -1;
		return whack(d, err, errlen, "--rereadsecrets", NULL, NULL, NULL);
	}
	/* Files read again: the hash of the local ones without the peer's. */
	if (hash_files(d, t, &h, err, errlen))
		return -1;
	if (h != d->nss_hash || o->auth == IKE_AUTH_SELF_SIGNED) {
		if (nss_local(d, err, errlen))
			return -1;
		if (o->auth == IKE_AUTH_CA &&
		    nss_cert(d, "x509ca", o->ca, "gnvsec-ca", "CT,,", err, errlen))
			return -1;
		d->nss_hash = h;
	}
	if (o->auth == IKE_AUTH_SELF_SIGNED) {
		ike_peer_cert(peer, sizeof(peer), t->chassis);
		if (nss_cert(d, "x509", peer, t->chassis, "P,,", err, errlen))
			return -1;
	}
	return 0;
}

static int lsw_load(struct ike_daemon *d, const struct conn_desc *c,
		    const struct tunnel *t, const char *psk, char *err,
		    size_t errlen)
{
	char path[4096];
	const char *argv[] = { LIBEXEC "/addconn", "--ctlsocket",
			       d->so->ctlsocket, "--config", path, c->name,
			       NULL };
	struct buf out = { 0 };
	int st;

	if (lsw_creds(d, c, t, psk, err, errlen))
		return -1;
	conn_file(path, sizeof(path), d, c->name, "conf");
	if (write_file(path, d->text, strlen(d->text), 0644, err, errlen))
		return -1;
	st = run(&out, argv);
	if (st) {
		snprintf(err, errlen, "addconn: %s", st < 0 ? strerror(-st) :
			 out.p ? out.p : "failed");
		free(out.p);
		return -1;
	}
	free(out.p);
	/* The initiator's trap: the first packet starts the negotiation. */
	if (c->initiator)
		return whack(d, err, errlen, "--route", "--name", c->name, NULL);
	return 0;
}

static int lsw_unload(struct ike_daemon *d, const char *name, char *err,
		      size_t errlen)
{
	char path[4096];
	size_t i;

	if (ike_backend_has_conn(&d->be, name)) {
		/* pluto deletes the connection's SAs with it */
		if (whack(d, err, errlen, "--delete", "--name", name, NULL))
			return -1;
		ike_log("unloaded %s: no tunnel requires it", name);
		for (i = 0; i < d->be.n_sas; i++)
			if (!strcmp(d->be.sas[i].name, name))
				d->be.sas[i].name[0] = '\0';
	}
	conn_file(path, sizeof(path), d, name, "conf");
	unlink(path);
	conn_file(path, sizeof(path), d, name, "secrets");
	if (!unlink(path)) {
		ike_log("removed the pre-shared key of %s", name);
		whack(d, err, errlen, "--rereadsecrets", NULL, NULL, NULL);
	}
	return 0;
}

/*
 * Once initiated, pluto keeps a connection up by itself (it revives it
 * after a failure or a peer's DELETE): initiating it again would race
 * pluto's own attempt into a second IKE_SA and CHILD_SA.
 */
static int lsw_initiate(struct ike_daemon *d, const char *name, char *err,
			size_t errlen)
{
	size_t i;

	for (i = 0; i < d->be.n_conns; i++)
		if (!strcmp(d->be.conns[i], name) && d->be.kept_up[i])
			return 1;
	return whack(d, err, errlen, "--initiate", "--asynchronous", "--name",
		     name) ? -1 : 0;
}

static int lsw_terminate(struct ike_daemon *d, const char *name, char *err,
			 size_t errlen)
{
	return whack(d, err, errlen, "--terminate", "--asynchronous", "--name",
		     name);
}

/*
 * pluto 4.10 schedules a revival for each IKE_SA of an UP connection that
 * is deleted; two deleted at once (a failed attempt and a replaced one)
 * revive twice, and the second revival adds a CHILD_SA to the IKE_SA the
 * first one set up. The newest Child SA (the highest state number) stays;
 * the others are deleted, which tells the peer.
 */
static int lsw_trim(struct ike_daemon *d, const char *name, char *err,
		    size_t errlen)
{
	const char *argv[] = { LIBEXEC "/whack", "--ctlsocket",
			       d->so->ctlsocket, "--status", NULL };
	unsigned long serial[8], newest = 0;
	struct buf out = { 0 };
	const char *l, *q;
	char conn[48], num[24];
	size_t len, n = 0, i;
	int ret = 0;

	if (run(&out, argv) || !out.p) {
		free(out.p);
		snprintf(err, errlen, "whack --status failed");
		return -1;
	}
	for (l = out.p; *l && n < 8; l += len + !!l[len]) {
		const char *p = l;

		len = strcspn(l, "\n");
		if (!strncmp(p, "000 ", 4))
			p += 4;
		if (*p != '#')
			continue;
		q = quoted(p, conn, sizeof(conn));
		if (!q || strcmp(conn, name) || q > l + len ||
		    !memmem(q, l + len - q, " STATE_V2_ESTABLISHED_CHILD_SA ", 31))
			continue;
		serial[n] = strtoul(p + 1, NULL, 10);
		if (serial[n] > newest)
			newest = serial[n];
		n++;
	}
	free(out.p);
	for (i = 0; i < n; i++) {
		if (serial[i] == newest)
			continue;
		snprintf(num, sizeof(num), "%lu", serial[i]);
		if (whack(d, err, errlen, "--deletestate", num, NULL, NULL))
			ret = -1;
		else
			ike_log("%s: deleted a second CHILD_SA (#%s), kept #%lu",
				name, num, newest);
	}
	return ret;
}

/* pluto starting or stopping shows in its control socket's directory. */
static int lsw_events(struct ike_daemon *d)
{
	char dir[4096], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", d->so->ctlsocket);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	if (inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE | IN_MOVED_TO |
			      IN_DELETE_SELF) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int lsw_event(struct ike_daemon *d, int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return -1;
	/* The directory itself went (a tmpfs unmounted): watch again later. */
	for (char *p = buf; p < buf + n;) {
		struct inotify_event *ev = (struct inotify_event *)p;

		if (ev->mask & (IN_DELETE_SELF | IN_IGNORED))
			return -1;
		p += sizeof(*ev) + ev->len;
	}
	return 0;
}

const struct ike_backend_ops ike_libreswan = {
	.name = "Libreswan",
	.open = lsw_open,
	.close = lsw_close,
	.where = lsw_where,
	.prepare = lsw_prepare,
	.current = lsw_current,
	.load = lsw_load,
	.unload = lsw_unload,
	.initiate = lsw_initiate,
	.trim = lsw_trim,
	.terminate = lsw_terminate,
	.events = lsw_events,
	.event = lsw_event,
};
