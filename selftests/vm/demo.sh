#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side entry point of `make demo`: builds gnvsec.ko for the 6.1 kernel
# (or $KVER), boots it in the test VM and runs selftests/demo/demo.sh there,
# streaming the guest console to the terminal. Exits with the demo's status
# (1 if the guest did not finish).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=vm.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm.sh"
cd "$VM_SRC" || exit 1

kver=$(vm_resolve_kver "${KVER:-6.1}") || { echo "demo: no kernel ${KVER:-6.1} in /boot" >&2; exit 1; }
vm_build_module "$kver" || { tail -n 30 "$VM_BUILD/$kver/build.log"; exit 1; }
vm_resdir "$kver" demo || exit 1
V=1 vm_run "$kver" "$VM_RES" bash selftests/demo/demo.sh "$@"
if [[ ! -f $VM_RES/done ]]; then
	echo "demo: the guest did not finish (panic, hang or timeout); console: $VM_RES/console.log" >&2
	exit 1
fi
exit "$(cat "$VM_RES/done")"
