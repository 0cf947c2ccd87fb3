// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the KUnit suite of syncmap_test.c in user space: each case (and
 * each parameter of a parameterised case) in its own thread, then its
 * cleanup actions, newest first. A case fails on a failed expectation,
 * a failed assertion (which ends its thread) or a WARN from the code
 * under test. Output is KTAP-like; the last line is "N passed, N failed".
 *
 * Usage: kunit [-q] [-s] [name-substring ...]
 *   -q  quiet: no per-case lines for passing cases
 *   -s  skip the cases marked slow
 */
#include <kunit/test.h>
#include <unistd.h>

struct shim_kunit_action {
	kunit_action_t *fn;
	void *data;
	struct shim_kunit_action *next;
};

extern int (*shim_module_init)(void);
extern void (*shim_module_exit)(void);
extern long shim_warnings;

int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *fn,
			      void *data)
{
	struct shim_kunit_action *a = malloc(sizeof(*a));

	if (!a) {
		fn(data);
		return -ENOMEM;
	}
	a->fn = fn;
	a->data = data;
	a->next = test->actions;
	test->actions = a;
	return 0;
}

static void free_action(void *p)
{
	kfree(p);
}

void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	void *p = kzalloc(size, gfp);

	if (p && kunit_add_action_or_reset(test, free_action, p))
		return NULL;
	return p;
}

void shim_kunit_fail(struct kunit *test, bool assert, const char *file,
		     int line, const char *what, long long l, long long r)
{
	printf("    # %s: %s failed at %s:%d\n    Expected %s, but\n"
	       "        left == %lld (0x%llx)\n        right == %lld (0x%llx)\n",
	       test->name, assert ? "ASSERTION" : "EXPECTATION", file, line,
	       what, l, (unsigned long long)l, r, (unsigned long long)r);
	__atomic_store_n(&test->status, KUNIT_FAILURE, __ATOMIC_RELAXED);
	if (assert)
		pthread_exit(NULL);
}

void shim_kunit_failf(struct kunit *test, const char *file, int line,
		      const char *fmt, ...)
{
	va_list ap;

	printf("    # %s: EXPECTATION FAILED at %s:%d\n    ", test->name, file,
	       line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	__atomic_store_n(&test->status, KUNIT_FAILURE, __ATOMIC_RELAXED);
}

void kunit_skip(struct kunit *test, const char *reason)
{
	printf("    # %s: SKIP %s\n", test->name, reason);
	if (__atomic_load_n(&test->status, __ATOMIC_RELAXED) != KUNIT_FAILURE)
		__atomic_store_n(&test->status, KUNIT_SKIPPED, __ATOMIC_RELAXED);
	pthread_exit(NULL);
}

struct run {
	struct kunit *test;
	void (*fn)(struct kunit *test);
};

static void *case_thread(void *arg)
{
	struct run *run = arg;

	run->fn(run->test);
	return NULL;
}

/* Returns 1 if the case passed, 0 if it failed, -1 if it was skipped. */
static int run_one(struct kunit_case *c, const void *param, const char *desc,
		   int n, bool quiet)
{
	struct kunit test = { .name = c->name, .param_value = param };
	struct run run = { .test = &test, .fn = c->run_case };
	long warnings = __atomic_load_n(&shim_warnings, __ATOMIC_RELAXED);
	struct shim_kunit_action *a;
	u64 t0 = ktime_get_ns();
	pthread_t th;
	bool ok;

	if (pthread_create(&th, NULL, case_thread, &run)) {
		perror("pthread_create");
		exit(2);
	}
	pthread_join(th, NULL);
	while ((a = test.actions)) {
		test.actions = a->next;
		a->fn(a->data);
		free(a);
	}
	rcu_barrier();	/* no callback of this case runs into the next */
	if (__atomic_load_n(&shim_warnings, __ATOMIC_RELAXED) != warnings) {
		printf("    # %s: the code under test raised a WARNING\n",
		       c->name);
		test.status = KUNIT_FAILURE;
	}
	ok = test.status != KUNIT_FAILURE;
	if (!ok || !quiet || test.status == KUNIT_SKIPPED)
		printf("%sok %d %s%s%s%s (%.1f ms)\n", ok ? "" : "not ", n,
		       c->name, desc ? " - " : "", desc ? desc : "",
		       test.status == KUNIT_SKIPPED ? " # SKIP" : "",
		       (ktime_get_ns() - t0) / 1e6);
	fflush(stdout);
	return !ok ? 0 : test.status == KUNIT_SKIPPED ? -1 : 1;
}

static bool selected(const char *name, int nsel, char **sel)
{
	int i;

	if (!nsel)
		return true;
	for (i = 0; i < nsel; i++)
		if (strstr(name, sel[i]))
			return true;
	return false;
}

/*
 * The shim's siphash must be SipHash-2-4 (the paper's test vectors) and
 * its hsiphash the kernel's 64-bit one (lib/test_siphash.c's vectors).
 */
static bool siphash_ok(void)
{
	siphash_key_t k = { { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL } };
	hsiphash_key_t hk = { { k.key[0], k.key[1] } };
	u8 msg[15];
	int i;

	for (i = 0; i < 15; i++)
		msg[i] = i;
	return siphash(msg, 15, &k) == 0xa129ca6149be45e5ULL &&
	       siphash(msg, 0, &k) == 0x726fdb47dd0e0e31ULL &&
	       hsiphash(msg, 15, &hk) == 0x2a519956U &&
	       hsiphash(msg, 0, &hk) == 0x050fc4dcU &&
	       hsiphash(msg, 8, &hk) == 0x8d299a8eU;
}

/* A case's result into the totals; a skipped one counts in neither. */
static void count(int result, int *passed, int *failed)
{
	if (result > 0)
		(*passed)++;
	else if (!result)
		(*failed)++;
}

/*
 * The cases of @s that @names select (all, if none is named), each
 * parameter of a parameterised one a case of its own, numbered from 1.
 */
static void run_suite(struct kunit_suite *s, int nnames, char **names,
		      bool quiet, bool skip_slow, int *passed, int *failed)
{
	char desc[KUNIT_PARAM_DESC_SIZE];
	struct kunit_case *c;
	const void *p;
	int n = 0;

	printf("# Subtest: %s (user space)\n", s->name);
	for (c = s->test_cases; c->run_case; c++) {
		if (!selected(c->name, nnames, names) || (skip_slow && c->slow))
			continue;
		if (!c->generate_params) {
			count(run_one(c, NULL, NULL, ++n, quiet), passed,
			      failed);
			continue;
		}
		desc[0] = 0;
		for (p = NULL; (p = c->generate_params(p, desc)); desc[0] = 0)
			count(run_one(c, p, desc, ++n, quiet), passed, failed);
	}
}

int main(int argc, char **argv)
{
	bool quiet = false, skip_slow = false;
	int opt, passed = 0, failed = 0;
	struct kunit_suite **sp;

	while ((opt = getopt(argc, argv, "qs")) != -1) {
		if (opt == 'q')
			quiet = true;
		else if (opt == 's')
			skip_slow = true;
		else
			return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!siphash_ok()) {
		printf("not ok 0 shim siphash/hsiphash differ from SipHash-2-4/the kernel\n0 passed, 1 failed\n");
		return 1;
	}
	if (shim_module_init()) {
		printf("not ok 0 module init failed\n0 passed, 1 failed\n");
		return 1;
	}
	for (sp = shim_kunit_suites; *sp; sp++)
		run_suite(*sp, argc - optind, argv + optind, quiet, skip_slow,
			  &passed, &failed);
	shim_module_exit();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
