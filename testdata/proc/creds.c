/*
 * creds: supplementary groups (setgroups/getgroups, sorted, inherited, EPERM without
 * CAP_SETGID, EINVAL beyond NGROUPS_MAX) and capabilities (capget/capset with the v1
 * and v3 headers and their errors, PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT, keep-caps,
 * the sets after setuid transitions and after execve). It first cuts its sets down
 * to a known few (bounding set included), so a native root with every capability
 * and the sandbox's container root print the same. Compared with a native run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define P(expr) do { errno = 0; long r_ = (expr); \
	printf("%-64s -> %ld%s%s\n", #expr, r_, r_ < 0 ? " " : "", \
	       r_ < 0 ? strerrorname_np(errno) : ""); } while (0)

#define C(n) (1ULL << CAP_##n)
#define KNOWN (C(SETUID) | C(SETGID) | C(KILL) | C(SETPCAP) | C(CHOWN) | C(FOWNER))

static const char *self;

static long cget(uint32_t version, int pid, uint64_t *e, uint64_t *p, uint64_t *i)
{
	struct __user_cap_header_struct h = { version, pid };
	struct __user_cap_data_struct d[2];
	long r;

	memset(d, 0xab, sizeof(d));
	r = syscall(SYS_capget, &h, d);
	*e = d[0].effective | (version == _LINUX_CAPABILITY_VERSION_1 ? 0 :
			       (uint64_t)d[1].effective << 32);
	*p = d[0].permitted | (version == _LINUX_CAPABILITY_VERSION_1 ? 0 :
			       (uint64_t)d[1].permitted << 32);
	*i = d[0].inheritable | (version == _LINUX_CAPABILITY_VERSION_1 ? 0 :
				 (uint64_t)d[1].inheritable << 32);
	return r;
}

static long cset(uint32_t version, int pid, uint64_t e, uint64_t p, uint64_t i)
{
	struct __user_cap_header_struct h = { version, pid };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)e, (uint32_t)p, (uint32_t)i },
		{ (uint32_t)(e >> 32), (uint32_t)(p >> 32), (uint32_t)(i >> 32) },
	};

	return syscall(SYS_capset, &h, d);
}

static void show(const char *who)
{
	uint64_t e, p, i;
	gid_t g[16];
	int n = getgroups(16, g);

	errno = 0;
	long r = cget(_LINUX_CAPABILITY_VERSION_3, 0, &e, &p, &i);

	printf("%s: ids %d/%d capget %ld eff %#llx prm %#llx inh %#llx amb-kill %d "
	       "keepcaps %d groups", who, getuid(), geteuid(), r, (unsigned long long)e,
	       (unsigned long long)p, (unsigned long long)i,
	       prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0),
	       prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	for (int k = 0; k < n; k++)
		printf(" %d", g[k]);
	printf("\n");
}

static void groups(void)
{
	gid_t g[4] = { 30, 10, 20, 10 }, out[8];

	P(setgroups(4, g));
	P(getgroups(0, NULL));
	P(getgroups(2, out));
	P(getgroups(8, out));
	printf("sorted %d %d %d %d\n", out[0], out[1], out[2], out[3]);
	P(syscall(SYS_getgroups, -1, out));
	P(syscall(SYS_getgroups, 8, (gid_t *)8));
	P(syscall(SYS_setgroups, 65537, g));
	P(syscall(SYS_setgroups, -1, g));
	P(setgroups(2, (gid_t *)8));
	P(setgroups(0, NULL));
	P(getgroups(0, NULL));
	P(setgroups(3, g));
}

static void bounding(void)
{
	/* Down to KNOWN: what native root and the container root both have. */
	for (int c = 0; c <= 40; c++)
		if (!(KNOWN >> c & 1) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	P(prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0));
	P(prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0));
	P(prctl(PR_CAPBSET_READ, 41, 0, 0, 0));
	P(prctl(PR_CAPBSET_READ, -1, 0, 0, 0));
	P(prctl(PR_CAPBSET_DROP, 41, 0, 0, 0));
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, KNOWN, KNOWN, 0));
}

static void capabilities(void)
{
	struct __user_cap_header_struct h = { 0x12345678, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t e, p, i;

	P(syscall(SYS_capget, &h, NULL));
	printf("version written back %#x\n", h.version);
	h.version = 0x12345678;
	P(syscall(SYS_capget, &h, d));
	printf("version written back %#x\n", h.version);
	h.version = 0x12345678;
	P(syscall(SYS_capset, &h, d));
	P(syscall(SYS_capget, (void *)8, d));
	P(cget(_LINUX_CAPABILITY_VERSION_3, -1, &e, &p, &i));
	P(cget(_LINUX_CAPABILITY_VERSION_3, 999999, &e, &p, &i));
	P(cget(_LINUX_CAPABILITY_VERSION_1, 0, &e, &p, &i));
	printf("v1: eff %#llx prm %#llx\n", (unsigned long long)e, (unsigned long long)p);
	P(cget(_LINUX_CAPABILITY_VERSION_2, getpid(), &e, &p, &i));
	printf("v2: eff %#llx prm %#llx\n", (unsigned long long)e, (unsigned long long)p);
	P(cset(_LINUX_CAPABILITY_VERSION_3, 999999, KNOWN, KNOWN, 0));
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, KNOWN | C(SYS_ADMIN), KNOWN, 0));
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, KNOWN, KNOWN | C(NET_ADMIN), 0));
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, KNOWN, KNOWN, C(SYS_ADMIN)));
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, C(KILL), KNOWN, C(KILL) | C(CHOWN)));
	show("capset");
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, KNOWN, KNOWN, C(KILL) | C(CHOWN)));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETUID, 0, 0));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 41, 0, 0));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 1, 0));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0));
	P(prctl(PR_CAP_AMBIENT, 99, 0, 0, 0));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_CHOWN, 0, 0));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
	/* Dropping an inheritable capability drops it from the ambient set. */
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0));
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, KNOWN, KNOWN, C(KILL)));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0));
	P(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
	show("ambient");
}

static void show_child(void)
{
	show("child");
}

static void run(const char *what, void (*fn)(void))
{
	int st;

	printf("-- %s\n", what);
	if (fork() == 0) {
		fn();
		exit(0);
	}
	wait(&st);
	printf("-- %s: status %#x\n", what, st);
}

static void exec_self(const char *tag)
{
	execl(self, self, tag, (char *)NULL);
	_exit(127);
}

/* Leaving uid 0 everywhere clears the sets; errors follow. */
static void drop_all(void)
{
	P(setresuid(1000, 1000, 1000));
	show("uid 1000");
	P(setuid(0));
	P(setgroups(0, NULL));
	P(setgid(0));
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, C(KILL), C(KILL), 0));
	P(prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
	exec_self("exec-nobody");
}

/* An effective uid change only: effective caps follow euid, permitted stay. */
static void euid_only(void)
{
	P(seteuid(1000));
	show("euid 1000");
	P(setgroups(0, NULL));
	P(seteuid(0));
	show("euid 0 again");
	P(setgroups(0, NULL));
}

/* PR_SET_KEEPCAPS keeps the permitted set over the uid change; ambient capabilities
 * raised afterwards survive execve for a non-root program. */
static void keepcaps(void)
{
	P(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	P(setresuid(1000, 1000, 1000));
	show("keepcaps");
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, C(KILL) | C(SETGID), C(KILL) | C(SETGID),
	       C(KILL)));
	P(setgroups(1, (gid_t[]){ 7 }));
	P(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0));
	show("before exec");
	exec_self("exec-ambient");
}

/* Root keeps what the bounding and inheritable sets allow over execve. */
static void root_exec(void)
{
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, C(KILL), C(KILL), C(CHOWN)));
	exec_self("exec-root");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	self = argv[0];
	if (argc > 1) {
		show(argv[1]);
		return 0;
	}
	bounding();
	show("start");
	groups();
	show("groups");
	run("child inherits", show_child);
	capabilities();
	P(cset(_LINUX_CAPABILITY_VERSION_3, 0, KNOWN, KNOWN, 0));
	run("drop all", drop_all);
	run("euid only", euid_only);
	run("keepcaps", keepcaps);
	run("root exec", root_exec);
	return 0;
}
