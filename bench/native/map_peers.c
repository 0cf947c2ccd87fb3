// SPDX-License-Identifier: GPL-2.0
/*
 * The maps a user would pick instead of syncmap, in the native benchmark:
 *
 *   rculfhash  liburcu's RCU lock-free resizable hash table (liburcu-dev);
 *   ck_hs      Concurrency Kit's single-writer/many-reader hash set
 *              (libck-dev), writers serialized by a spinlock, old arrays
 *              freed after a grace period; created with 4n slots (it grows
 *              at half load), so the Mix workloads' 2n keys never grow
 *              it: its growth rehashes every key under the writer's lock,
 *              and one growth at 1M keys is more than a 100 ms run;
 *   spinlock   chained buckets under one spinlock, readers too (grows 2x);
 *   cow        an open-addressing table copied and republished with RCU on
 *              every insert or delete: the lookup floor (1k keys only).
 *
 * All store a node per key: its copied key bytes, its hash and an atomic
 * value, so that swap and compare-and-swap of a present key are one atomic
 * operation on the node, as in syncmap. Nodes are freed a grace period
 * after removal (liburcu memb, the flavour of the driver's read side).
 * Each is given bench_hash(), the keyed hash syncmap uses.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/urcu-memb.h>
#include <urcu/rculfhash.h>
#include <ck_hs.h>

#include "maps.h"

struct node {
	/* ck_hs compares a stored node with a probe of this same head */
	const char *kp;
	size_t len;
	unsigned long hash;
	long value;			/* __atomic */
	struct cds_lfht_node lfht;
	struct node *next;		/* spinlock's bucket chain */
	struct rcu_head rcu;
	char key[];
};

static struct node *node_new(const void *k, size_t len, unsigned long h,
			     long v)
{
	struct node *n = malloc(sizeof(*n) + len);

	if (!n)
		abort();
	memcpy(n->key, k, len);
	n->kp = n->key;
	n->len = len;
	n->hash = h;
	n->value = v;
	n->next = NULL;
	return n;
}

static void node_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct node, rcu));
}

static void node_free_deferred(struct node *n)
{
	urcu_memb_call_rcu(&n->rcu, node_free_rcu);
}

static bool node_is(const struct node *n, const void *k, size_t len,
		    unsigned long h)
{
	return n->hash == h && n->len == len && !memcmp(n->kp, k, len);
}

static long node_load(struct node *n)
{
	return n ? __atomic_load_n(&n->value, __ATOMIC_ACQUIRE) : -1;
}

static void node_set(struct node *n, long v)
{
	__atomic_store_n(&n->value, v, __ATOMIC_RELEASE);
}

static long node_xchg(struct node *n, long v)
{
	return __atomic_exchange_n(&n->value, v, __ATOMIC_ACQ_REL);
}

static bool node_cas(struct node *n, long old, long v)
{
	return n && __atomic_compare_exchange_n(&n->value, &old, v, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE);
}

/*
 * Write locks, timed (on the holder's CPU clock, as syncmap's lock) only
 * while bench_lock_timing() has timing on: the other workloads pay nothing.
 */
struct wlock {
	pthread_spinlock_t s;
	unsigned long long t0;
};

static void wlock_init(struct wlock *l)
{
	pthread_spin_init(&l->s, PTHREAD_PROCESS_PRIVATE);
}

static void wlock(struct wlock *l)
{
	pthread_spin_lock(&l->s);
	l->t0 = READ_ONCE_BOOL(bench_lock_timing_on) ? bench_hold_clock_ns() : 0;
}

static void wunlock(struct wlock *l)
{
	if (l->t0) {
		unsigned long long held = bench_hold_clock_ns() - l->t0;

		if (held > bench_max_lock_hold_ns)
			bench_max_lock_hold_ns = held;
	}
	pthread_spin_unlock(&l->s);
}

unsigned long long bench_peer_max_lock_hold_ns(void *m)
{
	return bench_max_lock_hold_ns;
}

/*
 * The operations that only find a node and act on its value are the same
 * for every map with a lock-free (or locked) lookup; each map supplies
 * find, insert-if-absent and remove, and these build the rest.
 */
struct node_map_ops {
	struct node *(*find)(void *m, const void *k, size_t len,
			     unsigned long h);
	/* inserts @n unless the key is present; returns the node in the map */
	struct node *(*insert)(void *m, struct node *n);
	struct node *(*remove)(void *m, const void *k, size_t len,
			       unsigned long h);
};

#define NODE_MAP_FUNCS(pfx)						\
static long pfx##_load(void *m, const void *k, size_t len)		\
{									\
	return node_load(pfx##_find(m, k, len, bench_hash(k, len)));	\
}									\
static struct node *pfx##_get_or_add(void *m, const void *k, size_t len, \
				     long v, bool *found)		\
{									\
	unsigned long h = bench_hash(k, len);				\
	struct node *n = pfx##_find(m, k, len, h), *fresh;		\
									\
	*found = n != NULL;						\
	if (n)								\
		return n;						\
	fresh = node_new(k, len, h, v);					\
	n = pfx##_insert(m, fresh);					\
	if (n != fresh) {						\
		free(fresh);						\
		*found = true;						\
	}								\
	return n;							\
}									\
static void pfx##_store(void *m, const void *k, size_t len, long v)	\
{									\
	bool found;							\
	struct node *n = pfx##_get_or_add(m, k, len, v, &found);	\
									\
	if (found)							\
		node_set(n, v);						\
}									\
static long pfx##_load_or_store(void *m, const void *k, size_t len,	\
				long v, bool *loaded)			\
{									\
	struct node *n = pfx##_get_or_add(m, k, len, v, loaded);	\
									\
	return *loaded ? node_load(n) : v;				\
}									\
static long pfx##_swap(void *m, const void *k, size_t len, long v)	\
{									\
	bool found;							\
	struct node *n = pfx##_get_or_add(m, k, len, v, &found);	\
									\
	return found ? node_xchg(n, v) : -1;				\
}									\
static bool pfx##_cas(void *m, const void *k, size_t len, long old,	\
		      long v)						\
{									\
	return node_cas(pfx##_find(m, k, len, bench_hash(k, len)), old, v); \
}									\
static long pfx##_load_and_delete(void *m, const void *k, size_t len)	\
{									\
	struct node *n = pfx##_remove(m, k, len, bench_hash(k, len));	\
	long v = node_load(n);						\
									\
	if (n)								\
		node_free_deferred(n);					\
	return v;							\
}									\
static bool pfx##_delete(void *m, const void *k, size_t len)		\
{									\
	return pfx##_load_and_delete(m, k, len) >= 0;			\
}

#define NODE_MAP_OPS(nm, pfx, hold) {						\
	.name = nm, .create = pfx##_create, .destroy = pfx##_destroy,	\
	.load = pfx##_load, .store = pfx##_store,			\
	.load_or_store = pfx##_load_or_store,				\
	.load_and_delete = pfx##_load_and_delete,			\
	.delete = pfx##_delete, .swap = pfx##_swap, .cas = pfx##_cas,	\
	.range = pfx##_range, .clear = pfx##_clear,			\
	.max_lock_hold_ns = hold,					\
}

typedef bool range_fn(const void *key, size_t len, long v, void *arg);

/* ---- rculfhash ---------------------------------------------------------- */

struct probe {
	const void *k;
	size_t len;
	unsigned long h;
};

static int lfht_match(struct cds_lfht_node *ln, const void *key)
{
	const struct probe *p = key;

	return node_is(caa_container_of(ln, struct node, lfht), p->k, p->len,
		       p->h);
}

static void *lfht_create(long nkeys)
{
	unsigned long init = 1;

	while (init < (unsigned long)nkeys && init < (1UL << 20))
		init <<= 1;
	return cds_lfht_new_flavor(init, 1, 0,
				   CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
				   &urcu_memb_flavor, NULL);
}

static struct node *lfht_find(void *m, const void *k, size_t len,
			      unsigned long h)
{
	struct probe p = { k, len, h };
	struct cds_lfht_iter it;
	struct cds_lfht_node *ln;

	cds_lfht_lookup(m, h, lfht_match, &p, &it);
	ln = cds_lfht_iter_get_node(&it);
	return ln ? caa_container_of(ln, struct node, lfht) : NULL;
}

static struct node *lfht_insert(void *m, struct node *n)
{
	struct probe p = { n->kp, n->len, n->hash };
	struct cds_lfht_node *ln;

	ln = cds_lfht_add_unique(m, n->hash, lfht_match, &p, &n->lfht);
	return caa_container_of(ln, struct node, lfht);
}

static struct node *lfht_remove(void *m, const void *k, size_t len,
				unsigned long h)
{
	struct node *n;

	for (;;) {
		n = lfht_find(m, k, len, h);
		if (!n || !cds_lfht_del(m, &n->lfht))
			return n;
	}
}

NODE_MAP_FUNCS(lfht)

static void lfht_range(void *m, range_fn *fn, void *arg)
{
	struct cds_lfht_iter it;
	struct node *n;

	cds_lfht_for_each_entry(m, &it, n, lfht)
		if (!fn(n->kp, n->len, node_load(n), arg))
			break;
}

static void lfht_clear(void *m)
{
	struct cds_lfht_iter it;
	struct node *n;

	cds_lfht_for_each_entry(m, &it, n, lfht)
		if (!cds_lfht_del(m, &n->lfht))
			node_free_deferred(n);
}

static void lfht_destroy(void *m)
{
	bench_read_lock();
	lfht_clear(m);
	bench_read_unlock();
	cds_lfht_destroy(m, NULL);
}

const struct map_ops rculfhash_ops = NODE_MAP_OPS("rculfhash", lfht, NULL);

/* ---- ck_hs -------------------------------------------------------------- */

struct ckmap {
	ck_hs_t hs;
	struct wlock lock;
	unsigned long removed;	/* since the last ck_hs_gc(), under lock */
};

struct deferred {
	struct rcu_head rcu;
	void *p;
};

static void deferred_free_rcu(struct rcu_head *head)
{
	struct deferred *d = caa_container_of(head, struct deferred, rcu);

	free(d->p);
	free(d);
}

static void *ck_alloc(size_t size)
{
	return malloc(size);
}

static void ck_free(void *p, size_t size, bool defer)
{
	struct deferred *d;

	if (!defer || !p) {
		free(p);
		return;
	}
	d = malloc(sizeof(*d));
	if (!d)
		abort();
	d->p = p;
	urcu_memb_call_rcu(&d->rcu, deferred_free_rcu);
}

static struct ck_malloc ck_allocator = { .malloc = ck_alloc, .free = ck_free };

static unsigned long ck_hash(const void *obj, unsigned long seed)
{
	const struct node *n = obj;	/* or a probe with the same head */

	return bench_hash(n->kp, n->len);
}

static bool ck_compare(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	return x->len == y->len && !memcmp(x->kp, y->kp, x->len);
}

static void *ckm_create(long nkeys)
{
	struct ckmap *c = calloc(1, sizeof(*c));

	/* MODE_DELETE: tombstones reused, as delete-heavy workloads need */
	if (!c || !ck_hs_init(&c->hs, CK_HS_MODE_OBJECT | CK_HS_MODE_SPMC |
			      CK_HS_MODE_DELETE,
			      ck_hash, ck_compare, &ck_allocator,
			      4 * (nkeys < 64 ? 64 : nkeys), 0))
		abort();
	wlock_init(&c->lock);
	return c;
}

/* A probe: the head of a node, pointing at the caller's key. */
#define CK_PROBE(name, k, l) struct node name = { .kp = (k), .len = (l) }

static struct node *ckm_find(void *m, const void *k, size_t len,
			     unsigned long h)
{
	struct ckmap *c = m;
	CK_PROBE(p, k, len);

	return ck_hs_get(&c->hs, h, &p);
}

static struct node *ckm_insert(void *m, struct node *n)
{
	struct ckmap *c = m;
	struct node *cur;

	wlock(&c->lock);
	cur = ck_hs_get(&c->hs, n->hash, n);
	if (!cur) {
		if (!ck_hs_put(&c->hs, n->hash, n))
			abort();
		cur = n;
	}
	wunlock(&c->lock);
	return cur;
}

static struct node *ckm_remove(void *m, const void *k, size_t len,
			       unsigned long h)
{
	struct ckmap *c = m;
	struct node *n;
	CK_PROBE(p, k, len);

	wlock(&c->lock);
	n = ck_hs_remove(&c->hs, h, &p);
	/*
	 * Tombstones lengthen every probe until collected: a full
	 * ck_hs_gc() once removals reach half the entries (at least 1024)
	 * keeps that O(1) per removal, amortized.
	 */
	if (n && ++c->removed >= 1024 &&
	    c->removed >= ck_hs_count(&c->hs) / 2) {
		ck_hs_gc(&c->hs, 0, 0);
		c->removed = 0;
	}
	wunlock(&c->lock);
	return n;
}

NODE_MAP_FUNCS(ckm)

static void ckm_range(void *m, range_fn *fn, void *arg)
{
	struct ckmap *c = m;
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	void *obj;

	while (ck_hs_next_spmc(&c->hs, &it, &obj)) {
		struct node *n = obj;

		if (!fn(n->kp, n->len, node_load(n), arg))
			break;
	}
}

static void ckm_clear(void *m)
{
	struct ckmap *c = m;
	ck_hs_iterator_t it = CK_HS_ITERATOR_INITIALIZER;
	void *obj;

	wlock(&c->lock);
	while (ck_hs_next(&c->hs, &it, &obj))
		node_free_deferred(obj);
	ck_hs_reset(&c->hs);
	wunlock(&c->lock);
}

static void ckm_destroy(void *m)
{
	struct ckmap *c = m;

	ckm_clear(c);
	urcu_memb_barrier();
	ck_hs_destroy(&c->hs);
	urcu_memb_barrier();
	free(c);
}

const struct map_ops ck_hs_ops = NODE_MAP_OPS("ck_hs", ckm,
					     bench_peer_max_lock_hold_ns);

/* ---- spinlock: chained buckets under one lock --------------------------- */

struct slmap {
	struct wlock lock;
	struct node **b;
	unsigned long mask;
	unsigned long count;
};

static void *sl_create(long nkeys)
{
	struct slmap *s = calloc(1, sizeof(*s));
	unsigned long size = 64;

	while (size < (unsigned long)nkeys)
		size <<= 1;
	if (!s || !(s->b = calloc(size, sizeof(*s->b))))
		abort();
	s->mask = size - 1;
	wlock_init(&s->lock);
	return s;
}

static struct node **sl_slot(struct slmap *s, const void *k, size_t len,
			     unsigned long h)
{
	struct node **pp = &s->b[h & s->mask];

	while (*pp && !node_is(*pp, k, len, h))
		pp = &(*pp)->next;
	return pp;
}

static void sl_grow(struct slmap *s)
{
	unsigned long size = 2 * (s->mask + 1), i;
	struct node **b = calloc(size, sizeof(*b)), *n, *next;

	if (!b)
		abort();
	for (i = 0; i <= s->mask; i++)
		for (n = s->b[i]; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (size - 1)];
			b[n->hash & (size - 1)] = n;
		}
	free(s->b);
	s->b = b;
	s->mask = size - 1;
}

/* Readers take the lock too: the node stays valid until the grace period. */
static struct node *sl_find(void *m, const void *k, size_t len,
			    unsigned long h)
{
	struct slmap *s = m;
	struct node *n;

	pthread_spin_lock(&s->lock.s);
	n = *sl_slot(s, k, len, h);
	pthread_spin_unlock(&s->lock.s);
	return n;
}

static struct node *sl_insert(void *m, struct node *n)
{
	struct slmap *s = m;
	struct node **pp, *cur;

	wlock(&s->lock);
	pp = sl_slot(s, n->kp, n->len, n->hash);
	cur = *pp;
	if (!cur) {
		*pp = cur = n;
		if (++s->count > s->mask + 1)
			sl_grow(s);	/* O(n) under the lock, as such maps do */
	}
	wunlock(&s->lock);
	return cur;
}

static struct node *sl_remove(void *m, const void *k, size_t len,
			      unsigned long h)
{
	struct slmap *s = m;
	struct node **pp, *n;

	wlock(&s->lock);
	pp = sl_slot(s, k, len, h);
	n = *pp;
	if (n) {
		*pp = n->next;
		s->count--;
	}
	wunlock(&s->lock);
	return n;
}

NODE_MAP_FUNCS(sl)

/* The keys are copied out under the lock and visited outside it, as Go's
 * RWMutexMap does: fn may call the map. */
static void sl_range(void *m, range_fn *fn, void *arg)
{
	struct slmap *s = m;
	struct node **all, *n;
	unsigned long i, cnt = 0;

	pthread_spin_lock(&s->lock.s);
	all = malloc((s->count + 1) * sizeof(*all));
	if (!all)
		abort();
	for (i = 0; i <= s->mask; i++)
		for (n = s->b[i]; n; n = n->next)
			all[cnt++] = n;
	pthread_spin_unlock(&s->lock.s);
	for (i = 0; i < cnt; i++)	/* alive: we are in a read-side section */
		if (!fn(all[i]->kp, all[i]->len, node_load(all[i]), arg))
			break;
	free(all);
}

static void sl_clear(void *m)
{
	struct slmap *s = m;
	struct node *n, *next;
	unsigned long i;

	wlock(&s->lock);
	for (i = 0; i <= s->mask; i++) {
		for (n = s->b[i]; n; n = next) {
			next = n->next;
			node_free_deferred(n);
		}
		s->b[i] = NULL;
	}
	s->count = 0;
	wunlock(&s->lock);
}

static void sl_destroy(void *m)
{
	struct slmap *s = m;

	sl_clear(s);
	urcu_memb_barrier();
	free(s->b);
	free(s);
}

const struct map_ops spinlock_ops = NODE_MAP_OPS("spinlock", sl,
					     bench_peer_max_lock_hold_ns);

/* ---- cow: copied and republished on every insert or delete -------------- */

struct cowtab {
	unsigned long mask;
	unsigned long count;
	struct rcu_head rcu;
	struct node *slot[];
};

struct cowmap {
	struct cowtab *t;		/* RCU-published */
	struct wlock lock;
};

static struct cowtab *cowtab_new(unsigned long size)
{
	struct cowtab *t = calloc(1, sizeof(*t) + size * sizeof(t->slot[0]));

	if (!t)
		abort();
	t->mask = size - 1;
	return t;
}

static void cowtab_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct cowtab, rcu));
}

static void *cow_create(long nkeys)
{
	struct cowmap *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->t = cowtab_new(8);
	wlock_init(&c->lock);
	return c;
}

static struct node *cowtab_find(const struct cowtab *t, const void *k,
				size_t len, unsigned long h)
{
	unsigned long i;

	for (i = h & t->mask; t->slot[i]; i = (i + 1) & t->mask)
		if (node_is(t->slot[i], k, len, h))
			return t->slot[i];
	return NULL;
}

static struct node *cow_find(void *m, const void *k, size_t len,
			     unsigned long h)
{
	struct cowmap *c = m;

	return cowtab_find(rcu_dereference(c->t), k, len, h);
}

static void cowtab_add(struct cowtab *t, struct node *n)
{
	unsigned long i = n->hash & t->mask;

	while (t->slot[i])
		i = (i + 1) & t->mask;
	t->slot[i] = n;
	t->count++;
}

/* A copy of @t without @skip, sized for @extra more keys at load <= 1/2. */
static struct cowtab *cowtab_copy(const struct cowtab *t, struct node *skip,
				  unsigned long extra)
{
	unsigned long size = 8, i;
	struct cowtab *nt;

	while (size < 2 * (t->count + extra))
		size <<= 1;
	nt = cowtab_new(size);
	for (i = 0; i <= t->mask; i++)
		if (t->slot[i] && t->slot[i] != skip)
			cowtab_add(nt, t->slot[i]);
	return nt;
}

static void cow_publish(struct cowmap *c, struct cowtab *old,
			struct cowtab *nt)
{
	rcu_assign_pointer(c->t, nt);
	urcu_memb_call_rcu(&old->rcu, cowtab_free_rcu);
}

static struct node *cow_insert(void *m, struct node *n)
{
	struct cowmap *c = m;
	struct cowtab *t, *nt;
	struct node *cur;

	wlock(&c->lock);
	t = c->t;
	cur = cowtab_find(t, n->kp, n->len, n->hash);
	if (!cur) {
		nt = cowtab_copy(t, NULL, 1);
		cowtab_add(nt, n);
		cow_publish(c, t, nt);
		cur = n;
	}
	wunlock(&c->lock);
	return cur;
}

static struct node *cow_remove(void *m, const void *k, size_t len,
			       unsigned long h)
{
	struct cowmap *c = m;
	struct cowtab *t;
	struct node *n;

	wlock(&c->lock);
	t = c->t;
	n = cowtab_find(t, k, len, h);
	if (n)
		cow_publish(c, t, cowtab_copy(t, n, 0));
	wunlock(&c->lock);
	return n;
}

NODE_MAP_FUNCS(cow)

static void cow_range(void *m, range_fn *fn, void *arg)
{
	struct cowmap *c = m;
	struct cowtab *t = rcu_dereference(c->t);
	unsigned long i;

	for (i = 0; i <= t->mask; i++)
		if (t->slot[i] && !fn(t->slot[i]->kp, t->slot[i]->len,
				      node_load(t->slot[i]), arg))
			break;
}

static void cow_clear(void *m)
{
	struct cowmap *c = m;
	struct cowtab *t;
	unsigned long i;

	wlock(&c->lock);
	t = c->t;
	for (i = 0; i <= t->mask; i++)
		if (t->slot[i])
			node_free_deferred(t->slot[i]);
	cow_publish(c, t, cowtab_new(8));
	wunlock(&c->lock);
}

static void cow_destroy(void *m)
{
	struct cowmap *c = m;

	cow_clear(c);
	urcu_memb_barrier();
	free(c->t);
	free(c);
}

const struct map_ops cow_ops = NODE_MAP_OPS("cow", cow,
					     bench_peer_max_lock_hold_ns);

/* ---- floor: no map, the machine's own jitter ---------------------------- */

/*
 * Not a map: the StoreLatency row that says what this machine adds to any
 * timing there (a vCPU the host deschedules, an interrupt), whose max and
 * longest lock hold no map can go below. Its "store" is a fixed
 * computation of about a syncmap store's median here (FLOOR_STORE
 * dependent xorshift rounds), done under a lock that guards nothing and
 * is timed as the maps' locks are (on the holder's CPU clock); its "load"
 * a shorter one. Only StoreLatency runs it.
 */
#define FLOOR_STORE	256
#define FLOOR_LOAD	16

static struct wlock floor_lock;

static unsigned long floor_work(unsigned long x, int rounds)
{
	while (rounds--)
		xorshift(&x);
	return x;
}

static void *floor_create(long nkeys)
{
	wlock_init(&floor_lock);
	return &floor_lock;
}

static void floor_destroy(void *m)
{
}

static long floor_load(void *m, const void *k, size_t len)
{
	return floor_work(len | 1, FLOOR_LOAD) & 1 ? -1 : 0;
}

static void floor_store(void *m, const void *k, size_t len, long v)
{
	unsigned long x;

	wlock(&floor_lock);
	x = floor_work(v | 1, FLOOR_STORE);
	wunlock(&floor_lock);
	/* used, so that the compiler keeps the work */
	__asm__ volatile("" : : "r"(x));
}

/* StoreLatency's set-up: nothing to fill */
static long floor_load_or_store(void *m, const void *k, size_t len, long v,
				bool *loaded)
{
	*loaded = false;
	return v;
}

const struct map_ops floor_ops = {
	.name = "floor", .create = floor_create, .destroy = floor_destroy,
	.load = floor_load, .store = floor_store,
	.load_or_store = floor_load_or_store,
	.max_lock_hold_ns = bench_peer_max_lock_hold_ns,
};
