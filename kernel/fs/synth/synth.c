/*
 * procfs, devfs and sysfs inodes and files (see synth.h): the static tables of their
 * directories, lookup and listing, opening generated files, and the devices of
 * /dev (null, zero, full, random, urandom; tty and ptmx are fs/devpts's). After Linux's fs/proc,
 * fs/sysfs and drivers/char/mem.c, and gVisor's fsimpl/proc, fsimpl/sys and
 * devices/memdev.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "fs/devpts/devpts.h"
#include "fs/synth/synth.h"
#include "kernel.h"
#include "task/task.h"

#define PROC_DEV 0x16
#define DEV_DEV 0x5
/* /proc/self/mountinfo numbers a mount's device 0:(20 + its id): /sys is mount 6
 * (fs_boot), as /proc is mount 2 */
#define SYS_DEV 0x1a
#define SYSFS_MAGIC 0x62656572

struct synth_ent {
	const char *name;
	u8 kind;
	u8 id;
	u16 mode;
};

#define F(n, g) { n, SK_FILE, g, S_IFREG | 0444 }
#define W(n, g) { n, SK_FILE, g, S_IFREG | 0644 }
#define D(n, t) { n, SK_DIR, t, S_IFDIR | 0555 }
#define L(n, l) { n, SK_LINK, l, S_IFLNK | 0777 }
#define C(n, d, m) { n, SK_DEV, d, S_IFCHR | (m) }

static const struct synth_ent t_proc[] = {
	F("cpuinfo", G_CPUINFO), F("meminfo", G_MEMINFO), F("uptime", G_UPTIME),
	F("loadavg", G_LOADAVG), F("stat", G_STAT), F("filesystems", G_FILESYSTEMS),
	F("version", G_VERSION), L("mounts", L_MOUNTS), D("sys", ST_SYS),
	F("vmstat", G_VMSTAT), L("net", L_NET), { 0 },
};
static const struct synth_ent t_pid[] = {
	L("exe", L_EXE), L("cwd", L_CWD), L("root", L_ROOT),
	{ "fd", SK_FD_DIR, 0, S_IFDIR | 0500 }, { "fdinfo", SK_FD_DIR, 1, S_IFDIR | 0500 },
	F("maps", G_PID_MAPS), F("smaps_rollup", G_PID_SMAPS_ROLLUP),
	F("status", G_PID_STATUS), F("stat", G_PID_STAT), F("statm", G_PID_STATM),
	F("cmdline", G_PID_CMDLINE), { "environ", SK_FILE, G_PID_ENVIRON, S_IFREG | 0400 },
	F("mounts", G_PID_MOUNTS), F("mountinfo", G_PID_MOUNTINFO), W("comm", G_PID_COMM),
	F("limits", G_PID_LIMITS), W("oom_score_adj", G_PID_OOM_SCORE_ADJ),
	W("oom_adj", G_PID_OOM_ADJ), F("oom_score", G_PID_OOM_SCORE), D("net", ST_PID_NET),
	F("cgroup", G_PID_CGROUP),
	/* last: a thread's directory (t_tid) is this table without it */
	{ "task", SK_TASK_DIR, 0, S_IFDIR | 0555 }, { 0 },
};
/* /proc/<pid>/task/<tid>: Linux's tid_base_stuff, the files of one thread. */
#define T_TID_N (ARRAY_SIZE(t_pid) - 2)
/* /proc/<pid>/net: the sandbox's one network namespace, the same for every process. */
static const struct synth_ent t_pid_net[] = {
	F("tcp", G_NET_TCP), F("tcp6", G_NET_TCP6), F("udp", G_NET_UDP),
	F("udp6", G_NET_UDP6), F("unix", G_NET_UNIX), { 0 },
};
static const struct synth_ent t_sys[] = {
	D("fs", ST_SYS_FS), D("kernel", ST_SYS_KERNEL), D("vm", ST_SYS_VM), { 0 },
};
static const struct synth_ent t_sys_kernel[] = {
	F("hostname", G_HOSTNAME), F("osrelease", G_OSRELEASE), F("ostype", G_OSTYPE),
	F("pid_max", G_PIDMAX), D("random", ST_SYS_RANDOM), { 0 },
};
static const struct synth_ent t_sys_random[] = {
	F("boot_id", G_BOOTID), F("uuid", G_UUID), { 0 },
};
static const struct synth_ent t_sys_fs[] = {
	D("inotify", ST_SYS_FS_INOTIFY), { 0 },
};
static const struct synth_ent t_sys_fs_inotify[] = {
	F("max_queued_events", G_INOTIFY_QUEUED), F("max_user_instances", G_INOTIFY_INSTANCES),
	F("max_user_watches", G_INOTIFY_WATCHES), { 0 },
};
static const struct synth_ent t_sys_vm[] = {
	F("overcommit_memory", G_OVERCOMMIT), { 0 },
};
static const struct synth_ent t_dev[] = {
	C("null", DEV_NULL, 0666), C("zero", DEV_ZERO, 0666), C("full", DEV_FULL, 0666),
	C("random", DEV_RANDOM, 0666), C("urandom", DEV_URANDOM, 0666),
	C("tty", DEV_TTY, 0666), C("ptmx", DEV_PTMX, 0666), L("fd", L_DEVFD), L("stdin", L_STDIN),
	L("stdout", L_STDOUT), L("stderr", L_STDERR),
	{ "shm", SK_DIR, ST_SHM, S_IFDIR | 01777 },
	/* devpts is mounted there; like shm, an empty directory with no table */
	{ "pts", SK_DIR, ST_SHM, S_IFDIR | 0755 },
	{ 0 },
};

/*
 * sysfs: what Linux has at the top of /sys, and under devices/system the CPUs and
 * one memory node (sysfs_gen.c fills them), linked to each other. Directories 0755
 * and files 0444, as kernfs makes them; the directories with nothing the sandbox
 * can show are empty.
 * /sys/fs/cgroup is the mount point Linux makes for cgroupfs; sbx has no cgroups.
 */
#define SD(n, t) { n, SK_DIR, t, S_IFDIR | 0755 }

static const struct synth_ent t_sysfs_root[] = {
	SD("block", ST_SYSFS_BLOCK), SD("bus", ST_SYSFS_BUS), SD("class", ST_SYSFS_CLASS),
	SD("dev", ST_SYSFS_DEV), SD("devices", ST_SYSFS_DEVICES),
	SD("firmware", ST_SYSFS_FIRMWARE), SD("fs", ST_SYSFS_FS),
	SD("kernel", ST_SYSFS_KERNEL), SD("module", ST_SYSFS_MODULE),
	SD("power", ST_SYSFS_POWER), { 0 },
};
static const struct synth_ent t_sysfs_dev[] = {
	SD("block", ST_SYSFS_DEV_BLOCK), SD("char", ST_SYSFS_DEV_CHAR), { 0 },
};
static const struct synth_ent t_sysfs_devices[] = {
	SD("system", ST_SYSFS_SYSTEM), { 0 },
};
static const struct synth_ent t_sysfs_fs[] = {
	SD("cgroup", ST_SYSFS_CGROUP), { 0 },
};
static const struct synth_ent t_sysfs_system[] = {
	{ "cpu", SK_SYS_CPUS, ST_SYSFS_CPUS, S_IFDIR | 0755 }, SD("node", ST_SYSFS_NODES),
	{ 0 },
};
static const struct synth_ent t_sysfs_cpus[] = {
	F("online", G_SYS_ONLINE), F("possible", G_SYS_POSSIBLE),
	F("present", G_SYS_PRESENT), F("offline", G_SYS_OFFLINE),
	F("kernel_max", G_SYS_KERNEL_MAX), { 0 },
};
/* cpuN; cpu0 is this without "online": x86 cannot take it offline, and Linux gives
 * it no such file. */
static const struct synth_ent t_sysfs_cpu[] = {
	F("online", G_SYS_CPU_ONLINE), SD("topology", ST_SYSFS_TOPOLOGY),
	L("node0", L_SYS_NODE), { 0 },
};
static const struct synth_ent t_sysfs_topology[] = {
	F("physical_package_id", G_SYS_PACKAGE_ID), F("die_id", G_SYS_DIE_ID),
	F("core_id", G_SYS_CORE_ID), F("core_cpus", G_SYS_CORE_CPUS),
	F("core_cpus_list", G_SYS_CORE_CPUS_LIST), F("thread_siblings", G_SYS_THREAD_SIBLINGS),
	F("thread_siblings_list", G_SYS_THREAD_SIBLINGS_LIST),
	F("core_siblings", G_SYS_CORE_SIBLINGS),
	F("core_siblings_list", G_SYS_CORE_SIBLINGS_LIST),
	F("die_cpus", G_SYS_DIE_CPUS), F("die_cpus_list", G_SYS_DIE_CPUS_LIST),
	F("package_cpus", G_SYS_PACKAGE_CPUS), F("package_cpus_list", G_SYS_PACKAGE_CPUS_LIST),
	{ 0 },
};
static const struct synth_ent t_sysfs_nodes[] = {
	F("online", G_SYS_NODE_ONLINE), F("possible", G_SYS_NODE_POSSIBLE),
	F("has_cpu", G_SYS_NODE_HAS_CPU), F("has_memory", G_SYS_NODE_HAS_MEMORY),
	F("has_normal_memory", G_SYS_NODE_HAS_NORMAL_MEMORY),
	{ "node0", SK_SYS_CPUS, ST_SYSFS_NODE, S_IFDIR | 0755 }, { 0 },
};
static const struct synth_ent t_sysfs_node[] = {
	F("cpumap", G_SYS_NODE_CPUMAP), F("cpulist", G_SYS_NODE_CPULIST),
	F("meminfo", G_SYS_NODE_MEMINFO), F("distance", G_SYS_NODE_DISTANCE), { 0 },
};

static const struct synth_ent *const tables[ST_NTABLES] = {
	[ST_PROC] = t_proc, [ST_PID] = t_pid, [ST_SYS] = t_sys,
	[ST_SYS_KERNEL] = t_sys_kernel, [ST_SYS_RANDOM] = t_sys_random,
	[ST_SYS_VM] = t_sys_vm, [ST_DEV] = t_dev, [ST_SYS_FS] = t_sys_fs,
	[ST_SYS_FS_INOTIFY] = t_sys_fs_inotify,
	[ST_SYSFS_ROOT] = t_sysfs_root, [ST_SYSFS_DEV] = t_sysfs_dev,
	[ST_SYSFS_DEVICES] = t_sysfs_devices, [ST_SYSFS_FS] = t_sysfs_fs,
	[ST_SYSFS_SYSTEM] = t_sysfs_system, [ST_SYSFS_CPUS] = t_sysfs_cpus,
	[ST_SYSFS_CPU0] = t_sysfs_cpu + 1, [ST_SYSFS_CPU] = t_sysfs_cpu,
	[ST_SYSFS_TOPOLOGY] = t_sysfs_topology, [ST_SYSFS_NODES] = t_sysfs_nodes,
	[ST_SYSFS_NODE] = t_sysfs_node, [ST_PID_NET] = t_pid_net,
};

static const u16 dev_rdev[] = {
	[DEV_NULL] = 0x103, [DEV_ZERO] = 0x105, [DEV_FULL] = 0x107,
	[DEV_RANDOM] = 0x108, [DEV_URANDOM] = 0x109, [DEV_TTY] = 0x500, [DEV_PTMX] = 0x502,
};

static bool is_tid_dir(const struct synth_inode *si)
{
	return si->kind == SK_PID_DIR && si->id == 1;
}

static const struct synth_ent *table_of(struct synth_inode *si)
{
	if (si->kind == SK_PROC_ROOT)
		return t_proc;
	if (si->kind == SK_PID_DIR)
		return t_pid;   /* a thread's stops before "task" (synth_readdir, lookup) */
	if ((si->kind == SK_DIR || si->kind == SK_SYS_CPUS) && si->id < ST_NTABLES)
		return tables[si->id];
	return NULL;
}

int synth_inode_new(u32 kind, u32 id, u32 mode, u32 pid, s32 fd, bool proc,
		    struct vfs_inode **out)
{
	struct synth_inode *si = calloc(1, sizeof(*si));

	if (!si)
		return -ENOMEM;
	vfs_inode_init(&si->base, &synth_inode_ops, mode);
	si->kind = kind;
	si->id = id;
	si->pid = pid;
	si->fd = fd;
	si->proc = proc;
	si->base.dev = proc ? PROC_DEV : DEV_DEV;
	si->base.ino = ((u64)pid << 20) + ((u64)kind << 12) + (id << 4) + (fd & 0xfff) +
		       (proc ? 1 : 0x1000000);
	/* /sys's cpu and node0 too: a restore on another host may have other CPUs */
	si->base.nocache = kind == SK_PROC_ROOT || kind == SK_PID_DIR || kind == SK_FD_DIR ||
			   kind == SK_TASK_DIR || kind == SK_SYS_CPUS;
	if (kind == SK_DEV && id < ARRAY_SIZE(dev_rdev))
		si->base.rdev = dev_rdev[id];
	*out = &si->base;
	return 0;
}

/* A sysfs inode: one of synth_inode_new's with sysfs's st_dev; @cpu for the files
 * under cpuN. */
static int sys_inode_new(u32 kind, u32 id, u32 mode, u32 cpu, struct vfs_inode **out)
{
	int err = synth_inode_new(kind, id, mode, cpu, -1, false, out);

	if (!err) {
		SYN_I(*out)->sys = true;
		(*out)->dev = SYS_DEV;
		if (S_ISREG(mode))
			(*out)->size = 4096;
	}
	return err;
}

static bool parse_num(const char *s, u32 *v)
{
	char *end;
	unsigned long n;

	if (!*s || *s == '0' || *s < '0' || *s > '9')
		return !strcmp(s, "0") ? (*v = 0, true) : false;
	n = strtoul(s, &end, 10);
	if (*end || n > 0x7fffffff)
		return false;
	*v = n;
	return true;
}

static int synth_lookup(struct vfs_dentry *dir, const char *name, struct vfs_inode **out)
{
	struct synth_inode *si = SYN_I(dir->inode);
	const struct synth_ent *e = table_of(si);
	struct task *t = vfs_task;
	u32 n;

	for (u32 i = 0; e && e[i].name && (!is_tid_dir(si) || i < T_TID_N); i++) {
		if (strcmp(e[i].name, name))
			continue;
		if (si->sys)
			return sys_inode_new(e[i].kind, e[i].id, e[i].mode, si->pid, out);
		return synth_inode_new(e[i].kind, e[i].id, e[i].mode, si->pid, -1, si->proc,
				       out);
	}
	if (si->kind == SK_SYS_CPUS) {
		if (!sysfs_is_cpu(t, name, &n))
			return -ENOENT;
		if (si->id == ST_SYSFS_NODE)
			return sys_inode_new(SK_LINK, L_SYS_CPU, S_IFLNK | 0777, n, out);
		return sys_inode_new(SK_DIR, n ? ST_SYSFS_CPU : ST_SYSFS_CPU0, S_IFDIR | 0755,
				     n, out);
	}
	if (si->kind == SK_TASK_DIR) {
		if (parse_num(name, &n) && procfs_same_process(t, si->pid, n))
			return synth_inode_new(SK_PID_DIR, 1, S_IFDIR | 0555, n, -1, true, out);
		return -ENOENT;
	}
	if (si->kind == SK_PROC_ROOT) {
		if (!strcmp(name, "self"))
			return synth_inode_new(SK_LINK, L_SELF, S_IFLNK | 0777, 0, -1, true, out);
		if (!strcmp(name, "thread-self"))
			return synth_inode_new(SK_LINK, L_THREAD_SELF, S_IFLNK | 0777, 0, -1, true,
					       out);
		if (parse_num(name, &n) && procfs_pid_exists(t, n))
			return synth_inode_new(SK_PID_DIR, 0, S_IFDIR | 0555, n, -1, true, out);
	}
	if (si->kind == SK_FD_DIR && parse_num(name, &n)) {
		struct task *pt = procfs_task(t, si->pid);
		struct vfs_file *f = pt ? fdt_get(pt->fdt, n) : NULL;

		u32 acc, mode;
		int err;

		if (!f)
			return -ENOENT;
		/* An fd link's mode shows the file's access, as Linux's
		 * tid_fd_update_inode: r-x read, -wx write. */
		acc = f->flags & O_ACCMODE;
		mode = (f->flags & O_PATH) ? 0 : (acc != O_WRONLY ? 0500 : 0) |
					     (acc != O_RDONLY ? 0300 : 0);
		vfs_file_put(f);
		err = synth_inode_new(si->id ? SK_FILE : SK_LINK, si->id ? G_FDINFO : L_FD,
				      si->id ? S_IFREG | 0444 : S_IFLNK | mode, si->pid, n,
				      true, out);
		return err;
	}
	return -ENOENT;
}

int synth_dirent_add(struct vfs_dirent **ents, u32 *n, u32 *cap, const char *name, u64 ino,
		     u8 type)
{
	if (*n == *cap) {
		u32 c = *cap ? *cap * 2 : 32;
		struct vfs_dirent *e = realloc(*ents, c * sizeof(*e));

		if (!e)
			return -ENOMEM;
		*ents = e;
		*cap = c;
	}
	(*ents)[*n] = (struct vfs_dirent){ strdup(name), ino, type };
	if (!(*ents)[*n].name)
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int synth_readdir(struct task *t, struct vfs_dentry *dir, struct vfs_dirent **out,
			 u32 *n)
{
	struct synth_inode *si = SYN_I(dir->inode);
	const struct synth_ent *e = table_of(si);
	struct vfs_dirent *ents = NULL;
	u32 cap = 0;
	int err = 0;

	*n = 0;
	for (u32 i = 0; e && e[i].name && (!is_tid_dir(si) || i < T_TID_N) && !err; i++)
		err = synth_dirent_add(&ents, n, &cap, e[i].name, si->base.ino + i + 1,
				       vfs_dtype(e[i].mode));
	if (!err && si->kind == SK_PROC_ROOT)
		err = synth_dirent_add(&ents, n, &cap, "self", si->base.ino + 100, DT_LNK);
	if (!err && si->kind == SK_PROC_ROOT)
		err = synth_dirent_add(&ents, n, &cap, "thread-self", si->base.ino + 101,
				       DT_LNK);
	if (!err && si->kind == SK_SYS_CPUS)
		err = sysfs_readdir_cpus(t, si, &ents, n, &cap);
	else if (!err)
		err = procfs_readdir_dynamic(t, si, &ents, n, &cap);
	if (err) {
		for (u32 i = 0; i < *n; i++)
			free(ents[i].name);
		free(ents);
		return err;
	}
	*out = ents;
	return 0;
}

static int synth_readlink(struct task *t, struct vfs_inode *ino, char *buf, size_t len)
{
	if (SYN_I(ino)->sys)
		return sysfs_readlink(SYN_I(ino), buf, len);
	return procfs_readlink(t, SYN_I(ino), buf, len);
}

/* sysfs's links are plain ones: -ENOENT has the VFS follow readlink's text. */
static int synth_get_link(struct task *t, struct vfs_inode *ino, struct vfs_path *out)
{
	if (SYN_I(ino)->sys)
		return -ENOENT;
	return procfs_get_link(t, SYN_I(ino), out);
}

static void synth_refresh(struct task *t, struct vfs_inode *ino)
{
	struct synth_inode *si = SYN_I(ino);
	struct task *pt;

	if (!si->proc || !si->pid)
		return;
	pt = procfs_task(t, si->pid);
	if (pt) {
		ino->uid = pt->euid;
		ino->gid = pt->egid;
	}
}

static int synth_open(struct task *t, const struct vfs_path *p, u32 flags,
		      struct vfs_file **out)
{
	struct synth_inode *si = SYN_I(p->d->inode);
	u32 fl = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | L_O_LARGEFILE | O_DIRECTORY);
	int err;

	if (S_ISDIR(si->base.mode)) {
		struct synth_dir_file *df = calloc(1, sizeof(*df));

		if (!df)
			return -ENOMEM;
		vfs_file_init(&df->base, &synth_dir_ops, fl);
		*out = &df->base;
		return 0;
	}
	if (si->kind == SK_DEV) {
		struct synth_dev_file *df;

		/* the terminals: fs/devpts */
		if (si->id == DEV_TTY)
			return tty_open_ctty(t, flags, out);
		if (si->id == DEV_PTMX)
			return devpts_open_ptmx(t, flags, out);
		df = calloc(1, sizeof(*df));
		if (!df)
			return -ENOMEM;
		vfs_file_init(&df->base, &synth_dev_ops, fl);
		df->dev = si->id;
		*out = &df->base;
		return 0;
	}
	if (si->kind == SK_FILE) {
		struct synth_file *sf = calloc(1, sizeof(*sf));
		size_t len = 0;

		if (!sf)
			return -ENOMEM;
		/* Writable files (comm, oom_score_adj) apply each write(2) at once. */
		if ((flags & O_ACCMODE) != O_RDONLY && !(si->base.mode & S_IWUSR)) {
			free(sf);
			return -EACCES;
		}
		err = si->sys ? sysfs_generate(t, si, &sf->text, &len) :
				procfs_generate(t, si, &sf->text, &len);
		if (err) {
			free(sf);
			return err;
		}
		sf->len = len;
		vfs_file_init(&sf->base, &synth_file_ops, fl);
		*out = &sf->base;
		return 0;
	}
	return -ENXIO;
}

static void synth_release(struct vfs_inode *ino)
{
	free(SYN_I(ino));
}

static int synth_statfs(struct vfs_inode *ino, struct statfs *sf)
{
	/* PROC_SUPER_MAGIC, SYSFS_MAGIC; devfs is a tmpfs */
	sf->f_type = SYN_I(ino)->proc ? 0x9fa0 : SYN_I(ino)->sys ? SYSFS_MAGIC : 0x01021994;
	sf->f_bsize = sf->f_frsize = 4096;
	sf->f_namelen = 255;
	return 0;
}

const struct vfs_inode_ops synth_inode_ops = {
	.type = "synth",
	.lookup = synth_lookup,
	.open = synth_open,
	.readlink = synth_readlink,
	.get_link = synth_get_link,
	.refresh = synth_refresh,
	.readdir = synth_readdir,
	.statfs = synth_statfs,
	.release = synth_release,
	.exact_blocks = true,   /* no blocks, whatever the size */
};

/* ---- files ---- */

static s64 sf_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	struct synth_file *sf = container_of(f, struct synth_file, base);
	s64 off, n;

	pthread_mutex_lock(&f->pos_lock);
	off = pos ? *pos : f->pos;
	n = (u64)off >= sf->len ? 0 : (s64)MIN(len, sf->len - off);
	if (n > 0)
		memcpy(buf, sf->text + off, n);
	if (!pos)
		f->pos += n;
	pthread_mutex_unlock(&f->pos_lock);
	return n;
}

static s64 sf_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
			s64 *pos)
{
	(void)pos;      /* Linux's writers ignore the offset too */
	return procfs_write(t, SYN_I(f->inode), buf, len);
}

static s64 sf_lseek(struct vfs_file *f, s64 off, int whence)
{
	return vfs_file_seek(f, off, whence, container_of(f, struct synth_file, base)->len);
}

static int sf_fstat(struct vfs_file *f, struct stat *st)
{
	/* the inode's size: 0 but for sysfs's attribute files (a page, as kernfs) */
	vfs_file_fstat_inode(f, st);
	st->st_blocks = 0;
	return 0;
}

static void sf_release(struct vfs_file *f)
{
	struct synth_file *sf = container_of(f, struct synth_file, base);

	free(sf->text);
	free(sf);
}

const struct vfs_file_ops synth_file_ops = {
	.type = "synth",
	.read = sf_read,
	.write = sf_write,
	.write_empty = true,
	.lseek = sf_lseek,
	.fstat = sf_fstat,
	.release = sf_release,
};

static s64 dev_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	u32 dev = container_of(f, struct synth_dev_file, base)->dev;

	switch (dev) {
	case DEV_NULL:
		return 0;
	case DEV_RANDOM:
	case DEV_URANDOM:
		for (size_t done = 0; done < len;) {
			ssize_t n = getrandom((u8 *)buf + done, len - done, 0);

			if (n < 0)
				return done ? (s64)done : -errno;
			done += n;
		}
		return len;
	default:
		memset(buf, 0, len);
		return len;
	}
}

static s64 dev_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		     s64 *pos)
{
	u32 dev = container_of(f, struct synth_dev_file, base)->dev;

	return dev == DEV_FULL ? -ENOSPC : (s64)len;
}

static s64 dev_lseek(struct vfs_file *f, s64 off, int whence)
{
	pthread_mutex_lock(&f->pos_lock);
	f->pos = 0;
	pthread_mutex_unlock(&f->pos_lock);
	return 0;
}

static s64 dev_map_read(struct vfs_file *f, void *buf, size_t len, s64 off)
{
	u32 dev = container_of(f, struct synth_dev_file, base)->dev;

	if (dev != DEV_ZERO)
		return -ENODEV;
	memset(buf, 0, len);
	return len;
}

static void dev_release(struct vfs_file *f)
{
	free(container_of(f, struct synth_dev_file, base));
}

const struct vfs_file_ops synth_dev_ops = {
	.type = "synth_dev",
	.read = dev_read,
	.write = dev_write,
	.lseek = dev_lseek,
	.fstat = sf_fstat,
	.map_read = dev_map_read,
	.release = dev_release,
};

static s64 dir_getdents(struct task *t, struct vfs_file *f, void *buf, size_t len);

static void dir_release(struct vfs_file *f)
{
	free(container_of(f, struct synth_dir_file, base));
}

static s64 dir_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	return -EISDIR;
}

static s64 dir_lseek(struct vfs_file *f, s64 off, int whence)
{
	/* A directory has no end to seek from. */
	return whence == SEEK_END ? -EINVAL : vfs_file_seek(f, off, whence, 0);
}

const struct vfs_file_ops synth_dir_ops = {
	.type = "synth_dir",
	.read = dir_read,
	.lseek = dir_lseek,
	.fstat = sf_fstat,
	.getdents = dir_getdents,
	.release = dir_release,
};

struct l_dirent64 {
	u64 d_ino;
	s64 d_off;
	u16 d_reclen;
	u8 d_type;
	char d_name[];
};

/* A fresh listing on every call, indexed by the offset. */
static s64 dir_getdents(struct task *t, struct vfs_file *f, void *buf, size_t len)
{
	struct vfs_dentry *d = f->path.d;
	struct vfs_dirent *ents = NULL;
	size_t off = 0;
	u32 n = 0;
	s64 ret;

	pthread_mutex_lock(&f->pos_lock);
	pthread_mutex_lock(&vfs_lock);
	ret = d->inode->ops->readdir(t, d, &ents, &n);
	pthread_mutex_unlock(&vfs_lock);
	if (ret)
		goto out;
	for (;; f->pos++) {
		s64 i = f->pos;
		const char *name = i == 0 ? "." : i == 1 ? ".." :
				   (u64)(i - 2) < n ? ents[i - 2].name : NULL;
		u64 ino = i < 2 ? d->inode->ino : ents[i - 2].ino;
		u8 type = i < 2 ? DT_DIR : (u64)(i - 2) < n ? ents[i - 2].type : 0;
		size_t nl, rec;
		struct l_dirent64 *de;

		if (!name)
			break;
		nl = strlen(name);
		rec = ALIGN_UP(offsetof(struct l_dirent64, d_name) + nl + 1, 8);
		if (off + rec > len) {
			if (!off)
				ret = -EINVAL;
			break;
		}
		de = (struct l_dirent64 *)((u8 *)buf + off);
		memset(de, 0, rec);
		de->d_ino = ino;
		de->d_off = i + 1;
		de->d_reclen = rec;
		de->d_type = type;
		memcpy(de->d_name, name, nl);
		off += rec;
	}
	if (!ret)
		ret = off;
	for (u32 i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
out:
	pthread_mutex_unlock(&f->pos_lock);
	return ret;
}

int synth_file_after_load(void *o, void *ctx)
{
	return 0;
}

static int new_root(u32 kind, u32 id, bool proc, struct vfs_dentry **root)
{
	struct vfs_inode *ino;
	int err = synth_inode_new(kind, id, S_IFDIR | 0555, 0, -1, proc, &ino);

	if (err)
		return err;
	if (!proc)
		ino->mode = S_IFDIR | 0755;
	err = vfs_dentry_new(NULL, "/", ino, root);
	vfs_inode_put(ino);
	return err;
}

int procfs_new(struct vfs_dentry **root)
{
	return new_root(SK_PROC_ROOT, 0, true, root);
}

int devfs_new(struct vfs_dentry **root)
{
	return new_root(SK_DIR, ST_DEV, false, root);
}

int sysfs_new(struct vfs_dentry **root)
{
	struct vfs_inode *ino;
	int err = sys_inode_new(SK_DIR, ST_SYSFS_ROOT, S_IFDIR | 0555, 0, &ino);

	if (err)
		return err;
	err = vfs_dentry_new(NULL, "/", ino, root);
	vfs_inode_put(ino);
	return err;
}
