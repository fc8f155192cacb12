// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl cert check: whether a chassis certificate, its private key and
 * the CA certificate are what OVN IPsec needs, before an IKE daemon is
 * given them: x.509 v3, a CN that is the chassis name, a subjectAltName
 * DNS entry equal to the CN, a chain to the CA (through the intermediates
 * that follow the certificate in its file; the CA file may be a bundle of
 * many roots), the matching private key, and a validity window around now
 * for the certificate and the CAs of its chain. OpenSSL's libcrypto
 * parses; no kernel or netlink is involved.
 *
 * One line per check on standard output (or one JSON object with -j).
 * Exit status: 0 every check passed (warnings allowed), 1 a check failed
 * (an unreadable file is a failed check), 2 usage error.
 */

#define _GNU_SOURCE		/* memmem */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gnvsecctl.h"

#define EXIT_CHECK_FAILED	1
#define WARN_DAYS		30
#define MAX_FILE		(1024 * 1024)

enum result { RES_OK, RES_WARN, RES_FAIL, RES_SKIP };

static const char *const res_text[] = { "ok", "warn", "FAIL", "skip" };
static const char *const res_json[] = { "ok", "warn", "fail", "skip" };

struct report {
	struct json_object *checks_json;	/* -j: the checks so far */
	char *why;		/* quiet (cert_verify): the first failure */
	size_t whylen;
	int checks, failed, warned;
};

static void cert_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void cert_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("gnvsecctl: cert check: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nUsage: gnvsecctl [-j] cert check CERT --key KEY --ca CA [--chassis NAME]\n",
	      stderr);
	exit(EXIT_USAGE);
}

/* One check's line: "FAIL  CN: expected ..., found ...", or a JSON object. */
static void say(struct report *r, enum result res, const char *id,
		const char *label, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void say(struct report *r, enum result res, const char *id,
		const char *label, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (res == RES_FAIL && r->why && !r->failed)
		snprintf(r->why, r->whylen, "%s: %s", label, msg);
	if (res == RES_FAIL)
		r->failed++;
	else if (res == RES_WARN)
		r->warned++;
	if (r->why) {
		/* quiet */
	} else if (r->checks_json) {
		struct json_object *o = jobj();

		jadd(o, "check", jstr(id));
		jadd(o, "result", jstr(res_json[res]));
		jadd(o, "message", jstr(msg));
		jappend(r->checks_json, o);
	} else {
		printf("%-4s  %s: %s\n", res_text[res], label, msg);
	}
	r->checks++;
}

/*
 * @s (@n bytes) in double quotes; control bytes as \xNN; cut with "..."
 * when @size is short.
 */
static const char *quote(char *buf, size_t size, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i, o = 0;

	if (size < 10)
		return "";
	buf[o++] = '"';
	/* Room for one escape, "...", the quote and the NUL. */
	for (i = 0; i < n && o + 9 <= size; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' || p[i] == '\\')
			o += snprintf(buf + o, size - o, "\\x%02x", p[i]);
		else
			buf[o++] = p[i];
	}
	if (i < n)
		o += snprintf(buf + o, size - o, "...");
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* A distinguished name on one line, most specific part (CN) first. */
static const char *name_str(char *buf, size_t size, const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;

	buf[0] = '\0';
	if (!bio)
		return buf;
	X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(bio, &data);
	quote(buf, size, data, len > 0 ? len : 0);
	BIO_free(bio);
	return buf;
}

static const char *time_str(char *buf, size_t size, const ASN1_TIME *t)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm) ||
	    !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "(invalid time)");
	return buf;
}

/* A whole file, at most MAX_FILE bytes; NULL with @err set when unreadable. */
static unsigned char *read_file(const char *path, long *len, char *err,
				size_t errlen)
{
	unsigned char *buf;
	char q[512];
	FILE *f;
	size_t n;

	quote(q, sizeof(q), path, strlen(path));
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", q, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_FILE + 1);
	if (!buf)
		die(EXIT_CHECK_FAILED, "out of memory");
	n = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read %s: %s", q, strerror(errno));
		free(buf);
		buf = NULL;
	} else if (n > MAX_FILE) {
		snprintf(err, errlen, "cannot read %s: larger than %d bytes",
			 q, MAX_FILE);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Keys are never asked a passphrase for: an encrypted key is an error. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/* Every certificate of @path, PEM (any number) or DER (one). */
static STACK_OF(X509) *load_certs(const char *path, char *err, size_t errlen)
{
	STACK_OF(X509) *certs;
	const unsigned char *p;
	unsigned char *buf;
	char q[512];
	X509 *x;
	BIO *bio;
	long len;

	buf = read_file(path, &len, err, errlen);
	if (!buf)
		return NULL;
	certs = sk_X509_new_null();
	bio = BIO_new_mem_buf(buf, len);
	if (!certs || !bio)
		die(EXIT_CHECK_FAILED, "out of memory");
	while ((x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)))
		sk_X509_push(certs, x);
	BIO_free(bio);
	if (!sk_X509_num(certs)) {
		p = buf;
		x = d2i_X509(NULL, &p, len);
		if (x)
			sk_X509_push(certs, x);
	}
	ERR_clear_error();
	free(buf);
	if (!sk_X509_num(certs)) {
		sk_X509_free(certs);
		snprintf(err, errlen, "no certificate in %s (PEM or DER)",
			 quote(q, sizeof(q), path, strlen(path)));
		return NULL;
	}
	return certs;
}

static EVP_PKEY *load_key(const char *path, char *err, size_t errlen)
{
	const unsigned char *p;
	unsigned char *buf;
	EVP_PKEY *key;
	char q[512];
	BIO *bio;
	long len;

	buf = read_file(path, &len, err, errlen);
	if (!buf)
		return NULL;
	bio = BIO_new_mem_buf(buf, len);
	if (!bio)
		die(EXIT_CHECK_FAILED, "out of memory");
	key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (!key) {
		p = buf;
		key = d2i_AutoPrivateKey(NULL, &p, len);
	}
	ERR_clear_error();
	quote(q, sizeof(q), path, strlen(path));
	if (!key && memmem(buf, len, "ENCRYPTED", 9))
		snprintf(err, errlen,
			 "expected an unencrypted private key in %s, found an encrypted one",
			 q);
	else if (!key)
		snprintf(err, errlen, "no private key in %s (PEM or DER)", q);
	free(buf);
	return key;
}

static const char *key_str(char *buf, size_t size, EVP_PKEY *key)
{
	const char *type;

	switch (key ? EVP_PKEY_base_id(key) : NID_undef) {
	case NID_undef:
		snprintf(buf, size, "unknown");
		return buf;
	case EVP_PKEY_RSA:
		type = "RSA";
		break;
	case EVP_PKEY_RSA_PSS:
		type = "RSA-PSS";
		break;
	case EVP_PKEY_EC:
		type = "EC";
		break;
	case EVP_PKEY_DSA:
		type = "DSA";
		break;
	default:
		type = OBJ_nid2sn(EVP_PKEY_base_id(key));
		break;
	}
	snprintf(buf, size, "%s %d-bit", type, EVP_PKEY_bits(key));
	return buf;
}

static void check_version(struct report *r, X509 *cert)
{
	long v = X509_get_version(cert);

	if (v == X509_VERSION_3)
		say(r, RES_OK, "version", "version", "x.509 v3");
	else
		say(r, RES_FAIL, "version", "version",
		    "expected x.509 v3, found v%ld", v + 1);
}

/*
 * The CN, as UTF-8 into @cn (NUL-terminated, possibly holding NULs: its
 * length is returned). -1: no CN; -2: more than one.
 */
static int get_cn(X509 *cert, char *cn, size_t size)
{
	const X509_NAME *name = X509_get_subject_name(cert);
	const X509_NAME_ENTRY *entry;
	unsigned char *utf8;
	int i, len;

	i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0)
		return -1;
	if (X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
		return -2;
	entry = X509_NAME_get_entry(name, i);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
	if (len < 0)
		return -1;
	if ((size_t)len >= size)
		len = size - 1;
	memcpy(cn, utf8, len);
	cn[len] = '\0';
	OPENSSL_free(utf8);
	return len;
}

static void check_cn(struct report *r, int cn_len, const char *cn,
		     const char *chassis)
{
	char q[512], qc[512];

	if (chassis)
		quote(qc, sizeof(qc), chassis, strlen(chassis));
	if (cn_len == -2) {
		say(r, RES_FAIL, "cn", "CN",
		    "expected one common name, found more than one");
		return;
	}
	if (cn_len < 0) {
		if (chassis)
			say(r, RES_FAIL, "cn", "CN",
			    "expected %s (the chassis name), found none", qc);
		else
			say(r, RES_FAIL, "cn", "CN",
			    "expected the chassis name, found no common name");
		return;
	}
	quote(q, sizeof(q), cn, cn_len);
	if (!chassis)
		say(r, RES_OK, "cn", "CN", "%s (no --chassis: not compared)", q);
	else if ((size_t)cn_len != strlen(chassis) || memcmp(cn, chassis, cn_len))
		say(r, RES_FAIL, "cn", "CN",
		    "expected %s (the chassis name), found %s", qc, q);
	else
		say(r, RES_OK, "cn", "CN", "%s, the chassis name", q);
}

static void check_san(struct report *r, X509 *cert, int cn_len, const char *cn)
{
	GENERAL_NAMES *names;
	char found[768], q[512], qcn[512];
	size_t o = 0;
	int i, dns = 0, others = 0;
	bool match = false;

	names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (cn_len < 0) {
		say(r, RES_SKIP, "san", "subjectAltName", "no CN to compare with");
		GENERAL_NAMES_free(names);
		return;
	}
	quote(qcn, sizeof(qcn), cn, cn_len);
	if (!names) {
		say(r, RES_FAIL, "san", "subjectAltName",
		    "expected DNS %s (the CN), found no subjectAltName", qcn);
		return;
	}
	found[0] = '\0';
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		const unsigned char *s;
		int len;

		if (gn->type != GEN_DNS) {
			others++;
			continue;
		}
		s = ASN1_STRING_get0_data(gn->d.dNSName);
		len = ASN1_STRING_length(gn->d.dNSName);
		if (len == cn_len && !memcmp(s, cn, len))
			match = true;
		if (o < sizeof(found))
			o += snprintf(found + o, sizeof(found) - o, "%sDNS %s",
				      dns ? ", " : "", quote(q, sizeof(q), s, len));
		dns++;
	}
	GENERAL_NAMES_free(names);
	if (match)
		say(r, RES_OK, "san", "subjectAltName", "DNS %s, the CN", qcn);
	else if (dns)
		say(r, RES_FAIL, "san", "subjectAltName",
		    "expected DNS %s (the CN), found %s", qcn, found);
	else
		say(r, RES_FAIL, "san", "subjectAltName",
		    "expected DNS %s (the CN), found no DNS entry (%d of other types)",
		    qcn, others);
}

/*
 * One verification of @cert against the trust anchors of @store, with
 * @untrusted as the intermediates it may use. Returns the context (its
 * chain and error), which the caller frees.
 */
static X509_STORE_CTX *verify(X509_STORE *store, X509 *cert,
			      STACK_OF(X509) *untrusted, unsigned long flags,
			      bool *ok)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();

	if (!ctx || !X509_STORE_CTX_init(ctx, store, cert, untrusted))
		die(EXIT_CHECK_FAILED, "out of memory");
	if (flags)
		X509_STORE_CTX_set_flags(ctx, flags);
	*ok = X509_verify_cert(ctx) == 1;
	ERR_clear_error();
	return ctx;
}

/*
 * The chain from @cert to a certificate of the CA file @cas, the only
 * trust anchors (a system bundle holds many), through the certificates
 * that follow @cert in its file, @untrusted: intermediates, never anchors,
 * as "openssl verify -untrusted" takes them. Returns the chain that
 * verified (the certificate first, its anchor last) or NULL: only that
 * path matters to the validity checks, never the bundle's other roots.
 *
 * A first verification checks the dates, so that of several paths (a root
 * renewed under its old name) one that is valid now is chosen; when it
 * fails, a second one without dates tells a chain that does not exist
 * from one that has expired: the validity checks say that, in their own
 * words.
 */
static STACK_OF(X509) *check_chain(struct report *r, X509 *cert,
				   STACK_OF(X509) *untrusted,
				   STACK_OF(X509) *cas, const char *cert_path,
				   const char *ca_path)
{
	char target[768], issuer[512], name[512], q[512], qc[512];
	char through[1024] = "";
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *chain = NULL;
	X509_STORE_CTX *ctx;
	size_t o = 0;
	X509 *cur;
	int i, err;
	bool ok;

	if (!store)
		die(EXIT_CHECK_FAILED, "out of memory");
	for (i = 0; i < sk_X509_num(cas); i++)
		X509_STORE_add_cert(store, sk_X509_value(cas, i));
	ERR_clear_error();	/* duplicates in a bundle */
	ctx = verify(store, cert, untrusted, 0, &ok);
	if (!ok) {
		X509_STORE_CTX_free(ctx);
		ctx = verify(store, cert, untrusted, X509_V_FLAG_NO_CHECK_TIME,
			     &ok);
	}
	err = X509_STORE_CTX_get_error(ctx);

	quote(q, sizeof(q), ca_path, strlen(ca_path));
	if (ok) {
		chain = X509_STORE_CTX_get1_chain(ctx);
		if (!chain)
			die(EXIT_CHECK_FAILED, "out of memory");
		name_str(target, sizeof(target),
			 X509_get_subject_name(sk_X509_value(chain,
							     sk_X509_num(chain) - 1)));
		if (sk_X509_num(cas) > 1) {
			o = strlen(target);
			snprintf(target + o, sizeof(target) - o,
				 ", one of the %d certificates of %s",
				 sk_X509_num(cas), q);
		}
		for (i = 1, o = 0; i < sk_X509_num(chain) - 1 &&
		     o < sizeof(through); i++)
			o += snprintf(through + o, sizeof(through) - o, "%s%s",
				      i == 1 ? " through " : ", ",
				      name_str(name, sizeof(name),
					       X509_get_subject_name(sk_X509_value(chain, i))));
		say(r, RES_OK, "ca", "CA", "chains to %s%s", target, through);
		goto out;
	}

	if (sk_X509_num(cas) == 1)
		name_str(target, sizeof(target),
			 X509_get_subject_name(sk_X509_value(cas, 0)));
	else
		snprintf(target, sizeof(target),
			 "one of the %d certificates of %s", sk_X509_num(cas), q);
	/* The certificate whose issuer is missing or wrong. */
	cur = X509_STORE_CTX_get_current_cert(ctx);
	if (!cur)
		cur = cert;
	name_str(issuer, sizeof(issuer), X509_get_issuer_name(cur));
	if (cur != cert)
		snprintf(through, sizeof(through), " of the intermediate %s",
			 name_str(name, sizeof(name), X509_get_subject_name(cur)));
	if (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	    err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
		say(r, RES_FAIL, "ca", "CA",
		    "expected a chain to %s, found issuer %s%s (%s): no certificate %s in %s (the certificate, then its intermediates) or %s",
		    target, issuer, through, X509_verify_cert_error_string(err),
		    issuer, quote(qc, sizeof(qc), cert_path, strlen(cert_path)),
		    q);
	else
		say(r, RES_FAIL, "ca", "CA",
		    "expected a chain to %s, found issuer %s%s (%s)",
		    target, issuer, through, X509_verify_cert_error_string(err));
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return chain;
}

static void check_key(struct report *r, X509 *cert, EVP_PKEY *key)
{
	char want[64], have[64];

	key_str(want, sizeof(want), X509_get0_pubkey(cert));
	key_str(have, sizeof(have), key);
	if (X509_check_private_key(cert, key) == 1)
		say(r, RES_OK, "key", "key",
		    "the private key of the certificate (%s)", have);
	else
		say(r, RES_FAIL, "key", "key",
		    "expected the private key of the certificate's %s public key, found another %s key",
		    want, have);
	ERR_clear_error();
}

/*
 * The validity window of @cert against now: not yet valid and expired fail;
 * expiry within WARN_DAYS warns. @what names the certificate in messages.
 */
static void check_validity(struct report *r, const char *id,
			   const char *label, const char *what, X509 *cert)
{
	const ASN1_TIME *nb = X509_get0_notBefore(cert);
	const ASN1_TIME *na = X509_get0_notAfter(cert);
	char t_nb[64], t_na[64], t_now[64];
	int days, secs;
	struct tm tm;
	time_t now;
	long left;

	time_str(t_nb, sizeof(t_nb), nb);
	time_str(t_na, sizeof(t_na), na);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(t_now, sizeof(t_now), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (X509_cmp_current_time(nb) > 0) {
		say(r, RES_FAIL, id, label,
		    "expected %svalid now (%s), found not valid before %s",
		    what, t_now, t_nb);
		return;
	}
	if (X509_cmp_current_time(na) < 0) {
		say(r, RES_FAIL, id, label,
		    "expected %svalid now (%s), found expired on %s",
		    what, t_now, t_na);
		return;
	}
	if (!ASN1_TIME_diff(&days, &secs, NULL, na)) {
		say(r, RES_FAIL, id, label, "cannot read the expiry date of %s",
		    *what ? what : "the certificate");
		return;
	}
	left = (long)days * 86400 + secs;
	if (left < WARN_DAYS * 86400L) {
		if (left < 86400)
			say(r, RES_WARN, id, label, "%sexpires within a day, on %s",
			    what, t_na);
		else
			say(r, RES_WARN, id, label, "%sexpires in %ld days, on %s",
			    what, (left + 43200) / 86400, t_na);
		return;
	}
	say(r, RES_OK, id, label, "%svalid from %s until %s", what, t_nb, t_na);
}

/*
 * The validity of the CA certificates that @chain (the certificate first)
 * went through: its intermediates and its anchor. Without a chain, the
 * anchor is unknown unless the CA file holds one certificate only.
 */
static void check_ca_validity(struct report *r, STACK_OF(X509) *chain,
			      STACK_OF(X509) *cas, const char *ca_path)
{
	char name[512], what[600], q[512];
	X509 *ca;
	int i;

	for (i = 1; chain && i < sk_X509_num(chain) - 1; i++) {
		X509 *x = sk_X509_value(chain, i);

		snprintf(what, sizeof(what), "%s ",
			 name_str(name, sizeof(name), X509_get_subject_name(x)));
		check_validity(r, "intermediate_validity",
			       "intermediate validity", what, x);
	}
	if (chain)
		ca = sk_X509_value(chain, sk_X509_num(chain) - 1);
	else if (sk_X509_num(cas) == 1)
		ca = sk_X509_value(cas, 0);
	else
		ca = NULL;
	if (!ca) {
		say(r, RES_SKIP, "ca_validity", "CA validity",
		    "no chain, so none of the %d certificates of %s is the CA",
		    sk_X509_num(cas), quote(q, sizeof(q), ca_path, strlen(ca_path)));
		return;
	}
	if (sk_X509_num(cas) > 1)
		snprintf(what, sizeof(what), "%s ",
			 name_str(name, sizeof(name), X509_get_subject_name(ca)));
	else
		what[0] = '\0';
	check_validity(r, "ca_validity", "CA validity", what, ca);
}

/*
 * Every check of certificate @path: its CN and subjectAltName against
 * @chassis, its chain to a certificate of @ca_path (a self-signed
 * certificate is its own CA), its private key @key_path (NULL: a peer's
 * certificate, whose key is not here), the validity windows.
 */
static void run_checks(struct report *r, const char *path,
		       const char *key_path, const char *ca_path,
		       const char *chassis)
{
	STACK_OF(X509) *certs, *cas = NULL, *chain = NULL;
	EVP_PKEY *key = NULL;
	char err[1024], cn[256];
	X509 *cert;
	int cn_len;

	certs = load_certs(path, err, sizeof(err));
	if (!certs) {
		say(r, RES_FAIL, "certificate", "certificate", "%s", err);
		return;
	}
	/*
	 * The chassis certificate comes first; the certificates after it are
	 * intermediates that may lead to the CA (a chain file).
	 */
	cert = sk_X509_shift(certs);

	check_version(r, cert);
	cn_len = get_cn(cert, cn, sizeof(cn));
	check_cn(r, cn_len, cn, chassis);
	check_san(r, cert, cn_len, cn);

	cas = load_certs(ca_path, err, sizeof(err));
	if (cas)
		chain = check_chain(r, cert, certs, cas, path, ca_path);
	else
		say(r, RES_FAIL, "ca", "CA", "%s", err);

	if (key_path) {
		key = load_key(key_path, err, sizeof(err));
		if (key)
			check_key(r, cert, key);
		else
			say(r, RES_FAIL, "key", "key", "%s", err);
	}

	check_validity(r, "validity", "validity", "", cert);
	if (cas)
		check_ca_validity(r, chain, cas, ca_path);

	EVP_PKEY_free(key);
	sk_X509_pop_free(cas, X509_free);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(certs, X509_free);
	X509_free(cert);
}

int cert_verify(const char *cert, const char *key, const char *ca,
		const char *chassis, char *why, size_t whylen)
{
	struct report r = { .why = why, .whylen = whylen };

	why[0] = '\0';
	run_checks(&r, cert, key, ca, chassis);
	return r.failed ? -1 : 0;
}

/* --NAME VALUE or --NAME=VALUE; returns the value, advancing *@i. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	const char *arg = argv[*i];
	size_t len = strlen(name);

	if (arg[2 + len] == '=')
		return arg + 3 + len;
	if (*i + 1 >= argc)
		cert_usage("option \"--%s\" needs a value", name);
	return argv[++*i];
}

static const char *const opts[] = { "key", "ca", "chassis", NULL };

int cmd_cert(int argc, char **argv, bool json)
{
	const char *path = NULL, *val[3] = { NULL };
	struct json_object *top = NULL;
	struct report r = { 0 };
	char q[512];
	int i, j;

	if (argc < 1)
		cert_usage("missing command: cert check");
	if (!*argv[0] || strncmp(argv[0], "check", strlen(argv[0])))
		cert_usage("unknown command \"%s\"", argv[0]);
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strncmp(arg, "--", 2)) {
			if (path)
				cert_usage("unexpected \"%s\"", arg);
			path = arg;
			continue;
		}
		for (j = 0; opts[j]; j++) {
			size_t len = strlen(opts[j]);

			if (!strncmp(arg + 2, opts[j], len) &&
			    (!arg[2 + len] || arg[2 + len] == '='))
				break;
		}
		if (!opts[j])
			cert_usage("unknown option \"%s\"", arg);
		if (val[j])
			cert_usage("option \"--%s\" given twice", opts[j]);
		val[j] = opt_value(argc, argv, &i, opts[j]);
		if (!*val[j])
			cert_usage("option \"--%s\" needs a value", opts[j]);
	}
	if (!path)
		cert_usage("missing the certificate file CERT");
	if (!val[0])
		cert_usage("missing \"--key KEY\", the certificate's private key");
	if (!val[1])
		cert_usage("missing \"--ca CA\", the CA certificate");

	if (json) {
		top = jobj();
		r.checks_json = jarr();
		jadd(top, "certificate", jstr(path));
		jadd(top, "checks", r.checks_json);
	}
	run_checks(&r, path, val[0], val[1], val[2]);
	if (json) {
		jadd(top, "result", jstr(r.failed ? "fail" :
					 r.warned ? "warn" : "ok"));
		json_print(stdout, top);
	}
	fflush(stdout);
	if (r.failed) {
		fprintf(stderr, "gnvsecctl: cert check: %s: %d of %d checks failed\n",
			quote(q, sizeof(q), path, strlen(path)), r.failed,
			r.checks);
		return EXIT_CHECK_FAILED;
	}
	return EXIT_OK;
}
