# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of syncmap. Plain `make` builds against the running
# kernel; KDIR=/path/to/kernel/build overrides. `make check` runs every
# test in a qemu VM with a debug kernel it builds and caches itself.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules tools

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

# Not kbuild's clean: it would delete go/syncmap/go.mod with every *.mod.
clean:
	rm -rf build
	bash vm/kclean.sh $(CURDIR)

# User space: the CLI and the device tests, static so they run in the
# test VM's busybox initramfs.
USER_CFLAGS := -O2 -Wall -Wextra -Werror -Iinclude/uapi
UAPI := include/uapi/linux/syncmap.h

tools: build/syncmapctl build/devtest build/fuzz build/jsoncheck build/libtest \
	build/syncmap-go.test build/go-wordcount

# libsyncmap (tools/lib/syncmap): build/lib/libsyncmap.{a,so}, syncmap.pc.
LIBSYNCMAP := build/lib/libsyncmap.a
lib:
	$(MAKE) -C tools/lib/syncmap

$(LIBSYNCMAP): tools/lib/syncmap/libsyncmap.c tools/lib/syncmap/libsyncmap.h $(UAPI)
	$(MAKE) -C tools/lib/syncmap

build/syncmapctl: tools/syncmapctl/syncmapctl.c $(LIBSYNCMAP)
	@mkdir -p build
	$(CC) $(USER_CFLAGS) -Itools/lib/syncmap -static -o $@ $< $(LIBSYNCMAP)

build/libtest: tests/lib/libtest.c $(LIBSYNCMAP)
	@mkdir -p build
	$(CC) $(USER_CFLAGS) -Itools/lib/syncmap -static -pthread -o $@ $< $(LIBSYNCMAP)

build/devtest: tests/device/devtest.c $(UAPI)
	@mkdir -p build
	$(CC) $(USER_CFLAGS) -static -o $@ $<

# devtest on the kselftest harness, as the series' selftest (make
# patches): needs a kernel tree's, KSELFTEST_DIR=TREE/tools/testing/selftests.
build/devtest-kselftest: tests/device/devtest.c $(UAPI)
	@mkdir -p build
	$(CC) $(USER_CFLAGS) -DSYNCMAP_KSELFTEST -isystem $(KSELFTEST_DIR) -static -o $@ $<

# The Go package (go/syncmap): its tests as a static binary for the VM,
# and its example. Debian's Go 1.23, no network, caches under build/.
GO ?= /usr/lib/go-1.23/bin/go
GOENV := GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 \
	GOPATH=$(CURDIR)/build/gopath GOCACHE=$(CURDIR)/build/gocache
GOSRC := $(wildcard go/syncmap/*.go go/syncmap/go.mod)

build/syncmap-go.test: $(GOSRC)
	cd go/syncmap && $(GOENV) $(GO) vet ./... && \
		$(GOENV) $(GO) test -c -o $(CURDIR)/$@ .

build/go-wordcount: $(GOSRC) go/syncmap/examples/wordcount/main.go
	cd go/syncmap && $(GOENV) $(GO) build -o $(CURDIR)/$@ ./examples/wordcount

build/fuzz: tests/device/fuzz.c $(UAPI)
	@mkdir -p build
	$(CC) $(USER_CFLAGS) -static -o $@ $<

build/jsoncheck: tests/device/jsoncheck.c
	@mkdir -p build
	$(CC) $(USER_CFLAGS) -static -o $@ $<

# The uapi header stands alone in C99 and C++ with only kernel headers.
uapi-check: $(UAPI)
	printf '#include <linux/syncmap.h>\nint main(void) { return sizeof(struct syncmap_kv) != 40; }\n' | \
		$(CC) -std=c99 -Wall -Wextra -pedantic -Werror -Iinclude/uapi -x c -o /dev/null -
	printf '#include <linux/syncmap.h>\nint main() { return sizeof(struct syncmap_kv) != 40; }\n' | \
		$(CXX) -std=c++11 -Wall -Wextra -pedantic -Werror -Iinclude/uapi -x c++ -o /dev/null -

install-uapi:
	install -D -m 0644 $(UAPI) $(DESTDIR)/usr/include/linux/syncmap.h

# The user-space side: syncmapctl and its man page, the uapi header,
# libsyncmap (LIBDIR, default PREFIX/lib) with its header and syncmap.pc.
PREFIX ?= /usr/local
install: build/syncmapctl install-uapi
	$(MAKE) -C tools/lib/syncmap install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -D -m 0755 build/syncmapctl $(DESTDIR)$(PREFIX)/sbin/syncmapctl
	install -D -m 0644 tools/syncmapctl/syncmapctl.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/syncmapctl.8

# Documentation/ through Sphinx and the kernel's kernel-doc, into build/html.
htmldocs:
	bash vm/htmldocs.sh

# The test kernel's version: Debian's linux-source-$(KVER) (6.1, 6.12, 7.2).
KVER ?= 6.1
export KVER

check:
	bash vm/check.sh

# make check on 6.1, 6.12 and 7.2, one after the other.
check-matrix:
	bash vm/matrix.sh

# The modules on Debian's own kernel (linux-image-amd64) in qemu.
check-stock:
	bash vm/stock.sh

# The concurrency tests on a KCSAN kernel.
check-kcsan:
	bash vm/kcsan.sh

# The device's user-space tests on a clang-built KMSAN kernel.
check-kmsan:
	bash vm/kmsan.sh

# Ten minutes of mixed multi-process load on the device (SOAK_SECS).
soak:
	bash vm/soak.sh

demo:
	bash vm/demo.sh

bench:
	bash vm/bench.sh

# The series that adds syncmap to a kernel tree, into build/patches; and
# the series on a clean linux-source tree: git am, checkpatch, kernel-doc,
# kunit.py, W=1 C=1, the selftests in qemu (INTREE_KVER, default 7.2).
patches:
	bash intree/patches.sh

check-intree:
	bash intree/check.sh

# The same syncmap.c in user space (tests/userspace, on liburcu): its KUnit
# cases under ASan+UBSan and TSan, and the native benchmark against Go.
userspace-check:
	$(MAKE) -C tests/userspace check

bench-native:
	bash bench/native.sh

# Each mutant of tests/mutants/mutants against userspace-check: the kill
# rate and the survivors (slow: not part of make check).
mutants:
	bash tests/mutants/run.sh

.PHONY: all modules modules_install tools lib uapi-check install-uapi install htmldocs \
	clean check demo bench \
	userspace-check bench-native mutants patches check-intree check-matrix check-stock check-kcsan check-kmsan soak
