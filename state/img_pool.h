/*
 * The chunk pipeline shared by the memory writer and reader: a ring of slots, worker
 * threads that each own a (de)compression context, and the ordering rules. Writer:
 * the calling thread and the pool's threads claim chunk k into slot k % nslots once
 * it is free and fill it; whoever fills the next chunk to go out writes it, and
 * every filled one after it, while the others go on filling (so nobody waits for a
 * wake-up from another CPU to write, and no thread only writes). Reader: the calling thread reads
 * chunk k into a free slot; workers take filled slots in any order, and one worker at
 * a time writes the decompressed ones into the destination. With one thread
 * there are no workers: the calling thread does the work inline.
 */
#ifndef SBX_STATE_IMG_POOL_H
#define SBX_STATE_IMG_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/uio.h>

#include "img_int.h"

/* READY (reader): decompressed, waiting for the one thread that writes. */
enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_FULL, SLOT_READY };

struct chunk {
	uint64_t off;                   /* in the memory file */
	uint32_t len;
};

struct slot {
	uint64_t k;
	struct chunk c;                 /* where chunk k is in the memory file */
	enum slot_state state;
	uint8_t *buf;                   /* bitmap, then stored data */
	uint8_t *stage;                 /* source pages (fd source) or decompressed data */
	const uint8_t *data;            /* reader: the stored data */
	/* writer: the pieces emit writes, [2, 2 + nraw) the raw pages where they lie
	 * (0, 1 and the one after them are emit's: bitmaps, padding, frame); a compressed
	 * frame of frame_len bytes follows the bitmaps in buf */
	struct iovec *iov;
	uint32_t nraw;
	size_t frame_len;
	const uint8_t *out;             /* reader: the pages to scatter, or NULL */
	size_t bm_len, data_len, raw_len;
	uint64_t csum, zero_pages;
	uint32_t nnoise;                /* split chunk: pages stored as they are */
};

struct wctx {
	void *zc;                       /* ZSTD_CCtx or ZSTD_DCtx */
	uint8_t *stage;                 /* writer that compresses: the pages it does */
	uint8_t *held;                  /* writer from a mapped file: its pages held */
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *slots;
	uint8_t *arena;                 /* every slot's buf and stage, every wctx's stage */
	struct iovec *iovs;             /* writer: every slot's iov */
	size_t arena_len;
	unsigned nslots, nthreads;
	unsigned nstages, stages_taken; /* wctx stages in the arena; handed out (mu) */
	pthread_t *tids;
	uint64_t next;                  /* writer: next chunk to claim */
	uint64_t nchunks;
	struct chunk *chunks;
	int rc;
	char err[160];
	bool stop;
	bool scattering;                /* reader: a worker is in scatter_ready() */
	bool emitting;                  /* writer: a worker is in emit_ready() */
	uint64_t next_emit;             /* writer: the next chunk to hand to emit */
	/* writer: puts a filled slot's chunk in the image; chunks come in order, from
	 * one thread at a time. 0 or -errno (the pool then fails with the image's
	 * error, which emit says through pool_fail). */
	int (*emit)(struct pool *p, struct slot *s);
	void *emit_arg;
	struct img_mem_stats stats;     /* writer: what emit wrote (emit's); reader: the
					 * noise pages checked (mu) */
	/* the job */
	bool writing;
	enum img_comp comp;
	int level;
	uint32_t chunk_size;
	uint32_t max_chunk;             /* the largest chunk's bytes: the buffers' size */
	const struct img_mem_src *src;
	const struct img_mem_dst *dst;
};

/*
 * A split chunk (IMG_CHUNK_SPLIT, compressed images only): pages that look like
 * noise are stored as they are, not handed to the compressor. Its payload is the
 * bitmap, a second bitmap of those pages (a subset), those pages in bitmap order,
 * then the compressed frame of the other present pages. Random pages cost zstd -1
 * about three times what text does in a mixed chunk (1.7 against 5 GB/s here) and
 * shrink by nothing.
 */
bool img_page_is_noise(const uint8_t *pg);
/* The slack a split chunk's stored bytes may have over img_comp_bound(raw_len). */
#define IMG_SPLIT_SLACK 256u

/* Runs of a chunk's pages, for putting them in place: zero pages, or present pages
 * whose stored bytes come from the noise pages (noise, when rawmap says so) or the
 * decompressed ones (dec), each in bitmap order. */
struct chunk_runs {
	const uint8_t *bm, *rawmap;     /* rawmap NULL: no page is stored raw */
	const uint8_t *noise, *dec;
	uint32_t npages, i, jn, jd;
};
/* The next run of zero pages (*niov 0) or of present pages, as at most max pieces of
 * consecutive stored bytes (the run ends where they would be more): its first page
 * and page count. False at the end. */
bool chunk_next_run(struct chunk_runs *it, uint32_t *first, uint32_t *n, struct iovec *iov,
		    int max, int *niov);
#define IMG_IOV 256                     /* pieces per run: a 1 MiB chunk's pages */
/* pwritev of all of iov[0..n) at off (EINTR and short writes retried): 0 or -errno. */
int img_pwritev_full(int fd, struct iovec *iov, int n, uint64_t off);
/* Checks a chunk's bitmaps against its lengths (raw_len bytes of present pages,
 * data_len stored): no bit beyond npages, rawmap (a split chunk's, else NULL) a
 * non-empty subset of bm, the noise pages within the stored bytes and, when every
 * present page is noise, nothing else stored. Counts the present and noise pages;
 * false if any of it does not hold. */
bool chunk_check_maps(const uint8_t *bm, const uint8_t *rawmap, size_t bm_len,
		      uint32_t npages, size_t raw_len, size_t data_len, uint32_t *present,
		      uint32_t *nnoise);
/* Decompresses from[0..from_len) into exactly to_len bytes at to, with dctx (a
 * ZSTD_DCtx) or, if NULL, a context of zstd's own: 0 or -EBADMSG. */
int img_unpack(enum img_comp comp, void *dctx, const void *from, size_t from_len, void *to,
	       size_t to_len);

/* Checks a chunk section's flags and lengths against the chunk it must be (chunk_len
 * bytes of memory, in an image compressed with comp; pad bytes before the data):
 * CHUNK_OK with its bitmap bytes (both bitmaps if split) and stored data bytes, or
 * CHUNK_BAD_HDR (flags) or CHUNK_BAD_LEN. */
enum { CHUNK_OK, CHUNK_BAD_HDR, CHUNK_BAD_LEN };
int chunk_check_hdr(enum img_comp comp, uint32_t flags, uint64_t len, uint64_t raw_len,
		    uint32_t chunk_len, size_t pad, size_t *bm_len, uint64_t *data_len);

/* Starts at most @threads threads (no more than there are chunks) with buffers for
 * chunks of p->max_chunk bytes (set it first: the caller knows its chunks). */
int pool_start(struct pool *p, unsigned threads);
/* Writer: the calling thread works beside the pool's threads until every chunk is
 * emitted or the pool failed; p->rc. */
int pool_write_all(struct pool *p);
void pool_stop(struct pool *p);
int pool_fail(struct pool *p, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int pool_work(struct pool *p, struct wctx *w, struct slot *s);
int wctx_init(struct pool *p, struct wctx *w);
void wctx_fini(struct pool *p, struct wctx *w);
unsigned img_online_cpus(void);
/* A ZSTD_CCtx whose workspace comes from img_buf_alloc (no fault per page on its
 * first use); free with ZSTD_freeCCtx. */
void *img_zstd_cctx_new(void);

/* pread of exactly @len bytes at @off (EINTR retried): 0, -errno, or -ENODATA at EOF. */
int img_pread_full(int fd, void *buf, size_t len, uint64_t off);

#endif
