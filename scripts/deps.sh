#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian packages that building gnvsec and running its VM tests
# need. Idempotent: packages already installed are detected with dpkg-query, so
# a second run is fast and needs no network. apt-get update only runs when
# something is missing. Safe under CI=true with no stdin.
#
# Extra packages can be passed as arguments, e.g. a second kernel:
#   bash scripts/deps.sh linux-image-6.12.12+bpo-amd64 linux-headers-6.12.12+bpo-amd64
set -euo pipefail

pkgs=(
	# kernel to test in the VM and headers to build the module against
	linux-image-amd64 linux-headers-amd64
	# build
	build-essential pkg-config libmnl-dev
	# the VM: qemu, initramfs (busybox + cpio + module decompressors)
	qemu-system-x86 busybox-static cpio xz-utils zstd
	# kmod and the libraries modprobe needs in the guest (the guest shares
	# the host root, so what is installed here is what the guest has)
	kmod libkmod2 libzstd1 liblzma5 libssl3
	# tools the guest tests use
	iproute2 iputils-ping tcpdump iperf3 nftables python3 procps ethtool
	psmisc
)
pkgs+=("$@")

declare -A have=()
while read -r p st; do
	[[ $st == installed ]] && have[${p%%:*}]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${pkgs[@]}" 2>/dev/null)
missing=()
for p in "${pkgs[@]}"; do
	[[ -n ${have[$p]:-} ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#pkgs[@]} packages installed"
	exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
((EUID == 0)) || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q -o DPkg::Lock::Timeout=600 </dev/null
"${sudo[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}" </dev/null
