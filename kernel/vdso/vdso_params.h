/*
 * The page below the sandbox's vDSO image (app/vdso.c): what the Sentry tells the
 * vDSO. Shared by the image and the Sentry (vdso.c); plain C types only.
 */
#ifndef SBX_VDSO_PARAMS_H
#define SBX_VDSO_PARAMS_H

#include <stdint.h>

#define VDSO_PARAMS_SIZE 4096

#define VDSO_NR_GETTIMEOFDAY 96
#define VDSO_NR_TIME 201
#define VDSO_NR_CLOCK_GETTIME 228

struct vdso_params {
	uint64_t host_clock_gettime;    /* the host vDSO's, callable here; 0: none */
	int64_t mono_offset;            /* MONOTONIC (COARSE, RAW) = host's + this */
	int64_t boot_offset;            /* BOOTTIME = host's + this */
};

#endif
