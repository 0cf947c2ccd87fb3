# Guest plan for `make check-intree`: the selftests of the series, on the
# kernel kunit.py built from the patched tree (the device built in).
/bin/syncmap_test
echo "SYNCMAP-KSELFTEST-RC $?"
