/* sysfs: what programs read from /sys, compared with the host's. It prints the CPU
 * files (online, possible, present), the cpuN directories, the top-level directories
 * sbx provides (a subset of Linux's), the filesystem magic, the modes and sizes of a
 * few entries and the links between cpu0 and node0; checks that each CPU's topology
 * agrees with the CPU list and with sched_getaffinity, /proc/cpuinfo and sysconf,
 * whatever the host's topology; and prints what writes get. The errnos that depend on
 * the mount are folded: the host's /sys is read-write and root's write opens get
 * EACCES from kernfs, sbx's is read-only (as container runtimes mount it) and gives
 * EROFS, as Linux does then (mkdir and unlink get EPERM from kernfs on the host); an
 * unprivileged user gets EACCES from both.
 *
 * usage: td_files_sysfs */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define CPU "/sys/devices/system/cpu"

static int failed;

static void fail(const char *what)
{
	printf("FAIL %s\n", what);
	failed = 1;
}

/* The contents of @path without the newline, "" when it cannot be read. */
static char *slurp(const char *path)
{
	static char buf[8][4096];
	static int next;
	char *b = buf[next++ % 8];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(buf[0]) - 1);

	if (fd >= 0)
		close(fd);
	b[n > 0 ? n : 0] = 0;
	if (n > 0 && b[n - 1] == '\n')
		b[n - 1] = 0;
	return b;
}

/* Parses a cpulist ("0-3,6") into @set; false when malformed. */
static bool parse_list(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s)
			return false;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long c = a; c <= b && c < CPU_SETSIZE; c++)
			CPU_SET(c, set);
		if (*end == ',')
			end++;
		else if (*end)
			return false;
		s = end;
	}
	return true;
}

static int cmp_name(const void *a, const void *b)
{
	return strverscmp(a, b);
}

/* The cpuN entries of /sys/devices/system/cpu, sorted, into @names. */
static int cpu_dirs(char names[][16], int max)
{
	DIR *d = opendir(CPU);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) && n < max) {
		char *end;

		if (strncmp(e->d_name, "cpu", 3) || !e->d_name[3])
			continue;
		strtol(e->d_name + 3, &end, 10);
		if (*end)
			continue;
		if (e->d_type != DT_DIR)
			fail("cpuN d_type");
		snprintf(names[n++], 16, "%s", e->d_name);
	}
	closedir(d);
	qsort(names, n, 16, cmp_name);
	return n;
}

/* Each CPU's topology must be about CPUs that exist and contain the CPU itself. */
static void check_topology(const char *cpu, const cpu_set_t *online)
{
	static const char *const lists[] = { "thread_siblings_list", "core_siblings_list",
					     "package_cpus_list", "core_cpus_list" };
	char path[256];
	long c = strtol(cpu + 3, NULL, 10);

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		cpu_set_t s, both;

		snprintf(path, sizeof(path), CPU "/%s/topology/%s", cpu, lists[i]);
		if (!parse_list(slurp(path), &s) || !CPU_ISSET(c, &s)) {
			fail(path);
			continue;
		}
		CPU_AND(&both, &s, online);
		if (!CPU_EQUAL(&both, &s))
			fail(path);
	}
	snprintf(path, sizeof(path), CPU "/%s/topology/physical_package_id", cpu);
	if (!*slurp(path))
		fail(path);
}

static int cpuinfo_processors(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, "processor", 9);
	fclose(f);
	return n;
}

static void cpus(void)
{
	static char names[CPU_SETSIZE][16];
	cpu_set_t online, aff;
	int n;

	for (int i = 0; i < 3; i++) {
		static const char *const f[] = { "online", "possible", "present" };
		char path[64];

		snprintf(path, sizeof(path), CPU "/%s", f[i]);
		printf("%s: %s\n", f[i], slurp(path));
	}
	if (!parse_list(slurp(CPU "/online"), &online))
		fail("online is a cpulist");
	n = cpu_dirs(names, CPU_SETSIZE);
	printf("cpu dirs:");
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		if (!CPU_ISSET(strtol(names[i] + 3, NULL, 10), &online))
			fail("cpuN not online");
		check_topology(names[i], &online);
	}
	printf("\n");
	if (n != CPU_COUNT(&online))
		fail("as many cpuN as online CPUs");
	/* What the sandbox's other reports must agree with (the native run's process
	 * may use every CPU, as the sandbox's does). */
	if (sched_getaffinity(0, sizeof(aff), &aff) || !CPU_EQUAL(&aff, &online))
		fail("sched_getaffinity is the online set");
	if (cpuinfo_processors() != n)
		fail("/proc/cpuinfo has a processor per cpuN");
	if (sysconf(_SC_NPROCESSORS_ONLN) != n || sysconf(_SC_NPROCESSORS_CONF) != n)
		fail("sysconf's CPU counts");
	printf("sysconf: %ld online, %ld configured\n", sysconf(_SC_NPROCESSORS_ONLN),
	       sysconf(_SC_NPROCESSORS_CONF));
}

static void tree(void)
{
	static const char *const dirs[] = { "block", "bus", "class", "dev", "devices",
					    "firmware", "fs", "kernel", "module", "power",
					    "dev/block", "dev/char", "devices/system",
					    "devices/system/cpu", "devices/system/node",
					    "devices/system/node/node0", "fs/cgroup",
					    "devices/system/cpu/cpu0/topology" };
	static const char *const files[] = { "devices/system/cpu/online",
					     "devices/system/cpu/kernel_max",
					     "devices/system/cpu/cpu0/topology/core_id",
					     "devices/system/node/node0/cpulist" };
	struct statfs sf;
	struct stat st;
	char path[256];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "/sys/%s", dirs[i]);
		if (stat(path, &st))
			printf("%s: %s\n", path, strerror(errno));
		else
			printf("%s: %s %o\n", path, S_ISDIR(st.st_mode) ? "dir" : "not a dir",
			       st.st_mode & 07777);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "/sys/%s", files[i]);
		if (stat(path, &st))
			printf("%s: %s\n", path, strerror(errno));
		else
			printf("%s: %s %o size %lld\n", path, S_ISREG(st.st_mode) ? "file" :
			       "not a file", st.st_mode & 07777, (long long)st.st_size);
	}
	if (stat("/sys", &st) || statfs("/sys", &sf))
		fail("stat /sys");
	printf("/sys: %o, f_type %lx\n", st.st_mode & 07777, (unsigned long)sf.f_type);
	/* the node holds every CPU */
	printf("node0 cpulist is online: %d\n",
	       !strcmp(slurp("/sys/devices/system/node/node0/cpulist"), slurp(CPU "/online")));
	/* the links between the CPUs and the node, followed too */
	for (int i = 0; i < 2; i++) {
		const char *l = i ? "/sys/devices/system/node/node0/cpu0" : CPU "/cpu0/node0";
		char target[256];
		ssize_t n = readlink(l, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = 0;
		printf("%s -> %s, %s\n", l, n > 0 ? target : strerror(errno),
		       stat(l, &st) ? strerror(errno) :
		       S_ISDIR(st.st_mode) ? "a dir" : "not a dir");
	}
	printf("no cpu%d: %d\n", CPU_SETSIZE,
	       stat(CPU "/cpu1024", &st) < 0 && errno == ENOENT);
}

static const char *folded(int err)
{
	return err == EACCES || err == EROFS ? "refused" : strerror(err);
}

static void writes(void)
{
	struct statfs sf;
	char buf[64];
	int fd;

	fd = open(CPU "/online", O_WRONLY);
	printf("open O_WRONLY: %s\n", fd < 0 ? folded(errno) : "opened");
	fd = open(CPU "/online", O_RDWR);
	printf("open O_RDWR: %s\n", fd < 0 ? folded(errno) : "opened");
	fd = open(CPU "/online", O_WRONLY | O_TRUNC);
	printf("open O_TRUNC: %s\n", fd < 0 ? folded(errno) : "opened");
	fd = open(CPU, O_WRONLY);
	printf("open dir O_WRONLY: %s\n", fd < 0 ? strerror(errno) : "opened");
	fd = open(CPU "/online", O_RDONLY | O_DIRECTORY);
	printf("open file O_DIRECTORY: %s\n", fd < 0 ? strerror(errno) : "opened");
	fd = open(CPU "/online", O_RDONLY);
	if (fd < 0) {
		fail("open online");
		return;
	}
	printf("write to O_RDONLY fd: %s\n", write(fd, "0", 1) < 0 ? strerror(errno) :
	       "written");
	if (fstatfs(fd, &sf))
		fail("fstatfs");
	printf("fstatfs f_type %lx\n", (unsigned long)sf.f_type);
	printf("read: %zd\n", read(fd, buf, sizeof(buf)) > 0 ? (ssize_t)1 : (ssize_t)0);
	close(fd);
	/* kernfs has no mkdir or unlink for these: EPERM on the host */
	printf("mkdir: %s\n", mkdir("/sys/devices/system/node/newdir", 0755) ?
	       folded(errno == EPERM ? EACCES : errno) : "made");
	printf("unlink: %s\n", unlink(CPU "/online") ? folded(errno == EPERM ? EACCES : errno) :
	       "unlinked");
}

/* An unprivileged user is refused by the file's mode before the mount is asked. */
static void writes_unprivileged(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(CPU "/online", O_WRONLY);
		printf("nobody open O_WRONLY: %s\n", fd < 0 ? strerror(errno) : "opened");
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("unprivileged child");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	cpus();
	tree();
	writes();
	writes_unprivileged();
	printf("%s\n", failed ? "FAILED" : "ok");
	return failed;
}
