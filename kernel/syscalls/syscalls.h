/*
 * The syscall table: one designated-initialiser entry per implemented x86_64 syscall
 * (name, handler, support level, note, argument kinds for --strace). Entries left
 * out are unsupported and return ENOSYS. `sbx syscalls` prints the table.
 */
#ifndef SBX_SYSCALLS_H
#define SBX_SYSCALLS_H

#include <stdio.h>

#include "base/types.h"

struct task;

enum sys_support { SYS_UNSUPPORTED, SYS_FULL, SYS_PARTIAL };

struct syscall_entry {
	long (*fn)(struct task *t, const u64 *a);
	enum sys_support support;
	const char *note;       /* what is missing, for partial support */
	/* One letter per argument for --strace: d int, u unsigned, x hex, p pointer,
	 * s string in, b buffer in (length in the next argument), B buffer out
	 * (length is the result), o open flags, f fd. */
	const char *args;
};

#define SYSCALL_MAX 462

extern const struct syscall_entry syscall_table[SYSCALL_MAX];
const char *syscall_name(u64 nr);

/* Handles the syscall in t->regs and writes its result to t->regs.rax. */
void syscall_dispatch(struct task *t);
/* Writes the table (name, number, support, note) to @f. */
void syscall_print_table(FILE *f);

#define SYS(name) long sys_##name(struct task *t, const u64 *a)

#endif
