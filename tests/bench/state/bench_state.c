/*
 * State benchmark (not a test): prints a table.
 *   bench_state [MiB] [objects]
 * 1. Encode and decode a graph of small objects (a chain with cross references).
 * 2. A memory section over MiB of mixed pages (of every 4: 2 random, 1 zero, 1 text)
 *    for zstd -1, zstd -3, lz4 and none with 1 and 2 threads, written to a memfd and
 *    read back, beside the raw libzstd/liblz4 speed on the same buffer (one core,
 *    1 MiB blocks, zero pages included) in the same run.
 */
#define _GNU_SOURCE
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "bobj_codecs.h"
#include "bobj.h"
#include "img.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bench_objects(size_t n)
{
	struct bobj *v = calloc(n, sizeof(*v)), *root;
	struct st_enc *e;
	struct st_dec *d;
	double t0, t1, t2;
	void *buf;
	size_t len;

	for (size_t i = 0; i < n; i++) {
		v[i] = (struct bobj){ i * 7, i, -(int)(i & 0x7fff), i + 1 < n ? &v[i + 1] : NULL,
				      &v[(i * 31) % n] };
	}
	t0 = now();
	if (st_enc_new(&e, NULL) || st_enc_root(e, "root", &st_type_bobj, v) ||
	    st_enc_finish(e, &buf, &len)) {
		fprintf(stderr, "encode failed\n");
		exit(1);
	}
	st_enc_destroy(e);
	t1 = now();
	if (st_dec_new(&d, buf, len, NULL) || st_dec_run(d) ||
	    st_dec_root(d, "root", &st_type_bobj, (void **)&root)) {
		fprintf(stderr, "decode: %s\n", st_dec_error(d));
		exit(1);
	}
	t2 = now();
	st_dec_destroy(d);
	printf("object graph: %zu objects, %zu bytes (%.1f B/object)\n", n, len,
	       (double)len / n);
	printf("  encode %8.3f s  %6.2f M objects/s\n", t1 - t0, n / (t1 - t0) / 1e6);
	printf("  decode %8.3f s  %6.2f M objects/s\n\n", t2 - t1, n / (t2 - t1) / 1e6);
	for (struct bobj *p = root, *q; p; p = q) {
		q = p->next;
		free(p);
	}
	free(buf);
	free(v);
}

static uint8_t *mixed(size_t size)
{
	uint8_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t s = 88172645463325252ull;

	for (size_t p = 0; p < size / 4096; p++) {
		uint8_t *pg = m + p * 4096;

		if (p % 4 < 2) {
			for (int k = 0; k < 512; k++) {
				s ^= s << 13, s ^= s >> 7, s ^= s << 17;
				((uint64_t *)pg)[k] = s;
			}
		} else if (p % 4 == 3) {
			for (int k = 0; k < 4096; k += 64)
				snprintf((char *)pg + k, 64, "record %010zu: status=ok value=%06zu\n",
					 p * 64 + k / 64, (p * 7 + k) % 1000000);
		}
	}
	return m;
}

static void raw_libs(const uint8_t *m, size_t size)
{
	size_t cs = 1 << 20, cap = ZSTD_compressBound(cs);
	uint8_t *out = malloc(cap), *back = malloc(cs);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	const char *names[] = { "zstd -1", "zstd -3", "lz4" };

	for (int a = 0; a < 3; a++) {
		double tc = 0, td = 0, t;
		size_t total = 0;

		for (size_t o = 0; o < size; o += cs) {
			size_t n;

			t = now();
			if (a < 2)
				n = ZSTD_compressCCtx(cc, out, cap, m + o, cs, a == 0 ? 1 : 3);
			else
				n = LZ4_compress_default((const char *)m + o, (char *)out, cs, cap);
			tc += now() - t;
			total += n;
			t = now();
			if (a < 2)
				ZSTD_decompressDCtx(dc, back, cs, out, n);
			else
				LZ4_decompress_safe((const char *)out, (char *)back, n, cs);
			td += now() - t;
		}
		printf("  %-8s raw lib, 1 core         %6.2f %6.2f     %5.2f\n", names[a],
		       size / tc / (1 << 30), size / td / (1 << 30), (double)size / total);
	}
	ZSTD_freeCCtx(cc);
	ZSTD_freeDCtx(dc);
	free(out);
	free(back);
}

static void bench_mem(const uint8_t *m, size_t size, enum img_comp c, int level,
		      unsigned threads)
{
	struct img_range r = { 0, size };
	struct img_mem_src src = { .base = m, .size = size, .ranges = &r, .nranges = 1 };
	struct img_mem_opts o = { c, level, threads, 0 };
	struct img_mem_dst dst = { .size = size, .zeroed = true };
	struct img_info info = { .version = "bench" };
	struct img_mem_stats st;
	struct img_writer *w;
	struct img_reader *rd;
	struct img_section s;
	int fd = memfd_create("bench", 0);
	double t0, t1, t2;

	img_writer_new(&w, fd);
	img_write_header(w, &info);
	t0 = now();
	if (img_write_mem(w, &src, &o, &st)) {
		fprintf(stderr, "write: %s\n", img_writer_error(w));
		exit(1);
	}
	t1 = now();
	img_write_end(w);
	img_writer_destroy(w);
	lseek(fd, 0, SEEK_SET);
	/* populated first: page faults are the destination's cost, not the image's */
	dst.base = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	img_reader_new(&rd, fd);
	img_read_header(rd, NULL);
	img_next_section(rd, &s);
	t1 = now() - t1 + t1;
	t2 = now();
	if (img_read_mem(rd, &dst, threads, NULL)) {
		fprintf(stderr, "read: %s\n", img_reader_error(rd));
		exit(1);
	}
	t2 = now() - t2;
	if (memcmp(dst.base, m, size)) {
		fprintf(stderr, "memory differs\n");
		exit(1);
	}
	printf("  %-8s image, %u thread%s        %6.2f %6.2f     %5.2f   %llu zero pages\n",
	       c == IMG_COMP_ZSTD ? (level == 1 ? "zstd -1" : "zstd -3") : img_comp_name(c),
	       threads, threads > 1 ? "s" : " ", size / (t1 - t0) / (1 << 30),
	       size / t2 / (1 << 30), (double)size / st.stored_bytes,
	       (unsigned long long)st.zero_pages);
	img_reader_destroy(rd);
	munmap(dst.base, size);
	close(fd);
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
	size_t nobj = argc > 2 ? strtoul(argv[2], NULL, 0) : 1000000;
	size_t size = mib << 20;
	uint8_t *m;

	bench_objects(nobj);
	m = mixed(size);
	printf("(warm-up)\n");
	raw_libs(m, 64 << 20);
	printf("memory: %zu MiB (per 4 pages: 2 random, 1 zero, 1 text); GiB/s of input\n"
	       "                                    save   load    ratio\n", mib);
	raw_libs(m, size);
	for (unsigned t = 1; t <= 2; t++) {
		bench_mem(m, size, IMG_COMP_ZSTD, 1, t);
		bench_mem(m, size, IMG_COMP_ZSTD, 3, t);
		bench_mem(m, size, IMG_COMP_LZ4, 1, t);
		bench_mem(m, size, IMG_COMP_NONE, 0, t);
	}
	munmap(m, size);
	return 0;
}
