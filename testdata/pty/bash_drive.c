/* bash_drive: an interactive bash (bash -i, job control on) on a pty's slave, driven
 * from the master as a terminal emulator or expect would: a command and its output,
 * a foreground job (sh, then sleep) stopped short by ^C (bash has given it the terminal: the
 * master sees the foreground group change), $? after it, and exit. */
#include "pty.h"

static int m;
static pid_t sh;
static char out[16384];

static void expect(const char *what, const char *mark)
{
	long n = pty_read_until(m, out, sizeof(out), mark);

	printf("%s: %s\n", what, strstr(out, mark) ? "seen" : "MISSING");
	if (!strstr(out, mark)) {
		pty_show("  got", out, n);
		exit(1);
	}
	fflush(stdout);
}

int main(void)
{
	int s, st;
	pid_t fg;

	pty_pair(&m, &s, 0, 0);
	sh = fork();
	if (sh == 0) {
		const char *name = ptsname(m);

		close(m);
		close(s);
		setsid();
		s = open(name, O_RDWR);
		if (s < 0)
			_exit(100);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		execle("/bin/bash", "bash", "--norc", "--noprofile", "--noediting", "-i",
		       NULL, (char *[]){ "PATH=/usr/bin:/bin", "TERM=dumb", "PS1=PROMPT> ",
					 "HOME=/", NULL });
		_exit(101);
	}
	/* s stays open: with no slave open the master reads EIO, until bash opens it */
	expect("first prompt", "PROMPT> ");
	pty_put(m, "echo hi-$((6*7))\n");
	expect("command output", "hi-42\r\nPROMPT> ");
	/* "started" comes from the new program: its SIGINT is the default by then (in
	 * bash's child before the exec it is not) */
	pty_put(m, "/bin/sh -c 'echo started; exec sleep 100'\n");
	expect("foreground job running", "started\r\n");
	fg = tcgetpgrp(m);
	printf("the job has the terminal: %d\n", fg > 0 && fg != sh);
	pty_put(m, "\x03");
	expect("prompt after ^C", "PROMPT> ");
	printf("terminal back with bash: %d\n", tcgetpgrp(m) == sh);
	pty_put(m, "echo after $?\n");
	expect("status of the interrupted sleep", "after 130\r\nPROMPT> ");
	pty_put(m, "exit\n");
	waitpid(sh, &st, 0);
	pty_status("bash", st);
	close(s);
	return 0;
}
