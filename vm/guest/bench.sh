# Guest plan for `make bench`: throughput, then store latency with the
# core's lock-hold measurement on.
insmod /modules/syncmap.ko
insmod /modules/syncmap_bench.ko $BENCH_PARAMS || echo "SYNCMAP-FAIL bench"
rmmod syncmap_bench
echo 1 > /sys/module/syncmap/parameters/lock_stats
insmod /modules/syncmap_bench.ko latency=1 $BENCH_PARAMS || echo "SYNCMAP-FAIL bench latency"
rmmod syncmap_bench
rmmod syncmap
