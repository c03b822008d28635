/*
 * The image file: every compression with one to four threads (many small chunks, so
 * that the writer's slots wrap and its threads overtake each other), fd and mapping
 * sources (and a mapped memfd, whose holes stay holes), a write that fails midway,
 * checksums of pieces,
 * zero pages elided, page-aligned uncompressed data, random pages stored raw in split
 * chunks (and crafted split chunks refused), streaming through a pipe, the header's
 * refusals, and random access for lazy restore (index, load, refusals).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img_pool.h"
#include "tgraph_util.h"
#include "timage.h"
#include "tests.h"

static const struct img_mem_opts variants[] = {
	{ IMG_COMP_ZSTD, 1, 1, 0 }, { IMG_COMP_ZSTD, 3, 2, 0 }, { IMG_COMP_LZ4, 0, 1, 0 },
	{ IMG_COMP_LZ4, 0, 2, 16384 }, { IMG_COMP_NONE, 0, 1, 0 }, { IMG_COMP_NONE, 0, 2, 8192 },
	{ IMG_COMP_ZSTD, 0, 4, 8192 }, { IMG_COMP_LZ4, 0, 3, 4096 }, { IMG_COMP_NONE, 0, 4, 4096 },
};
#define NVARIANTS (int)(sizeof(variants) / sizeof(variants[0]))

static int tmpfile_fd(void)
{
	return memfd_create("img", MFD_CLOEXEC);
}

START_TEST(roundtrip_each_compression)
{
	const struct img_mem_opts *o = &variants[_i];
	char err[256] = "";
	int memfd, fd = tmpfile_fd();

	ck_assert_int_eq(tm_memfd(300, 7, &memfd), 0);
	ck_assert_int_eq(tm_write_image(fd, memfd, 5, 3, o, 0), 0);
	lseek(fd, 0, SEEK_SET);
	ck_assert_msg(tm_read_image(fd, memfd, 5, 3, o->threads, err) == 0, "%s", err);
	/* and read with another thread count */
	lseek(fd, 0, SEEK_SET);
	ck_assert_msg(tm_read_image(fd, memfd, 5, 3, o->threads == 1 ? 2 : 1, err) == 0,
		      "%s", err);
	close(fd);
	close(memfd);
}
END_TEST

START_TEST(zero_pages_and_holes_are_not_stored)
{
	struct img_range r = { 0, 64 << 20 };
	struct img_mem_src src = { .size = 64 << 20, .ranges = &r, .nranges = 1 };
	struct img_mem_opts o = { IMG_COMP_NONE, 0, 2, 0 };
	struct img_info info = { .version = "t" };
	struct img_mem_stats st;
	struct img_writer *w;
	int fd = tmpfile_fd();
	char *mem = mmap(NULL, src.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);

	mem[5 * 4096 + 7] = 1;
	src.base = mem;
	ck_assert_int_eq(img_writer_new(&w, fd), 0);
	ck_assert_int_eq(img_write_header(w, &info), 0);
	ck_assert_int_eq(img_write_mem(w, &src, &o, &st), 0);
	ck_assert_uint_eq(st.raw_bytes, 4096);
	ck_assert_uint_eq(st.zero_pages, (64 << 20) / 4096 - 1);
	ck_assert_uint_lt(img_writer_pos(w), 200000);
	img_writer_destroy(w);
	munmap(mem, src.size);
	close(fd);
}
END_TEST

static uint64_t mix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* What the writer takes for noise: random bytes, and nothing with structure. */
START_TEST(noise_pages_are_told_apart)
{
	uint64_t page[512], seed = 5;
	double *d = (double *)page;
	int nrandom = 0;

	for (int t = 0; t < 2000; t++) {
		for (int k = 0; k < 512; k++)
			page[k] = mix64(&seed);
		nrandom += img_page_is_noise((uint8_t *)page);
	}
	ck_assert_int_eq(nrandom, 2000);
	for (int k = 0; k < 512; k++)          /* pointers into one address space */
		page[k] = 0x00007f0000000000ull | (mix64(&seed) & 0xffffffffffull);
	ck_assert(!img_page_is_noise((uint8_t *)page));
	for (int k = 0; k < 512; k++)          /* doubles in [0, 1) */
		d[k] = (double)(mix64(&seed) >> 11) / (double)(1ull << 53);
	ck_assert(!img_page_is_noise((uint8_t *)page));
	for (int k = 0; k < 4096; k++)         /* text */
		((char *)page)[k] = "lorem ipsum dolor sit amet, consectetur adipiscing "[k % 51];
	ck_assert(!img_page_is_noise((uint8_t *)page));
	for (int k = 0; k < 512; k++)          /* small counters */
		page[k] = mix64(&seed) % 1000;
	ck_assert(!img_page_is_noise((uint8_t *)page));
}
END_TEST

/* Mixed memory, compressed: the random pages go into the image as they are, the
 * rest compressed, and it all comes back; with none nothing is split. */
START_TEST(split_chunks_store_noise_raw)
{
	static const enum img_comp comps[] = { IMG_COMP_ZSTD, IMG_COMP_LZ4, IMG_COMP_NONE };
	size_t npages = 1000, nrandom = 0;
	struct img_range r = { 0, npages * 4096 };
	struct img_mem_src src = { .size = r.len, .ranges = &r, .nranges = 1 };
	struct img_mem_opts o = { comps[_i], 0, 2, 0 };
	struct img_info info = { .version = "t" };
	struct img_mem_dst dst = { .size = r.len, .zeroed = true };
	struct img_mem_stats st, rst;
	struct img_writer *w;
	struct img_reader *rd;
	struct img_section sec;
	uint64_t seed = 9;
	int fd = tmpfile_fd();
	uint8_t *mem = mmap(NULL, r.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	uint8_t *back = mmap(NULL, r.len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	for (size_t i = 0; i < npages; i++) {
		uint64_t *q = (uint64_t *)(mem + i * 4096);

		if (i % 5 == 0 || i % 7 == 0) {
			for (int k = 0; k < 512; k++)
				q[k] = mix64(&seed);
			nrandom++;
		} else if (i % 5 != 4) {
			snprintf((char *)q, 4096, "page %zu of text, and more text", i);
		}
	}
	src.base = mem;
	ck_assert_int_eq(img_writer_new(&w, fd), 0);
	ck_assert_int_eq(img_write_header(w, &info), 0);
	ck_assert_int_eq(img_write_mem(w, &src, &o, &st), 0);
	ck_assert_int_eq(img_write_end(w), 0);
	img_writer_destroy(w);
	ck_assert_uint_eq(st.noise_pages, comps[_i] == IMG_COMP_NONE ? 0 : nrandom);
	ck_assert_uint_ge(st.stored_bytes, nrandom * 4096);
	if (comps[_i] != IMG_COMP_NONE)
		ck_assert_uint_lt(st.stored_bytes, nrandom * 4096 + 100000);

	lseek(fd, 0, SEEK_SET);
	dst.base = back;
	ck_assert_int_eq(img_reader_new(&rd, fd), 0);
	ck_assert_int_eq(img_read_header(rd, NULL), 0);
	ck_assert_int_eq(img_next_section(rd, &sec), 0);
	ck_assert_uint_eq(sec.type, IMG_SEC_MEM);
	ck_assert_msg(img_read_mem(rd, &dst, 2, &rst) == 0, "%s", img_reader_error(rd));
	ck_assert_uint_eq(rst.noise_pages, st.noise_pages);
	img_reader_destroy(rd);
	ck_assert_mem_eq(mem, back, r.len);
	munmap(mem, r.len);
	munmap(back, r.len);
	close(fd);
}
END_TEST

START_TEST(uncompressed_pages_are_page_aligned)
{
	struct img_mem_opts o = { IMG_COMP_NONE, 0, 1, 0 };
	int memfd, fd = tmpfile_fd(), found = 0;
	uint8_t page[4096];
	size_t size;
	uint8_t *img;

	ck_assert_int_eq(tm_memfd(16, 3, &memfd), 0);
	ck_assert_int_eq(tm_write_image(fd, memfd, 2, 1, &o, 0), 0);
	size = lseek(fd, 0, SEEK_END);
	img = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	for (int p = 0; p < 16; p++) {
		if (pread(memfd, page, 4096, p * 4096) != 4096 || p % 8 == 3 || p % 8 >= 7 ||
		    p % 8 == 4)
			continue;
		for (size_t off = 0; off + 4096 <= size; off += 4096)
			if (!memcmp(img + off, page, 4096)) {
				found++;
				break;
			}
	}
	ck_assert_int_eq(found, 10);   /* pages 0,1,2,5,6 of each 8 */
	munmap(img, size);
	close(fd);
	close(memfd);
}
END_TEST

struct pipe_job {
	int fd, memfd;
	struct img_mem_opts o;
	int rc;
};

static void *pipe_writer(void *arg)
{
	struct pipe_job *j = arg;

	j->rc = tm_write_image(j->fd, j->memfd, 6, 2, &j->o, 0);
	close(j->fd);
	return NULL;
}

START_TEST(streams_through_a_pipe)
{
	struct pipe_job j = { .o = variants[_i] };
	char err[256] = "";
	pthread_t t;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(tm_memfd(200, 11, &j.memfd), 0);
	j.fd = p[1];
	pthread_create(&t, NULL, pipe_writer, &j);
	ck_assert_msg(tm_read_image(p[0], j.memfd, 6, 2, 2, err) == 0, "%s", err);
	pthread_join(t, NULL);
	ck_assert_int_eq(j.rc, 0);
	close(p[0]);
	close(j.memfd);
}
END_TEST

START_TEST(fd_source_and_destination)
{
	struct img_mem_opts o = { IMG_COMP_ZSTD, 1, 2, 0 };
	struct img_info info = { .version = "t" };
	struct img_mem_src src = { .fd = -1 };
	struct img_mem_dst dst = { .base = NULL };
	struct img_range *r;
	struct img_writer *w;
	struct img_reader *rd;
	struct img_section s;
	int memfd, out, fd = tmpfile_fd();
	uint8_t a[4096], b[4096];

	ck_assert_int_eq(tm_memfd(100, 5, &memfd), 0);
	src.fd = memfd;
	src.size = 100 * 4096;
	ck_assert_int_eq(img_ranges_from_fd(memfd, src.size, &r, &src.nranges), 0);
	ck_assert_uint_gt(src.nranges, 1);
	src.ranges = r;
	ck_assert_int_eq(img_writer_new(&w, fd), 0);
	ck_assert_int_eq(img_write_header(w, &info), 0);
	ck_assert_int_eq(img_write_mem(w, &src, &o, NULL), 0);
	ck_assert_int_eq(img_write_end(w), 0);
	img_writer_destroy(w);

	out = memfd_create("out", 0);
	ck_assert_int_eq(ftruncate(out, src.size), 0);
	dst.fd = out;
	dst.size = src.size;
	lseek(fd, 0, SEEK_SET);
	ck_assert_int_eq(img_reader_new(&rd, fd), 0);
	ck_assert_int_eq(img_read_header(rd, NULL), 0);
	ck_assert_int_eq(img_next_section(rd, &s), 0);
	ck_assert_uint_eq(s.type, IMG_SEC_MEM);
	ck_assert_msg(img_read_mem(rd, &dst, 2, NULL) == 0, "%s", img_reader_error(rd));
	ck_assert_int_eq(img_next_section(rd, &s), 0);
	ck_assert_uint_eq(s.type, IMG_SEC_END);
	for (int p = 0; p < 100; p++) {
		ck_assert_int_eq(pread(memfd, a, 4096, p * 4096), 4096);
		ck_assert_int_eq(pread(out, b, 4096, p * 4096), 4096);
		ck_assert_mem_eq(a, b, 4096);
	}
	img_reader_destroy(rd);
	free(r);
	close(out);
	close(memfd);
	close(fd);
}
END_TEST

/*
 * A shared mapping of a memfd with holes, as the Sentry checkpoints its memory file
 * (mapped_fd, one coarse range over all of it): the holes are stored as zero pages
 * without being faulted in (the file holds as many blocks after as before), and
 * the memory reads back the same.
 */
START_TEST(mapped_memfd_holes_stay_holes)
{
	const struct img_mem_opts *o = &variants[_i];
	struct img_info info = { .version = "t" };
	struct img_range r = { 0, 300 * 4096 };
	struct img_mem_src src = { .mapped_fd = true, .size = 300 * 4096, .ranges = &r,
				   .nranges = 1 };
	struct img_mem_dst dst = { .size = 300 * 4096 };
	struct img_mem_stats st;
	struct img_writer *w;
	struct img_reader *rd;
	struct img_section s;
	struct stat before, after;
	int memfd, fd = tmpfile_fd();
	uint8_t *back;

	ck_assert_int_eq(tm_memfd(300, 7, &memfd), 0);
	src.fd = memfd;
	src.base = mmap(NULL, src.size, PROT_READ, MAP_SHARED, memfd, 0);
	ck_assert_ptr_ne(src.base, MAP_FAILED);
	ck_assert_int_eq(fstat(memfd, &before), 0);
	ck_assert_int_eq(img_writer_new(&w, fd), 0);
	ck_assert_int_eq(img_write_header(w, &info), 0);
	ck_assert_msg(img_write_mem(w, &src, o, &st) == 0, "%s", img_writer_error(w));
	ck_assert_int_eq(img_write_end(w), 0);
	img_writer_destroy(w);
	ck_assert_int_eq(fstat(memfd, &after), 0);
	ck_assert_int_eq(after.st_blocks, before.st_blocks);
	/* tm_memfd: pages 3, 4 and 7 of every 8 are zero (3 written, 4 and 7 holes) */
	ck_assert_uint_eq(st.zero_pages, 300 / 8 * 3 + 1);
	ck_assert_uint_eq(st.raw_bytes, (300 - st.zero_pages) * 4096);

	back = mmap(NULL, dst.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst.base = back;
	lseek(fd, 0, SEEK_SET);
	ck_assert_int_eq(img_reader_new(&rd, fd), 0);
	ck_assert_int_eq(img_read_header(rd, NULL), 0);
	ck_assert_int_eq(img_next_section(rd, &s), 0);
	ck_assert_msg(img_read_mem(rd, &dst, o->threads, NULL) == 0, "%s", img_reader_error(rd));
	ck_assert_mem_eq(back, src.base, src.size);
	img_reader_destroy(rd);
	munmap(back, dst.size);
	munmap((void *)src.base, src.size);
	close(memfd);
	close(fd);
}
END_TEST

/* The checksum of bytes given in pieces is the checksum of the bytes, wherever the
 * pieces break; and it is xxHash64 (the published sum of no bytes). */
START_TEST(sum_of_pieces_is_sum_of_bytes)
{
	static const size_t cuts[] = { 1, 3, 8, 31, 32, 33, 64, 100, 4096 };
	uint8_t buf[9000];
	uint64_t x = 88172645463325252ull;
	struct img_sum sum;

	ck_assert_uint_eq(img_sum64("", 0, 0), 0xEF46DB3751D8E999ull);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (size_t len = 0; len < sizeof(buf); len = len * 3 + 7) {
		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
			img_sum_init(&sum, 42);
			for (size_t o = 0; o < len; o += cuts[c])
				img_sum_add(&sum, buf + o, o + cuts[c] < len ? cuts[c] : len - o);
			ck_assert_uint_eq(img_sum_end(&sum), img_sum64(buf, len, 42));
		}
	}
}
END_TEST

/*
 * A file that stops growing partway through the memory (RLIMIT_FSIZE; check runs each
 * test in a process of its own): img_write_mem says why and returns, whichever thread
 * met the error, with nothing left running.
 */
START_TEST(failed_write_ends_the_memory_section)
{
	const struct img_mem_opts *o = &variants[_i];
	struct rlimit lim = { 64 << 10, RLIM_INFINITY };
	int memfd, fd = tmpfile_fd();

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(tm_memfd(300, 3, &memfd), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_ne(tm_write_image(fd, memfd, 2, 1, o, 0), 0);
	ck_assert_uint_le(lseek(fd, 0, SEEK_END), 64 << 10);
	close(fd);
	close(memfd);
}
END_TEST

START_TEST(skip_sections_and_header_fields)
{
	struct img_mem_opts o = { IMG_COMP_LZ4, 0, 2, 0 };
	struct img_reader *r;
	struct img_header h;
	struct img_section s;
	int memfd, fd = tmpfile_fd(), n = 0;

	ck_assert_int_eq(tm_memfd(40, 2, &memfd), 0);
	ck_assert_int_eq(tm_write_image(fd, memfd, 2, 1, &o, 1234), 0);
	lseek(fd, 0, SEEK_SET);
	ck_assert_int_eq(img_reader_new(&r, fd), 0);
	ck_assert_int_eq(img_read_header(r, &h), 0);
	ck_assert_uint_eq(h.ctime_ns, 1234);
	ck_assert_str_eq(h.version, "test");
	ck_assert_uint_eq(h.cpu_len, 8);
	ck_assert_mem_eq(h.cpu, "cpu:sse2", 8);
	while (img_next_section(r, &s) == 0 && s.type != IMG_SEC_END)
		n++;
	ck_assert_uint_eq(s.type, IMG_SEC_END);
	ck_assert_int_eq(n, 3);
	img_reader_destroy(r);
	close(fd);
	close(memfd);
}
END_TEST

START_TEST(temporary_file_then_rename)
{
	char dir[] = "/tmp/sbx-img-XXXXXX", path[64], *tmp;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.img", dir);
	ck_assert_int_eq(img_file_create(path, &fd, &tmp), 0);
	ck_assert_int_ne(access(tmp, F_OK), -1);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_eq(img_file_commit(fd, tmp, path), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Walks to the memory section of image fd (at 0) and indexes it: 0 or -errno. */
static int index_image(int fd, struct img_chunk_ref **v, size_t *n, enum img_comp *comp)
{
	struct img_reader *r;
	struct img_section s;
	int rc;

	lseek(fd, 0, SEEK_SET);
	rc = img_reader_new(&r, fd);
	if (!rc)
		rc = img_read_header(r, NULL);
	while (!rc) {
		rc = img_next_section(r, &s);
		if (rc || s.type == IMG_SEC_END) {
			rc = rc ? rc : -ENOENT;
			break;
		}
		if (s.type == IMG_SEC_MEM) {
			rc = img_mem_index(r, v, n, comp);
			if (!rc) {
				rc = img_next_section(r, &s);
				if (!rc && s.type != IMG_SEC_END)
					rc = -EINVAL;
			}
			break;
		}
	}
	img_reader_destroy(r);
	return rc;
}

/* Rewrites chunk c's payload checksum and its section header's, after an edit. */
static void reseal_chunk(int fd, const struct img_chunk_ref *c)
{
	size_t len = c->bm_len + c->pad + c->data_len;
	uint8_t *b = malloc(len), h[40];
	uint64_t sum;
	uint32_t hs = 0;

	ck_assert_int_eq(pread(fd, b, len, c->file_off), (ssize_t)len);
	sum = img_sum64(b + c->bm_len + c->pad, c->data_len, img_sum64(b, c->bm_len, 0));
	ck_assert_int_eq(pread(fd, h, 40, c->file_off - 40), 40);
	memcpy(h + 32, &sum, 8);
	memcpy(h + 12, &hs, 4);
	hs = (uint32_t)img_sum64(h, 40, 0);
	memcpy(h + 12, &hs, 4);
	ck_assert_int_eq(pwrite(fd, h, 40, c->file_off - 40), 40);
	free(b);
}

/* A split chunk whose checksums hold but whose second bitmap lies: marks a zero
 * page as stored raw, or no page at all. Neither loads, lazily or not. */
START_TEST(crafted_split_chunks_are_refused)
{
	struct img_mem_opts o = { IMG_COMP_ZSTD, 0, 1, 0 };
	struct img_chunk_ref *v = NULL, *c = NULL;
	enum img_comp comp;
	size_t n, bm;
	int memfd, fd = tmpfile_fd(), out = memfd_create("out", 0);
	uint8_t map[2][64];
	char why[200], err[256];
	void *buf;

	ck_assert_int_eq(tm_memfd(300, 7, &memfd), 0);
	ck_assert_int_eq(tm_write_image(fd, memfd, 5, 3, &o, 0), 0);
	ck_assert_int_eq(index_image(fd, &v, &n, &comp), 0);
	for (size_t k = 0; k < n && !c; k++)
		if (v[k].split)
			c = &v[k];
	ck_assert_ptr_nonnull(c);
	bm = c->bm_len / 2;
	ck_assert_uint_le(bm, sizeof(map[0]));
	ck_assert_int_eq(pread(fd, map[0], bm, c->file_off), (ssize_t)bm);
	ck_assert_int_eq(pread(fd, map[1], bm, c->file_off + bm), (ssize_t)bm);
	ck_assert_int_eq(ftruncate(out, 300 * 4096), 0);
	for (int t = 0; t < 2; t++) {
		uint8_t lie[64];
		uint32_t z = 0;

		if (t == 0) {           /* the first zero page of the chunk, marked raw */
			while (map[0][z / 8] & (1u << (z % 8)))
				z++;
			ck_assert_uint_lt(z, c->len / 4096);
			memcpy(lie, map[1], bm);
			lie[z / 8] |= 1u << (z % 8);
		} else {                /* split, but no page raw */
			memset(lie, 0, bm);
		}
		ck_assert_int_eq(pwrite(fd, lie, bm, c->file_off + bm), (ssize_t)bm);
		reseal_chunk(fd, c);
		buf = malloc(img_chunk_buf_size(c));
		ck_assert_int_eq(img_chunk_load(fd, c, comp, buf, out, why, sizeof(why)),
				 -EBADMSG);
		free(buf);
		lseek(fd, 0, SEEK_SET);
		ck_assert_int_ne(tm_read_image(fd, memfd, 5, 3, 1, err), 0);
		ck_assert_ptr_nonnull(strstr(err, "bitmap"));
	}
	/* put back as written: it loads again */
	ck_assert_int_eq(pwrite(fd, map[1], bm, c->file_off + bm), (ssize_t)bm);
	reseal_chunk(fd, c);
	lseek(fd, 0, SEEK_SET);
	ck_assert_msg(tm_read_image(fd, memfd, 5, 3, 2, err) == 0, "%s", err);
	free(v);
	close(out);
	close(memfd);
	close(fd);
}
END_TEST

START_TEST(lazy_index_and_chunk_load)
{
	const struct img_mem_opts *o = &variants[_i];
	struct img_chunk_ref *v = NULL;
	struct img_range *cr;
	enum img_comp comp;
	size_t n, ncr, size = 300 * 4096;
	int memfd, out, fd = tmpfile_fd(), cut;
	char why[200];
	uint8_t a[4096], b[4096];
	void *buf;
	off_t len;

	ck_assert_int_eq(tm_memfd(300, 7, &memfd), 0);
	/* the coarse ranges cover every populated page */
	ck_assert_int_eq(img_ranges_coarse(memfd, size, 1 << 16, &cr, &ncr), 0);
	for (off_t d = lseek(memfd, 0, SEEK_DATA); d >= 0 && (size_t)d < size;
	     d = lseek(memfd, d + 4096, SEEK_DATA)) {
		bool in = false;

		for (size_t i = 0; i < ncr; i++)
			in |= (uint64_t)d >= cr[i].off && (uint64_t)d < cr[i].off + cr[i].len;
		ck_assert_msg(in, "populated page at %lld outside the coarse ranges", (long long)d);
	}
	free(cr);

	ck_assert_int_eq(tm_write_image(fd, memfd, 5, 3, o, 0), 0);
	ck_assert_int_eq(index_image(fd, &v, &n, &comp), 0);
	ck_assert_int_eq(comp, o->comp);
	ck_assert_uint_gt(n, 0);
	out = memfd_create("out", 0);
	ck_assert_int_eq(ftruncate(out, size), 0);
	/* any order: last chunk first */
	for (size_t k = n; k-- > 0;) {
		buf = malloc(img_chunk_buf_size(&v[k]));
		ck_assert_msg(img_chunk_load(fd, &v[k], comp, buf, out, why, sizeof(why)) == 0,
			      "%s", why);
		free(buf);
	}
	for (int p = 0; p < 300; p++) {
		ck_assert_int_eq(pread(memfd, a, 4096, p * 4096), 4096);
		ck_assert_int_eq(pread(out, b, 4096, p * 4096), 4096);
		ck_assert_mem_eq(a, b, 4096);
	}

	/* a flipped bit in a chunk's stored data: that chunk does not load */
	{
		struct img_chunk_ref *c = &v[n / 2];
		off_t at = c->file_off + c->bm_len + c->pad + c->data_len / 2;
		uint8_t x;

		ck_assert_int_eq(pread(fd, &x, 1, at), 1);
		x ^= 1;
		ck_assert_int_eq(pwrite(fd, &x, 1, at), 1);
		buf = malloc(img_chunk_buf_size(c));
		ck_assert_int_eq(img_chunk_load(fd, c, comp, buf, out, why, sizeof(why)), -EBADMSG);
		ck_assert_ptr_nonnull(strstr(why, "corrupt"));
		free(buf);
		x ^= 1;
		ck_assert_int_eq(pwrite(fd, &x, 1, at), 1);
	}
	/* cut anywhere from the first chunk on: the index refuses it */
	len = lseek(fd, 0, SEEK_END);
	for (cut = v[0].file_off - 1; cut < len; cut += (len - v[0].file_off) / 7 + 1) {
		int t = tmpfile_fd();
		struct img_chunk_ref *w = NULL;
		size_t m;
		void *all = malloc(cut);

		ck_assert_int_eq(pread(fd, all, cut, 0), cut);
		ck_assert_int_eq(write(t, all, cut), cut);
		ck_assert_msg(index_image(t, &w, &m, &comp) != 0, "cut at %d of %lld indexed",
			      cut, (long long)len);
		free(all);
		close(t);
	}
	free(v);
	close(out);
	close(memfd);
	close(fd);
}
END_TEST

Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("image");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, roundtrip_each_compression, 0, NVARIANTS);
	tcase_add_test(tc, zero_pages_and_holes_are_not_stored);
	tcase_add_test(tc, noise_pages_are_told_apart);
	tcase_add_loop_test(tc, split_chunks_store_noise_raw, 0, 3);
	tcase_add_test(tc, crafted_split_chunks_are_refused);
	tcase_add_test(tc, uncompressed_pages_are_page_aligned);
	tcase_add_loop_test(tc, streams_through_a_pipe, 0, NVARIANTS);
	tcase_add_loop_test(tc, failed_write_ends_the_memory_section, 0, NVARIANTS);
	tcase_add_test(tc, fd_source_and_destination);
	tcase_add_loop_test(tc, mapped_memfd_holes_stay_holes, 0, NVARIANTS);
	tcase_add_test(tc, sum_of_pieces_is_sum_of_bytes);
	tcase_add_test(tc, skip_sections_and_header_fields);
	tcase_add_test(tc, temporary_file_then_rename);
	tcase_add_loop_test(tc, lazy_index_and_chunk_load, 0, NVARIANTS);
	suite_add_tcase(s, tc);
	return s;
}
