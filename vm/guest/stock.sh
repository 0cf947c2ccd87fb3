# Guest plan for `make check-stock`: Debian's own kernel, no KUnit, no
# fault injection, no kmemleak.
. /lib.sh
insmod /modules/syncmap.ko || echo "SYNCMAP-FAIL insmod syncmap"
DEVTEST_ARGS=--no-faults
. /device.sh
example_counts() {
	insmod /modules/syncmap_example.ko text=b,a,c,a,b,a || return 1
	dmesg | grep -q 'syncmap_example: 3 distinct words' || return 1
	rmmod syncmap_example
}
result samples.syncmap_example_counts_words example_counts
rmmod syncmap || echo "SYNCMAP-FAIL rmmod syncmap"
