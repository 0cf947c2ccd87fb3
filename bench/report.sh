#!/usr/bin/env bash
# Turn a bench console log into OUTDIR/NAME.md (+ .dat, .plot.dat, .png),
# titled with STAMP (the run's date).
# Usage: bench/report.sh LOG OUTDIR NAME STAMP "machine description"
set -euo pipefail
log=$1 out=$2 name=$3 stamp=$4 machine=$5
mkdir -p "$out"
md=$out/$name.md dat=$out/$name.dat

tr -d '\r' <"$log" | grep -o 'SMBENCH.*' > "$dat"
grep -q '^SMBENCH-END' "$dat" || { echo "report.sh: the benchmark did not finish" >&2; exit 1; }

awk -F'|' -v machine="$machine" -v stamp="$stamp" '
$1 == "SMBENCH" {
	w = $2; k = $3; t = $4; m = $5
	ns[w, k, t, m] = $6
	if (!(w in seenw)) { seenw[w] = 1; wl[++nw] = w }
	if (!(k in seenk)) { seenk[k] = 1; kl[++nk] = k }
	if (!(m in seenm)) { seenm[m] = 1; ml[++nm] = m }
	if (t > maxt) maxt = t
}
$1 == "SMBENCH-LAT" { lat[++nl] = $0 }
function cell(v) { return v == "" ? "–" : v }
END {
	printf "# syncmap benchmark, %s\n\n", stamp
	printf "Machine: %s. Under TCG emulation absolute numbers mean little;\n", machine
	printf "only the ratios between maps measured in this one run do.\n\n"
	printf "ns/op (lower is better), wall time over all threads'"'"' operations.\n"
	printf "Ratio columns: baseline ns/op ÷ syncmap ns/op, i.e. syncmap'"'"'s\n"
	printf "throughput relative to that map (> 1: syncmap is faster).\n\n"
	for (ki = 1; ki <= nk; ki++) for (t = 1; t <= maxt; t++) {
		k = kl[ki]
		printf "## %s keys, %d thread%s\n\n| workload |", k, t, (t > 1 ? "s" : "")
		for (mi = 1; mi <= nm; mi++) printf " %s |", ml[mi]
		for (mi = 2; mi <= nm; mi++) printf " ÷%s |", ml[mi]
		printf "\n|---|"
		for (mi = 1; mi < 2 * nm; mi++) printf "---:|"
		printf "\n"
		for (wi = 1; wi <= nw; wi++) {
			w = wl[wi]
			printf "| %s |", w
			for (mi = 1; mi <= nm; mi++) printf " %s |", cell(ns[w, k, t, ml[mi]])
			s = ns[w, k, t, "syncmap"]
			for (mi = 2; mi <= nm; mi++) {
				b = ns[w, k, t, ml[mi]]
				if (b == "" || s == "" || s == 0) printf " – |"
				else printf " %.2f |", b / s
			}
			printf "\n"
		}
		printf "\n"
	}
	printf "## Store latency at %s keys, during promotions and dirty rebuilds\n\n", kl[nk]
	printf "| map | p50 ns | p99 ns | max ns | longest lock hold ns |\n|---|---:|---:|---:|---:|\n"
	for (i = 1; i <= nl; i++) {
		split(lat[i], f, "|")
		printf "| %s | %s | %s | %s | %s |\n", f[2], f[4], f[5], f[6], f[2] == "rhashtable" ? "n/a" : f[7]
	}
}' "$dat" > "$md"

# The plot: ns/op per workload and map, small keys, most threads.
if command -v gnuplot >/dev/null; then
	small=$(awk -F'|' '$1=="SMBENCH"{print $3; exit}' "$dat")
	threads=$(awk -F'|' '$1=="SMBENCH"&&$4>t{t=$4}END{print t}' "$dat")
	awk -F'|' -v k="$small" -v t="$threads" '
	$1 == "SMBENCH" && $3 == k && $4 == t {
		if (!($2 in r)) { r[$2] = ++n; name[n] = $2 }
		if (!($5 in c)) { c[$5] = ++nm; mname[nm] = $5 }
		v[r[$2], c[$5]] = $6
	}
	END {
		printf "workload"; for (j = 1; j <= nm; j++) printf " %s", mname[j]; printf "\n"
		for (i = 1; i <= n; i++) {
			printf "%s", name[i]
			for (j = 1; j <= nm; j++) printf " %s", v[i, j] == "" ? "NaN" : v[i, j]
			printf "\n"
		}
	}' "$dat" > "$out/$name.plot.dat"
	gnuplot <<GP
set terminal png size 1400,700
set output "$out/$name.png"
set title "ns/op, $small keys, $threads threads (log scale; lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set logscale y
set xtics rotate by -30
set key outside
plot for [i=2:6] "$out/$name.plot.dat" using i:xtic(1) title columnheader
GP
fi
echo "$md"
