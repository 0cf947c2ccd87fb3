// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for syncmap.
 *
 * One or more cases per API function, then the internal paths driven
 * deterministically (promotion by misses, expunge and revive, a full dirty
 * table), a differential run against a trivially correct model, and
 * kthreads hammering one map. Values are counted: every case that drops a
 * value checks that the release callback ran exactly once for it, and
 * never for a value the map handed back.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/sched/task.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "syncmap_internal.h"

#ifndef KUNIT_CASE_SLOW
/* Older kernels: KUnit without case attributes. */
#define KUNIT_CASE_SLOW(name) KUNIT_CASE(name)
#endif
/* Slow parameterised cases (the kthread hammers), where KUnit can say so. */
#ifdef KUNIT_CASE_PARAM_ATTR
#define SYNCMAP_CASE_PARAM_SLOW(name, gen) \
	KUNIT_CASE_PARAM_ATTR(name, gen, { .speed = KUNIT_SPEED_SLOW })
#else
#define SYNCMAP_CASE_PARAM_SLOW(name, gen) KUNIT_CASE_PARAM(name, gen)
#endif

#ifndef HAVE_KUNIT_ADD_ACTION
/* Older kernels: deferred actions, on the resource API. */
typedef void (kunit_action_t)(void *);

struct compat_action {
	kunit_action_t *fn;
	void *data;
};

static int compat_action_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

static void compat_action_free(struct kunit_resource *res)
{
	struct compat_action *a = res->data;

	a->fn(a->data);
	kfree(a);
}

static int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *fn,
				     void *data)
{
	struct compat_action *a = kmalloc(sizeof(*a), GFP_KERNEL);

	if (a) {
		a->fn = fn;
		a->data = data;
		if (kunit_alloc_resource(test, compat_action_init,
					 compat_action_free, GFP_KERNEL, a))
			return 0;
		kfree(a);
	}
	fn(data);
	return -ENOMEM;
}
#endif

#ifndef HAVE_HRTIMER_SETUP
/* Older kernels: hrtimer_init(), which hrtimer_setup() replaced in 6.13. */
static void hrtimer_setup(struct hrtimer *timer,
			  enum hrtimer_restart (*fn)(struct hrtimer *),
			  clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
}
#endif

/* ---- counted values --------------------------------------------------- */

struct tctx;

/* A test value: knows its key and counts its releases. */
struct tval {
	struct tctx *ctx;
	int key;
	atomic_t released;
};

struct tctx {
	struct syncmap *map;
	atomic_t released;
	int nvals;
	struct tval *vals;
};

static void tval_release(void *value)
{
	struct tval *v = value;

	atomic_inc(&v->released);
	atomic_inc(&v->ctx->released);
}

static void tctx_destroy(void *data)
{
	struct tctx *ctx = data;

	syncmap_destroy(ctx->map);
	ctx->map = NULL;
}

static void tctx_free_vals(void *vals)
{
	kvfree(vals);
}

/*
 * A map and @nvals counted values. The values are allocated first, so
 * KUnit frees them after the destroy action ran every release. @boxed:
 * the map has a release callback (and so boxes its values).
 */
static struct tctx *tctx_new_map(struct kunit *test, int nvals, bool boxed)
{
	struct tctx *ctx;
	int i, err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->vals = kvcalloc(max(nvals, 1), sizeof(*ctx->vals), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->vals);
	err = kunit_add_action_or_reset(test, tctx_free_vals, ctx->vals);
	KUNIT_ASSERT_EQ(test, 0, err);
	ctx->nvals = nvals;
	for (i = 0; i < nvals; i++) {
		ctx->vals[i].ctx = ctx;
		ctx->vals[i].key = i;
	}
	ctx->map = syncmap_create(boxed ? tval_release : NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx->map));
	err = kunit_add_action_or_reset(test, tctx_destroy, ctx);
	KUNIT_ASSERT_EQ(test, 0, err);
	return ctx;
}

static struct tctx *tctx_new(struct kunit *test, int nvals)
{
	return tctx_new_map(test, nvals, true);
}

/* Cases that run on both kinds of map: boxed and bare values. */
static const bool box_modes[] = { true, false };

static void box_desc(const bool *boxed, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *boxed ? "release callback, boxed values" :
			  "no release callback, bare values");
}

KUNIT_ARRAY_PARAM(box, box_modes, box_desc);

static bool param_boxed(struct kunit *test)
{
	return *(const bool *)test->param_value;
}

/* Let every pending release callback run. */
static void settle(void)
{
	rcu_barrier();
}

static int released(struct tval *v)
{
	settle();
	return atomic_read(&v->released);
}

static void *load(struct syncmap *map, const void *key, size_t len)
{
	void *v;

	rcu_read_lock();
	v = syncmap_load(map, key, len);
	rcu_read_unlock();
	return v;
}

static struct syncmap_table *read_table(struct syncmap *map)
{
	return rcu_dereference_protected(map->read, true);
}

/* Tests look at the dirty table of a map nobody else is changing. */
static struct syncmap_table *dirty_table(struct syncmap *map)
{
	return rcu_dereference_protected(map->dirty, true);
}

/* The entry for @key in @t, or NULL; for a quiescent map. */
static struct syncmap_entry *table_entry(struct syncmap *map,
					 struct syncmap_table *t,
					 const void *key, size_t len)
{
	if (!t)
		return NULL;
	return syncmap_table_find(t, syncmap_table_hash(map, t,
						       syncmap_hash(map, key,
								    len),
						       key, len),
				  key, len);
}

static void *entry_state(struct syncmap_entry *e)
{
	return rcu_dereference_protected(e->p, true);
}

static void store_ok(struct kunit *test, struct syncmap *map,
		     const void *key, size_t len, struct tval *v)
{
	KUNIT_ASSERT_EQ(test, 0, syncmap_store(map, key, len, v, GFP_KERNEL));
}

/* Keys "from" .. "to - 1" load the values store_n() stored for them. */
static void expect_all(struct kunit *test, struct tctx *ctx, int from, int to)
{
	char key[12];
	int i, wrong = 0;

	for (i = from; i < to; i++) {
		snprintf(key, sizeof(key), "%d", i);
		if (load(ctx->map, key, strlen(key)) != &ctx->vals[i])
			wrong++;
	}
	KUNIT_EXPECT_EQ(test, 0, wrong);
}

static void store_n(struct kunit *test, struct tctx *ctx, int from, int to)
{
	char key[12];
	int i;

	for (i = from; i < to; i++) {
		snprintf(key, sizeof(key), "%d", i);
		store_ok(test, ctx->map, key, strlen(key), &ctx->vals[i]);
	}
}

/*
 * Look @key up until @map's miss count changes, at most SYNCMAP_MISS_BATCH
 * times for a key of the dirty table (SYNCMAP_MISS_TICKS for an absent
 * one): this CPU's lookups add their misses to the map's a batch at a
 * time (count_miss()). An absent key's lookup adds one tick, so the one
 * that adds a batch leaves this CPU's ticks at a multiple of
 * SYNCMAP_MISS_TICKS, and what follows on this CPU is exact: a caller
 * that counts on it keeps preemption off until it is done (and checks
 * its results after: a failed expectation may sleep). Returns the
 * lookups made.
 */
static unsigned int __load_until_batch(struct syncmap *map, const void *key,
				       size_t len, unsigned int max)
{
	long misses = atomic_long_read(&map->misses);
	unsigned int i;

	for (i = 0; i < max && atomic_long_read(&map->misses) == misses; i++)
		load(map, key, len);
	return i;
}

static unsigned int load_until_batch(struct syncmap *map, const void *key,
				     size_t len, unsigned int max)
{
	unsigned int i;

	preempt_disable();
	i = __load_until_batch(map, key, len, max);
	preempt_enable();
	return i;
}

/* @n lookups of @key (on one CPU, if the caller has preemption off). */
static void load_n(struct syncmap *map, const void *key, size_t len,
		   unsigned int n)
{
	while (n--)
		load(map, key, len);
}

/* Run the worker that replaces a nursery now, and wait for it. */
static void grow_now(struct syncmap *map)
{
	schedule_work(&map->grow_work);
	flush_work(&map->grow_work);
}

/*
 * Load a key that the dirty table alone holds until the misses promote
 * it (most lookups of absent keys count no miss). A nursery is replaced
 * first: it is never promoted.
 */
static void promote(struct kunit *test, struct syncmap *map)
{
	struct syncmap_table *d, *t;
	struct syncmap_entry *e = NULL;
	unsigned int i;

	if (dirty_table(map) && dirty_table(map)->nursery)
		grow_now(map);
	d = dirty_table(map);
	/* a key of the dirty table's own, or of the nursery it takes over */
	t = d && d->pending ? d->pending : d;
	for (i = 0; t && i < t->size && !e; i++) {
		e = t->slots[i].entry;
		if (e && table_entry(map, read_table(map), e->key, e->key_len))
			e = NULL;
	}
	for (i = 0; i < 1000000 && e && dirty_table(map) == d; i++)
		load(map, e->key, e->key_len);
	KUNIT_ASSERT_NULL(test, dirty_table(map));
}

/* ---- create / destroy ------------------------------------------------- */

static void syncmap_test_create_empty(struct kunit *test)
{
	struct syncmap *map = syncmap_create(NULL);

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
	KUNIT_EXPECT_NULL(test, load(map, "a", 1));
	KUNIT_EXPECT_NULL(test, load(map, "", 0));
	/* No release callback: stored values are simply dropped. */
	KUNIT_EXPECT_EQ(test, 0, syncmap_store(map, "a", 1, map, GFP_KERNEL));
	syncmap_destroy(map);
	syncmap_destroy(NULL);
}

/* A map allocated with the caller's flags works as any other. */
static void syncmap_test_create_gfp(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);
	struct syncmap *map = syncmap_create_gfp(tval_release,
						 GFP_KERNEL_ACCOUNT);

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	store_ok(test, map, "a", 1, &ctx->vals[0]);
	store_ok(test, map, "a", 1, &ctx->vals[1]);
	KUNIT_EXPECT_PTR_EQ(test, (void *)&ctx->vals[1], load(map, "a", 1));
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(map));
	syncmap_destroy(map);
	/* the replaced value and the last one, each released once */
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[0]));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[1]));
}

static void syncmap_test_destroy_releases_all(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 100);
	char key[16];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		store_ok(test, ctx->map, key, strlen(key), &ctx->vals[i]);
		if (i == 50)
			promote(test, ctx->map);
	}
	/* Some in the read table, some in the dirty table only. */
	KUNIT_EXPECT_NOT_NULL(test, dirty_table(ctx->map));
	tctx_destroy(ctx);
	/* destroy waits for the callbacks itself: no settle() here. */
	KUNIT_EXPECT_EQ(test, 100, atomic_read(&ctx->released));
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_EQ(test, 1, atomic_read(&ctx->vals[i].released));
}

/* ---- load -------------------------------------------------------------- */

static void syncmap_test_load_absent(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);

	KUNIT_EXPECT_NULL(test, load(ctx->map, "nothing", 7));
	store_ok(test, ctx->map, "abc", 3, &ctx->vals[0]);
	KUNIT_EXPECT_NULL(test, load(ctx->map, "ab", 2));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "abcd", 4));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "abc", 4));	/* with NUL */
}

static void syncmap_test_load_present(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);

	store_ok(test, ctx->map, "a", 1, &ctx->vals[0]);
	store_ok(test, ctx->map, "b", 1, &ctx->vals[1]);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, "a", 1));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1], load(ctx->map, "b", 1));
	KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[0]));
}

/*
 * A load served by the dirty table counts a miss (a batch of them, once
 * in SYNCMAP_MISS_BATCH such loads); hits in read do not.
 */
static void syncmap_test_load_counts_misses(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);
	struct syncmap *map = ctx->map;
	unsigned long misses;

	store_ok(test, map, "a", 1, &ctx->vals[0]);
	KUNIT_EXPECT_TRUE(test, read_table(map)->amended);
	misses = map->counters.misses;
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(map, "a", 1));
	/* a batch of misses is due for a dirty table of one entry */
	KUNIT_EXPECT_GE(test, SYNCMAP_MISS_BATCH,
			load_until_batch(map, "a", 1, SYNCMAP_MISS_BATCH));
	KUNIT_EXPECT_NULL(test, dirty_table(map));
	KUNIT_EXPECT_EQ(test, misses + SYNCMAP_MISS_BATCH,
			map->counters.misses);

	promote(test, map);
	misses = map->counters.misses;
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(map, "a", 1));
	KUNIT_EXPECT_NULL(test, load(map, "b", 1));	/* not amended */
	KUNIT_EXPECT_EQ(test, misses, map->counters.misses);
}

/*
 * Interrupt context, as the contract allows: from a hard-irq timer, loads
 * (one through the lock, the key being in the dirty table only) and a
 * delete, which never allocate; from a soft-irq timer, a store with
 * GFP_ATOMIC. (No allocation may happen in hard interrupt context on
 * PREEMPT_RT, and lockdep checks that rule on every kernel.)
 */
struct irq_ctx {
	struct hrtimer timer;
	struct syncmap *map;
	void *seen, *missing;
	bool deleted;
	int stored;
	struct completion done;
	struct tval *v;
};

static enum hrtimer_restart irq_hard_fn(struct hrtimer *timer)
{
	struct irq_ctx *ic = container_of(timer, struct irq_ctx, timer);

	rcu_read_lock();
	ic->seen = syncmap_load(ic->map, "irq", 3);
	ic->missing = syncmap_load(ic->map, "absent", 6);
	rcu_read_unlock();
	ic->deleted = syncmap_delete(ic->map, "gone", 4);
	complete(&ic->done);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart irq_soft_fn(struct hrtimer *timer)
{
	struct irq_ctx *ic = container_of(timer, struct irq_ctx, timer);

	/* A new key: the lock, a box, an entry, maybe a table. */
	ic->stored = syncmap_store(ic->map, "from-irq", 8, ic->v, GFP_ATOMIC);
	complete(&ic->done);
	return HRTIMER_NORESTART;
}

static void irq_run(struct irq_ctx *ic,
		    enum hrtimer_restart (*fn)(struct hrtimer *),
		    enum hrtimer_mode mode)
{
	init_completion(&ic->done);
	hrtimer_setup(&ic->timer, fn, CLOCK_MONOTONIC, mode);
	hrtimer_start(&ic->timer, ns_to_ktime(1000), mode);
	wait_for_completion(&ic->done);
	hrtimer_cancel(&ic->timer);
}

/*
 * A write that finds its key only in the dirty table counts a miss too,
 * so that a key written over and over gets promoted to the read table.
 */
static void syncmap_test_write_counts_misses(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 3);
	struct syncmap *map = ctx->map;

	store_ok(test, map, "k", 1, &ctx->vals[0]);
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map));
	KUNIT_ASSERT_EQ(test, 1, dirty_table(map)->count);
	KUNIT_EXPECT_NULL(test, table_entry(map, read_table(map), "k", 1));

	/* One miss for a dirty table of one entry: promoted. */
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0],
			    syncmap_swap(map, "k", 1, &ctx->vals[1],
					 GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 1, map->counters.misses);
	KUNIT_EXPECT_EQ(test, 1, map->counters.promotions);
	KUNIT_EXPECT_NULL(test, dirty_table(map));
	KUNIT_EXPECT_NOT_NULL(test, table_entry(map, read_table(map), "k", 1));

	/* From the read table now: no lock, no miss. */
	store_ok(test, map, "k", 1, &ctx->vals[2]);
	KUNIT_EXPECT_EQ(test, 1, map->counters.misses);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[2], load(map, "k", 1));
	KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[0]));	/* handed back */
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[1]));
}

static void syncmap_test_load_hardirq(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 3);
	struct irq_ctx *ic = kunit_kzalloc(test, sizeof(*ic), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ic);
	store_ok(test, ctx->map, "irq", 3, &ctx->vals[0]);
	store_ok(test, ctx->map, "gone", 4, &ctx->vals[2]);
	ic->map = ctx->map;
	ic->v = &ctx->vals[1];
	irq_run(ic, irq_hard_fn, HRTIMER_MODE_REL_HARD);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], ic->seen);
	KUNIT_EXPECT_NULL(test, ic->missing);
	KUNIT_EXPECT_TRUE(test, ic->deleted);
	KUNIT_EXPECT_NULL(test, load(ctx->map, "gone", 4));
	irq_run(ic, irq_soft_fn, HRTIMER_MODE_REL_SOFT);
	KUNIT_EXPECT_EQ(test, 0, ic->stored);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1],
			    load(ctx->map, "from-irq", 8));
	settle();
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&ctx->vals[2].released));
}

/* ---- store ------------------------------------------------------------- */

static void syncmap_test_store_new(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);

	store_ok(test, ctx->map, "new", 3, &ctx->vals[0]);
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(ctx->map));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, "new", 3));
}

static void syncmap_test_store_overwrite_releases(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 3);

	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	store_ok(test, ctx->map, "k", 1, &ctx->vals[1]);
	/* Overwrite in the dirty table, then in the read table. */
	promote(test, ctx->map);
	store_ok(test, ctx->map, "k", 1, &ctx->vals[2]);
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[0]));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[1]));
	KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[2]));
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(ctx->map));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[2], load(ctx->map, "k", 1));
}

static void syncmap_test_store_same_pointer(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);

	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	promote(test, ctx->map);
	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[0]));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, "k", 1));
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(ctx->map));
}

static void syncmap_test_store_null_value(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 0);

	KUNIT_EXPECT_EQ(test, -EINVAL, syncmap_store(ctx->map, "k", 1, NULL,
						     GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(ctx->map));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "k", 1));
}

/*
 * Every function that takes a value refuses the ERR_PTR range as it does
 * NULL, so that an ERR_PTR return is never a value, and changes nothing.
 */
static void syncmap_test_err_ptr_values(struct kunit *test)
{
	void *bad[] = { ERR_PTR(-EINVAL), ERR_PTR(-1), ERR_PTR(-MAX_ERRNO) };
	unsigned int i;
	int boxed;

	for (boxed = 0; boxed < 2; boxed++) {
		struct tctx *ctx = tctx_new_map(test, 1, boxed);
		struct syncmap *map = ctx->map;
		void *v0 = &ctx->vals[0];

		store_ok(test, map, "k", 1, v0);
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			bool loaded = true;

			KUNIT_EXPECT_EQ(test, -EINVAL,
					syncmap_store(map, "n", 1, bad[i],
						      GFP_KERNEL));
			KUNIT_EXPECT_EQ(test, -EINVAL,
					syncmap_store(map, "k", 1, bad[i],
						      GFP_KERNEL));
			KUNIT_EXPECT_PTR_EQ(test, ERR_PTR(-EINVAL),
					    syncmap_load_or_store(map, "n", 1,
								  bad[i],
								  &loaded,
								  GFP_KERNEL));
			KUNIT_EXPECT_FALSE(test, loaded);
			KUNIT_EXPECT_PTR_EQ(test, ERR_PTR(-EINVAL),
					    syncmap_swap(map, "k", 1, bad[i],
							 GFP_KERNEL));
			KUNIT_EXPECT_EQ(test, -EINVAL,
					syncmap_compare_and_swap_gfp(map, "k", 1,
								     v0, bad[i],
								     GFP_KERNEL));
			KUNIT_EXPECT_EQ(test, -EINVAL,
					syncmap_compare_and_swap_gfp(map, "k", 1,
								     bad[i], v0,
								     GFP_KERNEL));
			KUNIT_EXPECT_FALSE(test,
					   syncmap_compare_and_swap(map, "k", 1,
								    v0, bad[i]));
			KUNIT_EXPECT_FALSE(test,
					   syncmap_compare_and_delete(map, "k", 1,
								      bad[i]));
		}
		KUNIT_EXPECT_EQ(test, 1, syncmap_len(map));
		KUNIT_EXPECT_PTR_EQ(test, v0, load(map, "k", 1));
		KUNIT_EXPECT_NULL(test, load(map, "n", 1));
		KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[0]));
	}
}

/* Just below the ERR_PTR range is an ordinary (bare) value. */
static void syncmap_test_err_ptr_boundary(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 0, false);
	void *edge = (void *)(-MAX_ERRNO - 1UL);

	KUNIT_EXPECT_FALSE(test, IS_ERR(edge));
	store_ok(test, ctx->map, "k", 1, edge);
	KUNIT_EXPECT_PTR_EQ(test, edge, load(ctx->map, "k", 1));
	KUNIT_EXPECT_PTR_EQ(test, edge,
			    syncmap_load_and_delete(ctx->map, "k", 1));
}

static void syncmap_test_store_empty_key(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);

	store_ok(test, ctx->map, "", 0, &ctx->vals[0]);
	store_ok(test, ctx->map, "\0", 1, &ctx->vals[1]);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, NULL, 0));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1], load(ctx->map, "\0", 1));
	KUNIT_EXPECT_TRUE(test, syncmap_delete(ctx->map, "", 0));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "", 0));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1], load(ctx->map, "\0", 1));
}

static void syncmap_test_store_long_key(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);
	size_t len = 65536;
	u8 *key = kunit_kzalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, key);
	memset(key, 'x', len);
	store_ok(test, ctx->map, key, len, &ctx->vals[0]);
	key[len - 1] = 'y';	/* differs in the last byte only */
	store_ok(test, ctx->map, key, len, &ctx->vals[1]);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1], load(ctx->map, key, len));
	key[len - 1] = 'x';
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, key, len));
	KUNIT_EXPECT_NULL(test, load(ctx->map, key, len - 1));
	/* The map copied the key: scribbling on ours changes nothing. */
	memset(key, 'z', len);
	KUNIT_EXPECT_NULL(test, load(ctx->map, key, len));
	KUNIT_EXPECT_EQ(test, 2, syncmap_len(ctx->map));
}

/* 100k keys: several dirty builds and promotions on the way. */
static void syncmap_test_store_100k(struct kunit *test)
{
	const int n = 100000;
	struct tctx *ctx = tctx_new(test, n);
	struct syncmap_counters st;
	u64 t0 = ktime_get_ns(), t1;

	store_n(test, ctx, 0, n);
	t1 = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, n, syncmap_len(ctx->map));
	expect_all(test, ctx, 0, n);
	kunit_info(test, "%d stores: %llu ms, %d loads: %llu ms\n", n,
		   (t1 - t0) / 1000000, n, (ktime_get_ns() - t1) / 1000000);
	syncmap_get_counters(ctx->map, &st);
	KUNIT_EXPECT_GE(test, st.dirty_builds, 10);
	KUNIT_EXPECT_GE(test, st.promotions, 10);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&ctx->released));
}

/* ---- load_or_store ------------------------------------------------------ */

static void syncmap_test_load_or_store_absent(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);
	bool loaded = true;
	void *v;

	v = syncmap_load_or_store(ctx->map, "k", 1, &ctx->vals[0], &loaded,
				  GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], v);
	KUNIT_EXPECT_FALSE(test, loaded);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, "k", 1));
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(ctx->map));
}

static void syncmap_test_load_or_store_present(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);
	bool loaded = false;
	void *v;

	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	v = syncmap_load_or_store(ctx->map, "k", 1, &ctx->vals[1], &loaded,
				  GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], v);
	KUNIT_EXPECT_TRUE(test, loaded);
	/* Again once the key is in the read table. */
	promote(test, ctx->map);
	loaded = false;
	v = syncmap_load_or_store(ctx->map, "k", 1, &ctx->vals[1], &loaded,
				  GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], v);
	KUNIT_EXPECT_TRUE(test, loaded);
	tctx_destroy(ctx);
	/* vals[1] was never the map's. */
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&ctx->vals[0].released));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&ctx->vals[1].released));
}

static void syncmap_test_load_or_store_errors(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 0);
	bool loaded = true;
	void *v;

	v = syncmap_load_or_store(ctx->map, "k", 1, NULL, &loaded,
				  GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, ERR_PTR(-EINVAL), v);
	KUNIT_EXPECT_FALSE(test, loaded);
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(ctx->map));
}

static void syncmap_test_load_or_store_deleted(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);
	bool loaded = true;
	void *v;

	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	promote(test, ctx->map);
	KUNIT_EXPECT_TRUE(test, syncmap_delete(ctx->map, "k", 1));
	v = syncmap_load_or_store(ctx->map, "k", 1, &ctx->vals[1], &loaded,
				  GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1], v);
	KUNIT_EXPECT_FALSE(test, loaded);
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[0]));
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(ctx->map));
}

/* ---- load_and_delete ---------------------------------------------------- */

static void syncmap_test_load_and_delete_present(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);

	store_ok(test, ctx->map, "read", 4, &ctx->vals[0]);
	promote(test, ctx->map);
	store_ok(test, ctx->map, "dirty", 5, &ctx->vals[1]);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0],
			    syncmap_load_and_delete(ctx->map, "read", 4));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1],
			    syncmap_load_and_delete(ctx->map, "dirty", 5));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(ctx->map));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "read", 4));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "dirty", 5));
	tctx_destroy(ctx);
	/* Handed back: the map must never release them. */
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&ctx->released));
}

static void syncmap_test_load_and_delete_absent(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);

	KUNIT_EXPECT_NULL(test, syncmap_load_and_delete(ctx->map, "k", 1));
	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	KUNIT_EXPECT_NOT_NULL(test, syncmap_load_and_delete(ctx->map,
							    "k", 1));
	KUNIT_EXPECT_NULL(test, syncmap_load_and_delete(ctx->map, "k", 1));
}

/* ---- delete ------------------------------------------------------------- */

static void syncmap_test_delete_present(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);

	store_ok(test, ctx->map, "read", 4, &ctx->vals[0]);
	promote(test, ctx->map);
	store_ok(test, ctx->map, "dirty", 5, &ctx->vals[1]);
	KUNIT_EXPECT_TRUE(test, syncmap_delete(ctx->map, "read", 4));
	KUNIT_EXPECT_TRUE(test, syncmap_delete(ctx->map, "dirty", 5));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[0]));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[1]));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(ctx->map));
}

static void syncmap_test_delete_absent(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);

	KUNIT_EXPECT_FALSE(test, syncmap_delete(ctx->map, "k", 1));
	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	KUNIT_EXPECT_TRUE(test, syncmap_delete(ctx->map, "k", 1));
	KUNIT_EXPECT_FALSE(test, syncmap_delete(ctx->map, "k", 1));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[0]));
}

/* ---- swap --------------------------------------------------------------- */

static void syncmap_test_swap_absent(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);

	KUNIT_EXPECT_NULL(test, syncmap_swap(ctx->map, "k", 1, &ctx->vals[0],
					     GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, "k", 1));
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(ctx->map));
}

static void syncmap_test_swap_present(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 3);

	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0],
			    syncmap_swap(ctx->map, "k", 1, &ctx->vals[1],
					 GFP_KERNEL));
	promote(test, ctx->map);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1],
			    syncmap_swap(ctx->map, "k", 1, &ctx->vals[2],
					 GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[2], load(ctx->map, "k", 1));
	tctx_destroy(ctx);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&ctx->vals[0].released));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&ctx->vals[1].released));
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&ctx->vals[2].released));
}

static void syncmap_test_swap_same_and_errors(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);

	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	/* The same pointer: unchanged, still the map's. */
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0],
			    syncmap_swap(ctx->map, "k", 1, &ctx->vals[0],
					 GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, ERR_PTR(-EINVAL),
			    syncmap_swap(ctx->map, "k", 1, NULL,
					 GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, "k", 1));
	tctx_destroy(ctx);
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&ctx->vals[0].released));
}

/* ---- compare_and_swap ------------------------------------------------- */

/*
 * On both kinds of map: a boxing one looks ahead before it allocates the
 * box, one of bare values swaps in one pass. The key is dirty-only for
 * the first swap, in the read table for the second.
 */
static void syncmap_test_compare_and_swap_match(struct kunit *test)
{
	bool boxed = param_boxed(test);
	struct tctx *ctx = tctx_new_map(test, 3, boxed);

	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	KUNIT_EXPECT_TRUE(test, syncmap_compare_and_swap(ctx->map, "k", 1,
							 &ctx->vals[0],
							 &ctx->vals[1]));
	promote(test, ctx->map);
	KUNIT_EXPECT_TRUE(test, syncmap_compare_and_swap(ctx->map, "k", 1,
							 &ctx->vals[1],
							 &ctx->vals[2]));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[2], load(ctx->map, "k", 1));
	KUNIT_EXPECT_EQ(test, (int)boxed, released(&ctx->vals[0]));
	KUNIT_EXPECT_EQ(test, (int)boxed, released(&ctx->vals[1]));
	KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[2]));
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(ctx->map));
}

static void syncmap_test_compare_and_swap_mismatch(struct kunit *test)
{
	bool boxed = param_boxed(test);
	struct tctx *ctx = tctx_new_map(test, 3, boxed);

	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	KUNIT_EXPECT_FALSE(test, syncmap_compare_and_swap(ctx->map, "k", 1,
							  &ctx->vals[1],
							  &ctx->vals[2]));
	promote(test, ctx->map);
	KUNIT_EXPECT_FALSE(test, syncmap_compare_and_swap(ctx->map, "k", 1,
							  &ctx->vals[1],
							  &ctx->vals[2]));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, "k", 1));
	tctx_destroy(ctx);
	KUNIT_EXPECT_EQ(test, (int)boxed,
			atomic_read(&ctx->vals[0].released));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&ctx->vals[2].released));
}

static void syncmap_test_compare_and_swap_absent(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 3, param_boxed(test));

	KUNIT_EXPECT_FALSE(test, syncmap_compare_and_swap(ctx->map, "k", 1,
							  &ctx->vals[0],
							  &ctx->vals[1]));
	/* Absent from an amended read table: the dirty table is asked. */
	store_ok(test, ctx->map, "j", 1, &ctx->vals[2]);
	KUNIT_EXPECT_TRUE(test, read_table(ctx->map)->amended);
	KUNIT_EXPECT_FALSE(test, syncmap_compare_and_swap(ctx->map, "k", 1,
							  &ctx->vals[0],
							  &ctx->vals[1]));
	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	promote(test, ctx->map);
	KUNIT_EXPECT_TRUE(test, syncmap_delete(ctx->map, "k", 1));
	/* Deleted: an old that was once there does not match. */
	KUNIT_EXPECT_FALSE(test, syncmap_compare_and_swap(ctx->map, "k", 1,
							  &ctx->vals[0],
							  &ctx->vals[1]));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "k", 1));
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(ctx->map));
	KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[1]));
}

static void syncmap_test_compare_and_swap_gfp(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);
	struct syncmap *map = ctx->map;

	KUNIT_EXPECT_EQ(test, -EINVAL,
			syncmap_compare_and_swap_gfp(map, "k", 1, NULL,
						     &ctx->vals[0],
						     GFP_KERNEL));
	store_ok(test, map, "k", 1, &ctx->vals[0]);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			syncmap_compare_and_swap_gfp(map, "k", 1,
						     &ctx->vals[0], NULL,
						     GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 0,
			syncmap_compare_and_swap_gfp(map, "k", 1,
						     &ctx->vals[1],
						     &ctx->vals[1],
						     GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 1,
			syncmap_compare_and_swap_gfp(map, "k", 1,
						     &ctx->vals[0],
						     &ctx->vals[1],
						     GFP_KERNEL));
	/* old == new: swapped, and nothing released. */
	KUNIT_EXPECT_EQ(test, 1,
			syncmap_compare_and_swap_gfp(map, "k", 1,
						     &ctx->vals[1],
						     &ctx->vals[1],
						     GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[0]));
	KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[1]));
}

/* ---- compare_and_delete ----------------------------------------------- */

static void syncmap_test_compare_and_delete_match(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);

	store_ok(test, ctx->map, "read", 4, &ctx->vals[0]);
	promote(test, ctx->map);
	store_ok(test, ctx->map, "dirty", 5, &ctx->vals[1]);
	KUNIT_EXPECT_TRUE(test, syncmap_compare_and_delete(ctx->map,
							   "read", 4,
							   &ctx->vals[0]));
	KUNIT_EXPECT_TRUE(test, syncmap_compare_and_delete(ctx->map,
							   "dirty", 5,
							   &ctx->vals[1]));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(ctx->map));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[0]));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[1]));
}

static void syncmap_test_compare_and_delete_mismatch(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);

	KUNIT_EXPECT_FALSE(test, syncmap_compare_and_delete(ctx->map, "k", 1,
							    &ctx->vals[0]));
	store_ok(test, ctx->map, "k", 1, &ctx->vals[0]);
	KUNIT_EXPECT_FALSE(test, syncmap_compare_and_delete(ctx->map, "k", 1,
							    &ctx->vals[1]));
	KUNIT_EXPECT_FALSE(test, syncmap_compare_and_delete(ctx->map, "k", 1,
							    NULL));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(ctx->map, "k", 1));
	KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[0]));
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(ctx->map));
}

/* ---- range -------------------------------------------------------------- */

struct range_state {
	struct tctx *ctx;
	int seen[64];
	int calls;
	int stop_after;
	int bad;
};

static bool range_count(const void *key, size_t len, void *value, void *arg)
{
	struct range_state *rs = arg;
	struct tval *v = value;
	char buf[8];

	snprintf(buf, sizeof(buf), "%d", v->key);
	/* Each value belongs to the key it is visited with. */
	if (len != strlen(buf) || memcmp(key, buf, len) || v->key >= 64)
		rs->bad++;
	else
		rs->seen[v->key]++;
	return ++rs->calls != rs->stop_after;
}

static void syncmap_test_range_each_once(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 64);
	struct range_state rs = { .ctx = ctx };
	int i;

	store_n(test, ctx, 0, 32);
	promote(test, ctx->map);
	store_n(test, ctx, 32, 64);	/* in the dirty table only */
	KUNIT_EXPECT_TRUE(test, syncmap_delete(ctx->map, "7", 1));
	syncmap_range(ctx->map, range_count, &rs);
	KUNIT_EXPECT_EQ(test, 0, rs.bad);
	KUNIT_EXPECT_EQ(test, 63, rs.calls);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, i == 7 ? 0 : 1, rs.seen[i]);
	/* Range promoted the amended dirty table. */
	KUNIT_EXPECT_NULL(test, dirty_table(ctx->map));
}

/* Counts visits of u32 keys 1..ARRAY_SIZE(seen) with value 2 * key. */
struct range_u32 {
	u8 seen[1100];
	int bad;
};

static bool range_count_u32(const void *key, size_t len, void *value,
			    void *arg)
{
	struct range_u32 *ru = arg;
	u32 k;

	if (len != sizeof(k))
		return ++ru->bad, true;
	memcpy(&k, key, sizeof(k));
	if (!k || k > ARRAY_SIZE(ru->seen) || value != (void *)(uintptr_t)(2 * k))
		ru->bad++;
	else
		ru->seen[k - 1]++;
	return true;
}

/*
 * A range during a dirty build that is not complete walks the read table
 * and the dirty table's own keys, each key once, without completing the
 * build (the keys copied so far are in both tables).
 */
static void syncmap_test_range_during_build(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct range_u32 *ru = kunit_kzalloc(test, sizeof(*ru), GFP_KERNEL);
	struct syncmap *map = ctx->map;
	struct syncmap_table *d;
	unsigned int copied;
	u32 k;
	int i, wrong = 0;

	KUNIT_ASSERT_NOT_NULL(test, ru);
	for (k = 1; k <= 1000; k++)
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	promote(test, map);
	for (k = 1001; k <= 1003; k++)
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	k = 500;
	KUNIT_EXPECT_TRUE(test, syncmap_delete(map, &k, sizeof(k)));
	d = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, d);
	copied = d->copied;
	KUNIT_ASSERT_LT(test, copied, read_table(map)->size);
	KUNIT_ASSERT_GT(test, d->count, 3);	/* copied keys, in both */
	syncmap_range(map, range_count_u32, ru);
	KUNIT_EXPECT_EQ(test, 0, ru->bad);
	for (i = 0; i < 1003; i++)
		wrong += ru->seen[i] != (i + 1 != 500);
	KUNIT_EXPECT_EQ(test, 0, wrong);
	KUNIT_EXPECT_PTR_EQ(test, d, dirty_table(map));
	KUNIT_EXPECT_EQ(test, copied, d->copied);
}

static void syncmap_test_range_stop(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 64);
	struct range_state rs = { .ctx = ctx, .stop_after = 5 };

	store_n(test, ctx, 0, 64);
	syncmap_range(ctx->map, range_count, &rs);
	KUNIT_EXPECT_EQ(test, 5, rs.calls);
	KUNIT_EXPECT_EQ(test, 0, rs.bad);
}

static void syncmap_test_range_empty(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);
	struct range_state rs = { .ctx = ctx };

	syncmap_range(ctx->map, range_count, &rs);
	KUNIT_EXPECT_EQ(test, 0, rs.calls);
	store_ok(test, ctx->map, "0", 1, &ctx->vals[0]);
	syncmap_delete(ctx->map, "0", 1);
	syncmap_range(ctx->map, range_count, &rs);
	KUNIT_EXPECT_EQ(test, 0, rs.calls);
}

/* fn calls back into the map: deletes what it sees, adds new keys. */
static bool range_mutate(const void *key, size_t len, void *value, void *arg)
{
	struct range_state *rs = arg;
	struct tval *v = value;
	char buf[12];

	rs->calls++;
	rs->seen[v->key]++;
	if (!syncmap_delete(rs->ctx->map, key, len))
		rs->bad++;
	if (v->key < 32) {
		snprintf(buf, sizeof(buf), "%d", v->key + 32);
		if (syncmap_store(rs->ctx->map, buf, strlen(buf),
				  &rs->ctx->vals[v->key + 32], GFP_ATOMIC))
			rs->bad++;
	}
	return true;
}

static void syncmap_test_range_reentrant(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 64);
	struct range_state rs = { .ctx = ctx };
	int i;

	store_n(test, ctx, 0, 32);
	syncmap_range(ctx->map, range_mutate, &rs);
	KUNIT_EXPECT_EQ(test, 0, rs.bad);
	/* Every stable key once; the keys added meanwhile: not twice. */
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, i < 32 ? 1 : 0, rs.seen[i]);
	KUNIT_EXPECT_EQ(test, 32, syncmap_len(ctx->map));
	for (i = 0; i < 32; i++)
		KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[i]));
}

/* ---- range_from ----------------------------------------------------------- */

#define RF_KEYS 200

/*
 * A key's place in the hash order of @epoch, as syncmap_range_from() gives
 * it: its tag in that epoch, in the top half.
 */
static u64 range_order(struct syncmap *map, unsigned int epoch,
		       const void *key, size_t len)
{
	return (u64)syncmap_tag(syncmap_hash_epoch(map, epoch, key, len)) << 32;
}

struct rf_state {
	struct tctx *ctx;
	unsigned int epoch;
	int seen[RF_KEYS * 2];
	u64 last_hash;
	int taken;
	int batch;
	int bad;
};

/* Takes at most @batch keys per call, checking ascending hash order. */
static bool rf_take(const void *key, size_t len, void *value, u64 hash,
		    void *arg)
{
	struct rf_state *rs = arg;
	struct tval *v = value;

	if (rs->taken == rs->batch)
		return false;
	if (hash < rs->last_hash || v->key >= RF_KEYS * 2 ||
	    hash != range_order(rs->ctx->map, rs->epoch, key, len))
		rs->bad++;
	else
		rs->seen[v->key]++;
	rs->last_hash = hash;
	rs->taken++;
	return true;
}

static int rf_walk(struct rf_state *rs, u64 *pos)
{
	bool done;

	rs->taken = 0;
	done = syncmap_range_from(rs->ctx->map, pos, rf_take, rs);
	if (!done && (!*pos || !syncmap_range_pos_valid(*pos)))
		rs->bad++;	/* a place to resume at that would be refused */
	return done ? -1 : rs->taken;
}

/*
 * A position to resume at is told from a made-up one (what the device's
 * RANGE relies on to refuse cursors it did not issue): 0 and every
 * position syncmap_range_from() gives are valid (rf_walk() checks those),
 * values with any other bit of the bottom half set, or epoch 3, are not,
 * and no random value of 4096 is.
 */
static void syncmap_test_range_pos_valid(struct kunit *test)
{
	u64 tag = 0x9e3779b9ULL << 32;
	unsigned int i, valid = 0;
	u64 r;

	KUNIT_EXPECT_TRUE(test, syncmap_range_pos_valid(0));
	KUNIT_EXPECT_TRUE(test, syncmap_range_pos_valid(tag));
	for (i = 0; i <= SYNCMAP_EPOCH_SIPHASH; i++)
		KUNIT_EXPECT_TRUE(test, syncmap_range_pos_valid(tag | i << 1));
	KUNIT_EXPECT_FALSE(test, syncmap_range_pos_valid(tag | 3 << 1));
	KUNIT_EXPECT_FALSE(test, syncmap_range_pos_valid(tag | 1));
	for (i = 3; i < 32; i++)
		KUNIT_EXPECT_FALSE(test, syncmap_range_pos_valid(tag | BIT_ULL(i)));
	for (i = 0; i < 4096; i++) {
		get_random_bytes(&r, sizeof(r));
		valid += syncmap_range_pos_valid(r);
	}
	KUNIT_EXPECT_EQ(test, 0, valid);
}

static void syncmap_test_range_from_ordered(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, RF_KEYS);
	struct rf_state *rs = kunit_kzalloc(test, sizeof(*rs), GFP_KERNEL);
	u64 pos = 0;
	int i, calls = 0;

	KUNIT_ASSERT_NOT_NULL(test, rs);
	rs->ctx = ctx;
	rs->batch = 7;
	store_n(test, ctx, 0, RF_KEYS);
	while (rf_walk(rs, &pos) >= 0 && calls < 1000)
		calls++;
	KUNIT_EXPECT_EQ(test, 0, rs->bad);
	KUNIT_EXPECT_EQ(test, RF_KEYS / 7, calls);
	for (i = 0; i < RF_KEYS; i++)
		KUNIT_EXPECT_EQ(test, 1, rs->seen[i]);
	/* A cursor past everything finds nothing. */
	pos = U64_MAX;
	rs->taken = 0;
	syncmap_range_from(ctx->map, &pos, rf_take, rs);
	KUNIT_EXPECT_LE(test, rs->taken, 1);
}

/*
 * Between calls the map changes under the cursor: keys deleted, added,
 * tables rebuilt and promoted. Stable keys come exactly once, none twice.
 */
static void syncmap_test_range_from_across_promotions(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, RF_KEYS * 2);
	struct rf_state *rs = kunit_kzalloc(test, sizeof(*rs), GFP_KERNEL);
	unsigned long promotions;
	int i, calls = 0, n = RF_KEYS;
	u64 pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, rs);
	rs->ctx = ctx;
	rs->batch = 5;
	store_n(test, ctx, 0, RF_KEYS);
	promotions = ctx->map->counters.promotions;
	while (rf_walk(rs, &pos) >= 0 && calls++ < 1000) {
		char key[8];

		/* Churn the odd keys; the even ones stay put. */
		snprintf(key, sizeof(key), "%d", (calls * 2 + 1) % RF_KEYS);
		syncmap_delete(ctx->map, key, strlen(key));
		if (n < RF_KEYS * 2)
			store_n(test, ctx, n, n + 1);
		n++;
		promote(test, ctx->map);
		rs->last_hash = 0;	/* order holds within a call only */
	}
	KUNIT_EXPECT_EQ(test, 0, rs->bad);
	KUNIT_EXPECT_GT(test, ctx->map->counters.promotions, promotions + 10);
	for (i = 0; i < RF_KEYS * 2; i++) {
		KUNIT_EXPECT_LE(test, rs->seen[i], 1);
		if (i < RF_KEYS && !(i & 1))
			KUNIT_EXPECT_EQ(test, 1, rs->seen[i]);
	}
}

/* ---- nursery: a big dirty table allocated by a worker ---------------- */

/* Keys enough that the next dirty table is above SYNCMAP_GROW_INLINE. */
#define NURSERY_BASE	5000
/* New keys a nursery takes: 3/4 of its slots. */
#define NURSERY_ROOM	(SYNCMAP_NURSERY / 4 * 3)

/*
 * A map of NURSERY_BASE keys, all in its read table, whose next new key
 * starts a nursery; its worker runs only when the test says (grow_now()).
 */
static struct tctx *nursery_map(struct kunit *test, int nvals)
{
	struct tctx *ctx = tctx_new(test, nvals);

	ctx->map->grow_manual = true;
	store_n(test, ctx, 0, NURSERY_BASE);
	grow_now(ctx->map);
	promote(test, ctx->map);
	return ctx;
}

/*
 * The first new key over a large read table starts a nursery, not the
 * table (which would take the writer O(n) to allocate); new keys go
 * there, and are found there. The worker's table takes it over, a step
 * at a time with each new key, before the read table's entries; lookups
 * find the nursery's keys through f->pending until it has them all.
 */
static void syncmap_test_nursery_takeover(struct kunit *test)
{
	struct tctx *ctx = nursery_map(test, NURSERY_BASE + 400);
	struct syncmap *map = ctx->map;
	u64 nurseries = map->counters.nurseries;
	struct syncmap_table *n, *f;
	unsigned int adopted;
	char key[12];
	int i, end;

	store_n(test, ctx, NURSERY_BASE, NURSERY_BASE + 50);
	n = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, n);
	KUNIT_EXPECT_TRUE(test, n->nursery);
	KUNIT_EXPECT_EQ(test, SYNCMAP_NURSERY, n->size);
	KUNIT_EXPECT_EQ(test, 50, n->count);
	KUNIT_EXPECT_EQ(test, nurseries + 1, map->counters.nurseries);
	expect_all(test, ctx, 0, NURSERY_BASE + 50);
	/* A nursery is never promoted, however many misses. */
	for (i = 0; i < 200; i++)
		load(map, "5010", 4);
	KUNIT_EXPECT_PTR_EQ(test, n, dirty_table(map));

	grow_now(map);
	f = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_FALSE(test, f->nursery);
	KUNIT_EXPECT_PTR_EQ(test, n, f->pending);
	KUNIT_EXPECT_EQ(test, 0, f->adopted);
	KUNIT_EXPECT_EQ(test, 0, f->count);
	KUNIT_EXPECT_GE(test, f->size, 2 * (NURSERY_BASE + 50));
	expect_all(test, ctx, 0, NURSERY_BASE + 50);
	/* A key in the nursery is found there by writers too: no new key. */
	store_n(test, ctx, NURSERY_BASE + 1, NURSERY_BASE + 2);
	KUNIT_EXPECT_EQ(test, NURSERY_BASE + 50, syncmap_len(map));

	/*
	 * Each new key runs a step (so do lookups that found their key in
	 * the nursery once the misses reach f's count: those just now).
	 */
	adopted = f->adopted;
	KUNIT_ASSERT_LT(test, adopted + 3 * SYNCMAP_COPY_STEP, SYNCMAP_NURSERY);
	store_n(test, ctx, NURSERY_BASE + 50, NURSERY_BASE + 53);
	KUNIT_EXPECT_EQ(test, adopted + 3 * SYNCMAP_COPY_STEP, f->adopted);
	KUNIT_EXPECT_PTR_EQ(test, n, f->pending);
	store_n(test, ctx, NURSERY_BASE + 53, NURSERY_BASE + 60);
	expect_all(test, ctx, 0, NURSERY_BASE + 60);
	for (end = NURSERY_BASE + 60; f->pending && end < ctx->nvals; end++)
		store_n(test, ctx, end, end + 1);
	KUNIT_EXPECT_NULL(test, f->pending);
	KUNIT_EXPECT_EQ(test, SYNCMAP_NURSERY, f->adopted);
	for (i = NURSERY_BASE; i < NURSERY_BASE + 100; i++) {
		snprintf(key, sizeof(key), "%d", i);
		KUNIT_EXPECT_NOT_NULL(test, table_entry(map, f, key,
							strlen(key)));
	}
	expect_all(test, ctx, 0, end);
	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, f, read_table(map));
	expect_all(test, ctx, 0, end);
	KUNIT_EXPECT_EQ(test, end, syncmap_len(map));
}

/*
 * A worker that is late (or failed) leaves a full nursery to the writer
 * whose key does not fit: it allocates the table itself, which takes
 * the nursery over as the worker's would. The worker then finds nothing
 * to do.
 */
static void syncmap_test_nursery_full(struct kunit *test)
{
	struct tctx *ctx = nursery_map(test, NURSERY_BASE + NURSERY_ROOM + 1);
	struct syncmap *map = ctx->map;
	struct syncmap_table *n, *f;
	u64 builds;

	store_n(test, ctx, NURSERY_BASE, NURSERY_BASE + NURSERY_ROOM);
	n = dirty_table(map);
	KUNIT_ASSERT_TRUE(test, n->nursery);
	KUNIT_EXPECT_EQ(test, NURSERY_ROOM, n->count);
	builds = map->counters.dirty_builds;
	store_n(test, ctx, NURSERY_BASE + NURSERY_ROOM,
		NURSERY_BASE + NURSERY_ROOM + 1);
	f = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_EXPECT_FALSE(test, f->nursery);
	KUNIT_EXPECT_PTR_EQ(test, n, f->pending);
	KUNIT_EXPECT_EQ(test, builds + 1, map->counters.dirty_builds);
	expect_all(test, ctx, 0, NURSERY_BASE + NURSERY_ROOM + 1);
	grow_now(map);
	KUNIT_EXPECT_PTR_EQ(test, f, dirty_table(map));
	KUNIT_EXPECT_EQ(test, builds + 1, map->counters.dirty_builds);
	promote(test, map);
	expect_all(test, ctx, 0, NURSERY_BASE + NURSERY_ROOM + 1);
}

/*
 * The table that takes over a nursery counts the nursery's keys among its
 * new ones (d->nr_new), so that, like any other, it is full, and promoted,
 * at three quarters of its slots: filled with new keys until then, the
 * read table it becomes holds no more.
 */
static void syncmap_test_nursery_load_bound(struct kunit *test)
{
	const int n = NURSERY_BASE + NURSERY_ROOM + 30000;
	struct tctx *ctx = nursery_map(test, n);
	struct syncmap *map = ctx->map;
	struct syncmap_table *f, *r;
	int i = NURSERY_BASE + NURSERY_ROOM;

	store_n(test, ctx, NURSERY_BASE, i);	/* a full nursery */
	grow_now(map);
	f = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, f->pending);
	for (; dirty_table(map) == f && i < n; i++)
		store_n(test, ctx, i, i + 1);
	r = read_table(map);
	KUNIT_ASSERT_PTR_EQ(test, f, r);
	KUNIT_EXPECT_LE(test, r->count, r->size / 4 * 3);
	expect_all(test, ctx, 0, i);
}

/*
 * A lookup that read f->pending while it named the nursery, and is then
 * overtaken by the whole takeover (the nursery's entries moved into f,
 * pending cleared, the nursery queued for freeing), still finds its key:
 * staged at the race point between its read of pending and its probes
 * (the key is then in f), and at the one between its probe of f (which
 * lacked the key) and its probe of the nursery, which must still be
 * there, and must have been named by pending before f was probed.
 */
/* What a race hook did: 1 once it ran, more if something failed in it. */
static int race_hits;
static struct tctx *race_ctx;
static int race_calls;
static int race_at;

static void hook_finish_takeover(struct syncmap *map, struct syncmap_entry *e)
{
	struct syncmap_table *f = rcu_dereference_protected(map->dirty, true);
	char key[12];
	int i = NURSERY_BASE + 100;

	if (++race_calls != race_at)
		return;
	WRITE_ONCE(map->race_hook, NULL);
	while (f->pending && i < race_ctx->nvals) {
		snprintf(key, sizeof(key), "%d", i);
		if (syncmap_store(map, key, strlen(key), &race_ctx->vals[i++],
				  GFP_ATOMIC))
			race_hits += 100;
	}
	race_hits++;
}

/* The lookup's race points: after its read of pending, after its probe */
static const int takeover_points[] = { 2, 3 };

static void takeover_desc(const int *at, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *at == 2 ? "before the probes" : "between the probes");
}

KUNIT_ARRAY_PARAM(takeover, takeover_points, takeover_desc);

static void syncmap_test_nursery_lookup_overtaken(struct kunit *test)
{
	struct tctx *ctx = nursery_map(test, NURSERY_BASE + 500);
	struct syncmap *map = ctx->map;
	struct syncmap_table *f;

	store_n(test, ctx, NURSERY_BASE, NURSERY_BASE + 100);
	grow_now(map);
	f = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, f->pending);
	KUNIT_ASSERT_EQ(test, 0, f->adopted);
	race_ctx = ctx;
	race_calls = 0;
	race_hits = 0;
	race_at = *(const int *)test->param_value;
	map->race_hook = hook_finish_takeover;
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[NURSERY_BASE + 99],
			    load(map, "5099", 4));
	KUNIT_EXPECT_EQ(test, 1, race_hits);
	KUNIT_EXPECT_NULL(test, f->pending);
	KUNIT_EXPECT_PTR_EQ(test, f, dirty_table(map));
}

struct nursery_range {
	struct tctx *ctx;
	int *seen;
	int bad;
	u64 last_hash;
	int taken;
	int batch;
};

static bool nursery_range_key(struct nursery_range *nr, const void *key,
			      size_t len, void *value)
{
	struct tval *v = value;
	char buf[12];

	snprintf(buf, sizeof(buf), "%d", v->key);
	if (v->key >= nr->ctx->nvals || len != strlen(buf) ||
	    memcmp(key, buf, len))
		return false;
	nr->seen[v->key]++;
	return true;
}

static bool nursery_range_fn(const void *key, size_t len, void *value,
			     void *arg)
{
	struct nursery_range *nr = arg;

	if (!nursery_range_key(nr, key, len, value))
		nr->bad++;
	return true;
}

static bool nursery_range_from_fn(const void *key, size_t len, void *value,
				  u64 hash, void *arg)
{
	struct nursery_range *nr = arg;

	if (nr->taken == nr->batch)
		return false;
	if (hash < nr->last_hash ||
	    hash != range_order(nr->ctx->map, 0, key, len) ||
	    !nursery_range_key(nr, key, len, value))
		nr->bad++;
	nr->last_hash = hash;
	nr->taken++;
	return true;
}

/* Both ranges see every key once, @to keys, read table and nursery. */
static void expect_ranges(struct kunit *test, struct nursery_range *nr,
			  int to)
{
	int i, calls = 0, once = 0;
	u64 pos = 0;

	memset(nr->seen, 0, sizeof(*nr->seen) * nr->ctx->nvals);
	nr->bad = 0;
	syncmap_range(nr->ctx->map, nursery_range_fn, nr);
	for (i = 0; i < to; i++)
		once += nr->seen[i] == 1;
	KUNIT_EXPECT_EQ(test, to, once);
	KUNIT_EXPECT_EQ(test, 0, nr->bad);

	memset(nr->seen, 0, sizeof(*nr->seen) * nr->ctx->nvals);
	nr->last_hash = 0;
	nr->batch = 7;
	do {
		nr->taken = 0;
	} while (!syncmap_range_from(nr->ctx->map, &pos,
				     nursery_range_from_fn, nr) &&
		 ++calls < 10000);
	for (i = 0, once = 0; i < to; i++)
		once += nr->seen[i] == 1;
	KUNIT_EXPECT_EQ(test, to, once);
	KUNIT_EXPECT_EQ(test, 0, nr->bad);
}

/*
 * syncmap_range() walks the nursery as it walks a dirty table, and
 * during a takeover before the table taking it over; syncmap_range_from()
 * merges the nursery's keys into the read table's hash order (a nursery
 * cannot be promoted), and completes a takeover as it completes builds.
 */
static void syncmap_test_nursery_range(struct kunit *test)
{
	struct tctx *ctx = nursery_map(test, NURSERY_BASE + 200);
	struct syncmap *map = ctx->map;
	struct nursery_range nr = { .ctx = ctx };

	nr.seen = kunit_kzalloc(test, sizeof(*nr.seen) * ctx->nvals,
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, nr.seen);
	store_n(test, ctx, NURSERY_BASE, NURSERY_BASE + 100);
	expect_ranges(test, &nr, NURSERY_BASE + 100);
	KUNIT_EXPECT_TRUE(test, dirty_table(map)->nursery);

	grow_now(map);
	store_n(test, ctx, NURSERY_BASE + 100, NURSERY_BASE + 110);
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map)->pending);
	nr.last_hash = 0;
	memset(nr.seen, 0, sizeof(*nr.seen) * ctx->nvals);
	syncmap_range(map, nursery_range_fn, &nr);
	KUNIT_EXPECT_EQ(test, 0, nr.bad);
	KUNIT_EXPECT_NOT_NULL(test, dirty_table(map)->pending);
	expect_ranges(test, &nr, NURSERY_BASE + 110);
	KUNIT_EXPECT_NULL(test, dirty_table(map));	/* range_from promoted */
}

/*
 * Clear and destroy drop a nursery, and a table taking one over with the
 * nursery, releasing every value once; a worker queued for a map being
 * destroyed is cancelled first.
 */
/* Entries of the nursery @f is taking over that @f has adopted so far. */
static unsigned int adopted_entries(const struct syncmap_table *f)
{
	unsigned int i, n = 0;

	for (i = 0; i < f->adopted; i++)
		n += !!f->pending->slots[i].entry;
	return n;
}

#ifdef CONFIG_FAILSLAB
/*
 * Whether failslab fails an allocation that may sleep. By default it
 * spares them (its debugfs ignore-gfp-wait is Y); the test VM turns that
 * off, a kernel booted to run KUnit cannot.
 */
static bool failslab_fails_sleeping(void)
{
	void *p;

	current->fail_nth = 1;
	p = kmalloc(8, GFP_KERNEL);
	current->fail_nth = 0;
	kfree(p);
	return !p;
}

/* syncmap_clear() whose new empty table cannot be had: a clear in place. */
static void clear_failing_alloc(struct kunit *test, struct syncmap *map)
{
	if (!failslab_fails_sleeping())
		kunit_skip(test, "failslab spares GFP_KERNEL (ignore-gfp-wait)");
	current->fail_nth = 1;	/* the new empty table's allocation fails */
	syncmap_clear(map);
	KUNIT_EXPECT_EQ(test, 0, current->fail_nth);
	current->fail_nth = 0;
}
#endif

/*
 * Keys 0 .. NURSERY_BASE - 1 in the read table, the next 100 in a nursery
 * that the dirty table returned has just begun to take over.
 */
static struct syncmap_table *takeover_begun(struct kunit *test,
					    struct tctx *ctx)
{
	struct syncmap_table *f;

	store_n(test, ctx, 0, NURSERY_BASE);
	grow_now(ctx->map);
	promote(test, ctx->map);
	store_n(test, ctx, NURSERY_BASE, NURSERY_BASE + 100);
	grow_now(ctx->map);
	f = dirty_table(ctx->map);
	KUNIT_ASSERT_NOT_NULL(test, f->pending);
	return f;
}

static void syncmap_test_nursery_clear(struct kunit *test)
{
	struct tctx *ctx = nursery_map(test, NURSERY_BASE + 400);
	struct syncmap *map = ctx->map;
	struct syncmap_table *f;
	int end, released;

	store_n(test, ctx, NURSERY_BASE, NURSERY_BASE + 50);
	KUNIT_ASSERT_TRUE(test, dirty_table(map)->nursery);
	syncmap_clear(map);
	settle();
	KUNIT_EXPECT_EQ(test, NURSERY_BASE + 50, atomic_read(&ctx->released));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));

	takeover_begun(test, ctx);
	syncmap_clear(map);
	settle();
	KUNIT_EXPECT_EQ(test, 2 * NURSERY_BASE + 150,
			atomic_read(&ctx->released));

	/*
	 * Cleared part way through the takeover, with entries both in the
	 * nursery and in the table that adopted them: each is freed once
	 * (a double free, or a leak, shows under KASAN/kmemleak and ASan).
	 */
	f = takeover_begun(test, ctx);
	for (end = NURSERY_BASE + 100;
	     f->pending && !adopted_entries(f) && end < ctx->nvals; end++)
		store_n(test, ctx, end, end + 1);
	KUNIT_ASSERT_NOT_NULL(test, f->pending);
	KUNIT_ASSERT_GT(test, adopted_entries(f), 0);
	syncmap_clear(map);
	settle();
	KUNIT_EXPECT_EQ(test, 2 * NURSERY_BASE + 150 + end,
			atomic_read(&ctx->released));
	released = atomic_read(&ctx->released);

#ifdef CONFIG_FAILSLAB
	/*
	 * Cleared in place (its empty table not to be had) part way through
	 * a takeover: the nursery's keys not adopted yet are deleted too.
	 */
	f = takeover_begun(test, ctx);
	store_n(test, ctx, NURSERY_BASE + 100, NURSERY_BASE + 101);
	KUNIT_ASSERT_NOT_NULL(test, f->pending);
	KUNIT_ASSERT_GT(test, f->adopted, 0);
	clear_failing_alloc(test, map);
	KUNIT_EXPECT_PTR_EQ(test, f, dirty_table(map));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
	KUNIT_EXPECT_NULL(test, load(map, "5050", 4));
	settle();
	KUNIT_EXPECT_EQ(test, released + NURSERY_BASE + 101,
			atomic_read(&ctx->released));
	released = atomic_read(&ctx->released);
#endif

	/* Destroyed with its worker queued (not manual: it may run). */
	map->grow_manual = false;
	store_n(test, ctx, 0, NURSERY_BASE);
	grow_now(map);
	promote(test, map);
	store_n(test, ctx, NURSERY_BASE, NURSERY_BASE + 1);
	syncmap_destroy(map);
	ctx->map = NULL;
	settle();
	KUNIT_EXPECT_EQ(test, released + NURSERY_BASE + 1,
			atomic_read(&ctx->released));
}

/* ---- clear / len ---------------------------------------------------------- */

static void syncmap_test_clear_releases_all(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 64);
	struct range_state rs = { .ctx = ctx };
	int i;

	store_n(test, ctx, 0, 32);
	promote(test, ctx->map);
	store_n(test, ctx, 32, 64);
	syncmap_clear(ctx->map);
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(ctx->map));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "3", 1));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "40", 2));
	syncmap_range(ctx->map, range_count, &rs);
	KUNIT_EXPECT_EQ(test, 0, rs.calls);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[i]));
	syncmap_clear(ctx->map);	/* empty: nothing to do */
	KUNIT_EXPECT_EQ(test, 64, atomic_read(&ctx->released));
}

/*
 * A small map is cleared in place: its tables stay, every entry deleted
 * (NULL), and nothing is allocated or freed. So is a large map whose new
 * empty table cannot be allocated; otherwise a large one gets a new table.
 */
static void syncmap_test_clear_in_place(struct kunit *test)
{
	const int n = 1500;
	struct tctx *ctx = tctx_new(test, n + 2);
	struct syncmap *map = ctx->map;
	struct syncmap_table *r;
	struct syncmap_entry *e;
	int stored = n + 1;

	store_n(test, ctx, 0, 4);
	promote(test, map);
	r = read_table(map);
	e = table_entry(map, r, "1", 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
#ifdef CONFIG_FAILSLAB
	current->fail_nth = 1;	/* the next allocation would fail */
#endif
	syncmap_clear(map);
#ifdef CONFIG_FAILSLAB
	KUNIT_EXPECT_EQ(test, 1, current->fail_nth);	/* none was made */
	current->fail_nth = 0;
#endif
	KUNIT_EXPECT_PTR_EQ(test, r, read_table(map));
	KUNIT_EXPECT_NULL(test, entry_state(e));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
	KUNIT_EXPECT_NULL(test, load(map, "1", 1));
	KUNIT_EXPECT_EQ(test, 4, released(&ctx->vals[0]) +
			released(&ctx->vals[1]) + released(&ctx->vals[2]) +
			released(&ctx->vals[3]));
	store_ok(test, map, "1", 1, &ctx->vals[n]);	/* into the same entry */
	KUNIT_EXPECT_PTR_EQ(test, e, table_entry(map, read_table(map), "1", 1));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[n], load(map, "1", 1));

	store_n(test, ctx, 4, n);
	promote(test, map);
	r = read_table(map);
	KUNIT_ASSERT_GT(test, r->size, SYNCMAP_CLEAR_IN_PLACE);
#ifdef CONFIG_FAILSLAB
	clear_failing_alloc(test, map);
	KUNIT_EXPECT_PTR_EQ(test, r, read_table(map));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
	KUNIT_EXPECT_NULL(test, load(map, "500", 3));
	store_ok(test, map, "500", 3, &ctx->vals[n + 1]);
	stored++;
#endif
	syncmap_clear(map);
	KUNIT_EXPECT_PTR_NE(test, r, read_table(map));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
	settle();
	KUNIT_EXPECT_EQ(test, stored, atomic_read(&ctx->released));
}

static void syncmap_test_clear_then_reuse(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 64);

	store_n(test, ctx, 0, 10);
	syncmap_clear(ctx->map);
	store_n(test, ctx, 10, 20);
	KUNIT_EXPECT_EQ(test, 10, syncmap_len(ctx->map));
	KUNIT_EXPECT_NULL(test, load(ctx->map, "5", 1));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[15], load(ctx->map, "15", 2));
	tctx_destroy(ctx);
	KUNIT_EXPECT_EQ(test, 20, atomic_read(&ctx->released));
}

static void syncmap_test_len(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 4);
	struct syncmap *map = ctx->map;
	bool loaded;

	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
	store_ok(test, map, "a", 1, &ctx->vals[0]);
	store_ok(test, map, "b", 1, &ctx->vals[1]);
	store_ok(test, map, "a", 1, &ctx->vals[2]);
	KUNIT_EXPECT_EQ(test, 2, syncmap_len(map));
	syncmap_load_or_store(map, "b", 1, &ctx->vals[3], &loaded,
			      GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, 2, syncmap_len(map));
	syncmap_delete(map, "a", 1);
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(map));
	syncmap_load_and_delete(map, "b", 1);
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
	syncmap_swap(map, "a", 1, &ctx->vals[3], GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(map));
}

static void syncmap_test_stats(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 4);
	struct syncmap_counters st;

	store_n(test, ctx, 0, 4);
	syncmap_get_counters(ctx->map, &st);
	KUNIT_EXPECT_EQ(test, 4, st.entries);
	KUNIT_EXPECT_EQ(test, 0, st.read_slots);
	KUNIT_EXPECT_EQ(test, 4, st.dirty_slots);
	KUNIT_EXPECT_EQ(test, 1, st.dirty_builds);
	promote(test, ctx->map);
	syncmap_get_counters(ctx->map, &st);
	KUNIT_EXPECT_EQ(test, 4, st.read_slots);
	KUNIT_EXPECT_EQ(test, 0, st.dirty_slots);
	KUNIT_EXPECT_EQ(test, 1, st.promotions);
	KUNIT_EXPECT_GE(test, st.misses, 4);
}

/* ---- internals, driven deterministically ---------------------------- */

/*
 * Promotion is due once the misses reach the dirty table's entries, as in
 * Go. A CPU adds its lookups' misses in batches: SYNCMAP_MISS_BATCH
 * once in as many lookups that found their key in the dirty table, and
 * once in SYNCMAP_MISS_TICKS / SYNCMAP_MISS_BATCH times that many lookups
 * of absent keys; the lookups in between add nothing.
 */
static void syncmap_test_promote_after_misses(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct syncmap *map = ctx->map;
	struct syncmap_table *d, *t[2];
	u32 k, hit = 0, absent = 1U << 31;
	long due, m[4];
	unsigned int i;

	for (k = 1; k <= 2000; k++)
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	d = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, d);
	for (k = 2000; k && !hit; k--)
		if (!table_entry(map, read_table(map), &k, sizeof(k)))
			hit = k;
	KUNIT_ASSERT_NE(test, 0, hit);
	due = d->count;
	KUNIT_ASSERT_GT(test, due, 3 * SYNCMAP_MISS_BATCH);
	atomic_long_set(&map->misses, due - 3 * SYNCMAP_MISS_BATCH);

	/* On one CPU throughout; the results are checked after. */
	preempt_disable();
	i = __load_until_batch(map, &absent, sizeof(absent),
			       SYNCMAP_MISS_TICKS);
	m[0] = atomic_long_read(&map->misses);
	/* Absent keys: a batch in SYNCMAP_MISS_TICKS lookups, exactly. */
	load_n(map, &absent, sizeof(absent), SYNCMAP_MISS_TICKS - 1);
	m[1] = atomic_long_read(&map->misses);
	load_n(map, &absent, sizeof(absent), 1);
	m[2] = atomic_long_read(&map->misses);
	/* Hits: a batch in SYNCMAP_MISS_BATCH lookups, exactly. */
	load_n(map, &hit, sizeof(hit), SYNCMAP_MISS_BATCH - 1);
	m[3] = atomic_long_read(&map->misses);
	t[0] = dirty_table(map);
	load_n(map, &hit, sizeof(hit), 1);	/* the batch that is due */
	t[1] = dirty_table(map);
	preempt_enable();

	KUNIT_EXPECT_GE(test, SYNCMAP_MISS_TICKS, i);
	KUNIT_EXPECT_EQ(test, due - 2 * SYNCMAP_MISS_BATCH, m[0]);
	KUNIT_EXPECT_EQ(test, due - 2 * SYNCMAP_MISS_BATCH, m[1]);
	KUNIT_EXPECT_EQ(test, due - SYNCMAP_MISS_BATCH, m[2]);
	KUNIT_EXPECT_EQ(test, due - SYNCMAP_MISS_BATCH, m[3]);
	KUNIT_EXPECT_PTR_EQ(test, d, t[0]);
	KUNIT_EXPECT_NULL(test, t[1]);
	KUNIT_EXPECT_PTR_EQ(test, d, read_table(map));
	KUNIT_EXPECT_EQ(test, 0, atomic_long_read(&map->misses));
	KUNIT_EXPECT_FALSE(test, read_table(map)->amended);
	for (k = 1, i = 0; k <= 2000; k++)
		i += !table_entry(map, read_table(map), &k, sizeof(k));
	KUNIT_EXPECT_EQ(test, 0, i);
}

/*
 * A map whose dirty-only keys nobody reads is promoted by lookups of
 * absent keys all the same: SYNCMAP_MISS_TICKS of them on a CPU count a
 * batch of misses, due for a table of 8 entries. Absent keys are then
 * answered from the read table alone.
 */
static void syncmap_test_absent_lookups_promote(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 8);
	struct syncmap *map = ctx->map;
	struct syncmap_table *d;
	u64 misses;
	u32 k = 1000;

	store_n(test, ctx, 0, 8);
	d = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_TRUE(test, read_table(map)->amended);
	KUNIT_ASSERT_EQ(test, d->copied, read_table(map)->size);
	atomic_long_set(&map->misses, 0);
	misses = map->counters.misses;
	KUNIT_EXPECT_LE(test, 1,
			load_until_batch(map, &k, sizeof(k),
					 SYNCMAP_MISS_TICKS));
	KUNIT_EXPECT_PTR_EQ(test, d, read_table(map));
	KUNIT_EXPECT_FALSE(test, read_table(map)->amended);
	KUNIT_EXPECT_EQ(test, 0, atomic_long_read(&map->misses));
	KUNIT_EXPECT_EQ(test, misses + SYNCMAP_MISS_BATCH,
			map->counters.misses);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[7], load(map, "7", 1));
}

#ifdef SHIM_DEBUG_ATOMIC_SLEEP
/*
 * Every entry point that may sleep or allocate says so on every call
 * (might_sleep(), might_alloc()), also when this call does neither: a
 * store over an existing key of a map of bare values is one cmpxchg, and
 * a clear of a small map allocates nothing, yet each, called in atomic
 * context with flags that may sleep, is a caller's bug that must show the
 * first time it runs, not only once the call happens to allocate. The
 * user-space build reports each such call as CONFIG_DEBUG_ATOMIC_SLEEP
 * does, and counts it here instead; a kernel test cannot provoke the
 * report, which is a splat. With atomic flags nothing is reported.
 */
static void syncmap_test_might_sleep(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct syncmap *map = ctx->map;
	void *one = (void *)(uintptr_t)2, *two = (void *)(uintptr_t)4;
	unsigned long n;
	spinlock_t lock;	/* the atomic context of the calls */
	bool loaded;

	spin_lock_init(&lock);
	store_ok(test, map, "k", 1, one);
	promote(test, map);
	n = shim_atomic_sleeps;
	store_ok(test, map, "k", 1, two);	/* not atomic: nothing to say */
	KUNIT_EXPECT_EQ(test, n, shim_atomic_sleeps);

	shim_expect_atomic_sleep = true;
	spin_lock(&lock);
	n = shim_atomic_sleeps;
	KUNIT_EXPECT_EQ(test, 0, syncmap_store(map, "k", 1, one, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, n + 1, shim_atomic_sleeps);
	KUNIT_EXPECT_PTR_EQ(test, one,
			    syncmap_swap(map, "k", 1, two, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, n + 2, shim_atomic_sleeps);
	KUNIT_EXPECT_PTR_EQ(test, two,
			    syncmap_load_or_store(map, "k", 1, one, &loaded,
						  GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, n + 3, shim_atomic_sleeps);
	KUNIT_EXPECT_EQ(test, 1,
			syncmap_compare_and_swap_gfp(map, "k", 1, two, one,
						     GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, n + 4, shim_atomic_sleeps);
	/* atomic flags, and the calls that never sleep */
	KUNIT_EXPECT_EQ(test, 0, syncmap_store(map, "k", 1, two, GFP_ATOMIC));
	KUNIT_EXPECT_TRUE(test, syncmap_compare_and_swap(map, "k", 1, two, one));
	KUNIT_EXPECT_PTR_EQ(test, one, load(map, "k", 1));
	KUNIT_EXPECT_TRUE(test, syncmap_delete(map, "k", 1));
	KUNIT_EXPECT_EQ(test, n + 4, shim_atomic_sleeps);
	spin_unlock(&lock);

	rcu_read_lock();
	n = shim_atomic_sleeps;
	syncmap_clear(map);
	KUNIT_EXPECT_EQ(test, n + 1, shim_atomic_sleeps);
	rcu_read_unlock();
	shim_expect_atomic_sleep = false;
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
}
#endif

#ifdef SHIM_COUNT_WRITES
/*
 * What a lookup writes to memory that other CPUs use, as the user-space
 * build counts it (SHIM_COUNT_WRITES: every atomic, lock and published
 * store): nothing for a hit of the read table, nor for any lookup of a map
 * that is not amended; for a hit of the dirty table, one write in
 * SYNCMAP_MISS_BATCH (the batch added to the map's misses), and for an
 * absent key one in SYNCMAP_MISS_TICKS. A kernel cannot count them.
 */
static void syncmap_test_lookup_shared_writes(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct syncmap *map = ctx->map;
	u32 k, in_read = 0, in_dirty = 0, absent = 1U << 31;
	unsigned long w;

	for (k = 1; k <= 2000; k++)
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map));
	for (k = 1; k <= 2000; k++) {
		if (table_entry(map, read_table(map), &k, sizeof(k)))
			in_read = in_read ?: k;
		else
			in_dirty = in_dirty ?: k;
	}
	KUNIT_ASSERT_NE(test, 0, in_read);
	KUNIT_ASSERT_NE(test, 0, in_dirty);
	/* never due: the tables stay as they are */
	atomic_long_set(&map->misses, LONG_MIN / 2);

	w = shim_shared_writes;
	load_n(map, &in_read, sizeof(in_read), 1000);
	KUNIT_EXPECT_EQ(test, w, shim_shared_writes);
	load_until_batch(map, &in_dirty, sizeof(in_dirty), SYNCMAP_MISS_BATCH);
	w = shim_shared_writes;
	load_n(map, &in_dirty, sizeof(in_dirty), 4 * SYNCMAP_MISS_BATCH);
	KUNIT_EXPECT_EQ(test, w + 4, shim_shared_writes);
	load_n(map, &absent, sizeof(absent), 2 * SYNCMAP_MISS_TICKS);
	KUNIT_EXPECT_EQ(test, w + 6, shim_shared_writes);

	atomic_long_set(&map->misses, 0);
	promote(test, map);
	KUNIT_ASSERT_FALSE(test, read_table(map)->amended);
	w = shim_shared_writes;
	load_n(map, &in_dirty, sizeof(in_dirty), 1000);
	load_n(map, &absent, sizeof(absent), 1000);
	KUNIT_EXPECT_EQ(test, w, shim_shared_writes);
}
#endif

/*
 * Lookups of keys the dirty table alone holds probe it without the lock,
 * count their misses, and take the lock only to promote. map_lock() writes
 * map->lock_t0 every time, so a sentinel there shows whether it ran.
 */
#define LOCK_SENTINEL	0x5eed5eedULL

static void syncmap_test_dirty_lookup_lockless(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct syncmap *map = ctx->map;
	u32 k, dirty_only[64], n = 0, i, wrong = 0;
	struct syncmap_table *d[1];
	long due, m[1];
	u64 t0[2];

	for (k = 1; k <= 300; k++)	/* 192 of them in the read table */
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map));
	for (k = 1; k <= 300 && n < ARRAY_SIZE(dirty_only); k++)
		if (!table_entry(map, read_table(map), &k, sizeof(k)))
			dirty_only[n++] = k;
	KUNIT_ASSERT_GT(test, n, 8);
	due = dirty_table(map)->count;
	atomic_long_set(&map->misses, due - 2 * SYNCMAP_MISS_BATCH);
	map->lock_t0 = LOCK_SENTINEL;
	/* On one CPU throughout; the results are checked after. */
	preempt_disable();
	k = 1000;		/* absent: aligns this CPU's ticks */
	__load_until_batch(map, &k, sizeof(k), SYNCMAP_MISS_TICKS);
	for (i = 0; i < SYNCMAP_MISS_BATCH - 1; i++) {
		k = dirty_only[i % n];
		wrong += load(map, &k, sizeof(k)) != (void *)(uintptr_t)(2 * k);
	}
	t0[0] = map->lock_t0;
	m[0] = atomic_long_read(&map->misses);
	d[0] = dirty_table(map);
	/* an absent key consults the dirty table: a fraction of a miss */
	k = 1000;
	load_n(map, &k, sizeof(k), 1);
	t0[1] = map->lock_t0;
	/* the batch that makes promotion due takes the lock, and promotes */
	k = dirty_only[1];
	load_n(map, &k, sizeof(k), 1);
	preempt_enable();

	KUNIT_EXPECT_EQ(test, 0, wrong);
	KUNIT_EXPECT_EQ(test, LOCK_SENTINEL, t0[0]);
	KUNIT_EXPECT_EQ(test, due - SYNCMAP_MISS_BATCH, m[0]);
	KUNIT_EXPECT_NOT_NULL(test, d[0]);
	KUNIT_EXPECT_EQ(test, LOCK_SENTINEL, t0[1]);
	KUNIT_EXPECT_NE(test, LOCK_SENTINEL, map->lock_t0);
	KUNIT_EXPECT_NULL(test, dirty_table(map));
	KUNIT_EXPECT_EQ(test, 0, atomic_long_read(&map->misses));
	k = dirty_only[0];
	KUNIT_EXPECT_NOT_NULL(test, table_entry(map, read_table(map), &k,
						sizeof(k)));
}

/*
 * A deleted read-table entry is expunged by the next dirty build and left
 * out of it (the map has no live key, so the build keeps no deleted one);
 * storing the key again revives the same entry and puts it back in the
 * dirty table.
 */
static void syncmap_test_expunge_and_revive(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 3);
	struct syncmap *map = ctx->map;
	struct syncmap_entry *e;

	store_ok(test, map, "old", 3, &ctx->vals[0]);
	promote(test, map);
	e = table_entry(map, read_table(map), "old", 3);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_TRUE(test, syncmap_delete(map, "old", 3));
	KUNIT_EXPECT_NULL(test, entry_state(e));

	/* A new key needs a dirty table: the build expunges "old". */
	store_ok(test, map, "new", 3, &ctx->vals[1]);
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map));
	KUNIT_EXPECT_PTR_EQ(test, SYNCMAP_EXPUNGED(e), entry_state(e));
	KUNIT_EXPECT_NULL(test, table_entry(map, dirty_table(map), "old", 3));
	KUNIT_EXPECT_NULL(test, load(map, "old", 3));
	KUNIT_EXPECT_FALSE(test, syncmap_delete(map, "old", 3));

	/* Store revives it under the lock, into the dirty table. */
	store_ok(test, map, "old", 3, &ctx->vals[2]);
	KUNIT_EXPECT_EQ(test, 1, map->counters.revivals);
	KUNIT_EXPECT_PTR_EQ(test, e, table_entry(map, dirty_table(map), "old", 3));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[2], load(map, "old", 3));
	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, e, table_entry(map, read_table(map),
						 "old", 3));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[2], load(map, "old", 3));
	KUNIT_EXPECT_EQ(test, 2, syncmap_len(map));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[0]));
}

/* An expunged entry is dropped by the next promotion and freed. */
static void syncmap_test_expunged_dropped(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);
	struct syncmap *map = ctx->map;

	store_ok(test, map, "gone", 4, &ctx->vals[0]);
	promote(test, map);
	syncmap_delete(map, "gone", 4);
	store_ok(test, map, "new", 3, &ctx->vals[1]);
	promote(test, map);
	KUNIT_EXPECT_NULL(test, table_entry(map, read_table(map),
					    "gone", 4));
	KUNIT_EXPECT_EQ(test, 1, read_table(map)->count);
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(map));
}

/* Slots of @t whose entry @t owns (frees with itself). */
static unsigned int owned_count(struct syncmap_table *t)
{
	unsigned int i, n = 0;

	for_each_set_bit(i, syncmap_owned(t), t->size)
		n++;
	return n;
}

/* Whether @t owns @e, which one of its slots holds. */
static bool owns(struct syncmap_table *t, const struct syncmap_entry *e)
{
	unsigned int i;

	for (i = 0; i < t->size; i++)
		if (t->slots[i].entry == e)
			return test_bit(i, syncmap_owned(t));
	return false;
}

/*
 * Store new keys from *@k on (up to @end) until a dirty build has taken
 * over the whole read table @r, still the read table then; return the
 * dirty table, with *@k the first key not stored.
 */
static struct syncmap_table *build_whole(struct kunit *test, struct tctx *ctx,
					 struct syncmap_table *r, int *k,
					 int end)
{
	struct syncmap *map = ctx->map;
	struct syncmap_table *d;

	for (; *k < end && (!dirty_table(map) ||
			    dirty_table(map)->copied < r->size); (*k)++)
		store_n(test, ctx, *k, *k + 1);
	d = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_EQ(test, r->size, d->copied);
	KUNIT_ASSERT_PTR_EQ(test, r, read_table(map));
	return d;
}

/*
 * Every entry has exactly one owner, the table that frees it: a build
 * gives the read table the deleted entries it leaves out and nothing
 * else (the live ones it copies stay unowned, and unwritten); a store
 * that revives a left-out entry takes it back into the dirty table.
 */
static void syncmap_test_ownership(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 64);
	struct syncmap *map = ctx->map;
	struct syncmap_table *r, *d;
	struct syncmap_entry *e;
	int i, k, in_d = 0, owned_deleted = 0;
	char key[12];

	map->keep_none = true;	/* builds_keep_deleted has the kept ones */
	store_n(test, ctx, 0, 32);
	promote(test, map);
	r = read_table(map);
	KUNIT_EXPECT_EQ(test, 0, owned_count(r));
	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "%d", i);
		KUNIT_ASSERT_TRUE(test, syncmap_delete(map, key, strlen(key)));
	}

	k = 32;
	d = build_whole(test, ctx, r, &k, 64);
	for (i = 0; i < 32; i++) {
		snprintf(key, sizeof(key), "%d", i);
		e = table_entry(map, r, key, strlen(key));
		KUNIT_ASSERT_NOT_NULL(test, e);
		in_d += table_entry(map, d, key, strlen(key)) == e;
		owned_deleted += i < 8 && owns(r, e) &&
				 entry_state(e) == SYNCMAP_EXPUNGED(e);
		/* exactly one of: owned by the read table, held by d */
		KUNIT_EXPECT_NE(test, owns(r, e),
				table_entry(map, d, key, strlen(key)) == e);
	}
	KUNIT_EXPECT_EQ(test, 24, in_d);
	KUNIT_EXPECT_EQ(test, 8, owned_deleted);
	KUNIT_EXPECT_EQ(test, 8, owned_count(r));
	KUNIT_EXPECT_EQ(test, 0, owned_count(d));

	/* Revived: back in the dirty table, and no longer the read table's. */
	e = table_entry(map, r, "3", 1);
	store_ok(test, map, "3", 1, &ctx->vals[3]);
	KUNIT_EXPECT_PTR_EQ(test, e, table_entry(map, d, "3", 1));
	KUNIT_EXPECT_FALSE(test, owns(r, e));
	KUNIT_EXPECT_EQ(test, 7, owned_count(r));

	/* The promoted table owns nothing until a build leaves keys out. */
	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, d, read_table(map));
	KUNIT_EXPECT_EQ(test, 0, owned_count(d));
	expect_all(test, ctx, 8, k);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[3], load(map, "3", 1));
	KUNIT_EXPECT_EQ(test, k - 7, syncmap_len(map));
}

/*
 * A build keeps deleted entries up to its budget (as many as the map has
 * live keys, in the room the table for them has anyway, less an eighth),
 * where a store brings a key back without the lock, and a lookup finds
 * it deleted in the read table; the rest it expunges, as Go's build
 * does. A map emptied by deletes keeps none.
 */
static void syncmap_test_builds_keep_deleted(struct kunit *test)
{
	const int n = 200, del = 100;
	struct tctx *ctx = tctx_new(test, n + 64);
	struct syncmap *map = ctx->map;
	struct syncmap_entry *e, *kept = NULL, *gone = NULL;
	unsigned int nkept = 0, nexpunged = 0;
	struct syncmap_table *r, *d;
	char key[12];
	int i, k;

	store_n(test, ctx, 0, n);
	promote(test, map);
	r = read_table(map);
	for (i = 0; i < del; i++) {
		snprintf(key, sizeof(key), "%d", i);
		KUNIT_ASSERT_TRUE(test, syncmap_delete(map, key, strlen(key)));
	}
	k = n;
	d = build_whole(test, ctx, r, &k, n + 64);
	/*
	 * 100 live keys when the build began: the table for them has room
	 * for 127 (2 * 127 + 2 <= 256 slots), less 15 for new keys: 12.
	 */
	KUNIT_EXPECT_EQ(test, 12, d->keep);
	KUNIT_EXPECT_EQ(test, 12, d->kept);
	for (i = 0; i < del; i++) {
		snprintf(key, sizeof(key), "%d", i);
		e = table_entry(map, r, key, strlen(key));
		KUNIT_ASSERT_NOT_NULL(test, e);
		if (table_entry(map, d, key, strlen(key)) == e) {
			KUNIT_EXPECT_NULL(test, entry_state(e));
			KUNIT_EXPECT_FALSE(test, owns(r, e));
			nkept++;
			kept = e;
		} else {
			KUNIT_EXPECT_PTR_EQ(test, SYNCMAP_EXPUNGED(e),
					    entry_state(e));
			KUNIT_EXPECT_TRUE(test, owns(r, e));
			nexpunged++;
			gone = e;
		}
	}
	KUNIT_EXPECT_EQ(test, 12, nkept);
	KUNIT_EXPECT_EQ(test, del - 12, nexpunged);
	KUNIT_EXPECT_EQ(test, del - 12, owned_count(r));
	KUNIT_ASSERT_NOT_NULL(test, kept);
	KUNIT_ASSERT_NOT_NULL(test, gone);

	/* Kept: stored into where it is, no lock (no revival counted). */
	KUNIT_EXPECT_EQ(test, 0, map->counters.revivals);
	store_ok(test, map, kept->key, kept->key_len, &ctx->vals[n + 62]);
	KUNIT_EXPECT_EQ(test, 0, map->counters.revivals);
	KUNIT_EXPECT_PTR_EQ(test, kept, table_entry(map, d, kept->key,
						    kept->key_len));
	/* Expunged: revived under the lock, into the dirty table. */
	store_ok(test, map, gone->key, gone->key_len, &ctx->vals[n + 63]);
	KUNIT_EXPECT_EQ(test, 1, map->counters.revivals);
	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[n + 62],
			    load(map, kept->key, kept->key_len));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[n + 63],
			    load(map, gone->key, gone->key_len));
	KUNIT_EXPECT_EQ(test, n - del + 2 + (k - n), syncmap_len(map));

	/* Emptied: the next build keeps nothing. */
	for (i = 0; i < k; i++) {
		snprintf(key, sizeof(key), "%d", i);
		syncmap_delete(map, key, strlen(key));
	}
	KUNIT_ASSERT_EQ(test, 0, syncmap_len(map));
	store_ok(test, map, "new", 3, &ctx->vals[0]);
	KUNIT_EXPECT_EQ(test, 0, dirty_table(map)->keep);
}

/*
 * What the map drops waits for a grace period: a reader inside its RCU
 * read-side section keeps every value it loaded (not released yet,
 * whatever writes replace or delete it meanwhile), and every box it read
 * (the box of a value handed back by swap is freed with kfree_rcu(), not
 * at once). The writes run inside the reader's section, with GFP_ATOMIC,
 * as another CPU's would overlap it.
 */
static void syncmap_test_release_waits_for_readers(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 6);
	struct syncmap *map = ctx->map;
	struct syncmap_val *box;
	struct tval *v;
	int i;

	store_ok(test, map, "a", 1, &ctx->vals[0]);
	store_ok(test, map, "b", 1, &ctx->vals[1]);
	store_ok(test, map, "c", 1, &ctx->vals[2]);
	promote(test, map);

	rcu_read_lock();
	box = rcu_dereference(table_entry(map, read_table(map), "c", 1)->p);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], syncmap_load(map, "a", 1));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1], syncmap_load(map, "b", 1));
	/* a store over "a", a delete of "b", a swap of "c" */
	KUNIT_EXPECT_EQ(test, 0, syncmap_store(map, "a", 1, &ctx->vals[3],
					       GFP_ATOMIC));
	KUNIT_EXPECT_TRUE(test, syncmap_delete(map, "b", 1));
	v = syncmap_swap(map, "c", 1, &ctx->vals[4], GFP_ATOMIC);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[2], v);
	/* and a compare_and_swap over "a" again */
	KUNIT_EXPECT_TRUE(test, syncmap_compare_and_swap(map, "a", 1,
							 &ctx->vals[3],
							 &ctx->vals[5]));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, 0, atomic_read(&ctx->vals[i].released));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[2], READ_ONCE(box->value));
	rcu_read_unlock();

	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[0]));
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[1]));
	KUNIT_EXPECT_EQ(test, 0, released(&ctx->vals[2]));	/* ours */
	KUNIT_EXPECT_EQ(test, 1, released(&ctx->vals[3]));
}

/*
 * A map without a release callback keeps the value itself in the entry:
 * writes to a key the read table holds are a cmpxchg that allocates
 * nothing, the expunge/revive cycle works on bare values as on boxes,
 * and nothing is ever released.
 */
static void syncmap_test_bare_values(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 4, false);
	struct syncmap *map = ctx->map;
	struct syncmap_entry *e;
	void *one = (void *)1;	/* small integers are values too */
	bool loaded;

	store_ok(test, map, "k", 1, &ctx->vals[0]);
	promote(test, map);
	e = table_entry(map, read_table(map), "k", 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], entry_state(e));

#ifdef CONFIG_FAILSLAB
	current->fail_nth = 1;	/* the next allocation would fail */
#endif
	KUNIT_EXPECT_EQ(test, 0, syncmap_store(map, "k", 1, &ctx->vals[1],
					       GFP_ATOMIC));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1],
			    syncmap_swap(map, "k", 1, &ctx->vals[2],
					 GFP_ATOMIC));
	KUNIT_EXPECT_TRUE(test, syncmap_compare_and_swap(map, "k", 1,
							 &ctx->vals[2],
							 &ctx->vals[3]));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[3],
			    syncmap_load_or_store(map, "k", 1, &ctx->vals[0],
						  &loaded, GFP_ATOMIC));
	KUNIT_EXPECT_TRUE(test, loaded);
	KUNIT_EXPECT_TRUE(test, syncmap_delete(map, "k", 1));
	KUNIT_EXPECT_NULL(test, entry_state(e));
	KUNIT_EXPECT_EQ(test, 0, syncmap_store(map, "k", 1, one, GFP_ATOMIC));
	KUNIT_EXPECT_PTR_EQ(test, one, entry_state(e));
#ifdef CONFIG_FAILSLAB
	KUNIT_EXPECT_EQ(test, 1, current->fail_nth);	/* none was made */
	current->fail_nth = 0;
#endif
	KUNIT_EXPECT_PTR_EQ(test, e, table_entry(map, read_table(map), "k", 1));
	KUNIT_EXPECT_PTR_EQ(test, one, syncmap_load_and_delete(map, "k", 1));

	/* A new key builds a dirty table, which expunges "k"; revive it. */
	store_ok(test, map, "n", 1, &ctx->vals[0]);
	KUNIT_EXPECT_PTR_EQ(test, SYNCMAP_EXPUNGED(e), entry_state(e));
	KUNIT_EXPECT_NULL(test, load(map, "k", 1));
	store_ok(test, map, "k", 1, one);
	KUNIT_EXPECT_EQ(test, 1, map->counters.revivals);
	KUNIT_EXPECT_PTR_EQ(test, one, load(map, "k", 1));
	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, one, load(map, "k", 1));
	KUNIT_EXPECT_EQ(test, 2, syncmap_len(map));

	syncmap_clear(map);
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
	KUNIT_EXPECT_NULL(test, load(map, "k", 1));
	settle();
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&ctx->released));
}

/*
 * A dirty build is done a step at a time: a store of a new key starts it
 * and takes over SYNCMAP_COPY_STEP read-table slots, and every key stays
 * reachable, from the read table or from the dirty one, until the build
 * completes; only then may the dirty table be promoted.
 */
static void syncmap_test_build_incremental(struct kunit *test)
{
	const int n = 200;
	struct tctx *ctx = tctx_new(test, n + 1);
	struct syncmap *map = ctx->map;
	struct syncmap_table *r, *d;
	unsigned int r_size;
	char key[12];
	int i, bad = 0;

	store_n(test, ctx, 0, n);
	promote(test, map);
	r = read_table(map);
	r_size = r->size;	/* @r is freed after the promotion below */
	KUNIT_ASSERT_GT(test, r_size, 4 * SYNCMAP_COPY_STEP);
	store_ok(test, map, "new", 3, &ctx->vals[n]);
	d = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_EQ(test, SYNCMAP_COPY_STEP, d->copied);
	KUNIT_EXPECT_LT(test, d->count, n);
	expect_all(test, ctx, 0, n);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[n], load(map, "new", 3));

	/* Batches past the threshold take the build a step further each. */
	atomic_long_set(&map->misses, n + 1000);
	load_until_batch(map, "new", 3, SYNCMAP_MISS_BATCH);
	KUNIT_EXPECT_PTR_EQ(test, d, dirty_table(map));
	KUNIT_EXPECT_EQ(test, 2 * SYNCMAP_COPY_STEP, d->copied);
	KUNIT_EXPECT_PTR_EQ(test, r, read_table(map));

	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, d, read_table(map));
	KUNIT_EXPECT_EQ(test, r_size, d->copied);
	KUNIT_EXPECT_EQ(test, n + 1, d->count);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%d", i);
		bad += !table_entry(map, d, key, strlen(key));
	}
	KUNIT_EXPECT_EQ(test, 0, bad);
	KUNIT_EXPECT_EQ(test, n + 1, syncmap_len(map));
}

/*
 * No operation does more than one step of a build, whatever the map's
 * size: a store (of a new key or not), a load and a delete each run at
 * most one, and no store copies a table (issue: writes never wait on
 * O(n)). The counters say how many steps ran.
 */
static void syncmap_test_bounded_work(struct kunit *test)
{
	const int n = 20000;
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct syncmap *map = ctx->map;
	u64 steps = 0, max_steps = 0, before;
	u32 k;

	for (k = 1; k <= 3 * n; k++) {
		before = map->counters.copy_steps;
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
		steps = map->counters.copy_steps - before;
		max_steps = max(max_steps, steps);
		before = map->counters.copy_steps;
		load(map, &k, sizeof(k));
		k--;
		load(map, &k, sizeof(k));	/* a key the read table may lack */
		k++;
		steps = map->counters.copy_steps - before;
		max_steps = max(max_steps, steps);
		if (k % 3 == 0) {
			before = map->counters.copy_steps;
			syncmap_delete(map, &k, sizeof(k));
			max_steps = max(max_steps,
					map->counters.copy_steps - before);
		}
	}
	KUNIT_EXPECT_LE(test, max_steps, 2);	/* two loads in the second */
	KUNIT_EXPECT_GE(test, map->counters.promotions, 8);
	KUNIT_EXPECT_EQ(test, 2 * n, syncmap_len(map));
}

/*
 * The race entry_expunge()'s cmpxchg exists for, staged: the build reads
 * a deleted entry (NULL) and decides to leave it out; before it writes
 * EXPUNGED, a lockless store lands in the entry. The store must survive
 * (the build copies the entry); a blind write of EXPUNGED would lose it.
 * The hook runs under the map's lock, as the build does, so it stores
 * into a map without a release callback: nothing to allocate.
 */
static const char *race_key = "victim";

static void hook_store_into_deleted(struct syncmap *map,
				    struct syncmap_entry *e)
{
	if (!e || e->key_len != strlen(race_key) ||
	    memcmp(e->key, race_key, e->key_len))
		return;
	race_hits++;
	WRITE_ONCE(map->race_hook, NULL);
	/* Lockless: the read table holds the entry, and it is NULL. */
	if (syncmap_store(map, race_key, strlen(race_key), (void *)0x42,
			  GFP_ATOMIC))
		race_hits += 100;
}

static void syncmap_test_copy_race_store(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct syncmap *map = ctx->map;
	struct syncmap_entry *e;

	map->keep_none = true;	/* the build must decide to expunge it */
	store_ok(test, map, race_key, strlen(race_key), (void *)0x40);
	store_ok(test, map, "other", 5, (void *)0x44);
	promote(test, map);
	KUNIT_ASSERT_TRUE(test, syncmap_delete(map, race_key,
					       strlen(race_key)));
	e = table_entry(map, read_table(map), race_key, strlen(race_key));
	KUNIT_ASSERT_NOT_NULL(test, e);
	race_hits = 0;
	map->race_hook = hook_store_into_deleted;
	store_ok(test, map, "new", 3, (void *)0x46);	/* starts the build */
	KUNIT_EXPECT_NULL(test, map->race_hook);
	KUNIT_EXPECT_EQ(test, 1, race_hits);
	KUNIT_EXPECT_PTR_EQ(test, (void *)0x42, entry_state(e));
	KUNIT_EXPECT_PTR_EQ(test, e, table_entry(map, dirty_table(map),
						 race_key, strlen(race_key)));
	KUNIT_EXPECT_PTR_EQ(test, (void *)0x42,
			    load(map, race_key, strlen(race_key)));
	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, (void *)0x42,
			    load(map, race_key, strlen(race_key)));
	KUNIT_EXPECT_EQ(test, 3, syncmap_len(map));
}

/*
 * A lookup that missed an amended read table r0 and, before it reads the
 * dirty table, is overtaken: r0's dirty table d1 is promoted and a new
 * build d2 started, which has not copied the key yet. The lookup must not
 * probe d2 on r0's behalf (the key is in d1, now the read table); staged
 * at the race point where find_entry_dirty() is about to read the dirty
 * table. GFP_ATOMIC: the hook runs inside the lookup's RCU section.
 */
static u32 overtake_key;

static void hook_promote_and_build(struct syncmap *map,
				   struct syncmap_entry *e)
{
	u32 k = 0xfffffff0;
	int i;

	if (e)
		return;
	WRITE_ONCE(map->race_hook, NULL);
	race_hits++;
	for (i = 0; i < 100000 && rcu_access_pointer(map->dirty); i++)
		syncmap_load(map, &overtake_key, sizeof(overtake_key));
	if (syncmap_store(map, &k, sizeof(k), (void *)0x10, GFP_ATOMIC))
		race_hits += 100;
}

static void syncmap_test_lookup_overtaken(struct kunit *test)
{
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct syncmap *map = ctx->map;
	struct syncmap_table *d1;
	unsigned int i;
	u32 k;

	for (k = 1; k <= 200; k++)
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	promote(test, map);
	for (k = 1001; k <= 1040; k++)	/* the dirty-only keys of d1 */
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	d1 = dirty_table(map);
	KUNIT_ASSERT_NOT_NULL(test, d1);
	/* one beyond the first copy step of the next build */
	overtake_key = 0;
	for (i = 2 * SYNCMAP_COPY_STEP; i < d1->size && !overtake_key; i++) {
		struct syncmap_entry *e = d1->slots[i].entry;

		if (e && !table_entry(map, read_table(map), e->key, e->key_len))
			memcpy(&overtake_key, e->key, sizeof(overtake_key));
	}
	KUNIT_ASSERT_NE(test, 0, overtake_key);
	k = overtake_key;
	race_hits = 0;
	map->race_hook = hook_promote_and_build;
	KUNIT_EXPECT_PTR_EQ(test, (void *)(uintptr_t)(2 * k),
			    load(map, &k, sizeof(k)));
	KUNIT_EXPECT_EQ(test, 1, race_hits);
	KUNIT_EXPECT_PTR_EQ(test, d1, read_table(map));	/* it happened */
	KUNIT_EXPECT_NOT_NULL(test, dirty_table(map));
	KUNIT_EXPECT_NULL(test, table_entry(map, dirty_table(map), &k,
					    sizeof(k)));
}

/*
 * Every lock-free write of an entry reads its word, decides, and swings
 * the word with a cmpxchg; another CPU may store, delete or expunge
 * between the two. Staged at the race point before each cmpxchg (the
 * other CPU's write done by the hook), each operation must act on the
 * word as that write left it, as if it had come after it: nothing
 * released twice or lost, len exact, the result the same after the next
 * promotion. Key "k" holds A (for load_or_store, it was deleted: a live
 * value is loaded before any cmpxchg); the other CPU stores B, deletes,
 * or deletes and a build expunges the entry; the operation writes C.
 */
enum race_op {
	RACE_STORE, RACE_SWAP, RACE_LOAD_OR_STORE, RACE_CAS, RACE_CAD,
	RACE_DELETE, RACE_LOAD_AND_DELETE, RACE_NR_OPS
};

enum race_other { OTHER_STORE, OTHER_DELETE, OTHER_EXPUNGE, OTHER_NR };

static const char *const race_op_names[] = {
	"store", "swap", "load_or_store", "compare_and_swap",
	"compare_and_delete", "delete", "load_and_delete",
};

static const char *const race_other_names[] = {
	"a store", "a delete", "a delete and an expunge",
};

static const int entry_race_cases[RACE_NR_OPS * OTHER_NR] = {
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
	11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
};

static void entry_race_desc(const int *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s, overtaken by %s",
		 race_op_names[*c / OTHER_NR], race_other_names[*c % OTHER_NR]);
}

KUNIT_ARRAY_PARAM(entry_race, entry_race_cases, entry_race_desc);

static enum race_other race_other;

static void hook_overtake_entry(struct syncmap *map, struct syncmap_entry *e)
{
	if (!e || e->key_len != 1 || e->key[0] != 'k')
		return;
	WRITE_ONCE(map->race_hook, NULL);
	race_hits++;
	/* all lock-free but the new key, which starts a build (GFP_ATOMIC) */
	if (race_other == OTHER_STORE) {
		if (syncmap_store(map, "k", 1, &race_ctx->vals[1], GFP_ATOMIC))
			race_hits += 100;
		return;
	}
	syncmap_delete(map, "k", 1);
	if (race_other == OTHER_EXPUNGE &&
	    (syncmap_store(map, "new", 3, &race_ctx->vals[4], GFP_ATOMIC) ||
	     entry_state(e) != SYNCMAP_EXPUNGED(e)))
		race_hits += 100;
}

static void syncmap_test_entry_races(struct kunit *test)
{
	int c = *(const int *)test->param_value;
	enum race_op op = c / OTHER_NR;
	struct tctx *ctx = tctx_new(test, 5);
	struct syncmap *map = ctx->map;
	struct tval *a = &ctx->vals[0], *b = &ctx->vals[1];
	struct tval *cv = &ctx->vals[2], *want, *got = NULL;
	bool ok = false, loaded, b_dropped;
	long len;

	race_other = c % OTHER_NR;
	map->keep_none = true;	/* a build expunges the deleted entry */
	store_ok(test, map, "k", 1, a);
	store_ok(test, map, "z", 1, &ctx->vals[3]);
	promote(test, map);
	if (op == RACE_LOAD_OR_STORE)
		KUNIT_ASSERT_TRUE(test, syncmap_delete(map, "k", 1));
	race_ctx = ctx;
	race_hits = 0;
	map->race_hook = hook_overtake_entry;

	rcu_read_lock();
	switch (op) {
	case RACE_STORE:
		KUNIT_EXPECT_EQ(test, 0, syncmap_store(map, "k", 1, cv,
						       GFP_ATOMIC));
		break;
	case RACE_SWAP:
		got = syncmap_swap(map, "k", 1, cv, GFP_ATOMIC);
		break;
	case RACE_LOAD_OR_STORE:
		got = syncmap_load_or_store(map, "k", 1, cv, &loaded,
					    GFP_ATOMIC);
		ok = loaded;
		break;
	case RACE_CAS:
		ok = syncmap_compare_and_swap(map, "k", 1, a, cv);
		break;
	case RACE_CAD:
		ok = syncmap_compare_and_delete(map, "k", 1, a);
		break;
	case RACE_DELETE:
		ok = syncmap_delete(map, "k", 1);
		break;
	default:
		got = syncmap_load_and_delete(map, "k", 1);
		break;
	}
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, 1, race_hits);

	/* What the operation must have seen: B, or the key deleted. */
	want = race_other == OTHER_STORE ? b : NULL;
	switch (op) {
	case RACE_SWAP:
	case RACE_LOAD_AND_DELETE:
		KUNIT_EXPECT_PTR_EQ(test, want, got);
		break;
	case RACE_LOAD_OR_STORE:
		KUNIT_EXPECT_EQ(test, !!want, ok);
		KUNIT_EXPECT_PTR_EQ(test, want ?: cv, got);
		break;
	case RACE_CAS:
	case RACE_CAD:
		KUNIT_EXPECT_FALSE(test, ok);	/* A is gone */
		break;
	case RACE_DELETE:
		KUNIT_EXPECT_EQ(test, !!want, ok);
		break;
	default:
		break;
	}
	/* And what the key holds now. */
	if (op == RACE_STORE || op == RACE_SWAP ||
	    (op == RACE_LOAD_OR_STORE && !want))
		want = cv;
	else if (op == RACE_DELETE || op == RACE_LOAD_AND_DELETE)
		want = NULL;
	len = 1 + !!want + (race_other == OTHER_EXPUNGE);
	KUNIT_EXPECT_PTR_EQ(test, want, load(map, "k", 1));
	KUNIT_EXPECT_EQ(test, len, syncmap_len(map));
	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, want, load(map, "k", 1));
	KUNIT_EXPECT_EQ(test, len, syncmap_len(map));
	/* A was dropped once; B once, unless it is held or handed back. */
	KUNIT_EXPECT_EQ(test, 1, released(a));
	b_dropped = race_other == OTHER_STORE && want != b && got != b;
	KUNIT_EXPECT_EQ(test, b_dropped, released(b));
	KUNIT_EXPECT_EQ(test, 0, released(cv));
}

/*
 * A lookup that missed an amended read table, and then finds no dirty
 * table at all (promoted, or cleared, under it: staged at the race point
 * before it reads map->dirty), asks again under the lock, where the
 * tables are stable: the key is in the read table the promotion made.
 */
static void hook_promote_only(struct syncmap *map, struct syncmap_entry *e)
{
	int i;

	if (e)
		return;
	WRITE_ONCE(map->race_hook, NULL);
	race_hits++;
	for (i = 0; i < 1000000 && rcu_access_pointer(map->dirty); i++)
		load(map, "k", 1);
	if (rcu_access_pointer(map->dirty))
		race_hits += 100;
}

static void syncmap_test_lookup_dirty_gone(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2);
	struct syncmap *map = ctx->map;

	store_ok(test, map, "a", 1, &ctx->vals[0]);
	promote(test, map);
	store_ok(test, map, "k", 1, &ctx->vals[1]);	/* dirty table only */
	race_hits = 0;
	map->race_hook = hook_promote_only;
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[1], load(map, "k", 1));
	KUNIT_EXPECT_EQ(test, 1, race_hits);
	KUNIT_EXPECT_NULL(test, dirty_table(map));
}

/*
 * A key deleted behind the build (expunged) is revived under the lock
 * straight into the dirty table; one deleted ahead of it is stored into
 * where it is, in the read table, and copied when the build gets there.
 */
static void syncmap_test_revive_during_build(struct kunit *test)
{
	const int n = 200;
	struct tctx *ctx = tctx_new(test, n + 3);
	struct syncmap *map = ctx->map;
	struct syncmap_entry *behind = NULL, *ahead = NULL, *e;
	struct syncmap_table *r;
	unsigned int i;

	map->keep_none = true;	/* both expunged: see builds_keep_deleted */
	store_n(test, ctx, 0, n);
	promote(test, map);
	r = read_table(map);
	for (i = 0; i < r->size; i++) {
		e = r->slots[i].entry;
		if (!e)
			continue;
		if (i < SYNCMAP_COPY_STEP && !behind)
			behind = e;
		else if (i >= 2 * SYNCMAP_COPY_STEP && !ahead)
			ahead = e;
	}
	KUNIT_ASSERT_NOT_NULL(test, behind);
	KUNIT_ASSERT_NOT_NULL(test, ahead);
	KUNIT_ASSERT_TRUE(test, syncmap_delete(map, behind->key,
					       behind->key_len));
	KUNIT_ASSERT_TRUE(test, syncmap_delete(map, ahead->key,
					       ahead->key_len));
	store_ok(test, map, "new", 3, &ctx->vals[n]);	/* one step */
	KUNIT_ASSERT_EQ(test, SYNCMAP_COPY_STEP, dirty_table(map)->copied);
	KUNIT_EXPECT_PTR_EQ(test, SYNCMAP_EXPUNGED(behind),
			    entry_state(behind));
	KUNIT_EXPECT_NULL(test, entry_state(ahead));

	store_ok(test, map, behind->key, behind->key_len, &ctx->vals[n + 1]);
	KUNIT_EXPECT_EQ(test, 1, map->counters.revivals);
	KUNIT_EXPECT_PTR_EQ(test, behind,
			    table_entry(map, dirty_table(map), behind->key,
					behind->key_len));
	store_ok(test, map, ahead->key, ahead->key_len, &ctx->vals[n + 2]);
	KUNIT_EXPECT_EQ(test, 1, map->counters.revivals);	/* lockless */
	KUNIT_EXPECT_NULL(test, table_entry(map, dirty_table(map), ahead->key,
					    ahead->key_len));
	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[n + 1],
			    load(map, behind->key, behind->key_len));
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[n + 2],
			    load(map, ahead->key, ahead->key_len));
	KUNIT_EXPECT_EQ(test, n + 1, read_table(map)->count);
	KUNIT_EXPECT_EQ(test, n + 1, syncmap_len(map));
}

/* A clear in the middle of a build drops the half-built table. */
static void syncmap_test_clear_during_build(struct kunit *test)
{
	const int n = 1500;	/* too large to be cleared in place */
	struct tctx *ctx = tctx_new(test, n + 2);
	struct syncmap *map = ctx->map;

	store_n(test, ctx, 0, n);
	promote(test, map);
	store_ok(test, map, "new", 3, &ctx->vals[n]);
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map));
	KUNIT_ASSERT_LT(test, dirty_table(map)->copied, read_table(map)->size);
	KUNIT_ASSERT_GT(test, read_table(map)->size + dirty_table(map)->size,
			SYNCMAP_CLEAR_IN_PLACE);
	syncmap_clear(map);
	KUNIT_EXPECT_NULL(test, dirty_table(map));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));
	KUNIT_EXPECT_NULL(test, load(map, "new", 3));
	KUNIT_EXPECT_NULL(test, load(map, "0", 1));
	store_ok(test, map, "after", 5, &ctx->vals[n + 1]);
	promote(test, map);
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[n + 1], load(map, "after", 5));
	KUNIT_EXPECT_EQ(test, 1, read_table(map)->count);
	KUNIT_EXPECT_EQ(test, 1, syncmap_len(map));
	settle();
	KUNIT_EXPECT_EQ(test, n + 1, atomic_read(&ctx->released));
}

/*
 * Store keys 1 to @n of a map of bare values, promote them into the read
 * table and delete them all: the read table keeps their slots.
 */
static void fill_promote_delete(struct kunit *test, struct syncmap *map,
				u32 n)
{
	u32 k;

	for (k = 1; k <= n; k++)
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	promote(test, map);
	for (k = 1; k <= n; k++)
		KUNIT_ASSERT_TRUE(test, syncmap_delete(map, &k, sizeof(k)));
}

/*
 * A map emptied by deletes then refilled: the dirty table is sized from
 * the read table's slots as well as its count, so a build still ends
 * before its table fills (write_locked() WARNs otherwise).
 */
static void syncmap_test_build_ends_before_full(struct kunit *test)
{
	const u32 n = 5000;
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct syncmap *map = ctx->map;
	u32 k;

	fill_promote_delete(test, map, n);
	for (k = n + 1; k <= 3 * n; k++)
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	KUNIT_EXPECT_EQ(test, 2 * n, syncmap_len(map));
	KUNIT_EXPECT_GE(test, map->counters.promotions, 2);
	promote(test, map);
	/* the live keys, and the deleted entries the last build kept */
	KUNIT_EXPECT_EQ(test, 2 * n + read_table(map)->kept,
			read_table(map)->count);
	KUNIT_EXPECT_LE(test, read_table(map)->kept, read_table(map)->keep);
}

/*
 * A build over a sparse read table (many slots, few entries: the table a
 * map emptied by deletes is promoted into) has as many slots to cross as
 * a full one: its dirty table is sized for the read table's slots as
 * well as its entries, so that its copy crosses them all before the new
 * keys fill it.
 */
static void syncmap_test_build_over_sparse_read(struct kunit *test)
{
	const u32 n = 1000;
	struct tctx *ctx = tctx_new_map(test, 0, false);
	struct syncmap *map = ctx->map;
	struct syncmap_table *r, *d;
	int early = 0;
	u32 k;

	fill_promote_delete(test, map, n);
	k = n + 1;
	store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
	promote(test, map);
	r = read_table(map);
	KUNIT_ASSERT_EQ(test, 1, r->count);
	KUNIT_ASSERT_GE(test, r->size, 2 * n);

	for (k = n + 2; k <= n + 200; k++) {
		store_ok(test, map, &k, sizeof(k), (void *)(uintptr_t)(2 * k));
		d = dirty_table(map);
		/* a table three quarters full has crossed the read table */
		if (read_table(map) == r &&
		    d->count + 1 > d->size / 4 * 3 && d->copied < r->size)
			early++;
	}
	KUNIT_EXPECT_EQ(test, 0, early);
	for (k = n + 1; k <= n + 200; k++)
		KUNIT_EXPECT_PTR_EQ(test, (void *)(uintptr_t)(2 * k),
				    load(map, &k, sizeof(k)));
	KUNIT_EXPECT_EQ(test, 200, syncmap_len(map));
}

/*
 * The table-swapping clear hands the misses counted so far to the
 * counters and starts the count again: misses paid for the dirty table it
 * dropped must not promote the next one early.
 */
static void syncmap_test_clear_resets_misses(struct kunit *test)
{
	const int n = 700;
	struct tctx *ctx = tctx_new(test, n + 4);
	struct syncmap *map = ctx->map;
	struct syncmap_counters c;
	struct syncmap_table *r;
	char key[12];
	u64 total;
	long misses;

	store_n(test, ctx, 0, n);
	promote(test, map);
	store_n(test, ctx, n, n + 1);
	r = read_table(map);
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map));
	KUNIT_ASSERT_GT(test, r->size + dirty_table(map)->size,
			SYNCMAP_CLEAR_IN_PLACE);
	snprintf(key, sizeof(key), "%d", n);
	load_until_batch(map, key, strlen(key), SYNCMAP_MISS_BATCH);
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map));
	misses = atomic_long_read(&map->misses);
	KUNIT_ASSERT_GE(test, misses, SYNCMAP_MISS_BATCH);
	syncmap_get_counters(map, &c);
	total = c.misses;

	syncmap_clear(map);
	KUNIT_ASSERT_PTR_NE(test, r, read_table(map));	/* swapped */
	KUNIT_EXPECT_EQ(test, 0, atomic_long_read(&map->misses));
	syncmap_get_counters(map, &c);
	KUNIT_EXPECT_EQ(test, total, c.misses);		/* none lost */
	store_n(test, ctx, n + 1, n + 4);
	KUNIT_EXPECT_NOT_NULL(test, dirty_table(map));
	KUNIT_EXPECT_EQ(test, 0, atomic_long_read(&map->misses));
}

/* A full dirty table is promoted and rebuilt larger, never rehashed. */
static void syncmap_test_dirty_full_promotes(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 64);
	struct syncmap *map = ctx->map;
	unsigned int size;

	store_n(test, ctx, 0, 1);
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map));
	size = dirty_table(map)->size;
	store_n(test, ctx, 1, 64);
	KUNIT_EXPECT_GT(test, dirty_table(map)->size, size);
	KUNIT_EXPECT_GE(test, map->counters.promotions, 2);
	KUNIT_EXPECT_LE(test, dirty_table(map)->count, dirty_table(map)->size / 4 * 3);
	KUNIT_EXPECT_EQ(test, 64, syncmap_len(map));
}

/*
 * The hash is keyed per map, in every epoch: the same key lands
 * differently in two maps, and in one map's epochs 0 and 1 (a fresh
 * secret). Two 32-bit hashes of 64 keys agree by chance about once in
 * 2^26 runs.
 */
static void syncmap_test_hash_keyed(struct kunit *test)
{
	struct tctx *a = tctx_new(test, 0);
	struct tctx *b = tctx_new(test, 0);
	unsigned int e, same[SYNCMAP_EPOCH_SIPHASH + 1] = {}, rekeyed = 0;
	u32 k;

	KUNIT_EXPECT_EQ(test, syncmap_hash(a->map, "key", 3),
			syncmap_hash(a->map, "key", 3));
	for (k = 0; k < 64; k++) {
		for (e = 0; e <= SYNCMAP_EPOCH_SIPHASH; e++)
			same[e] += syncmap_hash_epoch(a->map, e, &k, sizeof(k)) ==
				   syncmap_hash_epoch(b->map, e, &k, sizeof(k));
		rekeyed += syncmap_hash_epoch(a->map, 0, &k, sizeof(k)) ==
			   syncmap_hash_epoch(a->map, 1, &k, sizeof(k));
	}
	KUNIT_EXPECT_EQ(test, 0, same[0]);
	KUNIT_EXPECT_EQ(test, 0, same[1]);
	KUNIT_EXPECT_EQ(test, 0, same[SYNCMAP_EPOCH_SIPHASH]);
	KUNIT_EXPECT_EQ(test, 0, rekeyed);
}

/*
 * Every byte of a key, and its length, count in each epoch's hash, with
 * the key at any alignment: the fast hash reads keys as overlapping words
 * and a few single bytes (syncmap_fast_hash()).
 */
static void syncmap_test_hash_every_byte(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 0);
	struct syncmap *map = ctx->map;
	u8 buf[48 + 8], *key;
	unsigned int len, i, epoch, bad = 0;
	u64 h;

	for (epoch = 0; epoch <= SYNCMAP_EPOCH_SIPHASH; epoch++) {
		for (len = 0; len <= 40; len++) {
			key = buf + (len & 7);
			memset(buf, 0x5a, sizeof(buf));
			h = syncmap_hash_epoch(map, epoch, key, len);
			/* the same bytes elsewhere: the same hash */
			memmove(buf + 8, key, len);
			bad += syncmap_hash_epoch(map, epoch, buf + 8, len) != h;
			memmove(key, buf + 8, len);
			for (i = 0; i < len; i++) {
				key[i] ^= 0x01;
				bad += syncmap_hash_epoch(map, epoch, key, len) == h;
				key[i] ^= 0x81;
				bad += syncmap_hash_epoch(map, epoch, key, len) == h;
				key[i] ^= 0x80;
			}
			/* the byte after the key does not count, its length does */
			key[len] ^= 0xff;
			bad += syncmap_hash_epoch(map, epoch, key, len) != h;
			bad += syncmap_hash_epoch(map, epoch, key, len + 1) == h;
		}
	}
	KUNIT_EXPECT_EQ(test, 0, bad);
	/* the epochs are different functions */
	KUNIT_EXPECT_NE(test, syncmap_hash_epoch(map, 0, "key", 3),
			syncmap_hash_epoch(map, 1, "key", 3));
	KUNIT_EXPECT_NE(test, syncmap_hash_epoch(map, 1, "key", 3),
			syncmap_hash_epoch(map, 2, "key", 3));
}

/* An entry with a key of up to 32 bytes is one 64-byte slab object. */
static void syncmap_test_entry_size(struct kunit *test)
{
	KUNIT_EXPECT_LE(test, offsetof(struct syncmap_entry, key), 32);
}

/* Every table's tags: the tag of the slot's entry, 0 for an empty slot. */
static void expect_tags(struct kunit *test, const struct syncmap_table *t)
{
	unsigned int i, bad = 0, used = 0;

	for (i = 0; t && i < t->size; i++) {
		struct syncmap_entry *e = t->slots[i].entry;

		if (e)
			used++;
		bad += e ? t->slots[i].tag != syncmap_tag(syncmap_entry_hash(e)) :
			   t->slots[i].tag != 0;
	}
	KUNIT_EXPECT_EQ(test, 0, bad);
	if (t)
		KUNIT_EXPECT_EQ(test, t->count, used);
}

static void syncmap_test_tags(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 300);
	struct syncmap *map = ctx->map;

	store_n(test, ctx, 0, 200);	/* dirty tables, promotions */
	expect_tags(test, read_table(map));
	expect_tags(test, dirty_table(map));
	promote(test, map);
	expect_tags(test, read_table(map));
	KUNIT_EXPECT_TRUE(test, syncmap_delete(map, "3", 1));
	store_n(test, ctx, 200, 300);	/* a build that expunges one */
	expect_tags(test, read_table(map));
	expect_tags(test, dirty_table(map));
}

/*
 * A tag only says where to look; the key decides. Key b, absent, shares
 * its home slot with key a in an 8-slot read table, and a's slot is given
 * b's tag (a real 32-bit collision would take some 60000 keys to find): b
 * must still not be found, and a found again once its tag is back.
 */
static void syncmap_test_tag_collision(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 1);
	struct syncmap *map = ctx->map;
	struct syncmap_table *t;
	struct syncmap_slot *slot = NULL;
	u64 a = 1, b, ha, hb;
	unsigned int i;
	u32 tag;

	store_ok(test, map, &a, sizeof(a), &ctx->vals[0]);
	promote(test, map);
	t = read_table(map);
	KUNIT_ASSERT_EQ(test, 8, t->size);
	ha = syncmap_hash(map, &a, sizeof(a));
	for (b = 2; b < 1000; b++) {
		hb = syncmap_hash(map, &b, sizeof(b));
		if (syncmap_home(t, hb) == syncmap_home(t, ha))
			break;
	}
	KUNIT_ASSERT_LT(test, b, 1000);
	for (i = 0; i < t->size; i++)
		if (t->slots[i].entry)
			slot = &t->slots[i];
	KUNIT_ASSERT_NOT_NULL(test, slot);
	tag = slot->tag;
	KUNIT_ASSERT_NE(test, tag, syncmap_tag(hb));
	slot->tag = syncmap_tag(hb);	/* nobody else uses this map */
	KUNIT_EXPECT_NULL(test, load(map, &b, sizeof(b)));
	slot->tag = tag;
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(map, &a, sizeof(a)));
	KUNIT_EXPECT_NULL(test, load(map, &b, sizeof(b)));
}

/*
 * A key found by its hash is still compared by length and bytes: keys
 * whose hashes collide (forged here, as no collision of the keyed hash can
 * be found: the entry's hash, its tag and its slot rewritten to another
 * key's) are not taken for each other, whether the other key is a prefix
 * of the entry's, longer, differs in one byte, or is empty. And no tag is
 * 0, the mark of an empty slot, whatever the hash.
 */
static void syncmap_test_hash_collision(struct kunit *test)
{
	static const char *const others[] = { "ke", "keys", "kez", "" };
	struct tctx *ctx = tctx_new(test, 1);
	struct syncmap *map = ctx->map;
	struct syncmap_slot saved, *slot = NULL;
	struct syncmap_entry *e;
	struct syncmap_table *t;
	unsigned int i, home;
	u32 hash;
	u64 h;

	KUNIT_EXPECT_NE(test, 0, syncmap_tag(0));
	KUNIT_EXPECT_NE(test, 0, syncmap_tag(U64_MAX << 32));
	store_ok(test, map, "key", 3, &ctx->vals[0]);
	promote(test, map);
	t = read_table(map);
	e = table_entry(map, t, "key", 3);
	KUNIT_ASSERT_NOT_NULL(test, e);
	for (i = 0; i < t->size; i++)
		if (t->slots[i].entry == e)
			slot = &t->slots[i];
	KUNIT_ASSERT_NOT_NULL(test, slot);
	saved = *slot;
	hash = e->hash;
	memset(slot, 0, sizeof(*slot));		/* nobody else uses this map */
	for (i = 0; i < ARRAY_SIZE(others); i++) {
		h = syncmap_hash(map, others[i], strlen(others[i]));
		home = syncmap_home(t, h);
		e->hash = h >> 32;
		t->slots[home].tag = syncmap_tag(h);
		t->slots[home].entry = e;
		KUNIT_EXPECT_TRUE(test, syncmap_entry_matches(e, "key", 3));
		KUNIT_EXPECT_NULL(test, load(map, others[i], strlen(others[i])));
		memset(&t->slots[home], 0, sizeof(t->slots[home]));
	}
	e->hash = hash;
	*slot = saved;
	KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[0], load(map, "key", 3));
}

/* ---- the hash watchdog ---------------------------------------------------- */

#define FLOOD_BITS	12
#define FLOOD_KEYS	(SYNCMAP_PROBE_LIMIT + 100)

/*
 * Keys an attacker who knows the map's hash in @epoch would send: u32s from
 * *@next on whose hashes share their top FLOOD_BITS bits, so that in any
 * table of up to 2^FLOOD_BITS slots they all have one home.
 */
static void flood_keys_at(struct syncmap *map, unsigned int epoch, u32 *next,
			  u32 *keys, unsigned int n, u32 want)
{
	u32 k = *next;
	unsigned int i;

	for (i = 0; i < n; k++)
		if (syncmap_hash_epoch(map, epoch, &k, sizeof(k)) >>
		    (64 - FLOOD_BITS) == want)
			keys[i++] = k;
	*next = k;
}

static void flood_keys(struct syncmap *map, unsigned int epoch, u32 *next,
		       u32 *keys, unsigned int n)
{
	u32 want = syncmap_hash_epoch(map, epoch, next, sizeof(*next)) >>
		   (64 - FLOOD_BITS);

	flood_keys_at(map, epoch, next, keys, n, want);
}

/*
 * The longest distance of an entry of @t from its home slot: a flood puts
 * one at SYNCMAP_PROBE_LIMIT or more, random placement stays well under
 * half of it.
 */
static unsigned int max_displacement(const struct syncmap_table *t)
{
	unsigned int i, d, max = 0, mask = t->size - 1;

	for (i = 0; i < t->size; i++) {
		if (!t->slots[i].tag)
			continue;
		d = (i - syncmap_home(t, (u64)t->slots[i].tag << 32)) & mask;
		max = max(max, d);
	}
	return max;
}

/* Store @n keys, @keys[i] with value @ctx->vals[@first + i]. */
static void store_keys(struct kunit *test, struct tctx *ctx, const u32 *keys,
		       unsigned int n, unsigned int first)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		store_ok(test, ctx->map, &keys[i], sizeof(keys[i]),
			 &ctx->vals[first + i]);
}

/* Every key of @keys loads its value. */
static void expect_keys(struct kunit *test, struct tctx *ctx, const u32 *keys,
			unsigned int n, unsigned int first)
{
	unsigned int i, wrong = 0;

	for (i = 0; i < n; i++)
		wrong += load(ctx->map, &keys[i], sizeof(keys[i])) !=
			 &ctx->vals[first + i];
	KUNIT_EXPECT_EQ(test, 0, wrong);
}

/*
 * Promote the dirty table, start the next build with a new key and promote
 * that too: the read table is then one built in the map's current epoch.
 */
static void rebuild(struct kunit *test, struct tctx *ctx, u32 key,
		    struct tval *v)
{
	promote(test, ctx->map);
	store_ok(test, ctx->map, &key, sizeof(key), v);
	promote(test, ctx->map);
	KUNIT_EXPECT_EQ(test, ctx->map->epoch, read_table(ctx->map)->epoch);
}

/* Takes every key, counting them and checking their order. */
static bool rf_take_all(const void *key, size_t len, void *value, u64 hash,
			void *arg)
{
	struct rf_state *rs = arg;
	struct tval *v = value;

	if (hash < rs->last_hash || v->key >= RF_KEYS * 2)
		rs->bad++;
	else
		rs->seen[v->key]++;
	rs->last_hash = hash;
	return true;
}

/*
 * An iteration in an order the tables are not placed by (range_scan(),
 * after a rekey) finds its keys in passes of RANGE_PICK: every key once,
 * in order, also where many keys share one place in that order (forged
 * here: a group larger than a pass, and one that a pass would cut).
 */
static void syncmap_test_range_scan_groups(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, RF_KEYS + FLOOD_KEYS + 1);
	struct rf_state *rs = kunit_kzalloc(test, sizeof(*rs), GFP_KERNEL);
	struct syncmap_entry *e;
	u32 *keys, *saved, next = 1;
	char key[12];
	int i;
	u64 pos;

	KUNIT_ASSERT_NOT_NULL(test, rs);
	keys = kunit_kzalloc(test, FLOOD_KEYS * sizeof(*keys), GFP_KERNEL);
	saved = kunit_kzalloc(test, RF_KEYS * sizeof(*saved), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keys);
	KUNIT_ASSERT_NOT_NULL(test, saved);
	for (i = RF_KEYS; i <= RF_KEYS + (int)FLOOD_KEYS; i++)
		ctx->vals[i].key = RF_KEYS + (i % RF_KEYS);
	rs->ctx = ctx;
	store_n(test, ctx, 0, RF_KEYS);
	flood_keys(ctx->map, 0, &next, keys, FLOOD_KEYS);
	store_keys(test, ctx, keys, FLOOD_KEYS, RF_KEYS);
	rebuild(test, ctx, next++, &ctx->vals[RF_KEYS + FLOOD_KEYS]);
	KUNIT_ASSERT_EQ(test, 1, read_table(ctx->map)->epoch);

	/* 40 keys in one place of the epoch-0 order, 20 in the next */
	for (i = 0; i < RF_KEYS; i++) {
		snprintf(key, sizeof(key), "%d", i);
		e = table_entry(ctx->map, read_table(ctx->map), key,
				strlen(key));
		KUNIT_ASSERT_NOT_NULL(test, e);
		saved[i] = e->hash;
		if (i < 40)
			e->hash = 0x80000000;
		else if (i < 60)
			e->hash = 0x80000002;
	}
	pos = 1;		/* the first place of epoch 0 */
	KUNIT_EXPECT_TRUE(test, syncmap_range_from(ctx->map, &pos,
						   rf_take_all, rs));
	KUNIT_EXPECT_EQ(test, 0, rs->bad);
	for (i = 0; i < RF_KEYS; i++)
		KUNIT_EXPECT_EQ(test, 1, rs->seen[i]);
	for (i = 0; i < RF_KEYS; i++) {
		snprintf(key, sizeof(key), "%d", i);
		e = table_entry(ctx->map, read_table(ctx->map), key,
				strlen(key));
		e->hash = saved[i];
	}
}

#define STRUCT_KEYS	3072
#define STRUCT_BITS	12

/* The @i-th key of structured family @f, in @key; its length. */
static size_t structured_key(unsigned int f, unsigned int i, u8 *key)
{
	u64 w[4] = {};

	switch (f) {
	case 0:		/* counters */
		w[0] = i;
		break;
	case 1:		/* counters in the high word */
		w[0] = (u64)i << 32;
		break;
	case 2:		/* one or two bits set */
		w[0] = BIT_ULL(i % 64) | BIT_ULL((i / 64) % 64);
		break;
	case 3:		/* two words, (a, b) and (b, a) */
		w[i & 1] = i / 2 + 1;
		w[!(i & 1)] = 0x9e3779b97f4a7c15ULL;
		memcpy(key, w, 16);
		return 16;
	case 4:		/* a first block of words differing by one constant */
		w[0] = i;
		w[1] = i ^ 0x8000000000000000ULL;
		w[2] = 0x0123456789abcdefULL;
		memcpy(key, w, 32);
		return 32;
	case 5:		/* text */
		return snprintf((char *)key, 32, "key%u", i);
	default:	/* numbers as text, of 1 to 4 bytes */
		return snprintf((char *)key, 32, "%u", i);
	}
	memcpy(key, w, 8);
	return 8;
}

/*
 * Structured keys, of the kinds that seed-independent attacks on other
 * multiply-mix hashes build from (counters, sparse bits, swapped words,
 * blocks with fixed differences: Aumasson and Bernstein's multicollisions
 * of MurmurHash and CityHash are of that make), spread over the home
 * slots of a table as random keys do, in both epochs of the fast hash and
 * whatever the secret: 3 * 1024 keys in 4096 slots, where random keys
 * put more than 12 in one slot with a chance of about 10^-6.
 */
static void syncmap_test_hash_structured_keys(struct kunit *test)
{
	struct tctx *ctx;
	unsigned int f, i, epoch, round, worst = 0;
	u8 *load, key[32];
	size_t len;
	u64 h;

	load = kunit_kzalloc(test, BIT(STRUCT_BITS), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, load);
	for (round = 0; round < 4; round++) {
		ctx = tctx_new(test, 0);	/* a map: fresh secrets */
		for (epoch = 0; epoch < SYNCMAP_EPOCH_SIPHASH; epoch++) {
			for (f = 0; f < 7; f++) {
				memset(load, 0, BIT(STRUCT_BITS));
				for (i = 0; i < STRUCT_KEYS; i++) {
					len = structured_key(f, i, key);
					h = syncmap_hash_epoch(ctx->map, epoch,
							       key, len);
					load[h >> (64 - STRUCT_BITS)]++;
				}
				for (i = 0; i < BIT(STRUCT_BITS); i++)
					worst = max_t(unsigned int, worst,
						      load[i]);
			}
		}
	}
	KUNIT_EXPECT_LE(test, worst, 12);
}

/*
 * Keys chosen to collide under the map's hash: the table they fill trips
 * the watchdog (a key placed SYNCMAP_PROBE_LIMIT slots or more from home),
 * the next build places them by a fresh secret, where they spread again;
 * keys chosen for that secret move the map to hsiphash, for good. Nothing
 * is lost, every value is released exactly once.
 */
static void syncmap_test_flood_rekeys(struct kunit *test)
{
	const unsigned int n = 2 * FLOOD_KEYS + 2;
	struct tctx *ctx = tctx_new(test, n);
	struct syncmap *map = ctx->map;
	struct syncmap_counters c;
	u32 *keys, next = 1;

	keys = kunit_kzalloc(test, 2 * FLOOD_KEYS * sizeof(*keys), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keys);
	KUNIT_ASSERT_EQ(test, 0, map->epoch);

	flood_keys(map, 0, &next, keys, FLOOD_KEYS);
	store_keys(test, ctx, keys, FLOOD_KEYS, 0);
	KUNIT_EXPECT_EQ(test, 1, map->epoch);
	KUNIT_EXPECT_EQ(test, 1, map->counters.floods);
	expect_keys(test, ctx, keys, FLOOD_KEYS, 0);
	rebuild(test, ctx, next++, &ctx->vals[n - 2]);
	KUNIT_EXPECT_EQ(test, 1, read_table(map)->epoch);
	KUNIT_EXPECT_LT(test, max_displacement(read_table(map)),
			SYNCMAP_PROBE_LIMIT / 2);
	KUNIT_EXPECT_EQ(test, 1, map->counters.floods);
	expect_keys(test, ctx, keys, FLOOD_KEYS, 0);

	/* Found out again: hsiphash, and there it stays. */
	flood_keys(map, 1, &next, keys + FLOOD_KEYS, FLOOD_KEYS);
	store_keys(test, ctx, keys + FLOOD_KEYS, FLOOD_KEYS, FLOOD_KEYS);
	KUNIT_EXPECT_EQ(test, SYNCMAP_EPOCH_SIPHASH, map->epoch);
	rebuild(test, ctx, next++, &ctx->vals[n - 1]);
	KUNIT_EXPECT_EQ(test, SYNCMAP_EPOCH_SIPHASH, read_table(map)->epoch);
	KUNIT_EXPECT_LT(test, max_displacement(read_table(map)),
			SYNCMAP_PROBE_LIMIT / 2);
	expect_keys(test, ctx, keys, 2 * FLOOD_KEYS, 0);
	syncmap_get_counters(map, &c);
	KUNIT_EXPECT_EQ(test, 2, c.floods);
	KUNIT_EXPECT_EQ(test, SYNCMAP_EPOCH_SIPHASH, c.hash_epoch);
	KUNIT_EXPECT_EQ(test, n, c.entries);

	/* A clear keeps the epoch: its empty table is placed by hsiphash. */
	syncmap_clear(map);
	KUNIT_EXPECT_EQ(test, SYNCMAP_EPOCH_SIPHASH, read_table(map)->epoch);
	rcu_barrier();		/* releases run after a grace period */
	KUNIT_EXPECT_EQ(test, n, atomic_read(&ctx->released));
	store_keys(test, ctx, keys, 1, 0);
	expect_keys(test, ctx, keys, 1, 0);
	syncmap_destroy(map);
	ctx->map = NULL;
	KUNIT_EXPECT_EQ(test, n + 1, atomic_read(&ctx->released));
}

/*
 * A table trips the watchdog once, however many keys it then places far
 * from home: one flood moves the map one epoch on, not through all of
 * them. Besides the flood's own keys, a build copies the read table's:
 * here the read table (4096 slots) holds a run of TRIP_RUN keys that share
 * a home seven eighths into it, and TRIP_FILL keys homed away from that
 * run, so that it is exactly TRIP_RUN slots long. The next build's new
 * keys share the run's home: each first runs a copy step of
 * SYNCMAP_COPY_STEP slots, so the build reaches the run after 7/8 * 4096 /
 * SYNCMAP_COPY_STEP new keys have taken its home in the dirty table, and
 * copies the run behind them, a step (and a new key) at a time. The trip
 * comes while the run is being copied, and the rest of it, copied by the
 * lookups that promote the table, lands further still.
 */
#define TRIP_FILL	1100
#define TRIP_RUN	450
#define TRIP_MORE	200
#define TRIP_SLOTS	4096
#define TRIP_HOME	(TRIP_SLOTS / 8 * 7)

static void syncmap_test_flood_trips_once(struct kunit *test)
{
	const unsigned int n = TRIP_FILL + TRIP_RUN + TRIP_MORE;
	const unsigned int shift = 64 - ilog2(TRIP_SLOTS);
	/* the run, and then some, wrapping past the table's end */
	const unsigned int lo = TRIP_HOME - 64, hi = TRIP_SLOTS + 256;
	struct tctx *ctx = tctx_new(test, n);
	struct syncmap *map = ctx->map;
	u32 *keys, k, next = 1, want = TRIP_HOME >> (ilog2(TRIP_SLOTS) -
						      FLOOD_BITS);
	unsigned int i, home;

	BUILD_BUG_ON(TRIP_RUN >= SYNCMAP_PROBE_LIMIT);
	BUILD_BUG_ON(TRIP_HOME / SYNCMAP_COPY_STEP + TRIP_RUN <
		     SYNCMAP_PROBE_LIMIT + 16);
	keys = kunit_kzalloc(test, n * sizeof(*keys), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keys);
	for (i = 0, k = 1U << 31; i < TRIP_FILL; k++) {
		home = syncmap_hash_epoch(map, 0, &k, sizeof(k)) >> shift;
		if (home < hi - TRIP_SLOTS || home >= lo)
			continue;
		keys[i++] = k;
	}
	flood_keys_at(map, 0, &next, &keys[TRIP_FILL], TRIP_RUN + TRIP_MORE,
		      want);
	store_keys(test, ctx, keys, TRIP_FILL, 0);
	promote(test, map);
	store_keys(test, ctx, &keys[TRIP_FILL], TRIP_RUN, TRIP_FILL);
	promote(test, map);
	KUNIT_ASSERT_EQ(test, 0, map->counters.floods);
	KUNIT_ASSERT_EQ(test, TRIP_SLOTS, read_table(map)->size);
	KUNIT_ASSERT_EQ(test, TRIP_RUN - 1,
			max_displacement(read_table(map)));

	for (i = TRIP_FILL + TRIP_RUN; i < n && !map->counters.floods; i++)
		store_keys(test, ctx, &keys[i], 1, i);
	KUNIT_ASSERT_EQ(test, 1, map->counters.floods);
	KUNIT_ASSERT_NOT_NULL(test, dirty_table(map));
	KUNIT_EXPECT_LT(test, dirty_table(map)->copied, TRIP_HOME + TRIP_RUN);
	promote(test, map);
	/* keys copied after the trip went further still */
	KUNIT_EXPECT_GE(test, max_displacement(read_table(map)),
			SYNCMAP_PROBE_LIMIT + 16);
	KUNIT_EXPECT_EQ(test, 1, map->counters.floods);
	KUNIT_EXPECT_EQ(test, 1, map->epoch);
	expect_keys(test, ctx, keys, i, 0);
}

/* Counts the keys syncmap_range() visits. */
static bool count_fn(const void *key, size_t len, void *value, void *arg)
{
	(*(int *)arg)++;
	return true;
}

/*
 * The dirty table that tripped is not filled further: the next new key
 * starts its successor in the new epoch, which takes it over a step at a
 * time (dirty_handover_locked()) while lookups, writers and range find its
 * keys through the successor's pending. A destroy in the middle of the
 * takeover releases every value once and frees every entry once (ASan
 * and the release counts tell).
 */
static void syncmap_test_flood_handover(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2 * FLOOD_KEYS);
	struct syncmap *map = ctx->map;
	struct syncmap_table *d, *p;
	unsigned int n;
	u32 *keys, next = 1;
	unsigned int i;
	int visited = 0;

	keys = kunit_kzalloc(test, FLOOD_KEYS * sizeof(*keys), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keys);
	flood_keys(map, 0, &next, keys, FLOOD_KEYS);
	for (i = 0; i < FLOOD_KEYS && !map->epoch; i++)
		store_keys(test, ctx, keys + i, 1, i);
	KUNIT_ASSERT_EQ(test, 1, map->epoch);
	KUNIT_ASSERT_LT(test, i, FLOOD_KEYS);
	p = dirty_table(map);
	KUNIT_ASSERT_TRUE(test, p->tripped);
	store_keys(test, ctx, keys + i, 1, i);	/* the next new key */
	d = dirty_table(map);
	KUNIT_ASSERT_PTR_NE(test, p, d);
	KUNIT_ASSERT_PTR_EQ(test, p, d->pending);
	KUNIT_EXPECT_EQ(test, 0, p->epoch);
	KUNIT_EXPECT_EQ(test, 1, d->epoch);
	KUNIT_EXPECT_LT(test, d->adopted, p->size);
	/* keys of the successor and of the table it takes over: all found */
	expect_keys(test, ctx, keys, i + 1, 0);
	syncmap_range(map, count_fn, &visited);
	KUNIT_EXPECT_EQ(test, i + 1, visited);
	/* a clear in the middle of the takeover: each value released once */
	syncmap_clear(map);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, i + 1, atomic_read(&ctx->released));
	KUNIT_EXPECT_EQ(test, 0, syncmap_len(map));

	/* again, to the end: the successor's probes are short */
	store_keys(test, ctx, keys, FLOOD_KEYS, i + 1);
	KUNIT_EXPECT_EQ(test, 1, map->counters.floods);
	expect_keys(test, ctx, keys, FLOOD_KEYS, i + 1);
	KUNIT_EXPECT_EQ(test, 1, read_table(map)->epoch);
	KUNIT_EXPECT_LT(test, max_displacement(read_table(map)),
			SYNCMAP_PROBE_LIMIT / 2);
	d = dirty_table(map);
	if (d)
		KUNIT_EXPECT_LT(test, max_displacement(d),
				SYNCMAP_PROBE_LIMIT / 2);
	n = i + 1 + FLOOD_KEYS;
	syncmap_destroy(map);
	ctx->map = NULL;
	KUNIT_EXPECT_EQ(test, n, atomic_read(&ctx->released));
}

/*
 * An iteration through syncmap_range_from() that spans a rekey keeps the
 * order it began in and Go's guarantee: every key present throughout
 * once, none twice, the flood's keys (stored meanwhile) at most once. A
 * new iteration takes the new order.
 */
static void syncmap_test_range_across_rekey(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, RF_KEYS + FLOOD_KEYS + 1);
	struct rf_state *rs = kunit_kzalloc(test, sizeof(*rs), GFP_KERNEL);
	u32 *keys, next = 1;
	int i, calls = 0;
	u64 pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, rs);
	keys = kunit_kzalloc(test, FLOOD_KEYS * sizeof(*keys), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keys);
	for (i = 0; i <= (int)FLOOD_KEYS; i++)	/* tval.key: past the others */
		ctx->vals[RF_KEYS + i].key = RF_KEYS + (i % RF_KEYS);
	rs->ctx = ctx;
	rs->batch = 7;
	store_n(test, ctx, 0, RF_KEYS);
	promote(test, ctx->map);
	KUNIT_ASSERT_GE(test, rf_walk(rs, &pos), 0);
	KUNIT_ASSERT_GE(test, rf_walk(rs, &pos), 0);

	flood_keys(ctx->map, 0, &next, keys, FLOOD_KEYS);
	store_keys(test, ctx, keys, FLOOD_KEYS, RF_KEYS);
	rebuild(test, ctx, next++, &ctx->vals[RF_KEYS + FLOOD_KEYS]);
	KUNIT_ASSERT_EQ(test, 1, read_table(ctx->map)->epoch);

	while (rf_walk(rs, &pos) >= 0 && calls < 1000)
		calls++;
	KUNIT_EXPECT_EQ(test, 0, rs->bad);
	for (i = 0; i < RF_KEYS; i++)
		KUNIT_EXPECT_EQ(test, 1, rs->seen[i]);
	for (i = RF_KEYS; i < 2 * RF_KEYS; i++)
		KUNIT_EXPECT_LE(test, rs->seen[i], FLOOD_KEYS / RF_KEYS + 1);

	/* A new iteration, in the new order. */
	memset(rs->seen, 0, sizeof(rs->seen));
	rs->epoch = 1;
	rs->last_hash = 0;
	pos = 0;
	calls = 0;
	while (rf_walk(rs, &pos) >= 0 && calls < 1000)
		calls++;
	KUNIT_EXPECT_EQ(test, 0, rs->bad);
	for (i = 0; i < RF_KEYS; i++)
		KUNIT_EXPECT_EQ(test, 1, rs->seen[i]);
	KUNIT_EXPECT_EQ(test, 1, (int)((pos >> 1) & 3));
}

/*
 * Tags carry bits the home slot does not: entries whose probe runs overlap
 * share a tag no more often than chance says (about 1 pair in 2^31; a tag
 * made of the home bits would match most pairs here).
 */
static void syncmap_test_tags_independent(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 2000);
	struct syncmap_table *t;
	unsigned int i, j, mask, same = 0, pairs = 0;

	store_n(test, ctx, 0, 2000);
	promote(test, ctx->map);
	t = read_table(ctx->map);
	mask = t->size - 1;
	for (i = 0; i < t->size; i++) {
		if (!t->slots[i].entry)
			continue;
		for (j = syncmap_home(t, syncmap_entry_hash(t->slots[i].entry));
		     j != i; j = (j + 1) & mask) {
			pairs++;
			same += t->slots[j].tag == t->slots[i].tag;
		}
	}
	KUNIT_EXPECT_GT(test, pairs, 500);
	KUNIT_EXPECT_LE(test, same, 2);
}

/* Keys of 8 to 16 bytes compare without memcmp(): every byte counts. */
static void syncmap_test_short_keys(struct kunit *test)
{
	struct tctx *ctx = tctx_new(test, 17 * 2);
	u8 key[16], other[40];
	size_t len, i;

	/* the comparison itself, also where no hash would tell keys apart */
	for (len = 0; len <= sizeof(other); len++) {
		u8 *a = kunit_kzalloc(test, len + 1, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, a);
		memset(other, 'o', sizeof(other));
		memset(a, 'o', len);
		KUNIT_EXPECT_TRUE(test, syncmap_key_equal(a, other, len));
		for (i = 0; i < len; i++) {
			other[i] ^= 0x80;
			KUNIT_EXPECT_FALSE(test, syncmap_key_equal(a, other, len));
			other[i] ^= 0x80;
		}
	}

	memset(key, 'k', sizeof(key));
	for (len = 0; len <= 16; len++)
		store_ok(test, ctx->map, key, len, &ctx->vals[len]);
	promote(test, ctx->map);
	for (len = 0; len <= 16; len++) {
		KUNIT_EXPECT_PTR_EQ(test, &ctx->vals[len],
				    load(ctx->map, key, len));
		for (i = 0; i < len; i++) {
			key[i] ^= 1;
			KUNIT_EXPECT_NULL(test, load(ctx->map, key, len));
			key[i] ^= 1;
		}
	}
}

/* ---- differential: random operations against a model ----------------- */

#define DIFF_KEYS	48
#define DIFF_OPS	20000

struct diff_state {
	struct tval *model[DIFF_KEYS];
	bool handed_back[DIFF_OPS];
	bool stored[DIFF_OPS];
	int seen[DIFF_KEYS];
	int bad;
};

static u32 xorshift(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static bool diff_range_fn(const void *key, size_t len, void *value, void *arg)
{
	struct diff_state *ds = arg;
	int k = *(const u8 *)key;

	if (len != 1 || k >= DIFF_KEYS || ds->model[k] != value)
		ds->bad++;
	else
		ds->seen[k]++;
	return true;
}

static void syncmap_test_differential(struct kunit *test)
{
	bool boxed = param_boxed(test);
	struct tctx *ctx = tctx_new_map(test, DIFF_OPS, boxed);
	struct diff_state *ds = kunit_kzalloc(test, sizeof(*ds), GFP_KERNEL);
	struct syncmap *map = ctx->map;
	u32 seed = 0x5eed1234;
	int op, nextv = 0, i, live;

	KUNIT_ASSERT_NOT_NULL(test, ds);
	for (op = 0; op < DIFF_OPS && nextv < DIFF_OPS; op++) {
		u8 k = xorshift(&seed) % DIFF_KEYS;
		struct tval *cur = ds->model[k];
		struct tval *v = &ctx->vals[nextv];
		bool loaded;
		void *r;

		switch (xorshift(&seed) % 11) {
		case 0:
			KUNIT_EXPECT_PTR_EQ(test, cur, load(map, &k, 1));
			break;
		case 1:
			KUNIT_ASSERT_EQ(test, 0, syncmap_store(map, &k, 1, v,
							       GFP_KERNEL));
			ds->stored[nextv++] = true;
			ds->model[k] = v;
			break;
		case 2:
			r = syncmap_load_or_store(map, &k, 1, v, &loaded,
						  GFP_KERNEL);
			KUNIT_EXPECT_EQ(test, loaded, !!cur);
			KUNIT_EXPECT_PTR_EQ(test, r, cur ? cur : v);
			if (!cur) {
				ds->stored[nextv++] = true;
				ds->model[k] = v;
			}
			break;
		case 3:
			r = syncmap_load_and_delete(map, &k, 1);
			KUNIT_EXPECT_PTR_EQ(test, cur, r);
			if (cur)
				ds->handed_back[cur - ctx->vals] = true;
			ds->model[k] = NULL;
			break;
		case 4:
			KUNIT_EXPECT_EQ(test, !!cur,
					syncmap_delete(map, &k, 1));
			ds->model[k] = NULL;
			break;
		case 5:
			r = syncmap_swap(map, &k, 1, v, GFP_KERNEL);
			KUNIT_EXPECT_PTR_EQ(test, cur, r);
			if (cur)
				ds->handed_back[cur - ctx->vals] = true;
			ds->stored[nextv++] = true;
			ds->model[k] = v;
			break;
		case 6:
			/* Half the time with the right old value. */
			r = (xorshift(&seed) & 1) && cur ? cur : v + 1;
			loaded = syncmap_compare_and_swap(map, &k, 1, r, v);
			KUNIT_EXPECT_EQ(test, loaded, cur && r == cur);
			if (loaded) {
				ds->stored[nextv++] = true;
				ds->model[k] = v;
			}
			break;
		case 7:
			r = (xorshift(&seed) & 1) && cur ? cur : v + 1;
			loaded = syncmap_compare_and_delete(map, &k, 1, r);
			KUNIT_EXPECT_EQ(test, loaded, cur && r == cur);
			if (loaded)
				ds->model[k] = NULL;
			break;
		case 8:
			memset(ds->seen, 0, sizeof(ds->seen));
			syncmap_range(map, diff_range_fn, ds);
			for (i = 0; i < DIFF_KEYS; i++)
				KUNIT_EXPECT_EQ(test, ds->model[i] ? 1 : 0,
						ds->seen[i]);
			break;
		case 9:
			if (xorshift(&seed) % 64 == 0) {
				syncmap_clear(map);
				memset(ds->model, 0, sizeof(ds->model));
			}
			break;
		default:
			/* Misses drive promotions. */
			k += DIFF_KEYS;
			KUNIT_EXPECT_NULL(test, load(map, &k, 1));
			break;
		}
		for (i = 0, live = 0; i < DIFF_KEYS; i++)
			live += !!ds->model[i];
		KUNIT_ASSERT_EQ(test, live, syncmap_len(map));
	}
	KUNIT_EXPECT_EQ(test, 0, ds->bad);
	KUNIT_EXPECT_GT(test, map->counters.promotions, 10);
	KUNIT_EXPECT_GT(test, map->counters.revivals, 10);

	/*
	 * Ownership: everything stored and not handed back is released once
	 * (by a map without a release callback: nothing, ever).
	 */
	tctx_destroy(ctx);
	for (i = 0; i < DIFF_OPS; i++)
		KUNIT_EXPECT_EQ(test,
				boxed && ds->stored[i] && !ds->handed_back[i],
				atomic_read(&ctx->vals[i].released));
}

/* ---- allocation failures --------------------------------------------- */

#ifdef CONFIG_FAILSLAB
/*
 * Systematic fault injection, the fail-nth way (Documentation/
 * fault-injection/fault-injection.rst): every operation, in each map
 * state that takes another allocation path, runs with its 1st allocation
 * failing, then its 2nd, ... until a run meets no injected failure. Each
 * run must either fail with -ENOMEM and leave the map exactly as it was
 * (same keys, values and length; the offered value not released), or, if
 * the injected failure hit an allocation the kernel recovers from (say
 * kmemleak's metadata), succeed completely.
 *
 * The operations allocate with GFP_ATOMIC, which failslab fails even with
 * its default ignore-gfp-wait=Y; syncmap_create()'s GFP_KERNEL
 * allocations fail only with ignore-gfp-wait=N (the test VM sets it). The
 * user-space build fails its own allocator the same way.
 */
#define FAULT_KEYS 24

struct fault_snap {
	int n;
	u32 keys[FAULT_KEYS + 8];
	void *vals[FAULT_KEYS + 8];
};

/* @k's value in @s (values are never NULL), or NULL if absent. */
static void *fault_snap_get(const struct fault_snap *s, u32 k)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->keys[i] == k)
			return s->vals[i];
	return NULL;
}

static void fault_snap_table(struct syncmap *map, struct syncmap_table *t,
			     struct fault_snap *s)
{
	unsigned int i;
	void *p;
	u32 k;

	for (i = 0; t && i < t->size; i++) {
		struct syncmap_entry *e = t->slots[i].entry;

		if (!e || e->key_len != sizeof(k))
			continue;
		p = rcu_dereference(e->p);
		if (!syncmap_word_is_live(e, p))
			continue;
		memcpy(&k, e->key, sizeof(k));
		if (fault_snap_get(s, k) || s->n == ARRAY_SIZE(s->keys))
			continue;	/* in both tables: one entry */
		s->keys[s->n] = k;
		s->vals[s->n++] = syncmap_word_value(map, p);
	}
}

/*
 * The live keys of both tables, read directly: a load or a range would
 * count misses or promote, and so change the state under test.
 */
static void fault_snap(struct syncmap *map, struct fault_snap *s)
{
	unsigned long flags;

	s->n = 0;
	raw_spin_lock_irqsave(&map->lock, flags);
	rcu_read_lock();
	fault_snap_table(map, rcu_dereference(map->read), s);
	fault_snap_table(map, dirty_table(map), s);
	rcu_read_unlock();
	raw_spin_unlock_irqrestore(&map->lock, flags);
}

static bool fault_snap_equal(const struct fault_snap *a,
			     const struct fault_snap *b)
{
	int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (fault_snap_get(b, a->keys[i]) != a->vals[i])
			return false;
	return true;
}

enum fault_state { FAULT_EMPTY, FAULT_READ, FAULT_DIRTY, FAULT_NR_STATES };

static const char *const fault_state_name[] = {
	"empty map", "read table only", "read and dirty tables",
};

/* Keys 0..19 in the read table, 3 deleted; FAULT_DIRTY adds key 20,
 * whose dirty build expunges 3.
 */
static struct syncmap *fault_map(struct kunit *test, struct tctx *ctx,
				 enum fault_state st, bool boxed)
{
	struct syncmap *map = syncmap_create(boxed ? tval_release : NULL);
	u32 k;

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	if (st == FAULT_EMPTY)
		return map;
	for (k = 0; k < 20; k++)
		store_ok(test, map, &k, sizeof(k), &ctx->vals[k]);
	promote(test, map);
	k = 3;
	KUNIT_EXPECT_TRUE(test, syncmap_delete(map, &k, sizeof(k)));
	if (st == FAULT_DIRTY) {
		k = 20;
		store_ok(test, map, &k, sizeof(k), &ctx->vals[k]);
	}
	return map;
}

struct fault_op {
	const char *name;
	u32 key;
	/* Offers @v for @key; returns 0 or the error. */
	int (*fn)(struct syncmap *map, u32 key, struct tctx *ctx, void *v);
	/* What @key holds after a success (NULL: absent). */
	void *(*expect)(const struct fault_snap *before, struct tctx *ctx,
			u32 key, void *v);
	bool allocates;
	/* On a key the read table holds, a bare map allocates nothing. */
	bool bare_in_place;
};

static int fault_store(struct syncmap *map, u32 k, struct tctx *ctx, void *v)
{
	return syncmap_store(map, &k, sizeof(k), v, GFP_ATOMIC);
}

static int fault_load_or_store(struct syncmap *map, u32 k, struct tctx *ctx,
			       void *v)
{
	bool loaded;
	void *r = syncmap_load_or_store(map, &k, sizeof(k), v, &loaded,
					GFP_ATOMIC);

	return IS_ERR(r) ? PTR_ERR(r) : 0;
}

static int fault_swap(struct syncmap *map, u32 k, struct tctx *ctx, void *v)
{
	void *r = syncmap_swap(map, &k, sizeof(k), v, GFP_ATOMIC);

	return IS_ERR(r) ? PTR_ERR(r) : 0;	/* r is ours, uncounted */
}

static int fault_cas(struct syncmap *map, u32 k, struct tctx *ctx, void *v)
{
	int r = syncmap_compare_and_swap_gfp(map, &k, sizeof(k),
					     &ctx->vals[k], v, GFP_ATOMIC);

	return r < 0 ? r : 0;
}

static int fault_delete(struct syncmap *map, u32 k, struct tctx *ctx, void *v)
{
	syncmap_delete(map, &k, sizeof(k));
	return 0;
}

static int fault_load_and_delete(struct syncmap *map, u32 k, struct tctx *ctx,
				 void *v)
{
	syncmap_load_and_delete(map, &k, sizeof(k));
	return 0;
}

static int fault_compare_and_delete(struct syncmap *map, u32 k,
				    struct tctx *ctx, void *v)
{
	syncmap_compare_and_delete(map, &k, sizeof(k), &ctx->vals[k]);
	return 0;
}

static void *fault_expect_offered(const struct fault_snap *before,
				  struct tctx *ctx, u32 k, void *v)
{
	return v;
}

static void *fault_expect_kept(const struct fault_snap *before,
			       struct tctx *ctx, u32 k, void *v)
{
	return fault_snap_get(before, k) ?: v;
}

static void *fault_expect_swapped(const struct fault_snap *before,
				  struct tctx *ctx, u32 k, void *v)
{
	void *old = fault_snap_get(before, k);

	return old == &ctx->vals[k] ? v : old;
}

static void *fault_expect_absent(const struct fault_snap *before,
				 struct tctx *ctx, u32 k, void *v)
{
	return NULL;
}

static void *fault_expect_deleted(const struct fault_snap *before,
				  struct tctx *ctx, u32 k, void *v)
{
	void *old = fault_snap_get(before, k);

	return old == &ctx->vals[k] ? NULL : old;
}

static const struct fault_op fault_ops[] = {
	{ "store, new key", 30, fault_store, fault_expect_offered, true },
	{ "store, present key", 5, fault_store, fault_expect_offered, true,
	  true },
	{ "store, deleted key", 3, fault_store, fault_expect_offered, true,
	  true },
	{ "load_or_store, new key", 31, fault_load_or_store,
	  fault_expect_offered, true },
	{ "load_or_store, present key", 6, fault_load_or_store,
	  fault_expect_kept, true, true },
	{ "swap, new key", 32, fault_swap, fault_expect_offered, true },
	{ "swap, present key", 7, fault_swap, fault_expect_offered, true,
	  true },
	{ "compare_and_swap_gfp", 8, fault_cas, fault_expect_swapped, true,
	  true },
	{ "delete", 9, fault_delete, fault_expect_absent, false },
	{ "load_and_delete", 10, fault_load_and_delete, fault_expect_absent,
	  false },
	{ "compare_and_delete", 11, fault_compare_and_delete,
	  fault_expect_deleted, false },
};

/* Returns the number of failures that surfaced as -ENOMEM. */
static int fault_run(struct kunit *test, struct tctx *ctx,
		     const struct fault_op *op, enum fault_state st,
		     bool boxed)
{
	struct tval *offered = &ctx->vals[FAULT_KEYS + 1];
	struct fault_snap before, after;
	int n, err, rel0, surfaced = 0;
	struct syncmap *map;
	size_t len0;
	bool hit;

	for (n = 1; n < 64; n++) {
		map = fault_map(test, ctx, st, boxed);
		fault_snap(map, &before);
		len0 = syncmap_len(map);
		settle();
		rel0 = atomic_read(&offered->released);

		current->fail_nth = n;
		err = op->fn(map, op->key, ctx, offered);
		hit = !current->fail_nth;
		current->fail_nth = 0;
		if (!boxed && op->bare_in_place && st != FAULT_EMPTY)
			KUNIT_EXPECT_FALSE(test, hit);

		fault_snap(map, &after);
		settle();
		if (err) {
			KUNIT_EXPECT_EQ(test, -ENOMEM, err);
			KUNIT_EXPECT_TRUE(test, hit);
			KUNIT_EXPECT_TRUE(test, op->allocates);
			KUNIT_EXPECT_TRUE(test, fault_snap_equal(&before, &after));
			KUNIT_EXPECT_EQ(test, len0, syncmap_len(map));
			KUNIT_EXPECT_EQ(test, rel0, atomic_read(&offered->released));
			surfaced++;
		} else {
			KUNIT_EXPECT_PTR_EQ(test,
					    op->expect(&before, ctx, op->key,
						       offered),
					    load(map, &op->key,
						 sizeof(op->key)));
		}
		syncmap_destroy(map);
		if (test->status == KUNIT_FAILURE) {
			kunit_info(test, "%s, %s: allocation %d failed\n",
				   op->name, fault_state_name[st], n);
			return surfaced;
		}
		if (!hit)
			return surfaced;	/* ran every allocation */
	}
	KUNIT_FAIL(test, "%s, %s: still failing after 63 allocations\n",
		   op->name, fault_state_name[st]);
	return surfaced;
}

static void syncmap_test_alloc_failures(struct kunit *test)
{
	bool boxed = param_boxed(test);
	struct tctx *ctx = tctx_new(test, FAULT_KEYS + 2);
	struct syncmap *map;
	int n, st, surfaced = 0;
	size_t i;

	for (n = 1; n < 8; n++) {
		current->fail_nth = n;
		map = syncmap_create(boxed ? tval_release : NULL);
		current->fail_nth = 0;
		if (!IS_ERR(map)) {
			syncmap_destroy(map);
			break;
		}
		KUNIT_EXPECT_EQ(test, -ENOMEM, PTR_ERR(map));
	}
	for (st = 0; st < FAULT_NR_STATES; st++)
		for (i = 0; i < ARRAY_SIZE(fault_ops); i++)
			surfaced += fault_run(test, ctx, &fault_ops[i], st,
					      boxed);
	kunit_info(test, "%d injected allocation failures surfaced as -ENOMEM\n",
		   surfaced);
	/*
	 * Each op that allocates failed at least once: with boxes, the 7
	 * writes in every state; bare, at least the 3 writes of new keys.
	 */
	KUNIT_EXPECT_GE(test, surfaced, (boxed ? 7 : 3) * FAULT_NR_STATES);
}
#else
static void syncmap_test_alloc_failures(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_FAILSLAB");
}
#endif

/* ---- concurrency ---------------------------------------------------------- */

/*
 * Thread counts, from the CPUs there are (as kcsan_test does): two, and
 * twice the CPUs, so that threads are also preempted in the middle of
 * their operations.
 */
static const int thread_modes[] = { 0, 1 };	/* 2; twice the CPUs */

static int threads_of(const int *mode)
{
	return *mode ? max(2U * num_online_cpus(), 3U) : 2;
}

static void threads_desc(const int *mode, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d threads", threads_of(mode));
}

/* KUnit's own generator: its signature changed in 7.x */
KUNIT_ARRAY_PARAM(threads, thread_modes, threads_desc);

struct hammer {
	struct syncmap *map;
	int nthreads;
	int iters;
	atomic_t running;
	atomic_t failures;
	atomic_long_t allocated;
	atomic_long_t freed;
	atomic_long_t cas_done;
	struct completion done;
	struct hammer_thread *threads;
	void *data;		/* the case's own state */
};

/* What each kthread is given: its hammer, its own index, its task. */
struct hammer_thread {
	struct hammer *h;
	int index;
	struct task_struct *task;	/* NULL once stopped */
};

/* A heap value that names its key, freed by the release callback. */
struct hval {
	struct hammer *h;
	u32 key;
	long n;
	struct rcu_head rcu;
};

static void hval_release(void *value)
{
	struct hval *v = value;

	atomic_long_inc(&v->h->freed);
	kfree(v);
}

static struct hval *hval_new(struct hammer *h, u32 key, long n)
{
	struct hval *v = kmalloc(sizeof(*v), GFP_KERNEL);

	if (v) {
		v->h = h;
		v->key = key;
		v->n = n;
		atomic_long_inc(&h->allocated);
	}
	return v;
}

/* Ours again (handed back, or never stored): free after a grace period. */
static void hval_drop(struct hval *v)
{
	if (v) {
		atomic_long_inc(&v->h->freed);
		kfree_rcu(v, rcu);
	}
}

/*
 * Cleanup actions: each thread stopped, then (registered first) the map;
 * hammer_stop() runs them early, so each does nothing the second time.
 */
static void hammer_thread_stop(void *data)
{
	struct hammer_thread *ht = data;

	if (!ht->task)
		return;
	kthread_stop(ht->task);
	put_task_struct(ht->task);
	ht->task = NULL;
}

static void hammer_destroy_map(void *data)
{
	struct hammer *h = data;

	syncmap_destroy(h->map);
	h->map = NULL;
}

/* Stop the threads and destroy the map now, to count what was freed. */
static void hammer_stop(struct hammer *h)
{
	int i;

	for (i = 0; h->threads && i < h->nthreads; i++)
		hammer_thread_stop(&h->threads[i]);
	hammer_destroy_map(h);
}

static struct hammer *hammer_new_threads(struct kunit *test, int nthreads,
					 int iters,
					 void (*release)(void *value))
{
	struct hammer *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->nthreads = nthreads;
	h->iters = iters;
	init_completion(&h->done);
	h->map = syncmap_create(release);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h->map));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, hammer_destroy_map, h));
	return h;
}

static struct hammer *hammer_new_map(struct kunit *test, int iters,
				     void (*release)(void *value))
{
	return hammer_new_threads(test, threads_of(test->param_value), iters,
				  release);
}

static struct hammer *hammer_new(struct kunit *test, int iters)
{
	return hammer_new_map(test, iters, hval_release);
}

/* Threads run to completion, then wait to be stopped. */
static void hammer_finish(struct hammer *h)
{
	if (atomic_dec_and_test(&h->running))
		complete(&h->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 100);
}

/*
 * Start the threads, each with its own struct hammer_thread and its own
 * stop action, and wait until all have run to completion. They are all
 * created before any runs: if one cannot be, the case fails and the
 * others are stopped before they ran (kthread_stop() of a thread never
 * woken does not run it).
 */
static void hammer_run(struct kunit *test, struct hammer *h,
		       int (*fn)(void *))
{
	struct hammer_thread *ht;
	struct task_struct *t;
	int i;

	ht = kunit_kzalloc(test, sizeof(*ht) * h->nthreads, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ht);
	h->threads = ht;
	for (i = 0; i < h->nthreads; i++) {
		ht[i].h = h;
		ht[i].index = i;
		t = kthread_create(fn, &ht[i], "syncmap-test/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		get_task_struct(t);
		ht[i].task = t;
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test,
							  hammer_thread_stop,
							  &ht[i]));
	}
	atomic_set(&h->running, h->nthreads);
	for (i = 0; i < h->nthreads; i++)
		wake_up_process(ht[i].task);
	wait_for_completion(&h->done);
}

#define MIXED_KEYS 64

static bool mixed_range_fn(const void *key, size_t len, void *value,
			   void *arg)
{
	struct hval *v = value;
	struct hammer *h = arg;

	if (len != sizeof(u32) || memcmp(key, &v->key, len))
		atomic_inc(&h->failures);
	return true;
}

/*
 * Mixed operations on overlapping keys. Every value names its key, so a
 * reader that ever sees a value under another key, or a torn one, fails.
 * Fresh keys per thread force dirty builds and promotions all along.
 */
static int mixed_thread(void *data)
{
	struct hammer_thread *ht = data;
	struct hammer *h = ht->h;
	u32 seed = 0x9e3779b9 * (ht->index + 1);
	u32 fresh = (ht->index + 1) << 24;
	int i;

	for (i = 0; i < h->iters && !kthread_should_stop(); i++) {
		u32 k = xorshift(&seed) % MIXED_KEYS;
		struct hval *v, *r;
		bool loaded;

		switch (xorshift(&seed) % 10) {
		case 0:
		case 1:
		case 2:
			rcu_read_lock();
			r = syncmap_load(h->map, &k, sizeof(k));
			if (r && r->key != k)
				atomic_inc(&h->failures);
			rcu_read_unlock();
			break;
		case 3:
			v = hval_new(h, k, 0);
			if (!v || syncmap_store(h->map, &k, sizeof(k), v,
						GFP_KERNEL))
				hval_drop(v);
			break;
		case 4:
			v = hval_new(h, k, 0);
			if (!v)
				break;
			rcu_read_lock();
			r = syncmap_load_or_store(h->map, &k, sizeof(k), v,
						  &loaded, GFP_ATOMIC);
			if (IS_ERR(r) || r->key != k)
				atomic_inc(&h->failures);
			rcu_read_unlock();
			if (loaded || IS_ERR(r))
				hval_drop(v);
			break;
		case 5:
			hval_drop(syncmap_load_and_delete(h->map, &k,
							  sizeof(k)));
			break;
		case 6:
			syncmap_delete(h->map, &k, sizeof(k));
			break;
		case 7:
			v = hval_new(h, k, 0);
			if (!v)
				break;
			r = syncmap_swap(h->map, &k, sizeof(k), v,
					 GFP_KERNEL);
			if (IS_ERR(r))
				hval_drop(v);
			else if (r && r->key != k)
				atomic_inc(&h->failures);
			if (!IS_ERR(r))
				hval_drop(r);
			break;
		case 8:
			/* A new key, soon deleted: builds and promotions. */
			fresh++;
			v = hval_new(h, fresh, 0);
			if (!v || syncmap_store(h->map, &fresh,
						sizeof(fresh), v, GFP_KERNEL))
				hval_drop(v);
			if (fresh & 1)
				syncmap_delete(h->map, &fresh, sizeof(fresh));
			break;
		default:
			if (i % 64 == 0)
				syncmap_range(h->map, mixed_range_fn, h);
			if (i % 4096 == 0 && ht->index == 0)
				syncmap_clear(h->map);
			break;
		}
		if (!(i & 255))
			cond_resched();
	}
	hammer_finish(h);
	return 0;
}

static void syncmap_test_concurrent_mixed(struct kunit *test)
{
	struct hammer *h = hammer_new(test, 8000);
	struct syncmap_counters st;

	hammer_run(test, h, mixed_thread);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&h->failures));
	syncmap_get_counters(h->map, &st);
	kunit_info(test, "%d threads: %llu promotions, %llu builds, %llu copy steps, %llu revivals\n",
		   h->nthreads, st.promotions, st.dirty_builds,
		   st.copy_steps, st.revivals);
	KUNIT_EXPECT_GT(test, st.promotions, 0);
	hammer_stop(h);
	rcu_barrier();
	/* Every value allocated was freed exactly once, by us or the map. */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&h->allocated),
			atomic_long_read(&h->freed));
}

/*
 * A counter advanced only by compare_and_swap: every successful CAS adds
 * one, so the final value is exactly the number of successes. The CAS is
 * made inside the RCU section the old value was loaded in, so the old
 * pointer cannot be freed and reused meanwhile (no ABA).
 */
static int cas_thread(void *data)
{
	struct hammer_thread *ht = data;
	struct hammer *h = ht->h;
	u32 k = 0;
	int i;

	for (i = 0; i < h->iters && !kthread_should_stop();) {
		struct hval *cur, *v = hval_new(h, k, 0);
		bool ok;

		if (!v)
			continue;
		rcu_read_lock();
		cur = syncmap_load(h->map, &k, sizeof(k));
		v->n = cur->n + 1;
		ok = syncmap_compare_and_swap(h->map, &k, sizeof(k), cur, v);
		rcu_read_unlock();
		if (ok) {
			atomic_long_inc(&h->cas_done);
			i++;
		} else {
			hval_drop(v);
		}
		if (!(i & 63))
			cond_resched();
	}
	hammer_finish(h);
	return 0;
}

static void syncmap_test_concurrent_cas_counter(struct kunit *test)
{
	struct hammer *h = hammer_new(test, 3000);
	struct hval *v = hval_new(h, 0, 0);
	u32 k = 0;
	long n;

	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, 0, syncmap_store(h->map, &k, sizeof(k), v,
					       GFP_KERNEL));
	hammer_run(test, h, cas_thread);
	rcu_read_lock();
	v = syncmap_load(h->map, &k, sizeof(k));
	n = v ? v->n : -1;
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, (long)h->nthreads * h->iters, n);
	KUNIT_EXPECT_EQ(test, (long)h->nthreads * h->iters,
			atomic_long_read(&h->cas_done));
	hammer_stop(h);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&h->allocated),
			atomic_long_read(&h->freed));
}

/*
 * Each thread owns a range of keys and checks after every operation that
 * the map holds exactly what it last wrote there, while the other threads
 * add keys (dirty builds, promotions) and revive their own: an update lost
 * in a build or a promotion shows up as a mismatch.
 */
#define OWNED_KEYS 32

static int owned_thread(void *data)
{
	struct hammer_thread *ht = data;
	struct hammer *h = ht->h;
	int id = ht->index;
	u32 seed = 0x7f4a7c15u * (id + 1);
	long model[OWNED_KEYS] = {};
	u32 fresh = (id + 1) << 24;
	int i, j;

	for (i = 0; i < h->iters && !kthread_should_stop(); i++) {
		u32 slot = xorshift(&seed) % OWNED_KEYS;
		u32 k = id * OWNED_KEYS + slot;
		struct hval *v, *r;
		long got;

		switch (xorshift(&seed) % 4) {
		case 0:
		case 1:
			v = hval_new(h, k, i + 1);
			if (v && !syncmap_store(h->map, &k, sizeof(k), v,
						GFP_KERNEL))
				model[slot] = i + 1;
			else
				hval_drop(v);
			break;
		case 2:
			syncmap_delete(h->map, &k, sizeof(k));
			model[slot] = 0;
			break;
		default:
			fresh++;
			v = hval_new(h, fresh, 0);
			if (!v || syncmap_store(h->map, &fresh, sizeof(fresh),
						v, GFP_KERNEL))
				hval_drop(v);
			syncmap_delete(h->map, &fresh, sizeof(fresh));
			break;
		}
		rcu_read_lock();
		r = syncmap_load(h->map, &k, sizeof(k));
		got = r ? r->n : 0;
		rcu_read_unlock();
		if (got != model[slot])
			atomic_inc(&h->failures);
		if (!(i & 255))
			cond_resched();
	}
	for (j = 0; j < OWNED_KEYS; j++) {
		u32 k = id * OWNED_KEYS + j;
		struct hval *r;

		rcu_read_lock();
		r = syncmap_load(h->map, &k, sizeof(k));
		if ((r ? r->n : 0) != model[j])
			atomic_inc(&h->failures);
		rcu_read_unlock();
	}
	hammer_finish(h);
	return 0;
}

static void syncmap_test_concurrent_owned_keys(struct kunit *test)
{
	struct hammer *h = hammer_new(test, 8000);

	hammer_run(test, h, owned_thread);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&h->failures));
	KUNIT_EXPECT_GT(test, h->map->counters.revivals, 0);
	hammer_stop(h);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&h->allocated),
			atomic_long_read(&h->freed));
}

/*
 * Bare values under contention, in a map without a release callback. Each
 * thread owns keys whose values are integers naming key and step, checked
 * after every store, swap and load_and_delete; all threads advance one
 * shared counter by compare_and_swap of integers; fresh keys force dirty
 * builds (expunging the owned keys just deleted) and promotions.
 */
#define BARE_COUNTER	0xffffffffU

static void *bare_val(u32 k, int step)
{
	return (void *)(((unsigned long)k << 20) | step);
}

static int bare_thread(void *data)
{
	struct hammer_thread *ht = data;
	struct hammer *h = ht->h;
	int id = ht->index;
	u32 seed = 0x2545f491u * (id + 1);
	void *model[OWNED_KEYS] = {};
	u32 fresh = (id + 1) << 24, ck = BARE_COUNTER;
	int i, j;

	for (i = 0; i < h->iters && !kthread_should_stop(); i++) {
		u32 slot = xorshift(&seed) % OWNED_KEYS;
		u32 k = id * OWNED_KEYS + slot;
		void *v = bare_val(k, i + 1), *r;

		switch (xorshift(&seed) % 5) {
		case 0:
		case 1:
			if (!syncmap_store(h->map, &k, sizeof(k), v,
					   GFP_KERNEL))
				model[slot] = v;
			break;
		case 2:
			r = syncmap_swap(h->map, &k, sizeof(k), v, GFP_KERNEL);
			if (IS_ERR(r))
				break;
			if (r != model[slot])
				atomic_inc(&h->failures);
			model[slot] = v;
			break;
		case 3:
			r = syncmap_load_and_delete(h->map, &k, sizeof(k));
			if (r != model[slot])
				atomic_inc(&h->failures);
			model[slot] = NULL;
			break;
		default:
			rcu_read_lock();
			r = syncmap_load(h->map, &ck, sizeof(ck));
			rcu_read_unlock();
			if (syncmap_compare_and_swap(h->map, &ck, sizeof(ck), r,
						     r + 1))
				atomic_long_inc(&h->cas_done);
			fresh++;
			if (!syncmap_store(h->map, &fresh, sizeof(fresh),
					   bare_val(fresh, 1), GFP_KERNEL))
				syncmap_delete(h->map, &fresh, sizeof(fresh));
			break;
		}
		if (load(h->map, &k, sizeof(k)) != model[slot])
			atomic_inc(&h->failures);
		if (!(i & 255))
			cond_resched();
	}
	for (j = 0; j < OWNED_KEYS; j++) {
		u32 k = id * OWNED_KEYS + j;

		if (load(h->map, &k, sizeof(k)) != model[j])
			atomic_inc(&h->failures);
	}
	hammer_finish(h);
	return 0;
}

static void syncmap_test_concurrent_bare(struct kunit *test)
{
	struct hammer *h = hammer_new_map(test, 8000, NULL);
	u32 ck = BARE_COUNTER;
	void *first = (void *)1;

	KUNIT_ASSERT_EQ(test, 0, syncmap_store(h->map, &ck, sizeof(ck), first,
					       GFP_KERNEL));
	hammer_run(test, h, bare_thread);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&h->failures));
	KUNIT_EXPECT_GT(test, atomic_long_read(&h->cas_done), 0);
	KUNIT_EXPECT_PTR_EQ(test, first + atomic_long_read(&h->cas_done),
			    load(h->map, &ck, sizeof(ck)));
	KUNIT_EXPECT_GT(test, h->map->counters.promotions, 0);
	KUNIT_EXPECT_GT(test, h->map->counters.revivals, 0);
}

/*
 * Floods under readers: one thread stores keys chosen to collide under the
 * map's first secret, then under its second, while the others look up
 * keys stored before and check their values; each flood trips the
 * watchdog, and the tripped table is taken over by its successor while
 * the readers probe both. No reader misses a key; at the end the map is
 * on hsiphash and holds every key.
 */
#define CF_STABLE	256U

struct cflood {
	u32 *keys;		/* 2 * FLOOD_KEYS flood keys, as stored */
	bool done;
};

static int cflood_thread(void *arg)
{
	struct hammer_thread *ht = arg;
	struct hammer *h = ht->h;
	struct cflood *cf = h->data;
	u32 k, next = CF_STABLE + 1, epoch;
	void *v;

	if (!ht->index) {
		for (epoch = 0; epoch < SYNCMAP_EPOCH_SIPHASH; epoch++) {
			u32 *keys = cf->keys + epoch * FLOOD_KEYS;
			unsigned int i;

			flood_keys(h->map, epoch, &next, keys, FLOOD_KEYS);
			for (i = 0; i < FLOOD_KEYS; i++)
				if (syncmap_store(h->map, &keys[i], sizeof(u32),
						  (void *)(uintptr_t)(2 * keys[i]),
						  GFP_KERNEL))
					atomic_inc(&h->failures);
		}
		WRITE_ONCE(cf->done, true);
	} else {
		for (k = 0; !READ_ONCE(cf->done); k = (k + 1) % CF_STABLE) {
			u32 key = k + 1;

			rcu_read_lock();
			v = syncmap_load(h->map, &key, sizeof(key));
			rcu_read_unlock();
			if (v != (void *)(uintptr_t)(2 * key))
				atomic_inc(&h->failures);
			if (!(k % 64))
				cond_resched();
		}
	}
	hammer_finish(h);
	return 0;
}

static void syncmap_test_concurrent_flood(struct kunit *test)
{
	struct hammer *h = hammer_new_map(test, 0, NULL);
	struct cflood *cf = kunit_kzalloc(test, sizeof(*cf), GFP_KERNEL);
	unsigned int i, wrong = 0;
	u32 k;

	KUNIT_ASSERT_NOT_NULL(test, cf);
	cf->keys = kunit_kzalloc(test, 2 * FLOOD_KEYS * sizeof(u32),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cf->keys);
	h->data = cf;
	for (k = 1; k <= CF_STABLE; k++)
		KUNIT_ASSERT_EQ(test, 0,
				syncmap_store(h->map, &k, sizeof(k),
					      (void *)(uintptr_t)(2 * k),
					      GFP_KERNEL));
	hammer_run(test, h, cflood_thread);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&h->failures));
	KUNIT_EXPECT_EQ(test, SYNCMAP_EPOCH_SIPHASH, h->map->epoch);
	KUNIT_EXPECT_EQ(test, 2, h->map->counters.floods);
	KUNIT_EXPECT_EQ(test, CF_STABLE + 2 * FLOOD_KEYS, syncmap_len(h->map));
	for (i = 0; i < 2 * FLOOD_KEYS; i++)
		wrong += load(h->map, &cf->keys[i], sizeof(u32)) !=
			 (void *)(uintptr_t)(2 * cf->keys[i]);
	KUNIT_EXPECT_EQ(test, 0, wrong);
}

/*
 * Hot keys: every thread writes one key, or two keys that share their home
 * slot, with every write operation there is, so that lockless writers meet
 * on one entry (or one probe run) all the time, and clears delete under
 * them. Each write uses a value of its own, kept until the case ends,
 * which records what became of it: stored, released by the map, handed
 * back. Once the map is destroyed, each value stored has been released or
 * handed back exactly once and every other value neither; a reader that
 * finds a value already released (before the grace period its RCU section
 * holds off) fails at once.
 */
struct hot_mode {
	int threads;
	int keys;
	bool boxed;
};

static const struct hot_mode hot_modes[] = {
	{ 2, 1, true },  { 4, 1, true },  { 2, 2, true },  { 4, 2, true },
	{ 2, 1, false }, { 4, 1, false }, { 2, 2, false }, { 4, 2, false },
};

static void hot_desc(const struct hot_mode *m, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d threads, %s, %s", m->threads,
		 m->keys == 1 ? "one key" : "two keys, one home slot",
		 m->boxed ? "boxed values" : "bare values");
}

KUNIT_ARRAY_PARAM(hot, hot_modes, hot_desc);

#define HOT_ITERS	4000

struct hotval {
	u32 key;
	atomic_t stored;
	atomic_t released;
	atomic_t returned;
};

struct hot {
	struct hotval *vals;
	u32 keys[2];
	int nkeys;
	int nfill;	/* large clears: keys the clearing thread fills */
	int rounds;	/* and how many times it fills and clears them */
};

static void hot_release(void *value)
{
	struct hotval *v = value;

	atomic_inc(&v->released);
}

/* A value a reader holds under RCU: its own key's, and not released. */
static void hot_check(struct hammer *h, u32 k, struct hotval *v)
{
	if (v->key != k || atomic_read(&v->released))
		atomic_inc(&h->failures);
}

/* @v was handed back to us: it must not be handed back twice. */
static void hot_returned(struct hammer *h, u32 k, struct hotval *v)
{
	hot_check(h, k, v);
	if (atomic_inc_return(&v->returned) != 1)
		atomic_inc(&h->failures);
}

static void hot_op(struct hammer *h, int op, u32 k, struct hotval *v)
{
	struct hotval *cur;
	bool loaded;

	v->key = k;
	switch (op) {
	case 0:
		if (!syncmap_store(h->map, &k, sizeof(k), v, GFP_KERNEL))
			atomic_inc(&v->stored);
		break;
	case 1:
		cur = syncmap_swap(h->map, &k, sizeof(k), v, GFP_KERNEL);
		if (IS_ERR(cur))
			break;
		atomic_inc(&v->stored);
		if (cur)
			hot_returned(h, k, cur);
		break;
	case 2:
		rcu_read_lock();
		cur = syncmap_load_or_store(h->map, &k, sizeof(k), v, &loaded,
					    GFP_ATOMIC);
		if (!IS_ERR(cur) && !loaded)
			atomic_inc(&v->stored);
		else if (!IS_ERR(cur))
			hot_check(h, k, cur);
		rcu_read_unlock();
		break;
	case 3:
	case 4:
		/* compare_and_swap or _delete of the value just loaded */
		rcu_read_lock();
		cur = syncmap_load(h->map, &k, sizeof(k));
		if (cur) {
			hot_check(h, k, cur);
			if (op == 4)
				syncmap_compare_and_delete(h->map, &k,
							   sizeof(k), cur);
			else if (syncmap_compare_and_swap(h->map, &k, sizeof(k),
							  cur, v))
				atomic_inc(&v->stored);
		}
		rcu_read_unlock();
		break;
	case 5:
		syncmap_delete(h->map, &k, sizeof(k));
		break;
	case 6:
		cur = syncmap_load_and_delete(h->map, &k, sizeof(k));
		if (cur)
			hot_returned(h, k, cur);
		break;
	default:
		rcu_read_lock();
		cur = syncmap_load(h->map, &k, sizeof(k));
		if (cur)
			hot_check(h, k, cur);
		rcu_read_unlock();
		break;
	}
}

static int hot_thread(void *data)
{
	struct hammer_thread *ht = data;
	struct hammer *h = ht->h;
	struct hot *hot = h->data;
	struct hotval *own = &hot->vals[ht->index * h->iters];
	u32 seed = 0x6c078965u * (ht->index + 1);
	int i;

	for (i = 0; i < h->iters && !kthread_should_stop(); i++) {
		u32 k = hot->keys[xorshift(&seed) % hot->nkeys];

		hot_op(h, xorshift(&seed) % 8, k, &own[i]);
		if (ht->index == 0 && i % 512 == 511)
			syncmap_clear(h->map);
		if (!(i & 63))
			cond_resched();
	}
	hammer_finish(h);
	return 0;
}

/*
 * The second key shares the first's home slot in every table of up to
 * 2^16 slots: the top 16 bits of their hashes are equal.
 */
static void hot_pick_keys(struct syncmap *map, struct hot *hot)
{
	u64 home;

	hot->keys[0] = 1;
	home = syncmap_hash(map, &hot->keys[0], sizeof(u32)) >> 48;
	hot->keys[1] = 2;
	while (hot->nkeys > 1 &&
	       syncmap_hash(map, &hot->keys[1], sizeof(u32)) >> 48 != home)
		hot->keys[1]++;
}

/*
 * Clears of large maps (the path that swaps the tables and expunges the old
 * ones' entries with an xchg) and of maps whose build has a nursery, under
 * writers: thread 0 fills hot->nfill keys and clears them, hot->rounds
 * times, while the others write, delete and walk the same keys and the hot
 * key, with the accounting of the hot-key case.
 */
#define FILL_BASE	1000U

static bool hot_range_fn(const void *key, size_t len, void *value, void *arg)
{
	struct hammer *h = arg;
	u32 k;

	if (len != sizeof(k)) {
		atomic_inc(&h->failures);
		return false;
	}
	memcpy(&k, key, sizeof(k));
	hot_check(h, k, value);
	return true;
}

/* Thread 0's values come first, nfill a round; then the others' own. */
static struct hotval *clear_own(struct hammer *h, int index)
{
	struct hot *hot = h->data;

	if (!index)
		return hot->vals;
	return &hot->vals[hot->rounds * hot->nfill + (index - 1) * h->iters];
}

static int large_clear_thread(void *data)
{
	struct hammer_thread *ht = data;
	struct hammer *h = ht->h;
	struct hot *hot = h->data;
	struct hotval *own = clear_own(h, ht->index);
	u32 seed = 0x2c1b3c6du * (ht->index + 1);
	int i, j;

	for (i = 0; !ht->index && i < hot->rounds; i++) {
		for (j = 0; j < hot->nfill && !kthread_should_stop(); j++) {
			u32 k = FILL_BASE + j;

			hot_op(h, 0, k, own++);
			if (!(j & 63))
				cond_resched();
		}
		syncmap_clear(h->map);
	}
	for (i = 0; ht->index && i < h->iters && !kthread_should_stop(); i++) {
		u32 k = xorshift(&seed) % (hot->nfill + 1);

		k = k ? FILL_BASE + k - 1 : hot->keys[0];
		hot_op(h, xorshift(&seed) % 8, k, &own[i]);
		if (i % 512 == 511)
			syncmap_range(h->map, hot_range_fn, h);
		if (!(i & 63))
			cond_resched();
	}
	hammer_finish(h);
	return 0;
}

/* Threads, and keys thread 0 fills: past a clear in place; a nursery. */
static const int large_clear_modes[][2] = {
	{ 2, 700 }, { 4, 700 }, { 3, 5000 },
};

static void large_clear_desc(const int (*m)[2], char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d threads, %d keys", (*m)[0],
		 (*m)[1]);
}

KUNIT_ARRAY_PARAM(large_clear, large_clear_modes, large_clear_desc);

/* What became of each value: once, if it was stored; else never. */
static int hot_misaccounted(struct hot *hot, int nvals, bool boxed)
{
	int i, wrong = 0;

	for (i = 0; i < nvals; i++) {
		struct hotval *v = &hot->vals[i];
		int stored = atomic_read(&v->stored);
		int gone = atomic_read(&v->released) +
			   atomic_read(&v->returned);

		/* A bare value the map dropped is released by no one. */
		if (stored > 1 || gone > stored ||
		    (boxed && gone != stored))
			wrong++;
	}
	return wrong;
}

static void syncmap_test_concurrent_hot_keys(struct kunit *test)
{
	const struct hot_mode *m = test->param_value;
	int nvals = m->threads * HOT_ITERS;
	struct hot *hot = kunit_kzalloc(test, sizeof(*hot), GFP_KERNEL);
	struct hammer *h;
	struct hotval *v;
	long live = 0;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, hot);
	/* allocated first, freed last: after the map's releases */
	hot->vals = kvcalloc(nvals, sizeof(*hot->vals), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hot->vals);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, tctx_free_vals,
							   hot->vals));
	h = hammer_new_threads(test, m->threads, HOT_ITERS,
			       m->boxed ? hot_release : NULL);
	h->data = hot;
	hot->nkeys = m->keys;
	hot_pick_keys(h->map, hot);

	hammer_run(test, h, hot_thread);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&h->failures));
	for (i = 0; i < hot->nkeys; i++) {
		v = load(h->map, &hot->keys[i], sizeof(u32));
		if (!v)
			continue;
		live++;
		/* the one value the map still holds for the key */
		KUNIT_EXPECT_EQ(test, 1, atomic_read(&v->stored));
		KUNIT_EXPECT_EQ(test, 0, atomic_read(&v->released) +
					 atomic_read(&v->returned));
	}
	KUNIT_EXPECT_EQ(test, live, (long)syncmap_len(h->map));
	hammer_stop(h);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, 0, hot_misaccounted(hot, nvals, m->boxed));
}

static void syncmap_test_concurrent_large_clear(struct kunit *test)
{
	const int (*m)[2] = test->param_value;
	struct hot *hot = kunit_kzalloc(test, sizeof(*hot), GFP_KERNEL);
	struct syncmap_counters st;
	struct hotval *v;
	struct hammer *h;
	int nvals, i;
	long live = 0;
	u32 k;

	KUNIT_ASSERT_NOT_NULL(test, hot);
	hot->nkeys = 1;
	hot->nfill = (*m)[1];
	hot->rounds = 4;
	/* thread 0's, the others', and the first fill's, made here */
	nvals = hot->rounds * hot->nfill + ((*m)[0] - 1) * HOT_ITERS +
		hot->nfill + 1;
	hot->vals = kvcalloc(nvals, sizeof(*hot->vals), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, hot->vals);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, tctx_free_vals,
							   hot->vals));
	h = hammer_new_threads(test, (*m)[0], HOT_ITERS, hot_release);
	h->data = hot;
	hot_pick_keys(h->map, hot);
	/*
	 * The first fill, promoted, and a new key: the build it starts takes
	 * a nursery if the map is large enough for one.
	 */
	v = &hot->vals[nvals - hot->nfill - 1];
	for (i = 0; i < hot->nfill; i++) {
		k = FILL_BASE + i;
		hot_op(h, 0, k, v++);
	}
	promote(test, h->map);
	hot_op(h, 0, hot->keys[0], v);
	if (hot->nfill > (int)SYNCMAP_GROW_INLINE / 2)
		KUNIT_EXPECT_EQ(test, 1, h->map->counters.nurseries);

	hammer_run(test, h, large_clear_thread);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&h->failures));
	syncmap_get_counters(h->map, &st);
	kunit_info(test, "%llu builds, %llu nurseries, %llu promotions\n",
		   st.dirty_builds, st.nurseries, st.promotions);
	for (i = 0; i <= hot->nfill; i++) {
		k = i ? FILL_BASE + i - 1 : hot->keys[0];
		if (load(h->map, &k, sizeof(k)))
			live++;
	}
	KUNIT_EXPECT_EQ(test, live, (long)syncmap_len(h->map));
	hammer_stop(h);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, 0, hot_misaccounted(hot, nvals, true));
}

/*
 * Three suites, as the kernel's own tests split theirs: the API as a
 * caller sees it (one or more cases per function; some reach a state
 * through internals, such as a key in the read table, but check only
 * what the API returns), the internals driven through
 * syncmap_internal.h, and the stress cases (many operations, kthreads).
 */
static struct kunit_case syncmap_test_cases[] = {
	KUNIT_CASE(syncmap_test_create_empty),
	KUNIT_CASE(syncmap_test_create_gfp),
	KUNIT_CASE(syncmap_test_destroy_releases_all),
	KUNIT_CASE(syncmap_test_load_absent),
	KUNIT_CASE(syncmap_test_load_present),
	KUNIT_CASE(syncmap_test_load_hardirq),
	KUNIT_CASE(syncmap_test_store_new),
	KUNIT_CASE(syncmap_test_store_overwrite_releases),
	KUNIT_CASE(syncmap_test_store_same_pointer),
	KUNIT_CASE(syncmap_test_store_null_value),
	KUNIT_CASE(syncmap_test_err_ptr_values),
	KUNIT_CASE(syncmap_test_err_ptr_boundary),
	KUNIT_CASE(syncmap_test_store_empty_key),
	KUNIT_CASE(syncmap_test_store_long_key),
	KUNIT_CASE(syncmap_test_load_or_store_absent),
	KUNIT_CASE(syncmap_test_load_or_store_present),
	KUNIT_CASE(syncmap_test_load_or_store_errors),
	KUNIT_CASE(syncmap_test_load_or_store_deleted),
	KUNIT_CASE(syncmap_test_load_and_delete_present),
	KUNIT_CASE(syncmap_test_load_and_delete_absent),
	KUNIT_CASE(syncmap_test_delete_present),
	KUNIT_CASE(syncmap_test_delete_absent),
	KUNIT_CASE(syncmap_test_swap_absent),
	KUNIT_CASE(syncmap_test_swap_present),
	KUNIT_CASE(syncmap_test_swap_same_and_errors),
	KUNIT_CASE_PARAM(syncmap_test_compare_and_swap_match, box_gen_params),
	KUNIT_CASE_PARAM(syncmap_test_compare_and_swap_mismatch,
			 box_gen_params),
	KUNIT_CASE_PARAM(syncmap_test_compare_and_swap_absent, box_gen_params),
	KUNIT_CASE(syncmap_test_compare_and_swap_gfp),
	KUNIT_CASE(syncmap_test_compare_and_delete_match),
	KUNIT_CASE(syncmap_test_compare_and_delete_mismatch),
	KUNIT_CASE(syncmap_test_range_each_once),
	KUNIT_CASE(syncmap_test_range_stop),
	KUNIT_CASE(syncmap_test_range_empty),
	KUNIT_CASE(syncmap_test_range_reentrant),
	KUNIT_CASE(syncmap_test_range_from_ordered),
	KUNIT_CASE(syncmap_test_range_pos_valid),
	KUNIT_CASE(syncmap_test_range_from_across_promotions),
	KUNIT_CASE(syncmap_test_clear_releases_all),
	KUNIT_CASE(syncmap_test_clear_then_reuse),
	KUNIT_CASE(syncmap_test_len),
	KUNIT_CASE(syncmap_test_stats),
	KUNIT_CASE_PARAM(syncmap_test_alloc_failures, box_gen_params),
	{}
};

static struct kunit_suite syncmap_test_suite = {
	.name = "syncmap",
	.test_cases = syncmap_test_cases,
};

static struct kunit_case syncmap_internal_test_cases[] = {
	KUNIT_CASE(syncmap_test_load_counts_misses),
	KUNIT_CASE(syncmap_test_write_counts_misses),
	KUNIT_CASE(syncmap_test_range_during_build),
	KUNIT_CASE(syncmap_test_nursery_takeover),
	KUNIT_CASE(syncmap_test_nursery_full),
	KUNIT_CASE(syncmap_test_nursery_load_bound),
	KUNIT_CASE_PARAM(syncmap_test_nursery_lookup_overtaken,
			 takeover_gen_params),
	KUNIT_CASE(syncmap_test_nursery_range),
	KUNIT_CASE(syncmap_test_nursery_clear),
	KUNIT_CASE(syncmap_test_clear_in_place),
	KUNIT_CASE(syncmap_test_promote_after_misses),
	KUNIT_CASE(syncmap_test_dirty_lookup_lockless),
	KUNIT_CASE(syncmap_test_absent_lookups_promote),
#ifdef SHIM_COUNT_WRITES
	KUNIT_CASE(syncmap_test_lookup_shared_writes),
#endif
#ifdef SHIM_DEBUG_ATOMIC_SLEEP
	KUNIT_CASE(syncmap_test_might_sleep),
#endif
	KUNIT_CASE(syncmap_test_hash_structured_keys),
	KUNIT_CASE(syncmap_test_flood_rekeys),
	KUNIT_CASE(syncmap_test_flood_handover),
	KUNIT_CASE(syncmap_test_flood_trips_once),
	KUNIT_CASE(syncmap_test_range_across_rekey),
	KUNIT_CASE(syncmap_test_range_scan_groups),
	KUNIT_CASE(syncmap_test_expunge_and_revive),
	KUNIT_CASE(syncmap_test_expunged_dropped),
	KUNIT_CASE(syncmap_test_ownership),
	KUNIT_CASE(syncmap_test_builds_keep_deleted),
	KUNIT_CASE(syncmap_test_release_waits_for_readers),
	KUNIT_CASE(syncmap_test_bare_values),
	KUNIT_CASE(syncmap_test_build_incremental),
	KUNIT_CASE(syncmap_test_bounded_work),
	KUNIT_CASE(syncmap_test_copy_race_store),
	KUNIT_CASE_PARAM(syncmap_test_entry_races, entry_race_gen_params),
	KUNIT_CASE(syncmap_test_revive_during_build),
	KUNIT_CASE(syncmap_test_lookup_overtaken),
	KUNIT_CASE(syncmap_test_lookup_dirty_gone),
	KUNIT_CASE(syncmap_test_clear_during_build),
	KUNIT_CASE(syncmap_test_build_ends_before_full),
	KUNIT_CASE(syncmap_test_dirty_full_promotes),
	KUNIT_CASE(syncmap_test_build_over_sparse_read),
	KUNIT_CASE(syncmap_test_clear_resets_misses),
	KUNIT_CASE(syncmap_test_hash_keyed),
	KUNIT_CASE(syncmap_test_hash_every_byte),
	KUNIT_CASE(syncmap_test_entry_size),
	KUNIT_CASE(syncmap_test_tags),
	KUNIT_CASE(syncmap_test_tag_collision),
	KUNIT_CASE(syncmap_test_tags_independent),
	KUNIT_CASE(syncmap_test_hash_collision),
	KUNIT_CASE(syncmap_test_short_keys),
	{}
};

static struct kunit_suite syncmap_internal_test_suite = {
	.name = "syncmap_internal",
	.test_cases = syncmap_internal_test_cases,
};

static struct kunit_case syncmap_stress_test_cases[] = {
	KUNIT_CASE_SLOW(syncmap_test_store_100k),
	KUNIT_CASE_PARAM(syncmap_test_differential, box_gen_params),
	SYNCMAP_CASE_PARAM_SLOW(syncmap_test_concurrent_mixed,
				threads_gen_params),
	SYNCMAP_CASE_PARAM_SLOW(syncmap_test_concurrent_cas_counter,
				threads_gen_params),
	SYNCMAP_CASE_PARAM_SLOW(syncmap_test_concurrent_owned_keys,
				threads_gen_params),
	SYNCMAP_CASE_PARAM_SLOW(syncmap_test_concurrent_bare,
				threads_gen_params),
	SYNCMAP_CASE_PARAM_SLOW(syncmap_test_concurrent_hot_keys,
				hot_gen_params),
	SYNCMAP_CASE_PARAM_SLOW(syncmap_test_concurrent_large_clear,
				large_clear_gen_params),
	SYNCMAP_CASE_PARAM_SLOW(syncmap_test_concurrent_flood,
				threads_gen_params),
	{}
};

static struct kunit_suite syncmap_stress_test_suite = {
	.name = "syncmap_stress",
	.test_cases = syncmap_stress_test_cases,
};

kunit_test_suites(&syncmap_test_suite, &syncmap_internal_test_suite,
		  &syncmap_stress_test_suite);

MODULE_DESCRIPTION("KUnit tests for syncmap");
MODULE_LICENSE("GPL");
