// SPDX-License-Identifier: GPL-2.0
/*
 * syncmap in the native benchmark: the core's own syncmap.c on the
 * tests/userspace shim. "syncmap" is created without a release callback
 * (values stored bare, as every other map here stores them);
 * "syncmap+release" with a no-op one (each value boxed, each dropped one
 * released after a grace period, what a map that owns its values pays).
 * Also the driver's RCU read side and the keyed hash the other maps get.
 */
#include "shim.h"
#include "syncmap.h"
#include "syncmap_internal.h"

#include "maps.h"

/* Values are longs >= 0; stored as 2v + 2, never NULL nor an ERR_PTR. */
static void *V(long v)
{
	return (void *)(uintptr_t)(2 * v + 2);
}

static long unV(void *p)
{
	return p ? ((long)(uintptr_t)p - 2) / 2 : -1;
}

static void noop_release(void *v)
{
}

static void *sm_create(long nkeys)
{
	struct syncmap *m = syncmap_create(NULL);

	return IS_ERR(m) ? NULL : m;
}

static void *smr_create(long nkeys)
{
	struct syncmap *m = syncmap_create(noop_release);

	return IS_ERR(m) ? NULL : m;
}

static void sm_destroy(void *m)
{
	syncmap_destroy(m);
}

static long sm_load(void *m, const void *k, size_t len)
{
	return unV(syncmap_load(m, k, len));
}

static void sm_store(void *m, const void *k, size_t len, long v)
{
	if (syncmap_store(m, k, len, V(v), GFP_KERNEL))
		abort();
}

static long sm_load_or_store(void *m, const void *k, size_t len, long v,
			     bool *loaded)
{
	void *p = syncmap_load_or_store(m, k, len, V(v), loaded, GFP_KERNEL);

	if (IS_ERR(p))
		abort();
	return unV(p);
}

static long sm_load_and_delete(void *m, const void *k, size_t len)
{
	return unV(syncmap_load_and_delete(m, k, len));
}

static bool sm_delete(void *m, const void *k, size_t len)
{
	return syncmap_delete(m, k, len);
}

static long sm_swap(void *m, const void *k, size_t len, long v)
{
	void *p = syncmap_swap(m, k, len, V(v), GFP_KERNEL);

	if (IS_ERR(p))
		abort();
	return unV(p);
}

static bool sm_cas(void *m, const void *k, size_t len, long old, long v)
{
	return syncmap_compare_and_swap(m, k, len, V(old), V(v));
}

struct range_arg {
	bool (*fn)(const void *key, size_t len, long v, void *arg);
	void *arg;
};

static bool sm_range_fn(const void *k, size_t len, void *v, void *arg)
{
	struct range_arg *ra = arg;

	return ra->fn(k, len, unV(v), ra->arg);
}

static void sm_range(void *m, bool (*fn)(const void *key, size_t len, long v,
					 void *arg), void *arg)
{
	struct range_arg ra = { fn, arg };

	syncmap_range(m, sm_range_fn, &ra);
}

static void sm_clear(void *m)
{
	syncmap_clear(m);
}

/* The core times its lock while its lock_stats parameter is on. */
static unsigned long long sm_max_lock_hold_ns(void *m)
{
	struct syncmap_counters c;

	syncmap_get_counters(m, &c);
	return c.max_lock_hold_ns;
}

extern void *const shim_param_lock_stats;

bool bench_lock_timing_on;

void bench_lock_timing(bool on)
{
	WRITE_ONCE(*(bool *)shim_param_lock_stats, on);
	WRITE_ONCE(bench_lock_timing_on, on);
	bench_max_lock_hold_ns = 0;
}

unsigned long long bench_hold_clock_ns(void)
{
	return local_clock();
}

/* Keys whose hashes, in the epoch of the map's next tables, share 12 top bits. */
static unsigned int flood_epoch;

static void sm_flood_keys(void *m, unsigned long *keys, long n,
			  unsigned long from)
{
	struct syncmap *map = m;
	unsigned long k = from;
	u64 want = 0, h;
	long i;

	flood_epoch = READ_ONCE(map->epoch);
	for (i = 0; i < n; k++) {
		h = syncmap_hash_epoch(map, flood_epoch, &k, sizeof(k)) >> 52;
		if (!i && k == from)
			want = h;
		if (h == want)
			keys[i++] = k;
	}
}

/* Moved on, and no table it publishes is one that tripped the watchdog. */
static bool sm_flood_recovered(void *m)
{
	struct syncmap *map = m;
	struct syncmap_table *r, *d, *p = NULL;
	bool done;

	rcu_read_lock();
	r = rcu_dereference(map->read);
	d = rcu_dereference(map->dirty);
	if (d)
		p = smp_load_acquire(&d->pending);
	done = READ_ONCE(map->epoch) != flood_epoch && !r->tripped &&
	       !(d && d->tripped) && !(p && p->tripped);
	rcu_read_unlock();
	return done;
}

#define SYNCMAP_OPS(nm, cr) {						\
	.name = nm, .has_kernel_api = true, .create = cr,		\
	.destroy = sm_destroy, .load = sm_load, .store = sm_store,	\
	.load_or_store = sm_load_or_store,				\
	.load_and_delete = sm_load_and_delete, .delete = sm_delete,	\
	.swap = sm_swap, .cas = sm_cas, .range = sm_range,		\
	.clear = sm_clear, .max_lock_hold_ns = sm_max_lock_hold_ns,	\
	.flood_keys = sm_flood_keys,					\
	.flood_recovered = sm_flood_recovered,				\
}

const struct map_ops syncmap_ops = SYNCMAP_OPS("syncmap", sm_create);
const struct map_ops syncmap_release_ops =
	SYNCMAP_OPS("syncmap+release", smr_create);

/* ---- what the driver and the other maps share ------------------------- */

extern int (*shim_module_init)(void);

static hsiphash_key_t bench_key;

int bench_init(void)
{
	get_random_bytes(&bench_key, sizeof(bench_key));
	return shim_module_init();
}

/*
 * hsiphash's 32 bits spread over 64 by an odd multiplier (a bijection):
 * ck_hs takes its probe stride and packed pointer bits from the top of
 * the hash, which a bare 32-bit value leaves zero (its misses then probe
 * for microseconds at 1M keys); the low bits stay hsiphash's own.
 */
unsigned long bench_hash(const void *key, size_t len)
{
	return hsiphash(key, len, &bench_key) * 0x9e3779b97f4a7c15UL;
}

void bench_barrier(void)
{
	rcu_barrier();
}

void bench_read_lock(void)
{
	rcu_read_lock();
}

void bench_read_unlock(void)
{
	rcu_read_unlock();
}

size_t bench_mapped_bytes(void)
{
	return shim_mapped_bytes();
}

unsigned long long bench_now_ns(void)
{
	return ktime_get_ns();
}
