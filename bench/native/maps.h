/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps the native benchmark drives, each behind the same table of
 * operations, so that every map runs the same workload code. Each map
 * lives in its own file because their headers do not mix (liburcu, the
 * kernel shim and the kernel's own rhashtable headers all define RCU).
 *
 * Keys are byte strings; values are longs (>= 0). Every operation is
 * called inside the driver's RCU read-side section (liburcu memb, the
 * flavour every RCU map here uses), as a kernel caller would hold
 * rcu_read_lock(); operations that may block (allocation) are allowed
 * there, as liburcu's read side does not forbid it.
 */
#ifndef BENCH_MAPS_H
#define BENCH_MAPS_H

#include <stdbool.h>
#include <stddef.h>

struct map_ops {
	const char *name;
	bool has_kernel_api;	/* the syncmap core itself */
	void *(*create)(long nkeys);
	void (*destroy)(void *m);
	/* value, or -1 if absent */
	long (*load)(void *m, const void *key, size_t len);
	void (*store)(void *m, const void *key, size_t len, long v);
	/* the existing value (and *loaded = true), or stores @v */
	long (*load_or_store)(void *m, const void *key, size_t len, long v,
			      bool *loaded);
	long (*load_and_delete)(void *m, const void *key, size_t len);
	bool (*delete)(void *m, const void *key, size_t len);
	long (*swap)(void *m, const void *key, size_t len, long v);
	bool (*cas)(void *m, const void *key, size_t len, long old, long v);
	/* visits every key; fn returning false stops */
	void (*range)(void *m, bool (*fn)(const void *key, size_t len,
					  long v, void *arg), void *arg);
	void (*clear)(void *m);
	/* longest hold of the map's write lock while timing was on, or
	 * NULL: the map has no single write lock to time */
	unsigned long long (*max_lock_hold_ns)(void *m);
	/*
	 * Flood (NULL: not run): @n 8-byte keys from @from on that share
	 * their home slot or bucket in the map's tables under the hash and
	 * secret it places new keys by now, as an attacker who had learned
	 * it would send; and whether the map has since moved to another
	 * secret (its tables all placed by it: recovered).
	 */
	void (*flood_keys)(void *m, unsigned long *keys, long n,
			   unsigned long from);
	bool (*flood_recovered)(void *m);
};

extern const struct map_ops syncmap_ops, syncmap_release_ops;
extern const struct map_ops rhashtable_ops, rculfhash_ops, ck_hs_ops;
extern const struct map_ops spinlock_ops, cow_ops;
/* StoreLatency only: fixed work, no map (the machine's jitter) */
extern const struct map_ops floor_ops;

/* The drivers' pseudo-random keys (xorshift64), and the floor's work. */
static inline unsigned long xorshift(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The keyed hash every map but rhashtable (jhash) is given. */
unsigned long bench_hash(const void *key, size_t len);

/* Once, single-threaded, before anything else: the core's module init
 * and the hash key. */
int bench_init(void);

/* Waits for every RCU callback queued so far. */
void bench_barrier(void);

/* The driver's RCU read side (the shim's: liburcu memb). */
void bench_read_lock(void);
void bench_read_unlock(void);

/* Longest hold of a peer's write lock since it was last reset. */
extern unsigned long long bench_max_lock_hold_ns;
extern bool bench_lock_timing_on;
unsigned long long bench_now_ns(void);
/*
 * How lock holds are timed: the holder's time on a CPU (the shim's
 * local_clock()). A kernel spinlock section is not preempted; a user-space
 * one is, by the host, and a wall clock would count that as holding.
 */
unsigned long long bench_hold_clock_ns(void);
#define READ_ONCE_BOOL(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Bytes the shim has mmap()ed for allocations and not yet unmapped. */
size_t bench_mapped_bytes(void);

/* Lock-hold timing on or off (syncmap's lock_stats), for StoreLatency. */
void bench_lock_timing(bool on);
unsigned long long bench_peer_max_lock_hold_ns(void *m);

#endif /* BENCH_MAPS_H */
