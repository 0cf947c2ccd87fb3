#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make mutants: apply each mutant of tests/mutants/mutants to a copy of
# the core, run the user-space suite (ASan+UBSan, then TSan) on it, and
# say which tests killed it. A mutant that hangs the suite for longer
# than MUTANT_TIMEOUT seconds counts as killed. Prints the kill rate and
# the survivors; exits non-zero if a mutant that is not argued
# equivalent survives, or if one no longer applies (its text changed).
#   MUTANTS="name ..."  run only these
#   MUTANTS_WORK=DIR    work there (two runs on halves of the list at once)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
list=$top/tests/mutants/mutants
mutate=$top/tests/mutants/mutate
work=${MUTANTS_WORK:-$top/build/mutants}
timeout=${MUTANT_TIMEOUT:-120}
start=$(date +%s)

"$top/vm/deps.sh"
rm -rf "$work"
mkdir -p "$work/src/tests"
cp -r "$top/tests/userspace" "$work/src/tests/"
srcs=(syncmap.c syncmap.h syncmap_internal.h syncmap_test.c)
for f in "${srcs[@]}"; do
	cp "$top/$f" "$work/src/$f"
done
bin=$work/src/build/userspace

# Run the suite in $work/src; prints the failed cases, or a reason.
suite() {
	local prog out rc
	make -s -j"$(nproc)" -C "$work/src/tests/userspace" WERROR= \
		../../build/userspace/kunit-asan ../../build/userspace/kunit-tsan >"$work/build.log" 2>&1 ||
		{ echo "build failed"; return 1; }
	for prog in kunit-asan kunit-tsan; do
		set +e
		out=$(TSAN_OPTIONS=halt_on_error=1 timeout "$timeout" \
		      "$bin/$prog" -q 2>&1)
		rc=$?
		set -e
		[ $rc -eq 0 ] && continue
		if [ $rc -eq 124 ]; then
			echo "$prog: hung (${timeout} s)"
		elif echo "$out" | grep -qE '^ *not ok'; then
			echo "$prog:" $(echo "$out" | sed -n 's/^ *not ok [0-9]* \(syncmap_test_[a-z0-9_]*\).*/\1/p' | sort -u)
		else
			echo "$prog: exit $rc," $(echo "$out" | grep -m1 -E 'Sanitizer|runtime error|WARNING|queued twice' | cut -c1-100)
		fi
		return 1
	done
	return 0
}

echo "== the unmutated core"
if ! why=$(suite); then
	echo "  the suite fails without a mutant: $why"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "  ok    the suite passes ($(($(date +%s) - start)) s)"
echo "== each mutant"

killed=0 survived=0 equivalent=0 stale=0 total=0
survivors=()
while IFS=$'\t' read -r name file equiv; do
	if [ -n "${MUTANTS:-}" ] && ! [[ " $MUTANTS " == *" $name "* ]]; then
		continue
	fi
	total=$((total + 1))
	for f in "${srcs[@]}"; do
		cmp -s "$top/$f" "$work/src/$f" || cp "$top/$f" "$work/src/$f"
	done
	set +e
	"$mutate" apply "$list" "$name" "$top" "$work/src"
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "  STALE     $name: its text is not in $file exactly once"
		stale=$((stale + 1))
		survivors+=("$name (stale)")
		continue
	fi
	if why=$(suite); then
		if [ -n "$equiv" ]; then
			echo "  EQUIV     $name: $equiv"
			equivalent=$((equivalent + 1))
		else
			echo "  SURVIVED  $name"
			survived=$((survived + 1))
			survivors+=("$name")
		fi
	else
		case $why in
		"build failed")
			echo "  STALE     $name: does not build"
			sed 's/^/            /' "$work/build.log" | head -5
			stale=$((stale + 1))
			survivors+=("$name (does not build)")
			continue ;;
		esac
		echo "  killed    $name: $why"
		killed=$((killed + 1))
		[ -n "$equiv" ] && echo "            (listed as equivalent, but killed: $equiv)"
	fi
done < <("$mutate" list "$list")
for f in "${srcs[@]}"; do
	cp "$top/$f" "$work/src/$f"
done

echo "== $total mutants ($(($(date +%s) - start)) s): $killed killed, $equivalent equivalent, $survived survived, $stale stale"
if [ $((total - equivalent - stale)) -gt 0 ]; then
	echo "   kill rate: $((100 * killed / (total - equivalent - stale)))% of the non-equivalent"
fi
for s in "${survivors[@]}"; do
	echo "   survivor: $s"
done
echo "$killed passed, $((survived + stale)) failed"
[ $((survived + stale)) -eq 0 ]
