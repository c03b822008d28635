/* Memory syscalls: brk and the mmap family. Argument checks as in Linux's
 * mm/mmap.c (ksys_mmap_pgoff, do_mmap); the work is mm/'s. */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"
#include "vfs/vfs.h"

#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define LEGACY_MAP_MASK (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | \
			 MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED | \
			 MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | \
			 MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB)

SYS(brk)
{
	return mm_brk(t->mm, a[0]);
}

SYS(mmap)
{
	u64 addr = a[0], len = a[1], off = a[5];
	int prot = a[2], flags = a[3], fd = a[4];

	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return -EINVAL;
	if (PAGE_ALIGN(len) < len || PAGE_ALIGN(len) == 0)
		return -ENOMEM;
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
		if ((flags & MAP_ANONYMOUS) && (flags & MAP_GROWSDOWN))
			return -EINVAL;
		break;
	case MAP_PRIVATE:
		break;
	case MAP_SHARED_VALIDATE:
		/* Validated sharing is for file mappings; anonymous ones refuse it. */
		if (flags & MAP_ANONYMOUS)
			return -EINVAL;
		if (flags & ~(LEGACY_MAP_MASK | MAP_FIXED_NOREPLACE | MAP_SYNC))
			return -EOPNOTSUPP;
		if (flags & MAP_SYNC)
			return -EOPNOTSUPP;
		break;
	default:
		return -EINVAL;
	}
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (addr & ~PAGE_MASK))
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	if (flags & MAP_HUGETLB)
		return -ENOSYS; /* hugetlbfs is not offered; Linux without it says ENOSYS too */
	if (!(flags & MAP_ANONYMOUS))
		return sys_mmap_file(t, addr, len, prot & (PROT_READ | PROT_WRITE | PROT_EXEC),
				     flags, fd, off);
	return mm_mmap_anon(t->mm, addr, len, prot & (PROT_READ | PROT_WRITE | PROT_EXEC),
			    flags);
}

SYS(munmap)
{
	return mm_munmap(t->mm, a[0], a[1]);
}

SYS(mprotect)
{
	return mm_mprotect(t->mm, a[0], a[1], a[2]);
}

SYS(mremap)
{
	return mm_mremap(t->mm, a[0], a[1], a[2], a[3], a[4]);
}

SYS(madvise)
{
	return mm_madvise(t->mm, a[0], a[1], a[2]);
}

SYS(msync)
{
	return mm_msync(t->mm, a[0], a[1], a[2]);
}

/* Memory locks (mm/mm_lock.c), bounded by RLIMIT_MEMLOCK unless CAP_IPC_LOCK, which
 * the container's default set leaves out. */
static long mlock_range(struct task *t, u64 addr, u64 len, bool lock)
{
	return mm_mlock(t->mm, addr, len, lock, t->rlim[RLIMIT_MEMLOCK].cur,
			task_capable(t, CAP_IPC_LOCK));
}

SYS(mlock) { return mlock_range(t, a[0], a[1], true); }
SYS(munlock) { return mlock_range(t, a[0], a[1], false); }

SYS(mlock2)
{
	if (a[2] & ~1ULL)       /* MLOCK_ONFAULT: nothing is faulted in ahead anyway */
		return -EINVAL;
	return mlock_range(t, a[0], a[1], true);
}

SYS(mlockall)
{
	return mm_mlockall(t->mm, a[0], t->rlim[RLIMIT_MEMLOCK].cur,
			   task_capable(t, CAP_IPC_LOCK));
}

SYS(munlockall) { return mm_munlockall(t->mm); }
