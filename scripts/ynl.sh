#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's YNL tools for the gnvsec spec (Documentation/netlink/specs/
# gnvsec.yaml, the single source of the Generic Netlink ABI):
#
#   bash scripts/ynl.sh dir           prints the directory of the tools
#                                     (extracting them first if needed)
#   bash scripts/ynl.sh validate      checks the spec against the schema of
#                                     the protocol it names
#   bash scripts/ynl.sh gen [OUTDIR]  generates the files below into OUTDIR
#                                     (default: the tree itself)
#   bash scripts/ynl.sh check         validate, then gen into a temporary
#                                     directory and fail on any difference
#                                     with the committed files, then abi
#                                     (make gates)
#   bash scripts/ynl.sh abi           every "NAME VALUE" line of
#                                     Documentation/netlink/gnvsec-abi.txt
#                                     (the ABI before generation) is what
#                                     the C compiler makes of the header:
#                                     names and values never change (an
#                                     enum's _MAX only grows)
#   bash scripts/ynl.sh cli ARG...    runs the kernel's ynl CLI (cli.py)
#                                     with --spec set to the spec
#
# Generated (never edit them by hand; edit the spec and run `gen`):
#   uapi/linux/gnvsec.h     ynl-gen-c --mode uapi --header
#   module/gnvsec-nl.h      ynl-gen-c --mode kernel --header
#   module/gnvsec-nl.c      ynl-gen-c --mode kernel --source
#   Documentation/netlink/gnvsec.rst
#                           ynl-gen-rst: the spec's documentation, every
#                           operation with its request and reply
#                           attributes, every attribute with its type
#
# The tools come from Debian's linux-source-6.12 (scripts/deps.sh installs
# it): only tools/net/ynl and Documentation/netlink/*.yaml are extracted
# from /usr/src/linux-source-6.12.tar.xz, once per package version, into
# /var/cache/gnvsec/ynl-<version> (GNVSEC_YNL_CACHE overrides the parent
# directory; GNVSEC_YNL_DIR names a ready tree with tools/net/ynl and
# Documentation/netlink instead). They need python3-yaml and, to validate,
# python3-jsonschema.
#
# ynl-gen-c names the spec in the files it writes by its path below the
# nearest directory holding a MAINTAINERS file; it runs in a temporary tree
# laid out as the kernel's (MAINTAINERS, Documentation/netlink/specs/,
# tools/net/ynl/) so that the output names the spec by the same path,
# Documentation/netlink/specs/gnvsec.yaml, wherever it runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=$PWD

SRC_PKG=linux-source-6.12
TARBALL=/usr/src/$SRC_PKG.tar.xz
SPEC=Documentation/netlink/specs/gnvsec.yaml

die() { echo "ynl: $*" >&2; exit 2; }

# The directory with tools/net/ynl and Documentation/netlink/*.yaml.
ynl_dir() {
	local ver dir tmp

	if [[ -n ${GNVSEC_YNL_DIR:-} ]]; then
		[[ -f $GNVSEC_YNL_DIR/tools/net/ynl/ynl-gen-c.py ]] ||
			die "GNVSEC_YNL_DIR=$GNVSEC_YNL_DIR has no tools/net/ynl"
		echo "$GNVSEC_YNL_DIR"
		return 0
	fi
	ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) || ver=
	[[ -n $ver && -f $TARBALL ]] ||
		die "no $TARBALL (apt-get install $SRC_PKG, or make deps)"
	dir=${GNVSEC_YNL_CACHE:-/var/cache/gnvsec}/ynl-$ver
	if [[ ! -f $dir/.complete ]]; then
		mkdir -p "$(dirname "$dir")"
		tmp=$(mktemp -d "$dir.XXXXXX")
		tar -xJf "$TARBALL" -C "$tmp" --strip-components=1 \
			--wildcards "$SRC_PKG/tools/net/ynl" \
			"$SRC_PKG/Documentation/netlink/*.yaml" ||
			{ rm -rf "$tmp"; die "cannot extract the YNL tools from $TARBALL"; }
		touch "$tmp/.complete"
		rm -rf "$dir"
		mv "$tmp" "$dir" || { rm -rf "$tmp"; [[ -f $dir/.complete ]] || exit 1; }
	fi
	echo "$dir"
}

# A kernel-like tree in $1 with the tools and the spec.
lay_out() {
	local t=$1 y=$2

	mkdir -p "$t/tools/net" "$t/Documentation/netlink/specs"
	: >"$t/MAINTAINERS"
	cp -r "$y/tools/net/ynl" "$t/tools/net/"
	cp "$y"/Documentation/netlink/*.yaml "$t/Documentation/netlink/"
	cp "$top/$SPEC" "$t/$SPEC"
}

validate() {
	local y=$1 proto

	proto=$(python3 -c 'import sys, yaml
print(yaml.safe_load(open(sys.argv[1])).get("protocol", "genetlink"))' "$SPEC")
	[[ -f $y/Documentation/netlink/$proto.yaml ]] ||
		die "no schema for protocol $proto"
	python3 - "$SPEC" "$y/Documentation/netlink/$proto.yaml" <<'EOF'
import sys
import jsonschema
import yaml

spec = yaml.safe_load(open(sys.argv[1]))
schema = yaml.safe_load(open(sys.argv[2]))
try:
    jsonschema.validate(spec, schema)
except jsonschema.ValidationError as e:
    path = "/".join(str(p) for p in e.absolute_path)
    sys.exit(f"ynl: {sys.argv[1]}: {path}: {e.message}")
EOF
	echo "ynl: $SPEC: valid $proto spec"
}

# gen YNL-DIR OUTDIR
gen() {
	local y=$1 out=$2 t

	t=$(mktemp -d)
	lay_out "$t" "$y"
	mkdir -p "$out/uapi/linux" "$out/module" "$out/Documentation/netlink"
	(
		cd "$t"
		g=tools/net/ynl/ynl-gen-c.py
		python3 $g --mode uapi --header --spec "$SPEC" -o gnvsec.h
		python3 $g --mode kernel --header --spec "$SPEC" -o gnvsec-nl.h
		python3 $g --mode kernel --source --spec "$SPEC" -o gnvsec-nl.c
		python3 tools/net/ynl/ynl-gen-rst.py -i "$SPEC" -o gnvsec.rst
	) || { rm -rf "$t"; die "ynl-gen-c failed"; }
	cp "$t/gnvsec.h" "$out/uapi/linux/gnvsec.h"
	cp "$t/gnvsec-nl.h" "$t/gnvsec-nl.c" "$out/module/"
	cp "$t/gnvsec.rst" "$out/Documentation/netlink/gnvsec.rst"
	rm -rf "$t"
}

check() {
	local y=$1 t f rc=0

	validate "$y"
	t=$(mktemp -d)
	gen "$y" "$t"
	for f in uapi/linux/gnvsec.h module/gnvsec-nl.h module/gnvsec-nl.c \
		Documentation/netlink/gnvsec.rst; do
		if ! diff -u "$f" "$t/$f"; then
			echo "ynl: $f differs from what $SPEC generates (bash scripts/ynl.sh gen)"
			rc=1
		fi
	done
	rm -rf "$t"
	((rc == 0)) && echo "ynl: generated files match $SPEC"
	abi || rc=1
	return "$rc"
}

# Every name and value of the ABI lock is in the header, as C sees it; an
# enum's bound (a name ending in _MAX) may only grow, as entries are added.
abi() {
	local lock=Documentation/netlink/gnvsec-abi.txt now gone

	now=$(python3 scripts/uapi-abi.py uapi/linux/gnvsec.h) || return 1
	gone=$(grep -v '_MAX ' "$lock" | LC_ALL=C comm -23 - <(grep -v '_MAX ' <<<"$now"))
	gone+=$(awk 'NR == FNR { if ($1 ~ /_MAX$/) max[$1] = $2; next }
		$1 ~ /_MAX$/ && !($1 in max && max[$1] + 0 >= $2 + 0) { print "\n" $0 " (may only grow)" }' \
		<(echo "$now") "$lock")
	if [[ -n $gone ]]; then
		echo "$gone" | sed '/^$/d; s/^/ynl: ABI: missing or changed: /'
		return 1
	fi
	echo "ynl: uapi/linux/gnvsec.h keeps the $(wc -l <"$lock") names and values of $lock"
}

cmd=${1:-}
(($#)) && shift
case $cmd in
dir) ynl_dir ;;
validate) validate "$(ynl_dir)" ;;
gen)
	y=$(ynl_dir)
	validate "$y"
	gen "$y" "${1:-$top}"
	;;
check) check "$(ynl_dir)" ;;
abi) abi ;;
cli)
	y=$(ynl_dir)
	exec python3 "$y/tools/net/ynl/cli.py" --spec "$top/$SPEC" \
		--schema "$y/Documentation/netlink/genetlink-legacy.yaml" "$@"
	;;
*) die "usage: $0 dir | validate | gen [OUTDIR] | check | abi | cli ARG..." ;;
esac
