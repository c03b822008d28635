/*
 * Shared by the kvm platform test files: the fixture of tests/unit/platform (a memory
 * file the test maps too, a snippet of code at CODE_ADDR, data and a read-only page)
 * on the kvm platform, and CODE(), which assembles a snippet into rodata.
 */
#ifndef SBX_TEST_KVM_H
#define SBX_TEST_KVM_H

#include <check.h>
#include <stdint.h>

#include "platform.h"

#define ck_assert_errno(expr, err) ck_assert_int_eq((expr), -(err))

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
	uint8_t *mem;
	struct platform *p;
	struct plat_as *as;
	struct plat_ctx *ctx;
	struct plat_regs regs;
};

void env_open(struct env *e);
void env_setup(struct env *e, const char *code, const char *code_end);
void env_teardown(struct env *e);
void env_init_regs(struct plat_regs *r);
struct plat_event env_run(struct env *e);
struct plat_event env_run_expect(struct env *e, enum plat_event_kind kind);

TCase *kvm_events_tcase(void);
TCase *kvm_as_tcase(void);

#endif
