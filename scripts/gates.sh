#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Quality gates of the module sources (make checkpatch, sparse, w1, gates):
#
#   bash scripts/gates.sh checkpatch
#   bash scripts/gates.sh sparse KVER...    C=2 build, Debian's sparse
#   bash scripts/gates.sh w1 KVER...        W=1 build
#   bash scripts/gates.sh host              scripts/host-gates.sh (setup,
#                                           dkms, man page, completion, CLI)
#   bash scripts/gates.sh all KVER...       checkpatch, ynl, host, then W=1 C=2 builds
#
# checkpatch is the kernel's scripts/checkpatch.pl --strict --no-tree from
# Debian's linux-source-6.1 (only it, spelling.txt and
# const_structs.checkpatch are extracted, into build/checkpatch/), run on
# module/*.[ch] (the generated gnvsec-nl.[ch] too: they are compiled). The
# uapi header is generated from the YNL spec in ynl-gen-c's own layout
# (no blank line between an enum and its MAX define) and checked by the
# ynl gate instead:
#
#   bash scripts/gates.sh ynl               scripts/ynl.sh check: the spec
#                                           passes its schema, the committed
#                                           generated files are what it
#                                           makes, the ABI lock holds
#
# A KVER is a release or a series ("6.12":
# the newest installed 6.12.* with headers). Kernel builds run on a fresh
# copy of the module sources in build/gates/KVER/, so every file is compiled
# (nothing is up to date from an earlier build and hides its warnings) and
# the tree's own objects are left alone. A build fails the gate on any
# warning or error (compiler, sparse, objtool, modpost), except sparse's
# reports located in the kernel's own headers, which are shown but not
# counted: they are not gnvsec's to fix. Exit status: 0 when clean.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=$PWD
out=$top/build

die() { echo "gates: $*" >&2; exit 2; }

checkpatch() {
	local dir=$out/checkpatch tarball=/usr/src/linux-source-6.1.tar.xz
	if [[ ! -x $dir/checkpatch.pl ]]; then
		[[ -f $tarball ]] || die "no $tarball (apt-get install linux-source-6.1)"
		mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=2 \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch
	fi
	echo "gates: checkpatch --strict"
	"$dir/checkpatch.pl" --strict --no-tree --quiet --show-types \
		-f module/*.c module/*.h
}

# A release or a series to a release with headers.
resolve() {
	local k r best=""
	if [[ -d /lib/modules/$1/build ]]; then
		echo "$1"
		return 0
	fi
	for k in /lib/modules/"$1".*; do
		r=${k#/lib/modules/}
		[[ -d $k/build/include && $r != *-rt-* && $r != *-cloud-* ]] || continue
		best=$(printf '%s\n%s\n' "$best" "$r" | sort -V | tail -n 1)
	done
	[[ -n $best ]] || die "no kernel headers for '$1'"
	echo "$best"
}

# kbuild KVER MAKE-ARGS...: builds a fresh copy of the module for KVER.
kbuild() {
	local kver=$1 dir log bad
	shift
	kver=$(resolve "$kver")
	dir=$out/gates/$kver
	log=$out/gates/$kver.log
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r Kbuild VERSION module uapi "$dir/"
	rm -f "$dir"/module/*.o "$dir"/module/.*.cmd
	echo "gates: $kver: make $*"
	if ! make -C "/lib/modules/$kver/build" M="$dir" "$@" modules >"$log" 2>&1; then
		cat "$log"
		echo "gates: $kver: the build failed ($log)"
		return 1
	fi
	# sparse on the kernel's headers: shown, not counted
	grep -E "^/usr/src/linux-headers-[^:]*:[0-9]+:[0-9]+: (warning|error):" "$log" |
		sed 's/^/gates: kernel header (ignored): /' | sort -u
	bad=$(grep -iE 'warning|error' "$log" |
		grep -vE "^/usr/src/linux-headers-[^:]*:[0-9]+:[0-9]+: (warning|error):" || true)
	if [[ -n $bad ]]; then
		echo "$bad"
		echo "gates: $kver: warnings ($log)"
		return 1
	fi
	rm -rf "$dir"
}

# each_kernel MAKE-ARGS...: kbuild for every kernel given.
each_kernel() {
	local k rc=0
	((${#kvers[@]})) || die "no kernel given"
	for k in "${kvers[@]}"; do
		kbuild "$k" "$@" || rc=1
	done
	return "$rc"
}

cmd=${1:-}
(($#)) && shift
kvers=("$@")
case $cmd in
checkpatch) checkpatch ;;
sparse) each_kernel C=2 ;;
w1) each_kernel W=1 ;;
host) bash scripts/host-gates.sh ;;
ynl) bash scripts/ynl.sh check ;;
all)
	rc=0
	checkpatch || rc=1
	bash scripts/ynl.sh check || rc=1
	bash scripts/host-gates.sh || rc=1
	each_kernel W=1 C=2 || rc=1
	exit "$rc"
	;;
*) die "usage: $0 checkpatch | sparse KVER... | w1 KVER... | host | ynl | all KVER..." ;;
esac
