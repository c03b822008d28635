/*
 * Writes the state module's checked-in test data (review the diff, then commit):
 *   state_tools golden FILE    testdata/state/golden.img (test_golden.c compares it)
 *   state_tools corpus DIR     seed inputs for the fuzzer (testdata/state/fuzz)
 * tver_v1.graph comes from "state_tver1 write FILE".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tgraph_util.h"
#include "timage.h"

static int write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

/* Fuzz seeds: the first byte picks the target (see fuzz_state.c). */
static int corpus(const char *dir)
{
	static const struct img_mem_opts opts[] = {
		{ IMG_COMP_NONE, 0, 1, 8192 }, { IMG_COMP_ZSTD, 1, 1, 8192 },
		{ IMG_COMP_LZ4, 0, 1, 8192 },
	};
	char name[32];
	int rc = 0;

	for (int n = 1; n <= 3; n++) {
		struct tg_node *root = tg_build(n, n - 1);
		void *buf;
		size_t len;
		char *seed;

		if (tg_encode(root, &buf, &len))
			return 1;
		seed = malloc(len + 1);
		seed[0] = 'g';
		memcpy(seed + 1, buf, len);
		snprintf(name, sizeof(name), "graph-%d", n);
		rc |= write_file(dir, name, seed, len + 1);
		free(seed);
		free(buf);
		tg_free(root);
	}
	for (int i = 0; i < 3; i++) {
		FILE *f = tmpfile();
		int memfd;
		long len;
		char *buf;

		if (tm_memfd(5, i, &memfd) || tm_write_image(fileno(f), memfd, 2, 1, &opts[i], 1))
			return 1;
		len = ftell(f);
		buf = malloc(len + 1);
		buf[0] = 'i';
		rewind(f);
		if (fread(buf + 1, 1, len, f) != (size_t)len)
			return 1;
		snprintf(name, sizeof(name), "image-%s", img_comp_name(opts[i].comp));
		rc |= write_file(dir, name, buf, len + 1);
		free(buf);
		fclose(f);
		close(memfd);
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "golden")) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);

		return fd < 0 || tm_write_golden(fd) || close(fd);
	}
	if (argc == 3 && !strcmp(argv[1], "corpus"))
		return corpus(argv[2]);
	fprintf(stderr, "usage: state_tools golden FILE | corpus DIR\n");
	return 2;
}
