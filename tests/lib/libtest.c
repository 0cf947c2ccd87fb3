// SPDX-License-Identifier: GPL-2.0
/*
 * libtest: libsyncmap against the device, in the test VM.
 *
 * Expects the device loaded with max_entries=64 max_key_len=256
 * max_value_len=1024, and root (it creates named maps). Prints one
 * "SYNCMAP-RESULT ok|FAIL lib.<name>" line per test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsyncmap.h"

static int fd;
static int failed_checks;
static const char *cur_test;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s: %s:%d: CHECK(%s) failed\n",		\
		       cur_test, __FILE__, __LINE__, #cond);		\
		failed_checks++;					\
	}								\
} while (0)

static int put(const char *key, const char *val)
{
	return syncmap_store(fd, key, strlen(key), val, strlen(val));
}

/* 1 if @key holds the string @want. */
static int is(const char *key, const char *want)
{
	char buf[1024];
	size_t len = sizeof(buf);

	return syncmap_load(fd, key, strlen(key), buf, &len) == 1 &&
	       len == strlen(want) && !memcmp(buf, want, len);
}

static void t_open(void)
{
	char name[64];

	CHECK(syncmap_open("no-such-map", O_RDWR) == -ENOENT);
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	CHECK(syncmap_open(name, O_RDWR) == -EINVAL);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

static void t_store_load(void)
{
	char buf[8], big[1000];
	size_t len = sizeof(buf);
	void *p;

	CHECK(!put("a", "apple"));
	CHECK(syncmap_load(fd, "a", 1, buf, &len) == 1 && len == 5 &&
	      !memcmp(buf, "apple", 5));
	len = sizeof(buf);
	CHECK(syncmap_load(fd, "b", 1, buf, &len) == 0 && len == 0);
	len = 2;
	CHECK(syncmap_load(fd, "a", 1, buf, &len) == -ERANGE && len == 5);
	/* a value longer than the first buffer syncmap_load_alloc() tries */
	memset(big, 'v', sizeof(big));
	CHECK(!syncmap_store(fd, "big", 3, big, sizeof(big)));
	CHECK(syncmap_load_alloc(fd, "big", 3, &p, &len) == 1 &&
	      len == sizeof(big) && !memcmp(p, big, len));
	free(p);
	CHECK(syncmap_load_alloc(fd, "none", 4, &p, &len) == 0 && !p &&
	      !len);
	/* the empty key is a key */
	CHECK(!syncmap_store(fd, "", 0, "e", 1) && is("", "e"));
}

static void t_delete(void)
{
	CHECK(!put("a", "apple"));
	CHECK(syncmap_delete(fd, "a", 1) == 1);
	CHECK(syncmap_delete(fd, "a", 1) == 0);
	CHECK(syncmap_len(fd) == 0);
}

static void t_load_or_store(void)
{
	char old[8];
	size_t len = sizeof(old);

	CHECK(syncmap_load_or_store(fd, "k", 1, "one", 3, old, &len) == 0 &&
	      len == 0 && is("k", "one"));
	len = sizeof(old);
	CHECK(syncmap_load_or_store(fd, "k", 1, "two", 3, old, &len) == 1 &&
	      len == 3 && !memcmp(old, "one", 3) && is("k", "one"));
	len = 1;
	CHECK(syncmap_load_or_store(fd, "k", 1, "two", 3, old, &len) ==
	      -ERANGE && len == 3 && is("k", "one"));
}

static void t_load_and_delete(void)
{
	char buf[8];
	size_t len = sizeof(buf);

	CHECK(!put("k", "val"));
	len = 1;
	CHECK(syncmap_load_and_delete(fd, "k", 1, buf, &len) == -ERANGE &&
	      len == 3 && is("k", "val"));
	len = sizeof(buf);
	CHECK(syncmap_load_and_delete(fd, "k", 1, buf, &len) == 1 &&
	      len == 3 && !memcmp(buf, "val", 3));
	len = sizeof(buf);
	CHECK(syncmap_load_and_delete(fd, "k", 1, buf, &len) == 0 && !len);
}

static void t_swap(void)
{
	char old[8];
	size_t len = sizeof(old);

	CHECK(syncmap_swap(fd, "s", 1, "one", 3, old, &len) == 0 && !len &&
	      is("s", "one"));
	len = sizeof(old);
	CHECK(syncmap_swap(fd, "s", 1, "two", 3, old, &len) == 1 &&
	      len == 3 && !memcmp(old, "one", 3) && is("s", "two"));
}

static void t_compare(void)
{
	CHECK(syncmap_compare_and_swap(fd, "c", 1, "x", 1, "y", 1) == 0);
	CHECK(!put("c", "x"));
	CHECK(syncmap_compare_and_swap(fd, "c", 1, "z", 1, "y", 1) == 0 &&
	      is("c", "x"));
	CHECK(syncmap_compare_and_swap(fd, "c", 1, "x", 1, "y", 1) == 1 &&
	      is("c", "y"));
	CHECK(syncmap_compare_and_delete(fd, "c", 1, "x", 1) == 0 &&
	      is("c", "y"));
	CHECK(syncmap_compare_and_delete(fd, "c", 1, "y", 1) == 1 &&
	      syncmap_len(fd) == 0);
}

static void t_clear_stats(void)
{
	struct syncmap_stats st;

	CHECK(!put("1", "a") && !put("2", "b") && !put("3", "c"));
	CHECK(syncmap_len(fd) == 3);
	CHECK(!syncmap_stats(fd, &st) && st.entries == 3 &&
	      st.max_entries == 64 && st.max_key_len == 256 &&
	      st.max_value_len == 1024);
	CHECK(!syncmap_clear(fd) && syncmap_len(fd) == 0);
}

static void t_errors(void)
{
	char key[257], val[1025];

	memset(key, 'k', sizeof(key));
	memset(val, 'v', sizeof(val));
	CHECK(syncmap_store(fd, key, sizeof(key), "v", 1) == -E2BIG);
	CHECK(syncmap_store(fd, "k", 1, val, sizeof(val)) == -E2BIG);
	CHECK(syncmap_stats(-1, NULL) == -EBADF);
	CHECK(syncmap_len(fd) == 0);
}

/* Each of @n keys "k<i>", value "v<i>" repeated i times. */
static void fill(int n)
{
	char key[16], val[1024];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		memset(val, 'a' + i % 26, i * 10);
		CHECK(!syncmap_store(fd, key, strlen(key), val, i * 10));
	}
}

struct seen {
	int count[64];
	int bad;
	int calls;
	int stop_after;
};

static int seen_fn(const void *key, size_t key_len, const void *value,
		   size_t value_len, void *arg)
{
	struct seen *s = arg;
	char k[16];
	int i;

	s->calls++;
	if (key_len >= sizeof(k))
		return s->bad++, 0;
	memcpy(k, key, key_len);
	k[key_len] = 0;
	if (sscanf(k, "k%d", &i) != 1 || i < 0 || i >= 64 ||
	    value_len != (size_t)i * 10 ||
	    (value_len && ((const char *)value)[0] != 'a' + i % 26))
		return s->bad++, 0;
	s->count[i]++;
	return s->stop_after && s->calls == s->stop_after ? 42 : 0;
}

static void t_range(void)
{
	struct syncmap_iter *it;
	struct seen s = {};
	const void *k, *v;
	size_t kl, vl;
	int i, n = 0;

	fill(60);
	CHECK(syncmap_range(fd, seen_fn, &s) == 0 && !s.bad);
	for (i = 0; i < 60; i++)
		CHECK(s.count[i] == 1);
	memset(&s, 0, sizeof(s));
	s.stop_after = 5;
	CHECK(syncmap_range(fd, seen_fn, &s) == 42 && s.calls == 5);
	it = syncmap_iter_new(fd);
	CHECK(it);
	while (it && syncmap_iter_next(it, &k, &kl, &v, &vl) == 1)
		n++;
	CHECK(n == 60);
	CHECK(it && syncmap_iter_next(it, &k, &kl, &v, &vl) == 0);
	syncmap_iter_free(it);
	syncmap_iter_free(NULL);
}

/*
 * Go's guarantee under writers: another process stores and deletes keys
 * k30..k59 while iterations run; k0..k29, never touched, must each come
 * exactly once in every iteration, and no key twice.
 */
static void t_range_during_writes(void)
{
	char key[16];
	pid_t pid;
	int round, i, status;

	fill(30);
	pid = fork();
	if (pid == 0) {
		for (round = 0; round < 3000; round++) {
			i = 30 + round % 30;
			snprintf(key, sizeof(key), "k%d", i);
			if (round % 60 < 30)
				syncmap_store(fd, key, strlen(key), "", 0);
			else
				syncmap_delete(fd, key, strlen(key));
		}
		_exit(0);
	}
	for (round = 0; round < 40; round++) {
		struct seen s = {};

		/* k30.. come with empty values: only their count matters */
		CHECK(syncmap_range(fd, seen_fn, &s) == 0);
		for (i = 0; i < 30; i++)
			CHECK(s.count[i] == 1);
		for (i = 30; i < 60; i++)
			CHECK(s.count[i] <= 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
}

static void t_batch(void)
{
	static struct syncmap_kv kvs[5000];
	static char keys[5000][8], vals[5000][8];
	uint32_t n;
	int i;

	for (i = 0; i < 70; i++) {
		snprintf(keys[i], 8, "b%d", i);
		syncmap_kv_init(&kvs[i], keys[i], strlen(keys[i]), keys[i],
				strlen(keys[i]));
	}
	/* the 65th new key finds the map full: 64 done, then ENOSPC */
	n = 70;
	CHECK(syncmap_store_batch(fd, kvs, &n) == -ENOSPC && n == 64);
	CHECK(syncmap_len(fd) == 64);
	/* more than one kernel batch: every key, present or not */
	for (i = 0; i < 5000; i++) {
		snprintf(keys[i], 8, "b%d", i % 100);
		syncmap_kv_init(&kvs[i], keys[i], strlen(keys[i]), vals[i], 8);
	}
	n = 5000;
	CHECK(syncmap_load_batch(fd, kvs, &n) == 0 && n == 5000);
	for (i = 0; i < 5000; i++)
		CHECK(i % 100 < 64 ?
		      (kvs[i].flags & SYNCMAP_F_LOADED) &&
		      kvs[i].value_len == strlen(keys[i]) &&
		      !memcmp(vals[i], keys[i], kvs[i].value_len) :
		      !kvs[i].flags && !kvs[i].value_len);
	n = 100;
	CHECK(syncmap_delete_batch(fd, kvs, &n) == 0 && n == 100);
	CHECK((kvs[0].flags & SYNCMAP_F_LOADED) && !kvs[99].flags);
	CHECK(syncmap_len(fd) == 0);
}

static void t_named(void)
{
	struct syncmap_info *infos;
	size_t n, i, found = 0;
	char big[65];
	int a, b;

	syncmap_destroy("libtest");
	CHECK(syncmap_create("libtest", 16, 32, 64, 0640) == 0);
	CHECK(syncmap_create("libtest", 0, 0, 0, 0) == -EEXIST);
	CHECK(syncmap_create("", 0, 0, 0, 0) == -EINVAL);
	CHECK(syncmap_create(".hidden", 0, 0, 0, 0) == -EINVAL);
	CHECK(syncmap_list(&infos, &n) == 0);
	for (i = 0; i < n; i++)
		if (!strcmp(infos[i].name, "libtest"))
			found += infos[i].max_entries == 16 &&
				 infos[i].max_key_len == 32 &&
				 infos[i].max_value_len == 64 &&
				 infos[i].mode == 0640;
	CHECK(found == 1);
	free(infos);
	a = syncmap_open("libtest", O_RDWR);
	b = syncmap_open("/dev/syncmaps/libtest", O_RDONLY);
	CHECK(a >= 0 && b >= 0);
	CHECK(!syncmap_store(a, "shared", 6, "yes", 3));
	CHECK(syncmap_len(b) == 1);
	CHECK(syncmap_store(b, "ro", 2, "no", 2) == -EBADF);
	memset(big, 'v', sizeof(big));
	CHECK(syncmap_store(a, "k", 1, big, sizeof(big)) == -E2BIG);
	CHECK(syncmap_destroy("libtest") == 0);
	CHECK(syncmap_destroy("libtest") == -ENOENT);
	CHECK(syncmap_open("libtest", O_RDWR) == -ENOENT);
	/* open descriptors keep the destroyed map */
	CHECK(syncmap_len(a) == 1);
	close(a);
	close(b);
}

#define THREADS	4
#define ITERS	500

/* One counter, incremented by compare-and-swap from several threads. */
static void *cas_thread(void *arg)
{
	unsigned long long v, next;
	size_t len;
	int i, r;

	(void)arg;
	for (i = 0; i < ITERS; i++) {
		do {
			len = sizeof(v);
			if (syncmap_load(fd, "n", 1, &v, &len) != 1 ||
			    len != sizeof(v))
				return (void *)1;
			next = v + 1;
			r = syncmap_compare_and_swap(fd, "n", 1, &v, sizeof(v),
						     &next, sizeof(next));
		} while (r == 0);
		if (r < 0)
			return (void *)1;
	}
	return NULL;
}

static void t_threads(void)
{
	unsigned long long v = 0;
	pthread_t th[THREADS];
	size_t len = sizeof(v);
	void *ret;
	int i;

	CHECK(!syncmap_store(fd, "n", 1, &v, sizeof(v)));
	for (i = 0; i < THREADS; i++)
		CHECK(!pthread_create(&th[i], NULL, cas_thread, NULL));
	for (i = 0; i < THREADS; i++) {
		CHECK(!pthread_join(th[i], &ret));
		CHECK(!ret);
	}
	CHECK(syncmap_load(fd, "n", 1, &v, &len) == 1 &&
	      v == THREADS * ITERS);
}

static void run(const char *name, void (*fn)(void))
{
	int before = failed_checks;

	cur_test = name;
	if (syncmap_clear(fd))
		failed_checks++;
	fn();
	printf("SYNCMAP-RESULT %s lib.%s\n",
	       failed_checks == before ? "ok" : "FAIL", name);
	fflush(stdout);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = syncmap_open(NULL, O_RDWR);
	if (fd < 0) {
		printf("SYNCMAP-RESULT FAIL lib.open: %s\n", strerror(-fd));
		return 1;
	}
	run("open", t_open);
	run("store_load", t_store_load);
	run("delete", t_delete);
	run("load_or_store", t_load_or_store);
	run("load_and_delete", t_load_and_delete);
	run("swap", t_swap);
	run("compare_and_swap_delete", t_compare);
	run("clear_len_stats", t_clear_stats);
	run("errors", t_errors);
	run("range", t_range);
	run("range_during_writes", t_range_during_writes);
	run("batches", t_batch);
	run("named_maps", t_named);
	run("threads_cas_counter", t_threads);
	return failed_checks ? 1 : 0;
}
