/*
 * The memory file: one memfd that holds every page of application memory, kept
 * mapped whole in the Sentry so that copy-in/copy-out is a memcpy. A range allocator
 * hands out file ranges to VMAs; freed ranges have their pages punched out.
 */
#ifndef SBX_MEMFILE_H
#define SBX_MEMFILE_H

#include <pthread.h>

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
	/* free extents sorted by offset, never adjacent; under lock */
	struct mf_extent *free SAVE_COUNT(nfree);
	u32 nfree;
	u32 cap SAVE_SKIP;           /* capacity of free; set to nfree on load */
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

/* Creates a memory file of @size bytes of address space (sparse). */
int memfile_new(u64 size, struct memfile **out);
void memfile_destroy(struct memfile *mf);

/* Sets the limit on bytes allocated (0: none). Allocations made before stay. */
void memfile_set_limit(struct memfile *mf, u64 limit);
/* Bytes allocated now. */
u64 memfile_used(struct memfile *mf);

/* Allocates @len bytes (page multiple) at a page-aligned offset in *off; -ENOMEM when
 * no range is free or the allocation would take used past the limit. */
int memfile_alloc(struct memfile *mf, u64 len, u64 *off);
/* Returns [off, off+len) to the allocator and releases its pages. */
void memfile_free(struct memfile *mf, u64 off, u64 len);
/* Grows the allocation [off, off+len) in place to @newlen if the space after it is
 * free; -ENOMEM otherwise. */
int memfile_extend(struct memfile *mf, u64 off, u64 len, u64 newlen);

static inline void *memfile_ptr(struct memfile *mf, u64 off) { return mf->base + off; }

#endif
