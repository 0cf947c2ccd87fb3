# Where each out-of-tree file lives in a kernel tree: applied to the
# sources and documentation that intree/patches.sh puts in the series.
s|kernel-doc:: syncmap\.h|kernel-doc:: include/linux/syncmap.h|
s|kernel-doc:: syncmap\.c|kernel-doc:: lib/syncmap.c|
s|drivers/syncmap_dev\.c|drivers/misc/syncmap/syncmap_dev.c|g
s|drivers/syncmap_dev\.h|include/linux/syncmap_dev.h|g
s|samples/syncmap_|samples/syncmap/syncmap_|g
s|syncmap_test\.c|lib/tests/syncmap_kunit.c|g
s|tests/device/devtest\.c|tools/testing/selftests/syncmap/syncmap_test.c|g
