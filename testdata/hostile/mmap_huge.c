/*
 * mmap_huge: address-space requests no sandbox can honour. Anonymous private mmap of
 * 1 TiB, 100 TiB, 2^47, 2^48 and 2^63 bytes and of ~0 must fail with ENOMEM (Linux's
 * overcommit heuristic refuses more than RAM + swap; the Sentry has no room for them);
 * MAP_FIXED at 2^47, at the kernel half (0xffff800000000000), at the top of the host's
 * 47-bit user range (0x7fffffffe000, above the sandbox's 0x7fffff000000), across the top
 * of the sandbox's range, and a mapping at 0 (mmap_min_addr: EPERM on Linux for an
 * unprivileged process) must fail with ENOMEM, EINVAL or EPERM. A hint above 2^47
 * without MAP_FIXED must succeed below the sandbox's top or fail. mremap growing a page
 * to 1 TiB and brk(+1 TiB) must fail, and so must mremap of an old range that wraps
 * past the top of the address space (shrinking it must not unmap anything else). The last page below the sandbox's top
 * (0x7fffff000000 - 4096) may be mapped (it is application space) and is touched if
 * so. Each mapping made is unmapped; the program ends by mapping and touching a fresh
 * page, to show the address space still works.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "hostile.h"

#define TIB (1UL << 40)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static bool enomem_einval_eperm(long r)
{
	return r == -ENOMEM || r == -EINVAL || r == -EPERM;
}

static long do_mmap(unsigned long addr, unsigned long len, int flags)
{
	return hs_sys(SYS_mmap, addr, len, RW, flags, -1, 0);
}

/* Reports @r, which must be an error from @ok_err (or, if @may_succeed, a mapping). */
static void expect(const char *what, long r, unsigned long len, bool may_succeed)
{
	bool ok = hs_failed(r) ? enomem_einval_eperm(r) : may_succeed;

	if (!hs_failed(r))
		hs_printf("  (mapped at %#lx)\n", (unsigned long)r);
	hs_report(what, hs_failed(r) ? r : 0, ok);
	if (!hs_failed(r))
		hs_sys2(SYS_munmap, r, len);
}

int main(void)
{
	static const struct { const char *name; unsigned long len; } sizes[] = {
		{ "1 TiB", TIB }, { "100 TiB", 100 * TIB }, { "2^47 bytes", 1UL << 47 },
		{ "2^48 bytes", 1UL << 48 }, { "2^63 bytes", 1UL << 63 }, { "~0 bytes", ~0UL },
	};
	static const struct { const char *name; unsigned long addr, len; } fixed[] = {
		{ "MAP_FIXED at 0", 0, 4096 },
		{ "MAP_FIXED at 2^47", 1UL << 47, 4096 },
		{ "MAP_FIXED at 0xffff800000000000", 0xffff800000000000UL, 4096 },
		{ "MAP_FIXED at 0xfffffffffffff000", 0xfffffffffffff000UL, 4096 },
		{ "MAP_FIXED at 0x7fffffffe000 (host top)", HS_TASK_TOP - 4096, 4096 },
		{ "MAP_FIXED at 0x7ffffffff000 (host TASK_SIZE)", HS_TASK_TOP, 4096 },
		{ "MAP_FIXED across the sandbox top", HS_MAX_USER - 4096, 8192 },
		{ "MAP_FIXED from the sandbox top", HS_MAX_USER, 4096 },
		{ "MAP_FIXED 1 TiB at 2^46", 1UL << 46, TIB },
	};
	char what[128];
	long r, cur;
	char *p;

	hs_require_sandbox("mmap_huge");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(what, sizeof(what), "mmap(NULL, %s, RW, PRIVATE|ANON)", sizes[i].name);
		r = do_mmap(0, sizes[i].len, ANON);
		hs_report(what, r, r == -ENOMEM);
		if (!hs_failed(r))
			hs_sys2(SYS_munmap, r, sizes[i].len);
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		snprintf(what, sizeof(what), "mmap(%#lx, %#lx) %s", fixed[i].addr, fixed[i].len,
			 fixed[i].name);
		expect(what, do_mmap(fixed[i].addr, fixed[i].len, ANON | MAP_FIXED),
		       fixed[i].len, false);
		snprintf(what, sizeof(what), "mmap(%#lx, %#lx) %s, MAP_FIXED_NOREPLACE",
			 fixed[i].addr, fixed[i].len, fixed[i].name);
		expect(what, do_mmap(fixed[i].addr, fixed[i].len, ANON | MAP_FIXED_NOREPLACE),
		       fixed[i].len, false);
	}
	/* A hint out of range is only a hint. */
	r = do_mmap(1UL << 47, 4096, ANON);
	hs_report("mmap(hint 2^47, 4096) lands below the sandbox top",
		  hs_failed(r) ? r : 0,
		  hs_failed(r) ? enomem_einval_eperm(r) : (unsigned long)r < HS_MAX_USER);
	if (!hs_failed(r))
		hs_sys2(SYS_munmap, r, 4096);
	r = do_mmap(HS_STUB_ADDR, 4096, ANON);
	hs_report("mmap(hint at the stub page, 4096) lands below the sandbox top",
		  hs_failed(r) ? r : 0,
		  hs_failed(r) ? enomem_einval_eperm(r) : (unsigned long)r < HS_MAX_USER);
	if (!hs_failed(r))
		hs_sys2(SYS_munmap, r, 4096);
	/* The last application page: allowed, and must behave like memory. */
	r = do_mmap(HS_MAX_USER - 4096, 4096, ANON | MAP_FIXED_NOREPLACE);
	if (hs_failed(r)) {
		hs_report("mmap(last sandbox page)", r, enomem_einval_eperm(r) || r == -EEXIST);
	} else {
		p = (char *)r;
		p[0] = 1;
		p[4095] = 2;
		hs_report("mmap(last sandbox page) and touch", 0,
			  r == (long)(HS_MAX_USER - 4096) && p[0] == 1 && p[4095] == 2);
		hs_sys2(SYS_munmap, r, 4096);
	}
	/* Growing a mapping, and the heap, by a tebibyte. */
	p = (char *)do_mmap(0, 4096, ANON);
	if (!hs_failed((long)p)) {
		r = hs_sys(SYS_mremap, (long)p, 4096, TIB, MREMAP_MAYMOVE, 0, 0);
		hs_report("mremap(4096 -> 1 TiB, MAYMOVE)", hs_failed(r) ? r : 0, r == -ENOMEM);
		hs_sys2(SYS_munmap, hs_failed(r) ? (long)p : r, hs_failed(r) ? 4096 : TIB);
	}
	cur = hs_sys1(SYS_brk, 0);
	r = hs_sys1(SYS_brk, cur + TIB);
	hs_report("brk(current + 1 TiB) leaves the break", r == cur ? -ENOMEM : 0, r == cur);
	if (r != cur)
		hs_sys1(SYS_brk, cur);
	/* An old range that wraps around the top of the address space: Linux refuses it
	 * without touching anything. Found by the fuzzer (seeds 6, 42, 1000) before commit
	 * f2f88b3, which made the Sentry look the VMA up first. */
	r = hs_sys(SYS_mremap, 0xfffffffffffff000UL, 1UL << 47, 4096, 0, 0, 0);
	hs_must_fail("mremap(0xfffffffffffff000, 2^47 -> 4096) [wrapping old range]", r);
	r = hs_sys(SYS_mremap, 0xfffffffffffff000UL, 1UL << 63, 8UL << 30, 0, 0, 0);
	hs_must_fail("mremap(0xfffffffffffff000, 2^63 -> 8 GiB) [wrapping old range]", r);
	p = (char *)do_mmap(0, 4096, ANON);
	if (!hs_failed((long)p)) {
		r = hs_sys(SYS_mremap, (long)p, -(long)p + 4096, 4096, 0, 0, 0);
		hs_must_fail("mremap(page, length wrapping to 4096 -> 4096) [wrapping old range]",
			     r);
		p[0] = 'y';
		hs_sys2(SYS_munmap, (long)p, 4096);
	}
	p = (char *)do_mmap(0, 4096, ANON);
	if (hs_failed((long)p)) {
		hs_report("mmap(4096) after everything", (long)p, false);
	} else {
		p[0] = 'x';
		hs_report("mmap(4096) and touch after everything", 0, p[0] == 'x');
	}
	return hs_done("done");
}
