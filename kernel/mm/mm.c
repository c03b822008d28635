/*
 * Address-space operations: mmap of anonymous memory, munmap, mprotect, mremap,
 * madvise, brk, and stack growth on faults. Argument checks follow Linux's
 * mm/mmap.c, mm/mprotect.c and mm/mremap.c so applications see the same errnos.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/log.h"
#include "memfile/memfile.h"
#include "mm/mm_internal.h"
#include "platform.h"

#define STACK_GUARD_GAP (256 * PAGE_SIZE)

int mm_new(struct memfile *mf, struct platform *plat, struct mm **out)
{
	struct mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return -ENOMEM;
	mm->mf = mf;
	mm->plat = plat;
	mm->max_addr = plat->max_user_addr;
	ref_init(&mm->ref);
	mm->as_limit = 0;
	pthread_mutex_init(&mm->lock, NULL);
	*out = mm;
	return 0;
}

void mm_set_as_limit(struct mm *mm, u64 limit)
{
	pthread_mutex_lock(&mm->lock);
	mm->as_limit = limit == ~0ULL ? 0 : limit ? limit : 1;
	pthread_mutex_unlock(&mm->lock);
}

u64 mm_vm_bytes_locked(struct mm *mm, u32 flags)
{
	u64 n = 0;

	for (u32 i = 0; i < mm->nvmas; i++)
		if ((mm->vmas[i].flags & flags) == flags)
			n += mm->vmas[i].end - mm->vmas[i].start;
	return n;
}

static u64 total_vm_locked(struct mm *mm)
{
	return mm_vm_bytes_locked(mm, 0);
}

u64 mm_vm_bytes(struct mm *mm, u32 flags)
{
	u64 n;

	pthread_mutex_lock(&mm->lock);
	n = mm_vm_bytes_locked(mm, flags);
	pthread_mutex_unlock(&mm->lock);
	return n;
}

u64 mm_total_vm(struct mm *mm)
{
	return mm_vm_bytes(mm, 0);
}

bool mm_may_expand(struct mm *mm, u64 start, u64 len)
{
	u64 total, end = start + len, limit = mm->as_limit / PAGE_SIZE;

	if (!mm->as_limit)
		return true;
	total = total_vm_locked(mm);
	for (u32 i = vma_index_after(mm, start); i < mm->nvmas && mm->vmas[i].start < end; i++)
		total -= MIN(mm->vmas[i].end, end) - MAX(mm->vmas[i].start, start);
	/* In pages, as Linux compares: a limit below a page allows nothing. */
	return total / PAGE_SIZE + len / PAGE_SIZE <= limit;
}

/* Appends to @ops (@n of @cap, grown as needed) what maps every VMA of @mm into a
 * platform address space: one batch, on ptrace one round trip through the stub
 * instead of one per VMA (or per run of a file's pages, which are never gated:
 * they are awaited as they are added). */
static int mm_as_ops(struct mm *mm, struct plat_as_op **ops, size_t *n, size_t *cap)
{
	int err = 0;

	for (u32 i = 0; i < mm->nvmas && !err; i++) {
		struct vma *v = &mm->vmas[i];

		if (v->pages) {
			err = vma_pages_ops(mm, v, ops, n, cap);
			continue;
		}
		if (*n == *cap) {
			struct plat_as_op *o = realloc(*ops, (*cap * 2) * sizeof(**ops));

			if (!o)
				return -ENOMEM;
			*ops = o;
			*cap *= 2;
		}
		err = mm_gate_map(mm, v, &(*ops)[(*n)++]);
	}
	return err;
}

/* A new platform address space with every VMA mapped. */
static int mm_attach_as(struct mm *mm)
{
	size_t n = 0, cap = mm->nvmas + 1;
	struct plat_as_op *ops = malloc(cap * sizeof(*ops));
	int err = ops ? mm_as_ops(mm, &ops, &n, &cap) : -ENOMEM;

	if (!err)
		err = plat_as_new(mm->plat, &mm->as);
	if (!err)
		err = mm_as_apply(mm, mm->as, ops, n);
	if (err && mm->as) {
		plat_as_destroy(mm->plat, mm->as);
		mm->as = NULL;
	}
	if (err)
		mm->ngates = 0;	/* gates belong to an attached address space */
	free(ops);
	return err;
}

int mm_ctx_new(struct mm *mm, struct plat_ctx **out)
{
	int err = 0;

	pthread_mutex_lock(&mm->lock);
	if (!mm->as)
		err = mm_attach_as(mm);
	if (!err)
		err = plat_ctx_new(mm->plat, mm->as, out);
	/* Other tasks already hold @mm (a restored thread group): their contexts
	 * come next, from their own threads. */
	if (!err && __atomic_load_n(&mm->ref.count, __ATOMIC_RELAXED) > 1) {
		err = plat_as_share(mm->plat, mm->as, *out);
		if (err)
			plat_ctx_destroy(mm->plat, *out);
	}
	if (!err)
		mm_set_self(mm);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

int mm_share_as(struct mm *mm, struct plat_ctx *ctx)
{
	int err = 0;

	pthread_mutex_lock(&mm->lock);
	if (mm->as)
		err = plat_as_share(mm->plat, mm->as, ctx);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

/*
 * Exec keeps the platform address space and the context when it can: @mm, the new
 * program's, not attached yet, takes @old's, in which @ctx (the calling thread's)
 * must be the only context. One batch unmaps everything and maps @mm's VMAs: no
 * stub to make and no old one to end. @old still points at the address space, for
 * the readers of its CPU clock, until mm_forget_as. An error from the platform's
 * check (plat_as_reuse) leaves everything as it was: make a new one; an error in
 * the batch leaves @old's address space undefined.
 */
int mm_take_as(struct mm *mm, struct mm *old, struct plat_ctx *ctx)
{
	size_t n = 1, cap = mm->nvmas + 2;
	struct plat_as_op *ops;
	int err;

	pthread_mutex_lock(&old->lock);
	err = old->as ? plat_as_reuse(mm->plat, old->as, ctx) : -EOPNOTSUPP;
	if (err) {
		pthread_mutex_unlock(&old->lock);
		return err;
	}
	ops = malloc(cap * sizeof(*ops));
	pthread_mutex_lock(&mm->lock);
	err = ops ? 0 : -ENOMEM;
	if (!err) {
		ops[0] = (struct plat_as_op){ .kind = PLAT_AS_UNMAP, .addr = 0,
					      .len = mm->max_addr };
		err = mm_as_ops(mm, &ops, &n, &cap);
	}
	if (!err)
		err = mm_as_apply(mm, old->as, ops, n);
	if (!err) {
		mm->as = old->as;
		old->ngates = 0;	/* they were the old program's */
		mm_set_self(mm);
	} else {
		mm->ngates = 0;
	}
	pthread_mutex_unlock(&mm->lock);
	pthread_mutex_unlock(&old->lock);
	free(ops);
	return err;
}

void mm_forget_as(struct mm *old)
{
	pthread_mutex_lock(&old->lock);
	old->as = NULL;
	pthread_mutex_unlock(&old->lock);
}

void mm_destroy(struct mm *mm)
{
	if (!mm)
		return;
	mm_clear_self(mm);
	for (u32 i = 0; i < mm->nvmas; i++)
		vma_release_mem(mm, &mm->vmas[i]);
	if (mm->as)
		plat_as_destroy(mm->plat, mm->as);
	free(mm->gates);
	free(mm->vmas);
	pthread_mutex_destroy(&mm->lock);
	free(mm);
}

void mm_put(struct mm *mm)
{
	if (mm && ref_put(&mm->ref))
		mm_destroy(mm);
}

u32 *mm_word_ptr(struct mm *mm, u64 addr, bool write)
{
	struct vma *v;
	u32 *p = NULL;

	if (addr & 3 || addr >= mm->max_addr)
		return NULL;
	pthread_mutex_lock(&mm->lock);
	v = vma_find(mm, addr);
	if (!v || !(v->prot & PROT_READ) || (write && !(v->prot & PROT_WRITE)))
		v = NULL;
	/* Breaking copy-on-write may split the VMA: find it again. */
	else if (write && vma_is_cow(v))
		v = vma_break_cow(mm, v) ? NULL : vma_find(mm, addr);
	if (v) {
		u64 off = v->off + (addr - v->start);

		if (!v->pages || !vma_file_page(mm, v, addr, &off))
			p = memfile_ptr(mm->mf, v->pages ? off + (addr & ~PAGE_MASK) : off);
	}
	pthread_mutex_unlock(&mm->lock);
	return p;
}

static int mm_plat_map(struct mm *mm, u64 start, u64 len, int prot, u64 off)
{
	if (!mm->as)
		return 0;
	return mm_as_map(mm, start, len, prot, off);
}

/* Removes every mapping in [start, end) and frees its memory; unmaps it from the
 * platform too when @plat (a new mapping placed over it does that by itself). */
static int unmap_range(struct mm *mm, u64 start, u64 end, bool plat)
{
	u32 i = vma_index_after(mm, start);
	int err;

	mm_gate_drop(mm, start, end);
	if (i < mm->nvmas && mm->vmas[i].start < start && mm->vmas[i].end > start) {
		err = vma_split(mm, i, start);
		if (err)
			return err;
		i++;
	}
	while (i < mm->nvmas && mm->vmas[i].start < end) {
		struct vma *v = &mm->vmas[i];

		if (v->end > end) {
			err = vma_split(mm, i, end);
			if (err)
				return err;
			v = &mm->vmas[i];
		}
		vma_release_mem(mm, v);
		vma_remove(mm, i);
	}
	if (plat && mm->as)
		return plat_as_unmap(mm->plat, mm->as, start, end - start);
	return 0;
}

/* Lowest address mmap hands out without MAP_FIXED (vm.mmap_min_addr is 64 KiB). */
#define MMAP_MIN_ADDR 0x10000UL

/* Finds a free range of @len below mm->mmap_base, top-down; 0 if none. */
u64 mm_find_free(struct mm *mm, u64 len)
{
	u64 top = mm->mmap_base;
	u32 i = vma_index_after(mm, top - 1);

	for (;;) {
		u64 hi = top, lo = MMAP_MIN_ADDR;

		if (i < mm->nvmas && mm->vmas[i].start < hi)
			hi = mm->vmas[i].start;
		if (i > 0)
			lo = MAX(lo, mm->vmas[i - 1].end);
		if (hi > lo && hi - lo >= len)
			return hi - len;
		if (i == 0)
			return 0;
		i--;
	}
}

int mm_unmap_locked(struct mm *mm, u64 start, u64 end)
{
	return unmap_range(mm, start, end, true);
}

struct mf_pages *mm_pages_at(struct mm *mm, u64 addr, u64 *pgoff)
{
	struct mf_pages *p = NULL;
	struct vma *v;

	pthread_mutex_lock(&mm->lock);
	v = vma_find(mm, addr);
	if (v && v->pages && (v->flags & VMA_SHARED)) {
		p = v->pages;
		mf_pages_get(p);
		*pgoff = v->pgoff + (addr - v->start) / PAGE_SIZE;
	}
	pthread_mutex_unlock(&mm->lock);
	return p;
}

void mm_unmap_pages_range(struct mm *mm, u64 start, u64 end, struct mf_pages *p)
{
	pthread_mutex_lock(&mm->lock);
	for (u32 i = vma_index_after(mm, start); i < mm->nvmas && mm->vmas[i].start < end;) {
		struct vma *v = &mm->vmas[i];
		u64 s = v->start, e = MIN(v->end, end);

		if (v->pages != p || !(v->flags & VMA_SHARED)) {
			i++;
			continue;
		}
		if (unmap_range(mm, s, e, true))
			break;
		i = vma_index_after(mm, e);
	}
	pthread_mutex_unlock(&mm->lock);
}

/* Inserts a new zero-filled VMA over [addr, addr+len), which must be free. */
static int map_new(struct mm *mm, u64 addr, u64 len, int prot, u32 flags)
{
	struct vma v = { .start = addr, .end = addr + len, .prot = prot };
	u32 i = vma_index_after(mm, addr);
	int err;

	if (!mm_may_expand(mm, addr, len))
		return -ENOMEM;
	err = mm_lock_new(mm, len, &flags);
	if (err)
		return err;
	if (!prot && !(flags & VMA_SHARED))
		flags |= VMA_NOACCT;
	v.flags = flags;
	/* Extend the previous VMA's memory in place when it ends here, so brk and
	 * sequential mmaps stay one VMA. */
	if (i > 0 && mm->vmas[i - 1].end == addr && mm->vmas[i - 1].prot == (u32)prot &&
	    mm->vmas[i - 1].flags == flags) {
		struct vma *p = &mm->vmas[i - 1];
		u64 plen = p->end - p->start;

		if (!(flags & VMA_NOACCT ? memfile_extend_noacct : memfile_extend)(mm->mf,
				p->off, plen, plen + len))
			v.off = p->off + plen;
	}
	if (!v.off) {
		err = (flags & VMA_NOACCT ? memfile_alloc_noacct : memfile_alloc)(mm->mf, len,
										&v.off);
		if (err)
			return err;
	}
	err = mm_plat_map(mm, addr, len, prot, v.off);
	if (err)
		goto out_free;
	err = vma_insert(mm, &v);
	if (err)
		goto out_free;
	return 0;
out_free:
	memfile_free(mm->mf, v.off, len);
	return err;
}

/* Chooses where a new mapping of *@lenp (rounded up to pages here) goes, as Linux's
 * get_unmapped_area and mmap_region: a fixed address has what is there unmapped
 * (from the platform too when @plat); a hint is taken if free. Returns the address
 * or -errno. */
static s64 place(struct mm *mm, u64 addr, u64 *lenp, int flags, bool plat)
{
	u64 len = *lenp;
	int err;

	if (!len)
		return -EINVAL;
	if (len > mm->max_addr)
		return -ENOMEM;
	len = *lenp = PAGE_ALIGN(len);

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr + len > mm->max_addr || addr + len < addr)
			return -ENOMEM;
		if (!(flags & MAP_FIXED) && !vma_range_free(mm, addr, addr + len))
			return -EEXIST;
		/* Checked before the old mappings go, as Linux's mmap_region does. */
		if (!mm_may_expand(mm, addr, len))
			return -ENOMEM;
		err = unmap_range(mm, addr, addr + len, plat);
		return err ? err : (s64)addr;
	}
	addr = PAGE_ALIGN(addr);
	if (!addr || addr + len > mm->max_addr || addr + len < addr ||
	    !vma_range_free(mm, addr, addr + len))
		addr = mm_find_free(mm, len);
	return addr ? (s64)addr : -ENOMEM;
}

s64 mm_mmap_anon(struct mm *mm, u64 addr, u64 len, int prot, int flags)
{
	u32 vflags = 0;
	s64 ret;
	int err;

	if (flags & MAP_GROWSDOWN)
		vflags |= VMA_GROWSDOWN;
	if ((flags & MAP_TYPE) != MAP_PRIVATE)
		vflags |= VMA_SHARED;

	pthread_mutex_lock(&mm->lock);
	ret = place(mm, addr, &len, flags, false);
	if (ret >= 0) {
		err = map_new(mm, ret, len, prot, vflags);
		if (err)
			ret = err;
	}
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

s64 mm_mmap_pages(struct mm *mm, u64 addr, u64 len, int prot, int flags,
		  struct mf_pages *pages, u64 pgoff, bool maywrite)
{
	struct vma v = { .prot = prot, .pages = pages, .pgoff = pgoff };
	s64 ret;
	int err;

	if ((flags & MAP_TYPE) != MAP_PRIVATE)
		v.flags = VMA_SHARED | (maywrite ? VMA_MAYWRITE : 0);
	maywrite = v.flags & VMA_MAYWRITE;

	pthread_mutex_lock(&mm->lock);
	/* The pages map only where present: what was mapped over goes first. */
	ret = place(mm, addr, &len, flags, true);
	if (ret < 0)
		goto out;
	v.start = ret;
	v.end = ret + len;
	err = -ENOMEM;
	if (mm_may_expand(mm, v.start, len))
		err = mm_lock_new(mm, len, &v.flags);
	if (!err)
		err = vma_map_pages(mm, &v, v.start, v.end, vma_map_prot(&v));
	if (!err) {
		mf_pages_map(pages, maywrite);
		err = vma_insert(mm, &v);
		if (err)
			mf_pages_unmap(pages, maywrite);
	}
	if (err) {
		if (mm->as)
			plat_as_unmap(mm->plat, mm->as, v.start, len);
		ret = err;
	}
out:
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

int mm_map_fixed_data(struct mm *mm, u64 addr, u64 len, int prot, u32 flags)
{
	int err;

	pthread_mutex_lock(&mm->lock);
	err = unmap_range(mm, addr, addr + len, true);
	if (!err)
		err = map_new(mm, addr, len, prot, flags);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

int mm_munmap(struct mm *mm, u64 addr, u64 len)
{
	int err;

	if (addr & ~PAGE_MASK || !len)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (addr >= mm->max_addr || len > mm->max_addr - addr)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	err = unmap_range(mm, addr, addr + len, true);
	pthread_mutex_unlock(&mm->lock);
	return err;
}

int mm_mprotect(struct mm *mm, u64 addr, u64 len, int prot)
{
	u64 end;
	u32 i;
	int err = 0;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if ((prot & (PROT_GROWSDOWN | PROT_GROWSUP)) == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	end = addr + len;
	if (end <= addr)
		return -ENOMEM;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;

	pthread_mutex_lock(&mm->lock);
	err = mm_ungate(mm, addr, end);
	if (err)
		goto out;
	/* The whole range must be mapped, as Linux checks before changing anything,
	 * and a shared file mapping may become writable only if it may write. */
	for (u64 a = addr; a < end;) {
		struct vma *v = vma_find(mm, a);

		if (!v) {
			err = -ENOMEM;
			goto out;
		}
		if (v->pages && (v->flags & VMA_SHARED) && (prot & PROT_WRITE) &&
		    !(v->flags & VMA_MAYWRITE)) {
			err = -EACCES;
			goto out;
		}
		a = v->end;
	}
	/* Memory becoming accessible for the first time is committed now: ENOMEM past
	 * the limit, as Linux's mprotect_fixup for writable memory. (Pieces committed
	 * before a later one fails stay committed, counted a little early.) */
	for (u64 a = addr; prot && a < end;) {
		struct vma *v = vma_find(mm, a);
		u64 s = MAX(v->start, addr), e = MIN(v->end, end);

		if ((v->flags & VMA_NOACCT) &&
		    memfile_account(mm->mf, v->off + (s - v->start), e - s)) {
			err = -ENOMEM;
			goto out;
		}
		a = v->end;
	}
	i = vma_index_after(mm, addr);
	if (mm->vmas[i].start < addr) {
		err = vma_split(mm, i, addr);
		if (err)
			goto out;
		i++;
	}
	for (; i < mm->nvmas && mm->vmas[i].start < end; i++) {
		struct vma *v = &mm->vmas[i];

		if (v->end > end) {
			err = vma_split(mm, i, end);
			if (err)
				goto out;
			v = &mm->vmas[i];
		}
		v->prot = prot;
		if (prot)
			v->flags &= ~VMA_NOACCT;
		if (mm->as && v->pages) {
			/* Holes are not mapped: remap what is present. */
			err = plat_as_unmap(mm->plat, mm->as, v->start, v->end - v->start);
			if (!err)
				err = vma_map_pages(mm, v, v->start, v->end, vma_map_prot(v));
			if (err)
				goto out;
		} else if (mm->as) {
			err = mm_as_protect(mm, v->start, v->end - v->start,
					      vma_map_prot(v));
			if (err)
				goto out;
		}
	}
out:
	pthread_mutex_unlock(&mm->lock);
	return err;
}

/* MADV_REMOVE: punches [a, e) of a shared mapping's memory (shmem_fallocate's
 * PUNCH_HOLE); the pages read back as zeros. A file's size stays. */
static int madvise_remove(struct mm *mm, struct vma *v, u64 a, u64 e)
{
	if (!(v->flags & VMA_SHARED) || !(v->prot & PROT_WRITE))
		return v->flags & VMA_SHARED ? -EACCES : -EINVAL;
	if (v->pages) {
		u64 pg = v->pgoff + (a - v->start) / PAGE_SIZE;

		mf_pages_release(v->pages, pg, (e - a) / PAGE_SIZE);
		if (mm->as)
			plat_as_unmap(mm->plat, mm->as, a, e - a);
		return 0;
	}
	memfile_await(mm->mf, v->off + (a - v->start), e - a);
	fallocate(mm->mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  v->off + (a - v->start), e - a);
	return 0;
}

/* MADV_DONTNEED on [a, e) of vmas[i], a private file mapping: Linux's zap drops the
 * private copies, and the range maps the file's pages again. */
static int dontneed_file(struct mm *mm, u32 i, u64 a, u64 e)
{
	struct vma *v = &mm->vmas[i];
	struct mf_pages *p;
	int err;

	if (!v->origin)
		return 0;       /* nothing written: it maps the file already */
	if (a > v->start) {
		err = vma_split(mm, i, a);
		if (err)
			return err;
		i++;
	}
	if (e < mm->vmas[i].end) {
		err = vma_split(mm, i, e);
		if (err)
			return err;
	}
	v = &mm->vmas[i];
	p = v->origin;
	mf_pages_map(p, false);
	vma_release_mem(mm, v);         /* the copy, and the origin's reference */
	v->origin = NULL;
	v->share = NULL;
	v->off = 0;
	v->pages = p;
	if (!mm->as)
		return 0;
	err = plat_as_unmap(mm->plat, mm->as, a, e - a);
	return err ? err : vma_map_pages(mm, v, a, e, vma_map_prot(v));
}

int mm_madvise(struct mm *mm, u64 addr, u64 len, int advice)
{
	int err = 0;
	u64 end;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	end = addr + len;
	if (end < addr)
		return -EINVAL;
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTFORK: case MADV_DOFORK: case MADV_MERGEABLE: case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE: case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP:
	case MADV_FREE: case MADV_DONTNEED: case MADV_COLD: case MADV_PAGEOUT:
	case MADV_WIPEONFORK: case MADV_KEEPONFORK: case MADV_REMOVE:
		break;
	default:
		return -EINVAL;
	}
	if (!len)
		return 0;
	pthread_mutex_lock(&mm->lock);
	err = mm_ungate(mm, addr, end);
	for (u64 a = addr; !err && a < end;) {
		struct vma *v = vma_find(mm, a);
		u64 e;

		if (!v) {
			err = -ENOMEM;
			break;
		}
		e = MIN(v->end, end);
		if (advice == MADV_REMOVE) {
			err = madvise_remove(mm, v, a, e);
			if (err)
				break;
			a = e;
			continue;
		}
		/* A private file mapping reads back the file after DONTNEED; MADV_FREE
		 * is for anonymous memory only. */
		if ((advice == MADV_DONTNEED || advice == MADV_FREE) &&
		    !(v->flags & VMA_SHARED) && (v->pages || v->origin)) {
			err = advice == MADV_FREE ? -EINVAL : dontneed_file(mm, v - mm->vmas, a, e);
			if (err)
				break;
			a = e;
			continue;
		}
		/* Private anonymous memory reads back as zeros after DONTNEED; MADV_FREE
		 * may do the same at any time, so doing it now is allowed. */
		if ((advice == MADV_DONTNEED || advice == MADV_FREE) &&
		    !(v->flags & VMA_SHARED)) {
			if (vma_is_cow(v) && vma_break_cow(mm, v)) {
				err = -ENOMEM;
				break;
			}
			v = vma_find(mm, a);
			fallocate(mm->mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  v->off + (a - v->start), e - a);
		}
		a = e;
	}
	pthread_mutex_unlock(&mm->lock);
	return err;
}

/* msync: the memory is the file's own pages, so there is nothing to write back or
 * invalidate; what remains is Linux's argument checks, and ENOMEM for a range that
 * is not all mapped (it checks every VMA first, and so does this). No mlock here, so
 * MS_INVALIDATE never finds locked pages (EBUSY). */
int mm_msync(struct mm *mm, u64 addr, u64 len, int flags)
{
	u64 end;
	int err = 0;

	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	end = addr + len;
	if (end < addr)
		return -ENOMEM;
	if (end == addr)
		return 0;
	pthread_mutex_lock(&mm->lock);
	for (u64 a = addr; a < end;) {
		u32 i = vma_index_after(mm, a);
		struct vma *v = &mm->vmas[i];

		if (i == mm->nvmas || v->start >= end) {
			err = -ENOMEM;
			break;
		}
		if (v->start > a)
			err = -ENOMEM;
		/* A shared mapping of a file kept elsewhere (a volume file's page
		 * cache): its pages go to the file now, for MS_ASYNC too (there is no
		 * later writeback to schedule). Every other file's pages are the file. */
		if (v->pages && (v->flags & VMA_SHARED) && (v->flags & VMA_MAYWRITE) &&
		    !err && mf_pages_writeback(v->pages))
			err = -EIO;
		a = v->end;
	}
	pthread_mutex_unlock(&mm->lock);
	return err;
}

u64 mm_brk(struct mm *mm, u64 addr)
{
	u64 old_end, new_end;

	pthread_mutex_lock(&mm->lock);
	if (addr < mm->brk_start || addr >= mm->max_addr)
		goto out;
	old_end = PAGE_ALIGN(mm->brk);
	new_end = PAGE_ALIGN(addr);
	if (new_end > old_end) {
		/* Linux refuses growth into the guard gap below the next mapping. */
		if (!vma_range_free(mm, old_end, new_end + STACK_GUARD_GAP))
			goto out;
		if (map_new(mm, old_end, new_end - old_end, PROT_READ | PROT_WRITE,
			    VMA_HEAP))
			goto out;
	} else if (new_end < old_end) {
		if (unmap_range(mm, new_end, old_end, true))
			goto out;
	}
	mm->brk = addr;
out:
	addr = mm->brk;
	pthread_mutex_unlock(&mm->lock);
	return addr;
}

int mm_fault(struct mm *mm, u64 addr, u64 stack_limit, u64 seen)
{
	u32 i;
	struct vma *v;
	u64 start;
	int err = -EFAULT;

	pthread_mutex_lock(&mm->lock);
	if (mm_gate_fault(mm, addr)) {
		err = 0;
		goto out;
	}
	i = vma_index_after(mm, addr);
	if (i == mm->nvmas)
		goto out;
	v = &mm->vmas[i];
	if (v->start <= addr && v->pages) {
		err = vma_file_fault(mm, v, addr);
		goto out;
	}
	/* A write to copy-on-write memory: the only fault on a VMA that allows the
	 * access (ptrace does not tell reads from writes; a retry that faults again
	 * finds the VMA no longer copy-on-write and is a real fault, unless another
	 * thread's change came between: below). */
	if (v->start <= addr && vma_is_cow(v) && (v->prot & PROT_WRITE)) {
		err = vma_break_cow(mm, v);
		if (err && err != -ENOMEM)
			err = -EFAULT;
		goto out;
	}
	if (v->start <= addr || !(v->flags & VMA_GROWSDOWN))
		goto out;
	start = ALIGN_DOWN(addr, PAGE_SIZE);
	if (mm->stack_top - start > stack_limit)
		goto out;
	if (i > 0 && start < mm->vmas[i - 1].end + STACK_GUARD_GAP)
		goto out;
	{
		u64 vstart = v->start;
		u32 prot = v->prot, flags = v->flags;

		v->flags &= ~VMA_GROWSDOWN;
		err = map_new(mm, start, vstart - start, prot, flags);
		if (err) {
			v = vma_find(mm, vstart);
			v->flags |= VMA_GROWSDOWN;
			err = -EFAULT;
		}
	}
out:
	/* Another thread changed the mapping since this one last entered the
	 * application (broke the same copy-on-write, grew the stack, mapped the
	 * page): the fault may predate that change, so the access is retried. A real
	 * fault comes again with the generation unchanged. */
	if (err == -EFAULT && mm_map_gen(mm) != seen)
		err = 0;
	pthread_mutex_unlock(&mm->lock);
	return err;
}
