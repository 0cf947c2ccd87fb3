# Guest plan for `make check`.
. /lib.sh
kmemleak_reset
faults_setup
insmod /modules/syncmap.ko || echo "SYNCMAP-FAIL insmod syncmap"
insmod /modules/syncmap_test.ko || echo "SYNCMAP-FAIL insmod syncmap_test"
rmmod syncmap_test || echo "SYNCMAP-FAIL rmmod syncmap_test"

# The example client counts words through the exported API.
example_counts() {
	insmod /modules/syncmap_example.ko text=b,a,c,a,b,a || return 1
	dmesg | grep 'syncmap_example:' > /tmp/example.log
	rmmod syncmap_example || return 1
	grep -q '3 distinct words' /tmp/example.log &&
	grep -Eq 'syncmap_example:   a +3$' /tmp/example.log &&
	grep -Eq 'syncmap_example:   b +2$' /tmp/example.log &&
	grep -Eq 'syncmap_example:   c +1$' /tmp/example.log &&
	grep -q '^.*6 words;' /tmp/example.log
}
result samples.syncmap_example_counts_words example_counts

. /device.sh

# The benchmark module, at toy sizes, so that make bench cannot rot: every
# workload on every map at both thread counts, and the latency phase.
bench_smoke() {
	dmesg -c >/dev/null
	insmod /modules/syncmap_bench.ko small_keys=64 large_keys=256 run_ms=5 || return 1
	rmmod syncmap_bench || return 1
	insmod /modules/syncmap_bench.ko latency=1 large_keys=256 lat_samples=500 || return 1
	rmmod syncmap_bench || return 1
	rows=$(dmesg | grep -c 'SMBENCH|[A-Za-z]*|[0-9]*|[12]|[a-z+]*|[1-9][0-9]*|[1-9][0-9]*$')
	lat=$(dmesg | grep -c 'SMBENCH-LAT|')
	echo "# bench smoke: $rows rows, $lat latency rows"
	[ "$rows" = 286 ] && [ "$lat" = 5 ]
}
result bench.smoke_every_workload_and_map bench_smoke

# The core cannot go while a client holds it, and can once it is gone.
core_pinned() {
	insmod /modules/syncmap_example.ko text="x" || return 1
	! rmmod syncmap 2>/dev/null || return 1
	rmmod syncmap_example
}
result module.core_pinned_by_client core_pinned
rmmod syncmap || echo "SYNCMAP-FAIL rmmod syncmap"
kmemleak_report
