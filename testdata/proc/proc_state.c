/*
 * What ps, top and pgrep read in /proc/<pid>/stat and status: the state letter
 * (a child blocked in read is 'S', stopped 'T', exited and not reaped 'Z'; the
 * reader itself 'R'), the thread count, the signals ignored and caught, nice and
 * priority, CPU time that counts, a start time after the boot, and a resident size
 * that follows memory touched (not the mapped size). Each wait for a state polls
 * until it shows, with no time limit of its own (the harness has one).
 * With "cr" (tests/integration/cr/case.sh --signal): a child blocked in read, a
 * stopped one and a zombie are checkpointed and restored, and show S, T and Z again.
 */
#include "../cr/cr.h"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Field @n (1-based, as proc(5) numbers them) of /proc/@pid/stat; 0 if absent. */
static unsigned long long stat_field(pid_t pid, int n, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');          /* comm may hold spaces */
	if (!p)
		return 0;
	p += 2;
	if (state)
		*state = *p;
	for (int i = 3; i < n && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p && n > 2)
		v = strtoull(p, NULL, 10);
	return v;
}

/* The value after "@key:" in /proc/@pid/status, as text. */
static void status_field(pid_t pid, const char *key, char *out, size_t len)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	out[0] = 0;
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			char *v = line + kl + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			snprintf(out, len, "%s", v);
			break;
		}
	}
	if (f)
		fclose(f);
}

static char wait_state(pid_t pid, char want)
{
	char st = '?';
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	for (;;) {
		stat_field(pid, 3, &st);
		if (st == want)
			return st;
		nanosleep(&ts, NULL);
	}
}

static void never_called(int sig)
{
	(void)sig;
}

static void *idle_thread(void *arg)
{
	char b;

	if (read(*(int *)arg, &b, 1) < 0)
		perror("read");
	return NULL;
}

/* Natively the harness gives a new pid namespace but the host's /proc: mount one of
 * the namespace's own (the sandbox's /proc is already its own). */
static void own_proc(void)
{
	char self[32] = "";

	if (readlink("/proc/self", self, sizeof(self) - 1) > 0 && atoi(self) == getpid())
		return;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", "/proc", "proc", 0, NULL)) {
		perror("a /proc of this pid namespace");
		exit(2);
	}
}

static pid_t blocked_child(int fd)
{
	pid_t c = fork();
	char b;

	if (!c)
		_exit(read(fd, &b, 1) == 1 ? 0 : 3);
	return c;
}

static int cr_mode(void)
{
	pid_t r, s, z;
	int p[2];

	cr_arm();
	if (pipe(p))
		return 2;
	r = blocked_child(p[0]);
	s = blocked_child(p[0]);
	z = fork();
	if (!z)
		_exit(0);
	kill(s, SIGSTOP);
	waitpid(s, NULL, WUNTRACED);
	waitid(P_PID, z, NULL, WEXITED | WNOWAIT);
	cr_say("before: %c %c %c\n", wait_state(r, 'S'), wait_state(s, 'T'), wait_state(z, 'Z'));
	cr_say("ready\n");
	cr_wait();
	cr_say("resumed\n");
	cr_say("after: %c %c %c\n", wait_state(r, 'S'), wait_state(s, 'T'), wait_state(z, 'Z'));
	kill(s, SIGCONT);
	if (write(p[1], "xy", 2) != 2)
		return 2;
	waitpid(r, NULL, 0);
	waitpid(s, NULL, 0);
	waitpid(z, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	char st, s[128];
	int p[2], q[2];
	pid_t c;

	setvbuf(stdout, NULL, _IONBF, 0);
	own_proc();
	if (argc > 1 && !strcmp(argv[1], "cr"))
		return cr_mode();
	if (pipe(p) || pipe(q))
		return 2;
	c = fork();
	if (!c) {
		struct sigaction sa = { .sa_handler = SIG_IGN };
		char b;

		for (int i = 1; i < 32; i++)
			signal(i, SIG_DFL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
		sa.sa_handler = never_called;
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		setpriority(PRIO_PROCESS, 0, 5);
		if (read(p[0], &b, 1) < 0)
			_exit(3);
		_exit(0);
	}
	stat_field(getpid(), 3, &st);
	printf("self: %c\n", st);
	printf("child blocked in read: %c\n", wait_state(c, 'S'));
	status_field(c, "State", s, sizeof(s));
	printf("  status State: %s\n", s);
	status_field(c, "SigIgn", s, sizeof(s));
	printf("  SigIgn: %s\n", s);
	status_field(c, "SigCgt", s, sizeof(s));
	printf("  SigCgt: %s\n", s);
	while (stat_field(c, 19, NULL) != 5)
		usleep(1000);
	printf("  priority %llu nice %llu\n", stat_field(c, 18, NULL), stat_field(c, 19, NULL));
	kill(c, SIGSTOP);
	waitpid(c, NULL, WUNTRACED);
	printf("stopped: %c\n", wait_state(c, 'T'));
	status_field(c, "State", s, sizeof(s));
	printf("  status State: %s\n", s);
	kill(c, SIGCONT);
	printf("continued, blocked again: %c\n", wait_state(c, 'S'));
	if (write(p[1], "x", 1) != 1)
		return 2;
	waitid(P_PID, c, NULL, WEXITED | WNOWAIT);
	printf("exited, not reaped: %c\n", wait_state(c, 'Z'));
	status_field(c, "State", s, sizeof(s));
	printf("  status State: %s\n", s);
	waitpid(c, NULL, 0);

	{
		pthread_t th[3];
		struct timespec t0, t1;
		unsigned long long before, after, start;
		size_t len = 32 << 20;
		char *m;

		for (int i = 0; i < 3; i++)
			pthread_create(&th[i], NULL, idle_thread, &q[0]);
		status_field(getpid(), "Threads", s, sizeof(s));
		printf("threads: status %s, stat %llu\n", s, stat_field(getpid(), 20, NULL));
		if (write(q[1], "xyz", 3) != 3)
			return 2;
		for (int i = 0; i < 3; i++)
			pthread_join(th[i], NULL);

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		do
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		while ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 300);
		printf("300 ms of CPU: utime+stime >= 20 ticks: %d\n",
		       stat_field(getpid(), 14, NULL) + stat_field(getpid(), 15, NULL) >= 20);
		start = stat_field(getpid(), 22, NULL);
		printf("start time after boot: %d\n", start > 0);

		before = stat_field(getpid(), 24, NULL);
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		after = stat_field(getpid(), 24, NULL);
		printf("32 MiB mapped, untouched: rss grew < 1 MiB: %d\n", after - before < 256);
		memset(m, 1, len);
		after = stat_field(getpid(), 24, NULL);
		/* A margin of a quarter: the host's own count lags (per-CPU counters)
		 * and its memory tiering may take pages back while this runs. */
		printf("touched: rss grew >= 24 MiB: %d\n", after - before >= 6144);
		status_field(getpid(), "VmRSS", s, sizeof(s));
		printf("VmRSS >= 24 MiB: %d\n", atoll(s) >= 24576);
	}
	return 0;
}
