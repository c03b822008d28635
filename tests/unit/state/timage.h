/* Image helpers shared by the state tests and tools. */
#ifndef SBX_TESTS_STATE_TIMAGE_H
#define SBX_TESTS_STATE_TIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "img.h"

/* A memfd of npages pages: random, zero and text pages, and holes. */
int tm_memfd(size_t npages, unsigned seed, int *fd);
/* Write a whole image of the graph from a tg_build(nodes, items) and the memfd. */
int tm_write_image(int out, int memfd, int nodes, int items, const struct img_mem_opts *o,
		   uint64_t ctime);
/* Read it back, checking the graph and that memory equals memfd's. 0 or -errno. */
int tm_read_image(int in, int memfd, int nodes, int items, unsigned threads, char *err);
/* The golden image: a tiny fixed graph and memory, uncompressed, fixed time. */
int tm_write_golden(int out);

#endif
