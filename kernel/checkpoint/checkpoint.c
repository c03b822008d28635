/*
 * Writing a checkpoint image: header with the CPU description, the object graph
 * (zstd-compressed section), then the memory file's populated extents. The graph is
 * encoded from two roots: the kernel, which reaches every task and everything they
 * hold, and the memory file's allocator state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint/checkpoint.h"
#include "checkpoint/ckpt_cpu.h"
#include "img.h"
#include "kernel.h"
#include "kernel_codecs.h"
#include "memfile/memfile.h"
#include "platform.h"
#include "st.h"

#ifndef SBX_VERSION
#define SBX_VERSION "0.1"
#endif

static u64 now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static int encode_graph(struct kernel *k, void **buf, size_t *len, u64 *count,
			u64 *hash, char *why, size_t whylen)
{
	struct st_enc *e;
	int err;

	err = st_enc_new(&e, k);
	if (err) {
		snprintf(why, whylen, "cannot start encoding: %s", strerror(-err));
		return err;
	}
	err = st_enc_root(e, "kernel", &st_type_kernel, k);
	if (!err)
		err = st_enc_root(e, "memfile", &st_type_memfile, k->mf);
	if (!err)
		err = st_enc_finish(e, buf, len);
	if (err)
		snprintf(why, whylen, "cannot encode the kernel: %s", st_enc_error(e));
	*count = st_enc_count(e);
	*hash = st_enc_schema_hash(e);
	st_enc_destroy(e);
	return err;
}

int kernel_checkpoint(struct kernel *k, int fd, enum ckpt_comp comp,
		      struct ckpt_stats *st, char *why, size_t whylen)
{
	static const enum img_comp comps[] = { IMG_COMP_ZSTD, IMG_COMP_LZ4, IMG_COMP_NONE };
	struct ckpt_cpu cpu = {
		.version = CKPT_CPU_VERSION,
		.fpstate_size = k->plat->fpstate_size,
		.xcr0 = k->plat->xsave_features,
		.policy = k->cpuid,
	};
	struct img_info info = { .version = SBX_VERSION, .cpu = &cpu, .cpu_len = sizeof(cpu) };
	/* The thread count is given: the library would ask sysfs, which the jailed
	 * Sentry cannot open. */
	struct img_mem_opts mo = { .comp = comps[comp], .threads = kernel_ncpus(k) };
	/* Read through the Sentry's mapping, not with pread: the pages stored as they
	 * are go from there straight to the image, with no copy of their own, and the
	 * faults (16 pages each) cost less here than pread's copy. The library asks
	 * which pages the file holds, so that its holes are not faulted in. */
	struct img_mem_src src = { .base = k->mf->base, .fd = k->mf->fd, .mapped_fd = true,
				   .size = k->mf->size };
	struct img_mem_stats ms = { 0 };
	struct img_range *ranges = NULL;
	struct img_writer *w = NULL;
	void *graph = NULL;
	size_t glen, nranges;
	u64 t0 = now_usec(), count, hash;
	int err;

	/* A lazy restore still loading: all of it must be in the memory file. */
	memfile_await(k->mf, 0, k->mf->size);
	/* The clocks' saved values are taken here, where the world stopped, not left
	 * to the embedded struct's hook. */
	ktime_before_save(&k->time, NULL);
	err = encode_graph(k, &graph, &glen, &count, &hash, why, whylen);
	if (err)
		return err;
	cr_mark("sentry: graph encoded");
	info.schema_hash = hash;
	err = img_ranges_coarse(k->mf->fd, k->mf->size, 1u << 20, &ranges, &nranges);
	if (err) {
		snprintf(why, whylen, "cannot find the populated memory: %s", strerror(-err));
		goto out;
	}
	cr_mark("sentry: memory ranges found");
	src.ranges = ranges;
	src.nranges = nranges;
	err = img_writer_new(&w, fd);
	if (err) {
		snprintf(why, whylen, "cannot write the image: %s", strerror(-err));
		goto out;
	}
	err = img_write_header(w, &info);
	if (!err)
		err = img_write_section(w, IMG_SEC_GRAPH, comp == CKPT_COMP_NONE ? 0 : IMG_SF_ZSTD,
					graph, glen);
	cr_mark("sentry: header and graph written");
	if (!err)
		err = img_write_mem(w, &src, &mo, &ms);
	cr_mark("sentry: memory written");
	if (!err)
		err = img_write_end(w);
	if (err) {
		snprintf(why, whylen, "cannot write the image: %s", img_writer_error(w));
		goto out;
	}
	st->image_bytes = img_writer_pos(w);
	st->objects = count;
	st->mem_bytes = ms.raw_bytes;
	st->zero_pages = ms.zero_pages;
	st->usec = now_usec() - t0;
out:
	if (w)
		img_writer_destroy(w);
	free(ranges);
	free(graph);
	return err;
}
