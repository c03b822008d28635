/*
 * Image helpers for the state tests, the golden-image tool and the fuzzer's corpus:
 * a memory file with a mix of pages, and whole images of the synthetic graph.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tg_codecs.h"
#include "tgraph_util.h"
#include "timage.h"

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int tm_memfd(size_t npages, unsigned seed, int *fd)
{
	uint64_t s = seed * 2654435761u + 1;
	uint8_t page[4096];

	*fd = memfd_create("tm", MFD_CLOEXEC);
	if (*fd < 0 || ftruncate(*fd, npages * 4096))
		return -errno;
	for (size_t i = 0; i < npages; i++) {
		switch (i % 8) {
		case 0: case 1: case 5:
			for (int k = 0; k < 512; k++)
				((uint64_t *)page)[k] = xorshift(&s);
			break;
		case 2: case 6:
			for (int k = 0; k < 4096; k++)
				page[k] = "the quick brown fox jumps over the lazy dog. "[k % 45];
			snprintf((char *)page, 32, "page %zu", i);
			break;
		case 3:
			memset(page, 0, sizeof(page));  /* written zero page: data, not hole */
			break;
		default:
			continue;                       /* a hole */
		}
		if (pwrite(*fd, page, 4096, i * 4096) != 4096)
			return -EIO;
	}
	return 0;
}

static int write_graph(struct img_writer *w, struct tg_node *root, uint64_t *hash,
		       uint32_t flags)
{
	struct st_enc *e;
	void *buf;
	size_t len;
	int rc = st_enc_new(&e, NULL);

	if (rc)
		return rc;
	rc = st_enc_root(e, "root", &st_type_tg_node, root);
	if (!rc)
		rc = st_enc_finish(e, &buf, &len);
	*hash = st_enc_schema_hash(e);
	st_enc_destroy(e);
	if (rc)
		return rc;
	rc = img_write_section(w, IMG_SEC_GRAPH, flags, buf, len);
	free(buf);
	return rc;
}

static int write_image(int out, int memfd, struct tg_node *root,
		       const struct img_mem_opts *o, uint64_t ctime, const char *version)
{
	struct img_info info = { .ctime_ns = ctime, .version = version, .cpu = "cpu:sse2",
				 .cpu_len = 8, .schema_hash = 0 };
	struct img_mem_src src = { .fd = memfd };
	struct img_range *r = NULL;
	struct img_writer *w;
	uint64_t hash;
	int rc;

	src.size = lseek(memfd, 0, SEEK_END);
	rc = img_ranges_from_fd(memfd, src.size, &r, &src.nranges);
	if (rc)
		return rc;
	src.ranges = r;
	src.base = mmap(NULL, src.size, PROT_READ, MAP_SHARED, memfd, 0);
	rc = img_writer_new(&w, out);
	if (!rc)
		rc = img_write_header(w, &info);
	if (!rc)
		rc = write_graph(w, root, &hash, o->comp == IMG_COMP_NONE ? 0 : IMG_SF_ZSTD);
	if (!rc)
		rc = img_write_section(w, IMG_SEC_USER, 0, "user data", 9);
	if (!rc)
		rc = img_write_mem(w, &src, o, NULL);
	if (!rc)
		rc = img_write_end(w);
	if (rc)
		fprintf(stderr, "write image: %s\n", img_writer_error(w));
	img_writer_destroy(w);
	munmap((void *)src.base, src.size);
	free(r);
	return rc;
}

int tm_write_image(int out, int memfd, int nodes, int items, const struct img_mem_opts *o,
		   uint64_t ctime)
{
	struct tg_node *root = tg_build(nodes, items);
	int rc = write_image(out, memfd, root, o, ctime, "test");

	tg_free(root);
	return rc;
}

int tm_write_golden(int out)
{
	struct img_mem_opts o = { .comp = IMG_COMP_NONE, .threads = 1, .chunk_size = 8192 };
	int memfd, rc = tm_memfd(6, 1, &memfd);

	if (!rc)
		rc = tm_write_image(out, memfd, 3, 2, &o, 1700000000000000000ull);
	close(memfd);
	return rc;
}

static int check_graph(void *buf, size_t len, int nodes, int items, char *err)
{
	struct tg_node *want = tg_build(nodes, items), *got;
	const char *why;
	int rc = tg_decode(buf, len, &got, NULL, err);

	if (!rc) {
		why = tg_diff(want, got);
		if (why) {
			snprintf(err, 256, "graph differs: %s", why);
			rc = -EINVAL;
		}
		tg_free(got);
	}
	tg_free(want);
	return rc;
}

static int check_mem(struct img_reader *r, int memfd, unsigned threads, char *err)
{
	uint64_t size = lseek(memfd, 0, SEEK_END);
	struct img_mem_dst dst = { .size = size, .zeroed = true };
	void *want = mmap(NULL, size, PROT_READ, MAP_SHARED, memfd, 0);
	int rc;

	dst.base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rc = img_read_mem(r, &dst, threads, NULL);
	if (rc)
		snprintf(err, 256, "%s", img_reader_error(r));
	else if (memcmp(want, dst.base, size))
		rc = -EINVAL, snprintf(err, 256, "memory differs");
	munmap(want, size);
	munmap(dst.base, size);
	return rc;
}

int tm_read_image(int in, int memfd, int nodes, int items, unsigned threads, char *err)
{
	struct img_reader *r;
	struct img_header h;
	struct img_section s;
	void *buf;
	size_t len;
	int rc = img_reader_new(&r, in), seen = 0;

	rc = rc ? rc : img_read_header(r, &h);
	while (!rc) {
		rc = img_next_section(r, &s);
		if (rc || s.type == IMG_SEC_END)
			break;
		seen++;
		if (s.type == IMG_SEC_GRAPH) {
			rc = img_read_payload(r, &buf, &len);
			if (!rc) {
				rc = check_graph(buf, len, nodes, items, err);
				free(buf);
				if (rc)
					goto out;
			}
		} else if (s.type == IMG_SEC_MEM) {
			rc = check_mem(r, memfd, threads, err);
			if (rc)
				goto out;
		}
	}
	if (!rc && seen != 3)
		rc = -EINVAL, snprintf(err, 256, "%d sections", seen);
	if (rc && !err[0])
		snprintf(err, 256, "%s", img_reader_error(r));
out:
	img_reader_destroy(r);
	return rc;
}
