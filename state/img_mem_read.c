/*
 * Reading the memory section back: the extent table (validated), then each chunk
 * section in order into a free slot, its lengths checked against the chunk it must
 * be; workers check, decompress and scatter. Decompression is into buffers of the
 * exact size the chunk may hold, so no frame can make it allocate or write more.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "img_pool.h"

struct disk_sect_raw {
	uint32_t magic, type, flags, hdr_csum;
	uint64_t len, aux, csum;
} __attribute__((packed));

static int read_table(struct img_reader *r, struct img_mem_desc *d)
{
	struct img_section *s = &r->s;
	uint64_t n, sum, total;
	int rc;

	if (s->len < sizeof(*d) || (s->len - sizeof(*d)) % sizeof(struct img_range) ||
	    s->len > r->limit)
		return img_rfail(r, -EBADMSG, "corrupt memory section header");
	rc = img_read_all(r, d, sizeof(*d));
	if (rc)
		return rc;
	n = (s->len - sizeof(*d)) / sizeof(struct img_range);
	if (d->nextents != n || d->comp > IMG_COMP_LZ4 || d->page_size != IMG_PAGE ||
	    !d->chunk_size || d->chunk_size % IMG_PAGE || d->chunk_size > IMG_MAX_CHUNK ||
	    d->comp != s->flags || d->nchunks != s->aux)
		return img_rfail(r, -EBADMSG, "corrupt memory section header");
	free(r->ext);
	r->ext = NULL;
	rc = img_read_growing(r, n * sizeof(*r->ext), (void **)&r->ext);
	if (rc)
		return rc;
	r->next = n;
	sum = img_sum64(r->ext, n * sizeof(*r->ext), img_sum64(d, sizeof(*d), 0));
	if (sum != s->csum)
		return img_rfail(r, -EBADMSG, "memory section checksum mismatch");
	for (size_t i = 0; i < n; i++) {
		if (r->ext[i].off % IMG_PAGE || r->ext[i].len % IMG_PAGE || !r->ext[i].len ||
		    r->ext[i].off + r->ext[i].len < r->ext[i].off ||
		    (i && r->ext[i].off < r->ext[i - 1].off + r->ext[i - 1].len))
			return img_rfail(r, -EBADMSG, "corrupt memory extent %zu", i);
	}
	total = 0;
	for (size_t i = 0; i < n; i++)
		total += r->ext[i].len;
	if (total != d->total || img_count_chunks(r->ext, n, d->chunk_size) != d->nchunks)
		return img_rfail(r, -EBADMSG, "memory extents do not add up");
	r->comp = d->comp;
	r->chunk_size = d->chunk_size;
	return 0;
}

/* Read chunk k's section into slot s. */
static int read_chunk(struct img_reader *r, struct pool *p, struct slot *s, uint64_t k)
{
	struct disk_sect_raw h;
	struct chunk c = s->c;
	size_t bm = (c.len / IMG_PAGE + 7) / 8, pad;
	uint64_t data_len;
	uint8_t scratch[IMG_PAGE];
	uint32_t want;
	int rc = img_read_all(r, &h, sizeof(h));

	if (rc)
		return rc;
	pad = p->comp == IMG_COMP_NONE && h.aux ?
	      (IMG_PAGE - (r->pos + bm) % IMG_PAGE) % IMG_PAGE : 0;
	want = h.hdr_csum;
	h.hdr_csum = 0;
	if (h.magic != IMG_SECT_MAGIC || (uint32_t)img_sum64(&h, sizeof(h), 0) != want ||
	    h.type != IMG_SEC_CHUNK)
		return img_rfail(r, -EBADMSG, "corrupt chunk %llu header",
				 (unsigned long long)k);
	switch (chunk_check_hdr(p->comp, h.flags, h.len, h.aux, c.len, pad, &bm, &data_len)) {
	case CHUNK_BAD_HDR:
		return img_rfail(r, -EBADMSG, "corrupt chunk %llu header",
				 (unsigned long long)k);
	case CHUNK_BAD_LEN:
		return img_rfail(r, -EBADMSG, "chunk %llu has impossible lengths",
				 (unsigned long long)k);
	}
	s->k = k;
	s->bm_len = bm;
	s->raw_len = h.aux;
	s->data_len = data_len;
	s->data = s->buf + bm;
	s->csum = h.csum;
	rc = img_read_all(r, s->buf, bm);
	if (!rc && pad) {
		static const uint8_t zero[IMG_PAGE];

		rc = img_read_all(r, scratch, pad);
		if (!rc && memcmp(scratch, zero, pad))
			rc = img_rfail(r, -EBADMSG, "chunk %llu: padding is not zero",
				       (unsigned long long)k);
	}
	if (!rc)
		rc = img_read_all(r, s->buf + bm, s->data_len);
	return rc;
}

/* Chunk k of the extents, walking them with a cursor (*e, *o). */
static struct chunk next_chunk(struct img_reader *r, uint32_t cs, size_t *e, uint64_t *o)
{
	struct img_range x = r->ext[*e];
	struct chunk c = { x.off + *o, x.len - *o < cs ? x.len - *o : cs };

	*o += c.len;
	if (*o == x.len) {
		(*e)++;
		*o = 0;
	}
	return c;
}

static int read_chunks(struct img_reader *r, struct pool *p, struct img_mem_stats *st)
{
	struct wctx wc;
	size_t e = 0;
	uint64_t o = 0;
	int rc = 0;

	if (!p->nthreads)
		rc = wctx_init(p, &wc);
	for (uint64_t k = 0; !rc && k < p->nchunks; k++) {
		struct slot *s = NULL;

		if (p->nthreads) {
			pthread_mutex_lock(&p->mu);
			while (!p->stop && !s) {
				for (unsigned i = 0; i < p->nslots && !s; i++)
					if (p->slots[i].state == SLOT_FREE)
						s = &p->slots[i];
				if (!s)
					pthread_cond_wait(&p->cv, &p->mu);
			}
			rc = p->rc;
			if (s)
				s->state = SLOT_BUSY;
			pthread_mutex_unlock(&p->mu);
			if (!s)
				break;          /* a worker failed: p->rc says why */
		} else {
			s = &p->slots[0];
		}
		if (!rc) {
			s->c = next_chunk(r, p->chunk_size, &e, &o);
			rc = read_chunk(r, p, s, k);
		}
		if (!rc) {
			st->raw_bytes += s->raw_len;
			st->stored_bytes += IMG_SECT_LEN + s->bm_len + s->data_len;
			st->zero_pages += s->c.len / IMG_PAGE - s->raw_len / IMG_PAGE;
		}
		if (!p->nthreads) {
			if (!rc)
				rc = pool_work(p, &wc, s);
			if (!rc)
				st->noise_pages += s->nnoise;
			continue;
		}
		pthread_mutex_lock(&p->mu);
		s->state = rc ? SLOT_FREE : SLOT_FULL;
		p->next = k + 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	if (!p->nthreads)
		wctx_fini(p, &wc);
	if (rc && !p->rc)
		pool_fail(p, rc, "%s", img_reader_error(r));
	return rc;
}

int img_read_mem(struct img_reader *r, const struct img_mem_dst *dst, unsigned threads,
		 struct img_mem_stats *stats)
{
	struct pool p = { .writing = false, .dst = dst };
	struct img_mem_stats st = { 0 };
	struct img_mem_desc d;
	int rc;

	if (!r->have_sect || r->s.type != IMG_SEC_MEM)
		return img_rfail(r, -EINVAL, "not at a memory section");
	r->have_sect = false;
	rc = read_table(r, &d);
	if (rc)
		return rc;
	if (dst && (dst->size % IMG_PAGE ||
		    (r->next && r->ext[r->next - 1].off + r->ext[r->next - 1].len > dst->size)))
		return img_rfail(r, -EINVAL, "image memory does not fit the destination");
	p.comp = d.comp;
	p.chunk_size = d.chunk_size;
	for (size_t i = 0; i < r->next; i++)
		if (r->ext[i].len > p.max_chunk)
			p.max_chunk = r->ext[i].len < d.chunk_size ? r->ext[i].len : d.chunk_size;
	p.nchunks = d.nchunks;
	rc = pool_start(&p, threads ? threads : img_online_cpus());
	if (!rc)
		rc = read_chunks(r, &p, &st);
	pool_stop(&p);
	if (p.rc)
		img_rfail(r, p.rc, "%s", p.err);
	st.noise_pages += p.stats.noise_pages;
	st.extent_bytes = d.total;
	st.nchunks = d.nchunks;
	if (stats)
		*stats = st;
	return rc ? rc : p.rc;
}

int img_read_mem_table(struct img_reader *r, uint64_t *nchunks)
{
	struct img_mem_desc d;
	int rc;

	if (!r->have_sect || r->s.type != IMG_SEC_MEM)
		return img_rfail(r, -EINVAL, "not at a memory section");
	r->have_sect = false;
	rc = read_table(r, &d);
	if (!rc)
		*nchunks = d.nchunks;
	return rc;
}

int img_mem_extents(struct img_reader *r, const struct img_range **v, size_t *n,
		    enum img_comp *comp)
{
	*v = r->ext;
	*n = r->ext ? r->next : 0;
	if (comp)
		*comp = r->comp;
	return 0;
}
