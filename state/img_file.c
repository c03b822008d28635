/*
 * The image file: header, section headers and payloads, end marker, and the file
 * helpers (temporary file then rename; populated ranges of a memory file). I/O is
 * strictly sequential (a pipe works); the reader reads a payload in steps that grow
 * only as data arrives, so a length in a crafted header costs no memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "img_int.h"
#include "img_pool.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the image is little-endian");

struct disk_hdr {
	char magic[8];
	uint16_t major, minor;
	uint32_t arch, flags, hdr_len, page_size, cpu_len;
	uint64_t ctime_ns, schema_hash;
	char version[48];
	uint8_t reserved[24];
	uint64_t csum;                  /* of the header and CPU blob, this field zero */
} __attribute__((packed));

struct disk_sect {
	uint32_t magic, type, flags, hdr_csum;
	uint64_t len, aux, csum;
} __attribute__((packed));

_Static_assert(sizeof(struct disk_hdr) == IMG_HDR_LEN, "header size");
_Static_assert(sizeof(struct disk_sect) == IMG_SECT_LEN, "section header size");

int img_wfail(struct img_writer *w, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!w->err[0]) {
		va_start(ap, fmt);
		vsnprintf(w->err, sizeof(w->err), fmt, ap);
		va_end(ap);
	}
	return rc;
}

int img_rfail(struct img_reader *r, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!r->err[0]) {
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof(r->err), fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *img_comp_name(enum img_comp c)
{
	return c == IMG_COMP_ZSTD ? "zstd" : c == IMG_COMP_LZ4 ? "lz4" :
	       c == IMG_COMP_NONE ? "none" : "?";
}

const char *img_sec_name(uint32_t type)
{
	switch (type) {
	case IMG_SEC_GRAPH: return "graph";
	case IMG_SEC_MEM: return "memory";
	case IMG_SEC_CHUNK: return "chunk";
	case IMG_SEC_END: return "end";
	}
	return type >= IMG_SEC_USER ? "user" : "unknown";
}

int img_writer_new(struct img_writer **out, int fd)
{
	struct img_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	*out = w;
	return 0;
}

void img_writer_destroy(struct img_writer *w)
{
	if (w)
		img_sync_stop(w);
	free(w);
}

const char *img_writer_error(const struct img_writer *w)
{
	return w->err[0] ? w->err : "no error";
}

uint64_t img_writer_pos(const struct img_writer *w)
{
	return w->pos;
}

int img_write_iov(struct img_writer *w, const struct iovec *iov, int n)
{
	struct iovec v[64];
	int i = 0, m = 0, done;

	/* A window of at most 64 pieces at a time, copied: a short write changes the
	 * piece it ends in. Empty pieces are left out. */
	while (i < n || m) {
		ssize_t k;

		for (; m < 64 && i < n; i++)
			if (iov[i].iov_len)
				v[m++] = iov[i];
		if (!m)
			break;
		k = writev(w->fd, v, m);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return img_wfail(w, -errno, "write: %s", strerror(errno));
		if (!k)
			return img_wfail(w, -EIO, "write: wrote nothing");
		w->pos += k;
		for (done = 0; done < m && (size_t)k >= v[done].iov_len; done++)
			k -= v[done].iov_len;
		if (done < m) {
			v[done].iov_base = (char *)v[done].iov_base + k;
			v[done].iov_len -= k;
		}
		memmove(v, v + done, (m - done) * sizeof(*v));
		m -= done;
	}
	return 0;
}

/* Every 8 MiB written, starts the writeback of what was written since, so that it
 * overlaps compression and the caller's final fsync has little left to wait for.
 * Only a hint: a file that cannot (a pipe) is left alone. */
static void kick(struct img_writer *w)
{
	if (w->no_kick || w->pos == w->kicked)
		return;
	if (sync_file_range(w->fd, w->kicked, w->pos - w->kicked, SYNC_FILE_RANGE_WRITE))
		w->no_kick = true;
	w->kicked = w->pos;
	if (!w->no_kick)
		img_sync_kicked(w);
}

void img_kick_writeback(struct img_writer *w)
{
	if (w->pos - w->kicked >= (8u << 20))
		kick(w);
}

int img_write_all(struct img_writer *w, const void *buf, size_t len)
{
	struct iovec v = { (void *)buf, len };

	return img_write_iov(w, &v, 1);
}

int img_write_header(struct img_writer *w, const struct img_info *info)
{
	struct disk_hdr h = { .major = IMG_MAJOR, .minor = IMG_MINOR,
			      .arch = IMG_ARCH_X86_64, .page_size = IMG_PAGE };
	struct iovec v[2];
	struct timespec ts;
	uint64_t sum;

	if (w->header)
		return img_wfail(w, -EALREADY, "header already written");
	if (info->cpu_len > IMG_MAX_CPU)
		return img_wfail(w, -E2BIG, "CPU blob larger than %d bytes", IMG_MAX_CPU);
	memcpy(h.magic, IMG_MAGIC, 8);
	h.flags = info->flags;
	h.cpu_len = info->cpu_len;
	h.hdr_len = IMG_HDR_LEN + info->cpu_len;
	h.schema_hash = info->schema_hash;
	h.ctime_ns = info->ctime_ns;
	if (!h.ctime_ns) {
		clock_gettime(CLOCK_REALTIME, &ts);
		h.ctime_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	}
	if (info->version)
		strncpy(h.version, info->version, sizeof(h.version) - 1);
	sum = img_sum64(&h, sizeof(h), 0);
	h.csum = img_sum64(info->cpu, info->cpu_len, sum);
	v[0] = (struct iovec){ &h, sizeof(h) };
	v[1] = (struct iovec){ (void *)info->cpu, info->cpu_len };
	w->header = true;
	return img_write_iov(w, v, info->cpu_len ? 2 : 1);
}

int img_write_sect_hdr(struct img_writer *w, uint32_t type, uint32_t flags, uint64_t len,
		       uint64_t aux, uint64_t csum)
{
	struct disk_sect s = { IMG_SECT_MAGIC, type, flags, 0, len, aux, csum };

	if (!w->header || w->ended)
		return img_wfail(w, -EINVAL, "section outside header and end");
	s.hdr_csum = (uint32_t)img_sum64(&s, sizeof(s), 0);
	w->nsections++;
	return img_write_all(w, &s, sizeof(s));
}

int img_write_section(struct img_writer *w, uint32_t type, uint32_t flags,
		      const void *buf, size_t len)
{
	void *z = NULL;
	size_t zlen = len;
	int rc;

	if (type != IMG_SEC_GRAPH && type < IMG_SEC_USER)
		return img_wfail(w, -EINVAL, "section type %u is not the caller's", type);
	if (flags & IMG_SF_ZSTD) {
		/* Not ZSTD_compress: its fresh context would fault its tables in page by
		 * page, which costs more than compressing (img_buf_alloc). */
		ZSTD_CCtx *zc = img_zstd_cctx_new();

		z = malloc(ZSTD_compressBound(len));
		if (!z || !zc) {
			free(z);
			ZSTD_freeCCtx(zc);
			return img_wfail(w, -ENOMEM, "out of memory");
		}
		zlen = ZSTD_compressCCtx(zc, z, ZSTD_compressBound(len), buf, len, 3);
		ZSTD_freeCCtx(zc);
		if (ZSTD_isError(zlen)) {
			free(z);
			return img_wfail(w, -EIO, "zstd: %s", ZSTD_getErrorName(zlen));
		}
	}
	rc = img_write_sect_hdr(w, type, flags, zlen, len, img_sum64(z ? z : buf, zlen, 0));
	if (!rc)
		rc = img_write_all(w, z ? z : buf, zlen);
	free(z);
	return rc;
}

int img_write_end(struct img_writer *w)
{
	int rc = img_write_sect_hdr(w, IMG_SEC_END, 0, 0, w->nsections, 0);

	w->ended = true;
	/* The last few MiB too, so that the caller's fsync only waits for the device. */
	if (!rc)
		kick(w);
	return rc;
}

int img_reader_new(struct img_reader **out, int fd)
{
	struct img_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->fd = fd;
	r->limit = 1ull << 30;
	*out = r;
	return 0;
}

void img_reader_destroy(struct img_reader *r)
{
	if (!r)
		return;
	free(r->h.cpu);
	free(r->ext);
	free(r);
}

const char *img_reader_error(const struct img_reader *r)
{
	return r->err[0] ? r->err : "no error";
}

void img_reader_set_limit(struct img_reader *r, uint64_t max_bytes)
{
	r->limit = max_bytes;
}

int img_read_all(struct img_reader *r, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t k = read(r->fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return img_rfail(r, -errno, "read: %s", strerror(errno));
		if (!k)
			return img_rfail(r, -ENODATA, "image truncated at byte %llu",
					 (unsigned long long)r->pos);
		p += k;
		len -= k;
		r->pos += k;
	}
	return 0;
}

int img_read_skip(struct img_reader *r, uint64_t len)
{
	char buf[65536];
	off_t cur = len > sizeof(buf) ? lseek(r->fd, 0, SEEK_CUR) : -1;
	int rc;

	if (cur >= 0) {                 /* seekable: jump, if the file is long enough */
		off_t end = lseek(r->fd, 0, SEEK_END);

		if (end >= 0 && (uint64_t)(end - cur) >= len &&
		    lseek(r->fd, cur + len, SEEK_SET) >= 0) {
			r->pos += len;
			return 0;
		}
		lseek(r->fd, cur, SEEK_SET);
	}
	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		rc = img_read_all(r, buf, n);
		if (rc)
			return rc;
		len -= n;
	}
	return 0;
}

int img_read_header(struct img_reader *r, struct img_header *out)
{
	struct disk_hdr h;
	uint64_t want, sum;
	int rc = img_read_all(r, &h, sizeof(h));

	if (rc)
		return rc == -ENODATA ? img_rfail(r, -EINVAL, "not an sbx image (too short)") : rc;
	if (memcmp(h.magic, IMG_MAGIC, 8))
		return img_rfail(r, -EINVAL, "not an sbx image (bad magic)");
	if (h.major != IMG_MAJOR)
		return img_rfail(r, -EPROTONOSUPPORT, "image format %u.%u; this sbx reads %u.x",
				 h.major, h.minor, IMG_MAJOR);
	if (h.arch != IMG_ARCH_X86_64)
		return img_rfail(r, -EPROTONOSUPPORT,
				 "image is for another architecture (ELF machine %u); this is "
				 "x86_64", h.arch);
	if (h.page_size != IMG_PAGE || h.cpu_len > IMG_MAX_CPU ||
	    h.hdr_len != IMG_HDR_LEN + h.cpu_len)
		return img_rfail(r, -EINVAL, "corrupt image header");
	want = h.csum;
	h.csum = 0;
	sum = img_sum64(&h, sizeof(h), 0);
	r->h.cpu = malloc(h.cpu_len + 1);
	if (!r->h.cpu)
		return img_rfail(r, -ENOMEM, "out of memory");
	rc = img_read_all(r, r->h.cpu, h.cpu_len);
	if (rc)
		return rc;
	if (img_sum64(r->h.cpu, h.cpu_len, sum) != want)
		return img_rfail(r, -EBADMSG, "image header checksum mismatch");
	r->h.major = h.major;
	r->h.minor = h.minor;
	r->h.arch = h.arch;
	r->h.flags = h.flags;
	r->h.page_size = h.page_size;
	r->h.ctime_ns = h.ctime_ns;
	r->h.schema_hash = h.schema_hash;
	memcpy(r->h.version, h.version, sizeof(h.version));
	r->h.version[sizeof(r->h.version) - 1] = 0;
	r->h.cpu_len = h.cpu_len;
	if (out)
		*out = r->h;
	return 0;
}

int img_next_section(struct img_reader *r, struct img_section *out)
{
	struct disk_sect s;
	uint32_t want;
	int rc;

	if (r->have_sect) {
		rc = img_skip_section(r);
		if (rc)
			return rc;
	}
	rc = img_read_all(r, &s, sizeof(s));
	if (rc)
		return rc;
	want = s.hdr_csum;
	s.hdr_csum = 0;
	if (s.magic != IMG_SECT_MAGIC || (uint32_t)img_sum64(&s, sizeof(s), 0) != want)
		return img_rfail(r, -EBADMSG, "corrupt section header at byte %llu",
				 (unsigned long long)(r->pos - sizeof(s)));
	r->s = (struct img_section){ s.type, s.flags, s.len, s.aux, s.csum, r->pos };
	r->have_sect = s.type != IMG_SEC_END;
	if (s.type == IMG_SEC_END && s.len)
		return img_rfail(r, -EBADMSG, "corrupt end section");
	if (out)
		*out = r->s;
	return 0;
}

/* Read len bytes, growing the buffer only as data arrives. */
int img_read_growing(struct img_reader *r, uint64_t len, void **out)
{
	size_t cap = len < (1u << 20) ? len : (1u << 20), have = 0;
	char *buf = malloc(cap + 1), *n;
	int rc;

	if (!buf)
		return img_rfail(r, -ENOMEM, "out of memory");
	while (have < len) {
		if (have == cap) {
			cap = cap * 2 < len ? cap * 2 : len;
			n = realloc(buf, cap + 1);
			if (!n) {
				free(buf);
				return img_rfail(r, -ENOMEM, "out of memory");
			}
			buf = n;
		}
		rc = img_read_all(r, buf + have, cap - have);
		if (rc) {
			free(buf);
			return rc;
		}
		have = cap;
	}
	*out = buf;
	return 0;
}

static int unzstd(struct img_reader *r, void *z, size_t zlen, uint64_t raw, void **out)
{
	unsigned long long fsz = ZSTD_getFrameContentSize(z, zlen);
	void *buf;
	size_t n;

	/* The frame must say its size, and agree; the reader's limit bounds the
	 * allocation. No bound on the ratio: a sandbox's pipes full of one byte make a
	 * graph that compresses more than a thousand to one. */
	if (fsz != raw || raw > r->limit)
		return img_rfail(r, -EBADMSG, "compressed section claims %llu bytes",
				 (unsigned long long)raw);
	buf = malloc(raw + 1);
	if (!buf)
		return img_rfail(r, -ENOMEM, "out of memory");
	n = ZSTD_decompress(buf, raw, z, zlen);
	if (ZSTD_isError(n) || n != raw) {
		free(buf);
		return img_rfail(r, -EBADMSG, "section does not decompress");
	}
	*out = buf;
	return 0;
}

int img_read_payload(struct img_reader *r, void **buf, size_t *len)
{
	struct img_section *s = &r->s;
	void *p, *raw = NULL;
	int rc;

	if (!r->have_sect || s->type == IMG_SEC_MEM || s->type == IMG_SEC_CHUNK)
		return img_rfail(r, -EINVAL, "no section payload to read here");
	if (s->len > r->limit)
		return img_rfail(r, -EFBIG, "section of %llu bytes is over the limit",
				 (unsigned long long)s->len);
	rc = img_read_growing(r, s->len, &p);
	if (rc)
		return rc;
	r->have_sect = false;
	if (img_sum64(p, s->len, 0) != s->csum) {
		free(p);
		return img_rfail(r, -EBADMSG, "%s section checksum mismatch", img_sec_name(s->type));
	}
	if (!(s->flags & IMG_SF_ZSTD)) {
		*buf = p;
		*len = s->len;
		return 0;
	}
	rc = unzstd(r, p, s->len, s->aux, &raw);
	free(p);
	if (rc)
		return rc;
	*buf = raw;
	*len = s->aux;
	return 0;
}

int img_skip_section(struct img_reader *r)
{
	if (!r->have_sect)
		return 0;
	if (r->s.type == IMG_SEC_MEM)
		return img_read_mem(r, NULL, 1, NULL);
	r->have_sect = false;
	return img_read_skip(r, r->s.len);
}

int img_ranges_from_fd(int fd, uint64_t size, struct img_range **v, size_t *n)
{
	struct img_range *out = NULL, *t;
	size_t cnt = 0;
	off_t data = 0, hole;

	while ((uint64_t)data < size) {
		data = lseek(fd, data, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;
		hole = data < 0 ? -1 : lseek(fd, data, SEEK_HOLE);
		if (data < 0 || hole < 0) {
			free(out);
			return -errno;
		}
		if ((uint64_t)hole > size)
			hole = size;
		t = realloc(out, (cnt + 1) * sizeof(*out));
		if (!t) {
			free(out);
			return -ENOMEM;
		}
		out = t;
		out[cnt].off = data & ~(uint64_t)(IMG_PAGE - 1);
		out[cnt].len = ((hole + IMG_PAGE - 1) & ~(uint64_t)(IMG_PAGE - 1)) - out[cnt].off;
		cnt++;
		data = hole;
	}
	*v = out;
	*n = cnt;
	return 0;
}

int img_ranges_coarse(int fd, uint64_t size, uint64_t window, struct img_range **v,
		      size_t *n)
{
	struct img_range *out = NULL, *t;
	size_t cnt = 0, cap = 0;
	uint64_t pos = 0;

	if (!window || window % IMG_PAGE || (window & (window - 1)) || size % IMG_PAGE)
		return -EINVAL;
	while (pos < size) {
		off_t data = lseek(fd, pos, SEEK_DATA);
		uint64_t w, end;

		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0) {
			free(out);
			return -errno;
		}
		if ((uint64_t)data >= size)
			break;
		w = (uint64_t)data & ~(window - 1);
		end = w + window < size ? w + window : size;
		if (cnt && out[cnt - 1].off + out[cnt - 1].len == w) {
			out[cnt - 1].len = end - out[cnt - 1].off;
		} else {
			if (cnt == cap) {
				cap = cap ? cap * 2 : 64;
				t = realloc(out, cap * sizeof(*out));
				if (!t) {
					free(out);
					return -ENOMEM;
				}
				out = t;
			}
			out[cnt++] = (struct img_range){ w, end - w };
		}
		pos = end;
	}
	*v = out;
	*n = cnt;
	return 0;
}

int img_file_create(const char *path, int *fd, char **tmp)
{
	if (asprintf(tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return -ENOMEM;
	*fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (*fd < 0) {
		int rc = -errno;

		free(*tmp);
		*tmp = NULL;
		return rc;
	}
	return 0;
}

int img_file_commit(int fd, char *tmp, const char *path)
{
	int rc = 0;

	if (fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}
