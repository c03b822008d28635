/* memfd_seals: memfd_create's sealing (F_ADD_SEALS, F_GET_SEALS) and what each seal
 * refuses: write, ftruncate, fallocate, writable shared mappings; EBUSY for a write
 * seal while a writable shared mapping exists. Compared with a native run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define PG 4096

static const char *err(long r)
{
	static char buf[4][32];
	static int n;
	char *b = buf[n++ % 4];

	if (r >= 0)
		snprintf(b, 32, "ok(%ld)", r);
	else
		snprintf(b, 32, "%s", strerrorname_np(errno));
	return b;
}

static void *map(int fd, int prot, int flags)
{
	return mmap(NULL, PG, prot, flags, fd, 0);
}

static const char *merr(void *p)
{
	return p == MAP_FAILED ? err(-1) : "ok";
}

int main(void)
{
	int plain = memfd_create("plain", 0), fd = memfd_create("sealed", MFD_ALLOW_SEALING);
	int fw = memfd_create("future", MFD_ALLOW_SEALING), p[2], shm;
	char *m, *w;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (plain < 0 || fd < 0 || fw < 0)
		return 1;
	printf("plain: seals %s\n", err(fcntl(plain, F_GET_SEALS)));
	printf("plain: add %s\n", err(fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE)));
	printf("sealable: seals %s\n", err(fcntl(fd, F_GET_SEALS)));
	printf("unknown seal: %s\n", err(fcntl(fd, F_ADD_SEALS, 0x1000)));
	pipe(p);
	printf("pipe: get %s\n", err(fcntl(p[0], F_GET_SEALS)));
	printf("pipe: add %s\n", err(fcntl(p[1], F_ADD_SEALS, F_SEAL_GROW)));
	shm = open("/dev/shm/sbx-seals", O_CREAT | O_RDWR | O_TRUNC, 0600);
	printf("/dev/shm file: seals %s\n", err(fcntl(shm, F_GET_SEALS)));
	unlink("/dev/shm/sbx-seals");

	printf("write: %s\n", err(write(fd, "abcdef", 6)));
	printf("ftruncate: %s\n", err(ftruncate(fd, 2 * PG)));
	printf("add SHRINK: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)));
	printf("seals: %s\n", err(fcntl(fd, F_GET_SEALS)));
	printf("shrink: %s\n", err(ftruncate(fd, PG)));
	printf("grow: %s\n", err(ftruncate(fd, 3 * PG)));
	printf("add GROW: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW)));
	printf("grow: %s\n", err(ftruncate(fd, 4 * PG)));
	printf("same size: %s\n", err(ftruncate(fd, 3 * PG)));
	printf("write past end: %s\n", err(pwrite(fd, "x", 1, 3 * PG)));
	printf("write inside: %s\n", err(pwrite(fd, "x", 1, 3 * PG - 1)));
	printf("fallocate past end: %s\n", err(fallocate(fd, 0, 3 * PG, PG)));
	printf("fallocate keep size: %s\n", err(fallocate(fd, FALLOC_FL_KEEP_SIZE, 3 * PG, PG)));
	printf("fallocate inside: %s\n", err(fallocate(fd, 0, 0, PG)));

	m = map(fd, PROT_READ | PROT_WRITE, MAP_SHARED);
	printf("writable shared map: %s\n", merr(m));
	printf("add WRITE while mapped: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
	w = map(fd, PROT_READ, MAP_SHARED);
	printf("read-only shared map: %s\n", merr(w));
	munmap(m, PG);
	/* A read-only shared mapping of a descriptor open for writing may still be made
	 * writable (VM_MAYWRITE): it blocks the seal too. */
	printf("add WRITE with a read-only map: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
	munmap(w, PG);
	printf("add WRITE after munmap: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
	printf("seals: %s\n", err(fcntl(fd, F_GET_SEALS)));
	printf("write: %s\n", err(pwrite(fd, "y", 1, 0)));
	printf("punch: %s\n", err(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PG)));
	printf("mmap shared writable: %s\n", merr(map(fd, PROT_READ | PROT_WRITE, MAP_SHARED)));
	m = map(fd, PROT_READ, MAP_SHARED);
	printf("mprotect new read-only map writable: %s\n", err(mprotect(m, PG, PROT_READ | PROT_WRITE)));
	w = map(fd, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	printf("private writable map: %s\n", merr(w));
	if (w != MAP_FAILED) {
		w[0] = 'P';
		printf("private store %c, file still %c\n", w[0], m[0]);
	}
	printf("add SEAL: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL)));
	printf("then GROW again: %s\n", err(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW)));
	printf("seals: %s\n", err(fcntl(fd, F_GET_SEALS)));

	/* FUTURE_WRITE: existing writable mappings go on, nothing new may write. */
	ftruncate(fw, PG);
	m = map(fw, PROT_READ | PROT_WRITE, MAP_SHARED);
	printf("add FUTURE_WRITE while mapped: %s\n", err(fcntl(fw, F_ADD_SEALS, F_SEAL_FUTURE_WRITE)));
	m[0] = 'm';
	printf("old mapping stores: %c\n", m[0]);
	printf("write: %s\n", err(pwrite(fw, "z", 1, 0)));
	printf("new writable map: %s\n", merr(map(fw, PROT_READ | PROT_WRITE, MAP_SHARED)));
	printf("read-only map: %s\n", merr(map(fw, PROT_READ, MAP_SHARED)));
	printf("ftruncate under FUTURE_WRITE: %s\n", err(ftruncate(fw, 2 * PG)));
	return 0;
}
