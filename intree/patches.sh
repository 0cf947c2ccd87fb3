#!/usr/bin/env bash
# make patches: the series that adds syncmap to a kernel tree, generated
# from this repository's sources (never a second copy): git format-patch
# files and a cover letter in OUTDIR (default build/patches), against
# Debian's linux-source-$INTREE_KVER (default 7.2), which must be what the
# series is applied to. Compatibility code for older kernels is left out
# (unifdef); paths and includes become the tree's (intree/paths.sed).
#
# Usage: intree/patches.sh [OUTDIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
KVER=${INTREE_KVER:-7.2}
out=$(realpath -m "${1:-$top/build/patches}")

case $KVER in
6.1 | 6.12) pkg=linux-source-$KVER ;;
*) pkg=linux-source-$KVER/sid ;;
esac
"$top/vm/deps.sh" "$pkg" unifdef git python3 >&2
tarball=/usr/src/linux-source-$KVER.tar.xz

# The author of the series: the committer of this repository's last
# commit (a fresh clone need not have an identity configured).
export GIT_AUTHOR_NAME="$(git -C "$top" log -1 --format=%cn)"
export GIT_AUTHOR_EMAIL="$(git -C "$top" log -1 --format=%ce)"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct)} +0000"
export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE

# Only the files the series changes are taken from the tree: the patches'
# context is theirs, so the series applies to the whole tree.
touched=(MAINTAINERS lib/Kconfig lib/Kconfig.debug lib/Makefile
	 lib/tests/Makefile drivers/misc/Kconfig drivers/misc/Makefile
	 samples/Kconfig samples/Makefile tools/testing/selftests/Makefile
	 Documentation/core-api/index.rst Documentation/userspace-api/index.rst
	 Documentation/userspace-api/ioctl/ioctl-number.rst)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xf "$tarball" -C "$work" --strip-components=1 \
	"${touched[@]/#/linux-source-$KVER/}"
cd "$work"
git init -q
git add -A
git commit -q -m "linux-source-$KVER"

# --- helpers -----------------------------------------------------------

# put SRC DEST: a source file, with the tree's paths.
put() {
	mkdir -p "$(dirname "$2")"
	sed -f "$top/intree/paths.sed" "$1" > "$2"
}

# strip FILE ARGS...: unifdef in place (exit 1 means "changed"), and
# the blank lines a removed block leaves doubled squeezed.
strip_ifdefs() {
	local f=$1
	shift
	unifdef "$@" -o "$f" "$f" || [ $? -eq 1 ]
	cat -s "$f" > "$f.new" && mv "$f.new" "$f"
}

# kconfig NAME: the entry of that name in our Kconfig.
kconfig() {
	awk -v name="$1" '
		/^(menu)?config / { on = ($2 == name) }
		on { buf = buf $0 "\n" }
		END { sub(/\n+$/, "\n", buf); printf "%s", buf }
	' "$top/Kconfig"
}

# after FILE PATTERN TEXT: insert TEXT after the first line matching
# PATTERN (an awk regex); fails if none does.
after() {
	TEXT=$3 awk -v pat="$2" '
		{ print }
		!done && $0 ~ pat { print ENVIRON["TEXT"]; done = 1 }
		END { exit !done }
	' "$1" > "$1.new" && mv "$1.new" "$1"
}

# before FILE PATTERN TEXT: the same, before the line.
before() {
	TEXT=$3 awk -v pat="$2" '
		!done && $0 ~ pat { print ENVIRON["TEXT"]; done = 1 }
		{ print }
		END { exit !done }
	' "$1" > "$1.new" && mv "$1.new" "$1"
}

# after_entry FILE NAME TEXT: TEXT as a Kconfig entry after entry NAME.
after_entry() {
	TEXT=$3 awk -v name="$2" '
		/^(menu)?config / && in_entry && !done {
			print ENVIRON["TEXT"]; print ""; done = 1
		}
		{ print }
		/^(menu)?config / { in_entry = ($2 == name) }
		END { exit !done }
	' "$1" > "$1.new" && mv "$1.new" "$1"
}

# maintainers F...: the SYNCMAP entry of MAINTAINERS, with these files,
# in its place in the alphabetical order.
maint=()
maintainers() {
	maint+=("$@")
	ENTRY=$(printf 'SYNCMAP\nM:\t%s <%s>\nL:\tlinux-kernel@vger.kernel.org\nS:\tMaintained\n' \
		"$GIT_AUTHOR_NAME" "$GIT_AUTHOR_EMAIL"
		printf 'F:\t%s\n' "${maint[@]}" | LC_ALL=C sort) \
	python3 - <<'EOF'
import os, re
lines = open("MAINTAINERS").read().split("\n")
entry = os.environ["ENTRY"].split("\n")
# drop our entry if there, then insert it before the first later heading
try:
    i = lines.index("SYNCMAP")
    j = i
    while lines[j]:
        j += 1
    del lines[i:j + 1]
except ValueError:
    pass
start = lines.index("3C59X NETWORK DRIVER")
for i in range(start, len(lines) - 1):
    if re.match(r"[A-Z]:\t", lines[i + 1]) and lines[i] > "SYNCMAP" \
       and not re.match(r"[A-Z]:\t", lines[i]):
        lines[i:i] = entry + [""]
        break
open("MAINTAINERS", "w").write("\n".join(lines))
EOF
}

commit() {
	git add -A
	git commit -q -s -F -
}

# --- 1: the core ---------------------------------------------------------

put "$top/syncmap.h" include/linux/syncmap.h
put "$top/syncmap.c" lib/syncmap.c
strip_ifdefs lib/syncmap.c -Dkzalloc_obj
put "$top/syncmap_internal.h" lib/syncmap_internal.h
sed -i 's|#include "syncmap.h"|#include <linux/syncmap.h>|' lib/syncmap_internal.h
printf '\n%s\n\n%s\n\n%s\n' "$(kconfig SYNCMAP)" "$(kconfig SYNCMAP_DEBUG)" \
	"$(kconfig SYNCMAP_LOCK_STATS)" >> lib/Kconfig
printf '\nobj-$(CONFIG_SYNCMAP) += syncmap.o\n' >> lib/Makefile
put "$top/Documentation/core-api/syncmap.rst" Documentation/core-api/syncmap.rst
# Out of tree only: the paragraph about the benchmark module.
awk -v RS= -v ORS='\n\n' '!/CONFIG_SYNCMAP_BENCH/' \
	Documentation/core-api/syncmap.rst > rst.new
sed -i '$ d' rst.new
mv rst.new Documentation/core-api/syncmap.rst
after Documentation/core-api/index.rst '^   xarray$' '   syncmap'
put "$top/Documentation/ABI/testing/sysfs-module-syncmap" \
	Documentation/ABI/testing/sysfs-module-syncmap
maintainers Documentation/core-api/syncmap.rst \
	Documentation/ABI/testing/sysfs-module-syncmap \
	include/linux/syncmap.h lib/syncmap.c lib/syncmap_internal.h
commit <<'EOF'
lib: add syncmap, a concurrent map for read-mostly data

Go's sync.Map serves keys that are written once and read many times, or
that disjoint sets of goroutines own, without a lock on the read path.
The kernel has rhashtable, which takes a per-bucket lock for every
insert and rehashes in a worker, and xarray, keyed by integers; neither
gives a lookup that writes no shared cache line when the key has been
in the map a while, and neither gives Go's method set: load-or-store,
load-and-delete, swap, compare-and-swap and compare-and-delete, and a
range that sees every key present throughout it.

syncmap keeps two open-addressed tables. The read table is published
with RCU and read without a lock; a spinlock guards the dirty table,
which takes new keys and is built from the read table a step at a time,
so no operation holds the lock for long. Each entry's value word moves
between empty, expunged and a value by cmpxchg, so stores of keys the
read table holds take no lock either. Lookups that miss the read table
count towards promoting the dirty table, in batches per CPU.

Lookups hash with a fast keyed hash under a per-map secret; an insert
that lands SYNCMAP_PROBE_LIMIT slots from home, which random placement
does not reach, moves the map to a fresh secret, and a second time to
hsiphash for good.

Documentation/core-api/syncmap.rst describes the design, its
invariants, the contexts each call may be made from and the API.
EOF

# --- 2: the KUnit suites -----------------------------------------------

put "$top/syncmap_test.c" lib/tests/syncmap_kunit.c
strip_ifdefs lib/tests/syncmap_kunit.c -DHAVE_KUNIT_ADD_ACTION \
	-DHAVE_HRTIMER_SETUP -DKUNIT_CASE_SLOW -DKUNIT_CASE_PARAM_ATTR \
	-USHIM_DEBUG_ATOMIC_SLEEP -USHIM_COUNT_WRITES
sed -i 's|#include "syncmap_internal.h"|#include "../syncmap_internal.h"|' \
	lib/tests/syncmap_kunit.c
after_entry lib/Kconfig.debug HASHTABLE_KUNIT_TEST "$(kconfig SYNCMAP_KUNIT_TEST)"
after lib/tests/Makefile 'CONFIG_HASHTABLE_KUNIT_TEST' \
	'obj-$(CONFIG_SYNCMAP_KUNIT_TEST) += syncmap_kunit.o'
cp "$top/.kunitconfig" lib/tests/syncmap.kunitconfig
maintainers lib/tests/syncmap.kunitconfig lib/tests/syncmap_kunit.c
commit <<'EOF'
lib/tests: add KUnit suites for syncmap

Three suites: syncmap exercises the API as a caller sees it, including
values released after a grace period, allocation failures injected
with failslab and every call's documented errors; syncmap_internal
drives the mechanisms behind it, staging the races between a lockless
reader or writer and a build, a promotion or a rekey at fixed points
(CONFIG_SYNCMAP_DEBUG's race hooks) and checking the tables after
each; syncmap_stress runs kthreads on every CPU against one map and
checks that nothing is lost, duplicated or leaked.

Run them with

  ./tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig=lib/tests/syncmap.kunitconfig --qemu_args="-smp 2"

The concurrent cases need more than one CPU to mean anything.
EOF

# --- 3: the device -----------------------------------------------------

put "$top/drivers/syncmap_dev.c" drivers/misc/syncmap/syncmap_dev.c
strip_ifdefs drivers/misc/syncmap/syncmap_dev.c -DSMDEV_DEVNODE_CONST
sed -i -e 's/SMDEV_DEVNODE_CONST /const /' \
	-e 's|^#include <linux/syncmap.h>.*|#include <uapi/linux/syncmap.h>|' \
	-e 's|^#include "../syncmap.h"|#include <linux/syncmap.h>|' \
	-e 's|^#include "syncmap_dev.h"|#include <linux/syncmap_dev.h>|' \
	drivers/misc/syncmap/syncmap_dev.c
put "$top/drivers/syncmap_dev.h" include/linux/syncmap_dev.h
put "$top/include/uapi/linux/syncmap.h" include/uapi/linux/syncmap.h
printf '# SPDX-License-Identifier: GPL-2.0-only\n\n%s\n' "$(kconfig SYNCMAP_DEV)" \
	> drivers/misc/syncmap/Kconfig
printf '# SPDX-License-Identifier: GPL-2.0-only\n\nobj-$(CONFIG_SYNCMAP_DEV) += syncmap_dev.o\n' \
	> drivers/misc/syncmap/Makefile
before drivers/misc/Kconfig '^endmenu' 'source "drivers/misc/syncmap/Kconfig"'
printf 'obj-$(CONFIG_SYNCMAP_DEV)\t+= syncmap/\n' >> drivers/misc/Makefile
put "$top/Documentation/userspace-api/syncmap.rst" \
	Documentation/userspace-api/syncmap.rst
after Documentation/userspace-api/index.rst '^   media/index$' '   syncmap'
before Documentation/userspace-api/ioctl/ioctl-number.rst '^0xBA ' \
	"$(printf '%-4s  %-5s  %-57s %s' 0xB9 01-17 uapi/linux/syncmap.h \
		'/dev/syncmap, /dev/syncmaps/, /dev/syncmap-control')"
for f in sysfs-class-syncmap sysfs-module-syncmap_dev; do
	put "$top/Documentation/ABI/testing/$f" Documentation/ABI/testing/$f
done
maintainers Documentation/ABI/testing/sysfs-class-syncmap \
	Documentation/ABI/testing/sysfs-module-syncmap_dev \
	Documentation/userspace-api/syncmap.rst drivers/misc/syncmap/ \
	include/linux/syncmap_dev.h include/uapi/linux/syncmap.h
commit <<'EOF'
misc: syncmap: add /dev/syncmap, syncmap maps for user space

Programs that share read-mostly data through the kernel (configuration
that daemons and modules both read, per-user tables, caches) have BPF
maps, which need CAP_BPF or a pinned object with BPF's permissions,
and files, which give no atomic update of one key. syncmap_dev serves
syncmap maps through ioctls: /dev/syncmap is one map that its openers
share; named maps under /dev/syncmaps/ are created and destroyed through
/dev/syncmap-control, carry a file mode, owner and group that the
device node enforces (a read-only open may only load, range and read
counters), and count against per-user quotas of maps and bytes, with
memory charged to the creator's memory cgroup. Kernel modules open the
same named maps through <linux/syncmap_dev.h>.

Every command of sync.Map has an ioctl, plus batches with a count of
how many entries succeeded, a resumable RANGE whose cursor the map
enciphers (a cursor it did not issue is refused with EINVAL), and
STATS. Keys and values are byte strings of bounded length.

Documentation/userspace-api/syncmap.rst documents the nodes, every
ioctl and errno; the sysfs files are in Documentation/ABI.
EOF

# --- 4: the samples ----------------------------------------------------

for f in syncmap_example.c syncmap_named_example.c; do
	put "$top/samples/$f" samples/syncmap/$f
	sed -i -e 's|^#include "../syncmap.h"|#include <linux/syncmap.h>|' \
		-e 's|^#include "../drivers/syncmap_dev.h"|#include <linux/syncmap_dev.h>|' \
		samples/syncmap/$f
done
printf '# SPDX-License-Identifier: GPL-2.0-only\nobj-$(CONFIG_SAMPLE_SYNCMAP) += syncmap_example.o syncmap_named_example.o\n' \
	> samples/syncmap/Makefile
before samples/Kconfig '^source "samples/rust/Kconfig"' "$(cat <<'EOF'
config SAMPLE_SYNCMAP
	tristate "Build syncmap examples -- loadable modules only"
	depends on SYNCMAP_DEV && m
	help
	  A word counter built on syncmap's load-or-store, and a module
	  configured from user space through a named map it shares with
	  /dev/syncmaps/.
EOF
)
"
printf 'obj-$(CONFIG_SAMPLE_SYNCMAP)\t\t+= syncmap/\n' >> samples/Makefile
maintainers samples/syncmap/
commit <<'EOF'
samples: syncmap: add examples of the kernel API

syncmap_example counts words with load-or-store: the first store of a
word wins, every later one finds its counter and increments it without
the map's lock. syncmap_named_example creates a named map that root
configures from user space (syncmapctl, or the ioctls) and reads it on
each use, as a module reading its settings would.
EOF

# --- 5: the selftests -------------------------------------------------

st=tools/testing/selftests/syncmap
put "$top/tests/device/devtest.c" $st/syncmap_test.c
strip_ifdefs $st/syncmap_test.c -DSYNCMAP_KSELFTEST
sed -i 's|^#include "kselftest_harness.h"|#include "../kselftest_harness.h"|' \
	$st/syncmap_test.c
printf '# SPDX-License-Identifier: GPL-2.0-only\nsyncmap_test\n' > $st/.gitignore
cat > $st/Makefile <<'EOF2'
# SPDX-License-Identifier: GPL-2.0
CFLAGS += -O2 -Wall -Wextra $(KHDR_INCLUDES)

TEST_GEN_PROGS := syncmap_test

include ../lib.mk
EOF2
printf 'CONFIG_SYNCMAP=y\nCONFIG_SYNCMAP_DEV=y\nCONFIG_FAULT_INJECTION=y\nCONFIG_FAILSLAB=y\n' \
	> $st/config
after tools/testing/selftests/Makefile '^TARGETS \+= sync$' 'TARGETS += syncmap'
maintainers $st/
commit <<'EOF2'
selftests: syncmap: add tests of the device's commands

Each test creates a named map with the limits it needs through
/dev/syncmap-control, so the device's module parameters do not matter,
and runs one group of commands on it: every command with both
outcomes; each error (ERANGE, E2BIG, ENOSPC, EINVAL, EFAULT, ENOTTY)
leaving the map exactly as it was, compared as a whole through RANGE;
batches; several processes sharing the map (a compare-and-swap
counter, readers against writers, RANGE during writes keeping
sync.Map's guarantee, racing for the last free entry); and, where
fail-nth is available, an allocation failure injected at every
allocation of every command, which must surface as ENOMEM and change
nothing.

The tests need root (the control node is 0600).
EOF2

# --- the cover letter --------------------------------------------------

rm -rf "$out"
mkdir -p "$out"
git format-patch -q --cover-letter -o "$out" HEAD~"$(($(git rev-list --count HEAD) - 1))"
cover=$(ls "$out"/0000-*.patch)
BLURB=$(cat "$top/intree/cover-letter.txt") python3 - "$cover" <<'EOF'
import os, sys
p = sys.argv[1]
s = open(p).read()
blurb = os.environ["BLURB"]
subject, body = blurb.split("\n", 1)
s = s.replace("*** SUBJECT HERE ***", subject)
s = s.replace("*** BLURB HERE ***", body.strip("\n"))
open(p, "w").write(s)
EOF
echo "patches: $(ls "$out" | wc -l) files in $out (against linux-source-$KVER)"
