/* altstack_clone: which children keep the alternate signal stack. Linux's
 * copy_process clears it for a child sharing the memory (a thread, or clone with
 * CLONE_VM) and keeps it for a fork or vfork child, which has its own stack or
 * borrows its parent's. Runtimes that take the stack a thread finds (Go with cgo)
 * would otherwise run two threads' signal handlers on one stack. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack_mem[64 * 1024];

static const char *state(void)
{
	stack_t ss;

	if (sigaltstack(NULL, &ss))
		return "error";
	if (ss.ss_flags & SS_DISABLE)
		return "none";
	return ss.ss_sp == stack_mem ? "the parent's" : "another";
}

static void *thread_main(void *arg)
{
	(void)arg;
	printf("pthread: %s\n", state());
	return NULL;
}

static int clone_vm_main(void *arg)
{
	(void)arg;
	printf("clone(CLONE_VM): %s\n", state());
	fflush(stdout);
	return 0;
}

int main(void)
{
	stack_t ss = { .ss_sp = stack_mem, .ss_size = sizeof(stack_mem) };
	static char child_stack[64 * 1024] __attribute__((aligned(16)));
	pthread_t th;
	pid_t pid;
	int st;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (sigaltstack(&ss, NULL)) {
		perror("sigaltstack");
		return 1;
	}
	printf("main: %s\n", state());
	pthread_create(&th, NULL, thread_main, NULL);
	pthread_join(th, NULL);
	pid = clone(clone_vm_main, child_stack + sizeof(child_stack), CLONE_VM | SIGCHLD, NULL);
	waitpid(pid, &st, 0);
	pid = fork();
	if (pid == 0) {
		printf("fork: %s\n", state());
		_exit(0);
	}
	waitpid(pid, &st, 0);
	pid = vfork();
	if (pid == 0) {
		/* Only async-signal-safe calls in a vfork child: write, not printf. */
		const char *s = state();

		write(1, "vfork: ", 7);
		write(1, s, strlen(s));
		write(1, "\n", 1);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("main again: %s\n", state());
	return 0;
}
