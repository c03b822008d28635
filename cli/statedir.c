/* Sandbox state directories (see statedir.h). Metadata is "key=value" lines, written
 * to a temporary file and renamed so a reader never sees half of it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "statedir.h"

const char *sbx_root;

const char *statedir_root(void)
{
	static char buf[256];
	const char *xdg;

	if (sbx_root)
		return sbx_root;
	if (geteuid() == 0)
		return "/run/sbx";
	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg)
		snprintf(buf, sizeof(buf), "%s/sbx", xdg);
	else
		snprintf(buf, sizeof(buf), "/tmp/sbx-%u", getuid());
	return buf;
}

bool statedir_valid_id(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > SBX_ID_MAX || id[0] == '.' || id[0] == '-' || id[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(id[i] >= 'a' && id[i] <= 'z') && !(id[i] >= 'A' && id[i] <= 'Z') &&
		    !(id[i] >= '0' && id[i] <= '9') && !strchr("_.-", id[i]))
			return false;
	return true;
}

int statedir_path(const char *id, char *buf, size_t len)
{
	if (!statedir_valid_id(id))
		return -EINVAL;
	if ((size_t)snprintf(buf, len, "%s/%s", statedir_root(), id) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int mkdir_p(const char *path)
{
	char tmp[512];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0711) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0711) && errno != EEXIST)
		return -errno;
	return 0;
}

int statedir_create(const char *id)
{
	char path[512];
	int err = statedir_path(id, path, sizeof(path));

	if (err)
		return err;
	err = mkdir_p(statedir_root());
	if (err)
		return err;
	return mkdir(path, 0700) ? -errno : 0;
}

void statedir_command(char *dst, size_t len, char *const argv[])
{
	size_t off = 0;

	dst[0] = 0;
	for (int i = 0; argv && argv[i] && off < len - 1; i++) {
		int n = snprintf(dst + off, len - off, "%s%s", i ? " " : "", argv[i]);

		if (n < 0)
			break;
		off += n;       /* past len - 1 when cut: the loop ends */
	}
	for (char *p = dst; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

int statedir_write_meta(const struct sbx_meta *m)
{
	char dir[512], tmp[600], final[600];
	FILE *f;
	int err = statedir_path(m->id, dir, sizeof(dir));

	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s/meta.tmp.%d", dir, getpid());
	snprintf(final, sizeof(final), "%s/meta", dir);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "id=%s\npid=%d\nmonitor=%d\nplatform=%s\ncreated=%lld\nstatus=%s\n"
		"exit_status=%d\nreason=%s\ncommand=%s\n", m->id, m->pid, m->monitor,
		m->platform, m->created, m->status, m->exit_status, m->reason, m->command);
	if (fclose(f) || rename(tmp, final)) {
		err = -errno;
		unlink(tmp);
		return err;
	}
	return 0;
}

int statedir_read_meta(const char *id, struct sbx_meta *m)
{
	char path[600], line[700];
	FILE *f;
	int err = statedir_path(id, path, sizeof(path) - 8);

	if (err)
		return err;
	strcat(path, "/meta");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	memset(m, 0, sizeof(*m));
	m->exit_status = -1;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, '='), *nl = strchr(line, '\n');

		if (!v)
			continue;
		*v++ = 0;
		if (nl)
			*nl = 0;
#define STR(k) else if (!strcmp(line, #k)) snprintf(m->k, sizeof(m->k), "%s", v)
#define NUM(k) else if (!strcmp(line, #k)) m->k = atoll(v)
		if (0) {}
		STR(id); STR(platform); STR(status); STR(reason); STR(command);
		NUM(pid); NUM(monitor); NUM(created); NUM(exit_status);
#undef STR
#undef NUM
	}
	fclose(f);
	return m->id[0] ? 0 : -EINVAL;
}

int statedir_set_stopped(const char *id, int exit_status, const char *reason)
{
	struct sbx_meta m;
	int err = statedir_read_meta(id, &m);

	if (err)
		return err;
	snprintf(m.status, sizeof(m.status), "stopped");
	m.exit_status = exit_status;
	snprintf(m.reason, sizeof(m.reason), "%s", reason ? reason : "");
	return statedir_write_meta(&m);
}

int statedir_set_status(const char *id, const char *from, const char *to)
{
	struct sbx_meta m;
	int err = statedir_read_meta(id, &m);

	if (err || (from && strcmp(m.status, from)))
		return err;
	snprintf(m.status, sizeof(m.status), "%s", to);
	return statedir_write_meta(&m);
}

int statedir_remove(const char *id)
{
	char dir[512], path[800];
	DIR *d;
	struct dirent *e;
	int err = statedir_path(id, dir, sizeof(dir));

	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir) ? -errno : 0;
}

/* Reads /proc/@pid/@what into @buf (NUL-terminated): the bytes read, or -1 if there
 * is no such process. */
static ssize_t proc_read(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (pid <= 0 || kill(pid, 0))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n < 0 ? 0 : n;
}

/* Is process @pid there and not a zombie? A monitor that has exited stays a zombie
 * until the host's init reaps it (1.2 s later on some VMs); kill(pid, 0) alone
 * would call it alive. */
static bool proc_running(pid_t pid)
{
	char buf[256], *p;

	if (proc_read(pid, "stat", buf, sizeof(buf)) <= 0)
		return false;
	/* "pid (comm) S ...": the state follows the last ')'. */
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] != 'Z';
}

/* A descriptor that polls readable once process @pid has ended (pidfd), or -1. */
static int pid_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
#else
	(void)pid;
	return -1;
#endif
}

void statedir_await_gone(pid_t pid, int ms)
{
	int fd = pid_fd(pid);

	if (fd >= 0) {
		poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, ms);
		close(fd);
		return;
	}
	for (int i = 0; i < ms / 20 && proc_running(pid); i++)
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
}

int statedir_wait_stopped(const char *id, struct sbx_meta *m, int poll_ms,
			  void (*tick)(const char *id))
{
	int mon = -1, err;

	for (;;) {
		struct pollfd p;

		if (tick)
			tick(id);
		err = statedir_read_meta(id, m);
		if (err)
			break;
		statedir_refresh(m);
		/* The monitor writes the outcome right after the Sentry ends. */
		if (!strcmp(m->status, "stopped") && (m->exit_status >= 0 || m->reason[0]))
			break;
		/* ... and then exits: its end wakes us at once. A monitor that is gone
		 * (or a pid that is no longer one) leaves the looks every poll_ms. */
		if (mon == -1 && m->monitor > 0 && m->monitor != getpid())
			mon = pid_fd(m->monitor);
		p = (struct pollfd){ .fd = mon, .events = POLLIN };
		if (mon < 0 || poll(&p, 1, poll_ms) > 0) {
			if (mon >= 0) {
				close(mon);
				mon = -2;       /* ended: do not ask again */
				continue;
			}
			nanosleep(&(struct timespec){ 0, poll_ms * 1000L * 1000L }, NULL);
		}
	}
	if (mon >= 0)
		close(mon);
	return err;
}

/* Is @pid still the Sentry of this sandbox (not a recycled pid)? */
static bool sentry_alive(pid_t pid)
{
	char buf[64] = { 0 };

	if (proc_read(pid, "cmdline", buf, sizeof(buf)) < 0)
		return false;
	/* argv is "sbx\0boot\0..." */
	return !strcmp(buf, "sbx") && !strcmp(buf + 4, "boot");
}

void statedir_refresh(struct sbx_meta *m)
{
	struct sbx_meta fresh;

	if (!strcmp(m->status, "stopped"))
		return;
	if (!strcmp(m->status, "created") && m->pid <= 0)
		return;
	/* A Sentry that ended while its monitor lives is being recorded right now:
	 * not "died" (the monitor writes how it ended). */
	if (sentry_alive(m->pid) || (proc_running(m->monitor) && m->monitor != getpid()))
		return;
	/* A monitor that exited after it recorded the end (read above before it
	 * did): its record is there now. */
	if (!statedir_read_meta(m->id, &fresh) && !strcmp(fresh.status, "stopped")) {
		*m = fresh;
		return;
	}
	snprintf(m->status, sizeof(m->status), "stopped");
	if (!m->reason[0])
		snprintf(m->reason, sizeof(m->reason), "the sentry died");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int statedir_each(void (*fn)(struct sbx_meta *m, void *arg), void *arg)
{
	DIR *d = opendir(statedir_root());
	struct dirent *e;
	char **ids = NULL;
	size_t n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char **nids;

		if (!statedir_valid_id(e->d_name))
			continue;
		nids = realloc(ids, (n + 1) * sizeof(*ids));
		if (!nids)
			break;
		ids = nids;
		ids[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(ids, n, sizeof(*ids), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct sbx_meta m;

		if (ids[i] && !statedir_read_meta(ids[i], &m)) {
			statedir_refresh(&m);
			fn(&m, arg);
		}
		free(ids[i]);
	}
	free(ids);
	return 0;
}
