/*
 * The memory file: one memfd that holds every page of application memory, kept
 * mapped whole in the Sentry so that a short copy-in/copy-out is a memcpy (long
 * ones go through the kernel: memfile_io.c). A range allocator
 * hands out file ranges to VMAs; freed ranges have their pages punched out, or are
 * kept for copies in a small dirty pool (memfile.c).
 */
#ifndef SBX_MEMFILE_H
#define SBX_MEMFILE_H

#include <pthread.h>

#include "base/ref.h"
#include "base/types.h"
#include "save.h"

struct mf_lazy;

SAVABLE struct mf_extent {
	u64 off, len;
};

SAVABLE struct memfile {
	int fd SAVE_SKIP;            /* the memfd; recreated on restore */
	u8 *base SAVE_SKIP;          /* Sentry mapping of [0, size) */
	u64 size;                    /* bytes of file offsets the allocator may use */
	u64 used;                    /* bytes currently allocated; under lock */
	/* the sandbox memory limit: used never grows past it (memfile_alloc and
	 * memfile_extend fail with -ENOMEM). Set from kernel->mem_limit at boot and
	 * after a restore, so it is saved there; under lock */
	u64 limit SAVE_SKIP;
	/* bytes charged by memfile_charge, counted against limit with used; their
	 * owners charge them again as they are loaded; atomic */
	u64 kmem SAVE_SKIP;
	/* free extents sorted by offset, never adjacent; under lock */
	struct mf_extent *free SAVE_COUNT(nfree);
	u32 nfree;
	u32 cap SAVE_SKIP;           /* capacity of free; set to nfree on load */
	/* allocated extents not counted against the limit (memfile_alloc_noacct: memory
	 * mapped without write access, which Linux does not commit until it may be
	 * written), sorted, never adjacent, and their total; under lock */
	struct mf_extent *noacct SAVE_COUNT(nnoacct);
	u32 nnoacct;
	u32 ncap SAVE_SKIP;
	u64 noacct_bytes;
	/* the dirty pool (memfile.c): freed extents not punched, their old contents
	 * still there, sorted by offset, never adjacent, disjoint from free; under
	 * lock. Emptied into free before a save (memfile_before_save), so empty after
	 * a load */
	struct mf_extent *dirty SAVE_SKIP;
	u32 ndirty SAVE_SKIP, dcap SAVE_SKIP;
	u64 dirty_bytes SAVE_SKIP;   /* their total length; under lock */
	u64 dirty_max SAVE_SKIP;     /* the most dirty_bytes may be; under lock */
	pthread_mutex_t lock SAVE_SKIP;
	/* memory a lazy restore is still loading (checkpoint/lazy.c), or NULL; set once
	 * before the tasks start */
	struct mf_lazy *lazy SAVE_SKIP;
};

/* The gate of a lazy restore (checkpoint/lazy.c). */
bool mf_lazy_pending(struct mf_lazy *lz, u64 off, u64 len);
int mf_lazy_await(struct mf_lazy *lz, u64 off, u64 len);

/* Makes sure [off, off+len) holds the restored image's contents before the caller
 * reads, writes, frees or maps it with access; a no-op unless a lazy restore is
 * still loading. May block while the range is loaded. */
static inline int memfile_await(struct memfile *mf, u64 off, u64 len)
{
	struct mf_lazy *lz = __atomic_load_n(&mf->lazy, __ATOMIC_ACQUIRE);

	return lz ? mf_lazy_await(lz, off, len) : 0;
}

/* Whether part of [off, off+len) is still to be loaded by a lazy restore. */
static inline bool memfile_pending(struct memfile *mf, u64 off, u64 len)
{
	struct mf_lazy *lz = __atomic_load_n(&mf->lazy, __ATOMIC_ACQUIRE);

	return lz && mf_lazy_pending(lz, off, len);
}

/* Takes over the allocator state of @saved (a memfile decoded from an image) into
 * the live @mf, whose file then holds the image's memory at the same offsets. */
int memfile_adopt(struct memfile *mf, struct memfile *saved);

/*
 * Bulk copies into, out of and within the memory file (memfile_io.c). They go
 * through the kernel (pwrite, pread, copy_file_range) rather than through the
 * Sentry's mapping: on a shadow-paging guest the first touch of each page through a
 * mapping costs 12-20 us, while the kernel copies through its own direct map at
 * memcpy speed. Copies shorter than MEMFILE_IO_MIN use the mapping. None fails: on
 * a host error they finish through the mapping, as a memcpy would have.
 */
#define MEMFILE_IO_MIN 2048
void memfile_read(struct memfile *mf, void *buf, u64 len, u64 off);
void memfile_write(struct memfile *mf, const void *buf, u64 len, u64 off);
/* The next run of [off, end) the memory file holds pages for (SEEK_DATA, then
 * SEEK_HOLE): [*d, *h), or *d = *h = end when there is none. False when the host cannot
 * tell. */
bool memfile_next_data(struct memfile *mf, u64 off, u64 end, u64 *d, u64 *h);
/* Copies [src, src+len) to [dst, dst+len); the ranges must not overlap. The source's
 * holes stay holes where the destination has them (they read as zeros either way). */
void memfile_copy(struct memfile *mf, u64 dst, u64 src, u64 len);
/* Reads up to @len bytes of host file @fd at @pos into the memory file at @off, through
 * a bounce buffer; returns the bytes read (fewer at the file's end) or -EIO. */
s64 memfile_fill(struct memfile *mf, u64 off, int fd, u64 pos, u64 len);

/* Creates a memory file of @size bytes of address space (sparse). */
int memfile_new(u64 size, struct memfile **out);
void memfile_destroy(struct memfile *mf);

/* Sets the limit on bytes allocated (0: none). Allocations made before stay. */
void memfile_set_limit(struct memfile *mf, u64 limit);
/* Bytes allocated now. */
u64 memfile_used(struct memfile *mf);
/* Memory the Sentry holds for the sandbox outside the memory file (a pipe's ring, as
 * it is first written) counts against the same limit: -ENOMEM if @bytes more would
 * pass it, unless @force (an object loaded from an image takes back what it held).
 * A NULL @mf (no sandbox: unit tests) charges nothing. */
int memfile_charge(struct memfile *mf, u64 bytes, bool force);
void memfile_uncharge(struct memfile *mf, u64 bytes);
/* Bytes counted against the limit now: allocations (less those not counted) and
 * charges (loads only). */
u64 memfile_counted(struct memfile *mf);
/* Whether the allocations and charges are past the limit now (loads only). */
bool memfile_full(struct memfile *mf);

/* Allocates @len bytes (page multiple) at a page-aligned offset in *off; -ENOMEM when
 * no range is free or the allocation would take used past the limit. */
int memfile_alloc(struct memfile *mf, u64 len, u64 *off);
/* Like memfile_alloc, but the range may hold what some freed range held (from the
 * dirty pool): for a caller that overwrites every byte before the range is read or
 * mapped, such as a copy-on-write copy. Never hand it out unfilled. */
int memfile_alloc_copy(struct memfile *mf, u64 len, u64 *off);
/* Allocates like memfile_alloc, but the range does not count against the limit
 * until memfile_account: a private mapping without write access, as Linux's
 * overcommit accounting leaves a PROT_NONE reservation (a JVM's code cache, V8's
 * cage) uncommitted. */
int memfile_alloc_noacct(struct memfile *mf, u64 len, u64 *off);
/* memfile_extend for such a range: the new part is not counted either. */
int memfile_extend_noacct(struct memfile *mf, u64 off, u64 len, u64 newlen);
/* What of [off, off+len) was not counted now counts (the mapping became writable);
 * -ENOMEM, with nothing changed, if that would pass the limit. */
int memfile_account(struct memfile *mf, u64 off, u64 len);
/* Returns [off, off+len) to the allocator: into the dirty pool while it has room,
 * else its pages are released (punched). */
void memfile_free(struct memfile *mf, u64 off, u64 len);
/* Empties the dirty pool: punches its ranges and makes them free. */
void memfile_flush(struct memfile *mf);
/* Before a save: the image holds no freed memory (the pool is flushed). */
int memfile_before_save(void *o, void *ctx);
/* Grows the allocation [off, off+len) in place to @newlen if the space after it is
 * free; -ENOMEM otherwise. */
int memfile_extend(struct memfile *mf, u64 off, u64 len, u64 newlen);

static inline void *memfile_ptr(struct memfile *mf, u64 off) { return mf->base + off; }

/*
 * The pages of an in-memory file (overlay upper files, tmpfs, memfd), kept in the
 * memory file as gVisor's tmpfs keeps them: a sparse map from file page to memory-file
 * offset, filled as pages are written or faulted and emptied by truncate and hole
 * punching (mf_pages.c). Refcounted: the inode holds it, and so does every VMA piece
 * that maps it MAP_SHARED, so a mapping outlives the file's last name and descriptor
 * as on Linux. The last put frees every page.
 *
 * A released page that some VMA maps is kept ("held") rather than freed: another
 * address space may still have it mapped, and only a thread running in that address
 * space may unmap it there. Its host page is punched (it reads as zeros and costs no
 * host memory), and it comes back zeroed if the file grows over it again, so every
 * mapping keeps seeing the same page. Held pages are freed when the last mapping goes.
 *
 * Lock order: mm->lock, then an mf_pages' lock, then memfile->lock.
 */
SAVABLE struct mf_run {
	u64 pgoff;              /* first file page */
	u64 npages;
	u64 off;                /* memory-file offset of pgoff */
	bool held;              /* released while mapped: a hole that keeps its range */
};

SAVABLE struct mf_pages {
	struct ref ref;         /* the file's owner and each VMA piece mapping it */
	/* the file's size in bytes, kept here by the file for faults past its end */
	u64 size;
	u64 npresent;           /* pages present (not held): st_blocks */
	u32 maps;               /* VMA pieces mapping it (any mm) */
	u32 writers;            /* of those, shared pieces that may write (seals) */
	/* runs sorted by pgoff, not overlapping; all fields under lock */
	struct mf_run *runs SAVE_COUNT(nruns);
	u32 nruns;
	u32 cap SAVE_SKIP;                      /* set to nruns on load */
	struct memfile *mf SAVE_SKIP;           /* the kernel's; set again on load */
	pthread_mutex_t lock SAVE_SKIP;
	/* A read-only file's page cache (a lower file of the overlay): pages are read
	 * from src_fd as they are needed, never zero-filled, and never released.
	 * src_fd is the cache's own host descriptor of the file (closed by the last
	 * put); -1 after a restore until the file is mapped again, and until then a
	 * page not in the cache cannot be had (a fault on it is a SIGBUS, as an I/O
	 * error is on Linux) */
	bool cache;
	int src_fd SAVE_SKIP;
	/* A cache of a file the sandbox writes (a volume file, through the gofer): its
	 * size follows the file's, and what shared mappings write into its pages is
	 * written back to the file (mf_pages_writeback) through wb_fd, a writable
	 * descriptor of its own (-1: none yet; after a restore until the owner gives
	 * one). With neither, a page cache of a read-only file. */
	bool rw;
	int wb_fd SAVE_SKIP;
	/* the path of the file as the last mmap of it saw it, for /proc/PID/maps
	 * (Linux prints its vm_file's path); NULL until mapped. Under lock */
	char *name SAVE_STR;
};

int mf_pages_after_load(void *o, void *ctx);

int mf_pages_new(struct memfile *mf, struct mf_pages **out);
/* A page cache of a read-only file of @size bytes read through @fd (consumed). */
int mf_pages_new_cache(struct memfile *mf, int fd, u64 size, struct mf_pages **out);
/* Records the path /proc/PID/maps shows for mappings of @p; copies
 * mf_pages_name's answer into @buf (empty if none). */
void mf_pages_set_name(struct mf_pages *p, const char *name);
void mf_pages_name(struct mf_pages *p, char *buf, size_t len);
/* Gives a cache that lost its descriptor in a restore a new one (consumed). */
void mf_pages_set_src(struct mf_pages *p, int fd);
/* Gives a cache of a file the sandbox writes (p->rw) the writable descriptor its
 * write-back goes through (consumed; kept if it has one). */
void mf_pages_set_wb(struct mf_pages *p, int fd);
/* Writes every present page of a p->rw cache (within the file's size) back to the
 * file: there is no dirty tracking (ptrace does not tell writes from reads), so all
 * of them. Called when a shared mapping that may write goes, and by the owner on
 * msync, fsync and at a checkpoint. 0 if there is nothing to do; -EIO if the file
 * could not be written (or no descriptor to write through). Takes the lock. */
int mf_pages_writeback(struct mf_pages *p);
/* Reads the pages of [pgoff, pgoff+n) of a cache that are not in it yet from its
 * file (pages past the file's end are left out). -ENOMEM when the sandbox's memory
 * ran out, -EIO when the file cannot be read; pages read so far stay. Lock held. */
int mf_pages_fill_locked(struct mf_pages *p, u64 pgoff, u64 n);
static inline void mf_pages_get(struct mf_pages *p) { ref_get(&p->ref); }
void mf_pages_put(struct mf_pages *p);
/* Makes pages [pgoff, pgoff+n) present, new ones zero-filled. Returns how many pages
 * from pgoff are present (fewer than @n when the sandbox's memory ran out part way),
 * or -ENOSPC if not even the first one could be. Lock held by the caller. */
s64 mf_pages_alloc_locked(struct mf_pages *p, u64 pgoff, u64 n);
/* Releases the pages of [pgoff, pgoff+n) (truncate, punching a hole). */
void mf_pages_release(struct mf_pages *p, u64 pgoff, u64 n);
/* A VMA piece starts (map: takes a reference) or stops (unmap: drops it) mapping the
 * pages; @writer: a shared piece that may write. The last unmap frees held pages. */
void mf_pages_map(struct mf_pages *p, bool writer);
void mf_pages_unmap(struct mf_pages *p, bool writer);
/* Calls @fn for each present run in [pgoff, pgoff+n), clipped to it, in order; stops at
 * the first non-zero return and returns it. Lock held by the caller. */
int mf_pages_walk_locked(struct mf_pages *p, u64 pgoff, u64 n,
			 int (*fn)(void *arg, u64 pgoff, u64 npages, u64 off), void *arg);
/* The memory-file offset of present page @pgoff, or 0. Lock held. */
u64 mf_pages_find_locked(struct mf_pages *p, u64 pgoff);
/* The first page at or after @pgoff that is present (@data) or a hole (!@data). */
u64 mf_pages_seek(struct mf_pages *p, u64 pgoff, bool data);
/* Copies between the file at byte @pos and @buf; holes read as zeros. Writing needs
 * the pages present (mf_pages_alloc_locked). Lock held. */
void mf_pages_read_locked(struct mf_pages *p, void *buf, u64 len, u64 pos);
/* Copies [pos, pos+len) of the file to memory-file offset @dst, which reads as zeros
 * (fresh from memfile_alloc): the file's holes are skipped. */
void mf_pages_copy_locked(struct mf_pages *p, u64 dst, u64 len, u64 pos);
void mf_pages_write_locked(struct mf_pages *p, const void *buf, u64 len, u64 pos);

#endif
