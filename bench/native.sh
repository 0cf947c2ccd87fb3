#!/usr/bin/env bash
# `make bench-native`: syncmap against the maps a user would pick instead,
# natively (no VM), every map in the same rounds of the same run:
# syncmap, syncmap+release, the kernel's own rhashtable (lib/rhashtable.c
# from linux-source, compiled unchanged on the user-space shim),
# liburcu's rculfhash, Concurrency Kit's ck_hs, a spinlocked table, a
# copy-on-write table (1k keys only), and Go's sync.Map from Go 1.23 (the
# classic read/dirty design) and Go 1.26 (the hash-trie), plus Go 1.23's
# RWMutexMap.
#
# Each round runs every workload at 1 and 2 threads and at 1024 and
# 1048576 keys (the workloads with sizes of their own, Go's, at 1024
# only), with 8-byte integer keys and, for the C maps, 16-32 byte string
# keys; the tables take each cell's median over the rounds. Each round
# also runs StoreLatency at the largest size (one thread storing new and
# existing keys, timed one by one, beside one loading), and its floor
# (fixed work timed the same way, no map: what the machine adds): the
# tables take the median over rounds of p50, p99 and p99.9, and the worst
# max and longest lock hold of any round. Then valgrind
# counts instructions per hit and miss of syncmap and rhashtable at 1k
# keys, and per store, swap, compare-and-swap and load-or-store of an
# existing key, and the allocator counts bytes per key at 1M keys.
#
# Writes bench/results/native-latest.tsv, native-<date>.tsv, the ratio
# tables native-<date>.md and a plot native-<date>.png.
#
# Environment: ROUNDS (default 5), RUN_MS (default 100), KEYS (default
# "1024 1048576"), OUT (default bench/results), SMOKE=1 (one tiny round of
# every map and workload, output checked, nothing written: the part of
# `make check`).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-5}
ms=${RUN_MS:-100}
keysets=${KEYS:-1024 1048576}
out=${OUT:-$top/bench/results}
smoke=${SMOKE:-0}
[ "$smoke" = 1 ] && { rounds=1; ms=2; keysets="1024 4096"; }

"$top/vm/deps.sh" libck-dev golang-1.26-go/sid valgrind
[ "$smoke" = 1 ] || "$top/vm/deps.sh" gnuplot-nox
make -s -C "$top/bench/native"
bin=$top/build/userspace
raw=$(mktemp /tmp/syncmap-native.XXXXXX)
trap 'rm -f "$raw"' EXIT

big=${keysets##* }
lat_ms=$((ms * 5))
for r in $(seq "$rounds"); do
	for k in $keysets; do
		[ "$smoke" = 1 ] || echo "round $r/$rounds, $k keys" >&2
		"$bin/mapbench" -t "$ms" -k "$k" -s int >>"$raw"
		"$bin/mapbench" -t "$ms" -k "$k" -s str >>"$raw"
		"$bin/gomap-1.23" -t "$ms" -k "$k" -rwmutex >>"$raw"
		"$bin/gomap-1.26" -t "$ms" -k "$k" >>"$raw"
	done
	for s in int str; do "$bin/mapbench" -L -t "$lat_ms" -k "$big" -s "$s" >>"$raw"; done
	"$bin/gomap-1.23" -L -t "$lat_ms" -k "$big" -rwmutex >>"$raw"
	"$bin/gomap-1.26" -L -t "$lat_ms" -k "$big" >>"$raw"
done

# The store that starts a dirty build of the big map, five times.
"$bin/first_store" -k "$big" -r 5 >>"$raw"

for s in int str; do "$bin/mapbench" -M -k "$big" -s "$s" >>"$raw"; done
"$bin/gomap-1.23" -M -k "$big" -rwmutex >>"$raw"
"$bin/gomap-1.26" -M -k "$big" >>"$raw"

# Instructions per operation: two runs of different lengths, so that
# setup and teardown cancel out.
if [ "$smoke" = 0 ]; then
	for m in syncmap rhashtable; do
		for op in hit miss store swap cas los; do
			for c in 20000 220000; do
				valgrind --tool=cachegrind --cache-sim=no \
					--cachegrind-out-file=/dev/null \
					"$bin/mapbench" -m "$m" -I "$op" -c "$c" 2>&1 |
					awk -v m="$m" -v op="$op" -v c="$c" \
					    '/I *refs:/ { gsub(",", "", $NF); print "INSTR|" m "|" op "|" c "|" $NF }'
			done
		done
	done >>"$raw"
fi

# The cells: workload keys threads map keyset.
c_maps=7 go_maps=3
want=0
for k in $keysets; do
	if [ "$k" = 1024 ]; then
		want=$((want + 17 * 2 * (c_maps * 2 + go_maps)))
	else
		want=$((want + 6 * 2 * ((c_maps - 1) * 2 + go_maps)))
	fi
done
cells=$(awk -F'|' '$1 == "NATIVE" && $8 > 0 { print $2, $3, $4, $5, $6 }' "$raw" | sort -u | wc -l)
if [ "$cells" -ne "$want" ]; then
	echo "bench/native.sh: expected $want results, got $cells" >&2
	exit 1
fi
# StoreLatency: every C map but cow (at 1M keys), both key sets, the
# three Go maps, and the floor (fixed work, no map), each with its stores
# counted.
lat_cells=$(awk -F'|' '$1 == "LAT" && $5 > 0 { print $2, $3 }' "$raw" | sort -u | wc -l)
lat_want=$(((c_maps - 1) * 2 + go_maps + 1))
if [ "$lat_cells" -ne "$lat_want" ]; then
	echo "bench/native.sh: expected $lat_want StoreLatency results, got $lat_cells" >&2
	exit 1
fi
if [ "$smoke" = 1 ]; then
	echo "bench/native.sh: smoke run complete ($cells results and $lat_cells StoreLatency results, every map and workload)"
	exit 0
fi

date=$(date +%F)
mkdir -p "$out"
tsv=$out/native-$date.tsv
awk -F'|' -v OFS='\t' '
# The median of arr[k, 1..m].
function med(arr, m, k,   i, j, t, a) {
	for (i = 1; i <= m; i++) a[i] = arr[k, i] + 0
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
$1 == "NATIVE" { k = $2 "|" $3 "|" $4 "|" $5 "|" $6; if (!(k in n)) order[++nk] = k; v[k, ++n[k]] = $7 }
$1 == "MEM" { mem[$2 "|" $3] = $5 }
$1 == "INSTR" { ir[$2 "|" $3 "|" $4] = $5; cnt[$4] = 1 }
$1 == "LAT" {
	k = $2 "|" $3; if (!(k in nl)) { lorder[++nlk] = k; lkeys[k] = $4 }
	i = ++nl[k]; l50[k, i] = $6; l99[k, i] = $7; l999[k, i] = $8
	if ($9 + 0 > lmax[k]) lmax[k] = $9 + 0
	lpre[k] += $11
	if ($12 != "-") lk999[k, ++nk999[k]] = $12
	if ($13 != "-" && $13 + 0 > lkmax[k]) lkmax[k] = $13 + 0
	if ($10 == "-") lhold[k] = "-"; else if (lhold[k] != "-" && $10 + 0 >= lhold[k] + 0) lhold[k] = $10 + 0
}
END {
	print "workload", "keys", "threads", "map", "ns_per_op", "instr_per_op", "bytes_per_key", "p50_ns", "p99_ns", "p999_ns", "max_ns", "max_lock_hold_ns", "preempted_stores", "p999_kept_ns", "max_kept_ns"
	for (i = 1; i <= nk; i++) {
		split(order[i], f, "|")
		w = f[1]; keys = f[2]; t = f[3]; map = f[4]; ks = f[5]
		name = ks == "str" ? map "/str" : map
		instr = "-"
		op = w == "LoadMostlyHits" ? "hit" : w == "LoadMostlyMisses" ? "miss" : ""
		if (op != "" && keys == 1024 && t == 1 && ks == "int" && ((map "|" op "|220000") in ir))
			instr = sprintf("%.1f", (ir[map "|" op "|220000"] - ir[map "|" op "|20000"]) / 200000)
		bytes = "-"
		if (w == "LoadMostlyHits" && keys + 0 >= 1048576 && t == 1 && ((map "|" ks) in mem))
			bytes = mem[map "|" ks]
		print w, keys, t, name, sprintf("%.2f", med(v, n[order[i]], order[i])), instr, bytes, "-", "-", "-", "-", "-", "-", "-", "-"
	}
	for (i = 1; i <= nlk; i++) {
		k = lorder[i]; split(k, f, "|")
		name = f[2] == "str" ? f[1] "/str" : f[1]
		print "StoreLatency", lkeys[k], 2, name, "-", "-", "-", int(med(l50, nl[k], k)), int(med(l99, nl[k], k)), int(med(l999, nl[k], k)), lmax[k], lhold[k], lpre[k], nk999[k] ? int(med(lk999, nk999[k], k)) : "-", nk999[k] ? lkmax[k] : "-"
	}
	# Writes to an existing key, counted the same way (no timed rows of their own).
	wname["store"] = "StoreExisting"; wname["swap"] = "SwapExisting"
	wname["cas"] = "CompareAndSwapExisting"; wname["los"] = "LoadOrStoreExisting"
	for (m in ir) {
		split(m, f, "|")
		if ((f[2] in wname) && f[3] == 220000)
			print wname[f[2]], 1024, 1, f[1], "-", sprintf("%.1f", (ir[m] - ir[f[1] "|" f[2] "|20000"]) / 200000), "-", "-", "-", "-", "-", "-", "-", "-", "-"
	}
}' "$raw" >"$tsv"
cp "$tsv" "$out/native-latest.tsv"

md=$out/native-$date.md
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo "# Native benchmark, $date"
	echo
	echo "$(nproc) vCPUs ($cpu), Linux $(uname -r), native (no VM)."
	echo "Median of $rounds rounds of ${ms} ms per cell; ns/op = wall time / operations of all threads (Go's RunParallel)."
	echo "Maps: syncmap (bare values), syncmap+release (boxed), rhashtable (the kernel's lib/rhashtable.c from linux-source-6.1, compiled unchanged on the shim),"
	echo "rculfhash (liburcu $(dpkg-query -W -f='${Version}' liburcu-dev)), ck_hs (libck $(dpkg-query -W -f='${Version}' libck-dev)), spinlock, cow,"
	echo "go1.23 / go1.23-rwmutex ($(/usr/lib/go-1.23/bin/go env GOVERSION)), go1.26 ($(/usr/lib/go-1.26/bin/go env GOVERSION))."
	echo "Ratio = peer ns/op ÷ syncmap ns/op: above 1, syncmap is faster. \`/str\`: 16-32 byte string keys (C maps only)."
	echo
	awk -F'\t' '
	NR == 1 { next }
	$5 != "-" { ns[$1 "|" $2 "|" $3 "|" $4] = $5; if (!(($1 "|" $2) in seen)) { seen[$1 "|" $2] = 1; rows[++nr] = $1 "|" $2 } }
	$6 != "-" { instr[$1 "|" $4] = $6 }
	$7 != "-" { mem[$4] = $7 }
	END {
		split("syncmap+release rhashtable rculfhash ck_hs spinlock cow go1.23 go1.23-rwmutex go1.26", peers, " ")
		for (ks = 1; ks <= 2; ks++) {
			sfx = ks == 1 ? "" : "/str"
			printf "## %s keys\n\n", ks == 1 ? "8-byte integer" : "16-32 byte string"
			printf "| workload | keys | threads | syncmap ns/op |"
			for (p = 1; p <= 9; p++) if (ks == 1 || p <= 6) printf " ÷%s |", peers[p]
			printf "\n|---|---:|---:|---:|"
			for (p = 1; p <= 9; p++) if (ks == 1 || p <= 6) printf "---:|"
			printf "\n"
			for (r = 1; r <= nr; r++) for (t = 1; t <= 2; t++) {
				split(rows[r], f, "|")
				s = ns[rows[r] "|" t "|syncmap" sfx]
				if (s == "") continue
				printf "| %s | %s | %d | %.1f |", f[1], f[2], t, s
				for (p = 1; p <= 9; p++) {
					if (ks == 2 && p > 6) continue
					pk = rows[r] "|" t "|" peers[p] (p <= 6 ? sfx : "")
					if (pk in ns) printf " %.2f |", ns[pk] / s; else printf " – |"
				}
				printf "\n"
			}
			printf "\n"
		}
		printf "## Instructions per operation (valgrind, 1k keys, 1 thread)\n\n| op | syncmap | rhashtable |\n|---|---:|---:|\n"
		printf "| hit | %s | %s |\n", instr["LoadMostlyHits|syncmap"], instr["LoadMostlyHits|rhashtable"]
		printf "| miss | %s | %s |\n", instr["LoadMostlyMisses|syncmap"], instr["LoadMostlyMisses|rhashtable"]
		printf "| store (existing key) | %s | %s |\n", instr["StoreExisting|syncmap"], instr["StoreExisting|rhashtable"]
		printf "| swap (existing key) | %s | %s |\n", instr["SwapExisting|syncmap"], instr["SwapExisting|rhashtable"]
		printf "| compare-and-swap (existing key, succeeds) | %s | %s |\n", instr["CompareAndSwapExisting|syncmap"], instr["CompareAndSwapExisting|rhashtable"]
		printf "| load-or-store (existing key: a load) | %s | %s |\n\n", instr["LoadOrStoreExisting|syncmap"], instr["LoadOrStoreExisting|rhashtable"]
		printf "## Bytes per key at 1M keys (allocator-measured: everything the map holds)\n\n| map | int keys | string keys |\n|---|---:|---:|\n"
		split("syncmap syncmap+release rhashtable rculfhash ck_hs spinlock go1.23 go1.23-rwmutex go1.26", all, " ")
		for (p = 1; p <= 9; p++) printf "| %s | %s | %s |\n", all[p], mem[all[p]] == "" ? "–" : mem[all[p]], mem[all[p] "/str"] == "" ? "–" : mem[all[p] "/str"]
	}' "$tsv"
	echo "## StoreLatency at $big keys (ns; one thread stores new and existing keys, one loads)"
	echo
	echo "p50, p99, p99.9: median over the rounds; max and the longest hold of the map's write lock: the worst of any round (\`-\`: no single write lock to time). Preempted: stores (of all rounds) during which the storing thread was preempted, which a kernel caller under a raw spinlock cannot be; the last two columns leave them out. The lock hold is timed on the holder's CPU clock, in a run of its own. \`floor\` is no map: its store is a fixed computation of about a store's median (256 xorshift rounds) under a lock that guards nothing, timed the same way, so its max and longest hold are what this machine adds to any timing, which no map's can go below."
	echo
	echo "| map | stores/round | p50 | p99 | p99.9 | max | longest lock hold | preempted | p99.9 not preempted | max not preempted |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'|' '$1 == "LAT" { k = $2 ($3 == "str" ? "/str" : ""); if (!(k in c)) o[++n] = k; c[k] = $5 }
	END { for (i = 1; i <= n; i++) print o[i] "\t" c[o[i]] }' "$raw" >"$raw.cnt"
	awk -F'\t' 'NR == FNR { cnt[$1] = $2; next }
	FNR > 1 && $1 == "StoreLatency" { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $4, cnt[$4], $8, $9, $10, $11, $12, $13, $14, $15 }' "$raw.cnt" "$tsv"
	rm -f "$raw.cnt"
	echo
	echo "## The store that starts a dirty build (syncmap, $big keys)"
	echo
	echo "\`first_store\`: the map promoted, then one new key stored, timed; five rounds. Above 8192 slots the store publishes a nursery and a worker allocates the table."
	echo
	echo "| round | ns | nurseries started so far |"
	echo "|---:|---:|---:|"
	awk -F'|' '$1 == "FIRST" { printf "| %s | %s | %s |\n", $3, $4, $5 }' "$raw"
} >"$md"

if command -v gnuplot >/dev/null; then
	plot=$(mktemp /tmp/syncmap-native-plot.XXXXXX)
	awk -F'\t' '$2 == 1024 && $3 == 2 && $5 != "-" && $4 !~ /\/str$/ { ns[$1 "|" $4] = $5; if (!($1 in s)) { s[$1] = 1; w[++nw] = $1 } }
	END {
		split("syncmap rhashtable rculfhash ck_hs spinlock go1.23 go1.26", m, " ")
		printf "workload"; for (j = 1; j <= 7; j++) printf " %s", m[j]; printf "\n"
		for (i = 1; i <= nw; i++) { printf "%s", w[i]; for (j = 1; j <= 7; j++) printf " %s", ns[w[i] "|" m[j]] == "" ? "NaN" : ns[w[i] "|" m[j]]; printf "\n" }
	}' "$tsv" >"$plot"
	gnuplot <<GP
set terminal png size 1500,700
set output "$out/native-$date.png"
set title "native, 1k keys, 2 threads: ns/op (log scale, lower is better), $date"
set style data histogram
set style histogram cluster gap 1
set style fill solid border -1
set logscale y
set xtics rotate by -35
set key top left
plot for [c=2:8] "$plot" using c:xtic(1) title columnheader(c)
GP
	rm -f "$plot"
fi
cat "$md"
