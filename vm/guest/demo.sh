# Guest plan for `make demo`: a short narrated session.
say() { echo "DEMO| $*"; }
run() { echo "DEMO| \$ $*"; "$@" 2>&1 | sed 's/^/DEMO|   /'; }

say "syncmap demo on Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
say ""
say "Load the core; it exports the syncmap_* API to other modules:"
run insmod /modules/syncmap.ko
run grep -c syncmap_ /proc/kallsyms
say ""
say "An in-kernel client counts words: load_or_store inserts a counter,"
say "compare_and_swap bumps it, range prints the counts:"
run insmod /modules/syncmap_example.ko text=to,be,or,not,to,be,that,is,the,question,to,be
dmesg | grep 'syncmap_example:' | sed 's/^\[[^]]*\] /DEMO|   /'
run rmmod syncmap_example
say ""
say "The core cannot be removed while a client holds it; now it can:"
run rmmod syncmap
run grep -c syncmap_ /proc/kallsyms
