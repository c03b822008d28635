/*
 * The sandbox's vDSO (app/vdso.c), from the Sentry's side: mapped into every new
 * program with its parameter page below it, whose contents the Sentry keeps right.
 * The pages are the kernel's (k->vdso_vvar, k->vdso_image), shared by all programs.
 */
#ifndef SBX_VDSO_H
#define SBX_VDSO_H

#include "base/types.h"

struct kernel;
struct mm;

/* Maps the parameter page and the image into @mm (top-down, as Linux places it),
 * making them at the first call; *@ehdr gets the image's address, for
 * AT_SYSINFO_EHDR. 0 or -errno. */
int vdso_map(struct kernel *k, struct mm *mm, u64 *ehdr);
/* Rewrites the parameter page: after a restore (new host vDSO, new clock offsets). */
void vdso_update(struct kernel *k);

#endif
