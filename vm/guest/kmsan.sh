# Guest plan for `make check-kmsan`: every ioctl's results as user space
# sees them, on a kernel that reports uninitialised bytes copied out.
. /lib.sh
insmod /modules/syncmap.ko || echo "SYNCMAP-FAIL insmod syncmap"
DEVTEST_ARGS=--no-faults
SOAK_SECS=20
. /device.sh
rmmod syncmap || echo "SYNCMAP-FAIL rmmod syncmap"
