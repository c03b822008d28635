/*
 * membarrier: the commands' rules, and the barrier itself. QUERY lists the
 * commands (printed without the SYNC_CORE and RSEQ ones, which the sandbox does
 * not offer); PRIVATE_EXPEDITED needs its registration (EPERM), the registrations
 * show in GET_REGISTRATIONS, are inherited by a fork child and cleared by exec;
 * flags and unknown commands give EINVAL. Then Dekker's pattern, which store
 * buffering breaks without a full barrier on both sides: the fast side uses only a
 * compiler barrier, the slow side calls membarrier, and in many rounds both never
 * miss each other, for PRIVATE_EXPEDITED, GLOBAL_EXPEDITED and GLOBAL.
 * With "cr" (tests/integration/cr/case.sh --signal): the registrations are made,
 * checkpointed and restored, then checked and used.
 */
#include "../cr/cr.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef MEMBARRIER_CMD_GET_REGISTRATIONS
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9)       /* Linux 6.3 */
#endif

#define ROUNDS 300
#define NOT_OFFERED (MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE | \
		     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE | \
		     MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | \
		     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ)

static long mb(int cmd, unsigned flags)
{
	long r = syscall(SYS_membarrier, cmd, flags, 0);

	return r < 0 ? -errno : r;
}

/* Dekker: each side sets its flag, then reads the other's; with the barriers in
 * place at least one of them sees the other's flag in every round. */
static volatile int x, y, round_no, seen_fast[ROUNDS], seen_slow[ROUNDS];
static volatile int go_fast, done_fast;
static int cmd_slow;

static void *fast_side(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		while (__atomic_load_n(&go_fast, __ATOMIC_ACQUIRE) != r + 1)
			;
		x = 1;
		__asm__ volatile("" ::: "memory");      /* compiler barrier only */
		seen_fast[r] = y;
		__atomic_store_n(&done_fast, r + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int dekker(int cmd)
{
	pthread_t th;
	int missed = 0;

	cmd_slow = cmd;
	go_fast = done_fast = 0;
	pthread_create(&th, NULL, fast_side, NULL);
	for (int r = 0; r < ROUNDS; r++) {
		x = y = 0;
		__atomic_store_n(&go_fast, r + 1, __ATOMIC_RELEASE);
		y = 1;
		mb(cmd_slow, 0);                        /* both sides' barrier */
		seen_slow[r] = x;
		while (__atomic_load_n(&done_fast, __ATOMIC_ACQUIRE) != r + 1)
			;
		if (!seen_fast[r] && !seen_slow[r])
			missed++;
	}
	pthread_join(th, NULL);
	return missed;
}

int main(int argc, char **argv)
{
	int st;

	if (argc > 1 && !strcmp(argv[1], "cr")) {
		cr_arm();
		mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0);
		cr_say("registrations: %#lx\n", mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0));
		cr_say("ready\n");
		cr_wait();
		cr_say("after restore: registrations %#lx, private %ld\n",
		       mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0),
		       mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
		cr_say("dekker misses, private expedited: %d\n",
		       dekker(MEMBARRIER_CMD_PRIVATE_EXPEDITED));
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		printf("after exec: registrations %ld\n", mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0));
		return 0;
	}
	printf("query: %#lx\n", mb(MEMBARRIER_CMD_QUERY, 0) & ~(long)NOT_OFFERED);
	printf("query flags: %ld\n", mb(MEMBARRIER_CMD_QUERY, 1));
	printf("unknown: %ld, 3: %ld\n", mb(1 << 12, 0), mb(3, 0));
	printf("registrations: %ld\n", mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0));
	printf("private unregistered: %ld\n", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
	printf("global expedited unregistered: %ld\n", mb(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0));
	printf("global: %ld\n", mb(MEMBARRIER_CMD_GLOBAL, 0));
	printf("register private: %ld, flags: %ld\n",
	       mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0),
	       mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 1));
	printf("private: %ld, flags: %ld\n", mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0),
	       mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 1));
	printf("register global: %ld\n", mb(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0));
	printf("registrations: %#lx\n", mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0));
	fflush(stdout);
	if (fork() == 0) {
		printf("fork child: registrations %#lx, private %ld\n",
		       mb(MEMBARRIER_CMD_GET_REGISTRATIONS, 0),
		       mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
		_exit(1);
	}
	wait(&st);
	printf("dekker misses, private expedited: %d\n", dekker(MEMBARRIER_CMD_PRIVATE_EXPEDITED));
	printf("dekker misses, global expedited: %d\n", dekker(MEMBARRIER_CMD_GLOBAL_EXPEDITED));
	printf("dekker misses, global: %d\n", dekker(MEMBARRIER_CMD_GLOBAL));
	return 0;
}
