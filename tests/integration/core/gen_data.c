/* core_gen_data SEED BYTES: writes BYTES deterministic pseudo-random bytes (xorshift64*
 * seeded with SEED) to stdout. BYTES accepts a K, M or G suffix. The harness uses it for
 * stdin data and input files, so a case is the same on every run and every host. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);

	switch (*end) {
	case 'K': return n << 10;
	case 'M': return n << 20;
	case 'G': return n << 30;
	default: return n;
	}
}

int main(int argc, char **argv)
{
	static uint64_t buf[8192];
	uint64_t x;
	unsigned long long left;

	if (argc != 3) {
		fprintf(stderr, "usage: core_gen_data SEED BYTES\n");
		return 2;
	}
	x = strtoull(argv[1], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	left = parse_size(argv[2]);
	while (left) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf), off = 0;

		for (size_t i = 0; i < sizeof(buf) / 8; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			buf[i] = x * 0x2545f4914f6cdd1dULL;
		}
		while (off < n) {
			ssize_t w = write(1, (char *)buf + off, n - off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EPIPE)
					perror("core_gen_data: write");
				return 1;
			}
			off += (size_t)w;
		}
		left -= n;
	}
	return 0;
}
