/* Program loading: ELF images and the initial stack (after Linux's fs/binfmt_elf.c). */
#ifndef SBX_LOADER_H
#define SBX_LOADER_H

#include <stddef.h>

struct task;

/*
 * Loads the static or static-pie ELF read from host descriptor @fd into the task's
 * (empty) mm, builds the initial stack with @argv, @envp and the auxv, and sets the
 * registers to enter it. On failure returns -errno and writes a one-line reason to
 * @why (ENOEXEC for a file that is not a loadable x86_64 ELF).
 */
int loader_exec(struct task *t, int fd, const char *execfn, char *const argv[],
		char *const envp[], char *why, size_t whylen);

#endif
