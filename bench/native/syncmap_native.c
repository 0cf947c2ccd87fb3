// SPDX-License-Identifier: GPL-2.0
/*
 * syncmap_native - the user-space build of syncmap.c (tests/userspace
 * shim, liburcu) run natively on the workloads of Go's
 * src/sync/map_bench_test.go, written the way gomap/main.go runs them on
 * Go's sync.Map, so that bench/native.sh can put the two side by side.
 *
 * Usage: syncmap_native [-t ms] [-w workload] [-n threads]
 * Prints NATIVE|workload|threads|syncmap|ns_per_op|ops for each run, and
 * exits 1 if a workload saw a result Go's benchmark would b.Fatal on.
 *
 * As in Go's RunParallel, ns/op is wall time over the operations of all
 * threads. Keys are 8-byte integers (Go: int in an interface); values are
 * small integers cast to pointers, never released.
 */
#include "shim.h"
#include "syncmap.h"

#include <unistd.h>

extern int (*shim_module_init)(void);
extern void (*shim_module_exit)(void);

#define MAX_THREADS 8

static void *V(long v)
{
	return (void *)(uintptr_t)(2 * v + 2);	/* never NULL */
}

static long failures;

static void fail(const char *what, long k)
{
	if (__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED) < 5)
		fprintf(stderr, "syncmap_native: %s (key %ld)\n", what, k);
}

static void *load(struct syncmap *m, long k)
{
	void *v;

	rcu_read_lock();
	v = syncmap_load(m, &k, sizeof(k));
	rcu_read_unlock();
	return v;
}

static void store(struct syncmap *m, long k, long v)
{
	if (syncmap_store(m, &k, sizeof(k), V(v), GFP_KERNEL))
		fail("store failed", k);
}

static bool load_or_store(struct syncmap *m, long k, long v)
{
	bool loaded;

	if (IS_ERR(syncmap_load_or_store(m, &k, sizeof(k), V(v), &loaded,
					 GFP_KERNEL)))
		fail("load_or_store failed", k);
	return loaded;
}

static bool load_and_delete(struct syncmap *m, long k)
{
	return syncmap_load_and_delete(m, &k, sizeof(k)) != NULL;
}

/* ---- the workloads: setup once, then perG in every thread ------------- */

struct workload {
	const char *name;
	void (*setup)(struct syncmap *m);
	/* Runs ops from i until *stop; returns the number of operations. */
	long (*perg)(struct syncmap *m, long i, const bool *stop);
};

#define CHUNK 64	/* operations between looks at the stop flag */
#define STOPPED(stop)	__atomic_load_n((stop), __ATOMIC_RELAXED)
#define FOR_OPS(n, stop) \
	for (; !STOPPED(stop); n += CHUNK) \
		for (int __c = 0; __c < CHUNK; __c++)

static void setup_hits(struct syncmap *m, long hits)
{
	long i;

	for (i = 0; i < hits; i++)
		load_or_store(m, i, i);
	for (i = 0; i < hits * 2; i++)	/* prime: reach the steady state */
		load(m, i % hits);
}

static void setup_mostly_hits(struct syncmap *m) { setup_hits(m, 1023); }
static void setup_mostly_misses(struct syncmap *m) { setup_hits(m, 1); }

static long perg_load(struct syncmap *m, long i, const bool *stop, long hits,
		      long misses)
{
	long n = 0;

	FOR_OPS(n, stop) {
		load(m, i % (hits + misses));
		i++;
	}
	return n;
}

static long perg_mostly_hits(struct syncmap *m, long i, const bool *stop)
{
	return perg_load(m, i, stop, 1023, 1);
}

static long perg_mostly_misses(struct syncmap *m, long i, const bool *stop)
{
	return perg_load(m, i, stop, 1, 1023);
}

static void setup_128(struct syncmap *m)
{
	long i;

	for (i = 0; i < 128; i++)
		load_or_store(m, i, i);
}

static long perg_los_balanced(struct syncmap *m, long i, const bool *stop)
{
	long n = 0;

	FOR_OPS(n, stop) {
		long j = i % 256;

		if (j < 128) {
			if (!load_or_store(m, j, i))
				fail("unexpected miss", j);
		} else if (load_or_store(m, i, i)) {
			fail("unexpected hit", i);
		}
		i++;
	}
	return n;
}

static long perg_los_unique(struct syncmap *m, long i, const bool *stop)
{
	long n = 0;

	FOR_OPS(n, stop) {
		load_or_store(m, i, i);
		i++;
	}
	return n;
}

static void setup_one(struct syncmap *m)
{
	load_or_store(m, 0, 0);
}

static long perg_los_collision(struct syncmap *m, long i, const bool *stop)
{
	long n = 0;

	FOR_OPS(n, stop)
		load_or_store(m, 0, 0);
	return n;
}

static long perg_lad_balanced(struct syncmap *m, long i, const bool *stop)
{
	long n = 0;

	FOR_OPS(n, stop) {
		long j = i % 256;

		if (j < 128)
			load_and_delete(m, j);
		else
			load_and_delete(m, i);
		i++;
	}
	return n;
}

static long perg_lad_collision(struct syncmap *m, long i, const bool *stop)
{
	long n = 0;

	FOR_OPS(n, stop) {
		if (load_and_delete(m, 0))
			store(m, 0, 0);
	}
	return n;
}

static void setup_1024(struct syncmap *m)
{
	long i;

	for (i = 0; i < 1024; i++)
		store(m, i, i);
}

static bool range_true(const void *k, size_t len, void *v, void *arg)
{
	return true;
}

static long perg_range(struct syncmap *m, long i, const bool *stop)
{
	long n = 0;

	FOR_OPS(n, stop)
		syncmap_range(m, range_true, NULL);
	return n;
}

static long perg_adv_alloc(struct syncmap *m, long i, const bool *stop)
{
	long stores = 0, since = 0, n = 0;

	FOR_OPS(n, stop) {
		load(m, i);
		if (++since > stores) {
			load_or_store(m, i, stores);
			since = 0;
			stores++;
		}
		i++;
	}
	return n;
}

static bool range_delete_one(const void *k, size_t len, void *v, void *arg)
{
	syncmap_delete(arg, k, len);
	return false;
}

static long perg_adv_delete(struct syncmap *m, long i, const bool *stop)
{
	long n = 0;

	FOR_OPS(n, stop) {
		load(m, i);
		if (i % 1024 == 0) {
			syncmap_range(m, range_delete_one, m);
			store(m, i, i);
		}
		i++;
	}
	return n;
}

static long perg_swap_collision(struct syncmap *m, long i, const bool *stop)
{
	long k = 0, n = 0;

	FOR_OPS(n, stop) {
		if (IS_ERR(syncmap_swap(m, &k, sizeof(k), V(0), GFP_KERNEL)))
			fail("swap failed", k);
	}
	return n;
}

static long perg_cas_collision(struct syncmap *m, long i, const bool *stop)
{
	long k = 0, n = 0;

	FOR_OPS(n, stop) {
		if (syncmap_compare_and_swap(m, &k, sizeof(k), V(0), V(42)))
			syncmap_compare_and_swap(m, &k, sizeof(k), V(42), V(0));
	}
	return n;
}

static long perg_clear(struct syncmap *m, long i, const bool *stop)
{
	long n = 0;

	FOR_OPS(n, stop) {
		syncmap_clear(m);
		store(m, i % 256, i % 256);
		i++;
	}
	return n;
}

static const struct workload workloads[] = {
	{ "LoadMostlyHits", setup_mostly_hits, perg_mostly_hits },
	{ "LoadMostlyMisses", setup_mostly_misses, perg_mostly_misses },
	{ "LoadOrStoreBalanced", setup_128, perg_los_balanced },
	{ "LoadOrStoreUnique", NULL, perg_los_unique },
	{ "LoadOrStoreCollision", setup_one, perg_los_collision },
	{ "LoadAndDeleteBalanced", setup_128, perg_lad_balanced },
	{ "LoadAndDeleteCollision", setup_one, perg_lad_collision },
	{ "Range", setup_1024, perg_range },
	{ "AdversarialAlloc", NULL, perg_adv_alloc },
	{ "AdversarialDelete", setup_1024, perg_adv_delete },
	{ "SwapCollision", setup_one, perg_swap_collision },
	{ "CompareAndSwapCollision", setup_one, perg_cas_collision },
	{ "Clear", NULL, perg_clear },
};

/* ---- running one workload ----------------------------------------------- */

struct runner {
	const struct workload *w;
	struct syncmap *m;
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

	pthread_barrier_wait(&cur->go);
	cur->ops[id] = cur->w->perg(cur->m, cur->start[id], &cur->stop);
	return NULL;
}

static void run(const struct workload *w, int threads, int ms)
{
	struct runner r = { .w = w };
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
	long total = 0;
	u64 t0, t1;
	int i;

	r.m = syncmap_create(NULL);
	if (IS_ERR(r.m)) {
		fail("create failed", 0);
		return;
	}
	if (w->setup)
		w->setup(r.m);
	cur = &r;
	pthread_barrier_init(&r.go, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		r.id[i] = i;
		r.start[i] = (long)i << 40;	/* Go: id * b.N */
		if (pthread_create(&r.th[i], NULL, thread_main, &r.id[i]))
			abort();
	}
	pthread_barrier_wait(&r.go);
	t0 = ktime_get_ns();
	nanosleep(&d, NULL);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < threads; i++) {
		pthread_join(r.th[i], NULL);
		total += r.ops[i];
	}
	t1 = ktime_get_ns();
	pthread_barrier_destroy(&r.go);
	syncmap_destroy(r.m);
	printf("NATIVE|%s|%d|syncmap|%.2f|%ld\n", w->name, threads,
	       total ? (double)(t1 - t0) / total : 0.0, total);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int ms = 200, threads = 0, opt, t;
	size_t i;

	while ((opt = getopt(argc, argv, "t:w:n:")) != -1) {
		switch (opt) {
		case 't': ms = atoi(optarg); break;
		case 'w': only = optarg; break;
		case 'n': threads = atoi(optarg); break;
		default: return 2;
		}
	}
	if (threads < 0 || threads > MAX_THREADS || ms <= 0)
		return 2;
	if (shim_module_init())
		return 1;
	for (i = 0; i < ARRAY_SIZE(workloads); i++) {
		if (only && strcmp(only, workloads[i].name))
			continue;
		for (t = 1; t <= (threads ? threads : 2); t++)
			if (!threads || threads == t)
				run(&workloads[i], t, ms);
	}
	shim_module_exit();
	return failures ? 1 : 0;
}
