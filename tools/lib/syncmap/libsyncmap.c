// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libsyncmap: the ioctls of include/uapi/linux/syncmap.h as functions.
 * No global state: every call works on its arguments alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libsyncmap.h"

#define SYNCMAP_DEV		"/dev/syncmap"
#define SYNCMAP_CONTROL		"/dev/syncmap-control"
#define SYNCMAP_NODES		"/dev/syncmaps/"
/* A RANGE batch's first buffer; it grows to fit a record (ERANGE). */
#define ITER_BUF		65536

static uint64_t ptr(const void *p)
{
	return (uintptr_t)p;
}

/* The ioctl's result as 0 or a negative errno value. */
static int io(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Lengths past the uapi's 32 bits can only be refused. */
static int kv_set(struct syncmap_kv *kv, const void *key, size_t key_len,
		  const void *value, size_t value_len)
{
	if (key_len > UINT32_MAX || value_len > UINT32_MAX)
		return -E2BIG;
	memset(kv, 0, sizeof(*kv));
	kv->key = ptr(key);
	kv->key_len = key_len;
	kv->value = ptr(value);
	kv->value_len = value_len;
	return 0;
}

/* A capacity: what does not fit 32 bits is as good as 4 GiB - 1. */
static uint32_t cap32(size_t len)
{
	return len > UINT32_MAX ? UINT32_MAX : len;
}

int syncmap_open(const char *name, int flags)
{
	char path[sizeof(SYNCMAP_NODES) + SYNCMAP_NAME_LEN];
	int fd;

	if (!name) {
		name = SYNCMAP_DEV;
	} else if (!strchr(name, '/')) {
		if (strlen(name) >= SYNCMAP_NAME_LEN)
			return -EINVAL;
		strcpy(path, SYNCMAP_NODES);
		strcat(path, name);
		name = path;
	}
	fd = open(name, (flags & O_ACCMODE) | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void syncmap_kv_init(struct syncmap_kv *kv, const void *key, size_t key_len,
		     const void *value, size_t value_len)
{
	kv_set(kv, key, cap32(key_len), value, cap32(value_len));
}

/* LOAD and LOAD_AND_DELETE: 1 with the value, 0 if the key is absent. */
static int load_call(int fd, unsigned long cmd, const void *key,
		     size_t key_len, void *value, size_t *value_len)
{
	struct syncmap_kv kv;
	int err = kv_set(&kv, key, key_len, value, cap32(*value_len));

	if (!err)
		err = io(fd, cmd, &kv);
	if (!err || err == -ERANGE)
		*value_len = kv.value_len;
	else if (err == -ENOENT)
		*value_len = 0;
	return err == -ENOENT ? 0 : err ? err : 1;
}

int syncmap_load(int fd, const void *key, size_t key_len, void *value,
		 size_t *value_len)
{
	return load_call(fd, SYNCMAP_IOC_LOAD, key, key_len, value, value_len);
}

int syncmap_load_alloc(int fd, const void *key, size_t key_len, void **value,
		       size_t *value_len)
{
	size_t cap = 256, len;
	void *buf;
	int ret;

	*value = NULL;
	*value_len = 0;
	for (;;) {
		buf = malloc(cap);
		if (!buf)
			return -ENOMEM;
		len = cap;
		ret = syncmap_load(fd, key, key_len, buf, &len);
		if (ret != -ERANGE)
			break;
		free(buf);
		cap = len;	/* the value may grow again meanwhile */
	}
	if (ret == 1) {
		*value = buf;
		*value_len = len;
	} else {
		free(buf);
	}
	return ret;
}

int syncmap_store(int fd, const void *key, size_t key_len, const void *value,
		  size_t value_len)
{
	struct syncmap_kv kv;
	int err = kv_set(&kv, key, key_len, value, value_len);

	return err ? err : io(fd, SYNCMAP_IOC_STORE, &kv);
}

/* 1 if the command set @flag, 0 if not, or the error. */
static int kv_flag(int fd, unsigned long cmd, struct syncmap_kv *kv,
		   uint32_t flag)
{
	int err = io(fd, cmd, kv);

	return err ? err : !!(kv->flags & flag);
}

int syncmap_delete(int fd, const void *key, size_t key_len)
{
	struct syncmap_kv kv;
	int err = kv_set(&kv, key, key_len, NULL, 0);

	return err ? err : kv_flag(fd, SYNCMAP_IOC_DELETE, &kv, SYNCMAP_F_LOADED);
}

/* The commands that copy a value into @old. */
static int kv_old(int fd, unsigned long cmd, const void *key, size_t key_len,
		  const void *value, size_t value_len, void *old,
		  size_t *old_len)
{
	struct syncmap_kv kv;
	int ret = kv_set(&kv, key, key_len, value, value_len);

	if (ret)
		return ret;
	kv.old = ptr(old);
	kv.old_len = cap32(*old_len);
	ret = kv_flag(fd, cmd, &kv, SYNCMAP_F_LOADED);
	if (ret >= 0 || ret == -ERANGE)
		*old_len = ret == 0 ? 0 : kv.old_len;
	return ret;
}

int syncmap_load_or_store(int fd, const void *key, size_t key_len,
			  const void *value, size_t value_len, void *old,
			  size_t *old_len)
{
	return kv_old(fd, SYNCMAP_IOC_LOAD_OR_STORE, key, key_len, value,
		      value_len, old, old_len);
}

int syncmap_swap(int fd, const void *key, size_t key_len, const void *value,
		 size_t value_len, void *old, size_t *old_len)
{
	return kv_old(fd, SYNCMAP_IOC_SWAP, key, key_len, value, value_len,
		      old, old_len);
}

int syncmap_load_and_delete(int fd, const void *key, size_t key_len,
			    void *value, size_t *value_len)
{
	return load_call(fd, SYNCMAP_IOC_LOAD_AND_DELETE, key, key_len, value,
			 value_len);
}

int syncmap_compare_and_swap(int fd, const void *key, size_t key_len,
			     const void *old, size_t old_len,
			     const void *value, size_t value_len)
{
	struct syncmap_kv kv;
	int err = kv_set(&kv, key, key_len, value, value_len);

	if (err)
		return err;
	if (old_len > UINT32_MAX)
		return 0;	/* no value that long can be there */
	kv.old = ptr(old);
	kv.old_len = old_len;
	return kv_flag(fd, SYNCMAP_IOC_COMPARE_AND_SWAP, &kv, SYNCMAP_F_SWAPPED);
}

int syncmap_compare_and_delete(int fd, const void *key, size_t key_len,
			       const void *old, size_t old_len)
{
	struct syncmap_kv kv;
	int err = kv_set(&kv, key, key_len, NULL, 0);

	if (err)
		return err;
	if (old_len > UINT32_MAX)
		return 0;
	kv.old = ptr(old);
	kv.old_len = old_len;
	return kv_flag(fd, SYNCMAP_IOC_COMPARE_AND_DELETE, &kv,
		       SYNCMAP_F_SWAPPED);
}

int syncmap_clear(int fd)
{
	return io(fd, SYNCMAP_IOC_CLEAR, NULL);
}

int syncmap_stats(int fd, struct syncmap_stats *stats)
{
	return io(fd, SYNCMAP_IOC_STATS, stats);
}

int64_t syncmap_len(int fd)
{
	struct syncmap_stats st;
	int err = syncmap_stats(fd, &st);

	return err ? err : (int64_t)st.entries;
}

struct syncmap_iter {
	int fd;
	int done;		/* the kernel said SYNCMAP_RANGE_DONE */
	uint64_t cursor;
	unsigned char *buf;
	uint32_t cap;
	uint32_t len;		/* bytes of records in @buf */
	uint32_t pos;		/* the next record's offset */
};

struct syncmap_iter *syncmap_iter_new(int fd)
{
	struct syncmap_iter *it = calloc(1, sizeof(*it));

	if (!it)
		return NULL;
	it->buf = malloc(ITER_BUF);
	if (!it->buf) {
		free(it);
		return NULL;
	}
	it->fd = fd;
	it->cap = ITER_BUF;
	return it;
}

/* The next batch of records, growing the buffer to fit one if need be. */
static int iter_fill(struct syncmap_iter *it)
{
	struct syncmap_range rq;
	unsigned char *p;
	int err;

	for (;;) {
		memset(&rq, 0, sizeof(rq));
		rq.cursor = it->cursor;
		rq.buf = ptr(it->buf);
		rq.buf_len = it->cap;
		err = io(it->fd, SYNCMAP_IOC_RANGE, &rq);
		if (err != -ERANGE)
			break;
		p = realloc(it->buf, rq.buf_len);
		if (!p)
			return -ENOMEM;
		it->buf = p;
		it->cap = rq.buf_len;
	}
	if (err)
		return err;
	it->cursor = rq.cursor;
	it->done = !!(rq.flags & SYNCMAP_RANGE_DONE);
	it->len = rq.buf_len;
	it->pos = 0;
	return 0;
}

int syncmap_iter_next(struct syncmap_iter *it, const void **key,
		      size_t *key_len, const void **value, size_t *value_len)
{
	struct syncmap_rec rec;
	int err;

	while (it->pos >= it->len) {
		if (it->done)
			return 0;
		err = iter_fill(it);
		if (err)
			return err;
	}
	memcpy(&rec, it->buf + it->pos, sizeof(rec));
	*key = it->buf + it->pos + sizeof(rec);
	*key_len = rec.key_len;
	*value = it->buf + it->pos + sizeof(rec) + rec.key_len;
	*value_len = rec.value_len;
	it->pos += (sizeof(rec) + rec.key_len + rec.value_len + 7) & ~7U;
	return 1;
}

void syncmap_iter_free(struct syncmap_iter *it)
{
	if (!it)
		return;
	free(it->buf);
	free(it);
}

int syncmap_range(int fd,
		  int (*fn)(const void *key, size_t key_len,
			    const void *value, size_t value_len, void *arg),
		  void *arg)
{
	struct syncmap_iter *it = syncmap_iter_new(fd);
	const void *k, *v;
	size_t kl, vl;
	int ret;

	if (!it)
		return -ENOMEM;
	while ((ret = syncmap_iter_next(it, &k, &kl, &v, &vl)) == 1) {
		ret = fn(k, kl, v, vl, arg);
		if (ret)
			break;
	}
	syncmap_iter_free(it);
	return ret;
}

/* A batch command over any number of elements, SYNCMAP_BATCH_MAX a call. */
static int batch(int fd, unsigned long cmd, struct syncmap_kv *kvs,
		 uint32_t *count)
{
	uint32_t n = *count, done = 0, i;
	struct syncmap_batch rq;
	int err = 0;

	/* results of an earlier call are not input: flags must be 0 */
	for (i = 0; i < n; i++)
		kvs[i].flags = 0;
	while (done < n) {
		memset(&rq, 0, sizeof(rq));
		rq.kvs = ptr(kvs + done);
		rq.count = n - done < SYNCMAP_BATCH_MAX ? n - done :
							  SYNCMAP_BATCH_MAX;
		err = io(fd, cmd, &rq);
		done += rq.count;
		if (err)
			break;
	}
	*count = done;
	return err;
}

int syncmap_load_batch(int fd, struct syncmap_kv *kvs, uint32_t *count)
{
	return batch(fd, SYNCMAP_IOC_LOAD_BATCH, kvs, count);
}

int syncmap_store_batch(int fd, struct syncmap_kv *kvs, uint32_t *count)
{
	return batch(fd, SYNCMAP_IOC_STORE_BATCH, kvs, count);
}

int syncmap_delete_batch(int fd, struct syncmap_kv *kvs, uint32_t *count)
{
	return batch(fd, SYNCMAP_IOC_DELETE_BATCH, kvs, count);
}

/* A command of the control node, which each call opens for itself. */
static int control(unsigned long cmd, void *arg)
{
	int fd = open(SYNCMAP_CONTROL, O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = io(fd, cmd, arg);
	close(fd);
	return err;
}

/* @name into a zeroed name field; -EINVAL if it cannot be a map's. */
static int set_name(char *dst, const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= SYNCMAP_NAME_LEN)
		return -EINVAL;
	memcpy(dst, name, len);
	return 0;
}

int syncmap_create(const char *name, uint32_t max_entries,
		   uint32_t max_key_len, uint32_t max_value_len, mode_t mode)
{
	struct syncmap_create rq;
	int err;

	memset(&rq, 0, sizeof(rq));
	err = set_name(rq.name, name);
	if (err)
		return err;
	rq.max_entries = max_entries;
	rq.max_key_len = max_key_len;
	rq.max_value_len = max_value_len;
	rq.mode = mode;
	return control(SYNCMAP_IOC_CREATE, &rq);
}

int syncmap_destroy(const char *name)
{
	struct syncmap_name rq;
	int err;

	memset(&rq, 0, sizeof(rq));
	err = set_name(rq.name, name);
	return err ? err : control(SYNCMAP_IOC_DESTROY, &rq);
}

int syncmap_list(struct syncmap_info **infos, size_t *count)
{
	struct syncmap_list rq;
	struct syncmap_info *buf = NULL, *p;
	uint32_t cap = 16;
	int err;

	*infos = NULL;
	*count = 0;
	for (;;) {
		p = realloc(buf, cap * sizeof(*buf));
		if (!p) {
			free(buf);
			return -ENOMEM;
		}
		buf = p;
		memset(&rq, 0, sizeof(rq));
		rq.buf = ptr(buf);
		rq.count = cap;
		err = control(SYNCMAP_IOC_LIST, &rq);
		if (err != -ERANGE)
			break;
		cap = rq.count + 8;	/* maps may come meanwhile */
	}
	if (err) {
		free(buf);
		return err;
	}
	*infos = buf;
	*count = rq.count;
	return 0;
}
