/*
 * The KVM platform: opening /dev/kvm, telling kvm_pvm from hardware KVM, the VM and
 * its memory slots, the xsave geometry, and the Sentry's seccomp needs.
 *
 * plat_open("kvm") fails cleanly (an error and a reason on stderr, nothing left
 * behind) when /dev/kvm is absent or unusable; it never crashes.
 *
 * /dev/kvm must be opened before the Sentry pivots into its empty root: the caller
 * does plat_preopen("kvm") first and plat_open adopts that descriptor (README.md,
 * "Integration"); without it plat_open tries /dev/kvm itself.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kvm_platform.h"

#define KVM_CPUID_MAX_ENTRIES	256
#define PVM_SIGNATURE		0x4d5650	/* "PVM", CPUID 0x40000002 ebx */

static void kvm_platform_destroy(struct platform *p);

static const struct plat_ops kvm_ops = {
	.name = "kvm",
	.as_new = kvm_as_new,
	.as_destroy = kvm_as_destroy,
	.as_map = kvm_as_map,
	.as_unmap = kvm_as_unmap,
	.as_protect = kvm_as_protect,
	.as_cpu_time = kvm_as_cpu_time,
	.ctx_new = kvm_ctx_new,
	.ctx_destroy = kvm_ctx_destroy,
	.ctx_switch = kvm_ctx_switch,
	.ctx_interrupt = kvm_ctx_interrupt,
	.ctx_get_fpstate = kvm_ctx_get_fpstate,
	.ctx_set_fpstate = kvm_ctx_set_fpstate,
	.destroy = kvm_platform_destroy,
};

static int kvm_preopened_fd = -1;
static char kvm_pvm_native;		/* kvm_pvm's pvm_native: 'Y', 'N', 0 unread */

/* kvm_pvm's pvm_native parameter, 'Y' or 'N'; 0 without the module (or /sys). */
static char kvm_read_pvm_native(void)
{
	int fd = open("/sys/module/kvm_pvm/parameters/pvm_native", O_RDONLY | O_CLOEXEC);
	char c = 0;

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = 0;
		close(fd);
	}
	return c;
}

/* plat_preopen("kvm"): before the Sentry's root becomes empty, which takes /sys
 * with it (kvm_detect reads kvm_pvm's mode there). */
int kvm_platform_preopen(void)
{
	if (kvm_preopened_fd >= 0)
		return 0;
	kvm_pvm_native = kvm_read_pvm_native();
	kvm_preopened_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	return kvm_preopened_fd < 0 ? -errno : 0;
}

void kvm_fatal(struct kvm_platform *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sbx: kvm platform: %s\n", p->why);
}

const char *kvm_mode_name(enum kvm_mode m)
{
	return m == KVM_MODE_PVM ? "PVM" : m == KVM_MODE_VMX ? "VMX/SVM" : "kvm_pvm native";
}

enum kvm_mode kvm_platform_mode(const struct platform *p)
{
	return ((const struct kvm_platform *)p)->mode;
}

static int kvm_open_dev(void)
{
	int fd;

	struct stat st;

	/* Adopt the preopened descriptor if it is still /dev/kvm (misc 10:232). */
	if (kvm_preopened_fd >= 0) {
		fd = kvm_preopened_fd;
		kvm_preopened_fd = -1;
		if (!fstat(fd, &st) && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 &&
		    minor(st.st_rdev) == 232)
			return fd;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + KVM_CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return NULL;
	c->nent = KVM_CPUID_MAX_ENTRIES;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c)) {
		free(c);
		return NULL;
	}
	return c;
}

static struct kvm_cpuid_entry2 *kvm_cpuid_find(struct kvm_cpuid2 *c, uint32_t fn)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return &c->entries[i];
	return NULL;
}

/*
 * kvm_pvm or hardware KVM? The hypervisor leaves (0x40000000: "KVMKVMKVM") are the
 * same; PVM adds its signature in leaf 0x40000002. Failing that, a CPU with neither
 * VMX nor SVM whose kvm_pvm module is loaded can only be PVM.
 */
static enum kvm_mode kvm_detect(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = kvm_cpuid_find(c, 0x40000000);
	const char *force = getenv("SBX_KVM_MODE");
	unsigned int a, b, cx, d;
	char native;

	if (force && !strcmp(force, "pvm"))
		return KVM_MODE_PVM;
	if (force && !strcmp(force, "vmx"))
		return KVM_MODE_VMX;
	if (force && !strcmp(force, "native"))
		return KVM_MODE_NATIVE;
	/* This machine's kvm_pvm: a native x86 guest at CPL3, no PVM guest ABI. Read
	 * before the pivot (kvm_platform_preopen) in a sandbox, here in a unit test. */
	native = kvm_pvm_native ? kvm_pvm_native : kvm_read_pvm_native();
	if (native == 'Y')
		return KVM_MODE_NATIVE;
	if (e && e->eax >= 0x40000002) {
		e = kvm_cpuid_find(c, 0x40000002);
		if (e && e->ebx == PVM_SIGNATURE)
			return KVM_MODE_PVM;
	}
	__cpuid(1, a, b, cx, d);
	if (cx & (1u << 5))
		return KVM_MODE_VMX;	/* VMX */
	__cpuid(0x80000001, a, b, cx, d);
	if (cx & (1u << 2))
		return KVM_MODE_VMX;	/* SVM: same guest setup */
	return KVM_MODE_PVM;
}

static int kvm_check(struct kvm_platform *kp)
{
	int r;

	r = ioctl(kp->kvm_fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		kvm_fatal(kp, "/dev/kvm API version %d, want %d", r, KVM_API_VERSION);
		return -ENOTSUP;
	}
	if (ioctl(kp->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) <= 0 ||
	    ioctl(kp->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) <= 0 ||
	    ioctl(kp->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		kvm_fatal(kp, "/dev/kvm lacks SYNC_REGS, IMMEDIATE_EXIT or USER_MEMORY");
		return -ENOTSUP;
	}
	r = ioctl(kp->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (r <= 0)
		r = ioctl(kp->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	kp->max_vcpus = r < 2 ? 2 : r > KVM_MAX_VCPUS ? KVM_MAX_VCPUS : r;
	r = ioctl(kp->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0) {
		kvm_fatal(kp, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -ENOTSUP;
	}
	kp->run_size = r;
	r = ioctl(kp->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	kp->max_slots = r > 0 ? r : 32;
	r = ioctl(kp->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	kp->xsave2 = r > (int)sizeof(struct kvm_xsave);
	kp->xsave_size = kp->xsave2 ? (size_t)r : sizeof(struct kvm_xsave);
	return 0;
}

int kvm_set_slot(struct kvm_platform *kp, int slot, uint64_t gpa, uint64_t size,
			void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)host,
	};

	if (ioctl(kp->vm_fd, KVM_SET_USER_MEMORY_REGION, &r)) {
		kvm_fatal(kp, "memory slot %d (%#lx bytes at GPA %#lx): %s", slot,
			  (unsigned long)size, (unsigned long)gpa, strerror(errno));
		return -errno;
	}
	return 0;
}

/* How much of a @size-byte memory file fits in guest physical space with the arena. */
static uint64_t kvm_fit_memory(struct kvm_platform *kp, uint64_t size)
{
	struct kvm_cpuid_entry2 *e = kvm_cpuid_find(kp->cpuid, 0x80000008);
	unsigned int bits = e ? e->eax & 0xff : 36;
	uint64_t limit, room;

	if (bits < 32 || bits > 52)
		bits = 36;
	limit = 1ull << bits;
	if (limit < 2ull * KVM_ARENA_ALIGN + KVM_ARENA_SIZE)
		return 0;
	room = (limit - 2ull * KVM_ARENA_ALIGN - KVM_ARENA_SIZE) & ~(uint64_t)(KVM_ARENA_ALIGN - 1);
	return size < room ? size : room;
}

/* The memory file at GPA 0 (slots added on use), the arena just above it. */
static int kvm_memory_init(struct kvm_platform *kp, int memfd)
{
	struct stat st;
	int err;

	if (fstat(memfd, &st))
		return -errno;
	if (st.st_size <= 0 || st.st_size & 0xfff)
		return -EINVAL;
	/*
	 * The memory file is large and sparse (1 TiB for the Sentry); guest physical
	 * space ends at MAXPHYADDR. Only what fits below the arena is guest memory; the
	 * rest cannot be mapped into a guest (as_map says EINVAL).
	 */
	kp->mem_size = kvm_fit_memory(kp, st.st_size);
	if (!kp->mem_size) {
		kvm_fatal(kp, "guest physical space too small for the arena");
		return -ENOMEM;
	}
	kp->mem = mmap(NULL, kp->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		       memfd, 0);
	if (kp->mem == MAP_FAILED) {
		kp->mem = NULL;
		return -errno;
	}
	/* A hole of at least KVM_ARENA_ALIGN between the two: no memory, MMIO exits. */
	kp->arena_gpa = ((kp->mem_size + KVM_ARENA_ALIGN - 1) & ~(uint64_t)(KVM_ARENA_ALIGN - 1)) +
			KVM_ARENA_ALIGN;
	kp->arena = mmap(NULL, KVM_ARENA_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (kp->arena == MAP_FAILED) {
		kp->arena = NULL;
		return -errno;
	}
	/*
	 * The memory file becomes guest memory a chunk at a time, as as_map first uses
	 * it (kvm_mem_chunks_add): a slot over all of it would cost KVM its per-page
	 * metadata for the whole terabyte (2 GiB of rmaps under shadow paging).
	 */
	kp->nchunks = (kp->mem_size + KVM_MEM_CHUNK - 1) / KVM_MEM_CHUNK;
	kp->chunk_on = calloc((kp->nchunks + 7) / 8, 1);
	if (!kp->chunk_on)
		return -ENOMEM;
	err = kvm_set_slot(kp, KVM_ARENA_SLOT, kp->arena_gpa, KVM_ARENA_SIZE, kp->arena);
	if (err)
		return err;
	if (kvm_tramp_end - kvm_tramp_start > KVM_IDT_OFF - KVM_TRAMP_OFF)
		return -E2BIG;
	memcpy(kp->arena + KVM_TRAMP_OFF, kvm_tramp_start, kvm_tramp_end - kvm_tramp_start);
	return 0;
}

/*
 * Makes file range [off, off + len) guest memory: one slot per KVM_MEM_CHUNK the
 * first time a mapping uses it. Called with p->lock held.
 */
int kvm_mem_chunks_add(struct kvm_platform *kp, uint64_t off, uint64_t len)
{
	uint64_t c, first = off / KVM_MEM_CHUNK, last;
	uint64_t gpa, size;
	int err;

	if (!len || off >= kp->mem_size)
		return 0;
	if (off + len > kp->mem_size)
		len = kp->mem_size - off;
	last = (off + len - 1) / KVM_MEM_CHUNK;
	for (c = first; c <= last; c++) {
		if (kp->chunk_on[c / 8] & (1 << (c % 8)))
			continue;
		if (KVM_CHUNK_SLOT0 + c >= (uint64_t)kp->max_slots) {
			kvm_fatal(kp, "memory file offset %#lx needs slot %lu, KVM has %d",
				  (unsigned long)(c * KVM_MEM_CHUNK),
				  (unsigned long)(KVM_CHUNK_SLOT0 + c), kp->max_slots);
			return -ENOSPC;
		}
		gpa = c * KVM_MEM_CHUNK;
		size = kp->mem_size - gpa < KVM_MEM_CHUNK ? kp->mem_size - gpa : KVM_MEM_CHUNK;
		err = kvm_set_slot(kp, KVM_CHUNK_SLOT0 + c, gpa, size, kp->mem + gpa);
		if (err)
			return err;
		kp->chunk_on[c / 8] |= 1 << (c % 8);
	}
	return 0;
}

static void kvm_platform_destroy(struct platform *p)
{
	struct kvm_platform *kp = to_kvm_platform(p);
	struct kvm_vcpu *v, *next;

	for (v = kp->vcpu_free; v; v = next) {
		next = v->next_free;
		kvm_vcpu_free(kp, v);
	}
	if (kp->service)
		kvm_vcpu_free(kp, kp->service);
	if (kp->vm_fd >= 0)
		close(kp->vm_fd);
	if (kp->kvm_fd >= 0)
		close(kp->kvm_fd);
	if (kp->mem)
		munmap(kp->mem, kp->mem_size);
	if (kp->arena)
		munmap(kp->arena, KVM_ARENA_SIZE);
	free(kp->pt_free);
	free(kp->pt_dirty);
	free(kp->chunk_on);
	free(kp->cpuid);
	pthread_mutex_destroy(&kp->lock);
	free(kp);
}

int kvm_platform_open(int memfd, struct platform **out)
{
	struct kvm_platform *kp;
	int err;

	kp = calloc(1, sizeof(*kp));
	if (!kp)
		return -ENOMEM;
	kp->base.ops = &kvm_ops;
	kp->base.memfd = memfd;
	kp->base.max_user_addr = 0x7fffff000000;
	plat_fpstate_geometry(&kp->base);
	kp->vm_fd = -1;
	pthread_mutex_init(&kp->lock, NULL);

	kp->kvm_fd = kvm_open_dev();
	if (kp->kvm_fd < 0) {
		err = kp->kvm_fd;
		kvm_fatal(kp, "cannot open /dev/kvm: %s", strerror(-err));
		goto out_destroy;
	}
	err = kvm_check(kp);
	if (err)
		goto out_destroy;
	kp->cpuid = kvm_supported_cpuid(kp->kvm_fd);
	if (!kp->cpuid) {
		err = -errno ? -errno : -ENOMEM;
		kvm_fatal(kp, "KVM_GET_SUPPORTED_CPUID: %s", strerror(-err));
		goto out_destroy;
	}
	kp->mode = kvm_detect(kp->cpuid);
	kp->vm_fd = ioctl(kp->kvm_fd, KVM_CREATE_VM, 0);
	if (kp->vm_fd < 0) {
		err = -errno;
		kvm_fatal(kp, "KVM_CREATE_VM: %s", strerror(-err));
		goto out_destroy;
	}
	err = kvm_memory_init(kp, memfd);
	if (err)
		goto out_destroy;
	err = kvm_pt_init(kp);
	if (err)
		goto out_destroy;
	err = kvm_kick_install();
	if (err)
		goto out_destroy;
	/* Boots the service vCPU: the first guest code to run, so it proves the mode. */
	err = kvm_service_start(kp);
	if (err)
		goto out_destroy;
	*out = &kp->base;
	return 0;

out_destroy:
	kvm_platform_destroy(&kp->base);
	return err;
}

/*
 * Once the Sentry runs: ioctl on the KVM descriptors (KVM requests only: memory
 * slots are added as mappings reach new chunks of the memory file), mmap of a
 * new vCPU's kvm_run area, tgkill/gettid for interrupts, timer_* for the watchdog
 * that bounds trampoline runs, futex for p->lock, sched_*affinity/getcpu for the
 * kernel's pinning of task threads (the ptrace platform lists them too).
 */
int kvm_seccomp_rules(const struct platform *p, void *filter)
{
	static const unsigned long ioctls[] = {
		KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
		KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_GET_XSAVE2, KVM_CREATE_VCPU,
		KVM_SET_CPUID2, KVM_SET_MSRS, KVM_SET_XCRS, KVM_SET_USER_MEMORY_REGION,
	};
	static const int nrs[] = {
		SCMP_SYS(tgkill), SCMP_SYS(gettid), SCMP_SYS(getpid), SCMP_SYS(futex),
		SCMP_SYS(timer_create), SCMP_SYS(timer_settime), SCMP_SYS(timer_delete),
		SCMP_SYS(close), SCMP_SYS(sched_setaffinity), SCMP_SYS(sched_getaffinity),
		SCMP_SYS(getcpu),
	};
	scmp_filter_ctx ctx = filter;
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]) && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, ioctls[i]));
	for (i = 0; i < sizeof(nrs) / sizeof(nrs[0]) && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0);
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 2,
				       SCMP_A2(SCMP_CMP_EQ, PROT_READ | PROT_WRITE),
				       SCMP_A3(SCMP_CMP_EQ, MAP_SHARED));
	return err > 0 ? -EINVAL : err;
}

/*
 * For tests: can this machine run the kvm platform at all? 0, or -errno with the
 * reason in @why.
 */
int kvm_probe(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int err;

	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "cannot open /dev/kvm: %s", strerror(errno));
		return err;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm has an unknown API version");
		close(fd);
		return -ENOTSUP;
	}
	close(fd);
	return 0;
}
