/*
 * Timing marks for checkpoint and restore, for finding where the time goes: when the
 * environment has SBX_CR_TIMES set (to anything), cr_mark() writes one line
 * "sbx-times: <CLOCK_MONOTONIC ms> <pid> cpu <process CPU ms> <what>" on stderr. The clock is the same in
 * the CLI and the Sentry, so lines from both can be put side by side. Costs one
 * branch when unset. Only write(2), which every filter allows.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"

static int enabled = -1;

bool cr_times_enabled(void)
{
	if (enabled < 0)
		enabled = getenv("SBX_CR_TIMES") != NULL;
	return enabled;
}

void cr_mark(const char *what)
{
	struct timespec ts, cpu;
	char buf[160];
	int n;

	if (!cr_times_enabled())
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	n = snprintf(buf, sizeof(buf), "sbx-times: %.3f %d cpu %.3f %s\n",
		     ts.tv_sec * 1e3 + ts.tv_nsec / 1e6, (int)getpid(),
		     cpu.tv_sec * 1e3 + cpu.tv_nsec / 1e6, what);
	if (n > 0 && write(STDERR_FILENO, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1) < 0) {
		/* nobody to tell */
	}
}
