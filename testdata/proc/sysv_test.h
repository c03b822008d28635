/* sysv_test.h: what the System V semaphore and message queue tests (sysv_sem.c,
 * sysv_msg.c) share. Include after ../cr/cr.h. */
#ifndef SBX_TD_SYSV_TEST_H
#define SBX_TD_SYSV_TEST_H

#include <stdbool.h>
#include <sys/ipc.h>

static int failures;

static const char *err(long r)
{
	return r < 0 ? strerrorname_np(errno) : "ok";
}

/* A key unlikely to be in use on the host (the native run shares its IPC namespace);
 * @salt keeps the two tests' keys apart. */
static key_t fresh_key(int salt)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (key_t)((ts.tv_nsec ^ (ts.tv_sec << 8) ^ getpid() << 20) & 0x3fffffff) | salt;
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

#endif
