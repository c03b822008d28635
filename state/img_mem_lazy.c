/*
 * Random access to the memory section, for restoring memory lazily: img_mem_index
 * walks the chunk headers of the current IMG_SEC_MEM section with pread (checking
 * each as img_read_mem would, and that an end section follows), so the reader goes
 * on after the section without reading the pages; img_chunk_load later reads one
 * chunk, checks it, decompresses it and writes its pages into a file at their
 * offsets. The file must be seekable, and must not change while chunks are loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "img_pool.h"

struct disk_sect_idx {
	uint32_t magic, type, flags, hdr_csum;
	uint64_t len, aux, csum;
} __attribute__((packed));

static int read_hdr(struct img_reader *r, uint64_t pos, struct disk_sect_idx *h)
{
	uint32_t want;
	int rc = img_pread_full(r->fd, h, sizeof(*h), pos);

	if (rc == -ENODATA)
		return img_rfail(r, -ENODATA, "image truncated at byte %llu",
				 (unsigned long long)pos);
	if (rc)
		return img_rfail(r, rc, "read: %s", strerror(-rc));
	want = h->hdr_csum;
	h->hdr_csum = 0;
	if (h->magic != IMG_SECT_MAGIC || (uint32_t)img_sum64(h, sizeof(*h), 0) != want)
		return img_rfail(r, -EBADMSG, "corrupt section header at byte %llu",
				 (unsigned long long)pos);
	return 0;
}

int img_mem_index(struct img_reader *r, struct img_chunk_ref **out, size_t *nout,
		  enum img_comp *comp)
{
	struct img_chunk_ref *v = NULL;
	const struct img_range *ext;
	struct disk_sect_idx h;
	uint64_t pos, k = 0, nchunks;
	size_t next, e = 0, n;
	uint64_t o = 0;
	off_t end;
	int rc;

	rc = img_read_mem_table(r, &nchunks);
	if (rc)
		return rc;
	end = lseek(r->fd, 0, SEEK_END);
	if (end < 0)
		return img_rfail(r, -ESPIPE, "the image is not a seekable file");
	/* Every chunk takes at least a section header: a count past that is a lie. */
	if (nchunks > (uint64_t)end / IMG_SECT_LEN)
		return img_rfail(r, -EBADMSG, "memory extents do not add up");
	img_mem_extents(r, &ext, &n, NULL);
	v = calloc(nchunks + 1, sizeof(*v));
	if (!v)
		return img_rfail(r, -ENOMEM, "out of memory");
	pos = r->pos;
	for (k = 0; k < nchunks; k++) {
		struct img_range x = ext[e];
		uint32_t len = x.len - o < r->chunk_size ? x.len - o : r->chunk_size;
		size_t bm = (len / IMG_PAGE + 7) / 8, pad;
		uint64_t data_len;
		int ck;

		rc = read_hdr(r, pos, &h);
		if (rc)
			goto fail;
		pad = r->comp == IMG_COMP_NONE && h.aux ?
		      (IMG_PAGE - (pos + IMG_SECT_LEN + bm) % IMG_PAGE) % IMG_PAGE : 0;
		ck = h.type == IMG_SEC_CHUNK ?
		     chunk_check_hdr(r->comp, h.flags, h.len, h.aux, len, pad, &bm, &data_len) :
		     CHUNK_BAD_HDR;
		if (ck == CHUNK_BAD_HDR) {
			rc = img_rfail(r, -EBADMSG, "corrupt chunk %llu header",
				       (unsigned long long)k);
			goto fail;
		}
		if (ck == CHUNK_BAD_LEN || pos + IMG_SECT_LEN + h.len > (uint64_t)end) {
			rc = h.len && pos + IMG_SECT_LEN + h.len > (uint64_t)end ?
			     img_rfail(r, -ENODATA, "image truncated at byte %llu",
				       (unsigned long long)end) :
			     img_rfail(r, -EBADMSG, "chunk %llu has impossible lengths",
				       (unsigned long long)k);
			goto fail;
		}
		v[k] = (struct img_chunk_ref){ .off = x.off + o, .len = len, .raw_len = h.aux,
					       .file_off = pos + IMG_SECT_LEN, .bm_len = bm,
					       .pad = pad, .data_len = data_len,
					       .csum = h.csum, .split = h.flags & IMG_CHUNK_SPLIT };
		pos += IMG_SECT_LEN + h.len;
		o += len;
		if (o == x.len) {
			e++;
			o = 0;
		}
	}
	next = k;
	if (lseek(r->fd, pos, SEEK_SET) < 0) {
		rc = img_rfail(r, -errno, "seek: %s", strerror(errno));
		goto fail;
	}
	r->pos = pos;
	/* The end must be there now, or the image is cut short. */
	rc = read_hdr(r, pos, &h);
	if (rc)
		goto fail;
	*out = v;
	*nout = next;
	if (comp)
		*comp = r->comp;
	return 0;
fail:
	free(v);
	return rc;
}

/* Puts the present pages of chunk c into dst_fd, a pwritev per run: its noise pages
 * from noise, the others from dec, each in bitmap order. */
static int scatter_pwrite(const struct img_chunk_ref *c, const uint8_t *bm,
			  const uint8_t *rawmap, const uint8_t *noise, const uint8_t *dec,
			  int dst_fd)
{
	struct chunk_runs it = { .bm = bm, .rawmap = rawmap, .noise = noise, .dec = dec,
				 .npages = c->len / IMG_PAGE };
	struct iovec iov[IMG_IOV];
	uint32_t i, n;
	int rc = 0, niov;

	while (!rc && chunk_next_run(&it, &i, &n, iov, IMG_IOV, &niov))
		if (niov)
			rc = img_pwritev_full(dst_fd, iov, niov, c->off + (uint64_t)i * IMG_PAGE);
	return rc;
}

size_t img_chunk_buf_size(const struct img_chunk_ref *c)
{
	return c->bm_len + c->pad + c->data_len + (size_t)c->raw_len;
}

int img_chunk_load(int fd, const struct img_chunk_ref *c, enum img_comp comp, void *buf,
		   int dst_fd, char *why, size_t whylen)
{
	uint8_t *b = buf, *data = b + c->bm_len + c->pad, *raw = data + c->data_len;
	uint32_t npages = c->len / IMG_PAGE, present, nnoise;
	size_t bm = c->split ? c->bm_len / 2 : c->bm_len, noise_len, dec_len;
	const uint8_t *rawmap = c->split ? b + bm : NULL, *out = data;
	int rc;

	rc = img_pread_full(fd, b, c->bm_len + c->pad + c->data_len, c->file_off);
	if (rc) {
		if (rc == -ENODATA)
			snprintf(why, whylen, "the image was cut short while it was loaded");
		else
			snprintf(why, whylen, "reading the image: %s", strerror(-rc));
		return rc == -ENODATA ? -EBADMSG : rc;
	}
	for (size_t i = 0; i < c->pad; i++)
		if (b[c->bm_len + i])
			goto corrupt;
	if (img_sum64(data, c->data_len, img_sum64(b, c->bm_len, 0)) != c->csum)
		goto corrupt;
	if (!chunk_check_maps(b, rawmap, bm, npages, c->raw_len, c->data_len, &present,
			      &nnoise))
		goto corrupt;
	noise_len = (size_t)nnoise * IMG_PAGE;
	dec_len = c->raw_len - noise_len;
	if (comp != IMG_COMP_NONE && dec_len) {
		if (img_unpack(comp, NULL, data + noise_len, c->data_len - noise_len, raw,
			       dec_len))
			goto corrupt;
		out = raw;
	}
	rc = scatter_pwrite(c, b, rawmap, data, out, dst_fd);
	if (rc)
		snprintf(why, whylen, "writing memory: %s", strerror(-rc));
	return rc;
corrupt:
	snprintf(why, whylen, "corrupt image: the memory chunk at byte %llu does not check",
		 (unsigned long long)c->file_off);
	return -EBADMSG;
}
