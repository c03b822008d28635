/*
 * Unit tests for sysfs's generated files (fs/synth/sysfs_gen.c) on CPU sets the test
 * machine does not have: sparse, and wider than one 32-bit word of a mask. Expected
 * values are how Linux prints a cpumask (lib/bitmap.c's bitmap_print_to_pagebuf:
 * lists as ranges, masks as comma-separated 32-bit hex words over nr_cpu_ids bits,
 * the first only as wide as its bits need).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/synth/synth.h"
#include "kernel.h"
#include "task/task.h"

static struct kernel *k;
static struct task *t;

/* CPUs 0-35, 40 and 64: nr_cpu_ids 65, three words. */
static void setup(void)
{
	k = calloc(1, sizeof(*k));
	t = calloc(1, sizeof(*t));
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(t);
	k->cpumask[0] = (1ULL << 36) - 1;
	k->cpumask[0] |= 1ULL << 40;
	k->cpumask[1] = 1;
	k->ncpu_ids = 65;
	t->k = k;
}

static void teardown(void)
{
	free(t);
	free(k);
}

/* The text of generator @gen for CPU @cpu. */
static void expect(u32 gen, u32 cpu, const char *want)
{
	struct vfs_inode *ino;
	char *text;
	size_t len;

	ck_assert_int_eq(synth_inode_new(SK_FILE, gen, S_IFREG | 0444, cpu, -1, false, &ino),
			 0);
	SYN_I(ino)->sys = true;
	ck_assert_int_eq(sysfs_generate(t, SYN_I(ino), &text, &len), 0);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_str_eq(text, want);
	free(text);
	vfs_inode_put(ino);
}

START_TEST(lists)
{
	expect(G_SYS_ONLINE, 0, "0-35,40,64\n");
	expect(G_SYS_POSSIBLE, 0, "0-35,40,64\n");
	expect(G_SYS_OFFLINE, 0, "\n");
	expect(G_SYS_THREAD_SIBLINGS_LIST, 40, "40\n");
	expect(G_SYS_NODE_CPULIST, 0, "0-35,40,64\n");
	expect(G_SYS_KERNEL_MAX, 0, "1023\n");
	expect(G_SYS_CORE_ID, 40, "40\n");
}
END_TEST

START_TEST(masks)
{
	expect(G_SYS_PACKAGE_CPUS, 0, "1,0000010f,ffffffff\n");
	expect(G_SYS_NODE_CPUMAP, 0, "1,0000010f,ffffffff\n");
	expect(G_SYS_CORE_CPUS, 40, "0,00000100,00000000\n");
	expect(G_SYS_THREAD_SIBLINGS, 64, "1,00000000,00000000\n");
	k->ncpu_ids = 2;
	k->cpumask[0] = 2;
	k->cpumask[1] = 0;
	expect(G_SYS_CORE_SIBLINGS, 1, "2\n");
	k->ncpu_ids = 64;
	k->cpumask[0] = 1ULL << 63;
	expect(G_SYS_DIE_CPUS, 63, "80000000,00000000\n");
}
END_TEST

START_TEST(cpu_names)
{
	u32 cpu = 99;

	ck_assert(sysfs_is_cpu(t, "cpu0", &cpu) && cpu == 0);
	ck_assert(sysfs_is_cpu(t, "cpu64", &cpu) && cpu == 64);
	ck_assert(!sysfs_is_cpu(t, "cpu36", &cpu));
	ck_assert(!sysfs_is_cpu(t, "cpu040", &cpu));
	ck_assert(!sysfs_is_cpu(t, "cpu", &cpu));
	ck_assert(!sysfs_is_cpu(t, "cpu-1", &cpu));
	ck_assert(!sysfs_is_cpu(t, "cpu1x", &cpu));
	ck_assert(!sysfs_is_cpu(t, "cpu99999999999999999999", &cpu));
	ck_assert_int_eq(kernel_cpu_next(k, -1), 0);
	ck_assert_int_eq(kernel_cpu_next(k, 35), 40);
	ck_assert_int_eq(kernel_cpu_next(k, 40), 64);
	ck_assert_int_eq(kernel_cpu_next(k, 64), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sysfs");
	TCase *tc = tcase_create("gen");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lists);
	tcase_add_test(tc, masks);
	tcase_add_test(tc, cpu_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
