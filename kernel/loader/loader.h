/* Program loading: ELF images and the initial stack (after Linux's fs/binfmt_elf.c). */
#ifndef SBX_LOADER_H
#define SBX_LOADER_H

#include <stdbool.h>
#include <stddef.h>

struct task;

/*
 * Loads the static or static-pie ELF read from host descriptor @fd (or, when @fd
 * is -1, the program at @execfn in the sandbox's filesystem) into the task's
 * (empty) mm, builds the initial stack with @argv, @envp and the auxv, and sets the
 * registers to enter it. On failure returns -errno and writes a one-line reason to
 * @why (ENOEXEC for a file that is not a loadable x86_64 ELF).
 */
int loader_exec(struct task *t, int fd, const char *execfn, char *const argv[],
		char *const envp[], char *why, size_t whylen);

/*
 * execve's loading: resolves @path in the task's filesystem (from its cwd),
 * checks it may be executed, follows "#!" interpreters (at most 4 deep, as Linux),
 * loads the ELF and its PT_INTERP and records the program for /proc/self/exe. The
 * task's mm must be empty. Errors as execve's (ENOENT, EACCES, ENOEXEC, ELOOP...).
 */
int loader_exec_path(struct task *t, const char *path, char *const argv[],
		     char *const envp[], char *why, size_t whylen);
/*
 * execveat's loading: as loader_exec_path, for the program at @start (a referenced
 * path, consumed), named @name: the path given, or /dev/fd/N[/path] when it was
 * found through a descriptor (what a script's interpreter is given and AT_EXECFN).
 * @cloexec: that descriptor is close-on-exec, so a script cannot be run through it
 * (ENOENT).
 */
struct vfs_path;
int loader_exec_at(struct task *t, struct vfs_path *start, const char *name, bool cloexec,
		   char *const argv[], char *const envp[], char *why, size_t whylen);
/* Loads the ELF opened as sandbox file @f (no "#!" handling). */
struct vfs_file;
int loader_exec_file(struct task *t, struct vfs_file *f, const char *execfn,
		     char *const argv[], char *const envp[], char *why, size_t whylen);
/* Finds @name on the PATH in @envp (or the default PATH) inside the sandbox. */
int loader_find_on_path(struct task *t, const char *name, char *const envp[], char *out,
			size_t outlen);

#endif
