/* sys_stat: /proc/stat as top, vmstat and psutil read it. The "cpu" line is the sum
 * of the cpuN lines; after this process burns CPU, the user and system ticks have
 * grown by at least what getrusage says it used; after forks, "processes" has grown
 * by at least their number; ctxt and btime do not go back; procs_running counts
 * this process.
 *
 * usage: tp_sys_stat [cr]   (cr: zdtm form; the counters are read before the ready
 *                            mark and must not have gone back after the restore) */
#include "../cr/cr.h"

#include <sys/resource.h>
#include <sys/wait.h>

struct stat_view {
	unsigned long long cpu[10], sum[10], ctxt, btime, processes, running;
	int ncpu;
};

static int read_stat(struct stat_view *v)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];

	memset(v, 0, sizeof(*v));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long x[10] = { 0 };
		char name[32];

		if (sscanf(line, "%31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", name,
			   &x[0], &x[1], &x[2], &x[3], &x[4], &x[5], &x[6], &x[7], &x[8],
			   &x[9]) < 2)
			continue;
		if (!strcmp(name, "cpu")) {
			memcpy(v->cpu, x, sizeof(x));
		} else if (!strncmp(name, "cpu", 3)) {
			for (int i = 0; i < 10; i++)
				v->sum[i] += x[i];
			v->ncpu++;
		} else if (!strcmp(name, "ctxt")) {
			v->ctxt = x[0];
		} else if (!strcmp(name, "btime")) {
			v->btime = x[0];
		} else if (!strcmp(name, "processes")) {
			v->processes = x[0];
		} else if (!strcmp(name, "procs_running")) {
			v->running = x[0];
		}
	}
	fclose(f);
	return 0;
}

static unsigned long long ticks(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 100ULL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 10000;
}

static void yes(const char *what, int ok)
{
	cr_say("%s: %s\n", what, ok ? "yes" : "no");
}

int main(int argc, char **argv)
{
	struct stat_view a, b;
	unsigned long long used;
	volatile unsigned long x = 0;
	int same = 1;

	if (read_stat(&a)) {
		cr_say("/proc/stat: %s\n", strerror(errno));
		return 1;
	}
	yes("a cpu line per CPU", a.ncpu >= 1);
	/* The sums of the per-CPU lines (user, nice, system, idle) against the total,
	 * within a tick per CPU and field (Linux sums each at its own moment). */
	for (int i = 0; i < 4; i++)
		same &= a.cpu[i] + a.ncpu >= a.sum[i] && a.sum[i] + a.ncpu >= a.cpu[i];
	yes("the cpu line is the sum of the cpuN lines", same);
	yes("procs_running counts this process", a.running >= 1);
	if (argc > 1 && !strcmp(argv[1], "cr")) {
		cr_arm();
		cr_say("ready\n");
		cr_wait();
	}
	used = ticks();
	while (ticks() < used + 30)
		x++;
	used = ticks() - used;
	for (int i = 0; i < 5; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	read_stat(&b);
	yes("user + system grew by at least this process's CPU time",
	    b.cpu[0] + b.cpu[2] >= a.cpu[0] + a.cpu[2] + used - 1);
	yes("processes grew by at least 5", b.processes >= a.processes + 5);
	yes("ctxt did not go back", b.ctxt >= a.ctxt);
	yes("btime is the same", b.btime == a.btime || b.btime == a.btime + 1 ||
				 b.btime + 1 == a.btime);
	yes("idle did not go back", b.cpu[3] >= a.cpu[3]);
	return 0;
}
