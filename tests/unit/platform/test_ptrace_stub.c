/*
 * What only the ptrace platform has: stub processes. What a stub holds (one
 * descriptor, no Sentry memory, its seccomp filter), the stub page's range kept out of
 * reach, stub threads per Sentry thread (address spaces made and used from other
 * threads), teardown reaping the stub, stubs made ahead by the pool, a killed stub,
 * signals from outside.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform_test.h"
#include "ptrace_platform.h"

CODE(code_getpid, "mov $39, %eax\n syscall\n mov $60, %eax\n syscall\n");
CODE(code_store_twice,
     "movl $0xdeadbeef, 0x600100\n mov $39, %eax\n syscall\n"
     "movl $1, 0x600100\n mov $39, %eax\n syscall\n");
CODE(code_spin, "1: jmp 1b\n");
CODE(code_getpid_loop, "1: mov $39, %eax\n syscall\n jmp 1b\n");

START_TEST(test_stub_one_fd)
{
	enum ptrace_sm_mode mode = ptrace_sysmsg_mode();
	char path[64], link[256];
	struct dirent *d;
	struct env e;
	int n = 0;
	DIR *dir;

	env_setup(&e, code_getpid, code_getpid_end);
	snprintf(path, sizeof(path), "/proc/%d/fd", ptrace_as_pid(e.as));
	dir = opendir(path);
	ck_assert_ptr_nonnull(dir);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		/* With sysmsg the slots' file is 4; a stub ready for it (at once when
		 * contexts start there) has its reply pipe as 5 (and 0, the end the
		 * Sentry took a copy of). */
		if (mode == PTRACE_SM_OFF ||
		    (strcmp(d->d_name, "4") &&
		     (mode != PTRACE_SM_ALWAYS ||
		      (strcmp(d->d_name, "5") && strcmp(d->d_name, "0")))))
			ck_assert_str_eq(d->d_name, "3");
		n++;
	}
	closedir(dir);
	ck_assert_int_eq(n, mode == PTRACE_SM_ALWAYS ? 4 : mode == PTRACE_SM_AUTO ? 2 : 1);
	snprintf(path, sizeof(path), "/proc/%d/fd/3", ptrace_as_pid(e.as));
	n = readlink(path, link, sizeof(link) - 1);
	ck_assert_int_gt(n, 0);
	link[n] = 0;
	ck_assert_msg(strstr(link, "memfd:sbx-test-mem"), "fd 3 is %s", link);
	env_teardown(&e);
}
END_TEST

START_TEST(test_stub_maps)
{
	static const unsigned long allowed[] = {
		CODE_ADDR, DATA_ADDR, RO_ADDR, STUB_ADDR, 0xffffffffff600000UL,
	};
	unsigned long start, end;
	char path[64], line[512];
	const struct plat_as_op same[] = {
		{ .kind = PLAT_AS_PROTECT, .prot = PROT_READ, .addr = RO_ADDR, .len = 0x1000 },
		{ .kind = PLAT_AS_PROTECT, .prot = PROT_READ | PROT_WRITE, .addr = DATA_ADDR,
		  .len = 0x1000 },
	};
	bool sm = ptrace_sysmsg_mode() == PTRACE_SM_ALWAYS;
	bool seen_stub = false, seen_table = false;
	struct env e;
	size_t i;
	FILE *f;

	env_setup(&e, code_getpid, code_getpid_end);
	/* A batch by the context's thread: with a sysmsg file, through the table page
	 * (with contexts born in sysmsg, through the request page instead). */
	ck_assert_int_eq(plat_as_apply(e.p, e.as, same, 2), 0);
	snprintf(path, sizeof(path), "/proc/%d/maps", ptrace_as_pid(e.as));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		ck_assert_int_eq(sscanf(line, "%lx-%lx", &start, &end), 2);
		if (sm && start == STUB_REQ_ADDR) {
			/* The request page, read-only; then the reply page. */
			ck_assert_msg(!strncmp(line + 26, "r--s", 4), "request %s", line);
			continue;
		}
		if (sm && start == STUB_REQ_ADDR + STUB_PAGE_SIZE) {
			ck_assert_msg(!strncmp(line + 26, "rw-s", 4), "reply %s", line);
			continue;
		}
		if (ptrace_sysmsg_mode() != PTRACE_SM_OFF && start == STUB_TABLE_ADDR) {
			/* The table page, read-only, shared with the Sentry. */
			ck_assert_uint_eq(end - start, STUB_PAGE_SIZE);
			ck_assert_msg(!strncmp(line + 26, "r--s", 4), "table %s", line);
			seen_table = true;
			continue;
		}
		if (sm && start >= STUB_SYSMSG_BASE && end <= STUB_TASK_TOP) {
			/* A context's slot: shared, never executable. */
			ck_assert_uint_eq(end - start, STUB_SLOT_SIZE);
			ck_assert_msg(!strncmp(line + 26, "rw-s", 4), "slot %s", line);
			continue;
		}
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (start == allowed[i])
				break;
		ck_assert_msg(i < sizeof(allowed) / sizeof(allowed[0]), "stray map %s", line);
		ck_assert_uint_eq(end - start, 0x1000);
		if (start == STUB_ADDR) {
			ck_assert_msg(!strncmp(line + 26, "r-xp", 4), "stub page %s", line);
			seen_stub = true;
		}
	}
	fclose(f);
	ck_assert(seen_stub);
	ck_assert_int_eq(seen_table, ptrace_sysmsg_mode() == PTRACE_SM_AUTO);

	snprintf(path, sizeof(path), "/proc/%d/status", ptrace_as_pid(e.as));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	i = 0;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "Seccomp:\t2\n") || !strcmp(line, "NoNewPrivs:\t1\n"))
			i++;
	fclose(f);
	ck_assert_int_eq(i, 2);
	env_teardown(&e);
}
END_TEST

START_TEST(test_stub_range)
{
	struct env e;

	env_setup(&e, code_getpid, code_getpid_end);
	ck_assert_errno(plat_as_map(e.p, e.as, STUB_ADDR, 0x1000, PROT_READ, 0), EINVAL);
	ck_assert_errno(plat_as_unmap(e.p, e.as, STUB_ADDR, 0x1000), EINVAL);
	ck_assert_errno(plat_as_protect(e.p, e.as, STUB_ADDR, 0x1000, PROT_READ), EINVAL);
	/* One stub thread per Sentry thread and address space. */
	ck_assert_errno(plat_ctx_new(e.p, e.as, &(struct plat_ctx *){ NULL }), EBUSY);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	env_teardown(&e);
}
END_TEST

/* Address spaces made by other threads while this one's context runs. */
START_TEST(test_as_from_other_threads)
{
	struct other o[2];
	pthread_t th[2];
	struct env e;
	int i;

	env_setup(&e, code_getpid, code_getpid_end);
	for (i = 0; i < 2; i++) {
		o[i] = (struct other){ .e = &e };
		ck_assert_int_eq(pthread_create(&th[i], NULL, env_other_thread, &o[i]), 0);
	}
	env_run_expect(&e, PLAT_EV_SYSCALL);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(o[i].err, 0);
		/* No context of this thread there: refused, not a ptrace error; a stub
		 * ready for sysmsg maps through its spawner for any thread. */
		if (ptrace_sysmsg_mode() == PTRACE_SM_ALWAYS)
			ck_assert_int_eq(plat_as_map(e.p, o[i].as, 0x800000, 0x1000,
						     PROT_READ, 0), 0);
		else
			ck_assert_errno(plat_as_map(e.p, o[i].as, 0x800000, 0x1000,
						    PROT_READ, 0), EPERM);
		plat_as_destroy(e.p, o[i].as);
	}
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 60);
	env_teardown(&e);
}
END_TEST

/* A context of the caller in @as: runs the code at CODE_ADDR to its first syscall. */
static int run_ctx_once(struct env *e, struct plat_as *as, uint64_t *nr)
{
	struct plat_regs regs;
	struct plat_event ev;
	struct plat_ctx *ctx;
	int err = plat_ctx_new(e->p, as, &ctx);

	if (err)
		return err;
	env_init_regs(&regs);
	err = plat_ctx_switch(e->p, ctx, &regs, &ev);
	if (!err && ev.kind != PLAT_EV_SYSCALL)
		err = -EPROTO;
	*nr = regs.orig_rax;
	/* The caller's stub thread is now inside the address space: map through it. */
	if (!err)
		err = plat_as_map(e->p, as, 0x800000, 0x1000, PROT_READ, 0);
	plat_ctx_destroy(e->p, ctx);
	return err;
}

struct sibling {
	struct env *e;
	uint64_t nr;
	int err;
};

static void *sibling_thread(void *arg)
{
	struct sibling *s = arg;

	s->err = run_ctx_once(s->e, s->e->as, &s->nr);
	return NULL;
}

/* Threads of host process @pid, from /proc; -1 if it is gone. */
static int task_count(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* Threads: contexts of several Sentry threads in one address space, each its own
 * stub thread, made while the first context runs or is stopped. */
START_TEST(test_contexts_share_as)
{
	enum ptrace_sm_mode mode = ptrace_sysmsg_mode();
	struct sibling sib[3];
	pthread_t th[3];
	struct env e;
	int i;

	env_setup(&e, code_store_twice, code_store_twice_end);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(*(uint32_t *)(e.mem + DATA_OFF + 0x100), 0xdeadbeef);
	/* The first context runs on the stub's first thread, alone (with every context
	 * in sysmsg, the spawner's loop clones them all), until its owner makes the
	 * spawner the next contexts need; once. */
	ck_assert_int_eq(task_count(ptrace_as_pid(e.as)), mode == PTRACE_SM_ALWAYS ? 2 : 1);
	ck_assert_int_eq(plat_as_share(e.p, e.as, e.ctx), 0);
	ck_assert_int_eq(task_count(ptrace_as_pid(e.as)), 2);
	ck_assert_int_eq(plat_as_share(e.p, e.as, e.ctx), 0);
	ck_assert_int_eq(task_count(ptrace_as_pid(e.as)), 2);
	for (i = 0; i < 3; i++) {
		sib[i] = (struct sibling){ .e = &e };
		ck_assert_int_eq(pthread_create(&th[i], NULL, sibling_thread, &sib[i]), 0);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(sib[i].err, 0);
		ck_assert_uint_eq(sib[i].nr, 39);
	}
	/* Every sibling's thread exited: the spawner and the first context remain. */
	ck_assert_int_eq(task_count(ptrace_as_pid(e.as)), 2);
	/* The first context carries on where it was. */
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(*(uint32_t *)(e.mem + DATA_OFF + 0x100), 1);
	/* A second context of one thread in one address space is refused. */
	ck_assert_errno(plat_ctx_new(e.p, e.as, &(struct plat_ctx *){ NULL }), EBUSY);
	env_teardown(&e);
}
END_TEST

/*
 * Exec's kept stub (as_reuse): the context's FPU state is the initial one when it
 * next runs or is read, reset in the stub with the batch that maps the new program,
 * or without one on its own.
 */
START_TEST(test_reuse_resets_fpstate)
{
	static const uint8_t pattern[16] = "sbx-xmm0-pattern", zero[16];
	const uint32_t mxcsr = 0xff80;		/* toward zero, flush to zero */
	const struct plat_as_op ops[2] = {
		{ .kind = PLAT_AS_UNMAP, .addr = RO_ADDR, .len = 0x1000 },
		{ .kind = PLAT_AS_MAP, .prot = PROT_READ, .addr = RO_ADDR, .len = 0x1000,
		  .file_off = RO_OFF },
	};
	struct env e;
	uint8_t *buf;
	size_t n;

	env_setup(&e, code_getpid_loop, code_getpid_loop_end);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	n = e.p->fpstate_size;
	buf = calloc(1, n);
	ck_assert_ptr_nonnull(buf);
	for (int batch = 0; batch < 2; batch++) {
		ck_assert_int_eq(plat_ctx_get_fpstate(e.p, e.ctx, buf, n), 0);
		memcpy(buf + 160, pattern, sizeof(pattern));	/* xmm0 */
		memcpy(buf + 24, &mxcsr, sizeof(mxcsr));
		if (n > 512)
			buf[512] |= 2;		/* xstate_bv: SSE state present */
		ck_assert_int_eq(plat_ctx_set_fpstate(e.p, e.ctx, buf, n), 0);
		ck_assert_int_eq(plat_as_reuse(e.p, e.as, e.ctx), 0);
		if (batch)
			ck_assert_int_eq(plat_as_apply(e.p, e.as, ops, 2), 0);
		memset(buf, 0xa5, n);
		ck_assert_int_eq(plat_ctx_get_fpstate(e.p, e.ctx, buf, n), 0);
		ck_assert_uint_eq(*(uint16_t *)buf, 0x37f);
		ck_assert_uint_eq(*(uint32_t *)(buf + 24), 0x1f80);
		ck_assert_mem_eq(buf + 160, zero, sizeof(zero));
		env_run_expect(&e, PLAT_EV_SYSCALL);
	}
	free(buf);
	env_teardown(&e);
}
END_TEST

/* An address space made by another thread takes a context of this one later. */
START_TEST(test_ctx_in_foreign_as)
{
	struct other o = { 0 };
	pthread_t th;
	struct env e;
	uint64_t nr = 0;

	env_setup(&e, code_getpid, code_getpid_end);
	o.e = &e;
	ck_assert_int_eq(pthread_create(&th, NULL, env_other_thread, &o), 0);
	pthread_join(th, NULL);
	ck_assert_int_eq(o.err, 0);
	ck_assert_int_eq(run_ctx_once(&e, o.as, &nr), 0);
	ck_assert_uint_eq(nr, 39);
	plat_as_destroy(e.p, o.as);
	env_teardown(&e);
}
END_TEST


/*
 * Destroyed stubs go, whether made on the spot or taken from the pool. A pooled
 * stub's spawner is not traced by its taker, so the template reaps it a moment
 * after the kill: the test waits for that (bounded by the case's timeout).
 */
START_TEST(test_as_destroy_reaps)
{
	struct plat_as *as;
	struct env e;
	pid_t pid;
	int i;

	env_open(&e);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(plat_as_new(e.p, &as), 0);
		pid = ptrace_as_pid(as);
		ck_assert_int_eq(kill(pid, 0), 0);
		plat_as_destroy(e.p, as);
		while (kill(pid, 0) == 0)
			usleep(1000);
		ck_assert_int_eq(errno, ESRCH);
	}
	env_teardown(&e);
}
END_TEST

/*
 * The pool: a stub it made comes with its first thread (two host threads before any
 * context), every stub is a new process, and the first thread becomes the context
 * that runs code. Waits for the pool to fill (bounded by the case's timeout).
 */
START_TEST(test_pool_stub)
{
	struct plat_as *as;
	struct env e;
	pid_t pids[64];
	int n = 0;

	setenv("SBX_STUB_POOL", "1", 1);        /* off by default (ptrace_pool.c) */
	env_open(&e);
	memcpy(e.mem + CODE_OFF, code_getpid, code_getpid_end - code_getpid);
	for (;;) {
		ck_assert_int_lt(n, 64);
		ck_assert_int_eq(plat_as_new(e.p, &as), 0);
		pids[n] = ptrace_as_pid(as);
		for (int i = 0; i < n; i++)
			ck_assert_int_ne(pids[i], pids[n]);
		n++;
		/* In sysmsg mode a stub's one thread before any context is its
		 * spawner, whoever made it: any stub will do. */
		if (task_count(ptrace_as_pid(as)) ==
		    (ptrace_sysmsg_mode() == PTRACE_SM_ALWAYS ? 1 : 2))
			break;
		plat_as_destroy(e.p, as);
		usleep(20000);
	}
	e.as = as;
	ck_assert_int_eq(plat_as_map(e.p, as, CODE_ADDR, 0x1000, PROT_READ | PROT_EXEC,
				     CODE_OFF), 0);
	ck_assert_int_eq(plat_ctx_new(e.p, as, &e.ctx), 0);
	ck_assert_int_eq(task_count(ptrace_as_pid(as)), 2);
	env_init_regs(&e.regs);
	ck_assert_uint_eq(env_run_expect(&e, PLAT_EV_SYSCALL).kind, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 39);
	env_teardown(&e);
}
END_TEST

/* With a context made and destroyed, the stub is not waited for, but it does end:
 * the template reaps it. */
START_TEST(test_as_destroy_after_ctx)
{
	struct plat_ctx *ctx;
	struct pollfd pfd;
	struct env e;
	pid_t pid;

	env_setup(&e, code_getpid, code_getpid_end);
	ck_assert_int_eq(plat_ctx_new(e.p, e.as, &ctx), -EBUSY);
	pid = ptrace_as_pid(e.as);
	pfd = (struct pollfd){ .fd = syscall(SYS_pidfd_open, pid, 0), .events = POLLIN };
	ck_assert_int_ge(pfd.fd, 0);
	env_teardown(&e);
	ck_assert_int_eq(poll(&pfd, 1, -1), 1);
	close(pfd.fd);
}
END_TEST

START_TEST(test_stub_killed)
{
	struct env e;
	struct plat_event ev;

	env_setup(&e, code_getpid, code_getpid_end);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	kill(ptrace_as_pid(e.as), SIGKILL);
	ev = env_run(&e);
	ck_assert_int_eq(ev.kind, PLAT_EV_DEAD);
	ck_assert_int_eq(env_run(&e).kind, PLAT_EV_DEAD);
	ck_assert_errno(plat_as_map(e.p, e.as, 0x800000, 0x1000, PROT_READ, 0), ESRCH);
	env_teardown(&e);
}
END_TEST

START_TEST(test_foreign_signal_ignored)
{
	struct interrupter in;
	pthread_t th;
	struct env e;

	env_setup(&e, code_spin, code_spin_end);
	/* A SIGSEGV from kill(2) is no fault: the switch drops it and runs on. */
	kill(ptrace_as_pid(e.as), SIGSEGV);
	kill(ptrace_as_pid(e.as), SIGUSR1);
	in = (struct interrupter){ &e, 100000 };
	ck_assert_int_eq(pthread_create(&th, NULL, env_interrupt_later, &in), 0);
	env_run_expect(&e, PLAT_EV_INTERRUPT);
	pthread_join(th, NULL);
	env_teardown(&e);
}
END_TEST

/* TracerPid of context @ctx's stub thread. */
static int ctx_tracer(struct plat_ctx *ctx)
{
	char path[96], line[256];
	int tracer = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", to_ptrace_ctx(ctx)->pid,
		 to_ptrace_ctx(ctx)->tid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "TracerPid: %d", &tracer);
	fclose(f);
	return tracer;
}

/*
 * By default a context starts traced and, once it makes syscalls often (this loop:
 * SM_PROMOTE_AFTER of them in less than SM_PROMOTE_NS, unless the machine is very
 * busy: it is given many windows), goes on untraced in sysmsg: its registers and FPU
 * state carried over, an interrupt still an interrupt, its syscalls still syscalls.
 * With sysmsg off it stays traced; with contexts born in sysmsg it never was.
 */
START_TEST(test_promote)
{
	static const uint8_t pattern[16] = "sbx-promote-xmm0";
	enum ptrace_sm_mode mode = ptrace_sysmsg_mode();
	const uint64_t mark = 0x1234567890abcdefULL;
	struct env e;
	uint8_t *fp;
	size_t n;

	env_setup(&e, code_getpid_loop, code_getpid_loop_end);
	n = e.p->fpstate_size;
	fp = calloc(1, n);
	ck_assert_ptr_nonnull(fp);
	for (int i = 0; i < SM_PROMOTE_AFTER * 64; i++) {
		if (i > SM_PROMOTE_AFTER * 2 && i % SM_PROMOTE_AFTER == 8 &&
		    (mode == PTRACE_SM_OFF || !ctx_tracer(e.ctx)))
			break;
		if (i == SM_PROMOTE_AFTER - 1) {
			ck_assert_int_eq(ctx_tracer(e.ctx) != 0, mode != PTRACE_SM_ALWAYS);
			ck_assert_int_eq(plat_ctx_get_fpstate(e.p, e.ctx, fp, n), 0);
			memcpy(fp + 160, pattern, sizeof(pattern));	/* xmm0 */
			if (n > 512)
				fp[512] |= 2;		/* xstate_bv: SSE state present */
			ck_assert_int_eq(plat_ctx_set_fpstate(e.p, e.ctx, fp, n), 0);
			e.regs.r12 = mark;
		}
		e.regs.rax = 1000 + i;
		env_run_expect(&e, PLAT_EV_SYSCALL);
		ck_assert_uint_eq(e.regs.orig_rax, 39);
	}
	ck_assert_int_eq(ctx_tracer(e.ctx) != 0, mode == PTRACE_SM_OFF);
	ck_assert_uint_eq(e.regs.r12, mark);
	ck_assert_uint_eq(e.regs.rip, CODE_ADDR + 7);	/* past the syscall */
	memset(fp, 0, n);
	ck_assert_int_eq(plat_ctx_get_fpstate(e.p, e.ctx, fp, n), 0);
	ck_assert_mem_eq(fp + 160, pattern, sizeof(pattern));
	plat_ctx_interrupt(e.p, e.ctx);
	env_run_expect(&e, PLAT_EV_INTERRUPT);
	env_run_expect(&e, PLAT_EV_SYSCALL);
	ck_assert_uint_eq(e.regs.orig_rax, 39);
	free(fp);
	env_teardown(&e);
}
END_TEST

TCase *stub_tcase(void)
{
	TCase *tc = tcase_create("stub");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stub_one_fd);
	tcase_add_test(tc, test_stub_maps);
	tcase_add_test(tc, test_stub_range);
	tcase_add_test(tc, test_as_from_other_threads);
	tcase_add_test(tc, test_contexts_share_as);
	tcase_add_test(tc, test_ctx_in_foreign_as);
	tcase_add_test(tc, test_reuse_resets_fpstate);
	tcase_add_test(tc, test_as_destroy_reaps);
	tcase_add_test(tc, test_pool_stub);
	tcase_add_test(tc, test_as_destroy_after_ctx);
	tcase_add_test(tc, test_stub_killed);
	tcase_add_test(tc, test_foreign_signal_ignored);
	tcase_add_test(tc, test_promote);
	return tc;
}
