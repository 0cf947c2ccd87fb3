// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Count words from standard input in a named map, as sync.Map would. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <libsyncmap.h>

int main(int argc, char **argv)
{
	int fd = syncmap_open(argc > 1 ? argv[1] : NULL, O_RDWR), r = fd;
	uint64_t one = 1, n = 0, next;
	char word[64];
	size_t len;

	while (r >= 0 && scanf("%63s", word) == 1) {
		do {	/* the first store of a word wins; later ones add one */
			len = sizeof(n);
			r = syncmap_load_or_store(fd, word, strlen(word), &one,
						  sizeof(one), &n, &len);
			next = n + 1;
		} while (r == 1 && !(r = syncmap_compare_and_swap(fd, word,
				strlen(word), &n, len, &next, sizeof(next))));
	}
	if (r < 0)
		return fprintf(stderr, "syncmap: %s\n", strerror(-r)), 1;
	printf("%lld distinct words\n", (long long)syncmap_len(fd));
	return 0;
}
