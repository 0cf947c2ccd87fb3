// SPDX-License-Identifier: GPL-2.0
/*
 * syncmap_named_example - a module configured from user space through a
 * named syncmap
 *
 * On load it creates /dev/syncmaps/example_cfg (root's, mode 0600) with
 * its defaults, "greeting" = "hello" and "repeat" = "1". User space
 * changes them with the node's commands (syncmapctl -m example_cfg store
 * greeting hi). Writing the "greet" parameter makes the module log the
 * greeting "repeat" times, reading both under RCU, straight from the map,
 * and store how often it has greeted under "greeted", which user space
 * loads. Unloading removes the map.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "../drivers/syncmap_dev.h"

#define MAP_NAME	"example_cfg"
#define MAX_REPEAT	5

static struct syncmap_named *cfg;
static unsigned int greeted;

static int store_str(const char *key, const char *value)
{
	return syncmap_named_store(cfg, key, strlen(key), value, strlen(value));
}

/* "repeat" as a number in 0..MAX_REPEAT; absent or not a number: 1. */
static unsigned int repeat_rcu(void)
{
	char buf[8] = "";
	const void *p;
	unsigned int n;
	u32 len;

	p = syncmap_named_load_rcu(cfg, "repeat", 6, &len);
	if (p && len < sizeof(buf))
		memcpy(buf, p, len);
	if (kstrtouint(buf, 10, &n))
		return 1;
	return min_t(unsigned int, n, MAX_REPEAT);
}

static int greet_set(const char *val, const struct kernel_param *kp)
{
	char count[16];
	unsigned int i, n;
	const void *p;
	u32 len;

	rcu_read_lock();
	n = repeat_rcu();
	p = syncmap_named_load_rcu(cfg, "greeting", 8, &len);
	for (i = 0; i < n; i++) {
		if (p)
			pr_info("greeting: %.*s\n", (int)len, (const char *)p);
		else
			pr_info("greeting: (none)\n");
	}
	rcu_read_unlock();
	snprintf(count, sizeof(count), "%u", ++greeted);
	return store_str("greeted", count);
}

static const struct kernel_param_ops greet_ops = {
	.set = greet_set,
};
module_param_cb(greet, &greet_ops, NULL, 0200);
MODULE_PARM_DESC(greet, "write anything: log the map's greeting");

static int __init example_init(void)
{
	int err;

	cfg = syncmap_named_create(MAP_NAME, 16, 32, 256, 0600);
	if (IS_ERR(cfg))
		return PTR_ERR(cfg);
	err = store_str("greeting", "hello") ?: store_str("repeat", "1");
	if (err)
		syncmap_named_destroy(cfg);
	return err;
}

static void __exit example_exit(void)
{
	syncmap_named_destroy(cfg);
}

module_init(example_init);
module_exit(example_exit);

MODULE_DESCRIPTION("syncmap example: a module configured through a named map");
MODULE_LICENSE("GPL");
