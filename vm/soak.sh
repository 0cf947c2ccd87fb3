#!/usr/bin/env bash
# `make soak`: the mixed multi-process workload of `fuzz soak` (two
# fuzzers, two owners checking every call against a model) for
# SOAK_SECS seconds (default 600) in the debug VM, then a kmemleak scan
# and the console check. `make check` runs the same for 60 s.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${SOAK_SECS:-600}

"$top/vm/deps.sh"
kdir=$("$top/vm/kernel.sh")
build=$(mktemp -d /tmp/syncmap-mods.XXXXXX)
plan=$(mktemp /tmp/syncmap-soak-plan.XXXXXX)
trap 'rm -rf "$plan" "$build"' EXIT
"$top/vm/modules.sh" "$kdir" "$build"
make -s -C "$top" tools
log=$(mktemp /tmp/syncmap-soak-console.XXXXXX)
cat >"$plan" <<PLAN
. /lib.sh
kmemleak_reset
insmod /modules/syncmap.ko || echo "SYNCMAP-FAIL insmod syncmap"
insmod /modules/syncmap_dev.ko max_entries=64 max_key_len=256 max_value_len=1024 ||
	echo "SYNCMAP-FAIL insmod syncmap_dev"
/bin/fuzz soak $secs
rmmod syncmap_dev || echo "SYNCMAP-FAIL rmmod syncmap_dev"
rmmod syncmap || echo "SYNCMAP-FAIL rmmod syncmap"
kmemleak_report
PLAN
echo "== soak: $secs s in the debug VM; console in $log"
VM_TIMEOUT=$((secs + 900)) "$top/vm/run.sh" "$kdir" "$plan" "$log" \
	"$build/syncmap.ko" "$build/drivers/syncmap_dev.ko" -- "$top/build/fuzz"
grep -E '^# (owner|fuzzer|consistency)' "$log" | tr -d '\r' | sed 's/^/   /' || true
PARSE_NO_KUNIT=1 "$top/vm/parse.sh" "$log"
