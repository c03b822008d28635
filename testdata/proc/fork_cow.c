/*
 * fork_cow: what a forked child and its parent see of each other's memory. Private
 * memory of every size (static data, a 64 KiB and a 512 KiB mapping, the stack, the
 * heap) is the parent's at the fork and then each side's own; MAP_SHARED anonymous
 * memory stays one. Checked from a single-threaded parent and from one with a second
 * thread running (the Sentry copies small pieces at the fork for the first, shares
 * them copy-on-write for the second), for a grandchild, and over many rounds, so that
 * memory freed by exited children is handed out again.
 *   fork_cow        the checks, then "done"
 *   fork_cow cr     zdtm form (testdata/cr/cr.h): a child forked before the ready
 *                   mark checks its memory after the restore, then the rounds run.
 */
#include "../cr/cr.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define SMALL (64 << 10)
#define BIG (512 << 10)

static unsigned char data_area[12 << 10] = { 1 };
static unsigned char *small, *big, *shared, *heap;
static int failures;

static void fill(int tag)
{
	memset(data_area, tag, sizeof(data_area));
	memset(small, tag + 1, SMALL);
	memset(big, tag + 2, BIG);
	memset(heap, tag + 3, 8192);
}

static int all(const unsigned char *p, size_t n, int v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)v)
			return 0;
	return 1;
}

/* 0 when the private areas all hold @tag's pattern, else a bit per area. */
static int check(int tag)
{
	return (!all(data_area, sizeof(data_area), tag)) |
	       (!all(small, SMALL, tag + 1)) << 1 |
	       (!all(big, BIG, tag + 2)) << 2 |
	       (!all(heap, 8192, tag + 3)) << 3;
}

static void expect(const char *what, int got)
{
	if (got) {
		printf("%s: bad areas %#x\n", what, got);
		failures++;
	}
}

/*
 * One fork: the child sees tag @t as it was, the parent writes t+10 meanwhile, the
 * child writes t+20 and the shared page; each side keeps its own. @depth > 0: the
 * child forks once more before exiting. Returns the child's exit status.
 */
static int round_trip(int t, int depth)
{
	int go[2], st;
	volatile int on_stack = t;
	char c;
	pid_t pid;

	fill(t);
	if (pipe(go))
		return -1;
	pid = fork();
	if (pid == 0) {
		int bad;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(99);
		bad = check(t) | (on_stack != t) << 4;
		fill(t + 20);
		on_stack = t + 20;
		bad |= check(t + 20) << 5;
		if (depth > 0 && round_trip(t + 1, depth - 1))
			bad |= 1 << 6;
		shared[0] = (unsigned char)(t + 20);
		_exit(bad);
	}
	close(go[0]);
	fill(t + 10);
	on_stack = t + 10;
	if (write(go[1], "g", 1) != 1)
		return -1;
	close(go[1]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	expect("parent after the child", check(t + 10) | (on_stack != t + 10) << 4);
	if (shared[0] != (unsigned char)(t + 20)) {
		printf("shared page not shared\n");
		failures++;
	}
	return WEXITSTATUS(st);
}

static int quit[2];

static void *idler(void *arg)
{
	char c;

	(void)arg;
	return read(quit[0], &c, 1) < 0 ? arg : NULL;
}

static void rounds(const char *what, int n)
{
	for (int i = 0; i < n; i++) {
		int st = round_trip(1 + i % 50, i % 4 == 0);

		if (st) {
			printf("%s round %d: child says %#x\n", what, i, st);
			failures++;
		}
	}
	printf("%s: %d rounds\n", what, n);
}

int main(int argc, char **argv)
{
	bool cr = argc > 1 && !strcmp(argv[1], "cr");
	pthread_t th;
	int go[2] = { -1, -1 }, st;
	pid_t early = -1;

	small = mmap(NULL, SMALL, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	heap = malloc(8192);
	if (small == MAP_FAILED || big == MAP_FAILED || shared == MAP_FAILED || !heap)
		return 2;
	if (cr) {
		cr_arm();
		fill(60);
		if (pipe(go))
			return 2;
		early = fork();
		if (early == 0) {
			char c;

			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(99);
			_exit(check(60));
		}
		close(go[0]);
		rounds("before", 8);    /* children exit: freed memory to reuse */
		fill(70);
		cr_say("ready\n");
		cr_wait();
		if (write(go[1], "g", 1) != 1 || waitpid(early, &st, 0) != early ||
		    !WIFEXITED(st))
			return 1;
		expect("early child", WEXITSTATUS(st));
		expect("parent after restore", check(70));
	}
	rounds("single-threaded", 24);
	if (pipe(quit) || pthread_create(&th, NULL, idler, NULL))
		return 2;
	rounds("two threads", 12);
	close(quit[1]);
	pthread_join(th, NULL);
	rounds("single-threaded again", 6);
	printf("done, %d failures\n", failures);
	return failures != 0;
}
