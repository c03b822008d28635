/* sleeper [MS]: prints the ready mark, sleeps MS milliseconds (default 2000) in one
 * nanosleep, and exits 0. A checkpoint interrupts the sleep; after restore it must
 * restart with the remaining time (the harness times that), return 0 (not EINTR) and
 * find that CLOCK_MONOTONIC advanced by at least MS. */
#include "cr.h"

#include <errno.h>
#include <time.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 0) : 2000;
	struct timespec req = { ms / 1000, ms % 1000 * 1000000L }, rem = { 0, 0 };
	long long t0, dt;
	int rc;

	t0 = now_ms();
	cr_say("ready sleeper: sleeping %ld ms\n", ms);
	rc = nanosleep(&req, &rem);
	dt = now_ms() - t0;
	fprintf(stderr, "sleeper: %lld ms by CLOCK_MONOTONIC\n", dt);
	cr_say("nanosleep returned %d%s\n", rc, rc ? (errno == EINTR ? " (EINTR)" : " (error)") : "");
	cr_say("CLOCK_MONOTONIC advanced by at least %ld ms: %s\n", ms, dt >= ms ? "yes" : "no");
	return rc == 0 && dt >= ms ? 0 : 1;
}
