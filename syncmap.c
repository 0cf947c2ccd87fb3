// SPDX-License-Identifier: GPL-2.0
/*
 * syncmap - Go's sync.Map for the kernel
 *
 * Design (after Go's sync.Map; see Documentation/core-api/syncmap.rst):
 *
 * The read table is an immutable open-addressing table of entries,
 * published with rcu_assign_pointer(). Each slot holds the entry pointer
 * and a tag (the key's 32-bit hash), so a probe follows only the pointer
 * whose tag matches. A lookup that finds its key there takes no lock and
 * writes nothing shared. The dirty table, changed under map->lock, holds
 * (once its build is complete, see below) every entry of the read table
 * that is not expunged, plus the keys added since it was started;
 * read->amended says it has such keys.
 * Lookups that miss the read table while it is amended search the dirty
 * table and, if they find their key there, count a miss; once the misses
 * reach the dirty table's size (syncmap_promote_due()), the dirty table
 * is promoted: published as the new read table (O(1)), and the map has
 * no dirty table until the next new key needs one.
 *
 * Promotion. Go promotes once the misses reach the dirty map's length
 * because its promotion ends in an O(n) copy (the next Store's
 * dirtyLocked()): n misses pay for n copied entries. Here promotion is
 * O(1), but it is still followed by a build when the next new key comes:
 * a slot taken over per entry, a step at a time, and for a large map a
 * table of twice its size allocated and zeroed by a worker while new keys
 * wait in a nursery. That is O(n) work against the second probe each miss
 * pays while the map is amended, so the rule stays Go's: a build is paid
 * for by as many misses as it copies entries (the ski-rental bound: the
 * misses and the builds together never cost more than twice what
 * promoting at the best moment would have). Promoting at a quarter of the
 * entries reached one-table lookups sooner after a fill, but doubled the
 * slots a store workload copied and made its stores wait for the worker's
 * allocation whenever a nursery filled first. The count costs no shared
 * write a lookup: each CPU counts its lookups' misses itself and adds
 * them to the map's in batches (SYNCMAP_MISS_BATCH), whichever keys they
 * were for, so every key has its say. A lookup of an absent
 * key counts a fraction of a miss (SYNCMAP_MISS_TICKS): promotion helps
 * it less (it is then answered from one table instead of two), but a map
 * whose new keys nobody looks up still gets there.
 *
 * Unlike Go, those lookups do not take the lock: the dirty table is
 * RCU-published too and only ever gains slots (a full one is promoted,
 * never grown), each made visible by a release of its tag, so a lookup
 * probes it as it is being filled (find_entry_dirty(), which probes a
 * dirty table only while the read table it missed is still published);
 * only the lookup whose batch makes promotion due takes the lock, to
 * promote. A map just filled with n keys is thus read without the lock
 * from the start, where Go's locks for up to n lookups.
 *
 * An entry is shared by both tables, so a store to a key the read table
 * holds is a cmpxchg on entry->p, which moves between three states:
 *
 *   live      the value (in a map with a release callback, its box);
 *   NULL      deleted; the entry is in the dirty table, or will be copied
 *             into the next one;
 *   EXPUNGED  deleted and not copied into the dirty table; only a writer
 *             holding map->lock may bring it back, and it then adds the
 *             entry to the dirty table itself.
 *
 * Unlike Go, no caller copies a table: a dirty table is allocated empty,
 * published at once, and filled from the read table a few slots at a
 * time (SYNCMAP_COPY_STEP, under the lock: dirty_copy_step()) by the
 * writers that add keys to it and by the lookups whose misses would have
 * promoted it, so a store, load or delete does O(1) work whatever the
 * map's size. Until the copy is complete, every key is still in the read
 * table or already in the dirty one, and promotion waits for it. The
 * copy moves NULL entries to EXPUNGED with a cmpxchg, which lockless
 * writers race with (entry_expunge()); only the build in progress
 * expunges entries of the published read table, so an entry found
 * EXPUNGED is revived straight into the dirty table. The dirty table is
 * sized so that the copy ends before it fills (dirty_size_for()); a full
 * one is promoted and the next built twice as large, never rehashed.
 *
 * Unlike Go's, a build keeps some deleted entries as they are, copied as
 * live ones are: as many as the map has live keys, in the room their
 * table has anyway (dirty_keep_budget()). A key deleted and stored
 * again, the churn of a working set, is then written with one cmpxchg in
 * the read table, where Go takes the lock, allocates an entry and, until
 * the next promotion, has the key's lookups search the dirty table.
 *
 * The one allocation proportional to the map, the empty dirty table, is
 * made by the store that starts a build, outside any lock, only while it
 * is small (SYNCMAP_GROW_INLINE slots: microseconds to zero). A larger
 * one would stall that store for milliseconds, so the store publishes a
 * small nursery table instead, which takes new keys and nothing else,
 * and queues a worker to allocate the table (dirty_grow(); charged as the
 * store would have been). The worker publishes it with the nursery as
 * its ->pending: the build takes the nursery's entries over a step at a
 * time before the read table's, and lookups and writers look in the
 * nursery too until it has. A nursery is never promoted; if it fills
 * before the worker is done, the store that finds it full allocates the
 * table itself, as before.
 *
 * Hashing. A lookup pays its hash every time, so the hash is the fast
 * keyed one (syncmap_fast_hash(): two folded multiplies for a key of up
 * to 16 bytes) under a random secret per map, not hsiphash, which costs
 * several times as much. What a keyed PRF buys, that no one can choose
 * keys that collide, is kept as rhashtable keeps it with jhash: by
 * noticing. A key that an insert (a new key, or a build's copy) places
 * SYNCMAP_PROBE_LIMIT slots or more from its home, a run that a random
 * hash makes improbable at a table's load, trips the watchdog
 * (table_tripped()): the map's next tables are placed by the fast hash
 * under a fresh secret, and, if a table of that epoch trips it too, by
 * hsiphash for good. The table that tripped takes no more new keys: the
 * next one starts its successor in the new epoch, which takes it over a
 * step at a time as a nursery is taken over (dirty_handover_locked()), so
 * a flood fills one table to the limit, not to the brim. Until then its
 * build goes on (lookups may not allocate a successor), and if lookups
 * promote it first, it is read as it is until the next build, which is
 * in the new epoch. It trips once: the keys it places far from home
 * after that, copied from the read table, move the map no further.
 *
 * Each table records its epoch; an entry keeps its epoch-0 hash, so the
 * common tables place it without hashing the key again, and a build into
 * a table of another epoch hashes each key afresh. During such a build a
 * lookup may hash a key twice, once for the read table and once for the
 * dirty one. Maps that unprivileged users write (the device's) start
 * fast too: a flood costs at most two tables probed at length before the
 * map is on hsiphash, and keys chosen without the secret (which never
 * leaves the kernel: RANGE cursors are enciphered) collide no more than
 * random ones.
 *
 * Lifetimes: values are released after a grace period via their box's
 * rcu_head. A map without a release callback stores bare values instead:
 * dropping one needs nothing deferred, so it needs no box, and replacing
 * a value is a single cmpxchg that neither allocates nor frees. Unlike
 * Go's, whose entries the garbage collector frees, each entry is owned by
 * exactly one table, which frees it with itself, a grace period after it
 * was unpublished (from the RCU callback if small, else from a
 * workqueue): the read table owns the entries its successor's build left
 * out (expunged, and not revived since), and a clear or destroy gives each
 * remaining entry to one of the tables it unpublishes (tables_drop()).
 * An owner is marked by a bit beside its slot, which lookups never read,
 * not by a count in the entry: a build that took a reference on each
 * live entry it copied (and the old table's free that dropped it) wrote
 * to every entry's cache line once per promotion cycle, which the CPUs
 * reading those keys then missed. When its owner is freed, no table
 * that held the entry has been published for a grace period (the later
 * tables lack it, the earlier ones went first), so no lockless reader
 * can still see it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "syncmap_internal.h"

#ifndef kzalloc_obj
/* Kernels before kzalloc_obj(). */
#define kzalloc_obj(obj, gfp)	kzalloc(sizeof(obj), gfp)
#endif

#define SYNCMAP_MIN_SLOTS	8U
/* Tables this small are freed from their RCU callback, not a worker. */
#define SYNCMAP_SMALL_TABLE	64U

static struct workqueue_struct *syncmap_wq;

#if IS_ENABLED(CONFIG_SYNCMAP_LOCK_STATS)
static bool lock_stats;
module_param(lock_stats, bool, 0644);
MODULE_PARM_DESC(lock_stats,
		 "measure each map's longest lock hold, for benchmarks (default off)");

/*
 * With lock_stats on, the longest time map->lock was held; the
 * benchmarks use it to show that no writer holds it for O(n) work.
 */
static void lock_timing_start(struct syncmap *map)
{
	map->lock_t0 = READ_ONCE(lock_stats) ? local_clock() : 0;
}

static void lock_timing_end(struct syncmap *map)
{
	if (map->lock_t0) {
		u64 held = local_clock() - map->lock_t0;

		if (held > map->counters.max_lock_hold_ns)
			map->counters.max_lock_hold_ns = held;
	}
}
#else
static void lock_timing_start(struct syncmap *map)
{
}

static void lock_timing_end(struct syncmap *map)
{
}
#endif

/* map->lock: raw, as it is taken from hard interrupt context (struct syncmap) */
static void map_lock(struct syncmap *map, unsigned long *flags)
	__acquires(&map->lock)
{
	raw_spin_lock_irqsave(&map->lock, *flags);
	lock_timing_start(map);
}

static void map_unlock(struct syncmap *map, unsigned long flags)
	__releases(&map->lock)
{
	lock_timing_end(map);
	raw_spin_unlock_irqrestore(&map->lock, flags);
}

/* ---- values: an entry's "word" (syncmap_internal.h) --------------------- */

static struct syncmap_val *box_alloc(struct syncmap *map, void *value,
				     gfp_t gfp)
{
	struct syncmap_val *box = kmalloc(sizeof(*box), gfp);

	if (box) {
		box->value = value;
		box->map = map;
	}
	return box;
}

/* The word that stores @value: a new box, or @value itself. */
static __always_inline void *
word_alloc(struct syncmap *map, void *value, gfp_t gfp)
{
	return syncmap_boxes(map) ? box_alloc(map, value, gfp) : value;
}

static void val_release_rcu(struct rcu_head *head)
{
	struct syncmap_val *box = container_of(head, struct syncmap_val, rcu);
	struct syncmap *map = box->map;

	map->release(box->value);
	kfree(box);
	/*
	 * Our last access to @map: once the count is 0, syncmap_destroy()
	 * may free it. wake_up_var() only hashes the address.
	 */
	if (atomic_long_dec_and_test(&map->releases_pending))
		wake_up_var(&map->releases_pending);
}

/*
 * The map drops the value: release it once no reader can hold it. Without
 * a release callback there is nothing to do, now or later.
 */
static __always_inline void word_release(struct syncmap *map, void *w)
{
	struct syncmap_val *box = w;

	if (syncmap_boxes(map)) {
		atomic_long_inc(&map->releases_pending);
		call_rcu(&box->rcu, val_release_rcu);
	}
}

/* The value goes back to the caller: only the box is the map's. */
static __always_inline void word_forget(struct syncmap *map, void *w)
{
	struct syncmap_val *box = w;

	if (syncmap_boxes(map))
		kfree_rcu(box, rcu);
}

/* A word no reader ever saw: the write it was made for did not happen. */
static __always_inline void word_free(struct syncmap *map, void *w)
{
	if (syncmap_boxes(map))
		kfree(w);
}

/*
 * A value the API accepts: not NULL (the deleted state) and not in the
 * ERR_PTR range, so that an ERR_PTR returned by load_or_store or swap is
 * never a value.
 */
static __always_inline bool value_valid(const void *value)
{
	return !IS_ERR_OR_NULL(value);
}

/* @w, read from @e, is live and, unless @old is NULL, holds @old. */
static __always_inline bool
word_holds(const struct syncmap *map, const struct syncmap_entry *e, void *w,
	   const void *old)
{
	return syncmap_word_is_live(e, w) &&
	       (!old || syncmap_word_value(map, w) == old);
}

/* ---- entries ---------------------------------------------------------- */

static struct syncmap_entry *entry_alloc(const void *key, size_t key_len,
					 u64 hash, gfp_t gfp)
{
	struct syncmap_entry *e;

	if (key_len > U32_MAX)
		return NULL;	/* as kmalloc() would: -ENOMEM */
	e = kmalloc(struct_size(e, key, key_len), gfp);
	if (!e)
		return NULL;
	RCU_INIT_POINTER(e->p, NULL);
	e->hash = hash >> 32;
	e->key_len = key_len;
	memcpy(e->key, key, key_len);
	return e;
}

/*
 * Free an entry its table owns (struct syncmap_table): every table that
 * held it has been unpublished for a grace period, so no lockless reader
 * can still see it. A table owns only expunged entries (left out of the
 * next table, or expunged by a clear or destroy); a value still here would
 * be one the map lost track of, and is leaked (the entry does not know
 * its map).
 */
static void entry_free(struct syncmap_entry *e)
{
	void *p = rcu_dereference_protected(e->p, true);

	WARN_ON_ONCE(p != SYNCMAP_EXPUNGED(e));
	kfree(e);
}

static __always_inline void *
entry_cmpxchg(struct syncmap_entry *e, void *old, void *new)
{
	return unrcu_pointer(cmpxchg(&e->p, RCU_INITIALIZER(old),
				     RCU_INITIALIZER(new)));
}

static __always_inline void *entry_get(struct syncmap_entry *e)
{
	return rcu_dereference(e->p);
}

enum entry_result {
	ENTRY_EXPUNGED,		/* nothing done: only a lock holder may go on */
	ENTRY_STORED,		/* the new word is in; *old is the one replaced */
	ENTRY_LOADED,		/* load_or_store found a value; *old is it */
	ENTRY_UNCHANGED,	/* the same value pointer was already stored */
};

/*
 * entry_swap - put the word @w into @e (Go's trySwap and tryLoadOrStore)
 * @only_if_empty: load-or-store: keep a live value and report it
 *
 * The cmpxchg moves NULL -> w or w' -> w. It fails only if @e->p moved
 * since we read it, and then we decide again on the new state. An
 * EXPUNGED entry is left alone: storing into it here could make a value
 * live in an entry the dirty table lacks, and it would be lost at the
 * next promotion.
 *
 * ABA: a box we compare against was read inside the caller's RCU
 * read-side section and is freed only after a grace period, so its
 * address is not reused meanwhile. A bare value (map without release)
 * may have been replaced and stored again behind our back; the cmpxchg
 * then replaces that later store of the same value, which is what a swap
 * ordered after it would do. NULL may have gone NULL -> EXPUNGED -> w'
 * -> NULL behind our back only through a revival under the lock, which
 * put @e in the dirty table first, so storing into that NULL is as safe
 * as into the one we first saw.
 */
static __always_inline enum entry_result
entry_swap(struct syncmap *map, struct syncmap_entry *e, void *w,
	   bool only_if_empty, void **old)
{
	void *value = syncmap_word_value(map, w);
	void *p = entry_get(e);
	void *cur;

	for (;;) {
		if (p == SYNCMAP_EXPUNGED(e))
			return ENTRY_EXPUNGED;
		if (p && only_if_empty) {
			*old = p;
			return ENTRY_LOADED;
		}
		if (p && syncmap_word_value(map, p) == value) {
			*old = p;
			return ENTRY_UNCHANGED;
		}
		syncmap_race_point(map, e);
		cur = entry_cmpxchg(e, p, w);
		if (cur == p) {
			if (!p)
				atomic_long_inc(&map->len);
			*old = p;
			return ENTRY_STORED;
		}
		p = cur;
	}
}

/*
 * entry_delete - take the value out of @e, w -> NULL
 * @old: the value to delete, or NULL for any
 *
 * Returns the word taken out, or NULL. The entry stays in both tables as
 * a deleted (NULL) entry; the next dirty build expunges it, or keeps it
 * as it is if its budget allows (dirty_keep_budget()).
 */
static void *entry_delete(struct syncmap *map, struct syncmap_entry *e,
			  void *old)
{
	void *p = entry_get(e);
	void *cur;

	for (;;) {
		if (!word_holds(map, e, p, old))
			return NULL;
		syncmap_race_point(map, e);
		cur = entry_cmpxchg(e, p, NULL);
		if (cur == p)
			return p;
		p = cur;
	}
}

/* entry_compare_and_swap - w' -> @w if the live value is @old */
static void *entry_compare_and_swap(struct syncmap *map,
				    struct syncmap_entry *e, void *old,
				    void *w)
{
	void *p = entry_get(e);
	void *cur;

	for (;;) {
		if (!word_holds(map, e, p, old))
			return NULL;
		syncmap_race_point(map, e);
		cur = entry_cmpxchg(e, p, w);
		if (cur == p)
			return p;
		p = cur;
	}
}

/*
 * entry_expunge - NULL -> EXPUNGED, for a dirty build that leaves @e out
 *
 * Returns true if @e is (now) expunged. If a store slipped in between our
 * read and the cmpxchg, the cmpxchg fails, the value is live and the
 * builder copies the entry instead: a plain write of EXPUNGED here would
 * wipe out that store (KUnit's copy_race_store stages exactly this).
 */
static bool entry_expunge(struct syncmap *map, struct syncmap_entry *e)
{
	void *p = entry_get(e);

	while (!p) {
		syncmap_race_point(map, e);
		p = entry_cmpxchg(e, NULL, SYNCMAP_EXPUNGED(e));
		if (!p)
			return true;
	}
	return p == SYNCMAP_EXPUNGED(e);
}

/* ---- tables ----------------------------------------------------------- */

/* An empty table of @size slots (a power of two), and its owned bitmap. */
static struct syncmap_table *table_alloc(unsigned int size, gfp_t gfp)
{
	size_t bitmap = BITS_TO_LONGS(size) * sizeof(unsigned long);
	struct syncmap_table *t;

	t = kvzalloc(size_add(struct_size(t, slots, size), bitmap), gfp);
	if (t) {
		t->size = size;
		t->shift = 64 - ilog2(size);
	}
	return t;
}

/*
 * The size of a dirty table built from @r that takes over @extra keys of a
 * nursery too: room for those entries and as many new keys again, and at
 * least a quarter of @r's size, so that a build always ends before its
 * table fills (see dirty_copy_step()). A map emptied by deletes thus
 * shrinks by at most four times a round.
 */
static unsigned int dirty_size_for(const struct syncmap_table *r,
				   unsigned int extra)
{
	unsigned int want = max(r->count, r->size / 8) + extra;

	if (want > (1U << 29))
		return 0;
	return max(SYNCMAP_MIN_SLOTS, roundup_pow_of_two(2 * want + 2));
}

static bool dirty_has_room(const struct syncmap_table *d)
{
	return d->reserved + d->nr_new + 1 <= d->size / 4 * 3;
}

/*
 * How many deleted entries a build may keep (see dirty_copy_step()): as
 * many as the map has live keys, in the room that the table for those
 * keys has anyway, less an eighth of it for keys added before the next
 * promotion. A table of up to cap entries is sized as one for the live
 * keys alone (dirty_size_for(): 2 * count + 2 slots, rounded up to a
 * power of two), so the entries kept make the next table larger only if
 * more keys than that eighth come meanwhile: memory stays within a size
 * class of what the live keys take. A map emptied by deletes keeps none,
 * and shrinks as before; nor does one of 2^28 keys or more (whose table
 * sizes approach dirty_size_for()'s limit).
 */
static unsigned int dirty_keep_budget(struct syncmap *map)
{
	long live = atomic_long_read(&map->len);
	unsigned long cap;

#if IS_ENABLED(CONFIG_SYNCMAP_DEBUG)
	if (READ_ONCE(map->keep_none))
		return 0;
#endif
	if (live <= 0 || live >= (1L << 28))
		return 0;
	cap = roundup_pow_of_two(2 * live + 2) / 2 - 1;
	if (cap <= live + cap / 8)
		return 0;
	return min_t(unsigned long, live, cap - live - cap / 8);
}

/* Free the entries @t owns: it has been unpublished for a grace period. */
static void table_free_entries(struct syncmap_table *t, bool may_sleep)
{
	unsigned int i, n = 0;

	for_each_set_bit(i, syncmap_owned(t), t->size) {
		entry_free(t->slots[i].entry);
		if (may_sleep && !(++n & 1023))
			cond_resched();
	}
}

static void table_free_work(struct work_struct *work)
{
	struct syncmap_table *t = container_of(to_rcu_work(work),
					       struct syncmap_table, free_work);

	table_free_entries(t, true);
	kvfree(t);
}

static void table_free_rcu(struct rcu_head *head)
{
	struct syncmap_table *t = container_of(head, struct syncmap_table,
					       free_rcu);

	table_free_entries(t, false);
	kvfree(t);
}

/*
 * Free a table readers may still be walking: after a grace period. A
 * small one straight from the RCU callback; a large one from a worker,
 * which may sleep between its entries (and must: kvfree() of a vmalloc'ed
 * table sleeps).
 */
static void table_free_deferred(struct syncmap_table *t)
{
	if (t->size <= SYNCMAP_SMALL_TABLE) {
		call_rcu(&t->free_rcu, table_free_rcu);
		return;
	}
	INIT_RCU_WORK(&t->free_work, table_free_work);
	queue_rcu_work(syncmap_wq, &t->free_work);
}

/*
 * The entry of the key of epoch-0 hash @hash in @t: a published read
 * table, or any table under the lock (table_find()), or a dirty table or
 * nursery without it (dirty_find(): see syncmap_dirty_find()).
 */
static __always_inline struct syncmap_entry *
table_find(const struct syncmap *map, const struct syncmap_table *t, u64 hash,
	   const void *key, size_t key_len)
{
	return syncmap_table_find(t, syncmap_table_hash(map, t, hash, key,
							key_len),
				  key, key_len);
}

static __always_inline struct syncmap_entry *
dirty_find(const struct syncmap *map, const struct syncmap_table *t, u64 hash,
	   const void *key, size_t key_len)
{
	return syncmap_dirty_find(t, syncmap_table_hash(map, t, hash, key,
							key_len),
				  key, key_len);
}

/* The hash that places @e in @t. */
static __always_inline u64 entry_hash_in(const struct syncmap *map,
					 const struct syncmap_table *t,
					 const struct syncmap_entry *e)
{
	return syncmap_table_hash(map, t, syncmap_entry_hash(e), e->key,
				  e->key_len);
}

/*
 * The watchdog: @t (a dirty table or nursery, under the lock) placed a key
 * SYNCMAP_PROBE_LIMIT slots or more from its home. Keys that collide so
 * were chosen by someone who knows the hash, or found a weakness of it:
 * the map's next tables take the next epoch, a fresh secret or, the second
 * time, hsiphash. @t itself stays as it is until it is replaced.
 */
static void table_tripped(struct syncmap *map, struct syncmap_table *t)
{
	lockdep_assert_held(&map->lock);
	if (t->tripped)
		return;
	t->tripped = true;
	map->counters.floods++;
	/*
	 * Only the dirty table (or the nursery before it) takes keys, and it
	 * was made in the map's epoch: no table of an older epoch trips after
	 * the map has moved on, except @t, which trips once.
	 */
	if (map->epoch < SYNCMAP_EPOCH_SIPHASH)
		map->epoch++;
}

/* Add @e to a table known not to hold its key, under the lock. */
static void table_add(struct syncmap *map, struct syncmap_table *t,
		      struct syncmap_entry *e)
{
	unsigned int mask = t->size - 1;
	u64 hash = entry_hash_in(map, t, e);
	unsigned int home = syncmap_home(t, hash), i = home;

	while (t->slots[i].tag)
		i = (i + 1) & mask;
	if (unlikely(((i - home) & mask) >= SYNCMAP_PROBE_LIMIT))
		table_tripped(map, t);
	t->slots[i].entry = e;
	/* Pairs with syncmap_dirty_find(): the pointer, then the tag. */
	smp_store_release(&t->slots[i].tag, syncmap_tag(hash));
	WRITE_ONCE(t->count, t->count + 1);	/* read by count_miss() */
}

/* Add @e unless the table holds it already (Go's dirty[key] = e). */
static void table_upsert(struct syncmap *map, struct syncmap_table *t,
			 struct syncmap_entry *e)
{
	struct syncmap_entry *cur;

	cur = syncmap_table_find(t, entry_hash_in(map, t, e), e->key,
				 e->key_len);
	if (cur) {
		WARN_ON_ONCE(cur != e);	/* one entry per key, always */
		return;
	}
	table_add(map, t, e);
}

/*
 * Take every value out of a table the map no longer publishes (clear,
 * destroy), expunge its entries, releasing the values, and take ownership
 * of the entries in slots @own_from and up (see tables_drop()). A
 * lockless writer racing with us either stored before our xchg, and we
 * release its value, or sees EXPUNGED and goes to the lock, where it
 * finds the new tables.
 */
static void table_expunge_all(struct syncmap *map, struct syncmap_table *t,
			      unsigned int own_from)
{
	struct syncmap_entry *e;
	unsigned int i;
	void *p;

	for (i = 0; i < t->size; i++) {
		e = t->slots[i].entry;
		if (!e)
			continue;
		p = unrcu_pointer(xchg(&e->p,
				       RCU_INITIALIZER(SYNCMAP_EXPUNGED(e))));
		if (syncmap_word_is_live(e, p)) {
			atomic_long_dec(&map->len);
			word_release(map, p);
		}
		if (i >= own_from)
			__set_bit(i, syncmap_owned(t));
		if (!(i & 1023))
			cond_resched();
	}
}

/*
 * Delete every value in slots @from and up of a table that stays
 * published (a clear in place, see clear_in_place()): live -> NULL, as
 * syncmap_delete() does, so the tables' invariants hold as after any
 * delete. EXPUNGED entries stay so.
 */
static void table_delete_all(struct syncmap *map, struct syncmap_table *t,
			     unsigned int from)
	__must_hold(RCU)
{
	unsigned int i;
	void *p;

	for (i = from; i < t->size; i++) {
		struct syncmap_entry *e = t->slots[i].entry;

		if (!e)
			continue;
		p = entry_delete(map, e, NULL);
		if (p) {
			atomic_long_dec(&map->len);
			word_release(map, p);
		}
	}
}

/*
 * tables_drop - expunge and free the tables a clear or destroy unpublished
 * @r: the read table
 * @d: the dirty table, or NULL
 * @n: the nursery @d was taking over (@d's pending, read under the lock
 *	that unpublished @d: nothing steps @d any more), or NULL
 *
 * An entry in two of them is expunged once (the second xchg finds it
 * EXPUNGED) and must be freed once: @d owns all of its entries; @n those
 * of its slots that @d has not adopted yet (the others are in @d); @r
 * those of its slots that @d's build has not reached yet, besides those
 * the build left out, which it owns already (every other entry behind
 * d->copied is in @d: copied, or left out and revived into it). A
 * nursery @d has copied nothing: @r owns all of its entries. @d goes
 * last, as the others read how far its build got.
 */
static void tables_drop(struct syncmap *map, struct syncmap_table *r,
			struct syncmap_table *d, struct syncmap_table *n)
{
	table_expunge_all(map, r, d ? d->copied : 0);
	table_free_deferred(r);
	if (n) {
		table_expunge_all(map, n, d->adopted);
		table_free_deferred(n);
	}
	if (d) {
		table_expunge_all(map, d, 0);
		table_free_deferred(d);
	}
}

/* ---- the map's slow paths, under map->lock ---------------------------- */

static struct syncmap_table *read_locked(struct syncmap *map)
	__must_hold(&map->lock)
{
	return rcu_dereference_protected(map->read,
					 lockdep_is_held(&map->lock));
}

static struct syncmap_table *dirty_locked(struct syncmap *map)
	__must_hold(&map->lock)
{
	return rcu_dereference_protected(map->dirty,
					 lockdep_is_held(&map->lock));
}

/*
 * @d holds every entry of the read table that is not expunged (and of the
 * nursery it took over). A nursery never is: it takes over nothing.
 */
static bool dirty_complete(struct syncmap *map, const struct syncmap_table *d)
{
	lockdep_assert_held(&map->lock);
	return !d->nursery && !d->pending &&
	       d->copied == read_locked(map)->size;
}

/*
 * Take over the next SYNCMAP_COPY_STEP slots of the nursery @d replaces.
 * Its entries hold new keys, which the read table lacks and which no
 * build expunges, so each is simply added; the nursery is frozen (no
 * writer adds to it once @d is published), and keeps its keys for the
 * lookups that still probe it. Once all are in @d, lookups that read
 * d->pending as NULL (with an acquire) see them here: the release orders
 * every table_add() before it.
 */
static void dirty_adopt_step(struct syncmap *map, struct syncmap_table *d)
{
	struct syncmap_table *n = d->pending;
	unsigned int end = min(d->adopted + SYNCMAP_COPY_STEP, n->size);
	struct syncmap_entry *e;
	unsigned int i;

	lockdep_assert_held(&map->lock);
	for (i = d->adopted; i < end; i++) {
		e = n->slots[i].entry;
		if (e)
			table_add(map, d, e);
	}
	d->adopted = end;
	if (end == n->size) {
		/* Pairs with find_entry_dirty()'s acquire: see above. */
		smp_store_release(&d->pending, NULL);
		table_free_deferred(n);
	}
}

/*
 * dirty_copy_step - take over the next SYNCMAP_COPY_STEP slots of the
 * read table into the dirty table @d
 *
 * Each entry is either expunged (NULL -> EXPUNGED) and left out, the read
 * table then owning it (it frees the entry with itself, after the
 * promotion of @d), or, holding a value or deleted within the budget
 * (d->keep), added to @d, which reads the entry and writes nothing to
 * it: a build does not take the cache lines of the live entries that
 * lookups on other CPUs are reading. The cmpxchg in entry_expunge() is
 * what makes that choice safe against lockless writers, who store into a
 * read-table entry without the lock: a store that lands before it makes
 * the entry live and we copy it; one that comes after finds EXPUNGED and
 * takes the lock, where entry_revive_locked() adds the entry to @d (and
 * takes it back). An entry of the read table is thus in @d, or expunged,
 * once its slot is behind d->copied; until then every lookup and writer
 * finds it in the read table, which is why a build in progress loses
 * nothing.
 *
 * A step also takes over SYNCMAP_COPY_STEP slots of the nursery @d
 * replaces, if any (dirty_adopt_step()). A nursery itself copies nothing.
 *
 * Bounded work under the lock: twice SYNCMAP_COPY_STEP slots. Every new
 * key added to @d first runs a step, so with dirty_size_for()'s room (at
 * least size/16 of the read table's slots for new keys, in a table of
 * 2 * (max(count, size / 8) + nursery keys) + 2 slots or more) the copy
 * has passed the last slot before @d can fill: 32 slots a step * size/16
 * steps >= size (a nursery, of SYNCMAP_NURSERY slots, is no larger than
 * any read table a nursery is started over, so its takeover ends no
 * later).
 */
static void dirty_copy_step(struct syncmap *map, struct syncmap_table *d)
	__must_hold(RCU)
{
	struct syncmap_table *r = read_locked(map);
	unsigned int end = min(d->copied + SYNCMAP_COPY_STEP, r->size);
	struct syncmap_entry *e;
	unsigned int i;

	lockdep_assert_held(&map->lock);
	if (d->nursery)
		return;
	if (d->pending)
		dirty_adopt_step(map, d);
	for (i = d->copied; i < end; i++) {
		e = r->slots[i].entry;
		if (!e)
			continue;
		/*
		 * A deleted entry within the budget is kept as it is, as a
		 * live one is copied: a store that brings its key back finds
		 * it in the read table (one cmpxchg, no lock, no allocation),
		 * and a lookup of the key is answered there. A store racing
		 * with us makes it live in the entry both tables share.
		 */
		if (d->kept < d->keep && !entry_get(e)) {
			d->kept++;
			table_add(map, d, e);
			continue;
		}
		if (entry_expunge(map, e))	/* left out: @r frees it */
			__set_bit(i, syncmap_owned(r));
		else
			table_add(map, d, e);
	}
	d->copied = end;
	map->counters.copy_steps++;
}

/*
 * Publish the dirty table as the read table. It holds every entry of the
 * old read table that is not expunged (it is complete), so nothing is
 * lost; rcu_assign_pointer() orders the slot stores made under the lock
 * before the pointer readers will follow.
 */
static void promote_locked(struct syncmap *map)
	__must_hold(&map->lock)
{
	struct syncmap_table *old = read_locked(map);
	struct syncmap_table *d = dirty_locked(map);

	lockdep_assert_held(&map->lock);
	WARN_ON_ONCE(!dirty_complete(map, d));
	rcu_assign_pointer(map->read, d);
	/*
	 * A lookup that still reads the old pointer probes the table that
	 * is now the read table, which is no worse; one that reads NULL
	 * takes the lock (find_entry_dirty()).
	 */
	RCU_INIT_POINTER(map->dirty, NULL);
	map->counters.misses += atomic_long_xchg(&map->misses, 0);
	map->counters.promotions++;
	table_free_deferred(old);
}

/*
 * The misses have paid for the dirty table (Go's missLocked()): promote
 * it if its build is complete, else take the build one step further. A
 * lookup that reaches this does bounded work, as any caller.
 */
static void promote_or_copy_locked(struct syncmap *map,
				   struct syncmap_table *d)
	__must_hold(RCU)
	__must_hold(&map->lock)
{
	if (dirty_complete(map, d))
		promote_locked(map);
	else
		dirty_copy_step(map, d);
}

static void miss_locked(struct syncmap *map)
	__must_hold(RCU)
	__must_hold(&map->lock)
{
	struct syncmap_table *d = dirty_locked(map);

	lockdep_assert_held(&map->lock);
	if (syncmap_promote_due(atomic_long_inc_return(&map->misses), d))
		promote_or_copy_locked(map, d);
}

/* Each CPU's lookups' miss ticks, see SYNCMAP_MISS_TICKS. */
static DEFINE_PER_CPU(unsigned int, syncmap_miss_ticks);

/*
 * Add @weight ticks to this CPU's count: true if they crossed a multiple
 * of SYNCMAP_MISS_TICKS (a wrap of the count is one too, 2^32 being one).
 * Preemption between lookups only moves the next ones to another CPU's
 * count; this_cpu_add_return() is atomic against interrupts.
 */
static __always_inline bool miss_tick(unsigned int weight)
{
	unsigned int t = this_cpu_add_return(syncmap_miss_ticks, weight);

	return (t / SYNCMAP_MISS_TICKS) != ((t - weight) / SYNCMAP_MISS_TICKS);
}

/*
 * A lookup found its key in @d without the lock (@hit), or found it in
 * neither table: count its share of a miss, and if that makes this CPU's
 * batch full, add the batch to the map's misses and, once promotion is
 * due, promote @d (or copy a step towards it) if it is still the dirty
 * table. Lookups write the shared count only then, and take the lock only
 * when promotion is due, until the promotion resets the count.
 */
static void count_miss(struct syncmap *map, struct syncmap_table *d, bool hit)
	__must_hold(RCU)
{
	unsigned long flags;
	long misses;

	if (!miss_tick(hit ? SYNCMAP_MISS_HIT : 1))
		return;
	misses = atomic_long_add_return(SYNCMAP_MISS_BATCH, &map->misses);
	/* A nursery is neither promoted nor built: nothing to lock for. */
	if (!syncmap_promote_due(misses, d) || d->nursery)
		return;
	map_lock(map, &flags);
	if (dirty_locked(map) == d)
		promote_or_copy_locked(map, d);
	map_unlock(map, flags);
}

/* The slot of the read table @r that holds @e, which it does. */
static unsigned int table_slot_of(const struct syncmap *map,
				  const struct syncmap_table *r,
				  const struct syncmap_entry *e)
{
	unsigned int i = syncmap_home(r, entry_hash_in(map, r, e));

	while (r->slots[i].entry != e)
		i = (i + 1) & (r->size - 1);
	return i;
}

/*
 * Bring back an entry found EXPUNGED in the read table @r under the lock:
 * EXPUNGED -> w. Only lock holders move an entry out of EXPUNGED, so the
 * cmpxchg cannot fail; it is one because lockless writers may be looking
 * at the same word. Only the dirty build in progress expunges entries of
 * the published read table (dirty_copy_step()), and it left this one out,
 * so the entry goes into the dirty table now, which owns it from then on
 * instead of @r.
 */
static void entry_revive_locked(struct syncmap *map, struct syncmap_table *r,
				struct syncmap_entry *e, void *w)
	__must_hold(&map->lock)
{
	struct syncmap_table *d = dirty_locked(map);
	void *p;

	lockdep_assert_held(&map->lock);
	p = entry_cmpxchg(e, SYNCMAP_EXPUNGED(e), w);
	WARN_ON_ONCE(p != SYNCMAP_EXPUNGED(e));
	atomic_long_inc(&map->len);
	map->counters.revivals++;
	if (WARN_ON_ONCE(!d))
		return;
	__clear_bit(table_slot_of(map, r, e), syncmap_owned(r));
	table_upsert(map, d, e);
}

/*
 * The entry for a key in the dirty table @d or the nursery it is taking
 * over, under the lock (where neither changes under us).
 */
static struct syncmap_entry *dirty_find_locked(struct syncmap *map,
					       struct syncmap_table *d,
					       u64 hash, const void *key,
					       size_t key_len)
	__must_hold(&map->lock)
{
	struct syncmap_entry *e;

	struct syncmap_table *n = d->pending;

	lockdep_assert_held(&map->lock);
	e = table_find(map, d, hash, key, key_len);
	if (!e && n)
		e = table_find(map, n, hash, key, key_len);
	return e;
}

/*
 * find_entry_dirty() found no dirty table: a promotion or a clear just
 * replaced it. Look again under the lock, where the tables are stable.
 */
static noinline struct syncmap_entry *
find_entry_under_lock(struct syncmap *map, const void *key,
		      size_t key_len, u64 hash)
	__must_hold(RCU)
{
	struct syncmap_table *r;
	struct syncmap_entry *e;
	unsigned long flags;

	map_lock(map, &flags);
	r = read_locked(map);
	e = table_find(map, r, hash, key, key_len);
	if (!e && r->amended) {
		e = dirty_find_locked(map, dirty_locked(map), hash, key,
				      key_len);
		if (e)
			miss_locked(map);
	}
	map_unlock(map, flags);
	return e;
}

/*
 * The slow half of find_entry(): the read table @r missed and is amended,
 * so its dirty table may hold the key. Unlike Go, the dirty table is
 * probed without the lock: it is RCU-published and only ever gains slots,
 * each made visible by a release of its tag, so a concurrent store is seen
 * or not, as with any lookup that races with it. find_entry() read
 * amended with an acquire, which pairs with its release in write_locked():
 * having seen amended, we see @r's dirty table, or a later one if @r has
 * been replaced since. A later one may still be building, and lack keys
 * that @r's successor holds (a key @r's dirty table added, not copied yet
 * into the next), so the dirty table is probed only if the read table is
 * still @r after we read it: the read table is replaced before the dirty
 * table (promote_locked(), then dirty_install_locked()), and a table is
 * never published twice. Otherwise we start over from the new read
 * table. A key the dirty table lacks because its build has not reached
 * it yet is in @r, where find_entry() looked first; one it lacks because
 * it has not taken it over from its nursery yet is in the nursery, which
 * we probe as well if d->pending still named it when we read it: that
 * read comes first, with an acquire, as a NULL there means the dirty
 * table has every key of the nursery (dirty_adopt_step()).
 */
static noinline struct syncmap_entry *
find_entry_dirty(struct syncmap *map, struct syncmap_table *r,
		 const void *key, size_t key_len, u64 hash)
	__must_hold(RCU)
{
	struct syncmap_table *d, *n;
	struct syncmap_entry *e;

	for (;;) {
		syncmap_race_point(map, NULL);
		d = rcu_dereference(map->dirty);
		if (unlikely(!d))
			return find_entry_under_lock(map, key, key_len, hash);
		/* Pairs with the release in dirty_install_locked(). */
		smp_rmb();
		if (likely(rcu_access_pointer(map->read) == r))
			break;
		r = rcu_dereference(map->read);
		e = table_find(map, r, hash, key, key_len);
		/* Pairs with write_locked()'s release, as in find_entry(). */
		if (e || !smp_load_acquire(&r->amended))
			return e;
	}
	/* Pairs with the release in dirty_adopt_step(). */
	n = smp_load_acquire(&d->pending);
	syncmap_race_point(map, NULL);
	e = dirty_find(map, d, hash, key, key_len);
	syncmap_race_point(map, NULL);
	if (!e && n)
		e = dirty_find(map, n, hash, key, key_len);
	count_miss(map, d, e);
	return e;
}

/*
 * find_entry - the entry for a key, from the read table or the dirty one
 *
 * Go's Load path: a read-table hit, or a miss in a table that is not
 * amended, is answered here, inline in every caller; the rest goes to
 * find_entry_dirty(), also without the lock. Caller holds rcu_read_lock(),
 * which keeps the entry alive after the lock is dropped: it is freed only
 * a grace period after the last table holding it is unpublished.
 */
static __always_inline struct syncmap_entry *
find_entry(struct syncmap *map, const void *key, size_t key_len, u64 hash)
{
	struct syncmap_table *r = rcu_dereference(map->read);
	struct syncmap_entry *e;

	e = table_find(map, r, hash, key, key_len);
	/* the acquire pairs with write_locked()'s release: find_entry_dirty() */
	if (likely(e) || !smp_load_acquire(&r->amended))
		return e;
	return find_entry_dirty(map, r, key, key_len, hash);
}

/* ---- the write path --------------------------------------------------- */

/**
 * struct write_op - one store, swap or load_or_store, and its outcome
 * @key: the key
 * @key_len: its length
 * @hash: its hash
 * @w: the word to store
 * @only_if_empty: load_or_store: keep a live value and report it
 * @fresh: an entry for the key, allocated in case it is new
 * @table: a table for the dirty build, allocated in case one must start
 *	(or for a nursery)
 * @table_size: the size @table must have
 * @gfp: the write's allocation flags
 * @grow: the write started a nursery: queue the worker that replaces it
 * @waited: the write found a full nursery and waited for that worker
 * @res: the outcome
 * @old: the word replaced (ENTRY_STORED) or loaded (ENTRY_LOADED,
 *	ENTRY_UNCHANGED), valid until rcu_read_unlock()
 */
struct write_op {
	const void *key;
	size_t key_len;
	u64 hash;
	void *w;
	bool only_if_empty;
	struct syncmap_entry *fresh;
	struct syncmap_table *table;
	unsigned int table_size;
	gfp_t gfp;
	bool grow;
	bool waited;
	enum entry_result res;
	void *old;
};

/* What a write attempt needs before it can finish. */
enum write_need {
	WRITE_DONE,
	WRITE_AGAIN,		/* nothing to allocate: just try again */
	WRITE_NEED_ENTRY,	/* a new key: allocate op->fresh */
	WRITE_NEED_TABLE,	/* no dirty table: allocate op->table */
	WRITE_NEED_GROWN,	/* a full nursery: wait for its worker */
};

/*
 * Start a dirty build with table @d: publish it empty, the build copies
 * the read table into it a step at a time, and, with @n, first the
 * nursery @d replaces (see dirty_copy_step()): until @d has its keys,
 * lookups and writers find them in @n, named by d->pending. Lookups may
 * probe @d at once (rcu_assign_pointer() publishes its initialised
 * header, pending included).
 */
static void dirty_install_locked(struct syncmap *map, struct syncmap_table *d,
				 struct syncmap_table *n)
	__must_hold(&map->lock)
{
	lockdep_assert_held(&map->lock);
	d->epoch = map->epoch;
	d->reserved = read_locked(map)->count;
	d->keep = dirty_keep_budget(map);
	if (n) {
		d->nr_new = n->count;
		d->pending = n;
	}
	rcu_assign_pointer(map->dirty, d);
	map->counters.dirty_builds++;
}

/*
 * The dirty table @p tripped the watchdog (table_tripped()): rather than
 * fill it further and promote it, runs and all, start its successor @f
 * in the map's new epoch, which takes @p over as a nursery is taken over
 * (dirty_adopt_step(): a step at a time, hashing each key for @f) and
 * goes on with the build of the read table from where @p had got to.
 * Until @f has adopted all of @p, lookups and writers find @p's keys in
 * @p through f->pending, as a nursery's. @p owns no entry (a dirty table
 * owns entries only once it is promoted), so freeing it after the
 * takeover frees no entry; a clear or destroy meanwhile gives @p the
 * entries of its slots @f has not adopted, which no other table owns:
 * those @p copied from the read table lie behind f->copied, which the
 * read table gives up (tables_drop()).
 */
static void dirty_handover_locked(struct syncmap *map, struct syncmap_table *f,
				  struct syncmap_table *p)
	__must_hold(&map->lock)
{
	lockdep_assert_held(&map->lock);
	f->copied = p->copied;
	f->keep = p->keep;
	f->kept = p->kept;
	f->epoch = map->epoch;
	f->reserved = read_locked(map)->count;
	f->nr_new = p->count;
	f->pending = p;
	rcu_assign_pointer(map->dirty, f);
	map->counters.dirty_builds++;
}

/*
 * Start a dirty build whose table would take the writer O(n) to allocate
 * and zero (more than SYNCMAP_GROW_INLINE slots): publish @op's small
 * table as a nursery for new keys, and have a worker allocate the table
 * (dirty_grow(), queued by the writer once it has dropped the lock). The
 * worker is charged as the writer would have been: with its flags, and
 * with __GFP_ACCOUNT to its task's memory cgroup.
 */
static void nursery_install_locked(struct syncmap *map, struct write_op *op)
	__must_hold(&map->lock)
{
	struct syncmap_table *n = op->table;

	lockdep_assert_held(&map->lock);
	n->nursery = true;
	n->epoch = map->epoch;
	rcu_assign_pointer(map->dirty, n);
	map->counters.nurseries++;
	map->grow_gfp = GFP_KERNEL | (op->gfp & __GFP_ACCOUNT);
	if (!map->grow_memcg && (op->gfp & __GFP_ACCOUNT) && in_task() &&
	    current->mm)
		map->grow_memcg = get_mem_cgroup_from_mm(current->mm);
	op->grow = true;
}

/* The dirty table is a nursery: its replacement is still to be made. */
static bool nursery_waiting(struct syncmap *map)
{
	struct syncmap_table *d = dirty_locked(map);

	return d && d->nursery;
}

/*
 * dirty_grow - allocate the table that takes over the nursery, and
 * publish it
 *
 * The work item a nursery queues. Sized for the read table and a full
 * nursery, so a nursery that filled meanwhile still fits; if the nursery
 * is gone (a clear) or a writer beat us to it (the nursery filled up, see
 * write_locked()), the table is freed unused. If the allocation fails the
 * nursery stays, and the writer that fills it allocates the table itself.
 */
static void dirty_grow(struct syncmap *map, gfp_t gfp)
{
	struct syncmap_table *f = NULL;
	unsigned long flags;
	unsigned int size;

	for (;;) {
		map_lock(map, &flags);
		if (!nursery_waiting(map)) {
			map_unlock(map, flags);
			break;
		}
		size = dirty_size_for(read_locked(map),
				      dirty_locked(map)->count);
		if (f && f->size >= size) {
			dirty_install_locked(map, f, dirty_locked(map));
			f = NULL;
			map_unlock(map, flags);
			break;
		}
		size = dirty_size_for(read_locked(map), SYNCMAP_NURSERY);
		map_unlock(map, flags);
		kvfree(f);
		f = table_alloc(size, gfp);
		if (!f)
			return;
	}
	kvfree(f);
}

static void dirty_grow_work(struct work_struct *work)
{
	struct syncmap *map = container_of(work, struct syncmap, grow_work);
	struct mem_cgroup *memcg, *old;
	unsigned long flags;
	gfp_t gfp;

	map_lock(map, &flags);
	memcg = map->grow_memcg;
	map->grow_memcg = NULL;
	gfp = map->grow_gfp;
	map_unlock(map, flags);
	old = set_active_memcg(memcg);
	dirty_grow(map, gfp | __GFP_NOWARN);
	set_active_memcg(old);
	mem_cgroup_put(memcg);
}

static void dirty_grow_queue(struct syncmap *map)
{
#if IS_ENABLED(CONFIG_SYNCMAP_DEBUG)
	if (READ_ONCE(map->grow_manual))
		return;
#endif
	queue_work(syncmap_wq, &map->grow_work);
}

/*
 * write_locked - Go's locked Store/LoadOrStore path, one attempt
 *
 * Under map->lock, in an RCU read-side section. Either finishes the write
 * or says what it needs allocated first; the caller allocates with no
 * lock held and calls again, and everything is decided anew, because the
 * map may have changed meanwhile.
 */
static enum write_need write_locked(struct syncmap *map, struct write_op *op)
	__must_hold(RCU)
	__must_hold(&map->lock)
{
	struct syncmap_table *r = read_locked(map);
	struct syncmap_table *d = dirty_locked(map);
	struct syncmap_entry *e;

	lockdep_assert_held(&map->lock);
	e = table_find(map, r, op->hash, op->key, op->key_len);
	if (e) {
		op->res = entry_swap(map, e, op->w, op->only_if_empty,
				     &op->old);
		if (op->res == ENTRY_EXPUNGED) {
			entry_revive_locked(map, r, e, op->w);
			op->res = ENTRY_STORED;
			op->old = NULL;
		}
		return WRITE_DONE;
	}
	e = d ? dirty_find_locked(map, d, op->hash, op->key, op->key_len) :
		NULL;
	if (e) {
		/* Dirty-only entries are never expunged. */
		op->res = entry_swap(map, e, op->w, op->only_if_empty,
				     &op->old);
		WARN_ON_ONCE(op->res == ENTRY_EXPUNGED);
		/*
		 * Any write that found its key only here paid for the lock
		 * as a missed lookup does, and counts as one, so a key
		 * written over and over reaches the read table (Go counts
		 * loads only: its Store and Swap of such a key take the lock
		 * every time until a load promotes).
		 */
		miss_locked(map);
		return WRITE_DONE;
	}

	/* A new key. */
	if (d && d->tripped && d->epoch != map->epoch && !d->nursery &&
	    !d->pending) {
		/* Flooded: its successor, in the new epoch, takes it over. */
		op->table_size = dirty_size_for(r, d->count);
		if (!op->table || op->table->size < op->table_size)
			return WRITE_NEED_TABLE;
		dirty_handover_locked(map, op->table, d);
		op->table = NULL;
		d = dirty_locked(map);
	} else if (d && !dirty_has_room(d) && d->nursery) {
		/*
		 * A full nursery: its worker is late. Wait for it, once, if
		 * we may sleep (rather than allocate a second table beside
		 * its own), else replace the nursery ourselves.
		 */
		if (!op->waited && gfpflags_allow_blocking(op->gfp)) {
			op->waited = true;
			return WRITE_NEED_GROWN;
		}
		op->table_size = dirty_size_for(r, d->count);
		if (!op->table || op->table->size < op->table_size)
			return WRITE_NEED_TABLE;
		dirty_install_locked(map, op->table, d);
		op->table = NULL;
		d = dirty_locked(map);
	} else if (d && !dirty_has_room(d)) {
		/* Full: complete by construction (dirty_copy_step()). */
		if (WARN_ON_ONCE(!dirty_complete(map, d))) {
			dirty_copy_step(map, d);
			return WRITE_AGAIN;
		}
		promote_locked(map);
		r = read_locked(map);
		d = NULL;
	}
	if (!d) {
		unsigned int size = dirty_size_for(r, 0);

		/* Small enough to allocate ourselves, or a nursery first. */
		op->table_size = size > SYNCMAP_GROW_INLINE ? SYNCMAP_NURSERY :
							      size;
		if (!op->table || op->table->size < op->table_size)
			return WRITE_NEED_TABLE;
		if (op->table->size < size)
			nursery_install_locked(map, op);
		else
			dirty_install_locked(map, op->table, NULL);
		op->table = NULL;
		d = dirty_locked(map);
	}
	if (!op->fresh)
		return WRITE_NEED_ENTRY;
	/* Keep the build ahead of the table's filling up. */
	if (!dirty_complete(map, d))
		dirty_copy_step(map, d);
	rcu_assign_pointer(op->fresh->p, op->w);
	table_add(map, d, op->fresh);	/* owned once a build leaves it out */
	op->fresh = NULL;
	d->nr_new++;
	/* after @d's install: see find_entry_dirty() */
	smp_store_release(&r->amended, true);
	atomic_long_inc(&map->len);
	op->res = ENTRY_STORED;
	op->old = NULL;
	return WRITE_DONE;
}

/*
 * Allocate what write_locked() asked for, or wait for the worker it asked
 * to wait for, with no lock held.
 */
static int write_alloc(struct syncmap *map, struct write_op *op,
		       enum write_need need, gfp_t gfp)
	__must_hold(RCU)
{
	int err = 0;

	rcu_read_unlock();
	if (need == WRITE_NEED_TABLE) {
		kvfree(op->table);
		op->table = table_alloc(op->table_size, gfp);
		if (!op->table)
			err = -ENOMEM;
	} else if (need == WRITE_NEED_GROWN) {
		flush_work(&map->grow_work);
	} else if (!op->fresh) {
		op->fresh = entry_alloc(op->key, op->key_len, op->hash, gfp);
		if (!op->fresh)
			err = -ENOMEM;
	}
	rcu_read_lock();
	return err;
}

/*
 * write_slow - the write of a key the read table does not hold with a
 * value it may take (absent, or expunged): Go's locked Store path
 *
 * Called in an RCU read-side section, which it may leave and re-enter to
 * allocate (so a sleeping @gfp needs a caller not otherwise atomic):
 * write_locked(), in one loop with whatever it needs allocated in
 * between. @need says what to start with: a new entry for a key that is
 * probably new, nothing for one found expunged.
 * Return: 0 with op->res and op->old set, or -ENOMEM.
 */
static noinline int write_slow(struct syncmap *map, struct write_op *op,
			       enum write_need need, gfp_t gfp)
	__must_hold(RCU)
{
	unsigned long flags;
	int err = 0;

	for (;;) {
		if (need != WRITE_AGAIN) {
			err = write_alloc(map, op, need, gfp);
			if (err)
				break;
		}
		map_lock(map, &flags);
		need = write_locked(map, op);
		map_unlock(map, flags);
		if (op->grow) {
			op->grow = false;
			dirty_grow_queue(map);
		}
		if (need == WRITE_DONE)
			break;
	}
	kfree(op->fresh);
	kvfree(op->table);	/* never published */
	return err;
}

/*
 * The live word of a key in the read table, or NULL: the lock-free look
 * that load_or_store and compare_and_swap take before they allocate.
 */
static void *read_table_value(struct syncmap *map, const void *key,
			      size_t key_len, u64 hash)
	__must_hold(RCU)
{
	struct syncmap_entry *e;
	void *p;

	e = table_find(map, rcu_dereference(map->read), hash, key, key_len);
	if (!e)
		return NULL;
	p = entry_get(e);
	return syncmap_word_is_live(e, p) ? p : NULL;
}

struct write_result {
	enum entry_result res;
	void *old;			/* the replaced or loaded word */
	void *old_value;		/* its value, read under RCU */
};

/*
 * write_value - make @value's word and write it: store, swap and
 * load_or_store
 *
 * A key the read table holds is written with one cmpxchg, without the
 * lock (Go's trySwap); the rest goes to write_slow(), hash and word in
 * hand. Inlined, with entry_swap(), into store, swap and load_or_store:
 * @only_if_empty is then a constant and @wr lives in registers, so the
 * lock-free write of a key makes no call and spills nothing.
 * Return: 0 with @wr filled in, -EINVAL for a NULL or ERR_PTR @value,
 * -ENOMEM. The word is freed here unless the map took it. wr->old belongs
 * to the caller if wr->res is ENTRY_STORED; otherwise it is only a
 * snapshot.
 */
static __always_inline int
write_value(struct syncmap *map, const void *key, size_t key_len, void *value,
	    bool only_if_empty, gfp_t gfp, struct write_result *wr)
{
	u64 hash = syncmap_hash(map, key, key_len);
	struct syncmap_entry *e;
	void *w, *p;
	int err = 0;

	wr->old = NULL;
	wr->old_value = NULL;
	if (!value_valid(value))
		return -EINVAL;
	if (only_if_empty) {
		/*
		 * Go's LoadOrStore looks first: a live value in the read table
		 * is loaded without the lock and without allocating a box that
		 * would only be freed again. If the value goes away after we
		 * read it, this load still happened before that delete.
		 */
		rcu_read_lock();
		p = read_table_value(map, key, key_len, hash);
		if (p) {
			wr->res = ENTRY_LOADED;
			wr->old = p;
			wr->old_value = syncmap_word_value(map, p);
		}
		rcu_read_unlock();
		if (p)
			return 0;
	}
	w = word_alloc(map, value, gfp);
	if (!w)
		return -ENOMEM;
	rcu_read_lock();
	e = table_find(map, rcu_dereference(map->read), hash, key, key_len);
	if (e)
		wr->res = entry_swap(map, e, w, only_if_empty, &wr->old);
	if (!e || wr->res == ENTRY_EXPUNGED) {
		struct write_op op = {
			.key = key, .key_len = key_len, .hash = hash, .w = w,
			.only_if_empty = only_if_empty, .gfp = gfp,
		};

		/*
		 * Expunged: only the lock holder may bring it back, and needs
		 * nothing allocated for it. Absent: probably a new key, whose
		 * entry is allocated before the lock is taken.
		 */
		err = write_slow(map, &op, e ? WRITE_AGAIN : WRITE_NEED_ENTRY,
				 gfp);
		wr->res = op.res;
		wr->old = op.old;
	}
	if (!err && wr->old)
		wr->old_value = syncmap_word_value(map, wr->old);
	rcu_read_unlock();
	if (err || wr->res == ENTRY_LOADED || wr->res == ENTRY_UNCHANGED)
		word_free(map, w);
	return err;
}

/* ---- the API ---------------------------------------------------------- */

/**
 * syncmap_create_gfp() - create an empty map, allocating it with @gfp
 * @release: called with every value the map drops, a grace period after
 *	it was dropped, from RCU callback context (must not sleep); may be
 *	NULL
 * @gfp: flags for the map and its first table, e.g. GFP_KERNEL_ACCOUNT
 *	for a map a user asked for (later tables take each write's flags)
 *
 * A map without @release has nothing to do when it drops a value, and
 * stores values bare: replacing or deleting one never allocates, and a
 * lookup follows one pointer less. A map with @release allocates a small
 * box per stored value, which carries the value's deferred release.
 *
 * Context: Any context @gfp allows.
 * Return: the map, or ERR_PTR(-ENOMEM).
 */
struct syncmap *syncmap_create_gfp(void (*release)(void *value), gfp_t gfp)
{
	struct syncmap *map;
	struct syncmap_table *r;

	might_alloc(gfp);
	map = kzalloc_obj(*map, gfp);
	r = table_alloc(SYNCMAP_MIN_SLOTS, gfp);
	if (!map || !r) {
		kfree(map);
		kvfree(r);
		return ERR_PTR(-ENOMEM);
	}
	RCU_INIT_POINTER(map->read, r);
	map->release = release;
	get_random_bytes(&map->hash_key, sizeof(map->hash_key));
	get_random_bytes(map->fast_key, sizeof(map->fast_key));
	raw_spin_lock_init(&map->lock);
	INIT_WORK(&map->grow_work, dirty_grow_work);
	atomic_long_set(&map->len, 0);
	return map;
}
EXPORT_SYMBOL_GPL(syncmap_create_gfp);

/**
 * syncmap_create() - create an empty map
 * @release: as for syncmap_create_gfp()
 *
 * syncmap_create_gfp() with GFP_KERNEL.
 *
 * Context: Process context; may sleep.
 * Return: the map, or ERR_PTR(-ENOMEM).
 */
struct syncmap *syncmap_create(void (*release)(void *value))
{
	return syncmap_create_gfp(release, GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(syncmap_create);

/**
 * syncmap_destroy() - release every value and free the map
 * @map: the map, or NULL; nobody may use it concurrently or afterwards
 *
 * Waits until every release callback of the map has run, so the caller
 * may unload the code of its release function when this returns. It
 * waits for this map's releases only (a grace period if it had values),
 * not for every RCU callback in the system: the tables and entries it
 * leaves to be freed after a grace period no longer refer to the map,
 * and the module's exit waits for them.
 *
 * Context: Process context; sleeps.
 */
void syncmap_destroy(struct syncmap *map)
{
	struct syncmap_table *r, *d;

	might_sleep();
	if (!map)
		return;
	cancel_work_sync(&map->grow_work);
	mem_cgroup_put(map->grow_memcg);
	r = rcu_dereference_protected(map->read, true);
	d = rcu_dereference_protected(map->dirty, true);
	tables_drop(map, r, d, d ? d->pending : NULL);
	/* acquire: the callbacks' last accesses to @map come before kfree() */
	wait_var_event(&map->releases_pending,
		       !atomic_long_read_acquire(&map->releases_pending));
	kfree(map);
}
EXPORT_SYMBOL_GPL(syncmap_destroy);

/**
 * syncmap_load() - look up a key
 * @map: the map
 * @key: the key bytes
 * @key_len: length of @key, may be 0
 *
 * A key in the read table is found without a lock and without a write to
 * shared memory.
 *
 * Context: Any context; the caller holds rcu_read_lock() (or otherwise is
 * in an RCU read-side critical section).
 * Return: the value, valid until the caller's rcu_read_unlock(), or NULL
 * if the key is absent.
 */
void *syncmap_load(struct syncmap *map, const void *key, size_t key_len)
{
	struct syncmap_entry *e;
	void *p;

	e = find_entry(map, key, key_len, syncmap_hash(map, key, key_len));
	if (!e)
		return NULL;
	p = entry_get(e);
	return syncmap_word_is_live(e, p) ? syncmap_word_value(map, p) : NULL;
}
EXPORT_SYMBOL_GPL(syncmap_load);

/**
 * syncmap_store() - set the value for a key
 * @map: the map
 * @key: the key bytes
 * @key_len: length of @key, may be 0
 * @value: the value, neither NULL nor an ERR_PTR; the map owns it from now on
 * @gfp: allocation flags; a new key needs a copy of the key, and may need
 *	a new dirty table the size of the map (which atomic flags may fail);
 *	a map with a release callback also boxes every value it stores
 *
 * The previous value, if any, is released. Storing the value already
 * stored for the key changes and releases nothing.
 *
 * Context: Any context @gfp allows; not hard interrupt context on
 * PREEMPT_RT, where nothing may allocate there.
 * Return: 0, -EINVAL if @value is NULL or an ERR_PTR, -ENOMEM; on error
 * @value stays the caller's and the map is unchanged.
 */
int syncmap_store(struct syncmap *map, const void *key, size_t key_len,
		  void *value, gfp_t gfp)
{
	struct write_result wr;
	int err;

	might_alloc(gfp);
	err = write_value(map, key, key_len, value, false, gfp, &wr);
	if (!err && wr.res == ENTRY_STORED && wr.old)
		word_release(map, wr.old);
	return err;
}
EXPORT_SYMBOL_GPL(syncmap_store);

/**
 * syncmap_load_or_store() - get a key's value, storing @value if absent
 * @map: the map
 * @key: the key bytes
 * @key_len: length of @key, may be 0
 * @value: the value to store if the key is absent, neither NULL nor an
 *	ERR_PTR
 * @loaded: set to true if a value was found (and @value stays the
 *	caller's), false if @value was stored
 * @gfp: allocation flags, as for syncmap_store()
 *
 * Context: Any context @gfp allows. To dereference the result the caller
 * must hold rcu_read_lock() across the call, and @gfp must then not sleep.
 * Return: the existing or the stored value, ERR_PTR(-EINVAL) if @value is
 * NULL or an ERR_PTR, ERR_PTR(-ENOMEM); on error *@loaded is false and
 * nothing changed.
 */
void *syncmap_load_or_store(struct syncmap *map, const void *key,
			    size_t key_len, void *value, bool *loaded,
			    gfp_t gfp)
{
	struct write_result wr;
	int err;

	might_alloc(gfp);
	err = write_value(map, key, key_len, value, true, gfp, &wr);
	*loaded = !err && wr.res == ENTRY_LOADED;
	if (err)
		return ERR_PTR(err);
	return *loaded ? wr.old_value : value;
}
EXPORT_SYMBOL_GPL(syncmap_load_or_store);

/**
 * syncmap_swap() - store a value and hand back the previous one
 * @map: the map
 * @key: the key bytes
 * @key_len: length of @key, may be 0
 * @value: the new value, neither NULL nor an ERR_PTR; the map owns it
 *	from now on
 * @gfp: allocation flags, as for syncmap_store()
 *
 * The previous value is not released: it belongs to the caller, who must
 * wait for a grace period before freeing it. If @value is the value
 * already stored, nothing changes and @value is returned, still the map's.
 *
 * Context: Any context @gfp allows.
 * Return: the previous value, NULL if the key was absent,
 * ERR_PTR(-EINVAL) if @value is NULL or an ERR_PTR, ERR_PTR(-ENOMEM); on
 * error the map is unchanged.
 */
void *syncmap_swap(struct syncmap *map, const void *key, size_t key_len,
		   void *value, gfp_t gfp)
{
	struct write_result wr;
	int err;

	might_alloc(gfp);
	err = write_value(map, key, key_len, value, false, gfp, &wr);
	if (err)
		return ERR_PTR(err);
	if (wr.res == ENTRY_UNCHANGED)
		return value;
	if (!wr.old)
		return NULL;
	/* Our cmpxchg took the old word out: nobody else frees it. */
	word_forget(map, wr.old);
	return wr.old_value;
}
EXPORT_SYMBOL_GPL(syncmap_swap);

/**
 * syncmap_load_and_delete() - remove a key and hand back its value
 * @map: the map
 * @key: the key bytes
 * @key_len: length of @key, may be 0
 *
 * Context: Any context.
 * Return: the removed value, now the caller's (free it only after a grace
 * period), or NULL if the key was absent.
 */
void *syncmap_load_and_delete(struct syncmap *map, const void *key,
			      size_t key_len)
{
	struct syncmap_entry *e;
	void *p = NULL, *value = NULL;

	rcu_read_lock();
	e = find_entry(map, key, key_len, syncmap_hash(map, key, key_len));
	if (e)
		p = entry_delete(map, e, NULL);
	rcu_read_unlock();
	if (p) {
		atomic_long_dec(&map->len);
		value = syncmap_word_value(map, p);
		word_forget(map, p);
	}
	return value;
}
EXPORT_SYMBOL_GPL(syncmap_load_and_delete);

/* Common body of delete and compare_and_delete. */
static bool delete_and_release(struct syncmap *map, const void *key,
			       size_t key_len, void *old)
{
	struct syncmap_entry *e;
	void *p = NULL;

	rcu_read_lock();
	e = find_entry(map, key, key_len, syncmap_hash(map, key, key_len));
	if (e)
		p = entry_delete(map, e, old);
	rcu_read_unlock();
	if (!p)
		return false;
	atomic_long_dec(&map->len);
	word_release(map, p);
	return true;
}

/**
 * syncmap_delete() - remove a key
 * @map: the map
 * @key: the key bytes
 * @key_len: length of @key, may be 0
 *
 * The removed value is released.
 *
 * Context: Any context.
 * Return: true if the key had a value.
 */
bool syncmap_delete(struct syncmap *map, const void *key, size_t key_len)
{
	return delete_and_release(map, key, key_len, NULL);
}
EXPORT_SYMBOL_GPL(syncmap_delete);

/**
 * syncmap_compare_and_delete() - remove a key if its value is @old
 * @map: the map
 * @key: the key bytes
 * @key_len: length of @key, may be 0
 * @old: the expected value (pointer identity)
 *
 * On success @old is released.
 *
 * Context: Any context.
 * Return: true if the key held @old and was removed; false for a NULL or
 * ERR_PTR @old, which no key holds.
 */
bool syncmap_compare_and_delete(struct syncmap *map, const void *key,
				size_t key_len, void *old)
{
	if (!value_valid(old))
		return false;
	return delete_and_release(map, key, key_len, old);
}
EXPORT_SYMBOL_GPL(syncmap_compare_and_delete);

/*
 * Go's tryCompareAndSwap: a key the read table holds with another value
 * (or none), or a key absent from a read table that is not amended,
 * cannot be swapped; found without the lock and without allocating.
 */
static bool cas_hopeless(struct syncmap *map, const void *key,
			 size_t key_len, u64 hash, const void *old)
{
	struct syncmap_table *r;
	struct syncmap_entry *e;
	bool hopeless;

	rcu_read_lock();
	r = rcu_dereference(map->read);
	e = table_find(map, r, hash, key, key_len);
	if (e)
		hopeless = !word_holds(map, e, entry_get(e), old);
	else
		hopeless = !READ_ONCE(r->amended);
	rcu_read_unlock();
	return hopeless;
}

/**
 * syncmap_compare_and_swap_gfp() - replace @old by @new, with allocation flags
 * @map: the map
 * @key: the key bytes
 * @key_len: length of @key, may be 0
 * @old: the expected value (pointer identity)
 * @new: the replacement, neither NULL nor an ERR_PTR
 * @gfp: allocation flags for the new value's box (a map without a release
 *	callback stores bare values and never allocates here)
 *
 * On success the map owns @new and releases @old; otherwise @new stays the
 * caller's.
 *
 * Context: Any context @gfp allows.
 * Return: 1 if swapped, 0 if the key did not hold @old, -EINVAL if @old or
 * @new is NULL or an ERR_PTR, -ENOMEM.
 */
int syncmap_compare_and_swap_gfp(struct syncmap *map, const void *key,
				 size_t key_len, void *old, void *new,
				 gfp_t gfp)
{
	u64 hash = syncmap_hash(map, key, key_len);
	struct syncmap_entry *e;
	void *w, *p;

	might_alloc(gfp);
	if (!value_valid(old) || !value_valid(new))
		return -EINVAL;
	/*
	 * A map that boxes its values allocates @new's box before it can
	 * swap, outside RCU (@gfp may sleep), so it first looks whether the
	 * swap can happen; one that stores bare values has nothing to
	 * allocate, and swaps at once.
	 */
	if (syncmap_boxes(map) && cas_hopeless(map, key, key_len, hash, old))
		return 0;

	w = word_alloc(map, new, gfp);
	if (!w)
		return -ENOMEM;
	p = NULL;
	rcu_read_lock();
	e = find_entry(map, key, key_len, hash);
	if (e)
		p = entry_compare_and_swap(map, e, old, w);
	rcu_read_unlock();
	if (!p) {
		word_free(map, w);
		return 0;
	}
	/* p held @old; if that is @new again, the map still owns it. */
	if (old != new)
		word_release(map, p);
	else
		word_forget(map, p);
	return 1;
}
EXPORT_SYMBOL_GPL(syncmap_compare_and_swap_gfp);

/**
 * syncmap_compare_and_swap() - replace @old by @new
 * @map: the map
 * @key: the key bytes
 * @key_len: length of @key, may be 0
 * @old: the expected value (pointer identity)
 * @new: the replacement, neither NULL nor an ERR_PTR
 *
 * syncmap_compare_and_swap_gfp() with GFP_ATOMIC; an allocation failure
 * reads as "not swapped" (only a map with a release callback allocates
 * here). On success the map owns @new and releases @old.
 *
 * Context: Any context.
 * Return: true if the key held @old and now holds @new; false if it did
 * not, or if a map with a release callback could not allocate @new's box
 * (a caller that must tell the two apart calls
 * syncmap_compare_and_swap_gfp(), which returns -ENOMEM).
 */
bool syncmap_compare_and_swap(struct syncmap *map, const void *key,
			      size_t key_len, void *old, void *new)
{
	return syncmap_compare_and_swap_gfp(map, key, key_len, old, new,
					    GFP_ATOMIC | __GFP_NOWARN) > 0;
}
EXPORT_SYMBOL_GPL(syncmap_compare_and_swap);

/*
 * The tables syncmap_range_from() walks: the read table, after promoting
 * the dirty one if it holds keys the read table lacks (Go's Range does
 * the same), and a nursery in *@np if the dirty table is one (it cannot
 * be promoted; it holds new keys only, which the read table lacks). A
 * key present when the walk starts is then in one of them. Caller holds
 * rcu_read_lock().
 */
static struct syncmap_table *range_table(struct syncmap *map,
					 struct syncmap_table **np)
	__must_hold(RCU)
{
	struct syncmap_table *r = rcu_dereference(map->read), *d;
	unsigned long flags;

	/*
	 * Completing the build is O(n), as the walk is: a step at a time,
	 * with the lock dropped in between, until this read table is
	 * replaced (promoted over, or cleared).
	 */
	*np = NULL;
	while (READ_ONCE(r->amended) && rcu_access_pointer(map->read) == r) {
		map_lock(map, &flags);
		d = dirty_locked(map);
		if (read_locked(map) == r && d->nursery) {
			*np = d;
			map_unlock(map, flags);
			return r;
		}
		if (read_locked(map) == r)
			promote_or_copy_locked(map, d);
		map_unlock(map, flags);
	}
	return rcu_dereference(map->read);
}

/* @t (if any) holds @e's key; @t may be being filled as we look. */
static bool table_holds(const struct syncmap *map,
			const struct syncmap_table *t,
			const struct syncmap_entry *e)
{
	return t && dirty_find(map, t, syncmap_entry_hash(e), e->key,
			       e->key_len);
}

/*
 * Call @fn for each live entry of @t, but those @skip or @skip2 hold,
 * starting at slot @start (modulo the size); false if @fn stopped the
 * walk. With @skip, @t is a dirty table (or a nursery), which writers may
 * be filling as we walk: a slot's tag is read with an acquire before its
 * pointer (table_add()).
 */
static bool range_walk(struct syncmap *map, struct syncmap_table *t,
		       struct syncmap_table *skip, struct syncmap_table *skip2,
		       unsigned int start,
		       bool (*fn)(const void *key, size_t key_len, void *value,
				  void *arg),
		       void *arg)
	__must_hold(RCU)
{
	unsigned int mask = t->size - 1, i;
	struct syncmap_entry *e;
	void *p;

	for (i = 0; i < t->size; i++) {
		struct syncmap_slot *slot = &t->slots[(start + i) & mask];

		/* Pairs with table_add()'s release of the tag. */
		if (!(skip ? smp_load_acquire(&slot->tag) : slot->tag))
			continue;
		e = slot->entry;
		p = entry_get(e);
		if (!syncmap_word_is_live(e, p))
			continue;
		/* @skip2 is only ever given with @skip */
		if (skip && (table_holds(map, skip, e) ||
			     table_holds(map, skip2, e)))
			continue;
		if (!fn(e->key, e->key_len, syncmap_word_value(map, p), arg))
			return false;
	}
	return true;
}

/**
 * syncmap_range() - call @fn for each key and value
 * @map: the map
 * @fn: called under rcu_read_lock() (must not sleep, may call the map with
 *	non-sleeping flags); iteration stops when it returns false
 * @arg: passed to @fn
 *
 * Go's Range guarantee: no key is visited twice; a key present and
 * unchanged for the whole call is visited exactly once; keys stored or
 * deleted concurrently may or may not be visited.
 *
 * Go's Range promotes the dirty map first, so that one table holds every
 * key. A dirty table whose build is complete is promoted here too (O(1));
 * one still being built is not completed (O(n) copying): the walk covers
 * the read table, then the dirty table's keys the read table lacks (and
 * before them, those of a nursery the dirty table is taking over), the
 * tables read together under the lock, when every key was in one of them.
 * A key has one entry in both tables, and the tables only gain slots, so
 * a concurrent promotion or build cannot make a key appear twice.
 *
 * The walk starts at a random slot, as Go's map iteration does: slots are
 * in hash order, and a caller that deletes the first key it is shown,
 * again and again, would otherwise keep the keys of the highest hashes,
 * which crowd into one run of slots that every lookup near it must probe,
 * longer with every round.
 * syncmap_range_from() is the walk in hash order.
 *
 * Context: Any context; @fn runs in an RCU read-side critical section.
 */
void syncmap_range(struct syncmap *map,
		   bool (*fn)(const void *key, size_t key_len, void *value,
			      void *arg),
		   void *arg)
{
	struct syncmap_table *r, *d = NULL, *n = NULL;
	unsigned long flags;
	unsigned int start;

	rcu_read_lock();
	r = rcu_dereference(map->read);
	if (READ_ONCE(r->amended)) {
		/* All at once: each key is in one of them. */
		map_lock(map, &flags);
		r = read_locked(map);
		d = dirty_locked(map);
		if (r->amended && dirty_complete(map, d)) {
			promote_locked(map);	/* O(1): one table to walk */
			r = d;
		}
		if (!r->amended)
			d = NULL;
		n = d ? d->pending : NULL;
		map_unlock(map, flags);
	}
	/*
	 * The nursery before the table taking it over: an entry taken over
	 * during the walk is then seen in the nursery and skipped in @d.
	 */
	start = get_random_u32();
	if (range_walk(map, r, NULL, NULL, start, fn, arg) &&
	    (!n || range_walk(map, n, r, NULL, start, fn, arg)) && d)
		range_walk(map, d, r, n, start, fn, arg);
	rcu_read_unlock();
}
EXPORT_SYMBOL_GPL(syncmap_range);

/*
 * A slot's entry, or NULL, in a table writers may be filling (a nursery),
 * and in *@order its order: the tag, in the top half. The tag is read
 * with an acquire before the pointer (table_add()).
 */
static struct syncmap_entry *slot_entry(const struct syncmap_table *t,
					unsigned int i, u64 *order)
{
	/* Pairs with table_add()'s release of the tag. */
	u32 tag = smp_load_acquire(&t->slots[i].tag);

	*order = (u64)tag << 32;
	return tag ? t->slots[i].entry : NULL;
}

/*
 * The smallest order >= @lo among the live entries whose home slot is
 * @home; false if there is none. They all sit in the run of full slots
 * that starts at @home (linear probing never moves an entry back past its
 * home, nor across an empty slot).
 */
static bool home_min_order(const struct syncmap_table *t, unsigned int home,
			   u64 lo, u64 *min)
{
	unsigned int mask = t->size - 1;
	struct syncmap_entry *e;
	bool found = false;
	unsigned int i;
	u64 h;

	for (i = home; (e = slot_entry(t, i, &h)); i = (i + 1) & mask) {
		if (syncmap_home(t, h) != home || h < lo ||
		    (found && h >= *min) ||
		    !syncmap_word_is_live(e, entry_get(e)))
			continue;
		*min = h;
		found = true;
	}
	return found;
}

/* The smallest order in [@lo, @hi] among @t's live entries, if any. */
static bool table_min_order(const struct syncmap_table *t, u64 lo, u64 hi,
			    u64 *min)
{
	unsigned int home;

	for (home = syncmap_home(t, lo); home <= syncmap_home(t, hi); home++)
		if (home_min_order(t, home, lo, min))
			return *min <= hi;
	return false;
}

/* Entries a pass of range_scan() picks: 256 bytes of stack. */
#define RANGE_PICK	16

struct range_pick {
	u64 order;
	struct syncmap_entry *e;
};

/* The order of @e's key in epoch @epoch (its tag there, in the top half). */
static u64 entry_order(const struct syncmap *map, unsigned int epoch,
		       const struct syncmap_entry *e)
{
	return (u64)syncmap_tag(syncmap_rehash(map, epoch, syncmap_entry_hash(e),
					       e->key, e->key_len)) << 32;
}

/*
 * Offer @t's live entries of order @h in epoch @epoch to @fn; false if it
 * refused one. In a table placed by that epoch they sit in the run of
 * full slots from @h's home; in another, a scan of the table finds them.
 */
static bool range_offer(struct syncmap *map, const struct syncmap_table *t,
			unsigned int epoch, u64 h,
			bool (*fn)(const void *key, size_t key_len,
				   void *value, u64 hash, void *arg),
			void *arg)
{
	bool placed = t->epoch == epoch;
	unsigned int i = placed ? syncmap_home(t, h) : 0, n;
	struct syncmap_entry *e;
	u64 o;
	void *p;

	for (n = 0; n < t->size; n++, i = (i + 1) & (t->size - 1)) {
		e = slot_entry(t, i, &o);
		if (!e && placed)
			break;
		if (e && !placed)
			o = entry_order(map, epoch, e);
		if (!e || o != h)
			continue;
		p = entry_get(e);
		if (syncmap_word_is_live(e, p) &&
		    !fn(e->key, e->key_len, syncmap_word_value(map, p), h, arg))
			return false;
	}
	return true;
}

/*
 * Offer the nursery @n's keys of orders in [*@lo, @hi) (or up to @hi
 * included, with @last), in order, moving *@lo past them; false if @fn
 * refused one, with *@pos set to its order.
 */
static bool range_nursery(struct syncmap *map, const struct syncmap_table *n,
			  u64 *lo, u64 hi, bool last, u64 *pos,
			  bool (*fn)(const void *key, size_t key_len,
				     void *value, u64 hash, void *arg),
			  void *arg)
{
	u64 h;

	while (n && table_min_order(n, *lo, hi, &h) && (last || h < hi)) {
		if (!range_offer(map, n, n->epoch, h, fn, arg)) {
			*pos = h;
			return false;
		}
		*lo = h + 1;
	}
	return true;
}

/*
 * The walk in the order of the tables' own slots (range_order_walk()): the
 * read table's keys, and merged in, those of a nursery, which the read
 * table lacks: those of orders below each read-table key's first, then
 * both tables' keys of the same order together, so that a refused order
 * brings all of them back.
 */
static bool range_order_walk(struct syncmap *map, struct syncmap_table *r,
			     struct syncmap_table *n, u64 lo, u64 *pos,
			     bool (*fn)(const void *key, size_t key_len,
					void *value, u64 hash, void *arg),
			     void *arg)
{
	unsigned int home;
	bool done = true;
	u64 h;

	for (home = syncmap_home(r, lo); done && home < r->size; home++) {
		while (done && home_min_order(r, home, lo, &h)) {
			done = range_nursery(map, n, &lo, h, false, pos, fn,
					     arg);
			if (done && (!range_offer(map, r, r->epoch, h, fn, arg) ||
				     (n && !range_offer(map, n, r->epoch, h, fn,
							arg)))) {
				*pos = h;
				done = false;
			}
			lo = h + 1;
		}
	}
	if (done)
		done = range_nursery(map, n, &lo, U64_MAX, true, pos, fn, arg);
	return done;
}

/*
 * Add to @pick (sorted, *@np entries) @t's live entries of order >= @lo in
 * epoch @epoch, keeping the RANGE_PICK smallest: once it is full, an
 * entry of an order below the largest picked replaces the last, so every
 * entry of an order below the largest picked at the end is in @pick.
 */
static void range_pick(const struct syncmap *map,
		       const struct syncmap_table *t, unsigned int epoch,
		       u64 lo, struct range_pick *pick, unsigned int *np)
{
	struct syncmap_entry *e;
	unsigned int i, j;
	u64 o;

	for (i = 0; i < t->size; i++) {
		e = slot_entry(t, i, &o);
		if (!e || !syncmap_word_is_live(e, entry_get(e)))
			continue;
		o = entry_order(map, epoch, e);
		if (o < lo || (*np == RANGE_PICK && o >= pick[*np - 1].order))
			continue;
		j = *np < RANGE_PICK ? (*np)++ : RANGE_PICK - 1;
		for (; j && pick[j - 1].order > o; j--)
			pick[j] = pick[j - 1];
		pick[j].order = o;
		pick[j].e = e;
	}
}

/*
 * The walk in the order of an epoch that @r (and @n) are not placed by:
 * an iteration that began before the map was rekeyed. Each pass scans the
 * tables for the RANGE_PICK smallest orders from @lo on and offers those
 * it has all the entries of: O(n) a pass, where the walk of the tables'
 * own order is O(1) a key. Only iterations that span a rekey, at most two
 * in a map's life, pay it.
 */
static bool range_scan(struct syncmap *map, struct syncmap_table *r,
		       struct syncmap_table *n, unsigned int epoch, u64 lo,
		       u64 *pos,
		       bool (*fn)(const void *key, size_t key_len,
				  void *value, u64 hash, void *arg),
		       void *arg)
{
	struct range_pick pick[RANGE_PICK];
	unsigned int np, end, i;
	void *p;

	for (;;) {
		np = 0;
		range_pick(map, r, epoch, lo, pick, &np);
		if (n)
			range_pick(map, n, epoch, lo, pick, &np);
		end = np;
		if (np == RANGE_PICK) {
			/* the largest order's entries may not all be here */
			for (end = 0; pick[end].order < pick[np - 1].order;)
				end++;
		}
		if (!end) {
			if (!np)
				return true;
			/* more entries of one order than a pass picks */
			lo = pick[0].order;
			if (!range_offer(map, r, epoch, lo, fn, arg) ||
			    (n && !range_offer(map, n, epoch, lo, fn, arg))) {
				*pos = lo;
				return false;
			}
			lo++;
			continue;
		}
		for (i = 0; i < end; i++) {
			p = entry_get(pick[i].e);
			if (syncmap_word_is_live(pick[i].e, p) &&
			    !fn(pick[i].e->key, pick[i].e->key_len,
				syncmap_word_value(map, p), pick[i].order,
				arg)) {
				*pos = pick[i].order;
				return false;
			}
		}
		if (end == np)
			return true;
		lo = pick[end].order;
	}
}

/* A cursor's epoch, in bits 1-2 (an order's bottom half is 0 or 1). */
#define RANGE_EPOCH_SHIFT	1
#define RANGE_EPOCH_MASK	(3ULL << RANGE_EPOCH_SHIFT)

/**
 * syncmap_range_pos_valid() - whether a position can be one of
 *	syncmap_range_from()'s
 * @pos: a position a caller kept, or was given
 *
 * A position is the order of a key (its tag, in the top half) and the
 * hash epoch of its iteration (bits 1-2, at most SYNCMAP_EPOCH_SIPHASH);
 * every other bit of the bottom half is 0. A caller that hands positions
 * out in enciphered form (the device's RANGE cursor) can so tell, after
 * deciphering, one it issued from one made up or issued under another
 * key, which deciphers to a random value: 30 bits must be 0 and the epoch
 * valid, so such a value passes with a probability below 2^-30.
 *
 * Context: Any context.
 * Return: true for 0 (the start) and for every position
 * syncmap_range_from() stores in *@pos; false for most other values.
 */
bool syncmap_range_pos_valid(u64 pos)
{
	return !(pos & (U32_MAX & ~RANGE_EPOCH_MASK)) &&
	       (pos & RANGE_EPOCH_MASK) >> RANGE_EPOCH_SHIFT <=
	       SYNCMAP_EPOCH_SIPHASH;
}
EXPORT_SYMBOL_GPL(syncmap_range_pos_valid);

/**
 * syncmap_range_from() - visit keys in hash order, resumably
 * @map: the map
 * @pos: in: where to start (0 to start from the first key); out: where to
 *	resume
 * @fn: called under rcu_read_lock() for each key from *@pos on, in
 *	ascending hash order, with the key's place in that order; returning
 *	false refuses the key: the walk stops and *@pos is set to resume
 *	at it
 * @arg: passed to @fn
 *
 * A cursor for iterations split over many calls (the device's RANGE
 * ioctl) that costs no memory between them: *@pos is a place in the order
 * of the keys' hashes in one hash epoch, which stays meaningful whatever
 * tables are built or promoted between calls. An iteration keeps the
 * epoch it began in: if the map is rekeyed meanwhile (see the hash
 * watchdog in the design comment), its later calls find the keys of the
 * old order by scanning the tables, O(n) per call and per RANGE_PICK keys,
 * and new iterations take the new order. Calls chained through *@pos keep
 * Go's Range guarantee across the whole iteration: no key twice, every key
 * present and unchanged throughout exactly once. Keys sharing one place
 * are visited one after the other; a caller that refuses one of them gets
 * all of them again on the next call, so it should drop the ones it took.
 *
 * Context: Any context; @fn runs in an RCU read-side critical section.
 * Return: true if every key from the initial *@pos on was offered, false
 * if @fn refused one.
 */
bool syncmap_range_from(struct syncmap *map, u64 *pos,
			bool (*fn)(const void *key, size_t key_len,
				   void *value, u64 hash, void *arg),
			void *arg)
{
	u64 lo = *pos & ~RANGE_EPOCH_MASK;
	struct syncmap_table *r, *n;
	unsigned int epoch;
	bool done;

	rcu_read_lock();
	r = range_table(map, &n);
	/* Nothing visited yet is the same place in every epoch. */
	epoch = *pos ? (*pos & RANGE_EPOCH_MASK) >> RANGE_EPOCH_SHIFT :
		       r->epoch;
	if (epoch == r->epoch && (!n || n->epoch == epoch))
		done = range_order_walk(map, r, n, lo, pos, fn, arg);
	else
		done = range_scan(map, r, n, epoch, lo, pos, fn, arg);
	if (!done)
		*pos |= (u64)epoch << RANGE_EPOCH_SHIFT;
	rcu_read_unlock();
	return done;
}
EXPORT_SYMBOL_GPL(syncmap_range_from);

/*
 * Clear by deleting every value where it is, as syncmap_delete() would,
 * if the tables have at most @max_slots slots between them: the tables
 * keep their slots (deleted entries), which the next builds drop (an
 * empty map's build keeps none: dirty_keep_budget()). Small maps are
 * cleared so (allocating and freeing nothing), and any map whose new
 * empty table could not be allocated.
 *
 * Each entry is visited once: the read table's slots behind the dirty
 * build (d->copied) hold entries that are in @d, or expunged; the
 * nursery's behind d->adopted, entries in @d. Both read under the lock
 * with the tables: a store after that is one after the clear began.
 */
static bool clear_in_place(struct syncmap *map, unsigned int max_slots)
{
	struct syncmap_table *r, *d, *n;
	unsigned int copied = 0, adopted = 0;
	unsigned long flags;
	bool done = false;

	rcu_read_lock();
	/* All at once: a promotion in between could hide the dirty keys. */
	map_lock(map, &flags);
	r = read_locked(map);
	d = dirty_locked(map);
	n = d ? d->pending : NULL;
	if (d) {
		copied = d->copied;
		adopted = d->adopted;
	}
	map_unlock(map, flags);
	if (r->size + (d ? d->size : 0) + (n ? n->size : 0) <= max_slots) {
		table_delete_all(map, r, copied);
		if (d)
			table_delete_all(map, d, 0);
		if (n)
			table_delete_all(map, n, adopted);
		done = true;
	}
	rcu_read_unlock();
	return done;
}

/**
 * syncmap_clear() - delete every key
 * @map: the map
 *
 * The tables are swapped for an empty one under the lock (O(1)); the old
 * entries are then expunged and their values released outside it. A
 * concurrent store either lands before the clear (and is released) or
 * after it (and stays). The empty table is charged to the caller's memory
 * cgroup (GFP_KERNEL_ACCOUNT); if it cannot be had, every value is
 * deleted in place instead, with the same result for every key.
 *
 * Context: Process context; may sleep.
 */
void syncmap_clear(struct syncmap *map)
{
	struct syncmap_table *empty, *r, *d, *n;
	unsigned long flags;

	might_sleep();
	if (clear_in_place(map, SYNCMAP_CLEAR_IN_PLACE))
		return;
	empty = table_alloc(SYNCMAP_MIN_SLOTS,
			    GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!empty) {
		clear_in_place(map, UINT_MAX);
		return;
	}
	map_lock(map, &flags);
	r = read_locked(map);
	d = dirty_locked(map);
	n = d ? d->pending : NULL;
	empty->epoch = map->epoch;
	rcu_assign_pointer(map->read, empty);
	RCU_INIT_POINTER(map->dirty, NULL);	/* freed after a grace period */
	map->counters.misses += atomic_long_xchg(&map->misses, 0);
	map_unlock(map, flags);

	tables_drop(map, r, d, n);
}
EXPORT_SYMBOL_GPL(syncmap_clear);

/**
 * syncmap_len() - number of live keys
 * @map: the map
 *
 * Context: Any context.
 * Return: the number of keys with a value; exact when no update runs
 * concurrently.
 */
size_t syncmap_len(struct syncmap *map)
{
	long n = atomic_long_read(&map->len);

	return n > 0 ? n : 0;
}
EXPORT_SYMBOL_GPL(syncmap_len);

/**
 * syncmap_get_counters() - snapshot of a map's counters
 * @map: the map
 * @c: filled in
 *
 * Context: Any context.
 */
void syncmap_get_counters(struct syncmap *map, struct syncmap_counters *c)
{
	struct syncmap_table *d;
	unsigned long flags;

	map_lock(map, &flags);
	d = dirty_locked(map);
	*c = map->counters;
	c->misses += atomic_long_read(&map->misses);
	c->read_slots = read_locked(map)->count;
	c->dirty_slots = d ? d->count : 0;
	c->hash_epoch = map->epoch;
	map_unlock(map, flags);
	c->entries = syncmap_len(map);
}
EXPORT_SYMBOL_GPL(syncmap_get_counters);

static int __init syncmap_init(void)
{
	syncmap_wq = alloc_workqueue("syncmap", WQ_UNBOUND, 0);
	return syncmap_wq ? 0 : -ENOMEM;
}

static void __exit syncmap_exit(void)
{
	/* Every map is destroyed (its users hold references on us). */
	rcu_barrier();
	destroy_workqueue(syncmap_wq);
}

module_init(syncmap_init);
module_exit(syncmap_exit);

MODULE_DESCRIPTION("syncmap: a concurrent map for read-mostly work (Go's sync.Map)");
MODULE_LICENSE("GPL");
