/*
 * Unit tests for the memory-file allocator and the VMA set / address-space
 * operations of mm/, run without a platform (mm->as stays NULL).
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memfile/memfile.h"
#include "mm/mm.h"
#include "platform.h"

#define ck_assert_errno(expr, e) ck_assert_int_eq((expr), -(e))
#define MB (1024 * 1024UL)

static struct memfile *mf;
static struct platform fake = { .max_user_addr = 0x7fffff000000 };
static struct mm *mm;

static void setup(void)
{
	ck_assert_int_eq(memfile_new(1ULL << 32, &mf), 0);
	ck_assert_int_eq(mm_new(mf, &fake, &mm), 0);
	mm->mmap_base = 0x7f0000000000;
	mm->stack_top = 0x7ffff0000000;
}

static void teardown(void)
{
	mm_destroy(mm);
	ck_assert_int_eq(mf->used, 0);
	memfile_destroy(mf);
}

START_TEST(memfile_alloc_free_coalesce)
{
	u64 a, b, c, d;

	ck_assert_int_eq(memfile_alloc(mf, 4 * PAGE_SIZE, &a), 0);
	ck_assert_int_eq(memfile_alloc(mf, 4 * PAGE_SIZE, &b), 0);
	ck_assert_int_eq(memfile_alloc(mf, 4 * PAGE_SIZE, &c), 0);
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_eq(b, a + 4 * PAGE_SIZE);
	memfile_free(mf, b, 4 * PAGE_SIZE);
	memfile_free(mf, a, 4 * PAGE_SIZE);
	/* a and b coalesced in the dirty pool: an 8-page copy fits exactly there. */
	ck_assert_uint_eq(mf->ndirty, 1);
	ck_assert_uint_eq(mf->dirty_bytes, 8 * PAGE_SIZE);
	ck_assert_int_eq(memfile_alloc_copy(mf, 8 * PAGE_SIZE, &d), 0);
	ck_assert_uint_eq(d, a);
	ck_assert_uint_eq(mf->ndirty, 0);
	memfile_free(mf, d, 8 * PAGE_SIZE);
	memfile_free(mf, c, 4 * PAGE_SIZE);
	ck_assert_uint_eq(mf->used, 0);
	/* Flushed, the pool's ranges coalesce with the free space around them. */
	memfile_flush(mf);
	ck_assert_uint_eq(mf->ndirty, 0);
	ck_assert_uint_eq(mf->dirty_bytes, 0);
	ck_assert_uint_eq(mf->nfree, 1);
	ck_assert_int_eq(memfile_alloc(mf, 8 * PAGE_SIZE, &d), 0);
	ck_assert_uint_eq(d, a);
	memfile_free(mf, d, 8 * PAGE_SIZE);
}
END_TEST

/* Freed memory goes to the dirty pool with its contents, and only copies get it;
 * anonymous allocations read zeros; past the cap a free punches at once. */
START_TEST(memfile_dirty_pool_only_for_copies)
{
	u64 a, b, c;
	u8 *p;

	ck_assert_int_eq(memfile_alloc(mf, 2 * PAGE_SIZE, &a), 0);
	p = memfile_ptr(mf, a);
	memset(p, 0xab, 2 * PAGE_SIZE);
	memfile_free(mf, a, 2 * PAGE_SIZE);
	ck_assert_int_eq(p[0], 0xab);
	ck_assert_int_eq(memfile_alloc(mf, PAGE_SIZE, &b), 0);
	ck_assert_uint_ne(b, a);
	ck_assert_uint_ne(b, a + PAGE_SIZE);
	ck_assert_int_eq(((u8 *)memfile_ptr(mf, b))[0], 0);
	ck_assert_int_eq(memfile_alloc_copy(mf, PAGE_SIZE, &c), 0);
	ck_assert_uint_eq(c, a);
	memfile_free(mf, b, PAGE_SIZE);
	memfile_free(mf, c, PAGE_SIZE);
	memfile_flush(mf);
	ck_assert_int_eq(p[0], 0);
	ck_assert_int_eq(p[2 * PAGE_SIZE - 1], 0);

	/* A limit of 64 pages caps the pool at 8. */
	memfile_set_limit(mf, 64 * PAGE_SIZE);
	ck_assert_int_eq(memfile_alloc(mf, 16 * PAGE_SIZE, &a), 0);
	p = memfile_ptr(mf, a);
	memset(p, 0xcd, 16 * PAGE_SIZE);
	memfile_free(mf, a, 16 * PAGE_SIZE);
	ck_assert_uint_eq(mf->dirty_bytes, 0);
	ck_assert_int_eq(p[0], 0);
	ck_assert_int_eq(memfile_alloc(mf, 8 * PAGE_SIZE, &b), 0);
	memfile_free(mf, b, 8 * PAGE_SIZE);
	ck_assert_uint_eq(mf->dirty_bytes, 8 * PAGE_SIZE);
	/* The pool is not the sandbox's memory: the whole limit is still there. */
	ck_assert_int_eq(memfile_alloc(mf, 64 * PAGE_SIZE, &c), 0);
	memfile_free(mf, c, 64 * PAGE_SIZE);
	/* A lower limit shrinks the pool at once. */
	memfile_set_limit(mf, 16 * PAGE_SIZE);
	ck_assert_uint_eq(mf->dirty_bytes, 0);
	memfile_set_limit(mf, 0);
}
END_TEST

/* Populated bytes of [off, off+len) of the memory file. */
static u64 populated(u64 off, u64 len)
{
	u64 end = off + len, n = 0;

	while (off < end) {
		off_t d = lseek(mf->fd, off, SEEK_DATA), h;

		if (d < 0 || (u64)d >= end)
			break;
		h = lseek(mf->fd, d, SEEK_HOLE);
		if (h < 0 || (u64)h > end)
			h = end;
		n += h - d;
		off = h;
	}
	return n;
}

/* A copy reads as its source everywhere, into clean memory and into the dirty pool's,
 * and the source's holes stay holes where the destination had them. */
START_TEST(memfile_copy_keeps_holes)
{
	static u8 want[16 * PAGE_SIZE], got[16 * PAGE_SIZE];
	const u64 len = 16 * PAGE_SIZE;
	u64 src, clean, dirty, old;

	ck_assert_int_eq(memfile_alloc(mf, len, &src), 0);
	memset(want, 0, sizeof(want));
	for (int pg = 0; pg < 16; pg++) {
		if (pg != 1 && pg != 2 && pg != 9 && pg != 15)
			continue;
		memset(want + pg * PAGE_SIZE, 0x10 + pg, PAGE_SIZE);
		memfile_write(mf, want + pg * PAGE_SIZE, PAGE_SIZE, src + pg * PAGE_SIZE);
	}
	ck_assert_uint_eq(populated(src, len), 4 * PAGE_SIZE);

	ck_assert_int_eq(memfile_alloc(mf, len, &clean), 0);
	memfile_copy(mf, clean, src, len);
	ck_assert_uint_eq(populated(clean, len), 4 * PAGE_SIZE);
	memfile_read(mf, got, len, clean);
	ck_assert_mem_eq(got, want, len);

	/* Memory from the dirty pool holds what its last user wrote: every byte of it
	 * must be the source's after the copy. */
	ck_assert_int_eq(memfile_alloc(mf, len, &old), 0);
	memset(got, 0xee, len);
	memfile_write(mf, got, len, old);
	memfile_free(mf, old, len);
	ck_assert_int_eq(memfile_alloc_copy(mf, len, &dirty), 0);
	ck_assert_uint_eq(dirty, old);
	memfile_copy(mf, dirty, src, len);
	memfile_read(mf, got, len, dirty);
	ck_assert_mem_eq(got, want, len);

	/* A short copy at an odd offset goes through the mapping. */
	memfile_copy(mf, clean + 3 * PAGE_SIZE + 7, src + PAGE_SIZE + 100, 300);
	memfile_read(mf, got, 300, clean + 3 * PAGE_SIZE + 7);
	ck_assert_mem_eq(got, want + PAGE_SIZE + 100, 300);

	memfile_free(mf, src, len);
	memfile_free(mf, clean, len);
	memfile_free(mf, dirty, len);
}
END_TEST

START_TEST(memfile_bad_and_exhausted)
{
	u64 off;

	ck_assert_errno(memfile_alloc(mf, 0, &off), EINVAL);
	ck_assert_errno(memfile_alloc(mf, 100, &off), EINVAL);
	ck_assert_errno(memfile_alloc(mf, 1ULL << 33, &off), ENOMEM);
}
END_TEST

START_TEST(memfile_extend_and_zero_after_free)
{
	u64 a, b;
	u8 *p;

	ck_assert_int_eq(memfile_alloc(mf, PAGE_SIZE, &a), 0);
	ck_assert_int_eq(memfile_extend(mf, a, PAGE_SIZE, 3 * PAGE_SIZE), 0);
	ck_assert_int_eq(memfile_alloc(mf, PAGE_SIZE, &b), 0);
	ck_assert_uint_eq(b, a + 3 * PAGE_SIZE);
	ck_assert_errno(memfile_extend(mf, a, 3 * PAGE_SIZE, 4 * PAGE_SIZE), ENOMEM);
	p = memfile_ptr(mf, b);
	memset(p, 0xab, PAGE_SIZE);
	memfile_free(mf, b, PAGE_SIZE);
	memfile_flush(mf);
	ck_assert_int_eq(p[0], 0);
	ck_assert_int_eq(p[PAGE_SIZE - 1], 0);
	memfile_free(mf, a, 3 * PAGE_SIZE);
}
END_TEST

START_TEST(vma_mmap_hint_fixed_noreplace)
{
	s64 a = mm_mmap_anon(mm, 0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS);
	s64 b;

	ck_assert_int_gt(a, 0);
	ck_assert_uint_eq((u64)a + 3 * PAGE_SIZE, mm->mmap_base);
	/* top-down: the next one goes right below, and merges with it */
	b = mm_mmap_anon(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	ck_assert_int_eq(b, a - PAGE_SIZE);
	ck_assert_errno(mm_mmap_anon(mm, a, PAGE_SIZE, PROT_READ,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE), EEXIST);
	ck_assert_int_eq(mm_mmap_anon(mm, a + PAGE_SIZE, PAGE_SIZE, PROT_READ,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), a + PAGE_SIZE);
	ck_assert_uint_eq(mm->nvmas, 4); /* b, then a split around the fixed page */
	ck_assert_uint_eq(mm->vmas[2].prot, PROT_READ);
	ck_assert_errno(mm_mmap_anon(mm, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS), EINVAL);
	ck_assert_errno(mm_mmap_anon(mm, 0x7ffffffff000, 2 * PAGE_SIZE, PROT_READ,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), ENOMEM);
}
END_TEST

START_TEST(vma_munmap_splits_and_frees)
{
	s64 a = mm_mmap_anon(mm, 0x10000000, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	u64 used = mf->used;

	ck_assert_int_eq(a, 0x10000000);
	ck_assert_int_eq(mm_munmap(mm, a + 2 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	ck_assert_uint_eq(mm->nvmas, 2);
	ck_assert_uint_eq(mm->vmas[0].end, a + 2 * PAGE_SIZE);
	ck_assert_uint_eq(mm->vmas[1].start, a + 4 * PAGE_SIZE);
	ck_assert_uint_eq(mf->used, used - 2 * PAGE_SIZE);
	ck_assert_errno(mm_munmap(mm, a + 1, PAGE_SIZE), EINVAL);
	ck_assert_errno(mm_munmap(mm, a, 0), EINVAL);
	/* unmapping a hole is fine */
	ck_assert_int_eq(mm_munmap(mm, a + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	ck_assert_int_eq(mm_munmap(mm, a, 8 * PAGE_SIZE), 0);
	ck_assert_uint_eq(mm->nvmas, 0);
}
END_TEST

START_TEST(vma_mprotect_split_merge)
{
	s64 a = mm_mmap_anon(mm, 0x20000000, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);

	ck_assert_int_eq(mm_mprotect(mm, a + PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	ck_assert_uint_eq(mm->nvmas, 3);
	ck_assert_uint_eq(mm->vmas[1].prot, PROT_READ);
	ck_assert_errno(mm_mprotect(mm, a + 1, PAGE_SIZE, PROT_READ), EINVAL);
	ck_assert_errno(mm_mprotect(mm, a, PAGE_SIZE, 0x100), EINVAL);
	ck_assert_errno(mm_mprotect(mm, a, 8 * PAGE_SIZE, PROT_READ), ENOMEM);
	ck_assert_int_eq(mm_mprotect(mm, a, 0, PROT_READ), 0);
}
END_TEST

START_TEST(copy_in_out_faults)
{
	s64 a = mm_mmap_anon(mm, 0x30000000, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	char buf[16] = "hello, world", got[16];

	ck_assert_int_eq(mm_copy_out(mm, a + PAGE_SIZE - 5, buf, sizeof(buf)), 0);
	ck_assert_int_eq(mm_copy_in(mm, got, a + PAGE_SIZE - 5, sizeof(got)), 0);
	ck_assert_mem_eq(buf, got, sizeof(buf));
	ck_assert_errno(mm_copy_out(mm, a + 2 * PAGE_SIZE - 4, buf, 8), EFAULT);
	ck_assert_errno(mm_copy_in(mm, got, 0, 1), EFAULT);
	ck_assert_errno(mm_copy_in(mm, got, ~0ULL - 2, 8), EFAULT);
	ck_assert_int_eq(mm_strncpy_in(mm, got, a + PAGE_SIZE - 5, sizeof(got)), 12);
	ck_assert_str_eq(got, "hello, world");
	ck_assert_errno(mm_strncpy_in(mm, got, a + PAGE_SIZE - 5, 4), ENAMETOOLONG);
	ck_assert_int_eq(mm_mprotect(mm, a, PAGE_SIZE, PROT_READ), 0);
	ck_assert_errno(mm_copy_out(mm, a, buf, 1), EFAULT);
	ck_assert_int_eq(mm_copy_in(mm, got, a, 1), 0);
	ck_assert_int_eq(mm_mprotect(mm, a, PAGE_SIZE, PROT_NONE), 0);
	ck_assert_errno(mm_copy_in(mm, got, a, 1), EFAULT);
}
END_TEST

START_TEST(brk_grow_shrink)
{
	mm->brk_start = mm->brk = 0x400000;
	ck_assert_uint_eq(mm_brk(mm, 0), 0x400000);
	ck_assert_uint_eq(mm_brk(mm, 0x400000 + 10000), 0x400000 + 10000);
	ck_assert_uint_eq(mm->nvmas, 1);
	ck_assert_uint_eq(mm->vmas[0].end, 0x400000 + 3 * PAGE_SIZE);
	ck_assert_uint_eq(mm_brk(mm, 0x400000 + 20000), 0x400000 + 20000);
	ck_assert_uint_eq(mm->nvmas, 1); /* grown in place */
	ck_assert_uint_eq(mm_brk(mm, 0x400000 + 100), 0x400000 + 100);
	ck_assert_uint_eq(mm->vmas[0].end, 0x400000 + PAGE_SIZE);
	ck_assert_uint_eq(mm_brk(mm, 0x1000), 0x400000 + 100); /* below start: refused */
}
END_TEST

START_TEST(mremap_grow_and_move_keep_data)
{
	s64 a = mm_mmap_anon(mm, 0x40000000, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	s64 b, c;
	u32 v = 0xfeedface, got;

	ck_assert_int_eq(mm_copy_out(mm, a + 100, &v, 4), 0);
	b = mm_mremap(mm, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0);
	ck_assert_int_eq(b, a);
	/* block growth in place, force a move */
	ck_assert_int_eq(mm_mmap_anon(mm, a + 4 * PAGE_SIZE, PAGE_SIZE, PROT_READ,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), a + 4 * PAGE_SIZE);
	ck_assert_errno(mm_mremap(mm, a, 4 * PAGE_SIZE, 8 * PAGE_SIZE, 0, 0), ENOMEM);
	c = mm_mremap(mm, a, 4 * PAGE_SIZE, 8 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	ck_assert_int_gt(c, 0);
	ck_assert_int_ne(c, a);
	ck_assert_int_eq(mm_copy_in(mm, &got, c + 100, 4), 0);
	ck_assert_uint_eq(got, v);
	ck_assert_errno(mm_copy_in(mm, &got, a + 100, 4), EFAULT);
	ck_assert_errno(mm_mremap(mm, c + 1, PAGE_SIZE, PAGE_SIZE, 0, 0), EINVAL);
	ck_assert_errno(mm_mremap(mm, 0x50000000, PAGE_SIZE, 2 * PAGE_SIZE, 0, 0), EFAULT);
	ck_assert_uint_eq(vma_find(mm, c)->end, c + 8 * PAGE_SIZE); /* still one VMA */
	ck_assert_int_eq(mm_mremap(mm, c, 8 * PAGE_SIZE, PAGE_SIZE, 0, 0), c);
}
END_TEST

START_TEST(memfile_limit_caps_alloc_and_extend)
{
	u64 a, b;

	memfile_set_limit(mf, 4 * PAGE_SIZE);
	ck_assert_int_eq(memfile_alloc(mf, 3 * PAGE_SIZE, &a), 0);
	ck_assert_errno(memfile_alloc(mf, 2 * PAGE_SIZE, &b), ENOMEM);
	ck_assert_errno(memfile_extend(mf, a, 3 * PAGE_SIZE, 5 * PAGE_SIZE), ENOMEM);
	ck_assert_int_eq(memfile_extend(mf, a, 3 * PAGE_SIZE, 4 * PAGE_SIZE), 0);
	ck_assert_int_eq(memfile_used(mf), 4 * PAGE_SIZE);
	memfile_free(mf, a, 4 * PAGE_SIZE);
	ck_assert_int_eq(memfile_alloc(mf, 4 * PAGE_SIZE, &b), 0);
	memfile_free(mf, b, 4 * PAGE_SIZE);
	/* The mm's calls see the limit as ENOMEM, brk as an unchanged break. */
	ck_assert_errno(mm_mmap_anon(mm, 0, 5 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS), ENOMEM);
	memfile_set_limit(mf, 0);
}
END_TEST

START_TEST(as_limit_counts_mappings_not_overlaps)
{
	s64 a;

	mm_set_as_limit(mm, 8 * PAGE_SIZE + 100); /* counted in whole pages */
	a = mm_mmap_anon(mm, 0, 6 * PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	ck_assert_int_gt(a, 0);
	ck_assert_errno(mm_mmap_anon(mm, 0, 3 * PAGE_SIZE, PROT_READ,
				     MAP_PRIVATE | MAP_ANONYMOUS), ENOMEM);
	/* Over its own pages, a fixed mapping adds only what lies outside them. */
	ck_assert_int_eq(mm_mmap_anon(mm, a + 4 * PAGE_SIZE, 4 * PAGE_SIZE, PROT_READ,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), a + 4 * PAGE_SIZE);
	ck_assert_errno(mm_mmap_anon(mm, a + 8 * PAGE_SIZE, PAGE_SIZE, PROT_READ,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), ENOMEM);
	ck_assert_errno(mm_mremap(mm, a + 4 * PAGE_SIZE, 4 * PAGE_SIZE, 5 * PAGE_SIZE,
				  MREMAP_MAYMOVE, 0), ENOMEM);
	ck_assert_int_eq(mm_total_vm(mm), 8 * PAGE_SIZE);
	mm_set_as_limit(mm, ~0ULL);
	ck_assert_int_gt(mm_mmap_anon(mm, 0, 3 * PAGE_SIZE, PROT_READ,
				      MAP_PRIVATE | MAP_ANONYMOUS), 0);
}
END_TEST

START_TEST(stack_grows_down_on_fault)
{
	u64 top = mm->stack_top;

	ck_assert_int_eq(mm_map_fixed_data(mm, top - 4 * PAGE_SIZE, 4 * PAGE_SIZE,
					   PROT_READ | PROT_WRITE, VMA_GROWSDOWN), 0);
	ck_assert_int_eq(mm_fault(mm, top - 10 * PAGE_SIZE + 8, 8 * MB, mm_map_gen(mm)), 0);
	ck_assert_ptr_nonnull(vma_find(mm, top - 10 * PAGE_SIZE));
	/* beyond the stack limit: a real fault */
	ck_assert_errno(mm_fault(mm, top - 9 * MB, 8 * MB, mm_map_gen(mm)), EFAULT);
	/* an address inside a mapping is not stack growth */
	ck_assert_errno(mm_fault(mm, top - PAGE_SIZE, 8 * MB, mm_map_gen(mm)), EFAULT);
}
END_TEST

/* A fault another thread's mapping change may have overtaken is retried, not
 * signalled; the same fault with the generation unchanged is real. */
START_TEST(stale_fault_is_retried)
{
	u64 top = mm->stack_top, seen;

	ck_assert_int_eq(mm_map_fixed_data(mm, top - 4 * PAGE_SIZE, 4 * PAGE_SIZE,
					   PROT_READ | PROT_WRITE, 0), 0);
	seen = mm_map_gen(mm);
	__atomic_add_fetch(&mm->map_gen, 1, __ATOMIC_RELEASE);  /* as mm_as_map does */
	ck_assert_int_eq(mm_fault(mm, top - PAGE_SIZE, 8 * MB, seen), 0);
	ck_assert_errno(mm_fault(mm, top - PAGE_SIZE, 8 * MB, mm_map_gen(mm)), EFAULT);
	/* no VMA at all: retried too when stale, then real */
	ck_assert_int_eq(mm_fault(mm, 0x10000, 8 * MB, seen), 0);
	ck_assert_errno(mm_fault(mm, 0x10000, 8 * MB, mm_map_gen(mm)), EFAULT);
}
END_TEST

static Suite *mm_suite(void)
{
	Suite *s = suite_create("mm");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, memfile_alloc_free_coalesce);
	tcase_add_test(tc, memfile_dirty_pool_only_for_copies);
	tcase_add_test(tc, memfile_copy_keeps_holes);
	tcase_add_test(tc, memfile_bad_and_exhausted);
	tcase_add_test(tc, memfile_extend_and_zero_after_free);
	tcase_add_test(tc, vma_mmap_hint_fixed_noreplace);
	tcase_add_test(tc, vma_munmap_splits_and_frees);
	tcase_add_test(tc, vma_mprotect_split_merge);
	tcase_add_test(tc, copy_in_out_faults);
	tcase_add_test(tc, brk_grow_shrink);
	tcase_add_test(tc, mremap_grow_and_move_keep_data);
	tcase_add_test(tc, stack_grows_down_on_fault);
	tcase_add_test(tc, stale_fault_is_retried);
	tcase_add_test(tc, memfile_limit_caps_alloc_and_extend);
	tcase_add_test(tc, as_limit_counts_mappings_not_overlaps);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mm_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
