/*
 * cr_sigio (zdtm form, testdata/cr/cr.h): O_ASYNC registrations across a checkpoint
 * and restore. Before the ready mark: a pipe whose two ends have O_ASYNC (F_SETSIG,
 * this process as owner), a socket pair whose reader has it, a second socket pair
 * whose nonblocking writer has it and has found its socket full (Linux's NOSPACE),
 * and a pipe with O_ASYNC but no owner. After the restore and SIGUSR1: a write to
 * each reader signals it with its si_fd, a read signals the pipe's writer, draining
 * the full socket signals its writer once, and the ownerless pipe stays silent.
 */
#include "../cr/cr.h"

#include <fcntl.h>
#include <sys/socket.h>

#include "sigio.h"

static int bad;

/* Prints what came since the last call; @want signals from @fd expected (-1 any). */
static void expect(const char *what, int want, int fd)
{
	int got = 0;

	cr_say("%-34s", what);
	for (int i = 0; i < nrec && i < MAXREC; i++) {
		cr_say(" [sig +%d code %d band %#lx fd %d]", recs[i].sig - SIGRTMIN,
		       recs[i].code, recs[i].band, recs[i].fd);
		got += fd < 0 || recs[i].fd == fd;
	}
	cr_say("\n");
	if (got != want || nrec != want) {
		cr_say("  expected %d signal(s)\n", want);
		bad = 1;
	}
	nrec = 0;
}

int main(void)
{
	int p[2], sv[2], full[2], quiet[2];
	char buf[4096];

	cr_arm();
	for (int i = 1; i <= 4; i++)
		handle(SIGRTMIN + i);
	handle(SIGIO);

	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, full))
		return 2;
	p[0] = fdrenum(p[0], 10);
	p[1] = fdrenum(p[1], 11);
	sv[0] = fdrenum(sv[0], 20);
	sv[1] = fdrenum(sv[1], 21);
	full[0] = fdrenum(full[0], 30);
	full[1] = fdrenum(full[1], 31);
	if (pipe(quiet))
		return 2;
	async_on(p[0], SIGRTMIN + 1);
	async_on(p[1], SIGRTMIN + 2);
	async_on(sv[0], SIGRTMIN + 3);
	async_on(full[1], SIGRTMIN + 4);
	fcntl(full[1], F_SETFL, O_NONBLOCK | O_ASYNC);
	memset(buf, 'f', sizeof(buf));
	while (write(full[1], buf, sizeof(buf)) > 0)
		;
	fcntl(quiet[0], F_SETFL, O_ASYNC);
	expect("set up", 0, -1);
	cr_say("ready\n");
	cr_wait();

	write(p[1], "x", 1);
	expect("pipe write", 1, p[0]);
	read(p[0], buf, 1);
	expect("pipe read", 1, p[1]);
	write(sv[1], "y", 1);
	expect("socket write", 1, sv[0]);
	fcntl(full[0], F_SETFL, O_NONBLOCK);
	while (read(full[0], buf, sizeof(buf)) > 0)
		;
	expect("full socket drained", 1, full[1]);
	write(quiet[1], "z", 1);
	expect("no owner", 0, -1);
	close(p[1]);
	expect("pipe writer closed", 1, p[0]);
	close(sv[1]);
	expect("socket peer closed", 1, sv[0]);
	cr_say(bad ? "FAIL\n" : "ok\n");
	return bad;
}
