/* fam_fd: dup, dup2, dup3, fcntl (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD/F_SETFD,
 * F_GETFL/F_SETFL), close and close_range, O_PATH descriptors, shared offsets. See
 * fam.h. */
#include "fam.h"

#include <sys/ioctl.h>
#include <sys/resource.h>

int main(void)
{
	struct rlimit rl;
	char buf[64];
	int fd, fd2, pfd, dfd, pp[2];

	fam_enter();
	fam_file("f", "0123456789", 0644);
	getrlimit(RLIMIT_NOFILE, &rl);
	fd = open("f", O_RDWR);
	P("fd %d\n", fd);

	P("== dup\n");
	T(dup(fd));
	T(dup(999));
	T(dup(-1));
	T(dup2(fd, fd));
	T(dup2(999, 999));
	T(dup2(fd, 100));
	T(dup2(fd, (int)rl.rlim_cur));
	T(dup2(fd, -1));
	T(dup3(fd, fd, 0));
	T(dup3(fd, 101, O_CLOEXEC));
	T(fcntl(101, F_GETFD));
	T(dup3(fd, 102, O_NONBLOCK));
	T(dup3(fd, 102, 0));
	T(fcntl(102, F_GETFD));
	T(dup3(999, 103, 0));
	T(read(fd, buf, 3));
	T(lseek(100, 0, SEEK_CUR));
	T(lseek(4, 0, SEEK_CUR));
	T(close(100));
	T(close(100));
	T(lseek(100, 0, SEEK_CUR));

	P("== fcntl\n");
	T(fcntl(fd, F_DUPFD, 10));
	T(fcntl(fd, F_DUPFD, 10));
	T(fcntl(fd, F_DUPFD_CLOEXEC, 20));
	T(fcntl(20, F_GETFD));
	T(fcntl(fd, F_DUPFD, -1));
	T(fcntl(fd, F_DUPFD, (int)rl.rlim_cur));
	T(fcntl(fd, F_DUPFD, (int)rl.rlim_cur - 1) == (int)rl.rlim_cur - 1);
	T(fcntl(fd, F_GETFD));
	T(fcntl(fd, F_SETFD, FD_CLOEXEC));
	T(fcntl(fd, F_GETFD));
	T(fcntl(fd, F_SETFD, 0xff));
	T(fcntl(fd, F_GETFD));
	T(fcntl(fd, F_SETFD, 0));
	T(fcntl(fd, F_GETFL));
	T(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
	T(fcntl(fd, F_GETFL));
	T(fcntl(10, F_GETFL));
	T(fcntl(fd, F_SETFL, O_RDONLY));
	T(fcntl(fd, F_GETFL));
	T(fcntl(fd, F_SETFL, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_NOCTTY));
	T(fcntl(fd, F_GETFL));
	T(fcntl(fd, F_SETFL, O_NOATIME));
	T(fcntl(fd, F_GETFL));
	T(fcntl(fd, 9999));
	T(fcntl(999, F_GETFL));
	T(fcntl(fd, F_GETPIPE_SZ));
	fd2 = open("f", O_WRONLY | O_APPEND | O_CLOEXEC | O_SYNC);
	T(fcntl(fd2, F_GETFL));
	T(fcntl(fd2, F_GETFD));
	close(fd2);
	fd2 = open("f", O_RDONLY | O_DSYNC);
	T(fcntl(fd2, F_GETFL));
	close(fd2);

	P("== O_PATH\n");
	pfd = open("f", O_PATH | O_RDWR | O_APPEND);
	T(fcntl(pfd, F_GETFL));
	T(read(pfd, buf, 1));
	T(write(pfd, "x", 1));
	T(lseek(pfd, 0, SEEK_SET));
	T(fcntl(pfd, F_DUPFD, 0) >= 0);
	T(fcntl(pfd, F_SETFL, O_NONBLOCK));
	T(fcntl(pfd, F_GETFL));
	T(fchdir(pfd));
	dfd = open(".", O_PATH | O_DIRECTORY);
	T(fcntl(dfd, F_GETFL));
	T(fchdir(dfd));
	T(openat(dfd, "f", O_RDONLY) >= 0);
	T(syscall(SYS_getdents64, dfd, buf, sizeof(buf)));
	T(fsync(pfd));
	T(ioctl(pfd, 0x5421 /* FIONBIO */, &(int){ 1 }));
	close(pfd);
	close(dfd);

	P("== pipes\n");
	T(pipe2(pp, O_NONBLOCK | O_CLOEXEC));
	T(fcntl(pp[0], F_GETFL));
	T(fcntl(pp[1], F_GETFL));
	T(fcntl(pp[0], F_GETFD));
	T(read(pp[0], buf, 1));
	T(lseek(pp[0], 0, SEEK_CUR));
	T(pipe2(pp, 0x1));

	P("== close_range\n");
	T(dup2(fd, 50));
	T(dup2(fd, 51));
	T(dup2(fd, 52));
	T(close_range(50, 51, 0));
	T(fcntl(50, F_GETFD));
	T(fcntl(52, F_GETFD));
	T(close_range(52, 60, CLOSE_RANGE_CLOEXEC));
	T(fcntl(52, F_GETFD));
	T(close_range(60, 50, 0));
	T(close_range(50, 60, 0x10));
	T(close_range(3, ~0U, 0));
	T(fcntl(fd, F_GETFD));
	fam_leave();
	return 0;
}
