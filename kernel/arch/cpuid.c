/* CPUID emulation (see cpuid.h). */
#include <cpuid.h>

#include "arch/cpuid.h"


void cpuid_policy_init(struct cpuid_policy *p, u64 platform_xcr0)
{
	u32 a, b, c, d;

	__cpuid(0, a, b, c, d);
	p->max_leaf = a;
	__cpuid(1, a, b, c, d);
	p->leaf1_ecx = c;
	p->leaf1_edx = d;
	__cpuid_count(7, 0, a, b, c, d);
	p->leaf7_ebx = b;
	p->leaf7_ecx = c;
	p->leaf7_edx = d;
	p->xcr0 = platform_xcr0;
}

void cpuid_emulate(const struct cpuid_policy *p, u32 leaf, u32 sub, u32 out[4])
{
	__cpuid_count(leaf, sub, out[0], out[1], out[2], out[3]);
	switch (leaf) {
	case 1:
		out[2] &= p->leaf1_ecx;
		out[3] &= p->leaf1_edx;
		break;
	case 7:
		if (sub == 0) {
			out[1] &= p->leaf7_ebx;
			out[2] &= p->leaf7_ecx;
			out[3] &= p->leaf7_edx;
		}
		break;
	case 0xd:
		if (sub == 0) {
			out[0] &= (u32)p->xcr0;
			out[3] &= (u32)(p->xcr0 >> 32);
		}
		break;
	}
}
