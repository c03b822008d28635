/*
 * Lazy restore of memory (sbx restore --lazy): the application runs as soon as the
 * kernel objects are back, while the memory file is filled from the image behind it,
 * after gVisor's background page loading. The image's memory section is indexed up
 * front (every chunk header checked, the end section present), then a background
 * thread loads its chunks in file order. Nothing reads or writes a part of the
 * memory file before the chunks covering it are loaded: memfile_await() (memfile.h)
 * loads them on the calling thread, or waits for the thread loading them. The mm
 * calls it before the Sentry copies to or from application memory and before it maps
 * memory into an address space with any access; address spaces built while memory is
 * still pending map it PROT_NONE (mm_gate.c), so the application's first touch of
 * such a range faults into the Sentry, which loads it. A checkpoint first loads
 * everything, so an image taken before loading finished is complete.
 *
 * A chunk found corrupt after the application resumed cannot be reported by the
 * restore command any more: the Sentry reports it on its status descriptor ("error
 * ...", as any failure) and exits, which ends the sandbox.
 *
 * Lock order: mm->lock, then lz->buf_mu (held across a load on a task thread), then
 * lz->mu (never held across a load).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"
#include "checkpoint/lazy.h"
#include "img.h"
#include "memfile/memfile.h"

enum { LZ_PENDING, LZ_LOADING, LZ_DONE };

struct mf_lazy {
	int img_fd;                     /* a dup of the image; closed when all is loaded */
	int mem_fd;                     /* the memory file */
	int status_fd;                  /* where a late error is reported */
	enum img_comp comp;
	struct img_chunk_ref *c;        /* sorted by memory-file offset */
	size_t n;
	u8 *state;                      /* LZ_* per chunk; under mu, read atomically */
	size_t left;                    /* chunks not LZ_DONE; under mu */
	bool done;                      /* every chunk loaded; atomic */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_mutex_t buf_mu;         /* the buffer for loads on other threads */
	void *buf;
	size_t buf_len;
	pthread_t bg;
	cpu_set_t cpus;                 /* where the Sentry may run; for the loader */
	u32 demand;                     /* threads waiting for a range; under mu */
};

/* Ends the Sentry: the sandbox cannot go on with memory it does not have. */
static void __attribute__((noreturn)) lazy_fatal(struct mf_lazy *lz, const char *why)
{
	char line[400];
	int n = snprintf(line, sizeof(line), "error cannot restore: %s (found while loading "
			 "memory after the sandbox resumed)\n", why);

	if (n > 0 && write(lz->status_fd, line, MIN((size_t)n, sizeof(line) - 1)) < 0) {
		/* the monitor will report the exit instead */
	}
	syscall(SYS_exit_group, 125);
	__builtin_unreachable();
}

/* Loads chunk k unless it is loaded; waits if another thread is loading it. The
 * background thread (@bg) first lets every thread that waits for memory go ahead:
 * the application's touches come first, and do not share the CPU with it. */
static void load_chunk(struct mf_lazy *lz, size_t k, void *buf, bool bg)
{
	char why[200];
	int err;

	pthread_mutex_lock(&lz->mu);
	while (bg && lz->demand)
		pthread_cond_wait(&lz->cv, &lz->mu);
	while (lz->state[k] == LZ_LOADING)
		pthread_cond_wait(&lz->cv, &lz->mu);
	if (lz->state[k] == LZ_DONE) {
		pthread_mutex_unlock(&lz->mu);
		return;
	}
	__atomic_store_n(&lz->state[k], LZ_LOADING, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lz->mu);

	err = img_chunk_load(lz->img_fd, &lz->c[k], lz->comp, buf, lz->mem_fd, why,
			     sizeof(why));
	if (err)
		lazy_fatal(lz, why);

	pthread_mutex_lock(&lz->mu);
	__atomic_store_n(&lz->state[k], LZ_DONE, __ATOMIC_RELEASE);
	if (!--lz->left)
		__atomic_store_n(&lz->done, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&lz->cv);
	pthread_mutex_unlock(&lz->mu);
}

/* First chunk that ends after @off. */
static size_t first_chunk(const struct mf_lazy *lz, u64 off)
{
	size_t lo = 0, hi = lz->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lz->c[mid].off + lz->c[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool mf_lazy_pending(struct mf_lazy *lz, u64 off, u64 len)
{
	if (__atomic_load_n(&lz->done, __ATOMIC_ACQUIRE))
		return false;
	for (size_t k = first_chunk(lz, off); k < lz->n && lz->c[k].off < off + len; k++)
		if (__atomic_load_n(&lz->state[k], __ATOMIC_ACQUIRE) != LZ_DONE)
			return true;
	return false;
}

int mf_lazy_await(struct mf_lazy *lz, u64 off, u64 len)
{
	size_t k;

	if (__atomic_load_n(&lz->done, __ATOMIC_ACQUIRE))
		return 0;
	for (k = first_chunk(lz, off); k < lz->n && lz->c[k].off < off + len; k++) {
		if (__atomic_load_n(&lz->state[k], __ATOMIC_ACQUIRE) == LZ_DONE)
			continue;
		pthread_mutex_lock(&lz->mu);
		lz->demand++;
		pthread_mutex_unlock(&lz->mu);
		pthread_mutex_lock(&lz->buf_mu);
		if (lz->buf_len < img_chunk_buf_size(&lz->c[k])) {
			void *b = img_buf_alloc(img_chunk_buf_size(&lz->c[k]));

			if (!b)
				lazy_fatal(lz, "out of memory");
			img_buf_free(lz->buf, lz->buf_len);
			lz->buf = b;
			lz->buf_len = img_chunk_buf_size(&lz->c[k]);
		}
		load_chunk(lz, k, lz->buf, false);
		pthread_mutex_unlock(&lz->buf_mu);
		pthread_mutex_lock(&lz->mu);
		if (!--lz->demand)
			pthread_cond_broadcast(&lz->cv);
		pthread_mutex_unlock(&lz->mu);
	}
	return 0;
}

static void *background(void *arg)
{
	struct mf_lazy *lz = arg;
	size_t cap = 0;
	void *buf = NULL;
	sigset_t all;

	/* Started by a task thread: not on its CPU only, and not for its signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (CPU_COUNT(&lz->cpus))
		sched_setaffinity(0, sizeof(lz->cpus), &lz->cpus);

	for (size_t k = 0; k < lz->n; k++) {
		if (__atomic_load_n(&lz->state[k], __ATOMIC_ACQUIRE) == LZ_DONE)
			continue;
		if (cap < img_chunk_buf_size(&lz->c[k])) {
			img_buf_free(buf, cap);
			cap = img_chunk_buf_size(&lz->c[k]);
			buf = img_buf_alloc(cap);
			if (!buf)
				lazy_fatal(lz, "out of memory");
		}
		load_chunk(lz, k, buf, true);
	}
	img_buf_free(buf, cap);
	/* Every chunk is done, so no load is in progress on another thread. */
	close(lz->img_fd);
	cr_mark("sentry: background memory load done");
	return NULL;
}

void lazy_start(struct memfile *mf)
{
	struct mf_lazy *lz = mf->lazy;

	if (!lz)
		return;
	/* Without a thread, the tasks load what they touch and a checkpoint the rest. */
	if (pthread_create(&lz->bg, NULL, background, lz))
		return;
}

int lazy_restore_mem(struct img_reader *r, int img_fd, struct memfile *mf, int status_fd,
		     struct ckpt_stats *st, char *why, size_t whylen)
{
	struct mf_lazy *lz = calloc(1, sizeof(*lz));
	int err;

	if (!lz)
		return -ENOMEM;
	err = img_mem_index(r, &lz->c, &lz->n, &lz->comp);
	if (err) {
		snprintf(why, whylen, "%s", img_reader_error(r));
		free(lz);
		return err;
	}
	for (size_t k = 0; k < lz->n; k++) {
		if (lz->c[k].off + lz->c[k].len > mf->size) {
			snprintf(why, whylen, "image memory does not fit the destination");
			err = -EINVAL;
			goto out_free;
		}
		st->mem_bytes += lz->c[k].raw_len;
		st->zero_pages += (lz->c[k].len - lz->c[k].raw_len) / PAGE_SIZE;
	}
	lz->state = calloc(lz->n + 1, 1);
	lz->img_fd = fcntl(img_fd, F_DUPFD_CLOEXEC, 0);
	if (!lz->state || lz->img_fd < 0) {
		snprintf(why, whylen, "cannot keep the image open: %s", strerror(errno));
		err = -ENOMEM;
		goto out_free;
	}
	lz->mem_fd = mf->fd;
	lz->status_fd = status_fd;
	if (sched_getaffinity(0, sizeof(lz->cpus), &lz->cpus))
		CPU_ZERO(&lz->cpus);
	lz->left = lz->n;
	lz->done = !lz->n;
	pthread_mutex_init(&lz->mu, NULL);
	pthread_cond_init(&lz->cv, NULL);
	pthread_mutex_init(&lz->buf_mu, NULL);
	if (!lz->n) {
		err = 0;        /* nothing to load; mf->lazy stays NULL */
		goto out_free;
	}
	__atomic_store_n(&mf->lazy, lz, __ATOMIC_RELEASE);
	return 0;
out_free:
	if (lz->img_fd > 0)
		close(lz->img_fd);
	free(lz->state);
	free(lz->c);
	free(lz);
	return err;
}
