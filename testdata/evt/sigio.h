/* sigio.h: shared by testdata/evt/sigio.c and cr_sigio.c. A SA_SIGINFO handler that
 * records what arrives (signal, si_code, and for the POLL_* codes si_band and
 * si_fd), and the setup of O_ASYNC with this process as the owner. */
#ifndef SBX_TD_SIGIO_H
#define SBX_TD_SIGIO_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXREC 64

struct rec {
	int sig, code, fd;
	long band;
};

static struct rec recs[MAXREC];
static volatile int nrec;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (nrec < MAXREC) {
		recs[nrec].sig = sig;
		recs[nrec].code = si->si_code;
		/* si_band and si_fd mean something only for the POLL_* codes */
		recs[nrec].band = si->si_code > 0 && si->si_code < 7 ? si->si_band : 0;
		recs[nrec].fd = si->si_code > 0 && si->si_code < 7 ? si->si_fd : -1;
	}
	nrec++;
}

static inline void handle(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* O_ASYNC through F_SETFL, owned by this process, with signal @sig (0: SIGIO). */
static inline void async_on(int fd, int sig)
{
	if (fcntl(fd, F_SETOWN, getpid()) || fcntl(fd, F_SETSIG, sig) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC)) {
		perror("async_on");
		exit(2);
	}
}

/* Moves @fd to @want (si_fd is printed: the numbers must not depend on the run). */
static inline int fdrenum(int fd, int want)
{
	if (fd < 0 || dup2(fd, want) < 0)
		exit(2);
	close(fd);
	return want;
}

#endif
