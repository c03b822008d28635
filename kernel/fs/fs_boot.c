/* The sandbox's mount tree at boot (see fs.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/devpts/devpts.h"
#include "fs/fs.h"
#include "fs/gofer/goferfs.h"
#include "fs/ovl/ovl.h"
#include "fs/synth/synth.h"
#include "kernel.h"
#include "vfs/vfs.h"

/* The directory @path (absolute, components without symlinks) in @ns, made in the
 * upper layer where missing; *out referenced. */
static int mount_point(struct vfs_mntns *ns, const char *path, struct vfs_path *out)
{
	char buf[4096], *save = NULL, *comp;
	struct vfs_path cur = { ns->root, ns->root->root };
	int err = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	pthread_mutex_lock(&vfs_lock);
	vfs_path_get(&cur);
	for (comp = strtok_r(buf, "/", &save); comp && !err; comp = strtok_r(NULL, "/", &save)) {
		struct vfs_dentry *d;
		struct vfs_mount *m;

		err = vfs_lookup_locked(NULL, cur.d, comp, &d);
		if (err)
			break;
		if (!d->inode) {
			struct vfs_inode *ino;

			err = cur.d->inode->ops->create(cur.d, comp, S_IFDIR | 0755, 0, 0, NULL,
							&ino);
			if (!err) {
				vfs_dentry_unhash(d);
				vfs_dentry_put(d);
				err = vfs_dentry_new(cur.d, comp, ino, &d);
				vfs_inode_put(ino);
				if (!err)
					vfs_dentry_hash(d);
			}
			if (err)
				break;
		}
		if (!S_ISDIR(d->inode->mode)) {
			vfs_dentry_put(d);
			err = -ENOTDIR;
			break;
		}
		{
			struct vfs_path n = { cur.mnt, d };

			vfs_path_get(&n);
			vfs_path_put(&cur);
			cur = n;
		}
		vfs_dentry_put(d);
		while ((m = vfs_mount_lookup(ns, cur.mnt, cur.d))) {
			struct vfs_path n = { m, m->root };

			vfs_path_get(&n);
			vfs_path_put(&cur);
			cur = n;
		}
	}
	pthread_mutex_unlock(&vfs_lock);
	if (err) {
		vfs_path_put(&cur);
		return err;
	}
	*out = cur;
	return 0;
}

static int mount_at(struct vfs_mntns *ns, const char *path, struct vfs_dentry *root,
		    const char *fstype, const char *source, u32 flags)
{
	struct vfs_path at;
	int err = mount_point(ns, path, &at);

	if (!err) {
		err = vfs_mount(ns, &at, root, fstype, source, flags);
		vfs_path_put(&at);
	}
	vfs_dentry_put(root);
	return err;
}

int fs_boot(struct kernel *k, const struct fs_volume *vols, int nvols, char *why,
	    size_t whylen)
{
	struct vfs_dentry *root, *d;
	struct vfs_mntns *ns;
	const char *what = "the root";
	int order[FS_MAX_MOUNTS];
	int err;

	if (nvols > FS_MAX_MOUNTS) {
		snprintf(why, whylen, "too many mounts (%d, at most %d)", nvols, FS_MAX_MOUNTS);
		return -EINVAL;
	}

	err = ovl_new(0, "rootfs", 0755, &root);
	if (err)
		goto fail;
	err = vfs_mntns_new(root, "overlay", "rootfs", 0, &ns);
	vfs_dentry_put(root);
	if (err)
		goto fail;
	what = "/proc";
	err = procfs_new(&d);
	if (!err)
		err = mount_at(ns, "/proc", d, "proc", "proc",
			       VFS_MNT_NOSUID | VFS_MNT_NODEV | VFS_MNT_NOEXEC);
	what = "/dev";
	if (!err)
		err = devfs_new(&d);
	if (!err)
		err = mount_at(ns, "/dev", d, "tmpfs", "dev", VFS_MNT_NOSUID);
	what = "/dev/pts";
	if (!err)
		err = devpts_new(&d);
	if (!err)
		err = mount_at(ns, "/dev/pts", d, "devpts", "devpts",
			       VFS_MNT_NOSUID | VFS_MNT_NOEXEC);
	what = "/dev/shm";
	if (!err)
		err = ovl_new(OVL_NO_GOFER, "shm", 01777, &d);
	if (!err)
		err = mount_at(ns, "/dev/shm", d, "tmpfs", "shm", VFS_MNT_NOSUID | VFS_MNT_NODEV);
	/* Read-only, as container runtimes mount it (after /dev, as they do): nothing in
	 * it can be written. Mount 6, which fs/synth's SYS_DEV follows. */
	what = "/sys";
	if (!err)
		err = sysfs_new(&d);
	if (!err)
		err = mount_at(ns, "/sys", d, "sysfs", "sysfs", VFS_MNT_RDONLY | VFS_MNT_NOSUID |
			       VFS_MNT_NODEV | VFS_MNT_NOEXEC);
	/* Parents before children (a volume may sit inside a tmpfs or another volume):
	 * in order of path length, since a parent's path is shorter than its child's. */
	for (int i = 0; i < nvols; i++) {
		int j = i;

		for (; j > 0 && strlen(vols[order[j - 1]].path) > strlen(vols[i].path); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (int i = 0; i < nvols && !err; i++) {
		const struct fs_volume *v = &vols[order[i]];

		what = v->path;
		if (v->tmpfs) {
			err = ovl_new(OVL_NO_GOFER, v->path, 01777, &d);
			if (!err)
				err = mount_at(ns, v->path, d, "tmpfs", "tmpfs",
					       VFS_MNT_NOSUID | VFS_MNT_NODEV);
		} else {
			err = goferfs_new(v->gofer, v->path, &d);
			if (!err)
				err = mount_at(ns, v->path, d, "9p", v->path,
					       v->ro ? VFS_MNT_RDONLY : 0);
		}
	}
	if (err)
		goto fail;
	vfs_init_mntns = ns;
	k->mntns = ns;
	return 0;
fail:
	snprintf(why, whylen, "cannot set up %s: %s", what, strerror(-err));
	return err;
}
