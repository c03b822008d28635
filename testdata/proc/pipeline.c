#define _GNU_SOURCE
/*
 * A 4-stage pipeline of forked processes: a producer, two filters and a consumer
 * connected by pipes, 10 MB flowing through, checksummed at the end; then EPIPE and
 * SIGPIPE when the reader goes away, and O_NONBLOCK EAGAIN on a full pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOTAL (10 * 1024 * 1024)

static void stage(int in, int out, int k)
{
	unsigned char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			buf[i] = (unsigned char)(buf[i] * 31 + k);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, n - off);

			if (w < 0)
				_exit(9);
			off += w;
		}
	}
	_exit(n < 0 ? 8 : 0);
}

int main(void)
{
	int p[3][2], st, fails = 0;
	pid_t pids[3];
	uint64_t sum = 0, count = 0;
	unsigned char buf[8192];
	ssize_t n;

	for (int i = 0; i < 3; i++)
		if (pipe(p[i]) < 0)
			return 1;
	pids[0] = fork();
	if (pids[0] == 0) {                     /* producer */
		unsigned x = 12345;

		for (int i = 0; i < 3; i++)
			close(p[i][0]);
		close(p[1][1]);
		close(p[2][1]);
		for (size_t done = 0; done < TOTAL; done += sizeof(buf)) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = (x = x * 1103515245 + 12345) >> 16;
			if (write(p[0][1], buf, sizeof(buf)) != sizeof(buf))
				_exit(7);
		}
		_exit(0);
	}
	for (int s = 1; s < 3; s++) {
		pids[s] = fork();
		if (pids[s] == 0) {
			for (int i = 0; i < 3; i++) {
				if (i != s - 1)
					close(p[i][0]);
				if (i != s)
					close(p[i][1]);
			}
			stage(p[s - 1][0], p[s][1], s);
		}
	}
	for (int i = 0; i < 3; i++) {
		close(p[i][1]);
		if (i != 2)
			close(p[i][0]);
	}
	while ((n = read(p[2][0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 1099511628211ULL + buf[i];
		count += n;
	}
	for (int i = 0; i < 3; i++)
		if (waitpid(pids[i], &st, 0) != pids[i] || st != 0)
			fails++;
	printf("bytes %llu checksum %016llx stage failures %d\n", (unsigned long long)count,
	       (unsigned long long)sum, fails);

	/* EPIPE and SIGPIPE */
	{
		int q[2];

		signal(SIGPIPE, SIG_IGN);
		if (pipe(q) < 0)
			return 1;
		close(q[0]);
		{
			ssize_t w = write(q[1], "x", 1);
			int e = errno;

			printf("write to reader-less pipe: %zd %s\n", w, strerror(e));
		}
		signal(SIGPIPE, SIG_DFL);
		pid_t c = fork();

		if (c == 0) {
			if (write(q[1], "x", 1) < 0)
				_exit(1);
			_exit(0);
		}
		waitpid(c, &st, 0);
		printf("child killed by SIGPIPE: %s\n",
		       WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE ? "yes" : "no");
	}
	/* O_NONBLOCK, F_GETPIPE_SZ, atomic PIPE_BUF writes */
	{
		int q[2], full = 0;

		if (pipe2(q, O_NONBLOCK) < 0)
			return 1;
		printf("pipe size %d\n", fcntl(q[1], F_GETPIPE_SZ));
		memset(buf, 'a', sizeof(buf));
		for (;;) {
			ssize_t w = write(q[1], buf, 4096);

			if (w < 0) {
				printf("full after %d bytes: %s\n", full, strerror(errno));
				break;
			}
			full += w;
		}
		errno = 0;
		printf("read empty-side ok: %zd\n", read(q[0], buf, 100));
		close(q[1]);
		while (read(q[0], buf, sizeof(buf)) > 0)
			;
		printf("eof after writer closed: %zd\n", read(q[0], buf, 1));
	}
	return 0;
}
