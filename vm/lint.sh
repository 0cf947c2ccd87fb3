#!/usr/bin/env bash
# Lint gates: checkpatch --strict, sparse (C=2, __rcu checking) and W=1,
# against the test kernel tree. Prints one ok/FAIL line per gate and the
# counts on the last line as "lint: P F".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$1
src=(syncmap.c syncmap.h syncmap_internal.h syncmap_test.c
     drivers/syncmap_dev.c include/uapi/linux/syncmap.h
     drivers/syncmap_dev.h samples/syncmap_example.c
     samples/syncmap_named_example.c bench/syncmap_bench.c)
pass=0 fail=0

gate() {
	local name=$1 out=$2
	if [ -z "$out" ]; then
		echo "  ok    lint: $name"
		pass=$((pass + 1))
	else
		echo "  FAIL  lint: $name"
		echo "$out" | sed 's/^/        /' | head -40
		fail=$((fail + 1))
	fi
}

cd "$top"
out=$(perl "$kdir/scripts/checkpatch.pl" --strict --no-tree --terse \
	--show-types -f "${src[@]}" 2>&1 | grep -v '^total:' || true)
gate "checkpatch --strict" "$out"

# Rebuild from scratch so every file is checked and compiled again: all
# of it, the benchmark module (built only when asked for) included.
"$top/vm/kclean.sh" "$top"
out=$(make -s -C "$kdir" M="$top" C=2 W=1 CONFIG_SYNCMAP_BENCH=m modules 2>&1) ||
	out="$out
error: the build failed"	# whatever it printed
out=$(echo "$out" | grep -Ei 'warning|error|\*\*\*' || true)
gate "sparse C=2 and W=1" "$out"

# A production build (no KUnit suite, no benchmark) builds no test or
# benchmark module, and syncmap.ko has no lock timing (its lock_stats
# parameter is a symbol nm sees; the race points and other hooks of
# CONFIG_SYNCMAP_DEBUG leave none, and are off by the same Kbuild rule).
prod=$(mktemp -d /tmp/syncmap-prod.XXXXXX)
if "$top/vm/modules.sh" "$kdir" "$prod" CONFIG_SYNCMAP_KUNIT_TEST= >/dev/null 2>&1; then
	out=$(nm "$prod/syncmap.ko" | grep -E 'lock_stats' || true)
	[ -f "$prod/syncmap_test.ko" ] && out="$out
syncmap_test.ko built"
	[ -f "$prod/bench/syncmap_bench.ko" ] && out="$out
bench/syncmap_bench.ko built"
else
	out="error: the production build failed"
fi
rm -rf "$prod"
gate "a production syncmap.ko has no test code (nm)" "$out"
echo "lint: $pass $fail"
