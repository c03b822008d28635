/* fam_splice: sendfile, splice, tee, copy_file_range and vmsplice between regular
 * files and pipes: offsets by pointer versus the file position, partial counts, the
 * pipe-only and file-only rules, len 0, SPLICE_F_NONBLOCK, a splice blocked on an
 * empty pipe ended by a signal, and their errnos. See fam.h. */
#include "fam.h"

#include <signal.h>
#include <sys/sendfile.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>

static void contents(const char *label, int fd)
{
	static char buf[300000];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	P("%-30s %zd bytes, hash %016llx\n", label, n, fam_fnv(buf, n > 0 ? n : 0));
}

/* Drains what a pipe holds (without blocking) and shows it. */
static void drain(const char *label, int rd)
{
	static char buf[300000];
	int fl = fcntl(rd, F_GETFL);
	ssize_t n, total = 0;

	fcntl(rd, F_SETFL, fl | O_NONBLOCK);
	while ((n = read(rd, buf + total, sizeof(buf) - total)) > 0)
		total += n;
	fcntl(rd, F_SETFL, fl);
	P("%-30s %zd bytes, hash %016llx\n", label, total, fam_fnv(buf, total));
}

static void on_alarm(int sig)
{
}

int main(int argc, char **argv)
{
	static char big[200000];
	loff_t off, off2;
	int src, dst, ro, wo, ap, d, p[2], q[2], r[2], shm, bigf, status;
	pid_t pid;
	char buf[64] = "0123456789abcdefghijklmnopqrstuvwxyz";
	struct iovec iov[2] = { { buf, 10 }, { buf + 20, 6 } };
	struct sigaction sa = { .sa_handler = on_alarm };

	fam_enter();
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = 'a' + (i * 7 + i / 13) % 26;
	bigf = open("big", O_CREAT | O_RDWR, 0644);
	write(bigf, big, sizeof(big));
	src = open("src", O_CREAT | O_RDWR, 0644);
	write(src, big, 10000);
	lseek(src, 0, SEEK_SET);
	dst = open("dst", O_CREAT | O_RDWR, 0644);
	ro = open("src", O_RDONLY);
	wo = open("dst", O_WRONLY);
	ap = open("app", O_CREAT | O_WRONLY | O_APPEND, 0644);
	d = open(".", O_RDONLY | O_DIRECTORY);
	pipe(p);
	pipe(q);

	P("== sendfile\n");
	T(sendfile(dst, src, NULL, 100));
	T(lseek(src, 0, SEEK_CUR));
	T(lseek(dst, 0, SEEK_CUR));
	off = 5000;
	T(sendfile(dst, src, &off, 3000));
	P("off %lld\n", (long long)off);
	T(lseek(src, 0, SEEK_CUR));
	off = 9990;
	T(sendfile(dst, src, &off, 100));
	P("off %lld\n", (long long)off);
	off = 20000;
	T(sendfile(dst, src, &off, 100));
	T(sendfile(dst, src, NULL, 0));
	off = -1;
	T(sendfile(dst, src, &off, 10));
	T(sendfile(999, src, NULL, 1));
	T(sendfile(dst, 999, NULL, 1));
	T(sendfile(dst, wo, NULL, 1));
	T(sendfile(ro, src, NULL, 1));
	T(sendfile(ap, src, NULL, 1));
	T(sendfile(dst, d, NULL, 1));
	T(sendfile(dst, src, (loff_t *)1, 10));
	off = 0;
	T(sendfile(p[1], src, &off, 300));
	drain("pipe after sendfile", p[0]);
	T(write(p[1], "from a pipe", 11));
	T(sendfile(dst, p[0], NULL, 100));
	off = 0;
	T(sendfile(dst, p[0], &off, 100));
	contents("dst", dst);

	P("== splice file to pipe\n");
	off = 0;
	T(splice(src, &off, p[1], NULL, 100, 0));
	P("off %lld\n", (long long)off);
	T(lseek(src, 0, SEEK_SET));
	T(splice(src, NULL, p[1], NULL, 50, 0));
	T(lseek(src, 0, SEEK_CUR));
	off = 9999;
	T(splice(src, &off, p[1], NULL, 50, 0));
	off = 10000;
	T(splice(src, &off, p[1], NULL, 50, 0));
	drain("pipe after splice", p[0]);
	off = 0;
	T(splice(bigf, &off, p[1], NULL, sizeof(big), SPLICE_F_NONBLOCK));
	P("off %lld\n", (long long)off);
	T(splice(bigf, &off, p[1], NULL, 10, SPLICE_F_NONBLOCK));
	drain("pipe after a full splice", p[0]);

	P("== splice pipe to file\n");
	T(write(p[1], big, 500));
	T(splice(p[0], NULL, dst, NULL, 150, 0));
	T(lseek(dst, 0, SEEK_CUR));
	off = 20;
	T(splice(p[0], NULL, dst, &off, 1000, 0));
	P("off %lld\n", (long long)off);
	T(splice(p[0], NULL, dst, NULL, 10, SPLICE_F_NONBLOCK));
	contents("dst", dst);

	P("== splice pipe to pipe\n");
	T(write(p[1], "pipe to pipe", 12));
	T(splice(p[0], NULL, q[1], NULL, 5, 0));
	T(splice(p[0], NULL, q[1], NULL, 100, SPLICE_F_MOVE | SPLICE_F_MORE));
	drain("q", q[0]);
	T(splice(p[0], NULL, q[1], NULL, 100, SPLICE_F_NONBLOCK));
	T(fcntl(p[0], F_SETFL, O_NONBLOCK));
	T(splice(p[0], NULL, q[1], NULL, 100, 0));
	T(fcntl(p[0], F_SETFL, 0));

	P("== splice errors\n");
	T(splice(src, NULL, dst, NULL, 10, 0));
	off = 0;
	T(splice(p[0], &off, dst, NULL, 10, 0));
	T(splice(src, NULL, p[1], &off, 10, 0));
	T(splice(p[0], NULL, p[1], NULL, 10, 0));
	T(splice(p[1], NULL, dst, NULL, 10, 0));
	T(splice(p[0], NULL, ro, NULL, 10, 0));
	T(splice(wo, NULL, p[1], NULL, 10, 0));
	T(splice(p[0], NULL, ap, NULL, 10, 0));
	T(splice(p[0], NULL, dst, NULL, 10, 0x100));
	T(splice(p[0], NULL, dst, NULL, 0, 0));
	T(splice(999, NULL, p[1], NULL, 10, 0));
	T(splice(d, NULL, p[1], NULL, 10, 0));
	off = -5;
	T(splice(src, &off, p[1], NULL, 10, 0));
	T(splice(src, (loff_t *)1, p[1], NULL, 10, 0));
	T(splice(p[0], NULL, dst, NULL, 10, SPLICE_F_NONBLOCK));
	/* A full pipe. */
	T(fcntl(q[1], F_SETFL, O_NONBLOCK));
	while (write(q[1], big, sizeof(big)) > 0)
		;
	T(fcntl(q[1], F_SETFL, 0));
	off = 0;
	T(splice(src, &off, q[1], NULL, 10, SPLICE_F_NONBLOCK));
	T(write(p[1], "x", 1));
	T(splice(p[0], NULL, q[1], NULL, 10, SPLICE_F_NONBLOCK));
	drain("q full", q[0]);
	drain("p", p[0]);
	/* No writers: end of file; no readers: EPIPE. */
	pipe(r);
	close(r[1]);
	T(splice(r[0], NULL, dst, NULL, 10, 0));
	T(splice(r[0], NULL, q[1], NULL, 10, 0));
	close(r[0]);
	pipe(r);
	close(r[0]);
	off = 0;
	T(splice(src, &off, r[1], NULL, 10, 0));
	T(write(p[1], "y", 1));
	T(splice(p[0], NULL, r[1], NULL, 10, 0));
	close(r[1]);
	drain("p", p[0]);

	P("== tee\n");
	T(write(p[1], "hello tee", 9));
	T(tee(p[0], q[1], 100, 0));
	T(tee(p[0], q[1], 4, 0));
	drain("q after tee", q[0]);
	drain("p after tee", p[0]);
	T(tee(p[0], q[1], 100, SPLICE_F_NONBLOCK));
	T(tee(p[0], q[1], 0, 0));
	T(tee(p[0], p[1], 10, 0));
	T(tee(src, q[1], 10, 0));
	T(tee(p[0], dst, 10, 0));
	T(tee(p[1], q[1], 10, 0));
	T(tee(p[0], q[0], 10, 0));
	T(tee(p[0], q[1], 10, 0x100));
	T(tee(999, q[1], 10, 0));
	pipe(r);
	close(r[1]);
	T(tee(r[0], q[1], 10, 0));
	close(r[0]);

	P("== copy_file_range\n");
	off = 100;
	off2 = 0;
	T(copy_file_range(src, &off, dst, &off2, 200, 0));
	P("off %lld off2 %lld\n", (long long)off, (long long)off2);
	T(lseek(src, 7, SEEK_SET));
	T(lseek(dst, 3, SEEK_SET));
	T(copy_file_range(src, NULL, dst, NULL, 20, 0));
	T(lseek(src, 0, SEEK_CUR));
	T(lseek(dst, 0, SEEK_CUR));
	off = 9990;
	T(copy_file_range(src, &off, dst, NULL, 100, 0));
	off = 10000;
	T(copy_file_range(src, &off, dst, NULL, 100, 0));
	off = 0;
	T(copy_file_range(src, &off, dst, NULL, 0, 0));
	T(copy_file_range(src, NULL, dst, NULL, 10, 1));
	T(copy_file_range(src, NULL, ap, NULL, 10, 0));
	T(copy_file_range(wo, NULL, dst, NULL, 10, 0));
	T(copy_file_range(src, NULL, ro, NULL, 10, 0));
	T(copy_file_range(d, NULL, dst, NULL, 10, 0));
	T(copy_file_range(src, NULL, d, NULL, 10, 0));
	T(copy_file_range(p[0], NULL, dst, NULL, 10, 0));
	T(copy_file_range(src, NULL, p[1], NULL, 10, 0));
	T(copy_file_range(999, NULL, dst, NULL, 10, 0));
	off = 0;
	off2 = 50;
	T(copy_file_range(src, &off, src, &off2, 100, 0));
	off2 = 5000;
	T(copy_file_range(src, &off, src, &off2, 100, 0));
	off = -1;
	T(copy_file_range(src, &off, dst, NULL, 10, 0));
	T(copy_file_range(src, (loff_t *)1, dst, NULL, 10, 0));
	shm = open("/dev/shm", O_TMPFILE | O_RDWR, 0600);
	if (shm >= 0) {
		off = 0;
		T(copy_file_range(src, &off, shm, NULL, 10, 0));
		close(shm);
	}
	contents("src", src);
	contents("dst", dst);

	P("== vmsplice\n");
	T(vmsplice(p[1], iov, 2, 0));
	drain("p after vmsplice", p[0]);
	T(write(p[1], "read by vmsplice", 16));
	memset(buf, 0, sizeof(buf));
	T(vmsplice(p[0], iov, 2, 0));
	P("got '%.10s' '%.6s'\n", buf, buf + 20);
	drain("p", p[0]);
	T(vmsplice(p[0], iov, 2, SPLICE_F_NONBLOCK));
	T(vmsplice(src, iov, 2, 0));
	T(vmsplice(p[1], iov, 2, 0x100));
	T(vmsplice(p[1], iov, 0, 0));
	T(vmsplice(999, iov, 1, 0));
	T(vmsplice(q[1], iov, 2, SPLICE_F_NONBLOCK));
	drain("q", q[0]);

	P("== a blocked splice ends with a signal\n");
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &(struct itimerval){ .it_value = { 0, 50000 } }, NULL);
	T(splice(p[0], NULL, dst, NULL, 10, 0));
	setitimer(ITIMER_REAL, &(struct itimerval){ .it_value = { 0, 50000 } }, NULL);
	T(tee(p[0], q[1], 10, 0));
	/* Blocked on a full pipe. */
	T(fcntl(q[1], F_SETFL, O_NONBLOCK));
	while (write(q[1], big, sizeof(big)) > 0)
		;
	T(fcntl(q[1], F_SETFL, 0));
	setitimer(ITIMER_REAL, &(struct itimerval){ .it_value = { 0, 50000 } }, NULL);
	off = 0;
	T(splice(src, &off, q[1], NULL, 10, 0));
	drain("q", q[0]);

	P("== with SA_RESTART it restarts, and takes what comes\n");
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	pid = fork();
	if (pid == 0) {
		usleep(150 * 1000);
		_exit(write(p[1], "late", 4) == 4 ? 0 : 1);
	}
	setitimer(ITIMER_REAL, &(struct itimerval){ .it_value = { 0, 50000 } }, NULL);
	T(splice(p[0], NULL, dst, NULL, 10, 0));
	waitpid(pid, &status, 0);
	P("child %d\n", WEXITSTATUS(status));

	fam_leave();
	return 0;
}
