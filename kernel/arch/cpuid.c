/* CPUID emulation (see cpuid.h). */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

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

/* Linux's names of cpuid feature bits, as /proc/cpuinfo lists them (the bits Linux
 * hides, or shows under names of its own making, are left out). */
struct feature_name {
	u32 leaf, sub;
	u8 reg;                 /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	u8 bit;
	const char *name;
};

static const struct feature_name features[] = {
	{ 1, 0, 3, 0, "fpu" }, { 1, 0, 3, 1, "vme" }, { 1, 0, 3, 2, "de" },
	{ 1, 0, 3, 3, "pse" }, { 1, 0, 3, 4, "tsc" }, { 1, 0, 3, 5, "msr" },
	{ 1, 0, 3, 6, "pae" }, { 1, 0, 3, 7, "mce" }, { 1, 0, 3, 8, "cx8" },
	{ 1, 0, 3, 9, "apic" }, { 1, 0, 3, 11, "sep" }, { 1, 0, 3, 12, "mtrr" },
	{ 1, 0, 3, 13, "pge" }, { 1, 0, 3, 14, "mca" }, { 1, 0, 3, 15, "cmov" },
	{ 1, 0, 3, 16, "pat" }, { 1, 0, 3, 17, "pse36" }, { 1, 0, 3, 18, "pn" },
	{ 1, 0, 3, 19, "clflush" }, { 1, 0, 3, 21, "dts" }, { 1, 0, 3, 22, "acpi" },
	{ 1, 0, 3, 23, "mmx" }, { 1, 0, 3, 24, "fxsr" }, { 1, 0, 3, 25, "sse" },
	{ 1, 0, 3, 26, "sse2" }, { 1, 0, 3, 27, "ss" }, { 1, 0, 3, 28, "ht" },
	{ 1, 0, 3, 29, "tm" }, { 1, 0, 3, 30, "ia64" }, { 1, 0, 3, 31, "pbe" },
	{ 0x80000001, 0, 3, 11, "syscall" }, { 0x80000001, 0, 3, 19, "mp" },
	{ 0x80000001, 0, 3, 20, "nx" }, { 0x80000001, 0, 3, 22, "mmxext" },
	{ 0x80000001, 0, 3, 25, "fxsr_opt" }, { 0x80000001, 0, 3, 26, "pdpe1gb" },
	{ 0x80000001, 0, 3, 27, "rdtscp" }, { 0x80000001, 0, 3, 29, "lm" },
	{ 0x80000001, 0, 3, 30, "3dnowext" }, { 0x80000001, 0, 3, 31, "3dnow" },
	{ 1, 0, 2, 0, "pni" }, { 1, 0, 2, 1, "pclmulqdq" }, { 1, 0, 2, 2, "dtes64" },
	{ 1, 0, 2, 3, "monitor" }, { 1, 0, 2, 4, "ds_cpl" }, { 1, 0, 2, 5, "vmx" },
	{ 1, 0, 2, 6, "smx" }, { 1, 0, 2, 7, "est" }, { 1, 0, 2, 8, "tm2" },
	{ 1, 0, 2, 9, "ssse3" }, { 1, 0, 2, 10, "cid" }, { 1, 0, 2, 11, "sdbg" },
	{ 1, 0, 2, 12, "fma" }, { 1, 0, 2, 13, "cx16" }, { 1, 0, 2, 14, "xtpr" },
	{ 1, 0, 2, 15, "pdcm" }, { 1, 0, 2, 17, "pcid" }, { 1, 0, 2, 18, "dca" },
	{ 1, 0, 2, 19, "sse4_1" }, { 1, 0, 2, 20, "sse4_2" }, { 1, 0, 2, 21, "x2apic" },
	{ 1, 0, 2, 22, "movbe" }, { 1, 0, 2, 23, "popcnt" },
	{ 1, 0, 2, 24, "tsc_deadline_timer" }, { 1, 0, 2, 25, "aes" },
	{ 1, 0, 2, 26, "xsave" }, { 1, 0, 2, 28, "avx" }, { 1, 0, 2, 29, "f16c" },
	{ 1, 0, 2, 30, "rdrand" }, { 1, 0, 2, 31, "hypervisor" },
	{ 0x80000001, 0, 2, 0, "lahf_lm" }, { 0x80000001, 0, 2, 1, "cmp_legacy" },
	{ 0x80000001, 0, 2, 2, "svm" }, { 0x80000001, 0, 2, 3, "extapic" },
	{ 0x80000001, 0, 2, 4, "cr8_legacy" }, { 0x80000001, 0, 2, 5, "abm" },
	{ 0x80000001, 0, 2, 6, "sse4a" }, { 0x80000001, 0, 2, 7, "misalignsse" },
	{ 0x80000001, 0, 2, 8, "3dnowprefetch" }, { 0x80000001, 0, 2, 9, "osvw" },
	{ 0x80000001, 0, 2, 10, "ibs" }, { 0x80000001, 0, 2, 11, "xop" },
	{ 0x80000001, 0, 2, 12, "skinit" }, { 0x80000001, 0, 2, 13, "wdt" },
	{ 0x80000001, 0, 2, 15, "lwp" }, { 0x80000001, 0, 2, 16, "fma4" },
	{ 0x80000001, 0, 2, 17, "tce" }, { 0x80000001, 0, 2, 19, "nodeid_msr" },
	{ 0x80000001, 0, 2, 21, "tbm" }, { 0x80000001, 0, 2, 22, "topoext" },
	{ 0x80000001, 0, 2, 23, "perfctr_core" }, { 0x80000001, 0, 2, 24, "perfctr_nb" },
	{ 0x80000001, 0, 2, 26, "bpext" }, { 0x80000001, 0, 2, 27, "ptsc" },
	{ 0x80000001, 0, 2, 28, "perfctr_llc" }, { 0x80000001, 0, 2, 29, "mwaitx" },
	{ 7, 0, 1, 0, "fsgsbase" }, { 7, 0, 1, 1, "tsc_adjust" }, { 7, 0, 1, 2, "sgx" },
	{ 7, 0, 1, 3, "bmi1" }, { 7, 0, 1, 4, "hle" }, { 7, 0, 1, 5, "avx2" },
	{ 7, 0, 1, 7, "smep" }, { 7, 0, 1, 8, "bmi2" }, { 7, 0, 1, 9, "erms" },
	{ 7, 0, 1, 10, "invpcid" }, { 7, 0, 1, 11, "rtm" }, { 7, 0, 1, 12, "cqm" },
	{ 7, 0, 1, 14, "mpx" }, { 7, 0, 1, 15, "rdt_a" }, { 7, 0, 1, 16, "avx512f" },
	{ 7, 0, 1, 17, "avx512dq" }, { 7, 0, 1, 18, "rdseed" }, { 7, 0, 1, 19, "adx" },
	{ 7, 0, 1, 20, "smap" }, { 7, 0, 1, 21, "avx512ifma" },
	{ 7, 0, 1, 23, "clflushopt" }, { 7, 0, 1, 24, "clwb" },
	{ 7, 0, 1, 25, "intel_pt" }, { 7, 0, 1, 26, "avx512pf" },
	{ 7, 0, 1, 27, "avx512er" }, { 7, 0, 1, 28, "avx512cd" },
	{ 7, 0, 1, 29, "sha_ni" }, { 7, 0, 1, 30, "avx512bw" },
	{ 7, 0, 1, 31, "avx512vl" },
	{ 0xd, 1, 0, 0, "xsaveopt" }, { 0xd, 1, 0, 1, "xsavec" },
	{ 0xd, 1, 0, 2, "xgetbv1" }, { 0xd, 1, 0, 3, "xsaves" },
	{ 7, 1, 0, 4, "avx_vnni" }, { 7, 1, 0, 5, "avx512_bf16" },
	{ 0x80000008, 0, 1, 0, "clzero" }, { 0x80000008, 0, 1, 1, "irperf" },
	{ 0x80000008, 0, 1, 2, "xsaveerptr" }, { 0x80000008, 0, 1, 4, "rdpru" },
	{ 7, 0, 2, 1, "avx512vbmi" }, { 7, 0, 2, 2, "umip" }, { 7, 0, 2, 3, "pku" },
	{ 7, 0, 2, 4, "ospke" }, { 7, 0, 2, 5, "waitpkg" },
	{ 7, 0, 2, 6, "avx512_vbmi2" }, { 7, 0, 2, 8, "gfni" }, { 7, 0, 2, 9, "vaes" },
	{ 7, 0, 2, 10, "vpclmulqdq" }, { 7, 0, 2, 11, "avx512_vnni" },
	{ 7, 0, 2, 12, "avx512_bitalg" }, { 7, 0, 2, 13, "tme" },
	{ 7, 0, 2, 14, "avx512_vpopcntdq" }, { 7, 0, 2, 16, "la57" },
	{ 7, 0, 2, 22, "rdpid" }, { 7, 0, 2, 24, "bus_lock_detect" },
	{ 7, 0, 2, 25, "cldemote" }, { 7, 0, 2, 27, "movdiri" },
	{ 7, 0, 2, 28, "movdir64b" }, { 7, 0, 2, 29, "enqcmd" },
	{ 7, 0, 2, 30, "sgx_lc" },
	{ 7, 0, 3, 2, "avx512_4vnniw" }, { 7, 0, 3, 3, "avx512_4fmaps" },
	{ 7, 0, 3, 4, "fsrm" }, { 7, 0, 3, 8, "avx512_vp2intersect" },
	{ 7, 0, 3, 10, "md_clear" }, { 7, 0, 3, 14, "serialize" },
	{ 7, 0, 3, 16, "tsxldtrk" }, { 7, 0, 3, 18, "pconfig" },
	{ 7, 0, 3, 19, "arch_lbr" }, { 7, 0, 3, 20, "ibt" },
	{ 7, 0, 3, 22, "amx_bf16" }, { 7, 0, 3, 23, "avx512_fp16" },
	{ 7, 0, 3, 24, "amx_tile" }, { 7, 0, 3, 25, "amx_int8" },
	{ 7, 0, 3, 28, "flush_l1d" }, { 7, 0, 3, 29, "arch_capabilities" },
};

/* Leaf @leaf (subleaf @sub) as the application sees it; zeros past the highest leaf
 * of its range. */
static void leaf(const struct cpuid_policy *p, u32 leaf, u32 sub, u32 out[4])
{
	u32 max[4];

	cpuid_emulate(p, leaf & 0x80000000, 0, max);
	if (leaf > max[0]) {
		out[0] = out[1] = out[2] = out[3] = 0;
		return;
	}
	cpuid_emulate(p, leaf, sub, out);
}

size_t cpuid_flags(const struct cpuid_policy *p, char *buf, size_t len)
{
	u32 r[4] = { 0 }, cur_leaf = ~0u, cur_sub = ~0u;
	size_t n = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature_name *f = &features[i];
		int w;

		if (f->leaf != cur_leaf || f->sub != cur_sub) {
			leaf(p, f->leaf, f->sub, r);
			cur_leaf = f->leaf;
			cur_sub = f->sub;
		}
		if (!(r[f->reg] & (1u << f->bit)))
			continue;
		w = snprintf(buf + n, len - n, " %s", f->name);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += w;
	}
	return n;
}

/* The TSC's rate in kHz, measured once against CLOCK_MONOTONIC over 2 ms (both go
 * on while the thread is preempted, so the ratio holds); Linux prints its own
 * calibration as "cpu MHz". */
static u32 tsc_khz(void)
{
	static u32 khz;
	struct timespec a, b;
	u64 t0, t1;
	s64 ns;

	if (__atomic_load_n(&khz, __ATOMIC_RELAXED))
		return khz;
	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	} while (ns < 2000000);
	t1 = __rdtsc();
	__atomic_store_n(&khz, (u32)((t1 - t0) * 1000000ULL / (u64)ns), __ATOMIC_RELAXED);
	return khz;
}

void cpuid_describe(const struct cpuid_policy *p, struct cpuid_desc *d)
{
	u32 r[4];
	u32 sig, fam;
	char *s, *e;

	memset(d, 0, sizeof(*d));
	leaf(p, 0, 0, r);
	d->level = r[0];
	memcpy(d->vendor, &r[1], 4);
	memcpy(d->vendor + 4, &r[3], 4);
	memcpy(d->vendor + 8, &r[2], 4);
	leaf(p, 1, 0, r);
	sig = r[0];
	/* Linux's x86_family and x86_model */
	fam = (sig >> 8) & 0xf;
	if (fam == 0xf)
		fam += (sig >> 20) & 0xff;
	d->family = fam;
	d->model = (sig >> 4) & 0xf;
	if (fam >= 6)
		d->model += ((sig >> 16) & 0xf) << 4;
	d->stepping = sig & 0xf;
	d->clflush = ((r[1] >> 8) & 0xff) * 8;
	for (u32 i = 0; i < 3; i++) {
		leaf(p, 0x80000002 + i, 0, r);
		memcpy(d->model_name + 16 * i, r, 16);
	}
	d->model_name[48] = 0;
	for (s = d->model_name; *s == ' '; s++)
		;
	memmove(d->model_name, s, strlen(s) + 1);
	for (e = d->model_name + strlen(d->model_name); e > d->model_name && e[-1] == ' '; e--)
		e[-1] = 0;
	leaf(p, 0x80000008, 0, r);
	d->phys_bits = r[0] & 0xff;
	d->virt_bits = (r[0] >> 8) & 0xff;
	/* Linux's "cache size": the last level's on Intel (leaf 4), L2 elsewhere */
	if (!strcmp(d->vendor, "GenuineIntel") && d->level >= 4) {
		for (u32 i = 0; i < 16; i++) {
			u64 size;

			leaf(p, 4, i, r);
			if (!(r[0] & 0x1f))
				break;
			size = (u64)((r[1] >> 22) + 1) * (((r[1] >> 12) & 0x3ff) + 1) *
			       ((r[1] & 0xfff) + 1) * ((u64)r[2] + 1);
			d->cache_kb = (u32)(size >> 10);
		}
	} else {
		leaf(p, 0x80000006, 0, r);
		d->cache_kb = r[2] >> 16;
	}
	d->khz = tsc_khz();
}
