#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs the Debian packages that building gnvsec and running its VM tests
# need. Idempotent: packages already installed are detected with dpkg-query, so
# a second run is fast and needs no network. apt-get update only runs when
# something is missing. Safe under CI=true with no stdin.
#
# Kernels: bookworm's 6.1 and the 6.12 series. 6.12 comes from the
# linux-6.12 packages of bookworm-security (metapackages
# linux-image-6.12-amd64 and linux-headers-6.12-amd64); where the apt sources
# have no candidate for them, bookworm-backports is added
# (/etc/apt/sources.list.d/gnvsec-backports.list) and the newest
# linux-image-6.12.*-amd64 there is taken. A series counts as installed when
# an image in /boot and its headers are.
#
# Extra packages can be passed as arguments, e.g. a specific kernel:
#   bash scripts/deps.sh linux-image-6.12.12+bpo-amd64 linux-headers-6.12.12+bpo-amd64
set -euo pipefail

pkgs=(
	# kernel to test in the VM and headers to build the module against
	linux-image-amd64 linux-headers-amd64
	# build; gnvsecctl links libmnl, libcrypto and json-c, whose shared
	# libraries (libmnl0, libssl3, libjson-c5) come with these and are
	# what the guest runs it with (it shares the host root)
	build-essential pkg-config libmnl-dev libssl-dev libjson-c-dev
	# quality gates (make gates): sparse, checkpatch.pl from the source,
	# mandoc to lint the manual page
	sparse linux-source-6.1 mandoc
	# the Generic Netlink ABI: the kernel's YNL tools (ynl-gen-c, the ynl
	# CLI, the spec schemas) from linux-source-6.12 (scripts/ynl.sh
	# extracts only those), with the Python modules they import; the VM
	# guest runs the ynl CLI with the same python3 (selftests/79-ynl.sh)
	linux-source-6.12 python3-yaml python3-jsonschema
	# the VM: qemu, initramfs (busybox + cpio + module decompressors)
	qemu-system-x86 busybox-static cpio xz-utils zstd
	# kmod and the libraries modprobe needs in the guest (the guest shares
	# the host root, so what is installed here is what the guest has)
	kmod libkmod2 libzstd1 liblzma5 libssl3
	# tools the guest tests use
	iproute2 iputils-ping tcpdump iperf3 nftables conntrack python3 procps
	ethtool psmisc
	wireguard-tools	# make bench: WireGuard's wg
	linux-perf	# make profile: perf record in the guest (one perf for both kernels)
	# gnvsecctl cert check's selftest: certificates from ovs-pki (as the
	# OVN IPsec tutorial makes them) and openssl for the bad ones
	openvswitch-common
	# the IKE tests (81-84): strongSwan's charon and swanctl (vici), its
	# openssl plugin (ECDSA, AES-GCM), and openssl to make certificates
	strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
	openssl
	# what Documentation/tutorial.md installs on a chassis (strongSwan's
	# systemd service), so that its install step holds here too
	charon-systemd dkms
	# make gates: systemd-analyze verify of the units make install writes
	systemd
	# "ike sync --backend libreswan" (selftests *-libreswan): NSS's tools,
	# which it imports certificates with, and the libraries of Libreswan's
	# pluto, which is unpacked below rather than installed
	libnss3-tools libldns3 libevent-core-2.1-7 libevent-pthreads-2.1-7
	libunbound8 libcurl3-nss libldap-2.5-0 libcap-ng0 libaudit1
	dns-root-data
)
pkgs+=("$@")

# Kernel series besides the default one: image + headers metapackages.
series=(6.12)

# True if a generic-flavour kernel of series $1 and its headers are installed.
have_series() {
	local f r
	for f in /boot/vmlinuz-"$1".*; do
		[[ -e $f ]] || continue
		r=${f#/boot/vmlinuz-}
		[[ $r == *-rt-* || $r == *-cloud-* ]] && continue
		[[ -d /lib/modules/$r/build/include ]] && return 0
	done
	return 1
}

# The package names for series $1 the apt lists offer: the metapackages,
# else the newest linux-image-$1.*-amd64 with its headers.
series_pkgs() {
	local r
	if apt-cache policy "linux-image-$1-amd64" 2>/dev/null |
		grep -q 'Candidate: [0-9]'; then
		echo "linux-image-$1-amd64 linux-headers-$1-amd64"
		return 0
	fi
	r=$(apt-cache search --names-only "^linux-image-${1//./\\.}\\.[0-9]+.*-amd64\$" |
		awk '{print $1}' | grep -v -e '-rt-' -e '-cloud-' -e '-dbg' |
		sed -e 's/^linux-image-//' -e 's/-unsigned$//' | sort -uV | tail -n 1)
	[[ -n $r ]] || return 1
	echo "linux-image-$r linux-headers-$r"
}

want_series=()
for k in "${series[@]}"; do
	have_series "$k" || want_series+=("$k")
done

declare -A have=()
while read -r p st; do
	[[ $st == installed ]] && have[${p%%:*}]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${pkgs[@]}" 2>/dev/null)
missing=()
for p in "${pkgs[@]}"; do
	[[ -n ${have[$p]:-} ]] || missing+=("$p")
done

sudo=()
((EUID == 0)) || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
apt_update() { "${sudo[@]}" apt-get update -q -o DPkg::Lock::Timeout=600 </dev/null; }

# Libreswan, the reconciler's second backend: Debian's package Conflicts
# with strongSwan's (both are "the" IPsec of a host), so it is unpacked
# into $LSW_DIR/root, not installed; the tests bind its /usr/libexec/ipsec
# into place inside the VM guest only (selftests/lib-ike.sh).
LSW_DIR=/var/cache/gnvsec/libreswan
libreswan_unpack() {
	local tmp
	[[ -x $LSW_DIR/root/usr/libexec/ipsec/pluto ]] && return 0
	tmp=$(mktemp -d)
	"${sudo[@]}" chmod 0755 "$tmp"
	if ! (cd "$tmp" && "${sudo[@]}" apt-get download -q libreswan </dev/null); then
		apt_update
		(cd "$tmp" && "${sudo[@]}" apt-get download -q libreswan </dev/null)
	fi
	"${sudo[@]}" mkdir -p "$LSW_DIR"
	"${sudo[@]}" rm -rf "$LSW_DIR/root.new"
	"${sudo[@]}" dpkg-deb -x "$tmp"/libreswan_*.deb "$LSW_DIR/root.new"
	"${sudo[@]}" rm -rf "$LSW_DIR/root" "$tmp"
	"${sudo[@]}" mv "$LSW_DIR/root.new" "$LSW_DIR/root"
	echo "deps: Libreswan unpacked into $LSW_DIR/root"
}

if ((${#missing[@]} == 0 && ${#want_series[@]} == 0)); then
	libreswan_unpack
	echo "deps: all ${#pkgs[@]} packages and kernels ${series[*]} installed"
	exit 0
fi

apt_update
for k in "${want_series[@]}"; do
	if ! kp=$(series_pkgs "$k"); then
		codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
		list=/etc/apt/sources.list.d/gnvsec-backports.list
		if [[ ! -e $list ]]; then
			echo "deps: no $k kernel in the apt sources: adding $codename-backports"
			echo "deb http://deb.debian.org/debian $codename-backports main" |
				"${sudo[@]}" tee "$list" >/dev/null
			apt_update
		fi
		kp=$(series_pkgs "$k") || { echo "deps: no $k kernel found" >&2; exit 1; }
	fi
	read -ra kpa <<<"$kp"
	missing+=("${kpa[@]}")
done

# Installing a daemon must not start it: strongswan-starter's scripts would
# start charon on this host (invoke-rc.d without systemd, deb-systemd-invoke
# with it). Both ask policy-rc.d first; where there is none, one that
# forbids every start stands in for the time of the install.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\n# scripts/deps.sh: no daemon starts while installing\nexit 101\n' |
		"${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod 0755 "$policy"
	trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi

echo "deps: installing ${missing[*]}"
"${sudo[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}" </dev/null

# Nor at the next boot: the tests run their own charons, one per namespace.
# (systemctl edits the unit links whether or not systemd is running;
# deb-systemd-helper only works from inside a package's scripts.)
for p in "${missing[@]}"; do
	case $p in
	charon-systemd) unit=strongswan.service ;;
	strongswan-starter | strongswan-charon) unit=strongswan-starter.service ;;
	*) continue ;;
	esac
	if command -v systemctl >/dev/null; then
		"${sudo[@]}" systemctl disable "$unit" >/dev/null 2>&1 || true
	fi
	if [[ $unit == strongswan-starter.service ]] && command -v update-rc.d >/dev/null; then
		"${sudo[@]}" update-rc.d ipsec disable >/dev/null 2>&1 || true
	fi
done
libreswan_unpack
