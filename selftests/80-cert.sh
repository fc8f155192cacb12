#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gnvsecctl cert check: what OVN IPsec requires of a chassis certificate
# (x.509 v3, CN = chassis name = subjectAltName DNS, signed by the CA, its
# private key, a validity window around now). The good certificates come
# from ovs-pki, as the OVN IPsec tutorial makes them; each bad one is
# made with openssl and gets wrong exactly what its case is about (signed
# by the same ovs-pki CA unless the CA is the point). Every failure must
# say what was expected and what was found, and the exit status must be 0
# (warnings allowed), 1 (a check failed) or 2 (usage). No module, no
# netlink: the command reads files only.
. "$(dirname "$0")/lib.sh"

for tool in ovs-pki openssl; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not installed (bash scripts/deps.sh)"
		exit 4
	fi
done

cd "$TMP" || exit 1
pki() { ovs-pki --dir="$TMP/pki" --log="$TMP/ovs-pki.log" "$@" >/dev/null; }
CA=$TMP/pki/switchca/cacert.pem

# cert_check WHAT RC ARGS...: gnvsecctl cert check ARGS must exit with RC;
# its standard output and error are in $OUT.
cert_check() {
	local what=$1 want=$2
	shift 2
	RC=0
	OUT=$(gnvsecctl cert check "$@" 2>&1) || RC=$?
	printf '%s\n' "$OUT" | sed 's/^/  | /'
	check_eq "$what: exit status" "$want" "$RC"
}

# A request for CN=$2 (SAN DNS:$3 unless empty) with a new EC key $1.key.
request() {
	local name=$1 cn=$2 san=()

	[[ -z $3 ]] || san=(-addext "subjectAltName=DNS:$3")
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$name.key" -out "$name.req" \
		-subj "/O=Open vSwitch/CN=$cn" "${san[@]}" 2>/dev/null
}

# ca_sign NAME [openssl ca options]: $NAME.req signed by the ovs-pki CA
# into $NAME.pem; the request's extensions (its SAN) are copied, as
# ovs-pki sign does.
ca_sign() {
	local name=$1
	shift
	(cd "$TMP/pki/switchca" && openssl ca -config ca.cnf -batch \
		-in "$TMP/$name.req" -out "$TMP/$name.pem" "$@" 2>/dev/null)
}

# The dates of a certificate as gnvsecctl prints them; openssl says
# "notAfter=Dec  7 07:50:57 2026 GMT".
cert_date() {
	date -u -d "$(openssl x509 -noout "$1" -in "$2" | cut -d= -f2)" \
		'+%Y-%m-%d %H:%M:%S UTC'
}
not_before() { cert_date -startdate "$1"; }
not_after() { cert_date -enddate "$1"; }

log "--- the ovs-pki certificates of the OVN IPsec tutorial"
pki init
ca_name=$(openssl x509 -noout -subject -nameopt RFC2253 -in "$CA")
ca_name=${ca_name#subject=}
for hv in hv1 hv2; do
	pki -u req "$hv"
	pki -b sign "$hv" switch
done
check_eq "ovs-pki: subject of hv1" "subject=CN=hv1" \
	"$(openssl x509 -noout -subject -nameopt RFC2253 -in hv1-cert.pem | sed 's/,.*//')"
check_eq "ovs-pki: subjectAltName of hv1" "DNS:hv1" \
	"$(openssl x509 -noout -ext subjectAltName -in hv1-cert.pem | sed -n 's/^ *//p' | tail -n 1)"

cert_check "hv1 for chassis hv1" 0 hv1-cert.pem --key hv1-privkey.pem \
	--ca "$CA" --chassis hv1
check_eq "hv1: the checklist" \
"ok    version: x.509 v3
ok    CN: \"hv1\", the chassis name
ok    subjectAltName: DNS \"hv1\", the CN
ok    CA: chains to \"$ca_name\"
ok    key: the private key of the certificate (RSA 2048-bit)
ok    validity: valid from $(not_before hv1-cert.pem) until $(not_after hv1-cert.pem)
ok    CA validity: valid from $(not_before "$CA") until $(not_after "$CA")" "$OUT"

cert_check "hv1 without --chassis" 0 hv1-cert.pem --key hv1-privkey.pem --ca "$CA"
check_contains "without --chassis: CN not compared" \
	'ok    CN: "hv1" (no --chassis: not compared)' "$OUT"

# No netlink: looking up the gnvsec Generic Netlink family would load the
# module (its family alias), so with it unloaded cert check must leave it
# unloaded, while any netlink command loads it.
loaded() { grep -q '^gnvsec ' /proc/modules; }
if [[ -e /proc/modules ]] && { ! loaded || modprobe -r gnvsec 2>/dev/null; }; then
	cert_check "hv1 without the module" 0 hv1-cert.pem --key hv1-privkey.pem \
		--ca "$CA" --chassis hv1
	check_eq "cert check left gnvsec unloaded" no "$(loaded && echo yes || echo no)"
	gnvsecctl tunnels show >/dev/null
	check_eq "tunnels show loaded gnvsec" yes "$(loaded && echo yes || echo no)"
else
	log "no /proc/modules, or gnvsec in use: cert check without the module not tested"
fi

# -j: one JSON object, a result per check, the options in any order.
json=$(gnvsecctl -j cert check --ca="$CA" hv1-cert.pem --chassis hv1 \
	--key hv1-privkey.pem)
check_eq "-j: results" "ok version:ok cn:ok san:ok ca:ok key:ok validity:ok ca_validity:ok" \
	"$(python3 -c 'import json,sys; d=json.load(sys.stdin)
print(d["result"], " ".join(c["check"]+":"+c["result"] for c in d["checks"]))' <<<"$json")"

# ovs-pki without -u (--unique) appends " id:" and a UUID (or the date) to
# the CN: not the chassis name.
pki req hv3
pki -b sign hv3 switch
cert_check "ovs-pki req without -u" 1 hv3-cert.pem --key hv3-privkey.pem \
	--ca "$CA" --chassis hv3
check_contains "without -u: CN" 'FAIL  CN: expected "hv3" (the chassis name), found "hv3 id:' "$OUT"
check_contains "without -u: SAN still equals the CN" 'ok    subjectAltName: DNS "hv3 id:' "$OUT"

log "--- one fault each"
cert_check "CN is not the chassis name" 1 hv2-cert.pem --key hv2-privkey.pem \
	--ca "$CA" --chassis hv1
check_contains "CN != chassis" 'FAIL  CN: expected "hv1" (the chassis name), found "hv2"' "$OUT"
check_contains "CN != chassis: one failure" \
	'gnvsecctl: cert check: "hv2-cert.pem": 1 of 7 checks failed' "$OUT"

request nosan hv1 ""
ca_sign nosan -extensions usr_cert
cert_check "no subjectAltName" 1 nosan.pem --key nosan.key --ca "$CA" --chassis hv1
check_contains "no SAN" 'FAIL  subjectAltName: expected DNS "hv1" (the CN), found no subjectAltName' "$OUT"
check_contains "no SAN: still v3" 'ok    version: x.509 v3' "$OUT"
check_contains "no SAN: one failure" '1 of 7 checks failed' "$OUT"

request othersan hv1 hv9
ca_sign othersan -extensions usr_cert
cert_check "subjectAltName is not the CN" 1 othersan.pem --key othersan.key \
	--ca "$CA" --chassis hv1
check_contains "SAN != CN" 'FAIL  subjectAltName: expected DNS "hv1" (the CN), found DNS "hv9"' "$OUT"
check_contains "SAN != CN: one failure" '1 of 7 checks failed' "$OUT"

# No extensions at all (a v1 certificate cannot have a SAN either).
request v1 hv1 ""
ca_sign v1
check_contains "openssl made a v1 certificate" "Version: 1 (0x0)" \
	"$(openssl x509 -noout -text -in v1.pem)"
cert_check "x.509 v1" 1 v1.pem --key v1.key --ca "$CA" --chassis hv1
check_contains "v1" 'FAIL  version: expected x.509 v3, found v1' "$OUT"
check_contains "v1: no SAN either" 'FAIL  subjectAltName: expected DNS "hv1" (the CN), found no subjectAltName' "$OUT"
check_contains "v1: the rest is fine" '2 of 7 checks failed' "$OUT"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout other-ca.key -out other-ca.pem -days 365 \
	-subj "/O=Open vSwitch/CN=Other CA" 2>/dev/null
request othera hv1 hv1
openssl x509 -req -in othera.req -CA other-ca.pem -CAkey other-ca.key \
	-CAcreateserial -days 365 -copy_extensions copy -out othera.pem 2>/dev/null
cert_check "signed by another CA" 1 othera.pem --key othera.key --ca "$CA" --chassis hv1
check_contains "another CA" "FAIL  CA: expected a chain to \"$ca_name\", found issuer \"CN=Other CA,O=Open vSwitch\" (unable to get local issuer certificate)" "$OUT"
check_contains "another CA: one failure" '1 of 7 checks failed' "$OUT"
# ...and that CA alone is the trust anchor, whatever else the system trusts.
cert_check "hv1 against the other CA" 1 hv1-cert.pem --key hv1-privkey.pem \
	--ca other-ca.pem --chassis hv1
check_contains "hv1 against the other CA" "FAIL  CA: expected a chain to \"CN=Other CA,O=Open vSwitch\", found issuer \"$ca_name\"" "$OUT"
# A CA file with both: either may be the anchor.
cat other-ca.pem "$CA" >both-cas.pem
cert_check "CA file with two CAs" 0 othera.pem --key othera.key --ca both-cas.pem \
	--chassis hv1
check_contains "two CAs: the one it chains to" \
	'ok    CA: chains to "CN=Other CA,O=Open vSwitch", one of the 2 certificates of "both-cas.pem"' "$OUT"
check_contains "two CAs: validity of that one" "ok    CA validity: \"CN=Other CA,O=Open vSwitch\" valid from" "$OUT"
check_eq "two CAs: the other one is not the chain's business" 0 \
	"$(grep -c "CA validity: \"$ca_name\"" <<<"$OUT" || true)"

log "--- a chain: leaf, intermediate, root; CA bundles"
# ca_ext: the extensions of a CA certificate, for openssl x509 -extfile.
printf '%s\n' 'basicConstraints = critical,CA:true' \
	'keyUsage = critical,keyCertSign,cRLSign' 'subjectKeyIdentifier = hash' \
	'authorityKeyIdentifier = keyid' >ca_ext
root_name="CN=Test Root,O=Open vSwitch"
int_name="CN=Test Intermediate,O=Open vSwitch"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout root.key -out root.pem -days 365 \
	-subj "/O=Open vSwitch/CN=Test Root" 2>/dev/null
request int "Test Intermediate" ""
openssl x509 -req -in int.req -CA root.pem -CAkey root.key -CAcreateserial \
	-days 365 -extfile ca_ext -out int.pem 2>/dev/null
request leaf hv1 hv1
openssl x509 -req -in leaf.req -CA int.pem -CAkey int.key -CAcreateserial \
	-days 365 -copy_extensions copy -out leaf.pem 2>/dev/null
cat leaf.pem int.pem >chain.pem
check_eq "openssl verify -untrusted: the chain holds" "leaf.pem: OK" \
	"$(openssl verify -CAfile root.pem -untrusted int.pem leaf.pem 2>&1)"

cert_check "chain file (leaf, then its intermediate)" 0 chain.pem --key leaf.key \
	--ca root.pem --chassis hv1
check_contains "chain file: through the intermediate" \
	"ok    CA: chains to \"$root_name\" through \"$int_name\"" "$OUT"
check_contains "chain file: the intermediate's validity" \
	"ok    intermediate validity: \"$int_name\" valid from $(not_before int.pem) until $(not_after int.pem)" "$OUT"
check_contains "chain file: the root's validity" \
	"ok    CA validity: valid from $(not_before root.pem) until $(not_after root.pem)" "$OUT"
check_contains "chain file: the CN is the leaf's" 'ok    CN: "hv1", the chassis name' "$OUT"
check_eq "chain file -j: results" \
	"ok version:ok cn:ok san:ok ca:ok key:ok validity:ok intermediate_validity:ok ca_validity:ok" \
	"$(gnvsecctl -j cert check chain.pem --key leaf.key --ca root.pem | python3 -c 'import json,sys; d=json.load(sys.stdin)
print(d["result"], " ".join(c["check"]+":"+c["result"] for c in d["checks"]))')"

cert_check "leaf without its intermediate" 1 leaf.pem --key leaf.key \
	--ca root.pem --chassis hv1
check_contains "no intermediate: names the missing certificate" \
	"FAIL  CA: expected a chain to \"$root_name\", found issuer \"$int_name\" (unable to get local issuer certificate): no certificate \"$int_name\" in \"leaf.pem\" (the certificate, then its intermediates) or \"root.pem\"" "$OUT"
check_contains "no intermediate: one failure" '1 of 7 checks failed' "$OUT"
# The intermediate is no trust anchor, even when given as the CA.
cert_check "the intermediate as the CA" 1 leaf.pem --key leaf.key --ca int.pem
check_contains "intermediate as the CA" \
	"FAIL  CA: expected a chain to \"$int_name\", found issuer \"$root_name\" of the intermediate \"$int_name\" (unable to get issuer certificate): no certificate \"$root_name\"" "$OUT"

# A CA bundle as a system has: many roots, one of them long expired
# (and, where the system has one, its whole bundle).
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout old-root.key -out old-root.req -subj "/O=Test/CN=Expired Root" 2>/dev/null
mkdir oldca
: >oldca/index.txt
echo 01 >oldca/serial
printf '%s\n' '[ca]' 'default_ca = old' '[old]' 'database = oldca/index.txt' \
	'new_certs_dir = oldca' 'serial = oldca/serial' 'default_md = sha256' \
	'policy = anything' 'x509_extensions = root_ext' '[anything]' \
	'commonName = supplied' 'organizationName = optional' '[root_ext]' \
	'basicConstraints = critical,CA:true' 'keyUsage = critical,keyCertSign,cRLSign' \
	'subjectKeyIdentifier = hash' >oldca.cnf
openssl ca -batch -config oldca.cnf -selfsign -keyfile old-root.key -in old-root.req \
	-out old-root.pem -startdate 20150101000000Z -enddate 20200101000000Z 2>/dev/null
RC=0
openssl x509 -checkend 0 -noout -in old-root.pem >/dev/null || RC=$?
check_eq "the old root has expired" 1 "$RC"
system=/etc/ssl/certs/ca-certificates.crt
[[ -r $system ]] || system=/dev/null
cat "$system" old-root.pem root.pem >bundle.pem
cat "$system" old-root.pem >bundle-noroot.pem
n_bundle=$(grep -c 'BEGIN CERTIFICATE' bundle.pem)
log "bundle.pem: $n_bundle certificates ($system, an expired root, the root)"
cert_check "chain against a bundle with an expired root" 0 chain.pem --key leaf.key \
	--ca bundle.pem --chassis hv1
check_contains "bundle: chains to the root" \
	"ok    CA: chains to \"$root_name\", one of the $n_bundle certificates of \"bundle.pem\" through \"$int_name\"" "$OUT"
check_contains "bundle: the root's validity" "ok    CA validity: \"$root_name\" valid from" "$OUT"
check_eq "bundle: no word of the expired root" 0 "$(grep -ci 'expired' <<<"$OUT" || true)"
check_eq "bundle: no failure" 0 "$(grep -c 'FAIL' <<<"$OUT" || true)"
cert_check "chain against a bundle without its root" 1 chain.pem --key leaf.key \
	--ca bundle-noroot.pem --chassis hv1
check_contains "bundle without the root: names the missing root" \
	"FAIL  CA: expected a chain to one of the $((n_bundle - 1)) certificates of \"bundle-noroot.pem\", found issuer \"$root_name\" of the intermediate \"$int_name\" (unable to get local issuer certificate): no certificate \"$root_name\" in \"chain.pem\"" "$OUT"
check_contains "bundle without the root: no CA to date" \
	"skip  CA validity: no chain, so none of the $((n_bundle - 1)) certificates of \"bundle-noroot.pem\" is the CA" "$OUT"
check_eq "bundle without the root: no word of the expired root" 0 \
	"$(grep -ci 'expired' <<<"$OUT" || true)"
check_contains "bundle without the root: one failure" '1 of 7 checks failed' "$OUT"
# The expired root itself, when it is the chain's: that is reported.
request oldleaf hv1 hv1
openssl x509 -req -in oldleaf.req -CA old-root.pem -CAkey old-root.key \
	-CAcreateserial -days 365 -copy_extensions copy -out oldleaf.pem 2>/dev/null
cert_check "signed by the expired root of a bundle" 1 oldleaf.pem --key oldleaf.key \
	--ca bundle.pem --chassis hv1
check_contains "expired root of the chain: chains" \
	"ok    CA: chains to \"O=Test,CN=Expired Root\", one of the $n_bundle certificates" "$OUT"
check_contains "expired root of the chain: reported" \
	"FAIL  CA validity: expected \"O=Test,CN=Expired Root\" valid now (" "$OUT"
check_contains "expired root of the chain: date" \
	"), found expired on 2020-01-01 00:00:00 UTC" "$OUT"
check_contains "expired root of the chain: one failure" '1 of 7 checks failed' "$OUT"

cert_check "key of another certificate" 1 hv1-cert.pem --key hv2-privkey.pem \
	--ca "$CA" --chassis hv1
check_contains "another key" "FAIL  key: expected the private key of the certificate's RSA 2048-bit public key, found another RSA 2048-bit key" "$OUT"
check_contains "another key: one failure" '1 of 7 checks failed' "$OUT"

request expired hv1 hv1
ca_sign expired -extensions usr_cert -startdate 20200101000000Z -enddate 20210101000000Z
cert_check "expired" 1 expired.pem --key expired.key --ca "$CA" --chassis hv1
check_contains "expired" 'FAIL  validity: expected valid now (' "$OUT"
check_contains "expired: date" '), found expired on 2021-01-01 00:00:00 UTC' "$OUT"
check_contains "expired: one failure" '1 of 7 checks failed' "$OUT"

request future hv1 hv1
ca_sign future -extensions usr_cert -startdate 20990101000000Z -enddate 21000101000000Z
cert_check "not yet valid" 1 future.pem --key future.key --ca "$CA" --chassis hv1
check_contains "not yet valid" '), found not valid before 2099-01-01 00:00:00 UTC' "$OUT"

request soon hv1 hv1
ca_sign soon -extensions usr_cert -days 10
cert_check "expires in 10 days: a warning only" 0 soon.pem --key soon.key \
	--ca "$CA" --chassis hv1
check_contains "expires soon" "warn  validity: expires in 10 days, on $(not_after soon.pem)" "$OUT"
check_eq "-j: expires soon" "warn" "$(gnvsecctl -j cert check soon.pem --key soon.key \
	--ca "$CA" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')"

log "--- files"
cert_check "missing certificate file" 1 nosuch.pem --key hv1-privkey.pem --ca "$CA"
check_eq "missing certificate file: message" \
'FAIL  certificate: cannot read "nosuch.pem": No such file or directory
gnvsecctl: cert check: "nosuch.pem": 1 of 1 checks failed' "$OUT"
cert_check "missing key and CA files" 1 hv1-cert.pem --key nokey.pem --ca noca.pem
check_contains "missing key file" 'FAIL  key: cannot read "nokey.pem": No such file or directory' "$OUT"
check_contains "missing CA file" 'FAIL  CA: cannot read "noca.pem": No such file or directory' "$OUT"
cert_check "key file holding a certificate" 1 hv1-cert.pem --key hv1-cert.pem --ca "$CA"
check_contains "not a key" 'FAIL  key: no private key in "hv1-cert.pem" (PEM or DER)' "$OUT"
cert_check "CA file holding a key" 1 hv1-cert.pem --key hv1-privkey.pem --ca hv1-privkey.pem
check_contains "not a CA" 'FAIL  CA: no certificate in "hv1-privkey.pem" (PEM or DER)' "$OUT"
openssl pkey -in hv1-privkey.pem -aes256 -passout pass:secret -out enc.key
cert_check "encrypted key: never a prompt" 1 hv1-cert.pem --key enc.key --ca "$CA" </dev/null
check_contains "encrypted key" 'FAIL  key: expected an unencrypted private key in "enc.key", found an encrypted one' "$OUT"
openssl x509 -in hv1-cert.pem -outform DER -out hv1.der
cert_check "DER certificate" 0 hv1.der --key hv1-privkey.pem --ca "$CA" --chassis hv1

log "--- usage"
cert_check "no --key" 2 hv1-cert.pem --ca "$CA"
check_contains "no --key" 'gnvsecctl: cert check: missing "--key KEY", the certificate'"'"'s private key' "$OUT"
cert_check "no --ca" 2 hv1-cert.pem --key hv1-privkey.pem
check_contains "no --ca" 'missing "--ca CA", the CA certificate' "$OUT"
cert_check "no CERT" 2 --key hv1-privkey.pem --ca "$CA"
check_contains "no CERT" 'missing the certificate file CERT' "$OUT"
cert_check "unknown option" 2 hv1-cert.pem --key hv1-privkey.pem --ca "$CA" --colour blue
check_contains "unknown option" 'unknown option "--colour"' "$OUT"
cert_check "two certificates" 2 hv1-cert.pem hv2-cert.pem --key hv1-privkey.pem --ca "$CA"
check_contains "two certificates" 'unexpected "hv2-cert.pem"' "$OUT"
cert_check "--key without a value" 2 hv1-cert.pem --ca "$CA" --key
check_contains "--key without a value" 'option "--key" needs a value' "$OUT"
RC=0
OUT=$(gnvsecctl cert verify hv1-cert.pem 2>&1) || RC=$?
check_eq "unknown cert command: exit status" 2 "$RC"
check_contains "unknown cert command" 'unknown command "verify"' "$OUT"
