/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libsyncmap: syncmap maps of /dev/syncmap for programs.
 *
 * Every function takes the file descriptor of an open map (syncmap_open())
 * and returns a negative errno value on failure; the functions that answer
 * a question as Go's sync.Map does (was the key there, did the swap take
 * effect) return 1 or 0. The library keeps no state of its own: any
 * number of threads may call it, on one map or several.
 */
#ifndef LIBSYNCMAP_H
#define LIBSYNCMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/syncmap.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBSYNCMAP_MAJOR_VERSION	0
#define LIBSYNCMAP_MINOR_VERSION	1

/**
 * syncmap_open() - open a map
 * @name: NULL for /dev/syncmap, the device's one map that every opener
 *	shares; a name for /dev/syncmaps/@name; a path (containing '/') for
 *	that node
 * @flags: O_RDWR, or O_RDONLY to load, range and read counters only
 *
 * The descriptor is close-on-exec; close() it when done.
 *
 * Return: the file descriptor, or a negative errno value.
 */
int syncmap_open(const char *name, int flags);

/**
 * syncmap_load() - the value of a key
 * @fd: the map
 * @key: the key's bytes
 * @key_len: their number (0 is a key too)
 * @value: where the value is copied
 * @value_len: in: @value's capacity; out: the value's length (with
 *	-ERANGE, the capacity it needs)
 *
 * Return: 1 if the key is present, 0 if not, or a negative errno value.
 */
int syncmap_load(int fd, const void *key, size_t key_len, void *value,
		 size_t *value_len);

/**
 * syncmap_load_alloc() - the value of a key, in memory the call allocates
 * @fd: the map
 * @key: the key's bytes
 * @key_len: their number
 * @value: out: the value, to be freed with free(); NULL if absent
 * @value_len: out: its length
 *
 * Return: 1 if the key is present, 0 if not, or a negative errno value.
 */
int syncmap_load_alloc(int fd, const void *key, size_t key_len, void **value,
		       size_t *value_len);

/**
 * syncmap_store() - set a key's value
 * @fd: the map
 * @key: the key's bytes
 * @key_len: their number
 * @value: the value's bytes
 * @value_len: their number
 *
 * Return: 0, or a negative errno value (-E2BIG past the map's limits,
 * -ENOSPC for a new key of a full map, -EDQUOT past the user's quotas).
 */
int syncmap_store(int fd, const void *key, size_t key_len, const void *value,
		  size_t value_len);

/**
 * syncmap_delete() - remove a key
 * @fd: the map
 * @key: the key's bytes
 * @key_len: their number
 *
 * Return: 1 if the key was present, 0 if not, or a negative errno value.
 */
int syncmap_delete(int fd, const void *key, size_t key_len);

/**
 * syncmap_load_or_store() - the existing value, or store one
 * @fd: the map
 * @key: the key's bytes
 * @key_len: their number
 * @value: the value to store if the key is absent
 * @value_len: its length
 * @old: where the existing value is copied
 * @old_len: in: @old's capacity; out: the existing value's length
 *
 * Return: 1 if the key was present (its value is in @old, nothing
 * stored), 0 if @value was stored, or a negative errno value (-ERANGE:
 * @old is too small, *@old_len is the capacity needed, nothing changed).
 */
int syncmap_load_or_store(int fd, const void *key, size_t key_len,
			  const void *value, size_t value_len, void *old,
			  size_t *old_len);

/**
 * syncmap_load_and_delete() - remove a key, returning its value
 * @fd: the map
 * @key: the key's bytes
 * @key_len: their number
 * @value: where the value is copied
 * @value_len: in: @value's capacity; out: the value's length
 *
 * Return: 1 if the key was present (and is removed), 0 if not, or a
 * negative errno value (with -ERANGE nothing is removed).
 */
int syncmap_load_and_delete(int fd, const void *key, size_t key_len,
			    void *value, size_t *value_len);

/**
 * syncmap_swap() - store a value, returning the previous one
 * @fd: the map
 * @key: the key's bytes
 * @key_len: their number
 * @value: the new value
 * @value_len: its length
 * @old: where the previous value is copied
 * @old_len: in: @old's capacity; out: the previous value's length
 *
 * Return: 1 if there was a previous value, 0 if not, or a negative errno
 * value (with -ERANGE nothing is stored).
 */
int syncmap_swap(int fd, const void *key, size_t key_len, const void *value,
		 size_t value_len, void *old, size_t *old_len);

/**
 * syncmap_compare_and_swap() - store a value if the current one is @old
 * @fd: the map
 * @key: the key's bytes
 * @key_len: their number
 * @old: the value expected
 * @old_len: its length
 * @value: the new value
 * @value_len: its length
 *
 * Return: 1 if the value was swapped, 0 if the key is absent or its value
 * differs, or a negative errno value.
 */
int syncmap_compare_and_swap(int fd, const void *key, size_t key_len,
			     const void *old, size_t old_len,
			     const void *value, size_t value_len);

/**
 * syncmap_compare_and_delete() - remove a key if its value is @old
 * @fd: the map
 * @key: the key's bytes
 * @key_len: their number
 * @old: the value expected
 * @old_len: its length
 *
 * Return: 1 if the key was removed, 0 if it is absent or its value
 * differs, or a negative errno value.
 */
int syncmap_compare_and_delete(int fd, const void *key, size_t key_len,
			       const void *old, size_t old_len);

/**
 * syncmap_clear() - remove every key
 * @fd: the map
 *
 * Return: 0, or a negative errno value.
 */
int syncmap_clear(int fd);

/**
 * syncmap_stats() - the map's number of keys, limits and counters
 * @fd: the map
 * @stats: filled in
 *
 * Return: 0, or a negative errno value.
 */
int syncmap_stats(int fd, struct syncmap_stats *stats);

/**
 * syncmap_len() - the number of keys in the map
 * @fd: the map
 *
 * Return: the number, or a negative errno value.
 */
int64_t syncmap_len(int fd);

/* An iteration over a map (syncmap_iter_new()). */
struct syncmap_iter;

/**
 * syncmap_iter_new() - start an iteration over a map
 * @fd: the map
 *
 * The iteration has Go's Range guarantee: no key twice, and a key present
 * and unchanged for the whole iteration exactly once, however the map
 * changes meanwhile. It holds no kernel memory between calls.
 *
 * Return: the iteration, or NULL with errno set (ENOMEM).
 */
struct syncmap_iter *syncmap_iter_new(int fd);

/**
 * syncmap_iter_next() - the next key and value of an iteration
 * @it: the iteration
 * @key: out: the key's bytes, valid until the next call on @it
 * @key_len: out: their number
 * @value: out: the value's bytes, likewise
 * @value_len: out: their number
 *
 * Return: 1 with a record, 0 at the end, or a negative errno value.
 */
int syncmap_iter_next(struct syncmap_iter *it, const void **key,
		      size_t *key_len, const void **value, size_t *value_len);

/**
 * syncmap_iter_free() - end an iteration
 * @it: the iteration, or NULL
 */
void syncmap_iter_free(struct syncmap_iter *it);

/**
 * syncmap_range() - call @fn for each key and value, as Go's Range
 * @fd: the map
 * @fn: called with each record and @arg; returns 0 to go on, anything
 *	else to stop
 * @arg: passed to @fn
 *
 * Return: 0 after the last record, what @fn returned if it stopped the
 * iteration, or a negative errno value.
 */
int syncmap_range(int fd,
		  int (*fn)(const void *key, size_t key_len,
			    const void *value, size_t value_len, void *arg),
		  void *arg);

/**
 * syncmap_kv_init() - fill a struct syncmap_kv for the batch calls
 * @kv: the element
 * @key: the key's bytes
 * @key_len: their number
 * @value: the value to store, or the buffer to load into
 * @value_len: its length, or the buffer's capacity
 */
void syncmap_kv_init(struct syncmap_kv *kv, const void *key, size_t key_len,
		     const void *value, size_t value_len);

/**
 * syncmap_load_batch() - load each key of an array
 * @fd: the map
 * @kvs: the elements (syncmap_kv_init()); each gets its value, value_len
 *	and flags (SYNCMAP_F_LOADED if the key is present; an absent key is
 *	not an error)
 * @count: in: the number of elements (any number: the call splits them
 *	into batches of SYNCMAP_BATCH_MAX); out: the number done
 *
 * Each element's flags are cleared first, so an array may be used again
 * as it is after an earlier call.
 *
 * Return: 0 if all were done, or the negative errno value of the first
 * element that failed, which did nothing; the *@count before it are done.
 */
int syncmap_load_batch(int fd, struct syncmap_kv *kvs, uint32_t *count);

/**
 * syncmap_store_batch() - store each key and value of an array
 * @fd: the map
 * @kvs: the elements
 * @count: in: their number; out: the number done
 *
 * Return: as syncmap_load_batch().
 */
int syncmap_store_batch(int fd, struct syncmap_kv *kvs, uint32_t *count);

/**
 * syncmap_delete_batch() - remove each key of an array
 * @fd: the map
 * @kvs: the elements (value and value_len unused); each gets flags
 *	SYNCMAP_F_LOADED if its key was present
 * @count: in: their number; out: the number done
 *
 * Return: as syncmap_load_batch().
 */
int syncmap_delete_batch(int fd, struct syncmap_kv *kvs, uint32_t *count);

/**
 * syncmap_create() - create a named map, /dev/syncmaps/@name
 * @name: 1 to SYNCMAP_NAME_LEN - 1 letters, digits, '_', '.' or '-',
 *	not starting with '.'
 * @max_entries: most keys; 0 for the device's default
 * @max_key_len: longest key in bytes; 0 for the default
 * @max_value_len: longest value in bytes; 0 for the default
 * @mode: the node's permission bits (a subset of 0666); 0 for 0600
 *
 * Return: 0, or a negative errno value (-EEXIST, -EPERM, -EDQUOT,
 * -ENOSPC, -EINVAL: see the uapi header).
 */
int syncmap_create(const char *name, uint32_t max_entries,
		   uint32_t max_key_len, uint32_t max_value_len, mode_t mode);

/**
 * syncmap_destroy() - remove a named map's name and node
 * @name: the map
 *
 * Descriptors open on the map keep working until closed.
 *
 * Return: 0, or a negative errno value (-ENOENT, -EPERM, -EINVAL).
 */
int syncmap_destroy(const char *name);

/**
 * syncmap_list() - the named maps
 * @infos: out: an array of them, to be freed with free()
 * @count: out: its number of elements
 *
 * Return: 0, or a negative errno value.
 */
int syncmap_list(struct syncmap_info **infos, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* LIBSYNCMAP_H */
