/*
 * The memory manager: an address space as an ordered set of VMAs, each backed by a
 * range of the memory file, mirrored into the platform address space. After Linux's
 * mm/mmap.c and gVisor's pkg/sentry/mm.
 *
 * Every VMA is mapped into the platform eagerly with its protections, so the only
 * faults the platform reports are real violations, stack growth, copy-on-write and,
 * after a lazy restore, first touches of memory still loading (mm_gate.c). A VMA owns
 * its memory-file range alone, or shares it copy-on-write after fork (mf_share), or
 * maps a file's pages (mf_pages: an in-memory file's, or a read-only file's page
 * cache), shared or, for MAP_PRIVATE, copy-on-write: the first write gives the piece
 * a copy of its own (mm_cow.c), so a library's text is never copied.
 *
 * Lock order: mm->lock, then an mf_pages' lock, then memfile->lock.
 */
#ifndef SBX_MM_H
#define SBX_MM_H

#include <pthread.h>

#include "base/ref.h"
#include "base/types.h"
#include "save.h"

struct memfile;
struct mf_pages;
struct platform;
struct plat_as;
struct plat_ctx;

#define VMA_GROWSDOWN 0x1
#define VMA_SHARED 0x2
#define VMA_STACK 0x4           /* the initial stack, for /proc/self/maps */
#define VMA_HEAP 0x8            /* the brk area */
#define VMA_MAYWRITE 0x10       /* a shared file mapping that may be made writable */
#define VMA_LOCKED 0x20         /* mlock'ed (mm_lock.c); a fork's child drops it */
/* private anonymous memory mapped PROT_NONE and never accessible since (a JVM's or
 * V8's reservation): its range is not counted against the memory limit
 * (memfile_alloc_noacct) until an mprotect gives it access or the Sentry writes
 * into it (mm_poke). Linux leaves read-only private memory uncommitted too; here a
 * read would populate the memory file, so only PROT_NONE is left out. */
#define VMA_NOACCT 0x40

#define PROT_WRITE_BIT 0x2      /* PROT_WRITE, without <sys/mman.h> here */

/*
 * Memory shared between address spaces after fork: a memory-file range and the
 * number of VMA pieces (in any mm) that map part of it. Private pieces are
 * copy-on-write: mapped without write permission until one writes, which copies
 * the piece to memory of its own (or, if it is the last holder, takes the range
 * over). The last put frees the whole range.
 */
SAVABLE struct mf_share {
	struct ref ref;
	u64 off, len;
};

SAVABLE struct vma {
	u64 start, end;         /* [start, end), page aligned */
	u64 off;                /* memory-file offset backing start */
	u32 prot;               /* PROT_READ | PROT_WRITE | PROT_EXEC */
	u32 flags;              /* VMA_* */
	struct mf_share *share; /* NULL: the range is this VMA's alone */
	/* A mapping of a file's pages (an in-memory file's own, or a read-only file's
	 * page cache; referenced by each piece, mf_pages_map), and the file page at
	 * start; off is unused. MAP_SHARED, or MAP_PRIVATE until its first write, which
	 * copies the piece (vma_break_cow). NULL otherwise */
	struct mf_pages *pages;
	u64 pgoff;
	/* A private file mapping whose piece was copied at a write: the file's pages it
	 * was copied from (a reference), with pgoff still the file page at start, so
	 * MADV_DONTNEED can bring the file's contents back as Linux does. NULL
	 * otherwise */
	struct mf_pages *origin;
};

/* An address range mapped PROT_NONE until its lazily restored memory is loaded
 * (mm_gate.c). */
struct mm_gate {
	u64 start, end;
};

SAVABLE struct mm {
	struct ref ref;         /* tasks using it: threads, CLONE_VM children */
	/* VMAs sorted by start, non-overlapping; under lock */
	struct vma *vmas SAVE_COUNT(nvmas);
	u32 nvmas;
	u32 cap SAVE_SKIP;
	u64 brk_start, brk;     /* program break: [brk_start, brk) */
	u64 mmap_base;          /* top-down mmap search starts below this */
	u64 stack_top;
	u64 arg_start, arg_end, env_start, env_end;
	u64 max_addr;           /* no mapping at or above this */
	/* RLIMIT_AS of the process in bytes (Linux's may_expand_vm): growth of the
	 * mapped total past it fails with -ENOMEM. 0 for none; a limit of 0 is kept
	 * as 1, which refuses the same mappings. Under lock */
	u64 as_limit;
	/* mlockall(MCL_FUTURE) (mm_lock.c): new mappings are made locked, up to this
	 * RLIMIT_MEMLOCK (bytes; the soft value at the call) or EAGAIN; 0: not. Under
	 * lock; a fork's child and exec start without */
	u64 lock_future SAVE_DEFAULT(0);
	struct memfile *mf SAVE_SKIP;        /* the kernel's; set again on load */
	struct platform *plat SAVE_SKIP;     /* likewise */
	struct plat_as *as SAVE_SKIP;        /* recreated on restore, then every VMA mapped */
	pthread_mutex_t lock SAVE_SKIP;
	/* ranges gated by a lazy restore, sorted; under lock; never saved (a
	 * checkpoint loads all memory first, and a restore gates afresh) */
	struct mm_gate *gates SAVE_SKIP;
	u32 ngates SAVE_SKIP, gcap SAVE_SKIP;
	/* Bumped (under lock, atomically) after every host mapping change that may
	 * grant access: see mm_fault. Never saved: a restore maps everything afresh. */
	u64 map_gen SAVE_SKIP;
};

int mm_after_load(void *o, void *ctx);

int mm_new(struct memfile *mf, struct platform *plat, struct mm **out);
void mm_destroy(struct mm *mm);
/* Sets the address-space limit: RLIMIT_AS's soft value, L_RLIM_INFINITY for none. */
void mm_set_as_limit(struct mm *mm, u64 limit);
/* Bytes mapped (Linux's total_vm): the process's size for the OOM killer. */
u64 mm_total_vm(struct mm *mm);
/* Pages of its anonymous and private memory populated now (mm_rss.c): the resident
 * size getrusage's ru_maxrss follows. Takes mm->lock. */
u64 mm_rss_pages(struct mm *mm);
/* A context for the calling thread in @mm's platform address space, made (and every
 * VMA mapped) by the first caller, on the thread that will run in it. */
int mm_ctx_new(struct mm *mm, struct plat_ctx **out);
/* Before another task starts in @mm (CLONE_VM): called by the owner of @ctx, a
 * context in @mm, stopped (plat_as_share). */
int mm_share_as(struct mm *mm, struct plat_ctx *ctx);
/* For exec: @mm takes @old's address space and the caller's context @ctx, the only
 * one there, instead of making new ones (mm.c says when). 0, and @old still points
 * at it until mm_forget_as(@old); or an error, and the caller makes new ones. */
int mm_take_as(struct mm *mm, struct mm *old, struct plat_ctx *ctx);
void mm_forget_as(struct mm *old);
static inline void mm_get(struct mm *mm) { ref_get(&mm->ref); }
void mm_put(struct mm *mm);
/* Host pointer to the aligned u32 at @addr, mapped readable (and writable if @write,
 * breaking copy-on-write), or NULL. Stays valid while the memory file does. */
u32 *mm_word_ptr(struct mm *mm, u64 addr, bool write);

/* The VMA set (vma.c). mm->lock held. */
struct vma *vma_find(struct mm *mm, u64 addr);          /* containing addr */
u32 vma_index_after(struct mm *mm, u64 addr);            /* first with end > addr */
int vma_insert(struct mm *mm, const struct vma *v);
int vma_split(struct mm *mm, u32 i, u64 addr);           /* at addr inside vmas[i] */
void vma_remove(struct mm *mm, u32 i);
bool vma_range_free(struct mm *mm, u64 start, u64 end);

/* Address-space operations (mm.c). Return 0, a mapped address, or -errno. */
s64 mm_mmap_anon(struct mm *mm, u64 addr, u64 len, int prot, int flags);
/* Maps a file's pages (vfs_file_ops.map_pages) from file page @pgoff, MAP_SHARED or
 * MAP_PRIVATE as @flags say; @maywrite: a shared mapping that mprotect may make
 * writable (the file is open for writing and not write-sealed). */
s64 mm_mmap_pages(struct mm *mm, u64 addr, u64 len, int prot, int flags,
		  struct mf_pages *pages, u64 pgoff, bool maywrite);
int mm_msync(struct mm *mm, u64 addr, u64 len, int flags);
int mm_munmap(struct mm *mm, u64 addr, u64 len);
/* The file pages a shared mapping at @addr maps (referenced), with the page of the
 * file @addr is at; NULL if none (shmdt's lookup). */
struct mf_pages *mm_pages_at(struct mm *mm, u64 addr, u64 *pgoff);
/* Unmaps the shared mappings of @p in [start, end), and nothing else there. */
void mm_unmap_pages_range(struct mm *mm, u64 start, u64 end, struct mf_pages *p);
int mm_mprotect(struct mm *mm, u64 addr, u64 len, int prot);
s64 mm_mremap(struct mm *mm, u64 old, u64 oldlen, u64 newlen, int flags, u64 newaddr);
int mm_madvise(struct mm *mm, u64 addr, u64 len, int advice);
/* mm_lock.c: mlock/mlock2 (@lock) and munlock of [addr, addr + len), mlockall and
 * munlockall, with Linux's errors. @limit is RLIMIT_MEMLOCK's soft value in bytes,
 * @unlimited the caller's CAP_IPC_LOCK. */
int mm_mlock(struct mm *mm, u64 addr, u64 len, bool lock, u64 limit, bool unlimited);
int mm_mlockall(struct mm *mm, int flags, u64 limit, bool unlimited);
int mm_munlockall(struct mm *mm);
/* Bytes mapped by the VMAs with every one of @flags, VMA_* (VMA_LOCKED: VmLck).
 * Takes mm->lock. */
u64 mm_vm_bytes(struct mm *mm, u32 flags);
u64 mm_brk(struct mm *mm, u64 addr);
/* Maps [addr, addr+len) fixed, zero-filled, and fills it from @data (ELF loading). */
int mm_map_fixed_data(struct mm *mm, u64 addr, u64 len, int prot, u32 flags);

/* Lazy-restore gates (mm_gate.c); mm->lock held. mm_gate_map makes @op the mapping
 * of a VMA (not one of a file's pages: those map run by run) into the address
 * space being attached, gated (and the gate recorded) if
 * its memory is still loading; mm_ungate loads and
 * maps with access whatever of [start, end) is gated; mm_gate_drop forgets gates in
 * an unmapped range; mm_gate_fault ungates around a faulting address if it is gated
 * (true: retry the access). */
struct plat_as_op;
int mm_gate_map(struct mm *mm, const struct vma *v, struct plat_as_op *op);
int mm_ungate(struct mm *mm, u64 start, u64 end);
void mm_gate_drop(struct mm *mm, u64 start, u64 end);
bool mm_gate_fault(struct mm *mm, u64 addr);


/* The mm's map_gen, for mm_fault: read before a thread enters the application. */
static inline u64 mm_map_gen(struct mm *mm)
{
	return __atomic_load_n(&mm->map_gen, __ATOMIC_ACQUIRE);
}
/* Page fault at @addr: 0 if it was handled (stack growth, a copy-on-write copy, a
 * file page mapped) and the access should be retried, -EFAULT if the application
 * must get a signal, -EIO if that signal is SIGBUS (a file mapping past the file's
 * end, or no memory for its page), -ENOMEM if a copy-on-write copy found the sandbox
 * at its memory limit (the caller runs the OOM killer). @seen is mm_map_gen() from
 * before the faulting thread last entered the application: a fault that another
 * thread's change has since made stale is retried (0), never signalled. */
int mm_fault(struct mm *mm, u64 addr, u64 stack_limit, u64 seen);

/* Shared file mappings (mm_file.c); mm->lock held for the vma_ ones. */
/* Maps what is present of @v's pages in [start, end) into the platform with @prot. */
int vma_map_pages(struct mm *mm, const struct vma *v, u64 start, u64 end, int prot);
/* Appends a map op per present run of file VMA @v's pages to *@ops (@n used of
 * @cap, grown as needed), with @v's protections: a new address space is mapped in
 * one batch. */
int vma_pages_ops(struct mm *mm, const struct vma *v, struct plat_as_op **ops, size_t *n,
		  size_t *cap);
/* Maps [start, end) of any VMA into the platform with @prot. */
int vma_plat_map(struct mm *mm, const struct vma *v, u64 start, u64 end, int prot);
/* The memory-file offset of the page at @addr of file VMA @v, made present if it was
 * a hole: -EFAULT past the file's end, -ENOMEM without memory. */
int vma_file_page(struct mm *mm, struct vma *v, u64 addr, u64 *off);
/* A fault at @addr in file VMA @v (see mm_fault). */
int vma_file_fault(struct mm *mm, struct vma *v, u64 addr);
/* Unmaps file pages [pgoff, pgoff+n) of @p from the calling thread's address space
 * (the file shrank or was punched): later touches fault again and see the file as
 * it is. Other address spaces drop what they map past the file's end at their next
 * syscall exit (mm_sync_file_maps). */
void mm_unmap_pages_self(struct mf_pages *p, u64 pgoff, u64 n);
/* Called by a thread of @mm as it leaves a syscall: if a file shrank anywhere since
 * it last looked, unmaps @mm's mappings of files past their ends (SIGBUS there).
 * Inline: on the syscall path it is one compare (mm_file.c). */
extern u64 mm_shrink_gen;
extern __thread u64 mm_shrink_seen;
void mm_sync_file_maps_slow(struct mm *mm);
static inline void mm_sync_file_maps(struct mm *mm)
{
	if (__builtin_expect(__atomic_load_n(&mm_shrink_gen, __ATOMIC_ACQUIRE) !=
			     mm_shrink_seen, 0))
		mm_sync_file_maps_slow(mm);
}

/* Copy-on-write (mm_cow.c); mm->lock held for the vma_ ones. */
static inline bool vma_is_cow(const struct vma *v)
{
	return (v->share || v->pages) && !(v->flags & VMA_SHARED);
}
/* The protections the platform maps a VMA with: no write while copy-on-write. */
static inline int vma_map_prot(const struct vma *v)
{
	return vma_is_cow(v) ? (int)(v->prot & ~PROT_WRITE_BIT) : (int)v->prot;
}
/* Gives up the VMA's memory: frees its range, or drops its share. */
void vma_release_mem(struct mm *mm, struct vma *v);
/* Makes a copy-on-write VMA's memory its own, remapping it writable. A private file
 * mapping is copied up to the file's end, split off the pages past it (which stay
 * the file's, so they still raise SIGBUS): callers find the VMA again. -EIO when the
 * piece is wholly past the end or its pages cannot be read. */
int vma_break_cow(struct mm *mm, struct vma *v);
/* Copies the small writable private file mappings in [start, end) now rather than at
 * their first write (exec's data segments; best effort). */
void mm_copy_data_now(struct mm *mm, u64 start, u64 end);
/* A copy-on-write copy of @parent for a forked child. Called on the parent's
 * thread: the parent's writable private memory is mapped read-only from now on.
 * @other_refs: how many of @parent's references are held by no task (a CPU clock's),
 * so that the caller can tell it is the only task using it. */
int mm_fork(struct mm *parent, u32 other_refs, struct mm **out);

/* Copy-in / copy-out (mm_copy.c): whole range or -EFAULT. */
int mm_copy_in(struct mm *mm, void *dst, u64 src, size_t len);
int mm_copy_out(struct mm *mm, u64 dst, const void *src, size_t len);
int mm_zero_out(struct mm *mm, u64 dst, size_t len);
/* Copies a NUL-terminated string of at most @max bytes (with the NUL); returns its
 * length, -EFAULT, or -ENAMETOOLONG. */
s64 mm_strncpy_in(struct mm *mm, char *dst, u64 src, size_t max);
/* How many bytes from @addr (up to @len) are mapped readable (or writable): a read
 * into application memory reads only that much, so a fault consumes no input, as
 * on Linux where the copy fails before the file position moves. */
u64 mm_access_len(struct mm *mm, u64 addr, u64 len, bool write);
/* Like copy-out but ignores write protection (the loader writing the initial stack
 * and ptrace-style pokes). */
int mm_poke(struct mm *mm, u64 dst, const void *src, size_t len);

#endif
