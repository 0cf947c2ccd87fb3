/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncmap internals: the layout shared by syncmap.c and its KUnit suite.
 * Nothing else may include this file; the API is syncmap.h.
 */
#ifndef _SYNCMAP_INTERNAL_H
#define _SYNCMAP_INTERNAL_H

#include <linux/bitmap.h>
#include <linux/cache.h>
#include <linux/rcupdate.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "syncmap.h"

/*
 * A map with a release callback boxes each stored value (Go's
 * *interface{}): the box carries the rcu_head that defers the release, so
 * dropping a value never allocates. A map without one has nothing to
 * defer when it drops a value, and stores the value itself.
 */
struct syncmap_val {
	void *value;
	struct syncmap *map;
	struct rcu_head rcu;
};

/* Read-table slots a dirty build takes over per step, under the lock. */
#define SYNCMAP_COPY_STEP	32U
/* Maps whose tables have at most this many slots are cleared in place. */
#define SYNCMAP_CLEAR_IN_PLACE	1024U
/*
 * A writer allocates a dirty table of at most this many slots itself
 * (128 KiB: tens of microseconds to zero); a larger one is allocated by a
 * worker while new keys wait in a nursery table of SYNCMAP_NURSERY slots
 * (6144 keys: milliseconds of new keys at one a microsecond, which is
 * what allocating the zeroed 64 MiB table of a 1M-key map takes).
 */
#define SYNCMAP_GROW_INLINE	8192U
#define SYNCMAP_NURSERY		8192U

/*
 * The third state of an entry's pointer besides NULL and a live value:
 * the entry's own address. No value or box can be it, as the entry is
 * a live allocation of the map's that no caller ever sees.
 */
#define SYNCMAP_EXPUNGED(e) ((void *)(e))

/*
 * Hash epochs: a map's tables are placed by the fast hash under its first
 * secret (epoch 0); a table in which a key lands further than
 * SYNCMAP_PROBE_LIMIT slots from its home, which a random hash makes
 * improbable at a table's load (at most 3/4; the limit is about twice
 * the longest displacement that random fills of tables of every size
 * reach), moves the map's next tables to a fresh secret (epoch 1), and a
 * second such table to hsiphash, for good (SYNCMAP_EPOCH_SIPHASH).
 */
#define SYNCMAP_EPOCH_SIPHASH	2U
#define SYNCMAP_PROBE_LIMIT	512U

/* The secrets of one epoch of the fast hash (syncmap_fast_hash()). */
struct syncmap_fast_key {
	union {
		u64 s[4];
		hsiphash_key_t sip;
	};
};

/**
 * struct syncmap_entry - one key, shared by the read and dirty tables
 * @p: NULL (deleted), SYNCMAP_EXPUNGED(@p's entry: deleted and left out
 *	of the dirty table) or live: the value, or in a map with a release
 *	callback the value's box; changed only by cmpxchg/xchg
 * @hash: the key's hash in epoch 0 (syncmap_hash(): the map's first
 *	secret), the top half of it (the bottom half is 0): the slot of
 *	the entry in a table of epoch 0 without hashing the key again;
 *	syncmap_entry_hash() gives the whole
 * @key_len: length of @key (kmalloc() refuses a key near 4 GiB long
 *	first, and entry_alloc() checks)
 * @key: a copy of the key
 *
 * 16 bytes before the key: with a key of up to 48 bytes, one 64-byte slab
 * object. An entry has no reference count: exactly one table owns it,
 * and frees it with itself (syncmap_owned()), so a dirty build that
 * takes a live entry over reads it and writes nothing to it.
 */
struct syncmap_entry {
	void __rcu *p;
	u32 hash;
	u32 key_len;
	u8 key[];
};

/**
 * struct syncmap_slot - one slot of a table
 * @tag: syncmap_tag() of the hash of @entry's key, never 0; 0 for an
 *	empty slot
 * @entry: the entry, NULL for an empty slot
 *
 * The tag sits beside the pointer, in the same cache line: a probe reads
 * tags and follows a pointer only where the tag matches, so a lookup
 * touches two cache lines (the slot and the entry it finds) and a miss
 * usually one.
 */
struct syncmap_slot {
	u32 tag;
	struct syncmap_entry *entry;
};

/**
 * struct syncmap_table - an open-addressing table of entries
 * @size: number of slots, a power of two
 * @shift: 64 - log2(@size): an entry's home slot is the top bits of its
 *	hash, so slot order follows hash order whatever the table's size
 * @count: entries in the table
 * @reserved: slots kept for entries of the read table it was built from
 * @nr_new: keys added while it was the dirty table
 * @epoch: the hash function its slots are placed by (syncmap_hash_epoch())
 * @tripped: a key was placed further from its home slot than
 *	SYNCMAP_PROBE_LIMIT (table_add()): the map's next tables take the
 *	next epoch
 * @amended: read table only: the dirty table holds keys this one lacks;
 *	goes false -> true under syncmap.lock (a release: see
 *	write_locked()), read locklessly
 * @keep: dirty table only: deleted entries of the read table its build may
 *	keep (copy as they are) rather than expunge, set when the build
 *	starts (dirty_keep_budget())
 * @kept: dirty table only: deleted entries its build has kept so far
 * @copied: dirty table only: slots of the read table its build has taken
 *	over, under syncmap.lock; the build is complete when it reaches the
 *	read table's size (and @pending is NULL)
 * @nursery: a dirty table that holds new keys only, while a worker
 *	allocates the table that will take them over (dirty_grow()); it
 *	takes over nothing from the read table and is never promoted
 * @adopted: slots of @pending taken over so far, under syncmap.lock
 * @pending: the nursery this dirty table is taking over, a step at a
 *	time as its build takes over the read table; NULL once it has all of
 *	it. Set before the table is published, cleared (with a release, read
 *	with an acquire by lookups) once every entry of the nursery is in
 *	this table; the nursery holds its keys until it is freed, a grace
 *	period later
 * @free_work: frees a large table and the entries it owns after a grace
 *	period
 * @free_rcu: the same for a small table, from the RCU callback
 * @slots: @size slots, followed by the owned bitmap (syncmap_owned())
 *
 * Slots are only ever filled, never emptied or moved, and a full dirty
 * table is promoted rather than grown. A slot's pointer is written before
 * its tag, and the tag with a release (table_add()): a reader that sees
 * the tag with an acquire (syncmap_dirty_find(), for the dirty table,
 * which lookups probe without the lock) sees the pointer. A read table
 * is no longer written once published, so its readers need plain loads.
 */
struct syncmap_table {
	unsigned int size;
	unsigned int shift;
	unsigned int count;
	unsigned int reserved;
	unsigned int nr_new;
	unsigned int copied;
	unsigned int adopted;
	unsigned int keep;
	unsigned int kept;
	u8 epoch;
	bool tripped;
	bool amended;
	bool nursery;
	struct syncmap_table *pending;
	union {
		struct rcu_work free_work;
		struct rcu_head free_rcu;
	};
	struct syncmap_slot slots[];
};

/*
 * The owned bitmap of @t, a bit per slot, right after its slots
 * (table_alloc()): the slot's entry is @t's to free, with @t, a grace
 * period after @t is unpublished; lookups never read it. Changed under
 * syncmap.lock, or by a clear or destroy once @t is unpublished: set by
 * the build that leaves the entry out of the next table
 * (dirty_copy_step()), cleared if a store brings the entry back into it
 * (entry_revive_locked()), and set by a clear or destroy for every entry
 * no later table holds (tables_drop()). An entry thus has at most one
 * owner, and exactly one by the time no published table holds it.
 */
static inline unsigned long *syncmap_owned(struct syncmap_table *t)
{
	return (unsigned long *)&t->slots[t->size];
}

/**
 * struct syncmap - the map
 * @read: the read table; never changed structurally once published
 * @dirty: the dirty table, or NULL; published with rcu_assign_pointer()
 *	and changed under @lock, probed by lookups without it; a table it
 *	drops is promoted (it lives on as @read) or freed after a grace
 *	period (clear)
 * @release: called for every value the map drops
 * @fast_key: random per-map secrets of the fast hash, one per epoch that
 *	uses it (syncmap_hash_epoch())
 * @hash_key: random per-map hsiphash key, for the epoch that uses it
 * @epoch: the epoch new tables take, under @lock; only ever increases
 * @misses: lookups (in batches: SYNCMAP_MISS_BATCH) and writes (one
 *	each, under @lock) that had to consult @dirty since the last
 *	promotion; lookups count without the lock, in a cache line of its
 *	own, and promote once syncmap_promote_due()
 * @lock: guards everything below it; a raw spinlock, because a lookup
 *	may take it to promote and lookups are allowed in hard interrupt
 *	context, on PREEMPT_RT too. Its sections never allocate or sleep and
 *	do bounded work: at most one step of a dirty build
 *	(SYNCMAP_COPY_STEP slots) besides O(1)
 * @len: live keys
 * @releases_pending: values handed to call_rcu() whose release has not
 *	run yet; syncmap_destroy() waits for it to reach 0
 * @grow_work: allocates the table that takes over a nursery
 * @grow_gfp: the flags of the write that started the nursery, for that
 *	allocation (GFP_KERNEL, and __GFP_ACCOUNT if the write had it)
 * @grow_memcg: with __GFP_ACCOUNT, the memory cgroup of that write's task,
 *	to charge (a reference, or NULL)
 * @counters: reported by syncmap_get_counters()
 *
 * With CONFIG_SYNCMAP_LOCK_STATS only (the benchmarks' lock timing):
 *
 * @lock_t0: when @lock was taken, if the lock_stats parameter is on
 *
 * With CONFIG_SYNCMAP_DEBUG only (the KUnit suites' hooks):
 *
 * @race_hook: called at syncmap_race_point(), to stage there what another
 *	CPU might do; NULL otherwise
 * @grow_manual: a nursery does not queue @grow_work; the test queues it
 *	when it wants the nursery taken over
 * @keep_none: builds keep no deleted entry, expunging every one as Go's
 *	do, for the cases about expunged entries
 *
 * @read and the fields lockless readers use sit apart from the lock's
 * cache line, so that writers do not bounce the readers' line.
 */
struct syncmap {
	struct syncmap_table __rcu *read;
	struct syncmap_table __rcu *dirty;
	void (*release)(void *value);
	struct syncmap_fast_key fast_key[SYNCMAP_EPOCH_SIPHASH];
	hsiphash_key_t hash_key;
	u8 epoch;

	atomic_long_t misses ____cacheline_aligned_in_smp;

	raw_spinlock_t lock ____cacheline_aligned_in_smp;
	atomic_long_t len;
	atomic_long_t releases_pending;
	struct work_struct grow_work;
	gfp_t grow_gfp;
	struct mem_cgroup *grow_memcg;
	struct syncmap_counters counters;
#if IS_ENABLED(CONFIG_SYNCMAP_LOCK_STATS)
	u64 lock_t0;
#endif
#if IS_ENABLED(CONFIG_SYNCMAP_DEBUG)
	void (*race_hook)(struct syncmap *map, struct syncmap_entry *e);
	bool grow_manual;
	bool keep_none;
#endif
};

/*
 * The helpers below, and the small ones of syncmap.c that lookups and
 * lock-free writes use, are __always_inline, as rhashtable.h's fast-path
 * helpers are: a kernel built for size (CONFIG_CC_OPTIMIZE_FOR_SIZE,
 * tinyconfig's default) otherwise calls each of them out of line, and a
 * lookup made a call to hash, another to compare the key and a third to
 * test the word it found.
 */

/*
 * A point in the core where KUnit stages a race deterministically: the
 * test's hook runs there, as another CPU could in that window. Compiled
 * away without CONFIG_SYNCMAP_DEBUG.
 */
static __always_inline void
syncmap_race_point(struct syncmap *map, struct syncmap_entry *e)
{
#if IS_ENABLED(CONFIG_SYNCMAP_DEBUG)
	void (*hook)(struct syncmap *map, struct syncmap_entry *e);

	hook = READ_ONCE(map->race_hook);
	if (unlikely(hook))
		hook(map, e);
#endif
}

static __always_inline u64 syncmap_load64(const u8 *p)
{
	u64 w;

	memcpy(&w, p, sizeof(w));
	return w;
}

static __always_inline u64 syncmap_load32(const u8 *p)
{
	u32 w;

	memcpy(&w, p, sizeof(w));
	return w;
}

#ifdef CONFIG_ARCH_SUPPORTS_INT128
/* The 128-bit product of @a and @b, its halves folded by xor. */
static __always_inline u64 syncmap_fold_mul(u64 a, u64 b)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	return (u64)p ^ (u64)(p >> 64);
}

/*
 * The fast keyed hash: folded multiplies of the key's words, each mixed
 * with a secret first (foldhash's construction). A key of up to 16 bytes
 * is read as two (overlapping) words, which with its length determine it,
 * and takes two multiplies; a longer one takes one more per 16 bytes,
 * each chained through the accumulator. The length enters only the last
 * multiply, as a factor apart from the key's bytes: mixed into a word of
 * them, it would cancel against a difference in those bytes, and keys of
 * different lengths would collide whatever the secret ("1" and "113" did).
 * The secrets enter every product:
 * making one factor 0 (the "blinding" that breaks such hashes) needs a
 * word equal to a secret, and a collision of keys of different words
 * needs the difference of two secrets. No known seed-independent
 * multicollision applies (those of MurmurHash and CityHash come from
 * differentials that the seed does not enter): see syncmap_test.c's
 * hash_differentials. Should one exist, or a secret leak, the watchdog
 * rekeys the map, and then moves it to hsiphash (table_add()).
 */
static __always_inline u64
syncmap_fast_hash(const struct syncmap_fast_key *k, const u8 *p, size_t len)
{
	u64 a, b, acc = k->s[1];
	size_t n = len;

	if (len <= 16) {
		if (len >= 8) {
			a = syncmap_load64(p);
			b = syncmap_load64(p + len - 8);
		} else if (len >= 4) {
			a = syncmap_load32(p);
			b = syncmap_load32(p + len - 4);
		} else if (len) {
			a = p[0];
			b = (u64)p[len / 2] << 8 | p[len - 1];
		} else {
			a = 0;
			b = 0;
		}
	} else {
		do {
			acc = syncmap_fold_mul(syncmap_load64(p) ^ k->s[0],
					       syncmap_load64(p + 8) ^ acc);
			p += 16;
			n -= 16;
		} while (n > 16);
		a = syncmap_load64(p + n - 16);
		b = syncmap_load64(p + n - 8);
	}
	return syncmap_fold_mul(syncmap_fold_mul(a ^ k->s[0], b ^ acc) ^ k->s[2],
				k->s[3] ^ len);
}
#else
/* Without a 64x64->128 multiply, the fast hash is hsiphash too. */
static __always_inline u64
syncmap_fast_hash(const struct syncmap_fast_key *k, const u8 *p, size_t len)
{
	return (u64)hsiphash(p, len, &k->sip) << 32;
}
#endif

/*
 * The hash of a key in an epoch: the fast hash under the epoch's secret,
 * or from SYNCMAP_EPOCH_SIPHASH on, hsiphash, the kernel's keyed hash for
 * hash tables, a pseudo-random function and several times dearer. Its 32
 * top bits are what tables use (a slot's tag, and its home: tables never
 * have more than 2^32 slots); the bottom half is 0.
 */
static __always_inline u64
syncmap_hash_epoch(const struct syncmap *map, unsigned int epoch,
		   const void *key, size_t key_len)
{
	if (epoch >= SYNCMAP_EPOCH_SIPHASH)
		return (u64)hsiphash(key, key_len, &map->hash_key) << 32;
	return syncmap_fast_hash(&map->fast_key[epoch], key, key_len) &
	       ~(u64)U32_MAX;
}

/* The hash of a key in epoch 0, which entries keep (syncmap_entry.hash). */
static __always_inline u64
syncmap_hash(const struct syncmap *map, const void *key, size_t key_len)
{
	return syncmap_hash_epoch(map, 0, key, key_len);
}

/*
 * A key's hash in @epoch, given its @hash in epoch 0: the same, unless the
 * map has been rekeyed.
 */
static __always_inline u64
syncmap_rehash(const struct syncmap *map, unsigned int epoch, u64 hash,
	       const void *key, size_t key_len)
{
	if (likely(!epoch))
		return hash;
	return syncmap_hash_epoch(map, epoch, key, key_len);
}

/* The hash that places a key in @t, given its @hash in epoch 0. */
static __always_inline u64
syncmap_table_hash(const struct syncmap *map, const struct syncmap_table *t,
		   u64 hash, const void *key, size_t key_len)
{
	return syncmap_rehash(map, t->epoch, hash, key, key_len);
}

/*
 * Lookups count the misses that promote a dirty table in batches: a
 * lookup that finds its key in the dirty table adds SYNCMAP_MISS_HIT
 * ticks to its CPU's syncmap_miss_ticks, one whose key is absent from
 * both tables adds one tick, and only the lookup whose ticks cross a
 * multiple of SYNCMAP_MISS_TICKS adds SYNCMAP_MISS_BATCH misses to the
 * map's shared count. Every SYNCMAP_MISS_BATCH-th dirty-table hit of a
 * CPU thus writes the shared line, whichever its key, and the others
 * write only their CPU's counter: the count still grows by one a hit on
 * average, and keys that are looked up often get no more and no less of
 * a say than by counting each lookup, which sampling by the key's hash
 * would not give them (hot keys outside the sample would never promote).
 * An absent key counts 1/(SYNCMAP_MISS_TICKS / SYNCMAP_MISS_BATCH) of a
 * miss on average: promotion helps it less (it is then answered from one
 * table instead of two) and a steady run of absent lookups beside new
 * keys would otherwise promote, and so rebuild, too often; a map whose
 * new keys nobody looks up still gets there.
 */
#define SYNCMAP_MISS_BATCH	64U
#define SYNCMAP_MISS_TICKS	BIT(14)
#define SYNCMAP_MISS_HIT	(SYNCMAP_MISS_TICKS / SYNCMAP_MISS_BATCH)

/*
 * Promotion is due once the misses counted since the last one reach the
 * dirty table's entries, as in Go (see "Promotion" in syncmap.c).
 */
static __always_inline bool
syncmap_promote_due(long misses, const struct syncmap_table *d)
{
	return misses >= (long)READ_ONCE(d->count);
}

/*
 * A slot's tag: the key's 32-bit hash, never 0 (which marks an empty
 * slot), so a tag that matches is the hash but for one bit.
 */
static __always_inline u32 syncmap_tag(u64 hash)
{
	return (u32)(hash >> 32) | 1;
}

/*
 * What a live entry holds, its "word": the value's box in a map with a
 * release callback, the value itself in a map without one. map->release
 * never changes, so every path agrees on which it is.
 */
static __always_inline bool syncmap_boxes(const struct syncmap *map)
{
	return map->release;
}

/* Neither deleted (NULL) nor expunged: @w, read from @e, holds a value. */
static __always_inline bool
syncmap_word_is_live(const struct syncmap_entry *e, const void *w)
{
	return w && w != SYNCMAP_EXPUNGED(e);
}

/* The value a live entry's word stands for. */
static __always_inline void *
syncmap_word_value(const struct syncmap *map, void *w)
{
	return syncmap_boxes(map) ? ((struct syncmap_val *)w)->value : w;
}

/*
 * Key bytes equal: keys of 8 to 16 bytes compare as two (overlapping)
 * 8-byte words, with no call; longer and shorter ones with memcmp().
 */
static __always_inline bool
syncmap_key_equal(const u8 *a, const u8 *b, size_t len)
{
	u64 a0, a1, b0, b1;

	if (len < sizeof(u64) || len > 2 * sizeof(u64))
		return !memcmp(a, b, len);
	memcpy(&a0, a, sizeof(a0));
	memcpy(&b0, b, sizeof(b0));
	memcpy(&a1, a + len - sizeof(a1), sizeof(a1));
	memcpy(&b1, b + len - sizeof(b1), sizeof(b1));
	return !((a0 ^ b0) | (a1 ^ b1));
}

static __always_inline u64 syncmap_entry_hash(const struct syncmap_entry *e)
{
	return (u64)e->hash << 32;
}

/*
 * @e is the entry of @key, whose tag matched in some table: the tag is 31
 * bits of the hash that table is placed by, which for a map that has been
 * rekeyed is not the one @e keeps, so the key itself decides.
 */
static __always_inline bool
syncmap_entry_matches(const struct syncmap_entry *e, const void *key,
		      size_t key_len)
{
	return e->key_len == key_len && syncmap_key_equal(e->key, key, key_len);
}

static __always_inline unsigned int
syncmap_home(const struct syncmap_table *t, u64 hash)
{
	return hash >> t->shift;
}

/*
 * Linear probing; the load factor stays below 3/4, so an empty slot (tag
 * 0) ends every probe sequence. @concurrent: the table may be filled as
 * we probe (the dirty table, without syncmap.lock): the tag is read with
 * an acquire, which orders the slot's pointer after it (table_add()).
 */
static __always_inline struct syncmap_entry *
__syncmap_table_find(const struct syncmap_table *t, u64 hash, const void *key,
		     size_t key_len, bool concurrent)
{
	unsigned int mask = t->size - 1;
	u32 tag = syncmap_tag(hash);
	unsigned int i;
	u32 tg;

	for (i = syncmap_home(t, hash);; i = (i + 1) & mask) {
		struct syncmap_entry *e;

		/* acquire: pairs with table_add()'s release of the tag */
		tg = concurrent ? smp_load_acquire(&t->slots[i].tag) :
				  t->slots[i].tag;
		if (!tg)
			return NULL;
		e = t->slots[i].entry;
		if (tg == tag && syncmap_entry_matches(e, key, key_len))
			return e;
	}
}

/* A published read table (immutable), or any table under syncmap.lock. */
static __always_inline struct syncmap_entry *
syncmap_table_find(const struct syncmap_table *t, u64 hash, const void *key,
		   size_t key_len)
{
	return __syncmap_table_find(t, hash, key, key_len, false);
}

/* The dirty table, without syncmap.lock: writers may be filling slots. */
static __always_inline struct syncmap_entry *
syncmap_dirty_find(const struct syncmap_table *t, u64 hash, const void *key,
		   size_t key_len)
{
	return __syncmap_table_find(t, hash, key, key_len, true);
}

#endif /* _SYNCMAP_INTERNAL_H */
