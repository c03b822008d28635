/*
 * Layout of the ptrace stub, shared by stub_amd64.S and the C side. Assembler-safe:
 * only #defines. The C side checks the copied uapi values with static asserts
 * (ptrace_platform.c), since the uapi headers that define them are not.
 *
 * A stub process holds one page of code at STUB_ADDR, above the application's range
 * (PTRACE_MAX_USER) and below the x86_64 4-level TASK_SIZE (STUB_TASK_TOP), plus the
 * memory-file ranges the Sentry maps into it. Its descriptors: the memory file,
 * STUB_MEMFD, and with sysmsg (below) the sysmsg file and a ready stub's reply pipe.
 */
#ifndef SBX_PTRACE_STUB_H
#define SBX_PTRACE_STUB_H

#define PTRACE_MAX_USER		0x7fffff000000
#define STUB_ADDR		0x7fffff100000
#define STUB_PAGE_SIZE		0x1000
#define STUB_TASK_TOP		0x7ffffffff000
/* Where the template moves the host's vDSO and its data pages ([vvar]...), kept in
 * every stub for the sandbox's own vDSO to call (ptrace_host_vdso.c). */
#define STUB_HOST_VDSO		0x7fffff200000
#define STUB_HOST_VDSO_MAX	0x100000
#define STUB_MEMFD		3

/*
 * The table stub_apply works through (ptrace_as_apply): entries of three quads from
 * STUB_TABLE_OFF in the stub page to its end. Quad 0 is the page-aligned address with
 * the operation in bits 0-1 and its protection in bits 2-4; quad 1 the length; quad 2
 * the memory-file offset of a map.
 */
#define STUB_TABLE_OFF		0x880
#define STUB_ENTRY_SIZE		24
/*
 * The same table, written without a ptrace request per word: the table page at
 * STUB_TABLE_ADDR, read-only in the stub and shared with the Sentry, which writes it
 * through its own mapping of a slot of the sysmsg file that the address space holds
 * for its life. stub_apply_map maps it (the slot's file offset in r12) before working
 * through the first table put there. Without the sysmsg file the stub page's own
 * table is used, filled with PTRACE_POKEDATA.
 */
#define STUB_TABLE_ADDR		(STUB_REQ_ADDR + 2 * STUB_PAGE_SIZE)
#define STUB_OP_THREAD		0	/* sysmsg mode's loop only (stub_thread_op) */
#define STUB_OP_MAP		1
#define STUB_OP_UNMAP		2
#define STUB_OP_PROTECT		3
#define STUB_OP_MASK		3
#define STUB_PROT_SHIFT		2
/* State components stub_apply_fpinit resets: x87, SSE, AVX, MPX, AVX-512. Not PKRU,
 * whose init value is not Linux's default, nor AMX, which XFD may guard. */
#define STUB_FPINIT_MASK	0xff

/*
 * sysmsg mode (ptrace_sysmsg.c): each context's thread owns a slot of the platform's
 * sysmsg file (descriptor STUB_SYSMSG_FD in every stub), mapped at
 * STUB_SYSMSG_BASE + i * STUB_SLOT_SIZE, slot-aligned: a control page, then the
 * alternate signal stack stub_sysmsg_handler runs on, which finds its control page by
 * masking its stack pointer. Offsets in the control page (SM_*) and the states of
 * SM_STATE (the thread's exit clears it to SM_DEAD: it is the clear_child_tid word).
 */
#define STUB_SYSMSG_FD		4
#define STUB_SYSMSG_BASE	0x7fffff400000
#define STUB_SLOT_SIZE		0x8000
#define SM_STATE		0	/* u32, futex word */
#define SM_STUB_SLEEPING	4	/* u32: the handler waits in futex */
#define SM_SENTRY_SLEEPING	8	/* u32: the Sentry waits in futex */
#define SM_SIGNO		12	/* u32 */
#define SM_INFO			16	/* u64: siginfo_t * (stub address) */
#define SM_UCTX			24	/* u64: ucontext_t * (stub address) */
#define SM_SET_FS		32	/* u32: load SM_FS_BASE before returning */
#define SM_SET_GS		36	/* u32 */
#define SM_FS_BASE		40	/* u64 */
#define SM_GS_BASE		48	/* u64 */
#define SM_SPIN			56	/* u32: pause iterations before sleeping */
/*
 * sysmsg mode, per address space: the request page at STUB_REQ_ADDR (read-only in the
 * stub: a sequence number, a count, then stub_apply's entries) and the reply page
 * after it (read-write), served by stub_sysloop in the spawner; replies go through
 * the pipe STUB_REPLY_FD.
 */
#define STUB_REQ_ADDR		0x7fffff300000
#define STUB_REPLY_FD		5
#define REQ_SEQ			0	/* u32, futex word */
#define REQ_N			4	/* u32 */
#define REQ_TABLE		64
#define STUB_REQ_MAX		((STUB_PAGE_SIZE - REQ_TABLE) / STUB_ENTRY_SIZE)
#define REP_SEQ			0x1000	/* u64, from STUB_REQ_ADDR */
#define REP_RET			0x1008	/* u64 */
#define REP_AT			0x1010	/* u64: the entry that failed */
#define REP_FDS			0x1018	/* int[2]: the pipe, at setup */
#define SM_DEAD			0
#define SM_RUN			1	/* the application runs, or is about to */
#define SM_EVENT		2	/* the handler waits for the Sentry */
#define SM_EXIT			3	/* the handler is to end the thread */

/* Exit statuses of a template stub that failed to set itself up. */
#define STUB_EXIT_MMAP		101
#define STUB_EXIT_MPROTECT	102
#define STUB_EXIT_SECCOMP	103
#define STUB_EXIT_MUNMAP	104

/* uapi values the assembler needs (checked in ptrace_platform.c). */
#define STUB_NR_MMAP		9
#define STUB_NR_MPROTECT	10
#define STUB_NR_MUNMAP		11
#define STUB_NR_PAUSE		34
#define STUB_NR_GETPID		39
#define STUB_NR_KILL		62
#define STUB_NR_SECCOMP		317
#define STUB_NR_FUTEX		202
#define STUB_NR_RT_SIGRETURN	15
#define STUB_NR_ARCH_PRCTL	158
#define STUB_NR_EXIT		60
#define STUB_NR_SCHED_YIELD	24
#define STUB_NR_SIGALTSTACK	131
#define STUB_NR_SET_TID_ADDRESS	218
#define STUB_NR_WRITE		1
#define STUB_NR_CLOSE		3
#define STUB_NR_PIPE2		293
#define STUB_NR_DUP3		292
#define STUB_NR_CLONE		56
#define STUB_NR_RT_SIGPROCMASK	14
#define STUB_NR_PRCTL		157
#define STUB_PR_SET_PDEATHSIG	1
#define STUB_SIGKILL		9
#define STUB_SIGSYS		31
#define STUB_SIG_SETMASK	2
#define STUB_ARCH_SET_CPUID	0x1012
#define STUB_EIO		(-5)
#define STUB_NR_MADVISE		28
#define STUB_MADV_POPULATE_WRITE 23
#define STUB_MAP_SHARED_FIXED_POPULATE 0x8011
/* A context's thread: CLONE_VM | FS | FILES | SIGHAND | THREAD | SYSVSEM |
 * CHILD_CLEARTID. */
#define STUB_CLONE_THREAD	0x250f00
#define STUB_O_CLOEXEC		0x80000
#define STUB_PROT_R		1
#define STUB_FUTEX_WAIT		0
#define STUB_FUTEX_WAKE		1
#define STUB_ARCH_SET_FS	0x1002
#define STUB_ARCH_SET_GS	0x1001
#define STUB_NR_EXIT_GROUP	231
#define STUB_SIGSTOP		19
#define STUB_PROT_RW		3
#define STUB_PROT_RX		5
#define STUB_MAP_PRIV_ANON_FIXED 0x32
#define STUB_MAP_SHARED_FIXED	0x11
#define STUB_SECCOMP_SET_FILTER	1
#define STUB_AUDIT_ARCH_X86_64	0xc000003e
#define STUB_SECCOMP_RET_ALLOW	0x7fff0000
#define STUB_SECCOMP_RET_TRAP	0x00030000

#endif
