# Guest plan for `make check`.
. /lib.sh
kmemleak_reset
insmod /modules/syncmap.ko || echo "SYNCMAP-FAIL insmod syncmap"
insmod /modules/syncmap_test.ko || echo "SYNCMAP-FAIL insmod syncmap_test"
kunit_results syncmap
rmmod syncmap_test || echo "SYNCMAP-FAIL rmmod syncmap_test"
rmmod syncmap || echo "SYNCMAP-FAIL rmmod syncmap"
kmemleak_report
