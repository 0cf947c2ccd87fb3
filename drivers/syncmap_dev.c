// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/syncmap - one syncmap shared by every opener, driven by ioctls
 *
 * A client of syncmap.h like any other module: the map's logic is all in
 * the core. Values are immutable, reference-counted byte strings: a
 * command takes a reference under RCU and copies to user space outside
 * it, and the map's release callback drops the map's reference.
 *
 * Nothing is changed unless the whole command succeeds. A command that
 * changes the map first writes its results back to user space, then
 * commits with one compare-and-swap (or compare-and-delete, or
 * load-or-store) against the value it read; if the map moved meanwhile it
 * starts over. So an EFAULT or ERANGE always leaves the map as it was.
 *
 * max_entries is exact under concurrency: a command that may add a key
 * reserves a slot in smdev.entries first and gives it back if the key
 * turned out to exist. CLEAR takes smdev.clear_sem for writing so that
 * no command is half way through its reservation.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rwsem.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/syncmap.h>	/* the uapi header */
#include "../syncmap.h"

static unsigned int max_entries = 1U << 20;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries, "most keys the map holds (default 1048576)");

static unsigned int max_key_len = 4096;
module_param(max_key_len, uint, 0444);
MODULE_PARM_DESC(max_key_len, "longest key in bytes (default 4096)");

static unsigned int max_value_len = 65536;
module_param(max_value_len, uint, 0444);
MODULE_PARM_DESC(max_value_len, "longest value in bytes (default 65536)");

/* RANGE fills a kernel buffer of at most this, or one record if larger. */
#define SMDEV_RANGE_CHUNK	(64 * 1024)

/*
 * Every allocation here is sized and triggered by user space: charged to
 * the caller's memcg; at the memcg's limit (or when memory is short) the
 * caller gets ENOMEM rather than an OOM kill (__GFP_RETRY_MAYFAIL), and
 * the failure is not logged.
 */
#define SMDEV_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static struct {
	struct syncmap *map;
	atomic_long_t entries;
	struct rw_semaphore clear_sem;
	hsiphash_key_t cursor_key;	/* RANGE cursors: see cursor_seal() */
} smdev;

struct smdev_value {
	refcount_t ref;
	u32 len;
	u8 data[];
};

static void value_put(struct smdev_value *v)
{
	if (v && refcount_dec_and_test(&v->ref))
		kfree(v);
}

/* The map's release callback: it runs a grace period after removal. */
static void value_release(void *value)
{
	value_put(value);
}

static struct smdev_value *value_from_user(u64 uptr, u32 len)
{
	struct smdev_value *v;

	if (len > max_value_len)
		return ERR_PTR(-E2BIG);
	v = kmalloc(struct_size(v, data, len), SMDEV_GFP);
	if (!v)
		return ERR_PTR(-ENOMEM);
	refcount_set(&v->ref, 1);
	v->len = len;
	if (copy_from_user(v->data, u64_to_user_ptr(uptr), len)) {
		kfree(v);
		return ERR_PTR(-EFAULT);
	}
	return v;
}

/*
 * The current value with a reference of ours, or NULL. The map drops its
 * reference only a grace period after removing the value, so the count
 * cannot be zero while we are in the read-side section.
 */
static struct smdev_value *value_get(const void *key, u32 key_len)
{
	struct smdev_value *v;

	rcu_read_lock();
	v = syncmap_load(smdev.map, key, key_len);
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
static int req_get(struct smdev_req *r, void __user *argp, unsigned int need)
{
	memset(r, 0, sizeof(*r));
	r->uarg = argp;
	if (copy_from_user(&r->kv, argp, sizeof(r->kv)))
		return -EFAULT;
	r->value_cap = r->kv.value_len;
	r->old_cap = r->kv.old_len;
	if (r->kv.flags)
		return -EINVAL;
	if (r->kv.key_len > max_key_len)
		return -E2BIG;
	if ((need & NEED_VALUE) && r->kv.value_len > max_value_len)
		return -E2BIG;
	if ((need & NEED_OLD) && r->kv.old_len > max_value_len)
		return -E2BIG;

	r->key = kmalloc(max(r->kv.key_len, 1U), SMDEV_GFP);
	if (!r->key)
		return -ENOMEM;
	if (copy_from_user(r->key, u64_to_user_ptr(r->kv.key), r->kv.key_len))
		return -EFAULT;
	if (need & NEED_VALUE) {
		r->value = value_from_user(r->kv.value, r->kv.value_len);
		if (IS_ERR(r->value))
			return PTR_ERR(xchg(&r->value, NULL));
	}
	if (need & NEED_OLD) {
		r->old = value_from_user(r->kv.old, r->kv.old_len);
		if (IS_ERR(r->old))
			return PTR_ERR(xchg(&r->old, NULL));
	}
	return 0;
}

static int req_put_kv(struct smdev_req *r)
{
	return copy_to_user(r->uarg, &r->kv, sizeof(r->kv)) ? -EFAULT : 0;
}

/* Hold a slot for a key that may be new: -ENOSPC at max_entries. */
static int reserve_entry(void)
{
	return atomic_long_add_unless(&smdev.entries, 1, max_entries) ?
		0 : -ENOSPC;
}

static void unreserve_entry(void)
{
	atomic_long_dec(&smdev.entries);
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

	err = reserve_entry();
	if (err)
		return err;
	ret = syncmap_load_or_store(smdev.map, r->key, r->kv.key_len, r->value,
				    &loaded, SMDEV_GFP);
	if (IS_ERR(ret) || loaded) {
		unreserve_entry();
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
	int ret = syncmap_compare_and_swap_gfp(smdev.map, r->key,
					       r->kv.key_len, cur, r->value,
					       SMDEV_GFP);

	if (ret > 0)
		r->value = NULL;
	return ret;
}

/* Delete @cur if it is still the key's value: 1 deleted, 0 it moved. */
static int remove_if_same(struct smdev_req *r, struct smdev_value *cur)
{
	if (!syncmap_compare_and_delete(smdev.map, r->key, r->kv.key_len, cur))
		return 0;
	atomic_long_dec(&smdev.entries);
	return 1;
}

/* ---- the commands ------------------------------------------------------ */

static int smdev_store(struct smdev_req *r)
{
	struct smdev_value *cur;
	int ret;

	do {
		cur = value_get(r->key, r->kv.key_len);
		ret = cur ? replace_if_same(r, cur) : store_new(r);
		value_put(cur);
	} while (!ret);
	return ret < 0 ? ret : 0;
}

static int smdev_load(struct smdev_req *r)
{
	struct smdev_value *cur = value_get(r->key, r->kv.key_len);
	int err;

	if (!cur)
		return -ENOENT;
	err = value_to_user(cur, r->kv.value, r->value_cap, &r->kv.value_len);
	value_put(cur);
	if (err == -EFAULT)
		return err;
	r->kv.flags = err ? 0 : SYNCMAP_F_LOADED;
	return req_put_kv(r) ?: err;
}

static int smdev_delete(struct smdev_req *r)
{
	struct smdev_value *cur;
	int ret;

	do {
		cur = value_get(r->key, r->kv.key_len);
		r->kv.flags = cur ? SYNCMAP_F_LOADED : 0;
		ret = req_put_kv(r);
		if (!ret && cur)
			ret = remove_if_same(r, cur);
		else if (!ret)
			ret = 1;	/* absent: nothing to do */
		value_put(cur);
	} while (!ret);
	return ret < 0 ? ret : 0;
}

static int smdev_load_and_delete(struct smdev_req *r)
{
	struct smdev_value *cur;
	int ret;

	do {
		cur = value_get(r->key, r->kv.key_len);
		if (!cur)
			return -ENOENT;
		ret = value_to_user(cur, r->kv.value, r->value_cap,
				    &r->kv.value_len);
		r->kv.flags = ret ? 0 : SYNCMAP_F_LOADED;
		if (ret != -EFAULT)
			ret = req_put_kv(r) ?: ret ?: remove_if_same(r, cur);
		value_put(cur);
	} while (!ret);
	return ret < 0 ? ret : 0;
}

/*
 * LOAD_OR_STORE (@replace false) and SWAP: the current value, if any, is
 * copied to r->kv.old; SWAP then replaces it. If the key is absent, both
 * store r->value.
 */
static int smdev_load_or_swap(struct smdev_req *r, bool replace)
{
	struct smdev_value *cur;
	int ret;

	do {
		cur = value_get(r->key, r->kv.key_len);
		if (cur) {
			ret = value_to_user(cur, r->kv.old, r->old_cap,
					    &r->kv.old_len);
			r->kv.flags = ret ? 0 : SYNCMAP_F_LOADED;
			if (ret != -EFAULT)
				ret = req_put_kv(r) ?: ret ?:
				      (replace ? replace_if_same(r, cur) : 1);
		} else {
			r->kv.flags = 0;
			r->kv.old_len = 0;
			ret = req_put_kv(r) ?: store_new(r);
		}
		value_put(cur);
	} while (!ret);
	return ret < 0 ? ret : 0;
}

/* COMPARE_AND_SWAP (@delete false) and COMPARE_AND_DELETE. */
static int smdev_compare_and(struct smdev_req *r, bool delete)
{
	struct smdev_value *cur;
	bool match;
	int ret;

	do {
		cur = value_get(r->key, r->kv.key_len);
		match = cur && value_equal(cur, r->old);
		r->kv.flags = match ? SYNCMAP_F_SWAPPED : 0;
		ret = req_put_kv(r);
		if (!ret && !match)
			ret = 1;
		else if (!ret)
			ret = delete ? remove_if_same(r, cur) : replace_if_same(r, cur);
		value_put(cur);
	} while (!ret);
	return ret < 0 ? ret : 0;
}

static long smdev_kv_cmd(unsigned int cmd, void __user *argp)
{
	unsigned int need = 0;
	struct smdev_req r;
	long ret;

	if (cmd == SYNCMAP_IOC_STORE || cmd == SYNCMAP_IOC_LOAD_OR_STORE ||
	    cmd == SYNCMAP_IOC_SWAP || cmd == SYNCMAP_IOC_COMPARE_AND_SWAP)
		need |= NEED_VALUE;
	if (cmd == SYNCMAP_IOC_COMPARE_AND_SWAP ||
	    cmd == SYNCMAP_IOC_COMPARE_AND_DELETE)
		need |= NEED_OLD;

	ret = req_get(&r, argp, need);
	if (ret)
		goto out;
	if (cmd == SYNCMAP_IOC_LOAD) {
		ret = smdev_load(&r);
		goto out;
	}

	down_read(&smdev.clear_sem);
	switch (cmd) {
	case SYNCMAP_IOC_STORE:
		ret = smdev_store(&r);
		break;
	case SYNCMAP_IOC_DELETE:
		ret = smdev_delete(&r);
		break;
	case SYNCMAP_IOC_LOAD_OR_STORE:
		ret = smdev_load_or_swap(&r, false);
		break;
	case SYNCMAP_IOC_LOAD_AND_DELETE:
		ret = smdev_load_and_delete(&r);
		break;
	case SYNCMAP_IOC_SWAP:
		ret = smdev_load_or_swap(&r, true);
		break;
	case SYNCMAP_IOC_COMPARE_AND_SWAP:
		ret = smdev_compare_and(&r, false);
		break;
	case SYNCMAP_IOC_COMPARE_AND_DELETE:
		ret = smdev_compare_and(&r, true);
		break;
	default:
		ret = -ENOTTY;
	}
	up_read(&smdev.clear_sem);
out:
	req_free(&r);
	return ret;
}

static long smdev_clear(void)
{
	down_write(&smdev.clear_sem);
	syncmap_clear(smdev.map);
	atomic_long_set(&smdev.entries, 0);
	up_write(&smdev.clear_sem);
	return 0;
}

static long smdev_stats(void __user *argp)
{
	struct syncmap_counters c;
	struct syncmap_stats st = {};

	syncmap_get_counters(smdev.map, &c);
	st.entries = c.entries;
	st.max_entries = max_entries;
	st.max_key_len = max_key_len;
	st.max_value_len = max_value_len;
	st.read_slots = c.read_slots;
	st.dirty_slots = c.dirty_slots;
	st.misses = c.misses;
	st.promotions = c.promotions;
	st.dirty_builds = c.dirty_builds;
	st.build_retries = 0;	/* see the uapi header */
	st.revivals = c.revivals;
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

/*
 * RANGE's cursor is a position in the map's hash order, and hsiphash
 * outputs must never leave the kernel (Documentation/security/siphash.rst):
 * user space gets the position through a four-round Feistel network, a
 * permutation of 64-bit values keyed by a secret of this device's, and
 * nothing else. It still costs no memory between calls: the next call
 * opens the cursor back into the position. 0 stays "start" both ways.
 */
#define CURSOR_ROUNDS	4

static u64 cursor_feistel(u64 v, bool open)
{
	u32 l = v >> 32, r = v, t;
	int i;

	for (i = 0; i < CURSOR_ROUNDS; i++) {
		int round = open ? CURSOR_ROUNDS - 1 - i : i;

		if (open) {
			t = l;
			l = r ^ hsiphash_2u32(l, round, &smdev.cursor_key);
			r = t;
		} else {
			t = r;
			r = l ^ hsiphash_2u32(r, round, &smdev.cursor_key);
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
static u64 cursor_seal(u64 pos)
{
	u64 c;

	if (!pos)
		return 0;
	c = cursor_feistel(pos, false);
	return c ? c : cursor_feistel(0, false);
}

static u64 cursor_open(u64 cursor)
{
	if (!cursor)
		return 0;
	if (cursor == cursor_feistel(0, false))
		return cursor_feistel(0, true);
	return cursor_feistel(cursor, true);
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

static long smdev_range(void __user *argp)
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

	max_rec = rec_size(max_key_len, max_value_len);
	chunk = min(rq.buf_len, max_t(u32, SMDEV_RANGE_CHUNK, max_rec));
	f.buf = kvmalloc(max(chunk, 1U), SMDEV_GFP);
	if (!f.buf)
		return -ENOMEM;
	f.cap = chunk;

	pos = cursor_open(rq.cursor);
	done = syncmap_range_from(smdev.map, &pos, range_fill_rec, &f);
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
	rq.cursor = done ? 0 : cursor_seal(pos);
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

static long smdev_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case SYNCMAP_IOC_STORE:
	case SYNCMAP_IOC_LOAD:
	case SYNCMAP_IOC_DELETE:
	case SYNCMAP_IOC_LOAD_OR_STORE:
	case SYNCMAP_IOC_LOAD_AND_DELETE:
	case SYNCMAP_IOC_SWAP:
	case SYNCMAP_IOC_COMPARE_AND_SWAP:
	case SYNCMAP_IOC_COMPARE_AND_DELETE:
		return smdev_kv_cmd(cmd, argp);
	case SYNCMAP_IOC_CLEAR:
		return smdev_clear();
	case SYNCMAP_IOC_STATS:
		return smdev_stats(argp);
	case SYNCMAP_IOC_RANGE:
		return smdev_range(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations smdev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = smdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice smdev_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "syncmap",
	.fops = &smdev_fops,
	.mode = 0600,
};

static int __init smdev_init(void)
{
	int err;

	smdev.map = syncmap_create(value_release);
	if (IS_ERR(smdev.map))
		return PTR_ERR(smdev.map);
	atomic_long_set(&smdev.entries, 0);
	init_rwsem(&smdev.clear_sem);
	get_random_bytes(&smdev.cursor_key, sizeof(smdev.cursor_key));
	err = misc_register(&smdev_misc);
	if (err)
		syncmap_destroy(smdev.map);
	return err;
}

static void __exit smdev_exit(void)
{
	misc_deregister(&smdev_misc);
	/* No file is open (each holds a module reference): destroy. */
	syncmap_destroy(smdev.map);
}

module_init(smdev_init);
module_exit(smdev_exit);

MODULE_DESCRIPTION("/dev/syncmap: a shared syncmap for user space");
MODULE_LICENSE("GPL");
