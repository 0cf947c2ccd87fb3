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
# Each round runs every workload at each thread count of THREADS and at
# 1024 and 1048576 keys (the workloads with sizes of their own, Go's, at
# 1024 only), with 8-byte integer keys and, for the C maps, 16-32 byte
# string keys. Within a round, each cell (workload, keys, threads) runs
# every C map back to back, in an order that rotates from round to round;
# the tables take each cell's median over the rounds, and each ratio to
# syncmap is the median of the rounds' ratios, with its spread (the
# lowest and highest round) for rhashtable. Each round
# also runs StoreLatency at the largest size (one thread storing new and
# existing keys, timed one by one, beside one loading), and its floor
# (fixed work timed the same way, no map: what the machine adds): the
# tables take the median over rounds of p50, p99 and p99.9, and the worst
# max and longest lock hold of any round, and Flood (keys that collide
# under the secret syncmap and rhashtable place new keys by: ns/op during
# the flood, the time to recover, ns/op after). Then valgrind
# counts instructions per hit and miss of syncmap and rhashtable at 1k
# keys, and per store, swap, compare-and-swap and load-or-store of an
# existing key, and the allocator counts bytes per key at 1M keys.
#
# Writes bench/results/native.tsv (every figure), the ratio tables
# native.md and a plot native.png, over the previous run's (git keeps
# the history; HISTORY.md has one line of headline ratios per run).
#
# Environment: ROUNDS (default 5), RUN_MS (default 100), KEYS (default
# "1024 1048576"), THREADS (default 1, 2 and the powers of two up to the
# CPUs there are: "1 2" here), OUT (default bench/results), SMOKE=1 (one
# tiny round of every map and workload, output checked, nothing written:
# the part of `make check`).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-5}
ms=${RUN_MS:-100}
keysets=${KEYS:-1024 1048576}
out=${OUT:-$top/bench/results}
smoke=${SMOKE:-0}
threads=${THREADS:-$(t=1; l=1; while [ $((t * 2)) -le "$(nproc)" ] || [ $t -lt 2 ]; do t=$((t * 2)); l="$l $t"; done; echo "$l")}
[ "$smoke" = 1 ] && { rounds=1; ms=2; keysets="1024 4096"; threads="1 2"; }
nt=$(echo $threads | wc -w)

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
		for t in $threads; do
			{
				"$bin/mapbench" -t "$ms" -k "$k" -n "$t" -r "$r" -s int
				"$bin/mapbench" -t "$ms" -k "$k" -n "$t" -r "$r" -s str
				"$bin/gomap-1.23" -t "$ms" -k "$k" -n "$t" -rwmutex
				"$bin/gomap-1.26" -t "$ms" -k "$k" -n "$t"
			} | sed "/^NATIVE|/s/\$/|$r/" >>"$raw"
		done
	done
	for s in int str; do "$bin/mapbench" -L -t "$lat_ms" -k "$big" -s "$s" >>"$raw"; done
	"$bin/mapbench" -F -t "$ms" >>"$raw"
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
		want=$((want + 17 * nt * (c_maps * 2 + go_maps)))
	else
		want=$((want + 6 * nt * ((c_maps - 1) * 2 + go_maps)))
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
# Flood: syncmap, syncmap+release and rhashtable, each recovered.
flood_cells=$(awk -F'|' '$1 == "FLOOD" && $5 > 0 { print $2 }' "$raw" | sort -u | wc -l)
if [ "$flood_cells" -ne 3 ]; then
	echo "bench/native.sh: expected 3 recovered Flood results, got $flood_cells" >&2
	exit 1
fi
if [ "$smoke" = 1 ]; then
	echo "bench/native.sh: smoke run complete ($cells results and $lat_cells StoreLatency results, every map and workload)"
	exit 0
fi

date=$(date +%F)
mkdir -p "$out"
tsv=$out/native.tsv
awk -F'|' -v OFS='\t' '
# The median of arr[k, 1..m].
function med(arr, m, k,   i, j, t, a) {
	for (i = 1; i <= m; i++) a[i] = arr[k, i] + 0
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
$1 == "NATIVE" {
	k = $2 "|" $3 "|" $4 "|" $5 "|" $6; if (!(k in n)) order[++nk] = k; v[k, ++n[k]] = $7
	if (!(k in lo) || $7 + 0 < lo[k]) lo[k] = $7 + 0
	if ($7 + 0 > hi[k]) hi[k] = $7 + 0
	round_ns[k, $9] = $7; rounds[$9] = 1
}
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
	print "workload", "keys", "threads", "map", "ns_per_op", "instr_per_op", "bytes_per_key", "p50_ns", "p99_ns", "p999_ns", "max_ns", "max_lock_hold_ns", "preempted_stores", "p999_kept_ns", "max_kept_ns", "ns_min", "ns_max", "ratio", "ratio_min", "ratio_max"
	for (i = 1; i <= nk; i++) {
		split(order[i], f, "|")
		w = f[1]; keys = f[2]; t = f[3]; map = f[4]; ks = f[5]
		# This map against syncmap in each round: median, lowest, highest.
		sk = w "|" keys "|" t "|syncmap|" ks; nr = 0; rmin = ""; rmax = ""
		if (map != "syncmap" && (sk in n))
			for (r in rounds)
				if (((order[i], r) in round_ns) && ((sk, r) in round_ns) && round_ns[sk, r] > 0) {
					x = round_ns[order[i], r] / round_ns[sk, r]; rr[++nr] = x
					if (rmin == "" || x < rmin) rmin = x
					if (rmax == "" || x > rmax) rmax = x
				}
		ratio = "-"; if (nr) { for (j = 1; j <= nr; j++) ra["x", j] = rr[j]; ratio = sprintf("%.3f", med(ra, nr, "x")); rmin = sprintf("%.3f", rmin); rmax = sprintf("%.3f", rmax) } else { rmin = "-"; rmax = "-" }
		name = ks == "str" ? map "/str" : map
		instr = "-"
		op = w == "LoadMostlyHits" ? "hit" : w == "LoadMostlyMisses" ? "miss" : ""
		if (op != "" && keys == 1024 && t == 1 && ks == "int" && ((map "|" op "|220000") in ir))
			instr = sprintf("%.1f", (ir[map "|" op "|220000"] - ir[map "|" op "|20000"]) / 200000)
		bytes = "-"
		if (w == "LoadMostlyHits" && keys + 0 >= 1048576 && t == 1 && ((map "|" ks) in mem))
			bytes = mem[map "|" ks]
		print w, keys, t, name, sprintf("%.2f", med(v, n[order[i]], order[i])), instr, bytes, "-", "-", "-", "-", "-", "-", "-", "-", lo[order[i]], hi[order[i]], ratio, rmin, rmax
	}
	for (i = 1; i <= nlk; i++) {
		k = lorder[i]; split(k, f, "|")
		name = f[2] == "str" ? f[1] "/str" : f[1]
		print "StoreLatency", lkeys[k], 2, name, "-", "-", "-", int(med(l50, nl[k], k)), int(med(l99, nl[k], k)), int(med(l999, nl[k], k)), lmax[k], lhold[k], lpre[k], nk999[k] ? int(med(lk999, nk999[k], k)) : "-", nk999[k] ? lkmax[k] : "-", "-", "-", "-", "-", "-"
	}
	# Writes to an existing key, counted the same way (no timed rows of their own).
	wname["store"] = "StoreExisting"; wname["swap"] = "SwapExisting"
	wname["cas"] = "CompareAndSwapExisting"; wname["los"] = "LoadOrStoreExisting"
	for (m in ir) {
		split(m, f, "|")
		if ((f[2] in wname) && f[3] == 220000)
			print wname[f[2]], 1024, 1, f[1], "-", sprintf("%.1f", (ir[m] - ir[f[1] "|" f[2] "|20000"]) / 200000), "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"
	}
}' "$raw" >"$tsv"

md=$out/native.md
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo "# Native benchmark, $date"
	echo
	echo "$(nproc) vCPUs ($cpu), Linux $(uname -r), native (no VM); the code at $(git -C "$top" describe --always --dirty 2>/dev/null || echo "an unknown commit") (\`make bench-native\`, ROUNDS=$rounds)."
	echo "Median of $rounds rounds of ${ms} ms per cell, threads $threads; ns/op = wall time / operations of all threads (Go's RunParallel)."
	echo "Each C map runs each cell right after the others, in an order rotating from round to round; each ratio is the median of the rounds' ratios, and for rhashtable (lowest–highest round) too: a difference inside that spread is noise. The Go maps run in processes of their own, after the C maps of the same round."
	echo "Maps: syncmap (bare values), syncmap+release (boxed), rhashtable (the kernel's lib/rhashtable.c from linux-source-6.1, compiled unchanged on the shim),"
	echo "rculfhash (liburcu $(dpkg-query -W -f='${Version}' liburcu-dev)), ck_hs (libck $(dpkg-query -W -f='${Version}' libck-dev)), spinlock, cow,"
	echo "go1.23 / go1.23-rwmutex ($(/usr/lib/go-1.23/bin/go env GOVERSION)), go1.26 ($(/usr/lib/go-1.26/bin/go env GOVERSION))."
	echo "Ratio = peer ns/op ÷ syncmap ns/op: above 1, syncmap is faster. \`/str\`: 16-32 byte string keys (C maps only)."
	echo
	awk -F'\t' '
	NR == 1 { next }
	$5 != "-" { ns[$1 "|" $2 "|" $3 "|" $4] = $5; if (!(($1 "|" $2) in seen)) { seen[$1 "|" $2] = 1; rows[++nr] = $1 "|" $2 }
		lo[$1 "|" $2 "|" $3 "|" $4] = $16; hi[$1 "|" $2 "|" $3 "|" $4] = $17
		rt[$1 "|" $2 "|" $3 "|" $4] = $18; rlo[$1 "|" $2 "|" $3 "|" $4] = $19; rhi[$1 "|" $2 "|" $3 "|" $4] = $20
		if (!($3 in tseen)) { tseen[$3] = 1; tl[++ntl] = $3 } }
	$6 != "-" { instr[$1 "|" $4] = $6 }
	$7 != "-" { mem[$4] = $7 }
	END {
		split("syncmap+release rhashtable rculfhash ck_hs spinlock cow go1.23 go1.23-rwmutex go1.26", peers, " ")
		for (ks = 1; ks <= 2; ks++) {
			sfx = ks == 1 ? "" : "/str"
			printf "## %s keys\n\n", ks == 1 ? "8-byte integer" : "16-32 byte string"
			printf "| workload | keys | threads | syncmap ns/op (lowest–highest) |"
			for (p = 1; p <= 9; p++) if (ks == 1 || p <= 6) printf " ÷%s |", peers[p]
			printf "\n|---|---:|---:|---:|"
			for (p = 1; p <= 9; p++) if (ks == 1 || p <= 6) printf "---:|"
			printf "\n"
			for (r = 1; r <= nr; r++) for (ti = 1; ti <= ntl; ti++) {
				t = tl[ti]
				split(rows[r], f, "|")
				sk = rows[r] "|" t "|syncmap" sfx
				s = ns[sk]
				if (s == "") continue
				printf "| %s | %s | %d | %.1f (%.1f–%.1f) |", f[1], f[2], t, s, lo[sk], hi[sk]
				for (p = 1; p <= 9; p++) {
					if (ks == 2 && p > 6) continue
					pk = rows[r] "|" t "|" peers[p] (p <= 6 ? sfx : "")
					if (!(pk in ns)) printf " – |"
					else if (rt[pk] == "-") printf " %.2f |", ns[pk] / s
					else if (peers[p] == "rhashtable") printf " %.2f (%.2f–%.2f) |", rt[pk], rlo[pk], rhi[pk]
					else printf " %.2f |", rt[pk]
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
	echo "## Flood (1 thread, 8-byte keys)"
	echo
	echo "A map of 1024 keys gets 4096 keys that share their home slot (syncmap) or bucket (rhashtable) under the secret it places new keys by, as an attacker who had learned it would send them: ns per operation while they are stored and then looked up once each; µs from the flood's first key until the map has moved to another secret and no table it publishes is one that tripped (under a load that goes on after the flood if need be); ns per lookup after that, of the flood keys and of the first keys. Medians over the rounds."
	echo
	echo "| map | flood ns/op | recovered after µs | flood keys ns/lookup after | first keys ns/lookup after |"
	echo "|---|---:|---:|---:|---:|"
	awk -F'|' '
	function med(arr, m, k,   i, j, t, a) {
		for (i = 1; i <= m; i++) a[i] = arr[k, i] + 0
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	$1 == "FLOOD" { k = $2; if (!(k in n)) o[++no] = k; i = ++n[k]; f[k, i] = $4; r[k, i] = $5; a[k, i] = $6; b[k, i] = $7 }
	END { for (j = 1; j <= no; j++) { k = o[j]; printf "| %s | %.1f | %d | %.1f | %.1f |\n", k, med(f, n[k], k), med(r, n[k], k), med(a, n[k], k), med(b, n[k], k) } }' "$raw"
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
set output "$out/native.png"
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
