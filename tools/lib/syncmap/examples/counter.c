// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Count words from standard input in a named map, as sync.Map would. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <libsyncmap.h>

int main(int argc, char **argv)
{
	int fd = syncmap_open(argc > 1 ? argv[1] : NULL, O_RDWR);
	uint64_t one = 1, n, next;
	size_t len = sizeof(n);
	char word[64];

	if (fd < 0)
		return fprintf(stderr, "open: %s\n", strerror(-fd)), 1;
	while (scanf("%63s", word) == 1) {
		size_t k = strlen(word);

		/* the first store of a word wins; later ones add one */
		while (syncmap_load_or_store(fd, word, k, &one, sizeof(one),
					     &n, &len) == 1 &&
		       (next = n + 1, syncmap_compare_and_swap(fd, word, k, &n,
				len, &next, sizeof(next)) != 1))
			len = sizeof(n);
	}
	printf("%lld distinct words\n", (long long)syncmap_len(fd));
	return 0;
}
