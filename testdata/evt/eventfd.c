/*
 * eventfd: flags and short buffers refused, the counter's read and write rules
 * (semaphore mode, the 2^64-2 ceiling, EAGAIN both ways), poll readiness, and a
 * counter shared by a parent and its forked child, each blocking on the other.
 */
#include "evt.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static short pollev(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	poll(&p, 1, 0);
	return p.revents;
}

int main(void)
{
	uint64_t v;
	int fd, s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	R(syscall(SYS_eventfd2, 0, 0x10));
	R(syscall(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE));
	fd = syscall(SYS_eventfd, 3);
	CHECK(fd >= 0);
	printf("fl %#x fd %#x\n", fcntl(fd, F_GETFL) & (O_NONBLOCK | O_ACCMODE),
	       fcntl(fd, F_GETFD));
	R(read(fd, &v, 4));
	R(write(fd, &v, 7));
	v = UINT64_MAX;
	R(write(fd, &v, 8));
	R(read(fd, &v, 8));
	printf("read %llu, poll %#x\n", (unsigned long long)v, pollev(fd));
	close(fd);

	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	{
		uint64_t two[2];

		R(read(fd, two, 16));
		printf("sem %llu\n", (unsigned long long)two[0]);
	}
	R(read(fd, &v, 8));
	R(read(fd, &v, 8));
	v = UINT64_MAX - 1;
	R(write(fd, &v, 8));
	printf("full poll %#x\n", pollev(fd));
	v = 1;
	R(write(fd, &v, 8));
	v = 0;
	R(write(fd, &v, 8));
	close(fd);

	fd = eventfd(0, 0);
	if (fork() == 0) {
		/* child: wait for the parent's 5, answer with 7 */
		read(fd, &v, 8);
		printf("child got %llu\n", (unsigned long long)v);
		v = 7;
		write(fd, &v, 8);
		_exit(0);
	}
	usleep(20000);
	v = 5;
	write(fd, &v, 8);
	wait(&s);
	read(fd, &v, 8);
	printf("parent got %llu, child status %d\n", (unsigned long long)v, s);

	/* a writer blocked at the ceiling until the reader takes the count */
	v = UINT64_MAX - 1;
	write(fd, &v, 8);
	if (fork() == 0) {
		v = 9;
		write(fd, &v, 8);     /* blocks: no room */
		_exit(0);
	}
	usleep(30000);
	read(fd, &v, 8);
	printf("ceiling read %llu\n", (unsigned long long)v);
	wait(&s);
	read(fd, &v, 8);
	printf("blocked writer's %llu, status %d\n", (unsigned long long)v, s);
	printf("done\n");
	return 0;
}
