#!/usr/bin/env bash
# `make check-kcsan`: the KUnit suite (its kthread cases hammer one map
# from 2 and 4 threads) and the device's multi-process tests and fuzzer,
# on a test kernel with KCSAN (vm/kcsan.config). Any KCSAN report on the
# console fails the run. Ends with "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/vm/deps.sh"
kdir=$("$top/vm/kernel.sh" "$top/vm/base.config" "$top/vm/kcsan.config")
echo "== KCSAN kernel: $(basename "$kdir")"
build=$(mktemp -d /tmp/syncmap-mods.XXXXXX)
trap 'rm -rf "$build"' EXIT
"$top/vm/modules.sh" "$kdir" "$build"
make -s -C "$top" tools
log=$(mktemp /tmp/syncmap-kcsan-console.XXXXXX)
echo "== booting (qemu TCG); console in $log"
"$top/vm/run.sh" "$kdir" "$top/vm/guest/kcsan.sh" "$log" \
	"$build/syncmap.ko" "$build/syncmap_test.ko" "$build/drivers/syncmap_dev.ko" \
	-- "$top/build/syncmapctl" "$top/build/devtest" "$top/build/fuzz" \
	"$top/build/jsoncheck"
grep -c 'BUG: KCSAN' "$log" | sed 's/^/   KCSAN reports: /' || true
"$top/vm/parse.sh" "$log"
