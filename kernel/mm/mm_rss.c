/*
 * The resident size of an address space (getrusage's ru_maxrss, after Linux's
 * get_mm_rss): the pages of its anonymous and private memory that are populated in
 * the memory file. Every VMA is mapped into the platform eagerly, so the host, not
 * the Sentry, populates a page at its first touch; the memory file is where that
 * shows. lseek(SEEK_DATA/SEEK_HOLE) over the memfd finds the populated runs without
 * touching them (mincore would need the Sentry's mapping and a syscall the Sentry's
 * filter does not allow). Pages of file mappings (mf_pages) are not counted: Linux
 * counts those a process has touched, which the Sentry cannot tell from the pages
 * another process brought into the page cache.
 */
#define _GNU_SOURCE
#include <unistd.h>

#include "memfile/memfile.h"
#include "mm/mm_internal.h"

/* Populated bytes of the memory file in [off, off + len). */
static u64 populated(struct memfile *mf, u64 off, u64 len)
{
	u64 end = off + len, n = 0, d, h;

	while (off < end && memfile_next_data(mf, off, end, &d, &h) && d < end) {
		n += h - d;
		off = h;
	}
	return n;
}

u64 mm_rss_pages(struct mm *mm)
{
	u64 bytes = 0;

	pthread_mutex_lock(&mm->lock);
	for (u32 i = 0; i < mm->nvmas; i++) {
		const struct vma *v = &mm->vmas[i];

		if (!v->pages)
			bytes += populated(mm->mf, v->off, v->end - v->start);
	}
	pthread_mutex_unlock(&mm->lock);
	return bytes / PAGE_SIZE;
}
