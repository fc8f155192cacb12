#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots a Debian kernel from /boot under QEMU (TCG) with the host's root file
# system shared read-only over virtio-9p and a tmpfs overlay on top, then runs
# a command in the guest (the virtme approach: no disk image to build).
#
# Library (sourced by check.sh and demo.sh) and command:
#   bash selftests/vm/vm.sh [KVER] [-- CMD ARGS...]
# runs CMD (default: uname -r; ip -br link) in the guest, streaming the
# console, and exits with its status. KVER is a release or a series ("6.12");
# default 6.1. It installs the gnvsec.ko last built by check.sh or demo.sh.
#
# Knobs (environment):
#   VM_TIMEOUT=3600     hard limit in seconds for one qemu run
#   VM_MEM=1024 VM_SMP=2
#   VM_ICOUNT=1         QEMU instruction counting: one vCPU (VM_SMP is
#                       ignored) and -icount shift=0,sleep=off, so the
#                       guest clock advances 1 ns per guest instruction and
#                       timings in the guest are instruction counts, the
#                       same run after run whatever the host's load
#   VM_APPEND='...'     extra kernel command line
#   VM_CPUCRYPTO=1      load the CPU-feature crypto modules in the guest
#   GNVSEC_DEBUG=1      debug-kernel mode (check.sh sets it for a
#                       *-gnvsec-debug kernel): the guest's guest-run.sh
#                       scans kmemleak and the kernel log after each test
#   V=1                 stream the guest console to the terminal
#   NO_BUILD=1          do not run make: use ./gnvsec.ko if it was built for
#                       the kernel, else boot without it
#   GNVSEC_MODULE=dkms  build nothing: test the module `make dkms-install`
#                       installed on the host for the kernel (updates/dkms,
#                       found through the host's own module index); default
#                       "tree", the tree's gnvsec.ko in extra/
#
# Side channel: a per-run host directory (RESDIR) is shared read-write with
# mount tag "results" and mounted at /run/gnvsec in the guest. The host writes
# RESDIR/env (what to run); the guest writes what the command writes there
# (tap, dmesg) and finally RESDIR/done holding the command's exit status.
# A missing done file means the guest panicked, hung or timed out.

VM_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_BUILD=$VM_SRC/build/vm

# Modules the initramfs needs to mount the root (their dependencies are
# resolved with modprobe --show-depends; built-in ones are skipped).
VM_INITRD_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

vm_log() { echo "vm: $*" >&2; }

# The newest installed Debian kernel of a series ("6.1" -> 6.1.0-56-amd64),
# generic flavour (not -rt or -cloud).
vm_kver_of() {
	local f r k=""
	for f in /boot/vmlinuz-"$1".*; do
		[[ -e $f ]] || continue
		r=${f#/boot/vmlinuz-}
		[[ $r == *-rt-* || $r == *-cloud-* || $r == *-gnvsec-debug ]] && continue
		k=$(printf '%s\n%s\n' "$k" "$r" | sort -V | tail -n 1)
	done
	[[ -n $k ]] && echo "$k"
}

vm_default_kver() { vm_kver_of 6.1; }

# A full release ("6.1.0-56-amd64") or a series ("6.12") to a release.
vm_resolve_kver() {
	if [[ -e /boot/vmlinuz-$1 ]]; then echo "$1"; else vm_kver_of "$1"; fi
}

# vm_initramfs KVER RESDIR: builds the initramfs for KVER as
# RESDIR/initramfs.cpio (per run, so that concurrent runs do not collide).
vm_initramfs() {
	local kver=$1 root=$2/initramfs line path n=0
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,lower,rw,newroot,mods}
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	# modprobe prints "insmod /path/x.ko[.xz] opts" in load order, or
	# "builtin x".
	while read -r line; do
		[[ $line == insmod\ * ]] || continue
		path=${line#insmod }
		path=${path%% *}
		n=$((n + 1))
		local out
		out=$root/mods/$(printf %02d "$n")-$(basename "${path%%.ko*}").ko
		case $path in
		*.ko) cp "$path" "$out" ;;
		*.ko.xz) xz -dc "$path" >"$out" ;;
		*.ko.zst) zstd -qdc "$path" >"$out" ;;
		*.ko.gz) gzip -dc "$path" >"$out" ;;
		*) vm_log "unknown module format $path"; return 1 ;;
		esac
	done < <(modprobe -S "$kver" --show-depends -a "${VM_INITRD_MODULES[@]}" | awk '!seen[$0]++')
	cp "$VM_SRC/selftests/vm/initramfs-init" "$root/init"
	chmod 0755 "$root/init"
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --quiet -o -0 -H newc -R 0:0) >"$2/initramfs.cpio"
	rm -rf "$root"
}

# vm_depmod KVER RESDIR: the module index files of KVER with RESDIR/gnvsec.ko
# in extra/, made on the host into RESDIR/modules/ (depmod in the guest reads
# every module over 9p under TCG: ~45 s; here ~2 s).
vm_depmod() {
	local kver=$1 res=$2 m=/lib/modules/$1
	local dm=$res/depmod/lib/modules/$kver
	mkdir -p "$dm/extra" "$res/modules"
	ln -s "$m/kernel" "$dm/kernel"
	cp "$m"/modules.{order,builtin,builtin.modinfo} "$dm/"
	cp "$res/gnvsec.ko" "$dm/extra/"
	depmod -b "$res/depmod" "$kver" || return 1
	cp "$dm"/modules.* "$res/modules/"
	rm -rf "$res/depmod"
}

# Builds gnvsec.ko for kernel $1 in the tree (make module KVER=$1) and copies
# it to $VM_BUILD/$1/gnvsec.ko. Without module sources nothing is built and
# no module is installed in the guest. Returns non-zero on a build failure;
# the log is $VM_BUILD/$1/build.log.
vm_build_module() {
	local kver=$1 dir=$VM_BUILD/$1 vermagic
	mkdir -p "$dir"
	rm -f "$dir/gnvsec.ko"
	case ${GNVSEC_MODULE:-tree} in
	tree) ;;
	dkms)
		vm_dkms_module "$kver" >"$dir/build.log" 2>&1
		return
		;;
	*)
		echo "GNVSEC_MODULE must be tree or dkms, not '$GNVSEC_MODULE'" >"$dir/build.log"
		return 1
		;;
	esac
	if ! compgen -G "$VM_SRC/module/*.c" >/dev/null; then
		vm_log "no module sources yet: testing without gnvsec.ko"
		return 0
	fi
	if [[ ${NO_BUILD:-0} == 1 ]]; then
		if [[ -f $VM_SRC/gnvsec.ko &&
			$(modinfo -F vermagic "$VM_SRC/gnvsec.ko") == "$kver "* ]]; then
			cp "$VM_SRC/gnvsec.ko" "$dir/gnvsec.ko"
		else
			vm_log "NO_BUILD=1 and no gnvsec.ko for $kver: testing without it"
		fi
		return 0
	fi
	if ! make -C "$VM_SRC" module KVER="$kver" >"$dir/build.log" 2>&1; then
		vm_log "building gnvsec.ko for $kver failed, see $dir/build.log"
		return 1
	fi
	vermagic=$(modinfo -F vermagic "$VM_SRC/gnvsec.ko")
	if [[ $vermagic != "$kver "* ]]; then
		echo "gnvsec.ko has vermagic '$vermagic', expected $kver" >>"$dir/build.log"
		vm_log "gnvsec.ko was not rebuilt for $kver"
		return 1
	fi
	cp "$VM_SRC/gnvsec.ko" "$dir/gnvsec.ko"
}

# GNVSEC_MODULE=dkms: the guest sees the host's /lib/modules, so the module
# DKMS installed there (and the index its depmod wrote) is what modprobe
# loads. Fails, saying so, when there is none for kernel $1.
vm_dkms_module() {
	local kver=$1 f
	if ! f=$(modinfo -k "$kver" -n gnvsec 2>&1) ||
		[[ $f != "/lib/modules/$kver/updates/dkms/"* ]]; then
		echo "GNVSEC_MODULE=dkms: no DKMS-installed gnvsec for $kver (${f:-none})"
		echo "install it with: make dkms-install KVERS=$kver"
		return 1
	fi
	echo "GNVSEC_MODULE=dkms: $f, version $(modinfo -F version "$f")"
}

# vm_run KVER RESDIR CMD... : boots KVER, runs CMD in the guest with cwd at
# the repo root, writes the console to RESDIR/console.log. Returns qemu's
# status (0 also after a panic: check RESDIR/done).
vm_run() {
	local kver=$1 res=$2 initrd rc
	shift 2
	local kernel=/boot/vmlinuz-$kver
	[[ -r $kernel ]] || { vm_log "no $kernel"; return 1; }
	[[ -d /lib/modules/$kver/kernel ]] || { vm_log "no /lib/modules/$kver"; return 1; }
	# the guest init path goes on the kernel command line
	[[ $VM_SRC != *[[:space:]]* ]] || { vm_log "the repo path must not contain spaces"; return 1; }
	vm_initramfs "$kver" "$res" || return 1
	initrd=$res/initramfs.cpio

	local ko=
	if [[ ${GNVSEC_MODULE:-tree} == tree && -f $VM_BUILD/$kver/gnvsec.ko ]]; then
		ko=$res/gnvsec.ko
		cp "$VM_BUILD/$kver/gnvsec.ko" "$ko"
		vm_depmod "$kver" "$res" || return 1
	fi
	rm -f "$res/done" "$res/env"
	{
		printf 'GNVSEC_SRC=%q\n' "$VM_SRC"
		printf 'GNVSEC_KVER=%q\n' "$kver"
		printf 'GNVSEC_KO=%q\n' "$ko"
		printf 'GNVSEC_MODULE=%q\n' "${GNVSEC_MODULE:-tree}"
		printf 'GNVSEC_VM_CPUCRYPTO=%q\n' "${VM_CPUCRYPTO:-0}"
		printf 'GNVSEC_TEST_TIMEOUT=%q\n' "${GNVSEC_TEST_TIMEOUT:-600}"
		printf 'GNVSEC_DEBUG=%q\n' "${GNVSEC_DEBUG:-0}"
		printf 'GNVSEC_VM_CMD=('
		printf ' %q' "$@"
		printf ' )\n'
	} >"$res/env"

	local append="console=ttyS0 rdinit=/init panic=-1 oops=panic panic_on_warn=0"
	append+=" quiet loglevel=4 nokaslr"
	append+=" gnvsec_init=$VM_SRC/selftests/vm/guest-init.sh ${VM_APPEND:-}"
	# With instruction counting, more than one vCPU did not boot here.
	# thread=single: the vCPUs take turns on one host thread. With one
	# thread per vCPU, a vCPU sometimes ran a static key's jump site while
	# the other was patching it, after the patch had completed: the
	# kernel's text_poke int3 then hit with no patch in flight and the
	# guest died with a fatal int3 oops (6.12, ip_local_deliver_finish+0x26,
	# the netstamp_needed_key site, toggled by tcpdump starting and
	# stopping while traffic flowed). The two kernels' VMs run side by side
	# on the two host cores, so one thread each costs little.
	local cpus=(-smp "${VM_SMP:-2}")
	[[ ${VM_ICOUNT:-0} == 1 ]] && cpus=(-smp 1 -icount "shift=0,sleep=off")
	local qemu=(
		timeout -k 10 "${VM_TIMEOUT:-3600}"
		qemu-system-x86_64 -machine q35 -cpu max -accel tcg,thread=single
		"${cpus[@]}" -m "${VM_MEM:-1024}"
		# -display none rather than -nographic, which would also make
		# SeaBIOS write to the serial console (and reset the terminal)
		-display none -no-reboot -no-user-config -nodefaults -serial stdio
		-kernel "$kernel" -initrd "$initrd" -append "$append"
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=$res,mount_tag=results,security_model=none"
	)
	local start=$SECONDS
	if [[ ${V:-0} == 1 ]]; then
		"${qemu[@]}" </dev/null 2>&1 | tee "$res/console.log"
		rc=${PIPESTATUS[0]}
	else
		"${qemu[@]}" </dev/null >"$res/console.log" 2>&1
		rc=$?
	fi
	vm_log "$kver: guest ran $((SECONDS - start)) s, qemu status $rc"
	((rc == 124)) && vm_log "$kver: timed out after ${VM_TIMEOUT:-3600} s"
	return "$rc"
}

# vm_resdir KVER [PREFIX]: sets VM_RES to a fresh results directory for one
# run, $VM_BUILD/KVER/PREFIX.XXXXXX. The calling shell holds a lock on it
# until it exits (so call this without $(...)); older directories with that
# prefix are removed unless a running check still holds theirs.
vm_resdir() {
	local p=${2:-results} d fd
	mkdir -p "$VM_BUILD/$1"
	for d in "$VM_BUILD/$1/$p".*; do
		[[ -d $d ]] || continue
		flock -n "$d/.lock" true 2>/dev/null && rm -rf "$d"
	done
	VM_RES=$(mktemp -d "$VM_BUILD/$1/$p.XXXXXX") || return 1
	exec {fd}>"$VM_RES/.lock"
	flock -n "$fd"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -uo pipefail
	kver=$(vm_default_kver)
	if [[ $# -gt 0 && $1 != -- ]]; then
		kver=$(vm_resolve_kver "$1")
		shift
	fi
	[[ ${1:-} == -- ]] && shift
	(($#)) || set -- bash -c 'uname -r; /usr/sbin/ip -br link'
	[[ -n $kver ]] || { vm_log "no kernel found"; exit 1; }
	vm_resdir "$kver" run || exit 1
	res=$VM_RES
	V=${V:-1} vm_run "$kver" "$res" "$@" || exit 1
	[[ -f $res/done ]] || { vm_log "no done marker: the guest crashed or hung"; exit 1; }
	exit "$(cat "$res/done")"
fi
