/*
 * What a switch reports, the same on every platform: syscalls (64-bit, int $0x80,
 * vsyscall) with the registers the application left, faults with Linux's
 * signo/si_code/si_addr, CPUID (a stop where the platform faults it, else native),
 * and interrupts (while running, while stopped, while the address space changes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform_test.h"

CODE(code_getpid_exit,
     "mov $39, %eax\n syscall\n mov %rax, %rdi\n mov $60, %eax\n syscall\n");
CODE(code_maperr, "mov 0x10000000, %rax\n");
CODE(code_accerr, "movl $1, 0x601000\n");
CODE(code_ud2, "ud2\n");
CODE(code_int3, "int3\n");
CODE(code_div0, "xor %ecx, %ecx\n mov $1, %eax\n xor %edx, %edx\n div %ecx\n");
CODE(code_cpuid, "xor %eax, %eax\n xor %ecx, %ecx\n cpuid\n mov $39, %eax\n syscall\n");
CODE(code_int80, "mov $0x1234, %ecx\n mov $20, %eax\n int $0x80\n mov $60, %eax\n syscall\n");
CODE(code_spin, "1: jmp 1b\n");
CODE(code_regs,
     "mov $0x1111, %rbx\n mov $0x2222, %rbp\n mov $0x3333, %r12\n mov $0x4444, %r15\n"
     "mov $7, %eax\n syscall\n");
CODE(code_vsyscall,
     "mov $0x600000, %edi\n xor %esi, %esi\n mov $0xffffffffff600000, %rax\n call *%rax\n"
     "mov $60, %eax\n syscall\n");

START_TEST(test_syscall_roundtrip)
{
	struct env e;

	env_setup(&e, code_getpid_exit, code_getpid_exit_end);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 39);
	ck_assert_uint_eq(e.regs.rip, CODE_ADDR + 7);
	ck_assert_uint_eq(e.regs.rcx, e.regs.rip);
	ck_assert_uint_eq(e.regs.r11, e.regs.eflags);
	ck_assert_uint_eq(e.regs.cs, 0x33);
	e.regs.rax = 1234;
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 60);
	ck_assert_uint_eq(e.regs.rdi, 1234);
	/* Back over the syscall instruction: the same call again. */
	e.regs.rip -= 2;
	e.regs.rax = e.regs.orig_rax;
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 60);
	env_teardown(&e);
}
END_TEST

START_TEST(test_regs_preserved)
{
	struct env e;

	env_setup(&e, code_regs, code_regs_end);
	e.regs.r8 = 0x88;
	e.regs.r13 = 0xdd;
	e.regs.fs_base = 0x601000;
	e.regs.gs_base = 0x602000;
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.rbx, 0x1111);
	ck_assert_uint_eq(e.regs.rbp, 0x2222);
	ck_assert_uint_eq(e.regs.r12, 0x3333);
	ck_assert_uint_eq(e.regs.r15, 0x4444);
	ck_assert_uint_eq(e.regs.r8, 0x88);
	ck_assert_uint_eq(e.regs.r13, 0xdd);
	ck_assert_uint_eq(e.regs.rsp, DATA_ADDR + 0xff0);
	ck_assert_uint_eq(e.regs.fs_base, 0x601000);
	ck_assert_uint_eq(e.regs.gs_base, 0x602000);
	env_teardown(&e);
}
END_TEST

static struct plat_event run_fault(const char *code, const char *end, int signo)
{
	struct plat_event ev;
	struct env e;

	env_setup(&e, code, end);
	ev = env_run_expect(&e, PLAT_EV_FAULT);
	ck_assert_int_eq(ev.signo, signo);
	env_teardown(&e);
	return ev;
}

START_TEST(test_fault_maperr)
{
	struct plat_event ev = run_fault(code_maperr, code_maperr_end, SIGSEGV);

	ck_assert_int_eq(ev.code, SEGV_MAPERR);
	ck_assert_uint_eq(ev.addr, 0x10000000);
	ck_assert_uint_eq(ev.trapno, 14);
}
END_TEST

START_TEST(test_fault_accerr)
{
	struct plat_event ev = run_fault(code_accerr, code_accerr_end, SIGSEGV);

	ck_assert_int_eq(ev.code, SEGV_ACCERR);
	ck_assert_uint_eq(ev.addr, RO_ADDR);
}
END_TEST

START_TEST(test_fault_ud2)
{
	struct plat_event ev = run_fault(code_ud2, code_ud2_end, SIGILL);

	ck_assert_int_eq(ev.code, ILL_ILLOPN);
	ck_assert_uint_eq(ev.addr, CODE_ADDR);
	ck_assert_uint_eq(ev.trapno, 6);
}
END_TEST

START_TEST(test_fault_int3)
{
	struct env e;
	struct plat_event ev;

	env_setup(&e, code_int3, code_int3_end);
	ev = env_run_expect(&e, PLAT_EV_FAULT);
	ck_assert_int_eq(ev.signo, SIGTRAP);
	ck_assert_int_eq(ev.code, SI_KERNEL);
	ck_assert_uint_eq(e.regs.rip, CODE_ADDR + 1);
	env_teardown(&e);
}
END_TEST

START_TEST(test_fault_div0)
{
	struct plat_event ev = run_fault(code_div0, code_div0_end, SIGFPE);

	ck_assert_int_eq(ev.code, FPE_INTDIV);
	ck_assert_uint_eq(ev.trapno, 0);
}
END_TEST

START_TEST(test_cpuid)
{
	struct env e;

	env_setup(&e, code_cpuid, code_cpuid_end);
	if (env_cpuid_faults(&e)) {
		env_run_expect(&e, PLAT_EV_CPUID);
		ck_assert_uint_eq(e.regs.rip, CODE_ADDR + 4);
		e.regs.rip += 2;
		e.regs.rax = 0x11;
	}
	/* Without CPUID faulting (kvm; ptrace without host support) it runs natively. */
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 39);
	env_teardown(&e);
}
END_TEST

START_TEST(test_int80)
{
	struct env e;

	env_setup(&e, code_int80, code_int80_end);
	env_run_expect(&e, PLAT_EV_SYSCALL32);
	ck_assert_uint_eq(e.regs.orig_rax, 20);
	ck_assert_uint_eq(e.regs.rip, CODE_ADDR + 12);
	ck_assert_int_eq((long)e.regs.rax, -38);
	e.regs.rax = -38;
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 60);
	env_teardown(&e);
}
END_TEST

START_TEST(test_vsyscall)
{
	struct env e;

	env_setup(&e, code_vsyscall, code_vsyscall_end);
	/* A call into the vsyscall page is reported as the syscall it stands for. */
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 96);
	ck_assert_uint_eq(e.regs.rip, CODE_ADDR + 16);
	ck_assert_uint_eq(e.regs.rsp, DATA_ADDR + 0xff0);
	e.regs.rax = 0;
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 60);
	env_teardown(&e);
}
END_TEST

START_TEST(test_interrupt_running)
{
	struct interrupter in;
	pthread_t th;
	struct env e;

	env_setup(&e, code_spin, code_spin_end);
	in = (struct interrupter){ &e, 50000 };
	ck_assert_int_eq(pthread_create(&th, NULL, env_interrupt_later, &in), 0);
	env_run_expect(&e, PLAT_EV_INTERRUPT);
	ck_assert_uint_eq(e.regs.rip, CODE_ADDR);
	pthread_join(th, NULL);
	/* Stopped in user mode: it resumes from the registers handed back. */
	in = (struct interrupter){ &e, 20000 };
	ck_assert_int_eq(pthread_create(&th, NULL, env_interrupt_later, &in), 0);
	env_run_expect(&e, PLAT_EV_INTERRUPT);
	pthread_join(th, NULL);
	env_teardown(&e);
}
END_TEST

START_TEST(test_interrupt_stopped)
{
	struct env e;

	env_setup(&e, code_getpid_exit, code_getpid_exit_end);
	plat_ctx_interrupt(e.p, e.ctx);
	plat_ctx_interrupt(e.p, e.ctx);
	env_run_expect(&e, PLAT_EV_INTERRUPT);
	ck_assert_uint_eq(e.regs.rip, CODE_ADDR);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 39);
	env_teardown(&e);
}
END_TEST

/* An interrupt stays pending across address-space changes (injected calls on ptrace). */
START_TEST(test_interrupt_during_map)
{
	struct env e;

	env_setup(&e, code_getpid_exit, code_getpid_exit_end);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	plat_ctx_interrupt(e.p, e.ctx);
	ck_assert_int_eq(plat_as_map(e.p, e.as, 0x800000, 0x1000, PROT_READ, 0x3000), 0);
	ck_assert_int_eq(plat_as_unmap(e.p, e.as, 0x800000, 0x1000), 0);
	env_run_expect(&e, PLAT_EV_INTERRUPT);
	ck_assert_uint_eq(e.regs.orig_rax, 39);
	e.regs.rax = 7;
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 60);
	ck_assert_uint_eq(e.regs.rdi, 7);
	env_teardown(&e);
}
END_TEST

TCase *events_tcase(void)
{
	TCase *tc = tcase_create("events");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_syscall_roundtrip);
	tcase_add_test(tc, test_regs_preserved);
	tcase_add_test(tc, test_fault_maperr);
	tcase_add_test(tc, test_fault_accerr);
	tcase_add_test(tc, test_fault_ud2);
	tcase_add_test(tc, test_fault_int3);
	tcase_add_test(tc, test_fault_div0);
	tcase_add_test(tc, test_cpuid);
	tcase_add_test(tc, test_int80);
	tcase_add_test(tc, test_vsyscall);
	tcase_add_test(tc, test_interrupt_running);
	tcase_add_test(tc, test_interrupt_stopped);
	tcase_add_test(tc, test_interrupt_during_map);
	return tc;
}
