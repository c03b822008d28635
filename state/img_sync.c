/*
 * Flushing the image while it is written. On these VMs the caller's final fsync
 * waited 65-75 ms for a 137 MB image even after sync_file_range had written it out:
 * the device's cache flush is what costs (the host writes its own cache out then),
 * and an O_DIRECT write pays it at the fsync all the same. A thread that calls
 * fdatasync on what was already handed to writeback overlaps those flushes with
 * the compression of what follows, so that the final fsync has only the tail left
 * (1-13 ms in the same test). The image's guarantees do not move: the caller still
 * fsyncs and renames; a file that cannot be synced (a pipe) is simply not synced.
 * A flush that fails fails the image: the caller's descriptor shares our open file,
 * and Linux reports a writeback error once per open file, so its own fsync would
 * not see the error this thread was told of.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "img_int.h"

/* Less than this since the last flush is left for the next one: each flush is a
 * journal commit and a device cache flush, a few ms even for a little data. */
#define IMG_SYNC_STEP (16u << 20)

struct img_syncer {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;
	uint64_t want;                  /* writeback started up to here: flush it */
	uint64_t done;                  /* flushed up to here (or being flushed) */
	bool stop;
	int err;                        /* a flush that failed: -errno */
};

static void *syncer(void *arg)
{
	struct img_syncer *s = arg;
	int err;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		uint64_t upto;

		while (!s->stop && s->want - s->done < IMG_SYNC_STEP)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop)
			break;
		upto = s->want;
		s->done = upto;
		pthread_mutex_unlock(&s->mu);
		do
			err = fdatasync(s->fd) ? -errno : 0;
		while (err == -EINTR);
		pthread_mutex_lock(&s->mu);
		/* EINVAL and EROFS: a file that does not sync, left to the caller; any
		 * other error is the image's. */
		if (err && err != -EINVAL && err != -EROFS)
			s->err = err;
		if (err)
			break;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

void img_sync_start(struct img_writer *w)
{
	struct img_syncer *s;

	if (w->no_kick || w->sync)
		return;
	s = calloc(1, sizeof(*s));
	if (!s)
		return;
	s->fd = w->fd;
	s->want = s->done = w->kicked;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->tid, NULL, syncer, s)) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return;
	}
	w->sync = s;
}

void img_sync_kicked(struct img_writer *w)
{
	struct img_syncer *s = w->sync;

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->want = w->kicked;
	if (s->want - s->done >= IMG_SYNC_STEP)
		pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int img_sync_stop(struct img_writer *w)
{
	struct img_syncer *s = w->sync;
	int err;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->tid, NULL);
	err = s->err;
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	w->sync = NULL;
	return err;
}
