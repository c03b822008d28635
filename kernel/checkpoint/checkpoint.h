/*
 * Checkpoint and restore of a whole kernel: the object graph through the generated
 * codecs, the memory file as extents, both in one image (state/img.h). The world
 * must be stopped (kernel_stop_world) before kernel_checkpoint.
 */
#ifndef SBX_CHECKPOINT_H
#define SBX_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/types.h"

struct kernel;
struct memfile;
struct platform;

enum ckpt_comp { CKPT_COMP_ZSTD, CKPT_COMP_LZ4, CKPT_COMP_NONE };

struct ckpt_stats {
	u64 image_bytes;        /* bytes written or read */
	u64 objects;            /* kernel objects in the graph */
	u64 mem_bytes;          /* bytes of non-zero application memory */
	u64 zero_pages;         /* pages found zero and elided */
	u64 usec;               /* time spent */
};

/* What the hooks run while loading get to know: the restoring Sentry's platform,
 * memory file and standard descriptors. */
struct restore_ctx {
	struct platform *plat;
	struct memfile *mf;
	int stdio[3];
	bool strace;
	unsigned threads;       /* for decompression; the jail hides sysfs */
	bool lazy;              /* load memory behind the application (lazy.c) */
	int status_fd;          /* where a lazy restore reports a late error */
};

int kernel_checkpoint(struct kernel *k, int fd, enum ckpt_comp comp,
		      struct ckpt_stats *st, char *why, size_t whylen);
int kernel_restore(int fd, struct restore_ctx *ctx, struct kernel **out,
		   struct ckpt_stats *st, char *why, size_t whylen);

/* Timing marks on stderr when SBX_CR_TIMES is set (cr_times.c); for profiling. */
bool cr_times_enabled(void);
void cr_mark(const char *what);

#endif
