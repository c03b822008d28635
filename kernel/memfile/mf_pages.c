/*
 * The pages of an in-memory file (see struct mf_pages): a sorted array of runs, each a
 * span of file pages backed by one memory-file range. Writes and faults fill holes with
 * new runs, extending the run before them in place when the memory file allows, so a
 * file written front to back stays a few runs; truncate and hole punching split runs
 * and free (or hold) their pages. After Linux's mm/shmem.c (the page cache as the
 * file's only copy) and gVisor's fsimpl/tmpfs regularFile (a file-offset to
 * memory-file range map).
 *
 * The same map is the page cache of a read-only file (a lower file of the overlay):
 * then its pages are read from the file when first mapped (mf_pages_fill_locked), as
 * gVisor's gofer client caches file pages in its memory file and Linux's page cache
 * does, and every mapping of the file in every process shares them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "memfile/memfile.h"

int mf_pages_new(struct memfile *mf, struct mf_pages **out)
{
	struct mf_pages *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	ref_init(&p->ref);
	p->mf = mf;
	p->src_fd = -1;
	p->wb_fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return 0;
}

int mf_pages_new_cache(struct memfile *mf, int fd, u64 size, struct mf_pages **out)
{
	int err = mf_pages_new(mf, out);

	if (err) {
		close(fd);
		return err;
	}
	(*out)->cache = true;
	(*out)->src_fd = fd;
	(*out)->size = size;
	return 0;
}

/* Stores @fd in @slot (one of @p's descriptors) unless it has one; consumes @fd. */
static void set_fd(struct mf_pages *p, int *slot, int fd)
{
	pthread_mutex_lock(&p->lock);
	if (*slot < 0) {
		*slot = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&p->lock);
	if (fd >= 0)
		close(fd);
}

void mf_pages_set_src(struct mf_pages *p, int fd)
{
	set_fd(p, &p->src_fd, fd);
}

void mf_pages_set_wb(struct mf_pages *p, int fd)
{
	set_fd(p, &p->wb_fd, fd);
}

struct wb_ctx {
	struct mf_pages *p;
	u8 *buf;
	size_t cap;
};

/* Writes present file pages [pg, pg+n) at memory-file offset @off back to the file. */
static int write_run(void *arg, u64 pg, u64 n, u64 off)
{
	struct wb_ctx *c = arg;
	u64 pos = pg * PAGE_SIZE, end = MIN(pos + n * PAGE_SIZE, c->p->size);

	while (pos < end) {
		size_t k = MIN(end - pos, c->cap);
		ssize_t w;

		memfile_read(c->p->mf, c->buf, k, off);
		do
			w = pwrite(c->p->wb_fd, c->buf, k, pos);
		while (w < 0 && errno == EINTR);
		if (w != (ssize_t)k)
			return -EIO;
		pos += k;
		off += k;
	}
	return 0;
}

int mf_pages_writeback(struct mf_pages *p)
{
	struct wb_ctx c = { .p = p, .cap = 64 << 10 };
	int err;

	if (!p->rw)
		return 0;
	c.buf = malloc(c.cap);
	if (!c.buf)
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	if (p->wb_fd < 0)
		err = p->writers ? -EIO : 0;   /* else nothing can have written */
	else
		err = mf_pages_walk_locked(p, 0, PAGE_ALIGN(p->size) / PAGE_SIZE, write_run, &c);
	pthread_mutex_unlock(&p->lock);
	free(c.buf);
	return err;
}

void mf_pages_set_name(struct mf_pages *p, const char *name)
{
	char *n;

	pthread_mutex_lock(&p->lock);
	if (p->name && !strcmp(p->name, name)) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
	n = strdup(name);
	if (n) {                /* without memory the old name stays: only a label */
		free(p->name);
		p->name = n;
	}
	pthread_mutex_unlock(&p->lock);
}

void mf_pages_name(struct mf_pages *p, char *buf, size_t len)
{
	pthread_mutex_lock(&p->lock);
	snprintf(buf, len, "%s", p->name ? p->name : "");
	pthread_mutex_unlock(&p->lock);
}

void mf_pages_put(struct mf_pages *p)
{
	if (!p || !ref_put(&p->ref))
		return;
	for (u32 i = 0; i < p->nruns; i++)
		memfile_free(p->mf, p->runs[i].off, p->runs[i].npages * PAGE_SIZE);
	if (p->src_fd >= 0)
		close(p->src_fd);
	if (p->wb_fd >= 0)
		close(p->wb_fd);
	free(p->runs);
	free(p->name);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Index of the first run ending after page @pg. */
static u32 run_after(struct mf_pages *p, u64 pg)
{
	u32 lo = 0, hi = p->nruns;

	while (lo < hi) {
		u32 mid = (lo + hi) / 2;

		if (p->runs[mid].pgoff + p->runs[mid].npages <= pg)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int reserve(struct mf_pages *p, u32 n)
{
	struct mf_run *r;
	u32 cap;

	if (p->nruns + n <= p->cap)
		return 0;
	cap = MAX(p->cap * 2, p->nruns + n + 8);
	r = realloc(p->runs, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	p->runs = r;
	p->cap = cap;
	return 0;
}

static void insert_at(struct mf_pages *p, u32 i, const struct mf_run *r)
{
	memmove(&p->runs[i + 1], &p->runs[i], (p->nruns - i) * sizeof(*r));
	p->runs[i] = *r;
	p->nruns++;
}

static void remove_at(struct mf_pages *p, u32 i)
{
	memmove(&p->runs[i], &p->runs[i + 1], (p->nruns - i - 1) * sizeof(p->runs[0]));
	p->nruns--;
}

/* Splits the run holding page @pg so that a run starts at @pg; room reserved. */
static void split_at(struct mf_pages *p, u64 pg)
{
	u32 i = run_after(p, pg);
	struct mf_run *r = &p->runs[i], tail;

	if (i == p->nruns || r->pgoff >= pg)
		return;
	tail = *r;
	tail.pgoff = pg;
	tail.npages = r->pgoff + r->npages - pg;
	tail.off = r->off + (pg - r->pgoff) * PAGE_SIZE;
	r->npages = pg - r->pgoff;
	insert_at(p, i + 1, &tail);
}

/* Zeroes a range's host pages and gives their memory back to the host. */
static void punch(struct mf_pages *p, u64 off, u64 len)
{
	memfile_await(p->mf, off, len);
	fallocate(p->mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
}

/* Fills part of the hole [pg, pg+n) before runs[i] with new pages: extends the run
 * before it in place if it can, else allocates as large a range as the memory file
 * gives. Freed memory-file ranges are punched, so new pages read as zeros. Returns
 * the pages filled from pg, or -ENOSPC. */
static s64 fill(struct mf_pages *p, u32 i, u64 pg, u64 n)
{
	struct mf_run *prev = i ? &p->runs[i - 1] : NULL;
	struct mf_run r = { .pgoff = pg };
	u64 c;

	if (prev && !prev->held && prev->pgoff + prev->npages == pg &&
	    !memfile_extend(p->mf, prev->off, prev->npages * PAGE_SIZE,
			    (prev->npages + n) * PAGE_SIZE)) {
		prev->npages += n;
		p->npresent += n;
		return n;
	}
	if (reserve(p, 1))
		return -ENOSPC;
	/* A fragmented memory file may have no one range this large: halve. */
	for (c = n; c; c /= 2)
		if (!memfile_alloc(p->mf, c * PAGE_SIZE, &r.off))
			break;
	if (!c)
		return -ENOSPC;
	r.npages = c;
	insert_at(p, i, &r);
	p->npresent += c;
	return c;
}

s64 mf_pages_alloc_locked(struct mf_pages *p, u64 pgoff, u64 n)
{
	u64 pg = pgoff, end = pgoff + n;

	while (pg < end) {
		u32 i = run_after(p, pg);
		struct mf_run *r = &p->runs[i];
		s64 got;

		if (i < p->nruns && r->pgoff <= pg) {
			u64 e = MIN(end, r->pgoff + r->npages);

			if (r->held) {
				/* Present again, and zero whatever a stale mapping wrote. */
				if (reserve(p, 2))
					break;
				split_at(p, pg);
				split_at(p, e);
				r = &p->runs[run_after(p, pg)];
				r->held = false;
				punch(p, r->off, r->npages * PAGE_SIZE);
				p->npresent += r->npages;
			}
			pg = e;
			continue;
		}
		got = fill(p, i, pg, (i < p->nruns ? MIN(end, r->pgoff) : end) - pg);
		if (got < 0)
			break;
		pg += got;
	}
	return pg > pgoff ? (s64)(pg - pgoff) : -ENOSPC;
}

static void release_locked(struct mf_pages *p, u64 pgoff, u64 n);

/* Reads file pages [pg, pg+n), just made present, from the cache's file. */
static int read_run(void *arg, u64 pg, u64 n, u64 off)
{
	struct mf_pages *p = arg;
	u64 pos = pg * PAGE_SIZE, len = MIN(n * PAGE_SIZE, p->size - pos);

	/* shorter than it was: the rest reads as zeros */
	return memfile_fill(p->mf, off, p->src_fd, pos, len) < 0 ? -EIO : 0;
}

int mf_pages_fill_locked(struct mf_pages *p, u64 pgoff, u64 n)
{
	u64 end = MIN(pgoff + n, PAGE_ALIGN(p->size) / PAGE_SIZE), pg = pgoff;

	BUG_ON(!p->cache);
	while (pg < end) {
		u32 i = run_after(p, pg);
		u64 hole_end = end;
		s64 got;
		int err;

		if (i < p->nruns && p->runs[i].pgoff <= pg) {
			if (!p->runs[i].held) {
				pg = p->runs[i].pgoff + p->runs[i].npages;
				continue;
			}
			hole_end = MIN(end, p->runs[i].pgoff + p->runs[i].npages);
		} else if (i < p->nruns) {
			hole_end = MIN(end, p->runs[i].pgoff);
		}
		if (p->src_fd < 0)
			return -EIO;
		got = mf_pages_alloc_locked(p, pg, hole_end - pg);
		if (got < 0)
			return -ENOMEM;
		err = mf_pages_walk_locked(p, pg, got, read_run, p);
		if (err) {
			/* Not cached: the next access tries the file again. */
			release_locked(p, pg, got);
			return err;
		}
		pg += got;
		if (pg < hole_end)
			return -ENOMEM;
	}
	return 0;
}

/* mf_pages_release with the lock held. */
static void release_locked(struct mf_pages *p, u64 pgoff, u64 n)
{
	u64 end = pgoff + n;
	u32 i;

	if (!n)
		return;
	if (reserve(p, 2)) {
		/* Cannot split: zero the pages instead, which reads the same. */
		for (i = run_after(p, pgoff); i < p->nruns && p->runs[i].pgoff < end; i++) {
			struct mf_run *r = &p->runs[i];
			u64 a = MAX(pgoff, r->pgoff), e = MIN(end, r->pgoff + r->npages);

			punch(p, r->off + (a - r->pgoff) * PAGE_SIZE, (e - a) * PAGE_SIZE);
		}
		return;
	}
	split_at(p, pgoff);
	split_at(p, end);
	i = run_after(p, pgoff);
	while (i < p->nruns && p->runs[i].pgoff < end) {
		struct mf_run *r = &p->runs[i];

		if (!r->held)
			p->npresent -= r->npages;
		if (p->maps) {
			if (!r->held)
				punch(p, r->off, r->npages * PAGE_SIZE);
			r->held = true;
			i++;
			continue;
		}
		memfile_free(p->mf, r->off, r->npages * PAGE_SIZE);
		remove_at(p, i);
	}
}

void mf_pages_release(struct mf_pages *p, u64 pgoff, u64 n)
{
	pthread_mutex_lock(&p->lock);
	release_locked(p, pgoff, n);
	pthread_mutex_unlock(&p->lock);
}

void mf_pages_map(struct mf_pages *p, bool writer)
{
	mf_pages_get(p);
	pthread_mutex_lock(&p->lock);
	p->maps++;
	p->writers += writer;
	pthread_mutex_unlock(&p->lock);
}

void mf_pages_unmap(struct mf_pages *p, bool writer)
{
	/* A piece that may have written a file's page cache: the file gets the pages
	 * now (Linux would write them later; here nothing tracks them after this).
	 * A failure has no one to report to, as with Linux's writeback of a mapping
	 * that is gone. */
	if (writer && p->rw && mf_pages_writeback(p))
		warn("writing a shared mapping back to its volume file failed");
	pthread_mutex_lock(&p->lock);
	BUG_ON(!p->maps || (writer && !p->writers));
	p->maps--;
	p->writers -= writer;
	if (!p->maps) {
		for (u32 i = 0; i < p->nruns;) {
			if (!p->runs[i].held) {
				i++;
				continue;
			}
			memfile_free(p->mf, p->runs[i].off, p->runs[i].npages * PAGE_SIZE);
			remove_at(p, i);
		}
	}
	pthread_mutex_unlock(&p->lock);
	mf_pages_put(p);
}

int mf_pages_walk_locked(struct mf_pages *p, u64 pgoff, u64 n,
			 int (*fn)(void *arg, u64 pgoff, u64 npages, u64 off), void *arg)
{
	u64 end = pgoff + n;

	for (u32 i = run_after(p, pgoff); i < p->nruns && p->runs[i].pgoff < end; i++) {
		struct mf_run *r = &p->runs[i];
		u64 a = MAX(pgoff, r->pgoff), e = MIN(end, r->pgoff + r->npages);
		int err;

		if (r->held)
			continue;
		err = fn(arg, a, e - a, r->off + (a - r->pgoff) * PAGE_SIZE);
		if (err)
			return err;
	}
	return 0;
}

u64 mf_pages_find_locked(struct mf_pages *p, u64 pgoff)
{
	u32 i = run_after(p, pgoff);
	struct mf_run *r = &p->runs[i];

	if (i == p->nruns || r->pgoff > pgoff || r->held)
		return 0;
	return r->off + (pgoff - r->pgoff) * PAGE_SIZE;
}

u64 mf_pages_seek(struct mf_pages *p, u64 pgoff, bool data)
{
	u64 pg = pgoff;

	pthread_mutex_lock(&p->lock);
	for (u32 i = run_after(p, pg); i < p->nruns; i++) {
		struct mf_run *r = &p->runs[i];

		if (r->held)
			continue;
		if (data) {
			pg = MAX(pg, r->pgoff);
			goto out;
		}
		if (r->pgoff > pg)
			goto out;
		pg = r->pgoff + r->npages;
	}
	if (data)
		pg = ~0ULL;
out:
	pthread_mutex_unlock(&p->lock);
	return pg;
}

enum copy_dir { COPY_OUT, COPY_IN, COPY_TO_MF };

/* Copies [pos, pos+len) of the file to @buf (COPY_OUT), from @buf (COPY_IN) or to
 * memory-file offset @dst, which reads as zeros (COPY_TO_MF: holes are skipped). */
static void copy(struct mf_pages *p, u8 *buf, u64 dst, u64 len, u64 pos, enum copy_dir dir)
{
	while (len) {
		u64 pg = pos / PAGE_SIZE, in = pos % PAGE_SIZE, n;
		u32 i = run_after(p, pg);
		struct mf_run *r = &p->runs[i];

		if (i < p->nruns && r->pgoff <= pg && !r->held) {
			u64 off = r->off + (pg - r->pgoff) * PAGE_SIZE + in;

			n = MIN(len, (r->pgoff + r->npages) * PAGE_SIZE - pos);
			memfile_await(p->mf, off, n);
			if (dir == COPY_OUT)
				memfile_read(p->mf, buf, n, off);
			else if (dir == COPY_IN)
				memfile_write(p->mf, buf, n, off);
			else
				memfile_copy(p->mf, dst, off, n);
		} else {
			/* A hole (writes never reach one: their pages are made first). */
			n = len;
			if (i < p->nruns)
				n = MIN(len, (r->pgoff <= pg ? r->pgoff + r->npages : r->pgoff) *
					     PAGE_SIZE - pos);
			if (dir == COPY_OUT)
				memset(buf, 0, n);
		}
		if (buf)
			buf += n;
		dst += n;
		pos += n;
		len -= n;
	}
}

void mf_pages_read_locked(struct mf_pages *p, void *buf, u64 len, u64 pos)
{
	copy(p, buf, 0, len, pos, COPY_OUT);
}

void mf_pages_copy_locked(struct mf_pages *p, u64 dst, u64 len, u64 pos)
{
	copy(p, NULL, dst, len, pos, COPY_TO_MF);
}

void mf_pages_write_locked(struct mf_pages *p, const void *buf, u64 len, u64 pos)
{
	copy(p, (u8 *)buf, 0, len, pos, COPY_IN);
}
