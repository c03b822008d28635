/*
 * Anonymous inodes for open files that have no place in a filesystem: a pipe, a
 * host-fd file. Linux gives such files a dentry on a pseudo filesystem (pipefs,
 * anon_inodefs), so that /proc/<pid>/fd/N can lead to them: stat shows the object
 * and open makes a new open file of it (fifo_open for a pipe). Here the dentry is
 * made when a magic link is followed, on a mount of its own that is in no
 * namespace; its inode holds the file, and the files opened through it hold no
 * reference back (vfs_open_path), so a reopened pipe end does not keep the end it
 * was reached through open.
 *
 * Lock inodes: the advisory locks of such a file need an inode to hang on, shared by
 * every file on the same object (vfs_file_ops.lock_inode). They are made on the
 * first lock and live as long as the object (a pipe, a host-fd file's chain of
 * reopens).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vfs/vfs.h"

static struct vfs_anon_inode *ANON(struct vfs_inode *i)
{
	return container_of(i, struct vfs_anon_inode, base);
}

static int anon_open(struct task *t, const struct vfs_path *p, u32 flags,
		     struct vfs_file **out)
{
	struct vfs_file *f = ANON(p->d->inode)->file;

	return f->ops->reopen ? f->ops->reopen(t, f, flags, out) : -ENXIO;
}

/* The inode's attributes are the file's, as fstat gives them now. */
static void anon_refresh(struct task *t, struct vfs_inode *ino)
{
	struct vfs_file *f = ANON(ino)->file;
	struct stat st;

	if (!f->ops->fstat || f->ops->fstat(f, &st))
		return;
	ino->ino = st.st_ino;
	ino->dev = st.st_dev;
	ino->mode = st.st_mode;
	ino->nlink = st.st_nlink;
	ino->uid = st.st_uid;
	ino->gid = st.st_gid;
	ino->rdev = st.st_rdev;
	ino->size = st.st_size;
	ino->blocks = st.st_blocks;
	ino->atime_sec = st.st_atim.tv_sec;
	ino->atime_nsec = st.st_atim.tv_nsec;
	ino->mtime_sec = st.st_mtim.tv_sec;
	ino->mtime_nsec = st.st_mtim.tv_nsec;
	ino->ctime_sec = st.st_ctim.tv_sec;
	ino->ctime_nsec = st.st_ctim.tv_nsec;
}

static void anon_release(struct vfs_inode *ino)
{
	vfs_file_put(ANON(ino)->file);
	free(ANON(ino));
}

const struct vfs_inode_ops vfs_anon_inode_ops = {
	.type = "anon",
	.open = anon_open,
	.refresh = anon_refresh,
	.release = anon_release,
};

/* The anonymous mount: in no namespace, never unmounted. */
static struct vfs_mount *anon_mnt(void)
{
	static struct vfs_mount *m;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&lock);
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (m) {
			ref_init(&m->ref);
			st_list_init(&m->node);
			m->fstype = strdup("anon_inodefs");
			m->source = strdup("anon_inodefs");
		}
	}
	if (m)
		ref_get(&m->ref);
	pthread_mutex_unlock(&lock);
	return m;
}

int vfs_anon_path(struct vfs_file *f, struct vfs_path *out)
{
	struct vfs_anon_inode *ai = calloc(1, sizeof(*ai));
	struct vfs_dentry *d;
	struct vfs_mount *m;
	int err;

	if (!ai)
		return -ENOMEM;
	vfs_inode_init(&ai->base, &vfs_anon_inode_ops, 0);
	ai->base.anon = true;
	ai->file = f;
	vfs_file_get(f);
	anon_refresh(NULL, &ai->base);
	m = anon_mnt();
	err = m ? vfs_dentry_new(NULL, "anon", &ai->base, &d) : -ENOMEM;
	vfs_inode_put(&ai->base);
	if (err) {
		if (m)
			ref_put(&m->ref);
		return err;
	}
	*out = (struct vfs_path){ m, d };
	return 0;
}

struct vfs_file *vfs_anon_file(struct vfs_inode *ino)
{
	return ino && ino->ops == &vfs_anon_inode_ops ? ANON(ino)->file : NULL;
}

static void lock_inode_release(struct vfs_inode *ino)
{
	free(container_of(ino, struct vfs_lock_inode, base));
}

const struct vfs_inode_ops vfs_lock_inode_ops = {
	.type = "lock",
	.release = lock_inode_release,
};

/* Guards every lock-inode slot. A leaf lock: locks.c asks for a file's lock inode
 * with fdt->lock held, where vfs_lock may not be taken. */
static pthread_mutex_t lock_slot_mu = PTHREAD_MUTEX_INITIALIZER;

struct vfs_inode *vfs_lock_inode_slot(struct vfs_inode **slot, bool create)
{
	struct vfs_inode *ino;

	pthread_mutex_lock(&lock_slot_mu);
	if (!*slot && create) {
		struct vfs_lock_inode *li = calloc(1, sizeof(*li));

		if (li) {
			vfs_inode_init(&li->base, &vfs_lock_inode_ops, 0);
			*slot = &li->base;
		}
	}
	ino = *slot;
	pthread_mutex_unlock(&lock_slot_mu);
	return ino;
}
