/* Open files and fd tables after a restore: their locks are new. */
#include "vfs/vfs.h"

int vfs_file_after_load(void *o, void *ctx)
{
	struct vfs_file *f = o;

	pthread_mutex_init(&f->pos_lock, NULL);
	return 0;
}

int fdtable_after_load(void *o, void *ctx)
{
	struct fdtable *fdt = o;

	pthread_mutex_init(&fdt->lock, NULL);
	return 0;
}
