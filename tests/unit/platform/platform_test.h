/*
 * Shared by the platform test runners (tests/unit/platform for ptrace,
 * tests/unit/kvm for kvm): a fixture that opens the platform under test over a
 * memory file the test maps too, loads a snippet of machine code at CODE_ADDR, and
 * runs it; CODE(), which assembles such a snippet into the test's rodata; and the
 * test cases every platform must pass (test_events.c, test_as.c). Each runner
 * defines the hooks below and calls env_main() with its own test cases.
 */
#ifndef SBX_TEST_PLATFORM_H
#define SBX_TEST_PLATFORM_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "platform.h"

#define ck_assert_errno(expr, err) ck_assert_int_eq((expr), -(err))

/* The application's view: code, data (also the stack), a read-only page. */
#define CODE_ADDR	0x400000UL
#define DATA_ADDR	0x600000UL
#define RO_ADDR		0x601000UL
#define CODE_OFF	0x0UL
#define DATA_OFF	0x1000UL
#define RO_OFF		0x2000UL
#define MEM_SIZE	(1UL << 30)
#define MEM_MAPPED	0x10000UL

#define CODE(name, text)						\
	extern const char name[], name##_end[];				\
	asm(".pushsection .rodata\n" #name ":\n" text "\n" #name "_end:\n"	\
	    ".popsection\n")

struct env {
	int memfd;
	uint8_t *mem;			/* the first MEM_MAPPED bytes of the memory file */
	struct platform *p;
	struct plat_as *as;
	struct plat_ctx *ctx;
	struct plat_regs regs;
};

/* The platform under test, as plat_open() names it: set by env_main(). */
extern const char *env_platform;

void env_open(struct env *e);
void env_setup(struct env *e, const char *code, const char *code_end);
void env_teardown(struct env *e);
void env_init_regs(struct plat_regs *r);
struct plat_event env_run(struct env *e);
struct plat_event env_run_expect(struct env *e, enum plat_event_kind kind);

/* For pthread_create: plat_ctx_interrupt() on e's context after delay µs. */
struct interrupter {
	struct env *e;
	useconds_t delay;
};
void *env_interrupt_later(void *interrupter);

/*
 * For pthread_create: a second address space with the code page, made by another
 * thread, and one context of that thread run in it to its first syscall (getpid
 * expected). The space is left in ->as for the caller to destroy.
 */
struct other {
	struct env *e;
	struct plat_as *as;
	int err;
};
void *env_other_thread(void *other);

/*
 * Runs the suite named @suite on platform @platform: the shared test cases, then
 * @own (the runner's platform-specific case, or NULL), in Check's fork mode.
 * Returns the process's exit status.
 */
int env_main(const char *platform, const char *suite, TCase *own);

/* Defined by each runner: does CPUID in @e's address space stop with PLAT_EV_CPUID
 * (true) or run natively (false)? */
bool env_cpuid_faults(const struct env *e);

TCase *events_tcase(void);
TCase *as_tcase(void);
TCase *stub_tcase(void);	/* ptrace only: test_ptrace_stub.c */

#endif
