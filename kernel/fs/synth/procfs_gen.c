/*
 * What /proc shows: the generated files (cpuinfo, meminfo, a process's status,
 * stat, maps...), its links (self, exe, cwd, root, fd/N) and its dynamic directory
 * entries (one per process, one per fd). Formats follow Linux's fs/proc/array.c,
 * fs/proc/task_mmu.c and fs/proc/meminfo.c closely enough for ps, python and libc.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/random.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include "arch/cpuid.h"
#include "ipc/inet.h"
#include "ipc/unix.h"
#include "fs/devpts/devpts.h"
#include "fs/synth/synth.h"
#include "kernel.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"
#include "time/ktime.h"
#include "time/ktimer.h"
#include "vfs/inotify.h"

struct task *procfs_task(struct task *t, u32 pid)
{
	struct task *pt;

	if (!t)
		return NULL;
	if (pid == t->tgid || pid == t->tid)
		return t;
	pthread_mutex_lock(&t->k->lock);
	pt = kernel_find_task(t->k, pid);
	pthread_mutex_unlock(&t->k->lock);
	return pt;
}

static void uuid(char *buf, size_t len)
{
	u8 r[16];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		memset(r, 0x42, sizeof(r));
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
		 r[12], r[13], r[14], r[15]);
}

static void gen_maps(FILE *f, struct task *pt, bool rollup)
{
	struct mm *mm = pt->mm;
	u64 rss = 0;

	if (!mm)
		return;
	pthread_mutex_lock(&mm->lock);
	for (u32 i = 0; i < mm->nvmas; i++) {
		struct vma *v = &mm->vmas[i];
		/* a file mapping, written to or not, shows its file and offset */
		struct mf_pages *file = v->pages ? v->pages : v->origin;
		char name[PATH_MAX] = "";

		rss += v->end - v->start;
		if (rollup)
			continue;
		if (file)
			mf_pages_name(file, name, sizeof(name));
		else
			snprintf(name, sizeof(name), "%s", v->flags & VMA_HEAP ? "[heap]" :
				 v->flags & VMA_STACK ? "[stack]" : "");
		fprintf(f, "%08llx-%08llx %c%c%c%c %08llx 00:00 0 %*s%s\n",
			(unsigned long long)v->start, (unsigned long long)v->end,
			v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
			v->prot & PROT_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
			file ? (unsigned long long)v->pgoff * PAGE_SIZE : 0ULL,
			name[0] ? 19 : 0, "", name);
	}
	pthread_mutex_unlock(&mm->lock);
	if (rollup)
		fprintf(f, "%08x-%08x ---p 00000000 00:00 0 [rollup]\nRss:%19llu kB\n"
			"Pss:%19llu kB\nAnonymous:%13llu kB\nSwap:%18u kB\n", 0, 0,
			(unsigned long long)rss >> 10, (unsigned long long)rss >> 10,
			(unsigned long long)rss >> 10, 0);
}

static u64 vm_size(struct task *pt)
{
	u64 n = 0;

	if (!pt->mm)            /* a zombie's */
		return 0;
	pthread_mutex_lock(&pt->mm->lock);
	for (u32 i = 0; i < pt->mm->nvmas; i++)
		n += pt->mm->vmas[i].end - pt->mm->vmas[i].start;
	pthread_mutex_unlock(&pt->mm->lock);
	return n;
}

static u64 rss_pages(struct task *pt)
{
	return pt->mm ? mm_rss_pages(pt->mm) : 0;
}

static void gen_mem_range(FILE *f, struct task *pt, u64 start, u64 end)
{
	char buf[4096];

	if (!pt->mm)
		return;
	while (start < end) {
		size_t n = MIN(sizeof(buf), end - start);

		if (mm_copy_in(pt->mm, buf, start, n))
			break;
		fwrite(buf, 1, n, f);
		start += n;
	}
}

/* fs/proc/array.c's get_task_state: what the task is doing now. A group's zombie
 * or an exited thread is 'Z', a job-control stop 'T', a task in a host wait 'S'
 * (every wait of the Sentry can be interrupted by a signal), else 'R'. */
static const char *task_state(struct task *pt)
{
	if ((pt->tg && pt->tg->zombie) || pt->exited)
		return "Z (zombie)";
	if (pt->tg && pt->tg->stopped)
		return "T (stopped)";
	return task_running(pt) ? "R (running)" : "S (sleeping)";
}

/* The sandbox's CPU time and its uptime (CLOCK_BOOTTIME, as Linux's), in USER_HZ
 * ticks. */
static void cpu_ticks(struct kernel *k, u64 *user, u64 *sys, u64 *up)
{
	s64 boot = 0;

	pthread_mutex_lock(&k->lock);
	cputime_total(k, user, sys);
	pthread_mutex_unlock(&k->lock);
	*user /= NSEC_PER_SEC / 100;
	*sys /= NSEC_PER_SEC / 100;
	ktime_get(&k->time, CLOCK_BOOTTIME, &boot);
	*up = (u64)MAX(boot, 0) / (NSEC_PER_SEC / 100);
}

/*
 * /proc/stat: the sandbox's own CPU time, its tasks made since boot, running and
 * switches. The host has no per-CPU account of one sandbox: each CPU line shows an
 * even share of the time (the rest of each CPU's uptime idle), the "cpu" line the
 * sums. No interrupts are the sandbox's.
 */
static void gen_sys_stat(FILE *f, struct kernel *k)
{
	unsigned ncpu = MAX(kernel_ncpus(k), 1u);
	u64 user, sys, up, busy, switches, forks, running;
	s64 real = 0, boot = 0;

	cpu_ticks(k, &user, &sys, &up);
	pthread_mutex_lock(&k->lock);
	switches = task_usage_switches(k);
	forks = k->nforks + 1;
	running = loadavg_nr_active(k);
	pthread_mutex_unlock(&k->lock);
	busy = (user + sys + ncpu - 1) / ncpu;
	fprintf(f, "cpu  %llu 0 %llu %llu 0 0 0 0 0 0\n", (unsigned long long)user,
		(unsigned long long)sys, (unsigned long long)(ncpu * (up - MIN(up, busy))));
	/* each CPU by its number, as sched_getaffinity and /sys name it */
	for (int c = kernel_cpu_next(k, -1), i = 0; c >= 0; c = kernel_cpu_next(k, c), i++) {
		u64 cu = user / ncpu + ((u64)i < user % ncpu);
		u64 cs = sys / ncpu + ((u64)i < sys % ncpu);

		fprintf(f, "cpu%d %llu 0 %llu %llu 0 0 0 0 0 0\n", c, (unsigned long long)cu,
			(unsigned long long)cs, (unsigned long long)(up - MIN(up, busy)));
	}
	/* btime: the sandbox's boot on the wall clock, which a restore does not move
	 * (BOOTTIME counts the downtime); ps adds a process's start ticks to it */
	ktime_get(&k->time, CLOCK_REALTIME, &real);
	ktime_get(&k->time, CLOCK_BOOTTIME, &boot);
	fprintf(f, "intr 0\nctxt %llu\nbtime %lld\nprocesses %llu\nprocs_running %llu\n"
		"procs_blocked 0\n", (unsigned long long)switches,
		(long long)((real - boot) / NSEC_PER_SEC), (unsigned long long)forks,
		(unsigned long long)running);
}

/*
 * /proc/cpuinfo in Linux's layout (arch/x86/kernel/cpu/proc.c): the CPU as cpuid tells
 * the application (the kernel's policy), its features by Linux's names, numbered as
 * sched_getaffinity and /sys number the CPUs, with /sys's topology (one package, a
 * core per CPU). Linux's own flags (constant_tsc, rep_good, ...), its bug list and
 * the microcode revision are the host kernel's knowledge and are left out.
 */
static void gen_cpuinfo(FILE *f, struct kernel *k)
{
	struct cpuid_desc d;
	char flags[2048];
	unsigned n = kernel_ncpus(k);

	cpuid_describe(&k->cpuid, &d);
	cpuid_flags(&k->cpuid, flags, sizeof(flags));
	for (int c = kernel_cpu_next(k, -1); c >= 0; c = kernel_cpu_next(k, c)) {
		fprintf(f, "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			"model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %u.%03u\n", c, d.vendor,
			d.family, d.model, d.model_name, d.stepping, d.khz / 1000, d.khz % 1000);
		if (d.cache_kb)
			fprintf(f, "cache size\t: %u KB\n", d.cache_kb);
		fprintf(f, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %d\ncpu cores\t: %u\n"
			"apicid\t\t: %d\ninitial apicid\t: %d\nfpu\t\t: yes\n"
			"fpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t:%s\n"
			"bugs\t\t:\nbogomips\t: %u.%02u\nclflush size\t: %u\n"
			"cache_alignment\t: %u\naddress sizes\t: %u bits physical, %u bits virtual\n"
			"power management:\n\n", n, c, n, c, c, d.level, flags,
			d.khz / 500, (d.khz / 5) % 100, d.clflush, d.clflush, d.phys_bits,
			d.virt_bits);
	}
}

/* /proc/loadavg, as Linux's fs/proc/loadavg.c: the three averages rounded to two
 * places, running/total tasks, and the last pid handed out. */
static void gen_loadavg(FILE *f, struct kernel *k)
{
	u64 av[3];
	u32 running, total, last;

	pthread_mutex_lock(&k->lock);
	for (int i = 0; i < 3; i++)
		av[i] = k->avenrun[i] + LOADAVG_FIXED_1 / 200;
	running = loadavg_nr_active(k);
	total = k->ntasks;
	last = k->next_tid - 1;
	pthread_mutex_unlock(&k->lock);
	for (int i = 0; i < 3; i++)
		fprintf(f, "%llu.%02llu ", (unsigned long long)(av[i] >> LOADAVG_FSHIFT),
			(unsigned long long)(((av[i] & (LOADAVG_FIXED_1 - 1)) * 100) >>
					     LOADAVG_FSHIFT));
	fprintf(f, "%u/%u %u\n", running, total, last);
}

/* The signals whose action is to ignore, and those with a handler. */
static void sig_actions(struct task *pt, u64 *ign, u64 *cgt)
{
	*ign = *cgt = 0;
	if (!pt->sh)
		return;
	pthread_mutex_lock(&pt->sh->lock);
	for (int i = 0; i < L_NSIG; i++) {
		u64 h = pt->sh->act[i].handler;

		if (h == L_SIG_IGN)
			*ign |= 1ULL << i;
		else if (h != L_SIG_DFL)
			*cgt |= 1ULL << i;
	}
	pthread_mutex_unlock(&pt->sh->lock);
}

static u32 nthreads(struct task *pt)
{
	return pt->tg && pt->tg->nlive ? pt->tg->nlive : 1;
}

static void gen_status(FILE *f, struct task *pt, u32 id)
{
	u64 vm = vm_size(pt) >> 10, rss = rss_pages(pt) * (PAGE_SIZE >> 10), ign, cgt;
	u32 ppid = pt->tg && pt->tg->parent ? pt->tg->parent->tgid : 0;
	u64 mask[ARRAY_SIZE(pt->affinity)];

	sig_actions(pt, &ign, &cgt);
	fprintf(f, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%u\nNgid:\t0\n"
		"Pid:\t%u\nPPid:\t%u\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
		"FDSize:\t64\nGroups:\t\nVmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t%8llu kB\n"
		"VmRSS:\t%8llu kB\n"
		"Threads:\t%u\nSigQ:\t0/%llu\nSigPnd:\t%016llx\nShdPnd:\t%016llx\n"
		"SigBlk:\t%016llx\nSigIgn:\t%016llx\nSigCgt:\t%016llx\n"
		"CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
		"CapBnd:\t%016llx\nCapAmb:\t%016llx\nNoNewPrivs:\t%d\n"
		"Seccomp:\t0\n",
		pt->comm, pt->umask, task_state(pt), pt->tgid, id, ppid, pt->uid, pt->euid,
		pt->suid, pt->euid, pt->gid, pt->egid, pt->sgid, pt->egid, (unsigned long long)vm,
		(unsigned long long)vm,
		(unsigned long long)(pt->mm ? mm_vm_bytes(pt->mm, VMA_LOCKED) >> 10 : 0),
		(unsigned long long)rss, nthreads(pt),
		(unsigned long long)pt->rlim[RLIMIT_SIGPENDING].cur,
		(unsigned long long)pt->pending,
		(unsigned long long)(pt->tg ? pt->tg->pending : 0),
		(unsigned long long)pt->sigmask, (unsigned long long)ign, (unsigned long long)cgt,
		(unsigned long long)pt->cap_inh, (unsigned long long)pt->cap_prm,
		(unsigned long long)pt->cap_eff, (unsigned long long)pt->cap_bnd,
		(unsigned long long)pt->cap_amb, pt->no_new_privs);
	/* the task's sched_setaffinity mask, as sched_getaffinity reports it */
	task_get_affinity(pt, mask);
	fputs("Cpus_allowed:\t", f);
	synth_put_cpumask(f, mask, pt->k->ncpu_ids);
	fputs("Cpus_allowed_list:\t", f);
	synth_put_cpulist(f, mask, pt->k->ncpu_ids);
}

/* A field of @pt's address space, 0 for a zombie, which has none. */
#define MMF(pt, field) ((pt)->mm ? (unsigned long long)(pt)->mm->field : 0ULL)

/* fs/proc/array.c's do_task_stat, for the group (its CPU times, its start); @id is
 * the directory's pid: the process's, or a thread's under task/. */
static void gen_stat(FILE *f, struct task *pt, u32 id)
{
	u32 ppid = pt->tg && pt->tg->parent ? pt->tg->parent->tgid : 0;
	u32 pgid = pt->tg ? pt->tg->pgid : pt->tgid, sid = pt->tg ? pt->tg->sid : pt->tgid;
	u64 vm = vm_size(pt), rss = rss_pages(pt), ut = 0, st = 0, cut = 0, cst = 0;
	const u64 tick = NSEC_PER_SEC / L_USER_HZ;
	s64 start = 0;
	u32 tty_nr = 0;
	s32 tpgid = -1;

	pthread_mutex_lock(&pt->k->lock);
	if (pt->tg) {
		tty_proc_stat(pt->tg, &tty_nr, &tpgid);
		cputime_group(pt->tg, &ut, &st);
		cputime_children(pt->tg, &cut, &cst);
		start = pt->tg->start_ns;
	}
	pthread_mutex_unlock(&pt->k->lock);
	fprintf(f, "%u (%s) %c %u %u %u %u %d 4194304 0 0 0 0 %llu %llu %llu %llu %d %d %u 0 "
		"%llu %llu %llu 18446744073709551615 0 0 %llu 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 "
		"%llu %llu %llu %llu %llu %llu %llu 0\n", id, pt->comm, task_state(pt)[0],
		ppid, pgid, sid, tty_nr, tpgid, (unsigned long long)(ut / tick), (unsigned long long)(st / tick),
		(unsigned long long)(cut / tick), (unsigned long long)(cst / tick),
		20 + pt->nice, pt->nice, nthreads(pt),
		(unsigned long long)(start > 0 ? start / (s64)tick : 0),
		(unsigned long long)vm, (unsigned long long)rss, MMF(pt, stack_top),
		MMF(pt, brk_start), MMF(pt, brk), MMF(pt, brk_start), MMF(pt, arg_start),
		MMF(pt, arg_end), MMF(pt, env_start), MMF(pt, env_end));
}

/* fs/proc/base.c's proc_pid_limits: the table getrlimit reads, padded as Linux's. */
static void gen_limits(FILE *f, struct task *pt)
{
	static const char *const names[L_RLIM_NLIMITS][2] = {
		{ "Max cpu time", "seconds" }, { "Max file size", "bytes" },
		{ "Max data size", "bytes" }, { "Max stack size", "bytes" },
		{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
		{ "Max processes", "processes" }, { "Max open files", "files" },
		{ "Max locked memory", "bytes" }, { "Max address space", "bytes" },
		{ "Max file locks", "locks" }, { "Max pending signals", "signals" },
		{ "Max msgqueue size", "bytes" }, { "Max nice priority", NULL },
		{ "Max realtime priority", NULL }, { "Max realtime timeout", "us" },
	};

	fprintf(f, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < L_RLIM_NLIMITS; i++) {
		const struct l_rlimit *r = &pt->rlim[i];

		fprintf(f, "%-25s ", names[i][0]);
		if (r->cur == L_RLIM_INFINITY)
			fprintf(f, "%-20s ", "unlimited");
		else
			fprintf(f, "%-20llu ", (unsigned long long)r->cur);
		if (r->max == L_RLIM_INFINITY)
			fprintf(f, "%-20s ", "unlimited");
		else
			fprintf(f, "%-20llu ", (unsigned long long)r->max);
		if (names[i][1])
			fprintf(f, "%-10s", names[i][1]);
		fputc('\n', f);
	}
}

static int gen_fdinfo(FILE *f, struct task *pt, int fd)
{
	struct vfs_file *file = fdt_get(pt->fdt, fd);
	int fl;

	if (!file)
		return -ENOENT;
	fl = fdt_get_flags(pt->fdt, fd);
	fprintf(f, "pos:\t%lld\nflags:\t0%o\nmnt_id:\t%u\nino:\t%llu\n", (long long)file->pos,
		file->flags | (fl > 0 && (fl & FD_CLOEXEC) ? O_CLOEXEC : 0),
		file->path.mnt ? file->path.mnt->id : 0,
		file->inode ? (unsigned long long)file->inode->ino : 0ULL);
	vfs_file_put(file);
	return 0;
}

static int generate(struct task *t, struct task *pt, struct synth_inode *si, char **text,
		    size_t *len)
{
	static char boot_id[40];
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	int err = 0;

	f = open_memstream(&buf, &n);
	if (!f)
		return -ENOMEM;
	switch (si->id) {
	case G_CPUINFO:
		gen_cpuinfo(f, t->k);
		break;
	case G_MEMINFO: {
		u64 total, free;

		kernel_meminfo(t->k, &total, &free);
		fprintf(f, "MemTotal:       %8llu kB\nMemFree:        %8llu kB\n"
			"MemAvailable:   %8llu kB\nBuffers:               0 kB\n"
			"Cached:                0 kB\nSwapTotal:             0 kB\n"
			"SwapFree:              0 kB\n",
			(unsigned long long)total >> 10, (unsigned long long)free >> 10,
			(unsigned long long)free >> 10);
		break;
	}
	case G_UPTIME: {
		/* Linux's: time since boot, and the CPUs' idle time summed */
		unsigned ncpu = MAX(kernel_ncpus(t->k), 1u);
		u64 user, sys, up, idle;

		cpu_ticks(t->k, &user, &sys, &up);
		idle = ncpu * up - MIN(ncpu * up, user + sys);
		fprintf(f, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(up / 100),
			(unsigned long long)(up % 100), (unsigned long long)(idle / 100),
			(unsigned long long)(idle % 100));
		break;
	}
	case G_LOADAVG:
		gen_loadavg(f, t->k);
		break;
	case G_NET_TCP: case G_NET_TCP6: case G_NET_UDP: case G_NET_UDP6:
		net_proc_inet(f, si->id == G_NET_TCP || si->id == G_NET_UDP ? AF_INET : AF_INET6,
			      si->id == G_NET_TCP || si->id == G_NET_TCP6);
		break;
	case G_NET_UNIX:
		net_proc_unix(f);
		break;
	case G_STAT:
		gen_sys_stat(f, t->k);
		break;
	case G_VMSTAT: {
		struct sysinfo si_;

		/* vmstat(8) will not start without it. The sandbox has no swap and no
		 * block device: paging and swapping counters are truly 0. */
		sysinfo(&si_);
		fprintf(f, "nr_free_pages %llu\npgpgin 0\npgpgout 0\npswpin 0\npswpout 0\n"
			"pgmajfault 0\n",
			(unsigned long long)si_.freeram * si_.mem_unit / PAGE_SIZE);
		break;
	}
	case G_FILESYSTEMS:
		fprintf(f, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\n"
			"nodev\toverlay\n");
		break;
	case G_VERSION: case G_OSRELEASE: case G_OSTYPE: {
		struct utsname u;

		uname(&u);
		if (si->id == G_VERSION)
			fprintf(f, "Linux version %s (sbx) %s\n", u.release, u.version);
		else
			fprintf(f, "%s\n", si->id == G_OSTYPE ? "Linux" : u.release);
		break;
	}
	case G_HOSTNAME:
		fprintf(f, "%s\n", t->k->hostname);
		break;
	case G_PIDMAX:
		fprintf(f, "4194304\n");
		break;
	case G_BOOTID:
		if (!boot_id[0])
			uuid(boot_id, sizeof(boot_id));
		fprintf(f, "%s\n", boot_id);
		break;
	case G_UUID: {
		char u[40];

		uuid(u, sizeof(u));
		fprintf(f, "%s\n", u);
		break;
	}
	case G_OVERCOMMIT:
		fprintf(f, "0\n");
		break;
	case G_INOTIFY_QUEUED:
		fprintf(f, "%d\n", INOTIFY_MAX_QUEUED);
		break;
	case G_INOTIFY_INSTANCES:
		fprintf(f, "%d\n", INOTIFY_MAX_INSTANCES);
		break;
	case G_INOTIFY_WATCHES:
		fprintf(f, "%u\n", inotify_max_watches());
		break;
	case G_PID_MAPS: case G_PID_SMAPS_ROLLUP:
		gen_maps(f, pt, si->id == G_PID_SMAPS_ROLLUP);
		break;
	case G_PID_STATUS:
		gen_status(f, pt, si->pid ? si->pid : pt->tgid);
		break;
	case G_PID_STAT:
		gen_stat(f, pt, si->pid ? si->pid : pt->tgid);
		break;
	case G_PID_STATM: {
		u64 vm = vm_size(pt) >> 12;

		fprintf(f, "%llu %llu 0 0 0 %llu 0\n", (unsigned long long)vm,
			(unsigned long long)rss_pages(pt), (unsigned long long)vm);
		break;
	}
	case G_PID_CMDLINE:
		gen_mem_range(f, pt, pt->mm->arg_start, pt->mm->arg_end);
		break;
	case G_PID_ENVIRON:
		gen_mem_range(f, pt, pt->mm->env_start, pt->mm->env_end);
		break;
	case G_PID_MOUNTS: case G_PID_MOUNTINFO: {
		char *m;
		size_t ml;

		err = vfs_mounts_show(pt, si->id == G_PID_MOUNTINFO, &m, &ml);
		if (!err) {
			fwrite(m, 1, ml, f);
			free(m);
		}
		break;
	}
	case G_PID_COMM:
		fprintf(f, "%s\n", pt->comm);
		break;
	case G_PID_OOM_SCORE_ADJ: case G_PID_OOM_ADJ: {
		int adj;

		pthread_mutex_lock(&t->k->lock);
		adj = pt->tg->oom_score_adj;
		pthread_mutex_unlock(&t->k->lock);
		/* oom_adj: Linux's legacy scale, -17..15 */
		if (si->id == G_PID_OOM_ADJ)
			adj = adj == OOM_SCORE_ADJ_MAX ? OOM_ADJUST_MAX : adj * -OOM_DISABLE /
									OOM_SCORE_ADJ_MAX;
		fprintf(f, "%d\n", adj);
		break;
	}
	case G_PID_OOM_SCORE:
		fprintf(f, "%d\n", kernel_oom_score(t->k, pt->tg));
		break;
	case G_FDINFO:
		err = gen_fdinfo(f, pt, si->fd);
		break;
	case G_PID_LIMITS:
		gen_limits(f, pt);
		break;
	case G_PID_CGROUP:
		/* Linux always lists the unified hierarchy, mounted or not; every task
		 * is in its root, as in a new cgroup namespace (sbx has no cgroups) */
		fprintf(f, "0::/\n");
		break;
	default:
		err = -ENOENT;
	}
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(buf);
		return err;
	}
	*text = buf;
	*len = n;
	return 0;
}

/* A zombie process's leader (reaped by nobody yet); kernel->lock held. */
static struct task *zombie_leader(struct task *t, u32 pid)
{
	struct thread_group *tg = kernel_find_tg(t->k, pid);

	return tg && tg->zombie && tg->tgid == pid ? tg->leader : NULL;
}

bool procfs_pid_exists(struct task *t, u32 pid)
{
	bool found;

	if (procfs_task(t, pid))
		return true;
	pthread_mutex_lock(&t->k->lock);
	found = zombie_leader(t, pid) != NULL;
	pthread_mutex_unlock(&t->k->lock);
	return found;
}

/* What Linux still shows of a zombie: its ids, state and times; its memory is gone. */
static bool zombie_file(u32 id)
{
	switch (id) {
	case G_PID_STAT: case G_PID_STATUS: case G_PID_STATM: case G_PID_COMM:
	case G_PID_CMDLINE: case G_PID_ENVIRON: case G_PID_MAPS: case G_PID_SMAPS_ROLLUP:
		return true;
	}
	return false;
}

/* Linux's kstrtoint(strstrip(s), 0): an optional sign, then decimal, 0x hex or 0
 * octal, nothing else; -ERANGE past an int. */
static int parse_int(char *s, int *out)
{
	char *end;
	long long v;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
		*--end = 0;
	if (!*s || ((*s == '+' || *s == '-') && (s[1] < '0' || s[1] > '9')) ||
	    (*s != '+' && *s != '-' && (*s < '0' || *s > '9')))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

/*
 * Linux's __set_oom_adj: without CAP_SYS_RESOURCE, oom_score_adj may not go below
 * the least a privileged writer set (oom_score_adj_min), and the legacy oom_adj may
 * not lower it at all. (Linux also sets it in other processes sharing the mm, a
 * vfork child's parent; here it is the one process's.)
 */
static int set_oom_adj(struct task *t, struct thread_group *tg, int adj, bool legacy)
{
	bool cap = task_capable(t, CAP_SYS_RESOURCE);
	int err = 0;

	pthread_mutex_lock(&t->k->lock);
	if (!cap && adj < (legacy ? tg->oom_score_adj : tg->oom_score_adj_min)) {
		err = -EACCES;
	} else {
		tg->oom_score_adj = adj;
		if (!legacy && cap)
			tg->oom_score_adj_min = adj;
	}
	pthread_mutex_unlock(&t->k->lock);
	return err;
}

s64 procfs_write(struct task *t, struct synth_inode *si, const char *buf, size_t len)
{
	struct task *pt = si->pid ? procfs_task(t, si->pid) : t;
	char text[13];          /* Linux's PROC_NUMBUF: a longer write is cut */
	int v, err;

	if (!pt)
		return -ESRCH;
	switch (si->id) {
	case G_PID_COMM: {
		char name[sizeof(pt->comm)] = "";

		/* Linux: only a thread of the same process; cut at 15 bytes, a newline
		 * kept. */
		if (pt->tg != t->tg)
			return -EINVAL;
		memcpy(name, buf, MIN(len, sizeof(name) - 1));
		memcpy(pt->comm, name, sizeof(name));
		return len;
	}
	case G_PID_OOM_SCORE_ADJ: case G_PID_OOM_ADJ:
		len = MIN(len, sizeof(text) - 1);
		memcpy(text, buf, len);
		text[len] = 0;
		err = parse_int(text, &v);
		if (err)
			return err;
		if (si->id == G_PID_OOM_SCORE_ADJ) {
			if (v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX)
				return -EINVAL;
			err = set_oom_adj(t, pt->tg, v, false);
		} else {
			if (v < OOM_DISABLE || v > OOM_ADJUST_MAX)
				return -EINVAL;
			v = v == OOM_ADJUST_MAX ? OOM_SCORE_ADJ_MAX : v * OOM_SCORE_ADJ_MAX /
								      -OOM_DISABLE;
			err = set_oom_adj(t, pt->tg, v, true);
		}
		return err ? err : (s64)len;
	default:
		return -EINVAL;
	}
}

int procfs_generate(struct task *t, struct synth_inode *si, char **text, size_t *len)
{
	struct task *pt = si->pid ? procfs_task(t, si->pid) : t;
	int err;

	if (pt)
		return generate(t, pt, si, text, len);
	/* Linux keeps /proc/<pid> of a zombie until it is reaped. Its files are made
	 * under kernel->lock, which the reaper takes to unlink it. */
	pthread_mutex_lock(&t->k->lock);
	pt = zombie_leader(t, si->pid);
	err = !pt ? -ESRCH : zombie_file(si->id) ? generate(t, pt, si, text, len) : -ENOENT;
	pthread_mutex_unlock(&t->k->lock);
	return err;
}

static int put_str(char *buf, size_t len, const char *s)
{
	size_t n = MIN(strlen(s), len);

	memcpy(buf, s, n);
	return n;
}

/* What Linux's d_dname gives a file without a path: "pipe:[ino]", "socket:[ino]",
 * "anon_inode:[type]" ("anon_inode:inotify"); a host fd shows as what it is on the host where that is a
 * pipe, a socket or /dev/null (its host path is not known here). */
static int anon_name(struct vfs_file *f, char *buf, size_t len)
{
	struct stat st;

	if (!f->ops->fstat || f->ops->fstat(f, &st))
		memset(&st, 0, sizeof(st));
	if (S_ISFIFO(st.st_mode))
		return snprintf(buf, len, "pipe:[%llu]", (unsigned long long)st.st_ino);
	if (S_ISSOCK(st.st_mode))
		return snprintf(buf, len, "socket:[%llu]", (unsigned long long)st.st_ino);
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		return snprintf(buf, len, "/dev/null");
	/* Linux's inotify names its anonymous inode without the brackets. */
	if (f->ops == &inotify_ops)
		return snprintf(buf, len, "anon_inode:inotify");
	return snprintf(buf, len, "anon_inode:[%s]", f->ops->type);
}

/* The place a magic link leads to, referenced; -ENOENT if it has none. */
int procfs_get_link(struct task *t, struct synth_inode *si, struct vfs_path *out)
{
	struct task *pt = si->pid ? procfs_task(t, si->pid) : t;
	struct vfs_file *f;

	if (!pt || !pt->fs)
		return -ENOENT;
	switch (si->id) {
	case L_EXE:
		if (!pt->fs->exe.d)
			return -ENOENT;
		*out = pt->fs->exe;
		break;
	case L_CWD:
		*out = pt->fs->cwd;
		break;
	case L_ROOT:
		*out = pt->fs->root;
		break;
	case L_FD: {
		int err = 0;

		/* Linux's proc_fd_link: the open file's own place, an anonymous one for a
		 * file that has none, so that open() reaches the file itself. */
		f = fdt_get(pt->fdt, si->fd);
		if (!f)
			return -ENOENT;
		if (f->path.d) {
			*out = f->path;
			vfs_path_get(out);
		} else {
			err = vfs_anon_path(f, out);
		}
		vfs_file_put(f);
		return err;
	}
	default:
		return -ENOENT;
	}
	vfs_path_get(out);
	return 0;
}

int procfs_readlink(struct task *t, struct synth_inode *si, char *buf, size_t len)
{
	char tmp[4096];
	struct vfs_path p;
	int n;

	switch (si->id) {
	case L_SELF:
		snprintf(tmp, sizeof(tmp), "%u", t->tgid);
		return put_str(buf, len, tmp);
	case L_THREAD_SELF:
		snprintf(tmp, sizeof(tmp), "%u/task/%u", t->tgid, t->tid);
		return put_str(buf, len, tmp);
	case L_MOUNTS:
		return put_str(buf, len, "self/mounts");
	case L_NET:
		return put_str(buf, len, "self/net");
	case L_DEVFD:
		return put_str(buf, len, "/proc/self/fd");
	case L_STDIN: case L_STDOUT: case L_STDERR:
		snprintf(tmp, sizeof(tmp), "/proc/self/fd/%d", si->id - L_STDIN);
		return put_str(buf, len, tmp);
	}
	n = procfs_get_link(t, si, &p);
	if (n)
		return n;
	if (vfs_anon_file(p.d->inode))
		n = anon_name(vfs_anon_file(p.d->inode), tmp, sizeof(tmp));
	else
		n = vfs_path_name(&t->fs->root, &p, tmp, sizeof(tmp));
	vfs_path_put(&p);
	return n < 0 ? n : put_str(buf, len, tmp);
}

static int add_name(struct vfs_dirent **ents, u32 *n, u32 *cap, u32 num, u8 type)
{
	char name[16];

	if (*n == *cap) {
		u32 c = *cap ? *cap * 2 : 32;
		struct vfs_dirent *e = realloc(*ents, c * sizeof(*e));

		if (!e)
			return -ENOMEM;
		*ents = e;
		*cap = c;
	}
	snprintf(name, sizeof(name), "%u", num);
	(*ents)[*n] = (struct vfs_dirent){ strdup(name), 0x10000 + num, type };
	if (!(*ents)[*n].name)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* @pid names a process (a live group's or a zombie's), not another thread. */
static bool is_process(struct task *t, u32 pid)
{
	struct task *p = procfs_task(t, pid);

	return p ? p->tgid == pid : procfs_pid_exists(t, pid);
}

bool procfs_same_process(struct task *t, u32 pid, u32 tid)
{
	struct task *p = procfs_task(t, pid), *q = procfs_task(t, tid);

	return p && q && p->tgid == q->tgid;
}

/* The live threads of @pid's process, by tid (named under kernel->lock, which
 * add_name's allocations do not mind). */
static int task_dir(struct task *t, u32 pid, struct vfs_dirent **ents, u32 *n, u32 *cap)
{
	struct task *p = procfs_task(t, pid), *q;
	int err = 0;

	if (!p)
		return 0;
	pthread_mutex_lock(&t->k->lock);
	tg_for_each_task(q, p->tg)
		if (!q->exiting && !err)
			err = add_name(ents, n, cap, q->tid, DT_DIR);
	pthread_mutex_unlock(&t->k->lock);
	return err;
}

int procfs_readdir_dynamic(struct task *t, struct synth_inode *si, struct vfs_dirent **ents,
			   u32 *n, u32 *cap)
{
	int err = 0;

	if (si->kind == SK_PROC_ROOT) {
		/* processes only: a thread's /proc/<tid> can be looked up, not listed */
		for (u32 pid = 1; pid <= t->k->next_tid && !err; pid++)
			if (is_process(t, pid))
				err = add_name(ents, n, cap, pid, DT_DIR);
	} else if (si->kind == SK_TASK_DIR) {
		err = task_dir(t, si->pid, ents, n, cap);
	} else if (si->kind == SK_FD_DIR) {
		struct task *pt = procfs_task(t, si->pid);

		for (u32 fd = 0; pt && fd < pt->fdt->n && !err; fd++) {
			struct vfs_file *f = fdt_get(pt->fdt, fd);

			if (!f)
				continue;
			vfs_file_put(f);
			err = add_name(ents, n, cap, fd, si->id ? DT_REG : DT_LNK);
		}
	}
	return err;
}
