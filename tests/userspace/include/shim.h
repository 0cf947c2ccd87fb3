/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API that syncmap.c and syncmap_test.c use, mapped onto user
 * space, so that the very same files build into a native program (the way
 * tools/testing/radix-tree builds lib/radix-tree.c). Every <linux/...>
 * header in this directory includes this one.
 *
 * RCU is liburcu's memb flavour (shim_rcu.c); locks are pthread mutexes;
 * atomics are the compiler's __atomic builtins, so ThreadSanitizer sees
 * every ordering the code relies on. Allocations go through
 * shim_kmalloc(), which the tests can make fail (fault injection).
 */
#ifndef SYNCMAP_SHIM_H
#define SYNCMAP_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The kernel's memcmp() and memcpy() accept NULL with a zero length (an
 * empty key may be passed as NULL); glibc declares them nonnull.
 */
static inline int shim_memcmp(const void *a, const void *b, size_t n)
{
	return n ? memcmp(a, b, n) : 0;
}

static inline void *shim_memcpy(void *d, const void *s, size_t n)
{
	return n ? memcpy(d, s, n) : d;
}

#define memcmp shim_memcmp
#define memcpy shim_memcpy

/* ---- types ------------------------------------------------------------ */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int gfp_t;
typedef s64 ktime_t;

#define U32_MAX		UINT32_MAX
#define U64_MAX		UINT64_MAX

#define GFP_KERNEL		0x01u
#define GFP_ATOMIC		0x02u
#define GFP_NOWAIT		0x04u
#define __GFP_NOWARN		0x08u
#define __GFP_NOFAIL		0x10u
#define __GFP_ACCOUNT		0x20u
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
/* Of these flags, only GFP_KERNEL may sleep (direct reclaim). */
static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return gfp & GFP_KERNEL;
}

/* ---- compiler ----------------------------------------------------------- */

#define __rcu
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define __init
#define __exit
#undef __always_inline			/* glibc's <sys/cdefs.h> has one */
#define __always_inline		inline __attribute__((always_inline))
#define noinline		__attribute__((noinline))
#define __always_unused		__attribute__((unused))
#define __maybe_unused		__attribute__((unused))
#define ____cacheline_aligned_in_smp	__attribute__((aligned(64)))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define barrier()		__asm__ __volatile__("" ::: "memory")

/*
 * With SHIM_COUNT_WRITES (the KUnit builds, not the benchmark's), every
 * store and read-modify-write of the atomics, locks and RCU pointers below
 * counts one write to memory other threads may read, in the calling
 * thread's shim_shared_writes: syncmap_test.c checks with it what a
 * lookup writes. Plain stores to shared memory are data races, which TSan
 * reports, so they need no count; this_cpu ops are per thread and count
 * nothing.
 */
#ifdef SHIM_COUNT_WRITES
extern __thread unsigned long shim_shared_writes;
#define shim_count_write()	((void)shim_shared_writes++)
#else
#define shim_count_write()	((void)0)
#endif

/* Relaxed atomics: what READ_ONCE/WRITE_ONCE promise, visible to TSan. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	({ shim_count_write();			\
				   __atomic_store_n(&(x), (v), __ATOMIC_RELAXED); })
#define data_race(x)		(x)

/* What Kconfig selects on 64-bit architectures whose compiler has it. */
#ifdef __SIZEOF_INT128__
#define CONFIG_ARCH_SUPPORTS_INT128 1
#endif

/* As the kernel's kconfig.h: 1 if the option is defined to 1 (-D). */
#define __ARG_PLACEHOLDER_1	0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x)		___is_defined(x)
#define ___is_defined(val)	____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option)	__is_defined(option)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#define min(a, b)		({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b)		({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b)		min((t)(a), (t)(b))
#define max_t(t, a, b)		max((t)(a), (t)(b))

/* ---- errors ---------------------------------------------------------- */

#define MAX_ERRNO	4095
#define IS_ERR_VALUE(x)	((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE(ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR_VALUE(ptr);
}

/* ---- arithmetic --------------------------------------------------------- */

static inline size_t shim_struct_size(size_t base, size_t elem, size_t n)
{
	size_t r;

	if (__builtin_mul_overflow(elem, n, &r) ||
	    __builtin_add_overflow(r, base, &r))
		return SIZE_MAX;
	return r;
}

#define struct_size(p, member, n) \
	shim_struct_size(sizeof(*(p)), sizeof((p)->member[0]), (n))
#define ilog2(n)		(63 - __builtin_clzll((unsigned long long)(n)))
#define is_power_of_2(n)	((n) != 0 && (((n) & ((n) - 1)) == 0))
#define roundup_pow_of_two(n)	((n) <= 1 ? 1UL : 1UL << (ilog2((n) - 1) + 1))

static inline size_t size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

/* ---- bitmaps (non-atomic: the core changes them under its lock) -------- */

#define BITS_PER_LONG		64	/* x86-64, arm64: what the shim runs on */
_Static_assert(sizeof(long) * 8 == BITS_PER_LONG, "64-bit only");
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))

static inline void __set_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void __clear_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}

static inline bool test_bit(unsigned long nr, const unsigned long *map)
{
	return map[nr / BITS_PER_LONG] & (1UL << (nr % BITS_PER_LONG));
}

static inline unsigned long find_next_bit(const unsigned long *map,
					  unsigned long size,
					  unsigned long nr)
{
	unsigned long w;

	while (nr < size) {
		w = map[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG);
		if (w) {
			nr += __builtin_ctzl(w);
			return nr < size ? nr : size;
		}
		nr = (nr / BITS_PER_LONG + 1) * BITS_PER_LONG;
	}
	return size;
}

#define for_each_set_bit(bit, map, size) \
	for ((bit) = find_next_bit((map), (size), 0); (bit) < (size); \
	     (bit) = find_next_bit((map), (size), (bit) + 1))

/* ---- printk, WARN ------------------------------------------------------ */

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_err(fmt, ...)	fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)	fprintf(stderr, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	fprintf(stdout, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...)	do { } while (0)

/* A WARN is a test failure: the runner fails the case that raised one. */
extern long shim_warnings;
void shim_warn(const char *file, int line, const char *cond);
#define WARN_ON(cond) ({						\
	int __c = !!(cond);						\
	if (unlikely(__c))						\
		shim_warn(__FILE__, __LINE__, #cond);			\
	unlikely(__c);							\
})
#define WARN_ON_ONCE(cond)	WARN_ON(cond)
#define BUG_ON(cond)		do { if (unlikely(cond)) abort(); } while (0)

/* ---- modules ------------------------------------------------------------ */

extern int shim_module_dummy;
#define MODULE_LICENSE(x)	extern int shim_module_dummy
#define MODULE_DESCRIPTION(x)	extern int shim_module_dummy
#define MODULE_PARM_DESC(n, x)	extern int shim_module_dummy
/* A parameter's variable, reachable by name (the benchmark sets some). */
#define module_param(n, t, p)	void *const shim_param_##n = &(n)
#define EXPORT_SYMBOL_GPL(s)	extern int shim_module_dummy
#define EXPORT_SYMBOL(s)	extern int shim_module_dummy
#define module_init(fn)		int (*shim_module_init)(void) = fn
#define module_exit(fn)		void (*shim_module_exit)(void) = fn

/* ---- atomics ------------------------------------------------------------ */

typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;
typedef struct { int refs; } refcount_t;

#define SHIM_ATOMIC_OPS(pfx, T, t)					\
static inline t pfx##_read(const T *v)					\
{ return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }		\
static inline t pfx##_read_acquire(const T *v)				\
{ return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE); }		\
static inline void pfx##_set(T *v, t i)					\
{ shim_count_write(); __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); } \
static inline void pfx##_inc(T *v)					\
{ shim_count_write(); __atomic_fetch_add(&v->counter, 1, __ATOMIC_RELAXED); } \
static inline void pfx##_dec(T *v)					\
{ shim_count_write(); __atomic_fetch_sub(&v->counter, 1, __ATOMIC_RELAXED); } \
static inline void pfx##_add(t i, T *v)					\
{ shim_count_write(); __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED); } \
static inline t pfx##_add_return(t i, T *v)				\
{ shim_count_write();							\
  return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static inline t pfx##_inc_return(T *v)					\
{ shim_count_write();							\
  return __atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST); }	\
static inline bool pfx##_dec_and_test(T *v)				\
{ shim_count_write();							\
  return __atomic_sub_fetch(&v->counter, 1, __ATOMIC_SEQ_CST) == 0; }	\
static inline t pfx##_xchg(T *v, t n)					\
{ shim_count_write();							\
  return __atomic_exchange_n(&v->counter, n, __ATOMIC_SEQ_CST); }	\
static inline t pfx##_cmpxchg(T *v, t o, t n)				\
{									\
	shim_count_write();						\
	__atomic_compare_exchange_n(&v->counter, &o, n, false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);\
	return o;							\
}
SHIM_ATOMIC_OPS(atomic, atomic_t, int)
SHIM_ATOMIC_OPS(atomic_long, atomic_long_t, long)

static inline void refcount_set(refcount_t *r, int n)
{
	__atomic_store_n(&r->refs, n, __ATOMIC_RELAXED);
}

static inline int refcount_read(const refcount_t *r)
{
	return __atomic_load_n(&r->refs, __ATOMIC_RELAXED);
}

static inline void refcount_inc(refcount_t *r)
{
	int old = __atomic_fetch_add(&r->refs, 1, __ATOMIC_RELAXED);

	WARN_ON(old <= 0);	/* increment on zero: use after free */
}

static inline bool refcount_dec_and_test(refcount_t *r)
{
	int old = __atomic_fetch_sub(&r->refs, 1, __ATOMIC_ACQ_REL);

	WARN_ON(old <= 0);	/* underflow */
	return old == 1;
}

#define cmpxchg(ptr, o, n) ({						\
	__typeof__(*(ptr)) __o = (o);					\
	shim_count_write();						\
	__atomic_compare_exchange_n((ptr), &__o, (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);\
	__o;								\
})
#define xchg(ptr, v)	({ shim_count_write();				\
			   __atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST); })
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
/*
 * TSan takes no fences. The core's one smp_rmb() follows an
 * rcu_dereference(), an acquire load here, which already orders what
 * smp_rmb() orders in the kernel; under TSan it is left at that.
 */
#ifdef __SANITIZE_THREAD__
#define smp_rmb()		barrier()
#else
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	({ shim_count_write();			\
				   __atomic_store_n((p), (v), __ATOMIC_RELEASE); })

/* ---- per-CPU variables: per thread ------------------------------------- */

#define DEFINE_PER_CPU(type, name)	__thread type name
#define this_cpu_add_return(v, n)	((v) += (n))
#define this_cpu_read(v)		(v)
#define this_cpu_write(v, n)		((void)((v) = (n)))
#define preempt_disable()		({ barrier(); shim_atomic_enter(); })
#define preempt_enable()		({ shim_atomic_exit(); barrier(); })

/* ---- RCU (shim_rcu.c, on liburcu) --------------------------------------- */

struct rcu_head {
	void *urcu[2];			/* liburcu's struct rcu_head */
	void (*func)(struct rcu_head *head);
	void *kfree_base;
	void *queued;			/* see shim_rcu.c: call_rcu() */
};

void rcu_read_lock(void);
void rcu_read_unlock(void);
void synchronize_rcu(void);
void rcu_barrier(void);
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
void shim_kfree_rcu(void *base, struct rcu_head *head);
#define kfree_rcu(ptr, field)	shim_kfree_rcu((ptr), &(ptr)->field)

#define RCU_INITIALIZER(v)	(v)
#define unrcu_pointer(p)	(p)
#define RCU_INIT_POINTER(p, v)	WRITE_ONCE(p, v)	/* as the kernel's */
#define rcu_assign_pointer(p, v) ({ shim_count_write();			\
				   __atomic_store_n(&(p), (v), __ATOMIC_RELEASE); })
#define rcu_dereference(p)	__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_access_pointer(p)	__atomic_load_n(&(p), __ATOMIC_RELAXED)
#define rcu_dereference_protected(p, c)	(p)
#define lockdep_is_held(l)	shim_held_by_me(l)
#define lockdep_assert_held(l)	WARN_ON(!shim_held_by_me(l))

/*
 * ---- atomic context: what CONFIG_DEBUG_ATOMIC_SLEEP checks ------------------
 *
 * With SHIM_DEBUG_ATOMIC_SLEEP (the KUnit builds), each thread counts the
 * spinlocks it holds, the RCU read-side sections, preempt-off regions and
 * timer callbacks it is in. might_sleep() inside any of them is the
 * kernel's "sleeping function called from invalid context": a WARN, which
 * fails the test case, unless the thread expects it
 * (shim_expect_atomic_sleep), when it is only counted (shim_atomic_sleeps).
 * might_alloc() is might_sleep() for flags that may sleep, as the kernel's
 * allocators call it whether or not they then sleep.
 */
#include "shim_atomic.h"
#define might_alloc(gfp)	do { if (gfpflags_allow_blocking(gfp))	\
					might_sleep(); } while (0)

/*
 * ---- spinlocks ---------------------------------------------------------------
 *
 * A futex lock (Drepper, "Futexes Are Tricky", mutex2; Go's sync.Mutex is
 * built the same way): taking a free lock is one cmpxchg and releasing an
 * uncontended one one exchange, the cost of the kernel's spin_lock() and
 * spin_unlock() (a pthread mutex costs about 60 instructions a pair,
 * which the benchmarks would charge to syncmap's locked paths alone:
 * rhashtable's bucket locks are bit spinlocks). A contended lock spins a
 * little, then sleeps: user space cannot keep its holder from being
 * preempted, as the kernel does. 0 free, 1 held, 2 held with sleepers.
 */
typedef struct {
	int v;
#ifdef SHIM_LOCKDEP
	const void *owner;	/* shim_self() of the holder, for lockdep_assert_held() */
#endif
} spinlock_t;

#ifdef SHIM_LOCKDEP
/* A per-thread address: the thread's identity, for lock owners. */
extern __thread char shim_self_anchor;
#define shim_self()		((const void *)&shim_self_anchor)
#define shim_set_owner(l, o)	__atomic_store_n(&(l)->owner, (o), __ATOMIC_RELAXED)
#define shim_held_by_me(l)	(__atomic_load_n(&(l)->owner, __ATOMIC_RELAXED) == shim_self())
#else
#define shim_set_owner(l, o)	((void)0)
#define shim_held_by_me(l)	true
#endif

/* The kernel's busy-wait hint, for the shim's own spinning loops. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

void shim_spin_lock_slow(spinlock_t *l);
void shim_spin_wake(spinlock_t *l);

static inline void spin_lock_init(spinlock_t *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELAXED);
	shim_set_owner(l, NULL);
}

static inline void spin_lock(spinlock_t *l)
{
	int c = 0;

	shim_count_write();
	if (!__atomic_compare_exchange_n(&l->v, &c, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		shim_spin_lock_slow(l);
	shim_set_owner(l, shim_self());
	shim_atomic_enter();
}

static inline void spin_unlock(spinlock_t *l)
{
	shim_atomic_exit();
	shim_set_owner(l, NULL);
	if (__atomic_exchange_n(&l->v, 0, __ATOMIC_RELEASE) == 2)
		shim_spin_wake(l);
}

#define spin_lock_irqsave(l, f)	do { (f) = 0; spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f) \
	do { (void)(f); spin_unlock(l); } while (0)

typedef spinlock_t raw_spinlock_t;
#define raw_spin_lock_init		spin_lock_init
#define raw_spin_lock			spin_lock
#define raw_spin_unlock			spin_unlock
#define raw_spin_lock_irqsave		spin_lock_irqsave
#define raw_spin_unlock_irqrestore	spin_unlock_irqrestore

/* ---- allocation ---------------------------------------------------------- */

void *shim_kmalloc(size_t size, gfp_t gfp, bool zero);
size_t shim_mapped_bytes(void);
void shim_kfree(const void *p);
#define kmalloc(s, g)		shim_kmalloc((s), (g), false)
#define kzalloc(s, g)		shim_kmalloc((s), (g), true)
#define kvmalloc(s, g)		shim_kmalloc((s), (g), false)
#define kvzalloc(s, g)		shim_kmalloc((s), (g), true)
#define kcalloc(n, s, g)	shim_kmalloc(shim_struct_size(0, (s), (n)), (g), true)
#define kvcalloc(n, s, g)	kcalloc((n), (s), (g))
#define kfree(p)		shim_kfree(p)
#define kvfree(p)		shim_kfree(p)

/* ---- workqueues: an rcu_work runs as the RCU callback itself ------------- */

struct workqueue_struct { int unused; };
/*
 * Queued works run on the shim's worker thread; @shim_state (SHIM_WORK_*,
 * under the shim's work lock) says whether a work is pending (on the
 * queue, linked by @shim_next) and whether it is running.
 */
struct work_struct {
	void (*func)(struct work_struct *work);
	unsigned int shim_state;
	struct work_struct *shim_next;
};
struct rcu_work {
	struct work_struct work;
	struct rcu_head rcu;
};

#define WQ_UNBOUND	0x2
struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
					 int max_active, ...);
void destroy_workqueue(struct workqueue_struct *wq);
void flush_workqueue(struct workqueue_struct *wq);
bool queue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rwork);
#define INIT_RCU_WORK(rw, fn)	((rw)->work.func = (fn))
#define INIT_WORK(w, fn)	((w)->func = (fn), (w)->shim_state = 0, \
				 (w)->shim_next = NULL)
bool queue_work(struct workqueue_struct *wq, struct work_struct *work);
bool flush_work(struct work_struct *work);
#define schedule_work(w)	queue_work(NULL, (w))
bool cancel_work_sync(struct work_struct *work);
#define to_rcu_work(w)		container_of(w, struct rcu_work, work)

/* ---- time, randomness, scheduling ------------------------------------------ */

#define HZ			1000
#define CLOCK_MONOTONIC_SHIM	1
u64 ktime_get_ns(void);
u64 local_clock(void);
#define ns_to_ktime(ns)		((ktime_t)(ns))
void get_random_bytes(void *buf, size_t len);
u32 get_random_u32(void);
#define cond_resched()		do { } while (0)
#define in_task()		true
/* The CPUs this process may run on. */
unsigned int num_online_cpus(void);

/* ---- siphash ---------------------------------------------------------------- */

typedef struct { u64 key[2]; } siphash_key_t;
u64 siphash(const void *data, size_t len, const siphash_key_t *key);
typedef struct { u64 key[2]; } hsiphash_key_t;	/* as on 64-bit machines */
u32 hsiphash(const void *data, size_t len, const hsiphash_key_t *key);
u32 hsiphash_2u32(u32 first, u32 second, const hsiphash_key_t *key);

/* ---- threads: kthreads, completions, hrtimers -------------------------------- */

/* wait_var_event() polls here: wake_up_var() has no sleeper to wake. */
void shim_relax(void);
#define wake_up_var(var)		do { (void)(var); } while (0)
#define wait_var_event(var, cond)	do { might_sleep();			\
					     while (!(cond)) shim_relax(); } while (0)

/* Every thread has one; kthreads' carry what kthread_stop() needs. */
struct mm_struct;
struct task_struct {
	unsigned int fail_nth;		/* CONFIG_FAULT_INJECTION's */
	struct mm_struct *mm;		/* none: no memory cgroup to charge */
	pthread_t thread;
	int (*fn)(void *data);
	void *data;
	int ret;
	int refs;
	bool should_stop;
	bool woken;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

struct task_struct *shim_get_current(void);
#define current			(shim_get_current())

struct task_struct *kthread_create(int (*fn)(void *data), void *data,
				   const char *namefmt, ...);
void wake_up_process(struct task_struct *t);
bool kthread_should_stop(void);
int kthread_stop(struct task_struct *t);
void get_task_struct(struct task_struct *t);
void put_task_struct(struct task_struct *t);
void schedule_timeout_interruptible(long jiffies);

struct completion {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int done;
};
void init_completion(struct completion *c);
void complete(struct completion *c);
void wait_for_completion(struct completion *c);

/* A timer "interrupt" is a thread that runs the callback once. */
enum hrtimer_restart { HRTIMER_NORESTART, HRTIMER_RESTART };
enum hrtimer_mode { HRTIMER_MODE_REL, HRTIMER_MODE_REL_HARD, HRTIMER_MODE_REL_SOFT };
struct hrtimer {
	enum hrtimer_restart (*function)(struct hrtimer *timer);
	pthread_t thread;
	bool started;
	ktime_t delay;
};
void hrtimer_init(struct hrtimer *timer, int clock, enum hrtimer_mode mode);
void hrtimer_start(struct hrtimer *timer, ktime_t delay, enum hrtimer_mode mode);
int hrtimer_cancel(struct hrtimer *timer);
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC 1
#endif

#endif /* SYNCMAP_SHIM_H */
