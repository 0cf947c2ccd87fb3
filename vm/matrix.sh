#!/usr/bin/env bash
# `make check-matrix`: the whole of `make check` on each kernel
# generation (Debian's linux-source 6.1 from bookworm, 6.12 from
# bookworm-security, the newest 7.x from sid), one after the other.
# Ends with a line per kernel and the total "N passed, N failed".
# Environment: MATRIX (default "6.1 6.12 7.2").
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
summary=() pass=0 fail=0
for v in ${MATRIX:-6.1 6.12 7.2}; do
	echo "==== linux $v"
	start=$(date +%s)
	out=$(KVER=$v bash "$top/vm/check.sh" 2>&1)
	echo "$out"
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	read -r p _ f _ <<<"${line:-0 passed, 1 failed}"
	[ -n "$line" ] || echo "  FAIL  linux $v: no result line"
	pass=$((pass + p)) fail=$((fail + f))
	summary+=("linux $v: ${line:-no result} ($(($(date +%s) - start)) s)")
done
echo "==== matrix"
printf '%s\n' "${summary[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
