/*
 * Address spaces, the same on every platform: protect/unmap/remap seen by running
 * code, range checks, batches of them (plat_as_apply), spaces destroyed and made
 * again (no stale translation survives), FPU state, a second space run by another
 * thread, seccomp rules, open errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform_test.h"

CODE(code_getpid, "mov $39, %eax\n syscall\n");
CODE(code_store_twice,
     "movl $0xdeadbeef, 0x600100\n mov $39, %eax\n syscall\n"
     "movl $1, 0x600100\n mov $39, %eax\n syscall\n");
CODE(code_xmm0_store, "movdqu %xmm0, 0x600200\n mov $39, %eax\n syscall\n");
/* Loads the word at 0x800000 into rdi, then calls getpid. */
CODE(code_load_far, "mov 0x800000, %rdi\n mov $39, %eax\n syscall\n");
/* Touches one word every 2 MiB over 64 MiB from 0x10000000: many leaf tables. */
CODE(code_touch_many,
     "mov $0x10000000, %rbx\n mov $32, %ecx\n"
     "1: mov %rcx, (%rbx)\n add $0x200000, %rbx\n dec %ecx\n jnz 1b\n"
     "mov $39, %eax\n syscall\n");

START_TEST(test_protect_unmap)
{
	uint32_t *word;
	struct plat_event ev;
	struct env e;

	env_setup(&e, code_store_twice, code_store_twice_end);
	word = (uint32_t *)(e.mem + DATA_OFF + 0x100);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(*word, 0xdeadbeef);

	ck_assert_int_eq(plat_as_protect(e.p, e.as, DATA_ADDR, 0x1000, PROT_READ), 0);
	ev = env_run_expect(&e, PLAT_EV_FAULT);
	ck_assert_int_eq(ev.signo, SIGSEGV);
	ck_assert_int_eq(ev.code, SEGV_ACCERR);
	ck_assert_uint_eq(ev.addr, DATA_ADDR + 0x100);

	ck_assert_int_eq(plat_as_protect(e.p, e.as, DATA_ADDR, 0x1000, PROT_NONE), 0);
	ev = env_run_expect(&e, PLAT_EV_FAULT);
	ck_assert_int_eq(ev.code, SEGV_ACCERR);

	ck_assert_int_eq(plat_as_unmap(e.p, e.as, DATA_ADDR, 0x1000), 0);
	ev = env_run_expect(&e, PLAT_EV_FAULT);
	ck_assert_int_eq(ev.code, SEGV_MAPERR);
	ck_assert_uint_eq(ev.addr, DATA_ADDR + 0x100);

	ck_assert_int_eq(plat_as_map(e.p, e.as, DATA_ADDR, 0x1000, PROT_READ | PROT_WRITE,
				     DATA_OFF), 0);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(*word, 1);
	env_teardown(&e);
}
END_TEST

START_TEST(test_remap_other_page)
{
	struct env e;

	env_setup(&e, code_load_far, code_load_far_end);
	*(uint64_t *)(e.mem + 0x4000) = 0xaaaa;
	*(uint64_t *)(e.mem + 0x5000) = 0xbbbb;
	ck_assert_int_eq(plat_as_map(e.p, e.as, 0x800000, 0x1000, PROT_READ, 0x4000), 0);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.rdi, 0xaaaa);
	/* The same address onto another page of the file: a present entry changes. */
	ck_assert_int_eq(plat_as_map(e.p, e.as, 0x800000, 0x1000, PROT_READ, 0x5000), 0);
	env_init_regs(&e.regs);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.rdi, 0xbbbb);
	env_teardown(&e);
}
END_TEST

START_TEST(test_tables_reused)
{
	struct plat_as *as2;
	struct env e;

	/* A space run, destroyed; a new one maps the address elsewhere. */
	env_setup(&e, code_load_far, code_load_far_end);
	*(uint64_t *)(e.mem + 0x4000) = 0x1111;
	*(uint64_t *)(e.mem + 0x5000) = 0x2222;
	ck_assert_int_eq(plat_as_map(e.p, e.as, 0x800000, 0x1000, PROT_READ, 0x4000), 0);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.rdi, 0x1111);
	plat_ctx_destroy(e.p, e.ctx);
	plat_as_destroy(e.p, e.as);

	ck_assert_int_eq(plat_as_new(e.p, &as2), 0);
	e.as = as2;
	ck_assert_int_eq(plat_as_map(e.p, as2, CODE_ADDR, 0x1000, PROT_READ | PROT_EXEC,
				     CODE_OFF), 0);
	ck_assert_int_eq(plat_as_map(e.p, as2, 0x800000, 0x1000, PROT_READ, 0x5000), 0);
	ck_assert_int_eq(plat_ctx_new(e.p, as2, &e.ctx), 0);
	env_init_regs(&e.regs);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.rdi, 0x2222);
	env_teardown(&e);
}
END_TEST

START_TEST(test_many_tables)
{
	struct env e;

	env_setup(&e, code_touch_many, code_touch_many_end);
	ck_assert_int_eq(plat_as_map(e.p, e.as, 0x10000000, 64 << 20, PROT_READ | PROT_WRITE,
				     16 << 20), 0);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_int_eq(plat_as_unmap(e.p, e.as, 0x10000000, 64 << 20), 0);
	env_init_regs(&e.regs);
	ck_assert_int_eq(env_run_expect(&e, PLAT_EV_FAULT).code, SEGV_MAPERR);
	env_teardown(&e);
}
END_TEST

START_TEST(test_map_checks)
{
	struct env e;

	env_setup(&e, code_getpid, code_getpid_end);
	ck_assert_errno(plat_as_map(e.p, e.as, 0x7fffff000000UL - 0x1000, 0x2000,
				    PROT_READ, 0), EINVAL);
	ck_assert_errno(plat_as_map(e.p, e.as, 0x7fffff100000UL, 0x1000, PROT_READ, 0), EINVAL);
	ck_assert_errno(plat_as_map(e.p, e.as, 0x800001, 0x1000, PROT_READ, 0), EINVAL);
	ck_assert_errno(plat_as_map(e.p, e.as, 0x800000, 0, PROT_READ, 0), EINVAL);
	ck_assert_errno(plat_as_unmap(e.p, e.as, 0xfffff80000000000UL, 0x1000), EINVAL);
	ck_assert_errno(plat_as_protect(e.p, e.as, 0xfffff80000000000UL, 0x1000, PROT_READ),
			EINVAL);
	ck_assert_int_eq(plat_as_map(e.p, e.as, 0x800000, 0x1000, PROT_READ, MEM_SIZE), 0);
	ck_assert_int_eq(plat_as_map(e.p, e.as, 0x7fffff000000UL - 0x1000, 0x1000,
				     PROT_READ, 0), 0);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	env_teardown(&e);
}
END_TEST

#define AS_MAP(a, l, p, o)	{ .kind = PLAT_AS_MAP, .prot = (p), .addr = (a), .len = (l), \
				  .file_off = (o) }

/* plat_as_apply: before any context, then by a context's thread in batches longer
 * than ptrace's table, and a batch cut short by a bad operation. */
START_TEST(test_apply)
{
	const struct plat_as_op first[] = {
		AS_MAP(CODE_ADDR, 0x1000, PROT_READ | PROT_EXEC, CODE_OFF),
		AS_MAP(DATA_ADDR, 0x1000, PROT_READ | PROT_WRITE, DATA_OFF),
		AS_MAP(0x800000, 0x1000, PROT_READ, 0x4000),
	};
	const struct plat_as_op bad[] = {
		{ .kind = PLAT_AS_PROTECT, .prot = PROT_NONE, .addr = 0x800000, .len = 0x1000 },
		AS_MAP(0x800001, 0x1000, PROT_READ, 0x5000),
		AS_MAP(0x800000, 0x1000, PROT_READ, 0x5000),
	};
	const struct plat_as_op again[] = {
		{ .kind = PLAT_AS_UNMAP, .addr = 0x800000, .len = 0x1000 },
		AS_MAP(0x800000, 0x1000, PROT_READ, 0x4000),
	};
	struct plat_as_op many[301];
	struct plat_event ev;
	struct env e;

	env_open(&e);
	memcpy(e.mem + CODE_OFF, code_load_far, code_load_far_end - code_load_far);
	*(uint64_t *)(e.mem + 0x4000) = 0xaaaa;
	*(uint64_t *)(e.mem + 0x5000) = 0xbbbb;
	ck_assert_int_eq(plat_as_new(e.p, &e.as), 0);
	ck_assert_int_eq(plat_as_apply(e.p, e.as, first, 3), 0);
	ck_assert_int_eq(plat_ctx_new(e.p, e.as, &e.ctx), 0);
	env_init_regs(&e.regs);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.rdi, 0xaaaa);

	for (int i = 0; i < 300; i++)
		many[i] = (struct plat_as_op)AS_MAP(0x10000000 + i * 0x1000UL, 0x1000,
						    PROT_READ, 0x6000);
	many[300] = (struct plat_as_op)AS_MAP(0x800000, 0x1000, PROT_READ, 0x5000);
	ck_assert_int_eq(plat_as_apply(e.p, e.as, many, 301), 0);
	env_init_regs(&e.regs);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.rdi, 0xbbbb);

	ck_assert_errno(plat_as_apply(e.p, e.as, bad, 3), EINVAL);
	env_init_regs(&e.regs);
	ev = env_run_expect(&e, PLAT_EV_FAULT);
	ck_assert_int_eq(ev.code, SEGV_ACCERR);
	ck_assert_uint_eq(ev.addr, 0x800000);

	ck_assert_int_eq(plat_as_apply(e.p, e.as, again, 2), 0);
	env_init_regs(&e.regs);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.rdi, 0xaaaa);
	env_teardown(&e);
}
END_TEST

START_TEST(test_fpstate_roundtrip)
{
	static const uint8_t pattern[16] = "sbx-xmm0-pattern";
	uint8_t *buf, *back;
	struct env e;
	size_t n;

	env_setup(&e, code_xmm0_store, code_xmm0_store_end);
	n = e.p->fpstate_size;
	ck_assert_uint_ge(n, 512);
	ck_assert_uint_ne(e.p->xsave_features & 3, 0);
	buf = calloc(1, n);
	back = calloc(1, n);
	ck_assert_errno(plat_ctx_get_fpstate(e.p, e.ctx, buf, n - 1), EINVAL);
	ck_assert_int_eq(plat_ctx_get_fpstate(e.p, e.ctx, buf, n), 0);
	ck_assert_uint_eq(*(uint16_t *)buf, 0x37f);
	memcpy(buf + 160, pattern, sizeof(pattern));	/* fxsave layout: xmm0 */
	if (n > 512)
		buf[512] |= 2;		/* xstate_bv: SSE state present */
	ck_assert_int_eq(plat_ctx_set_fpstate(e.p, e.ctx, buf, n), 0);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_mem_eq(e.mem + DATA_OFF + 0x200, pattern, sizeof(pattern));
	ck_assert_int_eq(plat_ctx_get_fpstate(e.p, e.ctx, back, n), 0);
	ck_assert_mem_eq(back + 160, pattern, sizeof(pattern));
	free(buf);
	free(back);
	env_teardown(&e);
}
END_TEST

START_TEST(test_as_from_other_thread)
{
	struct other o;
	pthread_t th;
	struct env e;

	env_setup(&e, code_getpid, code_getpid_end);
	o = (struct other){ .e = &e };
	ck_assert_int_eq(pthread_create(&th, NULL, env_other_thread, &o), 0);
	pthread_join(th, NULL);
	ck_assert_int_eq(o.err, 0);
	plat_as_destroy(e.p, o.as);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	env_teardown(&e);
}
END_TEST

START_TEST(test_seccomp_rules)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	struct env e;

	env_open(&e);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(plat_seccomp_rules(e.p, f), 0);
	seccomp_release(f);
	env_teardown(&e);
}
END_TEST

START_TEST(test_open_errors)
{
	struct platform *p;

	ck_assert_errno(plat_open("nosuch", 0, &p), EINVAL);
	ck_assert_errno(plat_open(env_platform, -1, &p), EBADF);
}
END_TEST

TCase *as_tcase(void)
{
	TCase *tc = tcase_create("as");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_protect_unmap);
	tcase_add_test(tc, test_remap_other_page);
	tcase_add_test(tc, test_tables_reused);
	tcase_add_test(tc, test_many_tables);
	tcase_add_test(tc, test_map_checks);
	tcase_add_test(tc, test_apply);
	tcase_add_test(tc, test_fpstate_roundtrip);
	tcase_add_test(tc, test_as_from_other_thread);
	tcase_add_test(tc, test_seccomp_rules);
	tcase_add_test(tc, test_open_errors);
	return tc;
}
