/*
 * Linux x86_64 ABI values and structures the Sentry speaks to applications, written
 * out here rather than taken from host uapi headers where the two could disagree.
 * Errno and syscall numbers come from the host's <errno.h> and <asm/unistd_64.h>,
 * which are the guest ABI too (x86_64 only).
 */
#ifndef SBX_ABI_LINUX_H
#define SBX_ABI_LINUX_H

#include <asm/unistd_64.h>
#include <errno.h>

#include "base/types.h"
#include "save.h"

/* Restart codes: never seen by applications; the dispatcher turns them into a restart
 * or EINTR (kernel/syscalls/dispatch.c). */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

#define L_NSIG 64
#define L_SIGSET_SIZE 8
#define sigbit(sig) (1ULL << ((sig) - 1))

/* struct sigaction as the kernel's rt_sigaction takes it. */
SAVABLE struct l_sigaction {
	u64 handler;
	u64 flags;
	u64 restorer;
	u64 mask;
};
#define L_SIG_DFL 0
#define L_SIG_IGN 1
#define L_SA_SIGINFO 0x4
#define L_SA_ONSTACK 0x08000000
#define L_SA_RESTART 0x10000000
#define L_SA_NODEFER 0x40000000
#define L_SA_RESETHAND 0x80000000
#define L_SA_RESTORER 0x04000000
#define L_SA_NOCLDSTOP 0x1
#define L_SA_NOCLDWAIT 0x2

SAVABLE struct l_stack {
	u64 ss_sp;
	s32 ss_flags;
	u32 pad;
	u64 ss_size;
};
#define L_SS_ONSTACK 1
#define L_SS_DISABLE 2
#define L_SS_AUTODISARM (1U << 31)
#define L_MINSIGSTKSZ 2048

/* siginfo_t: 128 bytes; the union members the Sentry fills. Saved as its 128 bytes
 * (l_siginfo_save/load in signal/signal_save.c): the union has no tag. */
SAVABLE SAVE_CUSTOM struct l_siginfo {
	s32 signo;
	s32 errno_;
	s32 code;
	s32 pad0;
	union {
		struct { s32 pid; u32 uid; } kill;
		struct { u64 addr; u16 addr_lsb; } fault;
		struct { s32 pid; u32 uid; s32 status; s32 pad; s64 utime, stime; } chld;
		struct { s32 tid; s32 overrun; u64 value; } timer;
		struct { s32 pid; u32 uid; u64 value; } rt;
		struct { s64 band; s32 fd; } poll;      /* SIGIO from O_ASYNC */
		u8 raw[112];
	};
};
BUILD_BUG_ON(sizeof(struct l_siginfo) != 128);

#define L_SI_USER 0
#define L_SI_KERNEL 0x80
#define L_SI_QUEUE (-1)
#define L_SI_TKILL (-6)
#define L_SI_TIMER (-2)
#define L_SI_SIGIO (-5)
/* si_code of a SIGIO (or F_SETSIG's signal) for O_ASYNC: what changed */
#define L_POLL_IN 1
#define L_POLL_OUT 2
#define L_POLL_MSG 3
#define L_POLL_ERR 4
#define L_POLL_PRI 5
#define L_POLL_HUP 6
#define L_SIGRTMIN 32   /* the kernel's; glibc keeps 32 and 33 for itself */

/* struct sigevent (timer_create) and its notify kinds. */
struct l_sigevent {
	u64 value;
	s32 signo;
	s32 notify;
	s32 tid;        /* SIGEV_THREAD_ID */
	s32 pad[11];
};
BUILD_BUG_ON(sizeof(struct l_sigevent) != 64);
#define L_SIGEV_SIGNAL 0
#define L_SIGEV_NONE 1
#define L_SIGEV_THREAD 2
#define L_SIGEV_THREAD_ID 4

struct l_itimerval {
	s64 interval_sec, interval_usec;
	s64 value_sec, value_usec;
};
struct l_itimerspec {
	s64 interval_sec, interval_nsec;
	s64 value_sec, value_nsec;
};

/* struct rusage, struct tms. */
struct l_rusage {
	s64 utime_sec, utime_usec;
	s64 stime_sec, stime_usec;
	s64 maxrss;     /* KiB */
	s64 ixrss, idrss, isrss;        /* unused by Linux */
	s64 minflt, majflt;
	s64 nswap;                      /* unused */
	s64 inblock, oublock;
	s64 msgsnd, msgrcv, nsignals;   /* unused */
	s64 nvcsw, nivcsw;
};
BUILD_BUG_ON(sizeof(struct l_rusage) != 144);
struct l_tms {
	s64 utime, stime, cutime, cstime;
};
#define L_USER_HZ 100

/* struct sigcontext for 64-bit frames (arch/x86/include/uapi/asm/sigcontext.h). */
struct l_sigcontext {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2;
	u64 fpstate;
	u64 reserved1[8];
};
BUILD_BUG_ON(sizeof(struct l_sigcontext) != 256);

struct l_ucontext {
	u64 uc_flags;
	u64 uc_link;
	struct l_stack uc_stack;
	struct l_sigcontext uc_mcontext;
	u64 uc_sigmask;
};
#define L_UC_FP_XSTATE 0x1
#define L_UC_SIGCONTEXT_SS 0x2
#define L_UC_STRICT_RESTORE_SS 0x4

struct l_rt_sigframe {
	u64 pretcode;
	struct l_ucontext uc;
	struct l_siginfo info;
};

/* The software-reserved bytes at offset 464 of an fxsave area in a signal frame. */
struct l_fpx_sw_bytes {
	u32 magic1;
	u32 extended_size;
	u64 xfeatures;
	u32 xstate_size;
	u32 padding[7];
};
#define L_FP_XSTATE_MAGIC1 0x46505853U
#define L_FP_XSTATE_MAGIC2 0x46505845U

struct l_timespec {
	s64 tv_sec;
	s64 tv_nsec;
};
struct l_timeval {
	s64 tv_sec;
	s64 tv_usec;
};
SAVABLE struct l_rlimit {
	u64 cur, max;
};
#define L_RLIM_INFINITY (~0ULL)
#define L_RLIM_NLIMITS 16

struct st_enc;
struct st_dec;
int l_siginfo_save(struct st_enc *e, void *p);
int l_siginfo_load(struct st_dec *d, void *p);

#define L_AT_NULL 0
#define L_AT_PHDR 3
#define L_AT_PHENT 4
#define L_AT_PHNUM 5
#define L_AT_PAGESZ 6
#define L_AT_BASE 7
#define L_AT_FLAGS 8
#define L_AT_ENTRY 9
#define L_AT_UID 11
#define L_AT_EUID 12
#define L_AT_GID 13
#define L_AT_EGID 14
#define L_AT_PLATFORM 15
#define L_AT_HWCAP 16
#define L_AT_CLKTCK 17
#define L_AT_SECURE 23
#define L_AT_RANDOM 25
#define L_AT_HWCAP2 26
#define L_AT_EXECFN 31
#define L_AT_MINSIGSTKSZ 51
#define L_AT_SYSINFO_EHDR 33

/* The kernel's O_LARGEFILE: glibc defines it as 0 on x86_64, but the kernel sets this
 * bit in every file opened on a 64-bit system and F_GETFL reports it. */
#define L_O_LARGEFILE 0100000

/* Linux's access_ok(): the range lies below TASK_SIZE_MAX. */
#define L_TASK_SIZE_MAX 0x7ffffffff000ULL
static inline bool l_access_ok(u64 addr, u64 len)
{
	return len <= L_TASK_SIZE_MAX && addr <= L_TASK_SIZE_MAX - len;
}

#define USER_CS 0x33
#define USER_DS 0x2b

#endif
