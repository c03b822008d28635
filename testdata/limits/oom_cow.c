/*
 * oom_cow (sbx only, under `sbx run --memory 64m`): copy-on-write copies that the
 * memory limit cannot hold. They are made at fault time, where no syscall can return
 * ENOMEM, so the sandbox kills the process mapping the most memory with SIGKILL, as
 * Linux's memory cgroup does; the survivor must go on with its memory intact.
 *
 *   1. A child writes its copy of the parent's 30 MiB: it also maps 6 MiB of its own,
 *      so it is the largest and dies by the write itself.
 *   2. The parent writes its 30 MiB while the (largest) child sleeps: the child is
 *      killed, and the parent's write completes.
 *   3. As 2, with a smaller child that set its oom_score_adj to 1000: that one is
 *      killed, the larger one lives (/proc/PID/oom_score_adj steers the choice).
 * Prints one line per check and "done"; exits 1 if a check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1024UL * 1024)
#define SHARED (30 * MiB)
#define OWN (6 * MiB)

static int bad;

static void check(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAILED");
	bad |= !ok;
}

static int intact(const unsigned char *p, size_t len, unsigned char v)
{
	for (size_t i = 0; i < len; i += 4096)
		if (p[i] != v)
			return 0;
	return 1;
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static int killed_by(pid_t pid, int sig)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 0;
	return WIFSIGNALED(st) && WTERMSIG(st) == sig;
}

/* A child that maps @own bytes of its own, sets its oom_score_adj to @adj (unless
 * NULL), says so on @go and sleeps. */
static pid_t sleeper(size_t own, const char *adj, int go[2])
{
	pid_t pid = fork();
	char c = 0;

	if (pid == 0) {
		unsigned char *p = map(own);
		FILE *f;

		memset(p, 7, own);
		if (adj) {
			f = fopen("/proc/self/oom_score_adj", "w");
			if (!f || fputs(adj, f) < 0 || fclose(f))
				_exit(4);
		}
		if (write(go[1], &c, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	if (pid < 0 || read(go[0], &c, 1) != 1) {
		perror("sleeper");
		exit(1);
	}
	return pid;
}

int main(void)
{
	struct utsname u;
	unsigned char *shared, *own;
	int go[2];
	pid_t pid;
	char c;

	if (uname(&u) || strcmp(u.nodename, "sbx") || getpid() != 1) {
		fprintf(stderr, "oom_cow: only inside sbx --memory 64m\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	shared = map(SHARED);
	memset(shared, 1, SHARED);

	pid = fork();
	if (pid == 0) {
		own = map(OWN);
		memset(own, 2, OWN);
		memset(shared, 3, SHARED); /* the copy that does not fit */
		_exit(0);
	}
	check("1. the child writing its copy was killed by SIGKILL", killed_by(pid, SIGKILL));
	check("1. the parent's memory is intact", intact(shared, SHARED, 1));

	if (pipe(go)) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		own = map(OWN);
		memset(own, 2, OWN);
		c = 0;
		if (write(go[1], &c, 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	if (read(go[0], &c, 1) != 1) {
		perror("read");
		return 1;
	}
	memset(shared, 4, SHARED); /* needs a copy while the larger child holds its own */
	check("2. the parent's write completed", intact(shared, SHARED, 4));
	check("2. the sleeping, larger child was killed by SIGKILL", killed_by(pid, SIGKILL));

	{
		unsigned char *mine = map(10 * MiB);
		pid_t small, large;
		int st;

		memset(mine, 5, 10 * MiB);
		small = sleeper(4 * MiB, "1000", go);
		large = sleeper(10 * MiB, NULL, go);
		memset(mine, 6, 10 * MiB); /* a 10 MiB copy, past the limit */
		check("3. the parent's write completed", intact(mine, 10 * MiB, 6));
		check("3. the smaller child with oom_score_adj 1000 was killed by SIGKILL",
		      killed_by(small, SIGKILL));
		check("3. the larger child lives", waitpid(large, &st, WNOHANG) == 0);
		kill(large, SIGTERM);
		check("3. the larger child ends by the parent's SIGTERM", killed_by(large, SIGTERM));
	}
	printf("done\n");
	return bad;
}
