/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel's lib/rhashtable.c and include/linux/rhashtable.h need
 * beyond tests/userspace/include/shim.h, so that both compile unchanged in
 * user space (as tools/testing/radix-tree compiles lib/xarray.c). The
 * kernel files themselves are taken from the installed linux-source
 * package at build time (bench/native/Makefile), never kept in this tree.
 *
 * Bucket locks are bit spinlocks on bit 0 of the bucket pointer, as in the
 * kernel; local_bh_disable() and lockdep maps have nothing to do here; the
 * deferred resize worker runs on a thread of its own (the shim's
 * schedule_work()).
 */
#ifndef BENCH_RHT_SHIM_H
#define BENCH_RHT_SHIM_H

#include "shim.h"

#define __packed		__attribute__((packed))
#define __cold
#define __must_check
#define __acquire(x)		((void)0)
#define __release(x)		((void)0)
#define fallthrough		__attribute__((fallthrough))
#define BIT(n)			(1UL << (n))
#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define SINGLE_DEPTH_NESTING	1
#define __GFP_NORETRY		0x40u
#define __GFP_HIGH		0x80u
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define rcu_dereference_raw(p)		rcu_dereference(p)
#define rcu_dereference_check(p, c)	rcu_dereference(p)
#define rcu_dereference_all(p)		rcu_dereference(p)
#define rcu_dereference_all_check(p, c)	rcu_dereference(p)
#define rcu_read_lock_held()		1
#define lockdep_rcu_suspicious(f, l, s)	do { } while (0)
#define WARN(cond, fmt, ...)		WARN_ON(cond)
#define rounddown_pow_of_two(n)	(1UL << ilog2(n))
#define local_bh_disable()	do { } while (0)
#define local_bh_enable()	do { } while (0)

static inline void *ERR_CAST(const void *ptr)
{
	return (void *)ptr;
}

static inline u32 rol32(u32 word, unsigned int shift)
{
	return (word << (shift & 31)) | (word >> ((-shift) & 31));
}

/* ---- lockdep: nothing to check in user space --------------------------- */

struct lock_class_key { int unused; };
struct lockdep_map { int unused; };
#define lockdep_init_map(m, n, k, s)	do { (void)(k); } while (0)
#define _THIS_IP_			0UL
#define lock_acquire_exclusive(m, s, t, n, i)	do { } while (0)
#define lock_map_acquire(m)		do { } while (0)
#define lock_map_release(m)		do { } while (0)

/* ---- mutexes ------------------------------------------------------------- */

struct mutex { pthread_mutex_t m; };
#define mutex_init(l)		pthread_mutex_init(&(l)->m, NULL)
#define mutex_lock(l)		pthread_mutex_lock(&(l)->m)
#define mutex_unlock(l)		pthread_mutex_unlock(&(l)->m)
#define mutex_is_locked(l)	1

/* ---- bit spinlocks --------------------------------------------------------- */

static inline void bit_spin_lock(int nr, unsigned long *addr)
{
	unsigned long bit = 1UL << nr;

	while (__atomic_fetch_or(addr, bit, __ATOMIC_ACQUIRE) & bit)
		while (__atomic_load_n(addr, __ATOMIC_RELAXED) & bit)
			cpu_relax();
}

static inline void bit_spin_unlock(int nr, unsigned long *addr)
{
	__atomic_fetch_and(addr, ~(1UL << nr), __ATOMIC_RELEASE);
}

static inline int bit_spin_is_locked(int nr, unsigned long *addr)
{
	return !!(__atomic_load_n(addr, __ATOMIC_RELAXED) & (1UL << nr));
}

#define LIST_POISON1	((void *)0x100)
#define LIST_POISON2	((void *)0x122)

/* ---- lists ----------------------------------------------------------------- */

struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l->prev = l;
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
}

#define list_entry(p, type, member)	container_of(p, type, member)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

/* ---- RCU heads ------------------------------------------------------------- */

static inline void rcu_head_init(struct rcu_head *head)
{
	head->func = (void *)1;		/* as the kernel's rcu_head_init() */
}

static inline bool rcu_head_after_call_rcu(struct rcu_head *head,
					   void (*f)(struct rcu_head *))
{
	return head->func == f;
}

#endif /* BENCH_RHT_SHIM_H */
