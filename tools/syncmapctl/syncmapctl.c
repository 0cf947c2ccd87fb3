// SPDX-License-Identifier: GPL-2.0
/*
 * syncmapctl - drive /dev/syncmap and named maps from the command line
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
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/syncmap.h>

#define UNUSED __attribute__((unused))

enum { EXIT_DONE = 0, EXIT_NO = 1, EXIT_ERR = 2 };
enum out_mode { OUT_TEXT, OUT_HEX, OUT_RAW };

static const char *dev_path = "/dev/syncmap";
static const char *control_path = "/dev/syncmap-control";
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

static int kv_ioctl(unsigned long cmd, struct syncmap_kv *kv)
{
	return ioctl(fd, cmd, kv) ? errno : 0;
}

/*
 * Run a command that loads into kv->value (@into_old: kv->old), growing
 * the buffer on ERANGE. Returns 0 or an errno.
 */
static int kv_ioctl_load(unsigned long cmd, struct syncmap_kv *kv,
			 struct buf *out, int into_old)
{
	uint32_t cap = 4096;
	int err;

	for (;;) {
		free(out->p);
		out->p = malloc(cap ? cap : 1);
		if (!out->p)
			return ENOMEM;
		if (into_old) {
			kv->old = (uintptr_t)out->p;
			kv->old_len = cap;
		} else {
			kv->value = (uintptr_t)out->p;
			kv->value_len = cap;
		}
		kv->flags = 0;
		err = kv_ioctl(cmd, kv);
		if (err != ERANGE)
			break;
		cap = into_old ? kv->old_len : kv->value_len;
	}
	out->len = into_old ? kv->old_len : kv->value_len;
	return err;
}

/* Where a key/value command loads a value, and when it prints it. */
enum kv_load {
	LOAD_NONE,
	LOAD_VALUE,	/* into kv.value, printed on success */
	LOAD_OLD,	/* into kv.old, printed if SYNCMAP_F_LOADED */
};

/* A command of the table below; @run or the key/value fields. */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);	/* all but key/value */
	int control;			/* runs on /dev/syncmap-control */
	int reads;			/* changes nothing: opens read-only */
	unsigned long ioc;		/* a key/value command's ioctl */
	int takes_old;			/* KEY OLD ... */
	int stores;			/* ... VALUE (or NEW), or --file */
	enum kv_load load;
	uint32_t need_flag;		/* exit 1 unless the ioctl set it */
	const char *stored_note;	/* on stderr when LOAD_OLD loaded nothing */
};

static const struct command *cmd;

static int cmd_kv(int argc, char **argv)
{
	struct buf key = {}, val = {}, old = {}, out = {};
	struct syncmap_kv kv = {};
	int want = 2 + cmd->takes_old + cmd->stores;
	int err, loaded;

	if (value_file)
		want -= cmd->stores;	/* the value comes from --file */
	if (argc != want) {
		fprintf(stderr, "syncmapctl: %s: wrong number of arguments\n",
			cmd->name);
		usage(stderr);
		return EXIT_ERR;
	}
	if (arg_bytes(argv[1], &key))
		return fail("reading the key", errno);
	kv.key = (uintptr_t)key.p;
	kv.key_len = key.len;
	if (cmd->takes_old) {
		if (arg_bytes(argv[2], &old))
			return fail("reading the old value", errno);
		kv.old = (uintptr_t)old.p;
		kv.old_len = old.len;
	}
	if (cmd->stores) {
		if (value_bytes(argv[2 + cmd->takes_old], &val))
			return fail("reading the value", errno);
		kv.value = (uintptr_t)val.p;
		kv.value_len = val.len;
	}

	if (cmd->load == LOAD_NONE)
		err = kv_ioctl(cmd->ioc, &kv);
	else
		err = kv_ioctl_load(cmd->ioc, &kv, &out,
				    cmd->load == LOAD_OLD);
	if (err && err != ENOENT)
		return fail(cmd->name, err);
	loaded = !err && (cmd->load == LOAD_VALUE ||
			  (cmd->load == LOAD_OLD &&
			   (kv.flags & SYNCMAP_F_LOADED)));
	if (json) {
		printf("{");
		json_key("key");
		json_str(key.p, key.len);
		if (cmd->load != LOAD_NONE)
			printf(",\"loaded\":%s", loaded ? "true" : "false");
		if (loaded) {
			printf(",");
			json_key("value");
			json_str(out.p, out.len);
		}
		if (cmd->need_flag)
			printf(",\"done\":%s",
			       kv.flags & cmd->need_flag ? "true" : "false");
		printf("}\n");
	} else if (loaded) {
		print_bytes(out.p, out.len, 1);
	} else if (cmd->stored_note && !err) {
		fprintf(stderr, "%s\n", cmd->stored_note);
	}
	if (err == ENOENT)
		return EXIT_NO;
	if (cmd->need_flag && !(kv.flags & cmd->need_flag))
		return EXIT_NO;
	return EXIT_DONE;
}

static int cmd_range(int argc UNUSED, char **argv UNUSED)
{
	struct syncmap_range rq = {};
	uint32_t cap = 65536, n = 0;
	unsigned char *buf = NULL;

	if (json)
		printf("[");

	for (;;) {
		unsigned char *p;
		uint32_t i;

		buf = realloc(buf, cap);
		if (!buf)
			return fail("range", ENOMEM);
		rq.buf = (uintptr_t)buf;
		rq.buf_len = cap;
		rq.flags = 0;
		if (ioctl(fd, SYNCMAP_IOC_RANGE, &rq)) {
			if (errno != ERANGE)
				return fail("range", errno);
			cap = rq.buf_len;	/* one record needs more */
			continue;
		}
		for (i = 0, p = buf; i < rq.count; i++) {
			struct syncmap_rec rec;

			memcpy(&rec, p, sizeof(rec));
			if (json) {
				printf("%s{", n++ ? "," : "");
				json_key("key");
				json_str(p + sizeof(rec), rec.key_len);
				printf(",");
				json_key("value");
				json_str(p + sizeof(rec) + rec.key_len,
					 rec.value_len);
				printf("}");
			} else {
				print_bytes(p + sizeof(rec), rec.key_len, 0);
				putchar('\t');
				print_bytes(p + sizeof(rec) + rec.key_len,
					    rec.value_len, 1);
			}
			p += (sizeof(rec) + rec.key_len + rec.value_len + 7) & ~7UL;
		}
		if (rq.flags & SYNCMAP_RANGE_DONE)
			break;
	}
	free(buf);
	if (json)
		printf("]\n");
	return EXIT_DONE;
}

static int cmd_stats(int argc UNUSED, char **argv UNUSED)
{
	struct syncmap_stats st;

	if (ioctl(fd, SYNCMAP_IOC_STATS, &st))
		return fail("stats", errno);
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
	return ioctl(fd, SYNCMAP_IOC_CLEAR) ? fail("clear", errno) :
					      done(EXIT_DONE);
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

static int set_map_name(char *dst, const char *name)
{
	if (strlen(name) >= SYNCMAP_NAME_LEN) {
		fprintf(stderr, "syncmapctl: name longer than %d characters\n",
			SYNCMAP_NAME_LEN - 1);
		return -1;
	}
	strcpy(dst, name);
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
	struct syncmap_create rq = {};
	int c, bad = 0;

	optind = 0;	/* glibc: 0 restarts the scan from scratch */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'e': bad |= parse_u32(optarg, 10, &rq.max_entries); break;
		case 'k': bad |= parse_u32(optarg, 10, &rq.max_key_len); break;
		case 'v': bad |= parse_u32(optarg, 10, &rq.max_value_len); break;
		case 'M': bad |= parse_u32(optarg, 8, &rq.mode); break;
		default: bad = 1; break;
		}
	}
	if (bad || optind != argc - 1) {
		if (!bad)
			fprintf(stderr, "syncmapctl: create: give one NAME\n");
		return EXIT_ERR;
	}
	if (set_map_name(rq.name, argv[optind]))
		return EXIT_ERR;
	return ioctl(fd, SYNCMAP_IOC_CREATE, &rq) ? fail("create", errno) :
						   done(EXIT_DONE);
}

static int cmd_destroy(int argc, char **argv)
{
	struct syncmap_name rq = {};

	if (argc != 2) {
		fprintf(stderr, "syncmapctl: destroy: give one NAME\n");
		return EXIT_ERR;
	}
	if (set_map_name(rq.name, argv[1]))
		return EXIT_ERR;
	if (ioctl(fd, SYNCMAP_IOC_DESTROY, &rq))
		return errno == ENOENT ? done(EXIT_NO) : fail("destroy", errno);
	return done(EXIT_DONE);
}

static int cmd_list(int argc UNUSED, char **argv UNUSED)
{
	struct syncmap_list rq = {};
	struct syncmap_info *infos = NULL;
	uint32_t i, cap = 16;

	for (;;) {
		infos = realloc(infos, cap * sizeof(*infos));
		if (!infos)
			return fail("list", ENOMEM);
		rq.buf = (uintptr_t)infos;
		rq.count = cap;
		if (!ioctl(fd, SYNCMAP_IOC_LIST, &rq))
			break;
		if (errno != ERANGE)
			return fail("list", errno);
		cap = rq.count;		/* maps may come meanwhile: asks again */
	}
	if (json)
		printf("[");
	for (i = 0; i < rq.count; i++) {
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
	{ "store", .ioc = SYNCMAP_IOC_STORE, .stores = 1 },
	{ "load", .ioc = SYNCMAP_IOC_LOAD, .load = LOAD_VALUE, .reads = 1 },
	{ "delete", .ioc = SYNCMAP_IOC_DELETE, .need_flag = SYNCMAP_F_LOADED },
	{ "load-or-store", .ioc = SYNCMAP_IOC_LOAD_OR_STORE, .stores = 1,
	  .load = LOAD_OLD, .stored_note = "stored" },
	{ "load-and-delete", .ioc = SYNCMAP_IOC_LOAD_AND_DELETE,
	  .load = LOAD_VALUE },
	{ "swap", .ioc = SYNCMAP_IOC_SWAP, .stores = 1, .load = LOAD_OLD },
	{ "cas", .ioc = SYNCMAP_IOC_COMPARE_AND_SWAP, .takes_old = 1,
	  .stores = 1, .need_flag = SYNCMAP_F_SWAPPED },
	{ "cad", .ioc = SYNCMAP_IOC_COMPARE_AND_DELETE, .takes_old = 1,
	  .need_flag = SYNCMAP_F_SWAPPED },
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
	if (cmd->control)
		dev_path = control_path;
	fd = open(dev_path, (cmd->reads ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES ? fail(dev_path, errno) :
					 fail_msg(dev_path, strerror(errno));

	ret = cmd->run ? cmd->run(argc, argv) : cmd_kv(argc, argv);
	if (fflush(stdout))
		ret = fail("writing the output", errno);
	close(fd);
	return ret;
}
