// SPDX-License-Identifier: GPL-2.0
/*
 * rhashtable in the native benchmark: the kernel's own lib/rhashtable.c
 * and include/linux/rhashtable.h, from the installed linux-source package,
 * compiled unchanged on the tests/userspace shim (rht/rht_shim.h).
 *
 * Used the way kernel code uses it: 8-byte keys in a table with key_len 8
 * (the default jhash2, inlined at the call site by rhashtable_lookup_fast's
 * constant params), other keys in one with obj_hashfn / obj_cmpfn over
 * (pointer, length), as variable-length keys need; automatic_shrinking on.
 * Nodes carry an atomic value, so that swap and compare-and-swap of a
 * present key are one atomic operation, as for the other maps.
 */
#include <linux/jhash.h>
#include <linux/rhashtable.h>

#include "maps.h"

struct rnode {
	struct rhash_head node;
	long value;			/* __atomic */
	struct rcu_head rcu;
	u64 ikey;			/* the key, in the int table */
	u32 len;
	char key[];			/* the key, in the str table */
};

struct probe {
	const void *k;
	size_t len;
};

static u32 str_hashfn(const void *data, u32 len, u32 seed)
{
	const struct probe *p = data;

	return jhash(p->k, p->len, seed);
}

static u32 str_obj_hashfn(const void *data, u32 len, u32 seed)
{
	const struct rnode *n = data;

	return jhash(n->key, n->len, seed);
}

static int str_obj_cmpfn(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct probe *p = arg->key;
	const struct rnode *n = obj;

	return n->len != p->len || memcmp(n->key, p->k, p->len);
}

static const struct rhashtable_params int_params = {
	.head_offset = offsetof(struct rnode, node),
	.key_offset = offsetof(struct rnode, ikey),
	.key_len = sizeof(u64),
	.automatic_shrinking = true,
};

static const struct rhashtable_params str_params = {
	.head_offset = offsetof(struct rnode, node),
	.hashfn = str_hashfn,
	.obj_hashfn = str_obj_hashfn,
	.obj_cmpfn = str_obj_cmpfn,
	.automatic_shrinking = true,
};

struct rmap {
	struct rhashtable it, st;
};

static void *rm_create(long nkeys)
{
	struct rmap *m = calloc(1, sizeof(*m));

	if (!m || rhashtable_init(&m->it, &int_params) ||
	    rhashtable_init(&m->st, &str_params))
		abort();
	return m;
}

/* One of two tables, chosen by the key's length; the macro keeps params a
 * compile-time constant at every call, as rhashtable's fast paths need. */
#define RM_DISPATCH(m, len, fn, ...)					\
	((len) == sizeof(u64) ?						\
	 fn(&(m)->it, int_params, (const u64 *)k, ##__VA_ARGS__) :	\
	 fn(&(m)->st, str_params, &(struct probe){ k, len }, ##__VA_ARGS__))

static inline struct rnode *find_in(struct rhashtable *ht,
				    const struct rhashtable_params p,
				    const void *key)
{
	return rhashtable_lookup(ht, key, p);
}

static struct rnode *rm_find(struct rmap *m, const void *k, size_t len)
{
	return RM_DISPATCH(m, len, find_in);
}

static struct rnode *rnode_new(const void *k, size_t len, long v)
{
	bool fixed = len == sizeof(u64);
	struct rnode *n = calloc(1, sizeof(*n) + (fixed ? 0 : len));

	if (!n)
		abort();
	n->value = v;
	n->len = len;
	memcpy(fixed ? (void *)&n->ikey : n->key, k, len);
	return n;
}

static inline struct rnode *insert_in(struct rhashtable *ht,
				      const struct rhashtable_params p,
				      const void *key, struct rnode *n)
{
	struct rnode *cur;

	/* _fast is for fixed-size keys only (it BUG()s on obj_hashfn) */
	do {
		cur = p.obj_hashfn ?
		      rhashtable_lookup_get_insert_key(ht, key, &n->node, p) :
		      rhashtable_lookup_get_insert_fast(ht, &n->node, p);
	} while (IS_ERR(cur));		/* -EBUSY, -ENOMEM: try again */
	return cur ? cur : n;
}

/* The node now in the map for @k: the existing one, or a new one with @v. */
static struct rnode *rm_get_or_add(struct rmap *m, const void *k, size_t len,
				   long v, bool *found)
{
	struct rnode *n = rm_find(m, k, len), *fresh;

	*found = n != NULL;
	if (n)
		return n;
	fresh = rnode_new(k, len, v);
	n = RM_DISPATCH(m, len, insert_in, fresh);
	if (n != fresh) {
		free(fresh);
		*found = true;
	}
	return n;
}

static void rnode_free_rcu(struct rcu_head *head)
{
	free(container_of(head, struct rnode, rcu));
}

static inline int remove_in(struct rhashtable *ht,
			    const struct rhashtable_params p,
			    const void *key, struct rnode *n)
{
	return rhashtable_remove_fast(ht, &n->node, p);
}

/* Removes @k's node; it is freed a grace period later. */
static struct rnode *rm_remove(struct rmap *m, const void *k, size_t len)
{
	struct rnode *n;

	do {
		n = rm_find(m, k, len);
	} while (n && RM_DISPATCH(m, len, remove_in, n));
	if (n)
		call_rcu(&n->rcu, rnode_free_rcu);
	return n;
}

static long rload(struct rnode *n)
{
	return n ? __atomic_load_n(&n->value, __ATOMIC_ACQUIRE) : -1;
}

static long rm_load(void *m, const void *k, size_t len)
{
	return rload(rm_find(m, k, len));
}

static void rm_store(void *m, const void *k, size_t len, long v)
{
	bool found;
	struct rnode *n = rm_get_or_add(m, k, len, v, &found);

	if (found)
		__atomic_store_n(&n->value, v, __ATOMIC_RELEASE);
}

static long rm_load_or_store(void *m, const void *k, size_t len, long v,
			     bool *loaded)
{
	struct rnode *n = rm_get_or_add(m, k, len, v, loaded);

	return *loaded ? rload(n) : v;
}

static long rm_load_and_delete(void *m, const void *k, size_t len)
{
	return rload(rm_remove(m, k, len));	/* freed after this section */
}

static bool rm_delete(void *m, const void *k, size_t len)
{
	return rm_remove(m, k, len) != NULL;
}

static long rm_swap(void *m, const void *k, size_t len, long v)
{
	bool found;
	struct rnode *n = rm_get_or_add(m, k, len, v, &found);

	return found ? __atomic_exchange_n(&n->value, v, __ATOMIC_ACQ_REL) : -1;
}

static bool rm_cas(void *m, const void *k, size_t len, long old, long v)
{
	struct rnode *n = rm_find(m, k, len);

	return n && __atomic_compare_exchange_n(&n->value, &old, v, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE);
}

/* Walks one table; fn may remove what it is given. */
static bool walk(struct rhashtable *ht,
		 bool (*fn)(const void *key, size_t len, long v, void *arg),
		 void *arg)
{
	struct rhashtable_iter iter;
	struct rnode *n;
	bool go_on = true;

	rhashtable_walk_enter(ht, &iter);
	rhashtable_walk_start(&iter);
	while (go_on && (n = rhashtable_walk_next(&iter))) {
		if (IS_ERR(n))
			continue;	/* -EAGAIN: a resize; keys may repeat */
		go_on = fn(n->len == sizeof(u64) ? (void *)&n->ikey : n->key,
			   n->len, rload(n), arg);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return go_on;
}

static void rm_range(void *m, bool (*fn)(const void *key, size_t len, long v,
					 void *arg), void *arg)
{
	struct rmap *rm = m;

	if (walk(&rm->it, fn, arg))
		walk(&rm->st, fn, arg);
}

static bool remove_visited(const void *k, size_t len, long v, void *m)
{
	rm_remove(m, k, len);
	return true;
}

static void rm_clear(void *m)
{
	rm_range(m, remove_visited, m);
}

static void free_node(void *ptr, void *arg)
{
	free(ptr);
}

static void rm_destroy(void *m)
{
	struct rmap *rm = m;

	rhashtable_free_and_destroy(&rm->it, free_node, NULL);
	rhashtable_free_and_destroy(&rm->st, free_node, NULL);
	rcu_barrier();
	free(rm);
}

/* Keys whose jhash2 under the table's seed share their 12 low bits. */
static u32 flood_seed;

static void rm_flood_keys(void *mp, unsigned long *keys, long n,
			  unsigned long from)
{
	struct rmap *m = mp;
	struct bucket_table *tbl;
	unsigned long k = from;
	u32 want = 0, h;
	long i;

	rcu_read_lock();
	tbl = rht_dereference_rcu(m->it.tbl, &m->it);
	flood_seed = tbl->hash_rnd;
	rcu_read_unlock();
	for (i = 0; i < n; k++) {
		h = jhash2((const u32 *)&k, 2, flood_seed) & 0xfff;
		if (!i && k == from)
			want = h;
		if (h == want)
			keys[i++] = k;
	}
}

static bool rm_flood_recovered(void *mp)
{
	struct rmap *m = mp;
	struct bucket_table *tbl;
	bool done;

	rcu_read_lock();
	tbl = rht_dereference_rcu(m->it.tbl, &m->it);
	done = tbl->hash_rnd != flood_seed &&
	       !rcu_access_pointer(tbl->future_tbl);
	rcu_read_unlock();
	return done;
}

const struct map_ops rhashtable_ops = {
	.name = "rhashtable", .create = rm_create, .destroy = rm_destroy,
	.load = rm_load, .store = rm_store, .load_or_store = rm_load_or_store,
	.load_and_delete = rm_load_and_delete, .delete = rm_delete,
	.swap = rm_swap, .cas = rm_cas, .range = rm_range, .clear = rm_clear,
	.flood_keys = rm_flood_keys, .flood_recovered = rm_flood_recovered,
};
