#!/usr/bin/env bash
# Judge a console log: print each KUnit case, the splats and kmemleak
# reports found, and end with "N passed, N failed".
# Usage: vm/parse.sh LOG [extra-passed extra-failed]   (LOG -: stdin)
# PARSE_NO_KUNIT=1: the plan ran no KUnit suite (stock kernel, soak).
set -uo pipefail
log=$1
extra_pass=${2:-0} extra_fail=${3:-0}

# Per-case results from the console, where KUnit prints every line (the
# debugfs copy truncates a case's log, and its verdict with it). A case is
# "[time]     ok N name" under "[time]     # Subtest: suite"; parameterised
# cases count once, with their own verdict. Each suite's "1..N" plan is
# checked against the verdicts found.
# LOG "-" is the console as qemu writes it, on standard input (make check
# prints each test as it finishes): each line is judged as it comes
# (mawk, Debian's awk, reads a pipe a block at a time unless told
# otherwise) and each verdict printed is flushed at once.
awk_opts=()
awk -W version 2>/dev/null | grep -qi mawk && awk_opts=(-W interactive)
[ "$log" = - ] && set -- || set -- "$log"
awk "${awk_opts[@]}" -v xp="$extra_pass" -v xf="$extra_fail" \
	-v nokunit="${PARSE_NO_KUNIT:-0}" '
{ sub(/\r+$/, ""); line = $0; if (!sub(/^\[ *[0-9.]+\] /, "", line)) line = "" }
line ~ /^    # Subtest: / { suite = substr(line, 16); suites++; next }
line ~ /^    1\.\.[0-9]+$/ && suite != "" { plan[suite] = substr(line, 8) + 0; next }
line ~ /^    (not )?ok [0-9]+ / {
	n = split(line, f, " ")
	ok = (f[1] == "ok")
	name = ok ? f[3] : f[4]
	got[suite]++
	if (line ~ /# SKIP/) { printf "  SKIP  %s.%s\n", suite, name; fflush(); next }
	printf "  %s  %s.%s\n", ok ? "ok  " : "FAIL", suite, name
	fflush()
	if (ok) pass++; else fail++
	next
}
line ~ /^    # .*: EXPECTATION FAILED|^    # .*: ASSERTION FAILED/ { print "        " line }
/^SYNCMAP-FAIL/ { print "  FAIL  guest: " substr($0, 14); fflush(); fail++ }
/^SYNCMAP-RESULT ok / { print "  ok    " substr($0, 19); fflush(); pass++ }
/^SYNCMAP-RESULT FAIL / { print "  FAIL  " substr($0, 21); fflush(); fail++ }
# kmemleak: an object is ours if its allocation backtrace names one of
# our modules, or an address no symbol covers any more (a module since
# unloaded). Boot-time objects of the kernel itself (early ACPI caches are
# known false positives) are counted apart.
/^SYNCMAP-KMEMLEAK-MISSING/ { print "  FAIL  kmemleak: not available in the guest"; fail++ }
/^SYNCMAP-KMEMLEAK-BEGIN/ { leak = 1; scanned = 1; next }
/^SYNCMAP-KMEMLEAK-END/ { leak = 0; flush_leak(); next }
leak && /unreferenced object/ { flush_leak(); obj = $0; next }
leak { obj = obj "\n        " $0 }
/^SYNCMAP-GUEST-DONE/ { done = 1 }
# Kernel splats: any of these on the console fails the run.
/(BUG:|WARNING:|Oops|KASAN|UBSAN|general protection|kernel BUG|suspicious RCU usage|possible recursive locking|possible circular locking|inconsistent lock state|INFO: task .* blocked|rcu_.*detected stall|Call Trace)/ {
	if (splats < 40) splat = splat "\n        " $0
	splats++
}
function flush_leak() {
	if (obj == "")
		return
	if (obj ~ /syncmap/ || obj ~ /\] 0x[0-9a-f]+[ \t]*(\n|$)/) {
		leaks++
		leaklines = leaklines "\n        " obj
	} else {
		others++
	}
	obj = ""
}
END {
	pass += xp; fail += xf
	if (!suites && !nokunit) { print "  FAIL  no KUnit results on the console"; fail++ }
	for (su in plan)
		if (got[su] != plan[su]) {
			printf "  FAIL  %s: %d of %d cases reported a verdict\n", su, got[su], plan[su]
			fail++
		}
	if (!done) { print "  FAIL  guest did not finish its plan"; fail++ }
	if (splats) { print "  FAIL  kernel splat on the console:" splat; fail++ }
	else { print "  ok    console free of splats"; pass++ }
	if (leaks) { print "  FAIL  kmemleak:" leaklines; fail++ }
	else if (!scanned) print "  --    kmemleak: no scan in this plan (kernel without kmemleak)"
	else { printf "  ok    kmemleak: no leaks of ours (%d boot-time kernel objects ignored)\n", others; pass++ }
	printf "%d passed, %d failed\n", pass, fail
	exit fail ? 1 : 0
}' "$@"
