/* Helpers shared by the files of mm/; mm->lock held for all of them. */
#ifndef SBX_MM_INTERNAL_H
#define SBX_MM_INTERNAL_H

#include "mm/mm.h"

/* Unmaps [start, end) from the VMA set, the memory file and the platform. */
int mm_unmap_locked(struct mm *mm, u64 start, u64 end);
/* Would the address space stay within mm->as_limit with @len bytes mapped at
 * @start, replacing whatever is mapped there now? */
bool mm_may_expand(struct mm *mm, u64 start, u64 len);
/* A free range of @len below mm->mmap_base, top-down; 0 if none. */
u64 mm_find_free(struct mm *mm, u64 len);

/* The calling thread runs in @mm from now (mm_ctx_new); @mm is going (mm_destroy). */
void mm_set_self(struct mm *mm);
void mm_clear_self(struct mm *mm);

#endif
