/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user-space shim's atomic-context checks (CONFIG_DEBUG_ATOMIC_SLEEP's,
 * see shim.h), on their own so that shim_rcu.c, which cannot include
 * shim.h beside liburcu, shares them.
 */
#ifndef _SHIM_ATOMIC_H
#define _SHIM_ATOMIC_H

#include <stdbool.h>

#ifdef SHIM_DEBUG_ATOMIC_SLEEP
extern __thread int shim_atomic_depth;
extern __thread bool shim_expect_atomic_sleep;
extern __thread unsigned long shim_atomic_sleeps;
void shim_might_sleep(const char *file, int line);
#define shim_atomic_enter()	((void)shim_atomic_depth++)
#define shim_atomic_exit()	((void)shim_atomic_depth--)
#define might_sleep()		shim_might_sleep(__FILE__, __LINE__)
#else
#define shim_atomic_enter()	((void)0)
#define shim_atomic_exit()	((void)0)
#define might_sleep()		do { } while (0)
#endif

#endif /* _SHIM_ATOMIC_H */
