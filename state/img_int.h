/* Internals of the image writer and reader (img_file.c, img_mem*.c). */
#ifndef SBX_STATE_IMG_INT_H
#define SBX_STATE_IMG_INT_H

#include "img.h"

#define IMG_MAGIC "SBXIMAGE"
#define IMG_SECT_MAGIC 0x54434553u      /* "SECT" */
#define IMG_HDR_LEN 128
#define IMG_SECT_LEN 40
#define IMG_PAGE 4096u
#define IMG_MAX_CPU 65536
#define IMG_MAX_CHUNK (64u << 20)
/* A chunk section's flags: its compression, and this when it is split (img_pool.h). */
#define IMG_CHUNK_SPLIT 0x100u

struct img_writer {
	int fd;
	uint64_t pos;
	uint64_t nsections;
	bool header, ended;
	uint64_t kicked;                /* writeback started up to here */
	bool no_kick;                   /* the file cannot (a pipe) */
	struct img_syncer *sync;        /* flushes what was kicked (img_sync.c), or NULL */
	char err[256];
};

struct img_reader {
	int fd;
	uint64_t pos;
	uint64_t limit;
	bool have_sect;                 /* s is current and its payload unread */
	struct img_section s;
	struct img_header h;
	struct img_range *ext;          /* the current IMG_SEC_MEM's extents */
	size_t next;
	enum img_comp comp;
	uint32_t chunk_size;
	char err[256];
};

int img_wfail(struct img_writer *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int img_rfail(struct img_reader *r, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void img_kick_writeback(struct img_writer *w);
/* img_sync.c: a thread that fdatasyncs what writeback was started on, while the
 * writer goes on; start and stop from the writing thread. Starting is best effort;
 * stop returns the error of a flush that failed (the image must then fail). */
void img_sync_start(struct img_writer *w);
void img_sync_kicked(struct img_writer *w);
int img_sync_stop(struct img_writer *w);
int img_write_all(struct img_writer *w, const void *buf, size_t len);
int img_write_iov(struct img_writer *w, const struct iovec *iov, int n);
int img_write_sect_hdr(struct img_writer *w, uint32_t type, uint32_t flags, uint64_t len,
		       uint64_t aux, uint64_t csum);
int img_read_all(struct img_reader *r, void *buf, size_t len);
int img_read_skip(struct img_reader *r, uint64_t len);
size_t img_comp_bound(enum img_comp c, size_t len);
int img_read_growing(struct img_reader *r, uint64_t len, void **out);
/* Reads and checks the current IMG_SEC_MEM's extent table (img_mem_lazy.c). */
int img_read_mem_table(struct img_reader *r, uint64_t *nchunks);
uint64_t img_count_chunks(const struct img_range *v, size_t n, uint32_t chunk_size);

struct img_mem_desc {
	uint32_t comp, level, chunk_size, page_size;
	uint64_t nextents, total, nchunks;
};

#endif
