/* timers: armed timers and queued real-time signals across a checkpoint. Before the
 * ready mark: ITIMER_REAL armed for 2.5 s, a POSIX CLOCK_MONOTONIC timer for 2 s
 * (SIGRTMIN+3, value 77), a POSIX timer every 100 ms whose signal (SIGRTMIN+5) stays
 * blocked, and three sigqueue'd SIGRTMIN+4 (values 1, 2, 3) plus two SIGUSR2 pending
 * while blocked. After SIGUSR1 (after restore): the queued signals arrive once for
 * SIGUSR2 and in order for SIGRTMIN+4, both timers fire with their si_code and value,
 * and the periodic timer's signal carries an overrun of at least 1. */
#include "cr.h"

#include <sys/time.h>

static volatile int order[16], norder;
static volatile sig_atomic_t alrm, tmr;
static volatile int tmr_value, tmr_code, alrm_code;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGALRM) {
		alrm++;
		alrm_code = si->si_code;
	} else if (sig == SIGRTMIN + 3) {
		tmr++;
		tmr_code = si->si_code;
		tmr_value = si->si_value.sival_int;
	} else if (norder < 16) {
		order[norder++] = sig == SIGUSR2 ? 0 : si->si_value.sival_int;
	}
}

static void handle(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static timer_t timer(int sig, int value, long first_ms, long every_ms)
{
	struct sigevent ev;
	struct itimerspec its = { { every_ms / 1000, every_ms % 1000 * 1000000 },
				  { first_ms / 1000, first_ms % 1000 * 1000000 } };
	timer_t id;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = sig;
	ev.sigev_value.sival_int = value;
	if (timer_create(CLOCK_MONOTONIC, &ev, &id) || timer_settime(id, 0, &its, NULL)) {
		perror("timer");
		exit(2);
	}
	return id;
}

int main(void)
{
	struct itimerval real = { { 0, 0 }, { 2, 500000 } };
	sigset_t blk, m;
	siginfo_t si;
	timer_t periodic;

	cr_arm();
	handle(SIGALRM);
	handle(SIGRTMIN + 3);
	handle(SIGRTMIN + 4);
	handle(SIGRTMIN + 5);
	handle(SIGUSR2);
	sigemptyset(&blk);
	sigaddset(&blk, SIGRTMIN + 4);
	sigaddset(&blk, SIGUSR2);
	sigaddset(&blk, SIGRTMIN + 5);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	for (int v = 1; v <= 3; v++)
		sigqueue(getpid(), SIGRTMIN + 4, (union sigval){ .sival_int = v });
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR2);
	setitimer(ITIMER_REAL, &real, NULL);
	timer(SIGRTMIN + 3, 77, 2000, 0);
	periodic = timer(SIGRTMIN + 5, 5, 100, 100);
	cr_say("ready\n");
	cr_wait();

	sigemptyset(&m);
	sigaddset(&m, SIGRTMIN + 4);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	printf("queued:");
	for (int i = 0; i < norder; i++)
		printf(" %d", order[i]);
	printf("\n");

	sigprocmask(SIG_BLOCK, NULL, &m);
	while (!alrm || !tmr)
		sigsuspend(&m);
	printf("itimer: %d code %s\n", alrm, alrm_code == SI_KERNEL ? "SI_KERNEL" : "?");
	printf("posix: %d code %s value %d\n", tmr, tmr_code == SI_TIMER ? "SI_TIMER" : "?",
	       tmr_value);
	sigemptyset(&m);
	sigaddset(&m, SIGRTMIN + 5);
	sigwaitinfo(&m, &si);
	printf("periodic: value %d overrun >= 1: %d\n", si.si_value.sival_int,
	       si.si_overrun >= 1);
	timer_delete(periodic);
	fflush(stdout);
	return norder == 4 && order[0] == 0 && order[1] == 1 && order[3] == 3 ? 0 : 1;
}
