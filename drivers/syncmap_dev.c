// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/syncmap - syncmaps shared by every opener, driven by ioctls
 *
 * /dev/syncmap serves one map with the module parameters' limits; named
 * maps, each with its own limits, owner and mode, are created, destroyed
 * and listed through /dev/syncmap-control and served as
 * /dev/syncmaps/NAME, with the same commands. A client of syncmap.h like
 * any other module: the map's logic is all in the core. Values are
 * immutable, reference-counted byte strings: a command takes a reference
 * under RCU and copies to user space outside it, and the map's release
 * callback drops the map's reference.
 *
 * Nothing is changed unless the whole command succeeds. A command that
 * changes the map first writes its results back to user space, then
 * commits with one compare-and-swap (or compare-and-delete, or
 * load-or-store) against the value it read; if the map moved meanwhile it
 * starts over. So an EFAULT or ERANGE always leaves the map as it was.
 *
 * max_entries is exact under concurrency: a command that may add a key
 * reserves a slot in the map's entries first and gives it back if the key
 * turned out to exist. CLEAR takes the map's clear_sem for writing so that
 * no command is half way through its reservation.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <linux/syncmap.h>	/* the uapi header */
#include "../syncmap.h"
#include "syncmap_dev.h"

static unsigned int max_entries = 1U << 20;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries, "most keys the map holds (default 1048576)");

static unsigned int max_key_len = 4096;
module_param(max_key_len, uint, 0444);
MODULE_PARM_DESC(max_key_len, "longest key in bytes (default 4096)");

static unsigned int max_value_len = 65536;
module_param(max_value_len, uint, 0444);
MODULE_PARM_DESC(max_value_len, "longest value in bytes (default 65536)");

/*
 * Maps of users without CAP_SYS_ADMIN: off unless the administrator turns
 * them on; then each user's maps together hold at most these (EDQUOT past
 * them), as the kernel's key quotas bound each user's keys.
 */
static bool unprivileged_maps;
module_param(unprivileged_maps, bool, 0644);
MODULE_PARM_DESC(unprivileged_maps,
		 "users without CAP_SYS_ADMIN may create named maps (default off)");

static unsigned int user_max_maps = 16;
module_param(user_max_maps, uint, 0644);
MODULE_PARM_DESC(user_max_maps, "named maps per unprivileged user (default 16)");

static unsigned long user_max_entries = 65536;
module_param(user_max_entries, ulong, 0644);
MODULE_PARM_DESC(user_max_entries,
		 "keys in all of an unprivileged user's maps (default 65536)");

static unsigned long user_max_bytes = 16 << 20;
module_param(user_max_bytes, ulong, 0644);
MODULE_PARM_DESC(user_max_bytes,
		 "key and value bytes in all of an unprivileged user's maps (default 16 MiB)");

/* RANGE fills a kernel buffer of at most this, or one record if larger. */
#define SMDEV_RANGE_CHUNK	(64 * 1024)

/*
 * Every allocation here is sized and triggered by user space: charged to
 * the caller's memcg; at the memcg's limit (or when memory is short) the
 * caller gets ENOMEM rather than an OOM kill (__GFP_RETRY_MAYFAIL), and
 * the failure is not logged.
 */
#define SMDEV_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/**
 * struct smdev_user - what an unprivileged user's maps hold, for quotas
 * @uid: the user
 * @maps: named maps the user created (not yet freed); the record goes
 *	with the last, under smdev_users_lock
 * @entries: keys held or reserved in them
 * @bytes: their key bytes, and the bytes of the values they hold (or that
 *	commands on them are about to store)
 */
struct smdev_user {
	kuid_t uid;
	unsigned int maps;
	atomic_long_t entries;
	atomic_long_t bytes;
};

/* smdev_user by uid; nests inside smdev_lock */
static DEFINE_MUTEX(smdev_users_lock);
static DEFINE_XARRAY(smdev_users);

/* Add @n to @v unless that takes it past @limit. */
static bool charge(atomic_long_t *v, long n, unsigned long limit)
{
	long old = atomic_long_read(v);

	do {
		if (old + n > limit)
			return false;
	} while (!atomic_long_try_cmpxchg(v, &old, old + n));
	return true;
}

/* Charge @u (NULL: a privileged map, not charged) one key of @bytes. */
static int user_charge(struct smdev_user *u, long keys, long bytes)
{
	if (!u)
		return 0;
	if (!charge(&u->entries, keys, READ_ONCE(user_max_entries)))
		return -EDQUOT;
	if (!charge(&u->bytes, bytes, READ_ONCE(user_max_bytes))) {
		atomic_long_sub(keys, &u->entries);
		return -EDQUOT;
	}
	return 0;
}

static void user_uncharge(struct smdev_user *u, long keys, long bytes)
{
	if (u) {
		atomic_long_sub(keys, &u->entries);
		atomic_long_sub(bytes, &u->bytes);
	}
}

static struct smdev_user *user_alloc(kuid_t uid)
{
	struct smdev_user *u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);

	if (u)
		u->uid = uid;
	return u;
}

/*
 * @uid's record, with one more map charged to it; NULL with -EDQUOT at
 * user_max_maps, or -ENOMEM.
 */
static struct smdev_user *user_get_map(kuid_t uid, int *err)
{
	struct smdev_user *u;

	mutex_lock(&smdev_users_lock);
	u = xa_load(&smdev_users, __kuid_val(uid));
	if ((u ? u->maps : 0) >= READ_ONCE(user_max_maps)) {
		u = NULL;
		*err = -EDQUOT;
	} else if (!u) {
		*err = -ENOMEM;
		u = user_alloc(uid);
		if (u && xa_err(xa_store(&smdev_users, __kuid_val(uid), u,
					 GFP_KERNEL_ACCOUNT))) {
			kfree(u);
			u = NULL;
		}
	}
	if (u)
		u->maps++;
	mutex_unlock(&smdev_users_lock);
	return u;
}

/* A map of @u's is gone: uncharge it; the last one frees @u. */
static void user_put_map(struct smdev_user *u)
{
	mutex_lock(&smdev_users_lock);
	if (!--u->maps) {
		WARN_ON_ONCE(atomic_long_read(&u->entries) ||
			     atomic_long_read(&u->bytes));
		xa_erase(&smdev_users, __kuid_val(u->uid));
		kfree(u);
	}
	mutex_unlock(&smdev_users_lock);
}

/**
 * struct syncmap_named - a map served to user space: /dev/syncmap's, or a
 * named one
 * @map: the keys
 * @entries: keys held or reserved (see reserve_entry())
 * @clear_sem: CLEAR takes it for writing, commands that may add a key
 *	for reading
 * @cursor_key: enciphers RANGE cursors (cursor_seal())
 * @max_entries: the map's limits
 * @max_key_len: likewise
 * @max_value_len: likewise
 * @name: a named map's name, "" for /dev/syncmap's
 * @mode: a named map's mode at creation
 * @uid: its creator's fsuid
 * @gid: its creator's fsgid
 * @key_bytes: bytes of the keys counted in @entries
 * @user: the unprivileged user whose quotas the map counts against, or
 *	NULL
 * @dev: a named map's device: its node, its sysfs directory and its
 *	lifetime (the reference count); unused for /dev/syncmap's
 */
struct syncmap_named {
	struct syncmap *map;
	atomic_long_t entries;
	struct rw_semaphore clear_sem;
	hsiphash_key_t cursor_key;
	u32 max_entries;
	u32 max_key_len;
	u32 max_value_len;
	char name[SYNCMAP_NAME_LEN];
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	atomic_long_t key_bytes;
	struct smdev_user *user;
	struct device dev;
};

/* /dev/syncmap's map, with the module parameters' limits. */
static struct syncmap_named smdev_default;

/*
 * A value's bytes count against @user's quota from its allocation to its
 * free, whether it is in the map yet, still, or no longer.
 */
struct smdev_value {
	refcount_t ref;
	u32 len;
	struct smdev_user *user;
	u8 data[];
};

static void value_put(struct smdev_value *v)
{
	if (v && refcount_dec_and_test(&v->ref)) {
		user_uncharge(v->user, 0, v->len);
		kvfree(v);
	}
}

/* The map's release callback: it runs a grace period after removal. */
static void value_release(void *value)
{
	value_put(value);
}

static struct smdev_value *value_alloc(struct syncmap_named *m, u32 len)
{
	struct smdev_value *v;
	int err;

	err = user_charge(m->user, 0, len);
	if (err)
		return ERR_PTR(err);
	v = kvmalloc(struct_size(v, data, len), SMDEV_GFP);
	if (!v) {
		user_uncharge(m->user, 0, len);
		return ERR_PTR(-ENOMEM);
	}
	refcount_set(&v->ref, 1);
	v->len = len;
	v->user = m->user;
	return v;
}

static struct smdev_value *value_from_user(struct syncmap_named *m, u64 uptr,
					   u32 len)
{
	struct smdev_value *v = value_alloc(m, len);

	if (!IS_ERR(v) && copy_from_user(v->data, u64_to_user_ptr(uptr), len)) {
		value_put(v);
		return ERR_PTR(-EFAULT);
	}
	return v;
}

/*
 * The current value with a reference of ours, or NULL. The map drops its
 * reference only a grace period after removing the value, so the count
 * cannot be zero while we are in the read-side section.
 */
static struct smdev_value *value_get(struct syncmap_named *m, const void *key,
				     u32 key_len)
{
	struct smdev_value *v;

	rcu_read_lock();
	v = syncmap_load(m->map, key, key_len);
	if (v)
		refcount_inc(&v->ref);
	rcu_read_unlock();
	return v;
}

static bool value_equal(const struct smdev_value *a,
			const struct smdev_value *b)
{
	return a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/*
 * Copy @v to a user buffer of @cap bytes; *@len becomes its length. @cap is
 * always what user space passed, never a length an earlier attempt of the
 * same command wrote back.
 */
static int value_to_user(const struct smdev_value *v, u64 uptr, u32 cap,
			 u32 *len)
{
	*len = v->len;
	if (v->len > cap)
		return -ERANGE;
	if (copy_to_user(u64_to_user_ptr(uptr), v->data, v->len))
		return -EFAULT;
	return 0;
}

/*
 * One key/value command being served. @kv is what goes back to user space;
 * its value_len and old_len are overwritten with loaded lengths, so a
 * command that retries takes the buffers' capacities from @value_cap and
 * @old_cap.
 */
struct smdev_req {
	struct syncmap_named *m;
	struct syncmap_kv __user *uarg;
	struct syncmap_kv kv;
	u32 value_cap;
	u32 old_cap;
	void *key;
	struct smdev_value *value;	/* VALUE: the value to store */
	struct smdev_value *old;	/* OLD: the bytes to compare with */
};

#define NEED_VALUE	BIT(0)
#define NEED_OLD	BIT(1)

static void req_free(struct smdev_req *r)
{
	kfree(r->key);
	value_put(r->value);
	value_put(r->old);
}

/* Read and check the argument; copy in what the command needs. */
static int req_get(struct smdev_req *r, struct syncmap_named *m,
		   void __user *argp, unsigned int need)
{
	memset(r, 0, sizeof(*r));
	r->m = m;
	r->uarg = argp;
	if (copy_from_user(&r->kv, argp, sizeof(r->kv)))
		return -EFAULT;
	r->value_cap = r->kv.value_len;
	r->old_cap = r->kv.old_len;
	if (r->kv.flags)
		return -EINVAL;
	if (r->kv.key_len > m->max_key_len)
		return -E2BIG;
	if ((need & NEED_VALUE) && r->kv.value_len > m->max_value_len)
		return -E2BIG;
	if ((need & NEED_OLD) && r->kv.old_len > m->max_value_len)
		return -E2BIG;

	r->key = kmalloc(max(r->kv.key_len, 1U), SMDEV_GFP);
	if (!r->key)
		return -ENOMEM;
	if (copy_from_user(r->key, u64_to_user_ptr(r->kv.key), r->kv.key_len))
		return -EFAULT;
	if (need & NEED_VALUE) {
		r->value = value_from_user(m, r->kv.value, r->kv.value_len);
		if (IS_ERR(r->value))
			return PTR_ERR(xchg(&r->value, NULL));
	}
	if (need & NEED_OLD) {
		r->old = value_from_user(m, r->kv.old, r->kv.old_len);
		if (IS_ERR(r->old))
			return PTR_ERR(xchg(&r->old, NULL));
	}
	return 0;
}

static int req_put_kv(struct smdev_req *r)
{
	if (!r->uarg)
		return 0;	/* a kernel caller's: nothing to write back */
	return copy_to_user(r->uarg, &r->kv, sizeof(r->kv)) ? -EFAULT : 0;
}

/*
 * Hold a slot for a key that may be new: -ENOSPC at max_entries, -EDQUOT
 * past the owner's quotas.
 */
static int reserve_entry(struct syncmap_named *m, u32 key_len)
{
	int err;

	if (!atomic_long_add_unless(&m->entries, 1, m->max_entries))
		return -ENOSPC;
	err = user_charge(m->user, 1, key_len);
	if (err) {
		atomic_long_dec(&m->entries);
		return err;
	}
	atomic_long_add(key_len, &m->key_bytes);
	return 0;
}

static void unreserve_entry(struct syncmap_named *m, u32 key_len)
{
	atomic_long_sub(key_len, &m->key_bytes);
	atomic_long_dec(&m->entries);
	user_uncharge(m->user, 1, key_len);
}

/*
 * Store r->value if the key is absent, with a reserved slot.
 * Return: 1 stored (the map owns r->value), 0 the key exists (retry with
 * compare-and-swap), or an error.
 */
static int store_new(struct smdev_req *r)
{
	bool loaded;
	void *ret;
	int err;

	err = reserve_entry(r->m, r->kv.key_len);
	if (err)
		return err;
	ret = syncmap_load_or_store(r->m->map, r->key, r->kv.key_len, r->value,
				    &loaded, SMDEV_GFP);
	if (IS_ERR(ret) || loaded) {
		unreserve_entry(r->m, r->kv.key_len);
		return IS_ERR(ret) ? PTR_ERR(ret) : 0;
	}
	r->value = NULL;
	return 1;
}

/*
 * Replace @cur by r->value. Return: 1 swapped (the map owns r->value and
 * releases @cur), 0 the value moved (retry), or an error.
 */
static int replace_if_same(struct smdev_req *r, struct smdev_value *cur)
{
	int ret = syncmap_compare_and_swap_gfp(r->m->map, r->key,
					       r->kv.key_len, cur, r->value,
					       SMDEV_GFP);

	if (ret > 0)
		r->value = NULL;
	return ret;
}

/* Delete @cur if it is still the key's value: 1 deleted, 0 it moved. */
static int remove_if_same(struct smdev_req *r, struct smdev_value *cur)
{
	if (!syncmap_compare_and_delete(r->m->map, r->key, r->kv.key_len, cur))
		return 0;
	unreserve_entry(r->m, r->kv.key_len);
	return 1;
}

/* ---- the key/value commands ------------------------------------------- */

/*
 * One attempt of a key/value command against @cur, the key's value when
 * it looked (NULL: absent). Return: 1 done, 0 the value moved under the
 * attempt (run it again), or an error. An attempt writes its results
 * back before it commits, so a result that cannot be written changes
 * nothing.
 */
typedef int (*kv_step_fn)(struct smdev_req *r, struct smdev_value *cur);

/* Run @step until an attempt finds the value it looked at still there. */
static int kv_run(struct smdev_req *r, kv_step_fn step)
{
	struct smdev_value *cur;
	int ret;

	do {
		cur = value_get(r->m, r->key, r->kv.key_len);
		ret = step(r, cur);
		value_put(cur);
	} while (!ret);
	return ret < 0 ? ret : 0;
}

static int store_step(struct smdev_req *r, struct smdev_value *cur)
{
	return cur ? replace_if_same(r, cur) : store_new(r);
}

static int load_step(struct smdev_req *r, struct smdev_value *cur)
{
	int err;

	if (!cur)
		return -ENOENT;
	err = value_to_user(cur, r->kv.value, r->value_cap, &r->kv.value_len);
	if (err == -EFAULT)
		return err;
	r->kv.flags = err ? 0 : SYNCMAP_F_LOADED;
	return req_put_kv(r) ?: err ?: 1;
}

static int delete_step(struct smdev_req *r, struct smdev_value *cur)
{
	r->kv.flags = cur ? SYNCMAP_F_LOADED : 0;
	return req_put_kv(r) ?: (cur ? remove_if_same(r, cur) : 1);
}

static int load_and_delete_step(struct smdev_req *r, struct smdev_value *cur)
{
	int ret = load_step(r, cur);

	return ret == 1 ? remove_if_same(r, cur) : ret;
}

/*
 * LOAD_OR_STORE (@replace false) and SWAP: the current value, if any, is
 * copied to r->kv.old; SWAP then replaces it. If the key is absent, both
 * store r->value.
 */
static int load_or_swap_step(struct smdev_req *r, struct smdev_value *cur,
			     bool replace)
{
	int err;

	if (!cur) {
		r->kv.flags = 0;
		r->kv.old_len = 0;
		return req_put_kv(r) ?: store_new(r);
	}
	err = value_to_user(cur, r->kv.old, r->old_cap, &r->kv.old_len);
	if (err == -EFAULT)
		return err;
	r->kv.flags = err ? 0 : SYNCMAP_F_LOADED;
	return req_put_kv(r) ?: err ?: (replace ? replace_if_same(r, cur) : 1);
}

static int load_or_store_step(struct smdev_req *r, struct smdev_value *cur)
{
	return load_or_swap_step(r, cur, false);
}

static int swap_step(struct smdev_req *r, struct smdev_value *cur)
{
	return load_or_swap_step(r, cur, true);
}

/* COMPARE_AND_SWAP (@delete false) and COMPARE_AND_DELETE. */
static int compare_and_step(struct smdev_req *r, struct smdev_value *cur,
			    bool delete)
{
	bool match = cur && value_equal(cur, r->old);
	int err;

	r->kv.flags = match ? SYNCMAP_F_SWAPPED : 0;
	err = req_put_kv(r);
	if (err || !match)
		return err ?: 1;
	return delete ? remove_if_same(r, cur) : replace_if_same(r, cur);
}

static int compare_and_swap_step(struct smdev_req *r, struct smdev_value *cur)
{
	return compare_and_step(r, cur, false);
}

static int compare_and_delete_step(struct smdev_req *r,
				   struct smdev_value *cur)
{
	return compare_and_step(r, cur, true);
}

/* The kernel callers' commands (syncmap_dev.h). */
static int smdev_store(struct smdev_req *r)
{
	return kv_run(r, store_step);
}

static int smdev_delete(struct smdev_req *r)
{
	return kv_run(r, delete_step);
}

/* ---- the map's commands, and the table that dispatches them ------------ */

struct smdev_cmd;
static const struct smdev_cmd *smdev_cmd_of(unsigned int cmd);

/**
 * struct smdev_cmd - a command of a map's node
 * @cmd: its ioctl number, exactly (size and direction included)
 * @mode: the access it needs from the file: FMODE_READ for the commands
 *	that change nothing (LOAD, LOAD_BATCH, STATS, RANGE), FMODE_WRITE
 *	for the rest. A file opened without it gets EBADF, as write() on a
 *	read-only file does, so a node's read permission grants exactly the
 *	commands that change nothing.
 * @run: its handler
 * @need: a key/value command's buffers to copy in (NEED_VALUE, NEED_OLD)
 * @step: a key/value command's attempt (kv_run())
 * @elem: a batch's element command
 */
struct smdev_cmd {
	unsigned int cmd;
	fmode_t mode;
	long (*run)(struct syncmap_named *m, const struct smdev_cmd *c,
		    void __user *argp);
	unsigned int need;
	kv_step_fn step;
	unsigned int elem;
};

/*
 * A key/value command. Writers hold clear_sem for reading, so that a
 * CLEAR's count of the keys it gives back is not raced by a new key.
 */
static long smdev_kv(struct syncmap_named *m, const struct smdev_cmd *c,
		     void __user *argp)
{
	struct smdev_req r;
	long ret;

	ret = req_get(&r, m, argp, c->need);
	if (!ret && c->mode == FMODE_READ) {
		ret = kv_run(&r, c->step);
	} else if (!ret) {
		down_read(&m->clear_sem);
		ret = kv_run(&r, c->step);
		up_read(&m->clear_sem);
	}
	req_free(&r);
	return ret;
}

static long smdev_clear(struct syncmap_named *m, const struct smdev_cmd *c,
			void __user *argp)
{
	down_write(&m->clear_sem);
	syncmap_clear(m->map);
	user_uncharge(m->user, atomic_long_xchg(&m->entries, 0),
		      atomic_long_xchg(&m->key_bytes, 0));
	up_write(&m->clear_sem);
	return 0;
}

static long smdev_stats(struct syncmap_named *m, const struct smdev_cmd *c,
			void __user *argp)
{
	struct syncmap_counters n;
	struct syncmap_stats st = {};

	syncmap_get_counters(m->map, &n);
	st.entries = n.entries;
	st.max_entries = m->max_entries;
	st.max_key_len = m->max_key_len;
	st.max_value_len = m->max_value_len;
	st.read_slots = n.read_slots;
	st.dirty_slots = n.dirty_slots;
	st.misses = n.misses;
	st.promotions = n.promotions;
	st.dirty_builds = n.dirty_builds;
	st.floods = n.floods;
	st.revivals = n.revivals;
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

/*
 * RANGE's cursor is a position in the map's hash order (of one hash
 * epoch: see syncmap_range_from()), and a keyed hash's outputs must never
 * leave the kernel (Documentation/security/siphash.rst; for the fast hash,
 * they would help find its secret):
 * user space gets the position through a four-round Feistel network, a
 * permutation of 64-bit values keyed by a secret of the map's, and
 * nothing else. It still costs no memory between calls: the next call
 * opens the cursor back into the position. 0 stays "start" both ways.
 * A cursor this map did not issue opens to a random value, which is not
 * a position (syncmap_range_pos_valid()) but with a probability below
 * 2^-30: RANGE refuses it.
 */
#define CURSOR_ROUNDS	4

static u64 cursor_feistel(const struct syncmap_named *m, u64 v, bool open)
{
	u32 l = v >> 32, r = v, t;
	int i;

	for (i = 0; i < CURSOR_ROUNDS; i++) {
		int round = open ? CURSOR_ROUNDS - 1 - i : i;

		if (open) {
			t = l;
			l = r ^ hsiphash_2u32(l, round, &m->cursor_key);
			r = t;
		} else {
			t = r;
			r = l ^ hsiphash_2u32(r, round, &m->cursor_key);
			l = t;
		}
	}
	return (u64)l << 32 | r;
}

/*
 * The position user space sees. 0 is kept for "start" (a resumed
 * position is never 0: a call that took nothing returns ERANGE, not a
 * cursor), so the one position that the network takes to 0 is given the
 * image of 0 instead, which no other position has: a bijection still.
 */
static u64 cursor_seal(const struct syncmap_named *m, u64 pos)
{
	u64 c;

	if (!pos)
		return 0;
	c = cursor_feistel(m, pos, false);
	return c ? c : cursor_feistel(m, 0, false);
}

static u64 cursor_open(const struct syncmap_named *m, u64 cursor)
{
	if (!cursor)
		return 0;
	if (cursor == cursor_feistel(m, 0, false))
		return cursor_feistel(m, 0, true);
	return cursor_feistel(m, cursor, true);
}

/* RANGE: records gathered under RCU into a kernel chunk, then copied. */
struct range_fill {
	u8 *buf;
	u32 cap;
	u32 used;
	u32 count;
	u32 need;		/* size of the record that did not fit */
	u64 group_hash;		/* hash of the records since group_used */
	u32 group_used;
	u32 group_count;
};

static u32 rec_size(size_t key_len, u32 value_len)
{
	return ALIGN(sizeof(struct syncmap_rec) + key_len + value_len, 8);
}

static bool range_fill_rec(const void *key, size_t key_len, void *value,
			   u64 hash, void *arg)
{
	struct range_fill *f = arg;
	struct smdev_value *v = value;
	struct syncmap_rec rec = { .key_len = key_len, .value_len = v->len };
	u32 size = rec_size(key_len, v->len);
	u8 *p = f->buf + f->used;

	if (size > f->cap - f->used) {
		f->need = size;
		return false;
	}
	if (!f->count || hash != f->group_hash) {
		f->group_hash = hash;
		f->group_used = f->used;
		f->group_count = f->count;
	}
	memcpy(p, &rec, sizeof(rec));
	memcpy(p + sizeof(rec), key, key_len);
	memcpy(p + sizeof(rec) + key_len, v->data, v->len);
	memset(p + sizeof(rec) + key_len + v->len, 0,
	       size - sizeof(rec) - key_len - v->len);
	f->used += size;
	f->count++;
	return true;
}

static long smdev_range(struct syncmap_named *m, const struct smdev_cmd *c,
			void __user *argp)
{
	struct range_fill f = {};
	struct syncmap_range rq;
	u32 max_rec, chunk;
	u64 pos;
	bool done;
	long ret;

	if (copy_from_user(&rq, argp, sizeof(rq)))
		return -EFAULT;
	if (rq.flags || rq.pad)
		return -EINVAL;
	/* Another map's cursor, or a made-up one, opens to noise. */
	pos = cursor_open(m, rq.cursor);
	if (!syncmap_range_pos_valid(pos))
		return -EINVAL;

	max_rec = rec_size(m->max_key_len, m->max_value_len);
	chunk = min(rq.buf_len, max_t(u32, SMDEV_RANGE_CHUNK, max_rec));
	f.buf = kvmalloc(max(chunk, 1U), SMDEV_GFP);
	if (!f.buf)
		return -ENOMEM;
	f.cap = chunk;

	done = syncmap_range_from(m->map, &pos, range_fill_rec, &f);
	if (!done && f.count && pos == f.group_hash) {
		/* Keys sharing the refused one's hash come again next time. */
		f.need += f.used - f.group_used;
		f.used = f.group_used;
		f.count = f.group_count;
	}
	ret = -ERANGE;
	if (!done && !f.count) {
		rq.buf_len = f.need;	/* the record, or hash group, needs it */
		goto out;
	}
	ret = -EFAULT;
	if (copy_to_user(u64_to_user_ptr(rq.buf), f.buf, f.used))
		goto out;
	rq.cursor = done ? 0 : cursor_seal(m, pos);
	rq.buf_len = f.used;
	rq.count = f.count;
	rq.flags = done ? SYNCMAP_RANGE_DONE : 0;
	ret = 0;
out:
	kvfree(f.buf);
	if (copy_to_user(argp, &rq, sizeof(rq)))
		return -EFAULT;
	return ret;
}

/*
 * The batch commands: c->elem (LOAD, STORE or DELETE) on each element, in
 * order, until one fails. An absent key is no failure for a batch LOAD:
 * its element says so (flags and value_len 0).
 */
static long smdev_batch(struct syncmap_named *m, const struct smdev_cmd *c,
			void __user *argp)
{
	const struct smdev_cmd *elem = smdev_cmd_of(c->elem);
	struct syncmap_batch rq;
	struct syncmap_kv __user *kvs;
	long ret = 0;
	u32 i;

	if (copy_from_user(&rq, argp, sizeof(rq)))
		return -EFAULT;
	if (rq.flags || rq.count > SYNCMAP_BATCH_MAX)
		return -EINVAL;
	kvs = u64_to_user_ptr(rq.kvs);
	for (i = 0; i < rq.count; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = smdev_kv(m, elem, &kvs[i]);
		if (ret == -ENOENT && c->elem == SYNCMAP_IOC_LOAD)
			ret = put_user(0, &kvs[i].flags) ?:
			      put_user(0, &kvs[i].value_len);
		if (ret)
			break;
		cond_resched();
	}
	rq.count = i;
	if (copy_to_user(argp, &rq, sizeof(rq)))
		return -EFAULT;
	return ret;
}

/* Every command of a map's node, each spelled once. */
static const struct smdev_cmd smdev_cmds[] = {
	{ SYNCMAP_IOC_STORE, FMODE_WRITE, smdev_kv, NEED_VALUE, store_step },
	{ SYNCMAP_IOC_LOAD, FMODE_READ, smdev_kv, 0, load_step },
	{ SYNCMAP_IOC_DELETE, FMODE_WRITE, smdev_kv, 0, delete_step },
	{ SYNCMAP_IOC_LOAD_OR_STORE, FMODE_WRITE, smdev_kv, NEED_VALUE,
	  load_or_store_step },
	{ SYNCMAP_IOC_LOAD_AND_DELETE, FMODE_WRITE, smdev_kv, 0,
	  load_and_delete_step },
	{ SYNCMAP_IOC_SWAP, FMODE_WRITE, smdev_kv, NEED_VALUE, swap_step },
	{ SYNCMAP_IOC_COMPARE_AND_SWAP, FMODE_WRITE, smdev_kv,
	  NEED_VALUE | NEED_OLD, compare_and_swap_step },
	{ SYNCMAP_IOC_COMPARE_AND_DELETE, FMODE_WRITE, smdev_kv, NEED_OLD,
	  compare_and_delete_step },
	{ SYNCMAP_IOC_CLEAR, FMODE_WRITE, smdev_clear },
	{ SYNCMAP_IOC_STATS, FMODE_READ, smdev_stats },
	{ SYNCMAP_IOC_RANGE, FMODE_READ, smdev_range },
	{ SYNCMAP_IOC_LOAD_BATCH, FMODE_READ, smdev_batch,
	  .elem = SYNCMAP_IOC_LOAD },
	{ SYNCMAP_IOC_STORE_BATCH, FMODE_WRITE, smdev_batch,
	  .elem = SYNCMAP_IOC_STORE },
	{ SYNCMAP_IOC_DELETE_BATCH, FMODE_WRITE, smdev_batch,
	  .elem = SYNCMAP_IOC_DELETE },
};

/*
 * The command @cmd names, or NULL: an unknown number, a known one with
 * the wrong size or direction (ENOTTY), or a command of the control node.
 */
static const struct smdev_cmd *smdev_cmd_of(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(smdev_cmds); i++)
		if (smdev_cmds[i].cmd == cmd)
			return &smdev_cmds[i];
	return NULL;
}

static long smdev_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	const struct smdev_cmd *c = smdev_cmd_of(cmd);

	if (!c)
		return -ENOTTY;
	if (!(file->f_mode & c->mode))
		return -EBADF;
	return c->run(file->private_data, c, (void __user *)arg);
}

static int smdev_map_init(struct syncmap_named *m, u32 entries, u32 key_len,
			  u32 value_len)
{
	m->map = syncmap_create_gfp(value_release, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(m->map))
		return PTR_ERR(m->map);
	atomic_long_set(&m->entries, 0);
	init_rwsem(&m->clear_sem);
	get_random_bytes(&m->cursor_key, sizeof(m->cursor_key));
	m->max_entries = entries;
	m->max_key_len = key_len;
	m->max_value_len = value_len;
	return 0;
}

/* ---- /dev/syncmap ------------------------------------------------------ */

static int smdev_default_open(struct inode *inode, struct file *file)
{
	file->private_data = &smdev_default;
	return 0;
}

static const struct file_operations smdev_default_fops = {
	.owner = THIS_MODULE,
	.open = smdev_default_open,
	.unlocked_ioctl = smdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice smdev_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "syncmap",
	.fops = &smdev_default_fops,
	.mode = 0600,
};

/* ---- named maps: /dev/syncmaps/NAME ------------------------------------ */

/*
 * Each named map is a device of class "syncmap", minor = its index in
 * smdev_maps, on one dynamic major; one cdev covers every minor and
 * open() finds the map by its minor. The device's reference count is the
 * map's: the registry holds one until DESTROY, each open file one until
 * it is closed, and the last put frees the map (smdev_map_release()).
 * smdev_lock orders create, destroy, list and the lookup in open():
 * once DESTROY has taken a map out of smdev_maps under it, no open can
 * find the map any more.
 */
static DEFINE_MUTEX(smdev_lock);
static DEFINE_XARRAY_ALLOC(smdev_maps);
static u32 smdev_next;		/* the next minor to try */
static dev_t smdev_devt;
static struct cdev smdev_cdev;

static struct syncmap_named *dev_to_map(const struct device *dev)
{
	return container_of(dev, struct syncmap_named, dev);
}

static void smdev_map_release(struct device *dev)
{
	struct syncmap_named *m = dev_to_map(dev);

	if (!IS_ERR_OR_NULL(m->map))
		syncmap_destroy(m->map);	/* the values: value_put() */
	if (m->user) {
		user_uncharge(m->user, atomic_long_read(&m->entries),
			      atomic_long_read(&m->key_bytes));
		user_put_map(m->user);
	}
	kfree(m);
}

#ifndef SMDEV_DEVNODE_CONST
/* The callback's device became const in 6.2 (Kbuild probes which it is). */
#define SMDEV_DEVNODE_CONST
#endif

/* devtmpfs: /dev/syncmaps/NAME, owned by the creator, with its mode. */

static char *smdev_devnode(SMDEV_DEVNODE_CONST struct device *dev,
			   umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	const struct syncmap_named *m = dev_to_map(dev);

	if (mode)
		*mode = m->mode;
	if (uid)
		*uid = m->uid;
	if (gid)
		*gid = m->gid;
	return kasprintf(GFP_KERNEL, "syncmaps/%s", m->name);
}

static const struct device_type smdev_map_type = {
	.name = "syncmap",
	.devnode = smdev_devnode,
	.release = smdev_map_release,
};

/*
 * /sys/class/syncmap/NAME/: how many keys the map holds and its limits,
 * for an administrator looking at the maps. The map's counters are
 * STATS's alone: each figure has one interface.
 */
static ssize_t entries_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%zu\n", syncmap_len(dev_to_map(dev)->map));
}
static DEVICE_ATTR_RO(entries);

static ssize_t max_entries_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_map(dev)->max_entries);
}
static DEVICE_ATTR_RO(max_entries);

static ssize_t max_key_len_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_map(dev)->max_key_len);
}
static DEVICE_ATTR_RO(max_key_len);

static ssize_t max_value_len_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_map(dev)->max_value_len);
}
static DEVICE_ATTR_RO(max_value_len);

static struct attribute *smdev_map_attrs[] = {
	&dev_attr_entries.attr,
	&dev_attr_max_entries.attr,
	&dev_attr_max_key_len.attr,
	&dev_attr_max_value_len.attr,
	NULL
};
ATTRIBUTE_GROUPS(smdev_map);

static struct class smdev_class = {
	.name = "syncmap",
	.dev_groups = smdev_map_groups,
};

static int smdev_map_open(struct inode *inode, struct file *file)
{
	struct syncmap_named *m;

	mutex_lock(&smdev_lock);
	m = xa_load(&smdev_maps, iminor(inode));
	if (m)
		get_device(&m->dev);
	mutex_unlock(&smdev_lock);
	if (!m)
		return -ENODEV;		/* destroyed since the lookup */
	file->private_data = m;
	return 0;
}

static int smdev_map_close(struct inode *inode, struct file *file)
{
	struct syncmap_named *m = file->private_data;

	put_device(&m->dev);
	return 0;
}

static const struct file_operations smdev_map_fops = {
	.owner = THIS_MODULE,
	.open = smdev_map_open,
	.release = smdev_map_close,
	.unlocked_ioctl = smdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* Name rules of the uapi header; the bytes after the NUL must be zero. */
static bool name_valid(const char name[SYNCMAP_NAME_LEN])
{
	size_t len = strnlen(name, SYNCMAP_NAME_LEN);
	size_t i;

	if (!len || len == SYNCMAP_NAME_LEN || name[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return !memchr_inv(name + len, 0, SYNCMAP_NAME_LEN - len);
}

static struct syncmap_named *map_by_name(const char *name)
{
	struct syncmap_named *m;
	unsigned long i;

	lockdep_assert_held(&smdev_lock);
	xa_for_each(&smdev_maps, i, m)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/* The most a named map may ask for; 0 in a request means the default. */
#define SMDEV_KEY_LIMIT		65536U
#define SMDEV_VALUE_LIMIT	(16U << 20)

static int create_args_valid(struct syncmap_create *rq)
{
	if (rq->flags || rq->pad || !name_valid(rq->name) ||
	    (rq->mode & ~0666U) || rq->max_key_len > SMDEV_KEY_LIMIT ||
	    rq->max_value_len > SMDEV_VALUE_LIMIT)
		return -EINVAL;
	rq->max_entries = rq->max_entries ?: max_entries;
	rq->max_key_len = rq->max_key_len ?: min(max_key_len, SMDEV_KEY_LIMIT);
	rq->max_value_len = rq->max_value_len ?:
			    min(max_value_len, SMDEV_VALUE_LIMIT);
	rq->mode = rq->mode ?: 0600;
	return 0;
}

/*
 * A new named map from the checked arguments @rq, owned by @uid/@gid:
 * registered, its node created, and with one reference for the caller
 * besides the registry's. @charged: an unprivileged user's map, counted
 * against @uid's quotas.
 */
static struct syncmap_named *map_create(const struct syncmap_create *rq,
					kuid_t uid, kgid_t gid, bool charged)
{
	struct syncmap_named *m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	u32 minor;
	int err;

	if (!m)
		return ERR_PTR(-ENOMEM);
	device_initialize(&m->dev);
	m->dev.class = &smdev_class;
	m->dev.type = &smdev_map_type;	/* from here on, put_device() frees m */
	if (charged) {
		m->user = user_get_map(uid, &err);
		if (!m->user)
			goto put;
	}
	err = smdev_map_init(m, rq->max_entries, rq->max_key_len,
			     rq->max_value_len);
	if (err)
		goto put;
	memcpy(m->name, rq->name, sizeof(m->name));
	m->mode = rq->mode;
	m->uid = uid;
	m->gid = gid;
	err = dev_set_name(&m->dev, "%s", m->name);
	if (err)
		goto put;

	mutex_lock(&smdev_lock);
	err = -EEXIST;
	if (map_by_name(m->name))
		goto unlock;
	/*
	 * Cyclic, so that a minor is not handed out again at once: an open()
	 * that passed the permission check of a destroyed map's node, and
	 * only then looks its minor up, finds nothing rather than a new map.
	 */
	err = xa_alloc_cyclic(&smdev_maps, &minor, m,
			      XA_LIMIT(0, SYNCMAP_MAX_MAPS - 1), &smdev_next,
			      GFP_KERNEL);
	if (err == -EBUSY)
		err = -ENOSPC;
	if (err < 0)
		goto unlock;
	m->dev.devt = MKDEV(MAJOR(smdev_devt), minor);
	err = device_add(&m->dev);
	if (err)
		xa_erase(&smdev_maps, minor);
	else
		get_device(&m->dev);	/* the caller's */
unlock:
	mutex_unlock(&smdev_lock);
	if (!err)
		return m;
put:
	put_device(&m->dev);
	return ERR_PTR(err);
}

static long smdev_create(void __user *argp)
{
	bool charged = !capable(CAP_SYS_ADMIN);
	struct syncmap_create rq;
	struct syncmap_named *m;
	int err;

	if (charged && !READ_ONCE(unprivileged_maps))
		return -EPERM;
	if (copy_from_user(&rq, argp, sizeof(rq)))
		return -EFAULT;
	err = create_args_valid(&rq);
	if (err)
		return err;
	m = map_create(&rq, current_fsuid(), current_fsgid(), charged);
	if (IS_ERR(m))
		return PTR_ERR(m);
	put_device(&m->dev);
	return 0;
}

/* Take @m out of the registry and remove its node; open files keep it. */
static void smdev_unregister(struct syncmap_named *m)
{
	lockdep_assert_held(&smdev_lock);
	if (xa_load(&smdev_maps, MINOR(m->dev.devt)) != m)
		return;		/* destroyed already */
	xa_erase(&smdev_maps, MINOR(m->dev.devt));
	device_del(&m->dev);
	put_device(&m->dev);
}

static long smdev_destroy(void __user *argp)
{
	struct syncmap_name rq;
	struct syncmap_named *m;
	int err = 0;

	if (copy_from_user(&rq, argp, sizeof(rq)))
		return -EFAULT;
	if (rq.flags || rq.pad || !name_valid(rq.name))
		return -EINVAL;
	mutex_lock(&smdev_lock);
	m = map_by_name(rq.name);
	if (!m)
		err = -ENOENT;
	else if (!uid_eq(m->uid, current_fsuid()) && !capable(CAP_SYS_ADMIN))
		err = -EPERM;
	else
		smdev_unregister(m);
	mutex_unlock(&smdev_lock);
	return err;
}

static void map_info(const struct syncmap_named *m, struct syncmap_info *info)
{
	struct user_namespace *ns = current_user_ns();

	memset(info, 0, sizeof(*info));
	memcpy(info->name, m->name, sizeof(info->name));
	info->entries = syncmap_len(m->map);
	info->max_entries = m->max_entries;
	info->max_key_len = m->max_key_len;
	info->max_value_len = m->max_value_len;
	info->uid = from_kuid_munged(ns, m->uid);
	info->gid = from_kgid_munged(ns, m->gid);
	info->mode = m->mode;
}

/*
 * The records are gathered under smdev_lock and copied out after it: a
 * caller's page fault (userfaultfd, say) must not hold up every create,
 * destroy and open.
 */
static long smdev_list(void __user *argp)
{
	struct syncmap_info *infos;
	struct syncmap_list rq;
	struct syncmap_named *m;
	unsigned long i;
	u32 cap, n = 0;
	long err = 0;

	if (copy_from_user(&rq, argp, sizeof(rq)))
		return -EFAULT;
	if (rq.flags)
		return -EINVAL;
	cap = min_t(u32, rq.count, SYNCMAP_MAX_MAPS);
	infos = kvcalloc(max(cap, 1U), sizeof(*infos), GFP_KERNEL_ACCOUNT);
	if (!infos)
		return -ENOMEM;
	mutex_lock(&smdev_lock);
	xa_for_each(&smdev_maps, i, m) {
		if (n < cap)
			map_info(m, &infos[n]);
		n++;
	}
	mutex_unlock(&smdev_lock);
	if (copy_to_user(u64_to_user_ptr(rq.buf), infos,
			 min(n, cap) * sizeof(*infos)))
		err = -EFAULT;
	kvfree(infos);
	if (err)
		return err;
	if (n > rq.count)
		err = -ERANGE;	/* rq.count: how many there are */
	rq.count = n;
	if (copy_to_user(argp, &rq, sizeof(rq)))
		return -EFAULT;
	return err;
}

/* ---- /dev/syncmap-control ---------------------------------------------- */

static long smdev_control_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case SYNCMAP_IOC_CREATE:
		return smdev_create(argp);
	case SYNCMAP_IOC_DESTROY:
		return smdev_destroy(argp);
	case SYNCMAP_IOC_LIST:
		return smdev_list(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations smdev_control_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = smdev_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * Anyone may open it and list; CREATE needs CAP_SYS_ADMIN (or
 * unprivileged_maps, within the user's quotas), DESTROY the creator or
 * CAP_SYS_ADMIN: checked per command, as /dev/loop-control and
 * /dev/mapper/control do.
 */
static struct miscdevice smdev_control = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "syncmap-control",
	.fops = &smdev_control_fops,
	.mode = 0666,
};

/* ---- named maps for kernel modules (syncmap_dev.h) -------------------- */

/**
 * syncmap_named_create() - create a named map, as SYNCMAP_IOC_CREATE does
 * @name: its name (the rules of the uapi header)
 * @max_entries: its limits; 0 for the module parameters'
 * @max_key_len: likewise
 * @max_value_len: likewise
 * @mode: its node's mode (a subset of 0666), 0 for 0600; the node
 *	belongs to root
 *
 * Context: Process context; may sleep.
 * Return: the map, with a reference for the caller (syncmap_named_put()
 * or syncmap_named_destroy()); ERR_PTR(-EINVAL) for a bad name, mode or
 * limit, -EEXIST if the name is taken, -ENOSPC if SYNCMAP_MAX_MAPS maps
 * exist, -ENOMEM.
 */
struct syncmap_named *syncmap_named_create(const char *name,
					   u32 max_entries, u32 max_key_len,
					   u32 max_value_len, umode_t mode)
{
	struct syncmap_create rq = {
		.max_entries = max_entries, .max_key_len = max_key_len,
		.max_value_len = max_value_len, .mode = mode,
	};
	int err;

	might_sleep();
	if (strscpy(rq.name, name, sizeof(rq.name)) < 0)
		return ERR_PTR(-EINVAL);
	err = create_args_valid(&rq);
	if (err)
		return ERR_PTR(err);
	return map_create(&rq, GLOBAL_ROOT_UID, GLOBAL_ROOT_GID, false);
}
EXPORT_SYMBOL_GPL(syncmap_named_create);

/**
 * syncmap_named_get() - look a named map up
 * @name: its name
 *
 * Context: Process context; may sleep.
 * Return: the map, with a reference for the caller (syncmap_named_put()),
 * or ERR_PTR(-ENOENT).
 */
struct syncmap_named *syncmap_named_get(const char *name)
{
	struct syncmap_named *m;

	might_sleep();
	mutex_lock(&smdev_lock);
	m = map_by_name(name);
	if (m)
		get_device(&m->dev);
	mutex_unlock(&smdev_lock);
	return m ?: ERR_PTR(-ENOENT);
}
EXPORT_SYMBOL_GPL(syncmap_named_get);

/**
 * syncmap_named_put() - drop a reference to a named map
 * @m: the map
 *
 * The map outlives its name: it is freed when DESTROY (or
 * syncmap_named_destroy()) has removed the name and the last reference,
 * a module's or an open file's, is gone.
 *
 * Context: Process context; may sleep.
 */
void syncmap_named_put(struct syncmap_named *m)
{
	might_sleep();
	put_device(&m->dev);
}
EXPORT_SYMBOL_GPL(syncmap_named_put);

/**
 * syncmap_named_destroy() - remove a named map's name and node, and drop
 *	the caller's reference
 * @m: the map; its name may have been removed already (DESTROY)
 *
 * Context: Process context; may sleep.
 */
void syncmap_named_destroy(struct syncmap_named *m)
{
	might_sleep();
	mutex_lock(&smdev_lock);
	smdev_unregister(m);
	mutex_unlock(&smdev_lock);
	put_device(&m->dev);
}
EXPORT_SYMBOL_GPL(syncmap_named_destroy);

/**
 * syncmap_named_load_rcu() - a key's value, in place
 * @m: the map
 * @key: the key bytes
 * @key_len: their length
 * @value_len: set to the value's length
 *
 * Context: Any context; the caller holds rcu_read_lock().
 * Return: the value's bytes, valid until rcu_read_unlock(), or NULL if
 * the key is absent.
 */
const void *syncmap_named_load_rcu(struct syncmap_named *m, const void *key,
				   size_t key_len, u32 *value_len)
{
	struct smdev_value *v;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "a named map loaded outside an RCU read-side section");
	v = syncmap_load(m->map, key, key_len);
	if (!v)
		return NULL;
	*value_len = v->len;
	return v->data;
}
EXPORT_SYMBOL_GPL(syncmap_named_load_rcu);

/**
 * syncmap_named_load() - copy a key's value out
 * @m: the map
 * @key: the key bytes
 * @key_len: their length
 * @buf: where the value goes, if it fits
 * @buf_len: @buf's size
 *
 * Context: Any context.
 * Return: the value's length (copied only if at most @buf_len), or
 * -ENOENT if the key is absent.
 */
ssize_t syncmap_named_load(struct syncmap_named *m, const void *key,
			   size_t key_len, void *buf, size_t buf_len)
{
	struct smdev_value *v = value_get(m, key, key_len);
	ssize_t len;

	if (!v)
		return -ENOENT;
	len = v->len;
	if (v->len <= buf_len)
		memcpy(buf, v->data, v->len);
	value_put(v);
	return len;
}
EXPORT_SYMBOL_GPL(syncmap_named_load);

/* A request of a kernel caller's for @key: a copy of the key, no user argument. */
static int req_kernel(struct smdev_req *r, struct syncmap_named *m,
		      const void *key, size_t key_len)
{
	memset(r, 0, sizeof(*r));
	r->m = m;
	if (key_len > m->max_key_len)
		return -E2BIG;
	r->kv.key_len = key_len;
	r->key = kmemdup(key, max_t(size_t, key_len, 1), SMDEV_GFP);
	return r->key ? 0 : -ENOMEM;
}

/**
 * syncmap_named_store() - set a key's value, as SYNCMAP_IOC_STORE does
 * @m: the map
 * @key: the key bytes
 * @key_len: their length
 * @value: the value bytes, copied
 * @value_len: their length
 *
 * Context: Process context; may sleep. Allocations are charged to the
 * current task's memory cgroup.
 * Return: 0, -E2BIG (a key or value over the map's limits), -ENOSPC (a
 * new key in a full map), -EDQUOT (a map an unprivileged user created,
 * past that user's quotas), -ENOMEM; on error the map is unchanged.
 */
int syncmap_named_store(struct syncmap_named *m, const void *key,
			size_t key_len, const void *value, size_t value_len)
{
	struct smdev_req r;
	int ret;

	might_sleep();
	ret = req_kernel(&r, m, key, key_len);
	if (!ret && value_len > m->max_value_len)
		ret = -E2BIG;
	if (!ret) {
		r.value = value_alloc(m, value_len);
		ret = PTR_ERR_OR_ZERO(r.value);
		if (ret)
			r.value = NULL;
	}
	if (!ret) {
		memcpy(r.value->data, value, value_len);
		down_read(&m->clear_sem);
		ret = smdev_store(&r);
		up_read(&m->clear_sem);
	}
	req_free(&r);
	return ret;
}
EXPORT_SYMBOL_GPL(syncmap_named_store);

/**
 * syncmap_named_delete() - delete a key
 * @m: the map
 * @key: the key bytes
 * @key_len: their length
 *
 * Context: Process context; may sleep.
 * Return: true if the key had a value and was deleted; false if it had
 * none, or if its key could not be copied (out of memory).
 */
bool syncmap_named_delete(struct syncmap_named *m, const void *key,
			  size_t key_len)
{
	struct smdev_req r;
	bool deleted = false;

	might_sleep();
	if (!req_kernel(&r, m, key, key_len)) {
		down_read(&m->clear_sem);
		deleted = !smdev_delete(&r) && (r.kv.flags & SYNCMAP_F_LOADED);
		up_read(&m->clear_sem);
	}
	req_free(&r);
	return deleted;
}
EXPORT_SYMBOL_GPL(syncmap_named_delete);

static int __init smdev_init(void)
{
	int err;

	err = smdev_map_init(&smdev_default, max_entries, max_key_len,
			     max_value_len);
	if (err)
		return err;
	err = alloc_chrdev_region(&smdev_devt, 0, SYNCMAP_MAX_MAPS, "syncmap");
	if (err)
		goto destroy;
	cdev_init(&smdev_cdev, &smdev_map_fops);
	smdev_cdev.owner = THIS_MODULE;
	err = cdev_add(&smdev_cdev, smdev_devt, SYNCMAP_MAX_MAPS);
	if (err)
		goto region;
	err = class_register(&smdev_class);
	if (err)
		goto cdev;
	err = misc_register(&smdev_misc);
	if (err)
		goto class;
	err = misc_register(&smdev_control);
	if (err)
		goto misc;
	return 0;
misc:
	misc_deregister(&smdev_misc);
class:
	class_unregister(&smdev_class);
cdev:
	cdev_del(&smdev_cdev);
region:
	unregister_chrdev_region(smdev_devt, SYNCMAP_MAX_MAPS);
destroy:
	syncmap_destroy(smdev_default.map);
	return err;
}

/*
 * No file is open (each holds a module reference), so removing the named
 * maps frees them.
 */
static void __exit smdev_exit(void)
{
	struct syncmap_named *m;
	unsigned long i;

	misc_deregister(&smdev_control);
	misc_deregister(&smdev_misc);
	mutex_lock(&smdev_lock);
	xa_for_each(&smdev_maps, i, m)
		smdev_unregister(m);
	mutex_unlock(&smdev_lock);
	class_unregister(&smdev_class);
	cdev_del(&smdev_cdev);
	unregister_chrdev_region(smdev_devt, SYNCMAP_MAX_MAPS);
	syncmap_destroy(smdev_default.map);
}

module_init(smdev_init);
module_exit(smdev_exit);

MODULE_DESCRIPTION("/dev/syncmap: shared syncmaps for user space");
MODULE_LICENSE("GPL");
