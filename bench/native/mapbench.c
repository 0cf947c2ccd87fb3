// SPDX-License-Identifier: GPL-2.0
/*
 * mapbench - every map of maps.h on the same workloads, side by side
 *
 * The 13 workloads of Go's src/sync/map_bench_test.go (sizes as Go's,
 * run at keys=1024), the lookups at any size, and three mixes of loads /
 * stores / deletes on random keys of a range twice the prefilled size (so
 * stores create keys and deletes empty old ones). As in Go's RunParallel,
 * a run lasts a fixed time and ns/op is wall time over the operations of
 * all threads. Keys are 8-byte integers ("int") or 16-32 byte strings
 * ("str").
 *
 * Usage: mapbench [-t ms] [-k keys] [-s int|str] [-m map] [-w workload]
 *                 [-n threads]
 *        mapbench -M [-k keys] [-s ...] [-m map]   bytes per key
 *        mapbench -I hit|miss|store|swap|cas|los -c count [-m map]  a
 *                 fixed number of one operation (writes: to existing
 *                 keys), single-threaded, for valgrind to count
 *        mapbench -L [-t ms] [-k keys] [-s ...] [-m map]   StoreLatency
 * Prints NATIVE|workload|keys|threads|map|keyset|ns_per_op|ops,
 * MEM|map|keyset|keys|bytes_per_key, and
 * LAT|map|keyset|keys|stores|p50|p99|p999|max|max_lock_hold|preempted|
 * p999_kept|max_kept (ns; "-" for a map without a single write lock;
 * preempted: stores during which the storer was preempted, which "kept"
 * leaves out). Exits 1 if a workload saw a result
 * Go's benchmark would b.Fatal on.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "maps.h"

#define MAX_THREADS	64
#define KEY_MAX		32

unsigned long long bench_max_lock_hold_ns;

static const struct map_ops *const all_maps[] = {
	&syncmap_ops, &syncmap_release_ops, &rhashtable_ops, &rculfhash_ops,
	&ck_hs_ops, &spinlock_ops, &cow_ops, &floor_ops,
};

static long failures;

static void fail(const char *what, long k)
{
	if (__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED) < 5)
		fprintf(stderr, "mapbench: %s (key %ld)\n", what, k);
}

/* ---- keys ------------------------------------------------------------- */

static bool str_keys;
static char *ktab;		/* str keys of 0 .. ktab_n - 1, KEY_MAX apart */
static unsigned char *klen;
static long ktab_n;

static size_t str_key(long i, char *buf)
{
	size_t len = 16 + ((unsigned long)i * 2654435761UL >> 7) % 17;
	static const char hex[] = "0123456789abcdef";
	unsigned long u = i;
	int d;

	buf[0] = 'k';
	for (d = 15; d >= 1; d--, u >>= 4)
		buf[d] = hex[u & 15];
	memset(buf + 16, 'a' + i % 26, len - 16);
	return len;
}

static void keys_init(long n)
{
	long i;

	free(ktab);
	free(klen);
	ktab = NULL;
	klen = NULL;
	ktab_n = 0;
	if (!str_keys)
		return;
	ktab = malloc(n * KEY_MAX);
	klen = malloc(n);
	if (!ktab || !klen)
		abort();
	for (i = 0; i < n; i++)
		klen[i] = str_key(i, ktab + i * KEY_MAX);
	ktab_n = n;
}

struct kbuf {
	char b[KEY_MAX];
	size_t len;
};

/* Key number @i: from the table when it is there, else made in @kb. */
static inline const void *key(long i, struct kbuf *kb)
{
	if (!str_keys) {
		memcpy(kb->b, &i, sizeof(i));
		kb->len = sizeof(i);
		return kb->b;
	}
	if (i >= 0 && i < ktab_n) {
		kb->len = klen[i];
		return ktab + i * KEY_MAX;
	}
	kb->len = str_key(i, kb->b);
	return kb->b;
}

/* ---- operations by key number, each in a read-side section ------------ */

static const struct map_ops *ops;

#define OP(call) ({ __typeof__(call) __r; bench_read_lock(); __r = (call); \
		    bench_read_unlock(); __r; })

static long load(void *m, long i)
{
	struct kbuf kb;
	const void *k = key(i, &kb);

	return OP(ops->load(m, k, kb.len));
}

static void store(void *m, long i, long v)
{
	struct kbuf kb;
	const void *k = key(i, &kb);

	bench_read_lock();
	ops->store(m, k, kb.len, v);
	bench_read_unlock();
}

static bool load_or_store(void *m, long i, long v)
{
	struct kbuf kb;
	const void *k = key(i, &kb);
	bool loaded;

	(void)OP(ops->load_or_store(m, k, kb.len, v, &loaded));
	return loaded;
}

static bool load_and_delete(void *m, long i)
{
	struct kbuf kb;
	const void *k = key(i, &kb);

	return OP(ops->load_and_delete(m, k, kb.len)) >= 0;
}

static bool del(void *m, long i)
{
	struct kbuf kb;
	const void *k = key(i, &kb);

	return OP(ops->delete(m, k, kb.len));
}

static long swap(void *m, long i, long v)
{
	struct kbuf kb;
	const void *k = key(i, &kb);

	return OP(ops->swap(m, k, kb.len, v));
}

static bool cas(void *m, long i, long old, long v)
{
	struct kbuf kb;
	const void *k = key(i, &kb);

	return OP(ops->cas(m, k, kb.len, old, v));
}

static bool range_fn_true(const void *k, size_t len, long v, void *arg)
{
	return true;
}

static void range(void *m, bool (*fn)(const void *, size_t, long, void *),
		  void *arg)
{
	bench_read_lock();
	ops->range(m, fn, arg);
	bench_read_unlock();
}

/* ---- the workloads ---------------------------------------------------- */

struct workload {
	const char *name;
	bool sized;		/* runs at every -k; the others at Go's sizes */
	void (*setup)(void *m, long n);
	/* Runs ops from i until *stop; returns the number of operations. */
	long (*perg)(void *m, long n, long i, const bool *stop);
};

#define CHUNK 64	/* operations between looks at the stop flag */
#define STOPPED(stop)	__atomic_load_n((stop), __ATOMIC_RELAXED)
/*
 * At least one chunk, even if the thread first runs after the stop (a
 * 2 ms smoke run on a loaded machine): every cell then has a figure.
 */
#define FOR_OPS(cnt, stop) \
	for (bool __first = true; __first || !STOPPED(stop); \
	     __first = false, cnt += CHUNK) \
		for (int __c = 0; __c < CHUNK; __c++)

static void setup_hits(void *m, long hits)
{
	long i;

	for (i = 0; i < hits; i++)
		load_or_store(m, i, i);
	for (i = 0; i < hits * 2; i++)	/* prime, as Go does */
		load(m, i % hits);
}

static void setup_mostly_hits(void *m, long n) { setup_hits(m, n - 1); }
static void setup_mostly_misses(void *m, long n) { setup_hits(m, 1); }

static long perg_load(void *m, long n, long i, const bool *stop)
{
	long cnt = 0;

	FOR_OPS(cnt, stop) {
		load(m, i % n);
		i++;
	}
	return cnt;
}

static void setup_n(void *m, long n)
{
	long i;

	for (i = 0; i < n; i++)
		load_or_store(m, i, i);
}

static void setup_128(void *m, long n) { setup_n(m, 128); }
static void setup_1024(void *m, long n) { setup_n(m, 1024); }
static void setup_one(void *m, long n) { setup_n(m, 1); }

static long perg_los_balanced(void *m, long n, long i, const bool *stop)
{
	long cnt = 0;

	FOR_OPS(cnt, stop) {
		long j = i % 256;

		if (j < 128) {
			if (!load_or_store(m, j, i))
				fail("unexpected miss", j);
		} else if (load_or_store(m, i, i)) {
			fail("unexpected hit", i);
		}
		i++;
	}
	return cnt;
}

static long perg_los_unique(void *m, long n, long i, const bool *stop)
{
	long cnt = 0;

	FOR_OPS(cnt, stop) {
		load_or_store(m, i, i);
		i++;
	}
	return cnt;
}

static long perg_los_collision(void *m, long n, long i, const bool *stop)
{
	long cnt = 0;

	FOR_OPS(cnt, stop)
		load_or_store(m, 0, 0);
	return cnt;
}

static long perg_lad_balanced(void *m, long n, long i, const bool *stop)
{
	long cnt = 0;

	FOR_OPS(cnt, stop) {
		long j = i % 256;

		load_and_delete(m, j < 128 ? j : i);
		i++;
	}
	return cnt;
}

static long perg_lad_collision(void *m, long n, long i, const bool *stop)
{
	long cnt = 0;

	FOR_OPS(cnt, stop) {
		if (load_and_delete(m, 0))
			store(m, 0, 0);
	}
	return cnt;
}

static long perg_range(void *m, long n, long i, const bool *stop)
{
	long cnt = 0;

	FOR_OPS(cnt, stop)
		range(m, range_fn_true, NULL);
	return cnt;
}

static long perg_adv_alloc(void *m, long n, long i, const bool *stop)
{
	long stores = 0, since = 0, cnt = 0;

	FOR_OPS(cnt, stop) {
		load(m, i);
		if (++since > stores) {
			load_or_store(m, i, stores);
			since = 0;
			stores++;
		}
		i++;
	}
	return cnt;
}

static bool range_delete_one(const void *k, size_t len, long v, void *m)
{
	ops->delete(m, k, len);		/* inside range's read-side section */
	return false;
}

static long perg_adv_delete(void *m, long n, long i, const bool *stop)
{
	long cnt = 0;

	FOR_OPS(cnt, stop) {
		load(m, i);
		if (i % 1024 == 0) {
			range(m, range_delete_one, m);
			store(m, i, i);
		}
		i++;
	}
	return cnt;
}

static long perg_swap_collision(void *m, long n, long i, const bool *stop)
{
	struct kbuf kb;
	const void *k = key(0, &kb);
	long cnt = 0;

	FOR_OPS(cnt, stop)
		(void)OP(ops->swap(m, k, kb.len, 0));
	return cnt;
}

static long perg_cas_collision(void *m, long n, long i, const bool *stop)
{
	struct kbuf kb;
	const void *k = key(0, &kb);
	long cnt = 0;

	FOR_OPS(cnt, stop) {
		if (OP(ops->cas(m, k, kb.len, 0, 42)))
			(void)OP(ops->cas(m, k, kb.len, 42, 0));
	}
	return cnt;
}

static long perg_clear(void *m, long n, long i, const bool *stop)
{
	long cnt = 0;

	FOR_OPS(cnt, stop) {
		ops->clear(m);
		store(m, i % 256, i % 256);
		i++;
	}
	return cnt;
}

/* Mixes: loads / stores / deletes per mille, on keys 0 .. 2n - 1. */
static void setup_mix(void *m, long n)
{
	long i;

	for (i = 0; i < n; i++)
		store(m, i, i);
}

static long perg_mix(void *m, long n, long i, const bool *stop, int loads,
		     int stores)
{
	unsigned long seed = 0x9e3779b97f4a7c15UL ^ (unsigned long)i;
	long cnt = 0;

	FOR_OPS(cnt, stop) {
		unsigned long r = xorshift(&seed);
		long k = (r >> 16) % (2 * n);
		int pick = r % 1000;

		if (pick < loads)
			load(m, k);
		else if (pick < loads + stores)
			store(m, k, k);
		else
			del(m, k);
	}
	return cnt;
}

/* Mix99's keys without its writes: what the writes of the others cost */
static long perg_mix100(void *m, long n, long i, const bool *stop)
{
	return perg_mix(m, n, i, stop, 1000, 0);
}

static long perg_mix99(void *m, long n, long i, const bool *stop)
{
	return perg_mix(m, n, i, stop, 990, 5);
}

static long perg_mix90(void *m, long n, long i, const bool *stop)
{
	return perg_mix(m, n, i, stop, 900, 50);
}

static long perg_mix75(void *m, long n, long i, const bool *stop)
{
	return perg_mix(m, n, i, stop, 750, 125);
}

static const struct workload workloads[] = {
	{ "LoadMostlyHits", true, setup_mostly_hits, perg_load },
	{ "LoadMostlyMisses", true, setup_mostly_misses, perg_load },
	{ "LoadOrStoreBalanced", false, setup_128, perg_los_balanced },
	{ "LoadOrStoreUnique", false, NULL, perg_los_unique },
	{ "LoadOrStoreCollision", false, setup_one, perg_los_collision },
	{ "LoadAndDeleteBalanced", false, setup_128, perg_lad_balanced },
	{ "LoadAndDeleteCollision", false, setup_one, perg_lad_collision },
	{ "Range", false, setup_1024, perg_range },
	{ "AdversarialAlloc", false, NULL, perg_adv_alloc },
	{ "AdversarialDelete", false, setup_1024, perg_adv_delete },
	{ "SwapCollision", false, setup_one, perg_swap_collision },
	{ "CompareAndSwapCollision", false, setup_one, perg_cas_collision },
	{ "Clear", false, NULL, perg_clear },
	{ "Mix100", true, setup_mix, perg_mix100 },
	{ "Mix99", true, setup_mix, perg_mix99 },
	{ "Mix90", true, setup_mix, perg_mix90 },
	{ "Mix75", true, setup_mix, perg_mix75 },
};

/* ---- running ---------------------------------------------------------- */

struct runner {
	const struct workload *w;
	void *m;
	long n;
	pthread_barrier_t go;
	bool stop;
	long start[MAX_THREADS];
	long ops[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	int id[MAX_THREADS];
};

static struct runner *cur;

static void *thread_main(void *arg)
{
	int id = *(int *)arg;

	bench_read_lock();	/* registers the thread with liburcu */
	bench_read_unlock();
	pthread_barrier_wait(&cur->go);
	cur->ops[id] = cur->w->perg(cur->m, cur->n, cur->start[id],
				    &cur->stop);
	return NULL;
}

static void run(const struct workload *w, long n, int threads, int ms)
{
	struct runner r = { .w = w, .n = n };
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
	unsigned long long t0, t1;
	long total = 0;
	int i;

	r.m = ops->create(n);
	if (!r.m) {
		fail("create failed", 0);
		return;
	}
	if (w->setup)
		w->setup(r.m, n);
	cur = &r;
	pthread_barrier_init(&r.go, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		r.id[i] = i;
		/* Go: id * b.N; the sized ones spread threads over the keys */
		r.start[i] = w->sized ? i * (n / threads) + i : (long)i << 40;
		if (pthread_create(&r.th[i], NULL, thread_main, &r.id[i]))
			abort();
	}
	pthread_barrier_wait(&r.go);
	t0 = bench_now_ns();
	nanosleep(&d, NULL);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < threads; i++) {
		pthread_join(r.th[i], NULL);
		total += r.ops[i];
	}
	t1 = bench_now_ns();
	pthread_barrier_destroy(&r.go);
	ops->destroy(r.m);
	printf("NATIVE|%s|%ld|%d|%s|%s|%.2f|%ld\n", w->name, n, threads,
	       ops->name, str_keys ? "str" : "int",
	       total ? (double)(t1 - t0) / total : 0.0, total);
	fflush(stdout);
}

/* malloc()'s, and what the shim maps itself (large zeroed allocations). */
static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd + bench_mapped_bytes();
}

/* Everything the map holds for n keys, as the allocator counts it. */
static void measure_memory(long n)
{
	size_t before, after;
	void *m;

	bench_barrier();
	before = heap_bytes();
	m = ops->create(n);
	setup_hits(m, n);
	bench_barrier();
	after = heap_bytes();
	printf("MEM|%s|%s|%ld|%.1f\n", ops->name, str_keys ? "str" : "int", n,
	       (double)(after - before) / n);
	ops->destroy(m);
}

/*
 * StoreLatency: on an n-key map, one thread stores, alternately a new key
 * (n, n + 1, ...) and a random existing one, and times each store; the
 * other loads random keys, present and absent. The new keys keep the map
 * building and promoting its tables while it is read, which is where a
 * store could wait for O(n) work.
 */
#define LAT_MAX_SAMPLES	(1L << 22)

struct lat_run {
	void *m;
	long n;
	bool stop;
	long nsamples;
	unsigned int *samples;
	/* the samples of stores during which the storer kept its CPU */
	long nkept;
	unsigned int *kept;
};

/*
 * Times this thread was preempted. Not the times it slept: a store that
 * waits (for a lock, or for syncmap's worker) is slow for its own reasons.
 */
static long context_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		abort();
	return ru.ru_nivcsw;
}

/* Stores slower than this are checked for a context switch. */
#define LAT_CHECK_NS	10000

/*
 * Each store is timed on the wall clock, and kept apart if the thread was
 * not preempted during it: a kernel caller storing under the map's
 * raw spinlock cannot be preempted there, a user-space thread can be (for
 * a host tick, 4 ms at HZ=250), whatever map it calls. A syscall costs a
 * microsecond here and leaves the next store with cold TLBs, so only
 * stores slower than LAT_CHECK_NS are checked: being switched out and
 * back takes longer than that, and the storer runs almost only inside
 * timed stores, so a switch shows in the count at the first slow store
 * after it, which is the one it slowed.
 */
static void *lat_storer(void *arg)
{
	struct lat_run *lr = arg;
	unsigned long seed = 0x2545f4914f6cdd1dUL;
	long fresh = lr->n, i, cs = context_switches(), cs1;

	bench_read_lock();
	bench_read_unlock();
	/* At least one store, as FOR_OPS: a loaded machine may start us late */
	for (i = 0; i < LAT_MAX_SAMPLES && (!i || !STOPPED(&lr->stop)); i++) {
		long k = i & 1 ? (long)(xorshift(&seed) % lr->n) : fresh++;
		unsigned long long t0 = bench_now_ns(), dt;
		unsigned int ns;

		store(lr->m, k, k);
		dt = bench_now_ns() - t0;
		ns = dt > UINT32_MAX ? UINT32_MAX : dt;
		lr->samples[i] = ns;
		if (ns > LAT_CHECK_NS) {
			cs1 = context_switches();
			if (cs1 != cs) {
				cs = cs1;
				continue;
			}
		}
		lr->kept[lr->nkept++] = ns;
	}
	lr->nsamples = i;
	return NULL;
}

static void *lat_loader(void *arg)
{
	struct lat_run *lr = arg;
	unsigned long seed = 0x9e3779b97f4a7c15UL;
	long cnt = 0;

	bench_read_lock();
	bench_read_unlock();
	FOR_OPS(cnt, &lr->stop)
		load(lr->m, xorshift(&seed) % (2 * lr->n));
	return NULL;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/*
 * One StoreLatency run of @ms on a fresh map, the write lock timed or not;
 * returns the map's longest lock hold (0 untimed), or -1 if no map.
 */
static long long lat_pass(struct lat_run *lr, int ms, bool timing)
{
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
	unsigned long long hold = 0;
	pthread_t st, ld;

	lr->nsamples = lr->nkept = 0;
	lr->stop = false;
	lr->m = ops->create(lr->n);
	if (!lr->m)
		return -1;
	setup_hits(lr->m, lr->n);
	bench_lock_timing(timing);
	if (pthread_create(&st, NULL, lat_storer, lr) ||
	    pthread_create(&ld, NULL, lat_loader, lr))
		abort();
	nanosleep(&d, NULL);
	__atomic_store_n(&lr->stop, true, __ATOMIC_RELAXED);
	pthread_join(st, NULL);
	pthread_join(ld, NULL);
	if (timing && ops->max_lock_hold_ns)
		hold = ops->max_lock_hold_ns(lr->m);
	bench_lock_timing(false);
	ops->destroy(lr->m);
	return hold;
}

/*
 * Two runs: the stores are timed in one with the lock untimed (timing it
 * on the holder's CPU clock costs two syscalls per hold, which would
 * slow the stores being measured), the lock in the other.
 */
static void store_latency(long n, int ms)
{
	struct lat_run lr = { .n = n };
	long long hold = 0;
	char holdbuf[32], keptbuf[32];
	long c, k;

	lr.samples = malloc(LAT_MAX_SAMPLES * sizeof(*lr.samples));
	lr.kept = malloc(LAT_MAX_SAMPLES * sizeof(*lr.kept));
	if (!lr.samples || !lr.kept ||
	    (ops->max_lock_hold_ns && (hold = lat_pass(&lr, ms, true)) < 0) ||
	    lat_pass(&lr, ms, false) < 0) {
		free(lr.samples);
		free(lr.kept);
		fail("create failed", 0);
		return;
	}
	c = lr.nsamples;
	k = lr.nkept;
	if (!c) {
		free(lr.samples);
		free(lr.kept);
		fail("no store finished", 0);
		return;
	}
	qsort(lr.samples, c, sizeof(*lr.samples), cmp_uint);
	qsort(lr.kept, k, sizeof(*lr.kept), cmp_uint);
	snprintf(holdbuf, sizeof(holdbuf), "%lld", hold);
	/* "-": every store was preempted (a map whose one store was long) */
	if (k)
		snprintf(keptbuf, sizeof(keptbuf), "%u|%u",
			 lr.kept[k * 999 / 1000], lr.kept[k - 1]);
	printf("LAT|%s|%s|%ld|%ld|%u|%u|%u|%u|%s|%ld|%s\n", ops->name,
	       str_keys ? "str" : "int", n, c, lr.samples[c / 2],
	       lr.samples[c * 99 / 100], lr.samples[c * 999 / 1000],
	       lr.samples[c - 1], ops->max_lock_hold_ns ? holdbuf : "-",
	       c - k, k ? keptbuf : "-|-");
	fflush(stdout);
	free(lr.samples);
	free(lr.kept);
}

/*
 * A fixed number of one operation on an n-key map, for valgrind, in the
 * steady state of a read-mostly map: Go's priming (setup_hits(), 2n
 * loads) leaves syncmap's last quarter of keys in its dirty table (the
 * misses it counts reach half the dirty table's size), so six more
 * rounds of loads, which promote it, come first. Every map gets them.
 */
static int count_instructions(const char *what, long n, long count)
{
	long i;
	void *m = ops->create(n);

	setup_hits(m, n - 1);
	for (i = 0; i < 6 * (n - 1); i++)
		load(m, i % (n - 1));
	bench_barrier();
	usleep(200000);	/* rhashtable's deferred resize: let it finish */
	if (!strcmp(what, "hit")) {
		for (i = 0; i < count; i++)
			load(m, i % (n - 1));
	} else if (!strcmp(what, "miss")) {
		for (i = 0; i < count; i++)
			load(m, n + i % n);
	} else if (!strcmp(what, "store")) {	/* existing keys */
		for (i = 0; i < count; i++)
			store(m, i % (n - 1), i);
	} else if (!strcmp(what, "swap")) {	/* existing keys */
		for (i = 0; i < count; i++)
			swap(m, i % (n - 1), i);
	} else if (!strcmp(what, "los")) {	/* existing keys: loads */
		for (i = 0; i < count; i++)
			load_or_store(m, i % (n - 1), i);
	} else if (!strcmp(what, "cas")) {	/* existing keys, each succeeds */
		for (i = 0; i < count; i++) {
			long k = i % (n - 1), round = i / (n - 1);

			if (!cas(m, k, k + round, k + round + 1))
				fail("cas", k);
		}
	} else {
		return 2;
	}
	ops->destroy(m);
	return 0;
}

/* ---- Flood -------------------------------------------------------------- */

#define FLOOD_KEYS	4096L
#define FLOOD_FROM	(1L << 40)
#define FLOOD_GIVE_UP_NS	(10ULL * 1000000000ULL)

/* ns per lookup of @n keys from @keys (or key numbers 0.. if NULL), @ms long. */
static double flood_lookups(void *m, const unsigned long *keys, long n, int ms)
{
	unsigned long long t0 = bench_now_ns(), end = t0 + ms * 1000000ULL, t;
	long i = 0;

	do {
		for (int c = 0; c < CHUNK; c++, i++)
			load(m, keys ? (long)keys[i % n] : i % n);
		t = bench_now_ns();
	} while (t < end);
	return (double)(t - t0) / i;
}

/*
 * Flood: a map of 1024 keys gets FLOOD_KEYS keys that share their home
 * slot (bucket) under the secret it places new keys by, as an attacker
 * who had learned it would send them: ns per operation while they are
 * stored and then looked up once each; the time from the flood's first
 * key until the map has moved to another secret, its tables all placed by
 * it (under a load that goes on after the flood if need be: the flood
 * keys looked up in turn, a new key stored every 64 operations); and ns
 * per lookup of the flood keys, and of the first keys, after that.
 */
static void flood(int ms)
{
	unsigned long *fk = malloc(FLOOD_KEYS * sizeof(*fk));
	unsigned long long t0, t1, t_ok = 0;
	long i, fresh = 2 * FLOOD_FROM;
	void *m;

	if (!fk)
		abort();
	m = ops->create(1024);
	setup_hits(m, 1024);
	ops->flood_keys(m, fk, FLOOD_KEYS, FLOOD_FROM);
	t0 = bench_now_ns();
	for (i = 0; i < FLOOD_KEYS; i++) {
		store(m, (long)fk[i], i);
		if (!t_ok && !(i % 16) && ops->flood_recovered(m))
			t_ok = bench_now_ns();
	}
	for (i = 0; i < FLOOD_KEYS; i++)
		if (load(m, (long)fk[i]) != i)
			fail("flood: lost a key", i);
	t1 = bench_now_ns();
	for (i = 0; !t_ok && bench_now_ns() - t1 < FLOOD_GIVE_UP_NS; i++) {
		load(m, (long)fk[i % FLOOD_KEYS]);
		if (!(i % 64))
			store(m, fresh++, 0);
		if (!(i % 16) && ops->flood_recovered(m))
			t_ok = bench_now_ns();
	}
	/* ns/op of the flood; µs from its first key to recovery (0: none) */
	printf("FLOOD|%s|int|%.1f|%llu|%.2f|%.2f\n", ops->name,
	       (double)(t1 - t0) / (2 * FLOOD_KEYS),
	       t_ok ? (t_ok - t0) / 1000 : 0,
	       flood_lookups(m, fk, FLOOD_KEYS, ms),
	       flood_lookups(m, NULL, 1024, ms));
	fflush(stdout);
	ops->destroy(m);
	free(fk);
}

int main(int argc, char **argv)
{
	const char *only = NULL, *map = NULL, *instr = NULL;
	int ms = 200, threads = 0, opt, t, round = 0, nmaps;
	long keys = 1024, count = 100000;
	bool mem = false, lat = false, fl = false;
	size_t i, j;

	while ((opt = getopt(argc, argv, "t:k:s:m:w:n:r:MLFI:c:")) != -1) {
		switch (opt) {
		case 't': ms = atoi(optarg); break;
		case 'k': keys = atol(optarg); break;
		case 's': str_keys = !strcmp(optarg, "str"); break;
		case 'm': map = optarg; break;
		case 'w': only = optarg; break;
		case 'n': threads = atoi(optarg); break;
		case 'M': mem = true; break;
		case 'L': lat = true; break;
		case 'F': fl = true; break;
		case 'I': instr = optarg; break;
		case 'c': count = atol(optarg); break;
		case 'r': round = atoi(optarg); break;
		default: return 2;
		}
	}
	if (threads < 0 || threads > MAX_THREADS || ms <= 0 || keys < 2)
		return 2;
	if (bench_init())
		return 1;
	keys_init(2 * keys);
	nmaps = sizeof(all_maps) / sizeof(all_maps[0]);
	for (j = 0; j < (size_t)nmaps; j++) {
		ops = all_maps[j];
		if (map && strcmp(map, ops->name))
			continue;
		/* floor is no map: only StoreLatency's baseline, keys aside */
		if (ops == &floor_ops && (!lat || str_keys))
			continue;
		/* cow copies the table on every insert: quadratic beyond 1k */
		if (!map && ops == &cow_ops && keys > 1024)
			continue;
		if (instr)
			return count_instructions(instr, keys, count);
		if (mem)
			measure_memory(keys);
		if (lat)
			store_latency(keys, ms);
		if (fl && ops->flood_keys && !str_keys)
			flood(ms);
	}
	if (mem || lat || fl)
		return failures ? 1 : 0;
	/*
	 * The timed cells: each workload and thread count runs every map
	 * back to back, in an order that rotates with the round (-r), so
	 * that the maps a ratio compares run within seconds of each other
	 * and none is always first after a fill or last in a round.
	 */
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		const struct workload *w = &workloads[i];

		if (only && strcmp(only, w->name))
			continue;
		if (!only && !w->sized && keys != 1024)
			continue;
		for (t = 1; t <= (threads ? threads : 2); t++) {
			if (threads && threads != t)
				continue;
			for (j = 0; j < (size_t)nmaps; j++) {
				ops = all_maps[(j + round) % nmaps];
				if (map && strcmp(map, ops->name))
					continue;
				if (ops == &floor_ops)
					continue;
				if (!map && ops == &cow_ops && keys > 1024)
					continue;
				run(w, w->sized ? keys : 1024, t, ms);
			}
		}
	}
	return failures ? 1 : 0;
}
