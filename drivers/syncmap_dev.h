/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Named syncmaps for kernel modules: the maps of /dev/syncmaps/NAME,
 * shared with user space. Keys and values are byte strings, the same
 * ones user space stores and loads through the node; every limit and
 * error of the node's commands applies (include/uapi/linux/syncmap.h).
 * Exported by syncmap_dev.ko; the kernel-doc of each is in syncmap_dev.c.
 *
 * Failures: syncmap_named_create() returns ERR_PTR(-EINVAL) for a bad
 * name, mode or limit, -EEXIST for a name taken, -ENOSPC past
 * SYNCMAP_MAX_MAPS maps, -ENOMEM; syncmap_named_get() ERR_PTR(-ENOENT)
 * for no such map; syncmap_named_load() -ENOENT for an absent key, or the
 * value's length if @buf_len is too small (nothing copied then);
 * syncmap_named_store() -E2BIG, -ENOSPC, -EDQUOT or -ENOMEM, the map
 * unchanged; syncmap_named_delete() false if it deleted nothing, which
 * includes a key it could not copy (-ENOMEM).
 */
#ifndef _SYNCMAP_DEV_H
#define _SYNCMAP_DEV_H

#include <linux/types.h>

struct syncmap_named;

struct syncmap_named *syncmap_named_create(const char *name,
					   u32 max_entries, u32 max_key_len,
					   u32 max_value_len, umode_t mode);
struct syncmap_named *syncmap_named_get(const char *name);
void syncmap_named_put(struct syncmap_named *m);
void syncmap_named_destroy(struct syncmap_named *m);

const void *syncmap_named_load_rcu(struct syncmap_named *m, const void *key,
				   size_t key_len, u32 *value_len);
ssize_t syncmap_named_load(struct syncmap_named *m, const void *key,
			   size_t key_len, void *buf, size_t buf_len);
int syncmap_named_store(struct syncmap_named *m, const void *key,
			size_t key_len, const void *value, size_t value_len);
bool syncmap_named_delete(struct syncmap_named *m, const void *key,
			  size_t key_len);

#endif /* _SYNCMAP_DEV_H */
