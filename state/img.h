/*
 * img: the checkpoint image file. Layout (all integers little-endian):
 *
 *   header     128 bytes (magic "SBXIMAGE", format major.minor, arch, flags, creation
 *              time, sbx version, schema hash, page size, checksum), then the caller's
 *              CPU blob (CPU features and xsave layout; opaque here)
 *   sections   each a 40-byte header (magic, type, flags, length, aux, checksum of the
 *              payload) and its payload: IMG_SEC_GRAPH (object graph, optionally zstd),
 *              caller types >= IMG_SEC_USER, and one IMG_SEC_MEM
 *   end        an IMG_SEC_END section: an image without it is truncated
 *
 * IMG_SEC_MEM's payload is the extent table (page-aligned offset, length) of the
 * memory file; IMG_SEC_CHUNK sections follow, one per chunk of at most chunk_size
 * bytes of an extent, in order. A chunk holds a bitmap of its pages that are not zero
 * and those pages, compressed independently (zstd, lz4 or none); with none the pages
 * start page-aligned in the file, so they can be mapped. A compressed chunk may be
 * split (format 1.1): pages that look random are stored as they are, beside a second
 * bitmap that says which, and only the others are compressed. Chunks are compressed and
 * decompressed on a pool of threads. Everything is written and read sequentially, so
 * the file may be a pipe; checksums are xxh64-style (img_sum64). A seekable image can
 * also be read at random: img_mem_index locates every chunk without reading pages,
 * img_chunk_load loads one (lazy restore).
 *
 * Errors: 0 or -errno, and img_writer_error()/img_reader_error() say why.
 */
#ifndef SBX_STATE_IMG_H
#define SBX_STATE_IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMG_MAJOR 1
#define IMG_MINOR 1                     /* 1.1: split chunks */
#define IMG_ARCH_X86_64 62              /* ELF e_machine */
#define IMG_ARCH_AARCH64 183

enum img_sec {
	IMG_SEC_GRAPH = 1,
	IMG_SEC_MEM = 2,
	IMG_SEC_CHUNK = 3,
	IMG_SEC_USER = 0x100,           /* and above: the caller's */
	IMG_SEC_END = 0xffffffff,
};

#define IMG_SF_ZSTD 1                   /* section payload is zstd-compressed */

enum img_comp { IMG_COMP_NONE, IMG_COMP_ZSTD, IMG_COMP_LZ4 };

struct img_info {
	uint32_t flags;
	uint64_t ctime_ns;              /* 0: now */
	uint64_t schema_hash;           /* informational */
	const char *version;            /* sbx version, at most 47 bytes kept */
	const void *cpu;                /* CPU features + xsave layout, opaque */
	size_t cpu_len;
};

struct img_header {
	uint16_t major, minor;
	uint32_t arch, flags, page_size;
	uint64_t ctime_ns, schema_hash;
	char version[48];
	void *cpu;                      /* owned by the reader */
	size_t cpu_len;
};

struct img_section {
	uint32_t type, flags;
	uint64_t len;                   /* stored payload bytes */
	uint64_t aux;                   /* GRAPH: raw length; MEM: chunk count */
	uint64_t csum;
	uint64_t offset;                /* of the payload in the file */
};

struct img_range {
	uint64_t off, len;
};

/* Memory to save: a mapping (base) or, if base is NULL, an fd read with pread.
 * mapped_fd: base is a shared mapping of fd, a file with holes (a memfd), which are
 * found with mincore and SEEK_DATA and stored as zero pages, never read through
 * base: a read fault on a hole of a shmem file allocates a page for it. */
struct img_mem_src {
	const void *base;
	int fd;
	bool mapped_fd;
	uint64_t size;
	const struct img_range *ranges; /* populated ranges, sorted; rounded to pages */
	size_t nranges;
};

/* Where to restore memory: a mapping (base) or, if base is NULL, pwrite to fd.
 * zeroed: the destination already reads as zero, so zero pages are not written. */
struct img_mem_dst {
	void *base;
	int fd;
	uint64_t size;
	bool zeroed;
};

/*
 * zstd's level when none is given. The first fast level (-1) compresses the checkpoint
 * benchmark's mix (half random, a quarter text, a quarter zero pages) 1.5x as fast
 * here into an image of the same size, but a real heap (python3 holding 200 MB of
 * dicts and strings) only 1.14x as fast into an image 16% larger (31.2 against 26.8
 * MB; lz4: 53 MB, and slower): level 1 stays.
 */
#define IMG_ZSTD_LEVEL 1

struct img_mem_opts {
	enum img_comp comp;
	int level;                      /* zstd level (0: IMG_ZSTD_LEVEL); lz4 acceleration */
	unsigned threads;               /* 0: every online CPU */
	uint32_t chunk_size;            /* 0: 1 MiB; a multiple of the page size */
};

struct img_mem_stats {
	uint64_t extent_bytes;          /* bytes in the extents */
	uint64_t zero_pages;            /* pages found zero, not stored */
	uint64_t noise_pages;           /* pages stored uncompressed in split chunks */
	uint64_t raw_bytes;             /* bytes of non-zero pages */
	uint64_t stored_bytes;          /* bytes of chunk payloads */
	uint64_t nchunks;
};

struct img_writer;
struct img_reader;

uint64_t img_sum64(const void *p, size_t len, uint64_t seed);
/* The same sum over bytes given in pieces: init, add each piece in order, end. */
struct img_sum {
	uint64_t v[4], seed, len;
	uint8_t buf[32];                /* the last piece's bytes short of a stripe */
	size_t n;
};
void img_sum_init(struct img_sum *s, uint64_t seed);
void img_sum_add(struct img_sum *s, const void *p, size_t len);
uint64_t img_sum_end(const struct img_sum *s);

int img_writer_new(struct img_writer **out, int fd);
void img_writer_destroy(struct img_writer *w);
const char *img_writer_error(const struct img_writer *w);
uint64_t img_writer_pos(const struct img_writer *w);
int img_write_header(struct img_writer *w, const struct img_info *info);
int img_write_section(struct img_writer *w, uint32_t type, uint32_t flags,
		      const void *buf, size_t len);
int img_write_mem(struct img_writer *w, const struct img_mem_src *src,
		  const struct img_mem_opts *opts, struct img_mem_stats *stats);
int img_write_end(struct img_writer *w);

int img_reader_new(struct img_reader **out, int fd);
void img_reader_destroy(struct img_reader *r);
const char *img_reader_error(const struct img_reader *r);
/* Bytes a section payload may need in memory (default 1 GiB). */
void img_reader_set_limit(struct img_reader *r, uint64_t max_bytes);
int img_read_header(struct img_reader *r, struct img_header *h);
/* The next section's header; type IMG_SEC_END at the end. */
int img_next_section(struct img_reader *r, struct img_section *s);
/* The current section's payload, checked and decompressed; caller frees *buf. */
int img_read_payload(struct img_reader *r, void **buf, size_t *len);
/* Pass over the current section (for IMG_SEC_MEM, its chunks too). */
int img_skip_section(struct img_reader *r);
/* Restore the current IMG_SEC_MEM section into dst; threads 0: every CPU. With
 * dst NULL, chunks are only checked (and counted in stats). */
int img_read_mem(struct img_reader *r, const struct img_mem_dst *dst, unsigned threads,
		 struct img_mem_stats *stats);
/* Extents of the current IMG_SEC_MEM section (valid until the next call). */
int img_mem_extents(struct img_reader *r, const struct img_range **v, size_t *n,
		    enum img_comp *comp);

/* One chunk of a memory section, located for loading it later (img_mem_lazy.c). */
struct img_chunk_ref {
	uint64_t off;                   /* in the memory file */
	uint32_t len;                   /* bytes of the memory file it covers */
	uint32_t raw_len;               /* bytes of its pages that are not zero */
	uint64_t file_off;              /* of its bitmap in the image */
	uint32_t bm_len, pad;           /* bitmap bytes (both bitmaps if split), then
					 * padding (none: to a page) */
	uint64_t data_len;              /* stored bytes after the padding */
	uint64_t csum;
	bool split;                     /* some pages stored raw (img_pool.h) */
};

/* Indexes the current IMG_SEC_MEM section of a seekable image without reading its
 * pages: every chunk header is read and checked, the end section must follow, and
 * the reader moves past the section. *v (malloc'ed) is sorted by off. */
int img_mem_index(struct img_reader *r, struct img_chunk_ref **v, size_t *n,
		  enum img_comp *comp);
/* Bytes of buffer img_chunk_load needs for chunk c. */
size_t img_chunk_buf_size(const struct img_chunk_ref *c);
/* Reads chunk c from the image fd, checks it, and pwrites its pages that are not
 * zero into dst_fd at their offsets (the rest of dst must read as zero already).
 * -EBADMSG and why on a corrupt chunk. Thread-safe for distinct buffers. */
int img_chunk_load(int fd, const struct img_chunk_ref *c, enum img_comp comp, void *buf,
		   int dst_fd, char *why, size_t whylen);

/* A buffer of len bytes whose pages are all there: one mmap(MAP_POPULATE) rather
 * than a page fault per page on first use, which on VMs costs more than the copy. */
void *img_buf_alloc(size_t len);
void img_buf_free(void *p, size_t len);

/* Populated ranges of a memory file by SEEK_DATA/SEEK_HOLE; *v is malloc'ed. */
int img_ranges_from_fd(int fd, uint64_t size, struct img_range **v, size_t *n);
/* Ranges that cover every populated page of a memory file, found with one SEEK_DATA
 * per @window bytes (a power of two, a page multiple) that hold data: a window with
 * any data is taken whole, and its holes read as zero pages, which the writer
 * elides. Memory with many small holes costs a few calls instead of thousands. */
int img_ranges_coarse(int fd, uint64_t size, uint64_t window, struct img_range **v,
		      size_t *n);
/* Create path's temporary sibling for writing; commit fsyncs and renames it. */
int img_file_create(const char *path, int *fd, char **tmp);
int img_file_commit(int fd, char *tmp, const char *path);

const char *img_comp_name(enum img_comp c);
const char *img_sec_name(uint32_t type);

#endif
