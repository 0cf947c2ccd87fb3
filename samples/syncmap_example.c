// SPDX-License-Identifier: GPL-2.0
/*
 * syncmap_example - an in-kernel client of the syncmap API
 *
 * Counts the words of the "text" parameter in a syncmap: the first
 * sighting of a word inserts a counter with syncmap_load_or_store(), later
 * ones bump it with syncmap_compare_and_swap() (a counter is immutable once
 * published; a new one replaces it, the map releases the old one after a
 * grace period). Then it prints the counts with syncmap_range() and the
 * map's statistics. A client like any other: it uses only syncmap.h.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../syncmap.h"

static char *text = "the,quick,brown,fox,jumps,over,the,lazy,dog,the,end";
module_param(text, charp, 0444);
MODULE_PARM_DESC(text, "words to count, separated by commas or blanks");

#define SEPARATORS ", \t\n"

struct counter {
	unsigned long n;
};

static void counter_release(void *value)
{
	kfree(value);
}

/* Add one to @word's counter; lock-free unless the word is new. */
static int count_word(struct syncmap *map, const char *word, size_t len)
{
	struct counter *cur;
	bool loaded;

	for (;;) {
		struct counter *fresh = kmalloc(sizeof(*fresh), GFP_KERNEL);

		if (!fresh)
			return -ENOMEM;
		fresh->n = 1;
		rcu_read_lock();
		cur = syncmap_load_or_store(map, word, len, fresh, &loaded,
					    GFP_ATOMIC);
		if (IS_ERR(cur)) {
			rcu_read_unlock();
			kfree(fresh);
			return PTR_ERR(cur);
		}
		if (!loaded) {
			rcu_read_unlock();
			return 0;
		}
		fresh->n = cur->n + 1;
		if (syncmap_compare_and_swap(map, word, len, cur, fresh)) {
			rcu_read_unlock();
			return 0;
		}
		rcu_read_unlock();
		kfree(fresh);	/* lost a race: never stored, retry */
	}
}

static bool print_count(const void *key, size_t key_len, void *value,
			void *arg)
{
	struct counter *c = value;

	pr_info("  %-12.*s %lu\n", (int)key_len, (const char *)key, c->n);
	(*(unsigned long *)arg) += c->n;
	return true;
}

static int __init syncmap_example_init(void)
{
	struct syncmap_counters st;
	struct syncmap *map;
	unsigned long total = 0;
	const char *p = text;
	int err = 0;

	map = syncmap_create(counter_release);
	if (IS_ERR(map))
		return PTR_ERR(map);

	while (*p && !err) {
		size_t len = strcspn(p, SEPARATORS);

		if (len)
			err = count_word(map, p, len);
		p += len;
		p += strspn(p, SEPARATORS);
	}
	if (!err) {
		pr_info("%zu distinct words:\n", syncmap_len(map));
		syncmap_range(map, print_count, &total);
		syncmap_get_counters(map, &st);
		pr_info("%lu words; %llu promotions, %llu dirty builds, %llu misses\n",
			total, st.promotions, st.dirty_builds, st.misses);
	}
	syncmap_destroy(map);
	return err;
}

static void __exit syncmap_example_exit(void)
{
}

module_init(syncmap_example_init);
module_exit(syncmap_example_exit);

MODULE_DESCRIPTION("syncmap example client: a word counter");
MODULE_LICENSE("GPL");
