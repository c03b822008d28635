/*
 * init_signals: pid 1 and signals without a handler (Linux's SIGNAL_UNKILLABLE). A
 * blocked signal stays pending (sigpending, sigwaitinfo take it); unblocked with the
 * default action, SIGUSR2 and SIGTERM do nothing to init.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	sigset_t s;
	siginfo_t si;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	kill(getpid(), SIGUSR2);
	sigpending(&s);
	printf("pending while blocked: %d\n", sigismember(&s, SIGUSR2));
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	printf("sigwaitinfo: %d\n", sigwaitinfo(&s, &si));
	kill(getpid(), SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	printf("init survived an unblocked default SIGUSR2\n");
	kill(getpid(), SIGTERM);
	printf("and SIGTERM\n");
	return 0;
}
