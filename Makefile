# SPDX-License-Identifier: GPL-2.0
#
# Top-level build of gnvsec: the kernel module (through Kbuild) and the
# gnvsecctl helper, plus the test, demo and install entry points.

VERSION := $(shell cat $(CURDIR)/VERSION 2>/dev/null)

# Kernel to build against: KDIR wins; otherwise KVER; otherwise the running
# kernel when its headers exist; otherwise the newest installed headers.
# These are recursive variables, evaluated when a recipe first uses them and
# not when the Makefile is read: on a fresh machine `make demo` installs the
# headers in `deps`, and the release must be looked up after that (the
# targets that run `deps` also build in a sub-make, which reads the tree
# afresh). MODULES_DIR is there for scripts/host-gates.sh, which runs this
# logic against a directory without any headers.
MODULES_DIR ?= /lib/modules
UNAME_R := $(shell uname -r)
gnvsec_newest_kver = $(shell ls -1 $(MODULES_DIR) 2>/dev/null | sort -V | \
	while read k; do [ -d $(MODULES_DIR)/$$k/build ] && echo $$k; done | \
	tail -n 1)
KVER ?= $(if $(wildcard $(MODULES_DIR)/$(UNAME_R)/build),$(UNAME_R),$(gnvsec_newest_kver))
KDIR ?= $(MODULES_DIR)/$(KVER)/build

# A recipe's first line: a clear message, not "make -C /lib/modules//build",
# when there are no headers to build against.
need_kdir = @if [ ! -d "$(KDIR)" ] || [ "$(KDIR)" = "$(MODULES_DIR)//build" ]; then \
	echo "gnvsec: no kernel headers in $(KDIR): make deps, or give KVER= or KDIR=" >&2; \
	exit 1; fi

PREFIX ?= /usr/local
DESTDIR ?=

all: module gnvsecctl

module:
	$(need_kdir)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

gnvsecctl:
	$(MAKE) -C userspace

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(if $(wildcard userspace/Makefile),$(MAKE) -C userspace clean)

# Installs what the tests and the demo need (Debian packages), idempotent.
deps:
	bash scripts/deps.sh

# The tests run against the module as users install it: DKMS builds and
# installs it for every kernel of the matrix, and the guest loads that one
# with modprobe. GNVSEC_MODULE=tree tests the tree's own build instead
# (no root, nothing installed on the host).
CHECK_KVERS := $(or $(KVERS),6.1 6.12)
GNVSEC_MODULE ?= dkms

check: deps
	$(MAKE) all
ifeq ($(GNVSEC_MODULE),dkms)
	$(MAKE) dkms-install KVERS="$(CHECK_KVERS)"
endif
	KVERS="$(CHECK_KVERS)" GNVSEC_MODULE=$(GNVSEC_MODULE) bash selftests/vm/check.sh

# The suite on the debug kernel (KASAN, KFENCE, lockdep, kmemleak, UBSAN,
# reference trackers, fault injection): scripts/debug-kernel.sh builds it
# from linux-source-6.12 when its source or config changed (cached under
# /var/cache/gnvsec/debug-kernel; the first build takes about an hour on two
# cores) and installs it as <series>-gnvsec-debug; check.sh then runs in
# debug mode (kmemleak and each test's kernel log checked after it).
# TESTS= for a subset. The module is the tree's unless GNVSEC_MODULE=dkms
# is given. (Plain "make" in the recipe, not $(MAKE): `make -n check-debug`
# must not start a kernel build.)
CHECK_DEBUG_MODULE := $(if $(filter file,$(origin GNVSEC_MODULE)),tree,$(GNVSEC_MODULE))

check-debug: deps gnvsecctl
	@rel=$$(bash scripts/debug-kernel.sh | tail -n 1) && [ -n "$$rel" ] && \
	if [ "$(CHECK_DEBUG_MODULE)" = dkms ]; then \
		make dkms-install KVERS="$$rel" || exit 1; \
	fi && \
	KVERS="$$rel" GNVSEC_MODULE=$(CHECK_DEBUG_MODULE) bash selftests/vm/check.sh

demo: deps
	$(MAKE) all
	bash selftests/vm/demo.sh

# Throughput and latency side by side in one VM run, by default under QEMU
# instruction counting (deterministic; BENCH_CLOCK=wall for real time).
bench: deps
	$(MAKE) all
	bash selftests/vm/bench.sh

# Where the instructions go: perf record -e cpu-clock in the same VM during
# gnvsec + ESP and kernel geneve + XFRM, top symbols.
profile: deps
	$(MAKE) all
	BENCH_PROFILE=1 bash selftests/vm/bench.sh

# The helper, the uapi header, the manual page, the bash completion and the
# systemd units (systemd/, restoring /etc/gnvsec/gnvsec.conf at boot)
# under PREFIX (DESTDIR for staging; bash-completion looks in
# PREFIX/share/bash-completion/completions for PREFIX=/usr and, through
# XDG_DATA_DIRS, /usr/local). The module itself: dkms-install, or
# module-install.
MANPAGE := $(wildcard Documentation/gnvsecctl.8)
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
# systemd reads units from /usr/lib/systemd/system and, for PREFIX=/usr/local,
# /usr/local/lib/systemd/system; the units run PREFIX/sbin/gnvsecctl.
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
SYSTEMD_UNITS := gnvsec.service gnvsec-wait-active.service gnvsec-ike-sync.service

install: gnvsecctl
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -D -m 0644 uapi/linux/gnvsec.h $(DESTDIR)$(PREFIX)/include/linux/gnvsec.h
ifneq ($(MANPAGE),)
	install -D -m 0644 $(MANPAGE) $(DESTDIR)$(PREFIX)/share/man/man8/gnvsecctl.8
endif
	install -D -m 0644 userspace/gnvsecctl.bash-completion \
		$(DESTDIR)$(BASH_COMPLETION_DIR)/gnvsecctl
	for u in $(SYSTEMD_UNITS); do \
		sed 's|@SBINDIR@|$(PREFIX)/sbin|g' systemd/$$u.in >$$u.tmp && \
		install -D -m 0644 $$u.tmp $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$u && \
		rm -f $$u.tmp || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/gnvsecctl
	$(MAKE) -s -C userspace uninstall-plugin DESTDIR=$(DESTDIR)
	rm -f $(DESTDIR)$(PREFIX)/include/linux/gnvsec.h
	rm -f $(DESTDIR)$(PREFIX)/share/man/man8/gnvsecctl.8
	rm -f $(DESTDIR)$(BASH_COMPLETION_DIR)/gnvsecctl
	rm -f $(SYSTEMD_UNITS:%=$(DESTDIR)$(SYSTEMD_UNIT_DIR)/%)

# gnvsec.ko for KVER into /lib/modules/KVER/extra (kbuild's modules_install),
# without DKMS; under $(DESTDIR) when set.
module-install: module
	$(need_kdir)
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

# Sources to /usr/src/gnvsec-VERSION, then dkms add, build and install for
# KVERS (releases, series such as "6.1 6.12", or "all"), default KVER.
dkms-install:
	bash scripts/dkms.sh install $(or $(KVERS),$(KVER))

dkms-uninstall:
	bash scripts/dkms.sh uninstall

# Quality gates (scripts/gates.sh): checkpatch --strict from Debian's
# linux-source-6.1; sparse (C=2) and W=1 builds of a fresh copy of the
# module that fail on any warning, for KVERS (default: 6.1 6.12); the host
# gates (below), the YNL gate (ynl-check). `gates` is all of them (W=1 and C=2 in one build per
# kernel); .ci/run runs it.
GATE_KVERS = $(or $(KVERS),6.1 6.12)

checkpatch:
	bash scripts/gates.sh checkpatch

sparse:
	bash scripts/gates.sh sparse $(GATE_KVERS)

w1:
	bash scripts/gates.sh w1 $(GATE_KVERS)

# The YNL spec (Documentation/netlink/specs/gnvsec.yaml) is the source of
# the Generic Netlink ABI: `make ynl` regenerates uapi/linux/gnvsec.h and
# module/gnvsec-nl.[ch] from it; `make ynl-check` (part of `gates`) fails
# when the committed files are not what it makes, when the spec fails its
# schema, or when a name or value of the ABI changed.
ynl:
	bash scripts/ynl.sh gen

ynl-check:
	bash scripts/gates.sh ynl

# Gates without module or VM: the Makefile on a machine without headers,
# dkms.conf, the manual page, the bash completion, gnvsecctl's usage errors.
host-gates:
	bash scripts/gates.sh host

gates:
	bash scripts/gates.sh all $(GATE_KVERS)

.PHONY: all module gnvsecctl clean deps check check-debug demo bench profile \
	install uninstall module-install dkms-install dkms-uninstall checkpatch \
	sparse w1 host-gates gates ynl ynl-check
