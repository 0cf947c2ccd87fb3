// SPDX-License-Identifier: GPL-2.0
/*
 * syncmapctl - drive /dev/syncmap and named maps from the command line,
 * through libsyncmap
 *
 * Exit status: 0 done / found, 1 not found / not swapped, 2 error.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libsyncmap.h"

#define UNUSED __attribute__((unused))

enum { EXIT_DONE = 0, EXIT_NO = 1, EXIT_ERR = 2 };
enum out_mode { OUT_TEXT, OUT_HEX, OUT_RAW };

static const char *dev_path = "/dev/syncmap";
static enum out_mode out_mode = OUT_TEXT;
static int json;			/* -j: JSON on standard output */
static const char *value_file;
static int fd = -1;

struct buf {
	unsigned char *p;
	size_t len;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: syncmapctl [options] command [args]\n"
"\n"
"commands:\n"
"  store KEY VALUE          set KEY to VALUE\n"
"  load KEY                 print KEY's value (exit 1 if absent)\n"
"  delete KEY               remove KEY (exit 1 if it was absent)\n"
"  load-or-store KEY VALUE  print the existing value, or store VALUE\n"
"                           (exit 0 either way; 'stored' on stderr)\n"
"  load-and-delete KEY      print KEY's value and remove it (exit 1 if absent)\n"
"  swap KEY VALUE           store VALUE, print the previous value\n"
"  cas KEY OLD NEW          set KEY to NEW if it holds OLD (exit 1 if not)\n"
"  cad KEY OLD              remove KEY if it holds OLD (exit 1 if not)\n"
"  clear                    remove every key\n"
"  range, dump              print every key and value, one pair per line\n"
"  stats                    print the map's counters and limits\n"
"  create NAME [--max-entries N] [--max-key-len N] [--max-value-len N]\n"
"         [--mode MODE]     create the named map /dev/syncmaps/NAME (0 or\n"
"                           absent: the module's default limits; MODE in\n"
"                           octal, default 0600)\n"
"  destroy NAME             remove a named map (open files keep it)\n"
"  list                     print the named maps: name, entries, limits,\n"
"                           uid, gid, mode\n"
"\n"
"A VALUE (or OLD / NEW) of '-' is read from standard input; with\n"
"--file, the value to store comes from a file instead of the argument.\n"
"\n"
"options:\n"
"  -m, --map NAME      the named map /dev/syncmaps/NAME\n"
"  -d, --device PATH   the device (default /dev/syncmap)\n"
"  -f, --file FILE     read the value to store from FILE\n"
"  -x, --hex           print keys and values in hex\n"
"  -r, --raw           print values as raw bytes, without a newline\n"
"  -j, --json          print one JSON value per command (bytes as string\n"
"                      characters of the same code, or hex with -x;\n"
"                      an error as {\"error\": ...})\n"
"  -h, --help          this text\n"
"\n"
"exit status: 0 done or found, 1 not found or not swapped, 2 error\n");
}

/*
 * A JSON string of @len bytes, each the character of the same code (so
 * any bytes round-trip); with --hex, their hex digits.
 */
static void json_str(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		if (out_mode == OUT_HEX)
			printf("%02x", p[i]);
		else if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\u%04x", p[i]);
		else
			putchar(p[i]);
	}
	putchar('"');
}

static void json_key(const char *name)
{
	printf("\"%s\":", name);
}

static int fail_msg(const char *what, const char *why);

static int fail(const char *what, int err)
{
	const char *why;

	switch (err) {
	case ENOENT: why = "no such key"; break;
	case E2BIG: why = "key or value longer than the device allows (see 'stats')"; break;
	case ENOSPC: why = "the map is full (max_entries, see 'stats')"; break;
	case EINVAL: why = "invalid argument"; break;
	case EFAULT: why = "bad address"; break;
	case ENOTTY: why = "not a syncmap device, or a command it does not know"; break;
	case ERANGE: why = "buffer too small"; break;
	case ENOMEM: why = "out of memory"; break;
	case EACCES: why = "permission denied (the node's mode does not grant it)"; break;
	case EBADF: why = "the map is open read-only (the node grants reading only)"; break;
	case EEXIST: why = "a map of that name exists"; break;
	case EDQUOT: why = "over your quota of maps, keys or bytes (module parameters user_max_*)"; break;
	case EPERM: why = "not permitted (creating needs CAP_SYS_ADMIN, destroying the creator)"; break;
	default: why = strerror(err); break;
	}
	return fail_msg(what, why);
}

static int fail_msg(const char *what, const char *why)
{
	fprintf(stderr, "syncmapctl: %s: %s\n", what, why);
	if (json) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s: %s", what, why);
		printf("{\"error\":");
		json_str(msg, strlen(msg));
		printf("}\n");
	}
	return EXIT_ERR;
}

static int read_all(FILE *f, struct buf *b)
{
	size_t cap = 4096;

	b->p = malloc(cap);
	b->len = 0;
	while (b->p) {
		size_t n = fread(b->p + b->len, 1, cap - b->len, f);

		b->len += n;
		if (b->len < cap)
			return ferror(f) ? -1 : 0;
		cap *= 2;
		b->p = realloc(b->p, cap);
	}
	return -1;
}

/* An argument as bytes: '-' reads standard input. */
static int arg_bytes(const char *arg, struct buf *b)
{
	if (strcmp(arg, "-"))
		return b->p = (unsigned char *)strdup(arg), b->len = strlen(arg), 0;
	return read_all(stdin, b);
}

static int value_bytes(const char *arg, struct buf *b)
{
	FILE *f;
	int ret;

	if (!value_file)
		return arg_bytes(arg, b);
	f = fopen(value_file, "rb");
	if (!f)
		return -1;
	ret = read_all(f, b);
	fclose(f);
	return ret;
}

/*
 * Whether the locale's character set is UTF-8, from the environment as
 * setlocale() would read it (LC_ALL, then LC_CTYPE, then LANG): a static
 * binary need not have the locale's data to know that.
 */
static int utf8_locale(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		char low[128];
		size_t j;

		if (!v || !*v)
			continue;
		for (j = 0; v[j] && j < sizeof(low) - 1; j++)
			low[j] = tolower((unsigned char)v[j]);
		low[j] = 0;
		return strstr(low, "utf-8") || strstr(low, "utf8");
	}
	return 0;
}

/*
 * The length of the printable UTF-8 character at @p (at most @len bytes),
 * or 0: invalid or overlong encodings, surrogates, code points past
 * U+10FFFF and the C1 controls are not characters to print as they are.
 */
static size_t utf8_printable(const unsigned char *p, size_t len)
{
	uint32_t cp;
	size_t n, i;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n > len)
		return 0;
	cp = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp < 0xa0)
		return 0;
	return n;
}

/*
 * Bytes as text: printable ASCII as it is, and in a UTF-8 locale every
 * printable UTF-8 character too; anything else, and a backslash, as \\xNN.
 */
static void print_bytes(const unsigned char *p, size_t len, int newline)
{
	static int utf8 = -1;
	size_t i, n;

	if (out_mode == OUT_RAW) {
		fwrite(p, 1, len, stdout);
		return;
	}
	if (utf8 < 0)
		utf8 = utf8_locale();
	for (i = 0; i < len; i += n) {
		n = 1;
		if (out_mode == OUT_HEX) {
			printf("%02x", p[i]);
			continue;
		}
		if (p[i] < 0x80 && isprint(p[i]) && p[i] != '\\') {
			putchar(p[i]);
			continue;
		}
		n = utf8 ? utf8_printable(p + i, len - i) : 0;
		if (n) {
			fwrite(p + i, 1, n, stdout);
		} else {
			printf("\\x%02x", p[i]);
			n = 1;
		}
	}
	if (newline)
		putchar('\n');
}

/* Where a key/value command loads a value, and when it prints it. */
enum kv_load {
	LOAD_NONE,
	LOAD_VALUE,	/* printed if the key was there */
	LOAD_OLD,	/* the previous value, printed if there was one */
};

/* A key/value command's arguments and what it loads. */
struct kv_args {
	struct buf key, old, val;
	struct buf out;		/* the value loaded, malloc()ed */
};

/*
 * Each key/value command through the library: 1 if it loaded a value or
 * took effect, 0 if not, or a negative errno value.
 */
static int op_store(struct kv_args *a)
{
	int err = syncmap_store(fd, a->key.p, a->key.len, a->val.p, a->val.len);

	return err ? err : 1;
}

static int op_load(struct kv_args *a)
{
	return syncmap_load_alloc(fd, a->key.p, a->key.len, (void **)&a->out.p,
				  &a->out.len);
}

static int op_delete(struct kv_args *a)
{
	return syncmap_delete(fd, a->key.p, a->key.len);
}

static int op_cas(struct kv_args *a)
{
	return syncmap_compare_and_swap(fd, a->key.p, a->key.len, a->old.p,
					a->old.len, a->val.p, a->val.len);
}

static int op_cad(struct kv_args *a)
{
	return syncmap_compare_and_delete(fd, a->key.p, a->key.len, a->old.p,
					  a->old.len);
}

/* The commands that copy a value out: into a buffer grown on -ERANGE. */
static int op_load_into(struct kv_args *a, int which)
{
	size_t cap = 4096, len;
	int ret;

	for (;;) {
		free(a->out.p);
		a->out.p = malloc(cap);
		if (!a->out.p)
			return -ENOMEM;
		len = cap;
		if (which == 0)
			ret = syncmap_load_or_store(fd, a->key.p, a->key.len,
						    a->val.p, a->val.len,
						    a->out.p, &len);
		else if (which == 1)
			ret = syncmap_swap(fd, a->key.p, a->key.len, a->val.p,
					   a->val.len, a->out.p, &len);
		else
			ret = syncmap_load_and_delete(fd, a->key.p, a->key.len,
						      a->out.p, &len);
		if (ret != -ERANGE)
			break;
		cap = len;
	}
	a->out.len = len;
	return ret;
}

static int op_load_or_store(struct kv_args *a)
{
	return op_load_into(a, 0);
}

static int op_swap(struct kv_args *a)
{
	return op_load_into(a, 1);
}

static int op_load_and_delete(struct kv_args *a)
{
	return op_load_into(a, 2);
}

/* A command of the table below; @run or the key/value fields. */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);	/* all but key/value */
	int control;			/* a named-map command: opens no map */
	int reads;			/* changes nothing: opens read-only */
	int (*op)(struct kv_args *a);	/* a key/value command */
	int takes_old;			/* KEY OLD ... */
	int stores;			/* ... VALUE (or NEW), or --file */
	enum kv_load load;
	int reports_done;		/* exit 1 unless @op took effect */
	int absent_fails;		/* @op's 0 means an absent key */
	const char *stored_note;	/* on stderr when LOAD_OLD loaded nothing */
};

static const struct command *cmd;

static int cmd_kv(int argc, char **argv)
{
	struct kv_args a = {};
	int want = 2 + cmd->takes_old + cmd->stores;
	int ret, loaded;

	if (value_file)
		want -= cmd->stores;	/* the value comes from --file */
	if (argc != want) {
		fprintf(stderr, "syncmapctl: %s: wrong number of arguments\n",
			cmd->name);
		usage(stderr);
		return EXIT_ERR;
	}
	if (arg_bytes(argv[1], &a.key))
		return fail("reading the key", errno);
	if (cmd->takes_old && arg_bytes(argv[2], &a.old))
		return fail("reading the old value", errno);
	if (cmd->stores && value_bytes(argv[2 + cmd->takes_old], &a.val))
		return fail("reading the value", errno);

	ret = cmd->op(&a);
	if (ret < 0)
		return fail(cmd->name, -ret);
	loaded = cmd->load != LOAD_NONE && ret == 1;
	if (json) {
		printf("{");
		json_key("key");
		json_str(a.key.p, a.key.len);
		if (cmd->load != LOAD_NONE)
			printf(",\"loaded\":%s", loaded ? "true" : "false");
		if (loaded) {
			printf(",");
			json_key("value");
			json_str(a.out.p, a.out.len);
		}
		if (cmd->reports_done)
			printf(",\"done\":%s", ret ? "true" : "false");
		printf("}\n");
	} else if (loaded) {
		print_bytes(a.out.p, a.out.len, 1);
	} else if (cmd->stored_note) {
		fprintf(stderr, "%s\n", cmd->stored_note);
	}
	if ((cmd->absent_fails || cmd->reports_done) && !ret)
		return EXIT_NO;
	return EXIT_DONE;
}

static int cmd_range(int argc UNUSED, char **argv UNUSED)
{
	struct syncmap_iter *it = syncmap_iter_new(fd);
	const void *k, *v;
	size_t kl, vl, n = 0;
	int ret;

	if (!it)
		return fail("range", errno);
	if (json)
		printf("[");
	while ((ret = syncmap_iter_next(it, &k, &kl, &v, &vl)) == 1) {
		if (json) {
			printf("%s{", n++ ? "," : "");
			json_key("key");
			json_str(k, kl);
			printf(",");
			json_key("value");
			json_str(v, vl);
			printf("}");
		} else {
			print_bytes(k, kl, 0);
			putchar('\t');
			print_bytes(v, vl, 1);
		}
	}
	syncmap_iter_free(it);
	if (ret < 0)
		return fail("range", -ret);
	if (json)
		printf("]\n");
	return EXIT_DONE;
}

static int cmd_stats(int argc UNUSED, char **argv UNUSED)
{
	struct syncmap_stats st;
	int err = syncmap_stats(fd, &st);

	if (err)
		return fail("stats", -err);
	{
	const struct { const char *name; uint64_t v; const char *what; } f[] = {
		{ "entries", st.entries, "keys with a value" },
		{ "max_entries", st.max_entries, "most keys the map takes" },
		{ "max_key_len", st.max_key_len, "longest key, bytes" },
		{ "max_value_len", st.max_value_len, "longest value, bytes" },
		{ "read_slots", st.read_slots,
		  "entries in the read table, deleted ones kept for reuse too" },
		{ "dirty_slots", st.dirty_slots,
		  "entries in the dirty table (0: none)" },
		{ "misses", st.misses,
		  "lookups that found their key only in the dirty table" },
		{ "promotions", st.promotions,
		  "times the dirty table became the read table" },
		{ "dirty_builds", st.dirty_builds, "dirty tables started" },
		{ "floods", st.floods,
		  "tables flooded with colliding keys (each rekeys the map)" },
		{ "revivals", st.revivals,
		  "deleted keys a store brought back into the read table" },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (json)
			printf("%s\"%s\":%llu", i ? "," : "{", f[i].name,
			       (unsigned long long)f[i].v);
		else
			printf("%-14s %-10llu %s\n", f[i].name,
			       (unsigned long long)f[i].v, f[i].what);
	}
	if (json)
		printf("}\n");
	}
	return EXIT_DONE;
}

/* The JSON of a command that reports only whether it happened. */
static int done(int ret)
{
	if (json)
		printf("{\"done\":%s}\n", ret == EXIT_DONE ? "true" : "false");
	return ret;
}

static int cmd_clear(int argc UNUSED, char **argv UNUSED)
{
	int err = syncmap_clear(fd);

	return err ? fail("clear", -err) : done(EXIT_DONE);
}

/* A named-map command's failure: ENOENT there is the control node's. */
static int fail_control(const char *what, int err)
{
	if (err == ENOENT)
		return fail_msg("/dev/syncmap-control", strerror(err));
	return fail(what, err);
}

/* A number argument of create: decimal, or octal for --mode. */
static int parse_u32(const char *arg, int base, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, base);
	if (errno || !*arg || *end || v > UINT32_MAX) {
		fprintf(stderr, "syncmapctl: bad number '%s'\n", arg);
		return -1;
	}
	*out = v;
	return 0;
}

static int check_map_name(const char *name)
{
	if (strlen(name) >= SYNCMAP_NAME_LEN) {
		fprintf(stderr, "syncmapctl: name longer than %d characters\n",
			SYNCMAP_NAME_LEN - 1);
		return -1;
	}
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-entries", required_argument, NULL, 'e' },
		{ "max-key-len", required_argument, NULL, 'k' },
		{ "max-value-len", required_argument, NULL, 'v' },
		{ "mode", required_argument, NULL, 'M' },
		{}
	};
	uint32_t entries = 0, key_len = 0, value_len = 0, mode = 0;
	int c, err, bad = 0;

	optind = 0;	/* glibc: 0 restarts the scan from scratch */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e': bad |= parse_u32(optarg, 10, &entries); break;
		case 'k': bad |= parse_u32(optarg, 10, &key_len); break;
		case 'v': bad |= parse_u32(optarg, 10, &value_len); break;
		case 'M': bad |= parse_u32(optarg, 8, &mode); break;
		default: bad = 1; break;
		}
	}
	if (bad || optind != argc - 1) {
		if (!bad)
			fprintf(stderr, "syncmapctl: create: give one NAME\n");
		return EXIT_ERR;
	}
	if (check_map_name(argv[optind]))
		return EXIT_ERR;
	err = syncmap_create(argv[optind], entries, key_len, value_len, mode);
	return err ? fail_control("create", -err) : done(EXIT_DONE);
}

static int cmd_destroy(int argc, char **argv)
{
	int err;

	if (argc != 2) {
		fprintf(stderr, "syncmapctl: destroy: give one NAME\n");
		return EXIT_ERR;
	}
	if (check_map_name(argv[1]))
		return EXIT_ERR;
	err = syncmap_destroy(argv[1]);
	if (err)
		return err == -ENOENT ? done(EXIT_NO) : fail("destroy", -err);
	return done(EXIT_DONE);
}

static int cmd_list(int argc UNUSED, char **argv UNUSED)
{
	struct syncmap_info *infos;
	size_t i, n;
	int err = syncmap_list(&infos, &n);

	if (err)
		return fail_control("list", -err);
	if (json)
		printf("[");
	for (i = 0; i < n; i++) {
		const struct syncmap_info *f = &infos[i];

		if (json) {
			printf("%s{", i ? "," : "");
			json_key("name");
			json_str(f->name, strlen(f->name));
			printf(",\"entries\":%llu,\"max_entries\":%llu,"
			       "\"max_key_len\":%u,\"max_value_len\":%u,"
			       "\"uid\":%u,\"gid\":%u,\"mode\":\"%04o\"}",
			       (unsigned long long)f->entries,
			       (unsigned long long)f->max_entries, f->max_key_len,
			       f->max_value_len, f->uid, f->gid, f->mode);
		} else {
			printf("%s\t%llu\t%llu\t%u\t%u\t%u\t%u\t%04o\n", f->name,
			       (unsigned long long)f->entries,
			       (unsigned long long)f->max_entries, f->max_key_len,
			       f->max_value_len, f->uid, f->gid, f->mode);
		}
	}
	if (json)
		printf("]\n");
	free(infos);
	return EXIT_DONE;
}


static const struct command commands[] = {
	{ "store", .op = op_store, .stores = 1 },
	{ "load", .op = op_load, .load = LOAD_VALUE, .reads = 1,
	  .absent_fails = 1 },
	{ "delete", .op = op_delete, .reports_done = 1 },
	{ "load-or-store", .op = op_load_or_store, .stores = 1,
	  .load = LOAD_OLD, .stored_note = "stored" },
	{ "load-and-delete", .op = op_load_and_delete, .load = LOAD_VALUE,
	  .absent_fails = 1 },
	{ "swap", .op = op_swap, .stores = 1, .load = LOAD_OLD },
	{ "cas", .op = op_cas, .takes_old = 1, .stores = 1,
	  .reports_done = 1 },
	{ "cad", .op = op_cad, .takes_old = 1, .reports_done = 1 },
	{ "clear", .run = cmd_clear },
	{ "range", .run = cmd_range, .reads = 1 },
	{ "dump", .run = cmd_range, .reads = 1 },
	{ "stats", .run = cmd_stats, .reads = 1 },
	{ "create", .run = cmd_create, .control = 1 },
	{ "destroy", .run = cmd_destroy, .control = 1 },
	{ "list", .run = cmd_list, .control = 1 },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "map", required_argument, NULL, 'm' },
		{ "file", required_argument, NULL, 'f' },
		{ "hex", no_argument, NULL, 'x' },
		{ "raw", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static char map_path[64];
	size_t i;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+d:m:f:xrjh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev_path = optarg; break;
		case 'm':
			snprintf(map_path, sizeof(map_path), "/dev/syncmaps/%s",
				 optarg);
			dev_path = map_path;
			break;
		case 'f': value_file = optarg; break;
		case 'x': out_mode = OUT_HEX; break;
		case 'r': out_mode = OUT_RAW; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return EXIT_DONE;
		default: usage(stderr); return EXIT_ERR;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_ERR;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "syncmapctl: unknown command '%s'\n", argv[0]);
		usage(stderr);
		return EXIT_ERR;
	}
	if (!cmd->control) {
		fd = syncmap_open(dev_path, cmd->reads ? O_RDONLY : O_RDWR);
		if (fd < 0)
			return fd == -EACCES ? fail(dev_path, -fd) :
					       fail_msg(dev_path, strerror(-fd));
	}

	ret = cmd->run ? cmd->run(argc, argv) : cmd_kv(argc, argv);
	if (fflush(stdout))
		ret = fail("writing the output", errno);
	if (fd >= 0)
		close(fd);
	return ret;
}
