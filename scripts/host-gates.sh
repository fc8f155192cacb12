#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Gates that need neither the module nor a VM (part of `make gates`):
#
#   bash scripts/host-gates.sh [setup|dkms|man|completion|cli|units]...
#                                                        (all without)
#
# setup       the Makefile on a fresh machine: in a copy of the tree whose
#             MODULES_DIR holds no kernel headers, `make module` says so
#             (never "make -C /lib/modules//build"), and `make demo` and
#             `make check`, whose `deps` (a stand-in here) installs headers,
#             build against them the first time.
# dkms        dkms.conf's PACKAGE_VERSION is VERSION's; `dkms add .` from a
#             clean copy of the tracked files registers gnvsec/VERSION and,
#             as root, `dkms build` builds it for the newest headers (in
#             private dkms and source trees, nothing registered system-wide).
# man         Documentation/gnvsecctl.8: `mandoc -T lint` and groff report
#             nothing; every command of the SYNOPSIS has its own .TP entry
#             under COMMANDS; SEE ALSO names each page once, comma-separated.
# completion  the bash completion loads in a plain bash and completes
#             "gnvsecctl tun<TAB>" and a few more; `make install` puts it
#             under PREFIX/share/bash-completion/completions.
# cli         gnvsecctl without the module: a typo or a bad number is a
#             usage error (exit 2) naming the argument and range, a read
#             says the module is not loaded (exit 1); -V prints VERSION;
#             a bad setconf file is a usage error naming FILE:LINE.
# units       the systemd units: `systemd-analyze verify` finds nothing in
#             them as `make install` writes them, and they run the
#             gnvsecctl that `make install` installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=$PWD
version=$(cat VERSION)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed=0
ok() { echo "gates: $gate: ok: $*"; }
bad() { echo "gates: $gate: FAIL: $*"; failed=1; }
die() { echo "gates: $*" >&2; exit 2; }

# A copy of the tracked files, as a fresh clone has them (outside a git
# checkout, an unpacked release: everything but build products).
clean_copy() {
	local dst=$1

	mkdir -p "$dst"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files -z | (cd "$top" && xargs -0 cp --parents -t "$dst")
	else
		tar -C "$top" --exclude=./build --exclude='*.o' --exclude='*.ko' \
			-cf - . | tar -C "$dst" -xf -
	fi
}

gate_setup() {
	local t=$tmp/setup mods out rc

	clean_copy "$t/tree"
	mods=$t/modules
	mkdir -p "$mods"
	# Stand-ins for what a fresh machine does not have: deps "installs"
	# headers whose kbuild only records how it was called; userspace,
	# demo and check only say they ran.
	cat >"$t/tree/scripts/deps.sh" <<EOF
mkdir -p "$mods/9.9.9-gate/build"
cat >"$mods/9.9.9-gate/build/Makefile" <<'MK'
%:
	@echo "fake kbuild \$(CURDIR) \$(MAKECMDGOALS)" >>"$t/kbuild.log"
MK
EOF
	printf 'gnvsecctl:\n\t@echo userspace built\n' >"$t/tree/userspace/Makefile"
	printf 'echo demo ran\n' >"$t/tree/selftests/vm/demo.sh"
	printf 'echo check ran\n' >"$t/tree/selftests/vm/check.sh"

	rc=0
	out=$(make -C "$t/tree" MODULES_DIR="$mods" module 2>&1) || rc=$?
	if ((rc == 0)); then
		bad "make module without headers succeeded: $out"
	elif [[ $out == *"$mods//build"* && $out != *"no kernel headers"* ]]; then
		bad "make module without headers: $out"
	elif [[ $out != *"no kernel headers in $mods//build"* ]]; then
		bad "make module without headers does not say so: $out"
	else
		ok "make module without headers: $(grep -o 'no kernel headers.*' <<<"$out" | head -n 1)"
	fi

	for target in demo "check GNVSEC_MODULE=tree"; do
		rm -rf "$mods"/* "$t/kbuild.log"
		rc=0
		# shellcheck disable=SC2086
		out=$(make -C "$t/tree" MODULES_DIR="$mods" $target 2>&1) || rc=$?
		if ((rc != 0)); then
			bad "make $target on a machine without headers failed: $out"
		elif [[ $out == *"//build"* ]]; then
			bad "make $target used an empty release: $out"
		elif ! grep -qx "fake kbuild $mods/9.9.9-gate/build modules" "$t/kbuild.log" 2>/dev/null; then
			bad "make $target did not build against the headers deps installed: $out"
		elif [[ $out != *"${target%% *} ran"* ]]; then
			bad "make $target did not run ${target%% *}: $out"
		else
			ok "make $target builds against the headers its deps installed, the first time"
		fi
	done
	# Parallel make must not build before deps either.
	rm -rf "$mods"/* "$t/kbuild.log"
	rc=0
	out=$(make -j4 -C "$t/tree" MODULES_DIR="$mods" demo 2>&1) || rc=$?
	if ((rc != 0)) || ! grep -q "9.9.9-gate" "$t/kbuild.log" 2>/dev/null; then
		bad "make -j4 demo on a machine without headers: $out"
	else
		ok "make -j4 demo too"
	fi
}

gate_dkms() {
	local conf t=$tmp/dkms k kver=""

	conf=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
	if [[ $conf != "$version" ]]; then
		bad "dkms.conf has PACKAGE_VERSION=\"$conf\", VERSION has $version"
	else
		ok "dkms.conf PACKAGE_VERSION = VERSION = $version"
	fi
	grep -q 'cat $(src)/VERSION' Kbuild || bad "Kbuild does not take the module's version from VERSION"

	if ! command -v dkms >/dev/null; then
		echo "gates: $gate: skip: no dkms (apt-get install dkms)"
		return 0
	fi
	clean_copy "$t/checkout"
	mkdir -p "$t/src" "$t/tree"
	if ! (cd "$t/checkout" &&
	      dkms add --sourcetree "$t/src" --dkmstree "$t/tree" .) >"$t/add.log" 2>&1; then
		bad "dkms add . from a checkout: $(cat "$t/add.log")"
		return 0
	fi
	if dkms status --sourcetree "$t/src" --dkmstree "$t/tree" |
	   grep -q "^gnvsec/$version: added"; then
		ok "dkms add . from a checkout: gnvsec/$version added"
	else
		bad "dkms add .: $(dkms status --sourcetree "$t/src" --dkmstree "$t/tree")"
	fi
	# Building signs the module with dkms's own key (/var/lib/dkms), as
	# any dkms build does: root only.
	if ((EUID != 0)); then
		echo "gates: $gate: skip: dkms build (not root)"
		return 0
	fi
	for k in /lib/modules/*/build/include; do
		k=${k#/lib/modules/}
		k=${k%%/*}
		[[ $k == *-rt-* || $k == *-cloud-* ]] && continue
		kver=$(printf '%s\n%s\n' "$kver" "$k" | sort -V | tail -n 1)
	done
	[[ -n $kver ]] || { echo "gates: $gate: skip: dkms build (no kernel headers)"; return 0; }
	if dkms build --sourcetree "$t/src" --dkmstree "$t/tree" \
		-m gnvsec -v "$version" -k "$kver" >"$t/build.log" 2>&1 &&
	   [[ -f $t/tree/gnvsec/$version/$kver/$(uname -m)/module/gnvsec.ko ||
	      -n $(find "$t/tree/gnvsec/$version/$kver" -name 'gnvsec.ko*' 2>/dev/null) ]]; then
		ok "dkms build from a checkout for $kver"
	else
		cat "$t/build.log"
		bad "dkms build for $kver"
	fi
}

gate_man() {
	local page=Documentation/gnvsecctl.8 out cmds c see

	command -v mandoc >/dev/null || die "no mandoc (apt-get install mandoc)"
	out=$(mandoc -T lint -W warning "$page" 2>&1) || true
	if [[ -n $out ]]; then
		bad "mandoc -T lint: $out"
	else
		ok "mandoc -T lint -W warning: clean"
	fi
	out=$(LC_ALL=C.UTF-8 groff -man -ww -z -K utf8 "$page" 2>&1) || true
	if [[ -n $out ]]; then
		bad "groff -ww: $out"
	else
		ok "groff -man -ww: clean"
	fi
	# "gnvsecctl OBJECT COMMAND" lines of the SYNOPSIS, each a .TP tag of
	# COMMANDS (a tag without .TP runs into the previous entry's text).
	mapfile -t cmds < <(sed -n '/^\.SH SYNOPSIS/,/^\.SH /s/^\.B gnvsecctl \([a-z]\+ [a-z]\+\)$/\1/p' "$page")
	((${#cmds[@]} >= 8)) || bad "SYNOPSIS lists ${#cmds[@]} commands"
	for c in "${cmds[@]}"; do
		if ! sed -n '/^\.SH COMMANDS/,/^\.SH /p' "$page" |
		     grep -A1 -x '\.TP' | grep -q "^\.B $c\b"; then
			bad "\"$c\" has no .TP entry under COMMANDS"
		fi
	done
	ok "${#cmds[@]} SYNOPSIS commands checked for their .TP entries"
	see=$(sed -n '/^\.SH SEE ALSO/,/^\.SH /{/^\.BR /p}' "$page")
	if [[ -n $(sed 's/,$//' <<<"$see" | sort | uniq -d) ]]; then
		bad "SEE ALSO names a page twice: $(sed 's/,$//' <<<"$see" | sort | uniq -d)"
	elif [[ -n $(sed '$d' <<<"$see" | grep -v ',$') ]]; then
		bad "SEE ALSO: a comma is missing after $(sed '$d' <<<"$see" | grep -v ',$')"
	else
		ok "SEE ALSO: $(wc -l <<<"$see") pages, each once"
	fi
}

gate_completion() {
	local out d=$tmp/inst

	out=$(bash --norc --noprofile -c '
		set -e
		. userspace/gnvsecctl.bash-completion
		complete -p gnvsecctl
		c() {
			COMP_WORDS=("$@")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMPREPLY=()
			_gnvsecctl
			echo "$*|${COMPREPLY[*]}"
		}
		c gnvsecctl tun
		c gnvsecctl -j g
		c gnvsecctl tunnel ""
		c gnvsecctl tunnel add x remote 192.0.2.1 ip
		c gnvsecctl tunnel set x ipsec r
		c gnvsecctl global set ipsec ""
		c gnvsecctl --j
		c gnvsecctl ike swanctl --start-action ""
		c gnvsecctl s
		c gnvsecctl wait --
	' 2>&1) || { bad "the completion does not load: $out"; return 0; }
	local want=(
		"complete -F _gnvsecctl gnvsecctl"
		"gnvsecctl tun|tunnel tunnels"
		"gnvsecctl -j g|global"
		"gnvsecctl tunnel |add set del delete bind unbind show list"
		"gnvsecctl tunnel add x remote 192.0.2.1 ip|ipsec"
		"gnvsecctl tunnel set x ipsec r|required"
		"gnvsecctl global set ipsec |true false"
		"gnvsecctl --j|--json"
		"gnvsecctl ike swanctl --start-action |trap start none"
		"gnvsecctl s|sa showconf setconf"
		"gnvsecctl wait --|--timeout"
	)
	local w
	for w in "${want[@]}"; do
		grep -qxF -- "$w" <<<"$out" || bad "completion: want \"$w\", got: $out"
	done
	ok "bash completion: ${#want[@]} cases, \"gnvsecctl tun<TAB>\" gives tunnel tunnels"

	make -s install DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1 ||
		{ bad "make install DESTDIR= failed"; return 0; }
	if cmp -s userspace/gnvsecctl.bash-completion \
		"$d/usr/share/bash-completion/completions/gnvsecctl"; then
		ok "make install: PREFIX/share/bash-completion/completions/gnvsecctl"
	else
		bad "make install did not install the completion: $(find "$d" -type f)"
	fi
	# ip(8) looks for its plugins in its own LIBDIR, whatever PREFIX is
	local plugin
	plugin=$(find "$d" -name link_gnvsec.so)
	if [[ $plugin == "$d/usr/lib/$(gcc -print-multiarch)/ip/link_gnvsec.so" ]]; then
		ok "make install: the iproute2 plugin where ip looks (${plugin#"$d"})"
	else
		bad "make install: link_gnvsec.so at '${plugin#"$d"}', not in ip's LIBDIR"
	fi
	make -s uninstall DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1
	[[ -z $(find "$d" -type f) ]] || bad "make uninstall left $(find "$d" -type f)"
}

# expect STATUS NEEDLE ARGS...: gnvsecctl ARGS exits STATUS, output has NEEDLE.
expect() {
	local want=$1 needle=$2 rc=0 out
	shift 2
	out=$(userspace/gnvsecctl "$@" 2>&1) || rc=$?
	if ((rc != want)) || [[ $out != *"$needle"* ]]; then
		bad "gnvsecctl $*: want exit $want and \"$needle\", got exit $rc: $out"
	else
		ok "gnvsecctl $*: exit $rc, \"$needle\""
	fi
}

gate_cli() {
	make -s -C userspace >/dev/null || { bad "gnvsecctl does not build"; return 0; }
	expect 0 "gnvsecctl $version" -V
	expect 0 "gnvsecctl $version" --version
	expect 2 'needs "remote ADDR"' tunnel ad x
	expect 2 'option "remote" needs a value' tunnel add x remote
	expect 2 'unknown command "frob"' tunnel frob
	expect 2 'vni: 16777216 is out of range 0..16777215' tunnel add x remote 192.0.2.1 vni 16777216
	expect 2 'dstport: 0 is out of range 1..65535' tunnel add x remote 192.0.2.1 dstport 0
	expect 2 'mark: "0x1g" is not a number (0..4294967295)' tunnel set x mark 0x1g
	expect 2 'reqid: 0 is out of range 1..4294967295' tunnel bind x reqid 0
	expect 2 'spi-in: 255 is out of range 256..4294967295' sa add x spi-out 256 spi-in 255
	expect 2 'encap-port: 70000 is out of range 1..65535' sa add x encap-port 70000
	expect 2 'unknown ipsec "maybe"' global set ipsec maybe
	expect 2 'ambiguous command "s"' tunnel s
	expect 2 'unknown flag "-x"' -x tunnels show
	expect 2 'monitor takes no arguments' monitor now
	expect 2 'usage: gnvsecctl ike swanctl' ike swanctl --start-action=later
	expect 2 'invalid --rekey-time "1y"' ike swanctl --rekey-time=1y
	expect 2 'unknown wait option "--tiemout"' wait --tiemout 3
	expect 2 'timeout: "3s" is not a number' wait --timeout=3s
	printf 'global ipsec true\ntunnel gn0 remote 192.0.2.2 vni 16777216\n' >"$tmp/bad.conf"
	expect 2 "$tmp/bad.conf:2: vni: 16777216 is out of range 0..16777215" setconf "$tmp/bad.conf"
	printf 'tunnel gn0 remote 192.0.2.2\nbind gn1 reqid 1\n' >"$tmp/bad.conf"
	expect 2 "$tmp/bad.conf:2: bind: no \"tunnel gn1\" line" setconf "$tmp/bad.conf"
	printf 'tunnel gn0 chassis "hv 1\n' >"$tmp/bad.conf"
	expect 2 "$tmp/bad.conf:1: unterminated quote" setconf "$tmp/bad.conf"
	if [[ -d /sys/module/gnvsec ]]; then
		echo "gates: $gate: skip: reads without the module (gnvsec is loaded)"
		return 0
	fi
	local args
	for args in "tun show" "tunnel list" "-j -p tunnels show" "--json t l" \
		    "tunnels show -j" "global show" "monitor"; do
		# shellcheck disable=SC2086
		expect 1 "the gnvsec module is not loaded" $args
	done
}

gate_units() {
	local d=$tmp/units-install out u units=(gnvsec.service gnvsec-wait-active.service
						 gnvsec-ike-sync.service)

	command -v systemd-analyze >/dev/null || die "no systemd-analyze (apt-get install systemd)"
	make -s install PREFIX=/usr DESTDIR="$d" >/dev/null 2>&1 ||
		{ bad "make install failed"; return 0; }
	for u in "${units[@]}"; do
		[[ -f $d/usr/lib/systemd/system/$u ]] ||
			bad "make install did not install $u: $(find "$d" -name '*.service')"
	done
	# The units name /usr/sbin/gnvsecctl; verify them where it is staged.
	mkdir -p "$tmp/units"
	for u in "${units[@]}"; do
		sed "s|/usr/sbin/gnvsecctl|$d/usr/sbin/gnvsecctl|g" \
			"$d/usr/lib/systemd/system/$u" >"$tmp/units/$u"
		grep -q "^ExecStart=$d/usr/sbin/gnvsecctl " "$tmp/units/$u" ||
			bad "$u does not run the installed gnvsecctl"
	done
	out=$(cd "$tmp/units" && systemd-analyze verify --man=no "${units[@]/#/./}" 2>&1) ||
		bad "systemd-analyze verify: $out"
	[[ -z $out ]] || bad "systemd-analyze verify: $out"
	ok "systemd-analyze verify: ${units[*]} clean"
}

gates=("$@")
((${#gates[@]})) || gates=(setup dkms man completion cli units)
for gate in "${gates[@]}"; do
	case $gate in
	setup|dkms|man|completion|cli|units) "gate_$gate" ;;
	*) die "unknown gate '$gate': setup dkms man completion cli units" ;;
	esac
done
if ((failed)); then
	echo "gates: host gates failed"
	exit 1
fi
echo "gates: host gates clean"
