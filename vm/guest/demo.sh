# Guest plan for `make demo`: a short narrated session.
say() { echo "DEMO| $*"; }
run() {
	echo "DEMO| \$ $*"
	"$@" >/tmp/out 2>&1
	rc=$?
	sed 's/^/DEMO|   /' /tmp/out
	[ $rc = 0 ] || echo "DEMO|   (exit status $rc)"
}

say "syncmap demo on Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
say ""
say "Load the core; it exports the syncmap_* API to other modules:"
run insmod /modules/syncmap.ko
say ""
say "An in-kernel client counts words: load_or_store inserts a counter,"
say "compare_and_swap bumps it, range prints the counts:"
run insmod /modules/syncmap_example.ko text=to,be,or,not,to,be,that,is,the,question
dmesg | grep 'syncmap_example:' | sed 's/^\[[^]]*\] /DEMO|   /'
run rmmod syncmap_example
say ""
say "User space gets one shared map through /dev/syncmap:"
run insmod /modules/syncmap_dev.ko
run ls -l /dev/syncmap
run syncmapctl store color blue
run syncmapctl load color
say "swap stores a new value and prints the one it replaced:"
run syncmapctl swap color green
say "compare-and-swap takes effect only if the value is still the old one:"
run syncmapctl cas color green red
run syncmapctl cas color green yellow
run syncmapctl load color
say "values are bytes; --hex shows them exactly:"
printf 'caf\303\251\000!' > /tmp/v
run syncmapctl --file /tmp/v store drink
run syncmapctl --hex load drink
run syncmapctl store size 42
say "range walks every key with a cursor, in batches:"
run syncmapctl range
run syncmapctl delete color
run syncmapctl load color
say "the map's own counters: promotions of the dirty table, misses, ..."
run syncmapctl stats
say ""
say "The modules go away cleanly, in order:"
run rmmod syncmap_dev
run rmmod syncmap
