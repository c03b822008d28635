/*
 * sysv_sem: System V semaphores. semget's limits and key rules, semop's atomic arrays
 * (all or nothing), IPC_NOWAIT, the timeout of semtimedop, ERANGE and E2BIG, blocking
 * between processes with wake-ups in arrival order, EINTR, EIDRM for waiters of a
 * removed set; semctl's commands; SEM_UNDO undone when a killed holder goes, kept by
 * a thread's exit (CLONE_SYSVSEM shares the list) and cleared by SETVAL; a mutex
 * between processes; another user's EACCES and EPERM. Ids are never printed.
 * Compared with a native run.
 *   sysv_sem        the checks, then "done"
 *   sysv_sem cr     zdtm form (testdata/cr/cr.h): a keyed set with values, a child
 *                   holding a SEM_UNDO adjustment and blocked in semop, across the
 *                   restore; then it is released and its adjustment undone.
 */
#include "../cr/cr.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/wait.h>

#include "sysv_test.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static int op(int id, int num, int delta, int flg)
{
	struct sembuf b = { .sem_num = num, .sem_op = delta, .sem_flg = flg };

	return semop(id, &b, 1);
}

static int val(int id, int num)
{
	return semctl(id, num, GETVAL);
}

/* Waits (without a time limit that could fail it) until @n tasks wait on @num. */
static bool wait_ncnt(int id, int num, int cmd, int n)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	for (int i = 0; i < 10000; i++) {
		int c = semctl(id, num, cmd);

		if (c == n)
			return true;
		if (c < 0)
			return false;
		nanosleep(&ts, NULL);
	}
	return false;
}

static void errors(void)
{
	key_t key = fresh_key(0x2000);
	int id = semget(IPC_PRIVATE, 3, 0600), kid;
	struct sembuf many[501] = { 0 }, two[2];
	struct timespec ts = { 0, 5 * 1000 * 1000 }, bad = { 0, 1000000000 };
	unsigned short all[3] = { 1, 2, 40000 };
	struct semid_ds ds;

	printf("semget nsems -1: %s\n", err(semget(IPC_PRIVATE, -1, 0600)));
	printf("semget nsems 32001: %s\n", err(semget(IPC_PRIVATE, 32001, 0600)));
	printf("semget nsems 0: %s\n", err(semget(IPC_PRIVATE, 0, 0600)));
	printf("semget unknown key: %s\n", err(semget(key, 1, 0600)));
	kid = semget(key, 2, IPC_CREAT | IPC_EXCL | 0640);
	printf("keyed: %s;", err(kid));
	printf(" IPC_EXCL again: %s;", err(semget(key, 2, IPC_CREAT | IPC_EXCL | 0640)));
	printf(" same key: %d;", semget(key, 2, 0) == kid);
	printf(" more sems: %s;", err(semget(key, 3, 0)));
	printf(" nsems 0: %d\n", semget(key, 0, 0) == kid);
	semctl(kid, 0, IPC_RMID);

	printf("semop nsops 0: %s\n", err(semop(id, many, 0)));
	printf("semop id -1: %s\n", err(semop(-1, many, 1)));
	printf("semop 501 ops: %s\n", err(semop(id, many, 501)));
	printf("semop bad sops: %s\n", err(semop(id, (void *)8, 1)));
	printf("semop bad id: %s\n", err(semop(id + 1, many, 1)));
	printf("semop sem_num 3: %s\n", err(op(id, 3, 1, 0)));
	printf("semop -1 at 0 IPC_NOWAIT: %s\n", err(op(id, 0, -1, IPC_NOWAIT)));
	op(id, 1, 1, 0);
	printf("semop wait for zero at 1 IPC_NOWAIT: %s\n", err(op(id, 1, 0, IPC_NOWAIT)));
	op(id, 2, 32767, 0);
	printf("semop past SEMVMX: %s, value %d\n", err(op(id, 2, 1, 0)), val(id, 2));
	two[0] = (struct sembuf){ .sem_num = 0, .sem_op = 5 };
	two[1] = (struct sembuf){ .sem_num = 0, .sem_op = -6, .sem_flg = IPC_NOWAIT };
	printf("semop +5 then -6 on one: %s, value %d\n", err(semop(id, two, 2)), val(id, 0));
	two[1].sem_op = -5;
	printf("semop +5 then -5: %s, value %d\n", err(semop(id, two, 2)), val(id, 0));
	two[0] = (struct sembuf){ .sem_num = 0, .sem_op = 1 };
	two[1] = (struct sembuf){ .sem_num = 1, .sem_op = -2, .sem_flg = IPC_NOWAIT };
	printf("semop all or none: %s, values %d %d\n", err(semop(id, two, 2)), val(id, 0),
	       val(id, 1));
	two[1].sem_flg = 0;
	printf("semtimedop times out: %s, value %d\n", err(semtimedop(id, &two[1], 1, &ts)),
	       val(id, 1));
	printf("semtimedop bad timeout: %s\n", err(semtimedop(id, &two[1], 1, &bad)));
	printf("semtimedop timeout unreadable: %s\n",
	       err(semtimedop(id, &two[1], 1, (void *)8)));
	printf("SEM_UNDO adjustment range: ");
	semctl(id, 0, SETVAL, 32767);
	for (int i = 0; i < 2; i++) {
		struct sembuf b = { .sem_num = 0, .sem_op = -32767, .sem_flg = SEM_UNDO };

		printf("%s ", err(semop(id, &b, 1)));
		semctl(id, 0, SETVAL, 32767);
	}
	{
		/* SETVAL cleared the first adjustment: build one up to +32767 again. */
		struct sembuf b = { .sem_num = 0, .sem_op = -32767, .sem_flg = SEM_UNDO };
		struct sembuf c = { .sem_num = 0, .sem_op = -1, .sem_flg = SEM_UNDO };

		semop(id, &b, 1);
		op(id, 0, 1, 0);
		printf("%s\n", err(semop(id, &c, 1)));
	}

	printf("SETVAL -1: %s, 32768: %s\n", err(semctl(id, 0, SETVAL, -1)),
	       err(semctl(id, 0, SETVAL, 32768)));
	printf("SETVAL sem 3: %s, GETVAL sem -1: %s\n", err(semctl(id, 3, SETVAL, 1)),
	       err(semctl(id, -1, GETVAL)));
	printf("SETALL 40000: %s\n", err(semctl(id, 0, SETALL, all)));
	printf("GETALL to a bad buffer: %s\n", err(semctl(id, 0, GETALL, (void *)8)));
	printf("SETALL from a bad buffer: %s\n", err(semctl(id, 0, SETALL, (void *)8)));
	printf("IPC_STAT to a bad buffer: %s\n", err(semctl(id, 0, IPC_STAT, (void *)8)));
	printf("IPC_SET from a bad buffer: %s\n", err(semctl(id, 0, IPC_SET, (void *)8)));
	printf("bad cmd: %s\n", err(semctl(id, 0, 12345, &ds)));
	printf("id -1 IPC_STAT: %s\n", err(semctl(-1, 0, IPC_STAT, &ds)));
	printf("bad id GETVAL: %s\n", err(semctl(id + 1, 0, GETVAL)));
	printf("IPC_RMID: %s,", err(semctl(id, 0, IPC_RMID)));
	printf(" again: %s,", err(semctl(id, 0, IPC_RMID)));
	printf(" semop: %s\n", err(op(id, 0, 1, 0)));
}

/* A child that waits to take @delta from sem @num, and says how it ended. */
static pid_t waiter(int id, int num, int delta, const char *name)
{
	pid_t pid = fork();

	if (pid == 0) {
		int r = op(id, num, delta, 0);

		printf("%s: %s\n", name, err(r));
		fflush(stdout);
		_exit(0);
	}
	return pid;
}

static void on_usr2(int sig)
{
	(void)sig;
}

static void *thread_takes(void *arg)
{
	op(*(int *)arg, 0, -1, SEM_UNDO);
	return NULL;
}

static void blocking(void)
{
	int id = semget(IPC_PRIVATE, 2, 0600), st;
	struct sigaction sa = { .sa_handler = on_usr2 };
	pid_t a, b;

	/* Two takers queued in order; each increment releases the first in line. */
	a = waiter(id, 0, -1, "first taker");
	check(wait_ncnt(id, 0, GETNCNT, 1), "first taker waits");
	b = waiter(id, 0, -1, "second taker");
	check(wait_ncnt(id, 0, GETNCNT, 2), "second taker waits");
	printf("GETNCNT %d, GETZCNT %d\n", semctl(id, 0, GETNCNT), semctl(id, 0, GETZCNT));
	op(id, 0, 1, 0);
	waitpid(a, &st, 0);
	op(id, 0, 1, 0);
	waitpid(b, &st, 0);
	printf("value after both: %d, GETPID is the second: %d\n", val(id, 0),
	       semctl(id, 0, GETPID) == b);

	/* A taker of 2 is not released by 1. */
	a = waiter(id, 0, -2, "taker of two");
	check(wait_ncnt(id, 0, GETNCNT, 1), "taker of two waits");
	op(id, 0, 1, 0);
	printf("after +1: value %d, GETNCNT %d\n", val(id, 0), semctl(id, 0, GETNCNT));
	op(id, 0, 1, 0);
	waitpid(a, &st, 0);
	printf("after +1 more: value %d\n", val(id, 0));

	/* Waiting for zero. */
	op(id, 1, 2, 0);
	a = waiter(id, 1, 0, "zero waiter");
	check(wait_ncnt(id, 1, GETZCNT, 1), "zero waiter waits");
	printf("GETZCNT %d\n", semctl(id, 1, GETZCNT));
	op(id, 1, -1, 0);
	op(id, 1, -1, 0);
	waitpid(a, &st, 0);

	/* A signal ends the wait with EINTR. */
	sigaction(SIGUSR2, &sa, NULL);
	a = waiter(id, 0, -1, "interrupted taker");
	check(wait_ncnt(id, 0, GETNCNT, 1), "interrupted taker waits");
	kill(a, SIGUSR2);
	waitpid(a, &st, 0);
	printf("after EINTR: GETNCNT %d\n", semctl(id, 0, GETNCNT));

	/* Removal wakes waiters with EIDRM. */
	a = waiter(id, 0, -1, "taker of a removed set");
	check(wait_ncnt(id, 0, GETNCNT, 1), "taker of a removed set waits");
	semctl(id, 0, IPC_RMID);
	waitpid(a, &st, 0);
}

static void undo(void)
{
	int id = semget(IPC_PRIVATE, 1, 0600), st, *counter;
	pid_t pid;

	/* A holder killed while holding: its SEM_UNDO gives the unit back. */
	semctl(id, 0, SETVAL, 1);
	pid = fork();
	if (pid == 0) {
		op(id, 0, -1, SEM_UNDO);
		pause();
		_exit(0);
	}
	check(wait_ncnt(id, 0, GETVAL, 0), "holder took it");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	printf("killed holder: value %d, GETPID is the holder %d\n", val(id, 0),
	       semctl(id, 0, GETPID) == pid);

	/* SETVAL clears the adjustment: nothing undone at exit. */
	pid = fork();
	if (pid == 0) {
		op(id, 0, 1, SEM_UNDO);
		semctl(id, 0, SETVAL, 5);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("SETVAL after SEM_UNDO: value %d\n", val(id, 0));

	/* A thread's adjustment stays until its process goes (CLONE_SYSVSEM). */
	semctl(id, 0, SETVAL, 1);
	pid = fork();
	if (pid == 0) {
		pthread_t th;

		pthread_create(&th, NULL, thread_takes, &id);
		pthread_join(th, NULL);
		printf("thread gone: value %d\n", val(id, 0));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("its process gone: value %d\n", val(id, 0));

	/* A fork child does not share its parent's adjustments. */
	op(id, 0, -1, SEM_UNDO);
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &st, 0);
	printf("fork child gone: value %d\n", val(id, 0));
	op(id, 0, 1, SEM_UNDO);        /* our own adjustment back to 0 */

	/* A mutex between processes. */
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*counter = 0;
	for (int i = 0; i < 4; i++)
		if (fork() == 0) {
			for (int j = 0; j < 200; j++) {
				int c;

				op(id, 0, -1, SEM_UNDO);
				c = *counter;
				sched_yield();
				*counter = c + 1;
				op(id, 0, 1, SEM_UNDO);
			}
			_exit(0);
		}
	while (wait(&st) > 0)
		;
	printf("mutex: counter %d, value %d\n", *counter, val(id, 0));
	semctl(id, 0, IPC_RMID);
}

static void ctl(void)
{
	int id = semget(IPC_PRIVATE, 3, 0640), idx, st;
	unsigned short all[3] = { 4, 5, 6 }, got[3];
	struct semid_ds ds;
	struct seminfo si;
	pid_t pid;

	printf("SETALL: %s,", err(semctl(id, 0, SETALL, all)));
	printf(" GETALL: %s", err(semctl(id, 0, GETALL, got)));
	printf(" %u %u %u,", got[0], got[1], got[2]);
	printf(" GETPID is me: %d\n", semctl(id, 2, GETPID) == getpid());
	semctl(id, 0, IPC_STAT, &ds);
	printf("IPC_STAT: nsems %lu, mode %o, key %d, otime %d, cuid %u\n",
	       (unsigned long)ds.sem_nsems, ds.sem_perm.mode, ds.sem_perm.__key,
	       ds.sem_otime != 0, ds.sem_perm.cuid);
	op(id, 0, 1, 0);
	semctl(id, 0, IPC_STAT, &ds);
	printf("after semop: otime set %d\n", ds.sem_otime != 0);
	ds.sem_perm.mode = 0604;
	printf("IPC_SET: %s,", err(semctl(id, 0, IPC_SET, &ds)));
	semctl(id, 0, IPC_STAT, &ds);
	printf(" mode %o\n", ds.sem_perm.mode);
	idx = semctl(0, 0, IPC_INFO, &si);
	printf("IPC_INFO: %s, semmsl %d, semopm %d, semvmx %d, semmni %d\n", err(idx),
	       si.semmsl, si.semopm, si.semvmx, si.semmni);
	idx = semctl(0, 0, SEM_INFO, &si);
	printf("SEM_INFO: %s, a set at least %d\n", err(idx), si.semusz >= 1);
	printf("SEM_STAT by index: %d\n", semctl(id % 32768, 0, SEM_STAT, &ds) == id);
	printf("SEM_STAT_ANY by index: %d\n", semctl(id % 32768, 0, SEM_STAT_ANY, &ds) == id);

	/* Another user: reads 0604, no writes, no IPC_RMID. */
	pid = fork();
	if (pid == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(9);
		printf("uid 1000: GETVAL %s,", err(semctl(id, 0, GETVAL)));
		printf(" SETVAL %s,", err(semctl(id, 0, SETVAL, 1)));
		printf(" semop +1 %s,", err(op(id, 0, 1, 0)));
		printf(" wait for zero %s,", err(op(id, 1, 0, IPC_NOWAIT)));
		printf(" IPC_SET %s,", err(semctl(id, 0, IPC_SET, &ds)));
		printf(" IPC_RMID %s\n", err(semctl(id, 0, IPC_RMID)));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	semctl(id, 0, IPC_RMID);
	printf("after IPC_RMID: IPC_STAT %s, SEM_STAT %s\n", err(semctl(id, 0, IPC_STAT, &ds)),
	       err(semctl(id % 32768, 0, SEM_STAT, &ds) == id ? 0 : -1));
}

static void cr(void)
{
	key_t key = fresh_key(0x2000);
	int id = semget(key, 3, IPC_CREAT | IPC_EXCL | 0600), st, go[2];
	unsigned short all[3] = { 3, 7, 0 }, got[3];
	pid_t child;
	char c;

	if (id < 0 || pipe(go)) {
		printf("setup failed: %s\n", strerror(errno));
		exit(1);
	}
	semctl(id, 0, SETALL, all);
	cr_arm();
	child = fork();
	if (child == 0) {
		struct sembuf b = { .sem_num = 2, .sem_op = -1 };

		close(go[1]);
		op(id, 0, -1, SEM_UNDO);        /* held across the restore */
		/* Blocked until the parent adds to sem 2 after the restore. */
		if (semop(id, &b, 1))
			_exit(4);
		if (read(go[0], &c, 1) != 1)
			_exit(9);
		_exit(val(id, 0) == 2 ? 0 : 3);
	}
	close(go[0]);
	if (!wait_ncnt(id, 2, GETNCNT, 1)) {
		printf("child did not block\n");
		exit(1);
	}
	cr_say("ready\n");
	cr_wait();
	printf("by key: %d\n", semget(key, 0, 0) == id);
	semctl(id, 0, GETALL, got);
	printf("values: %u %u %u, GETPID of 0 is the child: %d\n", got[0], got[1], got[2],
	       semctl(id, 0, GETPID) == child);
	printf("child waits again: %d\n", wait_ncnt(id, 2, GETNCNT, 1));
	op(id, 2, 1, 0);
	if (write(go[1], "g", 1) != 1 || waitpid(child, &st, 0) != child)
		return;
	printf("child: %d\n", WEXITSTATUS(st));
	semctl(id, 0, GETALL, got);
	printf("after it went: %u %u %u\n", got[0], got[1], got[2]);
	semctl(id, 0, IPC_RMID);
	id = semget(IPC_PRIVATE, 1, 0600);
	printf("new set: %s, value %d\n", err(id), val(id, 0));
	semctl(id, 0, IPC_RMID);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "cr")) {
		cr();
	} else {
		errors();
		blocking();
		undo();
		ctl();
	}
	printf("done, %d failures\n", failures);
	return failures != 0;
}
