/*
 * stub_page: attacks the ptrace platform's stub page, the one page of Sentry code
 * mapped into the application's host address space (0x7fffff100000, above the
 * sandbox's top 0x7fffff000000), through which the Sentry injects syscalls. Reads it
 * (allowed: it holds no secret) and remembers its first 64 bytes; then mmap MAP_FIXED
 * and MAP_FIXED_NOREPLACE over it, munmap, mprotect RW, madvise DONTNEED, mremap of a
 * page onto it, and getrandom, uname and rt_sigaction writing into it, each of which
 * must fail (or, for munmap, may return 0 on a range the application never had) and
 * leave the page as it was. Then finds the stub's "syscall; int3" gadget in the page
 * and jumps to it with getpid: under PTRACE_SYSEMU the syscall is the application's,
 * served by the Sentry (1, the sandbox's pid) and never by the host (which would give
 * the stub's pid); the int3 comes back as SIGTRAP. Ends by checking the Sentry can
 * still change the address space (mmap and touch a fresh page).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "hostile.h"

static sigjmp_buf env;
static volatile int caught;
static volatile long caught_rax;

static void handler(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	caught = sig;
	caught_rax = uc->uc_mcontext.gregs[REG_RAX];
	siglongjmp(env, 1);
}

static bool peek(unsigned long addr, unsigned char *out, size_t len)
{
	caught = 0;
	if (!sigsetjmp(env, 1))
		memcpy(out, (const void *)addr, len);
	return !caught;
}

/* Jumps to @gadget with rax = @nr; the gadget's int3 ends in the handler. The call's
 * return address goes below the red zone. */
static __attribute__((noinline)) void run_gadget(unsigned long gadget, long nr)
{
	__asm__ volatile("sub $128, %%rsp\n\tcall *%1\n\tadd $128, %%rsp"
			 : "+a"(nr) : "r"(gadget)
			 : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
}

int main(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGTRAP, SIGILL, SIGSYS };
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO };
	const unsigned long stub = HS_STUB_ADDR;
	unsigned char before[64], after[64], page[4096];
	long r, gadget = -1;
	bool readable;
	char *p;

	hs_require_sandbox("stub_page");
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);

	readable = peek(stub, before, sizeof(before));
	hs_printf("read the stub page: %s ok\n", readable ? "readable" : "faults");

	r = hs_sys(SYS_mmap, stub, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	hs_must_fail("mmap(stub page, MAP_FIXED)", r);
	r = hs_sys(SYS_mmap, stub, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	hs_must_fail("mmap(stub page, MAP_FIXED_NOREPLACE)", r);
	r = hs_sys(SYS_mmap, stub - 4096, 3 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	hs_must_fail("mmap(around the stub page, MAP_FIXED)", r);
	r = hs_sys2(SYS_munmap, stub, 4096);
	hs_report("munmap(stub page)", r, hs_failed(r) || r == 0);
	r = hs_sys2(SYS_munmap, HS_MAX_USER, HS_TASK_TOP - HS_MAX_USER);
	hs_report("munmap(sandbox top .. host TASK_SIZE)", r, hs_failed(r) || r == 0);
	hs_must_fail("mprotect(stub page, RW)",
		     hs_sys3(SYS_mprotect, stub, 4096, PROT_READ | PROT_WRITE));
	hs_must_fail("mprotect(stub page, NONE)", hs_sys3(SYS_mprotect, stub, 4096, PROT_NONE));
	r = hs_sys3(SYS_madvise, stub, 4096, MADV_DONTNEED);
	hs_must_fail("madvise(stub page, DONTNEED)", r);
	p = (char *)hs_sys(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!hs_failed((long)p)) {
		p[0] = 'm';
		r = hs_sys(SYS_mremap, (long)p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, stub, 0);
		hs_must_fail("mremap(page -> stub page, FIXED)", r);
		if (hs_failed(r))
			hs_sys2(SYS_munmap, (long)p, 4096);
	}
	hs_must_fail_with("getrandom(stub page, 16)", hs_sys3(SYS_getrandom, stub, 16, 0),
			  EFAULT);
	hs_must_fail_with("uname(stub page)", hs_sys1(SYS_uname, stub), EFAULT);
	hs_must_fail_with("rt_sigaction(SIGUSR1, NULL, old=stub page)",
			  hs_sys4(SYS_rt_sigaction, SIGUSR1, 0, stub + 128, 8), EFAULT);
	hs_must_fail_with("read(0, stub page, 16) [stdin is empty or EFAULT]",
			  hs_sys3(SYS_read, 0, stub, 16) > 0 ? 1 : -EFAULT, EFAULT);

	if (readable) {
		bool same = peek(stub, after, sizeof(after)) && !memcmp(before, after, 64);

		hs_report("stub page unchanged", same ? 0 : -EIO, same);
		if (peek(stub, page, sizeof(page)))
			for (size_t i = 0; i + 2 < sizeof(page); i++)
				if (page[i] == 0x0f && page[i + 1] == 0x05 && page[i + 2] == 0xcc) {
					gadget = stub + i;
					break;
				}
	}
	if (gadget < 0) {
		hs_printf("no \"syscall; int3\" gadget found in the stub page: skipped ok\n");
	} else {
		caught = 0;
		caught_rax = -1;
		if (!sigsetjmp(env, 1))
			run_gadget(gadget, SYS_getpid);
		if (caught == SIGTRAP)
			hs_report("stub gadget getpid (served by the Sentry: 1)", caught_rax,
				  caught_rax == 1);
		else
			hs_printf("stub gadget getpid: signal %d (%s) ok\n", caught,
				  caught ? sigabbrev_np(caught) : "returned");
	}
	hs_mmap_after_everything();
	return hs_done("done");
}
