/*
 * sysv_msg: System V message queues. msgget's key rules, msgsnd's limits (MSGMAX a
 * message, the queue's byte limit, IPC_NOWAIT, blocking while full), msgrcv by type
 * (0, >0, <0, MSG_EXCEPT), MSG_NOERROR, E2BIG, MSG_COPY, ENOMSG, a blocked receiver
 * and sender between processes, EINTR, EIDRM for waiters of a removed queue; msgctl's
 * commands; a producer and consumers over one queue; another user's EACCES and
 * EPERM. Ids are never printed. Compared with a native run.
 *   sysv_msg        the checks, then "done"
 *   sysv_msg cr     zdtm form (testdata/cr/cr.h): a keyed queue with messages, and a
 *                   child blocked in msgrcv, across the restore.
 */
#include "../cr/cr.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>

#include "sysv_test.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct m {
	long type;
	char text[9000];
};

static int snd(int id, long type, const char *text, int flg)
{
	struct m m = { .type = type };

	strcpy(m.text, text);
	return msgsnd(id, &m, strlen(text), flg);
}

/* Receives and prints what came, or the error. */
static void rcv(const char *what, int id, size_t size, long type, int flg)
{
	struct m m;
	ssize_t n = msgrcv(id, &m, size, type, flg);

	if (n < 0)
		printf("%s: %s\n", what, err(-1));
	else
		printf("%s: type %ld, %zd bytes \"%.*s\"\n", what, m.type, n, (int)n, m.text);
}

static struct msqid_ds stat_of(int id)
{
	struct msqid_ds ds;

	memset(&ds, 0, sizeof(ds));
	msgctl(id, IPC_STAT, &ds);
	return ds;
}

/* Waits (without a time limit that could fail it) until the queue has @n messages. */
static bool wait_qnum(int id, unsigned long n)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	for (int i = 0; i < 10000; i++) {
		if (stat_of(id).msg_qnum == n)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* A child blocked in the kernel cannot be seen waiting by these calls: the parent
 * gives it a moment, and the output does not depend on whether it already waits
 * (the message goes to it either way). */
static void settle(void)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static void on_usr2(int sig)
{
	(void)sig;
}

static void errors(void)
{
	key_t key = fresh_key(0x4000);
	int id = msgget(IPC_PRIVATE, 0600), kid;
	struct msqid_ds ds;
	struct m m = { .type = 1 };

	printf("msgget unknown key: %s\n", err(msgget(key, 0600)));
	kid = msgget(key, IPC_CREAT | IPC_EXCL | 0640);
	printf("keyed: %s;", err(kid));
	printf(" IPC_EXCL again: %s;", err(msgget(key, IPC_CREAT | IPC_EXCL | 0640)));
	printf(" same key: %d\n", msgget(key, 0) == kid);
	msgctl(kid, IPC_RMID, NULL);
	printf("msgsnd id -1: %s\n", err(msgsnd(-1, &m, 1, 0)));
	printf("msgsnd 8193 bytes: %s\n", err(msgsnd(id, &m, 8193, 0)));
	printf("msgsnd size -1: %s\n", err(msgsnd(id, &m, (size_t)-1, 0)));
	m.type = 0;
	printf("msgsnd type 0: %s\n", err(msgsnd(id, &m, 1, 0)));
	m.type = -3;
	printf("msgsnd type -3: %s\n", err(msgsnd(id, &m, 1, 0)));
	printf("msgsnd bad buffer: %s\n", err(msgsnd(id, (void *)8, 1, 0)));
	m.type = 1;
	printf("msgsnd bad id: %s\n", err(msgsnd(id + 1, &m, 1, 0)));
	printf("msgsnd 8192 bytes: %s\n", err(msgsnd(id, &m, 8192, 0)));
	printf("msgsnd 8192 more: %s\n", err(msgsnd(id, &m, 8192, 0)));
	printf("msgsnd full IPC_NOWAIT: %s\n", err(msgsnd(id, &m, 1, IPC_NOWAIT)));
	ds = stat_of(id);
	printf("full: qnum %lu, cbytes %lu, qbytes %lu\n", (unsigned long)ds.msg_qnum,
	       (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes);
	printf("msgrcv id -1: %s\n", err(msgrcv(-1, &m, 10, 0, 0)));
	printf("msgrcv size -1: %s\n", err(msgrcv(id, &m, (size_t)-1, 0, 0)));
	printf("msgrcv bad id: %s\n", err(msgrcv(id + 1, &m, 10, 0, 0)));
	printf("msgrcv too small: %s\n", err(msgrcv(id, &m, 10, 0, 0)));
	printf("msgrcv no type 5 IPC_NOWAIT: %s\n", err(msgrcv(id, &m, 9000, 5, IPC_NOWAIT)));
	printf("MSG_COPY without IPC_NOWAIT: %s\n", err(msgrcv(id, &m, 9000, 0, MSG_COPY)));
	printf("MSG_COPY with MSG_EXCEPT: %s\n",
	       err(msgrcv(id, &m, 9000, 0, MSG_COPY | IPC_NOWAIT | MSG_EXCEPT)));
	printf("MSG_COPY #2: %s\n", err(msgrcv(id, &m, 9000, 2, MSG_COPY | IPC_NOWAIT)));
	printf("MSG_COPY too small: %s\n", err(msgrcv(id, &m, 10, 1, MSG_COPY | IPC_NOWAIT)));
	printf("msgrcv to a bad buffer: %s,", err(msgrcv(id, (void *)8, 9000, 0, 0)));
	printf(" qnum after %lu\n", (unsigned long)stat_of(id).msg_qnum);
	printf("bad cmd: %s\n", err(msgctl(id, 12345, &ds)));
	printf("id -1 IPC_STAT: %s\n", err(msgctl(-1, IPC_STAT, &ds)));
	printf("IPC_STAT to a bad buffer: %s\n", err(msgctl(id, IPC_STAT, (void *)8)));
	printf("IPC_SET from a bad buffer: %s\n", err(msgctl(id, IPC_SET, (void *)8)));
	printf("IPC_RMID: %s,", err(msgctl(id, IPC_RMID, NULL)));
	printf(" again: %s,", err(msgctl(id, IPC_RMID, NULL)));
	printf(" msgsnd: %s\n", err(msgsnd(id, &m, 1, 0)));
}

static void types(void)
{
	int id = msgget(IPC_PRIVATE, 0600);

	snd(id, 3, "three", 0);
	snd(id, 1, "one", 0);
	snd(id, 2, "two", 0);
	snd(id, 1, "one again", 0);
	snd(id, 5, "five", 0);
	rcv("MSG_COPY #0", id, 100, 0, MSG_COPY | IPC_NOWAIT);
	rcv("MSG_COPY #3", id, 100, 3, MSG_COPY | IPC_NOWAIT);
	rcv("MSG_COPY #5", id, 100, 5, MSG_COPY | IPC_NOWAIT);
	rcv("type 2", id, 100, 2, 0);
	rcv("type -4 (lowest first)", id, 100, -4, 0);
	rcv("type 1 MSG_EXCEPT", id, 100, 1, MSG_EXCEPT);
	rcv("type LONG_MIN", id, 100, LONG_MIN, 0);
	rcv("2 bytes MSG_NOERROR", id, 2, 0, MSG_NOERROR);
	rcv("empty IPC_NOWAIT", id, 100, 0, IPC_NOWAIT);
	snd(id, 7, "", 0);
	rcv("empty message", id, 100, 7, 0);
	msgctl(id, IPC_RMID, NULL);
}

static pid_t receiver(int id, long type, size_t size, int flg, const char *name)
{
	pid_t pid = fork();

	if (pid == 0) {
		rcv(name, id, size, type, flg);
		fflush(stdout);
		_exit(0);
	}
	return pid;
}

static void blocking(void)
{
	int id = msgget(IPC_PRIVATE, 0600), st;
	struct sigaction sa = { .sa_handler = on_usr2 };
	struct m m = { .type = 1 };
	struct msqid_ds ds;
	pid_t a, b;

	/* A receiver waiting for type 2 is not given type 1. */
	a = receiver(id, 2, 100, 0, "waiting for type 2");
	settle();
	snd(id, 1, "for nobody", 0);
	snd(id, 2, "for the waiter", 0);
	waitpid(a, &st, 0);
	ds = stat_of(id);
	printf("after: qnum %lu, lrpid is the child %d, lspid is me %d\n",
	       (unsigned long)ds.msg_qnum, ds.msg_lrpid == a, ds.msg_lspid == getpid());
	rcv("left", id, 100, 0, 0);

	/* A waiter too small for the message gets E2BIG; the message stays. */
	a = receiver(id, 0, 2, 0, "too small a waiter");
	settle();
	snd(id, 4, "long text", 0);
	waitpid(a, &st, 0);
	printf("qnum %lu\n", (unsigned long)stat_of(id).msg_qnum);
	rcv("kept", id, 100, 0, 0);

	/* A sender blocked while the queue is full goes on when room is made. */
	msgsnd(id, &m, 8192, 0);
	msgsnd(id, &m, 8192, 0);
	a = fork();
	if (a == 0) {
		printf("blocked sender: %s\n", err(snd(id, 9, "squeezed in", 0)));
		fflush(stdout);
		_exit(0);
	}
	settle();
	printf("full, qnum %lu\n", (unsigned long)stat_of(id).msg_qnum);
	msgrcv(id, &m, 8192, 0, 0);
	waitpid(a, &st, 0);
	msgrcv(id, &m, 8192, 0, 0);
	rcv("the sender's", id, 100, 0, 0);

	/* Signals end the waits with EINTR. */
	sigaction(SIGUSR2, &sa, NULL);
	a = receiver(id, 0, 100, 0, "interrupted receiver");
	/* Until it is gone: a signal before it waits only runs the handler. */
	while (waitpid(a, &st, WNOHANG) == 0) {
		kill(a, SIGUSR2);
		settle();
	}

	/* Removal: waiters get EIDRM. A receiver for type 5 (after one it got, which
	 * shows it started), a sender blocked on a queue it filled itself. */
	snd(id, 5, "first", 0);
	a = fork();
	if (a == 0) {
		msgrcv(id, &m, 100, 5, 0);
		_exit(msgrcv(id, &m, 100, 5, 0) < 0 ? errno : 0);
	}
	check(wait_qnum(id, 0), "the receiver took its first");
	b = fork();
	if (b == 0) {
		msgsnd(id, &m, 8192, 0);
		msgsnd(id, &m, 8192, 0);
		_exit(snd(id, 9, "x", 0) < 0 ? errno : 0);
	}
	check(wait_qnum(id, 2), "the sender filled the queue");
	settle();
	msgctl(id, IPC_RMID, NULL);
	waitpid(a, &st, 0);
	printf("receiver of a removed queue: %s\n", strerrorname_np(WEXITSTATUS(st)));
	waitpid(b, &st, 0);
	printf("sender to a removed queue: %s\n", strerrorname_np(WEXITSTATUS(st)));
	(void)ds;
}

static void producer_consumer(void)
{
	int id = msgget(IPC_PRIVATE, 0600), st;
	long sum = 0;
	pid_t c[2];

	/* Two consumers take types 1 and 2 each until a 0-length end; one producer. */
	for (int i = 0; i < 2; i++) {
		c[i] = fork();
		if (c[i] == 0) {
			struct m m;
			long got = 0, n = 0;
			ssize_t r;

			while ((r = msgrcv(id, &m, sizeof(m.text), i + 1, 0)) > 0) {
				got += atol(m.text);
				n++;
			}
			/* Type 1 carries the even numbers, type 2 the odd ones. */
			_exit(r == 0 && n == 1000 && got == (i ? 1000000 : 1001000) ? 0 : 1);
		}
	}
	if (fork() == 0) {
		char buf[32];

		for (int i = 1; i <= 2000; i++) {
			snprintf(buf, sizeof(buf), "%d", i);
			snd(id, 1 + i % 2, buf, 0);
		}
		snd(id, 1, "", 0);
		snd(id, 2, "", 0);
		_exit(0);
	}
	for (int i = 0; i < 2; i++) {
		waitpid(c[i], &st, 0);
		printf("consumer %d: %d\n", i + 1, WEXITSTATUS(st));
		sum += WEXITSTATUS(st);
	}
	while (wait(&st) > 0)
		;
	printf("producer/consumer done: %ld, qnum %lu\n", sum,
	       (unsigned long)stat_of(id).msg_qnum);
	msgctl(id, IPC_RMID, NULL);
}

static void ctl(void)
{
	int id = msgget(IPC_PRIVATE, 0640), idx, st;
	struct msqid_ds ds;
	struct msginfo mi;
	pid_t pid;

	snd(id, 1, "abc", 0);
	ds = stat_of(id);
	printf("IPC_STAT: mode %o, key %d, qnum %lu, cbytes %lu, qbytes %lu, stime %d,"
	       " rtime %d\n", ds.msg_perm.mode, ds.msg_perm.__key, (unsigned long)ds.msg_qnum,
	       (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes,
	       ds.msg_stime != 0, ds.msg_rtime != 0);
	ds.msg_perm.mode = 0604;
	ds.msg_qbytes = 100;
	printf("IPC_SET: %s,", err(msgctl(id, IPC_SET, &ds)));
	ds = stat_of(id);
	printf(" mode %o, qbytes %lu\n", ds.msg_perm.mode, (unsigned long)ds.msg_qbytes);
	printf("over the new limit: %s\n", err(snd(id, 1, "x", IPC_NOWAIT) ? -1 :
		snd(id, 1, "0123456789012345678901234567890123456789012345678901234567890"
		    "1234567890123456789012345678901234567890", IPC_NOWAIT)));
	idx = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
	printf("IPC_INFO: %s, msgmax %d, msgmnb %d, msgmni %d\n", err(idx), mi.msgmax,
	       mi.msgmnb, mi.msgmni);
	idx = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi);
	printf("MSG_INFO: %s, a queue at least %d\n", err(idx), mi.msgpool >= 1);
	printf("MSG_STAT by index: %d\n", msgctl(id % 32768, MSG_STAT, &ds) == id);
	printf("MSG_STAT_ANY by index: %d\n", msgctl(id % 32768, MSG_STAT_ANY, &ds) == id);
	pid = fork();
	if (pid == 0) {
		struct m m;

		if (setgid(1000) || setuid(1000))
			_exit(9);
		printf("uid 1000: msgrcv %s,", err(msgrcv(id, &m, 100, 0, IPC_NOWAIT)));
		printf(" msgsnd %s,", err(snd(id, 1, "x", IPC_NOWAIT)));
		printf(" IPC_STAT %s,", err(msgctl(id, IPC_STAT, &ds)));
		ds.msg_qbytes = 16384;
		printf(" IPC_SET %s,", err(msgctl(id, IPC_SET, &ds)));
		printf(" IPC_RMID %s\n", err(msgctl(id, IPC_RMID, NULL)));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	msgctl(id, IPC_RMID, NULL);
	printf("after IPC_RMID: IPC_STAT %s\n", err(msgctl(id, IPC_STAT, &ds)));

	/* A waiter whose access IPC_SET takes away looks again and gets EACCES. */
	id = msgget(IPC_PRIVATE, 0666);
	snd(id, 5, "first", 0);
	pid = fork();
	if (pid == 0) {
		struct m m;

		if (setgid(1000) || setuid(1000))
			_exit(9);
		msgrcv(id, &m, 100, 5, 0);
		_exit(msgrcv(id, &m, 100, 5, 0) < 0 ? errno : 0);
	}
	check(wait_qnum(id, 0), "the waiter took its first");
	settle();
	ds = stat_of(id);
	ds.msg_perm.mode = 0600;
	msgctl(id, IPC_SET, &ds);
	waitpid(pid, &st, 0);
	printf("waiter after IPC_SET took its access: %s\n", strerrorname_np(WEXITSTATUS(st)));
	msgctl(id, IPC_RMID, NULL);
}

static void cr(void)
{
	key_t key = fresh_key(0x4000);
	int id = msgget(key, IPC_CREAT | IPC_EXCL | 0600), st;
	pid_t child;

	if (id < 0) {
		printf("setup failed: %s\n", strerror(errno));
		exit(1);
	}
	snd(id, 2, "two", 0);
	snd(id, 1, "one", 0);
	snd(id, 3, "three", 0);
	cr_arm();
	child = fork();
	if (child == 0) {
		struct m m;
		ssize_t n = msgrcv(id, &m, 100, 9, 0);

		_exit(n == 4 && !memcmp(m.text, "nine", 4) ? 0 : 3);
	}
	settle();
	cr_say("ready\n");
	cr_wait();
	printf("by key: %d, qnum %lu\n", msgget(key, 0) == id,
	       (unsigned long)stat_of(id).msg_qnum);
	rcv("lowest", id, 100, -5, 0);
	snd(id, 9, "nine", 0);
	waitpid(child, &st, 0);
	printf("child: %d\n", WEXITSTATUS(st));
	rcv("next", id, 100, 0, 0);
	rcv("last", id, 100, 0, 0);
	rcv("empty", id, 100, 0, IPC_NOWAIT);
	msgctl(id, IPC_RMID, NULL);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "cr")) {
		cr();
	} else {
		errors();
		types();
		blocking();
		producer_consumer();
		ctl();
	}
	printf("done, %d failures\n", failures);
	return failures != 0;
}
