/* stdin_reader: prints the ready mark and blocks in read(0). The harness checkpoints it
 * there (its stdin a FIFO nobody writes) and restores it with a new stdin that holds
 * data: the interrupted read must restart on the new stdin and see that data. Reads to
 * EOF, prints the byte count, a hash and the first line, and exits 0 (1 if it read
 * nothing or a read failed). */
#include "cr.h"

#include <errno.h>

int main(void)
{
	static char buf[1 << 16];
	char first[128] = "";
	uint64_t h = 0xcbf29ce484222325ull;
	size_t total = 0;
	ssize_t n;

	cr_say("ready stdin_reader: reading stdin\n");
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			cr_say("FAIL: read: %s\n", strerror(errno));
			return 1;
		}
		if (!total) {
			size_t l = 0;

			while (l < (size_t)n && l < sizeof(first) - 1 && buf[l] != '\n')
				l++;
			memcpy(first, buf, l);
			first[l] = 0;
		}
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
		total += n;
	}
	cr_say("read %zu bytes, hash %016llx, first line \"%s\"\n", total,
	       (unsigned long long)h, first);
	return total ? 0 : 1;
}
