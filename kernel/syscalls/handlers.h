/* Prototypes of the syscall handlers, one per SYS(name) in syscalls/sys_*.c. */
#ifndef SBX_SYSCALLS_HANDLERS_H
#define SBX_SYSCALLS_HANDLERS_H

#include "syscalls/syscalls.h"

SYS(arch_prctl);
SYS(brk);
SYS(clock_getres);
SYS(clock_gettime);
SYS(clock_nanosleep);
SYS(close);
SYS(dup);
SYS(dup2);
SYS(dup3);
SYS(exit);
SYS(exit_group);
SYS(fcntl);
SYS(fstat);
SYS(getcwd);
SYS(getegid);
SYS(geteuid);
SYS(getgid);
SYS(getgroups);
SYS(getpgid);
SYS(getpgrp);
SYS(getpid);
SYS(getppid);
SYS(getrandom);
SYS(getresgid);
SYS(getresuid);
SYS(getrlimit);
SYS(getsid);
SYS(gettid);
SYS(gettimeofday);
SYS(getuid);
SYS(ioctl);
SYS(kill);
SYS(lseek);
SYS(madvise);
SYS(mmap);
SYS(mprotect);
SYS(mremap);
SYS(munmap);
SYS(nanosleep);
SYS(newfstatat);
SYS(poll);
SYS(ppoll);
SYS(pipe);
SYS(pipe2);
SYS(pread64);
SYS(prlimit64);
SYS(pwrite64);
SYS(read);
SYS(readv);
SYS(restart_syscall);
SYS(rt_sigaction);
SYS(rt_sigprocmask);
SYS(rt_sigreturn);
SYS(sched_getaffinity);
SYS(sched_yield);
SYS(set_robust_list);
SYS(set_tid_address);
SYS(setrlimit);
SYS(sigaltstack);
SYS(sysinfo);
SYS(tgkill);
SYS(time);
SYS(tkill);
SYS(umask);
SYS(uname);
SYS(write);
SYS(writev);

#endif
