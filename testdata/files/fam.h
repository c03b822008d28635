/* fam.h: shared by the testdata/files syscall-family programs. Each case is printed
 * as its source text and its result (the value, or -1 and the errno's name), so a
 * native run and a sandboxed one can be compared line by line. fam_enter() makes a
 * fresh directory under /tmp (its name is never printed) and enters it;
 * fam_leave() removes it. umask is 0 so that modes are the requested ones. */
#ifndef SBX_TD_FAM_H
#define SBX_TD_FAM_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rm_tree.h"

static char fam_top[64];

static inline const char *fam_ename(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "E?";
}

static inline long fam_show(const char *label, long r)
{
	if (r < 0)
		printf("%-60.60s -1 %s\n", label, fam_ename(errno));
	else
		printf("%-60.60s %ld\n", label, r);
	return r;
}

/* T(expr): evaluates a syscall expression and prints it with its result. */
#define T(expr) (errno = 0, fam_show(#expr, (long)(expr)))
/* P(fmt, ...): a line of its own. */
#define P(...) printf(__VA_ARGS__)

static inline void fam_enter(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(0);
	snprintf(fam_top, sizeof(fam_top), "/tmp/sbx-fam.XXXXXX");
	if (!mkdtemp(fam_top) || chdir(fam_top)) {
		perror("fam_enter");
		exit(2);
	}
}

static inline void fam_leave(void)
{
	if (chdir("/") == 0)
		rm_tree(fam_top);
}

/* FNV-1a of @n bytes: file contents in one comparable word. */
static inline unsigned long long fam_fnv(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned long long h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* Writes @s to a new file @path with @mode. */
static inline void fam_file(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) {
		perror(path);
		exit(2);
	}
	close(fd);
}

#endif
