/*
 * cr_procattr (zdtm form, testdata/cr/cr.h): personality, nice, policy, affinity,
 * supplementary groups, capability sets (bounding and ambient included) and three
 * pidfds (a live child, a zombie child, a reaped one) are set up before the ready
 * mark; after the checkpoint, restore and SIGUSR1 each must read the same, and the
 * pidfds must still name their processes: the live child is killed through its pidfd
 * and reaped with waitid(P_PIDFD), the zombie's pidfd is readable and reaps it, the
 * reaped one reports it gone.
 */
#include "../cr/cr.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define C(n) (1ULL << CAP_##n)
#define KNOWN (C(SETUID) | C(SETGID) | C(KILL) | C(SETPCAP) | C(CHOWN))

struct state {
	int personality, nice, policy, ngroups;
	gid_t groups[8];
	uint64_t eff, prm, inh, amb_kill, bnd_kill, bnd_admin;
	int ncpu, first_cpu;
};

static void take(struct state *s)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };
	cpu_set_t cs;

	memset(s, 0, sizeof(*s));
	s->personality = personality(0xffffffff);
	errno = 0;
	s->nice = getpriority(PRIO_PROCESS, 0);
	s->policy = sched_getscheduler(0);
	s->ngroups = getgroups(8, s->groups);
	syscall(SYS_capget, &h, d);
	s->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	s->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	s->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	s->amb_kill = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0);
	s->bnd_kill = prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0);
	s->bnd_admin = prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0);
	CPU_ZERO(&cs);
	sched_getaffinity(0, sizeof(cs), &cs);
	s->ncpu = CPU_COUNT(&cs);
	s->first_cpu = -1;
	for (int i = 0; i < CPU_SETSIZE && s->first_cpu < 0; i++)
		if (CPU_ISSET(i, &cs))
			s->first_cpu = i;
}

static void show(const struct state *s)
{
	cr_say("personality %#x nice %d policy %d groups %d:", s->personality, s->nice,
	       s->policy, s->ngroups);
	for (int i = 0; i < s->ngroups; i++)
		cr_say(" %d", s->groups[i]);
	cr_say(" eff %#llx prm %#llx inh %#llx amb %d bnd %d/%d cpus %d\n",
	       (unsigned long long)s->eff, (unsigned long long)s->prm,
	       (unsigned long long)s->inh, (int)s->amb_kill, (int)s->bnd_kill,
	       (int)s->bnd_admin, s->ncpu);
}

static int pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static int poll_ev(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) < 0 ? -errno : p.revents;
}

static void reap(const char *what, int fd)
{
	siginfo_t si;
	int r;

	memset(&si, 0, sizeof(si));
	errno = 0;
	r = waitid(P_PIDFD, fd, &si, WEXITED);
	cr_say("%s: waitid %d %s code %d status %d\n", what, r, r ? strerrorname_np(errno) : "",
	       si.si_code, si.si_status);
}

int main(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { KNOWN, KNOWN, C(KILL) }, { 0, 0, 0 } };
	struct sched_param sp = { 0 };
	gid_t groups[3] = { 300, 100, 200 };
	struct state before, after;
	int live_fd, zombie_fd, gone_fd, bad = 0;
	pid_t live, zombie, gone;
	cpu_set_t cs;

	cr_arm();
	for (int c = 0; c <= 40; c++)
		if (!(KNOWN >> c & 1) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	syscall(SYS_capset, &h, d);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0);
	setgroups(3, groups);
	personality(PER_LINUX | ADDR_NO_RANDOMIZE);
	setpriority(PRIO_PROCESS, 0, 5);
	sched_setscheduler(0, SCHED_BATCH, &sp);
	sched_getaffinity(0, sizeof(cs), &cs);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &cs)) {
			CPU_ZERO(&cs);
			CPU_SET(i, &cs);
			break;
		}
	sched_setaffinity(0, sizeof(cs), &cs);

	live = fork();
	if (live == 0) {
		for (;;)
			pause();
	}
	zombie = fork();
	if (zombie == 0)
		_exit(4);
	gone = fork();
	if (gone == 0)
		_exit(6);
	live_fd = pidfd_open(live);
	zombie_fd = pidfd_open(zombie);
	gone_fd = pidfd_open(gone);
	waitpid(gone, NULL, 0);
	while (!(poll_ev(zombie_fd) & POLLIN))
		usleep(1000);
	take(&before);
	show(&before);
	cr_say("live %d zombie %d gone %d\n", poll_ev(live_fd), poll_ev(zombie_fd),
	       poll_ev(gone_fd));
	cr_say("ready\n");
	cr_wait();

	take(&after);
	show(&after);
	if (memcmp(&before, &after, sizeof(before))) {
		cr_say("state differs after restore\n");
		bad = 1;
	}
	cr_say("live %d zombie %d gone %d\n", poll_ev(live_fd), poll_ev(zombie_fd),
	       poll_ev(gone_fd));
	cr_say("kill gone: %ld\n", syscall(SYS_pidfd_send_signal, gone_fd, SIGTERM, NULL, 0));
	cr_say("kill live: %ld\n", syscall(SYS_pidfd_send_signal, live_fd, SIGTERM, NULL, 0));
	reap("live", live_fd);
	reap("zombie", zombie_fd);
	reap("gone", gone_fd);
	cr_say("after: live %d zombie %d gone %d\n", poll_ev(live_fd), poll_ev(zombie_fd),
	       poll_ev(gone_fd));
	return bad;
}
