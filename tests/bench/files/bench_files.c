/*
 * bench_files: file costs, timed inside the program around the loop only.
 *   bench_files open FILE N     open(FILE, O_RDONLY) + read 4 KiB + close, N times
 *   bench_files stat FILE N     stat(FILE), N times
 * Prints "<mode>_us_per_op <value>" on stderr. One untimed round first, so the
 * figure is the steady state (a sandbox's first lookup of a name is not in it).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void once(const char *mode, const char *path)
{
	static char buf[4096];
	struct stat st;

	if (!strcmp(mode, "open")) {
		int fd = open(path, O_RDONLY);

		if (fd < 0 || read(fd, buf, sizeof(buf)) != sizeof(buf)) {
			perror(path);
			exit(1);
		}
		close(fd);
	} else if (stat(path, &st)) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	long n = argc > 3 ? atol(argv[3]) : 0;
	const char *mode = argc > 1 ? argv[1] : "";
	double t0, t1;

	if (n <= 0 || (strcmp(mode, "open") && strcmp(mode, "stat"))) {
		fprintf(stderr, "usage: bench_files open|stat FILE N\n");
		return 2;
	}
	once(mode, argv[2]);
	t0 = now_us();
	for (long i = 0; i < n; i++)
		once(mode, argv[2]);
	t1 = now_us();
	fprintf(stderr, "%s_us_per_op %.2f\n", mode, (t1 - t0) / n);
	return 0;
}
