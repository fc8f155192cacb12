# SPDX-License-Identifier: GPL-2.0
#
# Top-level build of gnvsec: the kernel module (through Kbuild) and the
# gnvsecctl helper, plus the test, demo and install entry points.

VERSION := $(shell cat $(CURDIR)/VERSION 2>/dev/null)

# Kernel to build against: KDIR wins; otherwise KVER; otherwise the running
# kernel when its headers exist; otherwise the newest installed headers.
ifeq ($(KDIR),)
ifeq ($(KVER),)
KVER := $(shell uname -r)
ifeq ($(wildcard /lib/modules/$(KVER)/build),)
KVER := $(shell ls -1 /lib/modules 2>/dev/null | sort -V | while read k; do \
	[ -d /lib/modules/$$k/build ] && echo $$k; done | tail -n 1)
endif
endif
KDIR := /lib/modules/$(KVER)/build
endif

PREFIX ?= /usr/local
DESTDIR ?=

all: module gnvsecctl

module:
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

check: deps all
ifeq ($(GNVSEC_MODULE),dkms)
	$(MAKE) dkms-install KVERS="$(CHECK_KVERS)"
endif
	KVERS="$(CHECK_KVERS)" GNVSEC_MODULE=$(GNVSEC_MODULE) bash selftests/vm/check.sh

demo: deps all
	bash selftests/vm/demo.sh

# Throughput and latency side by side in one VM run, by default under QEMU
# instruction counting (deterministic; BENCH_CLOCK=wall for real time).
bench: deps all
	bash selftests/vm/bench.sh

# Where the instructions go: perf record -e cpu-clock in the same VM during
# gnvsec + ESP and kernel geneve + XFRM, top symbols.
profile: deps all
	BENCH_PROFILE=1 bash selftests/vm/bench.sh

# The helper, the uapi header and the manual page under PREFIX (DESTDIR
# for staging). The module itself: dkms-install, or module-install.
MANPAGE := $(wildcard Documentation/gnvsecctl.8)

install: gnvsecctl
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -D -m 0644 uapi/linux/gnvsec.h $(DESTDIR)$(PREFIX)/include/linux/gnvsec.h
ifneq ($(MANPAGE),)
	install -D -m 0644 $(MANPAGE) $(DESTDIR)$(PREFIX)/share/man/man8/gnvsecctl.8
endif

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/gnvsecctl
	rm -f $(DESTDIR)$(PREFIX)/include/linux/gnvsec.h
	rm -f $(DESTDIR)$(PREFIX)/share/man/man8/gnvsecctl.8

# gnvsec.ko for KVER into /lib/modules/KVER/extra (kbuild's modules_install),
# without DKMS; under $(DESTDIR) when set.
module-install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

# DKMS: dkms.conf from dkms.conf.in with the version in VERSION.
dkms.conf: dkms.conf.in VERSION
	sed -e 's/@VERSION@/$(VERSION)/g' $< >$@

# Sources to /usr/src/gnvsec-VERSION, then dkms add, build and install for
# KVERS (releases, series such as "6.1 6.12", or "all"), default KVER.
dkms-install: dkms.conf
	bash scripts/dkms.sh install $(or $(KVERS),$(KVER))

dkms-uninstall:
	bash scripts/dkms.sh uninstall

# Quality gates (scripts/gates.sh): checkpatch --strict from Debian's
# linux-source-6.1; sparse (C=2) and W=1 builds of a fresh copy of the
# module that fail on any warning, for KVERS (default: 6.1 6.12). `gates`
# is all three (W=1 and C=2 in one build per kernel); .ci/run runs it.
GATE_KVERS = $(or $(KVERS),6.1 6.12)

checkpatch:
	bash scripts/gates.sh checkpatch

sparse:
	bash scripts/gates.sh sparse $(GATE_KVERS)

w1:
	bash scripts/gates.sh w1 $(GATE_KVERS)

gates:
	bash scripts/gates.sh all $(GATE_KVERS)

.PHONY: all module gnvsecctl clean deps check demo bench profile install uninstall \
	module-install dkms-install dkms-uninstall checkpatch sparse w1 gates
