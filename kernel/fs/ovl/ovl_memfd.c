/*
 * memfd_create: an anonymous in-memory file, as Linux's mm/memfd.c makes one on an
 * internal shmem mount. Here it is an upper-only overlay inode on an internal tmpfs
 * (an overlay without a lower tree) whose dentry "memfd:NAME" is never in the tree,
 * so /proc/self/fd/N reads "/memfd:NAME (deleted)" as on Linux. The mount is a
 * private one, in no namespace's list. Everything is an ordinary ovl object, so a
 * memfd, its data and its mappings are saved and restored like a tmpfs file.
 * Seals (F_ADD_SEALS, F_GET_SEALS) are mm/memfd.c's, on memfds and tmpfs files, which
 * are shmem files on Linux too; the overlay root's files have none (EINVAL).
 * Not offered: MFD_HUGETLB; F_SEAL_EXEC is recorded (and implies the write seals as
 * on Linux) but does not yet stop chmod from adding execute bits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ovl/ovl.h"
#include "memfile/memfile.h"
#include "task/task.h"

/* The internal mount; made on first use (after a restore, again: old memfds keep the
 * one they were saved with). Under vfs_lock. */
static struct vfs_mount *memfd_mnt;

static int memfd_mount(void)
{
	struct vfs_dentry *root;
	struct vfs_mount *m;
	int err;

	if (memfd_mnt)
		return 0;
	err = ovl_new(OVL_NO_GOFER, "memfd", 01777, &root);
	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (m) {
		m->fstype = strdup("tmpfs");
		m->source = strdup("memfd");
	}
	if (!m || !m->fstype || !m->source) {
		if (m) {
			free(m->fstype);
			free(m->source);
		}
		free(m);
		vfs_dentry_put(root);
		return -ENOMEM;
	}
	ref_init(&m->ref);
	m->root = root;         /* the mount owns ovl_new's reference */
	st_list_init(&m->node);
	memfd_mnt = m;
	return 0;
}

#define MFD_ALLOW_SEALING_ 0x2
#define MFD_NOEXEC_SEAL_ 0x8
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#define F_ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
		     F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)

bool ovl_has_seals(struct vfs_inode *ino)
{
	return ino && ino->ops == &ovl_inode_ops && S_ISREG(ino->mode) &&
	       OVL_I(ino)->fs->gofer == OVL_NO_GOFER;
}

int ovl_add_seals(struct vfs_file *f, u32 seals)
{
	struct ovl_inode *oi = OVL_I(f->inode);
	int err = 0;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	if (seals & ~F_ALL_SEALS)
		return -EINVAL;
	if (!ovl_has_seals(f->inode))
		return -EINVAL;
	pthread_mutex_lock(&vfs_lock);
	if (oi->seals & F_SEAL_SEAL) {
		err = -EPERM;
		goto out;
	}
	/* No write seal while a shared mapping may write (mapping_deny_writable). */
	if ((seals & F_SEAL_WRITE) && !(oi->seals & F_SEAL_WRITE) && oi->pages) {
		pthread_mutex_lock(&oi->pages->lock);
		if (oi->pages->writers)
			err = -EBUSY;
		pthread_mutex_unlock(&oi->pages->lock);
		if (err)
			goto out;
	}
	if ((seals & F_SEAL_EXEC) && (oi->base.mode & 0111))
		seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
	oi->seals |= seals;
out:
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

int ovl_memfd_new(struct task *t, const char *name, u32 flags, struct vfs_file **out)
{
	bool noexec = flags & MFD_NOEXEC_SEAL_;
	struct vfs_path p = { NULL, NULL };
	struct vfs_inode *ino;
	char dname[NAME_MAX + 1];
	int err;

	snprintf(dname, sizeof(dname), "memfd:%s", name);
	pthread_mutex_lock(&vfs_lock);
	err = memfd_mount();
	if (!err) {
		struct vfs_dentry *root = memfd_mnt->root;

		err = root->inode->ops->create(root, dname, S_IFREG | (noexec ? 0666 : 0777),
					       t->euid, t->egid, NULL, &ino);
		if (!err) {
			ino->nlink = 0;         /* no name: Linux's memfds show 0 */
			if (noexec)
				OVL_I(ino)->seals = F_SEAL_EXEC;
			else if (flags & MFD_ALLOW_SEALING_)
				OVL_I(ino)->seals = 0;
			/* A new dentry that is never hashed: an unlinked name. */
			err = vfs_dentry_new(root, dname, ino, &p.d);
			vfs_inode_put(ino);
		}
		if (!err) {
			p.mnt = memfd_mnt;
			ref_get(&p.mnt->ref);
		}
	}
	pthread_mutex_unlock(&vfs_lock);
	if (err)
		return err;
	err = vfs_open_path(t, &p, O_RDWR | L_O_LARGEFILE, out);
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(&p);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}
