# Guest plan for `make check-kcsan`: the KUnit suite, then the device's
# tests (no fault injection in this kernel) with a shorter soak.
. /lib.sh
insmod /modules/syncmap.ko || echo "SYNCMAP-FAIL insmod syncmap"
insmod /modules/syncmap_test.ko || echo "SYNCMAP-FAIL insmod syncmap_test"
rmmod syncmap_test || echo "SYNCMAP-FAIL rmmod syncmap_test"
DEVTEST_ARGS=--no-faults
SOAK_SECS=30
. /device.sh
rmmod syncmap || echo "SYNCMAP-FAIL rmmod syncmap"
