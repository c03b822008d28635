/* spawn_race [ROUNDS]: new tasks that cannot run on their own. Each round creates a
 * thread that waits on a semaphore its creator posts once pthread_create has returned,
 * and forks a child that waits for a byte its parent writes once fork has returned;
 * then joins and reaps them. A stop of the world (pause, checkpoint) that catches a
 * clone halfway must stop the new task as well: left running, it waits for a creator
 * that is parked, and the stop never completes.
 * Prints "ready", then every 100th round, then the count; exits 0 (2 if a call
 * fails). ROUNDS defaults to 2000; 0 runs until killed. */
#include "cr.h"

#include <pthread.h>
#include <semaphore.h>
#include <sys/wait.h>

static sem_t go;
static unsigned long sum;

static void *waiter(void *arg)
{
	while (sem_wait(&go) && errno == EINTR)
		;
	return arg;
}

static void die2(const char *what)
{
	perror(what);
	exit(2);
}

static void one_round(unsigned long r)
{
	pthread_t th;
	void *ret;
	int fds[2], st;
	pid_t pid;
	char c = (char)r;

	if ((errno = pthread_create(&th, NULL, waiter, (void *)r)))
		die2("pthread_create");
	sem_post(&go);
	if ((errno = pthread_join(th, &ret)))
		die2("pthread_join");
	sum += (unsigned long)ret;

	if (pipe(fds))
		die2("pipe");
	pid = fork();
	if (pid < 0)
		die2("fork");
	if (pid == 0) {
		close(fds[1]);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit((unsigned char)c % 100);
	}
	close(fds[0]);
	if (write(fds[1], &c, 1) != 1)
		die2("write");
	close(fds[1]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die2("waitpid");
	sum += WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 400;

	if (sem_init(&go, 0, 0))
		die2("sem_init");
	cr_say("ready spawn_race: %lu rounds\n", rounds);
	for (unsigned long r = 1; !rounds || r <= rounds; r++) {
		one_round(r);
		if (r % 100 == 0)
			cr_say("round %lu sum %lu\n", r, sum);
	}
	cr_say("done: %lu rounds, sum %lu\n", rounds, sum);
	return 0;
}
