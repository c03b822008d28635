/*
 * Chunk work for the memory section (see img_pool.h): find the zero pages of a chunk
 * and compress the others (writer), or check, decompress and scatter a chunk into
 * the destination (reader); and the worker threads that run that work.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <lz4.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY       /* the custom allocator */
#include <zstd.h>

#include "img_pool.h"

/*
 * Buffers. On these VMs the first touch of a fresh 4 KiB page costs 15-60 us, even
 * when mmap populated it (the hypervisor's shadow page tables fill lazily): a fresh
 * 12 MiB took 55-70 ms to memset, more than the work done in it. Big buffers are
 * made of 2 MiB huge pages, one fault each (~1 ms for 14 MiB), when transparent huge
 * pages can be had for the asking; small ones are populated by mmap as before.
 */
#define IMG_HUGE (2ul << 20)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23          /* Linux 5.14 */
#endif

static size_t buf_map_len(size_t len, size_t huge_from)
{
	return len < huge_from ? len : (len + IMG_HUGE - 1) & ~(IMG_HUGE - 1);
}

static void *buf_alloc(size_t len, size_t huge_from)
{
	size_t map = buf_map_len(len, huge_from);
	uint8_t *p, *a;

	if (len < huge_from) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	/* Over-allocate by one huge page and trim, for a 2 MiB-aligned start. */
	p = mmap(NULL, map + IMG_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + IMG_HUGE - 1) & ~(IMG_HUGE - 1));
	if (a > p)
		munmap(p, a - p);
	if (p + map + IMG_HUGE > a + map)
		munmap(a + map, p + map + IMG_HUGE - (a + map));
	/* Only hints: without them the buffer is made of small pages, as before. */
	madvise(a, map, MADV_HUGEPAGE);
	if (madvise(a, map, MADV_POPULATE_WRITE))
		for (size_t o = 0; o < map; o += IMG_PAGE)
			((volatile uint8_t *)a)[o] = 0;
	return a;
}

void *img_buf_alloc(size_t len)
{
	return buf_alloc(len, IMG_HUGE / 2);
}

void img_buf_free(void *p, size_t len)
{
	if (p)
		munmap(p, buf_map_len(len, IMG_HUGE / 2));
}

/* zstd's workspaces come from buf_alloc too: a fresh context otherwise faults in its
 * tables on the first frame it compresses. Even a compression context's 0.6 MiB is
 * worth a huge page: populated small pages still cost a fault each on this VM's
 * first touch. The size is kept in front. */
#define ZMEM_HDR 64
#define ZMEM_HUGE (256u << 10)

static void *zmem_alloc(void *opaque, size_t size)
{
	uint8_t *p = buf_alloc(size + ZMEM_HDR, ZMEM_HUGE);

	(void)opaque;
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	return p + ZMEM_HDR;
}

static void zmem_free(void *opaque, void *addr)
{
	size_t size;

	(void)opaque;
	if (!addr)
		return;
	memcpy(&size, (uint8_t *)addr - ZMEM_HDR, sizeof(size));
	munmap((uint8_t *)addr - ZMEM_HDR, buf_map_len(size + ZMEM_HDR, ZMEM_HUGE));
}

static const ZSTD_customMem zmem = { zmem_alloc, zmem_free, NULL };

void *img_zstd_cctx_new(void)
{
	return ZSTD_createCCtx_advanced(zmem);
}

unsigned img_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

int pool_fail(struct pool *p, int rc, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&p->mu);
	if (!p->rc) {
		p->rc = rc;
		va_start(ap, fmt);
		vsnprintf(p->err, sizeof(p->err), fmt, ap);
		va_end(ap);
	}
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

size_t img_comp_bound(enum img_comp c, size_t len)
{
	if (c == IMG_COMP_ZSTD)
		return ZSTD_compressBound(len);
	if (c == IMG_COMP_LZ4)
		return LZ4_compressBound(len);
	return len;
}

int wctx_init(struct pool *p, struct wctx *w)
{
	memset(w, 0, sizeof(*w));
	if (p->nstages) {
		pthread_mutex_lock(&p->mu);
		w->stage = p->arena + p->arena_len -
			   (size_t)(p->nstages - p->stages_taken++) * p->max_chunk;
		pthread_mutex_unlock(&p->mu);
	}
	if (p->writing && p->src->mapped_fd) {
		w->held = malloc(p->max_chunk / IMG_PAGE);
		if (!w->held)
			return -ENOMEM;
	}
	if (p->comp != IMG_COMP_ZSTD)
		return 0;
	w->zc = p->writing ? (void *)ZSTD_createCCtx_advanced(zmem) :
			     (void *)ZSTD_createDCtx_advanced(zmem);
	return w->zc ? 0 : -ENOMEM;
}

void wctx_fini(struct pool *p, struct wctx *w)
{
	free(w->held);
	if (p->comp == IMG_COMP_ZSTD && p->writing)
		ZSTD_freeCCtx(w->zc);
	else if (p->comp == IMG_COMP_ZSTD)
		ZSTD_freeDCtx(w->zc);
}

static bool page_is_zero(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;
	uint64_t acc = 0;

	if (q[0] | q[511])              /* most pages that are not zero end here */
		return false;
	for (int i = 0; i < 512; i += 8)
		acc |= q[i] | q[i + 1] | q[i + 2] | q[i + 3] | q[i + 4] | q[i + 5] | q[i + 6] |
		       q[i + 7];
	return !acc;
}

/*
 * Whether a page looks like noise (random or already compressed bytes), from 133
 * bytes sampled 31 apart (an odd stride, so that the samples do not all fall on one
 * byte of 8-byte words: an array of pointers is not noise). The sum of the squares
 * of each byte value's count grows with the collisions among the samples: about 200
 * for random bytes (of 35,000 random pages, one reached 300), over 1,000 for text,
 * pointers or numbers, where a few values are common. It only ever grows, so the
 * count stops once it is past the bar. What falls under the bar and is not random
 * is compressed data, mostly: the pages of libcrypto, python3 and a JDK's modules
 * file under it shrank by 1.6-5% with zstd -1.
 */
#define NOISE_STRIDE 31
#define NOISE_BAR 320u

bool img_page_is_noise(const uint8_t *pg)
{
	uint8_t count[256];
	unsigned sq = 0;

	memset(count, 0, sizeof(count));
	for (unsigned i = 0; i < IMG_PAGE;) {
		for (unsigned end = i + 32 * NOISE_STRIDE; i < end && i < IMG_PAGE;
		     i += NOISE_STRIDE)
			sq += 2u * count[pg[i]]++ + 1;
		if (sq >= NOISE_BAR)
			return false;
	}
	return true;
}

static bool bit(const uint8_t *m, uint32_t i)
{
	return m[i / 8] & (1u << (i % 8));
}

bool chunk_next_run(struct chunk_runs *it, uint32_t *first, uint32_t *n, struct iovec *iov,
		    int max, int *niov)
{
	uint32_t i = it->i, k = 0;
	bool present;

	if (i >= it->npages)
		return false;
	present = bit(it->bm, i);
	*niov = 0;
	while (!present && i + k < it->npages && !bit(it->bm, i + k))
		k++;            /* a run of zero pages: no pieces */
	for (; present && i + k < it->npages && bit(it->bm, i + k); k++) {
		bool noise = it->rawmap && bit(it->rawmap, i + k);
		uint32_t *j = noise ? &it->jn : &it->jd;
		const uint8_t *pg = (noise ? it->noise : it->dec) + (size_t)*j * IMG_PAGE;
		struct iovec *last = *niov ? &iov[*niov - 1] : NULL;

		if (last && (uint8_t *)last->iov_base + last->iov_len == pg)
			last->iov_len += IMG_PAGE;
		else if (*niov < max)
			iov[(*niov)++] = (struct iovec){ (void *)pg, IMG_PAGE };
		else
			break;          /* the run ends here; this page starts the next */
		(*j)++;
	}
	*first = i;
	*n = k;
	it->i = i + k;
	return true;
}

int img_pwritev_full(int fd, struct iovec *iov, int n, uint64_t off)
{
	while (n) {
		ssize_t k = pwritev(fd, iov, n, off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		off += k;
		while (n && (size_t)k >= iov->iov_len) {
			k -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (uint8_t *)iov->iov_base + k;
			iov->iov_len -= k;
		}
	}
	return 0;
}

bool chunk_check_maps(const uint8_t *bm, const uint8_t *rawmap, size_t bm_len,
		      uint32_t npages, size_t raw_len, size_t data_len, uint32_t *present,
		      uint32_t *nnoise)
{
	size_t noise_len;

	*present = *nnoise = 0;
	for (uint32_t i = 0; i < bm_len * 8; i++) {
		if (bit(bm, i) && i >= npages)
			return false;
		*present += bit(bm, i);
	}
	for (size_t i = 0; rawmap && i < bm_len; i++) {
		if (rawmap[i] & ~bm[i])
			return false;
		*nnoise += __builtin_popcount(rawmap[i]);
	}
	noise_len = (size_t)*nnoise * IMG_PAGE;
	return (size_t)*present * IMG_PAGE == raw_len && noise_len <= data_len &&
	       (!rawmap || (*nnoise && (noise_len < raw_len || data_len == noise_len)));
}

int img_unpack(enum img_comp comp, void *dctx, const void *from, size_t from_len, void *to,
	       size_t to_len)
{
	if (comp == IMG_COMP_ZSTD) {
		size_t n = dctx ? ZSTD_decompressDCtx(dctx, to, to_len, from, from_len) :
				  ZSTD_decompress(to, to_len, from, from_len);

		return ZSTD_isError(n) || n != to_len ? -EBADMSG : 0;
	}
	if (comp == IMG_COMP_LZ4) {
		int k = LZ4_decompress_safe(from, to, from_len, to_len);

		return k < 0 || (size_t)k != to_len ? -EBADMSG : 0;
	}
	return -EINVAL;
}

int chunk_check_hdr(enum img_comp comp, uint32_t flags, uint64_t len, uint64_t raw_len,
		    uint32_t chunk_len, size_t pad, size_t *bm_len, uint64_t *data_len)
{
	size_t bm = (chunk_len / IMG_PAGE + 7) / 8;
	bool split = comp != IMG_COMP_NONE && flags == (comp | IMG_CHUNK_SPLIT);

	if (flags != comp && !split)
		return CHUNK_BAD_HDR;
	*bm_len = split ? 2 * bm : bm;
	if (raw_len > chunk_len || raw_len % IMG_PAGE || len < *bm_len + pad)
		return CHUNK_BAD_LEN;
	*data_len = len - *bm_len - pad;
	if (*data_len > img_comp_bound(comp, raw_len) + (split ? IMG_SPLIT_SLACK : 0) ||
	    (comp == IMG_COMP_NONE && *data_len != raw_len))
		return CHUNK_BAD_LEN;
	return CHUNK_OK;
}

int img_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t k = pread(fd, buf, len, off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -ENODATA;
		buf = (char *)buf + k;
		len -= k;
		off += k;
	}
	return 0;
}

/* Compress len bytes at d to out, which has room for img_comp_bound(len); *n. */
static int compress(struct pool *p, struct wctx *w, const uint8_t *d, size_t len,
		    uint8_t *out, size_t *n)
{
	size_t cap = img_comp_bound(p->comp, len);

	if (p->comp == IMG_COMP_ZSTD) {
		*n = ZSTD_compressCCtx(w->zc, out, cap, d, len,
				       p->level ? p->level : IMG_ZSTD_LEVEL);
		if (ZSTD_isError(*n))
			return pool_fail(p, -EIO, "zstd: %s", ZSTD_getErrorName(*n));
	} else {
		int k = LZ4_compress_fast((const char *)d, (char *)out, len, cap,
					  p->level > 0 ? p->level : 1);

		if (k <= 0)
			return pool_fail(p, -EIO, "lz4 compression failed");
		*n = k;
	}
	return 0;
}

/*
 * Which pages of a chunk of a mapped memory file (src) the file holds: vec[i] & 1.
 * mincore finds the pages in the page cache without faulting anything in; a page it
 * does not find is a hole, or a page of a shmem file that was swapped out, which
 * SEEK_DATA tells apart: one lseek per run of pages mincore did not find.
 */
static int chunk_held(struct pool *p, const uint8_t *src, struct chunk c, uint8_t *vec)
{
	uint32_t npages = c.len / IMG_PAGE;

	if (mincore((void *)src, c.len, vec))
		return -errno;
	for (uint32_t i = 0; i < npages;) {
		uint32_t j = i;
		off_t d;

		if (vec[i] & 1) {
			i++;
			continue;
		}
		while (j < npages && !(vec[j] & 1))
			j++;
		d = lseek(p->src->fd, c.off + (uint64_t)i * IMG_PAGE, SEEK_DATA);
		if (d < 0 && errno != ENXIO)
			return -errno;
		if (d < 0 || (uint64_t)d >= c.off + (uint64_t)j * IMG_PAGE) {
			i = j;          /* holes, every one */
			continue;
		}
		i = (d - c.off) / IMG_PAGE;
		vec[i++] = 1;           /* swapped out: read it, which brings it back */
	}
	return 0;
}

/* Adds page pg to slot s's raw pieces, extending the last one if pg follows it. */
static void add_raw(struct slot *s, const uint8_t *pg)
{
	struct iovec *raw = s->iov + 2, *last = s->nraw ? &raw[s->nraw - 1] : NULL;

	if (last && (const uint8_t *)last->iov_base + last->iov_len == pg)
		last->iov_len += IMG_PAGE;
	else
		raw[s->nraw++] = (struct iovec){ (void *)pg, IMG_PAGE };
}

/*
 * Writer: slot s gets chunk s->k's bitmaps, its raw pieces (the pages stored as they
 * are: the noise pages of a compressed chunk, every present page of an uncompressed
 * one) where they lie in the source, and the compressed frame of the other pages.
 * The raw pages are not copied here: emit writes them from the source, which stays
 * as it is until then (the memory, or the slot's own stage for an fd source).
 */
static int work_write(struct pool *p, struct wctx *w, struct slot *s)
{
	struct chunk c = s->c;
	uint32_t npages = c.len / IMG_PAGE, present = 0, kept = 0, nnoise = 0;
	bool compressing = p->comp != IMG_COMP_NONE;
	uint8_t *held = w->held, *rawmap, *out;
	const uint8_t *src, *gather = w->stage;
	struct img_sum sum;
	size_t bm = (npages + 7) / 8, n = 0;
	int rc;

	if (p->src->base) {
		src = (const uint8_t *)p->src->base + c.off;
		rc = p->src->mapped_fd ? chunk_held(p, src, c, held) : 0;
		if (rc)
			return pool_fail(p, rc, "finding the memory at %#llx: %s",
					 (unsigned long long)c.off, strerror(-rc));
	} else {
		rc = img_pread_full(p->src->fd, s->stage, c.len, c.off);
		if (rc)
			return pool_fail(p, rc, "reading memory at %#llx: %s",
					 (unsigned long long)c.off, strerror(-rc));
		src = s->stage;
	}
	rawmap = s->buf + bm;
	memset(s->buf, 0, compressing ? 2 * bm : bm);
	s->nraw = 0;
	/*
	 * One pass: a page to compress is copied to its place among the others while it
	 * is still in the cache (a second pass would fetch it again). Until the first
	 * page that is not kept nothing is copied; a chunk that keeps every page is
	 * compressed where it is.
	 */
	for (uint32_t i = 0; i < npages; i++) {
		const uint8_t *pg = src + (size_t)i * IMG_PAGE;
		bool zero = p->src->mapped_fd && !(held[i] & 1) ? true : page_is_zero(pg);

		if (!zero) {
			s->buf[i / 8] |= 1u << (i % 8);
			present++;
		}
		if (!zero && compressing && !img_page_is_noise(pg)) {
			if (kept != i)
				memcpy(w->stage + (size_t)kept * IMG_PAGE, pg, IMG_PAGE);
			kept++;
			continue;
		}
		if (!zero) {
			add_raw(s, pg);
			if (compressing) {
				rawmap[i / 8] |= 1u << (i % 8);
				nnoise++;
			}
		}
		if (kept == i && kept && compressing)
			memcpy(w->stage, src, (size_t)kept * IMG_PAGE);
	}
	s->zero_pages = npages - present;
	s->nnoise = nnoise;
	if (kept == npages)
		gather = src;
	s->raw_len = (size_t)present * IMG_PAGE;
	s->bm_len = nnoise ? 2 * bm : bm;
	/* The frame follows the bitmaps in buf. */
	out = s->buf + s->bm_len;
	rc = kept ? compress(p, w, gather, (size_t)kept * IMG_PAGE, out, &n) : 0;
	if (rc)
		return rc;
	s->frame_len = n;
	s->data_len = (size_t)(present - kept) * IMG_PAGE + n;
	img_sum_init(&sum, img_sum64(s->buf, s->bm_len, 0));
	for (uint32_t k = 2; k < 2 + s->nraw; k++)
		img_sum_add(&sum, s->iov[k].iov_base, s->iov[k].iov_len);
	img_sum_add(&sum, out, n);
	s->csum = img_sum_end(&sum);
	return 0;
}

/* The runs of slot s's chunk; its present pages come from out (decompressed or
 * stored), and its noise pages (a split chunk) from the stored data. */
static struct chunk_runs slot_runs(struct slot *s, const uint8_t *out)
{
	size_t bm = (s->c.len / IMG_PAGE + 7) / 8;

	return (struct chunk_runs){ .bm = s->buf, .rawmap = s->nnoise ? s->buf + bm : NULL,
				    .noise = s->data, .dec = out,
				    .npages = s->c.len / IMG_PAGE };
}

/* Put the present pages of slot s's chunk in place, a run at a time (one pwritev
 * each, for a file: a split chunk's runs alternate between noise and decompressed
 * pages, and a write per piece cost an eager restore a third more); zero the others
 * unless the destination is known to read as zero. */
static int scatter(struct pool *p, struct slot *s, const uint8_t *out)
{
	static const uint8_t zero[IMG_PAGE];
	const struct img_mem_dst *dst = p->dst;
	struct chunk_runs it = slot_runs(s, out);
	struct iovec iov[IMG_IOV];
	uint32_t i, n;
	int rc = 0, niov;

	while (!rc && chunk_next_run(&it, &i, &n, iov, IMG_IOV, &niov)) {
		uint64_t off = s->c.off + (uint64_t)i * IMG_PAGE;

		if (!niov && dst->zeroed)
			continue;
		if (dst->base && niov) {
			for (int k = 0; k < niov; off += iov[k++].iov_len)
				memcpy((uint8_t *)dst->base + off, iov[k].iov_base, iov[k].iov_len);
		} else if (dst->base) {
			memset((uint8_t *)dst->base + off, 0, (size_t)n * IMG_PAGE);
		} else if (niov) {
			rc = img_pwritev_full(dst->fd, iov, niov, off);
		} else {
			for (uint32_t k = 0; k < n && !rc; k++)
				rc = img_pwritev_full(dst->fd,
						      &(struct iovec){ (void *)zero, IMG_PAGE }, 1,
						      off + (uint64_t)k * IMG_PAGE);
		}
		if (rc)
			pool_fail(p, rc, "writing memory: %s", strerror(-rc));
	}
	return rc;
}

/* Reader: check slot s's chunk and decompress it; s->out is then what scatter()
 * puts in place (with the noise pages of a split chunk), or NULL when the pages are
 * already there. */
static int work_check(struct pool *p, struct wctx *w, struct slot *s)
{
	struct chunk c = s->c;
	uint32_t npages = c.len / IMG_PAGE, present, nnoise;
	size_t bm = (npages + 7) / 8, noise_len, dec_len;
	bool split = s->bm_len != bm;
	const uint8_t *out = s->data;
	uint8_t *direct = NULL;

	if (img_sum64(s->data, s->data_len, img_sum64(s->buf, s->bm_len, 0)) != s->csum)
		return pool_fail(p, -EBADMSG, "chunk %llu checksum mismatch",
				 (unsigned long long)s->k);
	if (!chunk_check_maps(s->buf, split ? s->buf + bm : NULL, bm, npages, s->raw_len,
			      s->data_len, &present, &nnoise))
		return pool_fail(p, -EBADMSG, "chunk %llu: bitmaps and lengths disagree",
				 (unsigned long long)s->k);
	noise_len = (size_t)nnoise * IMG_PAGE;
	s->zero_pages = npages - present;
	s->nnoise = nnoise;
	s->out = NULL;
	dec_len = s->raw_len - noise_len;
	if (p->comp != IMG_COMP_NONE && dec_len) {
		if (present == npages && !nnoise && p->dst && p->dst->base)
			direct = (uint8_t *)p->dst->base + c.off;
		if (img_unpack(p->comp, w->zc, s->data + noise_len, s->data_len - noise_len,
			       direct ? direct : s->stage, dec_len))
			return pool_fail(p, -EBADMSG, "chunk %llu does not decompress",
					 (unsigned long long)s->k);
		if (direct)
			return 0;
		out = s->stage;
	}
	s->out = p->dst ? out : NULL;
	return 0;
}

static int work_read(struct pool *p, struct wctx *w, struct slot *s)
{
	int rc = work_check(p, w, s);

	return rc || !s->out ? rc : scatter(p, s, s->out);
}

int pool_work(struct pool *p, struct wctx *w, struct slot *s)
{
	return p->writing ? work_write(p, w, s) : work_read(p, w, s);
}

/* Writer: claim the next chunk when its slot is free. Reader: take a full slot. */
static struct slot *claim(struct pool *p)
{
	for (;;) {
		if (p->stop)
			return NULL;
		if (p->writing) {
			struct slot *s = &p->slots[p->next % p->nslots];

			if (p->next >= p->nchunks)
				return NULL;
			if (s->state == SLOT_FREE) {
				s->state = SLOT_BUSY;
				s->k = p->next++;
				s->c = p->chunks[s->k];
				return s;
			}
		} else {
			for (unsigned i = 0; i < p->nslots; i++) {
				if (p->slots[i].state == SLOT_FULL) {
					p->slots[i].state = SLOT_BUSY;
					return &p->slots[i];
				}
			}
			if (p->next >= p->nchunks)
				return NULL;
		}
		pthread_cond_wait(&p->cv, &p->mu);
	}
}

/*
 * Reader, with p->mu held: put every decompressed slot in place, one thread at a
 * time. Writes to a memfd serialize on its inode lock, and a second writer only spins
 * on that lock (a quarter of an eager 256 MB restore's CPU was that spin, and one
 * thread writing a memfd beat two: 85 against 113 ms for 192 MB). So a worker whose
 * slot is ready while another writes leaves it to that one and decompresses the next.
 */
static void scatter_ready(struct pool *p)
{
	if (p->scattering)
		return;
	p->scattering = true;
	for (;;) {
		struct slot *s = NULL;

		for (unsigned i = 0; i < p->nslots && !s; i++)
			if (p->slots[i].state == SLOT_READY)
				s = &p->slots[i];
		if (!s)
			break;
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&p->mu);
		if (!p->rc)
			scatter(p, s, s->out);
		pthread_mutex_lock(&p->mu);
		s->state = SLOT_FREE;
		pthread_cond_broadcast(&p->cv);
	}
	p->scattering = false;
}

/*
 * Writer, with p->mu held: emit every filled chunk from p->next_emit on, in order,
 * one thread at a time. A worker that fills a chunk while another emits leaves it to
 * that one, which looks again before it stops, and fills the next.
 */
static void emit_ready(struct pool *p)
{
	if (p->emitting)
		return;
	p->emitting = true;
	while (!p->stop && p->next_emit < p->nchunks) {
		struct slot *s = &p->slots[p->next_emit % p->nslots];
		int rc;

		if (s->state != SLOT_FULL || s->k != p->next_emit)
			break;
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&p->mu);
		rc = p->emit(p, s);
		pthread_mutex_lock(&p->mu);
		s->state = SLOT_FREE;
		if (rc)
			break;          /* emit failed the pool */
		p->next_emit++;
		pthread_cond_broadcast(&p->cv);
	}
	p->emitting = false;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct wctx w;
	struct slot *s;

	if (wctx_init(p, &w)) {
		pool_fail(p, -ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_lock(&p->mu);
	while ((s = claim(p))) {
		int rc;

		pthread_mutex_unlock(&p->mu);
		rc = p->writing ? work_write(p, &w, s) : work_check(p, &w, s);
		pthread_mutex_lock(&p->mu);
		if (!p->writing && !rc)
			p->stats.noise_pages += s->nnoise;
		if (p->writing) {
			s->state = rc ? SLOT_FREE : SLOT_FULL;
			if (!rc)
				emit_ready(p);
		} else if (!rc && s->out) {
			s->state = SLOT_READY;
			scatter_ready(p);
			continue;       /* scatter_ready woke whom it freed a slot for */
		} else {
			s->state = SLOT_FREE;
		}
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	wctx_fini(p, &w);
	return NULL;
}

int pool_write_all(struct pool *p)
{
	int rc;

	worker(p);
	pthread_mutex_lock(&p->mu);
	while (!p->stop && p->next_emit < p->nchunks)
		pthread_cond_wait(&p->cv, &p->mu);
	rc = p->rc;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/*
 * The buffers, in one arena so that they fill whole huge pages. Every slot has its
 * bitmap and stored data (buf). Where the source pages must outlive the work on them
 * (a reader's decompressed pages wait for the scatter; a writer from an fd writes
 * its raw pages from where it read them), each slot has a stage for them too; a
 * compressing writer gathers the pages it compresses in a stage of the thread doing
 * the work, done with once the chunk is compressed, and a reader of uncompressed
 * chunks needs none. A slot per worker and two more keep the workers busy (twice
 * as many measured no faster, on either side). The arena is fresh memory, whose
 * first touch costs 0.5-2 ms per MiB here (host faults behind the guest's: 7-31 ms
 * for 14 MiB of huge pages), at the start of every checkpoint, on its critical path:
 * the less the better.
 */
int pool_start(struct pool *p, unsigned threads)
{
	size_t bm = IMG_MAX_CHUNK / IMG_PAGE / 8;
	/* A split chunk: both bitmaps and the frame of the pages that are not noise. */
	size_t cap = 2 * bm + img_comp_bound(p->comp, p->max_chunk) + IMG_SPLIT_SLACK;
	bool own_stage = p->writing && p->comp != IMG_COMP_NONE;
	bool slot_stage = p->writing ? !p->src->base : p->comp != IMG_COMP_NONE;
	size_t slot_len, niov;

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	/* A small image gets small buffers and no idle threads. */
	if (threads > p->nchunks)
		threads = p->nchunks;
	if (!threads)
		threads = 1;
	if (!p->max_chunk || p->max_chunk > p->chunk_size)
		p->max_chunk = p->chunk_size;
	if (p->writing) {
		/* The caller is one of the threads (pool_write_all). */
		p->nthreads = threads - 1;
		p->nslots = threads > 1 ? threads + 2 : 1;
	} else {
		p->nthreads = threads > 1 ? threads : 0;
		p->nslots = threads > 1 ? threads + 2 : 1;
	}
	if (p->nslots > p->nchunks && p->nchunks)
		p->nslots = p->nchunks;
	p->nstages = own_stage ? threads : 0;
	niov = p->writing ? p->max_chunk / IMG_PAGE + 3 : 0;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	p->tids = calloc(p->nthreads + 1, sizeof(*p->tids));
	p->iovs = niov ? calloc(p->nslots * niov, sizeof(*p->iovs)) : NULL;
	if (!p->slots || !p->tids || (niov && !p->iovs))
		return pool_fail(p, -ENOMEM, "out of memory");
	cap = (cap + IMG_PAGE - 1) & ~(size_t)(IMG_PAGE - 1);
	slot_len = cap + (slot_stage ? p->max_chunk : 0);
	p->arena_len = slot_len * p->nslots + (size_t)p->nstages * p->max_chunk;
	p->arena = img_buf_alloc(p->arena_len);
	if (!p->arena)
		return pool_fail(p, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < p->nslots; i++) {
		p->slots[i].buf = p->arena + slot_len * i;
		p->slots[i].stage = slot_stage ? p->slots[i].buf + cap : NULL;
		p->slots[i].iov = niov ? p->iovs + i * niov : NULL;
	}
	for (unsigned i = 0; i < p->nthreads; i++) {
		if (pthread_create(&p->tids[i], NULL, worker, p)) {
			p->nthreads = i;
			return pool_fail(p, -EAGAIN, "cannot start a thread");
		}
	}
	return 0;
}

void pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	if (!p->writing)
		p->next = p->nchunks;   /* reader: nothing more will be filled */
	else
		p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->tids[i], NULL);
	img_buf_free(p->arena, p->arena_len);
	free(p->iovs);
	free(p->slots);
	free(p->tids);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}
