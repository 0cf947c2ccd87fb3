#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run each litmus test of litmus-tests/ through herd7 with the kernel's
# memory model (LKMM: tools/memory-model of the kernel tree KDIR) and
# compare the outcome with the test's "Result:" line, as the kernel's
# own scripts/checklitmus.sh does. Every ordering syncmap relies on has a
# test that herd7 must answer Never, and a broken twin (the barrier or
# the atomic taken away, "-broken") that it must answer Sometimes: a model
# that would accept the broken one proves nothing about the real one.
# herd7 runs in the sid chroot vm/herd.sh provides.
#
# Usage: tools/memory-model/check.sh KDIR
# Prints one line per test and a last line "litmus: PASSED FAILED".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kdir=${1:?usage: check.sh KDIR}
model=$kdir/tools/memory-model
[ -f "$model/linux-kernel.cfg" ] || { echo "check.sh: no LKMM in $model" >&2; exit 2; }
herd=$("$here/../../vm/herd.sh")

work=$herd/tmp/syncmap-lkmm
rm -rf "$work"
mkdir -p "$work"
cp "$model"/linux-kernel.* "$model"/lock.cat "$work/"
cp "$here"/litmus-tests/*.litmus "$work/"

pass=0 fail=0
for t in "$here"/litmus-tests/*.litmus; do
	name=$(basename "$t" .litmus)
	want=$(sed -n 's/^ \* Result: *\([A-Za-z]*\).*/\1/p' "$t" | head -1)
	set +e
	out=$(chroot "$herd" sh -c "cd /tmp/syncmap-lkmm && timeout 300 herd7 -conf linux-kernel.cfg $name.litmus" 2>&1)
	set -e
	got=$(echo "$out" | sed -n 's/^Observation [^ ]* \([A-Za-z]*\).*/\1/p' | head -1)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		echo "  ok    litmus: $name ($got)"
		pass=$((pass + 1))
	else
		echo "  FAIL  litmus: $name: herd7 says ${got:-nothing}, the test wants ${want:-no Result: line}"
		echo "$out" | tail -5 | sed 's/^/        /'
		fail=$((fail + 1))
	fi
done
rm -rf "$work"
echo "litmus: $pass $fail"
