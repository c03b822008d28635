/*
 * Loading a checkpoint image into a fresh Sentry: refuse an image whose CPU state
 * this host cannot give back, decode the object graph (after-load hooks rebuild what
 * is not saved: locks, eventfds, host descriptors rebound to the restoring command's
 * stdio, clock offsets), and write the memory extents into the live memory file at
 * their saved offsets. The tasks are started by the caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint/checkpoint.h"
#include "checkpoint/ckpt_cpu.h"
#include "checkpoint/lazy.h"
#include "fs/gofer/goferc.h"
#include "img.h"
#include "kernel.h"
#include "kernel_codecs.h"
#include "memfile/memfile.h"
#include "platform.h"
#include "st.h"
#include "vdso/vdso.h"

extern char fs_restore_why[512];  /* fs/ovl/ovl_save.c */

static u64 now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static int check_cpu(const struct img_header *h, struct restore_ctx *ctx, char *why,
		     size_t whylen)
{
	struct ckpt_cpu cpu;
	struct cpuid_policy host;
	u64 missing;

	if (h->cpu_len != sizeof(cpu)) {
		snprintf(why, whylen, "the image's CPU description is not one this sbx reads");
		return -EINVAL;
	}
	memcpy(&cpu, h->cpu, sizeof(cpu));
	if (cpu.version != CKPT_CPU_VERSION) {
		snprintf(why, whylen, "the image's CPU description has version %u, "
			 "this sbx reads %u", cpu.version, CKPT_CPU_VERSION);
		return -EINVAL;
	}
	missing = cpu.xcr0 & ~ctx->plat->xsave_features;
	if (missing || cpu.fpstate_size != ctx->plat->fpstate_size) {
		snprintf(why, whylen, "this host's FPU state differs from the image's "
			 "(xsave features %#llx of %#llx missing, %u vs %zu bytes)",
			 (unsigned long long)missing, (unsigned long long)cpu.xcr0,
			 cpu.fpstate_size, ctx->plat->fpstate_size);
		return -EINVAL;
	}
	cpuid_policy_init(&host, ctx->plat->xsave_features);
	if ((cpu.policy.leaf1_ecx & ~host.leaf1_ecx) || (cpu.policy.leaf1_edx & ~host.leaf1_edx) ||
	    (cpu.policy.leaf7_ebx & ~host.leaf7_ebx) || (cpu.policy.leaf7_ecx & ~host.leaf7_ecx) ||
	    (cpu.policy.leaf7_edx & ~host.leaf7_edx)) {
		snprintf(why, whylen, "this host lacks CPU features the application was "
			 "allowed to see when it was checkpointed");
		return -EINVAL;
	}
	return 0;
}

static int load_graph(struct img_reader *r, struct restore_ctx *ctx, struct kernel **out,
		      u64 *count, char *why, size_t whylen)
{
	struct memfile *saved_mf;
	struct st_dec *d;
	void *buf;
	size_t len;
	int err;

	err = img_read_payload(r, &buf, &len);
	if (err) {
		snprintf(why, whylen, "%s", img_reader_error(r));
		return err;
	}
	err = st_dec_new(&d, buf, len, ctx);
	if (err) {
		free(buf);
		snprintf(why, whylen, "cannot decode the kernel: %s", strerror(-err));
		return err;
	}
	err = st_dec_run(d);
	goferc_walk_done();
	if (!err)
		err = st_dec_root(d, "kernel", &st_type_kernel, (void **)out);
	if (!err)
		err = st_dec_root(d, "memfile", &st_type_memfile, (void **)&saved_mf);
	if (!err)
		err = memfile_adopt(ctx->mf, saved_mf);
	if (err && fs_restore_why[0])
		snprintf(why, whylen, "a file the sandbox uses: %s", fs_restore_why);
	else if (err)
		snprintf(why, whylen, "corrupt image: %s", st_dec_error(d)[0] ?
			 st_dec_error(d) : strerror(-err));
	*count = st_dec_count(d);
	st_dec_destroy(d);
	free(buf);
	return err;
}

int kernel_restore(int fd, struct restore_ctx *ctx, struct kernel **out,
		   struct ckpt_stats *st, char *why, size_t whylen)
{
	/* pwrite into the memory file rather than memcpy through the Sentry's mapping:
	 * no page fault per page (see kernel_checkpoint). */
	struct img_mem_dst dst = { .base = NULL, .fd = ctx->mf->fd,
				   .size = ctx->mf->size, .zeroed = true };
	struct img_mem_stats ms = { 0 };
	struct img_reader *r;
	struct img_header h = { 0 };
	struct img_section s;
	struct kernel *k = NULL;
	bool mem = false;
	u64 t0 = now_usec();
	int err;

	err = img_reader_new(&r, fd);
	if (err) {
		snprintf(why, whylen, "cannot read the image: %s", strerror(-err));
		return err;
	}
	err = img_read_header(r, &h);
	if (err) {
		snprintf(why, whylen, "%s", img_reader_error(r));
		goto out;
	}
	cr_mark("sentry: header read");
	err = check_cpu(&h, ctx, why, whylen);
	if (err)
		goto out;
	for (;;) {
		err = img_next_section(r, &s);
		if (err) {
			snprintf(why, whylen, "%s", img_reader_error(r));
			goto out;
		}
		if (s.type == IMG_SEC_END)
			break;
		if (s.type == IMG_SEC_GRAPH && !k) {
			err = load_graph(r, ctx, &k, &st->objects, why, whylen);
			cr_mark("sentry: graph loaded");
		} else if (s.type == IMG_SEC_MEM && !mem && ctx->lazy) {
			err = lazy_restore_mem(r, fd, ctx->mf, ctx->status_fd, st, why, whylen);
			ms.raw_bytes = st->mem_bytes;
			ms.zero_pages = st->zero_pages;
			mem = true;
			cr_mark("sentry: memory indexed");
		} else if (s.type == IMG_SEC_MEM && !mem) {
			err = img_read_mem(r, &dst, ctx->threads, &ms);
			if (err)
				snprintf(why, whylen, "%s", img_reader_error(r));
			mem = true;
			cr_mark("sentry: memory loaded");
		} else {
			err = img_skip_section(r);
			if (err)
				snprintf(why, whylen, "%s", img_reader_error(r));
		}
		if (err)
			goto out;
	}
	if (!k || !mem) {
		snprintf(why, whylen, "the image has no %s", k ? "memory" : "kernel");
		err = -EINVAL;
		goto out;
	}
	/* This host's vDSO and the offsets the clocks now have (after the memory: a
	 * lazy restore loads the pages first). */
	vdso_update(k);
	st->mem_bytes = ms.raw_bytes;
	st->zero_pages = ms.zero_pages;
	st->usec = now_usec() - t0;
	*out = k;
out:
	img_reader_destroy(r);
	return err;
}
