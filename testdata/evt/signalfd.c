/*
 * signalfd: errors, SIGUSR1 from kill read with its sender, SIGCHLD from a child's
 * exit with its status, queued real-time signals with their values in order, a
 * thread-directed signal, the mask of an existing signalfd changed, poll readiness
 * and a blocking read woken by a signal sent from a thread.
 */
#include "evt.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static short pollin(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	poll(&p, 1, 0);
	return p.revents;
}

static pid_t me;

static void *sender(void *arg)
{
	(void)arg;
	usleep(30000);
	kill(me, SIGUSR2);
	return NULL;
}

int main(void)
{
	struct signalfd_siginfo si[4];
	sigset_t m;
	pthread_t th;
	int fd, n;
	pid_t c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	me = getpid();
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	sigaddset(&m, SIGCHLD);
	sigaddset(&m, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &m, NULL);

	R(signalfd(-1, &m, 0x4000));
	R(syscall(SYS_signalfd4, -1, &m, 4, 0));
	R(syscall(SYS_signalfd4, -1, NULL, 8, 0));
	R(signalfd(999, &m, 0));
	R(signalfd(0, &m, 0));
	fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(fd >= 0);
	R(read(fd, si, 100));
	R(read(fd, si, sizeof(si)));
	printf("idle poll %#x\n", pollin(fd));

	kill(me, SIGUSR1);
	printf("poll %#x\n", pollin(fd));
	n = read(fd, si, sizeof(si));
	printf("read %d: signo %u code %d pid ok %d\n", n, si[0].ssi_signo, si[0].ssi_code,
	       si[0].ssi_pid == (uint32_t)me);

	c = fork();
	if (c == 0)
		_exit(42);
	waitid(P_PID, c, NULL, WEXITED | WNOWAIT);
	n = read(fd, si, sizeof(si));
	printf("read %d: signo %u code %d pid ok %d status %d\n", n, si[0].ssi_signo,
	       si[0].ssi_code, si[0].ssi_pid == (uint32_t)c, si[0].ssi_status);
	waitpid(c, NULL, 0);

	for (int i = 0; i < 3; i++)
		sigqueue(me, SIGRTMIN + 1, (union sigval){ .sival_int = 100 + i });
	n = read(fd, si, sizeof(si));
	printf("read %d:", n);
	for (int i = 0; i < n / (int)sizeof(si[0]); i++)
		printf(" [%u %d %d]", si[i].ssi_signo - SIGRTMIN, si[i].ssi_code, si[i].ssi_int);
	printf("\n");

	syscall(SYS_tgkill, me, gettid(), SIGUSR2);
	n = read(fd, si, sizeof(si));
	printf("tgkill: %d signo %u code %d\n", n, si[0].ssi_signo, si[0].ssi_code);

	/* narrow the mask: SIGUSR1 pending stays pending but unread */
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	R(signalfd(fd, &m, 0));
	kill(me, SIGUSR1);
	printf("narrowed poll %#x\n", pollin(fd));
	R(read(fd, si, sizeof(si)));
	sigaddset(&m, SIGUSR1);
	R(signalfd(fd, &m, 0));
	n = read(fd, si, sizeof(si));
	printf("widened read %d signo %u\n", n, si[0].ssi_signo);

	/* blocking read woken by a signal from a thread */
	close(fd);
	fd = signalfd(-1, &m, 0);
	pthread_create(&th, NULL, sender, NULL);
	n = read(fd, si, sizeof(si));
	printf("blocking read %d signo %u\n", n, si[0].ssi_signo);
	pthread_join(th, NULL);

	/* in an epoll: a blocked epoll_wait woken by a signal sent from a thread */
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 8 };
		int ep = epoll_create1(0);

		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		pthread_create(&th, NULL, sender, NULL);
		n = epoll_wait(ep, &ev, 1, -1);
		printf("epoll: %d data %u\n", n, ev.data.u32);
		n = read(fd, si, sizeof(si));
		printf("then read %d signo %u\n", n, si[0].ssi_signo);
		pthread_join(th, NULL);
		close(ep);
	}
	printf("done\n");
	return 0;
}
