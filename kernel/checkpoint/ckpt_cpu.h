/* The CPU description an image carries in its header: what the application was
 * allowed to see, so a restore on a host that lacks any of it is refused. */
#ifndef SBX_CKPT_CPU_H
#define SBX_CKPT_CPU_H

#include "arch/cpuid.h"

#define CKPT_CPU_VERSION 1

struct ckpt_cpu {
	u32 version;
	u32 fpstate_size;       /* bytes of the xsave area saved per task */
	u64 xcr0;               /* xsave components in it */
	struct cpuid_policy policy;
};

#endif
