/*
 * gofer_fuzz N: feeds N requests to gofer_handle, served from a scratch directory
 * without the jail: random bytes, structured requests of random ops with random
 * handles, names (including "..", "/", empty and overlong ones) and numbers, and
 * mutations of valid requests. Passes when it neither crashes nor creates anything
 * outside the scratch directory (checked by a sentinel beside it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gofer.h"

static uint64_t rs = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static const char *const names[] = {
	"a", "b", "dir", "..", ".", "", "a/b", "/etc", "x\xff", "sub", "link", "fifo",
	"../..", "f",
};

static void put_name(struct gofer_wr *w)
{
	char buf[300];

	if (rnd() % 10 == 0) {
		size_t n = rnd() % sizeof(buf);

		memset(buf, 'a' + rnd() % 26, n);
		gofer_put_str(w, buf, n);
		return;
	}
	const char *s = names[rnd() % ARRAY_LEN(names)];

	gofer_put_str(w, s, strlen(s));
}

static size_t make_req(uint8_t *buf, size_t cap)
{
	struct gofer_wr w = { buf, 0, cap, false };
	uint32_t op = rnd() % (GOFER_OP_MAX + 1);
	const char *sig = gofer_op_signature(op);
	size_t n = sig ? strlen(sig) : rnd() % 5;

	if (rnd() % 8 == 0)
		n = rnd() % 14;
	gofer_put_array(&w, n + 1);
	gofer_put_uint(&w, op);
	for (size_t i = 0; i < n; i++) {
		char k = sig && i < strlen(sig) && rnd() % 16 ? sig[i] : "hust"[rnd() % 4];

		if (k == 'h')
			gofer_put_uint(&w, rnd() % 8 ? rnd() % 12 : rnd());
		else if (k == 'u')
			gofer_put_uint(&w, rnd() % 4 ? rnd() % 0x10000 : rnd());
		else
			put_name(&w);
	}
	return w.len;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

int main(int argc, char **argv)
{
	static uint8_t pkt[GOFER_MSG_MAX], out[GOFER_MSG_MAX];
	long iters = argc > 1 ? atol(argv[1]) : 100000;
	char base[] = "/tmp/gofer-fuzz.XXXXXX", dir[64], sentinel[80];
	struct gofer_server s;
	struct stat st;
	int rootfd;

	if (!mkdtemp(base))
		return 1;
	snprintf(dir, sizeof(dir), "%s/root", base);
	snprintf(sentinel, sizeof(sentinel), "%s/outside", base);
	if (mkdir(dir, 0755) || close(open(sentinel, O_CREAT | O_WRONLY, 0644)))
		return 1;
	rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || gofer_server_init(&s, -1, rootfd, false))
		return 1;
	for (long i = 0; i < iters; i++) {
		struct gofer_wr w = { out, 0, sizeof(out), false };
		size_t len;
		int fd;

		switch (rnd() % 4) {
		case 0:
			len = rnd() % 64;
			for (size_t j = 0; j < len; j++)
				pkt[j] = rnd();
			break;
		case 1:
			len = make_req(pkt, sizeof(pkt));
			if (len)
				pkt[rnd() % len] ^= 1 << (rnd() % 8);
			break;
		default:
			len = make_req(pkt, sizeof(pkt));
		}
		gofer_handle(&s, pkt, len, &w, &fd);
		if (fd >= 0)
			close(fd);
		if (w.len < 2 || w.bad) {
			fprintf(stderr, "gofer_fuzz: empty or overflowing reply at %ld\n", i);
			return 1;
		}
	}
	gofer_server_destroy(&s);
	/* Only the sentinel and the served root may be in the base directory, and the
	 * sentinel must be untouched. */
	if (stat(sentinel, &st) || st.st_size) {
		fprintf(stderr, "gofer_fuzz: the file outside the root changed\n");
		return 1;
	}
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	printf("gofer_fuzz: %ld requests, no crash\n", iters);
	return 0;
}
