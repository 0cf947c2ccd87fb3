#!/usr/bin/env bash
# `make check-kmsan`: the device's user-space tests (devtest, the fuzzer,
# syncmapctl) on a clang-built test kernel with KMSAN (vm/kmsan.config),
# so that no uninitialised byte (struct padding, a short copy) reaches
# user space. Any KMSAN report fails the run. Ends with "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KLLVM=-14

"$top/vm/deps.sh" clang-14 lld-14 llvm-14
kdir=$("$top/vm/kernel.sh" "$top/vm/base.config" "$top/vm/kmsan.config")
echo "== KMSAN kernel: $(basename "$kdir") (clang$KLLVM)"
build=$(mktemp -d /tmp/syncmap-mods.XXXXXX)
trap 'rm -rf "$build"' EXIT
"$top/vm/modules.sh" "$kdir" "$build" LLVM="$KLLVM"
make -s -C "$top" tools
log=$(mktemp /tmp/syncmap-kmsan-console.XXXXXX)
echo "== booting (qemu TCG); console in $log"
VM_MEM=${VM_MEM:-2048} "$top/vm/run.sh" "$kdir" "$top/vm/guest/kmsan.sh" "$log" \
	"$build/syncmap.ko" "$build/drivers/syncmap_dev.ko" \
	-- "$top/build/syncmapctl" "$top/build/devtest" "$top/build/fuzz" \
	"$top/build/jsoncheck"
grep -c 'BUG: KMSAN' "$log" | sed 's/^/   KMSAN reports: /' || true
PARSE_NO_KUNIT=1 "$top/vm/parse.sh" "$log"
