/*
 * The ptrace stub: the only code of the Sentry that survives in a stub process.
 *
 * stub_entry runs in the freshly forked template, still on the Sentry's text: it maps
 * a page at STUB_ADDR, copies the image [stub_image_start, stub_image_end) there and
 * jumps to its copy of stub_setup. MAP_FIXED may land on whatever the Sentry had there
 * (its stack, with ASLR off); nothing below uses a stack, so that is harmless.
 * stub_setup installs the stub's seccomp filter, unmaps everything but the stub page
 * (and the host's vDSO, which the template moved to STUB_HOST_VDSO),
 * and falls into stub_loop, where the template stops itself with SIGSTOP forever.
 * stub_syscall is where the Sentry points rip to inject a syscall: the trailing int3
 * hands control back with the result in rax; stub_apply does the same for a table of
 * mmap/munmap/mprotect calls the Sentry wrote into the table page (or into the stub
 * page with PTRACE_POKEDATA: both are read-only to the application, which may run in
 * other threads meanwhile), so a new address space is mapped in one round trip.
 * stub_park is where an address space's first thread waits, untraced, between the
 * threads it is asked to clone: pause() stops nothing else, unlike the template's
 * SIGSTOP, which would stop the group. It blocks every signal, so that one sent to
 * the stub process from outside goes to a traced thread, whose tracer drops it,
 * instead of killing the stub.
 *
 * The filter allows a syscall only if it was issued from the stub page (rip just past
 * the syscall instruction lies in it) with the x86_64 ABI, and makes it SIGSYS
 * otherwise. Application syscalls never reach it (PTRACE_SYSEMU stops them before
 * seccomp runs); what does is the kernel's vsyscall emulation.
 */
#include "ptrace_stub.h"

	.text
	.globl	stub_image_start, stub_image_end, stub_syscall, stub_loop, stub_park
	.globl	stub_apply, stub_apply_map, stub_apply_fpinit, stub_apply_done
	.globl	stub_sysmsg_handler, stub_sysmsg_restorer, stub_sysloop, stub_sysmsg_thread
	.globl	stub_sysmsg_as_init, stub_sysmsg_as_init_done
	.globl	stub_entry

	.balign	64			/* stub_fpinit's alignment holds in the copy */
stub_image_start:
stub_loop:
	mov	$STUB_NR_GETPID, %eax
	syscall
	mov	%rax, %rdi
	mov	$STUB_SIGSTOP, %esi
	mov	$STUB_NR_KILL, %eax
	syscall
	jmp	stub_loop

stub_syscall:
	syscall
	int3
	ud2

stub_park:
	mov	$STUB_NR_PAUSE, %eax
	syscall
	jmp	stub_park

/*
 * Works through the table entries [rbx, rbp) (see ptrace_stub.h): mmap of the memory
 * file, munmap or mprotect each. Stops at the int3 with rax = 0 once all are done, or
 * with the error and rbx at the entry that failed.
 */
stub_apply:
	lea	stub_apply_done(%rip), %r13
stub_apply_body:			/* the same, returning to r13 */
	cmp	%rbp, %rbx
	jae	3f
	mov	(%rbx), %rdi
	mov	%edi, %edx
	shr	$STUB_PROT_SHIFT, %edx
	and	$7, %edx			/* prot */
	mov	%edi, %eax
	and	$STUB_OP_MASK, %eax
	and	$-STUB_PAGE_SIZE, %rdi		/* addr */
	mov	8(%rbx), %rsi			/* len */
	test	%eax, %eax
	jz	stub_thread_op
	cmp	$STUB_OP_MAP, %eax
	je	1f
	cmp	$STUB_OP_UNMAP, %eax
	mov	$STUB_NR_MPROTECT, %eax
	jne	2f
	mov	$STUB_NR_MUNMAP, %eax
	jmp	2f
1:	mov	$STUB_MAP_SHARED_FIXED, %r10d
	mov	$STUB_MEMFD, %r8d
	mov	16(%rbx), %r9			/* file offset */
	mov	$STUB_NR_MMAP, %eax
	syscall
	cmp	%rdi, %rax			/* mmap gives the address back */
	jne	4f
	xor	%eax, %eax
	jmp	4f
2:	syscall
4:	test	%rax, %rax
	jnz	3f
	add	$STUB_ENTRY_SIZE, %rbx
	jmp	stub_apply_body
3:	jmp	*%r13
stub_apply_done:
	int3
	ud2

/*
 * stub_apply, after mapping the table page read-only at STUB_TABLE_ADDR from the
 * sysmsg file at offset r12, its page table entry filled: the address space's first
 * table there. A failed map ends it with the error (or, mapped elsewhere, the address).
 */
stub_apply_map:
	movabs	$STUB_TABLE_ADDR, %rdi
	mov	$STUB_PAGE_SIZE, %esi
	mov	$STUB_PROT_R, %edx
	mov	$STUB_MAP_SHARED_FIXED_POPULATE, %r10d
	mov	$STUB_SYSMSG_FD, %r8d
	mov	%r12, %r9
	mov	$STUB_NR_MMAP, %eax
	syscall
	cmp	%rdi, %rax
	jne	stub_apply_done
	jmp	stub_apply

/*
 * stub_apply, and once every entry is done the initial FPU state, for a new
 * program's first instruction (exec): XRSTOR of stub_fpinit, whose header has
 * every component of STUB_FPINIT_MASK in its init state, and MXCSR its default.
 */
stub_apply_fpinit:
	lea	1f(%rip), %r13
	xor	%eax, %eax			/* an empty table succeeds */
	jmp	stub_apply_body
1:	test	%rax, %rax
	jnz	stub_apply_done
	mov	$STUB_FPINIT_MASK, %eax
	xor	%edx, %edx
	xrstor	stub_fpinit(%rip)
	xor	%eax, %eax
	jmp	stub_apply_done

/*
 * sysmsg mode, from stub_sysloop: STUB_OP_THREAD, a new context's thread. Maps its
 * slot at rdi (sysmsg file offset in the entry's third quad), its page tables filled
 * (a first touch costs 10-40 us on a PVM guest, a populated page 0.2), and clones a
 * thread whose stack is the slot's top and whose clear_child_tid is the slot's state
 * word. Ends the table with rax = its tid or the error.
 */
stub_thread_op:
	mov	%rdi, %r15
	mov	$STUB_SLOT_SIZE, %esi
	mov	$STUB_PROT_RW, %edx
	mov	$STUB_MAP_SHARED_FIXED, %r10d
	mov	$STUB_SYSMSG_FD, %r8d
	mov	16(%rbx), %r9
	mov	$STUB_NR_MMAP, %eax
	syscall
	cmp	%r15, %rax
	je	2f
	test	%rax, %rax
	js	1f
	mov	$STUB_EIO, %rax			/* another address: never, with MAP_FIXED */
	jmp	1f
2:	mov	$STUB_SLOT_SIZE, %esi		/* an old host lacks it: then they fault in */
	mov	$STUB_MADV_POPULATE_WRITE, %edx
	mov	$STUB_NR_MADVISE, %eax
	syscall
	mov	$STUB_CLONE_THREAD, %edi
	lea	STUB_SLOT_SIZE(%r15), %rsi
	xor	%edx, %edx
	lea	SM_STATE(%r15), %r10
	xor	%r8d, %r8d
	mov	$STUB_NR_CLONE, %eax
	syscall
	test	%rax, %rax
	jz	stub_sysmsg_thread
1:	jmp	*%r13

/*
 * sysmsg mode: where an address space's spawner waits, untraced, between the
 * threads it is asked to clone, serving the Sentry's address-space calls. The Sentry
 * writes a table (stub_apply's entries) into the request page, which the stub maps
 * read-only, bumps its sequence number and wakes us; we run the table, then write
 * {seq, rax, failed entry} to STUB_REPLY_FD, a pipe whose other end the Sentry reads:
 * the application can write the reply page but cannot write that pipe, so it cannot
 * make the Sentry believe an unmap done that is not. r12 = the last sequence served
 * (the Sentry sets it when it lets us go here).
 */
stub_sysloop:
	movabs	$STUB_REQ_ADDR, %r14
1:	mov	REQ_SEQ(%r14), %eax
	cmp	%r12d, %eax
	jne	2f
	lea	REQ_SEQ(%r14), %rdi
	mov	$STUB_FUTEX_WAIT, %esi
	mov	%r12d, %edx
	xor	%r10d, %r10d
	mov	$STUB_NR_FUTEX, %eax
	syscall
	jmp	1b
2:	mov	%eax, %r12d
	mov	REQ_N(%r14), %ecx
	cmp	$STUB_REQ_MAX, %ecx
	jbe	3f
	mov	$STUB_REQ_MAX, %ecx
3:	lea	REQ_TABLE(%r14), %rbx
	imul	$STUB_ENTRY_SIZE, %rcx, %rbp
	add	%rbx, %rbp
	lea	4f(%rip), %r13
	jmp	stub_apply_body
4:	mov	%r12, REP_SEQ(%r14)
	mov	%rax, REP_RET(%r14)
	mov	%rbx, REP_AT(%r14)
	mov	$STUB_REPLY_FD, %edi
	lea	REP_SEQ(%r14), %rsi
	mov	$24, %edx
	mov	$STUB_NR_WRITE, %eax
	syscall
	jmp	1b

/*
 * sysmsg mode, once per address space, in its spawner while its creator traces it:
 * the request page read-only and the reply page read-write (sysmsg file offset r13),
 * and a pipe whose write end becomes STUB_REPLY_FD (the Sentry takes the read end
 * with pidfd_getfd: its number is left in the reply page). Before that, the stub is
 * made to die with its parent, the template (PR_SET_PDEATHSIG: no tracer's
 * PTRACE_O_EXITKILL will kill it), and, unless r15 is 0, CPUID faulting is tried,
 * its result left in r15. Stops at the int3 with rax = 0 or the error of the step
 * that failed.
 */
stub_sysmsg_as_init:
	mov	$STUB_PR_SET_PDEATHSIG, %edi
	mov	$STUB_SIGKILL, %esi
	mov	$STUB_NR_PRCTL, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	test	%r15, %r15
	jz	2f
	mov	$STUB_ARCH_SET_CPUID, %edi
	xor	%esi, %esi
	mov	$STUB_NR_ARCH_PRCTL, %eax
	syscall
	mov	%rax, %r15
2:	movabs	$STUB_REQ_ADDR, %r14
	mov	%r14, %rdi
	mov	$STUB_PAGE_SIZE, %esi
	mov	$STUB_PROT_R, %edx
	mov	$STUB_MAP_SHARED_FIXED_POPULATE, %r10d
	mov	$STUB_SYSMSG_FD, %r8d
	mov	%r13, %r9
	mov	$STUB_NR_MMAP, %eax
	syscall
	cmp	%r14, %rax
	jne	1f
	lea	STUB_PAGE_SIZE(%r14), %rdi
	mov	$STUB_PAGE_SIZE, %esi
	mov	$STUB_PROT_RW, %edx
	mov	$STUB_MAP_SHARED_FIXED, %r10d
	mov	$STUB_SYSMSG_FD, %r8d
	lea	STUB_PAGE_SIZE(%r13), %r9
	mov	$STUB_NR_MMAP, %eax
	syscall
	lea	STUB_PAGE_SIZE(%r14), %rdi
	cmp	%rdi, %rax
	jne	1f
	mov	$STUB_PAGE_SIZE, %esi
	mov	$STUB_MADV_POPULATE_WRITE, %edx
	mov	$STUB_NR_MADVISE, %eax
	syscall
	lea	REP_FDS(%r14), %rdi
	mov	$STUB_O_CLOEXEC, %esi
	mov	$STUB_NR_PIPE2, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	mov	REP_FDS+4(%r14), %edi
	mov	$STUB_REPLY_FD, %esi
	xor	%edx, %edx
	mov	$STUB_NR_DUP3, %eax
	syscall
	cmp	$STUB_REPLY_FD, %rax
	jne	1f
	mov	REP_FDS+4(%r14), %edi
	mov	$STUB_NR_CLOSE, %eax
	syscall
	xor	%eax, %eax
1:
stub_sysmsg_as_init_done:
	int3
	ud2

/*
 * sysmsg mode: the handler of every signal a context's thread takes (SIGSYS for its
 * syscalls, the fault signals, the interrupt), on the slot's alternate stack, every
 * signal blocked. rdi = signo, rsi = siginfo, rdx = ucontext. It tells the Sentry
 * where they are, sets SM_EVENT (waking the Sentry if it sleeps), and waits, spinning
 * SM_SPIN times and then in futex, until the Sentry has written the registers to
 * resume with into the ucontext and set SM_RUN (yielding the CPU every 64 turns: the Sentry
 * may be waiting for it); then it loads fs/gs bases the Sentry
 * changed and returns through stub_sysmsg_restorer (rt_sigreturn). SM_EXIT, met at
 * entry or while waiting, ends the thread. Every register is free here: rt_sigreturn
 * restores them all from the frame.
 */
stub_sysmsg_handler:
	mov	%rsp, %rbx
	and	$-STUB_SLOT_SIZE, %rbx
	mov	%edi, SM_SIGNO(%rbx)
	mov	%rsi, SM_INFO(%rbx)
	mov	%rdx, SM_UCTX(%rbx)
	mov	$SM_EVENT, %eax
	xchg	%eax, SM_STATE(%rbx)
	cmp	$SM_EXIT, %eax
	je	6f
	cmpl	$0, SM_SENTRY_SLEEPING(%rbx)
	je	1f
	lea	SM_STATE(%rbx), %rdi
	mov	$STUB_FUTEX_WAKE, %esi
	mov	$1, %edx
	mov	$STUB_NR_FUTEX, %eax
	syscall
1:	mov	SM_SPIN(%rbx), %r12d
2:	mov	SM_STATE(%rbx), %eax
	cmp	$SM_EVENT, %eax
	jne	4f
	test	%r12d, %r12d
	jz	3f
	cmpl	$0, SM_SPIN(%rbx)		/* the Sentry says: sleep now */
	je	3f
	dec	%r12d
	test	$63, %r12d
	jz	9f
	pause
	jmp	2b
9:	mov	$STUB_NR_SCHED_YIELD, %eax	/* the Sentry may be waiting for this CPU */
	syscall
	jmp	2b
3:	mov	$1, %eax
	xchg	%eax, SM_STUB_SLEEPING(%rbx)
	mov	SM_STATE(%rbx), %eax
	cmp	$SM_EVENT, %eax
	jne	5f
	lea	SM_STATE(%rbx), %rdi
	mov	$STUB_FUTEX_WAIT, %esi
	mov	$SM_EVENT, %edx
	xor	%r10d, %r10d
	mov	$STUB_NR_FUTEX, %eax
	syscall
5:	movl	$0, SM_STUB_SLEEPING(%rbx)
	xor	%r12d, %r12d
	jmp	2b
4:	cmp	$SM_EXIT, %eax
	je	6f
	cmpl	$0, SM_SET_FS(%rbx)
	je	7f
	movl	$0, SM_SET_FS(%rbx)
	mov	$STUB_ARCH_SET_FS, %edi
	mov	SM_FS_BASE(%rbx), %rsi
	mov	$STUB_NR_ARCH_PRCTL, %eax
	syscall
7:	cmpl	$0, SM_SET_GS(%rbx)
	je	8f
	movl	$0, SM_SET_GS(%rbx)
	mov	$STUB_ARCH_SET_GS, %edi
	mov	SM_GS_BASE(%rbx), %rsi
	mov	$STUB_NR_ARCH_PRCTL, %eax
	syscall
8:	ret
6:	mov	$STUB_NR_EXIT, %eax
	xor	%edi, %edi
	syscall
	ud2

stub_sysmsg_restorer:
	mov	$STUB_NR_RT_SIGRETURN, %eax
	syscall
	ud2

/*
 * sysmsg mode: a new context's thread, cloned by stub_thread_op (or a traced one let
 * go here by ptrace_sysmsg_promote), on the top of its slot's stack (r15 = the slot)
 * with the spawner's signal mask (every signal blocked but SIGTRAP; SIGSYS for a
 * promoted one). It makes the slot's state word its clear_child_tid and its stack its
 * alternate signal stack, leaves only SIGSYS open, and installs its own filter
 * (stub_sysmsg_fprog, in this read-only page: a sibling thread of the application can
 * write the slot, not this). Then it makes a call the filter refuses: the SIGSYS
 * takes it into stub_sysmsg_handler, where the Sentry finds its first frame, and the
 * first switch writes the application's registers (and the full signal mask) there.
 * A step that fails ends the thread, which clears the state word: the Sentry sees
 * SM_DEAD.
 */
stub_sysmsg_thread:
	lea	SM_STATE(%r15), %rdi
	mov	$STUB_NR_SET_TID_ADDRESS, %eax
	syscall
	mov	$(STUB_SLOT_SIZE - STUB_PAGE_SIZE), %eax
	push	%rax				/* stack_t: ss_size */
	push	$0				/* ss_flags */
	lea	STUB_PAGE_SIZE(%r15), %rax
	push	%rax				/* ss_sp */
	mov	%rsp, %rdi
	xor	%esi, %esi
	mov	$STUB_NR_SIGALTSTACK, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	movabs	$~(1 << (STUB_SIGSYS - 1)), %rax
	push	%rax
	mov	$STUB_SIG_SETMASK, %edi
	mov	%rsp, %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	mov	$STUB_NR_RT_SIGPROCMASK, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	mov	$STUB_SECCOMP_SET_FILTER, %edi
	xor	%esi, %esi
	movabs	$(STUB_ADDR + stub_sysmsg_fprog - stub_image_start), %rdx
	mov	$STUB_NR_SECCOMP, %eax
	syscall
	test	%rax, %rax
	jnz	1f
	mov	$STUB_NR_GETPID, %eax		/* refused: the SIGSYS of its birth */
	syscall
	ud2
1:	mov	%eax, %edi
	mov	$STUB_NR_EXIT, %eax
	syscall
	ud2

stub_setup:
	mov	$STUB_NR_SECCOMP, %eax
	mov	$STUB_SECCOMP_SET_FILTER, %edi
	xor	%esi, %esi
	movabs	$(STUB_ADDR + stub_fprog - stub_image_start), %rdx
	syscall
	mov	$STUB_EXIT_SECCOMP, %edi
	test	%rax, %rax
	jnz	stub_die

	mov	$STUB_NR_MUNMAP, %eax
	xor	%edi, %edi
	movabs	$STUB_ADDR, %rsi
	syscall
	mov	$STUB_EXIT_MUNMAP, %edi
	test	%rax, %rax
	jnz	stub_die

	mov	$STUB_NR_MUNMAP, %eax
	movabs	$(STUB_ADDR + STUB_PAGE_SIZE), %rdi
	movabs	$(STUB_HOST_VDSO - STUB_ADDR - STUB_PAGE_SIZE), %rsi
	syscall
	mov	$STUB_EXIT_MUNMAP, %edi
	test	%rax, %rax
	jnz	stub_die

	/* The host's vDSO stays, moved here by the template (ptrace_host_vdso.c). */
	mov	$STUB_NR_MUNMAP, %eax
	movabs	$(STUB_HOST_VDSO + STUB_HOST_VDSO_MAX), %rdi
	movabs	$(STUB_TASK_TOP - STUB_HOST_VDSO - STUB_HOST_VDSO_MAX), %rsi
	syscall
	mov	$STUB_EXIT_MUNMAP, %edi
	test	%rax, %rax
	jnz	stub_die
	jmp	stub_loop

stub_die:
	mov	$STUB_NR_EXIT_GROUP, %eax
	syscall
	ud2

	.balign	8
stub_fprog:				/* struct sock_fprog */
	.short	(stub_filter_end - stub_filter) / 8
	.short	0, 0, 0
	.quad	STUB_ADDR + stub_filter - stub_image_start
stub_filter:				/* struct sock_filter: u16 code, u8 jt, u8 jf, u32 k */
	.short	0x20; .byte 0, 0; .long 4		/* ld [arch] */
	.short	0x15; .byte 0, 6; .long STUB_AUDIT_ARCH_X86_64
	.short	0x20; .byte 0, 0; .long 12		/* ld [ip >> 32] */
	.short	0x15; .byte 0, 4; .long (STUB_ADDR >> 32)
	.short	0x20; .byte 0, 0; .long 8		/* ld [ip & 0xffffffff] */
	.short	0x54; .byte 0, 0; .long 0xfffff000	/* and #page mask */
	.short	0x15; .byte 0, 1; .long (STUB_ADDR & 0xffffffff)
	.short	0x06; .byte 0, 0; .long STUB_SECCOMP_RET_ALLOW
	.short	0x06; .byte 0, 0; .long STUB_SECCOMP_RET_TRAP
stub_filter_end:

/*
 * sysmsg mode: a context's thread's own filter, on top of the one above. From the
 * stub page with the x86_64 ABI only what stub_sysmsg_handler makes: futex wait and
 * wake, sched_yield, rt_sigreturn, arch_prctl SET_FS/SET_GS, exit. Everything else,
 * from anywhere, is SIGSYS. (The kernel reads int arguments: the low halves.)
 */
	.balign	8
stub_sysmsg_fprog:
	.short	(stub_sysmsg_filter_end - stub_sysmsg_filter) / 8
	.short	0, 0, 0
	.quad	STUB_ADDR + stub_sysmsg_filter - stub_image_start
stub_sysmsg_filter:
	.short	0x20; .byte 0, 0; .long 4		/*  0: ld [arch] */
	.short	0x15; .byte 1, 0; .long STUB_AUDIT_ARCH_X86_64
	.short	0x06; .byte 0, 0; .long STUB_SECCOMP_RET_TRAP
	.short	0x20; .byte 0, 0; .long 12		/*  3: ld [ip >> 32] */
	.short	0x15; .byte 1, 0; .long (STUB_ADDR >> 32)
	.short	0x06; .byte 0, 0; .long STUB_SECCOMP_RET_TRAP
	.short	0x20; .byte 0, 0; .long 8		/*  6: ld [ip & 0xffffffff] */
	.short	0x54; .byte 0, 0; .long 0xfffff000	/*     and #page mask */
	.short	0x15; .byte 1, 0; .long (STUB_ADDR & 0xffffffff)
	.short	0x06; .byte 0, 0; .long STUB_SECCOMP_RET_TRAP
	.short	0x20; .byte 0, 0; .long 0		/* 10: ld [nr] */
	.short	0x15; .byte 11, 0; .long STUB_NR_RT_SIGRETURN
	.short	0x15; .byte 10, 0; .long STUB_NR_EXIT
	.short	0x15; .byte 9, 0; .long STUB_NR_SCHED_YIELD
	.short	0x15; .byte 5, 0; .long STUB_NR_FUTEX
	.short	0x15; .byte 1, 0; .long STUB_NR_ARCH_PRCTL
	.short	0x06; .byte 0, 0; .long STUB_SECCOMP_RET_TRAP
	.short	0x20; .byte 0, 0; .long 16		/* 17: ld [args[0]] */
	.short	0x15; .byte 4, 0; .long STUB_ARCH_SET_FS
	.short	0x15; .byte 3, 4; .long STUB_ARCH_SET_GS
	.short	0x20; .byte 0, 0; .long 24		/* 20: ld [args[1]] */
	.short	0x15; .byte 1, 0; .long STUB_FUTEX_WAIT
	.short	0x15; .byte 0, 1; .long STUB_FUTEX_WAKE
	.short	0x06; .byte 0, 0; .long STUB_SECCOMP_RET_ALLOW	/* 23 */
	.short	0x06; .byte 0, 0; .long STUB_SECCOMP_RET_TRAP	/* 24 */
stub_sysmsg_filter_end:

	.balign	64
stub_fpinit:				/* a standard-format XSAVE area */
	.fill	24, 1, 0
	.long	0x1f80				/* MXCSR */
	.fill	512 - 28, 1, 0			/* ignored: x87 and SSE are init */
	.fill	64, 1, 0			/* header: XSTATE_BV and XCOMP_BV 0 */
stub_image_end:

/* Not part of the image: runs once, in the template, from the Sentry's text. */
stub_entry:
	mov	$STUB_NR_MMAP, %eax
	movabs	$STUB_ADDR, %rdi
	mov	$STUB_PAGE_SIZE, %esi
	mov	$STUB_PROT_RW, %edx
	mov	$STUB_MAP_PRIV_ANON_FIXED, %r10d
	mov	$-1, %r8
	xor	%r9d, %r9d
	syscall
	movabs	$STUB_ADDR, %rdi
	cmp	%rax, %rdi
	mov	$STUB_EXIT_MMAP, %edi
	jne	stub_die_text

	movabs	$STUB_ADDR, %rdi
	lea	stub_image_start(%rip), %rsi
	mov	$(stub_image_end - stub_image_start), %ecx
	cld
	rep movsb

	mov	$STUB_NR_MPROTECT, %eax
	movabs	$STUB_ADDR, %rdi
	mov	$STUB_PAGE_SIZE, %esi
	mov	$STUB_PROT_RX, %edx
	syscall
	mov	$STUB_EXIT_MPROTECT, %edi
	test	%rax, %rax
	jnz	stub_die_text

	movabs	$(STUB_ADDR + stub_setup - stub_image_start), %rax
	jmp	*%rax

stub_die_text:
	mov	$STUB_NR_EXIT_GROUP, %eax
	syscall
	ud2

	.section .note.GNU-stack, "", @progbits
