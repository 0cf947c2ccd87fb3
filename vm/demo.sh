#!/usr/bin/env bash
# `make demo`: boot the test VM and show syncmap at work.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/vm/deps.sh"
kdir=$("$top/vm/kernel.sh")
make -s -C "$top" KDIR="$kdir" modules tools
log=$(mktemp /tmp/syncmap-demo.XXXXXX)
echo "(booting the VM under qemu TCG; this takes a minute)"
"$top/vm/run.sh" "$kdir" "$top/vm/guest/demo.sh" "$log" \
	"$top/syncmap.ko" "$top/drivers/syncmap_dev.ko" \
	"$top/samples/syncmap_example.ko" \
	"$top/samples/syncmap_named_example.ko" -- "$top/build/syncmapctl"
tr -d '\r' <"$log" | sed -n 's/^DEMO| \{0,1\}//p'
grep -q SYNCMAP-GUEST-DONE "$log" || { echo "demo: the VM did not finish; see $log" >&2; exit 1; }
