/*
 * Mapping the sandbox's vDSO (app/vdso.c) and keeping its parameter page right.
 *
 * As Linux does, every program maps the same two pages: a parameter page ([vvar],
 * read-only) and, right above it, the image ([vdso], read and execute), each a
 * one-page file of the memory file's (mf_pages) that the kernel holds, mapped
 * private like a library's text: exec maps them without a copy and fork shares them.
 * The parameter page holds what the image cannot know: where the platform keeps the
 * host's clock_gettime (platform.h, host_clock_gettime) and the sandbox's clock
 * offsets (time/ktime.h). Both change only across a restore, which rewrites the
 * page before a task runs.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "platform.h"
#include "vdso/vdso.h"
#include "vdso/vdso_params.h"

extern const char vdso_image_start[], vdso_image_end[];

/* Serialises the first exec's making of the pages. */
static pthread_mutex_t vdso_lock = PTHREAD_MUTEX_INITIALIZER;

_Static_assert(VDSO_PARAMS_SIZE == PAGE_SIZE, "the parameter page is a page");

static void fill(struct kernel *k, struct vdso_params *vp)
{
	memset(vp, 0, sizeof(*vp));
	vp->host_clock_gettime = k->plat->host_clock_gettime;
	vp->mono_offset = k->time.mono_offset;
	vp->boot_offset = k->time.boot_offset;
}

/* A one-page file named @name holding @len bytes of @data, zeros after them. */
static int new_page(struct kernel *k, const char *name, const void *data, size_t len,
		    struct mf_pages **out)
{
	static const u8 zero[PAGE_SIZE];
	struct mf_pages *p;
	s64 got;
	int err = mf_pages_new(k->mf, &p);

	if (err)
		return err;
	mf_pages_set_name(p, name);
	pthread_mutex_lock(&p->lock);
	/* A page long: a file's end is where a fault stops, and where every address
	 * space drops its mappings after any file anywhere shrinks (mm_file.c). */
	p->size = PAGE_SIZE;
	got = mf_pages_alloc_locked(p, 0, 1);
	if (got == 1) {
		mf_pages_write_locked(p, zero, PAGE_SIZE, 0);
		mf_pages_write_locked(p, data, len, 0);
	}
	pthread_mutex_unlock(&p->lock);
	if (got != 1) {
		mf_pages_put(p);
		return got < 0 ? (int)got : -ENOMEM;
	}
	*out = p;
	return 0;
}

static int make_pages(struct kernel *k)
{
	struct vdso_params vp;
	int err = 0;

	pthread_mutex_lock(&vdso_lock);
	if (!k->vdso_vvar) {
		fill(k, &vp);
		err = new_page(k, "[vvar]", &vp, sizeof(vp), &k->vdso_vvar);
	}
	if (!err && !k->vdso_image)
		err = new_page(k, "[vdso]", vdso_image_start,
			       vdso_image_end - vdso_image_start, &k->vdso_image);
	pthread_mutex_unlock(&vdso_lock);
	return err;
}

int vdso_map(struct kernel *k, struct mm *mm, u64 *ehdr)
{
	s64 at, r;
	int err;

	err = make_pages(k);
	if (err)
		return err;
	/* A free range, top-down; then the two pages over it. */
	at = mm_mmap_anon(mm, 0, 2 * PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (at < 0)
		return at;
	r = mm_mmap_pages(mm, at, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			  k->vdso_vvar, 0, false);
	if (r >= 0)
		r = mm_mmap_pages(mm, at + PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_EXEC,
				  MAP_PRIVATE | MAP_FIXED, k->vdso_image, 0, false);
	if (r < 0) {
		mm_munmap(mm, at, 2 * PAGE_SIZE);
		return r;
	}
	/* Linux keeps its vDSO apart from what mmap places (above the stack); here it
	 * tops the mmap area, so the area starts again a page below it: nothing the
	 * program maps later lies against it (a read past a segment's end faults). */
	pthread_mutex_lock(&mm->lock);
	if (mm->mmap_base > (u64)at - PAGE_SIZE)
		mm->mmap_base = at - PAGE_SIZE;
	pthread_mutex_unlock(&mm->lock);
	*ehdr = at + PAGE_SIZE;
	return 0;
}

/* Images made before 2026-11-30 say the pages are 0 bytes long (new_page). */
static void page_long(struct mf_pages *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->size = PAGE_SIZE;
	pthread_mutex_unlock(&p->lock);
}

void vdso_update(struct kernel *k)
{
	struct vdso_params vp;

	if (!k->vdso_vvar)
		return;         /* no program has mapped it yet, or an older image */
	fill(k, &vp);
	pthread_mutex_lock(&k->vdso_vvar->lock);
	mf_pages_write_locked(k->vdso_vvar, &vp, sizeof(vp), 0);
	pthread_mutex_unlock(&k->vdso_vvar->lock);
	page_long(k->vdso_vvar);
	page_long(k->vdso_image);
}
