/* exec_spawn [ROUND]: execve while other threads make threads. Two threads each make
 * a thread that waits on a semaphore they post once pthread_create has returned, and
 * join it, in a loop; the main thread execs this program again, 30 times in all.
 * The exec kills the other threads and waits for them: a thread made by a clone that
 * the kill overtook must not be left (Linux fails that clone), or it would wait for
 * its dead creator and the exec for it, for ever.
 * Prints one line at the end; exits 0 (2 if a call fails). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 30

static void die2(const char *what)
{
	perror(what);
	exit(2);
}

static void *waiter(void *arg)
{
	sem_t *go = arg;

	while (sem_wait(go) && errno == EINTR)
		;
	return NULL;
}

static void *spawner(void *arg)
{
	sem_t go;

	(void)arg;
	if (sem_init(&go, 0, 0))
		die2("sem_init");
	for (;;) {
		pthread_t th;

		/* Linux may refuse a thread while the exec kills this one: wait for it. */
		if (pthread_create(&th, NULL, waiter, &go))
			for (;;)
				pause();
		sem_post(&go);
		pthread_join(th, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int round = argc > 1 ? atoi(argv[1]) : 0;
	struct timespec ts = { 0, (2 + round % 7) * 1000000L };
	char next[16];
	pthread_t th;

	if (round >= ROUNDS) {
		printf("%d execs while threads were being made\n", round);
		return 0;
	}
	for (int i = 0; i < 2; i++)
		if ((errno = pthread_create(&th, NULL, spawner, NULL)))
			die2("pthread_create");
	nanosleep(&ts, NULL);
	snprintf(next, sizeof(next), "%d", round + 1);
	execl("/proc/self/exe", argv[0], next, (char *)NULL);
	die2("execl");
}
