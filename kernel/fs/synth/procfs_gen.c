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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/random.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include "fs/synth/synth.h"
#include "kernel.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"
#include "time/ktime.h"

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

	pthread_mutex_lock(&pt->mm->lock);
	for (u32 i = 0; i < pt->mm->nvmas; i++)
		n += pt->mm->vmas[i].end - pt->mm->vmas[i].start;
	pthread_mutex_unlock(&pt->mm->lock);
	return n;
}

static void gen_mem_range(FILE *f, struct task *pt, u64 start, u64 end)
{
	char buf[4096];

	while (start < end) {
		size_t n = MIN(sizeof(buf), end - start);

		if (mm_copy_in(pt->mm, buf, start, n))
			break;
		fwrite(buf, 1, n, f);
		start += n;
	}
}

static void gen_status(FILE *f, struct task *pt)
{
	u64 vm = vm_size(pt) >> 10;
	u32 ppid = pt->tg && pt->tg->parent ? pt->tg->parent->tgid : 0;

	fprintf(f, "Name:\t%s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%u\nNgid:\t0\n"
		"Pid:\t%u\nPPid:\t%u\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
		"FDSize:\t64\nGroups:\t\nVmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmRSS:\t%8llu kB\n"
		"Threads:\t1\nSigQ:\t0/63304\nSigPnd:\t%016llx\nShdPnd:\t0000000000000000\n"
		"SigBlk:\t%016llx\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n"
		"CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
		"CapBnd:\t%016llx\nCapAmb:\t%016llx\nNoNewPrivs:\t0\n"
		"Seccomp:\t0\nCpus_allowed_list:\t0-%u\n",
		pt->comm, pt->umask, pt->tgid, pt->tid, ppid, pt->uid, pt->euid, pt->suid,
		pt->euid, pt->gid, pt->egid, pt->sgid, pt->egid, (unsigned long long)vm,
		(unsigned long long)vm, (unsigned long long)vm,
		(unsigned long long)pt->pending, (unsigned long long)pt->sigmask,
		(unsigned long long)pt->cap_inh, (unsigned long long)pt->cap_prm,
		(unsigned long long)pt->cap_eff, (unsigned long long)pt->cap_bnd,
		(unsigned long long)pt->cap_amb, kernel_ncpus(pt->k) - 1);
}

static void gen_stat(FILE *f, struct task *pt)
{
	u32 ppid = pt->tg && pt->tg->parent ? pt->tg->parent->tgid : 0;
	u32 pgid = pt->tg ? pt->tg->pgid : pt->tgid, sid = pt->tg ? pt->tg->sid : pt->tgid;
	u64 vm = vm_size(pt);

	fprintf(f, "%u (%s) R %u %u %u 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 0 %llu %llu "
		"18446744073709551615 0 0 %llu 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 %llu %llu %llu "
		"%llu %llu %llu %llu 0\n", pt->tgid, pt->comm, ppid, pgid, sid,
		(unsigned long long)vm, (unsigned long long)vm >> 12,
		(unsigned long long)pt->mm->stack_top, (unsigned long long)pt->mm->brk_start,
		(unsigned long long)pt->mm->brk, (unsigned long long)pt->mm->brk_start,
		(unsigned long long)pt->mm->arg_start, (unsigned long long)pt->mm->arg_end,
		(unsigned long long)pt->mm->env_start, (unsigned long long)pt->mm->env_end);
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

int procfs_generate(struct task *t, struct synth_inode *si, char **text, size_t *len)
{
	static char boot_id[40];
	struct task *pt = si->pid ? procfs_task(t, si->pid) : t;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	int err = 0;

	if (!pt)
		return -ESRCH;
	f = open_memstream(&buf, &n);
	if (!f)
		return -ENOMEM;
	switch (si->id) {
	case G_CPUINFO:
		for (unsigned c = 0; c < kernel_ncpus(t->k); c++)
			fprintf(f, "processor\t: %u\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
				"model name\t: sbx virtual CPU\ncpu MHz\t\t: 2000.000\n"
				"cache size\t: 32768 KB\nphysical id\t: 0\nsiblings\t: %u\n"
				"core id\t\t: %u\ncpu cores\t: %u\nflags\t\t: fpu sse sse2\n"
				"bogomips\t: 4000.00\n\n", c, kernel_ncpus(t->k), c,
				kernel_ncpus(t->k));
		break;
	case G_MEMINFO: {
		struct sysinfo s;

		sysinfo(&s);
		fprintf(f, "MemTotal:       %8llu kB\nMemFree:        %8llu kB\n"
			"MemAvailable:   %8llu kB\nBuffers:               0 kB\n"
			"Cached:                0 kB\nSwapTotal:             0 kB\n"
			"SwapFree:              0 kB\n",
			(unsigned long long)s.totalram * s.mem_unit >> 10,
			(unsigned long long)s.freeram * s.mem_unit >> 10,
			(unsigned long long)s.freeram * s.mem_unit >> 10);
		break;
	}
	case G_UPTIME: {
		s64 ns = ktime_mono(&t->k->time);

		fprintf(f, "%lld.%02lld %lld.%02lld\n", (long long)(ns / NSEC_PER_SEC),
			(long long)(ns % NSEC_PER_SEC / 10000000), (long long)(ns / NSEC_PER_SEC),
			(long long)(ns % NSEC_PER_SEC / 10000000));
		break;
	}
	case G_LOADAVG:
		fprintf(f, "0.00 0.00 0.00 1/1 %u\n", t->tid);
		break;
	case G_STAT:
		fprintf(f, "cpu  0 0 0 0 0 0 0 0 0 0\n");
		for (unsigned c = 0; c < kernel_ncpus(t->k); c++)
			fprintf(f, "cpu%u 0 0 0 0 0 0 0 0 0 0\n", c);
		fprintf(f, "intr 0\nctxt 0\nbtime 0\nprocesses 1\nprocs_running 1\n"
			"procs_blocked 0\n");
		break;
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
	case G_PID_MAPS: case G_PID_SMAPS_ROLLUP:
		gen_maps(f, pt, si->id == G_PID_SMAPS_ROLLUP);
		break;
	case G_PID_STATUS:
		gen_status(f, pt);
		break;
	case G_PID_STAT:
		gen_stat(f, pt);
		break;
	case G_PID_STATM: {
		u64 vm = vm_size(pt) >> 12;

		fprintf(f, "%llu %llu 0 0 0 %llu 0\n", (unsigned long long)vm,
			(unsigned long long)vm, (unsigned long long)vm);
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
	case G_FDINFO:
		err = gen_fdinfo(f, pt, si->fd);
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

static int put_str(char *buf, size_t len, const char *s)
{
	size_t n = MIN(strlen(s), len);

	memcpy(buf, s, n);
	return n;
}

/* What Linux's d_dname gives a file without a path: "pipe:[ino]", "socket:[ino]",
 * "anon_inode:[type]"; a host fd shows as what it is on the host where that is a
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
	case L_MOUNTS:
		return put_str(buf, len, "self/mounts");
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

int procfs_readdir_dynamic(struct task *t, struct synth_inode *si, struct vfs_dirent **ents,
			   u32 *n, u32 *cap)
{
	int err = 0;

	if (si->kind == SK_PROC_ROOT) {
		for (u32 pid = 1; pid <= t->k->next_tid && !err; pid++)
			if (procfs_task(t, pid))
				err = add_name(ents, n, cap, pid, DT_DIR);
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
