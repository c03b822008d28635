/*
 * sbx image inspect IMAGE [--json] [--objects]: the header, each section with its
 * sizes before and after compression, the memory section's extents and zero pages,
 * and the object graph (objects per type; every object with --objects). Every chunk
 * is read and checked, so this also verifies an image.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "img.h"
#include "st.h"
#include "st_dump.h"

int cmd_image(int argc, char **argv);

static void print_header(const struct img_header *h, bool json)
{
	time_t t = h->ctime_ns / 1000000000;
	char when[64];

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (json) {
		printf("{\"format\": \"%u.%u\", \"arch\": %u, \"flags\": %u, \"created\": \"%s\", "
		       "\"sbx_version\": \"%s\", \"schema_hash\": \"%016" PRIx64 "\", "
		       "\"cpu_bytes\": %zu, \"sections\": [", h->major, h->minor, h->arch,
		       h->flags, when, h->version, h->schema_hash, h->cpu_len);
		return;
	}
	printf("image format %u.%u, arch %s, flags %#x\ncreated %s by sbx %s\n"
	       "schema hash %016" PRIx64 ", CPU blob %zu bytes\nsections:\n", h->major,
	       h->minor, h->arch == IMG_ARCH_X86_64 ? "x86_64" : "?", h->flags, when,
	       h->version, h->schema_hash, h->cpu_len);
}

static int graph(struct img_reader *r, const struct img_section *s, int flags, bool json)
{
	char err[ST_ERR_LEN];
	void *buf;
	size_t len;
	int rc = img_read_payload(r, &buf, &len);

	if (rc)
		return rc;
	if (json)
		printf("{\"type\": \"graph\", \"stored\": %" PRIu64 ", \"raw\": %zu, \"graph\": ",
		       s->len, len);
	else
		printf("  graph   %10" PRIu64 " bytes stored, %10zu raw%s\n", s->len, len,
		       s->flags & IMG_SF_ZSTD ? " (zstd)" : "");
	rc = st_dump(buf, len, stdout, flags, err);
	if (json)
		printf("}");
	free(buf);
	if (rc)
		fprintf(stderr, "sbx: %s\n", err);
	return rc;
}

static int memory(struct img_reader *r, bool json)
{
	struct img_mem_stats st;
	const struct img_range *v;
	enum img_comp comp;
	size_t n;
	int rc = img_read_mem(r, NULL, 0, &st);

	if (rc)
		return rc;
	img_mem_extents(r, &v, &n, &comp);
	if (json) {
		printf("{\"type\": \"memory\", \"compression\": \"%s\", \"extents\": %zu, "
		       "\"extent_bytes\": %" PRIu64 ", \"zero_pages\": %" PRIu64
		       ", \"noise_pages\": %" PRIu64 ", \"raw\": %" PRIu64 ", \"stored\": %"
		       PRIu64 ", \"chunks\": %" PRIu64 "}",
		       img_comp_name(comp), n, st.extent_bytes, st.zero_pages, st.noise_pages,
		       st.raw_bytes, st.stored_bytes, st.nchunks);
		return 0;
	}
	printf("  memory  %10" PRIu64 " bytes stored, %10" PRIu64 " raw (%s, %" PRIu64
	       " chunks)\n          %zu extents of %" PRIu64 " bytes, %" PRIu64
	       " zero pages elided, %" PRIu64 " random-looking pages stored uncompressed\n",
	       st.stored_bytes, st.raw_bytes, img_comp_name(comp), st.nchunks, n,
	       st.extent_bytes, st.zero_pages, st.noise_pages);
	return 0;
}

static int inspect(int fd, int flags, bool json)
{
	struct img_reader *r;
	struct img_header h;
	struct img_section s;
	int rc = img_reader_new(&r, fd), k = 0;

	rc = rc ? rc : img_read_header(r, &h);
	if (!rc)
		print_header(&h, json);
	while (!rc) {
		rc = img_next_section(r, &s);
		if (rc || s.type == IMG_SEC_END)
			break;
		if (json && k++)
			printf(", ");
		if (s.type == IMG_SEC_GRAPH) {
			rc = graph(r, &s, flags, json);
		} else if (s.type == IMG_SEC_MEM) {
			rc = memory(r, json);
		} else {
			printf(json ? "{\"type\": %u, \"stored\": %" PRIu64 "}" :
			       "  section %u: %" PRIu64 " bytes\n", s.type, s.len);
			rc = img_skip_section(r);
		}
	}
	if (json && !rc)
		printf("]}\n");
	if (rc)
		fprintf(stderr, "sbx: image: %s\n", img_reader_error(r));
	img_reader_destroy(r);
	return rc ? 1 : 0;
}

int cmd_image(int argc, char **argv)
{
	const char *path = NULL;
	int flags = 0, fd, rc;

	if (argc < 2 || strcmp(argv[1], "inspect")) {
		fprintf(stderr, "usage: sbx image inspect IMAGE [--json] [--objects]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			flags |= ST_DUMP_JSON;
		else if (!strcmp(argv[i], "--objects"))
			flags |= ST_DUMP_OBJECTS;
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else
			return fprintf(stderr, "sbx: image inspect: bad argument %s\n", argv[i]), 2;
	}
	if (!path)
		return fprintf(stderr, "usage: sbx image inspect IMAGE [--json] [--objects]\n"), 2;
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		fprintf(stderr, "sbx: %s: %s\n", path, strerror(errno));
		return 1;
	}
	rc = inspect(fd, flags, flags & ST_DUMP_JSON);
	if (fd)
		close(fd);
	return rc;
}
