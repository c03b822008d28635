/* fam_utimes: the old time-setting syscalls, utime, utimes and futimesat, beside
 * utimensat: explicit times (whole seconds, microseconds), "now", the fd forms, their
 * argument checks in Linux's order (EFAULT, EINVAL for a bad tv_usec before the path
 * is looked at, EBADF, ENOTDIR) and the permission rules: "now" needs write
 * permission or ownership, an explicit time ownership (EACCES / EPERM). Raw syscalls,
 * since glibc implements these over utimensat. */
#include "fam.h"

#include <sys/time.h>
#include <sys/wait.h>
#include <utime.h>

#define BAD ((void *)1)

static void show_times(const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		P("stat %s: %s\n", path, fam_ename(errno));
		return;
	}
	P("%s: atime %lld.%09ld mtime %lld.%09ld\n", path, (long long)st.st_atim.tv_sec,
	  st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

/* Whether both times were set to the present (after @since). */
static void show_now(const char *path, time_t since)
{
	struct stat st;

	if (stat(path, &st)) {
		P("stat %s: %s\n", path, fam_ename(errno));
		return;
	}
	P("%s: set to now: %d %d\n", path, st.st_atim.tv_sec >= since,
	  st.st_mtim.tv_sec >= since);
}

static void unprivileged(void)
{
	struct timeval tv[2] = { { 5, 0 }, { 6, 0 } };
	struct utimbuf ub = { 7, 8 };
	struct timespec now_omit[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	struct timespec now_now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

	if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		_exit(90);
	P("as uid 1000:\n");
	T(syscall(SYS_utimes, "ro", NULL));             /* 0644, root's: EACCES */
	T(syscall(SYS_utimes, "ro", tv));               /* explicit: EPERM */
	T(syscall(SYS_utime, "ro", NULL));
	T(syscall(SYS_utimes, "rw", NULL));             /* 0666: write permission will do */
	T(syscall(SYS_utime, "rw", &ub));
	T(syscall(SYS_futimesat, AT_FDCWD, "rw", tv));
	T(utimensat(AT_FDCWD, "rw", now_now, 0));
	T(utimensat(AT_FDCWD, "rw", now_omit, 0));      /* not both now: the owner's */
	T(syscall(SYS_utimes, "ro", BAD));              /* EFAULT before the path */
	int fd = open("mine", O_CREAT | O_WRONLY, 0600);
	T(syscall(SYS_utimes, "mine", tv));
	T(syscall(SYS_futimesat, fd, NULL, tv));
	show_times("mine");
	close(fd);
	unlink("mine");
}

int main(void)
{
	struct timeval tv[2] = { { 1000, 500 }, { 2000, 999999 } };
	struct timeval tv_big[2] = { { 1, 1000000 }, { 2, 0 } };
	struct timeval tv_neg[2] = { { 1, 0 }, { 2, -1 } };
	struct timeval tv_now[2] = { { 1, UTIME_NOW }, { 2, 0 } };
	struct timespec ts_bad[2] = { { 1, 1000000000 }, { 2, 0 } };
	struct utimbuf ub = { 300, 400 };
	time_t start = time(NULL);
	int fd, dfd, pfd, st;
	char abs[128];
	pid_t pid;

	fam_enter();
	fam_file("f", "data", 0644);
	fam_file("ro", "data", 0644);
	fam_file("rw", "data", 0666);
	mkdir("d", 0755);
	fam_file("d/g", "g", 0644);
	symlink("f", "link");
	chmod(".", 0777);

	P("utime:\n");
	T(syscall(SYS_utime, "f", &ub));
	show_times("f");
	T(syscall(SYS_utime, "f", NULL));
	show_now("f", start);
	T(syscall(SYS_utime, "missing", &ub));
	T(syscall(SYS_utime, "f", BAD));
	T(syscall(SYS_utime, NULL, &ub));
	T(syscall(SYS_utime, "", &ub));
	T(syscall(SYS_utime, "f/x", &ub));
	T(syscall(SYS_utime, "link", &ub));             /* follows the link */
	show_times("f");

	P("utimes:\n");
	T(syscall(SYS_utimes, "f", tv));
	show_times("f");
	T(syscall(SYS_utimes, "f", tv_big));
	T(syscall(SYS_utimes, "f", tv_neg));
	T(syscall(SYS_utimes, "f", tv_now));            /* no UTIME_NOW in microseconds */
	T(syscall(SYS_utimes, "missing", tv_big));      /* EINVAL before the lookup */
	T(syscall(SYS_utimes, "missing", tv));
	T(syscall(SYS_utimes, "f", BAD));
	T(syscall(SYS_utimes, "d", tv));
	show_times("d");
	T(syscall(SYS_utimes, "d", NULL));
	show_now("d", start);
	show_times("f");

	P("futimesat:\n");
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	fd = open("f", O_RDONLY);
	pfd = open("f", O_PATH);
	T(syscall(SYS_futimesat, dfd, "g", tv));
	show_times("d/g");
	T(syscall(SYS_futimesat, fd, NULL, tv_big));
	tv[1].tv_sec = 3000;
	T(syscall(SYS_futimesat, fd, NULL, tv));        /* the file itself */
	show_times("f");
	T(syscall(SYS_futimesat, fd, "g", tv));         /* not a directory */
	T(syscall(SYS_futimesat, 999, "g", tv));
	T(syscall(SYS_futimesat, 999, NULL, tv));
	snprintf(abs, sizeof(abs), "%s/d/g", fam_top);
	T(syscall(SYS_futimesat, 999, abs, NULL));      /* absolute: dirfd unused */
	T(syscall(SYS_futimesat, pfd, NULL, tv));       /* O_PATH: EBADF */
	T(syscall(SYS_futimesat, AT_FDCWD, NULL, tv));
	T(syscall(SYS_futimesat, dfd, "g", BAD));
	T(syscall(SYS_futimesat, dfd, "../f", NULL));
	show_now("f", start);

	P("utimensat:\n");
	T(utimensat(AT_FDCWD, "f", ts_bad, 0));
	T(utimensat(AT_FDCWD, "missing", ts_bad, 0));
	T(syscall(SYS_utimensat, fd, NULL, NULL, AT_SYMLINK_NOFOLLOW));
	T(syscall(SYS_utimensat, fd, NULL, NULL, 0));
	T(syscall(SYS_utimensat, pfd, NULL, NULL, 0));
	T(syscall(SYS_utimensat, AT_FDCWD, NULL, NULL, 0));
	T(syscall(SYS_utimensat, 999, NULL, NULL, 0));
	T(syscall(SYS_utimensat, AT_FDCWD, "f", NULL, 0x8000));
	close(fd);
	close(dfd);
	close(pfd);

	pid = fork();
	if (pid == 0) {
		unprivileged();
		_exit(0);
	}
	waitpid(pid, &st, 0);
	P("child: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	show_now("rw", start);
	fam_leave();
	return 0;
}
