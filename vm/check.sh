#!/usr/bin/env bash
# `make check`: build the test kernel (cached) and the modules, run the
# lint gates, boot the VM, run every test, judge the console.
# Ends with "N passed, N failed"; exits non-zero if anything failed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)

"$top/vm/deps.sh"
kdir=$("$top/vm/kernel.sh")
echo "== test kernel: $(basename "$kdir") ($(($(date +%s) - start)) s)"

echo "== lint, and the modules (checkpatch, sparse C=2, W=1)"
lint=$("$top/vm/lint.sh" "$kdir")
echo "$lint" | grep -v '^lint: '
read -r _ lint_pass lint_fail < <(echo "$lint" | grep '^lint: ')
for ko in syncmap.ko syncmap_test.ko drivers/syncmap_dev.ko \
	  samples/syncmap_example.ko samples/syncmap_named_example.ko \
	  bench/syncmap_bench.ko; do
	[ -f "$top/$ko" ] || { echo "  FAIL  $ko did not build"; echo "0 passed, 1 failed"; exit 1; }
done

echo "== the orderings the core relies on, in the kernel's memory model (herd7)"
litmus=$("$top/tools/memory-model/check.sh" "$kdir") ||
	litmus=$(printf '  FAIL  litmus: no herd7 or no memory model\nlitmus: 0 1')
echo "$litmus" | grep -v '^litmus: '
read -r _ p f < <(echo "$litmus" | grep '^litmus: ')
lint_pass=$((lint_pass + p))
lint_fail=$((lint_fail + f))

echo "== documentation: Documentation/ through Sphinx and kernel-doc; the man page"
# docs_gate SCRIPT WHAT: one result line; the script's output if it fails.
docs_gate() {
	local out
	if out=$("$top/vm/$1" 2>&1); then
		echo "  ok    docs: $2"
		lint_pass=$((lint_pass + 1))
	else
		echo "$out" | tail -20 | sed 's/^/        /'
		echo "  FAIL  docs: $2"
		lint_fail=$((lint_fail + 1))
	fi
}
docs_gate htmldocs.sh "make htmldocs, no warning"
docs_gate mancheck.sh "syncmapctl.8 renders with no groff warning"

echo "== user space: syncmapctl, devtest, uapi header in C99 and C++"
make -s -C "$top" tools
make -s -C "$top" build/devtest-kselftest \
	KSELFTEST_DIR="$kdir/tools/testing/selftests"
# libsyncmap as a program finds it: installed, through pkg-config; the
# example built so is run in the VM.
inst=$(mktemp -d)
if make -s -C "$top" install PREFIX=/usr DESTDIR="$inst" >/dev/null &&
   flags=$(PKG_CONFIG_SYSROOT_DIR=$inst PKG_CONFIG_LIBDIR=$inst/usr/lib/pkgconfig \
	   pkg-config --cflags --libs syncmap) &&
   cc -O2 -Wall -Wextra -Werror -static -o "$top/build/example-counter" \
	"$top/tools/lib/syncmap/examples/counter.c" $flags; then
	echo "  ok    lib: make install DESTDIR, pkg-config --cflags --libs syncmap ($flags), the example builds"
	lint_pass=$((lint_pass + 1))
else
	echo "  FAIL  lib: install, pkg-config or the example"
	lint_fail=$((lint_fail + 1))
fi
rm -rf "$inst"
if make -s -C "$top" uapi-check >/dev/null 2>&1; then
	echo "  ok    uapi: header compiles alone in C99 and C++ (-Wall -Werror)"
	lint_pass=$((lint_pass + 1))
else
	echo "  FAIL  uapi: header does not compile alone"
	lint_fail=$((lint_fail + 1))
fi

echo "== user space: syncmap.c and its KUnit cases on liburcu; native bench smoke"
make -s -C "$top/tests/userspace" all
for prog in kunit-asan kunit-tsan; do
	set +e
	out=$("$top/build/userspace/$prog" -q 2>&1)
	rc=$?
	set -e
	read -r p _ f _ < <(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1 || echo "0 passed 0 failed")
	echo "$out" | grep -E '^not ok|SUMMARY|runtime error|WARNING' | sed 's/^/        /' || true
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# a sanitizer report, a leak, or a crash
	fi
	if [ "$rc" -eq 0 ]; then
		echo "  ok    userspace/$prog: $p passed"
	else
		echo "  FAIL  userspace/$prog: $p passed, $f failed (exit $rc)"
	fi
	lint_pass=$((lint_pass + p))
	lint_fail=$((lint_fail + f))
done
if SMOKE=1 "$top/bench/native.sh" >/dev/null; then
	echo "  ok    userspace/bench: native benchmark smoke run (every map and workload)"
	lint_pass=$((lint_pass + 1))
else
	echo "  FAIL  userspace/bench: smoke run"
	lint_fail=$((lint_fail + 1))
fi

log=$(mktemp /tmp/syncmap-console.XXXXXX)
echo "== booting the test VM (qemu TCG, $(nproc) host cores; $(($(date +%s) - start)) s so far); console in $log"
"$top/vm/run.sh" "$kdir" "$top/vm/guest/check.sh" "$log" \
	"$top/syncmap.ko" "$top/syncmap_test.ko" \
	"$top/drivers/syncmap_dev.ko" "$top/samples/syncmap_example.ko" \
	"$top/samples/syncmap_named_example.ko" \
	"$top/bench/syncmap_bench.ko" \
	-- "$top/build/syncmapctl" "$top/build/devtest" "$top/build/fuzz" \
	"$top/build/jsoncheck" "$top/build/devtest-kselftest" \
	"$top/build/libtest" "$top/build/example-counter" \
	"$top/build/syncmap-go.test" "$top/build/go-wordcount" &
vm=$!
# Each test's line as it finishes: the judge reads the console as qemu
# writes it, and ends with the verdicts only the whole log can give.
set +e
tail -n +1 -s 1 --pid="$vm" -f "$log" 2>/dev/null |
	"$top/vm/parse.sh" - "$lint_pass" "$lint_fail"
rc=$?
wait "$vm"
exit $rc
