/* loadavg: the load averages as uptime, top and w read them. /proc/loadavg has
 * Linux's format; sysinfo's loads are the same averages; with two processes spinning
 * through two samples (11 s, a sample every 5 s), the 1-minute load is at least
 * 2 * (1 - e^(-10/60)) ~ 0.31 whatever it was before, since Linux decays the old value
 * and adds the count of running tasks, and this computes with Linux's fixed point.
 *
 * usage: tp_loadavg [cr]   (cr: zdtm form; the load is raised before the ready mark
 *                           and must not have been reset by the restore: at least
 *                           40% of it, eleven samples' decay, is still there) */
#include "../cr/cr.h"

#include <signal.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>

struct lavg {
	unsigned l[3];          /* hundredths */
	unsigned running, total, last;
};

static int read_lavg(struct lavg *v)
{
	FILE *f = fopen("/proc/loadavg", "r");
	unsigned i[3], fr[3];
	char end;
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%u.%2u %u.%2u %u.%2u %u/%u %u%c", &i[0], &fr[0], &i[1], &fr[1], &i[2],
		   &fr[2], &v->running, &v->total, &v->last, &end);
	fclose(f);
	for (int k = 0; k < 3; k++)
		v->l[k] = i[k] * 100 + fr[k];
	return n == 10 && end == '\n' ? 0 : -1;
}

static void yes(const char *what, int ok)
{
	cr_say("%s: %s\n", what, ok ? "yes" : "no");
}

/* Two processes busy for 11 s, then killed. */
static void spin(void)
{
	pid_t pid[2];

	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			volatile unsigned long x = 0;

			for (;;)
				x++;
		}
	}
	sleep(11);
	for (int i = 0; i < 2; i++) {
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
}

int main(int argc, char **argv)
{
	int cr = argc > 1 && !strcmp(argv[1], "cr");
	struct lavg a, b, c;
	struct sysinfo si;
	int agree = 0;

	if (read_lavg(&a)) {
		cr_say("/proc/loadavg: bad format\n");
		return 1;
	}
	yes("running counts this process", a.running >= 1);
	yes("running <= total tasks", a.running <= a.total);
	yes("the last pid is at least this process's", a.last >= (unsigned)getpid());
	/* Around a sample both may move: compare only when /proc did not. */
	for (int tries = 0; tries < 5 && !agree; tries++) {
		read_lavg(&a);
		sysinfo(&si);
		read_lavg(&b);
		if (memcmp(a.l, b.l, sizeof(a.l)))
			continue;
		agree = 1;
		for (int k = 0; k < 3; k++) {
			unsigned s = (unsigned)((si.loads[k] * 100ULL + 32768) >> 16);

			agree &= s + 1 >= a.l[k] && a.l[k] + 1 >= s;
		}
	}
	yes("sysinfo's loads are /proc/loadavg's", agree);
	spin();
	read_lavg(&b);
	yes("after two spinning processes the 1-minute load is >= 0.25", b.l[0] >= 25);
	yes("the 5-minute load is above zero", b.l[1] > 0);
	if (cr) {
		cr_arm();
		cr_say("ready\n");
		cr_wait();
		read_lavg(&c);
		fprintf(stderr, "load before %u, after %u\n", b.l[0], c.l[0]);
		yes("the 1-minute load came back (>= 40% of it)", c.l[0] * 10 >= b.l[0] * 4);
	}
	return 0;
}
