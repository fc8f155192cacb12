/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IKE connection of a gnvsec tunnel, described once (ike.c) and
 * written out by each backend: as swanctl.conf text (gnvsecctl ike
 * swanctl) or as a vici load-conn message (gnvsecctl ike sync).
 */
#ifndef GNVSEC_IKE_H
#define GNVSEC_IKE_H

#include "gnvsecctl.h"

struct vici_msg;

/* How the chassis authenticate each other, as OVS IPsec offers. */
enum ike_auth {
	IKE_AUTH_CA,		/* certificates signed by a CA (OVN's way) */
	IKE_AUTH_SELF_SIGNED,	/* each peer's own certificate, CHASSIS-cert.pem */
	IKE_AUTH_PSK,		/* one pre-shared key */
};

struct ike_opts {
	enum ike_auth auth;
	const char *psk_file;	/* IKE_AUTH_PSK: the file holding the key */
	const char *local_id;
	const char *cert;	/* NULL: LOCAL_ID-cert.pem */
	const char *key;	/* NULL: LOCAL_ID-privkey.pem (vici only) */
	const char *ca;		/* IKE_AUTH_CA */
	bool ca_given;		/* --ca on the command line */
	const char *start_action; /* NULL: by identity order (sync) */
	const char *rekey_time;	/* NULL: strongSwan's default */
	const char *prefix;	/* of connection names: "" or "gnvsec-" */
	uint32_t reqid_max;	/* the backend's largest reqid; 0: none */
};

/*
 * The description is the sequence of elements of a swanctl.conf section,
 * in the order vici encodes them: section starts and ends and key/value
 * pairs. Flags say how a value is written: quoted in swanctl.conf; a
 * certificate file whose contents vici sends (swanctl looks file names up
 * in its x509/ and x509ca/ directories; vici takes the data); a list in
 * vici (swanctl.conf writes lists as comma-separated values).
 */
enum { CONF_SECTION, CONF_END, CONF_KV };
#define CONF_QUOTE	0x1
#define CONF_CERT	0x2	/* file in x509/ */
#define CONF_CACERT	0x4	/* file in x509ca/ */
#define CONF_LIST	0x8	/* vici takes a list (of this one item) */

struct conf_item {
	uint8_t type, flags;
	const char *key;
	char value[256];
};

#define CONN_ITEMS_MAX	48

struct conn_desc {
	char name[48];		/* connection and CHILD_SA name */
	uint32_t reqid;
	bool initiator;		/* start_action is not none */
	int n;
	struct conf_item v[CONN_ITEMS_MAX];
};

/* The reqid a tunnel is (to be) bound to; @max: the backend's largest. */
uint32_t ike_tunnel_reqid(const struct tunnel *t, uint32_t max);
/*
 * Fills @c for tunnel @t; -1 with the reason in @err when the tunnel
 * cannot have a connection (no chassis name, a name unusable, ...).
 */
int ike_conn_describe(struct conn_desc *c, const struct tunnel *t,
		      const struct global *g, const struct ike_opts *o,
		      char *err, size_t errlen);
/* The local certificate file (in x509/): --cert, else LOCAL_ID-cert.pem. */
const char *ike_local_cert(const struct ike_opts *o);
/* The certificate file (in x509/) of peer @chassis when self-signed. */
void ike_peer_cert(char *buf, size_t len, const char *chassis);
/*
 * The pre-shared key of --psk-file: its first line. -1 with the reason
 * in @err when it cannot be read or is unusable.
 */
int ike_read_psk(const char *path, char *psk, size_t len, char *err,
		 size_t errlen);
/* Whether this chassis initiates towards @t's chassis: the lower name. */
bool ike_initiator(const struct tunnel *t, const struct ike_opts *o);

/* charon.c: what charon has, over vici */
struct ike_sa {
	char name[48];		/* its connection's */
	char state[32];		/* ESTABLISHED, CONNECTING, ... */
	char child_state[32];	/* the CHILD_SA named as the connection: */
	bool child_up;		/* INSTALLED or about to be; "" if none */
	unsigned int n_children;	/* Libreswan: its established Child SAs */
	long established;	/* seconds since it was, -1: not (yet) */
	char remote_id[128];	/* the peer's identity, as charon has it */
};

struct ike_backend {
	struct ike_sa *sas;
	size_t n_sas;
	char (*conns)[48];
	bool *kept_up;		/* per conn: the daemon revives it by itself */
	size_t n_conns;
};

/* Reads @b anew over vici socket @fd; 0 or -errno. */
int ike_backend_read(struct ike_backend *b, int fd);
bool ike_backend_has_conn(const struct ike_backend *b, const char *name);
/* The IKE_SA of connection @name doing best (a CHILD_SA up first). */
const struct ike_sa *ike_backend_sa(const struct ike_backend *b,
				    const char *name);
void ike_backend_free(struct ike_backend *b);
/*
 * What charon says of tunnel @t's connection: "gnvsec-NAME" (the
 * reconciler's) or NAME ("ike swanctl"'s), whichever is loaded.
 */
void ike_view_fill(struct ike_view *v, const struct ike_backend *b,
		   const struct tunnel *t);
/* realloc() to n + 1 elements, or exit */
void *ike_grow(void *v, size_t n, size_t size);

/* ikesync.c */
enum ike_backend_kind { IKE_STRONGSWAN, IKE_LIBRESWAN };

struct ike_sync_opts {
	struct ike_opts ike;
	enum ike_backend_kind backend;
	const char *vici;	/* strongSwan: socket path */
	const char *swanctl_dir;	/* credentials: x509/, x509ca/, private/ */
	const char *ctlsocket;	/* Libreswan: pluto's control socket */
	const char *ipsec_dir;	/* Libreswan: where connections are written */
	const char *nss_dir;	/* Libreswan: pluto's NSS database */
	unsigned int interval;	/* seconds between periodic passes */
	bool watch;
};

int ike_sync(struct nl *nl, const struct ike_sync_opts *so);

/*
 * A backend: how the reconciler talks to one IKE daemon. Every pass opens
 * it (reading what it has into @be), prepares and loads connections,
 * initiates, terminates and unloads, then closes it. Every function that
 * can fail returns 0, or non-zero with the reason in @err.
 */
struct ike_daemon {
	const struct ike_backend_ops *ops;
	const struct ike_sync_opts *so;
	struct ike_backend be;	/* what it has, read by open() */
	int fd;			/* strongSwan: vici, during a pass */
	bool key_loaded;	/* strongSwan: the private key, this pass */
	struct vici_msg *msg;	/* strongSwan: the prepared load-conn */
	char *text;		/* Libreswan: the prepared connection file */
	uint64_t nss_hash;	/* Libreswan: the credentials NSS was given */
};

struct ike_backend_ops {
	const char *name;	/* in the log: "strongSwan" */
	/* Connects and reads what the daemon has into d->be; 0 or -errno. */
	int (*open)(struct ike_daemon *d);
	void (*close)(struct ike_daemon *d);
	/* Where the daemon is listened for, for the log. */
	const char *(*where)(const struct ike_daemon *d);
	/*
	 * Builds what loads connection @c of tunnel @t (with @psk, "" when
	 * certificates authenticate) and its hash: the same hash, the same
	 * configuration, certificate contents included.
	 */
	int (*prepare)(struct ike_daemon *d, const struct conn_desc *c,
		       const struct tunnel *t, const char *psk, uint64_t *hash,
		       char *err, size_t errlen);
	/*
	 * Whether the daemon holds the configuration of hash @hash already,
	 * from an earlier run (NULL: it cannot tell; loading it again is
	 * harmless).
	 */
	bool (*current)(struct ike_daemon *d, const char *name, uint64_t hash);
	/* Loads what prepare() built. */
	int (*load)(struct ike_daemon *d, const struct conn_desc *c,
		    const struct tunnel *t, const char *psk, char *err,
		    size_t errlen);
	/* Unloads connection @name and its key; logs what went. */
	int (*unload)(struct ike_daemon *d, const char *name, char *err,
		      size_t errlen);
	/*
	 * Starts negotiating @name's IKE_SA and CHILD_SA, without waiting:
	 * 0; 1 when the daemon is retrying it by itself already (a second
	 * initiation would race it into a second CHILD_SA); -1 and @err.
	 */
	int (*initiate)(struct ike_daemon *d, const char *name, char *err,
			size_t errlen);
	/*
	 * Deletes all but the newest of @name's CHILD_SAs (NULL: the daemon
	 * never holds two outside a rekey).
	 */
	int (*trim)(struct ike_daemon *d, const char *name, char *err,
		    size_t errlen);
	/* Deletes @name's IKE_SAs (telling the peer), without waiting. */
	int (*terminate)(struct ike_daemon *d, const char *name, char *err,
			 size_t errlen);
	/*
	 * A descriptor readable when the daemon's SAs may have changed or
	 * the daemon went or came, -1 if none (the caller closes it);
	 * event() reads it: 0, or -1 when it is done for (the caller closes
	 * it and asks for another later).
	 */
	int (*events)(struct ike_daemon *d);
	int (*event)(struct ike_daemon *d, int fd);
};

extern const struct ike_backend_ops ike_strongswan, ike_libreswan;

/* Both backends' log lines. */
void ike_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define FNV1A_INIT	0xcbf29ce484222325ULL

static inline uint64_t ike_hash(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/*
 * Where swanctl looks for credential file @name of kind @sub (x509,
 * x509ca, private) under @dir, or @name if it is absolute.
 */
const char *ike_file_path(char *path, size_t size, const char *dir,
			  const char *sub, const char *name);
#define IKE_FILE_MAX	65535	/* one vici value */
/* The whole file, into @buf (IKE_FILE_MAX bytes); -1 with the reason. */
int ike_read_file(const char *dir, const char *sub, const char *name,
		  char *buf, size_t *len, char *err, size_t errlen);
/* The private key file of this chassis: --key, else LOCAL_ID-privkey.pem. */
void ike_local_key(char *buf, size_t len, const struct ike_opts *o);

#endif
