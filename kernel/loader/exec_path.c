/*
 * Loading a program by path from the sandbox's filesystem: permission checks,
 * "#!" scripts (after Linux's fs/binfmt_script.c: the interpreter, one optional
 * argument, then the script's path replacing argv[0]) and PATH lookup for sbx run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader/loader.h"
#include "task/task.h"
#include "vfs/inotify.h"
#include "vfs/vfs.h"

#define BINPRM_BUF_SIZE 256
#define MAX_SCRIPT_DEPTH 4

/* Opens the file at @p (borrowed) for execution: a regular file with an x bit the
 * task may use, on a mount that allows it. */
static int open_exec_at(struct task *t, const struct vfs_path *p, struct vfs_file **out)
{
	struct vfs_inode *ino = p->d->inode;

	if (S_ISLNK(ino->mode))
		return -ELOOP;          /* execveat's AT_SYMLINK_NOFOLLOW */
	if (S_ISDIR(ino->mode) || !S_ISREG(ino->mode) ||
	    (p->mnt->flags & VFS_MNT_NOEXEC))
		return -EACCES;
	int err;

	if (vfs_permission(t, ino, 1) || vfs_permission(t, ino, 4))
		return -EACCES;
	err = vfs_open_path(t, p, O_RDONLY | O_LARGEFILE, out);
	if (!err)
		inotify_file_event(*out, IN_OPEN);     /* as Linux's do_open_execat */
	return err;
}

static void path_put(struct vfs_path *p)
{
	pthread_mutex_lock(&vfs_lock);
	vfs_path_put(p);
	pthread_mutex_unlock(&vfs_lock);
}

/* Opens @path for execution; *where gets its place (referenced) on success. */
static int open_exec(struct task *t, const char *path, struct vfs_file **out,
		     struct vfs_path *where)
{
	struct vfs_path p;
	int err = vfs_resolve(t, AT_FDCWD, path, VFS_FOLLOW, &p);

	if (err)
		return err;
	err = open_exec_at(t, &p, out);
	if (!err) {
		*where = p;
		return 0;
	}
	path_put(&p);
	return err;
}

/* Parses "#!interp [arg]" in @buf (@n bytes): 1 if it is a script. */
static int parse_shebang(char *buf, size_t n, char **interp, char **arg)
{
	char *p, *end;

	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	buf[n] = 0;
	end = strchr(buf, '\n');
	if (!end) {
		if (n >= BINPRM_BUF_SIZE)
			return -ENOEXEC;        /* the line does not fit */
		end = buf + n;
	}
	*end = 0;
	for (p = buf + 2; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p)
		return -ENOEXEC;
	*interp = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	*arg = NULL;
	if (*p) {
		*p++ = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p) {
			char *e = p + strlen(p);

			while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
				*--e = 0;
			*arg = p;
		}
	}
	return 1;
}

int loader_exec_path(struct task *t, const char *path, char *const argv[],
		     char *const envp[], char *why, size_t whylen)
{
	struct vfs_path p;
	int err = vfs_resolve(t, AT_FDCWD, path, VFS_FOLLOW, &p);

	if (err) {
		snprintf(why, whylen, "%s", strerror(-err));
		return err;
	}
	return loader_exec_at(t, &p, path, false, argv, envp, why, whylen);
}

int loader_exec_at(struct task *t, struct vfs_path *start, const char *name, bool cloexec,
		   char *const argv[], char *const envp[], char *why, size_t whylen)
{
	char *cur = strdup(name), **args = NULL, **owned = NULL;
	char *const *av = argv;
	struct vfs_path where = { 0 };
	int nown = 0, err = 0;

	if (!cur) {
		path_put(start);
		return -ENOMEM;
	}
	for (int depth = 0;; depth++) {
		char buf[BINPRM_BUF_SIZE + 1], *interp = NULL, *arg = NULL;
		struct vfs_file *f;
		s64 n;
		int argc = 0, k = 0, sh;

		if (depth == 0) {
			err = open_exec_at(t, start, &f);
			if (err)
				path_put(start);
			else
				where = *start;
		} else {
			err = open_exec(t, cur, &f, &where);
		}
		if (err) {
			snprintf(why, whylen, "%s", strerror(-err));
			break;
		}
		n = f->ops->map_read ? f->ops->map_read(f, buf, BINPRM_BUF_SIZE, 0) : -ENOEXEC;
		if (n > 0)
			inotify_file_event(f, IN_ACCESS);      /* Linux's kernel_read */
		sh = n < 0 ? (int)n : parse_shebang(buf, n, &interp, &arg);
		if (sh > 0 && depth == 0 && cloexec) {
			/* The script would be read by its interpreter through a descriptor
			 * that exec closes (Linux's BINPRM_FLAGS_PATH_INACCESSIBLE). */
			sh = -ENOENT;
			snprintf(why, whylen, "script through a close-on-exec descriptor");
		} else if (sh < 0) {
			snprintf(why, whylen, "bad interpreter line");
		}
		if (sh <= 0) {
			if (!sh)
				err = loader_exec_file(t, f, name, av, envp, why, whylen);
			else
				err = sh;
			vfs_file_put(f);
			break;
		}
		vfs_file_put(f);
		pthread_mutex_lock(&vfs_lock);
		vfs_path_put(&where);
		pthread_mutex_unlock(&vfs_lock);
		if (depth >= MAX_SCRIPT_DEPTH) {
			err = -ELOOP;
			snprintf(why, whylen, "too many levels of interpreters");
			break;
		}
		/* argv becomes: interp [arg] script argv[1..]. */
		while (av && av[argc])
			argc++;
		args = calloc(argc + 4, sizeof(*args));
		owned = realloc(owned, (nown + 3) * sizeof(*owned));
		if (!args || !owned) {
			free(args);
			err = -ENOMEM;
			break;
		}
		args[k++] = owned[nown++] = strdup(interp);
		if (arg)
			args[k++] = owned[nown++] = strdup(arg);
		args[k++] = owned[nown++] = cur;
		for (int i = 1; i < argc; i++)
			args[k++] = av[i];
		args[k] = NULL;
		if (av != argv)
			free((void *)av);
		av = args;
		cur = strdup(interp);
		if (!cur) {
			err = -ENOMEM;
			break;
		}
	}
	if (!err) {
		pthread_mutex_lock(&vfs_lock);
		/* Found through a descriptor: the task is named after the file, not
		 * "N" of /dev/fd/N (Linux's comm_from_dentry). */
		if (!strncmp(name, "/dev/fd/", 8) && where.d && where.d->name)
			snprintf(t->comm, sizeof(t->comm), "%s", where.d->name);
		vfs_path_put(&t->fs->exe);
		t->fs->exe = where;
		pthread_mutex_unlock(&vfs_lock);
	} else if (where.d) {
		pthread_mutex_lock(&vfs_lock);
		vfs_path_put(&where);
		pthread_mutex_unlock(&vfs_lock);
	}
	if (av != argv)
		free((void *)av);
	for (int i = 0; i < nown; i++)
		if (owned[i] != cur)
			free(owned[i]);
	free(owned);
	free(cur);
	return err;
}

int loader_find_on_path(struct task *t, const char *name, char *const envp[], char *out,
			size_t outlen)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int err = -ENOENT;

	if (strchr(name, '/')) {
		snprintf(out, outlen, "%s", name);
		return 0;
	}
	for (int i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], "PATH=", 5))
			path = envp[i] + 5;
	while (*path) {
		const char *end = strchrnul(path, ':');
		struct vfs_path p;
		int r;

		snprintf(out, outlen, "%.*s%s%s", (int)(end - path),
			 end == path ? "." : path, "/", name);
		r = vfs_resolve(t, AT_FDCWD, out, VFS_FOLLOW, &p);
		if (!r) {
			bool ok = S_ISREG(p.d->inode->mode) && !vfs_permission(t, p.d->inode, 1);

			pthread_mutex_lock(&vfs_lock);
			vfs_path_put(&p);
			pthread_mutex_unlock(&vfs_lock);
			if (ok)
				return 0;
			err = -EACCES;
		}
		path = *end ? end + 1 : end;
	}
	return err;
}
