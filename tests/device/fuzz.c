// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz - random ioctls on /dev/syncmap from several processes at once
 *
 * Each process makes random calls: valid command numbers (mostly), valid
 * numbers with the wrong size or direction, foreign numbers; argument
 * pointers that are valid, NULL, unmapped, read-only, kernel addresses or
 * misaligned; keys from a small pool (so commands meet each other) or
 * garbage; lengths at, around and far past the limits; random flags and
 * padding. Every call must return 0 or one of the errors the uapi header
 * documents. Afterwards, in one process: RANGE must agree with LOAD for
 * every key, and STATS' entries with the number of keys RANGE returned.
 *
 * usage: fuzz [procs [calls-per-proc [seed]]]
 *        fuzz soak SECS    for SECS seconds: 2 fuzzing processes (no CLEAR)
 *                          and 2 owners, each checking every call on
 *                          its own keys against a model; then the
 *                          consistency check
 *        fuzz named PROCS CALLS  the same across named maps: each call
 *                          is a control command (CREATE, DESTROY, LIST
 *                          of a small pool of names, with random
 *                          arguments) or a map command on a pool map
 *                          opened for it (which may be gone); then every
 *                          pool map is destroyed and LIST must be empty
 *        fuzz churn SECS   open, 10 random calls, close, pause, again, for SECS
 *                          or until /tmp/churn.stop exists
 *                          seconds, tolerating a device that comes and
 *                          goes (the unload-under-load test)
 * Prints "SYNCMAP-RESULT ok|FAIL dev.fuzz_<n>_calls" and a summary.
 * Expects max_entries=64 max_key_len=256 max_value_len=1024.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/syncmap.h>

#define MAX_KEY		256
#define MAX_VALUE	1024
#define POOL		24	/* distinct pool keys */

static uint64_t rng;

static uint64_t rnd(void)	/* xorshift64* */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static unsigned char *ro_page, *gone_page;
/*
 * Every buffer the calls hand the kernel, at any length they claim: a
 * RANGE told 0xffffffff bytes may fill the whole map in, at most 64
 * records of 8 + 256 + 1024 bytes. Smaller, and the kernel would rightly
 * overwrite the fuzzer's own memory (a 10-minute soak once hung that way).
 */
#define RANGE_MAX	(64 * (8 + MAX_KEY + MAX_VALUE))
static unsigned char big[RANGE_MAX + 2 * MAX_VALUE + 64];

static uint64_t p2u(const void *p)
{
	return (uintptr_t)p;
}

/* A user pointer: mostly @good, sometimes something a kernel must survive. */
static uint64_t ptr(void *good)
{
	switch (below(24)) {
	case 0: return 0;
	case 1: return p2u(gone_page);
	case 2: return p2u(ro_page);
	case 3: return 0xffff888000000000ULL;	/* kernel direct map */
	case 4: return p2u(good) + 1;		/* misaligned */
	case 5: return rnd();
	default: return p2u(good);
	}
}

static uint32_t len(uint32_t good, uint32_t limit)
{
	switch (below(16)) {
	case 0: return 0;
	case 1: return limit;
	case 2: return limit + 1;
	case 3: return 0xffffffffU;
	case 4: return below(2 * limit + 2);
	default: return good;
	}
}

static char keybuf[MAX_KEY + 16];

static void pool_key(struct syncmap_kv *kv)
{
	int n = snprintf(keybuf, sizeof(keybuf), "fz%u", below(POOL));

	kv->key = ptr(keybuf);
	kv->key_len = len(n, MAX_KEY);
}

static const unsigned long kv_cmds[] = {
	SYNCMAP_IOC_STORE, SYNCMAP_IOC_LOAD, SYNCMAP_IOC_DELETE,
	SYNCMAP_IOC_LOAD_OR_STORE, SYNCMAP_IOC_LOAD_AND_DELETE,
	SYNCMAP_IOC_SWAP, SYNCMAP_IOC_COMPARE_AND_SWAP,
	SYNCMAP_IOC_COMPARE_AND_DELETE,
};

static int allowed(int e)
{
	return e == ENOENT || e == ERANGE || e == E2BIG || e == ENOSPC ||
	       e == EINVAL || e == EFAULT || e == ENOTTY || e == ENOMEM;
}

/* What the control node may also answer (root: never EPERM). */
static int ctl_allowed(int e)
{
	return allowed(e) || e == EEXIST;
}

static struct syncmap_kv batch_kvs[8];

/* A batch of pool keys, mostly valid elements. */
static void batch_arg(struct syncmap_batch *b)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		memset(&batch_kvs[i], 0, sizeof(batch_kvs[i]));
		pool_key(&batch_kvs[i]);
		batch_kvs[i].value = ptr(big + 64 * i);
		batch_kvs[i].value_len = len(1 + below(40), MAX_VALUE);
	}
	b->kvs = ptr(batch_kvs);
	b->count = len(1 + below(8), 8);
	if (!below(20))
		b->flags = rnd();
}

static long calls, errors[256];

/* Count a call's outcome; 1 if its errno is none of those @ok allows. */
static int judge(const char *what, unsigned long cmd, int r, int (*ok)(int))
{
	calls++;
	errors[r & 255]++;
	if (r && !ok(r)) {
		printf("# %s: cmd %#lx: unexpected errno %d\n", what, cmd, r);
		return 1;
	}
	return 0;
}

static int no_clear;	/* soak: the owners' keys must survive */

static int one_call(int fd)
{
	union {
		struct syncmap_kv kv;
		struct syncmap_stats st;
		struct syncmap_range rq;
		struct syncmap_batch b;
		unsigned char raw[128];
	} a;
	static const unsigned long batch_cmds[] = {
		SYNCMAP_IOC_LOAD_BATCH, SYNCMAP_IOC_STORE_BATCH,
		SYNCMAP_IOC_DELETE_BATCH,
	};
	unsigned long cmd;
	void *arg = &a;
	uint32_t pick = below(100);
	int r;

	memset(&a, 0, sizeof(a));
	if (pick < 4) {
		cmd = batch_cmds[below(3)];
		batch_arg(&a.b);
	} else if (pick < 80) {
		cmd = kv_cmds[below(8)];
		pool_key(&a.kv);
		a.kv.value = ptr(big);
		a.kv.value_len = len(1 + below(40), MAX_VALUE);
		a.kv.old = ptr(big + MAX_VALUE);
		a.kv.old_len = len(1 + below(40), MAX_VALUE);
		if (!below(20))
			a.kv.flags = rnd();
		big[0] = 'a' + below(4);	/* values meet each other too */
	} else if (pick < 86) {
		cmd = SYNCMAP_IOC_RANGE;
		a.rq.cursor = below(4) ? 0 : rnd();
		a.rq.buf = ptr(big);
		a.rq.buf_len = len(below(4096), 4096);
		if (!below(10))
			a.rq.flags = rnd();
		if (!below(10))
			a.rq.pad = rnd();
	} else if (pick < 89) {
		cmd = SYNCMAP_IOC_STATS;
	} else if (pick < 90) {
		cmd = SYNCMAP_IOC_CLEAR;
	} else if (pick < 95) {
		/* A known number with another size or direction. */
		cmd = _IOC(below(4), SYNCMAP_IOC_MAGIC, 1 + below(17),
			   below(2) ? sizeof(struct syncmap_kv) : below(200));
	} else {
		/* Anything, but not the VFS's own 'X' ioctls (FIFREEZE...). */
		do {
			cmd = below(2) ? rnd() : _IOC(below(4), below(256),
						       below(256), below(200));
		} while (_IOC_TYPE(cmd) == 'X');
	}
	if (!below(30))
		arg = (void *)(uintptr_t)ptr(&a);
	else if (!below(40))
		for (r = 0; r < (int)sizeof(a.raw); r++)
			a.raw[r] = rnd();
	/* The soak's owners need their keys: no CLEAR, however it is drawn. */
	if (no_clear && (unsigned int)cmd == SYNCMAP_IOC_CLEAR)
		cmd = SYNCMAP_IOC_STATS;
	r = ioctl(fd, cmd, arg) ? errno : 0;
	return judge("fuzz", cmd, r, allowed);
}

static int worker(int id, long n, uint64_t seed)
{
	int fd = open("/dev/syncmap", O_RDWR), bad = 0;
	long i;

	if (fd < 0)
		return 1;
	rng = seed * 0x9e3779b97f4a7c15ULL + id + 1;
	for (i = 0; i < n; i++)
		bad += one_call(fd);
	close(fd);
	return bad ? 1 : 0;
}

/* RANGE agrees with LOAD for every key; STATS with the count. */
static int consistent(int fd)
{
	static unsigned char buf[1 << 16], val[MAX_VALUE];
	struct syncmap_range rq = { 0 };
	struct syncmap_stats st;
	long keys = 0, bad = 0;

	do {
		unsigned char *p = buf;
		uint32_t i;

		rq.buf = p2u(buf);
		rq.buf_len = sizeof(buf);
		rq.flags = 0;
		if (ioctl(fd, SYNCMAP_IOC_RANGE, &rq))
			return printf("# consistency: RANGE errno %d\n", errno), 0;
		for (i = 0; i < rq.count; i++) {
			struct syncmap_rec rec;
			struct syncmap_kv kv;

			memcpy(&rec, p, sizeof(rec));
			kv = (struct syncmap_kv){ .key = p2u(p + 8),
				.key_len = rec.key_len, .value = p2u(val),
				.value_len = sizeof(val) };
			if (ioctl(fd, SYNCMAP_IOC_LOAD, &kv) ||
			    kv.value_len != rec.value_len ||
			    memcmp(val, p + 8 + rec.key_len, rec.value_len))
				bad++;
			keys++;
			p += (sizeof(rec) + rec.key_len + rec.value_len + 7) & ~7UL;
		}
	} while (!(rq.flags & SYNCMAP_RANGE_DONE));
	if (ioctl(fd, SYNCMAP_IOC_STATS, &st))
		return 0;
	printf("# consistency: %ld keys, %ld disagree, STATS entries %llu\n",
	       keys, bad, (unsigned long long)st.entries);
	return !bad && st.entries == (uint64_t)keys && keys <= 64;
}

/* Wait for every child; 0 if one failed or the map is inconsistent. */
static int reap_and_check(int ok)
{
	int status, fd;

	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
	fd = open("/dev/syncmap", O_RDWR);
	if (fd < 0 || !consistent(fd))
		ok = 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * An owner: keys "own<id>-<k>" are written by this process only, so
 * every LOAD must return what its model says, whatever the fuzzers do to
 * the rest of the map (and to its tables: builds, promotions).
 */
static int owner(int id, int secs)
{
	char model[16][24], key[32], val[24], got[64];
	time_t end = time(NULL) + secs;
	int fd = open("/dev/syncmap", O_RDWR), bad = 0, k;
	long ops = 0;

	if (fd < 0)
		return 1;
	memset(model, 0, sizeof(model));
	rng = 77 + id;
	while (time(NULL) < end) {
		struct syncmap_kv kv = { 0 };
		int r;

		k = below(16);
		snprintf(key, sizeof(key), "own%d-%d", id, k);
		snprintf(val, sizeof(val), "%d-%ld", id, ops);
		kv.key = p2u(key);
		kv.key_len = strlen(key);
		switch (below(4)) {
		case 0:		/* STORE; ENOSPC when the fuzzers filled it */
			kv.value = p2u(val);
			kv.value_len = strlen(val);
			r = ioctl(fd, SYNCMAP_IOC_STORE, &kv) ? errno : 0;
			if (!r)
				strcpy(model[k], val);
			else if (r != ENOSPC)
				bad++;
			break;
		case 1:
			r = ioctl(fd, SYNCMAP_IOC_DELETE, &kv) ? errno : 0;
			if (r || !(kv.flags & SYNCMAP_F_LOADED) != !model[k][0])
				bad++;
			model[k][0] = 0;
			break;
		case 2:		/* COMPARE_AND_SWAP against the model */
			if (!model[k][0])
				continue;
			kv.old = p2u(model[k]);
			kv.old_len = strlen(model[k]);
			kv.value = p2u(val);
			kv.value_len = strlen(val);
			r = ioctl(fd, SYNCMAP_IOC_COMPARE_AND_SWAP, &kv) ? errno : 0;
			if (r || !(kv.flags & SYNCMAP_F_SWAPPED))
				bad++;
			else
				strcpy(model[k], val);
			break;
		default:
			kv.value = p2u(got);
			kv.value_len = sizeof(got);
			r = ioctl(fd, SYNCMAP_IOC_LOAD, &kv) ? errno : 0;
			if (model[k][0] ? r || kv.value_len != strlen(model[k]) ||
					  memcmp(got, model[k], kv.value_len)
					: r != ENOENT)
				bad++;
		}
		ops++;
	}
	close(fd);
	printf("# owner %d: %ld checked calls, %d wrong\n", id, ops, bad);
	return bad ? 1 : 0;
}

static int soak(int secs)
{
	int i, ok = 1;

	no_clear = 1;
	for (i = 0; i < 4; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			if (i < 2)
				_exit(owner(i, secs));
			rng = 1000 + i;
			time_t end = time(NULL) + secs;
			int fz = open("/dev/syncmap", O_RDWR), bad = 0;

			while (fz >= 0 && time(NULL) < end)
				for (int j = 0; j < 100; j++)
					bad += one_call(fz);
			printf("# fuzzer %d: %ld calls\n", i, calls);
			_exit(fz < 0 || bad);
		}
		if (pid < 0)
			ok = 0;
	}
	ok = reap_and_check(ok);
	printf("SYNCMAP-RESULT %s dev.soak_%ds\n", ok ? "ok" : "FAIL", secs);
	return ok ? 0 : 1;
}

/* Exit status 0 unless a call returned an errno the header does not list. */
static int churn(int secs)
{
	time_t end = time(NULL) + secs;
	long opens = 0, missing = 0;
	int bad = 0, i, fd;

	rng = getpid();
	while (time(NULL) < end && access("/tmp/churn.stop", F_OK)) {
		fd = open("/dev/syncmap", O_RDWR);
		if (fd < 0) {
			missing++;	/* unloaded just now */
			usleep(1000);
			continue;
		}
		opens++;
		for (i = 0; i < 10; i++)
			bad += one_call(fd);
		close(fd);
		/* Closed about half the time: windows for rmmod. */
		usleep(5000 + below(10000));
	}
	printf("# churn %d: %ld opens, %ld calls, %ld opens found no device\n",
	       getpid(), opens, calls, missing);
	return bad ? 1 : 0;
}

/* ---- named maps and the control node (fuzz named) ------------------- */

#define NAMES	4

static void pool_name(char *name)
{
	memset(name, 0, SYNCMAP_NAME_LEN);
	switch (below(12)) {
	case 0:		/* garbage, not NUL-terminated */
		for (int i = 0; i < SYNCMAP_NAME_LEN; i++)
			name[i] = rnd();
		break;
	case 1:
		strcpy(name, below(2) ? ".x" : "a/b");
		break;
	default:
		snprintf(name, SYNCMAP_NAME_LEN, "fzm%u", below(NAMES));
	}
}

static int ctl_call(int ctl)
{
	union {
		struct syncmap_create c;
		struct syncmap_name n;
		struct syncmap_list l;
		unsigned char raw[128];
	} a;
	static struct syncmap_info infos[8];
	unsigned long cmd;
	void *arg = &a;
	int r;

	memset(&a, 0, sizeof(a));
	switch (below(4)) {
	case 0:
	case 1:
		cmd = SYNCMAP_IOC_CREATE;
		pool_name(a.c.name);
		a.c.max_entries = below(3) ? 0 : len(16, 64);
		a.c.max_key_len = below(3) ? 0 : len(64, MAX_KEY);
		a.c.max_value_len = below(3) ? 0 : len(512, MAX_VALUE);
		a.c.mode = below(4) ? 0600 : rnd();
		if (!below(20))
			a.c.flags = rnd();
		if (!below(20))
			a.c.pad = rnd();
		break;
	case 2:
		cmd = SYNCMAP_IOC_DESTROY;
		pool_name(a.n.name);
		break;
	default:
		cmd = SYNCMAP_IOC_LIST;
		a.l.buf = ptr(infos);
		a.l.count = len(below(9), 8);
		if (!below(20))
			a.l.flags = rnd();
	}
	if (!below(30))
		arg = (void *)(uintptr_t)ptr(&a);
	r = ioctl(ctl, cmd, arg) ? errno : 0;
	return judge("fuzz named: control", cmd, r, ctl_allowed);
}

static int named_worker(int id, long n, uint64_t seed)
{
	int ctl = open("/dev/syncmap-control", O_RDWR), bad = 0;
	long i;

	if (ctl < 0)
		return 1;
	rng = seed * 0x9e3779b97f4a7c15ULL + id + 1;
	for (i = 0; i < n; i++) {
		char path[64];
		int fd, k;

		if (below(3)) {
			bad += ctl_call(ctl);
			continue;
		}
		snprintf(path, sizeof(path), "/dev/syncmaps/fzm%u",
			 below(NAMES));
		fd = open(path, O_RDWR);
		if (fd < 0) {
			if (errno != ENOENT && errno != ENODEV) {
				printf("# fuzz named: open: errno %d\n", errno);
				bad++;
			}
			continue;
		}
		for (k = 0; k < 4; k++)
			bad += one_call(fd);
		close(fd);
	}
	close(ctl);
	return bad ? 1 : 0;
}

/* Every pool map destroyed, LIST then has none of them. */
static int named_cleanup(void)
{
	struct syncmap_info infos[64];
	struct syncmap_list l = { .buf = p2u(infos), .count = 64 };
	struct syncmap_name nm;
	int ctl = open("/dev/syncmap-control", O_RDWR), i, left = 0;

	if (ctl < 0)
		return 0;
	for (i = 0; i < NAMES; i++) {
		memset(&nm, 0, sizeof(nm));
		snprintf(nm.name, sizeof(nm.name), "fzm%d", i);
		if (ioctl(ctl, SYNCMAP_IOC_DESTROY, &nm) && errno != ENOENT)
			return 0;
	}
	if (ioctl(ctl, SYNCMAP_IOC_LIST, &l))
		return 0;
	for (i = 0; i < (int)l.count; i++)
		left += !strncmp(infos[i].name, "fzm", 3);
	close(ctl);
	printf("# fuzz named: %d pool maps left after destroying them\n", left);
	return !left;
}

static int fuzz_named(int procs, long per)
{
	int i, ok = 1, status;

	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(named_worker(i, per, 1));
		if (pid < 0)
			ok = 0;
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
	ok = named_cleanup() && ok;
	printf("SYNCMAP-RESULT %s dev.fuzz_named_%ld_rounds\n",
	       ok ? "ok" : "FAIL", procs * per);
	return ok ? 0 : 1;
}


int main(int argc, char **argv)
{
	int procs = argc > 1 ? atoi(argv[1]) : 4;
	long per = argc > 2 ? atol(argv[2]) : 250000;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	int i, ok = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && (!strcmp(argv[1], "churn") || !strcmp(argv[1], "soak") ||
			  !strcmp(argv[1], "named")))
		procs = 0;
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	gone_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page == MAP_FAILED || gone_page == MAP_FAILED)
		return 1;
	munmap(gone_page, 4096);
	if (argc == 3 && !strcmp(argv[1], "churn"))
		return churn(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "soak"))
		return soak(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "named"))
		return fuzz_named(atoi(argv[2]), atol(argv[3]));
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(worker(i, per, seed));
		if (pid < 0)
			ok = 0;
	}
	ok = reap_and_check(ok);
	printf("# fuzz: %d processes x %ld calls, seed %llu\n", procs, per,
	       (unsigned long long)seed);
	printf("SYNCMAP-RESULT %s dev.fuzz_%ld_calls\n", ok ? "ok" : "FAIL",
	       procs * per);
	return ok ? 0 : 1;
}
