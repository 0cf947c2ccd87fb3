#!/usr/bin/env bash
# `make bench`: the benchmark module in the VM on a non-debug kernel
# (qemu -smp 2), then tables and a plot in bench/results/.
# The kernel is built for speed (vm/bench.config: -O2, as distribution
# kernels are); BENCH_CONFIG=/dev/null keeps tinyconfig's -Os.
# env: BENCH_PARAMS (module parameters). The default large size is 128k
# keys, not the module's 1M: under TCG, filling a 1M-key map takes far too
# long for syncmap and the spinlocked hashtable.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/vm/deps.sh" gnuplot-nox
kdir=$("$top/vm/kernel.sh" "$top/vm/base.config" "${BENCH_CONFIG:-$top/vm/bench.config}")
make -s -C "$top" KDIR="$kdir" CONFIG_SYNCMAP_BENCH=m modules
plan=$(mktemp)
log=$(mktemp /tmp/syncmap-bench.XXXXXX)
{ echo "BENCH_PARAMS=\"${BENCH_PARAMS:-large_keys=131072 run_ms=100}\""; cat "$top/vm/guest/bench.sh"; } >"$plan"
echo "== benchmark VM (qemu TCG, 2 vCPUs); console in $log"
VM_MEM=${VM_MEM:-3072} VM_TIMEOUT=${VM_TIMEOUT:-3600} \
	"$top/vm/run.sh" "$kdir" "$plan" "$log" \
	"$top/syncmap.ko" "$top/bench/syncmap_bench.ko"
rm -f "$plan"
opt=-Os
grep -q '^CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE=y' "$kdir/.config" && opt=-O2
machine="$(nproc)-core $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), qemu TCG -smp 2, Linux $(basename "$kdir" | cut -d- -f2) non-debug tinyconfig, $opt"
md=$("$top/bench/report.sh" "$log" "$top/bench/results" kernel "$(date +%Y-%m-%d)" "$machine")
cat "$md"
