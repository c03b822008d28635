/*
 * The platform's unit-test runner and fixture. Tests drive the real ptrace platform:
 * stub processes, injected mmaps, PTRACE_SYSEMU. Exits 77 (CTest skip) where ptrace
 * is unavailable, e.g. under a seccomp profile or Yama that forbids it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform_test.h"

void env_init_regs(struct plat_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->rip = CODE_ADDR;
	r->rsp = DATA_ADDR + 0xff0;
	r->cs = 0x33;
	r->ss = 0x2b;
	r->eflags = 0x202;
}

void env_open(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->memfd = memfd_create("sbx-test-mem", MFD_CLOEXEC);
	ck_assert_int_ge(e->memfd, 0);
	ck_assert_int_eq(ftruncate(e->memfd, MEM_SIZE), 0);
	e->mem = mmap(NULL, MEM_MAPPED, PROT_READ | PROT_WRITE, MAP_SHARED, e->memfd, 0);
	ck_assert_ptr_ne(e->mem, MAP_FAILED);
	ck_assert_int_eq(plat_open("ptrace", e->memfd, &e->p), 0);
	ck_assert_uint_eq(e->p->max_user_addr, 0x7fffff000000UL);
}

void env_setup(struct env *e, const char *code, const char *code_end)
{
	env_open(e);
	memcpy(e->mem + CODE_OFF, code, code_end - code);
	ck_assert_int_eq(plat_as_new(e->p, &e->as), 0);
	ck_assert_int_eq(plat_as_map(e->p, e->as, CODE_ADDR, 0x1000, PROT_READ | PROT_EXEC,
				     CODE_OFF), 0);
	ck_assert_int_eq(plat_as_map(e->p, e->as, DATA_ADDR, 0x1000, PROT_READ | PROT_WRITE,
				     DATA_OFF), 0);
	ck_assert_int_eq(plat_as_map(e->p, e->as, RO_ADDR, 0x1000, PROT_READ, RO_OFF), 0);
	ck_assert_int_eq(plat_ctx_new(e->p, e->as, &e->ctx), 0);
	env_init_regs(&e->regs);
}

void env_teardown(struct env *e)
{
	if (e->ctx)
		plat_ctx_destroy(e->p, e->ctx);
	if (e->as)
		plat_as_destroy(e->p, e->as);
	if (e->p)
		plat_destroy(e->p);
	munmap(e->mem, MEM_MAPPED);
	close(e->memfd);
}

struct plat_event env_run(struct env *e)
{
	struct plat_event ev;

	ck_assert_int_eq(plat_ctx_switch(e->p, e->ctx, &e->regs, &ev), 0);
	return ev;
}

struct plat_event env_run_expect(struct env *e, enum plat_event_kind kind)
{
	struct plat_event ev = env_run(e);

	ck_assert_msg(ev.kind == kind, "event %d (signo %d code %d addr %#lx, rip %#lx), "
		      "want %d", ev.kind, ev.signo, ev.code, (unsigned long)ev.addr,
		      (unsigned long)e->regs.rip, kind);
	return ev;
}

static bool ptrace_usable(void)
{
	pid_t pid = fork();
	bool ok;
	int st;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	ok = ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0;
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	return ok;
}

int main(void)
{
	Suite *s = suite_create("platform");
	SRunner *sr;
	int failed;

	if (!ptrace_usable())
		return 77;
	suite_add_tcase(s, events_tcase());
	suite_add_tcase(s, stub_tcase());
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
