/*
 * bench_proc: process costs, timed inside the program around the loop only.
 *   bench_proc fork N          fork + _exit + waitpid, N times
 *   bench_proc exec N PROG     fork + execve(PROG) + waitpid, N times (PROG: a static
 *                              program that exits at once)
 *   bench_proc pipe N          one-byte ping-pong between two processes over two
 *                              pipes: N round trips
 *   bench_proc thread N        pthread_create + pthread_join, N times
 * Prints "<mode>_us_per_op <value>" on stderr.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void reap(pid_t pid)
{
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		perror("fork/waitpid");
		exit(1);
	}
}

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0;
	const char *mode = argc > 1 ? argv[1] : "";
	double t0, t1;
	char c = 0;

	if (n <= 0 || (!strcmp(mode, "exec") && argc < 4)) {
		fprintf(stderr, "usage: bench_proc fork|exec|pipe|thread N [PROG]\n");
		return 2;
	}
	t0 = now_us();
	if (!strcmp(mode, "fork")) {
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			reap(pid);
		}
	} else if (!strcmp(mode, "exec")) {
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid == 0) {
				execl(argv[3], argv[3], (char *)NULL);
				_exit(127);
			}
			reap(pid);
		}
	} else if (!strcmp(mode, "pipe")) {
		int ab[2], ba[2];
		pid_t pid;

		if (pipe(ab) || pipe(ba))
			return 1;
		pid = fork();
		if (pid == 0) {
			close(ab[1]);   /* or its own write end keeps the read from ending */
			close(ba[0]);
			while (read(ab[0], &c, 1) == 1)
				if (write(ba[1], &c, 1) != 1)
					_exit(1);
			_exit(0);
		}
		close(ab[0]);
		close(ba[1]);
		t0 = now_us();
		for (long i = 0; i < n; i++)
			if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
				return 1;
		t1 = now_us();
		close(ab[1]);
		reap(pid);
		fprintf(stderr, "pipe_us_per_op %.2f\n", (t1 - t0) / n);
		return 0;
	} else if (!strcmp(mode, "thread")) {
		for (long i = 0; i < n; i++) {
			pthread_t th;

			if (pthread_create(&th, NULL, nothing, NULL) || pthread_join(th, NULL))
				return 1;
		}
	} else {
		fprintf(stderr, "bench_proc: unknown mode %s\n", mode);
		return 2;
	}
	t1 = now_us();
	fprintf(stderr, "%s_us_per_op %.2f\n", mode, (t1 - t0) / n);
	return 0;
}
