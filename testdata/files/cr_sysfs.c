/* cr_sysfs: /sys across a checkpoint (zdtm form; run plain and through cr/case.sh
 * --signal). The program's cwd is /sys/devices/system/cpu, it holds an fd on "online"
 * read one byte into, a directory fd on /sys/devices/system/cpu/cpu0/topology and a
 * directory fd on the cwd listed halfway with getdents64 (a few entries a call, so
 * that the offset is the kernel's, not a buffer's in libc). After the restore the cwd,
 * the offsets and what a fresh open sees must agree: the fd reads the rest of what it
 * began reading, the listing the rest of its names, openat through the directory fd
 * works, and the filesystem is still sysfs.
 *
 * usage: td_files_cr_sysfs [nowait] */
#define _GNU_SOURCE
#include "../cr/cr.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define CPU "/sys/devices/system/cpu"
#define SYSFS_MAGIC 0x62656572

static int failed;

static void check(bool ok, const char *what)
{
	cr_say("%s: %s\n", what, ok ? "yes" : "no");
	failed |= !ok;
}

/* The whole of @fd from @off. */
static ssize_t pread_all(int fd, char *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len - 1, off);

	buf[n > 0 ? n : 0] = 0;
	return n;
}

struct dirent64_ {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Names of directory @fd from where its offset stands, @calls getdents64 calls of
 * about two entries (all when -1), joined by spaces in the filesystem's order. */
static void names(int fd, char *out, size_t len, int calls)
{
	char buf[80];
	size_t o = 0;
	long n;

	out[0] = 0;
	while (calls-- && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long i = 0; i < n && o < len;) {
			struct dirent64_ *e = (struct dirent64_ *)(buf + i);

			o += snprintf(out + o, len - o, "%s ", e->d_name);
			i += e->d_reclen;
		}
}

int main(int argc, char **argv)
{
	bool nowait = argc > 1 && !strcmp(argv[1], "nowait");
	char first, whole[256], rest[256], now[256], before[2048], after[2048], all[4096];
	char cwd[256];
	struct statfs sf;
	int fd, topo, d, n;

	cr_arm();
	if (chdir(CPU)) {
		perror("chdir");
		return 2;
	}
	fd = open("online", O_RDONLY);
	topo = open(CPU "/cpu0/topology", O_RDONLY | O_DIRECTORY);
	d = open(".", O_RDONLY | O_DIRECTORY);
	if (fd < 0 || topo < 0 || d < 0 || read(fd, &first, 1) != 1) {
		perror("open");
		return 2;
	}
	pread_all(fd, whole, sizeof(whole), 0);
	/* the entries, then the first few again on the fd that stays open */
	names(d, all, sizeof(all), -1);
	lseek(d, 0, SEEK_SET);
	names(d, before, sizeof(before), 2);
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	cr_say("resumed\n");

	check(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, CPU), "cwd is " CPU);
	rest[0] = first;
	n = read(fd, rest + 1, sizeof(rest) - 2);
	rest[n > 0 ? n + 1 : 1] = 0;
	check(!strcmp(rest, whole), "the fd reads on from its offset");
	pread_all(fd, now, sizeof(now), 0);
	check(!strcmp(now, whole), "pread from 0 reads it all");
	close(fd);
	fd = open("online", O_RDONLY);
	check(fd >= 0 && pread_all(fd, now, sizeof(now), 0) > 0 && !strcmp(now, whole),
	      "a fresh open relative to the cwd reads the same");
	check(!fstatfs(fd, &sf) && sf.f_type == SYSFS_MAGIC, "fstatfs says sysfs");
	close(fd);
	fd = openat(topo, "core_cpus_list", O_RDONLY);
	check(fd >= 0 && pread_all(fd, now, sizeof(now), 0) > 0, "openat through the dir fd");
	close(fd);
	/* what the directory fd still had to give: the rest of the listing */
	names(d, after, sizeof(after), -1);
	strncat(before, after, sizeof(before) - strlen(before) - 1);
	check(!strcmp(before, all), "the directory listing goes on where it stopped");
	close(d);
	check(write(open("online", O_RDONLY), "1", 1) < 0 && errno == EBADF,
	      "still read-only");
	return failed;
}
