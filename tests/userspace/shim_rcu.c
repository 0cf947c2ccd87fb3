// SPDX-License-Identifier: GPL-2.0
/*
 * RCU for the user-space build: liburcu's memb flavour (readers cost a
 * thread-local increment; grace periods use sys_membarrier).
 *
 * This file sees liburcu's headers and not shim.h: both define struct
 * rcu_head. Threads register with liburcu on first use and unregister
 * when they exit.
 *
 * ThreadSanitizer cannot see the ordering a grace period provides (it
 * comes from membarrier and liburcu's uninstrumented code), so under TSan
 * it is spelled out: every read-side unlock releases one sync object that
 * every grace period and callback acquires, and a callback acquires what
 * its call_rcu() released. A reader still inside its critical section
 * when a callback frees memory has not released yet, so a real
 * use-after-grace-period bug is still reported.
 */
#if !defined(__SANITIZE_THREAD__)
#define _LGPL_SOURCE	/* inline read-side primitives */
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <urcu/urcu-memb.h>

#include "include/shim_atomic.h"	/* not shim.h: it clashes with liburcu */

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
static char gp_sync, cb_sync;
#define tsan_release(a)	__tsan_release(a)
#define tsan_acquire(a)	__tsan_acquire(a)

/*
 * Built into the binary, so every way of running it gets them: liburcu
 * is not built with TSan, and its rcu_barrier() allocates a struct that
 * its call_rcu thread frees, ordered by its own (invisible) atomics.
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "called_from_lib:liburcu-memb.so\n";
}
#else
#define tsan_release(a)	do { } while (0)
#define tsan_acquire(a)	do { } while (0)
#endif

/* The kernel-side view (shim.h) of struct rcu_head, the same layout. */
struct shim_rcu_head {
	struct rcu_head urcu;
	void (*func)(struct shim_rcu_head *head);
	void *kfree_base;
	void *queued;
};

_Static_assert(sizeof(struct rcu_head) == 2 * sizeof(void *),
	       "shim.h reserves two words for liburcu's rcu_head");

/*
 * What the kernel's CONFIG_DEBUG_OBJECTS_RCU_HEAD catches: an rcu_head
 * queued again before its callback ran (a value released twice, say).
 * liburcu's queue would take the node twice and lose callbacks, so the
 * suite would hang in rcu_barrier() or syncmap_destroy() instead of
 * failing. A queued head holds this address, which nothing else can, and
 * the trampoline clears it before the callback may free the head.
 */
static char rcu_head_queued;

static pthread_key_t reg_key;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static __thread int registered;

static void unregister_at_exit(void *unused)
{
	(void)unused;
	urcu_memb_unregister_thread();
}

static void reg_key_init(void)
{
	if (pthread_key_create(&reg_key, unregister_at_exit))
		abort();
}

static inline void ensure_registered(void)
{
	if (__builtin_expect(!registered, 0)) {
		pthread_once(&reg_once, reg_key_init);
		urcu_memb_register_thread();
		pthread_setspecific(reg_key, &registered);
		registered = 1;
	}
}

void rcu_read_lock(void)
{
	ensure_registered();
	urcu_memb_read_lock();
	shim_atomic_enter();	/* as under !PREEMPT_RCU: no sleeping inside */
}

void rcu_read_unlock(void)
{
	shim_atomic_exit();
	tsan_release(&gp_sync);
	urcu_memb_read_unlock();
}

void synchronize_rcu(void)
{
	might_sleep();
	urcu_memb_synchronize_rcu();
	tsan_acquire(&gp_sync);
}

static void trampoline(struct rcu_head *urcu)
{
	struct shim_rcu_head *head = (struct shim_rcu_head *)urcu;

	tsan_acquire(&gp_sync);
	tsan_acquire(head);
	head->queued = NULL;
	head->func(head);
	tsan_release(&cb_sync);
}

void call_rcu(struct shim_rcu_head *head,
	      void (*func)(struct shim_rcu_head *head))
{
	ensure_registered();
	if (head->queued == &rcu_head_queued) {
		fprintf(stderr, "call_rcu(): rcu_head %p queued twice\n",
			(void *)head);
		abort();
	}
	head->queued = &rcu_head_queued;
	head->func = func;
	tsan_release(head);
	urcu_memb_call_rcu(&head->urcu, trampoline);
}

static void kfree_cb(struct shim_rcu_head *head)
{
	free(head->kfree_base);
}

void shim_kfree_rcu(void *base, struct shim_rcu_head *head)
{
	head->kfree_base = base;
	call_rcu(head, kfree_cb);
}

void rcu_barrier(void)
{
	ensure_registered();
	urcu_memb_barrier();
	tsan_acquire(&cb_sync);
}
