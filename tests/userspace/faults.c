// SPDX-License-Identifier: GPL-2.0
/*
 * Systematic allocation-failure injection into the user-space build of
 * syncmap.c, the fail-nth way: for every operation, in every state of the
 * map that takes a different allocation path, fail the 1st allocation of
 * the call, then the 2nd, ... until the call succeeds without a failure.
 * Every failed call must report -ENOMEM (or ERR_PTR(-ENOMEM)), leave the
 * map exactly as it was (same keys, same values, same length) and leave
 * the value it was given with the caller (not released); a call that
 * does not allocate must succeed with its first allocation failing.
 * LeakSanitizer (the ASan build) checks that nothing leaks.
 *
 * Prints one line per operation and state, then "N passed, N failed".
 */
#include "shim.h"
#include "syncmap_internal.h"

extern int (*shim_module_init)(void);
extern void (*shim_module_exit)(void);
extern __thread long shim_fail_nth;
extern long shim_allocs_failed;

#define NKEYS	40
#define MAXSNAP	(NKEYS + 8)

static int released[256];	/* per value, by value id */

static void release(void *v)
{
	__atomic_fetch_add(&released[(uintptr_t)v >> 4], 1, __ATOMIC_RELAXED);
}

/* Value number i, a fake pointer the release callback can count. */
static void *V(int i)
{
	return (void *)(uintptr_t)(((uintptr_t)i << 4) | 8);
}

struct snap {
	int n;
	long keys[MAXSNAP];
	void *vals[MAXSNAP];
};

static void snap_table(struct syncmap_table *t, struct snap *s)
{
	struct syncmap_val *p;
	unsigned int i;
	int j;

	for (i = 0; t && i < t->size; i++) {
		struct syncmap_entry *e = t->slots[i];

		if (!e || e->key_len != sizeof(long))
			continue;
		p = rcu_dereference(e->p);
		if (!p || p == SYNCMAP_EXPUNGED)
			continue;
		for (j = 0; j < s->n; j++)
			if (!memcmp(&s->keys[j], e->key, sizeof(long)))
				break;
		if (j < s->n || s->n == MAXSNAP)
			continue;	/* in both tables: one entry */
		memcpy(&s->keys[s->n], e->key, sizeof(long));
		s->vals[s->n++] = p->value;
	}
}

/*
 * The live keys and values of both tables, read directly: a range or a
 * load would count misses or promote, and change the state under test.
 */
static void snapshot(struct syncmap *m, struct snap *s)
{
	int i, j;

	s->n = 0;
	spin_lock(&m->lock);
	rcu_read_lock();
	snap_table(rcu_dereference(m->read), s);
	snap_table(m->dirty, s);
	rcu_read_unlock();
	spin_unlock(&m->lock);
	for (i = 1; i < s->n; i++)	/* insertion sort by key */
		for (j = i; j > 0 && s->keys[j - 1] > s->keys[j]; j--) {
			long k = s->keys[j];
			void *v = s->vals[j];

			s->keys[j] = s->keys[j - 1];
			s->vals[j] = s->vals[j - 1];
			s->keys[j - 1] = k;
			s->vals[j - 1] = v;
		}
}

static bool same(const struct snap *a, const struct snap *b)
{
	return a->n == b->n &&
	       !memcmp(a->keys, b->keys, a->n * sizeof(long)) &&
	       !memcmp(a->vals, b->vals, a->n * sizeof(void *));
}

/* ---- map states: each takes the write paths somewhere else ----------- */

enum state { EMPTY, READ_ONLY, WITH_DIRTY, NSTATES };
static const char *const state_name[] = {
	"empty", "read table only", "read + dirty (deleted key expunged)"
};

static void load_all(struct syncmap *m, int from, int to)
{
	long k;

	for (k = from; k < to; k++) {
		rcu_read_lock();
		syncmap_load(m, &k, sizeof(k));
		rcu_read_unlock();
	}
}

static struct syncmap *make_map(enum state st)
{
	struct syncmap *m = syncmap_create(release);
	long k;

	if (IS_ERR(m))
		abort();
	if (st == EMPTY)
		return m;
	for (k = 0; k < 20; k++)
		if (syncmap_store(m, &k, sizeof(k), V(k), GFP_KERNEL))
			abort();
	/* Misses of absent keys promote the dirty table: all in read. */
	for (k = 1000; k < 1100; k++)
		load_all(m, k, k + 1);
	k = 3;	/* deleted: NULL in the read table... */
	syncmap_delete(m, &k, sizeof(k));
	if (st == WITH_DIRTY) {
		/* ...and expunged by the dirty build this new key needs. */
		k = 20;	/* a new key: a dirty table is built */
		if (syncmap_store(m, &k, sizeof(k), V(20), GFP_KERNEL))
			abort();
	}
	return m;
}

/* ---- the operations --------------------------------------------------- */

/* Each offers value @arg; returns 0 or the error. */
typedef int (*op_fn)(struct syncmap *m, int arg);

static long lk(int k) { return k; }

#define KEY(k)	(&(long){ lk(k) }), sizeof(long)

static int op_store_new(struct syncmap *m, int v)
{
	return syncmap_store(m, KEY(30), V(v), GFP_KERNEL);
}

static int op_store_old(struct syncmap *m, int v)
{
	return syncmap_store(m, KEY(5), V(v), GFP_KERNEL);
}

static int op_store_expunged(struct syncmap *m, int v)
{
	return syncmap_store(m, KEY(3), V(v), GFP_KERNEL);
}

static int op_los_new(struct syncmap *m, int v)
{
	bool loaded;
	void *r = syncmap_load_or_store(m, KEY(31), V(v), &loaded, GFP_KERNEL);

	return IS_ERR(r) ? PTR_ERR(r) : 0;
}

static int op_los_old(struct syncmap *m, int v)
{
	bool loaded;
	void *r = syncmap_load_or_store(m, KEY(6), V(v), &loaded, GFP_KERNEL);

	return IS_ERR(r) ? PTR_ERR(r) : 0;
}

static int op_swap_new(struct syncmap *m, int v)
{
	void *r = syncmap_swap(m, KEY(32), V(v), GFP_KERNEL);

	return IS_ERR(r) ? PTR_ERR(r) : 0;
}

static int op_swap_old(struct syncmap *m, int v)
{
	void *r = syncmap_swap(m, KEY(7), V(v), GFP_KERNEL);

	if (IS_ERR(r))
		return PTR_ERR(r);
	return 0;	/* r is ours now: V(7) is counted as handed back */
}

static int op_cas(struct syncmap *m, int v)
{
	int r = syncmap_compare_and_swap_gfp(m, KEY(8), V(8), V(v), GFP_KERNEL);

	return r < 0 ? r : 0;
}

static int op_delete(struct syncmap *m, int v)
{
	syncmap_delete(m, KEY(9));
	return 0;
}

static int op_load_and_delete(struct syncmap *m, int v)
{
	syncmap_load_and_delete(m, KEY(10));
	return 0;
}

static int op_compare_and_delete(struct syncmap *m, int v)
{
	syncmap_compare_and_delete(m, KEY(11), V(11));
	return 0;
}

struct op {
	const char *name;
	op_fn fn;
	bool allocates;		/* false: must succeed whatever fails */
};

static const struct op ops[] = {
	{ "store (new key)", op_store_new, true },
	{ "store (present key)", op_store_old, true },
	{ "store (deleted key)", op_store_expunged, true },
	{ "load_or_store (new key)", op_los_new, true },
	{ "load_or_store (present key)", op_los_old, true },
	{ "swap (new key)", op_swap_new, true },
	{ "swap (present key)", op_swap_old, true },
	{ "compare_and_swap_gfp", op_cas, true },
	{ "delete", op_delete, false },
	{ "load_and_delete", op_load_and_delete, false },
	{ "compare_and_delete", op_compare_and_delete, false },
};

static long injected;

/* Runs one operation with the n-th allocation failing, n = 1, 2, ... */
static bool run(const struct op *op, enum state st)
{
	int n, nv = 200;	/* the value offered: never one of the map's */

	for (n = 1; n < 64; n++) {
		struct syncmap *m = make_map(st);
		long failed0 = shim_allocs_failed;
		struct snap before, after;
		int rel0, err;
		size_t len0;

		snapshot(m, &before);
		len0 = syncmap_len(m);
		rcu_barrier();
		rel0 = released[nv];
		shim_fail_nth = n;
		err = op->fn(m, nv);
		shim_fail_nth = 0;
		if (shim_allocs_failed == failed0) {
			/* Nothing failed: the call ran every allocation. */
			syncmap_destroy(m);
			if (err) {
				printf("not ok %s, %s: error %d with no failure\n",
				       op->name, state_name[st], err);
				return false;
			}
			printf("ok %s, %s: %d allocation(s) failed in turn\n",
			       op->name, state_name[st], n - 1);
			return true;
		}
		injected++;
		snapshot(m, &after);
		rcu_barrier();
		if (!op->allocates) {
			printf("not ok %s, %s: allocated (failure %d)\n",
			       op->name, state_name[st], n);
			syncmap_destroy(m);
			return false;
		}
		if (err != -ENOMEM || !same(&before, &after) ||
		    syncmap_len(m) != len0 || released[nv] != rel0) {
			printf("not ok %s, %s: allocation %d failed: err %d, map %s, len %zu -> %zu, value released %d\n",
			       op->name, state_name[st], n, err,
			       same(&before, &after) ? "unchanged" : "CHANGED",
			       len0, syncmap_len(m), released[nv] - rel0);
			syncmap_destroy(m);
			return false;
		}
		syncmap_destroy(m);
	}
	printf("not ok %s, %s: still failing after 63 allocations\n",
	       op->name, state_name[st]);
	return false;
}

static bool create_faults(void)
{
	int n;

	for (n = 1; n < 8; n++) {
		long failed0 = shim_allocs_failed;
		struct syncmap *m;

		shim_fail_nth = n;
		m = syncmap_create(release);
		shim_fail_nth = 0;
		if (shim_allocs_failed == failed0) {
			syncmap_destroy(m);
			printf("ok syncmap_create: %d allocation(s) failed in turn\n", n - 1);
			return !IS_ERR(m);
		}
		injected++;
		if (PTR_ERR(m) != -ENOMEM) {
			printf("not ok syncmap_create: allocation %d failed, got %p\n", n, (void *)m);
			return false;
		}
	}
	return false;
}

int main(void)
{
	int passed = 0, failed = 0, st;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (shim_module_init())
		return 1;
	if (create_faults())
		passed++;
	else
		failed++;
	for (st = 0; st < NSTATES; st++)
		for (i = 0; i < ARRAY_SIZE(ops); i++) {
			if (run(&ops[i], st))
				passed++;
			else
				failed++;
		}
	rcu_barrier();
	shim_module_exit();
	printf("# %ld allocation failures injected\n", injected);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
