/*
 * select and pselect6 (after Linux's fs/select.c): the fd sets become a poll array
 * for sys_poll_fds, and the poll results become sets again. An fd in a set that is
 * not open fails the call with EBADF; the remaining time is written back to the
 * timeout, as Linux does for both calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "time/ktime.h"
#include "vfs/vfs.h"

/* Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET. */
#define IN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define OUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define EX_SET POLLPRI

static bool bit(const u64 *set, u32 fd)
{
	return set && (set[fd / 64] >> (fd % 64) & 1);
}

/* @sets: in, out, ex (each NULL or nwords long), replaced by the ready ones. */
static long do_select(struct task *t, u32 n, u64 *sets[3], s64 deadline)
{
	static const short want[3] = { IN_SET, OUT_SET, EX_SET };
	struct pollfd *pfd;
	u8 *req;                /* per poll entry: which of the sets asked for the fd */
	u32 nwords = (n + 63) / 64, npfd = 0;
	long ret;

	pfd = calloc(n + 1, sizeof(*pfd));
	req = calloc(n + 1, 1);
	ret = -ENOMEM;
	if (!pfd || !req)
		goto out;
	for (u32 fd = 0; fd < n; fd++) {
		struct vfs_file *f;
		u8 r = 0;
		short ev = 0;

		for (int s = 0; s < 3; s++)
			if (bit(sets[s], fd)) {
				r |= 1 << s;
				ev |= want[s];
			}
		if (!r)
			continue;
		f = fdt_get(t->fdt, fd);
		ret = -EBADF;
		if (!f)
			goto out;
		vfs_file_put(f);
		req[npfd] = r;
		pfd[npfd++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	ret = sys_poll_fds(t, pfd, npfd, deadline);
	if (ret < 0)
		goto out;
	for (int s = 0; s < 3; s++)
		if (sets[s])
			memset(sets[s], 0, nwords * 8);
	ret = 0;
	for (u32 i = 0; i < npfd; i++) {
		u32 fd = pfd[i].fd;

		if (pfd[i].revents & POLLNVAL) {
			ret = -EBADF;   /* closed by another thread meanwhile */
			goto out;
		}
		for (int s = 0; s < 3; s++) {
			if ((req[i] >> s & 1) && (pfd[i].revents & want[s])) {
				sets[s][fd / 64] |= 1ULL << (fd % 64);
				ret++;
			}
		}
	}
out:
	free(req);
	free(pfd);
	return ret;
}

/* The common part: copies the sets in, selects, copies them out. */
static long select_sets(struct task *t, s64 n, const u64 *usets, s64 deadline)
{
	u32 nwords;
	u64 *sets[3] = { NULL, NULL, NULL };
	long ret;

	if (n < 0)
		return -EINVAL;
	pthread_mutex_lock(&t->fdt->lock);
	n = MIN((u64)n, t->fdt->n);     /* Linux clamps n to the fd table's size */
	pthread_mutex_unlock(&t->fdt->lock);
	nwords = (n + 63) / 64;
	for (int i = 0; i < 3; i++) {
		if (!usets[i])
			continue;
		sets[i] = calloc(nwords + 1, 8);
		ret = -ENOMEM;
		if (!sets[i])
			goto out;
		ret = -EFAULT;
		if (mm_copy_in(t->mm, sets[i], usets[i], nwords * 8))
			goto out;
	}
	ret = do_select(t, n, sets, deadline);
	for (int i = 0; i < 3 && ret >= 0; i++)
		if (sets[i] && mm_copy_out(t->mm, usets[i], sets[i], nwords * 8))
			ret = -EFAULT;
out:
	for (int i = 0; i < 3; i++)
		free(sets[i]);
	return ret;
}

/* Time left until @deadline (ktime_mono), at least 0, in ns. */
static s64 time_left(struct task *t, s64 deadline)
{
	s64 left = deadline - ktime_mono(&t->k->time);

	return left > 0 ? left : 0;
}

SYS(select)
{
	const u64 usets[3] = { a[1], a[2], a[3] };
	struct l_timeval tv;
	s64 deadline = -1;
	long ret;

	if (a[4]) {
		if (mm_copy_in(t->mm, &tv, a[4], sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		/* Linux normalises tv_usec >= 1000000 into seconds. */
		deadline = tv.tv_sec || tv.tv_usec ?
			ktime_mono(&t->k->time) + tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000 : 0;
	}
	ret = select_sets(t, (int)a[0], usets, deadline);
	if (a[4] && deadline > 0) {
		s64 left = time_left(t, deadline);

		tv = (struct l_timeval){ left / NSEC_PER_SEC, left % NSEC_PER_SEC / 1000 };
		if (mm_copy_out(t->mm, a[4], &tv, sizeof(tv)) && ret >= 0)
			ret = -EFAULT;
	}
	return ret;
}

SYS(pselect6)
{
	const u64 usets[3] = { a[1], a[2], a[3] };
	struct l_timespec ts;
	struct { u64 set, size; } sig = { 0, 0 };
	s64 deadline = -1;
	u64 old = 0;
	long ret;

	if (a[4]) {
		if (mm_copy_in(t->mm, &ts, a[4], sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		deadline = ts.tv_sec || ts.tv_nsec ?
			ktime_mono(&t->k->time) + ts_to_ns(ts.tv_sec, ts.tv_nsec) : 0;
	}
	if (a[5] && mm_copy_in(t->mm, &sig, a[5], sizeof(sig)))
		return -EFAULT;
	ret = sys_sigmask_swap(t, sig.set, sig.size, &old);
	if (ret)
		return ret;
	ret = select_sets(t, (int)a[0], usets, deadline);
	sys_sigmask_restore(t, sig.set, ret, old);
	if (a[4] && deadline > 0) {
		s64 left = time_left(t, deadline);

		ts = (struct l_timespec){ left / NSEC_PER_SEC, left % NSEC_PER_SEC };
		if (mm_copy_out(t->mm, a[4], &ts, sizeof(ts)) && ret >= 0)
			ret = -EFAULT;
	}
	return ret;
}
