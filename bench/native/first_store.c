// SPDX-License-Identifier: GPL-2.0
/*
 * first_store - how long the store that starts a dirty build takes
 *
 * syncmap's one allocation proportional to the map is the zeroed dirty
 * table a build needs. This fills a map with -k keys, promotes it (loads
 * of its dirty-only keys until it has no dirty table), and times the
 * next store of a new key: the one that starts the next build. Repeated
 * -r times, with new keys and a promotion in between each time.
 * Allocation is as in the kernel: the shim populates large zeroed
 * allocations when it makes them (tests/userspace/shim.c).
 *
 * Usage: first_store [-k keys] [-r rounds]
 * Prints FIRST|keys|round|ns|nurseries_started for each round.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "shim.h"
#include "syncmap.h"

extern int (*shim_module_init)(void);

static void *V(long i)
{
	return (void *)(uintptr_t)(2 * i + 2);
}

static void load(struct syncmap *m, long k)
{
	rcu_read_lock();
	syncmap_load(m, &k, sizeof(k));
	rcu_read_unlock();
}

/*
 * Load keys [@from, @to) round and round, the ones the dirty table alone
 * holds, until their misses have promoted it (helping its build along).
 */
static int promote(struct syncmap *m, long from, long to, long n)
{
	struct syncmap_counters c;
	long i;

	for (i = 0; i < 64 * n; i++) {
		if (!(i & 1023)) {
			syncmap_get_counters(m, &c);
			if (!c.dirty_slots)
				return 0;
		}
		load(m, from + i % (to - from));
	}
	return -1;
}

int main(int argc, char **argv)
{
	long n = 1048576, rounds = 5, i, r, k;
	struct syncmap_counters c;
	struct syncmap *m;
	int opt;

	while ((opt = getopt(argc, argv, "k:r:")) != -1) {
		switch (opt) {
		case 'k': n = atol(optarg); break;
		case 'r': rounds = atol(optarg); break;
		default: return 2;
		}
	}
	if (n < 1 || rounds < 1 || shim_module_init())
		return 2;
	m = syncmap_create(NULL);
	if (IS_ERR(m))
		return 1;
	for (i = 0; i < n; i++)
		if (syncmap_store(m, &i, sizeof(i), V(i), GFP_KERNEL))
			return 1;
	for (r = 0; r < rounds; r++) {
		unsigned long long t0, dt;

		k = n + r;
		if (promote(m, r ? n : 0, k, n))
			return 1;
		t0 = ktime_get_ns();
		if (syncmap_store(m, &k, sizeof(k), V(k), GFP_KERNEL))
			return 1;
		dt = ktime_get_ns() - t0;
		syncmap_get_counters(m, &c);
		printf("FIRST|%ld|%ld|%llu|%llu\n", n, r, dt,
		       (unsigned long long)c.nurseries);
		usleep(20000);	/* let the worker and the frees finish */
	}
	syncmap_destroy(m);
	return 0;
}
