/*
 * The kvm platform's unit-test runner and fixture. Tests drive the real platform: a
 * VM over the memory file, guest page tables, the trampoline, KVM_RUN. Exits 77
 * (CTest skip) where /dev/kvm is absent or the platform cannot start, after checking
 * that plat_open("kvm") then fails cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_test.h"
#include "kvm_platform.h"

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
	ck_assert_int_eq(plat_open("kvm", e->memfd, &e->p), 0);
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

/*
 * Can the platform start here? Without /dev/kvm (or with a hypervisor that does not
 * run the trampoline) plat_open must fail with an errno and no crash: checked, then
 * the suite is skipped.
 */
static bool kvm_usable(void)
{
	struct platform *p;
	char why[160];
	int memfd, err;

	err = kvm_probe(why, sizeof(why));
	memfd = memfd_create("sbx-test-mem", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, MEM_SIZE)) {
		fprintf(stderr, "test_kvm: no memory file: %s\n", strerror(errno));
		exit(1);
	}
	if (err) {
		if (plat_open("kvm", memfd, &p) >= 0) {
			fprintf(stderr, "test_kvm: plat_open(kvm) succeeded without kvm\n");
			exit(1);
		}
		fprintf(stderr, "test_kvm: SKIP: %s\n", why);
		close(memfd);
		return false;
	}
	err = plat_open("kvm", memfd, &p);
	close(memfd);
	if (err) {
		fprintf(stderr, "test_kvm: SKIP: /dev/kvm is there but the kvm platform "
			"cannot start on it: %s (reason above)\n", strerror(-err));
		return false;
	}
	fprintf(stderr, "test_kvm: kvm platform mode: %s\n", kvm_mode_name(kvm_platform_mode(p)));
	plat_destroy(p);
	return true;
}

int main(void)
{
	Suite *s = suite_create("platform_kvm");
	SRunner *sr;
	int failed;

	if (!kvm_usable())
		return 77;
	suite_add_tcase(s, kvm_events_tcase());
	suite_add_tcase(s, kvm_as_tcase());
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
