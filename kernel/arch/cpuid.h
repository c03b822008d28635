/*
 * The CPU the application sees. With CPUID faulting every cpuid instruction reaches
 * the Sentry, which answers from this policy: the host's values with the features
 * the Sentry does not offer masked, so that an image can be restored on any host that
 * has at least these features.
 */
#ifndef SBX_ARCH_CPUID_H
#define SBX_ARCH_CPUID_H

#include "base/types.h"
#include "save.h"

SAVABLE struct cpuid_policy {
	u32 max_leaf;
	u32 leaf1_ecx, leaf1_edx;       /* features offered in leaf 1 */
	u32 leaf7_ebx, leaf7_ecx, leaf7_edx;
	u64 xcr0;                       /* xsave components offered */
};

void cpuid_policy_init(struct cpuid_policy *p, u64 platform_xcr0);

/* What /proc/cpuinfo tells of the CPU, from the policy's answers (cpuid_describe). */
struct cpuid_desc {
	char vendor[13];
	char model_name[49];
	u32 family, model, stepping;
	u32 level;              /* the highest basic leaf */
	u32 cache_kb;           /* Linux's "cache size"; 0: unknown */
	u32 clflush;            /* bytes */
	u32 phys_bits, virt_bits;
	u32 khz;                /* the TSC's rate, measured once */
};

void cpuid_describe(const struct cpuid_policy *p, struct cpuid_desc *d);
/* Writes Linux's names (arch/x86/include/asm/cpufeatures.h) of the features from cpuid
 * that the policy offers, each preceded by a space, into @buf; returns its length. */
size_t cpuid_flags(const struct cpuid_policy *p, char *buf, size_t len);
/* Fills @out (eax, ebx, ecx, edx) for leaf @eax, subleaf @ecx. */
void cpuid_emulate(const struct cpuid_policy *p, u32 eax, u32 ecx, u32 out[4]);

#endif
