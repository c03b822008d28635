/*
 * The kernel object and booting the sandbox's first process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/log.h"
#include "checkpoint/checkpoint.h"
#include "fs/host/hostfd.h"
#include "fs/ovl/ovl.h"
#include "ipc/futex.h"
#include "kernel.h"
#include "loader/loader.h"
#include "mm/mm.h"
#include "platform.h"
#include "task/task.h"
#include "time/ktimer.h"
#include "vfs/vfs.h"

static void kernel_init_cpus(struct kernel *k)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		k->cpumask[0] = 1;
		k->ncpu_ids = 1;
		return;
	}
	for (int c = 0; c < CPU_SETSIZE && c < 1024; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		k->cpumask[c / 64] |= 1ULL << (c % 64);
		k->ncpu_ids = c + 1;
	}
}

unsigned kernel_ncpus(const struct kernel *k)
{
	unsigned n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(k->cpumask); i++)
		n += __builtin_popcountll(k->cpumask[i]);
	return n ? n : 1;
}

int kernel_cpu_next(const struct kernel *k, int cpu)
{
	for (unsigned c = cpu + 1; c < ARRAY_SIZE(k->cpumask) * 64; c++)
		if (k->cpumask[c / 64] >> (c % 64) & 1)
			return c;
	return -1;
}

/* What a kernel holds of the host it runs on, never saved: set when it is made and
 * again when it is restored. */
static int kernel_init_host(struct kernel *k, struct platform *plat, struct memfile *mf)
{
	int err;

	k->plat = plat;
	k->mf = mf;
	ovl_set_memfile(mf);
	vfs_set_memfile(mf);
	kernel_init_cpus(k);
	err = futex_table_new(&k->futex);
	if (err)
		return err;
	{
		/* Recursive: signalling under it may take it again (SIGCONT). */
		pthread_mutexattr_t ma;

		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&k->lock, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	pthread_cond_init(&k->cond, NULL);
	k->done = k->stopping = false;
	k->nparked = k->nrunning = 0;
	k->host_jobctl_fd = -1;
	k->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return k->done_fd < 0 ? -errno : 0;
}

int kernel_new(struct platform *plat, struct memfile *mf, struct kernel **out)
{
	struct kernel *k = calloc(1, sizeof(*k));
	int err;

	if (!k)
		return -ENOMEM;
	k->next_tid = 1;
	k->max_tasks = SBX_MAX_TASKS;
	st_list_init(&k->tgs);
	k->uid = getuid();
	k->gid = getgid();
	snprintf(k->hostname, sizeof(k->hostname), "sbx");
	ktime_init(&k->time);
	cpuid_policy_init(&k->cpuid, plat->xsave_features);
	err = kernel_init_host(k, plat, mf);
	if (err) {
		free(k);
		return err;
	}
	*out = k;
	return 0;
}

int kernel_after_load(void *o, void *ctx_)
{
	struct restore_ctx *ctx = ctx_;
	struct kernel *k = o;

	k->strace = ctx->strace;
	/* Explicitly, whether or not the embedded struct's own hook ran: it only
	 * recomputes the offsets from the saved clock values. */
	ktime_after_load(&k->time, ctx);
	return kernel_init_host(k, ctx->plat, ctx->mf);
}

/* Linux's defaults for a process started by root from a login shell. */
static void default_rlimits(struct l_rlimit *r)
{
	for (int i = 0; i < L_RLIM_NLIMITS; i++)
		r[i] = (struct l_rlimit){ L_RLIM_INFINITY, L_RLIM_INFINITY };
	r[RLIMIT_STACK] = (struct l_rlimit){ 8 << 20, L_RLIM_INFINITY };
	r[RLIMIT_CORE] = (struct l_rlimit){ 0, L_RLIM_INFINITY };
	r[RLIMIT_NOFILE] = (struct l_rlimit){ 1024, 1024 * 1024 };
	r[RLIMIT_MEMLOCK] = (struct l_rlimit){ 8 << 20, 8 << 20 };
	r[RLIMIT_NPROC] = (struct l_rlimit){ 63304, 63304 };
	r[RLIMIT_SIGPENDING] = (struct l_rlimit){ 63304, 63304 };
	r[RLIMIT_MSGQUEUE] = (struct l_rlimit){ 819200, 819200 };
	r[RLIMIT_NICE] = (struct l_rlimit){ 0, 0 };
	r[RLIMIT_RTPRIO] = (struct l_rlimit){ 0, 0 };
}

/* Wraps the host's stdin, stdout and stderr as fds 0-2 of @fdt; the first that is a
 * terminal is also the kernel's host_tty. */
static int install_stdio(struct kernel *k, struct fdtable *fdt, const int host[3])
{
	for (int i = 0; i < 3; i++) {
		struct vfs_file *f;
		int fd, err;

		if (host[i] < 0)
			continue;
		fd = fcntl(host[i], F_DUPFD_CLOEXEC, 100);
		if (fd < 0)
			return -errno;
		err = hostfd_new(fd, i, &f);
		if (err) {
			close(fd);
			return err;
		}
		err = fdt_install(fdt, i, f, 0, FDT_MAX_DEFAULT);
		if (err >= 0 && !k->host_tty && hostfd_is_tty(f))
			k->host_tty = f;        /* the reference we got */
		else
			vfs_file_put(f);
		if (err < 0)
			return err;
	}
	return 0;
}

int kernel_create_init(struct kernel *k, int exec_fd, const char *execfn,
		       char *const argv[], char *const envp[], const int stdio[3],
		       char *why, size_t whylen)
{
	struct task *t;
	int err;

	err = task_new(k, &t);
	if (err)
		goto fail;
	t->tid = kernel_alloc_tid(k);
	task_cred_init(t, k->uid, k->gid);
	task_sched_init(t);
	t->umask = 022;
	default_rlimits(t->rlim);
	t->sh = sighand_new();
	if (!t->sh) {
		err = -ENOMEM;
		goto fail_task;
	}
	err = mm_new(k->mf, k->plat, &t->mm);
	if (!err)
		err = fdt_new(&t->fdt);
	if (!err)
		err = install_stdio(k, t->fdt, stdio);
	if (!err && vfs_init_mntns)
		err = vfs_fs_new(vfs_init_mntns, &t->fs);
	if (err)
		goto fail_task;
	err = loader_exec(t, exec_fd, execfn, argv, envp, why, whylen);
	if (err)
		goto out_task;
	err = tg_new(k, t, NULL, &t->tg);
	if (err)
		goto fail_task;
	t->tg->start_ns = ktime_mono(&k->time);
	k->ntasks = 1;
	k->init = t;
	return 0;

fail_task:
	snprintf(why, whylen, "cannot create the first process: %s", strerror(-err));
out_task:
	task_destroy(t);
	return err;
fail:
	snprintf(why, whylen, "cannot create the first process: %s", strerror(-err));
	return err;
}

int kernel_start_task(struct kernel *k, struct task *t)
{
	pthread_attr_t attr;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_mutex_lock(&k->lock);
	k->nrunning++;
	pthread_mutex_unlock(&k->lock);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = -pthread_create(&t->thread, &attr, task_main, t);
	pthread_attr_destroy(&attr);
	if (err)
		kernel_task_gone(k);
	return err;
}

static int start_one(struct task *t, void *arg)
{
	return kernel_start_task(t->k, t);
}

int kernel_start_tasks(struct kernel *k)
{
	int err;

	pthread_mutex_lock(&k->lock);
	err = kernel_each_live_task(k, start_one, NULL);
	ktimer_kick(k);         /* the timer thread samples the load averages */
	pthread_mutex_unlock(&k->lock);
	return err;
}

int kernel_wait(struct kernel *k)
{
	int status;

	pthread_mutex_lock(&k->lock);
	while (!k->done)
		pthread_cond_wait(&k->cond, &k->lock);
	status = k->exit_status;
	pthread_mutex_unlock(&k->lock);
	return status;
}

void kernel_task_gone(struct kernel *k)
{
	pthread_mutex_lock(&k->lock);
	k->nrunning--;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

void kernel_init_exited(struct kernel *k, int wait_status)
{
	pthread_mutex_lock(&k->lock);
	k->done = true;
	k->exit_status = wait_status;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	if (write(k->done_fd, &(u64){ 1 }, sizeof(u64)) < 0) {
		/* the counter cannot overflow on one write */
	}
}
