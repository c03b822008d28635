/* Helpers shared by the files of mm/; mm->lock held for all of them. */
#ifndef SBX_MM_INTERNAL_H
#define SBX_MM_INTERNAL_H

#include "mm/mm.h"
#include "platform.h"

/* Unmaps [start, end) from the VMA set, the memory file and the platform. */
int mm_unmap_locked(struct mm *mm, u64 start, u64 end);
/* Would the address space stay within mm->as_limit with @len bytes mapped at
 * @start, replacing whatever is mapped there now? */
bool mm_may_expand(struct mm *mm, u64 start, u64 len);
/* Bytes mapped by the VMAs with every one of @flags (0: all of them). */
u64 mm_vm_bytes_locked(struct mm *mm, u32 flags);
/* mlockall(MCL_FUTURE) in force: a new mapping of @len bytes gets VMA_LOCKED in
 * *@flags, or -EAGAIN past the limit (mm_lock.c). */
int mm_lock_new(struct mm *mm, u64 len, u32 *flags);
/* A free range of @len below mm->mmap_base, top-down; 0 if none. */
u64 mm_find_free(struct mm *mm, u64 len);

/*
 * The host mapping changes that may grant access, each followed by a bump of
 * mm->map_gen (while the caller still holds mm->lock): a thread of @mm that faulted
 * before the change and reaches mm_fault after it sees the generation moved and
 * retries, where it would otherwise find the access allowed and take the fault for
 * a real one. Unmapping grants nothing and goes to the platform directly.
 */
static inline int mm_granted(struct mm *mm, int err)
{
	__atomic_add_fetch(&mm->map_gen, 1, __ATOMIC_RELEASE);
	return err;
}
static inline int mm_as_map(struct mm *mm, u64 addr, u64 len, int prot, u64 off)
{
	return mm_granted(mm, plat_as_map(mm->plat, mm->as, addr, len, prot, off));
}
static inline int mm_as_protect(struct mm *mm, u64 addr, u64 len, int prot)
{
	return mm_granted(mm, plat_as_protect(mm->plat, mm->as, addr, len, prot));
}
static inline int mm_as_apply(struct mm *mm, struct plat_as *as,
			      const struct plat_as_op *ops, size_t n)
{
	return mm_granted(mm, plat_as_apply(mm->plat, as, ops, n));
}

/* The calling thread runs in @mm from now (mm_ctx_new); @mm is going (mm_destroy). */
void mm_set_self(struct mm *mm);
void mm_clear_self(struct mm *mm);

#endif
