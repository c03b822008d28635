/*
 * Stubs made ahead of time. Making an address space clones the template, waits for
 * the child, and later clones the first context's thread in it: several round trips
 * through stopped processes, 1-3 ms on this PVM guest, on the critical path of every
 * fork and exec. A pool thread does that work ahead, off the CPU of the last thread
 * that took a stub, and keeps PTRACE_POOL_SIZE stubs ready, each with its spawner and
 * its first thread parked untraced in stub_park, blocking every signal. as_new takes
 * one by seizing and interrupting that thread, which maps the address space and then
 * becomes the caller's context in ctx_new. A stub is handed out once and never comes
 * back: every address space is still a fresh process.
 *
 * A parked stub has no tracer whose PTRACE_O_EXITKILL would kill it if the Sentry
 * died; its spawner has PR_SET_PDEATHSIG, so it dies with its parent, the template,
 * which dies with the Sentry.
 *
 * Off unless the environment has SBX_STUB_POOL=1: on this 2-vCPU PVM guest it halves a
 * fork under heavy load (the making moves off a busy CPU), but on an idle machine a
 * fork costs 0.6-1 ms more with it (3.3 -> 4.3 ms in bench_proc: taking a stub
 * migrates its two threads to the caller's CPU, and the refill drives the template,
 * pinned beside the caller, while the caller runs).
 *
 * Apart from the pool, plat_as_premake makes one such stub on the calling thread and
 * keeps it as the spare for the next as_new, whatever SBX_STUB_POOL says: a created
 * sandbox (sbx create) does so while it waits, so that its restore's first address
 * space costs a take, not a clone. The spare is never refilled.
 *
 * The pool thread is started by the first as_new, from a Sentry thread: it inherits
 * the Sentry's seccomp filter and signal mask. Locks: pool->lock for the ready list;
 * making a stub takes template_lock (ptrace_as_make), never under pool->lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ptrace_platform.h"

#define PTRACE_POOL_SIZE	2

struct ptrace_pool {
	struct ptrace_platform *pp;
	pthread_t thread;
	bool started;				/* thread runs; immutable once made */
	pthread_mutex_t lock;
	pthread_cond_t cond;			/* the pool thread waits for room (lock) */
	struct ptrace_as *ready[PTRACE_POOL_SIZE]; /* oldest first (lock) */
	int nready;				/* (lock) */
	int avoid_cpu;				/* the last taker's CPU, or -1 (lock) */
	bool stop;				/* platform going away (lock) */
	bool failed;				/* making one failed: no more tries (lock) */
};

/*
 * One ready stub: made (traced by this thread), PR_SET_PDEATHSIG in its spawner, its
 * first thread cloned, both parked untraced with every signal blocked.
 */
static int ptrace_pool_make(struct ptrace_platform *pp, struct ptrace_as **out)
{
	static const long pdeath[6] = { PR_SET_PDEATHSIG, SIGKILL };
	struct ptrace_thread *w = NULL;
	struct ptrace_as *as;
	long ret = 0;
	int err;

	err = ptrace_as_make(pp, &as);
	if (err)
		return err;
	if (pp->sm_born) {
		/* Ready as made: its spawner serves the taker from its loop. */
		*out = as;
		return 0;
	}
	err = ptrace_inject(&as->spawner, SYS_prctl, pdeath, &ret);
	if (!err)
		err = ptrace_stub_err(ret);
	if (!err)
		err = ptrace_spawn_thread(as, &w);	/* parks the spawner */
	if (!err) {
		w->reserved = true;
		err = ptrace_set_sigmask(w, ptrace_parked_mask(pp));
	}
	if (!err) {
		ptrace_thread_release(w);
		if (w->dead)
			err = -ESRCH;
	}
	if (err) {
		ptrace_as_destroy((struct plat_as *)as);
		return err;
	}
	*out = as;
	return 0;
}

/* Runs the calling thread anywhere the Sentry may but on @avoid (if that leaves any). */
static void ptrace_pool_place(const struct ptrace_platform *pp, int avoid)
{
	cpu_set_t set = pp->cpus;

	if (!CPU_COUNT(&set))
		return;
	if (avoid >= 0 && CPU_ISSET(avoid, &set) && CPU_COUNT(&set) > 1)
		CPU_CLR(avoid, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *ptrace_pool_main(void *arg)
{
	struct ptrace_pool *pool = arg;
	struct ptrace_as *as;
	int err;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->stop && pool->nready == PTRACE_POOL_SIZE)
			pthread_cond_wait(&pool->cond, &pool->lock);
		if (pool->stop)
			break;
		ptrace_pool_place(pool->pp, pool->avoid_cpu);
		pthread_mutex_unlock(&pool->lock);
		err = ptrace_pool_make(pool->pp, &as);
		pthread_mutex_lock(&pool->lock);
		if (err) {
			/* The template is gone, or the host refuses: as_new makes its own
			 * and reports the error to its caller. */
			pool->failed = true;
			break;
		}
		pool->ready[pool->nready++] = as;
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* The platform's pool, made and started by the first caller; NULL without memory. */
static struct ptrace_pool *ptrace_pool_get(struct ptrace_platform *pp)
{
	struct ptrace_pool *pool = __atomic_load_n(&pp->pool, __ATOMIC_ACQUIRE);

	if (pool)
		return pool;
	pthread_mutex_lock(&pp->pool_lock);
	pool = pp->pool;
	if (!pool) {
		pool = calloc(1, sizeof(*pool));
		if (!pool)
			goto out;
		pool->pp = pp;
		pool->avoid_cpu = -1;
		pthread_mutex_init(&pool->lock, NULL);
		pthread_cond_init(&pool->cond, NULL);
		pool->started = !pthread_create(&pool->thread, NULL, ptrace_pool_main, pool);
		pool->failed = !pool->started;
		__atomic_store_n(&pp->pool, pool, __ATOMIC_RELEASE);
	}
out:
	pthread_mutex_unlock(&pp->pool_lock);
	return pool;
}

static bool ptrace_pool_enabled(void)
{
	static int on = -1;

	if (on < 0) {
		const char *v = getenv("SBX_STUB_POOL");

		on = v && !strcmp(v, "1");
	}
	return on;
}

/* Hands ready stub @as over to the calling thread, on CPU @cpu. */
static int ptrace_pool_hand_over(struct ptrace_as *as, int cpu, struct ptrace_as **out)
{
	/* Moved while asleep: the interrupt below wakes them here, next to us. */
	if (cpu >= 0) {
		if (as->threads)
			ptrace_pin_to_cpu(as->threads->tid, cpu);
		ptrace_pin_to_cpu(as->pid, cpu);
	}
	if (as->threads && ptrace_thread_take(as->threads)) {
		ptrace_as_destroy((struct plat_as *)as);
		return -EAGAIN;
	}
	*out = as;
	return 0;
}

/*
 * A ready stub for the calling thread: its first thread taken (traced by the caller,
 * stopped, reserved for the caller's ctx_new, through which the caller maps the
 * address space meanwhile), it and the spawner moved to the caller's CPU. -EAGAIN
 * when none is ready: the caller makes one itself. The spare first; asks the
 * pool, if there is one, for another either way.
 */
int ptrace_pool_take(struct ptrace_platform *pp, struct ptrace_as **out)
{
	struct ptrace_pool *pool;
	struct ptrace_as *as = NULL;
	int cpu = sched_getcpu();

	if (__atomic_load_n(&pp->spare, __ATOMIC_ACQUIRE))
		as = __atomic_exchange_n(&pp->spare, NULL, __ATOMIC_ACQ_REL);
	if (as)
		return ptrace_pool_hand_over(as, cpu, out);
	pool = ptrace_pool_enabled() ? ptrace_pool_get(pp) : NULL;
	if (!pool)
		return -EAGAIN;
	pthread_mutex_lock(&pool->lock);
	if (pool->nready) {
		as = pool->ready[0];
		pool->nready--;
		memmove(&pool->ready[0], &pool->ready[1], pool->nready * sizeof(as));
	}
	pool->avoid_cpu = cpu;
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	if (!as)
		return -EAGAIN;
	return ptrace_pool_hand_over(as, cpu, out);
}

/* plat_as_premake: the spare, made on the calling thread unless there is one. */
int ptrace_as_premake(struct platform *p)
{
	struct ptrace_platform *pp = to_ptrace_platform(p);
	struct ptrace_as *as;
	int err;

	if (__atomic_load_n(&pp->spare, __ATOMIC_ACQUIRE))
		return 0;
	err = ptrace_pool_make(pp, &as);
	if (err)
		return err;
	as = __atomic_exchange_n(&pp->spare, as, __ATOMIC_ACQ_REL);
	if (as)         /* another thread's spare came first */
		ptrace_as_destroy((struct plat_as *)as);
	return 0;
}

/* Stops the pool thread and kills the stubs it holds, and the spare. Before the
 * template goes. */
void ptrace_pool_destroy(struct ptrace_platform *pp)
{
	struct ptrace_pool *pool = pp->pool;

	if (pp->spare) {
		ptrace_as_destroy((struct plat_as *)pp->spare);
		pp->spare = NULL;
	}
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	if (pool->started)
		pthread_join(pool->thread, NULL);
	while (pool->nready)
		ptrace_as_destroy((struct plat_as *)pool->ready[--pool->nready]);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
	pp->pool = NULL;
}
