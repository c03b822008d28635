/*
 * The kvm platform's unit-test runner: the shared platform tests of
 * tests/unit/platform (test_events.c, test_as.c) on plat_open("kvm"). Tests drive
 * the real platform: a VM over the memory file, guest page tables, the trampoline,
 * KVM_RUN. Exits 77 (CTest skip) where /dev/kvm is absent or the platform cannot
 * start, after checking that plat_open("kvm") then fails cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform_test.h"
#include "kvm_platform.h"

/* CPUID in the guest exits to KVM, which answers it: never an event. */
bool env_cpuid_faults(const struct env *e)
{
	return false;
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
	if (!kvm_usable())
		return 77;
	return env_main("kvm", "platform_kvm", NULL);
}
