/*
 * Memory locks (mlock, mlock2, munlock, mlockall, munlockall), which were ENOSYS
 * (gpg warned "using insecure memory"). Run without CAP_IPC_LOCK (dropped first, as
 * the sandbox's root never has it), so RLIMIT_MEMLOCK (set to 64 KiB) bounds them:
 * what VmLck shows after each call, locking twice, past the limit (ENOMEM), over a
 * hole (ENOMEM), an unaligned start, partial unlocks, bad flags (EINVAL), a zero
 * limit (EPERM), MCL_CURRENT past the limit, MCL_FUTURE locking later mappings up
 * to the limit (EAGAIN beyond), and a fork child starting with none.
 * With "cr" (tests/integration/cr/case.sh --signal): locked ranges and MCL_FUTURE
 * are checkpointed and restored, then checked and used.
 */
#include "../cr/cr.h"

#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PG 4096L

static long vmlck(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static long r(long v)
{
	return v < 0 ? -errno : v;
}

static void no_ipc_lock(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		exit(2);
	d[0].effective &= ~(1u << CAP_IPC_LOCK);
	d[0].permitted &= ~(1u << CAP_IPC_LOCK);
	d[0].inheritable &= ~(1u << CAP_IPC_LOCK);
	if (syscall(SYS_capset, &h, d))
		exit(2);
}

static void limit(rlim_t bytes)
{
	struct rlimit rl = { bytes, bytes };

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		exit(2);
}

#define SHOW(what, call) do { long r_ = r(call); \
	printf("%-36s %ld, VmLck %ld kB\n", what, r_, vmlck()); } while (0)

static int cr_mode(void)
{
	char *m;
	int bad = 0;

	cr_arm();
	m = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mlock(m + PG, 3 * PG);
	cr_say("locked: %ld kB\n", vmlck());
	cr_say("ready\n");
	cr_wait();
	cr_say("resumed\n");
	if (vmlck() != 12) {
		cr_say("VmLck %ld after restore\n", vmlck());
		bad = 1;
	}
	if (r(munlock(m + PG, PG)) || vmlck() != 8) {
		cr_say("munlock after restore: VmLck %ld\n", vmlck());
		bad = 1;
	}
	if (r(mlock(m, 8 * PG)) || vmlck() != 32) {
		cr_say("mlock after restore: VmLck %ld\n", vmlck());
		bad = 1;
	}
	cr_say(bad ? "differs\n" : "same\n");
	return bad;
}

int main(int argc, char **argv)
{
	char *m, *f;
	pid_t c;
	int st;

	no_ipc_lock();
	limit(64 * 1024);
	if (argc > 1 && !strcmp(argv[1], "cr"))
		return cr_mode();
	setvbuf(stdout, NULL, _IOLBF, 0);
	m = mmap(NULL, 32 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 2;
	SHOW("start", 0);
	SHOW("mlock 4 pages", mlock(m, 4 * PG));
	SHOW("mlock them again", mlock(m, 4 * PG));
	SHOW("mlock 2 overlapping, 2 new", mlock(m + 2 * PG, 4 * PG));
	SHOW("mlock 20 pages: past 64 KiB", mlock(m + 8 * PG, 20 * PG));
	SHOW("mlock length 0", mlock(m + 30 * PG, 0));
	SHOW("mlock unaligned, 1 byte", mlock(m + 10 * PG + 100, 1));
	SHOW("mlock 2 bytes across pages", mlock(m + 12 * PG - 1, 2));
	munmap(m + 16 * PG, PG);
	SHOW("mlock over a hole", mlock(m + 15 * PG, 3 * PG));
	SHOW("munlock over a hole", munlock(m + 15 * PG, 3 * PG));
	SHOW("munlock the middle of a range", munlock(m + PG, 2 * PG));
	SHOW("munlock unlocked pages", munlock(m + 20 * PG, 4 * PG));
	SHOW("mlock2 MLOCK_ONFAULT", syscall(SYS_mlock2, m + 20 * PG, PG, 1));
	SHOW("mlock2 flags 2", syscall(SYS_mlock2, m + 21 * PG, PG, 2));
	memset(m, 1, 32 * PG - 17 * PG);
	c = fork();
	if (!c) {
		printf("fork child: VmLck %ld kB\n", vmlck());
		_exit(0);
	}
	waitpid(c, &st, 0);
	SHOW("mlockall 0", mlockall(0));
	SHOW("mlockall MCL_ONFAULT alone", mlockall(MCL_ONFAULT));
	SHOW("mlockall 8", mlockall(8));
	SHOW("mlockall MCL_CURRENT past the limit", mlockall(MCL_CURRENT));
	SHOW("munlockall", munlockall());
	SHOW("mlockall MCL_FUTURE", mlockall(MCL_FUTURE));
	f = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SHOW("mmap 4 pages after it", f == MAP_FAILED ? -1 : 0);
	f = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SHOW("mmap 16 pages more: past the limit", f == MAP_FAILED ? -1 : 0);
	SHOW("munlockall", munlockall());
	f = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SHOW("mmap 16 pages after munlockall", f == MAP_FAILED ? -1 : 0);
	SHOW("mlock 16 pages at the limit", mlock(m, 16 * PG - 1));
	SHOW("munmap 4 locked pages", munmap(m, 4 * PG));
	SHOW("munlockall", munlockall());
	limit(0);
	SHOW("mlock with a limit of 0", mlock(m + 8 * PG, PG));
	SHOW("munlock with a limit of 0", munlock(m + 8 * PG, PG));
	SHOW("mlockall with a limit of 0", mlockall(MCL_CURRENT));
	return 0;
}
