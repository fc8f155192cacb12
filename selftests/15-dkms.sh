#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The installed gnvsec module as modprobe finds it for the running kernel:
# modinfo shows the version in VERSION, the GPL licence, the vermagic of
# this kernel and the two aliases autoloading needs: rtnl-link-gnvsec
# ("ip link add ... type gnvsec") and net-pf-16-proto-16-family-gnvsec
# (the generic netlink family gnvsecctl resolves). Then both autoload paths
# must load it from scratch, and the loaded module must report that version.
#
# With GNVSEC_MODULE=dkms (selftests/vm/README.md) the harness installs no
# module of its own: the module must then be the one `make dkms-install`
# put in /lib/modules/KVER/updates/dkms/, and dkms must list gnvsec/VERSION
# as installed for this kernel. Otherwise it is the harness's build in
# extra/. A missing module or another version fails the test.
. "$(dirname "$0")/lib.sh"

kver=$(uname -r)
version=$(cat "$GNVSEC_SRC/VERSION")
dev=gnvdk$$

# The loaded module must be able to go: autoloading is tested from scratch.
unload() {
	if [[ -d /sys/module/gnvsec ]]; then
		rmmod gnvsec || fail "rmmod gnvsec: $(cat /sys/module/gnvsec/refcnt 2>/dev/null) users"
	fi
	[[ ! -d /sys/module/gnvsec ]] || fail "gnvsec still loaded after rmmod"
}

file=$(modinfo -n gnvsec 2>&1) || fail "no gnvsec module for $kver: $file"
log "module file: $file"
check_eq "modinfo version" "$version" "$(modinfo -F version gnvsec)"
check_eq "modinfo license" GPL "$(modinfo -F license gnvsec)"
vermagic=$(modinfo -F vermagic gnvsec)
check_eq "vermagic release" "$kver" "${vermagic%% *}"
aliases=$(modinfo -F alias gnvsec)
for a in rtnl-link-gnvsec net-pf-16-proto-16-family-gnvsec; do
	grep -qx -- "$a" <<<"$aliases" || fail "alias $a missing; aliases: $aliases"
	log "ok: alias $a"
done

case ${GNVSEC_MODULE:-tree} in
dkms)
	check_contains "module installed by DKMS" "/lib/modules/$kver/updates/dkms/gnvsec.ko" "$file"
	status=$(dkms status -m gnvsec -v "$version" -k "$kver" 2>&1)
	check_contains "dkms status" "gnvsec/$version, $kver, $(uname -m): installed" "$status"
	;;
tree)
	check_contains "module installed by the harness" "/lib/modules/$kver/extra/gnvsec.ko" "$file"
	;;
*)
	fail "unknown GNVSEC_MODULE '$GNVSEC_MODULE'"
	;;
esac

# rtnetlink: "ip link add ... type gnvsec" loads it through rtnl-link-gnvsec.
unload
$ip link add "$dev" type gnvsec
[[ -d /sys/module/gnvsec ]] || fail "ip link add type gnvsec did not load gnvsec"
check_eq "loaded version (rtnl autoload)" "$version" "$(cat /sys/module/gnvsec/version)"
check_eq "device kind" gnvsec \
	"$($ip -d -j link show "$dev" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["linkinfo"]["info_kind"])')"
$ip link del "$dev"

# generic netlink: resolving the family loads it through its alias.
unload
gnvsecctl global show
[[ -d /sys/module/gnvsec ]] || fail "resolving the gnvsec genl family did not load gnvsec"
check_eq "loaded version (genl autoload)" "$version" "$(cat /sys/module/gnvsec/version)"
unload
log "modprobe and autoload ok: gnvsec $version from $file"
