/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SHIM_LINUX_SCHED_MM_H
#define _SHIM_LINUX_SCHED_MM_H
#include "../memcontrol.h"

static inline struct mem_cgroup *set_active_memcg(struct mem_cgroup *memcg)
{
	(void)memcg;
	return NULL;
}
#endif
