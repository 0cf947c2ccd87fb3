/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/syncmap: one concurrent key/value map shared by every opener, and
 * named maps, each a node /dev/syncmaps/NAME that takes the same commands.
 * /dev/syncmap-control creates, destroys and lists named maps.
 *
 * Keys and values are byte strings. Every command but CLEAR, STATS, RANGE
 * and the batch commands takes a struct syncmap_kv. Input flags must be 0; fields a
 * command does not use are ignored. A failed command changes nothing in
 * the map, and that includes failing to write its results back (EFAULT).
 *
 * Errors:
 *   ENOENT  LOAD, LOAD_AND_DELETE: the key is absent
 *   ERANGE  a buffer is too small; the needed length is written back to
 *           value_len / old_len (or buf_len for RANGE)
 *   E2BIG   key or value longer than the map's max_key_len / max_value_len
 *           (/dev/syncmap: the module parameters; a named map: its own)
 *   ENOSPC  a new key while the map holds max_entries keys
 *   EDQUOT  a named map of an unprivileged user's (see SYNCMAP_IOC_CREATE):
 *           a new key, or a value's bytes, past the user's quotas
 *   EINVAL  non-zero input flags or padding; a batch over SYNCMAP_BATCH_MAX;
 *           a RANGE cursor this map did not return
 *   EFAULT  a bad user pointer
 *   EBADF   a command that changes the map (all but LOAD, LOAD_BATCH,
 *           STATS and RANGE) on a file not opened for writing, or one of
 *           those on a file not opened for reading
 *   ENOTTY  an unknown command, or a known number with the wrong size or
 *           direction
 *   EINTR   a batch command stopped by a fatal signal
 *   ENOMEM  out of memory (allocations are charged to the caller's memcg)
 *
 * The control commands' own errors are listed at their structs.
 */
#ifndef _UAPI_LINUX_SYNCMAP_H
#define _UAPI_LINUX_SYNCMAP_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SYNCMAP_IOC_MAGIC	0xB9

/**
 * struct syncmap_kv - argument of the key/value commands
 * @key: user pointer to the key bytes
 * @value: user pointer: the value to store, or the buffer a value is
 *	loaded into
 * @old: user pointer: the expected value (COMPARE_AND_*), or the buffer
 *	for the previous/existing value (SWAP, LOAD_OR_STORE)
 * @key_len: length of the key (0 is a valid key)
 * @value_len: in: bytes to store, or the buffer's capacity; out: the
 *	length of the loaded value
 * @old_len: likewise for @old
 * @flags: in: must be 0; out: SYNCMAP_F_*
 */
struct syncmap_kv {
	__aligned_u64 key;
	__aligned_u64 value;
	__aligned_u64 old;
	__u32 key_len;
	__u32 value_len;
	__u32 old_len;
	__u32 flags;
};

/* A value was present (LOAD, LOAD_OR_STORE, LOAD_AND_DELETE, SWAP, DELETE). */
#define SYNCMAP_F_LOADED	(1U << 0)
/* COMPARE_AND_SWAP / COMPARE_AND_DELETE took effect. */
#define SYNCMAP_F_SWAPPED	(1U << 1)

/**
 * struct syncmap_stats - what SYNCMAP_IOC_STATS reports
 * @entries: live keys
 * @max_entries: the map's limit (/dev/syncmap: the module parameter)
 * @max_key_len: likewise
 * @max_value_len: likewise
 * @read_slots: entries (live or deleted) in the map's read table
 * @dirty_slots: entries in the dirty table, 0 if there is none
 * @misses: lookups that found their key only in the dirty table (one of
 *	an absent key counts a fraction of one), counted a batch at a time
 * @promotions: times the dirty table became the read table
 * @dirty_builds: dirty tables started (each built a step at a time)
 * @floods: tables in which a key landed so far from its home slot that
 *	keys must have been chosen to collide; each moves the map to a
 *	fresh hash secret, the second to hsiphash (this field was
 *	build_retries, always 0, before)
 * @revivals: deleted keys brought back into the read table by a store
 */
struct syncmap_stats {
	__u64 entries;
	__u64 max_entries;
	__u64 max_key_len;
	__u64 max_value_len;
	__u64 read_slots;
	__u64 dirty_slots;
	__u64 misses;
	__u64 promotions;
	__u64 dirty_builds;
	__u64 floods;
	__u64 revivals;
};

/**
 * struct syncmap_range - argument of SYNCMAP_IOC_RANGE
 * @cursor: in: 0 to start, else the cursor the previous call returned;
 *	out: the cursor for the next call
 * @buf: user pointer: records are written here
 * @buf_len: in: capacity in bytes; out: bytes written (or, with ERANGE,
 *	the size the next record needs)
 * @count: out: records written
 * @flags: in: 0; out: SYNCMAP_RANGE_DONE once the iteration is complete
 * @pad: must be 0
 *
 * Calls chained through @cursor form one iteration with Go's Range
 * guarantee: no key twice; a key present and unchanged for the whole
 * iteration is returned exactly once. The cursor costs the kernel no
 * memory between calls and is opaque: a position in the map's hash order
 * enciphered under a secret key of the map's (a keyed permutation of
 * 64-bit values), so it reveals nothing about the map's hash key. It
 * stays valid if the map changes its hash (a flood moves it to a new
 * secret): the iteration goes on in the order it began in. A cursor this
 * map did not return (another map's, or made up) fails with EINVAL, but
 * for a chance below 2^-30.
 */
struct syncmap_range {
	__aligned_u64 cursor;
	__aligned_u64 buf;
	__u32 buf_len;
	__u32 count;
	__u32 flags;
	__u32 pad;
};

#define SYNCMAP_RANGE_DONE	(1U << 0)

/*
 * A RANGE record: this header, the key bytes, the value bytes, then zero
 * padding to the next multiple of 8 bytes.
 */
struct syncmap_rec {
	__u32 key_len;
	__u32 value_len;
};

/*
 * Directions say what the kernel copies: STORE only reads its argument, the
 * other key/value commands write results (flags, lengths) back into it.
 */
#define SYNCMAP_IOC_STORE		_IOW(SYNCMAP_IOC_MAGIC, 1, struct syncmap_kv)
#define SYNCMAP_IOC_LOAD		_IOWR(SYNCMAP_IOC_MAGIC, 2, struct syncmap_kv)
#define SYNCMAP_IOC_DELETE		_IOWR(SYNCMAP_IOC_MAGIC, 3, struct syncmap_kv)
#define SYNCMAP_IOC_LOAD_OR_STORE	_IOWR(SYNCMAP_IOC_MAGIC, 4, struct syncmap_kv)
#define SYNCMAP_IOC_LOAD_AND_DELETE	_IOWR(SYNCMAP_IOC_MAGIC, 5, struct syncmap_kv)
#define SYNCMAP_IOC_SWAP		_IOWR(SYNCMAP_IOC_MAGIC, 6, struct syncmap_kv)
#define SYNCMAP_IOC_COMPARE_AND_SWAP	_IOWR(SYNCMAP_IOC_MAGIC, 7, struct syncmap_kv)
#define SYNCMAP_IOC_COMPARE_AND_DELETE	_IOWR(SYNCMAP_IOC_MAGIC, 8, struct syncmap_kv)
#define SYNCMAP_IOC_CLEAR		_IO(SYNCMAP_IOC_MAGIC, 9)
#define SYNCMAP_IOC_STATS		_IOR(SYNCMAP_IOC_MAGIC, 10, struct syncmap_stats)
#define SYNCMAP_IOC_RANGE		_IOWR(SYNCMAP_IOC_MAGIC, 11, struct syncmap_range)

/**
 * struct syncmap_batch - argument of the batch commands
 * @kvs: user pointer to an array of struct syncmap_kv, one per key
 * @count: in: elements in the array, at most SYNCMAP_BATCH_MAX (EINVAL
 *	otherwise, with nothing done); out: elements processed
 * @flags: must be 0
 *
 * LOAD_BATCH, STORE_BATCH and DELETE_BATCH run LOAD, STORE and DELETE on
 * each element in turn, exactly as the single commands do (results are
 * written back into the element), except that LOAD_BATCH reports an
 * absent key in the element (flags 0, value_len 0) and goes on. The
 * first element that fails stops the batch: the call returns its error,
 * with @count the number of elements before it. Those elements are done
 * and stay done; the failed one did nothing, as its single command would
 * not have; later ones are untouched. A fatal signal stops a batch
 * between elements with EINTR.
 */
struct syncmap_batch {
	__aligned_u64 kvs;
	__u32 count;
	__u32 flags;
};

#define SYNCMAP_BATCH_MAX	4096

#define SYNCMAP_IOC_LOAD_BATCH		_IOWR(SYNCMAP_IOC_MAGIC, 15, struct syncmap_batch)
#define SYNCMAP_IOC_STORE_BATCH		_IOWR(SYNCMAP_IOC_MAGIC, 16, struct syncmap_batch)
#define SYNCMAP_IOC_DELETE_BATCH	_IOWR(SYNCMAP_IOC_MAGIC, 17, struct syncmap_batch)

/* ---- named maps: the commands of /dev/syncmap-control ------------------ */

/*
 * A map's name: 1 to SYNCMAP_NAME_LEN - 1 characters of [A-Za-z0-9_.-],
 * not starting with '.', NUL-terminated, the bytes after the NUL zero.
 */
#define SYNCMAP_NAME_LEN	32

/**
 * struct syncmap_create - argument of SYNCMAP_IOC_CREATE
 * @name: the new map's name; its node is /dev/syncmaps/@name
 * @max_entries: most keys the map holds; 0: the max_entries module
 *	parameter
 * @max_key_len: longest key in bytes (at most 65536); 0: the module
 *	parameter
 * @max_value_len: longest value in bytes (at most 16 MiB); 0: the module
 *	parameter
 * @mode: permission bits of the node (a subset of 0666); 0: 0600. The
 *	node belongs to the creator's fsuid and fsgid; chmod and chown work
 *	on it as on any device node
 * @flags: must be 0
 * @pad: must be 0
 *
 * Errors: EPERM without CAP_SYS_ADMIN, unless the module parameter
 * unprivileged_maps is on; EEXIST if the name is taken; EINVAL for a bad
 * name, mode, limit, flag or padding; ENOSPC when SYNCMAP_MAX_MAPS maps
 * exist; EDQUOT past the user's quota of maps.
 *
 * A map created without CAP_SYS_ADMIN counts against its creator's
 * quotas (module parameters user_max_maps, user_max_entries and
 * user_max_bytes): the number of maps, the keys in all of them, and
 * their key and value bytes; a command past them fails with EDQUOT. A
 * value's bytes count from the command that brings it until a grace
 * period after it leaves the map.
 */
struct syncmap_create {
	char name[SYNCMAP_NAME_LEN];
	__u32 max_entries;
	__u32 max_key_len;
	__u32 max_value_len;
	__u32 mode;
	__u32 flags;
	__u32 pad;
};

#define SYNCMAP_MAX_MAPS	1024

/**
 * struct syncmap_name - argument of SYNCMAP_IOC_DESTROY
 * @name: the map's name
 * @flags: must be 0
 * @pad: must be 0
 *
 * DESTROY removes the name and the node at once (the name may be created
 * again); files open on the map keep working on it until the last one
 * closes, and then its keys are freed, as an unlinked file's data are.
 * Errors: ENOENT no such map; EPERM unless the caller created it or has
 * CAP_SYS_ADMIN; EINVAL a bad name, flag or padding.
 */
struct syncmap_name {
	char name[SYNCMAP_NAME_LEN];
	__u32 flags;
	__u32 pad;
};

/**
 * struct syncmap_info - one map, as SYNCMAP_IOC_LIST reports it
 * @name: its name
 * @entries: live keys
 * @max_entries: its limits
 * @max_key_len: likewise
 * @max_value_len: likewise
 * @uid: the creator's fsuid (in the caller's user namespace)
 * @gid: the creator's fsgid
 * @mode: the mode it was created with (a later chmod is the node's own)
 * @pad: 0
 */
struct syncmap_info {
	char name[SYNCMAP_NAME_LEN];
	__u64 entries;
	__u64 max_entries;
	__u32 max_key_len;
	__u32 max_value_len;
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 pad;
};

/**
 * struct syncmap_list - argument of SYNCMAP_IOC_LIST
 * @buf: user pointer to an array of struct syncmap_info
 * @count: in: the array's capacity in records; out: records written, or
 *	with ERANGE the number of maps there are
 * @flags: must be 0
 *
 * Lists every named map, in no particular order.
 */
struct syncmap_list {
	__aligned_u64 buf;
	__u32 count;
	__u32 flags;
};

#define SYNCMAP_IOC_CREATE		_IOW(SYNCMAP_IOC_MAGIC, 12, struct syncmap_create)
#define SYNCMAP_IOC_DESTROY		_IOW(SYNCMAP_IOC_MAGIC, 13, struct syncmap_name)
#define SYNCMAP_IOC_LIST		_IOWR(SYNCMAP_IOC_MAGIC, 14, struct syncmap_list)

#endif /* _UAPI_LINUX_SYNCMAP_H */
