/*
 * plat_open and plat_seccomp_rules: choosing an implementation by name. Each platform
 * lives in its own folder (ptrace/, kvm/) and registers here. Also what the
 * implementations share: the host's FPU state geometry, and plat_as_apply done one call
 * at a time for a platform without a batched form.
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include "platform.h"
#include "ptrace_platform.h"
#include "kvm/kvm_platform.h"

struct plat_impl {
	const char *name;
	int (*open)(int memfd, struct platform **out);
	int (*seccomp_rules)(const struct platform *p, void *scmp_filter_ctx);
};

static const struct plat_impl plat_impls[] = {
	{ "ptrace", ptrace_platform_open, ptrace_seccomp_rules },
	{ "kvm", kvm_platform_open, kvm_seccomp_rules },
};

static const struct plat_impl *plat_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(plat_impls) / sizeof(plat_impls[0]); i++)
		if (!strcmp(plat_impls[i].name, name))
			return &plat_impls[i];
	return NULL;
}

int plat_open(const char *name, int memfd, struct platform **out)
{
	const struct plat_impl *impl = plat_find(name);

	if (!impl)
		return strcmp(name, "kvm") ? -EINVAL : -ENOSYS;
	if (memfd < 0)
		return -EBADF;
	return impl->open(memfd, out);
}

int plat_preopen(const char *name)
{
	if (!strcmp(name, "ptrace"))
		return ptrace_platform_preopen();
	return strcmp(name, "kvm") ? 0 : kvm_platform_preopen();
}

int plat_seccomp_rules(const struct platform *p, void *scmp_filter_ctx)
{
	const struct plat_impl *impl = plat_find(p->ops->name);

	if (!impl)
		return -EINVAL;
	return impl->seccomp_rules(p, scmp_filter_ctx);
}

/* plat_as_apply for a platform without a batched form: one call per operation. */
int plat_as_apply_each(struct platform *p, struct plat_as *as,
		       const struct plat_as_op *ops, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		const struct plat_as_op *o = &ops[i];

		switch (o->kind) {
		case PLAT_AS_MAP:
			err = p->ops->as_map(as, o->addr, o->len, o->prot, o->file_off);
			break;
		case PLAT_AS_UNMAP:
			err = p->ops->as_unmap(as, o->addr, o->len);
			break;
		case PLAT_AS_PROTECT:
			err = p->ops->as_protect(as, o->addr, o->len, o->prot);
			break;
		default:
			err = -EINVAL;
		}
	}
	return err;
}

void plat_fpstate_geometry(struct platform *p)
{
	unsigned int a, b, c, d, lo, hi;

	__cpuid(1, a, b, c, d);
	if (!(c & bit_OSXSAVE)) {
		p->fpstate_size = 512;
		p->xsave_features = 3;
		return;
	}
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	p->xsave_features = (uint64_t)hi << 32 | lo;
	__cpuid_count(0xd, 0, a, b, c, d);
	p->fpstate_size = b;
}
