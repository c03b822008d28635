/* oom_adj: the writable files of /proc/PID: oom_score_adj and the legacy oom_adj
 * (parsing, ranges, the conversion between the two, lowering without
 * CAP_SYS_RESOURCE, inheritance by fork, another process's file), comm (truncation,
 * the newline kept, another process's refused) and oom_score's range.
 *
 * usage: tp_oom_adj [cr]   (cr: zdtm form, a value set before the ready mark and
 *                           checked after SIGUSR1, in a child too) */
#include "../cr/cr.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static void show(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (n < 0) {
		cr_say("  read %s: %s\n", path, strerror(errno));
	} else {
		buf[n] = 0;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = '|';
		cr_say("  %s = '%s'\n", path, buf);
	}
	if (fd >= 0)
		close(fd);
}

/* One write() of @text to @path; prints its result, naming the file @label. */
static void put_as(const char *label, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0) {
		cr_say("open %s for writing: %s\n", label, strerror(errno));
		return;
	}
	n = write(fd, text, strlen(text));
	cr_say("write '%s' to %s: %s\n", text, label,
	       n < 0 ? strerror(errno) : n == (ssize_t)strlen(text) ? "all" : "part");
	close(fd);
}

static void put(const char *path, const char *text)
{
	put_as(path, path, text);
}

static void adj(const char *text)
{
	put("/proc/self/oom_score_adj", text);
	show("/proc/self/oom_score_adj");
	show("/proc/self/oom_adj");
}

static void legacy(const char *text)
{
	put("/proc/self/oom_adj", text);
	show("/proc/self/oom_score_adj");
	show("/proc/self/oom_adj");
}

static void score(const char *who, const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	long v;

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0) {
		cr_say("%s oom_score: %s\n", who, strerror(errno));
	} else {
		v = strtol(buf, NULL, 10);
		cr_say("%s oom_score in [0, 2000]: %s\n", who, v >= 0 && v <= 2000 ? "yes" : "no");
	}
	if (fd >= 0)
		close(fd);
}

static void comm_cases(void)
{
	char name[32] = "";

	put("/proc/self/comm", "foo\n");
	show("/proc/self/comm");
	prctl(PR_GET_NAME, name);
	cr_say("PR_GET_NAME '%s'\n", strcmp(name, "foo\n") ? name : "foo|");
	put("/proc/self/comm", "abcdefghijklmnopqrstuvwxyz");
	show("/proc/self/comm");
	put("/proc/self/comm", "");
	show("/proc/self/comm");
	put("/proc/thread-self/comm", "thread");
	show("/proc/self/comm");
	put("/proc/self/comm", "tp_oom_adj");
}

/* Our pid as /proc names it: natively, under a test harness's pid namespace
 * without a /proc of its own, the host's pid, which a sandbox pid would miss. */
static void proc_pid(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self", buf, len - 1);

	buf[n < 0 ? 0 : n] = 0;
}

/* A child: its inherited value, one its parent set, the parent's comm refused. */
static void child_cases(void)
{
	char path[64], me[32], kid[32] = "", c;
	int go[2], done[2];
	pid_t pid;
	int st;

	proc_pid(me, sizeof(me));
	if (pipe(go) || pipe(done))
		exit(2);
	pid = fork();
	if (pid == 0) {
		show("/proc/self/oom_score_adj");
		snprintf(path, sizeof(path), "/proc/%s/comm", me);
		put_as("the parent's comm", path, "child");
		proc_pid(kid, sizeof(kid));
		if (write(done[1], kid, sizeof(kid)) != sizeof(kid) || read(go[0], &c, 1) != 1)
			_exit(2);
		cr_say("child after its parent wrote:\n");
		show("/proc/self/oom_score_adj");
		_exit(0);
	}
	if (read(done[0], kid, sizeof(kid)) != sizeof(kid))
		exit(2);
	snprintf(path, sizeof(path), "/proc/%s/oom_score_adj", kid);
	put_as("the child's oom_score_adj", path, "300");
	snprintf(path, sizeof(path), "/proc/%s/oom_score", kid);
	score("child", path);
	if (write(go[1], "x", 1) != 1)
		exit(2);
	waitpid(pid, &st, 0);
	cr_say("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv)
{
	static const char *const adjs[] = {
		"5\n", " 7 ", "0x10", "010", "1000", "1001", "-1001", "5x", "", "--",
		"-1", "0", "200", "100", "+42", "12345678901234567890",
	};
	static const char *const legacies[] = { "7", "15", "16", "-17", "-18", "3", "0" };

	if (argc > 1 && !strcmp(argv[1], "cr")) {
		cr_arm();
		adj("250");
		put("/proc/self/comm", "before-ckpt");
		cr_say("ready\n");
		cr_wait();
		show("/proc/self/oom_score_adj");
		show("/proc/self/oom_adj");
		show("/proc/self/comm");
		child_cases();
		adj("0");
		return 0;
	}
	cr_say("initially:\n");
	show("/proc/self/oom_score_adj");
	show("/proc/self/oom_adj");
	score("self", "/proc/self/oom_score");
	for (size_t i = 0; i < sizeof(adjs) / sizeof(adjs[0]); i++)
		adj(adjs[i]);
	for (size_t i = 0; i < sizeof(legacies) / sizeof(legacies[0]); i++)
		legacy(legacies[i]);
	adj("123");
	child_cases();
	comm_cases();
	{
		struct stat st;

		if (!stat("/proc/self/oom_score_adj", &st) && !stat("/proc/self/oom_adj", &st))
			cr_say("modes %o", st.st_mode & 0777);
		if (!stat("/proc/self/oom_score", &st))
			cr_say(" %o\n", st.st_mode & 0777);
	}
	adj("0");
	return 0;
}
