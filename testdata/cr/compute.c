/* compute [ROUNDS] [SLEEP_MS]: a deterministic compute loop for the property test.
 * Each round does some integer and floating-point work (a few ms), prints the round's
 * checksum and sleeps SLEEP_MS (default 30) ms; ROUNDS defaults to 60. The running
 * state lives in registers and on the stack across the sleeps and the work, so a
 * checkpoint at any moment must reproduce the same lines. Exits 0. */
#include "cr.h"

#include <math.h>
#include <time.h>

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 60;
	long ms = argc > 2 ? atol(argv[2]) : 30;
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };
	uint64_t s = 12345, acc = 0;
	double x = 0.3, y = 0;

	cr_say("ready compute: %d rounds\n", rounds);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 400000; i++) {
			acc += cr_splitmix(&s) >> (i & 15);
			x = 3.77 * x * (1 - x);
			y += sqrt(x + i);
		}
		cr_say("round %d: acc %016llx x %a y %a\n", r, (unsigned long long)acc, x, y);
		nanosleep(&ts, NULL);
	}
	cr_say("done\n");
	return 0;
}
