/* net.h: shared by the testdata/net programs (unix-domain sockets). The syscall
 * family programs print each case as its source text and its result (fam.h's T());
 * what differs between runs (inode numbers, autobind names, pids) is printed only
 * as a comparison. */
#ifndef SBX_TD_NET_H
#define SBX_TD_NET_H

#include "../files/fam.h"

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

/* A sockaddr_un for @path (a leading '@' means the abstract namespace), its
 * length in *len. */
static inline struct sockaddr_un net_addr(const char *path, socklen_t *len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t n = strlen(path);

	memcpy(a.sun_path, path, n);
	if (path[0] == '@') {
		a.sun_path[0] = 0;
		*len = offsetof(struct sockaddr_un, sun_path) + n;
	} else {
		*len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	}
	return a;
}

/* Prints a sockaddr_un as the family, its length and the name ('@' for NUL). */
static inline void net_show_addr(const char *what, const struct sockaddr_un *a,
				 socklen_t len)
{
	printf("%s: len %u", what, (unsigned)len);
	if (len >= offsetof(struct sockaddr_un, sun_path))
		printf(" family %d", a->sun_family);
	if (len > offsetof(struct sockaddr_un, sun_path)) {
		printf(" name ");
		for (socklen_t i = offsetof(struct sockaddr_un, sun_path); i < len; i++) {
			char c = ((const char *)a)[i];

			putchar(c ? c : '@');
		}
	}
	putchar('\n');
}

static volatile sig_atomic_t net_sigpipes;

static inline void net_on_sigpipe(int s)
{
	(void)s;
	net_sigpipes++;
}

/* Counts SIGPIPEs instead of dying of them. */
static inline void net_catch_sigpipe(void)
{
	struct sigaction sa = { .sa_handler = net_on_sigpipe };

	sigaction(SIGPIPE, &sa, NULL);
}

#endif
