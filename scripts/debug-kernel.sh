#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds and installs a debug kernel (KASAN, KFENCE, lockdep, kmemleak, UBSAN,
# refcount and netdev/netns reference trackers, fault injection) from Debian's
# linux-source-6.12, for `make check-debug`.
#
#   bash scripts/debug-kernel.sh            build if needed, install, print
#                                           the release on the last line
#   bash scripts/debug-kernel.sh --release  print the release it would have
#   bash scripts/debug-kernel.sh --config   only write and check the .config
#
# The release is <series>-gnvsec-debug, e.g. 6.12-gnvsec-debug: LOCALVERSION
# on the series, not on the full version (KERNELRELEASE set on make's command
# line), so that it matches none of the series lookups (/boot/vmlinuz-6.12.*
# in `KVERS=6.12`, /lib/modules/6.12.* in the gates) and sorts below Debian's
# 6.12.x (`make` without KVER builds for the newest headers): the debug
# kernel is used only when named. Its source version is in
# /lib/modules/<release>/build (the cache directory's name). It is installed
# as an ordinary kernel: /boot/vmlinuz-<release>, /boot/System.map-<release>,
# /boot/config-<release>, /lib/modules/<release>/ (modules_install) and
# /lib/modules/<release>/build pointing at the build tree, so that
# `make KVER=<release>`, DKMS and selftests/vm/vm.sh use it like any other.
#   bash scripts/debug-kernel.sh --uninstall  removes it from /boot and
#                                           /lib/modules (the cache stays)
#
# Cache: /var/cache/gnvsec/debug-kernel (GNVSEC_CACHE overrides). The source
# is unpacked once per Debian source version; each build lives in
# build-<source version>-<hash of the final .config>, and a build that
# completed (stamp file) is reused. A change of either key builds anew.
#
# Knobs: JOBS=2 (make -j), NICE=19.
#
# The config starts from `make defconfig` + `kvm_guest.config`, drops big
# subsystems no test uses (graphics, sound, USB, wireless, NIC drivers), then
# turns on what the tests need and the debug options, all built in where
# possible so that the guest needs no module loading for them.
set -euo pipefail

SRC_PKG=linux-source-6.12
CACHE=${GNVSEC_CACHE:-/var/cache/gnvsec/debug-kernel}
JOBS=${JOBS:-2}
NICE=${NICE:-19}
LOCALVERSION=-gnvsec-debug

# Called from make (make check-debug): a parent's flags (-n, -s, its
# jobserver) are not for the kernel's build.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

log() { echo "debug-kernel: $*" >&2; }
die() { log "$*"; exit 1; }
# set -e stops at the first failing command: say which.
set -E
trap 'log "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR

# Options set to y (built in).
want_y=(
	# modules: out-of-tree gnvsec.ko built against this tree must load
	MODULES MODULE_UNLOAD KALLSYMS KALLSYMS_ALL
	# the VM: host root over virtio-9p under a tmpfs overlay, serial console
	VIRTIO VIRTIO_PCI VIRTIO_CONSOLE NET_9P NET_9P_VIRTIO 9P_FS
	9P_FS_POSIX_ACL OVERLAY_FS TMPFS TMPFS_POSIX_ACL DEVTMPFS
	DEVTMPFS_MOUNT BLK_DEV_INITRD PROC_FS SYSFS SERIAL_8250
	SERIAL_8250_CONSOLE UNIX USER_NS NAMESPACES NET_NS PID_NS UTS_NS IPC_NS
	# networking the tests use
	NET INET IPV6 PACKET PACKET_DIAG UNIX_DIAG INET_DIAG INET_UDP_DIAG
	VETH DUMMY BRIDGE TUN GENEVE VXLAN WIREGUARD NET_UDP_TUNNEL
	NET_SCHED NET_CLS_ACT
	XFRM XFRM_USER XFRM_INTERFACE XFRM_STATISTICS XFRM_OFFLOAD
	INET_ESP INET_ESP_OFFLOAD INET_AH INET_IPCOMP INET_TUNNEL
	INET6_ESP INET6_ESP_OFFLOAD INET6_AH INET6_IPCOMP INET6_TUNNEL
	IPV6_TUNNEL
	# netfilter: nftables (ip, ip6, inet, netdev), conntrack, NAT; local
	# in/out hooks
	NETFILTER NETFILTER_ADVANCED NETFILTER_INGRESS NETFILTER_EGRESS
	NETFILTER_NETLINK NETFILTER_NETLINK_LOG NETFILTER_NETLINK_QUEUE
	NF_CONNTRACK NF_CONNTRACK_MARK NF_CONNTRACK_EVENTS NF_CT_NETLINK
	NF_NAT NF_TABLES NF_TABLES_INET NF_TABLES_NETDEV NF_TABLES_IPV4
	NF_TABLES_IPV6 NFT_CT NFT_NAT NFT_MASQ NFT_REDIR NFT_REJECT
	NFT_REJECT_INET NFT_LOG NFT_LIMIT NFT_QUEUE NFT_QUOTA NFT_FIB_INET
	NFT_FIB_IPV4 NFT_FIB_IPV6 NFT_SOCKET NFT_XFRM NF_LOG_SYSLOG
	NF_DEFRAG_IPV4 NF_DEFRAG_IPV6 NF_REJECT_IPV4 NF_REJECT_IPV6
	IP_NF_IPTABLES IP_NF_FILTER IP6_NF_IPTABLES IP6_NF_FILTER
	# copies of packets (nft dup, iptables TEE: 62-reroute's output guard)
	NF_DUP_IPV4 NF_DUP_IPV6 NF_DUP_NETDEV NFT_DUP_IPV4 NFT_DUP_IPV6
	NFT_DUP_NETDEV NETFILTER_XT_TARGET_TEE
	# crypto the tests and IKE use; a default RNG (drbg) for ESP
	CRYPTO CRYPTO_AEAD CRYPTO_AES CRYPTO_AES_NI_INTEL CRYPTO_GCM
	CRYPTO_CTR CRYPTO_GHASH CRYPTO_GHASH_CLMUL_NI_INTEL CRYPTO_CBC
	CRYPTO_ECB CRYPTO_HMAC CRYPTO_SHA1 CRYPTO_SHA256 CRYPTO_SHA512
	CRYPTO_SHA1_SSSE3 CRYPTO_SHA256_SSSE3 CRYPTO_SHA512_SSSE3 CRYPTO_MD5
	CRYPTO_SEQIV CRYPTO_ECHAINIV CRYPTO_AUTHENC CRYPTO_NULL CRYPTO_CCM
	CRYPTO_CMAC CRYPTO_XCBC CRYPTO_CHACHA20POLY1305 CRYPTO_DES
	CRYPTO_DEFLATE CRYPTO_RNG CRYPTO_DRBG_MENU CRYPTO_DRBG_HMAC
	CRYPTO_DRBG_HASH CRYPTO_DRBG_CTR CRYPTO_JITTERENTROPY CRYPTO_USER
	CRYPTO_USER_API_HASH CRYPTO_USER_API_SKCIPHER CRYPTO_USER_API_AEAD
	CRYPTO_USER_API_RNG
	# debug: memory
	DEBUG_KERNEL DEBUG_FS KASAN KASAN_GENERIC KASAN_INLINE KASAN_VMALLOC
	KFENCE DEBUG_KMEMLEAK UBSAN UBSAN_BOUNDS UBSAN_SHIFT DEBUG_LIST
	DEBUG_OBJECTS DEBUG_OBJECTS_FREE DEBUG_OBJECTS_TIMERS
	DEBUG_OBJECTS_WORK DEBUG_OBJECTS_RCU_HEAD
	# debug: locking, RCU, sleeping in atomic context
	PROVE_LOCKING PROVE_RCU LOCKDEP DEBUG_LOCK_ALLOC DEBUG_SPINLOCK
	DEBUG_MUTEXES DEBUG_RWSEMS DEBUG_ATOMIC_SLEEP DETECT_HUNG_TASK
	SOFTLOCKUP_DETECTOR RCU_EXPERT
	# debug: reference trackers
	REF_TRACKER NET_DEV_REFCNT_TRACKER NET_NS_REFCNT_TRACKER
	# fault injection (selftests limit it to gnvsecctl with task-filter)
	FAULT_INJECTION FAILSLAB FAIL_PAGE_ALLOC FAULT_INJECTION_DEBUG_FS
	FAULT_INJECTION_STACKTRACE_FILTER
)
# Options set to n.
want_n=(
	# an out-of-tree module built against the tree loads without these
	MODVERSIONS MODULE_SIG MODULE_SIG_FORCE
	# kmemleak is scanned by check-debug after each test, at known times,
	# rather than by a thread every 10 minutes that would report one
	# test's leak during another's
	DEBUG_KMEMLEAK_AUTO_SCAN DEBUG_KMEMLEAK_DEFAULT_OFF
	# reports must not stop the run: the harness collects them per test
	PANIC_ON_OOPS KASAN_OUTLINE UBSAN_TRAP
	# no debug info: a KASAN kernel with it takes twice as long to build;
	# reports are symbolised with KALLSYMS (function+offset)
	DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT DEBUG_INFO_DWARF4
	DEBUG_INFO_DWARF5 DEBUG_INFO_BTF LOCALVERSION_AUTO
)
# Turned off to save build time (the guest has no disk, no NIC, no display:
# it boots from virtio-9p with a serial console); best effort, not checked,
# as another option may select one of them.
want_off=(
	DRM SOUND USB_SUPPORT WIRELESS WLAN CFG80211 MAC80211 RFKILL ETHERNET
	MEDIA_SUPPORT AGP FB HAMRADIO BT NFS_FS NFSD SECURITY_SELINUX
	INPUT_JOYSTICK INPUT_TABLET INPUT_TOUCHSCREEN INPUT_MOUSE
	SCSI ATA MD BLK_DEV_DM EXT4_FS QUOTA AUTOFS_FS ISO9660_FS VFAT_FS
	FAT_FS MSDOS_FS HID I2C HWMON THERMAL WATCHDOG CPU_FREQ HIBERNATION
	SUSPEND AUDIT PCCARD NETLABEL NETCONSOLE PHYLIB PPS PTP_1588_CLOCK
	DMADEVICES IOMMU_SUPPORT AMD_IOMMU INTEL_IOMMU EFI FTRACE IP_PNP
	IPV6_SIT X86_MCE PCIEPORTBUS RTC_CLASS
)
# Options with values: name=value.
want_val=(
	# the suite allocates far more objects than the default early pool
	DEBUG_KMEMLEAK_MEM_POOL_SIZE=64000
	# a full suite run fills the default lockdep tables
	LOCKDEP_BITS=16 LOCKDEP_CHAINS_BITS=17 LOCKDEP_STACK_TRACE_BITS=20
	LOCKDEP_STACK_TRACE_HASH_BITS=15 LOCKDEP_CIRCULAR_QUEUE_BITS=12
	RCU_CPU_STALL_TIMEOUT=60
)

src_version() {
	dpkg-query -W -f '${Version}' "$SRC_PKG" 2>/dev/null || true
}

# The release: the tree's series ("6.12") and LOCALVERSION.
tree_release() {
	local v
	v=$(make -s -C "$1" kernelversion)
	v=${v%.*}
	echo "$v$LOCALVERSION"
}

# The build dependencies (compiler, flex, bison, libelf for objtool, the
# source package itself), through deps.sh's extra-packages argument.
build_deps() {
	local p missing=()
	for p in "$SRC_PKG" build-essential bc flex bison libelf-dev libssl-dev kmod cpio; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	((${#missing[@]} == 0)) || bash "$(dirname "$0")/deps.sh" "${missing[@]}"
}

unpack() {
	local ver=$1 dir=$CACHE/src-$1
	if [[ ! -f $dir/.gnvsec-unpacked ]]; then
		local tar
		tar=$(ls /usr/src/"$SRC_PKG".tar.* 2>/dev/null | head -n 1)
		[[ -n $tar ]] || die "$SRC_PKG is not installed (apt-get install $SRC_PKG)"
		log "unpacking $tar into $dir"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		tar -C "$dir.tmp" --strip-components=1 -xf "$tar"
		touch "$dir.tmp/.gnvsec-unpacked"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

# make_config SRC OUT: writes OUT/.config and checks it.
make_config() {
	local src=$1 out=$2 o v missing=()
	mkdir -p "$out"
	make -s -C "$src" O="$out" defconfig >/dev/null
	make -s -C "$src" O="$out" kvm_guest.config >/dev/null
	local cfg=("$src/scripts/config" --file "$out/.config")
	"${cfg[@]}" --set-str LOCALVERSION "$LOCALVERSION"
	for o in "${want_off[@]}" "${want_n[@]}"; do "${cfg[@]}" -d "$o"; done
	for o in "${want_y[@]}"; do "${cfg[@]}" -e "$o"; done
	for o in "${want_val[@]}"; do "${cfg[@]}" --set-val "${o%%=*}" "${o#*=}"; done
	# Two passes: options that only appear once another is on (a menu,
	# a dependency) are then set too.
	make -s -C "$src" O="$out" olddefconfig >/dev/null
	for o in "${want_y[@]}"; do "${cfg[@]}" -e "$o"; done
	for o in "${want_val[@]}"; do "${cfg[@]}" --set-val "${o%%=*}" "${o#*=}"; done
	make -s -C "$src" O="$out" olddefconfig >/dev/null
	for o in "${want_y[@]}"; do
		grep -qx "CONFIG_$o=y" "$out/.config" || missing+=("$o=y")
	done
	for o in "${want_val[@]}"; do
		grep -qx "CONFIG_$o" "$out/.config" || missing+=("$o")
	done
	for o in "${want_n[@]}"; do
		if grep -qE "^CONFIG_$o=[ym]" "$out/.config"; then
			case $o in
			# chosen by others (a choice group, a select): fine
			DEBUG_INFO_* | KASAN_OUTLINE) ;;
			*) missing+=("$o=n") ;;
			esac
		fi
	done
	grep -qx 'CONFIG_LOCALVERSION="'"$LOCALVERSION"'"' "$out/.config" ||
		missing+=("LOCALVERSION=$LOCALVERSION")
	if ((${#missing[@]})); then
		log "options that did not survive olddefconfig:"
		printf '  %s\n' "${missing[@]}" >&2
		return 1
	fi
}

install_kernel() {
	local src=$1 out=$2 rel=$3
	log "installing $rel"
	rm -rf "/lib/modules/$rel"
	make -s -C "$src" O="$out" KERNELRELEASE="$rel" INSTALL_MOD_STRIP=1 \
		modules_install >/dev/null
	install -m 0644 "$out/arch/x86/boot/bzImage" "/boot/vmlinuz-$rel"
	install -m 0644 "$out/System.map" "/boot/System.map-$rel"
	install -m 0644 "$out/.config" "/boot/config-$rel"
	# The build tree is the headers: external modules (gnvsec's Kbuild,
	# DKMS) build against it with make -C /lib/modules/$rel/build M=...
	ln -sfn "$out" "/lib/modules/$rel/build"
	rm -f "/lib/modules/$rel/source"
	ln -sfn "$src" "/lib/modules/$rel/source"
	depmod -a "$rel"
	echo "$out" >"/lib/modules/$rel/.gnvsec-debug-build"
}

uninstall() {
	local rel=$1
	rm -f "/boot/vmlinuz-$rel" "/boot/System.map-$rel" "/boot/config-$rel"
	rm -rf "/lib/modules/$rel"
	log "removed $rel from /boot and /lib/modules (cache kept: $CACHE)"
}

main() {
	local mode=${1:-build} ver src tmp hash build rel start lock
	[[ $mode == --release || $mode == --uninstall ]] || build_deps
	ver=$(src_version)
	[[ -n $ver ]] || die "$SRC_PKG is not installed (apt-get install $SRC_PKG)"
	mkdir -p "$CACHE"
	# one build at a time per cache (a second caller waits)
	exec {lock}>"$CACHE/.lock"
	flock "$lock"
	src=$(unpack "$ver")
	rel=$(tree_release "$src")
	case $mode in
	--release)
		echo "$rel"
		return 0
		;;
	--uninstall)
		uninstall "$rel"
		return 0
		;;
	--config | build) ;;
	*) die "usage: $0 [--release|--config|--uninstall]" ;;
	esac

	tmp=$CACHE/config.tmp
	rm -rf "$tmp"
	make_config "$src" "$tmp" || die "config check failed"
	hash=$(sha256sum <"$tmp/.config" | cut -c1-12)
	build=$CACHE/build-$ver-$hash
	if [[ $mode == --config ]]; then
		log "config ok: $tmp/.config (key $ver-$hash)"
		return 0
	fi

	# A new key starts from the last build of the same source (moved,
	# then rebuilt incrementally: Kbuild recompiles what the changed
	# options touch) rather than from nothing.
	local prev
	if [[ ! -d $build ]]; then
		prev=$(ls -1dt "$CACHE/build-$ver-"* 2>/dev/null | head -n 1 || true)
		if [[ -n $prev ]]; then
			log "starting from $prev"
			mv "$prev" "$build"
			rm -f "$build/.gnvsec-built"
		fi
	fi
	if [[ -f $build/.gnvsec-built &&
		$(cat "$build/include/config/kernel.release" 2>/dev/null) == "$rel" ]]; then
		log "cached: $build"
	else
		mkdir -p "$build"
		cmp -s "$tmp/.config" "$build/.config" || cp "$tmp/.config" "$build/.config"
		log "building $rel in $build (log: $build/build.log)"
		start=$SECONDS
		if ! nice -n "$NICE" make -C "$src" O="$build" -j"$JOBS" \
			KERNELRELEASE="$rel" bzImage modules >"$build/build.log" 2>&1; then
			tail -n 30 "$build/build.log" >&2
			die "build failed (log: $build/build.log)"
		fi
		# prepare for external modules (scripts, Module.symvers)
		make -s -C "$src" O="$build" KERNELRELEASE="$rel" modules_prepare \
			>>"$build/build.log" 2>&1
		echo "$((SECONDS - start))" >"$build/.gnvsec-build-seconds"
		touch "$build/.gnvsec-built"
		log "built in $((SECONDS - start)) s"
	fi
	rm -rf "$tmp"

	if [[ ! -e /boot/vmlinuz-$rel ]] ||
		! cmp -s "$build/arch/x86/boot/bzImage" "/boot/vmlinuz-$rel" ||
		[[ $(cat "/lib/modules/$rel/.gnvsec-debug-build" 2>/dev/null) != "$build" ]]; then
		install_kernel "$src" "$build" "$rel"
	fi
	echo "$rel"
}

main "$@"
