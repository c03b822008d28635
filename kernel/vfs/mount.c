/*
 * Mounts, the mount namespace and a task's root and cwd (struct vfs_fs). One mount
 * namespace per sandbox: the root (the overlay over the gofer's tree) and what is
 * mounted on it (/proc, /dev, /tmp, /dev/shm, volumes). After Linux's fs/namespace.c
 * and fs/proc_namespace.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task/task.h"
#include "vfs/vfs.h"

struct vfs_mntns *vfs_init_mntns;

static int mount_new(struct vfs_mntns *ns, struct vfs_mount *parent, struct vfs_dentry *mp,
		     struct vfs_dentry *root, const char *fstype, const char *source,
		     u32 flags, struct vfs_mount **out)
{
	struct vfs_mount *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->fstype = strdup(fstype);
	m->source = strdup(source);
	if (!m->fstype || !m->source) {
		free(m->fstype);
		free(m->source);
		free(m);
		return -ENOMEM;
	}
	ref_init(&m->ref);
	m->id = ns->next_id++;
	m->parent = parent;
	m->mountpoint = mp;
	if (mp) {
		vfs_dentry_get(mp);
		mp->mounted++;
	}
	m->root = root;
	vfs_dentry_get(root);
	m->flags = flags;
	st_list_init(&m->node);
	st_list_add_tail(&m->node, &ns->mounts);
	*out = m;
	return 0;
}

int vfs_mntns_new(struct vfs_dentry *root, const char *fstype, const char *source,
		  u32 flags, struct vfs_mntns **out)
{
	struct vfs_mntns *ns = calloc(1, sizeof(*ns));
	int err;

	if (!ns)
		return -ENOMEM;
	ref_init(&ns->ref);
	st_list_init(&ns->mounts);
	ns->next_id = 1;
	err = mount_new(ns, NULL, NULL, root, fstype, source, flags, &ns->root);
	if (err) {
		free(ns);
		return err;
	}
	*out = ns;
	return 0;
}

int vfs_mntns_after_load(void *o, void *ctx)
{
	vfs_init_mntns = o;
	return 0;
}

int vfs_mount(struct vfs_mntns *ns, const struct vfs_path *at, struct vfs_dentry *root,
	      const char *fstype, const char *source, u32 flags)
{
	struct vfs_mount *m;
	int err;

	pthread_mutex_lock(&vfs_lock);
	err = mount_new(ns, at->mnt, at->d, root, fstype, source, flags, &m);
	pthread_mutex_unlock(&vfs_lock);
	return err;
}

struct vfs_mount *vfs_mount_lookup(struct vfs_mntns *ns, struct vfs_mount *mnt,
				   struct vfs_dentry *d)
{
	struct vfs_mount *found = NULL;
	struct st_list *pos;

	/* The last mount on a place is the one visible there. */
	st_list_for_each(pos, &ns->mounts) {
		struct vfs_mount *m = container_of(pos, struct vfs_mount, node);

		if (m->parent == mnt && m->mountpoint == d)
			found = m;
	}
	return found;
}

static void show_flags(char *buf, size_t len, u32 flags)
{
	snprintf(buf, len, "%s%s%s%s,relatime", flags & VFS_MNT_RDONLY ? "ro" : "rw",
		 flags & VFS_MNT_NOSUID ? ",nosuid" : "", flags & VFS_MNT_NODEV ? ",nodev" : "",
		 flags & VFS_MNT_NOEXEC ? ",noexec" : "");
}

int vfs_mounts_show(struct task *t, bool info, char **out, size_t *outlen)
{
	struct vfs_mntns *ns = vfs_init_mntns;
	char *buf = NULL, path[4096], fl[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct st_list *pos;

	if (!f)
		return -ENOMEM;
	pthread_mutex_lock(&vfs_lock);
	st_list_for_each(pos, &ns->mounts) {
		struct vfs_mount *m = container_of(pos, struct vfs_mount, node);
		struct vfs_path p = { m, m->root };

		if (vfs_path_name(&t->fs->root, &p, path, sizeof(path)) < 0)
			continue;
		show_flags(fl, sizeof(fl), m->flags);
		if (info)
			fprintf(f, "%u %u 0:%u / %s %s - %s %s %s\n", m->id,
				m->parent ? m->parent->id : m->id, 20 + m->id, path, fl,
				m->fstype, m->source, fl);
		else
			fprintf(f, "%s %s %s %s 0 0\n", m->source, path, m->fstype, fl);
	}
	pthread_mutex_unlock(&vfs_lock);
	if (fclose(f))
		return -ENOMEM;
	*out = buf;
	*outlen = len;
	return 0;
}

int vfs_fs_new(struct vfs_mntns *ns, struct vfs_fs **out)
{
	struct vfs_fs *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return -ENOMEM;
	ref_init(&fs->ref);
	pthread_mutex_lock(&vfs_lock);
	fs->root = (struct vfs_path){ ns->root, ns->root->root };
	vfs_path_get(&fs->root);
	fs->cwd = fs->root;
	vfs_path_get(&fs->cwd);
	pthread_mutex_unlock(&vfs_lock);
	*out = fs;
	return 0;
}

int vfs_fs_copy(struct vfs_fs *old, struct vfs_fs **out)
{
	struct vfs_fs *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return -ENOMEM;
	ref_init(&fs->ref);
	pthread_mutex_lock(&vfs_lock);
	fs->root = old->root;
	fs->cwd = old->cwd;
	fs->exe = old->exe;
	vfs_path_get(&fs->root);
	vfs_path_get(&fs->cwd);
	vfs_path_get(&fs->exe);
	pthread_mutex_unlock(&vfs_lock);
	*out = fs;
	return 0;
}

void vfs_fs_put(struct vfs_fs *fs)
{
	if (!fs || !ref_put(&fs->ref))
		return;
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(&fs->root);
	vfs_path_put(&fs->cwd);
	vfs_path_put(&fs->exe);
	pthread_mutex_unlock(&vfs_lock);
	free(fs);
}
