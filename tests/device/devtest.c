// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the syncmap device's commands from user space: each command
 * with both outcomes, each error leaving the map as it was (a full RANGE
 * snapshot compared before and after), batches, several processes on one
 * map, and allocation failures injected into every ioctl (fail-nth).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

#include <linux/syncmap.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define MAX_ENTRIES	64
#define MAX_KEY		256
#define MAX_VALUE	1024

static int fd;
static int failed_checks;
static const char *cur_test;
static const char *dev_path = "/dev/syncmap";
#ifndef SYNCMAP_KSELFTEST
static const char *suite = "dev";
#endif
static mode_t dev_mode = 0600;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s: %s:%d: CHECK(%s) failed (errno %d)\n",	\
		       cur_test, __FILE__, __LINE__, #cond, errno);	\
		failed_checks++;					\
	}								\
} while (0)

static uint64_t p2u(const void *p)
{
	return (uintptr_t)p;
}

static struct syncmap_kv kv_of(const char *key, const void *val, size_t vlen)
{
	struct syncmap_kv kv = {
		.key = p2u(key), .key_len = strlen(key),
		.value = p2u(val), .value_len = vlen,
	};
	return kv;
}

/* ioctl, returning 0 or the errno. */
static int io(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static int put(const char *key, const char *val)
{
	struct syncmap_kv kv = kv_of(key, val, strlen(val));

	return io(SYNCMAP_IOC_STORE, &kv);
}

/* Load @key as a string into @buf; 0 or an errno. */
static int get(const char *key, char *buf, size_t cap)
{
	struct syncmap_kv kv = kv_of(key, buf, cap - 1);
	int err = io(SYNCMAP_IOC_LOAD, &kv);

	buf[err ? 0 : kv.value_len] = 0;
	return err;
}

static int get_is(const char *key, const char *want)
{
	char buf[MAX_VALUE + 1];

	return !get(key, buf, sizeof(buf)) && !strcmp(buf, want);
}

static uint64_t entries(void)
{
	struct syncmap_stats st;

	return io(SYNCMAP_IOC_STATS, &st) ? (uint64_t)-1 : st.entries;
}

/* The whole map as RANGE returns it: records in hash order. */
struct snap {
	unsigned char *p;
	size_t len;
	uint64_t entries;
};

static struct snap snapshot(void)
{
	struct snap s = { .p = malloc(1 << 20) };
	struct syncmap_range rq = {};

	do {
		rq.buf = p2u(s.p + s.len);
		rq.buf_len = 4096;
		rq.flags = 0;
		if (io(SYNCMAP_IOC_RANGE, &rq)) {
			s.len = (size_t)-1;
			break;
		}
		s.len += rq.buf_len;
	} while (!(rq.flags & SYNCMAP_RANGE_DONE));
	s.entries = entries();
	return s;
}

static int snap_equal(struct snap a, struct snap b)
{
	int eq = a.len == b.len && a.entries == b.entries &&
		 !memcmp(a.p, b.p, a.len);

	free(a.p);
	free(b.p);
	return eq;
}

static void reset(void)
{
	CHECK(!io(SYNCMAP_IOC_CLEAR, NULL));
	CHECK(entries() == 0);
}

#ifndef SYNCMAP_KSELFTEST
static void run(const char *name, void (*fn)(void))
{
	int before = failed_checks;

	cur_test = name;
	reset();
	fn();
	printf("SYNCMAP-RESULT %s %s.%s\n",
	       failed_checks == before ? "ok" : "FAIL", suite, name);
	fflush(stdout);
}
#endif

/* ---- every command, both outcomes ---------------------------------- */

static void t_store_load(void)
{
	struct syncmap_kv kv;
	char buf[16];

	CHECK(!put("k", "v1"));
	CHECK(get_is("k", "v1"));
	CHECK(!put("k", "value two"));
	CHECK(get_is("k", "value two"));
	CHECK(entries() == 1);
	kv = kv_of("k", buf, sizeof(buf));
	CHECK(!io(SYNCMAP_IOC_LOAD, &kv));
	CHECK(kv.flags == SYNCMAP_F_LOADED && kv.value_len == 9);
	kv = kv_of("absent", buf, sizeof(buf));
	CHECK(io(SYNCMAP_IOC_LOAD, &kv) == ENOENT);
}

static void t_binary(void)
{
	static const unsigned char val[] = { 0, 1, 0, 255, 0 };
	struct syncmap_kv kv = { .key = p2u(""), .key_len = 0,
				 .value = p2u(val), .value_len = sizeof(val) };
	unsigned char buf[16];

	CHECK(!io(SYNCMAP_IOC_STORE, &kv));	/* the empty key */
	kv.value = p2u(buf);
	kv.value_len = sizeof(buf);
	CHECK(!io(SYNCMAP_IOC_LOAD, &kv));
	CHECK(kv.value_len == sizeof(val) && !memcmp(buf, val, sizeof(val)));
	kv = (struct syncmap_kv){ .key = p2u("\0a"), .key_len = 2,
				  .value = p2u(val), .value_len = 0 };
	CHECK(!io(SYNCMAP_IOC_STORE, &kv));	/* an empty value */
	kv.value = p2u(buf);
	kv.value_len = sizeof(buf);
	CHECK(!io(SYNCMAP_IOC_LOAD, &kv));
	CHECK(kv.value_len == 0 && kv.flags == SYNCMAP_F_LOADED);
	CHECK(entries() == 2);
}

static void t_delete(void)
{
	struct syncmap_kv kv = kv_of("k", NULL, 0);

	CHECK(!io(SYNCMAP_IOC_DELETE, &kv));
	CHECK(kv.flags == 0);
	CHECK(!put("k", "v"));
	kv = kv_of("k", NULL, 0);
	CHECK(!io(SYNCMAP_IOC_DELETE, &kv));
	CHECK(kv.flags == SYNCMAP_F_LOADED);
	CHECK(!get_is("k", "v") && entries() == 0);
}

static void t_load_or_store(void)
{
	char old[16];
	struct syncmap_kv kv = kv_of("k", "first", 5);

	kv.old = p2u(old);
	kv.old_len = sizeof(old);
	CHECK(!io(SYNCMAP_IOC_LOAD_OR_STORE, &kv));
	CHECK(kv.flags == 0 && get_is("k", "first"));
	kv = kv_of("k", "second", 6);
	kv.old = p2u(old);
	kv.old_len = sizeof(old);
	CHECK(!io(SYNCMAP_IOC_LOAD_OR_STORE, &kv));
	CHECK(kv.flags == SYNCMAP_F_LOADED && kv.old_len == 5 &&
	      !memcmp(old, "first", 5));
	CHECK(get_is("k", "first") && entries() == 1);
}

static void t_load_and_delete(void)
{
	char buf[16];
	struct syncmap_kv kv = kv_of("k", buf, sizeof(buf));

	CHECK(io(SYNCMAP_IOC_LOAD_AND_DELETE, &kv) == ENOENT);
	CHECK(!put("k", "gone"));
	kv = kv_of("k", buf, sizeof(buf));
	CHECK(!io(SYNCMAP_IOC_LOAD_AND_DELETE, &kv));
	CHECK(kv.flags == SYNCMAP_F_LOADED && kv.value_len == 4 &&
	      !memcmp(buf, "gone", 4));
	CHECK(!get_is("k", "gone") && entries() == 0);
}

static void t_swap(void)
{
	char old[16];
	struct syncmap_kv kv = kv_of("k", "a", 1);

	kv.old = p2u(old);
	kv.old_len = sizeof(old);
	CHECK(!io(SYNCMAP_IOC_SWAP, &kv));
	CHECK(kv.flags == 0 && get_is("k", "a"));
	kv = kv_of("k", "bb", 2);
	kv.old = p2u(old);
	kv.old_len = sizeof(old);
	CHECK(!io(SYNCMAP_IOC_SWAP, &kv));
	CHECK(kv.flags == SYNCMAP_F_LOADED && kv.old_len == 1 && old[0] == 'a');
	CHECK(get_is("k", "bb") && entries() == 1);
}

static void t_compare_and_swap(void)
{
	struct syncmap_kv kv = kv_of("k", "new", 3);

	kv.old = p2u("old");
	kv.old_len = 3;
	CHECK(!io(SYNCMAP_IOC_COMPARE_AND_SWAP, &kv));	/* absent */
	CHECK(kv.flags == 0 && entries() == 0);
	CHECK(!put("k", "old"));
	kv.old = p2u("olx");
	CHECK(!io(SYNCMAP_IOC_COMPARE_AND_SWAP, &kv));	/* mismatch */
	CHECK(kv.flags == 0 && get_is("k", "old"));
	kv.flags = 0;
	kv.old = p2u("old");
	CHECK(!io(SYNCMAP_IOC_COMPARE_AND_SWAP, &kv));
	CHECK(kv.flags == SYNCMAP_F_SWAPPED && get_is("k", "new"));
}

static void t_compare_and_delete(void)
{
	struct syncmap_kv kv = kv_of("k", NULL, 0);

	kv.old = p2u("v");
	kv.old_len = 1;
	CHECK(!io(SYNCMAP_IOC_COMPARE_AND_DELETE, &kv));
	CHECK(kv.flags == 0);
	CHECK(!put("k", "w"));
	CHECK(!io(SYNCMAP_IOC_COMPARE_AND_DELETE, &kv));
	CHECK(kv.flags == 0 && get_is("k", "w"));
	kv.old = p2u("w");
	CHECK(!io(SYNCMAP_IOC_COMPARE_AND_DELETE, &kv));
	CHECK(kv.flags == SYNCMAP_F_SWAPPED && entries() == 0);
}

static void t_clear_stats(void)
{
	struct syncmap_stats st;
	char key[8];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "%d", i);
		CHECK(!put(key, "x"));
	}
	CHECK(!io(SYNCMAP_IOC_STATS, &st));
	CHECK(st.entries == 10 && st.max_entries == MAX_ENTRIES &&
	      st.max_key_len == MAX_KEY && st.max_value_len == MAX_VALUE);
	CHECK(!io(SYNCMAP_IOC_CLEAR, NULL));
	CHECK(entries() == 0 && !get_is("3", "x"));
}

/*
 * RANGE in small batches: every key once, records well formed; and the
 * cursors are not positions in hash order, which would rise call after
 * call, but enciphered (19 random cursors rise throughout once in 19!).
 */
static void t_range(void)
{
	unsigned char buf[64];
	int seen[40] = {}, i, calls = 0, cursors = 0, rises = 0;
	struct syncmap_range rq = {};
	char key[8], val[8];
	uint64_t prev = 0;

	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		snprintf(val, sizeof(val), "v%d", i);
		CHECK(!put(key, val));
	}
	do {
		unsigned char *p = buf;
		uint32_t n;

		rq.buf = p2u(buf);
		rq.buf_len = sizeof(buf);
		rq.flags = 0;
		CHECK(!io(SYNCMAP_IOC_RANGE, &rq));
		CHECK(rq.count >= 1 && rq.buf_len <= sizeof(buf));
		for (n = 0; n < rq.count; n++) {
			struct syncmap_rec rec;
			size_t size;
			int k, v;

			memcpy(&rec, p, sizeof(rec));
			size = (sizeof(rec) + rec.key_len + rec.value_len + 7) & ~7UL;
			memcpy(key, p + 8, rec.key_len);
			key[rec.key_len] = 0;
			memcpy(val, p + 8 + rec.key_len, rec.value_len);
			val[rec.value_len] = 0;
			CHECK(sscanf(key, "k%d", &k) == 1 &&
			      sscanf(val, "v%d", &v) == 1 && k == v);
			if (k >= 0 && k < 40)
				seen[k]++;
			while (8 + rec.key_len + rec.value_len < size)
				CHECK(p[8 + rec.key_len + rec.value_len++] == 0);
			p += size;
		}
		CHECK(++calls < 100);
		if (!(rq.flags & SYNCMAP_RANGE_DONE)) {
			rises += cursors++ && rq.cursor > prev;
			prev = rq.cursor;
		}
	} while (!(rq.flags & SYNCMAP_RANGE_DONE) && calls < 100);
	for (i = 0; i < 40; i++)
		CHECK(seen[i] == 1);
	CHECK(calls > 2);	/* 40 records of 16 bytes in 64-byte batches */
	CHECK(cursors >= 8 && rises < cursors - 1);
}

/* ---- error paths: each leaves the map as it was ------------------------ */

static void fill_some(void)
{
	CHECK(!put("a", "apple"));
	CHECK(!put("b", "banana"));
	CHECK(!put("c", "cherry"));
}

static void t_erange(void)
{
	char small[2];
	struct syncmap_range rq = {};
	struct syncmap_kv kv;
	struct snap s;

	fill_some();
	s = snapshot();
	kv = kv_of("b", small, sizeof(small));
	CHECK(io(SYNCMAP_IOC_LOAD, &kv) == ERANGE && kv.value_len == 6);
	kv = kv_of("b", small, sizeof(small));
	CHECK(io(SYNCMAP_IOC_LOAD_AND_DELETE, &kv) == ERANGE &&
	      kv.value_len == 6);
	kv = kv_of("c", "x", 1);
	kv.old = p2u(small);
	kv.old_len = sizeof(small);
	CHECK(io(SYNCMAP_IOC_SWAP, &kv) == ERANGE && kv.old_len == 6);
	kv = kv_of("a", "x", 1);
	kv.old = p2u(small);
	kv.old_len = sizeof(small);
	CHECK(io(SYNCMAP_IOC_LOAD_OR_STORE, &kv) == ERANGE && kv.old_len == 5);
	rq.buf = p2u(small);
	rq.buf_len = sizeof(small);
	CHECK(io(SYNCMAP_IOC_RANGE, &rq) == ERANGE && rq.buf_len == 16);
	CHECK(snap_equal(s, snapshot()));
}

static void t_e2big(void)
{
	static char big[MAX_VALUE + 2];
	struct syncmap_kv kv;
	struct snap s;

	fill_some();
	s = snapshot();
	memset(big, 'k', sizeof(big) - 1);
	kv = kv_of("a", big, MAX_VALUE + 1);
	CHECK(io(SYNCMAP_IOC_STORE, &kv) == E2BIG);
	CHECK(io(SYNCMAP_IOC_SWAP, &kv) == E2BIG);
	CHECK(io(SYNCMAP_IOC_LOAD_OR_STORE, &kv) == E2BIG);
	kv = kv_of("a", "v", 1);
	kv.key = p2u(big);
	kv.key_len = MAX_KEY + 1;
	CHECK(io(SYNCMAP_IOC_STORE, &kv) == E2BIG);
	CHECK(io(SYNCMAP_IOC_LOAD, &kv) == E2BIG);
	CHECK(io(SYNCMAP_IOC_DELETE, &kv) == E2BIG);
	kv = kv_of("a", "v", 1);
	kv.old = p2u(big);
	kv.old_len = MAX_VALUE + 1;
	CHECK(io(SYNCMAP_IOC_COMPARE_AND_SWAP, &kv) == E2BIG);
	CHECK(snap_equal(s, snapshot()));
	/* At the limits exactly: accepted. */
	kv = kv_of("a", big, MAX_VALUE);
	kv.key = p2u(big);
	kv.key_len = MAX_KEY;
	CHECK(!io(SYNCMAP_IOC_STORE, &kv));
}

static void t_enospc(void)
{
	char key[8];
	struct snap s;
	int i;

	for (i = 0; i < MAX_ENTRIES; i++) {
		snprintf(key, sizeof(key), "%d", i);
		CHECK(!put(key, "x"));
	}
	s = snapshot();
	CHECK(put("one-more", "x") == ENOSPC);
	{
		struct syncmap_kv kv = kv_of("one-more", "x", 1);
		char old[4];

		kv.old = p2u(old);
		kv.old_len = sizeof(old);
		CHECK(io(SYNCMAP_IOC_SWAP, &kv) == ENOSPC);
		CHECK(io(SYNCMAP_IOC_LOAD_OR_STORE, &kv) == ENOSPC);
	}
	CHECK(snap_equal(s, snapshot()));
	CHECK(!put("7", "an existing key still takes a store"));
	CHECK(!put("7", "x"));
	CHECK(!put("8", "x"));
	{
		struct syncmap_kv kv = kv_of("8", NULL, 0);

		CHECK(!io(SYNCMAP_IOC_DELETE, &kv));
	}
	CHECK(!put("one-more", "x"));	/* room again */
	CHECK(entries() == MAX_ENTRIES);
}

static void t_einval(void)
{
	struct syncmap_range rq = {};
	struct syncmap_kv kv;
	struct snap s;
	char buf[64];

	fill_some();
	s = snapshot();
	kv = kv_of("z", "v", 1);
	kv.flags = SYNCMAP_F_LOADED;
	CHECK(io(SYNCMAP_IOC_STORE, &kv) == EINVAL);
	kv.flags = 1U << 31;
	CHECK(io(SYNCMAP_IOC_LOAD, &kv) == EINVAL);
	CHECK(io(SYNCMAP_IOC_DELETE, &kv) == EINVAL);
	rq.buf = p2u(buf);
	rq.buf_len = sizeof(buf);
	rq.flags = SYNCMAP_RANGE_DONE;
	CHECK(io(SYNCMAP_IOC_RANGE, &rq) == EINVAL);
	rq.flags = 0;
	rq.pad = 1;
	CHECK(io(SYNCMAP_IOC_RANGE, &rq) == EINVAL);
	CHECK(snap_equal(s, snapshot()));
}

static void t_efault(void)
{
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	struct syncmap_range rq = {};
	struct syncmap_kv kv;
	struct snap s;

	fill_some();
	s = snapshot();
	kv = kv_of("a", "v", 1);
	kv.key = 8;				/* unmapped */
	CHECK(io(SYNCMAP_IOC_STORE, &kv) == EFAULT);
	kv = kv_of("new", NULL, 1);
	kv.value = 8;
	CHECK(io(SYNCMAP_IOC_STORE, &kv) == EFAULT);
	CHECK(ioctl(fd, SYNCMAP_IOC_STORE, (void *)8) && errno == EFAULT);
	/* Results into read-only memory: nothing may change. */
	kv = kv_of("a", ro, 64);
	CHECK(io(SYNCMAP_IOC_LOAD_AND_DELETE, &kv) == EFAULT);
	kv = kv_of("b", "new", 3);
	kv.old = p2u(ro);
	kv.old_len = 64;
	CHECK(io(SYNCMAP_IOC_SWAP, &kv) == EFAULT);
	/* The argument itself read-only: DELETE cannot write its flags. */
	if (ro != MAP_FAILED) {
		struct syncmap_kv *rokv;

		rokv = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		*rokv = kv_of("c", NULL, 0);
		mprotect(rokv, 4096, PROT_READ);
		CHECK(ioctl(fd, SYNCMAP_IOC_DELETE, rokv) && errno == EFAULT);
		CHECK(ioctl(fd, SYNCMAP_IOC_LOAD_OR_STORE, rokv) &&
		      errno == EFAULT);
		munmap(rokv, 4096);
	}
	rq.buf = p2u(ro);
	rq.buf_len = 64;
	CHECK(io(SYNCMAP_IOC_RANGE, &rq) == EFAULT);
	CHECK(ioctl(fd, SYNCMAP_IOC_STATS, (void *)ro) && errno == EFAULT);
	CHECK(snap_equal(s, snapshot()));
	munmap(ro, 4096);
}

static void t_enotty(void)
{
	struct syncmap_kv kv = kv_of("a", "v", 1);
	struct snap s;
	uint32_t small = 0;

	fill_some();
	s = snapshot();
	CHECK(io(_IOWR(SYNCMAP_IOC_MAGIC, 99, struct syncmap_kv), &kv) == ENOTTY);
	CHECK(io(_IOWR(SYNCMAP_IOC_MAGIC, 1, uint32_t), &small) == ENOTTY);
	CHECK(io(_IOWR(SYNCMAP_IOC_MAGIC, 1, struct syncmap_kv), &kv) == ENOTTY);
	CHECK(io(_IOR(SYNCMAP_IOC_MAGIC, 2, struct syncmap_kv), &kv) == ENOTTY);
	CHECK(io(_IOW(SYNCMAP_IOC_MAGIC, 9, uint32_t), &small) == ENOTTY);
	CHECK(io(_IOWR(SYNCMAP_IOC_MAGIC, 10, struct syncmap_stats), &kv) == ENOTTY);
	CHECK(io(_IO('X', 1), NULL) == ENOTTY);
	CHECK(snap_equal(s, snapshot()));
}

static void t_device_node(void)
{
	struct stat st;

	CHECK(!stat(dev_path, &st));
	CHECK(S_ISCHR(st.st_mode) && (st.st_mode & 07777) == dev_mode);
}

/* ---- batch commands ------------------------------------------------- */

#define BATCH	12

struct batch_bufs {
	char keys[BATCH][16];
	char vals[BATCH][16];
	char out[BATCH][16];
	struct syncmap_kv kv[BATCH];
};

/* Elements for keys bK0.. bK(n-1), values vK0.., loading into out[]. */
static void batch_fill(struct batch_bufs *b, int n, int first)
{
	int i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < n; i++) {
		snprintf(b->keys[i], sizeof(b->keys[i]), "bk%d", first + i);
		snprintf(b->vals[i], sizeof(b->vals[i]), "bv%d", first + i);
		b->kv[i] = kv_of(b->keys[i], b->vals[i], strlen(b->vals[i]));
	}
}

static void batch_for_load(struct batch_bufs *b, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		b->kv[i].value = p2u(b->out[i]);
		b->kv[i].value_len = sizeof(b->out[i]);
	}
}

static int batch(unsigned long cmd, struct batch_bufs *b, uint32_t n,
		 uint32_t *done)
{
	struct syncmap_batch rq = { .kvs = p2u(b->kv), .count = n };
	int err = io(cmd, &rq);

	*done = rq.count;
	return err;
}

static void t_batch(void)
{
	struct batch_bufs *b = malloc(sizeof(*b));
	struct syncmap_batch rq = {};
	uint32_t done;
	int i;

	/* STORE_BATCH, then LOAD_BATCH with absent keys between */
	batch_fill(b, 8, 0);
	CHECK(!batch(SYNCMAP_IOC_STORE_BATCH, b, 8, &done) && done == 8);
	CHECK(entries() == 8 && get_is("bk0", "bv0") && get_is("bk7", "bv7"));
	batch_fill(b, BATCH, 0);	/* bk8 .. bk11 are absent */
	batch_for_load(b, BATCH);
	CHECK(!batch(SYNCMAP_IOC_LOAD_BATCH, b, BATCH, &done) && done == BATCH);
	for (i = 0; i < BATCH; i++) {
		int present = i < 8;

		CHECK(b->kv[i].flags == (present ? SYNCMAP_F_LOADED : 0u));
		CHECK(b->kv[i].value_len == (present ? strlen(b->vals[i]) : 0u));
		CHECK(!present || !memcmp(b->out[i], b->vals[i], strlen(b->vals[i])));
	}
	/* a partial failure: elements before it done, it and later not */
	batch_fill(b, BATCH, 100);
	b->kv[5].value_len = MAX_VALUE + 1;
	CHECK(batch(SYNCMAP_IOC_STORE_BATCH, b, BATCH, &done) == E2BIG);
	CHECK(done == 5 && entries() == 8 + 5);
	CHECK(get_is("bk104", "bv104"));
	{
		char buf[16];

		CHECK(get("bk105", buf, sizeof(buf)) == ENOENT);
		CHECK(get("bk106", buf, sizeof(buf)) == ENOENT);
	}
	batch_fill(b, BATCH, 200);
	b->kv[3].key = 8;	/* unmapped */
	CHECK(batch(SYNCMAP_IOC_STORE_BATCH, b, BATCH, &done) == EFAULT);
	CHECK(done == 3 && entries() == 8 + 5 + 3);
	/* LOAD_BATCH: a buffer too small stops it, with the length needed */
	batch_fill(b, 4, 0);
	batch_for_load(b, 4);
	b->kv[2].value_len = 1;
	CHECK(batch(SYNCMAP_IOC_LOAD_BATCH, b, 4, &done) == ERANGE);
	CHECK(done == 2 && b->kv[2].value_len == 3 &&
	      b->kv[1].flags == SYNCMAP_F_LOADED);
	/* DELETE_BATCH: present and absent keys, flags say which */
	batch_fill(b, BATCH, 0);
	CHECK(!batch(SYNCMAP_IOC_DELETE_BATCH, b, BATCH, &done) && done == BATCH);
	for (i = 0; i < BATCH; i++)
		CHECK(b->kv[i].flags == (i < 8 ? SYNCMAP_F_LOADED : 0u));
	CHECK(entries() == 5 + 3);
	/* ENOSPC part way: the map holds MAX_ENTRIES keys */
	reset();
	for (i = 0; i < MAX_ENTRIES - 4; i++) {
		char k[16];

		snprintf(k, sizeof(k), "fill%d", i);
		CHECK(!put(k, "x"));
	}
	batch_fill(b, BATCH, 300);
	CHECK(batch(SYNCMAP_IOC_STORE_BATCH, b, BATCH, &done) == ENOSPC);
	CHECK(done == 4 && entries() == MAX_ENTRIES);
	/* the batch argument itself */
	rq.flags = 1;
	CHECK(io(SYNCMAP_IOC_STORE_BATCH, &rq) == EINVAL);
	rq.flags = 0;
	rq.count = SYNCMAP_BATCH_MAX + 1;
	CHECK(io(SYNCMAP_IOC_LOAD_BATCH, &rq) == EINVAL);
	rq.count = 0;
	CHECK(!io(SYNCMAP_IOC_DELETE_BATCH, &rq) && rq.count == 0);
	rq.count = 1;
	rq.kvs = 8;
	CHECK(io(SYNCMAP_IOC_LOAD_BATCH, &rq) == EFAULT && rq.count == 0);
	CHECK(io(SYNCMAP_IOC_STORE_BATCH, NULL) == EFAULT);
	CHECK(entries() == MAX_ENTRIES);
	free(b);
}

/* ---- several processes at once ------------------------------------- */

static int spawn(int n, void (*fn)(int id))
{
	int i, status, bad = 0;

	fflush(stdout);
	for (i = 0; i < n; i++) {
		if (fork() == 0) {
			fd = open(dev_path, O_RDWR);
			failed_checks = 0;
			fn(i);
			_exit(failed_checks ? 1 : 0);
		}
	}
	for (i = 0; i < n; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	return bad;
}

#define CAS_PROCS	4
#define CAS_ITERS	500

/* Increment a decimal counter with COMPARE_AND_SWAP until N succeed. */
static void cas_worker(int id)
{
	int done = 0;

	(void)id;
	while (done < CAS_ITERS) {
		char cur[32], next[32];
		struct syncmap_kv kv;

		if (get("counter", cur, sizeof(cur))) {
			CHECK(0);
			return;
		}
		snprintf(next, sizeof(next), "%ld", atol(cur) + 1);
		kv = kv_of("counter", next, strlen(next));
		kv.old = p2u(cur);
		kv.old_len = strlen(cur);
		CHECK(!io(SYNCMAP_IOC_COMPARE_AND_SWAP, &kv));
		if (kv.flags & SYNCMAP_F_SWAPPED)
			done++;
	}
}

static void t_cas_counter(void)
{
	char want[32];

	CHECK(!put("counter", "0"));
	CHECK(spawn(CAS_PROCS, cas_worker) == 0);
	snprintf(want, sizeof(want), "%d", CAS_PROCS * CAS_ITERS);
	CHECK(get_is("counter", want));
}

/*
 * Writers store "<key>=<writer>.<n>" under eight keys; readers check every
 * value they see starts with its own key: never one written for another.
 */
static void rw_worker(int id)
{
	char key[8], val[64], buf[MAX_VALUE + 1];
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "r%d", i % 8);
		if (id < 2) {
			snprintf(val, sizeof(val), "%s=%d.%d", key, id, i);
			CHECK(!put(key, val));
			if (i % 7 == 0) {
				struct syncmap_kv kv = kv_of(key, NULL, 0);

				CHECK(!io(SYNCMAP_IOC_DELETE, &kv));
			}
		} else if (!get(key, buf, sizeof(buf))) {
			CHECK(!strncmp(buf, key, strlen(key)) &&
			      buf[strlen(key)] == '=');
		}
	}
}

static void t_readers_writers(void)
{
	CHECK(spawn(4, rw_worker) == 0);
}

/* RANGE while others write: stable keys exactly once, none twice. */
static void churn_worker(int id)
{
	char key[16];
	int i;

	for (i = 0; i < 1500; i++) {
		snprintf(key, sizeof(key), "churn%d.%d", id, i % 16);
		if (i & 1) {
			struct syncmap_kv kv = kv_of(key, NULL, 0);

			CHECK(!io(SYNCMAP_IOC_DELETE, &kv));
		} else {
			CHECK(!put(key, "c"));
		}
	}
}

static void t_range_during_writes(void)
{
	int seen[24] = {}, i, rounds, bad_dup = 0, pid_ok;
	char key[32], val[32];
	pid_t pid;

	for (i = 0; i < 24; i++) {
		snprintf(key, sizeof(key), "stable%d", i);
		CHECK(!put(key, "s"));
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(spawn(2, churn_worker) ? 1 : 0);
	for (rounds = 0; rounds < 20; rounds++) {
		struct syncmap_range rq = {};
		unsigned char buf[48];
		char names[64][32];
		int n = 0, j, k;

		memset(seen, 0, sizeof(seen));
		do {
			unsigned char *p = buf;
			uint32_t r;

			rq.buf = p2u(buf);
			rq.buf_len = sizeof(buf);
			rq.flags = 0;
			if (io(SYNCMAP_IOC_RANGE, &rq)) {
				CHECK(0);
				break;
			}
			for (r = 0; r < rq.count; r++) {
				struct syncmap_rec rec;

				memcpy(&rec, p, sizeof(rec));
				memcpy(key, p + 8, rec.key_len);
				key[rec.key_len] = 0;
				if (sscanf(key, "stable%d", &k) == 1 && k < 24)
					seen[k]++;
				for (j = 0; j < n; j++)
					bad_dup += !strcmp(names[j], key);
				if (n < 64)
					snprintf(names[n++], sizeof(names[0]), "%s", key);
				p += (8 + rec.key_len + rec.value_len + 7) & ~7UL;
			}
		} while (!(rq.flags & SYNCMAP_RANGE_DONE));
		for (i = 0; i < 24; i++)
			CHECK(seen[i] == 1);
	}
	CHECK(bad_dup == 0);
	pid_ok = waitpid(pid, &i, 0) == pid && WIFEXITED(i) && !WEXITSTATUS(i);
	CHECK(pid_ok);
	(void)val;
}

/* Racing adders of distinct keys never push the map past max_entries. */
static void adder_worker(int id)
{
	char key[16];
	int i, err;

	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "add%d.%d", id, i);
		err = put(key, "x");
		CHECK(!err || err == ENOSPC);
	}
}

static void t_max_entries_race(void)
{
	CHECK(spawn(4, adder_worker) == 0);
	CHECK(entries() == MAX_ENTRIES);
	CHECK(put("more", "x") == ENOSPC);
}

/*
 * Writers of values of 20-170 bytes on four shared keys, every result read
 * into a buffer of 200 bytes, big enough for any value: a command that
 * retries because the map moved must still use the capacity user space
 * passed, so ERANGE here is always wrong. Each value names its key and its
 * own length, which every reader checks. One more process RANGEs with a
 * buffer that holds any one record.
 */
#define VAR_KEYS	4
#define VAR_MIN		20
#define VAR_MAX		170
#define VAR_BUF		200
#define VAR_ITERS	3000

static size_t var_value(char *buf, int key, unsigned int *seed)
{
	size_t len = VAR_MIN + rand_r(seed) % (VAR_MAX - VAR_MIN + 1);
	int n = snprintf(buf, VAR_BUF, "dk%d:%zu:", key, len);

	memset(buf + n, 'a' + key, len - n);
	return len;
}

/* A loaded value of @len bytes is one some writer made for key @key. */
static int var_ok(const char *buf, size_t len, int key)
{
	char head[16];
	size_t claimed;
	int k, n;

	if (len < VAR_MIN || len > VAR_MAX)
		return 0;
	memcpy(head, buf, sizeof(head) - 1);
	head[sizeof(head) - 1] = 0;
	return sscanf(head, "dk%d:%zu:%n", &k, &claimed, &n) == 2 &&
	       k == key && claimed == len;
}

static long var_eranges;	/* per process; reported by the CHECK */

/* @len: the length written back for the value that came back in @buf. */
static void var_check(int err, const struct syncmap_kv *kv, const char *buf,
		      size_t len, int key, const char *what)
{
	if (err == ERANGE) {
		if (!var_eranges++)
			printf("# %s dk%d: ERANGE, length written back %zu (buffer %d)\n",
			       what, key, len, VAR_BUF);
		return;
	}
	CHECK(!err || err == ENOENT);
	if (!err && (kv->flags & SYNCMAP_F_LOADED))
		CHECK(var_ok(buf, len, key));
}

static void var_writer(int id)
{
	char key[8], val[VAR_BUF], buf[VAR_BUF];
	unsigned int seed = 0x5eed + id;
	struct syncmap_kv kv;
	int i, k, err;

	for (i = 0; i < VAR_ITERS; i++) {
		k = rand_r(&seed) % VAR_KEYS;
		snprintf(key, sizeof(key), "dk%d", k);
		kv = kv_of(key, val, var_value(val, k, &seed));
		kv.old = p2u(buf);
		kv.old_len = sizeof(buf);
		switch (rand_r(&seed) % 5) {
		case 0:
			CHECK(!io(SYNCMAP_IOC_STORE, &kv));
			break;
		case 1:
			err = io(SYNCMAP_IOC_SWAP, &kv);
			var_check(err, &kv, buf, kv.old_len, k, "SWAP");
			break;
		case 2:
			err = io(SYNCMAP_IOC_LOAD_OR_STORE, &kv);
			var_check(err, &kv, buf, kv.old_len, k, "LOAD_OR_STORE");
			break;
		case 3:
			kv.value = p2u(buf);
			kv.value_len = sizeof(buf);
			err = io(SYNCMAP_IOC_LOAD_AND_DELETE, &kv);
			var_check(err, &kv, buf, kv.value_len, k,
				  "LOAD_AND_DELETE");
			break;
		default:
			CHECK(!io(SYNCMAP_IOC_DELETE, &kv));
		}
	}
	CHECK(var_eranges == 0);
}

static void var_ranger(void)
{
	unsigned char buf[VAR_BUF + 16];
	long calls = 0, eranges = 0;
	struct syncmap_range rq;
	int i;

	for (i = 0; i < VAR_ITERS / 4; i++) {
		rq = (struct syncmap_range){ .buf = p2u(buf) };
		do {
			unsigned char *p = buf;
			uint32_t r;
			int err;

			rq.buf_len = sizeof(buf);
			rq.flags = 0;
			err = io(SYNCMAP_IOC_RANGE, &rq);
			calls++;
			if (err == ERANGE && !eranges++)
				printf("# RANGE: ERANGE, buf_len %u (buffer %zu)\n",
				       rq.buf_len, sizeof(buf));
			if (err) {
				CHECK(err == ERANGE);
				break;
			}
			for (r = 0; r < rq.count; r++) {
				struct syncmap_rec rec;
				int k;

				memcpy(&rec, p, sizeof(rec));
				CHECK(rec.key_len == 3 &&
				      sscanf((char *)p + 8, "dk%d", &k) == 1 &&
				      var_ok((char *)p + 8 + 3, rec.value_len, k));
				p += (8 + rec.key_len + rec.value_len + 7) & ~7UL;
			}
		} while (!(rq.flags & SYNCMAP_RANGE_DONE));
	}
	CHECK(eranges == 0 && calls > 0);
}

static void var_worker(int id)
{
	if (id == 3)
		var_ranger();
	else
		var_writer(id);
}

static void t_variable_values(void)
{
	CHECK(spawn(4, var_worker) == 0);
}

/* ---- allocation failures: fail-nth, then random ----------------------- */

/*
 * Every command, with the kernel failing its 1st allocation, then its
 * 2nd, ... (/proc/thread-self/fail-nth) until a run meets no injected
 * failure. A run that met one must fail with ENOMEM and leave the map
 * unchanged, or, if the failure hit an allocation the kernel recovers
 * from (kmemleak's metadata, say), must have done all it should.
 */
struct fault_cmd {
	const char *name;
	int (*op)(void);
	int (*done)(void);	/* the effect of a success is visible */
};

static char fbuf[MAX_VALUE + 1];

static int f_store_new(void) { return put("new", "fresh"); }
static int f_store_old(void) { return put("a", "avocado"); }
static int f_load(void) { return get("b", fbuf, sizeof(fbuf)); }
static int f_delete(void)
{
	struct syncmap_kv kv = kv_of("c", NULL, 0);

	return io(SYNCMAP_IOC_DELETE, &kv);
}

static int f_los_new(void)
{
	struct syncmap_kv kv = kv_of("new", "fresh", 5);

	return io(SYNCMAP_IOC_LOAD_OR_STORE, &kv);
}

static int f_los_old(void)
{
	struct syncmap_kv kv = kv_of("a", "other", 5);

	kv.old = p2u(fbuf);
	kv.old_len = sizeof(fbuf);
	return io(SYNCMAP_IOC_LOAD_OR_STORE, &kv);
}

static int f_lad(void)
{
	struct syncmap_kv kv = kv_of("b", fbuf, sizeof(fbuf));

	return io(SYNCMAP_IOC_LOAD_AND_DELETE, &kv);
}

static int f_swap(void)
{
	struct syncmap_kv kv = kv_of("a", "avocado", 7);

	kv.old = p2u(fbuf);
	kv.old_len = sizeof(fbuf);
	return io(SYNCMAP_IOC_SWAP, &kv);
}

static int f_cas(void)
{
	struct syncmap_kv kv = kv_of("a", "avocado", 7);

	kv.old = p2u("apple");
	kv.old_len = 5;
	return io(SYNCMAP_IOC_COMPARE_AND_SWAP, &kv);
}

static int f_cad(void)
{
	struct syncmap_kv kv = kv_of("c", NULL, 0);

	kv.old = p2u("cherry");
	kv.old_len = 6;
	return io(SYNCMAP_IOC_COMPARE_AND_DELETE, &kv);
}

static int f_range(void)
{
	struct syncmap_range rq = { .buf = p2u(fbuf), .buf_len = sizeof(fbuf) };

	return io(SYNCMAP_IOC_RANGE, &rq);
}

static int f_stats(void)
{
	struct syncmap_stats st;

	return io(SYNCMAP_IOC_STATS, &st);
}

static int f_clear(void) { return io(SYNCMAP_IOC_CLEAR, NULL); }

static int d_new(void) { return get_is("new", "fresh"); }
static int d_avocado(void) { return get_is("a", "avocado"); }
static int d_apple(void) { return get_is("a", "apple"); }
static int d_no_b(void) { return get("b", fbuf, sizeof(fbuf)) == ENOENT; }
static int d_no_c(void) { return get("c", fbuf, sizeof(fbuf)) == ENOENT; }
static int d_same(void) { return entries() == 3; }
static int d_empty(void) { return !entries(); }

static const struct fault_cmd fault_cmds[] = {
	{ "STORE new key", f_store_new, d_new },
	{ "STORE present key", f_store_old, d_avocado },
	{ "LOAD", f_load, d_same },
	{ "DELETE", f_delete, d_no_c },
	{ "LOAD_OR_STORE new key", f_los_new, d_new },
	{ "LOAD_OR_STORE present key", f_los_old, d_apple },
	{ "LOAD_AND_DELETE", f_lad, d_no_b },
	{ "SWAP", f_swap, d_avocado },
	{ "COMPARE_AND_SWAP", f_cas, d_avocado },
	{ "COMPARE_AND_DELETE", f_cad, d_no_c },
	{ "RANGE", f_range, d_same },
	{ "STATS", f_stats, d_same },
	{ "CLEAR", f_clear, d_empty },
};

static int fail_nth_fd = -1;

static void fail_nth_set(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len)
		CHECK(!"write fail-nth");
}

/* 1 if the failure set up by fail_nth_set() was injected. */
static int fail_nth_injected(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		CHECK(!"read fail-nth");
	return atoi(buf) == 0;
}

static long faults_injected, faults_surfaced;

static void t_fail_nth(void)
{
	size_t i;
	int n;

	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	CHECK(fail_nth_fd >= 0);	/* CONFIG_FAULT_INJECTION */
	if (fail_nth_fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(fault_cmds); i++) {
		const struct fault_cmd *c = &fault_cmds[i];

		for (n = 1; n < 200; n++) {
			struct snap before;
			int err, hit;

			reset();
			fill_some();
			before = snapshot();
			fail_nth_set(n);
			err = c->op();
			hit = fail_nth_injected();
			fail_nth_set(0);
			if (!hit) {
				CHECK(!err);
				CHECK(c->done());
				free(before.p);
				break;
			}
			faults_injected++;
			if (err) {
				faults_surfaced++;
				if (err != ENOMEM || !snap_equal(before, snapshot()))
					printf("# %s, allocation %d: errno %d or map changed\n",
					       c->name, n, err);
				CHECK(err == ENOMEM);
			} else {
				free(before.p);
				CHECK(c->done());
			}
		}
		CHECK(n < 200);
	}
	close(fail_nth_fd);
	printf("# fail-nth: %ld failures injected, %ld surfaced as ENOMEM\n",
	       faults_injected, faults_surfaced);
	CHECK(faults_surfaced >= 8);
}

/*
 * What the kselftest leaves out: tests that need the test VM's set-up
 * (failslab's settings, a memory cgroup, module parameters) or a device
 * of their own (the named maps').
 */
#ifndef SYNCMAP_KSELFTEST
/*
 * Random failures: this process fails allocations at random
 * (make-it-fail; the guest set failslab's probability and task-filter)
 * while it runs random commands on 16 keys against a model. A command
 * that fails with ENOMEM must not change the model's key; at the end the
 * map must equal the model.
 */
#define RKEYS 16

/*
 * The file is opened once, before failures are switched on: an open()
 * while they are on may itself fail with ENOMEM. Switching off is retried
 * for the same reason.
 */
static int make_it_fail(int on)
{
	static int f = -1;
	int tries;

	if (f < 0)
		f = open("/proc/self/make-it-fail", O_WRONLY);
	for (tries = 0; f >= 0 && tries < 100; tries++)
		if (pwrite(f, on ? "1" : "0", 1, 0) == 1)
			return 1;
	return 0;
}

static void t_random_faults(void)
{
	char model[RKEYS][16], key[8], val[16];
	long enomem = 0, ops = 0;
	unsigned int seed = 12345;
	int i, k, err;

	memset(model, 0, sizeof(model));
	CHECK(make_it_fail(1));
	for (i = 0; i < 4000; i++) {
		k = rand_r(&seed) % RKEYS;
		snprintf(key, sizeof(key), "r%d", k);
		snprintf(val, sizeof(val), "v%d", i);
		switch (rand_r(&seed) % 4) {
		case 0:
			err = put(key, val);
			if (!err)
				strcpy(model[k], val);
			break;
		case 1: {
			struct syncmap_kv kv = kv_of(key, NULL, 0);

			err = io(SYNCMAP_IOC_DELETE, &kv);
			if (!err || err == ENOENT) {
				model[k][0] = 0;
				err = 0;
			}
			break;
		}
		case 2: {
			struct syncmap_kv kv = kv_of(key, val, strlen(val));

			kv.old = p2u(fbuf);
			kv.old_len = sizeof(fbuf);
			err = io(SYNCMAP_IOC_SWAP, &kv);
			if (!err)
				strcpy(model[k], val);
			break;
		}
		default: {
			struct syncmap_kv kv = kv_of(key, fbuf, sizeof(fbuf) - 1);

			err = io(SYNCMAP_IOC_LOAD, &kv);
			if (err == ENOENT && !model[k][0])
				err = 0;
			else if (!err && (kv.value_len != strlen(model[k]) ||
					  memcmp(fbuf, model[k], kv.value_len)))
				err = -1;
			break;
		}
		}
		ops++;
		if (err == ENOMEM)
			enomem++;
		else if (err)
			printf("# random faults: op %d on %s: error %d\n", i, key, err);
		CHECK(!err || err == ENOMEM);
	}
	CHECK(make_it_fail(0));
	for (k = 0; k < RKEYS; k++) {
		snprintf(key, sizeof(key), "r%d", k);
		CHECK(model[k][0] ? get_is(key, model[k])
				  : get(key, fbuf, sizeof(fbuf)) == ENOENT);
	}
	printf("# random faults: %ld commands, %ld failed with ENOMEM\n", ops,
	       enomem);
	CHECK(enomem > 0);
}

/*
 * devtest memfill, run in a memory cgroup with a small memory.max by the
 * guest: store 64 KiB values under new keys until a store fails. It must
 * fail with ENOMEM (charged to our memcg, refused rather than OOM-killed),
 * and the map must still answer afterwards. Exit 0 if so.
 */
static int memfill(void)
{
	static char val[65536], obuf[4096];
	char key[32];
	int i, err = 0;

	/*
	 * Nothing of ours may need a new page once the cgroup is full: a
	 * page fault at the limit is an OOM kill, not an ENOMEM (7.2 killed
	 * us so, 2026-12-03, when the report's printf() allocated stdout's
	 * buffer). The buffer is static, the value touched, and the report's
	 * printf() path and stack run once before the fill.
	 */
	setvbuf(stdout, obuf, _IOLBF, sizeof(obuf));
	memset(val, 'm', sizeof(val));
	printf("# filling the map with 64 KiB values, %llu keys before\n",
	       (unsigned long long)entries());
	for (i = 0; i < 100000 && !err; i++) {
		struct syncmap_kv kv;

		snprintf(key, sizeof(key), "mem%d", i);
		kv = kv_of(key, val, sizeof(val));
		err = io(SYNCMAP_IOC_STORE, &kv);
	}
	printf("# memfill: store %d failed with errno %d; map holds %llu keys\n",
	       i, err, (unsigned long long)entries());
	return err == ENOMEM && entries() == (uint64_t)i - 1 ? 0 : 1;
}

#endif /* !SYNCMAP_KSELFTEST */

/* ---- named maps (devtest named) ------------------------------------ */

static int ctl = -1;

static int ctl_io(unsigned long cmd, void *arg)
{
	return ioctl(ctl, cmd, arg) ? errno : 0;
}

#ifndef SYNCMAP_KSELFTEST
/* @name into a zeroed name field, cut to SYNCMAP_NAME_LEN - 1 bytes. */
static void set_name(char *dst, const char *name)
{
	memcpy(dst, name, strnlen(name, SYNCMAP_NAME_LEN - 1));
}

static int create_map(const char *name, uint32_t entries, uint32_t key_len,
		      uint32_t value_len, uint32_t mode)
{
	struct syncmap_create rq = {
		.max_entries = entries, .max_key_len = key_len,
		.max_value_len = value_len, .mode = mode,
	};

	set_name(rq.name, name);
	return ctl_io(SYNCMAP_IOC_CREATE, &rq);
}

static int destroy_map(const char *name)
{
	struct syncmap_name rq = {};

	set_name(rq.name, name);
	return ctl_io(SYNCMAP_IOC_DESTROY, &rq);
}

static int open_map(const char *name, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/syncmaps/%s", name);
	return open(path, flags);
}

/* The map's info from LIST, or an errno. */
static int find_info(const char *name, struct syncmap_info *out)
{
	struct syncmap_info infos[64];
	struct syncmap_list rq = { .buf = p2u(infos), .count = 64 };
	uint32_t i;
	int err = ctl_io(SYNCMAP_IOC_LIST, &rq);

	if (err)
		return err;
	for (i = 0; i < rq.count; i++)
		if (!strcmp(infos[i].name, name)) {
			*out = infos[i];
			return 0;
		}
	return ENOENT;
}

/* A sysfs attribute of a named map, or -1. */
static long long sysfs_attr(const char *name, const char *attr)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/syncmap/%s/%s", name, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void t_named_create_destroy(void)
{
	struct syncmap_info info;
	struct stat st;

	CHECK(!create_map("cd", 0, 0, 0, 0));
	CHECK(!stat("/dev/syncmaps/cd", &st));
	CHECK(S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0600);
	CHECK(st.st_uid == getuid() && st.st_gid == getgid());
	CHECK(!find_info("cd", &info));
	CHECK(info.entries == 0 && info.mode == 0600 && info.uid == getuid());
	/* 0 means the module parameters: 64, 256, 1024 in the test VM */
	CHECK(info.max_entries == MAX_ENTRIES && info.max_key_len == MAX_KEY &&
	      info.max_value_len == MAX_VALUE);
	CHECK(create_map("cd", 0, 0, 0, 0) == EEXIST);
	CHECK(!destroy_map("cd"));
	CHECK(stat("/dev/syncmaps/cd", &st) && errno == ENOENT);
	CHECK(find_info("cd", &info) == ENOENT);
	CHECK(destroy_map("cd") == ENOENT);
	CHECK(sysfs_attr("cd", "entries") == -1);
	/* the name is free again at once */
	CHECK(!create_map("cd", 5, 0, 0, 0644));
	CHECK(!stat("/dev/syncmaps/cd", &st) && (st.st_mode & 07777) == 0644);
	CHECK(!destroy_map("cd"));
}

static void t_named_bad_args(void)
{
	struct syncmap_create rq = { .name = "ok" };
	struct syncmap_name nm = {};
	struct syncmap_info info;
	char longname[SYNCMAP_NAME_LEN + 1];
	uint32_t small = 0;
	struct stat st;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[SYNCMAP_NAME_LEN] = 0;
	CHECK(create_map("", 0, 0, 0, 0) == EINVAL);
	CHECK(create_map(".hidden", 0, 0, 0, 0) == EINVAL);
	CHECK(create_map("a/b", 0, 0, 0, 0) == EINVAL);
	CHECK(create_map("sp ace", 0, 0, 0, 0) == EINVAL);
	CHECK(create_map("..", 0, 0, 0, 0) == EINVAL);
	/* 31 characters is the longest name; 32 leaves no room for the NUL */
	longname[SYNCMAP_NAME_LEN - 1] = 0;
	CHECK(!create_map(longname, 0, 0, 0, 0));
	CHECK(!destroy_map(longname));
	memset(rq.name, 'a', sizeof(rq.name));
	CHECK(ctl_io(SYNCMAP_IOC_CREATE, &rq) == EINVAL);
	/* garbage after the NUL, flags, padding, mode bits, limits */
	memset(&rq, 0, sizeof(rq));
	strcpy(rq.name, "ok");
	rq.name[5] = 'x';
	CHECK(ctl_io(SYNCMAP_IOC_CREATE, &rq) == EINVAL);
	rq.name[5] = 0;
	rq.flags = 1;
	CHECK(ctl_io(SYNCMAP_IOC_CREATE, &rq) == EINVAL);
	rq.flags = 0;
	rq.pad = 1;
	CHECK(ctl_io(SYNCMAP_IOC_CREATE, &rq) == EINVAL);
	rq.pad = 0;
	CHECK(create_map("ok", 0, 0, 0, 01600) == EINVAL);
	CHECK(create_map("ok", 0, 0, 0, 0700) == EINVAL);
	CHECK(create_map("ok", 0, 65537, 0, 0) == EINVAL);
	CHECK(create_map("ok", 0, 0, (16 << 20) + 1, 0) == EINVAL);
	CHECK(ctl_io(SYNCMAP_IOC_CREATE, NULL) == EFAULT);
	CHECK(find_info("ok", &info) == ENOENT);
	CHECK(stat("/dev/syncmaps/ok", &st) && errno == ENOENT);
	CHECK(destroy_map("") == EINVAL);
	strcpy(nm.name, "ok");
	nm.name[9] = 'x';
	CHECK(ctl_io(SYNCMAP_IOC_DESTROY, &nm) == EINVAL);
	/* DESTROY's flags and padding: EINVAL, and the map stays */
	CHECK(!create_map("ok", 0, 0, 0, 0));
	memset(&nm, 0, sizeof(nm));
	strcpy(nm.name, "ok");
	nm.flags = 1;
	CHECK(ctl_io(SYNCMAP_IOC_DESTROY, &nm) == EINVAL);
	nm.flags = 0;
	nm.pad = 1;
	CHECK(ctl_io(SYNCMAP_IOC_DESTROY, &nm) == EINVAL);
	CHECK(find_info("ok", &info) == 0);
	nm.pad = 0;
	CHECK(!ctl_io(SYNCMAP_IOC_DESTROY, &nm));
	CHECK(find_info("ok", &info) == ENOENT);
	/* unknown commands; the map's commands are not the control's */
	CHECK(ctl_io(_IOW(SYNCMAP_IOC_MAGIC, 15, struct syncmap_name), &nm) == ENOTTY);
	CHECK(ctl_io(_IOW(SYNCMAP_IOC_MAGIC, 12, uint32_t), &small) == ENOTTY);
	CHECK(ctl_io(SYNCMAP_IOC_STATS, &small) == ENOTTY);
	CHECK(ctl_io(SYNCMAP_IOC_CLEAR, NULL) == ENOTTY);
	/* ... nor the control's a map's */
	CHECK(io(SYNCMAP_IOC_LIST, &small) == ENOTTY);
	CHECK(io(SYNCMAP_IOC_CREATE, &rq) == ENOTTY);
}

static void t_named_list(void)
{
	struct syncmap_info infos[4];
	struct syncmap_list rq = { .buf = p2u(infos), .count = 1 };
	char name[16];
	int i, seen = 0;

	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "list%d", i);
		CHECK(!create_map(name, 10 + i, 0, 0, 0));
	}
	CHECK(ctl_io(SYNCMAP_IOC_LIST, &rq) == ERANGE && rq.count == 3);
	rq.count = 4;
	rq.flags = 1;
	CHECK(ctl_io(SYNCMAP_IOC_LIST, &rq) == EINVAL);
	rq.flags = 0;
	CHECK(!ctl_io(SYNCMAP_IOC_LIST, &rq) && rq.count == 3);
	for (i = 0; i < (int)rq.count && i < 4; i++)
		if (!strncmp(infos[i].name, "list", 4) &&
		    infos[i].max_entries == 10u + (infos[i].name[4] - '0'))
			seen++;
	CHECK(seen == 3);
	rq.buf = 8;	/* unmapped */
	CHECK(ctl_io(SYNCMAP_IOC_LIST, &rq) == EFAULT);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "list%d", i);
		CHECK(!destroy_map(name));
	}
	rq.buf = p2u(infos);
	rq.count = 4;
	CHECK(!ctl_io(SYNCMAP_IOC_LIST, &rq) && rq.count == 0);
}

/* Two named maps and /dev/syncmap: a key stored in one is in no other. */
static void t_named_isolation(void)
{
	int a, b, dflt = fd;
	struct syncmap_stats st;

	CHECK(!create_map("iso_a", 0, 0, 0, 0));
	CHECK(!create_map("iso_b", 0, 0, 0, 0));
	a = open_map("iso_a", O_RDWR);
	b = open_map("iso_b", O_RDWR);
	CHECK(a >= 0 && b >= 0);
	fd = a;
	CHECK(!put("k", "in a"));
	fd = b;
	CHECK(!put("k", "in b"));
	CHECK(!put("only_b", "1"));
	fd = dflt;
	CHECK(!put("k", "default"));
	fd = a;
	CHECK(get_is("k", "in a") && entries() == 1);
	{
		char buf[8];

		CHECK(get("only_b", buf, sizeof(buf)) == ENOENT);
	}
	fd = b;
	CHECK(get_is("k", "in b") && entries() == 2);
	CHECK(!io(SYNCMAP_IOC_CLEAR, NULL) && entries() == 0);
	fd = a;
	CHECK(get_is("k", "in a"));
	CHECK(!io(SYNCMAP_IOC_STATS, &st) && st.entries == 1);
	CHECK(sysfs_attr("iso_a", "entries") == 1);
	CHECK(sysfs_attr("iso_b", "entries") == 0);
	fd = dflt;
	CHECK(get_is("k", "default"));

	/* A RANGE cursor is good on the map that issued it only. */
	{
		unsigned char buf[32];
		struct syncmap_range rq = {
			.buf = p2u(buf), .buf_len = sizeof(buf),
		};
		uint64_t made_up;
		int i, refused = 0;

		fd = a;
		for (i = 0; i < 10; i++) {
			char key[8];

			snprintf(key, sizeof(key), "c%d", i);
			CHECK(!put(key, "v"));
		}
		CHECK(!io(SYNCMAP_IOC_RANGE, &rq) && rq.cursor);
		fd = b;
		rq.buf_len = sizeof(buf);
		CHECK(io(SYNCMAP_IOC_RANGE, &rq) == EINVAL);
		fd = dflt;
		rq.buf_len = sizeof(buf);
		CHECK(io(SYNCMAP_IOC_RANGE, &rq) == EINVAL);
		fd = a;
		rq.buf_len = sizeof(buf);
		CHECK(!io(SYNCMAP_IOC_RANGE, &rq));
		for (i = 0; i < 64; i++) {
			made_up = (uint64_t)rand() << 40 ^ (uint64_t)rand() << 20 ^
				  rand() ^ i;
			rq.cursor = made_up ? made_up : 1;
			rq.buf_len = sizeof(buf);
			rq.flags = 0;
			refused += io(SYNCMAP_IOC_RANGE, &rq) == EINVAL;
		}
		CHECK(refused == 64);
		fd = dflt;
	}
	close(a);
	close(b);
	CHECK(!destroy_map("iso_a") && !destroy_map("iso_b"));
}

/* Each map its own limits: ENOSPC, E2BIG, STATS and sysfs agree. */
static void t_named_limits(void)
{
	int m, dflt = fd;
	struct syncmap_stats st;
	char val[20];

	CHECK(!create_map("small", 3, 8, 16, 0));
	m = open_map("small", O_RDWR);
	CHECK(m >= 0);
	fd = m;
	CHECK(!put("k1", "v") && !put("k2", "v") && !put("k3", "v"));
	CHECK(put("k4", "v") == ENOSPC);
	CHECK(!put("k3", "replaced"));
	CHECK(put("123456789", "v") == E2BIG);
	memset(val, 'v', sizeof(val) - 1);
	val[17] = 0;
	CHECK(put("k1", val) == E2BIG);
	val[16] = 0;
	CHECK(!put("k1", val));
	CHECK(!io(SYNCMAP_IOC_STATS, &st));
	CHECK(st.entries == 3 && st.max_entries == 3 && st.max_key_len == 8 &&
	      st.max_value_len == 16);
	CHECK(sysfs_attr("small", "max_entries") == 3);
	CHECK(sysfs_attr("small", "max_key_len") == 8);
	CHECK(sysfs_attr("small", "max_value_len") == 16);
	CHECK(sysfs_attr("small", "entries") == 3);
	/* the counters are STATS's alone */
	CHECK(st.floods == 0);
	CHECK(sysfs_attr("small", "promotions") == -1);
	CHECK(sysfs_attr("small", "floods") == -1);
	fd = dflt;
	/* the default map keeps the module parameters' limits */
	CHECK(!put("123456789", "v"));
	close(m);
	CHECK(!destroy_map("small"));

	/* a value past kmalloc's largest (4 MiB): kvmalloc()ed */
	{
		size_t big = 6 << 20, i;
		unsigned char *v = malloc(big), *out = malloc(big);
		struct syncmap_kv kv;

		CHECK(v && out);
		for (i = 0; i < big; i++)
			v[i] = i * 7 + (i >> 12);
		CHECK(!create_map("big", 4, 0, 8 << 20, 0));
		fd = open_map("big", O_RDWR);
		kv = kv_of("k", v, big);
		CHECK(!io(SYNCMAP_IOC_STORE, &kv));
		kv = kv_of("k", out, big);
		CHECK(!io(SYNCMAP_IOC_LOAD, &kv) && kv.value_len == big &&
		      !memcmp(v, out, big));
		close(fd);
		fd = dflt;
		CHECK(!destroy_map("big"));
		free(v);
		free(out);
	}
}

/* DESTROY with a file open: the node goes, the file keeps the map. */
static void t_named_destroy_open(void)
{
	int m, dflt = fd;

	CHECK(!create_map("held", 0, 0, 0, 0));
	m = open_map("held", O_RDWR);
	CHECK(m >= 0);
	fd = m;
	CHECK(!put("k", "v"));
	CHECK(!destroy_map("held"));
	CHECK(open_map("held", O_RDWR) < 0 && errno == ENOENT);
	CHECK(get_is("k", "v"));
	CHECK(!put("k2", "v2") && entries() == 2);
	/* a new map of the same name is another map */
	CHECK(!create_map("held", 0, 0, 0, 0));
	fd = open_map("held", O_RDWR);
	CHECK(fd >= 0 && entries() == 0);
	close(fd);
	fd = m;
	CHECK(get_is("k2", "v2"));
	close(m);
	fd = dflt;
	CHECK(!destroy_map("held"));
}

/*
 * In a child: become @uid/@gid (no capabilities), then return
 * bit 0: open O_RDWR worked, bit 1: open O_RDONLY worked, bit 2: LOAD on
 * the read-only file worked, bit 3: STORE on it failed with EBADF,
 * bit 4: CREATE failed with EPERM, bit 5: DESTROY of @name failed with
 * EPERM, bit 6: LIST worked.
 */
static int as_user(const char *name, uid_t uid, gid_t gid)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int r = 0, f;

		if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
			_exit(255);
		f = open_map(name, O_RDWR);
		if (f >= 0) {
			r |= 1;
			close(f);
		}
		f = open_map(name, O_RDONLY);
		if (f >= 0) {
			char buf[8];
			struct syncmap_kv kv = kv_of("k", buf, sizeof(buf));

			r |= 2;
			if (!ioctl(f, SYNCMAP_IOC_LOAD, &kv))
				r |= 4;
			kv = kv_of("k", "x", 1);
			if (ioctl(f, SYNCMAP_IOC_STORE, &kv) && errno == EBADF)
				r |= 8;
			close(f);
		}
		if (create_map("byuser", 0, 0, 0, 0) == EPERM)
			r |= 16;
		if (destroy_map(name) == EPERM)
			r |= 32;
		{
			struct syncmap_info info;

			if (!find_info(name, &info))
				r |= 64;
		}
		_exit(r);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	printf("# permissions: uid %d gid %d: result %#x\n", (int)uid, (int)gid,
	       WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

static void t_named_permissions(void)
{
	const int common = 16 | 32 | 64;
	int m, dflt = fd;

	CHECK(!create_map("perm", 0, 0, 0, 0640));
	m = open_map("perm", O_RDWR);
	fd = m;
	CHECK(!put("k", "v"));
	fd = dflt;
	CHECK(!chown("/dev/syncmaps/perm", 1000, 1001));
	/* owner rw, group r, other nothing */
	CHECK(as_user("perm", 1000, 1000) == (1 | 2 | 4 | 8 | common));
	CHECK(as_user("perm", 1002, 1001) == (2 | 4 | 8 | common));
	CHECK(as_user("perm", 1002, 1002) == common);
	CHECK(!chmod("/dev/syncmaps/perm", 0606));
	/* now the group (only) is refused: permission bits pick one class */
	CHECK(as_user("perm", 1002, 1001) == common);
	CHECK(as_user("perm", 1002, 1002) == (1 | 2 | 4 | 8 | common));
	CHECK(!chmod("/dev/syncmaps/perm", 0444));
	CHECK(as_user("perm", 1000, 1000) == (2 | 4 | 8 | common));
	/* the stored key is untouched by every refused command */
	fd = m;
	CHECK(get_is("k", "v") && entries() == 1);
	close(m);
	fd = dflt;
	CHECK(!destroy_map("perm"));
}

/* Write a module parameter of syncmap_dev; its old value into @old. */
static int set_param(const char *name, const char *value, char *old,
		     size_t old_len)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/syncmap_dev/parameters/%s",
		 name);
	if (old) {
		f = fopen(path, "r");
		if (!f || !fgets(old, old_len, f))
			return -1;
		fclose(f);
		old[strcspn(old, "\n")] = 0;
	}
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fputs(value, f) >= 0;
	return fclose(f) || !ok ? -1 : 0;
}

/* A store that may have to wait a grace period for the quota it needs. */
static int put_retry(const char *key, const char *val)
{
	int i, err = 0;

	for (i = 0; i < 200; i++) {
		err = put(key, val);
		if (err != EDQUOT)
			break;
		usleep(10000);
	}
	return err;
}

/* The quota test's user: uid/gid 1000, no capabilities. */
static void quota_user(void)
{
	int q1, q2;

	CHECK(!create_map("q1", 0, 0, 0, 0));
	CHECK(!create_map("q2", 0, 0, 0, 0));
	CHECK(create_map("q3", 0, 0, 0, 0) == EDQUOT);	/* user_max_maps 2 */
	q1 = open_map("q1", O_RDWR);
	q2 = open_map("q2", O_RDWR);
	CHECK(q1 >= 0 && q2 >= 0);
	/* user_max_entries 5, over both maps; each key 2 + 8 bytes */
	fd = q1;
	CHECK(!put("k1", "12345678") && !put("k2", "12345678") &&
	      !put("k3", "12345678"));
	fd = q2;
	CHECK(!put("k4", "12345678") && !put("k5", "12345678"));
	CHECK(put("k6", "12345678") == EDQUOT);
	fd = q1;
	CHECK(put("k6", "12345678") == EDQUOT);
	CHECK(entries() == 3);
	/* replacing needs no new key: 50 + 8 of 64 bytes while both exist */
	CHECK(!put("k1", "abcdefgh") && get_is("k1", "abcdefgh"));
	/* user_max_bytes 64: after a delete, a key of 2 + 30 bytes is too big */
	{
		struct syncmap_kv kv = kv_of("k3", NULL, 0);

		CHECK(!io(SYNCMAP_IOC_DELETE, &kv));
	}
	CHECK(put_retry("k6", "123456789012345678901234567890") == EDQUOT);
	CHECK(!put_retry("k6", "1234567890123"));	/* 40 + 15 */
	CHECK(entries() == 3);
	/* clear gives the map's keys and bytes back */
	CHECK(!io(SYNCMAP_IOC_CLEAR, NULL) && entries() == 0);
	fd = q2;
	/* (q1's values are given back a grace period after the clear) */
	CHECK(!put_retry("n1", "12345678") && !put_retry("n2", "12345678") &&
	      !put_retry("n3", "12345678"));
	CHECK(put("n4", "12345678") == EDQUOT);	/* k4, k5, n1-n3 */
	close(q1);
	close(q2);
	/* destroying gives everything back: the same again from nothing */
	CHECK(!destroy_map("q1") && !destroy_map("q2"));
	CHECK(!create_map("q1", 0, 0, 0, 0) && !create_map("q2", 0, 0, 0, 0));
	fd = open_map("q1", O_RDWR);
	CHECK(fd >= 0);
	CHECK(!put_retry("a", "1") && !put("b", "1") && !put("c", "1") &&
	      !put("d", "1") && !put("e", "1"));
	CHECK(put("f", "1") == EDQUOT);
	close(fd);
	CHECK(!destroy_map("q1") && !destroy_map("q2"));
}

/*
 * Unprivileged maps: off, CREATE is EPERM (t_named_permissions); on, a
 * user's maps count against the user's quotas, EDQUOT past them, and
 * nothing stays charged once the keys or the maps are gone.
 */
static void t_named_quotas(void)
{
	static const char *const names[] = {
		"unprivileged_maps", "user_max_maps", "user_max_entries",
		"user_max_bytes",
	};
	static const char *const values[] = { "1", "2", "5", "64" };
	char old[4][32];
	int i, status;
	pid_t pid;

	for (i = 0; i < 4; i++)
		CHECK(!set_param(names[i], values[i], old[i], sizeof(old[i])));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		failed_checks = 0;
		if (setgroups(0, NULL) || setgid(1000) || setuid(1000))
			_exit(255);
		quota_user();
		_exit(failed_checks ? 1 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < 4; i++)
		CHECK(!set_param(names[i], old[i], NULL, 0));
	/* root is not counted against any quota */
	CHECK(!create_map("rootmap", 0, 0, 0, 0) && !destroy_map("rootmap"));
}

#define RACE_PROCS	3
#define RACE_ROUNDS	200

/*
 * One process creates and destroys "race" over and over while others
 * open it, store, load and close: an open may fail (the map is gone),
 * but a command on an open file always works, and on its own map.
 */
static void t_named_races(void)
{
	int i, status, bad = 0;
	pid_t pids[RACE_PROCS];
	struct syncmap_info info;

	fflush(stdout);
	for (i = 0; i < RACE_PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int n, opened = 0;
			char key[16];

			failed_checks = 0;
			for (n = 0; n < RACE_ROUNDS * 4; n++) {
				fd = open_map("race", O_RDWR);
				if (fd < 0) {
					CHECK(errno == ENOENT || errno == ENODEV);
					continue;
				}
				opened++;
				snprintf(key, sizeof(key), "p%d", i);
				CHECK(!put(key, "v"));
				CHECK(get_is(key, "v"));
				close(fd);
			}
			printf("# races: process %d opened the map %d times\n",
			       i, opened);
			_exit(failed_checks ? 1 : 0);
		}
	}
	for (i = 0; i < RACE_ROUNDS; i++) {
		int err = create_map("race", 0, 0, 0, 0);

		CHECK(!err);
		usleep(100);
		CHECK(!destroy_map("race"));
	}
	for (i = 0; i < RACE_PROCS; i++)
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	CHECK(!bad);
	CHECK(find_info("race", &info) == ENOENT);
}

static int named_tests(void)
{
	fd = open("/dev/syncmap", O_RDWR);
	ctl = open("/dev/syncmap-control", O_RDWR);
	if (fd < 0 || ctl < 0) {
		perror("devtest named");
		printf("SYNCMAP-RESULT FAIL named.open\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	suite = "named";
	run("create_destroy", t_named_create_destroy);
	run("bad_arguments", t_named_bad_args);
	run("list", t_named_list);
	run("isolation", t_named_isolation);
	run("limits", t_named_limits);
	run("destroy_while_open", t_named_destroy_open);
	run("permissions", t_named_permissions);
	run("quotas", t_named_quotas);
	run("create_destroy_races", t_named_races);
	reset();
	return failed_checks ? 1 : 0;
}
#endif /* !SYNCMAP_KSELFTEST */

#ifdef SYNCMAP_KSELFTEST
#include "kselftest_harness.h"

/*
 * Each test on a named map of its own, created with the limits the tests
 * expect (the device's module parameters may be anything).
 */
FIXTURE(map) {
	struct syncmap_name name;
	char path[64];
};

FIXTURE_SETUP(map)
{
	struct syncmap_create c = {
		.max_entries = MAX_ENTRIES, .max_key_len = MAX_KEY,
		.max_value_len = MAX_VALUE,
	};

	ctl = open("/dev/syncmap-control", O_RDWR);
	if (ctl < 0)
		SKIP(return, "/dev/syncmap-control: %s (CONFIG_SYNCMAP_DEV)",
		     strerror(errno));
	snprintf(c.name, sizeof(c.name), "kselftest-%d", getpid());
	memcpy(self->name.name, c.name, sizeof(c.name));
	ASSERT_EQ(0, ctl_io(SYNCMAP_IOC_CREATE, &c));
	snprintf(self->path, sizeof(self->path), "/dev/syncmaps/%s", c.name);
	dev_path = self->path;
	fd = open(dev_path, O_RDWR);
	ASSERT_LE(0, fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

FIXTURE_TEARDOWN(map)
{
	if (ctl < 0)
		return;
	close(fd);
	EXPECT_EQ(0, ctl_io(SYNCMAP_IOC_DESTROY, &self->name));
	close(ctl);
}

/* One test of a map: its CHECK()s must all hold. */
static void run_test(struct __test_metadata *_metadata, const char *name,
		     void (*fn)(void))
{
	cur_test = name;
	reset();
	fn();
	EXPECT_EQ(0, failed_checks);
}

TEST_F(map, device_node)
{
	run_test(_metadata, "device_node", t_device_node);
}

TEST_F(map, store_load)
{
	run_test(_metadata, "store_load", t_store_load);
}

TEST_F(map, binary_keys_values)
{
	run_test(_metadata, "binary_keys_values", t_binary);
}

TEST_F(map, delete)
{
	run_test(_metadata, "delete", t_delete);
}

TEST_F(map, load_or_store)
{
	run_test(_metadata, "load_or_store", t_load_or_store);
}

TEST_F(map, load_and_delete)
{
	run_test(_metadata, "load_and_delete", t_load_and_delete);
}

TEST_F(map, swap)
{
	run_test(_metadata, "swap", t_swap);
}

TEST_F(map, compare_and_swap)
{
	run_test(_metadata, "compare_and_swap", t_compare_and_swap);
}

TEST_F(map, compare_and_delete)
{
	run_test(_metadata, "compare_and_delete", t_compare_and_delete);
}

TEST_F(map, clear_and_stats)
{
	run_test(_metadata, "clear_and_stats", t_clear_stats);
}

TEST_F(map, range_batches)
{
	run_test(_metadata, "range_batches", t_range);
}

TEST_F(map, erange_unchanged)
{
	run_test(_metadata, "erange_unchanged", t_erange);
}

TEST_F(map, e2big_unchanged)
{
	run_test(_metadata, "e2big_unchanged", t_e2big);
}

TEST_F(map, enospc_unchanged)
{
	run_test(_metadata, "enospc_unchanged", t_enospc);
}

TEST_F(map, einval_unchanged)
{
	run_test(_metadata, "einval_unchanged", t_einval);
}

TEST_F(map, efault_unchanged)
{
	run_test(_metadata, "efault_unchanged", t_efault);
}

TEST_F(map, enotty_unchanged)
{
	run_test(_metadata, "enotty_unchanged", t_enotty);
}

TEST_F(map, batch_commands)
{
	run_test(_metadata, "batch_commands", t_batch);
}

TEST_F(map, procs_cas_counter)
{
	run_test(_metadata, "procs_cas_counter", t_cas_counter);
}

TEST_F(map, procs_readers_writers)
{
	run_test(_metadata, "procs_readers_writers", t_readers_writers);
}

TEST_F(map, procs_range_during_writes)
{
	run_test(_metadata, "procs_range_during_writes", t_range_during_writes);
}

TEST_F(map, procs_max_entries_race)
{
	run_test(_metadata, "procs_max_entries_race", t_max_entries_race);
}

TEST_F(map, procs_variable_values)
{
	run_test(_metadata, "procs_variable_values", t_variable_values);
}

/*
 * Set a fault-injection attribute in debugfs, keeping its old value in
 * @old (up to 15 bytes); false if it cannot be read or written. (Some of
 * these files cannot seek: read and write each on a file of its own.)
 */
static bool fault_attr(const char *path, const char *val, char *old)
{
	int f = open(path, O_RDONLY);
	ssize_t n = f < 0 ? -1 : read(f, old, 15);
	bool ok;

	old[n > 0 ? n : 0] = 0;
	if (f >= 0)
		close(f);
	f = open(path, O_WRONLY);
	ok = n > 0 && f >= 0 && write(f, val, strlen(val)) > 0;
	if (f >= 0)
		close(f);
	return ok;
}

#define FAILSLAB "/sys/kernel/debug/failslab/"

/*
 * Allocation failures, where the kernel injects them: fail-nth, with
 * failslab failing allocations that may sleep too and quietly (a stack
 * dump per failure), as it does not by default; restored after.
 */
TEST_F(map, fail_nth_every_ioctl)
{
	char wait[16], verbose[16], now[16];

	if (access("/proc/thread-self/fail-nth", W_OK))
		SKIP(return, "no fail-nth (CONFIG_FAULT_INJECTION)");
	if (!fault_attr(FAILSLAB "ignore-gfp-wait", "N", wait))
		SKIP(return, "no failslab in debugfs (CONFIG_FAILSLAB)");
	ASSERT_TRUE(fault_attr(FAILSLAB "verbose", "0", verbose));
	run_test(_metadata, "fail_nth_every_ioctl", t_fail_nth);
	fault_attr(FAILSLAB "verbose", verbose, now);
	fault_attr(FAILSLAB "ignore-gfp-wait", wait, now);
}

TEST_HARNESS_MAIN
#else
/*
 * devtest: the tests run in the test VM by make check.
 *
 * Expects the device loaded with max_entries=64 max_key_len=256
 * max_value_len=1024. Prints one "SYNCMAP-RESULT ok|FAIL dev.<name>" line
 * per test; each error-path test also checks that the map is unchanged,
 * comparing a full RANGE snapshot taken before and after.
 *
 * usage: devtest             run every test
 *        devtest --map NAME [--no-faults]  the same on /dev/syncmaps/NAME
 *                            (results named "named.<test>")
 *        devtest named       named maps: the control node, isolation,
 *                            limits, nodes, permissions, races
 *        devtest --no-faults skip the fault-injection tests (kernels
 *                            without CONFIG_FAULT_INJECTION)
 *        devtest hold SECS   keep the device open for SECS seconds
 *        devtest memfill     fill the map until ENOMEM (memcg test)
 */
int main(int argc, char **argv)
{
	char path[64];
	int faults = 1;

	if (argc >= 2 && !strcmp(argv[1], "named"))
		return named_tests();
	if (argc >= 3 && !strcmp(argv[1], "--map")) {
		snprintf(path, sizeof(path), "/dev/syncmaps/%s", argv[2]);
		dev_path = path;
		suite = "named";
		argc -= 2;
		argv += 2;
	}
	fd = open(dev_path, O_RDWR);
	if (fd < 0) {
		perror(dev_path);
		printf("SYNCMAP-RESULT FAIL %s.open\n", suite);
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "memfill"))
		return memfill();
	if (argc == 3 && !strcmp(argv[1], "hold")) {
		printf("holding %s\n", dev_path);
		fflush(stdout);
		sleep(atoi(argv[2]));
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--no-faults"))
		faults = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	run("device_node", t_device_node);
	run("store_load", t_store_load);
	run("binary_keys_values", t_binary);
	run("delete", t_delete);
	run("load_or_store", t_load_or_store);
	run("load_and_delete", t_load_and_delete);
	run("swap", t_swap);
	run("compare_and_swap", t_compare_and_swap);
	run("compare_and_delete", t_compare_and_delete);
	run("clear_and_stats", t_clear_stats);
	run("range_batches", t_range);
	run("erange_unchanged", t_erange);
	run("e2big_unchanged", t_e2big);
	run("enospc_unchanged", t_enospc);
	run("einval_unchanged", t_einval);
	run("efault_unchanged", t_efault);
	run("enotty_unchanged", t_enotty);
	run("batch_commands", t_batch);
	run("procs_cas_counter", t_cas_counter);
	run("procs_readers_writers", t_readers_writers);
	run("procs_range_during_writes", t_range_during_writes);
	run("procs_max_entries_race", t_max_entries_race);
	run("procs_variable_values", t_variable_values);
	if (faults) {
		run("fail_nth_every_ioctl", t_fail_nth);
		run("random_alloc_failures", t_random_faults);
	}
	reset();
	return failed_checks ? 1 : 0;
}
#endif /* SYNCMAP_KSELFTEST */
