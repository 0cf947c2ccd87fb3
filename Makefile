# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of syncmap. Plain `make` builds against the running
# kernel; KDIR=/path/to/kernel/build overrides. `make check` runs every
# test in a qemu VM with a debug kernel it builds and caches itself.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -rf *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers .tmp_versions

check:
	bash vm/check.sh

demo:
	bash vm/demo.sh

.PHONY: all modules modules_install clean check demo
