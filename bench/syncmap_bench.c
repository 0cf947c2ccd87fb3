// SPDX-License-Identifier: GPL-2.0
/*
 * syncmap_bench - syncmap against the kernel's own maps, side by side
 *
 * The workloads of Go's src/sync/map_bench_test.go, each run for run_ms
 * on every map with 1 and 2 threads, at a small and a large key count;
 * then the latency of stores into a large map while it is being
 * promoted and rebuilt. Results go to the kernel log as lines
 *
 *   SMBENCH|workload|keys|threads|map|ns_per_op|ops
 *   SMBENCH-LAT|map|keys|p50_ns|p99_ns|max_ns|max_lock_hold_ns
 *
 * which bench/report.sh turns into tables of ns/op and ratios. The maps:
 *   syncmap    this project, without a release callback: bare values,
 *              like the baselines, which release nothing either
 *   syncmap+release  the same with a (no-op) release callback: each value
 *              boxed, each one dropped released after a grace period
 *   rhashtable the kernel's resizable RCU hash table
 *   spinlock   linux/hashtable.h buckets under a spinlock
 *   rwlock     the same under an rwlock (Go's RWMutexMap)
 *   cow        a table copied and republished by RCU on every write (Go's
 *              DeepCopyMap: the lookup floor; small key counts only)
 * Numbers mean something only as ratios within one run.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/hashtable.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/rhashtable.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "../syncmap.h"

static unsigned int small_keys = 1024;
module_param(small_keys, uint, 0444);
static unsigned int large_keys = 1U << 20;
module_param(large_keys, uint, 0444);
static unsigned int run_ms = 200;
module_param(run_ms, uint, 0444);
static unsigned int lat_samples = 100000;
module_param(lat_samples, uint, 0444);
static bool latency;
module_param(latency, bool, 0444);
MODULE_PARM_DESC(latency, "run the store-latency phase instead of the workloads");
static char *only;
module_param(only, charp, 0444);
MODULE_PARM_DESC(only, "run only the workloads whose name starts with this");

#define MAX_THREADS 2

static void *val(u64 k)
{
	return (void *)(uintptr_t)(k + 1);
}

/* ---- one interface over five maps ----------------------------------- */

typedef bool (*range_fn)(u64 key, void *value, void *arg);

struct bmap_ops {
	const char *name;
	bool small_only;
	void *(*create)(unsigned int keys);
	void (*destroy)(void *m);
	void *(*load)(void *m, u64 k);		/* caller holds RCU */
	void (*store)(void *m, u64 k, void *v, gfp_t gfp);
	void *(*load_or_store)(void *m, u64 k, void *v, bool *loaded);
	void *(*load_and_delete)(void *m, u64 k);
	void (*swap_value)(void *m, u64 k, void *v);
	bool (*cas)(void *m, u64 k, void *old, void *new);
	void (*range)(void *m, range_fn fn, void *arg);
	void (*clear)(void *m);
};

/* syncmap: values are small integers, nothing to release. */
static void *sm_create(unsigned int keys)
{
	struct syncmap *m = syncmap_create(NULL);

	return IS_ERR(m) ? NULL : m;
}

static void sm_destroy(void *m)
{
	syncmap_destroy(m);
}

static void *sm_load(void *m, u64 k)
{
	return syncmap_load(m, &k, sizeof(k));
}

static void sm_store(void *m, u64 k, void *v, gfp_t gfp)
{
	syncmap_store(m, &k, sizeof(k), v, gfp);
}

static void *sm_load_or_store(void *m, u64 k, void *v, bool *loaded)
{
	return syncmap_load_or_store(m, &k, sizeof(k), v, loaded, GFP_KERNEL);
}

static void *sm_load_and_delete(void *m, u64 k)
{
	return syncmap_load_and_delete(m, &k, sizeof(k));
}

static void sm_swap(void *m, u64 k, void *v)
{
	syncmap_swap(m, &k, sizeof(k), v, GFP_KERNEL);
}

static bool sm_cas(void *m, u64 k, void *old, void *new)
{
	return syncmap_compare_and_swap(m, &k, sizeof(k), old, new);
}

struct sm_range_arg {
	range_fn fn;
	void *arg;
};

static bool sm_range_cb(const void *key, size_t len, void *value, void *arg)
{
	struct sm_range_arg *a = arg;
	u64 k;

	memcpy(&k, key, sizeof(k));
	return a->fn(k, value, a->arg);
}

static void sm_range(void *m, range_fn fn, void *arg)
{
	struct sm_range_arg a = { fn, arg };

	syncmap_range(m, sm_range_cb, &a);
}

static void sm_clear(void *m)
{
	syncmap_clear(m);
}

static const struct bmap_ops syncmap_ops = {
	.name = "syncmap", .create = sm_create, .destroy = sm_destroy,
	.load = sm_load, .store = sm_store,
	.load_or_store = sm_load_or_store,
	.load_and_delete = sm_load_and_delete, .swap_value = sm_swap,
	.cas = sm_cas, .range = sm_range, .clear = sm_clear,
};

/* What a map that owns its values pays: boxes, and a release per drop. */
static void smr_release(void *value)
{
}

static void *smr_create(unsigned int keys)
{
	struct syncmap *m = syncmap_create(smr_release);

	return IS_ERR(m) ? NULL : m;
}

static const struct bmap_ops syncmap_release_ops = {
	.name = "syncmap+release", .create = smr_create,
	.destroy = sm_destroy, .load = sm_load, .store = sm_store,
	.load_or_store = sm_load_or_store,
	.load_and_delete = sm_load_and_delete, .swap_value = sm_swap,
	.cas = sm_cas, .range = sm_range, .clear = sm_clear,
};

/* rhashtable: nodes hold their value in a word changed by xchg/cmpxchg. */
struct rh_node {
	struct rhash_head node;
	u64 key;
	void *val;
	struct rcu_head rcu;
};

static const struct rhashtable_params rh_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct rh_node, key),
	.head_offset = offsetof(struct rh_node, node),
	.automatic_shrinking = true,
};

static void *rh_create(unsigned int keys)
{
	struct rhashtable *ht = kzalloc(sizeof(*ht), GFP_KERNEL);

	if (ht && rhashtable_init(ht, &rh_params)) {
		kfree(ht);
		return NULL;
	}
	return ht;
}

static void rh_free_node(void *ptr, void *arg)
{
	kfree(ptr);
}

static void rh_destroy(void *m)
{
	rhashtable_free_and_destroy(m, rh_free_node, NULL);
	kfree(m);
}

static struct rh_node *rh_find(void *m, u64 k)
{
	return rhashtable_lookup(m, &k, rh_params);
}

static void *rh_load(void *m, u64 k)
{
	struct rh_node *n = rh_find(m, k);

	return n ? READ_ONCE(n->val) : NULL;
}

/* Insert a node for @k unless there is one; returns the node in the map. */
static struct rh_node *rh_insert(void *m, u64 k, void *v, gfp_t gfp,
				 bool *inserted)
{
	struct rh_node *n = kmalloc(sizeof(*n), gfp), *old;

	*inserted = false;
	if (!n)
		return NULL;
	n->key = k;
	n->val = v;
	old = rhashtable_lookup_get_insert_fast(m, &n->node, rh_params);
	if (IS_ERR_OR_NULL(old)) {
		*inserted = !old;
		if (old)
			kfree(n);
		return old ? NULL : n;
	}
	kfree(n);
	return old;
}

static void rh_store(void *m, u64 k, void *v, gfp_t gfp)
{
	struct rh_node *n;
	bool inserted;

	rcu_read_lock();
	n = rh_find(m, k);
	if (n)
		WRITE_ONCE(n->val, v);
	rcu_read_unlock();
	if (n)
		return;
	rcu_read_lock();
	n = rh_insert(m, k, v, GFP_ATOMIC, &inserted);
	if (n && !inserted)
		WRITE_ONCE(n->val, v);
	rcu_read_unlock();
}

static void *rh_load_or_store(void *m, u64 k, void *v, bool *loaded)
{
	struct rh_node *n;
	bool inserted;
	void *ret;

	rcu_read_lock();
	n = rh_find(m, k);
	if (!n)
		n = rh_insert(m, k, v, GFP_ATOMIC, &inserted);
	else
		inserted = false;
	*loaded = n && !inserted;
	ret = n ? READ_ONCE(n->val) : NULL;
	rcu_read_unlock();
	return ret;
}

static void *rh_load_and_delete(void *m, u64 k)
{
	struct rh_node *n;
	void *v = NULL;

	rcu_read_lock();
	n = rh_find(m, k);
	if (n && !rhashtable_remove_fast(m, &n->node, rh_params)) {
		v = n->val;
		kfree_rcu(n, rcu);
	}
	rcu_read_unlock();
	return v;
}

static void rh_swap(void *m, u64 k, void *v)
{
	struct rh_node *n;

	rcu_read_lock();
	n = rh_find(m, k);
	if (n)
		xchg(&n->val, v);
	rcu_read_unlock();
	if (!n)
		rh_store(m, k, v, GFP_KERNEL);
}

static bool rh_cas(void *m, u64 k, void *old, void *new)
{
	struct rh_node *n;
	bool ok;

	rcu_read_lock();
	n = rh_find(m, k);
	ok = n && cmpxchg(&n->val, old, new) == old;
	rcu_read_unlock();
	return ok;
}

static void rh_range(void *m, range_fn fn, void *arg)
{
	struct rhashtable_iter it;
	struct rh_node *n;

	rhashtable_walk_enter(m, &it);
	rhashtable_walk_start(&it);
	while ((n = rhashtable_walk_next(&it))) {
		if (IS_ERR(n))
			continue;	/* -EAGAIN: a resize; go on */
		if (!fn(n->key, READ_ONCE(n->val), arg))
			break;
	}
	rhashtable_walk_stop(&it);
	rhashtable_walk_exit(&it);
}

static bool rh_delete_cb(u64 key, void *value, void *arg)
{
	rh_load_and_delete(arg, key);
	return true;
}

static void rh_clear(void *m)
{
	rh_range(m, rh_delete_cb, m);
}

static const struct bmap_ops rhashtable_ops = {
	.name = "rhashtable", .create = rh_create, .destroy = rh_destroy,
	.load = rh_load, .store = rh_store,
	.load_or_store = rh_load_or_store,
	.load_and_delete = rh_load_and_delete, .swap_value = rh_swap,
	.cas = rh_cas, .range = rh_range, .clear = rh_clear,
};

/*
 * linux/hashtable.h buckets under one lock: a spinlock, or an rwlock whose
 * readers share it. Sized for the key count, never resized.
 */
struct ht_node {
	struct hlist_node node;
	u64 key;
	void *val;
};

struct htmap {
	bool rw;
	bool measure;		/* track the longest write-lock hold */
	unsigned int bits;
	unsigned int count;
	spinlock_t slock;	/* guards everything, in the spinlock map */
	rwlock_t rwlock;	/* guards everything, in the rwlock map */
	struct hlist_head *b;
	u64 t0;
	u64 max_hold_ns;
};

/*
 * One lock or the other, by map kind. Sparse tracks lock contexts per
 * lock, so the helpers hand it one neutral context (@h) instead.
 */
static void ht_rlock(struct htmap *h)
	__acquires(h)
{
	if (h->rw) {
		read_lock(&h->rwlock);
		__release(&h->rwlock);
	} else {
		spin_lock(&h->slock);
		__release(&h->slock);
	}
	__acquire(h);
}

static void ht_runlock(struct htmap *h)
	__releases(h)
{
	__release(h);
	if (h->rw) {
		__acquire(&h->rwlock);
		read_unlock(&h->rwlock);
	} else {
		__acquire(&h->slock);
		spin_unlock(&h->slock);
	}
}

static void ht_wlock(struct htmap *h)
	__acquires(h)
{
	if (h->rw) {
		write_lock(&h->rwlock);
		__release(&h->rwlock);
	} else {
		spin_lock(&h->slock);
		__release(&h->slock);
	}
	__acquire(h);
	if (h->measure)
		h->t0 = ktime_get_ns();
}

static void ht_wunlock(struct htmap *h)
	__releases(h)
{
	if (h->measure)
		h->max_hold_ns = max(h->max_hold_ns, ktime_get_ns() - h->t0);
	__release(h);
	if (h->rw) {
		__acquire(&h->rwlock);
		write_unlock(&h->rwlock);
	} else {
		__acquire(&h->slock);
		spin_unlock(&h->slock);
	}
}

static void *ht_create_kind(unsigned int keys, bool rw)
{
	struct htmap *h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return NULL;
	h->rw = rw;
	h->bits = max(4, ilog2(roundup_pow_of_two(keys | 1)) + 1);
	h->b = kvcalloc(1U << h->bits, sizeof(*h->b), GFP_KERNEL);
	if (!h->b) {
		kfree(h);
		return NULL;
	}
	spin_lock_init(&h->slock);
	rwlock_init(&h->rwlock);
	return h;
}

static void *ht_create_spin(unsigned int keys)
{
	return ht_create_kind(keys, false);
}

static void *ht_create_rw(unsigned int keys)
{
	return ht_create_kind(keys, true);
}

static struct hlist_head *ht_bucket(struct htmap *h, u64 k)
{
	return &h->b[hash_64(k, h->bits)];
}

static struct ht_node *ht_find(struct htmap *h, u64 k)
{
	struct ht_node *n;

	hlist_for_each_entry(n, ht_bucket(h, k), node)
		if (n->key == k)
			return n;
	return NULL;
}

static void ht_free_buckets(struct hlist_head *b, unsigned int bits)
{
	struct hlist_node *tmp;
	struct ht_node *n;
	unsigned int i;

	for (i = 0; i < 1U << bits; i++)
		hlist_for_each_entry_safe(n, tmp, &b[i], node)
			kfree(n);
	kvfree(b);
}

static void ht_destroy(void *m)
{
	struct htmap *h = m;

	ht_free_buckets(h->b, h->bits);
	kfree(h);
}

static void *ht_load(void *m, u64 k)
{
	struct ht_node *n;
	void *v;

	ht_rlock(m);
	n = ht_find(m, k);
	v = n ? n->val : NULL;
	ht_runlock(m);
	return v;
}

/* The write paths: allocate outside the lock, free what was not used. */
static void *ht_write(struct htmap *h, u64 k, void *v, bool only_if_absent,
		      bool *loaded, gfp_t gfp)
{
	struct ht_node *n, *fresh = kmalloc(sizeof(*fresh), gfp);
	void *old = NULL;

	ht_wlock(h);
	n = ht_find(h, k);
	*loaded = !!n;
	if (n) {
		old = n->val;
		if (!only_if_absent)
			n->val = v;
	} else if (fresh) {
		fresh->key = k;
		fresh->val = v;
		hlist_add_head(&fresh->node, ht_bucket(h, k));
		h->count++;
		fresh = NULL;
	}
	ht_wunlock(h);
	kfree(fresh);
	return old;
}

static void ht_store(void *m, u64 k, void *v, gfp_t gfp)
{
	bool loaded;

	ht_write(m, k, v, false, &loaded, gfp);
}

static void *ht_load_or_store(void *m, u64 k, void *v, bool *loaded)
{
	void *old = ht_write(m, k, v, true, loaded, GFP_KERNEL);

	return *loaded ? old : v;
}

static void *ht_load_and_delete(void *m, u64 k)
{
	struct ht_node *n;
	void *v = NULL;

	ht_wlock(m);
	n = ht_find(m, k);
	if (n) {
		v = n->val;
		hlist_del(&n->node);
		((struct htmap *)m)->count--;
	}
	ht_wunlock(m);
	kfree(n);
	return v;
}

static void ht_swap(void *m, u64 k, void *v)
{
	ht_store(m, k, v, GFP_KERNEL);
}

static bool ht_cas(void *m, u64 k, void *old, void *new)
{
	struct ht_node *n;
	bool ok;

	ht_wlock(m);
	n = ht_find(m, k);
	ok = n && n->val == old;
	if (ok)
		n->val = new;
	ht_wunlock(m);
	return ok;
}

/* Go's RWMutexMap.Range: copy the keys under the lock, then load each. */
static void ht_range(void *m, range_fn fn, void *arg)
{
	struct htmap *h = m;
	unsigned int i, n = 0, cap = 0;
	struct ht_node *node;
	u64 *keys = NULL;

	for (;;) {
		ht_rlock(h);
		if (h->count <= cap)
			break;
		cap = h->count * 2;
		ht_runlock(h);
		kvfree(keys);
		keys = kvmalloc_array(cap, sizeof(*keys), GFP_KERNEL);
		if (!keys)
			return;
	}
	for (i = 0; i < 1U << h->bits; i++)
		hlist_for_each_entry(node, &h->b[i], node)
			keys[n++] = node->key;
	ht_runlock(h);
	for (i = 0; i < n; i++) {
		void *v = ht_load(h, keys[i]);

		if (v && !fn(keys[i], v, arg))
			break;
	}
	kvfree(keys);
}

static void ht_clear(void *m)
{
	struct htmap *h = m;
	struct hlist_head *fresh, *old;

	fresh = kvcalloc(1U << h->bits, sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return;
	ht_wlock(h);
	old = h->b;
	h->b = fresh;
	h->count = 0;
	ht_wunlock(h);
	ht_free_buckets(old, h->bits);	/* nobody else sees them now */
}

static const struct bmap_ops spinlock_ops = {
	.name = "spinlock", .create = ht_create_spin, .destroy = ht_destroy,
	.load = ht_load, .store = ht_store,
	.load_or_store = ht_load_or_store,
	.load_and_delete = ht_load_and_delete, .swap_value = ht_swap,
	.cas = ht_cas, .range = ht_range, .clear = ht_clear,
};

static const struct bmap_ops rwlock_ops = {
	.name = "rwlock", .create = ht_create_rw, .destroy = ht_destroy,
	.load = ht_load, .store = ht_store,
	.load_or_store = ht_load_or_store,
	.load_and_delete = ht_load_and_delete, .swap_value = ht_swap,
	.cas = ht_cas, .range = ht_range, .clear = ht_clear,
};

/* Copy-on-write: every write copies the table and republishes it. */
struct cow_slot {
	u64 key;
	void *val;		/* NULL: empty slot */
};

struct cow_table {
	unsigned int size;
	struct rcu_head rcu;
	struct cow_slot slots[];
};

struct cowmap {
	struct cow_table __rcu *t;
	spinlock_t lock;	/* serializes the copying writers */
};

static struct cow_slot *cow_slot(struct cow_table *t, u64 k)
{
	unsigned int i = hash_64(k, ilog2(t->size));

	while (t->slots[i].val && t->slots[i].key != k)
		i = (i + 1) & (t->size - 1);
	return &t->slots[i];
}

static struct cow_table *cow_alloc(unsigned int size, gfp_t gfp)
{
	struct cow_table *t = kvzalloc(struct_size(t, slots, size), gfp);

	if (t)
		t->size = size;
	return t;
}

static void *cow_create(unsigned int keys)
{
	struct cowmap *c = kzalloc(sizeof(*c), GFP_KERNEL);
	struct cow_table *t = cow_alloc(16, GFP_KERNEL);

	if (!c || !t) {
		kfree(c);
		kvfree(t);
		return NULL;
	}
	RCU_INIT_POINTER(c->t, t);
	spin_lock_init(&c->lock);
	return c;
}

static void cow_destroy(void *m)
{
	struct cowmap *c = m;

	kvfree(rcu_dereference_protected(c->t, true));
	kfree(c);
}

static void *cow_load(void *m, u64 k)
{
	struct cowmap *c = m;

	return cow_slot(rcu_dereference(c->t), k)->val;
}

static void cow_free_rcu(struct rcu_head *head)
{
	kvfree(container_of(head, struct cow_table, rcu));
}

/*
 * The one write path: copy every pair but @k's, then set @k to @v (or
 * leave it out for NULL). Returns @k's previous value.
 */
static void *cow_write(struct cowmap *c, u64 k, void *v, void *expect,
		       bool use_expect, bool only_if_absent, bool *done)
{
	struct cow_table *old, *t;
	unsigned int i, live = 0;
	void *prev;

	spin_lock(&c->lock);
	old = rcu_dereference_protected(c->t, lockdep_is_held(&c->lock));
	prev = cow_slot(old, k)->val;
	*done = !((use_expect && prev != expect) || (only_if_absent && prev));
	if (!*done) {
		spin_unlock(&c->lock);
		return prev;
	}
	for (i = 0; i < old->size; i++)
		live += !!old->slots[i].val;
	t = cow_alloc(max(16U, roundup_pow_of_two(2 * live + 2)),
		      GFP_ATOMIC | __GFP_NOWARN);
	if (!t) {
		*done = false;
		spin_unlock(&c->lock);
		return prev;
	}
	for (i = 0; i < old->size; i++)
		if (old->slots[i].val && old->slots[i].key != k)
			*cow_slot(t, old->slots[i].key) = old->slots[i];
	if (v) {
		struct cow_slot *s = cow_slot(t, k);

		s->key = k;
		s->val = v;
	}
	rcu_assign_pointer(c->t, t);
	spin_unlock(&c->lock);
	call_rcu(&old->rcu, cow_free_rcu);
	return prev;
}

static void cow_store(void *m, u64 k, void *v, gfp_t gfp)
{
	bool done;

	cow_write(m, k, v, NULL, false, false, &done);
}

static void *cow_load_or_store(void *m, u64 k, void *v, bool *loaded)
{
	void *cur;

	rcu_read_lock();
	cur = cow_load(m, k);
	rcu_read_unlock();
	*loaded = !!cur;
	if (cur)
		return cur;
	cur = cow_write(m, k, v, NULL, false, true, loaded);
	*loaded = !!cur;
	return cur ?: v;
}

static void *cow_load_and_delete(void *m, u64 k)
{
	bool done;
	void *cur;

	rcu_read_lock();
	cur = cow_load(m, k);
	rcu_read_unlock();
	return cur ? cow_write(m, k, NULL, NULL, false, false, &done) : NULL;
}

static void cow_swap(void *m, u64 k, void *v)
{
	cow_store(m, k, v, GFP_KERNEL);
}

static bool cow_cas(void *m, u64 k, void *old, void *new)
{
	bool done;

	cow_write(m, k, new, old, true, false, &done);
	return done;
}

static void cow_range(void *m, range_fn fn, void *arg)
{
	struct cowmap *c = m;
	struct cow_table *t;
	unsigned int i;

	rcu_read_lock();
	t = rcu_dereference(c->t);
	for (i = 0; i < t->size; i++)
		if (t->slots[i].val && !fn(t->slots[i].key, t->slots[i].val, arg))
			break;
	rcu_read_unlock();
}

static void cow_clear(void *m)
{
	struct cowmap *c = m;
	struct cow_table *t = cow_alloc(16, GFP_KERNEL), *old;

	if (!t)
		return;
	spin_lock(&c->lock);
	old = rcu_dereference_protected(c->t, lockdep_is_held(&c->lock));
	rcu_assign_pointer(c->t, t);
	spin_unlock(&c->lock);
	call_rcu(&old->rcu, cow_free_rcu);
}

static const struct bmap_ops cow_ops = {
	.name = "cow", .small_only = true,
	.create = cow_create, .destroy = cow_destroy,
	.load = cow_load, .store = cow_store,
	.load_or_store = cow_load_or_store,
	.load_and_delete = cow_load_and_delete, .swap_value = cow_swap,
	.cas = cow_cas, .range = cow_range, .clear = cow_clear,
};

static const struct bmap_ops *const maps[] = {
	&syncmap_ops, &syncmap_release_ops, &rhashtable_ops, &spinlock_ops,
	&rwlock_ops, &cow_ops,
};

/* ---- the workloads of Go's map_bench_test.go ------------------------ */

struct bench;

struct workload {
	const char *name;
	void (*setup)(struct bench *b);
	/* One operation; @i counts per thread from a thread-unique start. */
	void (*op)(struct bench *b, u64 i, u64 *state);
};

struct bench {
	const struct bmap_ops *ops;
	void *m;
	unsigned int keys;
	unsigned int nthreads;
	const struct workload *w;
	atomic_t stop;
	atomic_t ready;
	u64 ops_done[MAX_THREADS];
	struct completion done[MAX_THREADS];
	struct task_struct *task[MAX_THREADS];
};

static void *load(struct bench *b, u64 k)
{
	void *v;

	rcu_read_lock();
	v = b->ops->load(b->m, k);
	rcu_read_unlock();
	return v;
}

static void prefill(struct bench *b, u64 n)
{
	u64 k, t0 = ktime_get_ns();

	for (k = 0; k < n; k++) {
		b->ops->store(b->m, k, val(k), GFP_KERNEL);
		if (!(k & 1023))
			cond_resched();
	}
	if (n > 1)
		pr_info("SMBENCH-PREFILL|%s|%llu|%llu\n", b->ops->name, n,
			div64_u64(ktime_get_ns() - t0, n));
}

/* hits:misses of 1023:1 and 1:1023 over a key space of b->keys */
static void setup_hits(struct bench *b)
{
	prefill(b, b->keys);
}

static void op_mostly_hits(struct bench *b, u64 i, u64 *state)
{
	load(b, i % (b->keys + b->keys / 1023 + 1));
}

static void setup_one_hit(struct bench *b)
{
	prefill(b, 1);
}

static void op_mostly_misses(struct bench *b, u64 i, u64 *state)
{
	load(b, i % b->keys);	/* key 0 of keys hits */
}

static void setup_half(struct bench *b)
{
	prefill(b, b->keys / 2);
}

static void op_los_balanced(struct bench *b, u64 i, u64 *state)
{
	u64 j = i % b->keys;
	bool loaded;

	if (j < b->keys / 2)
		b->ops->load_or_store(b->m, j, val(j), &loaded);
	else
		b->ops->load_or_store(b->m, b->keys + i, val(i), &loaded);
}

static void setup_none(struct bench *b)
{
}

static void op_los_unique(struct bench *b, u64 i, u64 *state)
{
	bool loaded;

	b->ops->load_or_store(b->m, i, val(i), &loaded);
}

static void setup_zero(struct bench *b)
{
	prefill(b, 1);
}

static void op_los_collision(struct bench *b, u64 i, u64 *state)
{
	bool loaded;

	b->ops->load_or_store(b->m, 0, val(0), &loaded);
}

static void op_lad_balanced(struct bench *b, u64 i, u64 *state)
{
	u64 j = i % b->keys;

	b->ops->load_and_delete(b->m, j < b->keys / 2 ? j : b->keys + i);
}

static void op_lad_collision(struct bench *b, u64 i, u64 *state)
{
	if (b->ops->load_and_delete(b->m, 0))
		b->ops->store(b->m, 0, val(0), GFP_KERNEL);
}

static bool range_count(u64 key, void *value, void *arg)
{
	(*(u64 *)arg)++;
	return true;
}

static void op_range(struct bench *b, u64 i, u64 *state)
{
	u64 n = 0;

	b->ops->range(b->m, range_count, &n);
}

/* Go: every load counts; once loads outnumber stores, one more store. */
static void op_adversarial_alloc(struct bench *b, u64 i, u64 *state)
{
	u64 stores = state[0], since = state[1];
	bool loaded;

	load(b, i);
	if (++since > stores) {
		b->ops->load_or_store(b->m, i, val(stores), &loaded);
		since = 0;
		stores++;
	}
	state[0] = stores;
	state[1] = since;
}

struct adv_delete {
	struct bench *b;
	u64 i;
};

static bool adv_delete_fn(u64 key, void *value, void *arg)
{
	struct adv_delete *a = arg;

	a->b->ops->load_and_delete(a->b->m, key);
	a->b->ops->store(a->b->m, a->i, val(a->i), GFP_ATOMIC);
	return false;
}

static void op_adversarial_delete(struct bench *b, u64 i, u64 *state)
{
	struct adv_delete a = { b, i };

	load(b, i);
	if (i % b->keys == 0)
		b->ops->range(b->m, adv_delete_fn, &a);
}

static void op_swap_collision(struct bench *b, u64 i, u64 *state)
{
	b->ops->swap_value(b->m, 0, val(0));
}

static void op_cas_collision(struct bench *b, u64 i, u64 *state)
{
	if (b->ops->cas(b->m, 0, val(0), val(42)))
		b->ops->cas(b->m, 0, val(42), val(0));
}

static void op_clear(struct bench *b, u64 i, u64 *state)
{
	b->ops->store(b->m, i, val(i), GFP_KERNEL);
	if (i % 1024 == 0)
		b->ops->clear(b->m);
}

static const struct workload workloads[] = {
	{ "LoadMostlyHits", setup_hits, op_mostly_hits },
	{ "LoadMostlyMisses", setup_one_hit, op_mostly_misses },
	{ "LoadOrStoreBalanced", setup_half, op_los_balanced },
	{ "LoadOrStoreUnique", setup_none, op_los_unique },
	{ "LoadOrStoreCollision", setup_zero, op_los_collision },
	{ "LoadAndDeleteBalanced", setup_half, op_lad_balanced },
	{ "LoadAndDeleteCollision", setup_zero, op_lad_collision },
	{ "Range", setup_hits, op_range },
	{ "AdversarialAlloc", setup_none, op_adversarial_alloc },
	{ "AdversarialDelete", setup_hits, op_adversarial_delete },
	{ "SwapCollision", setup_zero, op_swap_collision },
	{ "CompareAndSwapCollision", setup_zero, op_cas_collision },
	{ "Clear", setup_none, op_clear },
};

struct bench_thread {
	struct bench *b;
	int id;
};

static struct bench_thread thread_args[MAX_THREADS];

static int bench_thread(void *data)
{
	struct bench_thread *bt = data;
	struct bench *b = bt->b;
	u64 i = (u64)bt->id << 40, n = 0, state[2] = {};

	atomic_inc(&b->ready);
	while (atomic_read(&b->ready) < b->nthreads)
		cpu_relax();
	do {	/* at least one operation, however short the run */
		b->w->op(b, i++, state);
		if (!(++n & 63))
			cond_resched();
	} while (!atomic_read(&b->stop));
	b->ops_done[bt->id] = n;
	complete(&b->done[bt->id]);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* Returns ns per operation, wall time over all threads' operations. */
static u64 bench_run(struct bench *b, u64 *total)
{
	u64 t0, elapsed;
	int i;

	atomic_set(&b->stop, 0);
	atomic_set(&b->ready, 0);
	for (i = 0; i < b->nthreads; i++) {
		init_completion(&b->done[i]);
		thread_args[i] = (struct bench_thread){ b, i };
		b->task[i] = kthread_create(bench_thread, &thread_args[i],
					    "smbench/%d", i);
		if (IS_ERR(b->task[i]))
			return 0;
		get_task_struct(b->task[i]);
		wake_up_process(b->task[i]);
	}
	t0 = ktime_get_ns();
	msleep(run_ms);
	atomic_set(&b->stop, 1);
	*total = 0;
	for (i = 0; i < b->nthreads; i++) {
		wait_for_completion(&b->done[i]);
		*total += b->ops_done[i];
	}
	elapsed = ktime_get_ns() - t0;
	for (i = 0; i < b->nthreads; i++) {
		kthread_stop(b->task[i]);
		put_task_struct(b->task[i]);
	}
	return *total ? div64_u64(elapsed, *total) : 0;
}

static void bench_one(const struct bmap_ops *ops, const struct workload *w,
		      unsigned int keys, unsigned int nthreads)
{
	struct bench *b = kzalloc(sizeof(*b), GFP_KERNEL);
	u64 ns, total = 0;

	if (!b)
		return;
	b->ops = ops;
	b->w = w;
	b->keys = keys;
	b->nthreads = nthreads;
	b->m = ops->create(keys);
	if (!b->m) {
		kfree(b);
		return;
	}
	w->setup(b);
	ns = bench_run(b, &total);
	pr_info("SMBENCH|%s|%u|%u|%s|%llu|%llu\n", w->name, keys, nthreads,
		ops->name, ns, total);
	ops->destroy(b->m);
	rcu_barrier();
	kfree(b);
}

/* ---- store latency in a large map -------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Loads recent keys, so that misses promote the dirty table meanwhile. */
static int lat_reader_fn(void *data)
{
	struct bench *b = data;
	u64 i = 0;

	while (!atomic_read(&b->stop)) {
		load(b, b->keys + (i++ % 4096));
		if (!(i & 63))
			cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void bench_latency(const struct bmap_ops *ops, unsigned int keys)
{
	struct bench *b = kzalloc(sizeof(*b), GFP_KERNEL);
	u64 *lat = vmalloc(array_size(lat_samples, sizeof(u64)));
	struct syncmap_counters c = {};
	struct task_struct *reader;
	unsigned int i;

	if (!b || !lat || !lat_samples)
		goto out;
	b->ops = ops;
	b->keys = keys;
	b->m = ops->create(keys + lat_samples);
	if (!b->m)
		goto out;
	prefill(b, keys);
	if (ops == &spinlock_ops || ops == &rwlock_ops)
		((struct htmap *)b->m)->measure = true;
	reader = kthread_run(lat_reader_fn, b, "smbench/lat");
	if (IS_ERR(reader))
		goto out_destroy;
	get_task_struct(reader);
	for (i = 0; i < lat_samples; i++) {
		u64 k = keys + i, t0 = ktime_get_ns();

		/* New keys, and overwrites of recent ones. */
		ops->store(b->m, i & 1 ? k : keys + i / 2, val(k), GFP_KERNEL);
		lat[i] = ktime_get_ns() - t0;
		if (!(i & 63))
			cond_resched();
	}
	atomic_set(&b->stop, 1);
	kthread_stop(reader);
	put_task_struct(reader);
	if (ops == &syncmap_ops || ops == &syncmap_release_ops)
		syncmap_get_counters(b->m, &c);
	else if (ops == &spinlock_ops || ops == &rwlock_ops)
		c.max_lock_hold_ns = ((struct htmap *)b->m)->max_hold_ns;
	sort(lat, lat_samples, sizeof(u64), cmp_u64, NULL);
	pr_info("SMBENCH-LAT|%s|%u|%llu|%llu|%llu|%llu\n", ops->name, keys,
		lat[lat_samples / 2], lat[lat_samples / 100 * 99],
		lat[lat_samples - 1], c.max_lock_hold_ns);
out_destroy:
	ops->destroy(b->m);
	rcu_barrier();
out:
	vfree(lat);
	kfree(b);
}

static int __init bench_init(void)
{
	unsigned int sizes[] = { small_keys, large_keys };
	unsigned int s, m, w, t;

	pr_info("SMBENCH-START|%u|%u|%u\n", small_keys, large_keys, run_ms);
	if (latency)
		goto latency;
	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		for (w = 0; w < ARRAY_SIZE(workloads); w++)
			for (t = 1; t <= MAX_THREADS; t++)
				for (m = 0; m < ARRAY_SIZE(maps); m++) {
					if ((s && maps[m]->small_only) ||
					    (only && strncmp(workloads[w].name,
							     only, strlen(only))))
						continue;
					bench_one(maps[m], &workloads[w],
						  sizes[s], t);
				}
	goto out;
latency:
	for (m = 0; m < ARRAY_SIZE(maps); m++)
		if (!maps[m]->small_only)
			bench_latency(maps[m], large_keys);
out:
	pr_info("SMBENCH-END\n");
	return 0;
}

static void __exit bench_exit(void)
{
}

module_init(bench_init);
module_exit(bench_exit);

MODULE_DESCRIPTION("syncmap benchmarks against the kernel's maps");
MODULE_LICENSE("GPL");
