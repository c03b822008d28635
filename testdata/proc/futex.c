/*
 * Raw futex(2) (issue #7): FUTEX_WAIT's EAGAIN on a value mismatch and ETIMEDOUT
 * (relative, absolute monotonic and realtime deadlines), EINVAL cases, FUTEX_REQUEUE
 * and FUTEX_CMP_REQUEUE moving waiters from one word to another, FUTEX_WAKE_OP,
 * FUTEX_WAIT_BITSET/FUTEX_WAKE_BITSET, and private against shared futexes between two
 * processes over a MAP_SHARED anonymous mapping.
 *
 * Nothing waits for time to pass to know that a waiter sleeps: waiters park on a
 * word, and the test moves them with FUTEX_CMP_REQUEUE in a loop until the counts
 * returned add up to the number of waiters; from then on every waiter is known to be
 * in the kernel, and every later count is exact. Output is deterministic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s (errno %s)\n", __FILE__, \
			  __LINE__, #c, strerror(errno)); exit(1); } } while (0)

static long fx(atomic_uint *uaddr, int op, unsigned val, const struct timespec *ts,
	       atomic_uint *uaddr2, unsigned val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* "ret" or "-1 ERRNO" for the last call's result. */
static const char *res(long r)
{
	static char buf[64];

	if (r >= 0)
		snprintf(buf, sizeof(buf), "%ld", r);
	else
		snprintf(buf, sizeof(buf), "-1 %s", errno == EAGAIN ? "EAGAIN" :
			 errno == ETIMEDOUT ? "ETIMEDOUT" : errno == EINVAL ? "EINVAL" :
			 errno == EINTR ? "EINTR" : errno == EFAULT ? "EFAULT" :
			 errno == ENOSYS ? "ENOSYS" : strerror(errno));
	return buf;
}

/* 1. Errors and timeouts, no other thread. */
static void test_errors(void)
{
	static atomic_uint w = 5;
	struct timespec rel = { 0, 20 * 1000 * 1000 }, zero = { 0, 0 }, abs, bad = { 0, -1 };

	printf("wait mismatch: %s\n", res(fx(&w, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0)));
	printf("wait bitset mismatch: %s\n",
	       res(fx(&w, FUTEX_WAIT_BITSET, 6, NULL, NULL, FUTEX_BITSET_MATCH_ANY)));
	printf("wait relative 20ms: %s\n", res(fx(&w, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0)));
	printf("wait relative 0: %s\n", res(fx(&w, FUTEX_WAIT, 5, &zero, NULL, 0)));
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	printf("wait_bitset monotonic deadline: %s\n",
	       res(fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY)));
	printf("wait_bitset past deadline: %s\n",
	       res(fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY)));
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec = 0;        /* the current second: already past */
	printf("wait_bitset realtime past deadline: %s\n",
	       res(fx(&w, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5, &abs, NULL, 1)));
	printf("wait bad timespec: %s\n", res(fx(&w, FUTEX_WAIT, 5, &bad, NULL, 0)));
	printf("wait_bitset bitset 0: %s\n",
	       res(fx(&w, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0)));
	printf("wake_bitset bitset 0: %s\n", res(fx(&w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0)));
	printf("wait unaligned: %s\n",
	       res(fx((atomic_uint *)((char *)&w + 1), FUTEX_WAIT, 5, NULL, NULL, 0)));
	printf("wake nobody: %s\n", res(fx(&w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0)));
	printf("cmp_requeue mismatch: %s\n",
	       res(fx(&w, FUTEX_CMP_REQUEUE, 0, (void *)1, &w + 1, 4)));
	printf("wait NULL: %s\n", res(fx(NULL, FUTEX_WAIT, 0, NULL, NULL, 0)));
	printf("unknown op 99: %s\n", res(fx(&w, 99, 0, NULL, NULL, 0)));
}

/* Waiters: each parks on its word with its bitset and records what the wait gave. */
struct waiter {
	pthread_t th;
	atomic_uint *word;
	unsigned val, bitset;
	int priv;
	long r;
	int err;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	int op = FUTEX_WAIT_BITSET | (w->priv ? FUTEX_PRIVATE_FLAG : 0);

	w->r = fx(w->word, op, w->val, NULL, NULL, w->bitset);
	w->err = w->r < 0 ? errno : 0;
	return NULL;
}

static void start_waiters(struct waiter *ws, int n, atomic_uint *word, const unsigned *bits,
			  int priv)
{
	for (int i = 0; i < n; i++) {
		ws[i] = (struct waiter){ .word = word, .val = atomic_load(word),
					 .bitset = bits ? bits[i] : FUTEX_BITSET_MATCH_ANY,
					 .priv = priv };
		CHECK(!pthread_create(&ws[i].th, NULL, wait_thread, &ws[i]));
	}
}

/* Moves exactly n waiters from @from to @to, however long they take to arrive. */
static void gather(atomic_uint *from, atomic_uint *to, int n, int priv)
{
	int moved = 0;

	while (moved < n) {
		long r = fx(from, FUTEX_CMP_REQUEUE | (priv ? FUTEX_PRIVATE_FLAG : 0), 0,
			    (void *)(long)(n - moved), to, atomic_load(from));

		CHECK(r >= 0);
		moved += r;
		if (!r)
			sched_yield();
	}
	CHECK(moved == n);
}

static void join_all(struct waiter *ws, int n, const char *what)
{
	int ok = 0;

	for (int i = 0; i < n; i++) {
		CHECK(!pthread_join(ws[i].th, NULL));
		ok += ws[i].r == 0;
	}
	printf("%s: %d of %d waiters returned 0\n", what, ok, n);
}

/* 2. CMP_REQUEUE and REQUEUE. */
static void test_requeue(void)
{
	static atomic_uint a, b, c, d;
	struct waiter ws[6];

	start_waiters(ws, 6, &a, NULL, 1);
	gather(&a, &b, 6, 1);
	printf("requeue: wake on the old word %ld\n",
	       fx(&a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0));
	/* Wake 1 and move 2 of the 6 from b to c: 3. */
	printf("requeue: cmp_requeue wake 1 move 2: %s\n",
	       res(fx(&b, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2, &c, 0)));
	/* Plain REQUEUE (no compare): wake none, move 2 more from b to d. */
	printf("requeue: requeue move 2: %s\n",
	       res(fx(&b, FUTEX_REQUEUE_PRIVATE, 0, (void *)2, &d, 0)));
	printf("requeue: cmp_requeue value changed: %s\n",
	       res(fx(&b, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &c, 7)));
	printf("requeue: cmp_requeue negative count: %s\n",
	       res(fx(&b, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)-1, &c, 0)));
	printf("requeue: left on b %ld, on c %ld, on d %ld\n",
	       fx(&b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0),
	       fx(&c, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0),
	       fx(&d, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0));
	join_all(ws, 6, "requeue");
}

/* 3. WAKE_OP: operate on the second word, wake on the first, and on the second if
 * the comparison with its old value holds. */
static void test_wake_op(void)
{
	static atomic_uint park, x, y;
	struct waiter ws[5];

	start_waiters(ws, 5, &park, NULL, 1);
	gather(&park, &x, 3, 1);
	gather(&park, &y, 2, 1);
	printf("wake_op: add 5 if old == 0: %s",
	       res(fx(&x, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &y,
		      FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0))));
	printf(", y %u\n", atomic_load(&y));
	printf("wake_op: set 7 if old > 10: %s",
	       res(fx(&x, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &y,
		      FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_GT, 10))));
	printf(", y %u\n", atomic_load(&y));
	printf("wake_op: or 1<<4 if old != 0, nothing left on x: %s",
	       res(fx(&x, FUTEX_WAKE_OP_PRIVATE, 0, (void *)1, &y,
		      FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_NE, 0))));
	printf(", y %u\n", atomic_load(&y));
	printf("wake_op: xor 3, andn 1: ");
	fx(&x, FUTEX_WAKE_OP_PRIVATE, 0, 0, &y, FUTEX_OP(FUTEX_OP_XOR, 3, FUTEX_OP_CMP_EQ, 0));
	fx(&x, FUTEX_WAKE_OP_PRIVATE, 0, 0, &y, FUTEX_OP(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_EQ, 0));
	printf("y %u\n", atomic_load(&y));
	printf("wake_op: bad op 9: %s\n",
	       res(fx(&x, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &y,
		      FUTEX_OP(9, 0, FUTEX_OP_CMP_EQ, 0))));
	printf("wake_op: left on x %ld, on y %ld\n",
	       fx(&x, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0),
	       fx(&y, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0));
	join_all(ws, 5, "wake_op");
}

/* 4. WAIT_BITSET/WAKE_BITSET: a requeue keeps each waiter's bitset. */
static void test_bitset(void)
{
	static const unsigned bits[5] = { 1, 2, 4, 3, FUTEX_BITSET_MATCH_ANY };
	static atomic_uint z, w;
	struct waiter ws[5];

	start_waiters(ws, 5, &z, bits, 1);
	gather(&z, &w, 5, 1);
	printf("bitset: wake 8 -> %ld\n", fx(&w, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 8));
	printf("bitset: wake 4 -> %ld\n", fx(&w, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 4));
	printf("bitset: wake 1 -> %ld\n", fx(&w, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 1));
	printf("bitset: wake 2 -> %ld\n", fx(&w, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 2));
	printf("bitset: plain wake -> %ld\n", fx(&w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0));
	join_all(ws, 5, "bitset");
}

/* Linux quirks: a FUTEX_WAKE of 0 (or a negative count) wakes one waiter, and so does
 * FUTEX_WAKE_OP's first count of 0. */
static void test_wake_zero(void)
{
	static atomic_uint z, w;
	struct waiter ws[3];

	start_waiters(ws, 3, &z, NULL, 1);
	gather(&z, &w, 3, 1);
	printf("wake 0 -> %ld\n", fx(&w, FUTEX_WAKE_PRIVATE, 0, NULL, NULL, 0));
	printf("wake -1 -> %ld\n", fx(&w, FUTEX_WAKE_PRIVATE, -1, NULL, NULL, 0));
	printf("wake_op 0, 0 -> %ld\n", fx(&w, FUTEX_WAKE_OP_PRIVATE, 0, 0, &z,
					     FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_NE, 0)));
	printf("wake_zero: left %ld\n", fx(&w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0));
	join_all(ws, 3, "wake_zero");
}

/* 5. A private and a shared futex on the same private word are different futexes
 * (Linux keys them apart), and each still meets its own kind. */
static void test_mixed(void)
{
	static atomic_uint m, m2;
	struct waiter ws[2];

	start_waiters(ws, 1, &m, NULL, 0);
	gather(&m, &m2, 1, 0);
	start_waiters(ws + 1, 1, &m, NULL, 1);
	gather(&m, &m2, 1, 1);
	long r1, r2;

	r1 = fx(&m2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	r2 = fx(&m2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	printf("mixed: private wakes %ld, %ld\n", r1, r2);
	r1 = fx(&m2, FUTEX_WAKE, 1, NULL, NULL, 0);
	r2 = fx(&m2, FUTEX_WAKE, 1, NULL, NULL, 0);
	printf("mixed: shared wakes %ld, %ld\n", r1, r2);
	join_all(ws, 2, "mixed");
}

/* 6. Two processes over MAP_SHARED anonymous memory: shared futexes meet, private
 * ones do not; MAP_PRIVATE memory after fork is not shared at all. */
struct shm {
	atomic_uint word, to, flag, done;
	atomic_uint priv_word;
	long child_r;
	int child_err;
};

static void test_processes(void)
{
	struct shm *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			     -1, 0);
	static atomic_uint cow;
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	long total;
	pid_t c;
	int st;

	CHECK(s != MAP_FAILED);
	/* Shared: the child waits, the parent gathers it onto another word and wakes it. */
	c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		long r = fx(&s->word, FUTEX_WAIT, 0, NULL, NULL, 0);

		_exit(r == 0 ? 0 : 10 + errno);
	}
	gather(&s->word, &s->to, 1, 0);
	printf("shared: wake %ld\n", fx(&s->to, FUTEX_WAKE, 1, NULL, NULL, 0));
	CHECK(waitpid(c, &st, 0) == c);
	printf("shared: child exit %d\n", WEXITSTATUS(st));

	/* Shared word written by the other process: the child's wait sees the new value. */
	atomic_store(&s->word, 1);
	c = fork();
	if (c == 0)
		_exit(fx(&s->word, FUTEX_WAIT, 0, NULL, NULL, 0) < 0 && errno == EAGAIN ? 0 : 1);
	CHECK(waitpid(c, &st, 0) == c);
	printf("shared: child saw the parent's write (EAGAIN) %d\n", WEXITSTATUS(st) == 0);

	/* Private: the child waits with FUTEX_PRIVATE_FLAG until a timeout; the parent's
	 * private wakes on the same shared word meanwhile reach nobody. */
	c = fork();
	if (c == 0) {
		atomic_store(&s->flag, 1);
		s->child_r = fx(&s->priv_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		s->child_err = errno;
		atomic_store(&s->done, 1);
		_exit(0);
	}
	while (!atomic_load(&s->flag))
		sched_yield();
	total = 0;
	while (!atomic_load(&s->done)) {
		total += fx(&s->priv_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		usleep(1000);
	}
	CHECK(waitpid(c, &st, 0) == c);
	errno = s->child_err;
	printf("private: parent woke %ld, child's wait %s\n", total, res(s->child_r));

	/* MAP_PRIVATE memory after fork: a shared futex on it is the process's own. */
	atomic_store(&s->flag, 0);
	atomic_store(&s->done, 0);
	c = fork();
	if (c == 0) {
		atomic_store(&s->flag, 1);
		s->child_r = fx(&cow, FUTEX_WAIT, 0, &ts, NULL, 0);
		s->child_err = errno;
		atomic_store(&s->done, 1);
		_exit(0);
	}
	while (!atomic_load(&s->flag))
		sched_yield();
	total = 0;
	while (!atomic_load(&s->done)) {
		total += fx(&cow, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		usleep(1000);
	}
	CHECK(waitpid(c, &st, 0) == c);
	errno = s->child_err;
	printf("cow: parent woke %ld, child's wait %s\n", total, res(s->child_r));

	/* Shared futex, many processes: 8 children wait, one FUTEX_WAKE wakes them all. */
	atomic_store(&s->word, 0);
	atomic_store(&s->to, 0);
	pid_t kids[8];

	for (int i = 0; i < 8; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(fx(&s->word, FUTEX_WAIT, 0, NULL, NULL, 0) == 0 ? 0 : 1);
	}
	gather(&s->word, &s->to, 8, 0);
	printf("shared: wake 8 processes %ld\n", fx(&s->to, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
	int ok = 0;

	for (int i = 0; i < 8; i++) {
		CHECK(waitpid(kids[i], &st, 0) == kids[i]);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	printf("shared: %d processes woke with 0\n", ok);
	munmap(s, 4096);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_errors();
	test_requeue();
	test_wake_op();
	test_bitset();
	test_wake_zero();
	test_mixed();
	fflush(stdout);
	test_processes();
	printf("futex done\n");
	return 0;
}
