/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syncmap - a concurrent key/value map for read-mostly workloads
 *
 * Go's sync.Map, in the kernel: lookups of keys that are already in the
 * RCU-published read table take no lock and write no shared cache line;
 * writers take a spinlock only for keys the read table does not hold yet.
 *
 * Keys are byte strings (copied by the map; a length of 0 is valid).
 * Values are opaque, non-NULL pointers owned by the map once stored:
 *
 *  - a value the map drops without handing it back (overwritten, deleted,
 *    cleared, left at destroy) is passed to the map's release callback
 *    after an RCU grace period, from RCU callback (softirq) context;
 *  - a value handed back (syncmap_load_and_delete(), syncmap_swap())
 *    belongs to the caller, who must let a grace period pass before
 *    freeing it (kfree_rcu(), call_rcu(), synchronize_rcu());
 *  - a value passed in but not stored stays the caller's;
 *  - storing the pointer that is already stored for a key releases nothing.
 *
 * A value is any pointer (or small integer cast to one) that is neither
 * NULL nor in the ERR_PTR range (IS_ERR_OR_NULL() values are refused with
 * -EINVAL, so an ERR_PTR returned by syncmap_load_or_store() or
 * syncmap_swap() is never a value), and not an address inside the map's
 * own memory, which callers never see. A map
 * created without a release callback stores values bare, so that
 * replacing one is a single cmpxchg; with a callback, each stored value
 * has a small box that carries its deferred release.
 */
#ifndef _SYNCMAP_H
#define _SYNCMAP_H

#include <linux/gfp.h>
#include <linux/types.h>

struct syncmap;

/**
 * struct syncmap_counters - a snapshot of a map's counters
 * @entries: live keys
 * @read_slots: entries (live or deleted) in the read table
 * @dirty_slots: entries in the dirty table, 0 when there is none
 * @misses: lookups that found their key only in the dirty table (one of
 *	an absent key counts a fraction of one), added up by each CPU and
 *	counted here a batch at a time
 * @promotions: times the dirty table replaced the read table
 * @dirty_builds: dirty tables started (each is then built a step at a time)
 * @nurseries: of those, started with a nursery table for new keys while a
 *	worker allocated the table itself
 * @copy_steps: steps of dirty builds (each takes over up to 32 read-table
 *	slots)
 * @revivals: deleted read-table entries brought back by a store
 * @max_lock_hold_ns: longest hold of the map's lock, measured only while
 *	the core's lock_stats parameter is on (CONFIG_SYNCMAP_LOCK_STATS);
 *	else 0
 * @floods: tables in which a key landed SYNCMAP_PROBE_LIMIT slots or more
 *	from its home slot (keys chosen to collide); each moves the map's
 *	next tables to the next hash epoch
 * @hash_epoch: the hash epoch of the map's next tables: 0, the fast keyed
 *	hash under the map's first secret; 1, under a fresh one; 2, hsiphash
 */
struct syncmap_counters {
	u64 entries;
	u64 read_slots;
	u64 dirty_slots;
	u64 misses;
	u64 promotions;
	u64 dirty_builds;
	u64 nurseries;
	u64 copy_steps;
	u64 revivals;
	u64 max_lock_hold_ns;
	u64 floods;
	u64 hash_epoch;
};

struct syncmap *syncmap_create(void (*release)(void *value));
struct syncmap *syncmap_create_gfp(void (*release)(void *value), gfp_t gfp);
void syncmap_destroy(struct syncmap *map);

void *syncmap_load(struct syncmap *map, const void *key, size_t key_len);
int syncmap_store(struct syncmap *map, const void *key, size_t key_len,
		  void *value, gfp_t gfp);
void *syncmap_load_or_store(struct syncmap *map, const void *key,
			    size_t key_len, void *value, bool *loaded,
			    gfp_t gfp);
void *syncmap_load_and_delete(struct syncmap *map, const void *key,
			      size_t key_len);
bool syncmap_delete(struct syncmap *map, const void *key, size_t key_len);
void *syncmap_swap(struct syncmap *map, const void *key, size_t key_len,
		   void *value, gfp_t gfp);
bool syncmap_compare_and_swap(struct syncmap *map, const void *key,
			      size_t key_len, void *old, void *new);
int syncmap_compare_and_swap_gfp(struct syncmap *map, const void *key,
				 size_t key_len, void *old, void *new,
				 gfp_t gfp);
bool syncmap_compare_and_delete(struct syncmap *map, const void *key,
				size_t key_len, void *old);
void syncmap_range(struct syncmap *map,
		   bool (*fn)(const void *key, size_t key_len, void *value,
			      void *arg),
		   void *arg);
bool syncmap_range_from(struct syncmap *map, u64 *pos,
			bool (*fn)(const void *key, size_t key_len,
				   void *value, u64 hash, void *arg),
			void *arg);
bool syncmap_range_pos_valid(u64 pos);
void syncmap_clear(struct syncmap *map);
size_t syncmap_len(struct syncmap *map);
void syncmap_get_counters(struct syncmap *map, struct syncmap_counters *c);

#endif /* _SYNCMAP_H */
