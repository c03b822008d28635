/*
 * File mappings: a VMA that maps an mf_pages (an in-memory file's own pages in the
 * memory file, or a read-only file's page cache there) rather than a range of its
 * own, so every process that maps the file, fork's children included, and
 * read()/write() all touch the same pages. A private mapping maps them read-only
 * until its first write copies its piece (mm_cow.c). The platform maps the pages
 * present when the mapping is made; a touch of a hole faults here, which makes the
 * page (inside the file: zeroed, or read from the cached file) or raises SIGBUS
 * (past its end), as Linux's shmem_fault and filemap_fault. After Linux's mm/shmem.c and mm/memory.c
 * (do_shared_fault) and gVisor's mm/pma.go.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "memfile/memfile.h"
#include "mm/mm_internal.h"
#include "platform.h"

/* The address space the calling thread runs (mm_ctx_new), for mm_unmap_pages_self:
 * only a thread running in an address space may change its platform mappings. */
static __thread struct mm *self_mm;
/* The last file page this thread faulted in: a second fault on it finds it mapped,
 * so it was a real violation (ptrace does not say whether a fault was a write). */
static __thread u64 last_fault;

/*
 * A file that shrank in one process must stop being mapped past its new end in
 * every other one (Linux's unmap_mapping_range at truncate), but only a thread
 * running an address space may change its platform mappings. So a shrink bumps
 * mm_shrink_gen, and every thread compares it with the last it saw (mm_shrink_seen)
 * as it leaves a syscall: on a change it unmaps what its address space maps of any file
 * past that file's end, and the next touch there faults into SIGBUS. A process that
 * makes no syscall meanwhile sees the truncate at its next one.
 */
u64 mm_shrink_gen;
__thread u64 mm_shrink_seen;

void mm_set_self(struct mm *mm)
{
	self_mm = mm;
	last_fault = 0;
	mm_shrink_seen = __atomic_load_n(&mm_shrink_gen, __ATOMIC_ACQUIRE);
}

void mm_clear_self(struct mm *mm)
{
	if (self_mm == mm)
		self_mm = NULL;
}

struct map_ctx {
	struct mm *mm;
	const struct vma *v;
	int prot;
};

static int map_run(void *arg, u64 pgoff, u64 npages, u64 off)
{
	struct map_ctx *c = arg;
	u64 addr = c->v->start + (pgoff - c->v->pgoff) * PAGE_SIZE;

	/* A lazy restore's pages must be in before the application can touch them. */
	memfile_await(c->mm->mf, off, npages * PAGE_SIZE);
	return mm_as_map(c->mm, addr, npages * PAGE_SIZE, c->prot, off);
}

int vma_map_pages(struct mm *mm, const struct vma *v, u64 start, u64 end, int prot)
{
	struct map_ctx c = { mm, v, prot };
	int err;

	if (!mm->as || start >= end)
		return 0;
	pthread_mutex_lock(&v->pages->lock);
	err = mf_pages_walk_locked(v->pages, v->pgoff + (start - v->start) / PAGE_SIZE,
				   (end - start) / PAGE_SIZE, map_run, &c);
	pthread_mutex_unlock(&v->pages->lock);
	return err;
}

struct ops_ctx {
	struct mm *mm;
	const struct vma *v;
	struct plat_as_op **ops;
	size_t *n, *cap;
};

static int add_run(void *arg, u64 pgoff, u64 npages, u64 off)
{
	struct ops_ctx *c = arg;

	if (*c->n == *c->cap) {
		size_t cap = *c->cap * 2 + 16;
		struct plat_as_op *ops = realloc(*c->ops, cap * sizeof(*ops));

		if (!ops)
			return -ENOMEM;
		*c->ops = ops;
		*c->cap = cap;
	}
	memfile_await(c->mm->mf, off, npages * PAGE_SIZE);
	(*c->ops)[(*c->n)++] = (struct plat_as_op){
		.kind = PLAT_AS_MAP, .prot = vma_map_prot(c->v), .file_off = off,
		.addr = c->v->start + (pgoff - c->v->pgoff) * PAGE_SIZE,
		.len = npages * PAGE_SIZE,
	};
	return 0;
}

int vma_pages_ops(struct mm *mm, const struct vma *v, struct plat_as_op **ops, size_t *n,
		  size_t *cap)
{
	struct ops_ctx c = { mm, v, ops, n, cap };
	int err;

	pthread_mutex_lock(&v->pages->lock);
	err = mf_pages_walk_locked(v->pages, v->pgoff, (v->end - v->start) / PAGE_SIZE,
				   add_run, &c);
	pthread_mutex_unlock(&v->pages->lock);
	return err;
}

int vma_plat_map(struct mm *mm, const struct vma *v, u64 start, u64 end, int prot)
{
	if (!mm->as)
		return 0;
	if (v->pages)
		return vma_map_pages(mm, v, start, end, prot);
	return mm_as_map(mm, start, end - start, prot,
			   v->off + (start - v->start));
}

/* Pages a fault reads ahead into a page cache: the aligned 64 KiB around it. */
#define FAULT_AHEAD 16

/* The page of @addr, made present unless past the file's end: a zero page of an
 * in-memory file, read from the file into a cache. p->lock held. */
static int page_of(struct vma *v, u64 addr, u64 *off)
{
	struct mf_pages *p = v->pages;
	u64 pg = v->pgoff + (addr - v->start) / PAGE_SIZE;

	if (pg >= PAGE_ALIGN(p->size) / PAGE_SIZE)
		return -EFAULT;
	*off = mf_pages_find_locked(p, pg);
	if (*off)
		return 0;
	if (p->cache) {
		int err = mf_pages_fill_locked(p, ALIGN_DOWN(pg, FAULT_AHEAD), FAULT_AHEAD);

		if (err && !mf_pages_find_locked(p, pg))
			return err;
	} else if (mf_pages_alloc_locked(p, pg, 1) < 0) {
		return -ENOMEM;
	}
	*off = mf_pages_find_locked(p, pg);
	return 0;
}

int vma_file_page(struct mm *mm, struct vma *v, u64 addr, u64 *off)
{
	int err;

	pthread_mutex_lock(&v->pages->lock);
	err = page_of(v, addr, off);
	pthread_mutex_unlock(&v->pages->lock);
	if (!err)
		memfile_await(mm->mf, *off, PAGE_SIZE);
	return err;
}

int vma_file_fault(struct mm *mm, struct vma *v, u64 addr)
{
	u64 page = ALIGN_DOWN(addr, PAGE_SIZE), off;
	bool had;
	int err;

	if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EFAULT;
	pthread_mutex_lock(&v->pages->lock);
	had = mf_pages_find_locked(v->pages, v->pgoff + (page - v->start) / PAGE_SIZE);
	err = page_of(v, addr, &off);
	pthread_mutex_unlock(&v->pages->lock);
	if (err)
		return -EIO;    /* past the end, out of memory, unreadable: SIGBUS */
	if (had && vma_is_cow(v) && (v->prot & PROT_WRITE)) {
		/* A private page that is there and allows the access but a write: this
		 * is the first write (a page mapped in every process as soon as it is
		 * cached, so not a read of a page this one has not mapped yet). */
		err = vma_break_cow(mm, v);
		return !err || err == -ENOMEM || err == -EIO ? err : -EFAULT;
	}
	if (had && last_fault == page + 1) {
		last_fault = 0;
		return -EFAULT;
	}
	last_fault = page + 1;
	memfile_await(mm->mf, off, PAGE_SIZE);
	if (!mm->as)
		return 0;
	return mm_as_map(mm, page, PAGE_SIZE, vma_map_prot(v), off) ?
	       -EFAULT : 0;
}

void mm_unmap_pages_self(struct mf_pages *p, u64 pgoff, u64 n)
{
	struct mm *mm = self_mm;
	u64 end = pgoff + n < pgoff ? ~0ULL : pgoff + n;

	if (!mm)
		return;
	pthread_mutex_lock(&mm->lock);
	for (u32 i = 0; mm->as && i < mm->nvmas; i++) {
		struct vma *v = &mm->vmas[i];
		u64 vend = v->pgoff + (v->end - v->start) / PAGE_SIZE, a, e;

		if (v->pages != p || v->pgoff >= end || vend <= pgoff)
			continue;
		a = v->start + (MAX(pgoff, v->pgoff) - v->pgoff) * PAGE_SIZE;
		e = v->start + (MIN(end, vend) - v->pgoff) * PAGE_SIZE;
		plat_as_unmap(mm->plat, mm->as, a, e - a);
	}
	last_fault = 0;
	pthread_mutex_unlock(&mm->lock);
	/* Every other address space, at its threads' next syscall exit. */
	mm_shrink_seen = __atomic_add_fetch(&mm_shrink_gen, 1, __ATOMIC_RELEASE);
}

void mm_sync_file_maps_slow(struct mm *mm)
{
	u64 gen = __atomic_load_n(&mm_shrink_gen, __ATOMIC_ACQUIRE);

	if (!mm || mm != self_mm)
		return;
	mm_shrink_seen = gen;
	pthread_mutex_lock(&mm->lock);
	for (u32 i = 0; mm->as && i < mm->nvmas; i++) {
		struct vma *v = &mm->vmas[i];
		u64 npages = (v->end - v->start) / PAGE_SIZE, eof;

		if (!v->pages || (v->pages->cache && !v->pages->rw))
			continue;       /* a read-only file's page cache never shrinks */
		pthread_mutex_lock(&v->pages->lock);
		eof = PAGE_ALIGN(v->pages->size) / PAGE_SIZE;
		pthread_mutex_unlock(&v->pages->lock);
		if (v->pgoff + npages <= eof)
			continue;
		eof = MAX(eof, v->pgoff);
		plat_as_unmap(mm->plat, mm->as, v->start + (eof - v->pgoff) * PAGE_SIZE,
			      (v->pgoff + npages - eof) * PAGE_SIZE);
	}
	last_fault = 0;
	pthread_mutex_unlock(&mm->lock);
}
