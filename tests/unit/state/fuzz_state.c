/*
 * libFuzzer target for the graph decoder and the image reader. The first byte picks
 * the target: 'g' decodes the rest as a graph of the tgraph.h types; anything else
 * reads the rest as an image (header, every section, graphs decoded, memory restored
 * into a small buffer). Seeds: testdata/state/fuzz ("state_tools corpus").
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tg_codecs.h"
#include "timage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void graph(const void *buf, size_t len)
{
	struct st_dec *d;

	if (st_dec_new(&d, buf, len, NULL))
		return;
	st_dec_set_limit(d, 64 << 20);
	if (!st_dec_run(d))
		st_dec_discard(d);
	st_dec_destroy(d);
}

static void image(const uint8_t *data, size_t size)
{
	static uint8_t mem[64 * 4096];
	struct img_mem_dst dst = { .base = mem, .size = sizeof(mem) };
	struct img_reader *r;
	struct img_section s;
	int fd = memfd_create("fuzz", 0);
	void *buf;
	size_t len;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET))
		goto out_close;
	if (img_reader_new(&r, fd))
		goto out_close;
	img_reader_set_limit(r, 64 << 20);
	if (img_read_header(r, NULL))
		goto out_destroy;
	while (!img_next_section(r, &s) && s.type != IMG_SEC_END) {
		if (s.type == IMG_SEC_MEM) {
			if (img_read_mem(r, &dst, 2, NULL))
				break;
		} else if (!img_read_payload(r, &buf, &len)) {
			if (s.type == IMG_SEC_GRAPH)
				graph(buf, len);
			free(buf);
		} else {
			break;
		}
	}
out_destroy:
	img_reader_destroy(r);
out_close:
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] == 'g')
		graph(data + 1, size - 1);
	else
		image(data + 1, size - 1);
	return 0;
}
