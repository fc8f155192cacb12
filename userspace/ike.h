/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IKE connection of a gnvsec tunnel, described once (ike.c) and
 * written out by each backend: as swanctl.conf text (gnvsecctl ike
 * swanctl) or as a vici load-conn message (gnvsecctl ike sync).
 */
#ifndef GNVSEC_IKE_H
#define GNVSEC_IKE_H

#include "gnvsecctl.h"

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

/* The reqid a tunnel is (to be) bound to. */
uint32_t ike_tunnel_reqid(const struct tunnel *t);
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
	long established;	/* seconds since it was, -1: not (yet) */
	char remote_id[128];	/* the peer's identity, as charon has it */
};

struct ike_backend {
	struct ike_sa *sas;
	size_t n_sas;
	char (*conns)[48];
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
struct ike_sync_opts {
	struct ike_opts ike;
	const char *vici;	/* socket path */
	const char *swanctl_dir;
	unsigned int interval;	/* seconds between periodic passes */
	bool watch;
};

int ike_sync(struct nl *nl, const struct ike_sync_opts *so);

#endif
