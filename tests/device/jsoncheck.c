// SPDX-License-Identifier: GPL-2.0
/*
 * jsoncheck - is standard input one JSON text (RFC 8259)? The test VM
 * has no JSON library; syncmapctl --json is checked with this strict
 * recursive-descent parser. Exit 0 if the input is exactly one value
 * (whitespace around it allowed), 1 with the offset of the first error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *p, *start;
static int depth;

static void ws(void)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
}

static int value(void);

static int string(void)
{
	if (*p++ != '"')
		return 0;
	for (;;) {
		unsigned char c = *p++;

		if (c == '"')
			return 1;
		if (c < 0x20)		/* control characters, and the end */
			return 0;
		if (c != '\\')
			continue;
		c = *p++;
		if (c == 'u') {
			int i;

			for (i = 0; i < 4; i++, p++)
				if (!strchr("0123456789abcdefABCDEF", *p) || !*p)
					return 0;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return 0;
		}
	}
}

static int digits(void)
{
	const char *q = p;

	while (*p >= '0' && *p <= '9')
		p++;
	return p > q;
}

static int number(void)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (!digits())
		return 0;
	if (*p == '.') {
		p++;
		if (!digits())
			return 0;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!digits())
			return 0;
	}
	return 1;
}

static int word(const char *w)
{
	size_t n = strlen(w);

	if (strncmp(p, w, n))
		return 0;
	p += n;
	return 1;
}

/* An object ('{') or an array ('['): members or elements, comma-separated. */
static int container(char close)
{
	int ok = 1;

	if (++depth > 64)
		return 0;
	p++;
	ws();
	if (*p == close) {
		p++;
		depth--;
		return 1;
	}
	for (;;) {
		if (close == '}') {
			ws();
			if (!string())
				return 0;
			ws();
			if (*p++ != ':')
				return 0;
		}
		ws();
		if (!value())
			return 0;
		ws();
		if (*p == ',') {
			p++;
			continue;
		}
		ok = *p++ == close;
		break;
	}
	depth--;
	return ok;
}

static int value(void)
{
	switch (*p) {
	case '{':
		return container('}');
	case '[':
		return container(']');
	case '"':
		return string();
	case 't':
		return word("true");
	case 'f':
		return word("false");
	case 'n':
		return word("null");
	default:
		return number();
	}
}

int main(void)
{
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);

	buf[n] = 0;
	if (strlen(buf) != n) {
		fprintf(stderr, "jsoncheck: a NUL byte in the input\n");
		return 1;
	}
	p = start = buf;
	ws();
	if (value()) {
		ws();
		if (!*p)
			return 0;
	}
	fprintf(stderr, "jsoncheck: not JSON at byte %ld\n", (long)(p - start));
	return 1;
}
