#!/usr/bin/env bash
# `make bench-native`: syncmap built in user space against Go's sync.Map
# and RWMutexMap, natively (no VM), side by side in one invocation.
#
# Each round runs every workload at 1 and 2 threads on syncmap, then on
# Go; the table takes each cell's median over the rounds. Writes
# bench/results/native-<date>.{md,dat}.
#
# Environment: ROUNDS (default 3), RUN_MS (default 200), OUT (directory,
# default bench/results), SMOKE=1 (one tiny round, checks the output and
# writes nothing: the part of `make check`).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-3}
ms=${RUN_MS:-200}
out=${OUT:-$top/bench/results}
[ "${SMOKE:-0}" = 1 ] && { rounds=1; ms=2; }

"$top/vm/deps.sh"
make -s -C "$top/bench/native"
bin=$top/build/userspace
raw=$(mktemp /tmp/syncmap-native.XXXXXX)
trap 'rm -f "$raw"' EXIT

for r in $(seq "$rounds"); do
	[ "${SMOKE:-0}" = 1 ] || echo "round $r/$rounds" >&2
	"$bin/syncmap_native" -t "$ms" >>"$raw"
	"$bin/gomap" -t "$ms" >>"$raw"
done

# Every workload x threads x map, with operations counted.
cells=$(awk -F'|' '$1 == "NATIVE" && $6 > 0 { print $2, $3, $4 }' "$raw" | sort -u | wc -l)
if [ "$cells" -ne $((13 * 2 * 3)) ]; then
	echo "bench/native.sh: expected 78 results, got $cells" >&2
	exit 1
fi
[ "${SMOKE:-0}" = 1 ] && { echo "bench/native.sh: smoke run complete ($cells results)"; exit 0; }

date=$(date +%F)
mkdir -p "$out"
cp "$raw" "$out/native-$date.dat"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo "# syncmap (user space, liburcu) vs Go's sync.Map ($(/usr/lib/go-1.23/bin/go env GOVERSION))"
	echo
	echo "$date, $(nproc) cores ($cpu), native; median of $rounds rounds of ${ms} ms."
	echo "ns/op = wall time / operations of all threads (Go's RunParallel)."
	echo "Ratio = Go's ns/op ÷ syncmap's: above 1, syncmap is faster."
	echo
	echo "| workload | threads | syncmap ns/op | Go sync.Map ns/op | Go RWMutexMap ns/op | vs sync.Map | vs RWMutexMap |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	awk -F'|' '
	$1 == "NATIVE" { k = $2 "|" $3 "|" $4; v[k, ++n[k]] = $5; if (!($2 in seen)) { seen[$2] = 1; order[++nw] = $2 } }
	function med(k,   i, j, t, m, a) {
		m = n[k]
		for (i = 1; i <= m; i++) a[i] = v[k, i] + 0
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	END {
		for (w = 1; w <= nw; w++) for (t = 1; t <= 2; t++) {
			s = med(order[w] "|" t "|syncmap")
			g = med(order[w] "|" t "|go-sync.Map")
			r = med(order[w] "|" t "|go-rwmutex")
			printf "| %s | %d | %.1f | %.1f | %.1f | %.2f× | %.2f× |\n", order[w], t, s, g, r, g / s, r / s
		}
	}' "$raw"
} >"$out/native-$date.md"
cat "$out/native-$date.md"
