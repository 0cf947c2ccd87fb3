# Guest plan for `make demo`: a short narrated session.
say() { echo "DEMO| $*"; }
run() {
	line=
	for a in "$@"; do
		case $a in
		*' '*) line="$line '$a'" ;;
		*) line="$line $a" ;;
		esac
	done
	echo "DEMO| \$$line"
	"$@" >/tmp/out 2>&1
	rc=$?
	sed 's/^/DEMO|   /' /tmp/out
	[ $rc = 0 ] || echo "DEMO|   (exit status $rc)"
}

export LANG=C.UTF-8	# syncmapctl prints UTF-8 text as text
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
say "Named maps: each its own node under /dev/syncmaps/, with its own"
say "limits, owner and mode; file permissions decide who opens it:"
mkdir -p /etc
echo 'root:x:0:0::/:/bin/sh' > /etc/passwd
echo 'alice:x:1000:1000::/tmp:/bin/sh' >> /etc/passwd
echo 'bob:x:1001:1001::/tmp:/bin/sh' >> /etc/passwd
printf 'root:x:0:\nalice:x:1000:bob\nbob:x:1001:\n' > /etc/group
run syncmapctl create inventory --max-entries 100 --mode 0640
run chown alice:alice /dev/syncmaps/inventory
run ls -l /dev/syncmaps/
run syncmapctl list
say "alice owns it and writes; bob, in alice's group, may only read:"
run su -s /bin/sh alice -c 'syncmapctl -m inventory store apples 3'
run su -s /bin/sh bob -c 'syncmapctl -m inventory load apples'
run su -s /bin/sh bob -c 'syncmapctl -m inventory store apples 0'
say "its counters are in sysfs too:"
run cat /sys/class/syncmap/inventory/entries
run syncmapctl destroy inventory
say ""
say "A kernel module and a program share one named map: the sample module"
say "creates example_cfg with its defaults, user space changes them, and"
say "the module reads them under RCU straight from the map:"
run insmod /modules/syncmap_named_example.ko
run syncmapctl -m example_cfg range
run syncmapctl -m example_cfg store greeting 'hello from user space'
run syncmapctl -m example_cfg store repeat 2
dmesg -c >/dev/null
say "\$ echo 1 > /sys/module/syncmap_named_example/parameters/greet"
echo 1 > /sys/module/syncmap_named_example/parameters/greet
dmesg | grep 'syncmap_named_example:' | sed 's/^\[[^]]*\] /DEMO|   /'
say "and what the module stored, user space loads:"
run syncmapctl -m example_cfg load greeted
run rmmod syncmap_named_example
say ""
say "The modules go away cleanly, in order:"
run rmmod syncmap_dev
run rmmod syncmap
