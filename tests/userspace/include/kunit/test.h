/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of KUnit that syncmap_test.c uses, for the user-space build.
 * Each case runs in its own thread, as in the kernel; a failed ASSERT
 * ends that thread, then the case's cleanup actions run in reverse order.
 * kunit.c is the runner.
 */
#ifndef SYNCMAP_SHIM_KUNIT_H
#define SYNCMAP_SHIM_KUNIT_H

#include "../shim.h"

#define KUNIT_PARAM_DESC_SIZE 128

struct kunit;
typedef void (kunit_action_t)(void *);

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);
	bool slow;
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
};

enum kunit_status { KUNIT_SUCCESS, KUNIT_FAILURE, KUNIT_SKIPPED };

struct kunit {
	const char *name;
	const void *param_value;
	enum kunit_status status;
	struct shim_kunit_action *actions;
};

#define KUNIT_CASE(fn)		{ .run_case = fn, .name = #fn }
#define KUNIT_CASE_SLOW(fn)	{ .run_case = fn, .name = #fn, .slow = true }
#define KUNIT_CASE_PARAM(fn, gen) \
	{ .run_case = fn, .name = #fn, .generate_params = gen }
/* The one attribute used is speed = KUNIT_SPEED_SLOW. */
#define KUNIT_CASE_PARAM_ATTR(fn, gen, attr) \
	{ .run_case = fn, .name = #fn, .generate_params = gen, .slow = true }

#define KUNIT_ARRAY_PARAM(name, array, get_desc)			\
static const void *name##_gen_params(const void *prev, char *desc)	\
{									\
	__typeof__((array)[0]) *__next =				\
		prev ? ((__typeof__(__next))prev) + 1 : (array);	\
	void (*__get_desc)(__typeof__(__next), char *) = get_desc;	\
	if ((size_t)(__next - (array)) >= ARRAY_SIZE(array))		\
		return NULL;						\
	if (__get_desc)							\
		__get_desc(__next, desc);				\
	return __next;							\
}

extern struct kunit_suite *shim_kunit_suites[];
#define kunit_test_suites(...)	\
	struct kunit_suite *shim_kunit_suites[] = { __VA_ARGS__, NULL }
#define kunit_test_suite(s)	kunit_test_suites(&(s))

int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *fn,
			      void *data);
void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp);
#define kunit_info(test, fmt, ...) \
	printf("    # %s: " fmt, (test)->name, ##__VA_ARGS__)

void shim_kunit_fail(struct kunit *test, bool assert, const char *file,
		     int line, const char *what, long long l, long long r);

void shim_kunit_failf(struct kunit *test, const char *file, int line,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define KUNIT_FAIL(test, fmt, ...) \
	shim_kunit_failf(test, __FILE__, __LINE__, fmt, ##__VA_ARGS__)

/* Ends the case as skipped (unless it failed already), as KUnit does. */
void kunit_skip(struct kunit *test, const char *reason)
	__attribute__((noreturn));

#define SHIM_KUNIT_CMP(test, assert, cast, l, op, r) do {		\
	long long __l = (long long)(cast)(l);				\
	long long __r = (long long)(cast)(r);				\
	if (!(__l op __r))						\
		shim_kunit_fail(test, assert, __FILE__, __LINE__,	\
				#l " " #op " " #r, __l, __r);		\
} while (0)

#define KUNIT_EXPECT_EQ(t, l, r)	SHIM_KUNIT_CMP(t, false, long long, l, ==, r)
#define KUNIT_EXPECT_NE(t, l, r)	SHIM_KUNIT_CMP(t, false, long long, l, !=, r)
#define KUNIT_EXPECT_GT(t, l, r)	SHIM_KUNIT_CMP(t, false, long long, l, >, r)
#define KUNIT_EXPECT_GE(t, l, r)	SHIM_KUNIT_CMP(t, false, long long, l, >=, r)
#define KUNIT_EXPECT_LT(t, l, r)	SHIM_KUNIT_CMP(t, false, long long, l, <, r)
#define KUNIT_EXPECT_LE(t, l, r)	SHIM_KUNIT_CMP(t, false, long long, l, <=, r)
#define KUNIT_EXPECT_TRUE(t, c)		SHIM_KUNIT_CMP(t, false, bool, c, ==, true)
#define KUNIT_EXPECT_FALSE(t, c)	SHIM_KUNIT_CMP(t, false, bool, c, ==, false)
#define KUNIT_EXPECT_PTR_EQ(t, l, r)	SHIM_KUNIT_CMP(t, false, uintptr_t, l, ==, r)
#define KUNIT_EXPECT_PTR_NE(t, l, r)	SHIM_KUNIT_CMP(t, false, uintptr_t, l, !=, r)
#define KUNIT_EXPECT_NULL(t, p)		SHIM_KUNIT_CMP(t, false, uintptr_t, p, ==, 0)
#define KUNIT_EXPECT_NOT_NULL(t, p)	SHIM_KUNIT_CMP(t, false, uintptr_t, p, !=, 0)

#define KUNIT_ASSERT_EQ(t, l, r)	SHIM_KUNIT_CMP(t, true, long long, l, ==, r)
#define KUNIT_ASSERT_NE(t, l, r)	SHIM_KUNIT_CMP(t, true, long long, l, !=, r)
#define KUNIT_ASSERT_LT(t, l, r)	SHIM_KUNIT_CMP(t, true, long long, l, <, r)
#define KUNIT_ASSERT_GT(t, l, r)	SHIM_KUNIT_CMP(t, true, long long, l, >, r)
#define KUNIT_ASSERT_GE(t, l, r)	SHIM_KUNIT_CMP(t, true, long long, l, >=, r)
#define KUNIT_ASSERT_TRUE(t, c)		SHIM_KUNIT_CMP(t, true, bool, c, ==, true)
#define KUNIT_ASSERT_FALSE(t, c)	SHIM_KUNIT_CMP(t, true, bool, c, ==, false)
#define KUNIT_ASSERT_NULL(t, p)		SHIM_KUNIT_CMP(t, true, uintptr_t, p, ==, 0)
#define KUNIT_ASSERT_NOT_NULL(t, p)	SHIM_KUNIT_CMP(t, true, uintptr_t, p, !=, 0)
#define KUNIT_ASSERT_PTR_EQ(t, l, r)	SHIM_KUNIT_CMP(t, true, uintptr_t, l, ==, r)
#define KUNIT_ASSERT_PTR_NE(t, l, r)	SHIM_KUNIT_CMP(t, true, uintptr_t, l, !=, r)

#endif /* SYNCMAP_SHIM_KUNIT_H */
