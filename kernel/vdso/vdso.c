/*
 * Mapping the sandbox's vDSO (app/vdso.c) and keeping its parameter page right.
 *
 * Each program gets its own copy: a read-only parameter page ([vvar]) and, right
 * above it, the image ([vdso], read and execute), placed top-down like any mapping
 * and copied by fork like any private memory. The page holds what the image cannot
 * know: where the platform keeps the host's clock_gettime (platform.h,
 * host_clock_gettime) and the sandbox's clock offsets (time/ktime.h). Both change
 * only across a restore, which rewrites every page before a task runs.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel.h"
#include "mm/mm.h"
#include "platform.h"
#include "task/task.h"
#include "vdso/vdso.h"
#include "vdso/vdso_params.h"

extern const char vdso_image_start[], vdso_image_end[];

static void fill(struct kernel *k, struct vdso_params *vp)
{
	memset(vp, 0, sizeof(*vp));
	vp->host_clock_gettime = k->plat->host_clock_gettime;
	vp->mono_offset = k->time.mono_offset;
	vp->boot_offset = k->time.boot_offset;
}

int vdso_map(struct kernel *k, struct mm *mm, u64 *ehdr)
{
	size_t len = PAGE_ALIGN((size_t)(vdso_image_end - vdso_image_start));
	struct vdso_params vp;
	s64 at;
	int err;

	/* A free range, top-down; then the two mappings with their names. */
	at = mm_mmap_anon(mm, 0, VDSO_PARAMS_SIZE + len, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS);
	if (at < 0)
		return at;
	fill(k, &vp);
	err = mm_map_fixed_data(mm, at, VDSO_PARAMS_SIZE, PROT_READ, VMA_VVAR);
	if (!err)
		err = mm_map_fixed_data(mm, at + VDSO_PARAMS_SIZE, len, PROT_READ | PROT_EXEC,
					VMA_VDSO);
	if (!err)
		err = mm_poke(mm, at, &vp, sizeof(vp));
	if (!err)
		err = mm_poke(mm, at + VDSO_PARAMS_SIZE, vdso_image_start,
			      vdso_image_end - vdso_image_start);
	if (err) {
		mm_munmap(mm, at, VDSO_PARAMS_SIZE + len);
		return err;
	}
	*ehdr = at + VDSO_PARAMS_SIZE;
	return 0;
}

/* The parameter pages of @mm (an application may have moved or copied them). */
static void update_mm(struct kernel *k, struct mm *mm)
{
	struct vdso_params vp;
	u64 at[8];
	u32 n = 0;

	fill(k, &vp);
	pthread_mutex_lock(&mm->lock);
	for (u32 i = 0; i < mm->nvmas && n < 8; i++)
		if (mm->vmas[i].flags & VMA_VVAR)
			at[n++] = mm->vmas[i].start;
	pthread_mutex_unlock(&mm->lock);
	for (u32 i = 0; i < n; i++)
		mm_poke(mm, at[i], &vp, sizeof(vp));
}

void vdso_update_all(struct kernel *k)
{
	struct st_list *p;
	struct task *t;

	pthread_mutex_lock(&k->lock);
	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);

		tg_for_each_task(t, tg)
			if (t->mm)
				update_mm(k, t->mm);
	}
	pthread_mutex_unlock(&k->lock);
}
