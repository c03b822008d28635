/*
 * The gofer's node table and request loop. A handle is an index into the table; 0 is
 * never valid and 1 is the root. Each request is decoded (gofer_req_decode), its
 * arguments checked against its op's signature (gofer_req_check) and its handles
 * looked up before a handler runs; whatever fails gets an error reply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gofer.h"

int gofer_server_init(struct gofer_server *s, int sock, int rootfd, bool ro)
{
	memset(s, 0, sizeof(*s));
	s->sock = sock;
	s->ro = ro;
	s->cap = 64;
	s->nodes = calloc(s->cap, sizeof(*s->nodes));
	if (!s->nodes)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->cap; i++)
		s->nodes[i].fd = -1;
	s->nodes[GOFER_ROOT_HANDLE].fd = rootfd;
	s->nnodes = 2;
	s->free_hint = 2;
	return 0;
}

void gofer_server_destroy(struct gofer_server *s)
{
	for (uint32_t i = 0; i < s->nnodes; i++) {
		if (s->nodes[i].fd >= 0)
			close(s->nodes[i].fd);
		free(s->nodes[i].name);
	}
	free(s->nodes);
	s->nodes = NULL;
}

struct gofer_node *gofer_node_get(struct gofer_server *s, uint64_t h)
{
	if (h == 0 || h >= s->nnodes || s->nodes[h].fd < 0)
		return NULL;
	return &s->nodes[h];
}

int gofer_node_add(struct gofer_server *s, int fd, uint32_t parent, const char *name,
		   uint32_t *h)
{
	uint32_t i;
	char *copy = strdup(name);

	if (!copy) {
		close(fd);
		return -ENOMEM;
	}
	for (i = s->free_hint; i < s->nnodes; i++)
		if (s->nodes[i].fd < 0)
			break;
	if (i == s->nnodes) {
		if (s->nnodes == s->cap) {
			struct gofer_node *n;
			uint32_t cap = s->cap * 2;

			if (cap > GOFER_MAX_NODES) {
				free(copy);
				close(fd);
				return -ENFILE;
			}
			n = realloc(s->nodes, cap * sizeof(*n));
			if (!n) {
				free(copy);
				close(fd);
				return -ENOMEM;
			}
			for (uint32_t j = s->cap; j < cap; j++)
				n[j] = (struct gofer_node){ .fd = -1 };
			s->nodes = n;
			s->cap = cap;
		}
		s->nnodes++;
	}
	s->nodes[i] = (struct gofer_node){ .fd = fd, .parent = parent, .name = copy };
	s->free_hint = i + 1;
	*h = i;
	return 0;
}

void gofer_node_del(struct gofer_server *s, uint32_t h)
{
	struct gofer_node *n = gofer_node_get(s, h);

	if (!n || h == GOFER_ROOT_HANDLE)
		return;
	close(n->fd);
	free(n->name);
	*n = (struct gofer_node){ .fd = -1 };
	if (h < s->free_hint)
		s->free_hint = h;
}

static void error_reply(struct gofer_wr *out, int err)
{
	out->len = 0;
	out->bad = false;
	gofer_put_array(out, 1);
	gofer_put_uint(out, err);
}

void gofer_handle(struct gofer_server *s, const void *pkt, size_t len,
		  struct gofer_wr *out, int *fd)
{
	static struct gofer_req req;   /* large; the gofer is single-threaded */
	int err;

	*fd = -1;
	err = gofer_req_decode(pkt, len, &req);
	if (!err)
		err = gofer_req_check(&req);
	if (err) {
		error_reply(out, -err);
		return;
	}
	/* The reply's array header is written once the handler has said how many
	 * results follow the error code: reserve an array16 header. */
	out->len = 3;
	out->bad = false;
	gofer_put_uint(out, 0);
	err = gofer_dispatch(s, &req, out, fd);
	if (err < 0 || out->bad) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		error_reply(out, err < 0 ? -err : EMSGSIZE);
		return;
	}
	out->p[0] = 0xdc;
	out->p[1] = (err + 1) >> 8;
	out->p[2] = err + 1;
}

int gofer_serve(struct gofer_server *s)
{
	static uint8_t in[GOFER_MSG_MAX], outbuf[GOFER_MSG_MAX];

	for (;;) {
		struct gofer_wr out = { outbuf, 0, sizeof(outbuf), false };
		int fd = -1, rfd;
		long n = gofer_recv(s->sock, in, sizeof(in), &rfd);

		if (rfd >= 0)
			close(rfd);     /* the Sentry never sends descriptors */
		if (n == -ECONNRESET)
			return 0;
		if (n == -EMSGSIZE)
			error_reply(&out, EMSGSIZE);
		else if (n < 0)
			return n;
		else
			gofer_handle(s, in, n, &out, &fd);
		n = gofer_send(s->sock, out.p, out.len, fd);
		if (fd >= 0)
			close(fd);
		if (n == -EPIPE || n == -ECONNRESET)
			return 0;
		if (n < 0)
			return n;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: sbx gofer --fd N [--ro] DIR\n"
		"(internal: started by sbx run and sbx restore)\n");
	exit(2);
}

int gofer_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fd", required_argument, NULL, 'f' },
		{ "ro", no_argument, NULL, 'r' },
		{ 0 },
	};
	struct gofer_server s;
	char why[256];
	bool ro = false;
	int sock = -1, c, rootfd, err;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			sock = atoi(optarg);
			break;
		case 'r':
			ro = true;
			break;
		default:
			usage();
		}
	}
	if (sock < 0 || optind != argc - 1)
		usage();
	err = gofer_jail_root(argv[optind], ro, why, sizeof(why));
	if (err)
		goto fail;
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		snprintf(why, sizeof(why), "cannot open the served root: %s", strerror(errno));
		goto fail;
	}
	/* Modes come from the Sentry with the application's umask applied already. */
	umask(0);
	err = gofer_jail_lockdown(ro, why, sizeof(why));
	if (err)
		goto fail;
	if (gofer_server_init(&s, sock, rootfd, ro)) {
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	err = gofer_serve(&s);
	gofer_server_destroy(&s);
	return err ? 1 : 0;
fail:
	fprintf(stderr, "sbx: gofer: %s: %s\n", argv[optind], why);
	return 125;
}
