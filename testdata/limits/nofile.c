/*
 * nofile: RLIMIT_NOFILE and the rlimit calls' own rules, compared with Linux
 * (man 2 getrlimit, man 2 open, dup, fcntl, pipe).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%-44s %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
}

int main(void)
{
	struct rlimit rl = { 16, 64 }, old, got;
	int fds[2], n = 0, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	show("setrlimit(NOFILE, 16/64)", setrlimit(RLIMIT_NOFILE, &rl));
	getrlimit(RLIMIT_NOFILE, &got);
	printf("getrlimit(NOFILE): %llu %llu\n", (unsigned long long)got.rlim_cur,
	       (unsigned long long)got.rlim_max);
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	printf("opens until the limit: %d, then %s\n", n, strerrorname_np(errno));
	show("dup(0) at the limit", dup(0));
	show("pipe at the limit", pipe(fds));
	show("fcntl(0, F_DUPFD, 0) at the limit", fcntl(0, F_DUPFD, 0));
	show("dup2(0, 16): beyond the limit", dup2(0, 16));
	show("fcntl(0, F_DUPFD, 16): beyond the limit", fcntl(0, F_DUPFD, 16));
	show("dup2(0, 15): replaces an open fd", dup2(0, 15));
	close(15);
	close(14);
	show("pipe with two fds free", pipe(fds));
	printf("the pipe's fds: %d %d\n", fds[0], fds[1]);
	show("dup(0) with none free", dup(0));

	/* Lowering below open fds is allowed; they stay open. */
	rl = (struct rlimit){ 8, 64 };
	show("setrlimit(NOFILE, 8/64) with fds up to 15", setrlimit(RLIMIT_NOFILE, &rl));
	show("fcntl(15, F_GETFD) still open", fcntl(15, F_GETFD));
	show("dup(0) under the lowered limit", dup(0));
	close(15);
	show("open after closing 15 (limit 8)", open("/dev/null", O_RDONLY));

	/* The calls' own rules. */
	rl = (struct rlimit){ 65, 64 };
	show("setrlimit: soft above hard", setrlimit(RLIMIT_NOFILE, &rl));
	rl = (struct rlimit){ 1048577, 1048577 };
	show("setrlimit: hard above fs.nr_open", setrlimit(RLIMIT_NOFILE, &rl));
	show("getrlimit(99)", getrlimit(99, &got));
	show("prlimit64(0, NOFILE, NULL, &old)", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old));
	printf("old: %llu %llu\n", (unsigned long long)old.rlim_cur,
	       (unsigned long long)old.rlim_max);
	rl = (struct rlimit){ 32, 32 };
	show("prlimit64(getpid(), NOFILE, 32/32, &old)",
	     syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, &rl, &old));
	printf("old: %llu %llu\n", (unsigned long long)old.rlim_cur,
	       (unsigned long long)old.rlim_max);
	getrlimit(RLIMIT_NOFILE, &got);
	printf("getrlimit(NOFILE): %llu %llu\n", (unsigned long long)got.rlim_cur,
	       (unsigned long long)got.rlim_max);
	show("getrlimit(NOFILE, bad pointer)", syscall(SYS_getrlimit, RLIMIT_NOFILE, 8));
	return 0;
}
