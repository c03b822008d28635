/*
 * Building the sandbox's filesystem tree at boot: the root (an overlay over the
 * gofer's tree, connection 0), then /proc, /dev, /dev/shm and /sys (read-only), then
 * the mounts the command asked for, parents before children: volumes served by gofers
 * of their own (connections 1..n), each a gofer filesystem written through to the
 * host (read-only mounts for :ro), and tmpfs mounts (--tmpfs, and /tmp when the root's
 * is empty).
 * Mount points missing from the root are made in its upper layer.
 */
#ifndef SBX_FS_H
#define SBX_FS_H

#include <stddef.h>

#include "base/types.h"

struct kernel;

#define FS_MAX_MOUNTS 32

struct fs_volume {
	const char *path;       /* where in the sandbox */
	bool tmpfs;             /* an empty tmpfs rather than a gofer's tree */
	u32 gofer;              /* connection index (volumes) */
	bool ro;
};

int fs_boot(struct kernel *k, const struct fs_volume *vols, int nvols, char *why,
	    size_t whylen);

#endif
