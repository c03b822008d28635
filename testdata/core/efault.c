/* efault: system calls whose copy-out lands on memory the program may not write must
 * fail with EFAULT, as on Linux, and must not kill the program. The targets are a
 * PROT_READ page, a PROT_NONE page, an unmapped page and a kernel address. Calls: read
 * from stdin (a regular file: the offset must not move, and the next read gets the same
 * bytes) and from a pipe holding data (the data must still be there afterwards: Linux
 * does not consume what it could not copy), raw clock_gettime(CLOCK_MONOTONIC) (glibc
 * would use the vDSO and fault in user space instead), gettimeofday, uname, getrlimit,
 * pipe2, sysinfo, getcwd; and copy-in from unreadable memory: write to the pipe,
 * nanosleep. The read-only page keeps its contents throughout. Raw syscall(2)
 * everywhere. The harness gives it a generated file of at least 64 bytes on stdin.
 * The pipe parts run only with the argument "pipe" (`efault pipe`), so the rest can
 * pass in a sandbox that has no pipes yet. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%-40s -> -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%-40s -> %ld\n", what, r);
}

int main(int argc, char **argv)
{
	int with_pipes = argc > 1 && !strcmp(argv[1], "pipe");
	long pg = sysconf(_SC_PAGESIZE);
	char *ro, *none, *unmapped, buf[64];
	char *kernel = (char *)0xffffffffff600000UL - 0x1000000UL;
	int p[2] = { -1, -1 };
	struct {
		const char *name;
		char *addr;
	} t[4];

	ro = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(ro, 'r', pg);
	mprotect(ro, pg, PROT_READ);
	none = ro + pg;
	mprotect(none, pg, PROT_NONE);
	unmapped = ro + 2 * pg;
	munmap(unmapped, pg);
	t[0].name = "read-only";
	t[0].addr = ro;
	t[1].name = "PROT_NONE";
	t[1].addr = none;
	t[2].name = "unmapped";
	t[2].addr = unmapped;
	t[3].name = "kernel";
	t[3].addr = kernel;

	if (with_pipes)
		show("pipe", syscall(SYS_pipe, p));
	for (int i = 0; i < 4; i++) {
		char what[64];
		long r;

		printf("-- %s target\n", t[i].name);
		snprintf(what, sizeof(what), "read(stdin, %s, 16)", t[i].name);
		show(what, syscall(SYS_read, 0, t[i].addr, 16));
		show("stdin offset after", syscall(SYS_lseek, 0, 0, SEEK_CUR));
		r = syscall(SYS_read, 0, buf, 16);
		printf("%-40s -> %ld, first bytes %02x%02x%02x%02x\n", "read(stdin, buf, 16)", r,
		       (unsigned char)buf[0], (unsigned char)buf[1], (unsigned char)buf[2],
		       (unsigned char)buf[3]);
		if (p[0] >= 0) {
			r = syscall(SYS_write, p[1], "0123456789abcdef", 16);
			show("write 16 to pipe", r);
			snprintf(what, sizeof(what), "read(pipe, %s, 16)", t[i].name);
			show(what, syscall(SYS_read, p[0], t[i].addr, 16));
			memset(buf, 0, sizeof(buf));
			r = syscall(SYS_read, p[0], buf, sizeof(buf));
			printf("%-40s -> %ld \"%.*s\"\n", "data left in pipe", r,
			       r > 0 ? (int)r : 0, buf);
		}
		show("clock_gettime(MONOTONIC, target)",
		     syscall(SYS_clock_gettime, CLOCK_MONOTONIC, t[i].addr));
		show("gettimeofday(target, NULL)", syscall(SYS_gettimeofday, t[i].addr, NULL));
		show("uname(target)", syscall(SYS_uname, t[i].addr));
		show("getrlimit(NOFILE, target)", syscall(SYS_getrlimit, 7, t[i].addr));
		if (with_pipes)
			show("pipe2(target, 0)", syscall(SYS_pipe2, t[i].addr, 0));
		show("sysinfo(target)", syscall(SYS_sysinfo, t[i].addr));
		show("getcwd(target, 64)", syscall(SYS_getcwd, t[i].addr, 64));
		if (i > 0) {
			/* Copy-in: the read-only page is readable, so only the others. */
			if (p[0] >= 0)
				show("write(pipe, target, 16)",
				     syscall(SYS_write, p[1], t[i].addr, 16));
			show("nanosleep(target, NULL)", syscall(SYS_nanosleep, t[i].addr, NULL));
		}
	}
	/* Nothing above leaked an fd (pipe2 into bad memory must not create one): 3 without
	 * pipes, 5 with. */
	show("dup(0) is lowest free fd", syscall(SYS_dup, 0));
	int intact = 1;
	for (long i = 0; i < pg; i++)
		intact &= ro[i] == 'r';
	printf("read-only page intact: %s\n", intact ? "yes" : "no");
	return 0;
}
