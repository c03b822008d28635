/* fam_sync: the old getdents (struct linux_dirent, d_type in the record's last byte)
 * against getdents64 on an overlay directory and a host one, readahead (and fadvise
 * WILLNEED) of host, overlay, tmpfs and /proc files with the data a mapping then
 * shows, and sync_file_range: each with Linux's errnos.
 *
 * usage: td_files_fam_sync TREE (a host directory of the test tree) */
#include "fam.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#define BAD ((void *)1)

struct old_dirent {
	unsigned long d_ino;
	unsigned long d_off;
	unsigned short d_reclen;
	char d_name[];
};

struct ent {
	char name[64];
	int type, reclen;
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

/* Lists @dir with getdents (old) or getdents64 in @bufsz-byte calls, sorted by name
 * (the order differs between filesystems). */
static void list(const char *dir, bool old, size_t bufsz)
{
	static struct ent ents[256];
	char buf[4096] __attribute__((aligned(8)));
	int fd = open(dir, O_RDONLY | O_DIRECTORY), n = 0, calls = 0;
	long r;

	if (fd < 0) {
		P("open %s: %s\n", dir, fam_ename(errno));
		return;
	}
	while ((r = syscall(old ? SYS_getdents : SYS_getdents64, fd, buf, bufsz)) > 0) {
		calls++;
		for (long off = 0; off < r && n < 256;) {
			struct ent *e = &ents[n++];

			if (old) {
				struct old_dirent *d = (void *)(buf + off);

				snprintf(e->name, sizeof(e->name), "%s", d->d_name);
				e->type = buf[off + d->d_reclen - 1];
				e->reclen = d->d_reclen;
				off += d->d_reclen;
			} else {
				struct dirent64 *d = (void *)(buf + off);

				snprintf(e->name, sizeof(e->name), "%s", d->d_name);
				e->type = d->d_type;
				e->reclen = d->d_reclen;
				off += d->d_reclen;
			}
		}
	}
	if (r < 0)
		P("getdents: %s\n", fam_ename(errno));
	close(fd);
	qsort(ents, n, sizeof(ents[0]), ent_cmp);
	P("%s %s (%zu-byte calls, %s):", old ? "getdents" : "getdents64",
	  dir[0] == '/' ? "tree" : dir, bufsz, calls > 1 ? "several" : "one");
	for (int i = 0; i < n; i++)
		P(" %s/%d/%d", ents[i].name, ents[i].type, ents[i].reclen);
	P("\n");
}

/* The file through a private mapping against read(): the same bytes? */
static void check_map(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	char *m, *b;

	if (fd < 0 || fstat(fd, &st) || !st.st_size) {
		P("%s: cannot check\n", path);
		return;
	}
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	b = malloc(st.st_size);
	if (m == MAP_FAILED || !b || pread(fd, b, st.st_size, 0) != st.st_size) {
		P("%s: cannot check\n", path);
		return;
	}
	P("mapping of %s equals its data: %d\n", path[0] == '/' ? "it" : path,
	  !memcmp(m, b, st.st_size));
	munmap(m, st.st_size);
	free(b);
	close(fd);
}

int main(int argc, char **argv)
{
	char host[PATH_MAX], exe[PATH_MAX];
	int fd, dfd, wfd, pfd, pp[2], tfd, procfd, nfd;
	ssize_t n;

	if (argc < 2)
		return 2;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 2;
	exe[n] = 0;
	snprintf(host, sizeof(host), "%s/host-file-01", argv[1]);
	fam_enter();
	mkdir("dir", 0755);
	mkdir("dir/sub", 0755);
	fam_file("dir/sub/a", "", 0644);
	fam_file("dir/sub/b", "", 0644);
	mkdir("dir/sub/c", 0755);
	fam_file("dir/file", "x", 0644);
	symlink("file", "dir/link");
	mkfifo("dir/fifo", 0644);
	fam_file("dir/a-rather-long-name-to-make-the-record-longer", "y", 0644);

	P("getdents:\n");
	list("dir", true, 4096);
	list("dir", false, 4096);
	list("dir/sub", true, 40);         /* one record a call */
	list(argv[1], true, 4096);
	list(argv[1], false, 4096);
	list(argv[1], true, 64);
	dfd = open("dir", O_RDONLY | O_DIRECTORY);
	fd = open("dir/file", O_RDONLY);
	pfd = open("dir", O_PATH);
	char buf[512];
	T(syscall(SYS_getdents, dfd, buf, 1));
	T(syscall(SYS_getdents, dfd, buf, 0));
	T(syscall(SYS_getdents, dfd, BAD, sizeof(buf)));
	T(syscall(SYS_getdents, fd, buf, sizeof(buf)));
	T(syscall(SYS_getdents, pfd, buf, sizeof(buf)));
	T(syscall(SYS_getdents, 999, buf, sizeof(buf)));
	close(pfd);

	P("readahead:\n");
	nfd = open(host, O_RDONLY);
	int efd = open(exe, O_RDONLY);
	T(readahead(nfd, 0, 4096));
	T(readahead(efd, 0, 0));
	T(readahead(efd, 8191, 2));
	T(readahead(efd, 1 << 30, 4096));
	T(readahead(efd, -1, 10));
	T(readahead(efd, 0, (size_t)-1));
	T(readahead(efd, 0, (size_t)1 << 63));
	T(posix_fadvise(efd, 4096, 65536, POSIX_FADV_WILLNEED));
	wfd = open("dir/file", O_WRONLY);
	pfd = open("dir/file", O_PATH);
	tfd = open("/dev/shm", O_TMPFILE | O_RDWR, 0600);
	procfd = open("/proc/self/status", O_RDONLY);
	pipe(pp);
	T(readahead(fd, 0, 4096));              /* an overlay file */
	T(readahead(wfd, 0, 4096));
	T(readahead(pfd, 0, 4096));
	T(readahead(999, 0, 4096));
	T(readahead(dfd, 0, 4096));
	T(readahead(pp[0], 0, 4096));
	T(readahead(tfd, 0, 4096));
	T(readahead(procfd, 0, 4096));
	T(readahead(open("/dev/null", O_RDONLY), 0, 4096));
	check_map(exe);
	check_map(host);

	P("sync_file_range:\n");
	T(sync_file_range(wfd, 0, 0, SYNC_FILE_RANGE_WRITE));
	T(sync_file_range(fd, 0, 100, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
			  SYNC_FILE_RANGE_WAIT_AFTER));
	T(sync_file_range(fd, 0, 0, 0));
	T(sync_file_range(fd, 0, 0, 8));
	T(sync_file_range(fd, -1, 0, 0));
	T(sync_file_range(fd, 0, -1, 0));
	T(sync_file_range(fd, INT64_MAX, 1, 0));
	T(sync_file_range(fd, INT64_MAX, 0, 0));
	T(sync_file_range(dfd, 0, 0, SYNC_FILE_RANGE_WRITE));
	T(sync_file_range(nfd, 0, 0, SYNC_FILE_RANGE_WRITE));
	T(sync_file_range(pp[1], 0, 0, 0));
	T(sync_file_range(pp[1], 0, 0, 8));
	T(sync_file_range(pfd, 0, 0, 0));
	T(sync_file_range(999, 0, 0, 0));
	T(sync_file_range(open("/dev/null", O_WRONLY), 0, 0, 0));
	T(fsync(wfd));
	T(fdatasync(fd));
	fam_leave();
	return 0;
}
