/*
 * The memory section: its extent table, then one chunk section per chunk, written in
 * order by the calling thread while workers compress ahead (img_pool.c); read back
 * in order while workers decompress behind. Every count and length read is checked
 * against what the extent table allows before anything is allocated or read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "img_pool.h"

static int check_extents(const struct img_range *v, size_t n, uint64_t size,
			 uint64_t *total)
{
	uint64_t end = 0;

	*total = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].off % IMG_PAGE || v[i].len % IMG_PAGE || !v[i].len ||
		    v[i].off < end || v[i].off + v[i].len < v[i].off ||
		    v[i].off + v[i].len > size)
			return -EINVAL;
		end = v[i].off + v[i].len;
		*total += v[i].len;
	}
	return 0;
}

uint64_t img_count_chunks(const struct img_range *v, size_t n, uint32_t cs)
{
	uint64_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += (v[i].len + cs - 1) / cs;
	return k;
}

static int split_chunks(struct pool *p, const struct img_range *v, size_t n)
{
	uint64_t k = 0;

	p->nchunks = img_count_chunks(v, n, p->chunk_size);
	p->chunks = malloc((p->nchunks + 1) * sizeof(*p->chunks));
	if (!p->chunks)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		for (uint64_t o = 0; o < v[i].len; o += p->chunk_size) {
			uint64_t left = v[i].len - o;

			p->chunks[k].off = v[i].off + o;
			p->chunks[k].len = left < p->chunk_size ? left : p->chunk_size;
			if (p->chunks[k].len > p->max_chunk)
				p->max_chunk = p->chunks[k].len;
			k++;
		}
	}
	return 0;
}

static size_t none_pad(uint64_t pos, size_t bm_len)
{
	return (IMG_PAGE - (pos + IMG_SECT_LEN + bm_len) % IMG_PAGE) % IMG_PAGE;
}

static int write_chunk(struct img_writer *w, struct pool *p, struct slot *s,
		       struct img_mem_stats *st)
{
	static const uint8_t zero[IMG_PAGE];
	size_t pad = p->comp == IMG_COMP_NONE && s->raw_len ? none_pad(w->pos, s->bm_len) : 0;
	struct iovec *v = s->iov;       /* work_write left the raw pieces from v[2] on */
	int rc;

	/* The bitmaps, the padding, the raw pieces where they lie, then the frame. */
	v[0] = (struct iovec){ s->buf, s->bm_len };
	v[1] = (struct iovec){ (void *)zero, pad };
	v[2 + s->nraw] = (struct iovec){ s->buf + s->bm_len, s->frame_len };
	rc = img_write_sect_hdr(w, IMG_SEC_CHUNK, p->comp | (s->nnoise ? IMG_CHUNK_SPLIT : 0),
				s->bm_len + pad + s->data_len, s->raw_len, s->csum);
	if (!rc)
		rc = img_write_iov(w, v, 3 + s->nraw);
	if (!rc)
		img_kick_writeback(w);
	st->zero_pages += s->zero_pages;
	st->noise_pages += s->nnoise;
	st->raw_bytes += s->raw_len;
	st->stored_bytes += s->bm_len + pad + s->data_len;
	return rc;
}

/* pool->emit: the next chunk, in order, from whichever thread filled it. */
static int emit_chunk(struct pool *p, struct slot *s)
{
	struct img_writer *w = p->emit_arg;
	int rc = write_chunk(w, p, s, &p->stats);

	return rc ? pool_fail(p, rc, "%s", img_writer_error(w)) : 0;
}

static int write_table(struct img_writer *w, struct pool *p, const struct img_mem_src *src,
		       uint64_t total)
{
	struct img_mem_desc d = { p->comp, p->level, p->chunk_size, IMG_PAGE,
				  src->nranges, total, p->nchunks };
	size_t len = sizeof(d) + src->nranges * sizeof(*src->ranges);
	uint64_t sum = img_sum64(src->ranges, src->nranges * sizeof(*src->ranges),
				 img_sum64(&d, sizeof(d), 0));
	struct iovec v[2] = { { &d, sizeof(d) },
			      { (void *)src->ranges, src->nranges * sizeof(*src->ranges) } };
	int rc = img_write_sect_hdr(w, IMG_SEC_MEM, p->comp, len, p->nchunks, sum);

	return rc ? rc : img_write_iov(w, v, 2);
}

int img_write_mem(struct img_writer *w, const struct img_mem_src *src,
		  const struct img_mem_opts *opts, struct img_mem_stats *stats)
{
	struct pool p = { .writing = true, .comp = opts->comp, .level = opts->level,
			  .chunk_size = opts->chunk_size ? opts->chunk_size : 1u << 20,
			  .src = src, .emit = emit_chunk, .emit_arg = w };
	unsigned threads = opts->threads ? opts->threads : img_online_cpus();
	uint64_t total;
	int rc, sync_err;

	if (opts->comp > IMG_COMP_LZ4 || p.chunk_size % IMG_PAGE ||
	    p.chunk_size > IMG_MAX_CHUNK)
		return img_wfail(w, -EINVAL, "bad compression or chunk size");
	if (src->size % IMG_PAGE ||
	    check_extents(src->ranges, src->nranges, src->size, &total))
		return img_wfail(w, -EINVAL, "memory ranges must be page-aligned, sorted, "
				 "and within the memory file");
	if (split_chunks(&p, src->ranges, src->nranges))
		return img_wfail(w, -ENOMEM, "out of memory");
	rc = write_table(w, &p, src, total);
	if (!rc)
		rc = pool_start(&p, threads);
	img_sync_start(w);
	if (!rc)
		rc = pool_write_all(&p);
	if (p.rc)
		img_wfail(w, p.rc, "%s", p.err);
	pool_stop(&p);
	sync_err = img_sync_stop(w);
	if (!rc && !p.rc && sync_err)
		rc = img_wfail(w, sync_err, "flushing the image: %s", strerror(-sync_err));
	free(p.chunks);
	p.stats.extent_bytes = total;
	p.stats.nchunks = p.nchunks;
	if (stats)
		*stats = p.stats;
	return rc ? rc : p.rc;
}
