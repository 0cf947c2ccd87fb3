# Guest plan part: /dev/syncmap, syncmapctl and their user-space tests.
DEVPARAMS="max_entries=64 max_key_len=256 max_value_len=1024"

insmod /modules/syncmap_dev.ko $DEVPARAMS || echo "SYNCMAP-FAIL insmod syncmap_dev"
/bin/devtest $DEVTEST_ARGS || true
# Every test again on a named map with the same limits (named.<test>),
# then the named maps' own: control node, isolation, permissions, races.
syncmapctl create tnamed || echo "SYNCMAP-FAIL syncmapctl create tnamed"
/bin/devtest --map tnamed $DEVTEST_ARGS || true
syncmapctl destroy tnamed || echo "SYNCMAP-FAIL syncmapctl destroy tnamed"
/bin/devtest named || true
# libsyncmap: every call against the device, processes and threads; its
# example counting words in a named map.
[ ! -x /bin/libtest ] || /bin/libtest || true
example_counter() {
	syncmapctl create words || return 1
	[ "$(echo 'a b a c a' | example-counter words)" = "3 distinct words" ] || return 1
	[ "$(syncmapctl -x -m words load a)" = 0300000000000000 ] || return 1
	[ "$(syncmapctl -x -m words load c)" = 0100000000000000 ] || return 1
	syncmapctl destroy words
}
[ ! -x /bin/example-counter ] || result lib.example_counter example_counter
# The Go package: every method, processes sharing a map, Range under
# writers, and the sample module reading what Go stored. A skipped test
# is a failure here: the VM has all it needs.
if [ -x /bin/syncmap-go.test ]; then
	insmod /modules/syncmap_named_example.ko || echo "SYNCMAP-FAIL insmod syncmap_named_example"
	SYNCMAP_REQUIRE_DEVICE=1 SYNCMAP_TEST_MODULE=syncmap_named_example \
		/bin/syncmap-go.test -test.v -test.timeout=600s 2>&1 | awk '
		/^--- (PASS|SKIP): TestHelperProcess/ { next }
		/^--- PASS: / { print "SYNCMAP-RESULT ok go." $3; next }
		/^--- (FAIL|SKIP): / { print "SYNCMAP-RESULT FAIL go." $3 " (" $2 ")"; next }
		{ print }'
	rmmod syncmap_named_example || echo "SYNCMAP-FAIL rmmod syncmap_named_example"
fi
go_wordcount() {
	syncmapctl create gowords || return 1
	[ "$(echo 'a b a c a' | go-wordcount gowords)" = "3 <nil>" ] || return 1
	[ "$(syncmapctl -m gowords load a)" = 3 ] && [ "$(syncmapctl -m gowords load c)" = 1 ] || return 1
	syncmapctl destroy gowords
}
[ ! -x /bin/go-wordcount ] || result go.example_wordcount go_wordcount
# The map's tests as the series' selftest runs them (kselftest harness,
# TAP), each on a named map of its own; a SKIP is not counted.
if [ -x /bin/devtest-kselftest ]; then
	/bin/devtest-kselftest | awk '
		/^ok [0-9]+ .*# SKIP/ { print; next }
		/^ok [0-9]+ / { print "SYNCMAP-RESULT ok kselftest." $3; next }
		/^not ok [0-9]+ / { print "SYNCMAP-RESULT FAIL kselftest." $4; next }
		{ print }'
fi
# One million random ioctls from 4 processes, then a consistency check.
/bin/fuzz 4 250000 || true
# The same across named maps, with create / destroy / list in between.
/bin/fuzz named 3 2000 || true
# A mixed workload for a bounded time: fuzzers and owners that check
# every call on their own keys (make soak runs it for 10 minutes).
/bin/fuzz soak "${SOAK_SECS:-60}" || true

# syncmapctl: output and exit status of every command.
ctl_session() {
	c=syncmapctl
	$c clear || return 1
	$c store greeting hello && [ "$($c load greeting)" = hello ] || return 1
	$c load nothing; [ $? = 1 ] || return 1
	printf 'a\000b' | $c store bin - && [ "$($c --hex load bin)" = 610062 ] || return 1
	[ "$($c load bin)" = 'a\x00b' ] || return 1
	[ "$($c swap greeting hi)" = hello ] && [ "$($c load greeting)" = hi ] || return 1
	$c cas greeting wrong x; [ $? = 1 ] || return 1
	$c cas greeting hi hey && [ "$($c load greeting)" = hey ] || return 1
	$c cad greeting nope; [ $? = 1 ] || return 1
	[ "$($c load-or-store greeting other 2>/dev/null)" = hey ] || return 1
	$c load-or-store fresh v 2>/dev/null && [ "$($c load fresh)" = v ] || return 1
	printf filevalue > /tmp/v && $c --file /tmp/v store f && [ "$($c load f)" = filevalue ] || return 1
	[ "$($c load-and-delete fresh)" = v ] || return 1
	$c load-and-delete fresh; [ $? = 1 ] || return 1
	[ "$($c range | wc -l)" = 3 ] || return 1
	$c stats | grep -q '^entries  *3  *keys with a value$' || return 1
	# text is text in a UTF-8 locale; bytes that are not stay escaped
	printf 'caf\303\251\001' | $c store drink - || return 1
	[ "$(LANG=C.UTF-8 $c load drink)" = "$(printf 'caf\303\251')\\x01" ] || return 1
	[ "$(LC_ALL=C LANG=C.UTF-8 $c load drink)" = 'caf\xc3\xa9\x01' ] || return 1
	$c delete drink || return 1
	$c delete f && $c delete f; [ $? = 1 ] || return 1
	$c bogus 2>/dev/null; [ $? = 2 ] || return 1
	$c store 2>/dev/null; [ $? = 2 ] || return 1
	$c -d /nonexistent load k 2>/dev/null; [ $? = 2 ] || return 1
	$c --help | grep -q '^usage: syncmapctl' || return 1
	$c clear && [ "$($c range | wc -l)" = 0 ]
}
result ctl.session ctl_session

# syncmapctl on named maps: create, list, -m, destroy.
ctl_named() {
	c=syncmapctl
	$c create cfg --max-entries 2 --max-key-len 8 --mode 640 || return 1
	$c create cfg 2>/dev/null; [ $? = 2 ] || return 1
	$c list | grep -q "^cfg	0	2	8	1024	0	0	0640$" || return 1
	[ "$(stat -c %a /dev/syncmaps/cfg)" = 640 ] || return 1
	$c -m cfg store a 1 && $c --map cfg store b 2 || return 1
	$c -m cfg store c 3 2>/dev/null; [ $? = 2 ] || return 1	# ENOSPC
	[ "$($c -m cfg load a)" = 1 ] || return 1
	$c load a; [ $? = 1 ] || return 1	# not in /dev/syncmap's map
	$c -m cfg stats | grep -q '^max_entries  *2 ' || return 1
	[ "$(cat /sys/class/syncmap/cfg/entries)" = 2 ] || return 1
	[ "$($c -m cfg range | wc -l)" = 2 ] || return 1
	$c destroy cfg && [ ! -e /dev/syncmaps/cfg ] || return 1
	$c destroy cfg; [ $? = 1 ] || return 1
	$c create 'bad/name' 2>/dev/null; [ $? = 2 ] || return 1
	[ "$($c list | wc -l)" = 0 ]
}
result ctl.named_maps ctl_named

# A module and user space on one named map: the module's defaults are
# loaded by user space, user space's settings read by the module, and
# what the module stores loaded back; syncmap_dev stays while the module
# uses it; unloading the module removes its map.
named_module() {
	m=syncmap_named_example c="syncmapctl -m example_cfg"
	insmod /modules/$m.ko || return 1
	[ "$($c load greeting)" = hello ] && [ "$($c load repeat)" = 1 ] || return 1
	$c store greeting 'hi there' && $c store repeat 3 || return 1
	dmesg -c >/dev/null
	echo 1 > /sys/module/$m/parameters/greet || return 1
	[ "$(dmesg | grep -c "$m: greeting: hi there\$")" = 3 ] || return 1
	[ "$($c load greeted)" = 1 ] || return 1
	$c delete greeting && $c store repeat 1 || return 1
	echo 1 > /sys/module/$m/parameters/greet || return 1
	dmesg | grep -q "$m: greeting: (none)\$" || return 1
	[ "$($c load greeted)" = 2 ] || return 1
	if rmmod syncmap_dev 2>/dev/null; then return 1; fi
	rmmod $m && [ ! -e /dev/syncmaps/example_cfg ]
}
if [ -e /modules/syncmap_named_example.ko ]; then
	result samples.syncmap_named_example_shares_a_map named_module
else
	echo "# syncmap_named_example: not built for this kernel; not run"
fi

# syncmapctl --json: every command's output is one JSON text (checked by
# a strict parser, jsoncheck) with the content the text output has.
ctl_json() {
	c="syncmapctl --json"
	# j CMD...: run it; its output must parse; its exit status is CMD's
	j() {
		out=$("$@")
		rc=$?
		echo "$out" | jsoncheck || { echo "# not JSON: $out"; return 99; }
		return $rc
	}
	syncmapctl clear || return 1
	j $c store 'q"uote' 'back\slash' && echo "$out" | grep -qx '{"key":"q\\"uote"}' || return 1
	j $c load 'q"uote' && echo "$out" | grep -qx '{"key":"q\\"uote","loaded":true,"value":"back\\\\slash"}' || return 1
	printf 'a\001\377' | $c store bin - >/dev/null || return 1
	j $c load bin && echo "$out" | grep -q '"value":"a\\u0001\\u00ff"' || return 1
	j $c -x load bin && echo "$out" | grep -q '"value":"6101ff"' || return 1
	j $c load nothing; [ $? = 1 ] && echo "$out" | grep -q '"loaded":false' || return 1
	j $c swap bin new && echo "$out" | grep -q '"loaded":true' || return 1
	j $c cas bin wrong x; [ $? = 1 ] && echo "$out" | grep -q '"done":false' || return 1
	j $c delete bin && echo "$out" | grep -q '"done":true' || return 1
	j $c load-or-store fresh v && echo "$out" | grep -q '"loaded":false' || return 1
	j $c range && echo "$out" | grep -q '^\[{"key":' || return 1
	j $c dump || return 1
	j $c stats && echo "$out" | grep -q '"entries":2,' || return 1
	j $c create jmap --mode 640 && echo "$out" | grep -qx '{"done":true}' || return 1
	j $c list && echo "$out" | grep -q '"name":"jmap".*"mode":"0640"' || return 1
	j $c -m jmap store k v || return 1
	j $c create jmap; [ $? = 2 ] && echo "$out" | grep -q '"error":' || return 1
	j $c destroy jmap || return 1
	j $c destroy jmap; [ $? = 1 ] && echo "$out" | grep -qx '{"done":false}' || return 1
	j $c list && [ "$out" = "[]" ] || return 1
	j $c -d /nonexistent load k; [ $? = 2 ] && echo "$out" | grep -q '"error":' || return 1
	syncmapctl clear
}
result ctl.json ctl_json

# The device module cannot go while a file is open.
busy_unload() {
	/bin/devtest hold 4 >/dev/null &
	sleep 1
	if rmmod syncmap_dev 2>/dev/null; then return 1; fi
	wait
	rmmod syncmap_dev
}
result dev.rmmod_refused_while_open busy_unload

# Nor while a named map's node is open; named maps left over (open or
# not, destroyed or not) are freed at unload: kmemleak judges.
busy_unload_named() {
	insmod /modules/syncmap_dev.ko $DEVPARAMS || return 1
	syncmapctl create held && syncmapctl create left || return 1
	syncmapctl -m left store k v || return 1
	/bin/devtest --map held hold 4 >/dev/null &
	sleep 1
	syncmapctl destroy held || return 1
	if rmmod syncmap_dev 2>/dev/null; then return 1; fi
	wait
	rmmod syncmap_dev && [ ! -e /dev/syncmaps ]
}
result dev.rmmod_refused_while_named_open busy_unload_named

# 100 load / use / unload cycles; kmemleak and the console judge leaks.
cycles() {
	i=0
	while [ $i -lt 100 ]; do
		insmod /modules/syncmap_dev.ko $DEVPARAMS || return 1
		syncmapctl store "k$i" "v$i" || return 1
		[ "$(syncmapctl load "k$i")" = "v$i" ] || return 1
		rmmod syncmap_dev || return 1
		i=$((i + 1))
	done
}
result dev.load_use_unload_100_cycles cycles

# Unload and reload the device while three processes open it, make random
# calls and close it again, over and over: rmmod succeeds only between
# opens, and nothing may break either way.
unload_under_load() {
	pids=
	rm -f /tmp/churn.stop
	for i in 1 2 3; do
		/bin/fuzz churn 120 > /tmp/churn.$i 2>&1 &
		pids="$pids $!"
	done
	insmod /modules/syncmap_dev.ko $DEVPARAMS || return 1
	# Until 5 unloads, or 60 s on a slow (sanitizer) kernel.
	unloads=0 tries=0
	end=$(($(date +%s) + 60))
	while [ $unloads -lt 5 ] && [ "$(date +%s)" -lt $end ]; do
		tries=$((tries + 1))
		if rmmod syncmap_dev 2>/dev/null; then
			unloads=$((unloads + 1))
			insmod /modules/syncmap_dev.ko $DEVPARAMS || return 1
		fi
	done
	touch /tmp/churn.stop
	ok=0
	for p in $pids; do wait "$p" || ok=1; done
	cat /tmp/churn.*
	echo "# unload under load: $unloads of $tries rmmod calls unloaded"
	rmmod syncmap_dev || return 1
	[ $ok = 0 ] && [ $unloads -gt 0 ]
}
result dev.unload_under_load unload_under_load

# Memory accounting: a writer in a memory cgroup limited to 8 MiB fills
# the map with 64 KiB values; it must get ENOMEM (not an OOM kill), the
# kernel must stay healthy, and clearing the map must give the memory
# back. Runs where the kernel has memory cgroups (the debug test kernel
# and Debian's stock kernel; not the KCSAN and KMSAN kernels).
memcg_limit() {
	cg=/sys/fs/cgroup
	insmod /modules/syncmap_dev.ko max_entries=100000 max_value_len=65536 || return 1
	echo +memory > $cg/cgroup.subtree_control || return 1
	mkdir $cg/smtest || return 1
	echo 8M > $cg/smtest/memory.max || return 1
	sh -c "echo \$\$ > $cg/smtest/cgroup.procs && exec /bin/devtest memfill"
	rc=$?
	used=$(cat $cg/smtest/memory.current)
	syncmapctl clear || rc=1
	sleep 2	# values are freed, and uncharged, after a grace period
	after=$(cat $cg/smtest/memory.current)
	echo "# memcg: $used bytes charged at the limit, $after after CLEAR; $(grep -w max $cg/smtest/memory.events)"
	rmmod syncmap_dev || rc=1
	rmdir $cg/smtest
	[ $rc = 0 ] && [ "$used" -gt 4000000 ] && [ "$after" -lt 1000000 ]
}
mkdir -p /sys/fs/cgroup
if mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null &&
   grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
	result dev.memcg_limit_enomem memcg_limit
else
	echo "# memcg: no memory cgroups in this kernel; accounting test not run"
fi
