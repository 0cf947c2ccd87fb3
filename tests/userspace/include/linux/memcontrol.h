/* SPDX-License-Identifier: GPL-2.0 */
/* No memory cgroups in user space: nothing is charged, nothing counted. */
#ifndef _SHIM_LINUX_MEMCONTROL_H
#define _SHIM_LINUX_MEMCONTROL_H
#include "../shim.h"

struct mem_cgroup;
struct mm_struct;

static inline struct mem_cgroup *get_mem_cgroup_from_mm(struct mm_struct *mm)
{
	(void)mm;
	return NULL;
}

static inline void mem_cgroup_put(struct mem_cgroup *memcg)
{
	(void)memcg;
}
#endif
