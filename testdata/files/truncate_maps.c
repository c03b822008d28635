/* truncate_maps: a truncate by one process reaches another process's mappings of
 * the file, as Linux's unmap_mapping_range: a child maps a tmpfs file (/dev/shm) and
 * an overlay one (/tmp), shared and private, and touches every page; the parent
 * shrinks the files and tells the child through a pipe; the child's touches past
 * the new end get SIGBUS, before it still reads the data. Growing the files again
 * brings zero pages. The child reports what each touch gave; see fam.h. */
#include "fam.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096
#define NPG 4

static sigjmp_buf jb;

static void on_bus(int sig)
{
	siglongjmp(jb, sig);
}

/* One read of @p: its first byte, or the signal it raised. */
static void touch(const char *what, volatile char *p)
{
	int sig = sigsetjmp(jb, 1);

	if (sig) {
		P("  %-28s %s\n", what, sig == SIGBUS ? "SIGBUS" : "signal");
		return;
	}
	P("  %-28s '%c'\n", what, p[0] ? p[0] : '0');
}

static void touch_all(const char *name, char *m)
{
	char what[64];

	for (int i = 0; i < NPG; i++) {
		snprintf(what, sizeof(what), "%s page %d", name, i);
		touch(what, m + i * PG);
	}
}

static int make(const char *path)
{
	char buf[NPG * PG];
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);

	for (int i = 0; i < NPG; i++)
		memset(buf + i * PG, 'a' + i, PG);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
		exit(2);
	return fd;
}

int main(void)
{
	const char *paths[2] = { "/dev/shm/sbx-truncate-maps", NULL };
	int fds[2], go[2], back[2], st;
	char tmp[PATH_MAX], c;
	pid_t pid;

	fam_enter();
	snprintf(tmp, sizeof(tmp), "%s/f", fam_top);
	paths[1] = tmp;
	for (int i = 0; i < 2; i++)
		fds[i] = make(paths[i]);
	if (pipe(go) || pipe(back))
		return 2;
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_bus };
		char *sh[2], *pr[2];

		sigaction(SIGBUS, &sa, NULL);
		for (int i = 0; i < 2; i++) {
			sh[i] = mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
			pr[i] = mmap(NULL, NPG * PG, PROT_READ, MAP_PRIVATE, fds[i], 0);
			if (sh[i] == MAP_FAILED || pr[i] == MAP_FAILED)
				_exit(3);
		}
		P("child before:\n");
		touch_all("tmpfs shared", sh[0]);
		touch_all("overlay private", pr[1]);
		touch_all("tmpfs private", pr[0]);
		touch_all("overlay shared", sh[1]);
		write(back[1], "r", 1);
		if (read(go[0], &c, 1) != 1)
			_exit(4);
		P("child after the shrink:\n");
		touch_all("tmpfs shared", sh[0]);
		touch_all("tmpfs private", pr[0]);
		touch_all("overlay shared", sh[1]);
		touch_all("overlay private", pr[1]);
		write(back[1], "r", 1);
		if (read(go[0], &c, 1) != 1)
			_exit(4);
		P("child after the growth:\n");
		touch_all("tmpfs shared", sh[0]);
		touch_all("overlay private", pr[1]);
		_exit(0);
	}
	if (read(back[0], &c, 1) != 1)
		return 2;
	T(ftruncate(fds[0], PG + 10));
	T(truncate(paths[1], 2 * PG));
	write(go[1], "g", 1);
	if (read(back[0], &c, 1) != 1)
		return 2;
	T(ftruncate(fds[0], NPG * PG));
	T(ftruncate(fds[1], NPG * PG));
	write(go[1], "g", 1);
	waitpid(pid, &st, 0);
	P("child: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	unlink(paths[0]);
	fam_leave();
	return 0;
}
