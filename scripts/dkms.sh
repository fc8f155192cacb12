#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS installation of the gnvsec module (make dkms-install, dkms-uninstall):
#
#   bash scripts/dkms.sh install [KVER...]
#   bash scripts/dkms.sh uninstall
#
# install copies the module's sources (Kbuild, Makefile, VERSION, dkms.conf,
# module/, uapi/) to /usr/src/gnvsec-VERSION, registers them with dkms and
# builds and installs the module for each KVER: a release
# (6.1.0-56-amd64), a series ("6.12": the newest installed 6.12.* with
# headers) or "all" (every installed kernel with headers that dkms.conf
# accepts). Default: the running kernel. The module lands in
# /lib/modules/KVER/updates/dkms/ and dkms runs depmod, so `modprobe gnvsec`
# finds it; with AUTOINSTALL dkms builds it for kernels installed later.
# A gnvsec/VERSION already known to dkms is removed first, so that changed
# sources are rebuilt rather than reused.
#
# uninstall removes gnvsec/VERSION from dkms for every kernel (dkms deletes
# the installed modules and runs depmod) and deletes /usr/src/gnvsec-VERSION.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

name=gnvsec
version=$(cat VERSION)
src=/usr/src/$name-$version

die() { echo "dkms: $*" >&2; exit 1; }

((EUID == 0)) || die "must run as root (sudo make dkms-install)"
command -v dkms >/dev/null || die "dkms is not installed (apt-get install dkms)"

# A release, a series or "all" to releases with headers, one a line.
resolve() {
	local k r best=""
	if [[ $1 == all ]]; then
		for r in $(ls /lib/modules); do
			[[ -d /lib/modules/$r/build/include ]] && echo "$r"
		done
		return 0
	fi
	if [[ -d /lib/modules/$1/build ]]; then
		echo "$1"
		return 0
	fi
	for k in /lib/modules/"$1".*; do
		r=${k#/lib/modules/}
		[[ -d $k/build/include && $r != *-rt-* && $r != *-cloud-* ]] || continue
		best=$(printf '%s\n%s\n' "$best" "$r" | sort -V | tail -n 1)
	done
	[[ -n $best ]] || die "no kernel headers for '$1' in /lib/modules/*/build"
	echo "$best"
}

registered() { [[ -n $(dkms status -m "$name" -v "$version" 2>/dev/null) ]]; }

do_remove() {
	if registered; then
		dkms remove -m "$name" -v "$version" --all
	fi
	rm -rf "$src"
}

do_install() {
	local kvers=() k files re
	(($#)) || set -- "$(uname -r)"
	for k; do
		mapfile -t -O "${#kvers[@]}" kvers < <(resolve "$k")
	done
	((${#kvers[@]})) || die "no kernel to build for"

	[[ -f dkms.conf ]] || die "no dkms.conf"
	grep -q "^PACKAGE_VERSION=\"$version\"$" dkms.conf ||
		die "dkms.conf is not for version $version (VERSION): make it so"

	# "all" may list kernels dkms.conf excludes: leave them out.
	re=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' dkms.conf)
	for k in "${!kvers[@]}"; do
		if [[ -n $re && ! ${kvers[k]} =~ $re ]]; then
			echo "dkms: skipping ${kvers[k]}: gnvsec needs Linux 6.1 or newer"
			unset "kvers[k]"
		fi
	done
	((${#kvers[@]})) || die "no kernel to build for"

	do_remove
	files=(Kbuild Makefile VERSION dkms.conf module/*.c module/*.h uapi/linux/*.h)
	mkdir -p "$src"
	cp --parents "${files[@]}" "$src/"
	dkms add -m "$name" -v "$version"
	for k in "${kvers[@]}"; do
		dkms build -m "$name" -v "$version" -k "$k"
		dkms install -m "$name" -v "$version" -k "$k"
		echo "dkms: $k: $(modinfo -k "$k" -n "$name")"
	done
}

case ${1:-} in
install) shift; do_install "$@" ;;
uninstall) do_remove ;;
*) die "usage: $0 install [KVER...] | uninstall" ;;
esac
