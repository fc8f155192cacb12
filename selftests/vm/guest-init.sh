#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the gnvsec test VM, run with the host's bash on the overlaid host
# root. Sets up the guest, installs the freshly built gnvsec.ko, runs the
# command the host put in /run/gnvsec/env, then writes the side channel's
# final files (dmesg, done = the command's exit status) and powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin
export HOME=/root TERM=dumb LC_ALL=C.UTF-8
R=/run/gnvsec
exec </dev/null >/dev/console 2>&1

# shellcheck source=/dev/null
. "$R/env"
export GNVSEC_SRC GNVSEC_KVER GNVSEC_MODULE GNVSEC_TEST_TIMEOUT GNVSEC_DEBUG GNVSEC_RESULTS=$R

mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null
hostname gnvsec-vm
ip link set lo up

# ESP needs a default RNG (drbg, built in on newer kernels); modprobe needs
# kmod's libraries, which the shared host root provides.
modprobe -a drbg sha512_generic || echo "guest-init: modprobe drbg failed"
if [[ $GNVSEC_VM_CPUCRYPTO == 1 ]]; then
	# shellcheck disable=SC2046
	modprobe -a -q $(cat /sys/devices/system/cpu/modalias) 2>/dev/null
fi

if [[ -n $GNVSEC_KO && -f $GNVSEC_KO ]]; then
	mkdir -p "/lib/modules/$GNVSEC_KVER/extra"
	cp "$GNVSEC_KO" "/lib/modules/$GNVSEC_KVER/extra/gnvsec.ko"
	# the index files of a depmod -a run on the host (vm_depmod)
	cp "$R"/modules/modules.* "/lib/modules/$GNVSEC_KVER/"
fi

cd "$GNVSEC_SRC" || exit 1
echo "guest-init: $(uname -r) up after $(cut -d' ' -f1 /proc/uptime) s"
"${GNVSEC_VM_CMD[@]}"
rc=$?
dmesg >"$R/dmesg" 2>&1
echo "$rc" >"$R/done"
sync
/bin/busybox poweroff -f
echo o >/proc/sysrq-trigger
sleep 30
echo b >/proc/sysrq-trigger
