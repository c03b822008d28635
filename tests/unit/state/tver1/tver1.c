/*
 * A build with version 1 of struct tver: "write FILE" saves a two-object graph,
 * "read FILE" loads a graph saved by version 2 and checks what version 1 sees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tver1_codecs.h"
#include "tver.h"

static int do_write(const char *path)
{
	struct tver a = { .a = 7, .gone = 99, .name = "seven", .width = 65535 };
	struct tver b = { .a = 8, .gone = 98, .name = "eight", .width = 3 };
	struct st_enc *e;
	void *buf;
	size_t len;
	FILE *f;
	int rc;

	a.next = &b;
	b.next = &a;
	a.item.v = 70;
	b.item.v = 80;
	rc = st_enc_new(&e, NULL);
	rc = rc ? rc : st_enc_root(e, "root", &st_type_tver, &a);
	rc = rc ? rc : st_enc_finish(e, &buf, &len);
	st_enc_destroy(e);
	if (rc)
		return 1;
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		return 1;
	free(buf);
	return 0;
}

static int do_read(const char *path)
{
	static char buf[1 << 16];
	struct st_dec *d;
	struct tver *a;
	FILE *f = fopen(path, "rb");
	size_t len = f ? fread(buf, 1, sizeof(buf), f) : 0;
	int rc = st_dec_new(&d, buf, len, NULL);

	rc = rc ? rc : st_dec_run(d);
	rc = rc ? rc : st_dec_root(d, "root", &st_type_tver, (void **)&a);
	if (rc) {
		fprintf(stderr, "tver1: %s\n", st_dec_error(d));
		return 1;
	}
	/* v2 wrote a=5, name "a-long-name-v2" (cut to 8), width 1000 (too wide for u16:
	 * refused), so the v2 test writes width 300. */
	if (a->a != 5 || memcmp(a->name, "a-long-n", 8) || a->width != 300 || a->gone ||
	    a->next->a != 6 || a->next->next != a || a->item.v != 50) {
		fprintf(stderr, "tver1: unexpected values\n");
		return 1;
	}
	st_dec_discard(d);
	st_dec_destroy(d);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "write"))
		return do_write(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return do_read(argv[2]);
	fprintf(stderr, "usage: state_tver1 write|read FILE\n");
	return 2;
}
