#!/usr/bin/env bash
# `make check`: build the test kernel (cached) and the modules, boot the
# VM, run every test, judge the console. Ends with "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)

"$top/vm/deps.sh"
kdir=$("$top/vm/kernel.sh")
echo "== modules against $(basename "$kdir")"
make -s -C "$top" KDIR="$kdir" W=1 modules

log=$(mktemp /tmp/syncmap-console.XXXXXX)
echo "== booting the test VM (qemu TCG); console in $log"
"$top/vm/run.sh" "$kdir" "$top/vm/guest/check.sh" "$log" \
	"$top/syncmap.ko" "$top/syncmap_test.ko"
echo "== results ($(($(date +%s) - start)) s)"
"$top/vm/parse.sh" "$log"
