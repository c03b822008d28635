/* Open files and fd tables after a restore: their locks are new, and they are
 * charged to the restored sandbox's memory limit again. */
#include "checkpoint/checkpoint.h"
#include "memfile/memfile.h"
#include "vfs/vfs.h"

int vfs_file_after_load(void *o, void *ctx)
{
	struct vfs_file *f = o;

	pthread_mutex_init(&f->pos_lock, NULL);
	memfile_charge(((struct restore_ctx *)ctx)->mf, VFS_FILE_COST, true);
	return 0;
}

int fdtable_after_load(void *o, void *ctx)
{
	struct fdtable *fdt = o;

	pthread_mutex_init(&fdt->lock, NULL);
	memfile_charge(((struct restore_ctx *)ctx)->mf, (u64)fdt->n * sizeof(*fdt->fds), true);
	return 0;
}
