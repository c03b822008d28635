/*
 * The platform tests' fixture and runner body, shared by the ptrace runner
 * (test_ptrace.c) and the kvm runner (tests/unit/kvm/test_kvm.c): a memory file the
 * test maps too, an address space with code, data and a read-only page, one context.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform_test.h"

const char *env_platform;

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
	ck_assert_int_eq(plat_open(env_platform, e->memfd, &e->p), 0);
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

	ck_assert_msg(ev.kind == kind, "event %d (signo %d code %d addr %#lx trapno %lu, "
		      "rip %#lx), want %d", ev.kind, ev.signo, ev.code,
		      (unsigned long)ev.addr, (unsigned long)ev.trapno,
		      (unsigned long)e->regs.rip, kind);
	return ev;
}

void *env_interrupt_later(void *arg)
{
	struct interrupter *in = arg;

	usleep(in->delay);
	plat_ctx_interrupt(in->e->p, in->e->ctx);
	return NULL;
}

void *env_other_thread(void *arg)
{
	struct other *o = arg;
	struct plat_regs regs;
	struct plat_event ev;
	struct plat_ctx *ctx;
	struct env *e = o->e;

	o->err = plat_as_new(e->p, &o->as);
	if (o->err)
		return NULL;
	o->err = plat_as_map(e->p, o->as, CODE_ADDR, 0x1000, PROT_READ | PROT_EXEC, CODE_OFF);
	if (!o->err)
		o->err = plat_ctx_new(e->p, o->as, &ctx);
	if (o->err)
		return NULL;
	env_init_regs(&regs);
	o->err = plat_ctx_switch(e->p, ctx, &regs, &ev);
	if (!o->err && (ev.kind != PLAT_EV_SYSCALL || regs.orig_rax != 39))
		o->err = -EPROTO;
	plat_ctx_destroy(e->p, ctx);
	return NULL;
}

int env_main(const char *platform, const char *suite, TCase *own)
{
	Suite *s = suite_create(suite);
	SRunner *sr;
	int failed;

	env_platform = platform;
	suite_add_tcase(s, events_tcase());
	suite_add_tcase(s, as_tcase());
	if (own)
		suite_add_tcase(s, own);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
