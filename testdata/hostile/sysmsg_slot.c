/*
 * sysmsg_slot: attacks the shared memory through which the ptrace platform's sysmsg
 * mode (SBX_PTRACE_SYSMSG=1) hands a thread's syscalls to the Sentry: the slot at
 * 0x7fffff400000 (above the sandbox's top), a control page and the signal stack the
 * stub's handler runs on, writable by the application like all its memory. Each
 * attack runs in a child: the control page filled with 0xff, the state word set to
 * "dead", the whole slot zeroed, then syscalls. The child may go wrong in any way
 * (it only hurts itself), but it must end, and its parent, the Sentry and the rest of
 * the sandbox must go on: the parent checks getpid and a fresh mapping at the end.
 * Under the plain ptrace platform there is no slot and the attacks are skipped.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "hostile.h"

#define SLOT_BASE	0x7fffff400000UL
#define SLOT_SIZE	0x8000UL

static sigjmp_buf env;
static volatile int caught;

static void handler(int sig)
{
	caught = sig;
	siglongjmp(env, 1);
}

static bool readable(unsigned long addr)
{
	volatile char c;

	caught = 0;
	if (!sigsetjmp(env, 1))
		c = *(volatile char *)addr;
	(void)c;
	return !caught;
}

/* Runs @attack on slot @slot in a child, which then makes syscalls and exits 7. */
static void in_child(const char *what, unsigned long slot,
		     void (*attack)(unsigned long slot))
{
	int st = 0;
	long pid = hs_sys0(SYS_fork), r;

	if (pid == 0) {
		attack(slot);
		for (int i = 0; i < 100; i++)
			hs_sys0(SYS_getpid);
		hs_sys1(SYS_exit_group, 7);
	}
	if (hs_failed(pid)) {
		hs_report(what, pid, false);
		return;
	}
	r = hs_sys4(SYS_wait4, pid, &st, 0, 0);
	if (r != pid) {
		hs_report(what, r, false);
		return;
	}
	if (WIFEXITED(st))
		hs_printf("%s: the child exited %d ok\n", what, WEXITSTATUS(st));
	else
		hs_printf("%s: the child was killed (%s) ok\n", what,
			  sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
}

static void fill_ctl(unsigned long slot)
{
	memset((void *)slot, 0xff, 4096);
}

static void state_dead(unsigned long slot)
{
	*(volatile unsigned int *)slot = 0;
}

static void zero_slot(unsigned long slot)
{
	memset((void *)slot, 0, SLOT_SIZE);
}

int main(void)
{
	unsigned long slot = 0;

	hs_require_sandbox("sysmsg_slot");
	signal(SIGSEGV, handler);
	signal(SIGBUS, handler);
	for (unsigned long a = SLOT_BASE; a < SLOT_BASE + 64 * SLOT_SIZE; a += SLOT_SIZE)
		if (readable(a)) {
			slot = a;
			break;
		}
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	if (!slot) {
		hs_printf("no sysmsg slot (the plain ptrace platform): skipped ok\n");
	} else {
		hs_printf("found a slot at %#lx ok\n", slot);
		in_child("control page filled with 0xff", slot, fill_ctl);
		in_child("state word set to dead", slot, state_dead);
		in_child("whole slot zeroed", slot, zero_slot);
	}
	hs_report("getpid after everything (1)", hs_sys0(SYS_getpid),
		  hs_sys0(SYS_getpid) == 1);
	hs_mmap_after_everything();
	return hs_done("done");
}
