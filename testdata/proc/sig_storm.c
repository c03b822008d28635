/*
 * Signal storms between processes (issue #7). Standard signals coalesce, so only what
 * is deterministic is printed: that some arrived, exact counts where a handshake
 * serialises them, and wait statuses.
 *   1. all-to-all: 5 processes each send 500 SIGUSR1 to each of the others, then
 *      report to the parent over a pipe; once everyone is done the parent releases
 *      them, and each exits 0 if it received at least one.
 *   2. ping-pong: two processes bounce SIGUSR2 1000 times, each waiting for the
 *      answer in sigsuspend: the counts are exact.
 *   3. process groups: three groups of three; a storm of SIGUSR1 to each group, then
 *      SIGTERM to one group, SIGKILL to another and SIGHUP to the third.
 *   4. SIGCHLD storms: 300 children exiting with distinct statuses reaped by a
 *      waitpid(-1) loop; 200 reaped inside the SIGCHLD handler (WNOHANG loop) while
 *      main waits in sigsuspend; 100 with SIGCHLD ignored (auto-reaped, ECHILD).
 *   5. a storm of children, each forking and signalling its own grandchildren.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s (errno %s)\n", __FILE__, \
			  __LINE__, #c, strerror(errno)); exit(1); } } while (0)

static volatile sig_atomic_t n_usr1, n_usr2, n_chld, n_reaped, reaped_sum;

static void on_usr1(int s) { (void)s; n_usr1++; }
static void on_usr2(int s) { (void)s; n_usr2++; }
static void on_chld_count(int s) { (void)s; n_chld++; }

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = { .sa_handler = fn, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void block(int sig, int how)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	CHECK(sigprocmask(how, &s, NULL) == 0);
}

static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return got;
		got += r;
	}
	return got;
}

/* 1. */
#define NP 5
#define PER_PEER 500
static void all_to_all(void)
{
	int go[NP][2], done[2], release[2], st, ok = 0, sent_ok = 0;
	pid_t pids[NP];

	handle(SIGUSR1, on_usr1, SA_RESTART);
	CHECK(pipe(done) == 0 && pipe(release) == 0);
	for (int i = 0; i < NP; i++) {
		CHECK(pipe(go[i]) == 0);
		pids[i] = fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0) {
			pid_t peers[NP];
			char c;
			int bad = 0;

			close(go[i][1]);
			close(done[0]);
			close(release[1]);
			CHECK(read_full(go[i][0], peers, sizeof(peers)) == sizeof(peers));
			for (int k = 0; k < PER_PEER; k++)
				for (int j = 0; j < NP; j++)
					if (j != i && kill(peers[j], SIGUSR1))
						bad++;
			c = bad ? 'x' : 'o';
			CHECK(write(done[1], &c, 1) == 1);
			/* Others may still be signalling this one: stay until released. */
			while (read(release[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(n_usr1 >= 1 ? 0 : 1);
		}
		close(go[i][0]);
	}
	close(done[1]);
	close(release[0]);
	for (int i = 0; i < NP; i++) {
		CHECK(write(go[i][1], pids, sizeof(pids)) == sizeof(pids));
		close(go[i][1]);
	}
	for (int i = 0; i < NP; i++) {
		char c;

		CHECK(read_full(done[0], &c, 1) == 1);
		sent_ok += c == 'o';
	}
	close(release[1]);      /* EOF: everyone may go */
	for (int i = 0; i < NP; i++) {
		CHECK(waitpid(pids[i], &st, 0) == pids[i]);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	close(done[0]);
	printf("all-to-all: %d processes sent %d signals each without error: %d; "
	       "received some: %d\n", NP, PER_PEER * (NP - 1), sent_ok, ok);
}

/* 2. */
#define PINGS 1000
static void ping_pong(void)
{
	sigset_t wait_mask;
	pid_t c, parent = getpid();
	int st;

	handle(SIGUSR2, on_usr2, 0);
	block(SIGUSR2, SIG_BLOCK);
	sigprocmask(SIG_BLOCK, NULL, &wait_mask);
	sigdelset(&wait_mask, SIGUSR2);
	n_usr2 = 0;
	c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		/* Answer each ping, PINGS times. */
		for (int i = 0; i < PINGS; i++) {
			while (n_usr2 == i)
				sigsuspend(&wait_mask);
			kill(parent, SIGUSR2);
		}
		_exit(n_usr2 == PINGS ? 0 : 1);
	}
	for (int i = 0; i < PINGS; i++) {
		kill(c, SIGUSR2);
		while (n_usr2 == i)
			sigsuspend(&wait_mask);
	}
	CHECK(waitpid(c, &st, 0) == c);
	printf("ping-pong: parent got %d answers, child exit %d\n", (int)n_usr2,
	       WEXITSTATUS(st));
	block(SIGUSR2, SIG_UNBLOCK);
}

/* 3. */
static void groups(void)
{
	pid_t leaders[3], members[3][3];
	int ready[2], st;
	static const int finals[3] = { SIGTERM, SIGKILL, SIGHUP };

	handle(SIGUSR1, SIG_IGN, 0);    /* the storm must not reach the parent */
	CHECK(pipe(ready) == 0);
	for (int g = 0; g < 3; g++) {
		for (int m = 0; m < 3; m++) {
			pid_t c = fork();

			CHECK(c >= 0);
			if (c == 0) {
				char x = 'r';

				n_usr1 = 0;
				handle(SIGUSR1, on_usr1, SA_RESTART);
				close(ready[0]);
				CHECK(write(ready[1], &x, 1) == 1);
				close(ready[1]);
				for (;;)
					pause();
			}
			members[g][m] = c;
			if (m == 0)
				leaders[g] = c;
			/* Set here, before anyone signals the group. */
			CHECK(setpgid(c, leaders[g]) == 0);
		}
	}
	close(ready[1]);
	for (int i = 0; i < 9; i++) {
		char x;

		CHECK(read_full(ready[0], &x, 1) == 1);
	}
	close(ready[0]);
	int same = 1;

	for (int g = 0; g < 3; g++)
		for (int m = 0; m < 3; m++)
			same &= getpgid(members[g][m]) == leaders[g];
	printf("groups: every member in its leader's group %d\n", same);
	for (int k = 0; k < 500; k++)
		for (int g = 0; g < 3; g++)
			CHECK(kill(-leaders[g], SIGUSR1) == 0);
	for (int g = 0; g < 3; g++)
		CHECK(killpg(leaders[g], finals[g]) == 0);
	for (int g = 0; g < 3; g++) {
		printf("groups: group %d:", g);
		for (int m = 0; m < 3; m++) {
			CHECK(waitpid(members[g][m], &st, 0) == members[g][m]);
			printf(" %s", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "exited");
		}
		printf("\n");
	}
	errno = 0;
	st = kill(-leaders[0], SIGUSR1);
	printf("groups: kill of a gone group: %d %s\n", st, strerror(errno));
	handle(SIGUSR1, SIG_DFL, 0);
}

/* 4. */
static void reap_in_handler(int s)
{
	int st, e = errno;
	pid_t p;

	(void)s;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		n_reaped++;
		reaped_sum += WEXITSTATUS(st);
	}
	errno = e;
}

static void sigchld_storms(void)
{
	sigset_t wait_mask;
	long sum = 0, expect = 0;
	int st, n = 0;
	pid_t p;

	/* a. a waitpid(-1) loop, SIGCHLD counted on the side. */
	n_chld = 0;
	handle(SIGCHLD, on_chld_count, SA_RESTART);
	for (int i = 0; i < 300; i++) {
		p = fork();
		CHECK(p >= 0);
		if (p == 0)
			_exit(i % 251);
		expect += i % 251;
	}
	while ((p = waitpid(-1, &st, 0)) > 0) {
		n++;
		sum += WEXITSTATUS(st);
	}
	printf("sigchld loop: reaped %d, status sum %ld (expected %ld), then %s, "
	       "some SIGCHLD %d\n", n, sum, expect, strerror(errno), n_chld >= 1);

	/* b. reaped in the handler while main sleeps in sigsuspend. */
	block(SIGCHLD, SIG_BLOCK);
	sigprocmask(SIG_BLOCK, NULL, &wait_mask);
	sigdelset(&wait_mask, SIGCHLD);
	handle(SIGCHLD, reap_in_handler, SA_RESTART);
	n_reaped = reaped_sum = 0;
	expect = 0;
	for (int i = 0; i < 200; i++) {
		p = fork();
		CHECK(p >= 0);
		if (p == 0)
			_exit(i % 7);
		expect += i % 7;
	}
	while (n_reaped < 200)
		sigsuspend(&wait_mask);
	errno = 0;
	p = waitpid(-1, &st, WNOHANG);
	printf("sigchld handler: reaped %d, status sum %d (expected %ld), "
	       "then waitpid %d %s\n", (int)n_reaped, (int)reaped_sum, expect, p,
	       strerror(errno));
	block(SIGCHLD, SIG_UNBLOCK);

	/* c. SIGCHLD ignored: children are reaped by the kernel; waitpid blocks until
	 * they are all gone, then fails with ECHILD. */
	handle(SIGCHLD, SIG_IGN, 0);
	for (int i = 0; i < 100; i++) {
		p = fork();
		CHECK(p >= 0);
		if (p == 0)
			_exit(1);
	}
	errno = 0;
	p = waitpid(-1, &st, 0);
	printf("sigchld ignored: waitpid %d %s\n", p, strerror(errno));
	handle(SIGCHLD, SIG_DFL, 0);
}

/* 5. */
static void nested(void)
{
	pid_t kids[8];
	int st, ok = 0;

	for (int i = 0; i < 8; i++) {
		kids[i] = fork();
		CHECK(kids[i] >= 0);
		if (kids[i] == 0) {
			pid_t g[10];
			int good = 0;

			for (int j = 0; j < 10; j++) {
				g[j] = fork();
				if (g[j] == 0) {
					for (;;)
						pause();
				}
			}
			for (int j = 0; j < 10; j++)
				kill(g[j], j % 2 ? SIGTERM : SIGKILL);
			for (int j = 0; j < 10; j++) {
				if (waitpid(g[j], &st, 0) == g[j] && WIFSIGNALED(st) &&
				    WTERMSIG(st) == (j % 2 ? SIGTERM : SIGKILL))
					good++;
			}
			_exit(good == 10 ? 0 : 1);
		}
	}
	for (int i = 0; i < 8; i++) {
		CHECK(waitpid(kids[i], &st, 0) == kids[i]);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	printf("nested: %d of 8 children saw their 10 grandchildren killed\n", ok);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	all_to_all();
	ping_pong();
	groups();
	sigchld_storms();
	nested();
	printf("sig_storm done\n");
	return 0;
}
