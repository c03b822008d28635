/*
 * fork_bomb: a fork bomb that must be stopped by a limit with EAGAIN.
 *
 *   fork_bomb nproc N    sets RLIMIT_NPROC to N itself, so the native run is bounded
 *                        too (as root it first becomes uid 54321: Linux exempts root
 *                        from RLIMIT_NPROC; the sandbox has no setuid and applies the
 *                        limit to every task, as a container's user namespace does).
 *   fork_bomb tasks      no limit of its own: only the sandbox's task limit stops it.
 *                        Refuses to run outside sbx (the hostname is "sbx" there).
 *
 * Every process forks until fork fails or it has made CAP children, reports each
 * fork ('F' before it, 'U' after it failed), its end ('E' for EAGAIN, 'C' for the cap,
 * 'X' for another errno) on a report pipe, then holds until pid 1 closes the release pipe. Nobody exits before
 * then, so when pid 1 has read one end per process the bomb is at its peak: it prints
 * the number of processes, waits for a line on stdin in tasks mode (the harness counts
 * host processes meanwhile), releases them and reaps its children.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int report[2], release[2];

static void put(char c)
{
	while (write(report[1], &c, 1) < 0 && errno == EINTR)
		;
}

/* Forks up to @cap children, each of which does the same; returns the end byte. */
static char bomb(int cap)
{
	for (int n = 0; n < cap; n++) {
		pid_t pid;

		/* Announced before it exists, so no end of a child is ever read before
		 * the child was counted (a failed fork takes it back with 'U'). */
		put('F');
		pid = fork();
		if (pid < 0) {
			char end = errno == EAGAIN ? 'E' : 'X';

			put('U');
			return end;
		}
		if (pid == 0) {
			close(release[1]);
			n = -1; /* a fresh process: its own CAP children */
		}
	}
	return 'C';
}

int main(int argc, char **argv)
{
	struct utsname u;
	long forks = 0, ends = 0, eagain = 0, other = 0;
	int cap, nproc = 0;
	char c;

	if (argc == 3 && !strcmp(argv[1], "nproc")) {
		nproc = atoi(argv[2]);
		cap = 3; /* at most 1+3+9+27 = 40 processes, were no limit enforced */
	} else if (argc == 2 && !strcmp(argv[1], "tasks")) {
		if (uname(&u) || strcmp(u.nodename, "sbx") || getpid() != 1) {
			fprintf(stderr, "fork_bomb tasks: only inside sbx\n");
			return 2;
		}
		cap = 16;
	} else {
		fprintf(stderr, "usage: fork_bomb nproc N | fork_bomb tasks\n");
		return 2;
	}
	if (pipe(report) || pipe(release)) {
		perror("pipe");
		return 1;
	}
	if (nproc) {
		struct rlimit rl = { nproc, nproc };

		if (setrlimit(RLIMIT_NPROC, &rl)) {
			perror("setrlimit");
			return 1;
		}
		if (geteuid() == 0 && setresuid(54321, 54321, 54321)) {
			/* no setuid in the sandbox: it limits root too */
		}
	}
	setvbuf(stdout, NULL, _IONBF, 0);

	c = bomb(cap);
	if (getpid() != 1) {
		/* A bomb process: report, hold until released, reap, go. */
		put(c);
		close(report[1]);
		while (read(release[0], &c, 1) < 0 && errno == EINTR)
			;
		while (wait(NULL) > 0 || errno == EINTR)
			;
		_exit(0);
	}
	put(c);
	while (ends < forks + 1) {
		if (read(report[0], &c, 1) != 1) {
			if (errno == EINTR)
				continue;
			perror("read");
			return 1;
		}
		forks += c == 'F';
		forks -= c == 'U';
		ends += c != 'F' && c != 'U';
		eagain += c == 'E';
		other += c == 'X';
	}
	printf("processes at the peak: %ld\n", forks + 1);
	printf("forks refused with EAGAIN: %s\n", eagain ? "yes" : "no");
	printf("forks refused otherwise: %ld\n", other);
	if (!nproc) {
		char line[16];

		printf("holding\n");
		if (!fgets(line, sizeof(line), stdin)) {
			/* end of input: release anyway */
		}
	}
	close(release[1]);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	printf("all released and reaped\n");
	if (!nproc)
		printf("done\n");
	return 0;
}
