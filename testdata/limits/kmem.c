/*
 * kmem: what the Sentry buffers for the application counts against the sandbox's
 * memory limit (run under `sbx run --memory 64m`; sbx-only, tests/integration/limits/
 * limits.sh: natively nothing limits root's pipes or message queues this way).
 *
 *   kmem       three processes each fill 1 MiB pipes until a write fails; together
 *              they must stop with ENOMEM below the limit. Once they are gone the
 *              same room is there again. Then System V message queues are filled
 *              until msgsnd fails: ENOMEM below the limit too, and once they are
 *              removed the pipes fill as before. Then unix socket pairs filled until
 *              a send fails with ENOBUFS. Then files in /tmp until a create
 *              fails with ENOSPC, and files with a 64 KiB extended attribute until
 *              a set fails with ENOMEM; once removed, the pipes fill as before.
 *              Last, descriptors of /dev/null up to RLIMIT_NOFILE's hard limit (a
 *              million): ENOMEM first, and the room comes back when they close.
 *              Then, with pipes holding most of the limit, epoll entries until
 *              epoll_ctl fails with ENOMEM.
 *   cr         (zdtm form, for a checkpoint between "ready" and SIGUSR1) fills
 *              40 MiB of pipes first; after the signal the pipes must hold their data
 *              and only what is left of the limit may be filled.
 *
 * Each verdict is a line the script checks; the last line is "done".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1024 * 1024)
#define MAX_PIPES 200

static char buf[MiB];
static int rd[MAX_PIPES], wr[MAX_PIPES], npipes;

/* Fills 1 MiB pipes until a write fails or @max are full: the MiB written; the
 * failure's errno in *err (0 if none failed). */
static int fill(int max, int *err)
{
	int mb = 0;

	*err = 0;
	while (mb < max && npipes < MAX_PIPES) {
		int fd[2];
		ssize_t n;

		if (pipe2(fd, O_NONBLOCK) || fcntl(fd[1], F_SETPIPE_SZ, MiB) < 0) {
			*err = errno;
			break;
		}
		memset(buf, 'a' + npipes % 26, MiB);
		n = write(fd[1], buf, MiB);
		rd[npipes] = fd[0];
		wr[npipes++] = fd[1];
		/* A write cut short by the limit: the rest must then fail. */
		if (n > 0 && n < MiB && write(fd[1], buf + n, MiB - n) >= 0)
			n = -1, errno = EMSGSIZE;
		if (n != MiB) {
			*err = errno;
			break;
		}
		mb++;
	}
	return mb;
}

static void empty_pipes(void)
{
	while (npipes) {
		npipes--;
		close(rd[npipes]);
		close(wr[npipes]);
	}
}

static const char *range(int mb, int lo, int hi)
{
	return mb >= lo && mb <= hi ? "in range" : "OUT OF RANGE";
}

/* Unix stream socket pairs, each filled to its buffer, until a send fails. */
static int run_sockets(void)
{
	static char chunk[65536];
	long total = 0;
	int err = 0, n = 0, mb;

	while (n < 1000 && !err) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) {
			err = errno;
			break;
		}
		n++;
		for (;;) {
			ssize_t k = send(sv[0], chunk, sizeof(chunk), MSG_DONTWAIT);

			if (k < 0) {
				if (errno != EAGAIN)
					err = errno;
				break;
			}
			total += k;
		}
	}
	printf("socket buffers: %ld MiB, %s, stopped by %s\n", total / MiB,
	       range(total / MiB, 40, 64), strerrorname_np(err));
	closefrom(3);
	mb = fill(MAX_PIPES, &err);
	printf("once the sockets are closed: pipes %s\n", range(mb, 40, 64));
	empty_pipes();
	return 0;
}

/* Makes files with long names in a new directory until a create fails (with a
 * 64 KiB extended attribute each if @xattr), then removes them: the count and the
 * failure's errno. */
static int make_files(const char *dir, bool xattr, int *err)
{
	static char val[65536];
	char name[300];
	int n;

	*err = 0;
	if (mkdir(dir, 0700))
		return -1;
	for (n = 0; n < 400000 && !*err; n++) {
		int fd;

		snprintf(name, sizeof(name), "%s/%0200d", dir, n);
		fd = open(name, O_CREAT | O_WRONLY, 0600);
		if (fd < 0) {
			*err = errno;
			break;
		}
		if (xattr && fsetxattr(fd, "user.big", val, sizeof(val), 0))
			*err = errno;
		close(fd);
	}
	for (int i = 0; i <= n; i++) {
		snprintf(name, sizeof(name), "%s/%0200d", dir, i);
		unlink(name);
	}
	rmdir(dir);
	return n;
}

/* Epoll entries, with the pipes still holding all but about 4 MiB of the limit:
 * 64 epolls each watching the same 2000 pipe ends until epoll_ctl fails. */
static int run_epoll(void)
{
	int p[2], ends[2000], eps[64], n = 0, err = 0;
	long entries = 0;

	empty_pipes();
	fill(56, &err);
	for (; n < 2000 && !pipe(p); n++) {
		ends[n] = p[0];
		close(p[1]);
	}
	for (int i = 0; i < 64 && !err; i++) {
		eps[i] = epoll_create1(0);
		for (int j = 0; j < n && !err; j++) {
			struct epoll_event ev = { .events = EPOLLIN };

			if (epoll_ctl(eps[i], EPOLL_CTL_ADD, ends[j], &ev))
				err = errno;
			else
				entries++;
		}
	}
	printf("epoll entries: %s, stopped by %s\n", entries > 1000 ? "many" : "FEW",
	       strerrorname_np(err));
	return 0;
}

/* Open file descriptions: a million descriptors are allowed (RLIMIT_NOFILE's hard
 * limit), the memory for them is not. */
static int run_fds(void)
{
	struct rlimit rl;
	int n = 0, fd, err = 0, mb;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 2;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 2;
	while (n < 2000000 && (fd = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	err = errno;
	printf("descriptors: %s, stopped by %s\n", n > 100000 ? "many" : "FEW",
	       strerrorname_np(err));
	closefrom(3);
	mb = fill(MAX_PIPES, &err);
	printf("once they are closed: pipes %s\n", range(mb, 40, 64));
	return run_epoll();
}

/* Files the sandbox makes in its in-memory filesystems, and their attributes. */
static int run_files(void)
{
	int n, err, mb;

	n = make_files("/tmp/kmem-names", false, &err);
	printf("empty files: %s, stopped by %s\n", n > 10000 ? "many" : "FEW",
	       strerrorname_np(err));
	n = make_files("/tmp/kmem-xattrs", true, &err);
	printf("64 KiB attributes: %d MiB, %s, stopped by %s\n", n / 16, range(n / 16, 40, 64),
	       strerrorname_np(err));
	mb = fill(MAX_PIPES, &err);
	printf("once the files are gone: pipes %s\n", range(mb, 40, 64));
	empty_pipes();
	return run_fds();
}

static int run_kmem(void)
{
	int report[2], total = 0, err, mb;
	pid_t kids[3];

	if (pipe(report))
		return 2;
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			int got[2];

			got[0] = fill(MAX_PIPES, &err);
			got[1] = err;
			if (write(report[1], got, sizeof(got)) != sizeof(got))
				_exit(2);
			pause();
			_exit(0);
		}
	}
	for (int i = 0; i < 3; i++) {
		int got[2];

		if (read(report[0], got, sizeof(got)) != sizeof(got))
			return 2;
		total += got[0];
		if (got[1])
			err = got[1];
	}
	printf("pipes of three processes: %d MiB, %s, stopped by %s\n", total,
	       range(total, 40, 64), strerrorname_np(err));
	for (int i = 0; i < 3; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	mb = fill(MAX_PIPES, &err);
	printf("once they are gone: %d MiB, %s, stopped by %s\n", mb, range(mb, 40, 64),
	       strerrorname_np(err));
	empty_pipes();

	/* Root in the sandbox has no CAP_SYS_RESOURCE (a container's capabilities) to
	 * raise msg_qbytes: many full queues of MSGMNB bytes instead. */
	static int qs[8192];
	struct { long type; char text[8192]; } m = { 1, { 0 } };
	long bytes = 0;
	int nq = 0;

	err = 0;
	while (!err && nq < 8192 && bytes < 256L * MiB) {
		int q = msgget(IPC_PRIVATE, 0600);

		if (q < 0) {
			err = errno;
			break;
		}
		qs[nq++] = q;
		for (int i = 0; i < 2 && !err; i++) {
			if (msgsnd(q, &m, sizeof(m.text), IPC_NOWAIT))
				err = errno;
			else
				bytes += sizeof(m.text);
		}
	}
	printf("message queues: %ld MiB, %s, stopped by %s\n", bytes / MiB,
	       range(bytes / MiB, 40, 64), strerrorname_np(err));
	while (nq)
		msgctl(qs[--nq], IPC_RMID, NULL);
	mb = fill(MAX_PIPES, &err);
	printf("after its removal: pipes %s\n", range(mb, 40, 64));
	empty_pipes();
	return run_sockets() || run_files();
}

static void on_usr1(int sig)
{
	(void)sig;
}

static int run_cr(void)
{
	int err, mb, bad = 0;
	sigset_t usr1, old;

	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	mb = fill(40, &err);
	printf("before: %d MiB in pipes\nready\n", mb);
	fflush(stdout);
	sigsuspend(&old);
	for (int i = 0; i < npipes; i++) {
		if (read(rd[i], buf, MiB) != MiB)
			bad++;
		for (int j = 0; j < MiB; j += 4096)
			bad += buf[j] != 'a' + i % 26;
	}
	printf("after: the pipes' data %s\n", bad ? "DIFFERS" : "intact");
	/* Read pipes stay charged (their rings were touched): what is left is the
	 * limit less the 40 MiB and the program. */
	mb = fill(MAX_PIPES, &err);
	printf("after: %d more MiB, %s, stopped by %s\n", mb, range(mb, 4, 24),
	       strerrorname_np(err));
	return 0;
}

int main(int argc, char **argv)
{
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || (strcmp(argv[1], "kmem") && strcmp(argv[1], "cr"))) {
		fprintf(stderr, "usage: kmem kmem|cr\n");
		return 2;
	}
	rc = strcmp(argv[1], "cr") ? run_kmem() : run_cr();
	if (!rc)
		printf("done\n");
	return rc;
}
