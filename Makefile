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
	$(MAKE) -C userspace clean

# Installs what the tests and the demo need (Debian packages), idempotent.
deps:
	bash scripts/deps.sh

check: deps all
	bash selftests/vm/check.sh

demo: deps all
	bash selftests/vm/demo.sh

# Throughput and latency side by side in one VM run (ratios, not timings).
bench: deps all
	bash selftests/vm/bench.sh

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KVER)
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -D -m 0644 uapi/linux/gnvsec.h $(DESTDIR)$(PREFIX)/include/linux/gnvsec.h

.PHONY: all module gnvsecctl clean deps check demo bench install
