# Helpers for guest plans (sourced).
LEAK=/sys/kernel/debug/kmemleak

# Forget what boot left behind, so a later scan reports only our leaks.
kmemleak_reset() {
	[ -w $LEAK ] || return 0
	echo scan > $LEAK
	echo clear > $LEAK
}

# Objects younger than 5 s are never reported: wait, then scan.
kmemleak_report() {
	[ -w $LEAK ] || { echo "SYNCMAP-KMEMLEAK-MISSING"; return 0; }
	sleep 6
	echo scan > $LEAK
	echo "SYNCMAP-KMEMLEAK-BEGIN"
	cat $LEAK
	echo "SYNCMAP-KMEMLEAK-END"
}

# result NAME CMD...: run a check, report it as one result line.
result() {
	name=$1
	shift
	if "$@"; then
		echo "SYNCMAP-RESULT ok $name"
	else
		echo "SYNCMAP-RESULT FAIL $name"
	fi
}

# Fault injection: failslab may fail GFP_KERNEL allocations too (its
# ignore-gfp-wait=Y default would spare them), silently (a stack dump per
# failure would read as a splat), and at random only in tasks that ask
# for it with /proc/<pid>/make-it-fail. fail-nth works regardless.
faults_setup() {
	fs=/sys/kernel/debug/failslab
	fp=/sys/kernel/debug/fail_page_alloc
	[ -d $fs ] || { echo "SYNCMAP-FAIL no failslab in debugfs"; return 1; }
	echo N > $fs/ignore-gfp-wait
	echo 0 > $fs/verbose
	echo Y > $fs/task-filter
	echo 20 > $fs/probability
	echo 1 > $fs/interval
	echo -1 > $fs/times
	echo 0 > $fp/verbose
}
