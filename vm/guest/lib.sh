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
