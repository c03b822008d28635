/*
 * Bulk copies into, out of and within the memory file through the kernel.
 *
 * The Sentry keeps the whole memory file mapped, and a memcpy through that mapping
 * is the obvious copy. On these PVM guests it is the dearest one: the guest's page
 * tables are shadowed by the outer hypervisor, so the first touch of each page
 * through a mapping — the Sentry's, whatever the stubs have touched — is a fault
 * the guest never sees, 12-20 us per 4 KiB page. pwrite, pread and copy_file_range
 * on the memfd copy through the kernel's direct map instead: a 132 KiB copy-on-write
 * copy took 812 us by memcpy into fresh pages and 33 us by copy_file_range; filling
 * 6.7 MB of page cache from a host file took 28 ms by pread into the mapping and 3.3
 * ms by pread into a warm buffer and pwrite (both measured here, natively).
 *
 * Short copies (syscall arguments, a struct, a path) stay on the mapping, which they
 * keep warm; a syscall costs about 1 us here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memfile/memfile.h"

/* Moves what it can of [off, off+len) between the memory file and @p with pread or
 * pwrite; the bytes moved. A short tail, or what a host error left, is the caller's. */
static u64 syscall_io(struct memfile *mf, u8 *p, u64 len, u64 off, bool write)
{
	u64 done = 0;

	while (len - done >= MEMFILE_IO_MIN) {
		ssize_t n = write ? pwrite(mf->fd, p + done, len - done, off + done)
				  : pread(mf->fd, p + done, len - done, off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	return done;
}

void memfile_read(struct memfile *mf, void *buf, u64 len, u64 off)
{
	u64 done = syscall_io(mf, buf, len, off, false);

	memcpy((u8 *)buf + done, memfile_ptr(mf, off + done), len - done);
}

void memfile_write(struct memfile *mf, const void *buf, u64 len, u64 off)
{
	u64 done = syscall_io(mf, (u8 *)buf, len, off, true);

	memcpy(memfile_ptr(mf, off + done), (const u8 *)buf + done, len - done);
}

/* Copies [src, src+len) to @dst, both of the memory file, all of it. */
static void copy_all(struct memfile *mf, u64 dst, u64 src, u64 len)
{
	while (len >= MEMFILE_IO_MIN) {
		loff_t in = src, out = dst;
		ssize_t n = copy_file_range(mf->fd, &in, mf->fd, &out, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		src += n;
		dst += n;
		len -= n;
	}
	if (len)
		memfile_write(mf, memfile_ptr(mf, src), len, dst);
}

bool memfile_next_data(struct memfile *mf, u64 off, u64 end, u64 *d, u64 *h)
{
	off_t data = lseek(mf->fd, off, SEEK_DATA), hole;

	if (data < 0 && errno != ENXIO)
		return false;
	if (data < 0 || (u64)data >= end) {
		*d = *h = end;
		return true;
	}
	hole = lseek(mf->fd, data, SEEK_HOLE);
	if (hole < 0)
		return false;
	*d = MAX((u64)data, off);
	*h = MIN((u64)hole, end);
	return true;
}

/* Makes [off, off+len) read as zeros: written over where the file holds pages (a
 * hole reads as zeros already). Written, not punched: a punch zaps the Sentry's
 * mapping of the pages and flushes every CPU's TLB, dearer here than the write. */
static void zero_range(struct memfile *mf, u64 off, u64 len)
{
	static const u8 zeros[64 << 10];
	u64 end = off + len, d, h;

	while (off < end) {
		if (!memfile_next_data(mf, off, end, &d, &h))
			d = off, h = end;
		if (d >= end)
			return;
		for (off = d; off < h;) {
			ssize_t n = pwrite(mf->fd, zeros, MIN(h - off, sizeof(zeros)), off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				memset(memfile_ptr(mf, off), 0, h - off);
				off = h;
				break;
			}
			off += n;
		}
	}
}

/*
 * Only what the source holds is copied: the pages of a range never written (or
 * punched) are holes in the memfd and read as zeros, so the destination gets zeros
 * there instead, which costs nothing where it is a hole too. A fork's copies are
 * mostly such holes (a 132 KiB stack with two pages touched) and copy_file_range
 * copies a hole as a page of zeros, allocating it.
 */
void memfile_copy(struct memfile *mf, u64 dst, u64 src, u64 len)
{
	u64 pos = src, end = src + len, d, h;

	memfile_await(mf, src, len);
	while (pos < end) {
		if (!memfile_next_data(mf, pos, end, &d, &h)) {
			copy_all(mf, dst + (pos - src), pos, end - pos);
			return;
		}
		if (d > pos)
			zero_range(mf, dst + (pos - src), d - pos);
		if (d < end)
			copy_all(mf, dst + (d - src), d, h - d);
		pos = h;
	}
}

/*
 * Bounce buffers for memfile_fill, kept warm between calls: a fresh buffer would
 * cost the same first touches the bounce avoids. As many as fills ever ran at once
 * (one per CPU, in practice).
 */
#define BOUNCE_LEN (256U << 10)
#define BOUNCE_KEEP 4

static pthread_mutex_t bounce_lock = PTHREAD_MUTEX_INITIALIZER;
static void *bounce_free[BOUNCE_KEEP];
static unsigned bounce_n;

static void *bounce_get(void)
{
	void *b = NULL;

	pthread_mutex_lock(&bounce_lock);
	if (bounce_n)
		b = bounce_free[--bounce_n];
	pthread_mutex_unlock(&bounce_lock);
	return b ? b : malloc(BOUNCE_LEN);
}

static void bounce_put(void *b)
{
	pthread_mutex_lock(&bounce_lock);
	if (bounce_n < BOUNCE_KEEP) {
		bounce_free[bounce_n++] = b;
		b = NULL;
	}
	pthread_mutex_unlock(&bounce_lock);
	free(b);
}

s64 memfile_fill(struct memfile *mf, u64 off, int fd, u64 pos, u64 len)
{
	u8 *b = bounce_get();
	u64 done = 0;

	if (!b)
		return -EIO;
	while (done < len) {
		ssize_t n = pread(fd, b, MIN(len - done, BOUNCE_LEN), pos + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			bounce_put(b);
			return -EIO;
		}
		if (!n)
			break;
		memfile_write(mf, b, n, off + done);
		done += n;
	}
	bounce_put(b);
	return done;
}
