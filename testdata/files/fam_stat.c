/* fam_stat: the stat family (stat, lstat, fstat, newfstatat, statx and their flags),
 * readlink, access, chmod/chown/utimensat, truncate/ftruncate, in a fresh directory
 * under /tmp (and, read-only, the host directory argv[1]). See fam.h. */
#include "fam.h"

#include <sys/sysmacros.h>
#include <time.h>

static void show_stat(const char *label, int rc, const struct stat *st)
{
	if (rc) {
		P("%-30s -1 %s\n", label, fam_ename(errno));
		return;
	}
	/* Directory sizes and block counts are the filesystem's own: only files'. */
	P("%-30s mode %06o uid %u gid %u", label, st->st_mode, st->st_uid, st->st_gid);
	if (!S_ISDIR(st->st_mode))
		P(" nlink %lu size %lld", (unsigned long)st->st_nlink, (long long)st->st_size);
	P("\n");
}

#define S(label, call) do { struct stat st_; errno = 0; show_stat(label, call, &st_); } while (0)

static void show_statx(const char *label, int dfd, const char *path, int flags, unsigned mask)
{
	struct statx sx;
	int rc = statx(dfd, path, flags, mask, &sx);

	if (rc) {
		P("%-30s -1 %s\n", label, fam_ename(errno));
		return;
	}
	P("%-30s mask&basic %#x mode %06o nlink %u size %llu\n", label,
	  sx.stx_mask & STATX_BASIC_STATS, sx.stx_mode, sx.stx_nlink,
	  S_ISDIR(sx.stx_mode) ? 0ULL : (unsigned long long)sx.stx_size);
}

static void times_of(const char *label, const char *path, int flags)
{
	struct stat st;

	if (fstatat(AT_FDCWD, path, &st, flags)) {
		P("%-30s -1 %s\n", label, fam_ename(errno));
		return;
	}
	P("%-30s atime %lld.%09ld mtime %lld.%09ld\n", label, (long long)st.st_atim.tv_sec,
	  st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "/etc";
	char buf[256], hp[PATH_MAX];
	struct stat st;
	int fd, dfd, pfd, lfd;
	ssize_t n;

	fam_enter();
	fam_file("f", "0123456789abcdef", 0640);
	T(mkdir("d", 0750));
	T(mkdir("d/e", 0700));
	T(symlink("f", "sl"));
	T(symlink("nowhere", "dl"));
	T(symlink("d", "dirl"));
	T(mkfifo("p", 0600));

	P("== stat\n");
	S("stat f", stat("f", &st_));
	S("stat d", stat("d", &st_));
	S("stat sl", stat("sl", &st_));
	S("lstat sl", lstat("sl", &st_));
	S("stat dl", stat("dl", &st_));
	S("lstat dl", lstat("dl", &st_));
	S("stat p", stat("p", &st_));
	S("stat \"\"", stat("", &st_));
	S("stat f/", stat("f/", &st_));
	S("stat f/x", stat("f/x", &st_));
	S("stat sl/", stat("sl/", &st_));
	S("lstat dirl/", lstat("dirl/", &st_));
	S("lstat dirl", lstat("dirl", &st_));
	S("stat NULL", stat(NULL, &st_));
	S("stat d/e/../../f", stat("d/e/../../f", &st_));
	fd = open("f", O_RDONLY);
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	pfd = open("sl", O_PATH | O_NOFOLLOW);
	S("fstat f", fstat(fd, &st_));
	S("fstat O_PATH symlink", fstat(pfd, &st_));
	S("fstat 999", fstat(999, &st_));
	S("fstatat d e", fstatat(dfd, "e", &st_, 0));
	S("fstatat d ../f", fstatat(dfd, "../f", &st_, 0));
	S("fstatat f x", fstatat(fd, "x", &st_, 0));
	S("fstatat 999 f", fstatat(999, "f", &st_, 0));
	S("fstatat 999 /tmp", fstatat(999, "/tmp", &st_, 0));
	S("fstatat f \"\" EMPTY", fstatat(fd, "", &st_, AT_EMPTY_PATH));
	S("fstatat f \"\" 0", fstatat(fd, "", &st_, 0));
	S("fstatat pfd \"\" EMPTY", fstatat(pfd, "", &st_, AT_EMPTY_PATH));
	S("fstatat CWD \"\" EMPTY", fstatat(AT_FDCWD, "", &st_, AT_EMPTY_PATH));
	S("fstatat sl NOFOLLOW", fstatat(AT_FDCWD, "sl", &st_, AT_SYMLINK_NOFOLLOW));
	S("fstatat flags 0x1", fstatat(AT_FDCWD, "f", &st_, 0x1));
	S("fstatat NO_AUTOMOUNT", fstatat(AT_FDCWD, "f", &st_, AT_NO_AUTOMOUNT));

	P("== statx\n");
	show_statx("statx f", AT_FDCWD, "f", 0, STATX_BASIC_STATS);
	show_statx("statx sl nofollow", AT_FDCWD, "sl", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS);
	show_statx("statx sl", AT_FDCWD, "sl", 0, STATX_BASIC_STATS);
	show_statx("statx d", AT_FDCWD, "d", 0, STATX_BASIC_STATS);
	show_statx("statx fd empty", fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS);
	show_statx("statx mask 0", AT_FDCWD, "f", 0, 0);
	show_statx("statx size only", AT_FDCWD, "f", 0, STATX_SIZE);
	show_statx("statx reserved", AT_FDCWD, "f", 0, 0x80000000U);
	show_statx("statx force|dont sync", AT_FDCWD, "f",
		   AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS);
	show_statx("statx force sync", AT_FDCWD, "f", AT_STATX_FORCE_SYNC, STATX_BASIC_STATS);
	show_statx("statx bad flag", AT_FDCWD, "f", 0x10000000, STATX_BASIC_STATS);
	show_statx("statx missing", AT_FDCWD, "nope", 0, STATX_BASIC_STATS);
	show_statx("statx empty no flag", AT_FDCWD, "", 0, STATX_BASIC_STATS);

	P("== readlink\n");
	memset(buf, 0, sizeof(buf));
	T(readlink("sl", buf, sizeof(buf)));
	T(readlink("dl", buf, 3));
	P("buf \"%s\"\n", buf);
	T(readlink("sl", buf, 0));
	T(readlink("sl", buf, -1));
	T(readlink("f", buf, sizeof(buf)));
	T(readlink("d", buf, sizeof(buf)));
	T(readlink("nope", buf, sizeof(buf)));
	T(readlink("sl/", buf, sizeof(buf)));
	T(readlink("dirl/", buf, sizeof(buf)));
	T(readlinkat(pfd, "", buf, sizeof(buf)));
	T(readlinkat(fd, "", buf, sizeof(buf)));
	T(readlinkat(dfd, "../sl", buf, sizeof(buf)));
	T(readlink("", buf, sizeof(buf)));
	snprintf(hp, sizeof(hp), "%s/link-to-01", host);
	n = readlink(hp, buf, sizeof(buf) - 1);
	P("readlink host link: %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
	S("stat host link", stat(hp, &st_));
	S("lstat host link", lstat(hp, &st_));

	P("== access\n");
	T(access("f", R_OK | W_OK));
	T(access("f", X_OK));
	T(access("d", X_OK));
	T(access("f", 8));
	T(access("nope", F_OK));
	T(access("dl", F_OK));
	T(faccessat(AT_FDCWD, "dl", F_OK, AT_SYMLINK_NOFOLLOW));
	T(faccessat(AT_FDCWD, "f", R_OK, AT_EACCESS));
	T(faccessat(AT_FDCWD, "f", R_OK, 0x8000));

	P("== chmod chown\n");
	T(chmod("f", 04755));
	S("after chmod 04755", stat("f", &st_));
	T(chown("f", 1234, 5678));
	S("after chown (suid cleared)", stat("f", &st_));
	T(chown("f", -1, -1));
	T(chmod("d", 02775));
	S("dir setgid", stat("d", &st_));
	T(mkdir("d/sg", 0777));
	S("subdir of setgid dir", stat("d/sg", &st_));
	T(fchmod(fd, 0600));
	T(fchmod(pfd, 0600));
	T(fchmod(999, 0600));
	T(fchmodat(AT_FDCWD, "f", 0644, 0));
	T(lchown("sl", 42, 43));
	S("lstat sl after lchown", lstat("sl", &st_));
	S("stat f (unchanged by lchown)", stat("f", &st_));
	T(fchown(fd, 7, 8));
	T(fchownat(dfd, "", 9, 10, AT_EMPTY_PATH));
	S("d after fchownat empty", stat("d", &st_));
	T(fchownat(AT_FDCWD, "f", 1, 1, 0x1));
	T(chmod("nope", 0644));
	T(chmod("dl", 0644));

	P("== utimensat\n");
	{
		struct timespec ts[2] = { { 1000000000, 123 }, { 1200000000, 456789 } };
		struct timespec omit[2] = { { 5, UTIME_OMIT }, { 1300000000, 1 } };
		struct timespec bad[2] = { { 1, 1000000000 }, { 1, 0 } };
		struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
		time_t before = time(NULL);

		T(utimensat(AT_FDCWD, "f", ts, 0));
		times_of("f", "f", 0);
		T(utimensat(AT_FDCWD, "f", omit, 0));
		times_of("f after omit", "f", 0);
		T(utimensat(AT_FDCWD, "f", bad, 0));
		T(utimensat(AT_FDCWD, "sl", ts, AT_SYMLINK_NOFOLLOW));
		times_of("sl (link)", "sl", AT_SYMLINK_NOFOLLOW);
		T(utimensat(AT_FDCWD, "f", ts, 0x8000));
		T(futimens(fd, ts));
		T(utimensat(AT_FDCWD, "f", now, 0));
		stat("f", &st);
		P("mtime now >= before: %d\n", st.st_mtim.tv_sec >= before);
		T(utimensat(fd, NULL, ts, 0));
		T(utimensat(AT_FDCWD, "nope", ts, 0));
	}

	P("== truncate\n");
	T(truncate("f", 5));
	S("after truncate 5", stat("f", &st_));
	T(truncate("f", 20));
	lfd = open("f", O_RDONLY);
	n = read(lfd, buf, sizeof(buf));
	P("read %zd, byte 10 is %d\n", n, buf[10]);
	close(lfd);
	T(truncate("f", -1));
	T(truncate("d", 0));
	T(truncate("p", 0));
	T(truncate("sl", 3));
	S("f after truncate via link", stat("f", &st_));
	T(truncate("nope", 0));
	T(truncate("f/", 0));
	T(ftruncate(fd, 0));
	T(ftruncate(dfd, 0));
	T(ftruncate(pfd, 0));
	lfd = open("f", O_WRONLY | O_APPEND);
	T(ftruncate(lfd, 2));
	close(lfd);
	lfd = open("f", O_RDWR);
	T(ftruncate(lfd, -5));
	T(ftruncate(lfd, 1));
	S("after ftruncate 1", fstat(lfd, &st_));
	close(lfd);

	P("== host directory (read only)\n");
	snprintf(hp, sizeof(hp), "%s/host-file-07", host);
	S("stat host file", stat(hp, &st_));
	show_statx("statx host file", AT_FDCWD, hp, 0, STATX_BASIC_STATS);
	snprintf(hp, sizeof(hp), "%s/sub/../host-file-07", host);
	S("stat host sub/..", stat(hp, &st_));
	snprintf(hp, sizeof(hp), "%s/host-file-07/", host);
	S("stat host file/", stat(hp, &st_));
	snprintf(hp, sizeof(hp), "%s/missing", host);
	S("stat host missing", stat(hp, &st_));

	close(fd);
	close(dfd);
	close(pfd);
	fam_leave();
	return 0;
}
