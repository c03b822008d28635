/*
 * The sandbox's vDSO (app/vdso.c), from the Sentry's side: mapped into every new
 * program with its parameter page below it, whose contents the Sentry keeps right.
 */
#ifndef SBX_VDSO_H
#define SBX_VDSO_H

#include "base/types.h"

struct kernel;
struct mm;

/* Maps the parameter page and the image into @mm (top-down, as Linux places it);
 * *@ehdr gets the image's address, for AT_SYSINFO_EHDR. 0 or -errno. */
int vdso_map(struct kernel *k, struct mm *mm, u64 *ehdr);
/* Rewrites the parameter page of every address space that has one: after a restore
 * (new host vDSO, new clock offsets). */
void vdso_update_all(struct kernel *k);

#endif
