/* fcntl_owner: F_SETOWN, F_GETOWN, F_SETOWN_EX, F_GETOWN_EX, F_SETSIG and F_GETSIG
 * on a socket pair, a pipe and a file (nginx sets the owner of its channels to its
 * workers), with Linux's errors: a pid or group that does not exist (ESRCH), INT_MIN,
 * a bad owner type or signal (EINVAL). The owner belongs to the open file: a dup
 * shares it, a fork's copy of the descriptor too.
 *
 * usage: td_files_fcntl_owner [cr]   (cr: zdtm form; the owner and signal set before
 *                                     the ready mark are the same after a restore) */
#include "../cr/cr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, strerror(errno));
	else
		printf("%s: %ld\n", what, r);
}

static void owner_ex(const char *what, int fd)
{
	struct f_owner_ex ex = { -1, -1 };

	if (fcntl(fd, F_GETOWN_EX, &ex))
		printf("%s: %s\n", what, strerror(errno));
	else
		printf("%s: type %d pid %s\n", what, ex.type,
		       ex.pid == 0 ? "0" : ex.pid == getpid() ? "self" : "other");
}

static void cases(const char *name, int fd)
{
	struct f_owner_ex ex;
	char label[64];

	printf("-- %s\n", name);
	show("F_GETOWN at first", fcntl(fd, F_GETOWN));
	owner_ex("F_GETOWN_EX at first", fd);
	show("F_GETSIG at first", fcntl(fd, F_GETSIG));
	show("F_SETOWN self", fcntl(fd, F_SETOWN, getpid()));
	printf("F_GETOWN is self: %d\n", fcntl(fd, F_GETOWN) == getpid());
	owner_ex("F_GETOWN_EX", fd);
	show("F_SETOWN -pgrp", fcntl(fd, F_SETOWN, -getpgrp()));
	printf("F_GETOWN is -pgrp: %d\n", fcntl(fd, F_GETOWN) == -getpgrp());
	owner_ex("F_GETOWN_EX of a group", fd);
	show("F_SETOWN 99999 (no such pid)", fcntl(fd, F_SETOWN, 99999));
	show("F_SETOWN INT_MIN", fcntl(fd, F_SETOWN, INT_MIN));
	show("F_SETOWN 0", fcntl(fd, F_SETOWN, 0));
	show("F_GETOWN after 0", fcntl(fd, F_GETOWN));
	ex = (struct f_owner_ex){ F_OWNER_TID, getpid() };
	show("F_SETOWN_EX tid", fcntl(fd, F_SETOWN_EX, &ex));
	owner_ex("F_GETOWN_EX tid", fd);
	ex = (struct f_owner_ex){ 7, getpid() };
	show("F_SETOWN_EX bad type", fcntl(fd, F_SETOWN_EX, &ex));
	ex = (struct f_owner_ex){ F_OWNER_PID, 99999 };
	show("F_SETOWN_EX no such pid", fcntl(fd, F_SETOWN_EX, &ex));
	show("F_SETOWN_EX bad pointer", fcntl(fd, F_SETOWN_EX, (void *)8));
	show("F_SETSIG SIGUSR1", fcntl(fd, F_SETSIG, SIGUSR1));
	show("F_GETSIG", fcntl(fd, F_GETSIG));
	show("F_SETSIG 65", fcntl(fd, F_SETSIG, 65));
	show("F_SETSIG 64", fcntl(fd, F_SETSIG, 64));
	snprintf(label, sizeof(label), "F_GETSIG of a dup");
	{
		int d = dup(fd);

		show(label, fcntl(d, F_GETSIG));
		close(d);
	}
	fcntl(fd, F_SETOWN, getpid());
	if (fork() == 0) {
		printf("child sees the parent as owner: %d\n", fcntl(fd, F_GETOWN) == getppid());
		_exit(0);
	}
	wait(NULL);
}

int main(int argc, char **argv)
{
	int sv[2], p[2], fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	setpgid(0, 0);          /* a group of our own, in any pid namespace */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(p))
		return 1;
	if (argc > 1 && !strcmp(argv[1], "cr")) {
		struct f_owner_ex ex = { F_OWNER_TID, getpid() };

		cr_arm();
		fcntl(sv[0], F_SETOWN, -getpgrp());
		fcntl(p[1], F_SETOWN_EX, &ex);
		fcntl(p[1], F_SETSIG, SIGUSR2);
		cr_say("ready\n");
		cr_wait();
		cr_say("socket owner is -pgrp: %d\n", fcntl(sv[0], F_GETOWN) == -getpgrp());
		owner_ex("pipe owner", p[1]);
		show("pipe signal", fcntl(p[1], F_GETSIG));
		return 0;
	}
	cases("socketpair", sv[0]);
	cases("pipe", p[0]);
	fd = open("/tmp/fcntl_owner.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 1;
	cases("file", fd);
	unlink("/tmp/fcntl_owner.tmp");
	return 0;
}
