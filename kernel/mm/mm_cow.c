/*
 * Fork's copy-on-write, at VMA granularity (see struct mf_share). A fork shares every
 * VMA's memory-file range between parent and child and maps private ones read-only
 * in both; the first write in either copies that VMA's piece (or, when no other piece
 * of the share is left, takes the range over without copying, which is the common
 * fork-then-exec case for the parent). Private file mappings are copy-on-write
 * too: they map the file's pages read-only until the first write copies the piece.
 *
 * Small pieces of a single-threaded parent are copied for the child at once instead
 * (fork_copies): a process writes its stack, data and heap right after a fork, parent
 * and child alike, and each copy-on-write fault costs two stub round trips on ptrace
 * (the fault, then the remap: 100-300 us on these VMs), where copying 128 KiB of warm
 * memory costs some 10 us. The parent keeps its piece writable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memfile/memfile.h"
#include "mm/mm_internal.h"
#include "platform.h"

static void share_put(struct mm *mm, struct mf_share *s)
{
	if (ref_put(&s->ref)) {
		memfile_free(mm->mf, s->off, s->len);
		free(s);
	}
}

void vma_release_mem(struct mm *mm, struct vma *v)
{
	if (v->pages)
		mf_pages_unmap(v->pages, v->flags & VMA_MAYWRITE);
	else if (v->share)
		share_put(mm, v->share);
	else
		memfile_free(mm->mf, v->off, v->end - v->start);
	if (v->origin)
		mf_pages_put(v->origin);
}

/*
 * The first write to a private file mapping: the piece (up to the file's end) gets
 * memory of its own holding the file's contents, and keeps the file as its origin.
 * Per piece rather than per page, as fork's copy-on-write is: a VMA stays one
 * memory-file range, and the pieces written in practice are small (a library's data
 * segment, split off by ld.so's mprotect of RELRO) while text is never written.
 */
static int break_file_cow(struct mm *mm, struct vma *v)
{
	struct mf_pages *p = v->pages;
	u32 i = v - mm->vmas;
	u64 eof, end, len, off;
	int err;

	pthread_mutex_lock(&p->lock);
	eof = PAGE_ALIGN(p->size) / PAGE_SIZE;
	pthread_mutex_unlock(&p->lock);
	if (v->pgoff >= eof)
		return -EIO;
	end = eof - v->pgoff < (v->end - v->start) / PAGE_SIZE ?
	      v->start + (eof - v->pgoff) * PAGE_SIZE : v->end;
	if (end < v->end) {
		err = vma_split(mm, i, end);
		if (err)
			return err;
		v = &mm->vmas[i];
	}
	len = v->end - v->start;
	err = memfile_alloc(mm->mf, len, &off);
	if (err)
		return err;
	pthread_mutex_lock(&p->lock);
	if (p->cache)
		err = mf_pages_fill_locked(p, v->pgoff, len / PAGE_SIZE);
	if (!err)
		mf_pages_copy_locked(p, off, len, v->pgoff * PAGE_SIZE);
	pthread_mutex_unlock(&p->lock);
	if (!err && mm->as)
		err = mm_as_map(mm, v->start, len, v->prot, off);
	if (err) {
		memfile_free(mm->mf, off, len);
		return err == -ENOMEM ? err : -EIO;
	}
	mf_pages_get(p);
	mf_pages_unmap(p, false);
	v->origin = p;
	v->pages = NULL;
	v->off = off;
	return 0;
}

int vma_break_cow(struct mm *mm, struct vma *v)
{
	struct mf_share *s = v->share;
	u64 len = v->end - v->start, off;
	int err;

	if (v->pages)
		return break_file_cow(mm, v);
	err = mm_ungate(mm, v->start, v->end);
	if (err)
		return err;
	if (__atomic_load_n(&s->ref.count, __ATOMIC_ACQUIRE) == 1) {
		/* The last holder: keep the piece's memory, free the rest of the range.
		 * Writable in the address space first: if that fails (a caller with no
		 * context there), the piece stays copy-on-write for a later fault,
		 * rather than marked writable behind a read-only mapping. */
		if (mm->as) {
			err = mm_as_protect(mm, v->start, len, v->prot);
			if (err)
				return err;
		}
		if (v->off > s->off)
			memfile_free(mm->mf, s->off, v->off - s->off);
		if (v->off + len < s->off + s->len)
			memfile_free(mm->mf, v->off + len, s->off + s->len - (v->off + len));
		free(s);
		v->share = NULL;
		return 0;
	}
	/* Every byte is copied over: memory from the dirty pool will do. */
	err = memfile_alloc_copy(mm->mf, len, &off);
	if (err)
		return err;
	memfile_copy(mm->mf, off, v->off, len);
	if (mm->as) {
		err = mm_as_map(mm, v->start, len, v->prot, off);
		if (err) {
			memfile_free(mm->mf, off, len);
			return err;
		}
	}
	share_put(mm, s);
	v->share = NULL;
	v->off = off;
	return 0;
}

/* A private file piece an exec copies at once is at most this big (see below). */
#define EXEC_COPY_PIECE (256ULL << 10)

/*
 * Copies now the small writable private file pieces in [start, end), as their first
 * write would: an exec's data segments, which a program writes as soon as it runs
 * (its relocations, its variables), where each copy-on-write fault would cost two
 * stub round trips on ptrace. Best effort: a piece that cannot be copied now (memory
 * short, wholly past the file's end) stays copy-on-write for its fault to report.
 */
void mm_copy_data_now(struct mm *mm, u64 start, u64 end)
{
	pthread_mutex_lock(&mm->lock);
	for (u32 i = vma_index_after(mm, start); i < mm->nvmas && mm->vmas[i].start < end;
	     i++) {
		struct vma *v = &mm->vmas[i];

		/* A split at the file's end puts the rest at i + 1, still the file's,
		 * where a second try fails with -EIO and leaves it */
		if (v->pages && !(v->flags & VMA_SHARED) && (v->prot & PROT_WRITE) &&
		    v->end - v->start <= EXEC_COPY_PIECE)
			vma_break_cow(mm, v);
	}
	pthread_mutex_unlock(&mm->lock);
}

/* Pieces a fork copies at once: at most FORK_COPY_PIECE bytes each, FORK_COPY_MAX in
 * all, so a large process still forks in time independent of its size. */
#define FORK_COPY_PIECE (256ULL << 10)
#define FORK_COPY_MAX (1ULL << 20)

/*
 * Gives the child @c a copy of private writable piece @v of @parent now, if it is
 * small and within *budget, and nothing else can write the parent's memory meanwhile:
 * the caller alone uses the mm (no other thread, no vfork child: its references are
 * the caller's and the @other_refs that are no task's), and it holds parent->lock,
 * which the Sentry's writes to another task's memory take. Otherwise, or when the
 * memory is short, false: the piece is shared copy-on-write.
 */
static bool fork_copies(struct mm *parent, u32 other_refs, const struct vma *v,
			struct vma *c, u64 *budget)
{
	u64 len = v->end - v->start, off;

	if (v->pages || (v->flags & VMA_SHARED) || !(v->prot & PROT_WRITE) ||
	    len > FORK_COPY_PIECE || len > *budget ||
	    __atomic_load_n(&parent->ref.count, __ATOMIC_ACQUIRE) != 1 + other_refs)
		return false;
	if (memfile_alloc_copy(parent->mf, len, &off))
		return false;
	memfile_copy(parent->mf, off, v->off, len);
	*c = *v;
	c->share = NULL;
	c->off = off;
	if (c->origin)          /* each piece holds its own reference */
		mf_pages_get(c->origin);
	*budget -= len;
	return true;
}

int mm_fork(struct mm *parent, u32 other_refs, struct mm **out)
{
	u64 budget = FORK_COPY_MAX;
	struct plat_as_op *prot = NULL;
	struct mm *mm;
	size_t nprot = 0;
	int err;

	err = mm_new(parent->mf, parent->plat, &mm);
	if (err)
		return err;
	pthread_mutex_lock(&parent->lock);
	/* Fork remaps the parent's memory read-only: load what it gates first. */
	err = mm_ungate(parent, 0, parent->max_addr);
	if (err)
		goto out;
	mm->vmas = malloc((parent->nvmas + 1) * sizeof(*mm->vmas));
	prot = malloc((parent->nvmas + 1) * sizeof(*prot));
	if (!mm->vmas || !prot) {
		err = -ENOMEM;
		goto out;
	}
	for (u32 i = 0; i < parent->nvmas; i++) {
		struct vma *v = &parent->vmas[i];
		bool was_writable = vma_map_prot(v) & PROT_WRITE;

		if (v->pages) {
			/* The file's pages, shared as they are (never copy-on-write). */
			mf_pages_map(v->pages, v->flags & VMA_MAYWRITE);
			mm->vmas[mm->nvmas++] = *v;
			continue;
		}
		if (fork_copies(parent, other_refs, v, &mm->vmas[mm->nvmas], &budget)) {
			mm->nvmas++;
			continue;
		}
		if (!v->share) {
			struct mf_share *s = malloc(sizeof(*s));

			if (!s) {
				err = -ENOMEM;
				goto out;
			}
			ref_init(&s->ref);
			s->off = v->off;
			s->len = v->end - v->start;
			v->share = s;
		}
		ref_get(&v->share->ref);
		if (v->origin)
			mf_pages_get(v->origin);
		mm->vmas[mm->nvmas++] = *v;
		if (was_writable && vma_is_cow(v) && parent->as)
			prot[nprot++] = (struct plat_as_op){
				.kind = PLAT_AS_PROTECT, .prot = vma_map_prot(v),
				.addr = v->start, .len = v->end - v->start,
			};
	}
	/* One batch: on ptrace, one round trip through the parent's stub. */
	if (nprot) {
		err = mm_as_apply(parent, parent->as, prot, nprot);
		if (err)
			goto out;
	}
	/* Memory locks are not inherited (mlock(2)); nor is mlockall's MCL_FUTURE. */
	for (u32 i = 0; i < mm->nvmas; i++)
		mm->vmas[i].flags &= ~VMA_LOCKED;
	mm->cap = parent->nvmas + 1;
	mm->brk_start = parent->brk_start;
	mm->brk = parent->brk;
	mm->mmap_base = parent->mmap_base;
	mm->stack_top = parent->stack_top;
	mm->arg_start = parent->arg_start;
	mm->arg_end = parent->arg_end;
	mm->env_start = parent->env_start;
	mm->env_end = parent->env_end;
	mm->max_addr = parent->max_addr;
	mm->as_limit = parent->as_limit;
	*out = mm;
	mm = NULL;
out:
	pthread_mutex_unlock(&parent->lock);
	free(prot);
	if (mm)
		mm_destroy(mm);
	return err;
}
