/* getppid_loop N: makes N raw getppid system calls (default 1000000) and prints the
 * result of the last one on stdout (0 for the sandbox's pid 1, whose parent is outside
 * its pid namespace). The time per call, measured with CLOCK_MONOTONIC around the loop
 * only (so start-up is excluded), goes to stderr as "getppid_ns_per_call X" for the
 * benchmark in tests/bench/syscall/. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	long r = -1;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		r = syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("getppid: %ld calls, last returned %ld\n", n, r);
	fprintf(stderr, "getppid_ns_per_call %.1f\n", n > 0 ? ns / n : 0.0);
	return 0;
}
